"""Interchange records streamed into a Parquet directory, a batch at a time.

:func:`write_records` takes ``(list name, interchange object)`` pairs in any order (the
synthetic CRM's ``iter_generate`` gives one rep's book at a time, every list interleaved) and
writes the directory :func:`~.parquet.write_parquet` writes for the snapshot of those records:
the same files, schemas and rows. Each list's objects are decoded into records by the document
decoder a few thousand at a time and made into an Arrow table by the same function
``write_parquet`` uses; once a list holds ``batch_rows`` rows they are appended to its file as
one row group, through a ``pyarrow.parquet.ParquetWriter``. So the memory used follows the
batch, not the CRM: no document, snapshot or whole table is ever held. The directory is written
beside the target and renamed into place at the end (:func:`~.parquet.whole_directory`): an
error or Ctrl-C leaves the target as it was.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from guided_actions._adapters.frames.arrow import SCHEMA_KEY, pyarrow
from guided_actions._adapters.frames.parquet import _table, whole_directory
from guided_actions._model.document import SCHEMA, decode
from guided_actions._model.kinds import BY_NAME
from guided_actions.errors import InvalidSnapshotError, Problem, short_repr

__all__ = ["BATCH_ROWS", "DECODE_ROWS", "write_records"]

#: The rows of one list written together: one row group of its file each.
BATCH_ROWS = 65_536
#: The interchange objects of one list decoded together into an Arrow table: the objects held
#: at any time are at most this many per list, the rest of a batch waits as Arrow columns.
DECODE_ROWS = 4_096


def write_records(
    records: Iterable[tuple[str, Mapping[str, Any]]],
    path: str | os.PathLike[str],
    *,
    batch_rows: int = BATCH_ROWS,
) -> int:
    """Write ``records`` (``(list name, interchange object)`` pairs) to the directory ``path``
    as :func:`~.parquet.write_parquet` writes their snapshot; the number of records written.

    ``path`` is checked and replaced as ``write_parquet`` does it. Each record is checked as the
    document decoder checks it: a list name or a record with a problem raises
    :class:`~guided_actions.errors.InvalidSnapshotError` and nothing is written. Checks across
    records (references, duplicate ids) are left to whoever reads the directory.

    The first objects of a list set its column types, which ``write_parquet`` derives from all
    of them: the two agree when a list's types do not depend on its values, as for the
    synthetic CRM (a list of deals whose first amounts are whole and later ones decimal would
    not be written, and raise).
    """
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be at least 1, got {batch_rows}")
    pa = pyarrow()
    count = 0
    with whole_directory(Path(path)) as fresh:
        lists: dict[str, _ListWriter] = {}
        try:
            for name, record in records:
                writer = lists.get(name)
                if writer is None:
                    writer = lists[name] = _ListWriter(pa, fresh, name, batch_rows)
                writer.add(record)
                count += 1
            for writer in lists.values():
                writer.finish()
        finally:
            for writer in lists.values():
                writer.close()
    return count


class _ListWriter:
    """One list's file: objects decoded a few thousand at a time into Arrow tables, which are
    written a batch (a row group) at a time."""

    def __init__(self, pa: Any, directory: Path, name: str, batch_rows: int) -> None:
        if name not in BY_NAME:
            problem = Problem("snapshot", None, short_repr(name), None, "unknown record list")
            raise InvalidSnapshotError([problem])
        self.pa = pa
        self.path = directory / f"{name}.parquet"
        self.name = name
        self.batch_rows = batch_rows
        self.decode_rows = min(DECODE_ROWS, batch_rows)
        self.metadata = {SCHEMA_KEY: SCHEMA.encode()}
        self.objects: list[Mapping[str, Any]] = []
        self.tables: list[Any] = []
        self.buffered = 0
        self.schema: Any = None
        self.writer: Any = None

    def add(self, record: Mapping[str, Any]) -> None:
        self.objects.append(record)
        if len(self.objects) >= min(self.decode_rows, self.batch_rows - self.buffered):
            self._decode()

    def finish(self) -> None:
        """Write what is still held."""
        if self.objects:
            self._decode()
        if self.tables:
            self._write()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def _decode(self) -> None:
        decoded = decode({"schema": SCHEMA, self.name: self.objects})
        if decoded.problems:
            raise InvalidSnapshotError(decoded.problems)
        self.objects = []
        records = decoded.lists[self.name]
        table = _table(self.pa, BY_NAME[self.name].cls, records, self.metadata)
        if self.schema is None:
            self.schema = table.schema
        elif not table.schema.equals(self.schema, check_metadata=True):
            table = table.cast(self.schema)
        self.tables.append(table)
        self.buffered += table.num_rows
        if self.buffered >= self.batch_rows:
            self._write()

    def _write(self) -> None:
        if self.writer is None:
            self.writer = self.pa.parquet.ParquetWriter(self.path, self.schema)
        table = self.pa.concat_tables(self.tables)
        self.writer.write_table(table, row_group_size=self.batch_rows)
        self.tables = []
        self.buffered = 0

"""Parquet in and out: a snapshot as a directory of one Parquet file per record list.

``write_parquet`` writes ``<list>.parquet`` for every list that has records (``users.parquet``,
``contacts.parquet``…), with one column per field of the list's records (see
:mod:`guided_actions._adapters.frames.arrow`), and ``lifecycle_stages.parquet`` (one column,
``id``, the stages in order) when the snapshot's lifecycle stages are not the default ones. It
writes into a new directory next to the target and renames it into place, so that the target
holds the whole snapshot or is left as it was. ``read_parquet`` reads such a directory back
through the frames reader: every problem is reported as the JSON loader reports it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import typing
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from guided_actions._adapters.frames.arrow import SCHEMA_KEY, column_for, pyarrow
from guided_actions._adapters.frames.reading import FramesReader
from guided_actions._model.document import SCHEMA
from guided_actions._model.kinds import KINDS, NAMES
from guided_actions._model.records import Record
from guided_actions._model.validation import field_types, shown_list
from guided_actions._snapshot.snapshot import Snapshot
from guided_actions.errors import Problem, short_repr

__all__ = ["LIFECYCLE_STAGES", "read_parquet", "whole_directory", "write_parquet"]

#: The file name (without ``.parquet``) of the lifecycle stages, written when they are custom.
LIFECYCLE_STAGES = "lifecycle_stages"
#: Every file name ``write_parquet`` may write.
FILES = frozenset(f"{name}.parquet" for name in (*NAMES, LIFECYCLE_STAGES))


def write_parquet(snapshot: Snapshot, path: str | os.PathLike[str]) -> None:
    """Write ``snapshot`` to the directory ``path``: one Parquet file per list with records.

    ``path`` is created, or replaced when it is an empty directory or one that holds only files
    this function writes; a directory holding other files raises :class:`FileExistsError`. The
    directory is written whole or not at all. ``read_parquet(path)`` reads the same snapshot back.
    """
    pa = pyarrow()
    if not isinstance(snapshot, Snapshot):
        raise TypeError(f"write_parquet takes a Snapshot, got {short_repr(snapshot)}")
    target = Path(path)
    _check_target(target)  # before the tables are made
    metadata = {SCHEMA_KEY: SCHEMA.encode()}
    tables: dict[str, Any] = {}
    for kind in KINDS:
        records = snapshot.records(kind.name)
        if records:
            tables[kind.name] = _table(pa, kind.cls, records, metadata)
    if snapshot.custom_lifecycle_stages:
        stages = pa.array(list(snapshot.lifecycle_stages), type=pa.string())
        tables[LIFECYCLE_STAGES] = pa.table({"id": stages}).replace_schema_metadata(metadata)
    _write_whole(pa, target, tables)


def _table(pa: Any, cls: type[Record], records: tuple[Record, ...], metadata: Any) -> Any:
    """One list's records as an Arrow table, one column per field, in declaration order."""
    types_ = field_types(cls)
    fields, arrays = [], []
    for field in attrs.fields(typing.cast(Any, cls)):
        values = [getattr(record, field.name) for record in records]
        arrow_field, array = column_for(pa, field.name, types_[field.name], values)
        fields.append(arrow_field)
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=metadata))


def _check_target(target: Path) -> None:
    if not target.exists() and not target.is_symlink():
        return
    if not target.is_dir():
        raise FileExistsError(f"{target} exists and is not a directory")
    foreign = sorted(p.name for p in target.iterdir() if p.name not in FILES or not p.is_file())
    if foreign:
        raise FileExistsError(
            f"{target} holds files that write_parquet does not write ({shown_list(foreign)}): "
            "write to a new or empty directory"
        )


def _write_whole(pa: Any, target: Path, tables: Mapping[str, Any]) -> None:
    """Write the files into a new directory beside ``target``, then rename it to ``target``."""
    with whole_directory(target) as fresh:
        for name, table in tables.items():
            pa.parquet.write_table(table, fresh / f"{name}.parquet")


@contextlib.contextmanager
def whole_directory(target: Path) -> Iterator[Path]:
    """A new directory beside ``target`` to write into; once the block ends it replaces
    ``target`` (checked first as :func:`write_parquet` checks it), and when the block raises
    (an error or Ctrl-C) it is removed and ``target`` is left as it was."""
    _check_target(target)
    fresh = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    fresh.mkdir()  # with the usual permissions, not mkdtemp's owner-only ones
    try:
        yield fresh
        if target.exists():
            old = fresh.with_name(fresh.name + ".old")
            target.rename(old)
            try:
                fresh.rename(target)
            except BaseException:
                old.rename(target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            fresh.rename(target)
    finally:
        if fresh.exists():
            shutil.rmtree(fresh, ignore_errors=True)


def read_parquet(path: str | os.PathLike[str]) -> Snapshot:
    """Read a directory of one Parquet file per list (``users.parquet``…), as
    :func:`write_parquet` writes it, into a snapshot.

    Every ``*.parquet`` file of the directory is a list named by its file name, or the lifecycle
    stages (``lifecycle_stages.parquet``, one column ``id``); other files are left alone.
    Raises :class:`~guided_actions.errors.InvalidSnapshotError` listing every problem.
    """
    return _read_parquet(path)


def _read_parquet(path: str | os.PathLike[str], *, fast: bool = True) -> Snapshot:
    """:func:`read_parquet`; ``fast=False`` reads the plain way only (the reference the fast
    path is tested against)."""
    pa = pyarrow()
    directory = Path(path)
    if not directory.is_dir():
        if not directory.exists():
            raise FileNotFoundError(f"no such directory: {directory}")
        raise NotADirectoryError(f"not a directory: {directory}")
    files = {p.stem: p for p in directory.glob("*.parquet") if p.is_file()}
    order = {name: i for i, name in enumerate((*NAMES, LIFECYCLE_STAGES))}
    reader = FramesReader(fast=fast)
    lifecycle: object = None
    for name in sorted(files, key=lambda n: (order.get(n, len(order)), n)):
        file = files[name]
        try:
            table = pa.parquet.read_table(file)
        except (pa.ArrowException, OSError) as exc:
            message = f"not a readable Parquet file: {short_repr(str(exc), 200)}"
            reader.note(Problem("snapshot", None, name, file.name, message))
            continue
        schema = (table.schema.metadata or {}).get(SCHEMA_KEY)
        if schema is not None and schema != SCHEMA.encode():
            message = f"unsupported schema; expected {SCHEMA!r}"
            value = schema.decode(errors="replace")
            reader.note(Problem("snapshot", None, name, value, message))
            continue
        if name == LIFECYCLE_STAGES:
            lifecycle = _lifecycle(reader, table)
        else:
            reader.add(name, table)
    return reader.snapshot(lifecycle)


def _lifecycle(reader: FramesReader, table: Any) -> object:
    """The stage ids of ``lifecycle_stages.parquet``; ``None`` after a problem of its shape."""
    if table.column_names != ["id"]:
        reader.note(
            Problem(
                "snapshot",
                None,
                LIFECYCLE_STAGES,
                table.column_names,
                "expected one column, id: the lifecycle stage ids in order",
            )
        )
        return None
    return list(table.column("id").to_pylist())

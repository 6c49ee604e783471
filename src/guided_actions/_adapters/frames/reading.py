"""Frames in: pandas, polars and pyarrow tables (or any Arrow stream) to a snapshot.

The fast path (:mod:`.fast`) comes first: each column checked as a whole and the records built
straight from the columns. When it cannot vouch for every value, the frames are read the plain
way, described here, which is the reference: the fast path gives its snapshot or nothing.

Each frame is converted to Arrow, its columns to the values of an interchange document (native
timestamps to ISO-8601 text, nulls, ``NaT`` and ``NaN`` to absent values, list and struct columns
to lists and objects), and the document goes through the document decoder and the snapshot's
checks, exactly as ``Snapshot.from_dict`` would take it: every problem is the one the JSON
loader reports, all at once, and the snapshot is the one ``from_dict`` gives. Only what a column
can say as a whole is checked here, once per column: a column that is no field of its records,
a column given twice, timestamps without a time zone, dates where instants belong.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from guided_actions._adapters.frames.arrow import (
    JSON_COLUMN,
    float_fields,
    instant_fields,
    integer_fields,
    plain_values,
    pyarrow,
)
from guided_actions._adapters.frames.fast import Frame, fast_decoded, fast_list
from guided_actions._model.collector import paused
from guided_actions._model.document import SCHEMA, decode
from guided_actions._model.kinds import BY_NAME, NAMES
from guided_actions._model.records import Record
from guided_actions._model.validation import field_types, shown_list
from guided_actions._snapshot.snapshot import Snapshot
from guided_actions.errors import Problem, short_repr

__all__ = ["FramesReader", "fast_records", "interchange_rows", "snapshot"]

NOT_A_FRAME = "expected a pandas, polars or pyarrow frame, or an object with __arrow_c_stream__"
UNKNOWN_LIST = "unknown record list; expected one of " + shown_list(NAMES, quote=True)
UNKNOWN_COLUMN = "unknown column: no field of these records has this name"
DUPLICATE_COLUMN = "column given twice: a column name may appear only once"
NAIVE_COLUMN = (
    "naive timestamps: give the column a time zone (pandas .dt.tz_localize, "
    "polars .dt.replace_time_zone)"
)
DATE_COLUMN = "dates, not instants: give the column a time and a time zone"


def snapshot(
    tables: Mapping[str, object], *, lifecycle_stages: Iterable[str] | None = None
) -> Snapshot:
    """A :class:`~guided_actions.Snapshot` from frames, one per interchange list.

    ``tables`` maps list names (``"users"``, ``"contacts"``, ``"deals"``…) to pandas or polars
    DataFrames, pyarrow Tables, RecordBatches or RecordBatchReaders, or any object with
    ``__arrow_c_stream__``, whose columns are the interchange fields of that list.
    ``lifecycle_stages`` is the ordered list of stage ids (``None``: the default list).

    Raises :class:`~guided_actions.errors.InvalidSnapshotError` listing every problem; the
    snapshot equals ``Snapshot.from_dict`` of the same data.
    """
    return _snapshot(tables, lifecycle_stages)


def _snapshot(
    tables: Mapping[str, object], lifecycle_stages: object, *, fast: bool = True
) -> Snapshot:
    """:func:`snapshot`; ``fast=False`` reads the plain way only (the reference the fast path
    is tested against)."""
    reader = FramesReader(fast=fast)
    if not isinstance(tables, Mapping):
        raise TypeError(f"tables must map list names to frames, got {short_repr(tables)}")
    for name, frame in tables.items():
        reader.add(name, frame)
    return reader.snapshot(lifecycle_stages)


def _first_value(column: Any) -> Any:
    """The first value of a column that is not null (``None`` when all are)."""
    if isinstance(column, list):
        return next((v for v in column if _plain(v, instant=False) is not None), None)
    for chunk in column.chunks if hasattr(column, "chunks") else (column,):
        if chunk.null_count < len(chunk):
            return next(v for v in chunk.to_pylist() if v is not None)
    return None


class FramesReader:
    """Collects frames, list by list, and the problems found on the way; :meth:`snapshot` then
    builds the snapshot.

    It first tries the fast path (:mod:`.fast`): every column checked as a whole, the records
    built from the columns. When that finds anything that might be a problem, the frames are
    read the plain way, in the order given: each into the lists of an interchange document
    with the problems of its columns, and the document through the decoder, so that every
    problem is the JSON loader's. ``fast=False`` reads the plain way only.
    """

    def __init__(self, *, fast: bool = True) -> None:
        self.pa = pyarrow()
        self.fast = fast
        #: The plain way's interchange document and problems, filled by :meth:`read_plainly`.
        self.document: dict[str, Any] = {"schema": SCHEMA}
        self.problems: list[Problem] = []
        #: What was given, in order: a frame's columns as a list, or a problem of the input.
        self.steps: list[Frame | Problem] = []

    # -- one frame --------------------------------------------------------------------------

    def add(self, name: object, frame: object) -> None:
        """Read one frame as the list ``name``."""
        if not isinstance(name, str) or name not in BY_NAME:
            key = name if isinstance(name, str) else short_repr(name)
            self.note(Problem("snapshot", None, key, type(frame).__name__, UNKNOWN_LIST))
            return
        read = self._columns(name, frame)
        if read is not None:
            self.steps.append((name, *read))

    def note(self, problem: Problem) -> None:
        """A problem of the input itself (a file that cannot be read), in its place."""
        self.steps.append(problem)

    def read_plainly(self) -> None:
        """Read every step the plain way: the problems, and each frame into the document."""
        for step in self.steps:
            if isinstance(step, Problem):
                self.problems.append(step)
            else:
                self.add_columns(*step)
        self.steps.clear()

    def add_columns(self, name: str, columns: Sequence[tuple[Any, Any]], n_rows: int) -> None:
        """Read one list from its columns: ``(Arrow field or name, Arrow column or list)``."""
        cls = BY_NAME[name].cls
        types_ = field_types(cls)
        instants, integers, floats = instant_fields(cls), integer_fields(cls), float_fields(cls)
        names: list[str] = []
        values: list[list[Any]] = []
        for field, column in columns:
            column_name = field if isinstance(field, str) else field.name
            if column_name in names:
                self.problems.append(Problem(name, None, column_name, None, DUPLICATE_COLUMN))
                continue
            if column_name not in types_:
                self._column_problem(name, column_name, column, UNKNOWN_COLUMN)
                continue
            json_text = not isinstance(field, str) and (field.metadata or {}) == JSON_COLUMN
            names.append(column_name)
            values.append(
                self._values(
                    name,
                    column_name,
                    column,
                    json_text=json_text,
                    instant=column_name in instants,
                    integer=column_name in integers,
                    floating=column_name in floats,
                )
            )
        if values:
            rows = [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]
        else:
            rows = [{} for _ in range(n_rows)]
        self.document[name] = rows

    def _columns(self, name: str, frame: object) -> tuple[list[tuple[Any, Any]], int] | None:
        """The columns of a frame, as Arrow (a pandas column Arrow cannot hold as Python
        values), and its number of rows; ``None`` after a problem when it is no frame."""
        pa = self.pa
        pandas = sys.modules.get("pandas")
        if pandas is not None and isinstance(frame, pandas.DataFrame):
            return _pandas_columns(pa, frame)
        polars = sys.modules.get("polars")
        if polars is not None and isinstance(frame, polars.LazyFrame):
            frame = frame.collect()
        try:
            if isinstance(frame, pa.Table):
                table = frame
            elif isinstance(frame, pa.RecordBatch):
                table = pa.Table.from_batches([frame])
            elif isinstance(frame, pa.RecordBatchReader):
                table = frame.read_all()
            elif hasattr(frame, "__arrow_c_stream__"):
                table = pa.RecordBatchReader.from_stream(frame).read_all()
            elif hasattr(frame, "__arrow_c_array__"):
                table = pa.Table.from_batches([pa.record_batch(frame)])
            else:
                table = None
        except (pa.ArrowException, TypeError, ValueError) as exc:
            message = f"could not be read as an Arrow table: {short_repr(str(exc), 200)}"
            self.note(Problem("snapshot", None, name, type(frame).__name__, message))
            return None
        if table is None:
            self.note(Problem("snapshot", None, name, type(frame).__name__, NOT_A_FRAME))
            return None
        return list(zip(table.schema, table.columns, strict=True)), table.num_rows

    def _values(
        self,
        name: str,
        field: str,
        column: Any,
        *,
        json_text: bool,
        instant: bool,
        integer: bool,
        floating: bool,
    ) -> list[Any]:
        """The interchange values of one column (a problem of the whole column is noted)."""
        if isinstance(column, list):
            return [_plain(v, instant) for v in column]
        pa = self.pa
        types = pa.types
        if types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        arrow_type = column.type
        if (
            instant
            and not json_text
            and (types.is_timestamp(arrow_type) or types.is_date(arrow_type))
        ):
            # One problem for a whole column without a time zone; its values are still read,
            # as UTC, so that every other problem of its rows is found in the same pass.
            if types.is_date(arrow_type):
                self._column_problem(name, field, column, DATE_COLUMN)
                column = column.cast(pa.timestamp("ms"))
            elif arrow_type.tz is None:
                self._column_problem(name, field, column, NAIVE_COLUMN)
            return self._iso_text(column)
        return plain_values(pa, column, json_text=json_text, integer=integer, floating=floating)

    def _iso_text(self, column: Any) -> list[Any]:
        """A timestamp column as ISO-8601 text, which the decoder reads as it reads a JSON
        instant: the UTC wall time (a cast much faster than formatting a zone) and ``+00:00``.
        Nanoseconds are cut to microseconds, as a Python datetime holds them; a value beyond
        the years Arrow can print is text the decoder reports as no instant."""
        pa = self.pa
        unit = column.type.unit
        wall = column.cast(pa.timestamp(unit))  # the same instants, without their zone
        if unit == "ns":
            wall = wall.cast(pa.timestamp("us"), safe=False)
        text = pa.compute.binary_join_element_wise(wall.cast(pa.string()), "+00:00", "")
        return list(text.to_pylist())

    def _column_problem(self, name: str, field: str, column: Any, message: str) -> None:
        """One problem of a whole column, shown with its first value."""
        self.problems.append(Problem(name, None, field, _first_value(column), message))

    # -- the snapshot -------------------------------------------------------------------------

    def snapshot(self, lifecycle_stages: object = None) -> Snapshot:
        """The snapshot of the frames read so far (or raise every problem)."""
        stages = None if lifecycle_stages is None else _stage_list(lifecycle_stages)
        with paused():
            # Only frames, nothing read the plain way yet: the fast path may vouch for them.
            frames = [step for step in self.steps if not isinstance(step, Problem)]
            untouched = not self.problems and self.document.keys() == {"schema"}
            if self.fast and untouched and len(frames) == len(self.steps):
                decoded = fast_decoded(self.pa, frames, stages)
                if decoded is not None:
                    return Snapshot._from_decoded(decoded)
            self.read_plainly()
            document = dict(self.document)
            if stages is not None:
                document["lifecycle_stages"] = stages
            return Snapshot._from_decoded(decode(document), self.problems)


def fast_records(name: str, frame: object) -> tuple[Record, ...] | None:
    """The records of one frame read as the list ``name`` by the fast path (each column checked
    as a whole, the records built from the columns), or ``None`` when anything might be a
    problem: :func:`interchange_rows` and the decoder then read it, and name each problem."""
    reader = FramesReader()
    reader.add(name, frame)
    if len(reader.steps) != 1 or isinstance(reader.steps[0], Problem):
        return None
    _name, columns, n_rows = reader.steps[0]
    return fast_list(reader.pa, name, columns, n_rows)


def interchange_rows(name: str, frame: object) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The rows of one frame read as the list ``name``, as interchange objects (what
    :meth:`FramesReader.add` puts in the document), and the problems of its columns (a row's
    own problems are the decoder's to find)."""
    reader = FramesReader(fast=False)
    reader.add(name, frame)
    reader.read_plainly()
    return list(reader.document.get(name, ())), reader.problems


def _stage_list(stages: object) -> object:
    """The lifecycle stages as a list, for the snapshot to check (a string is left as it is)."""
    if isinstance(stages, str | bytes):
        return stages
    try:
        return list(typing.cast(Iterable[Any], stages))
    except TypeError:
        return stages


def _pandas_columns(pa: Any, frame: Any) -> tuple[list[tuple[Any, Any]], int]:
    """A pandas DataFrame's columns: Arrow arrays, or Python values for a column that Arrow
    cannot hold (mixed types: ``"everyone"`` in one row and a list of teams in another)."""
    # A named index (set_index("id")) is a column, before the others, as reset_index() would
    # put it; an unnamed one (a RangeIndex, the labels left by a filter) is only row labels. A
    # named index that has a column's name is that column given twice: a problem.
    named = [n for n in frame.index.names if n is not None]
    given = [
        *((label, frame.index.get_level_values(label)) for label in named),
        *((label, frame.iloc[:, position]) for position, label in enumerate(frame.columns)),
    ]
    columns: list[tuple[Any, Any]] = []
    for label, values in given:
        try:
            columns.append((str(label), pa.Array.from_pandas(values)))
        except (pa.ArrowException, TypeError, ValueError):
            columns.append((str(label), values.tolist()))
    return columns, len(frame)


def _plain(value: Any, instant: bool) -> Any:
    """A Python value of a pandas column as the interchange document holds it."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    pandas = sys.modules.get("pandas")
    if pandas is not None and (value is pandas.NaT or value is pandas.NA):
        return None
    if isinstance(value, datetime):
        return value.isoformat() if instant else value
    if isinstance(value, list | tuple) or type(value).__name__ == "ndarray":
        return [_plain(v, False) for v in value]
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    return value

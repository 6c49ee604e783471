"""The fast way from Arrow columns to records: checked by column, built without a document.

The frames reader (:mod:`.reading`) and ``read_parquet`` first try this path. Each column is
checked as a whole, with Arrow's own kernels: that it is a field of its records, given once,
of an Arrow type that can hold the field's values, without nulls where the field is required;
that a field of a few allowed values (a ``Literal``) holds only those; that an id column holds
no empty id; that a timestamp column has a time zone and its earliest and latest instants lie
within the supported years. Each column is then turned into Python values once (timestamps into
aware datetimes in UTC, with no text in between), and
:func:`~guided_actions._model.columns.records_from_columns` builds the records of the list,
checking by column again what Arrow cannot say.

Whenever anything might be a problem (a column check fails, or the builder declines a list),
:func:`fast_decoded` gives ``None`` and the caller reads the whole input the plain way: the
interchange document, the decoder, and every problem exactly as the JSON loader reports it.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Any, Literal

import attrs

from guided_actions._adapters.frames.arrow import (
    JSON_COLUMN,
    float_fields,
    instant_fields,
    integer_fields,
    plain_values,
)
from guided_actions._model.columns import records_from_columns
from guided_actions._model.document import Decoded
from guided_actions._model.kinds import BY_NAME, NAMES
from guided_actions._model.records import Record
from guided_actions._model.validation import MAX_YEAR, MIN_YEAR, field_types, id_fields, is_union

__all__ = ["Frame", "fast_decoded", "fast_list"]


#: One frame read as a list: its name, its ``(Arrow field or name, column)`` pairs, its rows.
Frame = tuple[str, Sequence[tuple[Any, Any]], int]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: The first and last microsecond of the supported years, counted from 1970 in UTC.
_FIRST_US = (datetime(MIN_YEAR, 1, 1, tzinfo=UTC) - _EPOCH) // _MICROSECOND
_LAST_US = (datetime(MAX_YEAR + 1, 1, 1, tzinfo=UTC) - _EPOCH) // _MICROSECOND - 1
#: Microseconds per unit of an Arrow timestamp (``ns`` spans years 1677 to 2262: always inside).
_US_PER_UNIT = {"s": 1_000_000, "ms": 1_000, "us": 1}


def fast_decoded(pa: Any, frames: Sequence[Frame], lifecycle_stages: object) -> Decoded | None:
    """What the document decoder would give for these frames when they hold no problem, or
    ``None`` when they might (the caller then reads them the plain way).

    ``lifecycle_stages`` is the value the document would hold (``None``: absent).
    """
    names = [name for name, _columns, _rows in frames]
    if len(set(names)) != len(names) or not set(names) <= set(NAMES):
        return None
    lists: dict[str, tuple[Record, ...]] = dict.fromkeys(NAMES, ())
    ids: dict[str, tuple[str, ...]] = {}
    for name, columns, n_rows in frames:
        records = fast_list(pa, name, columns, n_rows)
        if records is None:
            return None
        lists[name] = records
        id_field = BY_NAME[name].id_field
        if id_field is not None and records:
            found = tuple(map(attrgetter(id_field), records))
            if "#" in set(map(itemgetter(0), found)):
                # The decoder names a record whose id looks like its position (``#3``) by its
                # position, and leaves that id out.
                found = tuple(rid for index, rid in enumerate(found) if rid != f"#{index}")
            if found:
                ids[name] = found
    return Decoded(
        lists=lists,
        lifecycle_stages=list(lifecycle_stages)
        if isinstance(lifecycle_stages, list)
        else lifecycle_stages,
        ids=ids,
        problems=(),
    )


def fast_list(
    pa: Any, name: str, columns: Sequence[tuple[Any, Any]], n_rows: int
) -> tuple[Record, ...] | None:
    """The records of one list, or ``None`` when one of its columns might hold a problem."""
    cls = BY_NAME[name].cls
    types_ = field_types(cls)
    required = _required(cls)
    instants, integers, floats = instant_fields(cls), integer_fields(cls), float_fields(cls)
    ids = set(id_fields(cls))
    values: dict[str, list[Any]] = {}
    for field, column in columns:
        column_name = field if isinstance(field, str) else field.name
        if column_name in values or column_name not in types_ or isinstance(column, list):
            return None
        if not hasattr(column, "null_count") or (column_name in required and column.null_count):
            return None
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_string_view(column.type):  # polars' strings, which few kernels take
            column = column.cast(pa.string())
        tp = types_[column_name]
        read: list[Any] | None
        if not isinstance(field, str) and (field.metadata or {}) == JSON_COLUMN:
            read = plain_values(pa, column, json_text=True, integer=False, floating=False)
        elif column_name in instants:
            read = _instants(pa, column)
        elif not _fits(pa, column, tp, is_id=column_name in ids):
            return None
        else:
            read = plain_values(
                pa,
                column,
                json_text=False,
                integer=column_name in integers,
                floating=column_name in floats,
            )
        if read is None:
            return None
        values[column_name] = read
    return records_from_columns(name, values, n_rows)


def _required(cls: type[Record]) -> frozenset[str]:
    return frozenset(
        f.name for f in attrs.fields(typing.cast(Any, cls)) if f.default is attrs.NOTHING
    )


def _fits(pa: Any, column: Any, tp: Any, *, is_id: bool) -> bool:
    """What a column says as a whole fits a field of annotation ``tp``: its Arrow type, its
    values when the field allows only a few, no empty id."""
    if not _holds(pa, column.type, tp) or not _allowed(pa, column, tp):
        return False
    return not (is_id and _is_text(pa, column.type) and _has_empty(pa, column))


def _arms(tp: Any) -> list[Any]:
    if is_union(tp):
        return [a for a in typing.get_args(tp) if a is not type(None)]
    return [tp]


def _is_text(pa: Any, arrow_type: Any) -> bool:
    types = pa.types
    return bool(
        types.is_string(arrow_type)
        or types.is_large_string(arrow_type)
        or types.is_string_view(arrow_type)
    )


def _holds(pa: Any, arrow_type: Any, tp: Any) -> bool:
    """Whether an Arrow type can hold values of a field of annotation ``tp`` (the values
    themselves are checked by the record builder)."""
    types = pa.types
    if types.is_null(arrow_type):
        return True
    for arm in _arms(tp):
        if arm is str or typing.get_origin(arm) is Literal:
            if _is_text(pa, arrow_type):
                return True
        elif arm is bool:
            if types.is_boolean(arrow_type):
                return True
        elif arm is int or arm is float:
            # pandas holds integers with missing values as floats; amounts may be decimals.
            if types.is_integer(arrow_type) or types.is_floating(arrow_type):
                return True
            if arm is float and types.is_decimal(arrow_type):
                return True
        elif typing.get_origin(arm) is tuple:
            item = getattr(arrow_type, "value_type", None)
            is_list = types.is_list(arrow_type) or types.is_large_list(arrow_type)
            if (
                is_list
                and item is not None
                and (_is_text(pa, item) or types.is_struct(item) or types.is_null(item))
            ):
                return True
    return False


def _allowed(pa: Any, column: Any, tp: Any) -> bool:
    """For a field of a few allowed values, whether the column holds only those."""
    allowed: set[object] = set()
    for arm in _arms(tp):
        if typing.get_origin(arm) is Literal:
            allowed.update(typing.get_args(arm))
        elif arm is not None:
            return True  # a union with a free arm (``"everyone"`` or team ids)
    if not allowed or not _is_text(pa, column.type):
        return True
    found = set(pa.compute.unique(column).to_pylist())
    found.discard(None)
    return found <= allowed


def _has_empty(pa: Any, column: Any) -> bool:
    """Whether a text column holds an empty string."""
    return bool(pa.compute.any(pa.compute.equal(column, "")).as_py())


#: A naive datetime of the UTC wall time as the aware instant (``datetime.UTC``, as the decoder
#: gives it).
_in_utc = functools.partial(datetime.replace, tzinfo=UTC)


def _instants(pa: Any, column: Any) -> list[Any] | None:
    """An instant column as aware datetimes in UTC (or as the ISO-8601 text it holds), or
    ``None`` when it has no time zone or an instant outside the supported years."""
    types = pa.types
    arrow_type = column.type
    if types.is_null(arrow_type) or _is_text(pa, arrow_type):
        return list(column.to_pylist())
    if not types.is_timestamp(arrow_type) or arrow_type.tz is None:
        return None
    if column.null_count < len(column):
        bounds = pa.compute.min_max(column.cast(pa.int64()))
        earliest, latest = bounds["min"].as_py(), bounds["max"].as_py()
        per_unit = _US_PER_UNIT.get(arrow_type.unit)
        if per_unit is not None and not (
            earliest * per_unit >= _FIRST_US and latest * per_unit <= _LAST_US
        ):
            return None
    # The UTC wall time, nanoseconds cut to microseconds as the plain path cuts them.
    wall = column.cast(pa.timestamp("us"), safe=False)
    if column.null_count:
        wall = pa.compute.fill_null(wall, 0)  # made None again below
    try:
        made = _from_numpy(wall.to_numpy(zero_copy_only=False))
    except ImportError:  # pragma: no cover - pyarrow without numpy
        made = list(map(_in_utc, wall.to_pylist()))
    if column.null_count:
        valid = column.is_valid().to_pylist()
        return [v if ok else None for v, ok in zip(made, valid, strict=True)]
    return made


def _from_numpy(wall: Any) -> list[datetime]:
    """Aware datetimes in UTC from numpy ``datetime64[us]`` UTC wall times within the supported
    years, made from their fields computed for the whole array at once.

    A datetime is made from the 10 bytes that also pickle it (year in two bytes, month, day,
    hour, minute, second, microsecond in three) and its time zone: the constructor reads them
    without parsing arguments, several times faster than ``replace(tzinfo=UTC)`` on each naive
    datetime. :data:`_STATE_WORKS` checks once that this Python builds them so; otherwise each
    naive datetime is given its zone.
    """
    import numpy as np  # pyarrow's own dependency, used only here

    if not _STATE_WORKS:  # pragma: no cover - every CPython and PyPy so far
        return list(map(_in_utc, wall.tolist()))
    n = len(wall)
    months = wall.astype("M8[M]")
    days = wall.astype("M8[D]")
    year = wall.astype("M8[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) - (year - 1970) * 12 + 1
    day = (days - months.astype("M8[D]")).astype(np.int64) + 1
    micros = (wall - days.astype("M8[us]")).astype(np.int64)
    state = np.empty((n, 10), dtype=np.uint8)
    state[:, 0] = year >> 8
    state[:, 1] = year & 255
    state[:, 2] = month
    state[:, 3] = day
    state[:, 4] = micros // 3_600_000_000
    state[:, 5] = micros // 60_000_000 % 60
    state[:, 6] = micros // 1_000_000 % 60
    fraction = micros % 1_000_000
    state[:, 7] = fraction >> 16
    state[:, 8] = (fraction >> 8) & 255
    state[:, 9] = fraction & 255
    raw = state.tobytes()
    return list(map(_from_state, [raw[i : i + 10] for i in range(0, 10 * n, 10)], repeat(UTC, n)))


#: ``datetime(state, tz)``: a datetime from the bytes that pickle it (typeshed knows only the
#: keyword constructor).
_from_state: Callable[[bytes, tzinfo], datetime] = typing.cast(Any, datetime)


def _state_works() -> bool:
    """Whether ``datetime(state, tz)`` gives the datetime those pickle bytes describe."""
    try:
        made = _from_state(b"\x07\xe9\x03\x03\x0c\x22\x38\x01\xe2\x40", UTC)
    except TypeError:  # pragma: no cover
        return False
    return bool(made == datetime(2025, 3, 3, 12, 34, 56, 123_456, tzinfo=UTC))


_STATE_WORKS = _state_works()

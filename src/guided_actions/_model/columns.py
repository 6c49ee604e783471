"""Records built from columns of values: the fast way to make many valid records at once.

The interchange document and the frames loader hold a list's records as rows of plain values.
Checking each row on its own, as :class:`~guided_actions._model.document` does to report
problems, costs a function call per field per record, and constructing a record checks its
fields once more. :func:`records_from_columns` checks a whole column at once instead (the set
of its value types, its distinct values against a ``Literal``, the smallest and largest instant
against the supported years, an empty string among the ids…) and then builds the records with a
constructor that sets their fields without checking them again.

It never reports a problem: when any value of any column might be one, it returns ``None``, and
the caller reads the rows with the per-record loader, which reports exactly what is wrong. So a
column is accepted only when every value in it is certainly valid, and built into exactly the
value the per-record loader would store (instants in UTC, lists as tuples).
"""

from __future__ import annotations

import math
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timezone
from itertools import chain
from operator import attrgetter
from typing import Any, Literal
from zoneinfo import ZoneInfo

import attrs

from guided_actions._model.kinds import BY_NAME
from guided_actions._model.records import Record, Stage
from guided_actions._model.time import parse_instant
from guided_actions._model.validation import (
    MAX_YEAR,
    MIN_YEAR,
    check_type,
    field_types,
    id_fields,
    is_union,
)

__all__ = ["records_from_columns"]

_NONE = type(None)
#: The earliest and latest instants a record may hold (years MIN_YEAR to MAX_YEAR in UTC).
_FIRST = datetime(MIN_YEAR, 1, 1, tzinfo=UTC)
_LAST = datetime(MAX_YEAR, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
_tzinfo = attrgetter("tzinfo")
#: Time zones that give every instant an offset (Arrow's timestamps come with a ``ZoneInfo``).
_ALWAYS_AWARE = (timezone, ZoneInfo)

#: A column's stored values, or ``None`` when one of its values might be a problem.
_Convert = Callable[[list[Any], set[type], bool, bool], "list[Any] | None"]


def records_from_columns(
    name: str, columns: Mapping[str, Sequence[Any]], n_rows: int
) -> tuple[Record, ...] | None:
    """The ``n_rows`` records of the list ``name`` whose field values are given by column.

    ``columns`` maps field names to sequences of ``n_rows`` values in interchange form (``None``
    for absent; a ``list`` for a list field; a pipeline's stages as a list of objects), except
    that an instant may be an aware ``datetime`` as well as ISO-8601 text. A field without a
    column is absent from every row. The records are those the interchange document's
    per-record loader builds from the same rows; ``None`` when any value might be a problem
    (then that loader tells which). Raises ``ValueError`` for an unknown list name or a column
    whose length is not ``n_rows``.
    """
    kind = BY_NAME.get(name)
    if kind is None:
        raise ValueError(f"unknown record list {name!r}")
    for field, column in columns.items():
        if len(column) != n_rows:
            raise ValueError(f"column {field!r} holds {len(column)} values, not {n_rows}")
    return build(kind.cls, columns, n_rows, datetimes=True)


def build(
    cls: type[Record], columns: Mapping[str, Sequence[Any]], n_rows: int, *, datetimes: bool
) -> tuple[Record, ...] | None:
    """:func:`records_from_columns` for a record class; instants given as ``datetime`` objects
    are accepted only when ``datetimes`` (an interchange document holds them as text)."""
    plan = _plan(cls)
    if not columns.keys() <= plan.names:
        return None  # an unknown field
    if n_rows == 0:
        return ()
    stored: dict[str, list[Any]] = {}
    for field in plan.fields:
        column = columns.get(field.name)
        if column is None:
            if field.required:
                return None
            stored[field.name] = [field.default] * n_rows
            continue
        if type(column) is not list:
            column = list(column)
        types_ = set(map(type, column))
        absent = _NONE in types_
        if absent:
            if field.required:
                return None
            types_.discard(_NONE)
        values = field.convert(column, types_, absent, datetimes)
        if values is None:
            return None
        if absent and field.default is not None:
            default = field.default
            values = [default if v is None else v for v in values]
        stored[field.name] = values
    records = tuple(map(plan.make, *stored.values()))
    if plan.extra:
        verdict = cls._extra_fine(stored, n_rows)
        if verdict is None:  # no check by column: each record's own
            verdict = not any(
                next(iter(r._extra_problems(None)), None) is not None for r in records
            )
        if not verdict:
            return None
    return records


# -- the plan of a record class ---------------------------------------------------------------


@attrs.frozen
class _Field:
    name: str
    required: bool
    default: Any
    convert: _Convert


@attrs.frozen
class _Plan:
    fields: tuple[_Field, ...]
    names: frozenset[str]
    #: Builds one record from its stored field values (in field order), checking nothing.
    make: Callable[..., Record]
    #: The class has checks of its own (``_extra_problems``).
    extra: bool


_PLANS: dict[type, _Plan] = {}


def _plan(cls: type[Record]) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is None:
        types_ = field_types(cls)
        ids = set(id_fields(cls))
        fields = []
        for f in attrs.fields(typing.cast(Any, cls)):
            default = f.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                default = default.factory()
            fields.append(
                _Field(
                    f.name,
                    f.default is attrs.NOTHING,
                    None if f.default is attrs.NOTHING else default,
                    _converter(types_[f.name], f.name in ids),
                )
            )
        plan = _Plan(
            fields=tuple(fields),
            names=frozenset(types_),
            make=_trusted_constructor(cls),
            extra=cls._extra_problems is not Record._extra_problems,
        )
        _PLANS[cls] = plan
    return plan


def _trusted_constructor(cls: type[Record]) -> Callable[..., Record]:
    """A function of the field values (positional, in field order) that returns the record
    holding them as they are: its slots are set directly, nothing converted or checked.

    The record is what the class's own ``__init__`` would make of the same (valid, converted)
    values, so equality, hashing, pickling and immutability are the class's own.
    """
    names = [f.name for f in attrs.fields(typing.cast(Any, cls))]
    setters = {f"_set_{name}": cls.__dict__[name].__set__ for name in names}
    args = ", ".join(names)
    body = "".join(f"    _set_{name}(self, {name})\n" for name in names)
    source = f"def make({args}):\n    self = _new(_cls)\n{body}    return self\n"
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls, **setters}
    exec(compile(source, f"<trusted constructor of {cls.__qualname__}>", "exec"), namespace)
    return typing.cast("Callable[..., Record]", namespace["make"])


def _converter(tp: Any, is_id: bool) -> _Convert:
    """How one column of a field annotated ``tp`` is checked and converted."""
    optional = is_union(tp) and _NONE in typing.get_args(tp)
    inner = tp
    if optional:
        rest = [a for a in typing.get_args(tp) if a is not _NONE]
        inner = rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]  # noqa: UP007
    if inner is str:
        return _strings(is_id)
    if inner is bool:
        return _exactly(bool)
    if inner is int:
        return _exactly(int)
    if inner is float:
        return _numbers
    if inner is datetime:
        return _instants
    origin = typing.get_origin(inner)
    if origin is Literal:
        return _literal(frozenset(typing.get_args(inner)))
    if origin is tuple:
        item = typing.get_args(inner)[0]
        if item is str:
            return _string_lists(is_id)
        if item is Stage:
            return _stages
    return _by_value(tp, is_id)


# -- column converters -----------------------------------------------------------------------
# Each takes a column (a fresh list), the set of the types of its values other than ``None``,
# whether it holds ``None`` (an absent value, which stays ``None``: the caller puts the field's
# default in its place) and whether ``datetime`` objects are accepted as instants. It returns the
# values to store, or ``None`` when one of them might be a problem.


def _present(column: list[Any], absent: bool) -> list[Any]:
    """The column's values that are not ``None``."""
    return [v for v in column if v is not None] if absent else column


def _refill(column: list[Any], present: list[Any]) -> list[Any]:
    """The column with ``present`` (converted) in place of its values that are not ``None``."""
    if len(present) == len(column):
        return present
    it = iter(present)
    return [None if v is None else next(it) for v in column]


def _strings(is_id: bool) -> _Convert:
    """Plain ``str`` values (a subclass is left to the per-record loader); an id is not empty."""

    def convert(
        column: list[Any], types_: set[type], absent: bool, datetimes: bool
    ) -> list[Any] | None:
        if not types_ <= {str} or (is_id and "" in column):
            return None
        return column

    return convert


def _exactly(tp: type) -> _Convert:
    """Values of exactly this type: ``True`` is no integer here, and an integer no boolean."""

    def convert(
        column: list[Any], types_: set[type], absent: bool, datetimes: bool
    ) -> list[Any] | None:
        return column if types_ <= {tp} else None

    return convert


def _numbers(
    column: list[Any], types_: set[type], absent: bool, datetimes: bool
) -> list[Any] | None:
    """Finite numbers, ``int`` or ``float`` (never a ``bool``), stored as given."""
    if not types_ <= {int, float}:
        return None
    if float in types_ and not all(map(math.isfinite, (v for v in column if type(v) is float))):
        return None
    return column


def _literal(allowed: frozenset[Any]) -> _Convert:
    """One of the allowed strings (every value a plain ``str``: a subclass may compare equal)."""

    def convert(
        column: list[Any], types_: set[type], absent: bool, datetimes: bool
    ) -> list[Any] | None:
        if not types_ <= {str}:
            return None
        values = set(column)
        values.discard(None)
        return column if values <= allowed else None

    return convert


def _instants(
    column: list[Any], types_: set[type], absent: bool, datetimes: bool
) -> list[Any] | None:
    """Aware instants (ISO-8601 text, or ``datetime`` objects when accepted), stored in UTC,
    between the years ``MIN_YEAR`` and ``MAX_YEAR`` there."""
    if not types_ <= ({str, datetime} if datetimes else {str}):
        return None
    present = _present(column, absent)
    parsed: list[datetime]
    if str not in types_:
        parsed = present
    elif datetime not in types_:
        try:
            # The parser of ``parse_instant``, which tries it first; text it does not read
            # is read by ``parse_instant`` as a whole.
            parsed = list(map(datetime.fromisoformat, present))
        except ValueError:
            try:
                parsed = list(map(parse_instant, present))
            except ValueError:
                return None
    else:
        try:
            parsed = [v if type(v) is datetime else parse_instant(v) for v in present]
        except ValueError:
            return None
    # By identity: a time zone object need not be hashable (dateutil's ``tzutc`` is not).
    zones = list({id(z): z for z in map(_tzinfo, parsed)}.values())
    if any(z is None for z in zones):
        return None  # naive
    if zones != [UTC]:
        if not all(type(z) in _ALWAYS_AWARE for z in zones) and any(
            v.utcoffset() is None for v in parsed
        ):
            return None  # a time zone that gives no offset: naive too
        try:
            parsed = [v if v.tzinfo is UTC else v.astimezone(UTC) for v in parsed]
        except OverflowError:
            return None  # out of range in UTC
    if parsed and (min(parsed) < _FIRST or max(parsed) > _LAST):
        return None
    return _refill(column, parsed)


def _string_lists(is_id: bool) -> _Convert:
    """Lists of plain strings, stored as tuples; an id among them is not empty."""

    def convert(
        column: list[Any], types_: set[type], absent: bool, datetimes: bool
    ) -> list[Any] | None:
        if not types_ <= {list}:
            return None
        present = _present(column, absent)
        items = list(chain.from_iterable(present))
        if not set(map(type, items)) <= {str} or (is_id and "" in items):
            return None
        return _refill(column, list(map(tuple, present)))

    return convert


def _stages(
    column: list[Any], types_: set[type], absent: bool, datetimes: bool
) -> list[Any] | None:
    """Pipelines' stages: lists of stage objects, built (all at once) as :class:`Stage` records."""
    if not types_ <= {list}:
        return None
    present = _present(column, absent)
    raw = list(chain.from_iterable(present))
    if not set(map(type, raw)) <= {dict}:
        return None
    keys: set[Any] = set().union(*raw)
    if not keys <= _plan(Stage).names:
        return None
    stage_columns = {key: [r.get(key) for r in raw] for key in keys}
    stages = build(Stage, stage_columns, len(raw), datetimes=datetimes)
    if stages is None:
        return None
    out: list[tuple[Record, ...]] = []
    start = 0
    for value in present:
        out.append(stages[start : start + len(value)])
        start += len(value)
    return _refill(column, out)


def _by_value(tp: Any, is_id: bool) -> _Convert:
    """Any other annotation (a dashboard's access): each value converted as the per-record
    loader does (a list to a tuple) and checked against the annotation on its own."""
    is_tuple = typing.get_origin(tp) is tuple or any(
        typing.get_origin(a) is tuple for a in typing.get_args(tp)
    )

    def convert(
        column: list[Any], types_: set[type], absent: bool, datetimes: bool
    ) -> list[Any] | None:
        if not types_ <= {str, list}:
            return None
        values = [tuple(v) if is_tuple and type(v) is list else v for v in _present(column, absent)]
        for value in values:
            if check_type(value, tp) is not None:
                return None
            items = value if isinstance(value, tuple) else (value,)
            if (is_id and "" in items) or not set(map(type, items)) <= {str}:
                return None
        return _refill(column, values)

    return convert

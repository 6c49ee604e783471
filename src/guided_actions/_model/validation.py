"""The records' type checker: every field checked against its annotation, every problem named.

A record class declares its fields with ordinary annotations (``str``, ``datetime | None``,
``tuple[str, ...]``, a ``Literal`` of allowed values…). This module reads those annotations once
per class and checks values against them: :func:`field_checks` gives one compiled check per
field (fast on the common case), :func:`check_type` the full check with a reader's message, and
:func:`id_problems` the ids that are empty strings. Nothing here knows a record class by name.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, Union

import attrs

from guided_actions.errors import Problem, clip, short_repr

__all__ = [
    "MAX_INTEGER_DIGITS",
    "MAX_SHOWN",
    "MAX_YEAR",
    "MIN_YEAR",
    "Check",
    "OversizedInteger",
    "check_type",
    "compile_check",
    "describe_type",
    "field_checks",
    "field_types",
    "id_fields",
    "id_problems",
    "is_union",
    "shown_list",
]

#: Instants must lie within these years (UTC), so that adding a rule's thresholds (days) to any
#: of them stays within what ``datetime`` can represent.
MIN_YEAR, MAX_YEAR = 2, 9998

#: The longest integer, in decimal digits, that JSON text may hold (Python's own default limit of
#: integer-to-text conversion): a longer one is read as an :class:`OversizedInteger`.
MAX_INTEGER_DIGITS = 4300

#: The most allowed values a message lists (``one of 'a', 'b', … and 12 more``).
MAX_SHOWN = 10


class OversizedInteger:
    """An integer of JSON text too long to read (more than :data:`MAX_INTEGER_DIGITS` digits).

    It stands in the parsed document where the integer was, so that the field holding it is
    reported like any other wrong value; only its number of digits is kept.
    """

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"<integer of {self.digits:,} digits>"


def shown_list(values: Sequence[object], *, quote: bool = False) -> str:
    """``values`` for a message: at most :data:`MAX_SHOWN` of them, each short, then how many
    more there are. Strings are shown as they are unless ``quote``; anything else by its repr.

    A message that lists a document's values (its lifecycle stages, a pipeline's stages) stays
    short however many the document has, so that reporting many problems cannot multiply them.
    """
    shown = [
        clip(v, 40) if isinstance(v, str) and not quote else short_repr(v, 40)
        for v in values[:MAX_SHOWN]
    ]
    if len(values) > MAX_SHOWN:
        shown.append(f"… and {len(values) - MAX_SHOWN:,} more")
    return ", ".join(shown)


#: A compiled check of one field: ``None`` when the value fits, else what was expected.
Check = Callable[[Any], "str | None"]

_FIELD_TYPES: dict[type, dict[str, Any]] = {}
_ID_FIELDS: dict[type, tuple[str, ...]] = {}
_FIELD_CHECKS: dict[type, tuple[tuple[str, Check], ...]] = {}


def field_types(cls: type) -> dict[str, Any]:
    """The resolved annotation of every attrs field of a record class."""
    cached = _FIELD_TYPES.get(cls)
    if cached is None:
        hints = typing.get_type_hints(cls)
        cached = {f.name: hints[f.name] for f in attrs.fields(cls)}
        _FIELD_TYPES[cls] = cached
    return cached


def id_fields(cls: type) -> tuple[str, ...]:
    """The fields of a record class that hold ids (non-empty strings): derived from the names."""
    cached = _ID_FIELDS.get(cls)
    if cached is None:
        cached = tuple(
            name
            for name in field_types(cls)
            if name in ("id", "key", "action_key", "in_reply_to") or name.endswith(("_id", "_ids"))
        )
        _ID_FIELDS[cls] = cached
    return cached


def field_checks(cls: type) -> tuple[tuple[str, Check], ...]:
    """One compiled check per field of a record class (built once per class)."""
    cached = _FIELD_CHECKS.get(cls)
    if cached is None:
        cached = tuple((name, compile_check(tp)) for name, tp in field_types(cls).items())
        _FIELD_CHECKS[cls] = cached
    return cached


def _aware(value: Any) -> str | None:
    if type(value) is datetime and value.tzinfo is UTC and MIN_YEAR <= value.year <= MAX_YEAR:
        return None  # the common case, stored in UTC by the converter
    return check_type(value, datetime)


def compile_check(tp: Any) -> Check:
    """A fast check for one annotation; same answers as :func:`check_type`."""
    if tp is str:
        return lambda v: None if type(v) is str else check_type(v, str)
    if tp is bool:
        return lambda v: None if type(v) is bool else "expected a boolean"
    if tp is datetime:
        return _aware
    if is_union(tp) and type(None) in typing.get_args(tp):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(inner) == 1:
            check = compile_check(inner[0])
            return lambda v: None if v is None else check(v)
    if typing.get_origin(tp) is tuple and typing.get_args(tp)[0] is str:
        return lambda v: (
            None if type(v) is tuple and all(type(i) is str for i in v) else check_type(v, tp)
        )
    if typing.get_origin(tp) is Literal:
        allowed = frozenset(typing.get_args(tp))
        return lambda v: None if type(v) is str and v in allowed else check_type(v, tp)
    return lambda v: check_type(v, tp)


def is_union(tp: Any) -> bool:
    """True for ``A | B`` and ``Union[A, B]`` annotations."""
    return typing.get_origin(tp) in (Union, types.UnionType)


def describe_type(tp: Any) -> str:
    """A reader's name for a type: ``"a string"``, ``"one of 'a', 'b'"``…"""
    if tp is type(None):
        return "null"
    if is_union(tp):
        return " or ".join(describe_type(a) for a in typing.get_args(tp))
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "one of " + shown_list(typing.get_args(tp), quote=True)
    if origin is tuple:
        return f"a list of {describe_type(typing.get_args(tp)[0]).removeprefix('a ')}s"
    return {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        datetime: "a timezone-aware instant",
    }.get(tp, f"a {getattr(tp, '__name__', tp)}")


def check_type(value: Any, tp: Any) -> str | None:
    """``None`` when ``value`` fits the annotation ``tp``, else what was expected."""
    if is_union(tp):
        args = typing.get_args(tp)
        if any(check_type(value, a) is None for a in args):
            return None
        # Report the most specific message of a non-null alternative.
        non_null = [a for a in args if a is not type(None)]
        if len(non_null) == 1:
            inner = check_type(value, non_null[0])
            return inner if value is not None else f"expected {describe_type(tp)}"
        return f"expected {describe_type(tp)}"
    if tp is type(None):
        return None if value is None else "expected null"
    origin = typing.get_origin(tp)
    if origin is Literal:
        allowed = typing.get_args(tp)
        if isinstance(value, str) and value in allowed:
            return None
        return "unknown value; expected " + describe_type(tp)
    if origin is tuple:
        if not isinstance(value, tuple):
            return f"expected {describe_type(tp)}"
        (item_tp, _ellipsis) = typing.get_args(tp)
        for item in value:
            inner = check_type(item, item_tp)
            if inner is not None:
                return f"list item {short_repr(item)}: {inner}"
        return None
    if tp is datetime:
        if not isinstance(value, datetime):
            return "expected a timezone-aware instant"
        if value.tzinfo is None or value.utcoffset() is None:
            return "naive instant: a time zone offset is required"
        try:
            year = value.astimezone(UTC).year
        except OverflowError:
            year = 0
        if not MIN_YEAR <= year <= MAX_YEAR:
            return f"instant out of the supported range (years {MIN_YEAR} to {MAX_YEAR} in UTC)"
        return None
    if tp is bool:
        return None if isinstance(value, bool) else "expected a boolean"
    if tp is int:
        if isinstance(value, OversizedInteger):
            return f"integer too long: {value.digits:,} digits (at most {MAX_INTEGER_DIGITS:,})"
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "expected an integer"
    if tp is float:
        # A number, as PEP 484 reads ``float``: an int or a float (never a bool), and finite.
        if isinstance(value, OversizedInteger):
            return f"integer too long: {value.digits:,} digits (at most {MAX_INTEGER_DIGITS:,})"
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "expected a number"
        if isinstance(value, int) or math.isfinite(value):  # an int of any size is finite
            return None
        return "expected a finite number"
    if tp is str:
        return None if isinstance(value, str) else "expected a string"
    if isinstance(tp, type):
        return None if isinstance(value, tp) else f"expected {describe_type(tp)}"
    raise TypeError(f"unsupported annotation {tp!r}")  # pragma: no cover - a library bug


def _empty_id(rid: str | None, kind: str, field: str, value: object) -> Iterable[Problem]:
    if isinstance(value, str) and not value:
        yield Problem(kind, rid, field, value, "ids must be non-empty strings")


def id_problems(
    record: Any, kind: str, rid: str | None, fields: Iterable[str]
) -> Iterable[Problem]:
    """A problem for every empty string among the ids of ``record`` held in ``fields``."""
    for field in fields:
        value = getattr(record, field)
        if isinstance(value, tuple):
            for item in value:
                yield from _empty_id(rid, kind, field, item)
        else:
            yield from _empty_id(rid, kind, field, value)

"""pyarrow, imported when first needed, and the Arrow column of each record field.

The column types are read from the record classes' annotations (as the document decoder reads
its fields), never listed by field name: ``str`` and a ``Literal`` of strings are ``string``,
``bool`` is ``bool``, ``int`` is ``int64``, an instant is ``timestamp[us, tz=UTC]``, a tuple of
ids is ``list<string>`` and a tuple of records (a pipeline's stages) a list of structs of their
own fields. A value no Arrow type holds exactly (an integer beyond ``int64``, a dashboard
``access`` that is ``"everyone"`` for one record and a list of teams for another, a string that
is not UTF-8) is written as JSON text in a column marked :data:`JSON_COLUMN`, which the reader
decodes: what is written is what is read back.
"""

from __future__ import annotations

import importlib
import json
import typing
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import attrs

from guided_actions._engine.tables import FRAMES_INSTALL, require
from guided_actions._model.document import record_to_dict
from guided_actions._model.records import Record
from guided_actions._model.time import utc_iso
from guided_actions._model.validation import field_types, is_union

__all__ = [
    "JSON_COLUMN",
    "SCHEMA_KEY",
    "column_for",
    "float_fields",
    "instant_fields",
    "integer_fields",
    "plain_values",
    "pyarrow",
]

#: Field metadata of a column written as JSON text, one JSON value per row.
JSON_COLUMN = {b"guided_actions.encoding": b"json"}

#: Schema metadata of every file ``write_parquet`` writes: the interchange schema it follows.
SCHEMA_KEY = b"guided_actions.schema"


def pyarrow() -> Any:
    """The ``pyarrow`` module (with its ``compute`` and ``parquet`` modules), imported now;
    without it, a :class:`ModuleNotFoundError` (an :class:`ImportError`) naming the extra."""
    pa = require("pyarrow", "guided_actions.frames", FRAMES_INSTALL)
    importlib.import_module("pyarrow.compute")
    importlib.import_module("pyarrow.parquet")
    return pa


def _arms(tp: Any) -> list[Any]:
    """The types a field may hold, ``None`` left out."""
    if is_union(tp):
        return [a for a in typing.get_args(tp) if a is not type(None)]
    return [tp]


def _is_instant(tp: Any) -> bool:
    return datetime in _arms(tp)


def instant_fields(cls: type[Record]) -> frozenset[str]:
    """The fields of a record class that hold instants."""
    return frozenset(name for name, tp in field_types(cls).items() if _is_instant(tp))


def integer_fields(cls: type[Record]) -> frozenset[str]:
    """The fields that hold an integer and no float: a column of whole floats is read as one
    (pandas stores integers with missing values as floats)."""
    return frozenset(
        name for name, tp in field_types(cls).items() if int in _arms(tp) and float not in _arms(tp)
    )


def float_fields(cls: type[Record]) -> frozenset[str]:
    """The fields that hold a float: a decimal column is read as floats."""
    return frozenset(name for name, tp in field_types(cls).items() if float in _arms(tp))


def _is_str(tp: Any) -> bool:
    if tp is str:
        return True
    return typing.get_origin(tp) is Literal and all(isinstance(a, str) for a in typing.get_args(tp))


def _record_item(tp: Any) -> type[Record] | None:
    """``Stage`` for ``tuple[Stage, ...]``."""
    if typing.get_origin(tp) is tuple:
        item = typing.get_args(tp)[0]
        if isinstance(item, type) and issubclass(item, Record):
            return item
    return None


def _fits(arm: Any, value: object) -> bool:
    """Whether a present value has the Python type of one arm of a union."""
    if _is_str(arm):
        return isinstance(value, str)
    if typing.get_origin(arm) is tuple:
        return isinstance(value, tuple)
    return False


def _arrow_type(pa: Any, tp: Any, present: Sequence[Any]) -> Any:
    """The Arrow type of a field of annotation ``tp`` holding the ``present`` (not None) values,
    or ``None`` when no one type holds them (they are written as JSON text)."""
    arms = _arms(tp)
    if len(arms) > 1:
        # A union of shapes (``"everyone"`` or a tuple of team ids): the arm every value takes.
        chosen = [a for a in arms if all(_fits(a, v) for v in present)]
        if not chosen:
            return None
        arms = chosen[:1]
    (arm,) = arms
    if _is_str(arm):
        return pa.string()
    if arm is bool:
        return pa.bool_()
    if arm is int:
        return pa.int64()
    if arm is float:
        # Whole amounts (``5000``) stay integers; any decimal one makes the column float64.
        if present and all(type(v) is int for v in present):
            return pa.int64()
        return pa.float64()
    if arm is datetime:
        return pa.timestamp("us", tz="UTC")
    item = _record_item(arm)
    if item is not None:
        types_ = field_types(item)
        members = [m for value in present for m in value]
        fields = []
        for field in attrs.fields(typing.cast(Any, item)):
            inner = [v for m in members if (v := getattr(m, field.name)) is not None]
            inner_type = _arrow_type(pa, types_[field.name], inner)
            if inner_type is None:
                return None
            fields.append(pa.field(field.name, inner_type))
        return pa.list_(pa.struct(fields))
    if typing.get_origin(arm) is tuple and _is_str(typing.get_args(arm)[0]):
        return pa.list_(pa.string())
    return None


def _arrow_value(value: Any) -> Any:
    """A field's value as pyarrow takes it: a record (a stage) as a dict of its fields."""
    if isinstance(value, tuple):
        return [_arrow_value(v) for v in value]
    if isinstance(value, Record):
        return {
            f.name: _arrow_value(getattr(value, f.name))
            for f in attrs.fields(typing.cast(Any, type(value)))
        }
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, Record):
        return record_to_dict(value)
    return value


def column_for(pa: Any, name: str, tp: Any, values: Sequence[Any]) -> tuple[Any, Any]:
    """The Arrow field and array of one record field over a list's records."""
    present = [v for v in values if v is not None]
    arrow_type = _arrow_type(pa, tp, present)
    if arrow_type is not None:
        try:
            array = pa.array([_arrow_value(v) for v in values], type=arrow_type)
        except (pa.ArrowException, OverflowError, UnicodeError):
            pass  # beyond int64, not exactly a float64, not UTF-8: JSON text holds it
        else:
            return pa.field(name, arrow_type), array
    text = [None if v is None else json.dumps(_json_value(v)) for v in values]
    return pa.field(name, pa.string(), metadata=JSON_COLUMN), pa.array(text, type=pa.string())


def plain_values(
    pa: Any, column: Any, *, json_text: bool, integer: bool, floating: bool
) -> list[Any]:
    """The Python values of an Arrow column (not of instants) as an interchange document holds
    them: JSON text decoded, a decimal of a float field a float, a struct's null fields left out,
    a float ``NaN`` absent, a whole float of an integer field that integer."""
    types = pa.types
    if types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if json_text:
        return [None if v is None else json.loads(v) for v in column.to_pylist()]
    arrow_type = column.type
    if types.is_decimal(arrow_type) and floating:
        column = column.cast(pa.float64())
        arrow_type = column.type
    values = list(column.to_pylist())
    if _has_struct(types, arrow_type):
        # A struct has every field of every row: a null one is a field the row does not have.
        values = [_without_nulls(v) for v in values]
    elif types.is_floating(arrow_type):
        # NaN is an absent value; a whole float of an integer field is that integer.
        values = [
            None if v is None or v != v else int(v) if integer and v.is_integer() else v
            for v in values
        ]
    return values


def _has_struct(types: Any, arrow_type: Any) -> bool:
    """Whether an Arrow type is a struct or holds one (a list of stages)."""
    if types.is_struct(arrow_type):
        return True
    inner = getattr(arrow_type, "value_type", None)  # the items of any kind of list
    return inner is not None and _has_struct(types, inner)


def _without_nulls(value: Any) -> Any:
    """A nested value with the null fields of its objects left out."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value

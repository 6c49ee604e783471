"""The JSON interchange document ``guided-actions/1``: decoded into records, encoded from them.

:func:`decode` never stops at the first problem: it checks the document's shape and every record,
and returns the valid records together with every problem found. It knows nothing of snapshots:
checks across records (duplicate ids, references, stages) are the snapshot's, which
``Snapshot.from_dict`` runs on the decoded records before raising one
:class:`~guided_actions.errors.InvalidSnapshotError` listing every problem. Nothing of the input
is mutated or kept.

:func:`encode` is the reverse: records (and a custom lifecycle list) to a JSON-ready document.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from datetime import datetime
from itertools import repeat
from typing import Any

import attrs

from guided_actions._model.columns import build
from guided_actions._model.jsontext import record_label
from guided_actions._model.kinds import KINDS, NAMES, Kind
from guided_actions._model.records import Record, Stage
from guided_actions._model.time import is_aware, parse_instant, utc_iso
from guided_actions._model.validation import check_type, describe_type, field_types, is_union
from guided_actions.errors import InvalidRecordError, Problem, short_repr

__all__ = ["SCHEMA", "Decoded", "decode", "encode", "record_to_dict"]

SCHEMA = "guided-actions/1"
_TOP_LEVEL = frozenset({"schema", "lifecycle_stages", *NAMES})
_MISSING = object()


@attrs.frozen
class Decoded:
    """What :func:`decode` read from a document: the valid records and every problem found."""

    #: The valid records of every list, by list name (every list present, in interchange order).
    lists: Mapping[str, tuple[Record, ...]]
    #: ``lifecycle_stages`` as the document gave it (a list is copied), ``None`` when absent.
    lifecycle_stages: object
    #: By list name, the id of every record of the document that has one, its record valid or
    #: not, in document order (repeats included): the snapshot checks them for duplicates, and
    #: one bad record does not make every reference to it look dangling too.
    ids: Mapping[str, tuple[str, ...]]
    #: Every problem of the document's shape and of its records, in document order.
    problems: tuple[Problem, ...]


def _is_instant_type(tp: Any) -> bool:
    return tp is datetime or (is_union(tp) and datetime in typing.get_args(tp))


def _is_tuple_type(tp: Any) -> bool:
    if typing.get_origin(tp) is tuple:
        return True
    return any(typing.get_origin(a) is tuple for a in typing.get_args(tp))


_Plan = tuple[tuple[str, bool, Any, bool, bool], ...]
_PLANS: dict[type, _Plan] = {}


def _plan(cls: type[Record]) -> _Plan:
    """Per field of a record class: name, required, annotation, is an instant, is a list."""
    plan = _PLANS.get(cls)
    if plan is None:
        types_ = field_types(cls)
        plan = tuple(
            (
                f.name,
                f.default is attrs.NOTHING,
                types_[f.name],
                _is_instant_type(types_[f.name]),
                _is_tuple_type(types_[f.name]),
            )
            for f in attrs.fields(typing.cast(Any, cls))
        )
        _PLANS[cls] = plan
    return plan


class _RecordLoader:
    """Turns one raw JSON object into a record, or into the problems that prevent it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems

    def load(self, key: str, cls: type[Record], raw: object, label: str) -> Record | None:
        if not isinstance(raw, dict):
            self.problems.append(Problem(key, label, None, raw, "expected a JSON object"))
            return None
        plan = _plan(cls)
        types_ = field_types(cls)
        before = len(self.problems)
        for name in raw:
            if name not in types_:
                self.problems.append(Problem(key, label, _name(name), raw[name], "unknown field"))
        kwargs: dict[str, Any] = {}
        for name, required, tp, is_instant, is_tuple in plan:
            value = raw.get(name, _MISSING)
            if value is _MISSING or value is None:
                if required:
                    self.problems.append(
                        Problem(
                            key,
                            label,
                            name,
                            value if value is None else None,
                            "missing required field",
                        )
                    )
                continue
            if is_instant or is_tuple or type(value) is not str:
                converted = self._convert(key, label, name, tp, value, is_instant, is_tuple)
                if converted is not _MISSING:
                    kwargs[name] = converted
            else:
                kwargs[name] = value
        if len(self.problems) > before:
            # Report type problems of the fields that did convert, then give up on the record.
            for name, value in kwargs.items():
                message = check_type(value, types_[name])
                if message is not None:
                    self.problems.append(Problem(key, label, name, raw[name], message))
            return None
        try:
            return cls(**kwargs)
        except InvalidRecordError as exc:
            for p in exc.problems:
                # Show the value as the document wrote it (a list, an instant string), not as
                # converted, unless the problem is about one item of it.
                value = p.value
                if p.field in kwargs and p.field in raw and _same(kwargs[p.field], value):
                    value = raw[p.field]
                self.problems.append(attrs.evolve(p, kind=key, record_id=label, value=value))
            return None

    def _convert(
        self, key: str, label: str, name: str, tp: Any, value: Any, is_instant: bool, is_tuple: bool
    ) -> Any:
        if is_instant:
            if not isinstance(value, str):
                self.problems.append(
                    Problem(key, label, name, value, "expected an ISO-8601 instant string")
                )
                return _MISSING
            try:
                parsed = parse_instant(value)
            except ValueError:
                self.problems.append(Problem(key, label, name, value, "not an ISO-8601 instant"))
                return _MISSING
            if not is_aware(parsed):
                self.problems.append(
                    Problem(
                        key, label, name, value, "naive instant: add an offset such as Z or +02:00"
                    )
                )
                return _MISSING
            return parsed
        if key == "pipelines" and name == "stages":
            return self._stages(label, value)
        if is_tuple:
            if isinstance(value, list):
                return tuple(value)
            if isinstance(value, str) and typing.get_origin(tp) is not tuple:
                return value  # e.g. Dashboard.access = "everyone"
            self.problems.append(Problem(key, label, name, value, f"expected {describe_type(tp)}"))
            return _MISSING
        return value

    def _stages(self, label: str, value: Any) -> Any:
        if not isinstance(value, list):
            self.problems.append(
                Problem("pipelines", label, "stages", value, "expected a list of stage objects")
            )
            return _MISSING
        stages: list[Stage] = []
        ok = True
        for i, raw in enumerate(value):
            inner: list[Problem] = []
            stage_label = raw.get("id") if isinstance(raw, dict) else None
            stage = _RecordLoader(inner).load(
                "pipelines", Stage, raw, stage_label if isinstance(stage_label, str) else f"#{i}"
            )
            for p in inner:
                self.problems.append(
                    Problem(
                        "pipelines",
                        label,
                        f"stages[{i}]" + (f".{p.field}" if p.field else ""),
                        p.value,
                        p.message,
                    )
                )
            if stage is None:
                ok = False
            else:
                stages.append(typing.cast(Stage, stage))
        return tuple(stages) if ok else _MISSING


def _same(converted: Any, value: object) -> bool:
    """True when ``value`` is the converted field value itself (an aware instant in UTC)."""
    if isinstance(converted, datetime) and isinstance(value, datetime):
        return converted == value
    return converted is value or (type(converted) is type(value) and converted == value)


def _name(key: object) -> str:
    """A key of an object as a field name: a JSON key is a string; a Python dict's key may be
    anything (a huge integer, an object whose ``str`` raises), shown by its bounded repr."""
    return key if isinstance(key, str) else short_repr(key)


def _by_columns(kind: Kind, raw_list: list[Any]) -> tuple[tuple[Record, ...], list[str]] | None:
    """A list's records and ids read a column at a time (:mod:`guided_actions._model.columns`),
    or ``None`` when one of its objects might have a problem: the per-record loader then reads
    the list and reports them."""
    if not set(map(type, raw_list)) <= {dict}:
        return None
    keys: set[Any] = set().union(*raw_list)
    if not keys <= field_types(kind.cls).keys():
        return None  # an unknown field
    columns: dict[str, list[Any]] = {
        key: list(map(dict.get, raw_list, repeat(key))) for key in keys
    }
    records = build(kind.cls, columns, len(raw_list), datetimes=False)
    if records is None:
        return None
    if kind.id_field is None:
        return records, []
    ids: list[str] = columns[kind.id_field]  # every one a non-empty string
    if any(map(str.startswith, ids, repeat("#"))):
        # An id that reads like a position (``"#3"``) at that position is no id of the input.
        ids = [rid for index, rid in enumerate(ids) if rid != f"#{index}"]
    return records, ids


def decode(data: object, *, by_columns: bool = True) -> Decoded:
    """The records of a parsed interchange document, and every problem of its shape and records.

    Checks across records are left to the snapshot: duplicate ids too, which it finds among
    :attr:`Decoded.ids`, the ids of the invalid records included.

    Each list is first read a column at a time, which checks a column's values together and
    builds the records without checking them again; a list that might have a problem is read
    again record by record, which finds and reports each problem. ``by_columns=False`` reads
    every list record by record (the two give the same result).
    """
    lists: dict[str, tuple[Record, ...]] = dict.fromkeys(NAMES, ())
    if not isinstance(data, Mapping):
        problem = Problem("snapshot", None, None, data, "expected a JSON object at the top level")
        return Decoded(lists=lists, lifecycle_stages=None, ids={}, problems=(problem,))
    problems: list[Problem] = []
    schema = data.get("schema", _MISSING)
    if schema is _MISSING:
        problems.append(
            Problem(
                "snapshot", None, "schema", None, f"missing required field; expected {SCHEMA!r}"
            )
        )
    elif schema != SCHEMA:
        problems.append(
            Problem("snapshot", None, "schema", schema, f"unsupported schema; expected {SCHEMA!r}")
        )
    for name in data:
        if name not in _TOP_LEVEL:
            problems.append(
                Problem("snapshot", None, _name(name), data[name], "unknown top-level key")
            )

    loader = _RecordLoader(problems)
    input_ids: dict[str, tuple[str, ...]] = {}
    for kind in KINDS:
        key, id_field = kind.name, kind.id_field
        raw_list = data.get(key)
        if raw_list is None:
            continue
        if not isinstance(raw_list, list):
            problems.append(Problem("snapshot", None, key, raw_list, "expected a list"))
            continue
        fast = _by_columns(kind, raw_list) if by_columns and raw_list else None
        if fast is not None:
            lists[key] = fast[0]
            if fast[1]:
                input_ids[key] = tuple(fast[1])
            continue
        records: list[Record] = []
        ids: list[str] = []
        for index, raw in enumerate(raw_list):
            label = record_label(raw, index, id_field)
            if id_field is not None and label != f"#{index}":
                ids.append(label)
            record = loader.load(key, kind.cls, raw, label)
            if record is not None:
                records.append(record)
        lists[key] = tuple(records)
        if ids:
            input_ids[key] = tuple(ids)

    lifecycle = data.get("lifecycle_stages")
    return Decoded(
        lists=lists,
        lifecycle_stages=list(lifecycle) if isinstance(lifecycle, list) else lifecycle,
        ids=input_ids,
        problems=tuple(problems),
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Record):
        return record_to_dict(value)
    return value


def record_to_dict(record: Record) -> dict[str, Any]:
    """One record as its interchange object (defaults and nulls left out)."""
    out: dict[str, Any] = {}
    for field in attrs.fields(typing.cast(Any, type(record))):
        value = getattr(record, field.name)
        default = field.default
        factory = getattr(default, "factory", None)
        if callable(factory):  # attrs.Factory: the empty list fields
            default = factory()
        if value is None or (default is not attrs.NOTHING and value == default):
            if field.default is attrs.NOTHING:
                out[field.name] = _jsonable(value)
            continue
        out[field.name] = _jsonable(value)
    return out


def encode(
    lists: Mapping[str, Sequence[Record]], lifecycle_stages: Sequence[str] | None = None
) -> dict[str, Any]:
    """The interchange document of these record lists; ``decode`` reads back the same records.

    ``lifecycle_stages`` is written only when given (``None``: the default list applies). Empty
    lists are left out.
    """
    doc: dict[str, Any] = {"schema": SCHEMA}
    if lifecycle_stages is not None:
        doc["lifecycle_stages"] = list(lifecycle_stages)
    for name in NAMES:
        records = lists.get(name, ())
        if records:
            doc[name] = [record_to_dict(r) for r in records]
    return doc

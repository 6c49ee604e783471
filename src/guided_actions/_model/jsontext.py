"""JSON text read strictly: the one parser of every interchange document the package reads.

Python's ``json`` module keeps the last value of a key given twice in one object, silently: a
second ``"super_admin": true`` would win over the first, a second ``"contacts"`` list replace the
first. :func:`parse` reads the same text and reports every key given more than once as a
:class:`~guided_actions.errors.Problem` naming the key and where it is (the record, by its kind and
id, and the field; or the place in the document). An integer too long to read (more than
:data:`~guided_actions._model.validation.MAX_INTEGER_DIGITS` digits) is read as an
:class:`~guided_actions._model.validation.OversizedInteger`, which the field checks then report.

Syntax errors raise :class:`json.JSONDecodeError` as usual, and text nested deeper than the
interpreter's recursion limit :class:`RecursionError`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import attrs

from guided_actions._model.kinds import KINDS
from guided_actions._model.validation import MAX_INTEGER_DIGITS, OversizedInteger
from guided_actions.errors import InvalidSnapshotError, Problem

__all__ = ["DUPLICATE_KEY", "Parsed", "loads", "parse", "record_label"]

DUPLICATE_KEY = "duplicate key: a key may appear only once in an object"

_ID_FIELDS = {kind.name: kind.id_field for kind in KINDS}

_Path = tuple[str | int, ...]


@attrs.frozen
class Parsed:
    """What :func:`parse` read: the document, and a problem for every key given twice."""

    #: The parsed document; where a key was given more than once, its last value is kept.
    data: object
    #: One problem per key given more than once in an object, in document order.
    problems: tuple[Problem, ...]


def record_label(raw: object, index: int, id_field: str | None) -> str:
    """How a problem names a record of a list: its id when it has a usable one, else ``#index``."""
    if id_field is not None and isinstance(raw, dict):
        rid = raw.get(id_field)
        if isinstance(rid, str) and rid:
            return rid
    return f"#{index}"


def _integer(text: str) -> int | OversizedInteger:
    digits = len(text) - text.startswith("-")
    if digits > MAX_INTEGER_DIGITS:
        return OversizedInteger(digits)
    return int(text)


def parse(text: str | bytes) -> Parsed:
    """Parse JSON ``text``, reporting each key given more than once in an object."""
    # By id of the object: the keys given more than once, each with all its values in order.
    # The objects stay alive in the document, so their ids cannot be reused meanwhile.
    repeated: dict[int, dict[str, tuple[Any, ...]]] = {}

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            values: dict[str, list[Any]] = {}
            for key, value in pairs:
                values.setdefault(key, []).append(value)
            repeated[id(obj)] = {k: tuple(v) for k, v in values.items() if len(v) > 1}
        return obj

    data = json.loads(text, object_pairs_hook=pairs_hook, parse_int=_integer)
    problems = _duplicate_problems(data, repeated) if repeated else ()
    return Parsed(data=data, problems=problems)


def loads(text: str | bytes) -> Any:
    """Parse JSON ``text``; a key given more than once raises ``InvalidSnapshotError``."""
    parsed = parse(text)
    if parsed.problems:
        raise InvalidSnapshotError(parsed.problems)
    return parsed.data


def _duplicate_problems(
    data: object, repeated: dict[int, dict[str, tuple[Any, ...]]]
) -> tuple[Problem, ...]:
    """Walk the document (without recursion: it may be deep) to where each repeat was found."""
    problems: list[Problem] = []
    left = len(repeated)
    stack: list[tuple[_Path, object]] = [((), data)]
    while stack and left:
        path, node = stack.pop()
        if isinstance(node, dict):
            keys = repeated.get(id(node))
            if keys is not None:
                left -= 1
                problems.extend(_problem(data, path, key, values) for key, values in keys.items())
            stack.extend(((*path, k), v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(node))))
    return tuple(problems)


def _problem(data: Any, path: _Path, key: str, values: tuple[Any, ...]) -> Problem:
    """The problem of ``key`` repeated in the object at ``path``: in a record's terms when the
    object is a record of a list or inside one, else in the document's."""
    head = path[0] if path else None
    if isinstance(head, str) and head in _ID_FIELDS and len(path) >= 2:
        index = path[1]
        if isinstance(index, int):
            record = data[head][index]
            label = record_label(record, index, _ID_FIELDS[head])
            return Problem(head, label, _render((*path[2:], key)), values, DUPLICATE_KEY)
    return Problem("snapshot", None, _render((*path, key)), values, DUPLICATE_KEY)


def _render(path: Sequence[str | int]) -> str:
    """``("stages", 2, "id")`` as ``stages[2].id``."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else step
    return out

"""A user's book: the records that concern some users, as a plan of joins derived from
:data:`~guided_actions._snapshot.indexes.CONCERN`.

:data:`PLAN` is the concern relation read forwards, as a flat tuple of :class:`Step` joins
(parents before children), with two additions that make the book a valid snapshot on which
``evaluate``, ``explain`` and ``summarize`` give what they give on the whole one:

- **references**: every record reached brings the records it references (a deal its contacts
  and companies, an email the email it replies to, a task its meeting…), because a snapshot
  refuses a dangling reference; the email an email replies to is a *repeated* step (a thread
  may be any length);
- **keys from the record alone**: a task lists the deals, leads and contacts its meeting lists
  (the listing indexes say so), which only the meeting knows; the plan goes through the meeting
  instead (one more step), so that each key is computed from one record (:func:`record_keys`).

:data:`WHOLE` names the lists every book holds whole. Both :meth:`Snapshot.book
<guided_actions._snapshot.snapshot.Snapshot.book>` (through :func:`interpret`) and the fan-out
over tables (:mod:`guided_actions._adapters.distributed`) read :data:`PLAN`, as the few
dozen nodes of :data:`ARCS`; neither repeats the relation.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Hashable, Iterable, Mapping
from operator import attrgetter
from typing import Any, TypeVar

import attrs

from guided_actions._model.document import _RecordLoader
from guided_actions._model.kinds import BY_NAME, NAMES
from guided_actions._model.records import Record
from guided_actions._snapshot.indexes import ACTION_KEYS, CONCERN, INDEXES, Index, Join, Listed
from guided_actions.errors import InvalidRecordError, Problem, UnknownUserError, short_repr

if typing.TYPE_CHECKING:
    from guided_actions._snapshot.snapshot import Snapshot

__all__ = [
    "ARCS",
    "PLAN",
    "WHOLE",
    "Arc",
    "Step",
    "book_lists",
    "interpret",
    "key_names",
    "keys_of_record",
    "record_keys",
]

_INDEX: Mapping[str, Index] = {index.name: index for index in INDEXES}


@attrs.frozen
class Step:
    """One join of the plan: the records of ``target`` whose keys under ``target_key`` meet the
    keys under ``source_key`` of the records the ``parent`` step reached (of list ``source``).

    ``parent`` ``None``: the step starts at the book's roots: the user record itself when
    ``source`` is ``"users"``, the whole list when ``source`` is one of :data:`WHOLE` (what it
    reaches is then in every book). A key name is ``"id"`` (the list's unique field), the name
    of an index of :data:`~guided_actions._snapshot.indexes.INDEXES` or a reference field of the
    list; :func:`record_keys` computes them all. ``repeat``: the step applies again to what it
    reached, until it reaches nothing new (its source is its target: the emails an email replies
    to, and those they reply to…).
    """

    name: str
    parent: str | None
    source: str
    source_key: str
    target: str
    target_key: str
    repeat: bool = False


#: The lists every book holds whole: the users (every record's owner, any viewer, the users a
#: change adds), the pipelines and sequences (definitions: a lead's stages, a task's sequence;
#: few records, read by many), the dashboards (the workspace's, few), and the issued actions,
#: which an evaluation looks up by the key of an action it gives: a digest that does not say
#: whose action it is, so that no key of the record leads to its user.
WHOLE: tuple[str, ...] = ("users", "pipelines", "sequences", "issued_actions", "dashboards")

#: The lists read through the plan's ``"id"`` key of each list: its unique field.
_ID_FIELD: Mapping[str, str | None] = {name: BY_NAME[name].id_field for name in NAMES}


def _field_of(list_name: str, key: str) -> str | None:
    """The field whose values are a record's keys under ``key``, when the key is a plain field
    (``"id"``, a reference, an index of a field, a listing index); ``None`` otherwise."""
    if key == "id":
        return _ID_FIELD[list_name]
    index = _INDEX.get(key)
    if index is None:
        return key  # a reference field
    spec = index.key if index.key is not None else index.keys
    if isinstance(spec, str):
        return spec
    if isinstance(spec, Listed):
        return spec.field
    return None


class _Builder:
    """Derives the plan from the declaration: one step per join, then detours and references."""

    def __init__(self) -> None:
        self.steps: dict[str, Step] = {}

    def add(
        self,
        parent: Step | None,
        source: str,
        source_key: str,
        target: str,
        target_key: str,
        *,
        repeat: bool = False,
    ) -> Step:
        """The step so named (the same join from the same parent is one step)."""
        if parent is not None:
            prefix = f"{parent.name} > "
        else:
            prefix = "" if source == "users" else f"{source} > "
        name = f"{prefix}{target}[{source_key}={target_key}]"
        step = self.steps.get(name)
        if step is None:
            parent_name = None if parent is None else parent.name
            step = Step(name, parent_name, source, source_key, target, target_key, repeat)
            self.steps[name] = step
        return step

    def joins(self, parent: Step | None, source: str, joins: Iterable[Join]) -> None:
        for join in joins:
            if join.target not in WHOLE:
                self.join(parent, source, join)
            elif join.source_key == ACTION_KEYS:
                # Every book holds the list; what it leads to starts at the whole list.
                self.joins(None, join.target, join.then)

    def join(self, parent: Step | None, source: str, join: Join) -> None:
        """One join as steps; a key that needs a task's meeting goes through the meeting too."""
        target, skey, tkey = join.target, join.source_key, join.target_key
        self.joins(self.add(parent, source, skey, target, tkey), target, join.then)
        if source == "tasks" and _is_listing(skey):
            # What a task's meeting lists: the task, its meeting, the records the meeting lists.
            meeting = self.add(parent, source, "tasks_meeting", "meetings", "id")
            self.joins(self.add(meeting, "meetings", skey, target, tkey), target, join.then)
        if target == "tasks" and _is_listing(tkey):
            # The tasks of the meetings that list the source: the meetings, then their tasks.
            meeting = self.add(parent, source, skey, "meetings", tkey)
            tasks = self.add(meeting, "meetings", "id", "tasks", "tasks_meeting")
            self.joins(tasks, "tasks", join.then)

    def close(self) -> tuple[Step, ...]:
        """Add, below every step, the steps to the records its records reference, unless a
        step below it reaches them already (a list that references itself repeats)."""
        order = list(self.steps.values())
        done = 0
        while done < len(order):
            step = order[done]
            done += 1
            below = {
                (c.target, _field_of(step.target, c.source_key))
                for c in self.steps.values()
                if c.parent == step.name
            }
            for field, target in BY_NAME[step.target].references.items():
                if target in WHOLE or (target, field) in below:
                    continue
                if step.repeat and step.source_key == field:
                    continue  # the step itself goes on to the records they reference
                repeat = target == step.target
                child = self.add(step, step.target, field, target, "id", repeat=repeat)
                order.append(child)
        return tuple(order)


def _is_listing(key: str) -> bool:
    index = _INDEX.get(key)
    return index is not None and isinstance(index.keys, Listed)


def _derive() -> tuple[Step, ...]:
    builder = _Builder()
    builder.joins(None, "users", CONCERN)
    return builder.close()


#: The concern relation read forwards, with references and detours: parents before children.
PLAN: tuple[Step, ...] = _derive()


@attrs.frozen
class Arc:
    """A join of :data:`ARCS`: the records of ``target`` whose keys under ``target_key`` meet
    the keys under ``source_key`` of the records node ``parent`` reached (of list ``source``),
    reached by node ``node``.

    A *node* is a class of steps of :data:`PLAN` that reach the same list and go on from it the
    same way (the same joins to the same nodes, and the same repetition): what each reaches
    matters only for what comes after it, so they can be one. ``parent`` ``None``: the roots of
    ``source``, as for a :class:`Step` without parent. A repeating step's node has an arc to
    itself.
    """

    parent: int | None
    node: int
    source: str
    source_key: str
    target: str
    target_key: str


def _merged(plan: tuple[Step, ...]) -> tuple[Arc, ...]:
    """The arcs of ``plan`` between its nodes, numbered in the order ``plan`` first reaches
    them."""
    below: dict[str | None, list[Step]] = {}
    for step in plan:
        below.setdefault(step.parent, []).append(step)
    signature: dict[str, Hashable] = {}
    for step in reversed(plan):  # children before parents
        then = frozenset(
            (c.source_key, c.target_key, signature[c.name]) for c in below.get(step.name, ())
        )
        again = (step.source_key, step.target_key) if step.repeat else None
        signature[step.name] = (step.target, again, then)
    number: dict[Hashable, int] = {}
    for step in plan:
        number.setdefault(signature[step.name], len(number))
    arcs: dict[Arc, None] = {}
    for step in plan:
        node = number[signature[step.name]]
        parent = None if step.parent is None else number[signature[step.parent]]
        join = (step.source, step.source_key, step.target, step.target_key)
        arcs[Arc(parent, node, *join)] = None
        if step.repeat:
            arcs[Arc(node, node, *join)] = None
    return tuple(arcs)


#: :data:`PLAN` as a graph of joins between its nodes (:class:`Arc`): the records a node
#: reaches, for each user, are the union of what its arcs reach, and a user's book holds the
#: records its nodes reach, as it holds those the steps of :data:`PLAN` reach. A few dozen nodes
#: stand for the hundreds of steps, so that an engine that runs the plan in rounds over
#: ``(user, node, record)`` rows holds a record reached along several paths once.
ARCS: tuple[Arc, ...] = _merged(PLAN)


def key_names(list_name: str) -> tuple[str, ...]:
    """The key names :data:`PLAN` uses on ``list_name`` (``"id"`` first when it has one)."""
    names: dict[str, None] = {}
    if _ID_FIELD[list_name] is not None:
        names["id"] = None
    for step in PLAN:
        if step.source == list_name:
            names[step.source_key] = None
        if step.target == list_name:
            names[step.target_key] = None
    return tuple(names)


_NO_RECORDS: Mapping[str, Mapping[str, Any]] = {}

#: How a record gives its values under one key name.
_KeyReader = Callable[[Record], tuple[str, ...]]


def _values(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, tuple):
        return tuple(dict.fromkeys(value))
    return (typing.cast(str, value),)


def _reader(list_name: str, key: str) -> _KeyReader:
    """How a record of ``list_name`` gives its values under ``key``: a field of its own, or
    the index's key function, which reads the record alone."""
    field = _field_of(list_name, key)
    if field is not None:
        get = attrgetter(field)
        return lambda record: _values(get(record))
    index = _INDEX[key]
    spec = index.key if index.key is not None else index.keys
    assert spec is not None
    assert not isinstance(spec, str)
    function = typing.cast(Callable[[Mapping[str, Any], Record], Any], spec)
    if index.key is not None:
        return lambda record: _values(function(_NO_RECORDS, record))
    return lambda record: tuple(dict.fromkeys(function(_NO_RECORDS, record)))


#: For each list, the key names :data:`PLAN` uses on it, each with its reader: resolved once.
_KEY_READERS: Mapping[str, tuple[tuple[str, _KeyReader], ...]] = {
    name: tuple((key, _reader(name, key)) for key in key_names(name)) for name in NAMES
}


def keys_of_record(list_name: str, record: Record) -> dict[str, tuple[str, ...]]:
    """:func:`record_keys` of a record object of ``list_name``."""
    return {key: read(record) for key, read in _KEY_READERS[list_name]}


def record_keys(list_name: str, record: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """The values of every key name :data:`PLAN` uses on ``list_name`` (``"id"`` included) of
    one interchange record (a dict as ``Snapshot.to_dict`` writes it), from that record alone.

    Each value appears once, in the record's order; a key the record has none of is ``()``. A
    record that is not valid raises :class:`~guided_actions.errors.InvalidRecordError` naming
    its problems.
    """
    kind = BY_NAME.get(list_name)
    if kind is None:
        raise ValueError(f"unknown record list {short_repr(list_name)}")
    problems: list[Problem] = []
    label = record.get(kind.id_field) if kind.id_field and isinstance(record, Mapping) else None
    loaded = _RecordLoader(problems).load(
        list_name, kind.cls, record, label if isinstance(label, str) and label else "#0"
    )
    if loaded is None:
        raise InvalidRecordError(problems)
    return keys_of_record(list_name, loaded)


Item = TypeVar("Item", bound=Hashable)


def interpret(
    roots: Callable[[str], Iterable[Item]],
    keys: Callable[[str, Item], Mapping[str, tuple[str, ...]]],
    lookup: Callable[[str, str, str], Iterable[Item]],
) -> dict[str, dict[Item, None]]:
    """Run :data:`ARCS` until no node reaches anything new: the items (records, or their
    handles) each list's nodes reach, for :data:`PLAN`'s steps reach the same.

    ``roots(list)``: the items an arc without parent starts from (the users; a whole list);
    ``keys(list, item)``: the item's keys (:func:`record_keys`); ``lookup(list, key, value)``:
    the items of ``list`` with ``value`` among their keys under ``key``. Returns, by list, the
    items reached, each once.
    """
    by_node: dict[int, dict[Item, None]] = {}
    reached: dict[str, dict[Item, None]] = {}
    pending: list[tuple[int, list[Item]]] = []

    def follow(arc: Arc, sources: Iterable[Item]) -> None:
        found = by_node.setdefault(arc.node, {})
        new: list[Item] = []
        for item in sources:
            for value in keys(arc.source, item).get(arc.source_key, ()):
                for target in lookup(arc.target, arc.target_key, value):
                    if target not in found:
                        found[target] = None
                        new.append(target)
        if new:
            reached.setdefault(arc.target, {}).update(dict.fromkeys(new))
            pending.append((arc.node, new))

    for arc in ARCS:
        if arc.parent is None:
            follow(arc, roots(arc.source))
    while pending:
        node, items = pending.pop()
        for arc in _ARCS_FROM.get(node, ()):
            follow(arc, items)
    return reached


_ARCS_FROM: Mapping[int, tuple[Arc, ...]] = {
    node: tuple(a for a in ARCS if a.parent == node)
    for node in {a.parent for a in ARCS if a.parent is not None}
}


def _check_plan() -> None:
    """Every key a step looks up in its target is one a snapshot can answer: ``"id"`` or an
    index of that list."""
    for step in PLAN:
        key = step.target_key
        if key != "id" and (key not in _INDEX or step.target not in _INDEX[key].reads):
            raise TypeError(f"plan: step {step.name!r} looks {step.target} up by {key!r}")


_check_plan()


def book_lists(snapshot: Snapshot, user_ids: Iterable[str]) -> dict[str, tuple[Record, ...]]:
    """The record lists of ``snapshot.book(user_ids)``: :func:`interpret` over the snapshot's
    records, its indexes answering the look-ups, each list in input order."""
    if isinstance(user_ids, str):
        raise TypeError("user_ids must be an iterable of user ids, not one str")
    users: list[Record] = []
    for uid in user_ids:
        user = snapshot.user(uid) if isinstance(uid, str) else None
        if user is None:
            raise UnknownUserError(uid if isinstance(uid, str) else short_repr(uid))
        users.append(user)
    records: dict[int, Record] = {}
    cache: dict[int, Mapping[str, tuple[str, ...]]] = {}

    def handles(found: Iterable[Record]) -> list[int]:
        out = []
        for record in found:
            records[id(record)] = record
            out.append(id(record))
        return out

    def roots(list_name: str) -> Iterable[int]:
        return handles(users if list_name == "users" else snapshot.records(list_name))

    def keys(list_name: str, handle: int) -> Mapping[str, tuple[str, ...]]:
        found = cache.get(handle)
        if found is None:
            found = cache[handle] = keys_of_record(list_name, records[handle])
        return found

    def lookup(list_name: str, key: str, value: str) -> Iterable[int]:
        if key == "id":
            one = snapshot._by_id[list_name].get(value)
            return () if one is None else handles((one,))
        index = _INDEX[key]
        found: Iterable[Record] = snapshot._get(key, value)
        if len(index.reads) > 1:
            cls = BY_NAME[list_name].cls
            found = [r for r in found if type(r) is cls]
        if isinstance(index.keys, Listed):
            # The index files a task under its meeting's ids too; the plan reaches those
            # through the meeting: keep the records whose own keys hold the value.
            return [h for h in handles(found) if value in keys(list_name, h)[key]]
        return handles(found)

    reached = interpret(roots, keys, lookup)
    lists: dict[str, tuple[Record, ...]] = {}
    for name in NAMES:
        if name in WHOLE:
            lists[name] = snapshot.records(name)
        else:
            mine = reached.get(name, {})
            lists[name] = tuple(r for r in snapshot.records(name) if id(r) in mine)
    return lists

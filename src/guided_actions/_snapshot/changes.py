"""Changes to a snapshot: what they mean on the interchange document, and applying them.

A change set is a mapping in the vocabulary of the interchange format::

    {"upsert": {"contacts": [record_or_dict, ...], ...}, "delete": {"emails": ["e1"], ...}}

Both keys are optional; the list names are the interchange lists. :func:`apply_to_document` states
what a change set means, on the document: it is the definition, and the tests' oracle.
:func:`apply` does the same to a :class:`~guided_actions.Snapshot` at a cost that follows the size
of the change: it decodes and checks only what the change brings or can break, and shares with the
original snapshot every list, record table and index table that the change does not touch.
"""

from __future__ import annotations

import bisect
import itertools
import typing
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from operator import attrgetter
from typing import Any

import attrs

from guided_actions._model.document import _RecordLoader, record_to_dict
from guided_actions._model.kinds import BY_CLASS, BY_NAME, KINDS, NAMES, Kind
from guided_actions._model.records import Contact, Deal, Lead, Pipeline, Record, Task
from guided_actions._model.validation import field_types, shown_list
from guided_actions._snapshot import indexes
from guided_actions._snapshot.indexes import INDEXES, Index
from guided_actions.errors import InvalidSnapshotError, Problem

if typing.TYPE_CHECKING:
    from guided_actions._snapshot.snapshot import Snapshot

__all__ = ["ReferenceCounts", "apply", "apply_to_document", "parse_changes", "reference_counts"]

_TOP_LEVEL = ("upsert", "delete")

#: Per list with a unique field: id -> how many records refer to it (each record once per field).
ReferenceCounts = dict[str, Counter[str]]


@attrs.frozen
class Parsed:
    """A change set whose shape was checked.

    ``upsert``: by list name, the records to upsert as interchange objects (a record is encoded;
    anything else is kept as given, for the document decoder to judge). ``delete``: by list name,
    the ids to delete (lists with a unique field) or the records whose equals are deleted (the
    other lists, decoded).
    """

    upsert: Mapping[str, tuple[object, ...]]
    delete: Mapping[str, tuple[Any, ...]]

    @property
    def empty(self) -> bool:
        return not any(self.upsert.values()) and not any(self.delete.values())


def _id_of(item: object, id_field: str) -> str | None:
    """The id of an interchange object, when it has a usable one (as the document decoder says)."""
    if isinstance(item, dict):
        value = item.get(id_field)
        if isinstance(value, str) and value:
            return value
    return None


def _encoded(item: object) -> object:
    return record_to_dict(item) if isinstance(item, Record) else item


def parse_changes(changes: object) -> Parsed:
    """Check a change set's shape and ids; raise every problem of it, or return it parsed.

    Raises :class:`~guided_actions.errors.InvalidSnapshotError`: an unknown top-level key or list
    name, a part that is not a mapping or a list (kind ``"changes"``); an id that is not a
    non-empty string, a record to delete that is not a valid record (kind ``"changes"``, naming
    where it is); the same id upserted twice in one list, or both upserted and deleted (kind: the
    list, naming the id).
    """
    problems: list[Problem] = []
    upsert: dict[str, tuple[object, ...]] = {}
    delete: dict[str, tuple[Any, ...]] = {}
    if not isinstance(changes, Mapping):
        raise InvalidSnapshotError(
            [
                Problem(
                    "changes",
                    None,
                    None,
                    changes,
                    "expected a mapping with the keys 'upsert' and 'delete'",
                )
            ]
        )
    for top in changes:
        if top not in _TOP_LEVEL:
            problems.append(
                Problem(
                    "changes", None, str(top), changes[top], "unknown key; expected upsert, delete"
                )
            )
            continue
        part = changes[top]
        if not isinstance(part, Mapping):
            problems.append(
                Problem("changes", None, top, part, "expected a mapping of list names to lists")
            )
            continue
        for name, items in part.items():
            where = f"{top}.{name}"
            if name not in BY_NAME:
                problems.append(
                    Problem(
                        "changes",
                        None,
                        top,
                        name,
                        "unknown record list; expected " + shown_list(NAMES),
                    )
                )
                continue
            if not isinstance(items, list | tuple):
                problems.append(Problem("changes", None, where, items, "expected a list"))
                continue
            kind = BY_NAME[name]
            if top == "upsert":
                upsert[name] = tuple(_encoded(item) for item in items)
            elif kind.id_field is not None:
                ids: list[str] = []
                for index, item in enumerate(items):
                    if isinstance(item, str) and item:
                        ids.append(item)
                    else:
                        problems.append(
                            Problem(
                                "changes",
                                f"{where}[{index}]",
                                None,
                                item,
                                "expected an id: a non-empty string",
                            )
                        )
                delete[name] = tuple(dict.fromkeys(ids))
            else:
                delete[name] = tuple(_deleted_records(kind, where, items, problems))
    for kind in KINDS:
        id_field = kind.id_field
        if id_field is None or kind.name not in upsert:
            continue
        deleted = set(delete.get(kind.name, ()))
        seen: set[str] = set()
        for item in upsert[kind.name]:
            rid = _id_of(item, id_field)
            if rid is None:
                continue
            if rid in seen:
                problems.append(
                    Problem(kind.name, rid, id_field, rid, "upserted twice in one change set")
                )
            elif rid in deleted:
                problems.append(
                    Problem(
                        kind.name, rid, id_field, rid, "both upserted and deleted in one change set"
                    )
                )
            seen.add(rid)
    if problems:
        raise InvalidSnapshotError(problems)
    return Parsed(upsert=upsert, delete=delete)


def _deleted_records(
    kind: Kind, where: str, items: Sequence[object], problems: list[Problem]
) -> Iterator[Record]:
    """The records to delete from a list without ids, decoded (so that equal means equal)."""
    for index, item in enumerate(items):
        inner: list[Problem] = []
        label = f"{where}[{index}]"
        record = _RecordLoader(inner).load(kind.name, kind.cls, _encoded(item), label)
        problems.extend(attrs.evolve(p, kind="changes") for p in inner)
        if record is not None:
            yield record


def _decoded(kind: Kind, item: object) -> Record | None:
    return _RecordLoader([]).load(kind.name, kind.cls, item, "")


def apply_to_document(document: Mapping[str, Any], changes: object) -> dict[str, Any]:
    """The interchange document with ``changes`` applied: the meaning of a change set.

    For a list with a unique field (``id``; ``key`` for ``issued_actions``) an upserted record
    whose id the list holds replaces that record where it is; a new one is appended, in the order
    given; ``delete`` names ids, and an id the list does not hold is skipped. For a list without
    one (``feedback``, ``dismissals``, ``snoozes``) ``delete`` gives records (or their objects) and
    removes every record equal to one of them, then ``upsert`` appends. Nothing else changes.

    Pure: neither argument is mutated (the result shares the objects it does not change). Raises
    :class:`~guided_actions.errors.InvalidSnapshotError` for a change set that is itself invalid
    (:func:`parse_changes`); the records it brings are judged by ``Snapshot.from_dict`` of the
    result.
    """
    parsed = parse_changes(changes)
    out = dict(document)
    for kind in KINDS:
        name, id_field = kind.name, kind.id_field
        upserts, deletes = parsed.upsert.get(name, ()), parsed.delete.get(name, ())
        if not upserts and not deletes:
            continue
        current = out.get(name, [])
        if not isinstance(current, list):
            continue  # the document decoder reports it
        items = list(current)
        if id_field is None:
            if deletes:
                items = [item for item in items if _decoded(kind, item) not in deletes]
            items.extend(upserts)
        else:
            if deletes:
                gone = set(deletes)
                items = [item for item in items if _id_of(item, id_field) not in gone]
            position: dict[str, int] = {}
            for index, item in enumerate(items):
                rid = _id_of(item, id_field)
                if rid is not None:
                    position.setdefault(rid, index)
            for item in upserts:
                rid = _id_of(item, id_field)
                if rid is not None and rid in position:
                    items[position[rid]] = item
                else:
                    items.append(item)
        out[name] = items
    return out


# -- the incremental application ----------------------------------------------------------------


def _referenced(record: Record, kind: Kind) -> Iterator[tuple[str, str]]:
    """``(target list, id)`` for every reference of a record, each id once per field."""
    for field, target in kind.references.items():
        value = getattr(record, field)
        if value is None:
            continue
        if isinstance(value, tuple):
            for ref in dict.fromkeys(value):
                yield target, ref
        else:
            yield target, value


def reference_counts(lists: Mapping[str, Sequence[Record]]) -> ReferenceCounts:
    """For every list with a unique field: how many records refer to each of its ids.

    One pass over every record (linear); a record naming an id in two fields counts twice, in one
    field (a list of ids) once. Only ids that something refers to are held.
    """
    counts: ReferenceCounts = {kind.name: Counter() for kind in KINDS if kind.id_field}
    for kind in KINDS:
        records = lists[kind.name]
        for field, target in kind.references.items():
            values = map(attrgetter(field), records)
            counter = counts[target]
            if _is_list_field(kind, field):
                counter.update(
                    itertools.chain.from_iterable(
                        dict.fromkeys(v) for v in typing.cast(Iterable[tuple[str, ...]], values)
                    )
                )
            else:
                counter.update(values)
                counter.pop(typing.cast(str, None), None)
    return counts


def _is_list_field(kind: Kind, field: str) -> bool:
    return typing.get_origin(field_types(kind.cls)[field]) is tuple


@attrs.define
class _ListChange:
    """What a change does to one list: the records that go, come and are replaced."""

    kind: Kind
    #: Records removed (deleted ids; records equal to a deleted one), in list order.
    removed: list[Record] = attrs.field(factory=list)
    #: ``(old, new)``: a record replaced where it is.
    replaced: list[tuple[Record, Record]] = attrs.field(factory=list)
    #: New records, appended in this order.
    appended: list[Record] = attrs.field(factory=list)

    @property
    def outgoing(self) -> Iterator[Record]:
        yield from self.removed
        for old, _new in self.replaced:
            yield old

    @property
    def incoming(self) -> Iterator[Record]:
        for _old, new in self.replaced:
            yield new
        yield from self.appended


class _Fallback(Exception):
    """The change brings a problem: the exact error is that of rebuilding the changed document."""


def apply(snapshot: Snapshot, changes: object) -> Snapshot:
    """``snapshot`` with ``changes`` applied; see :meth:`Snapshot.apply`."""
    parsed = parse_changes(changes)
    try:
        return _apply(snapshot, parsed)
    except _Fallback:
        pass
    # The error path: the exact error of the changed document, at the cost of rebuilding it.
    return type(snapshot).from_dict(apply_to_document(snapshot.to_dict(), changes))


def _changes_of(snapshot: Snapshot, parsed: Parsed) -> dict[str, _ListChange]:
    """Per touched list, what the change does to it; decoding only the upserted records."""
    out: dict[str, _ListChange] = {}
    for kind in KINDS:
        name, id_field = kind.name, kind.id_field
        upserts, deletes = parsed.upsert.get(name, ()), parsed.delete.get(name, ())
        if not upserts and not deletes:
            continue
        change = _ListChange(kind)
        problems: list[Problem] = []
        loader = _RecordLoader(problems)
        new = [loader.load(name, kind.cls, item, "") for item in upserts]
        if problems:
            raise _Fallback
        records = typing.cast(list[Record], new)
        if id_field is None:
            if deletes:
                gone = set(deletes)
                change.removed = [r for r in snapshot._lists[name] if r in gone]
            change.appended = records
        else:
            by_id = snapshot._by_id[name]
            change.removed = [by_id[rid] for rid in deletes if rid in by_id]
            for record in records:
                old = by_id.get(getattr(record, id_field))
                if old is None:
                    change.appended.append(record)
                else:
                    change.replaced.append((old, record))
        if change.removed or change.replaced or change.appended:
            out[name] = change
    return out


def _apply(snapshot: Snapshot, parsed: Parsed) -> Snapshot:
    changed = _changes_of(snapshot, parsed)
    lists = dict(snapshot._lists)
    by_id = dict(snapshot._by_id)
    for name, change in changed.items():
        id_field = change.kind.id_field
        if id_field is None:
            old_list = lists[name]
            if change.removed:
                gone = {id(r) for r in change.removed}
                old_list = tuple(r for r in old_list if id(r) not in gone)
            lists[name] = old_list + tuple(change.appended)
            continue
        table = dict(by_id[name])
        id_of = attrgetter(id_field)
        for record in change.removed:
            del table[id_of(record)]
        for record in change.incoming:
            table[id_of(record)] = record  # a replaced one keeps its place, a new one goes last
        by_id[name] = table
        lists[name] = tuple(table.values())

    counts = _check(snapshot, changed, by_id, lists)

    rekeyed = _rekeyed_tasks(snapshot, changed)
    tables = dict(snapshot._idx)
    orders = _Orders(snapshot, changed)
    for index in INDEXES:
        touched = [changed[name] for name in index.reads if name in changed]
        moved = rekeyed if "tasks" in index.reads and index.name.startswith("listing_") else ()
        if touched or moved:
            tables[index.name] = _update(
                index, snapshot._idx[index.name], touched, moved, snapshot._by_id, by_id, orders
            )

    new = type(snapshot).__new__(type(snapshot))
    new._lists = lists
    new._lifecycle_stages = snapshot._lifecycle_stages
    new._custom_lifecycle = snapshot._custom_lifecycle
    new._by_id = by_id
    new._idx = tables
    new._refs = counts
    new._order = orders.carried()
    return new


def _check(
    snapshot: Snapshot,
    changed: Mapping[str, _ListChange],
    by_id: Mapping[str, Mapping[str, Any]],
    lists: Mapping[str, Sequence[Record]],
) -> ReferenceCounts | None:
    """Raise :class:`_Fallback` if the changed snapshot has any problem; else the carried counts.

    Only what the change can break is checked: the references, stages and lifecycle stage of the
    records it brings; the leads and deals of a pipeline it changes; and that no record is left
    referring to one it deletes (through the reference counts, built on the first delete).
    """
    stages = set(snapshot._lifecycle_stages)
    for change in changed.values():
        kind = change.kind
        for record in change.incoming:
            for target, ref in _referenced(record, kind):
                if ref not in by_id[target]:
                    raise _Fallback
            if isinstance(record, Contact):
                if record.lifecycle_stage is not None and record.lifecycle_stage not in stages:
                    raise _Fallback
            elif isinstance(record, Lead | Deal) and not _stage_ok(record, by_id["pipelines"]):
                raise _Fallback
    pipelines = changed.get("pipelines")
    if pipelines is not None:
        redefined = {
            new.id
            for old, new in typing.cast(list[tuple[Pipeline, Pipeline]], pipelines.replaced)
            if old.object != new.object or {s.id for s in old.stages} != {s.id for s in new.stages}
        }
        if redefined:
            # No index holds a pipeline's leads and deals: one scan of both lists.
            for key in ("leads", "deals"):
                for record in typing.cast(Sequence[Lead | Deal], lists[key]):
                    if record.pipeline_id in redefined and not _stage_ok(
                        record, by_id["pipelines"]
                    ):
                        raise _Fallback

    deletes = any(c.kind.id_field is not None and c.removed for c in changed.values())
    counts = snapshot._refs
    if counts is None and not deletes:
        return None
    if counts is None:
        counts = snapshot._refs = reference_counts(snapshot._lists)
    delta: dict[str, Counter[str]] = {}
    for change in changed.values():
        for record in change.outgoing:
            for target, ref in _referenced(record, change.kind):
                delta.setdefault(target, Counter())[ref] -= 1
        for record in change.incoming:
            for target, ref in _referenced(record, change.kind):
                delta.setdefault(target, Counter())[ref] += 1
    carried = dict(counts)
    for target, moves in delta.items():
        if any(moves.values()):
            counter = Counter(counts[target])
            for ref, step in moves.items():
                total = counter[ref] + step
                if total:
                    counter[ref] = total
                else:
                    del counter[ref]
            carried[target] = counter
    for name, change in changed.items():
        id_field = change.kind.id_field
        if id_field is None:
            continue
        for record in change.removed:
            if carried[name].get(getattr(record, id_field)):
                raise _Fallback
    return carried


def _stage_ok(record: Lead | Deal, pipelines: Mapping[str, Pipeline]) -> bool:
    pipeline = pipelines.get(record.pipeline_id)
    if pipeline is None:
        return False
    wanted = "lead" if isinstance(record, Lead) else "deal"
    return pipeline.object == wanted and any(s.id == record.stage_id for s in pipeline.stages)


def _rekeyed_tasks(snapshot: Snapshot, changed: Mapping[str, _ListChange]) -> tuple[Task, ...]:
    """The kept tasks of a replaced meeting: their listing keys include the meeting's ids."""
    meetings = changed.get("meetings")
    if meetings is None:
        return ()
    tasks = changed.get("tasks")
    leaving = {id(r) for r in tasks.outgoing} if tasks is not None else set()
    found: dict[int, Task] = {}
    for old, _new in meetings.replaced:
        for task in snapshot._get("tasks_meeting", typing.cast(Any, old).id):
            if id(task) not in leaving:
                found[id(task)] = task
    return tuple(found.values())


class _Orders:
    """Where records stand in their lists, to insert a record at its place under an index key.

    Per list with a unique field, id -> a number that grows along the list (deleting leaves a
    gap; appending takes the next). Built from a snapshot's list the first time a replaced record
    moves to another key of an index reading it (one pass over that list, kept on that snapshot),
    then carried to the snapshots applied from it, updated for what the change did to the list.
    """

    def __init__(self, snapshot: Snapshot, changed: Mapping[str, _ListChange]) -> None:
        self._snapshot = snapshot
        self._changed = changed
        self._own: dict[str, tuple[dict[str, int], int]] = {}

    def order(self, name: str) -> dict[str, int]:
        """The order of the changed list ``name``."""
        own = self._own.get(name)
        if own is None:
            parent = self._snapshot._order
            inherited = parent.get(name)
            if inherited is None:
                id_of = attrgetter(typing.cast(str, BY_NAME[name].id_field))
                records = self._snapshot._lists[name]
                built = dict(zip(map(id_of, records), range(len(records)), strict=True))
                inherited = parent[name] = (built, len(records))
            own = inherited
            change = self._changed.get(name)
            if change is not None and (change.removed or change.appended):
                id_of = attrgetter(typing.cast(str, change.kind.id_field))
                order, following = dict(inherited[0]), inherited[1]
                for record in change.removed:
                    del order[id_of(record)]
                for record in change.appended:
                    order[id_of(record)] = following
                    following += 1
                own = (order, following)
            self._own[name] = own
        return own[0]

    def carried(self) -> dict[str, tuple[dict[str, int], int]]:
        """The orders of the new snapshot: the parent's, brought up to date."""
        for name in self._snapshot._order:
            self.order(name)
        return dict(self._own)


def _insert(entries: list[Record], record: Record, reads: tuple[str, ...], orders: _Orders) -> None:
    """Insert a record of a list with ids at its place: after the records of the lists read
    before its own, among its own list's records by their place in the list."""
    name = BY_CLASS[type(record)].name
    at = reads.index(name)
    start = 0
    while start < len(entries) and reads.index(BY_CLASS[type(entries[start])].name) < at:
        start += 1
    end = start
    while end < len(entries) and type(entries[end]) is type(record):
        end += 1
    id_of = attrgetter(typing.cast(str, BY_NAME[name].id_field))
    order = orders.order(name)
    place = bisect.bisect_right(
        entries, order[id_of(record)], start, end, key=lambda r: order[id_of(r)]
    )
    entries.insert(place, record)


def _update(
    index: Index,
    table: Mapping[str, tuple[Record, ...]],
    touched: Sequence[_ListChange],
    rekeyed: Sequence[Task],
    old_by_id: indexes.ById,
    new_by_id: indexes.ById,
    orders: _Orders,
) -> dict[str, tuple[Record, ...]]:
    """``table`` with the change applied key by key: only the keys of the old and new versions
    of the changed records are recomputed, each keeping the order a rebuild gives."""
    old_keys = indexes._keys_of(index, old_by_id)
    new_keys = indexes._keys_of(index, new_by_id)
    # Per key: old records leaving it, (old, new) replaced in place, records entering it.
    leaving: dict[str, set[int]] = {}
    swapped: dict[str, dict[int, Record]] = {}
    entering: dict[str, list[Record]] = {}
    appended: dict[str, list[Record]] = {}

    def move(old: Record | None, new: Record | None, append: bool) -> None:
        # A record naming a key twice (``company_ids`` of ``("co1", "co1")``) is under it twice.
        before = Counter(old_keys(old)) if old is not None else Counter()
        after = Counter(new_keys(new)) if new is not None else Counter()
        for key, times in before.items():
            if after.get(key) == times:
                assert new is not None
                swapped.setdefault(key, {})[id(old)] = new
            else:
                leaving.setdefault(key, set()).add(id(old))
        for key, times in after.items():
            if before.get(key) != times:
                assert new is not None
                (appended if append else entering).setdefault(key, []).extend([new] * times)

    for change in touched:
        for record in change.removed:
            move(record, None, False)
        for old, new in change.replaced:
            move(old, new, False)
        for record in change.appended:
            move(None, record, True)
    for task in rekeyed:
        move(task, task, False)

    out = dict(table)
    for key in {*leaving, *swapped, *entering, *appended}:
        gone, swaps = leaving.get(key, set()), swapped.get(key, {})
        entries = [swaps.get(id(r), r) for r in out.get(key, ()) if id(r) not in gone]
        if key in entering:
            for record in entering[key]:
                _insert(entries, record, index.reads, orders)
        for record in appended.get(key, ()):
            # After the records of its list and the lists before it: appended records come last
            # in their list, in the order given.
            at = index.reads.index(BY_CLASS[type(record)].name)
            place = len(entries)
            while place and index.reads.index(BY_CLASS[type(entries[place - 1])].name) > at:
                place -= 1
            entries.insert(place, record)
        if entries:
            out[key] = tuple(entries)
        else:
            out.pop(key, None)
    return out

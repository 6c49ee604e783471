"""Which records concern a user, and which users a change concerns.

A record **concerns** a user when the user's evaluation may read it: at some instant, with some
configuration, through some rule. SPEC §10 names the start of it (what the user owns, what is in
their mailbox or addressed to them, what is on a company they own) and the associations the rules
read from there: a deal's contacts and the other deals those contacts are on, a lead's contact
and its engagements, the activities listing a deal or a lead, a meeting's follow-up tasks, a
lead's or deal's pipeline, the sender of an email to your address and that sender's leads…

The relation is declared once, as data, next to the index definitions:
:data:`~guided_actions._snapshot.indexes.CONCERN` is a tree of
:class:`~guided_actions._snapshot.indexes.Join` steps that starts at a user record. Each step goes
from the records of one list (its source) to those of another (its target) whose key equals one
of the source's keys, each key being a list's unique field (``"id"``) or an index of
:data:`~guided_actions._snapshot.indexes.INDEXES`: "the contacts whose ``owner_id`` is the
user", "the deals whose ``contact_ids`` hold the contact", "the contacts whose address is the
email's sender". A record concerns the users from whom a path of steps leads to it. The path
matters, not only its steps: a deal's contacts concern the deal's owner, and so do the other deals
of those contacts, but not those deals' contacts (no rule reads that far).

Three things read the declaration, each walking it its own way:

- :func:`affected_users` walks it **backwards**: from each record a change touches, step by step
  towards the user records, using for each step the index of its source's key (the contacts
  owned by… read backwards is a contact's ``owner_id``; the deals of a contact read backwards is
  a deal's ``contact_ids``). It walks the old version of a record in the snapshot before the
  change and the new version in the snapshot after it, so that a change of the relation itself (a
  contact moving to another owner, a user changing address) reaches the users on both sides.
- A user's **book** (the smallest snapshot holding everything some users' rules read) walks it
  **forwards**: from the user records, each step looks the source's keys up in the target's index,
  and the book is every record reached, with the records they reference.
- A **fan-out** over tables (one row per record, partitioned by user) runs each step as an
  equi-join ``source JOIN target ON source_key = target_key``, level by level from the users
  table, producing ``(user_id, record)`` pairs: the key functions are the indexes' own.

Why this is exact: an evaluation reads the snapshot only through look-ups whose keys come from
what it read before. If a user's result differs before and after a change, take the first look-up
whose answer differs: every read before it answered the same, so its key is the same in both
snapshots, and its answer holds a record that the change touched, reached from the user along the
same path in the snapshot where that version lives. Walking every touched version backwards
therefore finds the user, provided the declaration holds every look-up the rules make (a test
instruments a reader to check it). ``reads`` narrows a step to the fields read through it: a
pipeline is read for its stages' ids and flags, so relabelling a stage concerns nobody.

The one step that no index answers is that of issued actions: the evaluation looks an issued
action up by the key of an action it gives, and a key is a digest that does not say whose action
it is. A change to an issued action (or to the existence or creation stamp of a contact one of
them names) therefore concerns every user.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from guided_actions._model.kinds import BY_CLASS, BY_NAME, KINDS
from guided_actions._model.records import Record
from guided_actions._snapshot import indexes
from guided_actions._snapshot.changes import parse_changes
from guided_actions._snapshot.indexes import ACTION_KEYS, CONCERN, INDEXES, Join

if typing.TYPE_CHECKING:
    from guided_actions._snapshot.snapshot import Snapshot

__all__ = ["Node", "affected_users", "nodes_of", "users_concerned_by"]

_INDEX = {index.name: index for index in INDEXES}


@attrs.frozen
class Node:
    """A step of :data:`CONCERN` where it stands in the tree: its join, and the node it comes
    from (``None``: it starts at the user record)."""

    join: Join
    parent: Node | None

    @property
    def source(self) -> str:
        """The list the step starts from."""
        return "users" if self.parent is None else self.parent.join.target


def _nodes(joins: Iterable[Join], parent: Node | None) -> Iterable[Node]:
    for join in joins:
        node = Node(join, parent)
        yield node
        yield from _nodes(join.then, node)


def _check_declaration() -> dict[str, tuple[Node, ...]]:
    """The steps of :data:`CONCERN` by target list, each checked: its keys exist for its lists."""
    by_target: dict[str, list[Node]] = {}
    for node in _nodes(CONCERN, None):
        join = node.join
        for list_name, key in ((node.source, join.source_key), (join.target, join.target_key)):
            if key == ACTION_KEYS:
                continue
            if key == "id":
                if BY_NAME[list_name].id_field is None:
                    raise TypeError(f"concern: {list_name} has no unique field to join on")
            elif list_name not in _INDEX[key].reads:
                raise TypeError(f"concern: index {key!r} does not read {list_name}")
        by_target.setdefault(join.target, []).append(node)
    return {name: tuple(nodes) for name, nodes in by_target.items()}


#: Every step of the relation, by the list it leads to.
_BY_TARGET: Mapping[str, tuple[Node, ...]] = _check_declaration()


def nodes_of(list_name: str) -> tuple[Node, ...]:
    """The steps of the relation that lead to records of ``list_name`` (none: they concern
    nobody but, for ``users``, themselves)."""
    return _BY_TARGET.get(list_name, ())


class _Walker:
    """Backward walks in one snapshot: from records to the users they concern."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.by_id: indexes.ById = snapshot._by_id
        self._key_functions: dict[str, Callable[[Any], Iterable[str]]] = {}
        self.everyone = False

    def keys(self, key: str, list_name: str, record: Record) -> Iterable[str]:
        """A record's keys under ``key``: its unique field, or its keys in that index."""
        if key == "id":
            return (getattr(record, typing.cast(str, BY_NAME[list_name].id_field)),)
        function = self._key_functions.get(key)
        if function is None:
            function = self._key_functions[key] = indexes._keys_of(_INDEX[key], self.by_id)
        return function(record)

    def lookup(self, key: str, list_name: str, value: str) -> Iterable[Record]:
        """The records of ``list_name`` whose key under ``key`` is ``value``."""
        if key == "id":
            found = self.by_id[list_name].get(value)
            return () if found is None else (found,)
        records: tuple[Record, ...] = self.snapshot._get(key, value)
        if len(_INDEX[key].reads) == 1:
            return records
        cls = BY_NAME[list_name].cls
        return [r for r in records if type(r) is cls]

    def users(self, node: Node | None, records: Iterable[Record]) -> set[str]:
        """The ids of the users from whom the path ending at ``node`` leads to ``records``."""
        level: dict[int, Record] = {id(r): r for r in records}
        while node is not None and level:
            join = node.join
            if join.source_key == ACTION_KEYS:
                self.everyone = True  # no index says whose action has a key
                return set()
            sources: dict[int, Record] = {}
            for record in level.values():
                for value in self.keys(join.target_key, join.target, record):
                    for source in self.lookup(join.source_key, node.source, value):
                        sources[id(source)] = source
            level, node = sources, node.parent
        return {typing.cast(Any, user).id for user in level.values()}


def _read(record: Record, field: str) -> object:
    """A field of a record; ``"stages.closed"``: that field of each item of ``stages``."""
    name, _dot, item_field = field.partition(".")
    value = getattr(record, name)
    return tuple(getattr(item, item_field) for item in value) if item_field else value


def _read_alike(join: Join, old: Record, new: Record) -> bool:
    """Whether a step that reads only some fields reads both versions alike."""
    return join.reads is not None and all(_read(old, f) == _read(new, f) for f in join.reads)


def _concerned(walker: _Walker, record: Record, other: Record | None = None) -> set[str]:
    """The users ``record`` concerns in the walker's snapshot (setting ``walker.everyone`` when
    that is every user). ``other``: the record's other version, when it has one; a step that
    reads only fields both versions share is passed over."""
    name = BY_CLASS[type(record)].name
    found = {typing.cast(Any, record).id} if name == "users" else set()
    for node in nodes_of(name):
        if other is None or not _read_alike(node.join, other, record):
            found |= walker.users(node, (record,))
    return found


def users_concerned_by(snapshot: Snapshot, record: Record) -> frozenset[str] | None:
    """The ids of the users a record of ``snapshot`` concerns; ``None``: every user (an issued
    action, or a contact an issued action names)."""
    walker = _Walker(snapshot)
    found = _concerned(walker, record)
    return None if walker.everyone else frozenset(found)


def _versions(
    before: Snapshot, after: Snapshot, changes: Mapping[str, Any]
) -> Iterable[tuple[str, Record | None, Record | None]]:
    """``(list, old, new)`` for every record the change set touches: its version before
    (``None``: it is new) and after (``None``: it is deleted). A record upserted unchanged is
    left out."""
    parsed = parse_changes(changes)
    for kind in KINDS:
        name, id_field = kind.name, kind.id_field
        upserts, deletes = parsed.upsert.get(name, ()), parsed.delete.get(name, ())
        if not upserts and not deletes:
            continue
        if id_field is None:
            # Appended at the end, in the order given; deleted: every record equal to one given.
            appended = after.records(name)[len(after.records(name)) - len(upserts) :]
            for record in appended:
                yield name, None, record
            for record in deletes:
                yield name, record, None
            continue
        old_by_id, new_by_id = before._by_id[name], after._by_id[name]
        ids = [typing.cast(Mapping[str, Any], item)[id_field] for item in upserts]
        for rid in dict.fromkeys([*ids, *deletes]):
            old, new = old_by_id.get(rid), new_by_id.get(rid)
            if old != new:  # new, deleted, or changed; not both absent, nor upserted unchanged
                yield name, old, new


def affected_users(snapshot: Snapshot, changes: Mapping[str, Any]) -> frozenset[str]:
    """The ids of the users whose results a change set may change.

    A user outside the set has exactly the same :func:`~guided_actions.evaluate` result (its
    actions and errors) on ``snapshot`` and on ``snapshot.apply(changes)``, at every ``now``,
    with any configuration and the built-in rules. The set holds the users concerned by the old
    version of each record the change touches (in ``snapshot``) or by its new version (in the
    changed snapshot), following the concern relation; users the change adds or deletes are in
    it. It may hold a user whose result does not change (a record they could read changed in a
    way no rule of theirs looks at), never miss one whose result does.

    ``changes`` is a change set as :meth:`Snapshot.apply` takes it; an invalid one raises what
    ``apply`` raises. The cost follows the change and the records it reaches through the
    relation (looked up in the snapshots' indexes), not the size of the CRM; a change to
    ``issued_actions`` concerns every user (see the explanation page "Which records concern a
    user").
    """
    after = snapshot.apply(changes)
    before_walker, after_walker = _Walker(snapshot), _Walker(after)
    everyone = {u.id for u in snapshot.users()} | {u.id for u in after.users()}
    found: set[str] = set()
    for _name, old, new in _versions(snapshot, after, changes):
        if old is not None:
            found |= _concerned(before_walker, old, new)
        if new is not None:
            found |= _concerned(after_walker, new, old)
        if before_walker.everyone or after_walker.everyone or found >= everyone:
            return frozenset(everyone)  # nobody is left to find
    return frozenset(found)

"""The snapshot's indexes, declared as data and built by one generic linear pass.

Each :class:`Index` names the record lists it reads and how a record's key (or keys) is computed:
a field name, or a function of the snapshot's records by id and the record. :func:`build` fills
every index with one pass over each list it reads (linear in the number of records), turns each
table's lists into tuples as soon as it is filled (so that callers cannot change them and no index
exists twice in memory) and returns plain read-only tables: a key that is absent reads as absent,
never as an empty list created on the fly.

Within a key, records keep their input order (the lists' order first, as ``reads`` gives them).
"""

from __future__ import annotations

import functools
import typing
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter
from typing import Any

import attrs

from guided_actions._model.kinds import BY_CLASS, KINDS
from guided_actions._model.records import Contact, Email, Record, Task
from guided_actions.typing import Activity

__all__ = ["INDEXES", "ById", "Index", "Tables", "build"]

#: The records of every list with a unique field, by that field (``id``, or ``key``).
ById = Mapping[str, Mapping[str, Any]]
#: Index name -> key -> the records under that key.
Tables = Mapping[str, Mapping[str, tuple[Any, ...]]]

KeyOf = Callable[[ById, Any], "str | None"]
KeysOf = Callable[[ById, Any], Iterable[str]]


def _names(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@attrs.frozen
class Index:
    """One index: its name, the lists it reads, and a record's key or keys.

    ``key`` gives one key per record (``None``: the record is left out); ``keys`` several. Either
    is a field name or a function ``(by_id, record)``.
    """

    name: str
    reads: tuple[str, ...] = attrs.field(converter=_names)
    key: str | KeyOf | None = None
    keys: str | KeysOf | None = None

    def __attrs_post_init__(self) -> None:
        if (self.key is None) == (self.keys is None):
            raise TypeError(f"index {self.name!r}: give exactly one of key and keys")


def _casefolded_email(_by_id: ById, contact: Contact) -> str | None:
    """Addresses are compared case-insensitively; a contact without one is left out."""
    return contact.email.casefold() if contact.email else None


def _inbound_primary_recipient(_by_id: ById, email: Email) -> str | None:
    """An inbound email under its primary recipient ``to[0]``, casefolded."""
    if email.direction == "inbound" and email.to:
        return email.to[0].casefold()
    return None


def _inbound_reply_to(_by_id: ById, email: Email) -> str | None:
    """An inbound email under the email it replies to."""
    return email.in_reply_to if email.direction == "inbound" else None


def _listed(field: str) -> KeysOf:
    """The ids an activity lists in ``field``, each once; a task's include its meeting's."""
    ids_of = attrgetter(field)

    def keys(by_id: ById, activity: Any) -> Iterable[str]:
        ids: tuple[str, ...] = ids_of(activity)
        if isinstance(activity, Task) and activity.meeting_id is not None:
            return {*ids, *ids_of(by_id["meetings"][activity.meeting_id])}
        return ids if len(ids) < 2 else set(ids)

    keys.__qualname__ = keys.__name__ = f"listed_{field}"
    return keys


#: The lists of activities: what ``activities_listing`` answers with, in this order.
ACTIVITY_LISTS: tuple[str, ...] = tuple(BY_CLASS[cls].name for cls in typing.get_args(Activity))

#: Every index of a snapshot.
INDEXES: tuple[Index, ...] = (
    Index("contacts_owned", "contacts", key="owner_id"),
    Index("contacts_email", "contacts", key=_casefolded_email),
    Index("contacts_company", "contacts", keys="company_ids"),
    Index("companies_owned", "companies", key="owner_id"),
    Index("leads_owned", "leads", key="owner_id"),
    Index("leads_contact", "leads", key="contact_id"),
    Index("deals_owned", "deals", key="owner_id"),
    Index("deals_contact", "deals", keys="contact_ids"),
    Index("mailbox", "emails", key="owner_id"),
    Index("inbound_to", "emails", key=_inbound_primary_recipient),
    Index("replies", "emails", key=_inbound_reply_to),
    Index("calls_owned", "calls", key="owner_id"),
    Index("meetings_owned", "meetings", key="owner_id"),
    Index("tasks_owned", "tasks", key="owner_id"),
    Index("tasks_meeting", "tasks", key="meeting_id"),
    Index("notes_owned", "notes", key="owner_id"),
    Index("engagements", "engagement_events", key="contact_id"),
    Index("dismissals", "dismissals", key="user_id"),
    Index("snoozes", "snoozes", key="user_id"),
    Index("listing_contact", ACTIVITY_LISTS, keys=_listed("contact_ids")),
    Index("listing_lead", ACTIVITY_LISTS, keys=_listed("lead_ids")),
    Index("listing_deal", ACTIVITY_LISTS, keys=_listed("deal_ids")),
)


def _bind(spec: str | Callable[[ById, Any], Any], by_id: ById) -> Callable[[Any], Any]:
    """A one-argument function of a record, from a field name or a ``(by_id, record)`` function."""
    if isinstance(spec, str):
        return attrgetter(spec)
    return functools.partial(spec, by_id)


def _keys_of(index: Index, by_id: ById) -> Callable[[Any], Iterable[str]]:
    """A record's keys under ``index``: its ``keys``, or its one ``key`` (none when ``None``)."""
    if index.keys is not None:
        return _bind(index.keys, by_id)
    assert index.key is not None
    key_of = _bind(index.key, by_id)

    def keys(record: Any) -> Iterable[str]:
        key = key_of(record)
        return () if key is None else (key,)

    return keys


def _fill(index: Index, lists: Mapping[str, Iterable[Record]], by_id: ById) -> dict[str, Any]:
    table: defaultdict[str, list[Record]] = defaultdict(list)
    keys_of = _keys_of(index, by_id)
    for name in index.reads:
        for record in lists[name]:
            for key in keys_of(record):
                table[key].append(record)
    table.default_factory = None  # a missing key reads as absent, not as []
    frozen = typing.cast("dict[str, Any]", table)
    for key, records in table.items():
        frozen[key] = tuple(records)  # one list at a time: no index exists twice in memory
    return frozen


def build(
    lists: Mapping[str, Iterable[Record]], indexes: Iterable[Index] = INDEXES
) -> tuple[ById, Tables]:
    """The records by id of every list with a unique field, and every index's table."""
    by_id: dict[str, Mapping[str, Any]] = {}
    for kind in KINDS:
        if kind.id_field is not None:
            id_of = attrgetter(kind.id_field)
            by_id[kind.name] = {id_of(r): r for r in lists[kind.name]}
    tables = {index.name: _fill(index, lists, by_id) for index in indexes}
    return by_id, tables

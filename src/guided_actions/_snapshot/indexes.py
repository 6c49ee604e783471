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
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any

import attrs

from guided_actions._model.kinds import BY_CLASS, KINDS
from guided_actions._model.records import Call, Contact, Email, Meeting, Note, Record, Task, User
from guided_actions.typing import Activity

__all__ = [
    "ACTION_KEYS",
    "CONCERN",
    "INDEXES",
    "ById",
    "Index",
    "Join",
    "Listed",
    "Tables",
    "build",
]

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


def _casefolded_email(_by_id: ById, contact: Contact | User) -> str | None:
    """Addresses are compared case-insensitively; a contact without one is left out."""
    return contact.email.casefold() if contact.email else None


def _inbound_from_address(_by_id: ById, email: Email) -> str | None:
    """An inbound email under its sender's address, casefolded."""
    if email.direction == "inbound" and email.from_address:
        return email.from_address.casefold()
    return None


def _inbound_primary_recipient(_by_id: ById, email: Email) -> str | None:
    """An inbound email under its primary recipient ``to[0]``, casefolded."""
    if email.direction == "inbound" and email.to:
        return email.to[0].casefold()
    return None


def _inbound_reply_to(_by_id: ById, email: Email) -> str | None:
    """An inbound email under the email it replies to."""
    return email.in_reply_to if email.direction == "inbound" else None


@attrs.frozen
class Listed:
    """The keys of a listing index: the ids an activity lists in ``field``, each once; a task's
    include its meeting's (which another record holds: a book's plan reaches them through the
    meeting instead, reading only ``field``)."""

    field: str

    def __call__(self, by_id: ById, activity: Any) -> Iterable[str]:
        ids: tuple[str, ...] = getattr(activity, self.field)
        if isinstance(activity, Task) and activity.meeting_id is not None:
            return {*ids, *getattr(by_id["meetings"][activity.meeting_id], self.field)}
        return ids if len(ids) < 2 else set(ids)

    def many(self, by_id: ById, activities: Sequence[Any]) -> Iterable[Iterable[str]]:
        """The keys of each of ``activities`` (of one list), in order: ``self(by_id, a)`` for
        each, computed a list at a time where no task's meeting is involved."""
        if set(map(type, activities)) <= _NO_MEETING:
            return map(set, map(attrgetter(self.field), activities))
        return map(functools.partial(self, by_id), activities)


#: The activities whose keys are their own ids only (a task's include its meeting's).
_NO_MEETING = frozenset({Call, Email, Meeting, Note})


def _listed(field: str) -> KeysOf:
    """The ids an activity lists in ``field``, each once; a task's include its meeting's."""
    return Listed(field)


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
    # Read by the concern relation (CONCERN below), to go from a record back to its users.
    Index("users_email", "users", key=_casefolded_email),
    Index("inbound_from", "emails", key=_inbound_from_address),
    Index("leads_pipeline", "leads", key="pipeline_id"),
    Index("deals_pipeline", "deals", key="pipeline_id"),
    Index("tasks_sequence", "tasks", key="sequence_id"),
    Index("issued_contact", "issued_actions", keys="contact_ids"),
)


# -- the concern relation ---------------------------------------------------------------------
# Which records concern a user: those their evaluation may read, at any instant, with any
# configuration. It is declared here, as joins between the keys above, so that what reads it
# (``affected_users``; a user's book; a fan-out over tables) follows one declaration. See
# :mod:`guided_actions._snapshot.concern`.

#: A join key that is no index: the keys of the actions a user's evaluation gives.
ACTION_KEYS = "action_keys"


@attrs.frozen
class Join:
    """One step of the concern relation: from a record of the list above (the *source*) to the
    records of ``target`` whose key under ``target_key`` is one of the source's keys under
    ``source_key``.

    A key is ``"id"`` (the list's unique field: ``key`` for ``issued_actions``), the name of an
    index of :data:`INDEXES` over that list, or :data:`ACTION_KEYS`. ``reads`` names the only
    fields of a target that the rules read through this step (besides whether it is there;
    ``"stages.closed"``: that field of each stage); ``None``: any. ``then``: the steps that go
    on from the target.
    """

    target: str
    source_key: str
    target_key: str
    reads: tuple[str, ...] | None = None
    then: tuple[Join, ...] = ()

    def __attrs_post_init__(self) -> None:
        if self.reads is not None and self.then:
            raise TypeError(f"join to {self.target!r}: a step that reads some fields ends a path")


def _activities(kind: str, *then: Join) -> tuple[Join, ...]:
    """The activities (anyone's) that list a record of ``kind``: one step per activity list."""
    return tuple(Join(name, "id", f"listing_{kind}", then=then) for name in ACTIVITY_LISTS)


#: A lead's or deal's stage is read in its pipeline: whether it is the first, closed, won.
_STAGES = ("stages.id", "stages.closed", "stages.won")
_LEAD_PIPELINE = Join("pipelines", "leads_pipeline", "id", reads=_STAGES)
_DEAL_PIPELINE = Join("pipelines", "deals_pipeline", "id", reads=_STAGES)
#: The deals listing a contact (no deal lists it; the deals named in a check; deal amounts).
_DEALS_OF_CONTACT = Join("deals", "id", "deals_contact", then=(_DEAL_PIPELINE,))
_LEADS_OF_CONTACT = Join("leads", "id", "leads_contact", then=(_LEAD_PIPELINE,))
_ENGAGEMENTS = Join("engagement_events", "id", "engagements")
_COMPANY_OF_CONTACT = Join("companies", "contacts_company", "id")
#: What the explanation of a contact reads, whoever owns it, once a rule of yours is about it:
#: its leads, deals, engagements and company (every rule about contacts is explained on it).
_ABOUT_CONTACT = (_LEADS_OF_CONTACT, _DEALS_OF_CONTACT, _ENGAGEMENTS, _COMPANY_OF_CONTACT)
#: A lead's contact (its engagements; its deals: the lead's deal amount), explained as above.
_CONTACT_OF_LEAD = Join("contacts", "leads_contact", "id", then=_ABOUT_CONTACT)
#: What an activity of yours names: its deals (deal amounts) and contacts (associations).
_LISTED = (
    Join("deals", "listing_deal", "id", then=(_DEAL_PIPELINE,)),
    Join("contacts", "listing_contact", "id", reads=("created_at", "company_ids")),
)
#: The sender of an email to your address: its leads and deals, and what explaining it reads.
_SENDER = _ABOUT_CONTACT

#: Every step from a user record to the records that concern the user (the user's own record
#: concerns them too). A record concerns a user when a path of steps leads from the user to it.
CONCERN: tuple[Join, ...] = (
    Join("dismissals", "id", "dismissals"),
    Join("snoozes", "id", "snoozes"),
    # An issued action freezes the associations of the action with its key, which only an
    # evaluation knows; the contacts it names are looked up (are they there yet?).
    Join(
        "issued_actions",
        ACTION_KEYS,
        "id",
        then=(Join("contacts", "issued_contact", "id", reads=("created_at",)),),
    ),
    Join(
        "contacts",
        "id",
        "contacts_owned",
        then=_ABOUT_CONTACT,
    ),
    Join(
        "companies",
        "id",
        "companies_owned",
        then=(
            Join(
                "contacts",
                "id",
                "contacts_company",
                then=_ABOUT_CONTACT,
            ),
        ),
    ),
    Join(
        "leads",
        "id",
        "leads_owned",
        then=(_LEAD_PIPELINE, _CONTACT_OF_LEAD, *_activities("lead")),
    ),
    Join(
        "deals",
        "id",
        "deals_owned",
        then=(
            _DEAL_PIPELINE,
            Join("contacts", "deals_contact", "id", then=_ABOUT_CONTACT),
            *_activities("deal"),
        ),
    ),
    Join("emails", "id", "mailbox"),
    Join(
        "emails",
        "users_email",
        "inbound_to",
        then=(
            Join("contacts", "listing_contact", "id", then=_SENDER),
            Join("contacts", "inbound_from", "contacts_email", then=_SENDER),
            Join("leads", "listing_lead", "id", then=(_LEAD_PIPELINE, _CONTACT_OF_LEAD)),
        ),
    ),
    Join("calls", "id", "calls_owned", then=_LISTED),
    Join("meetings", "id", "meetings_owned", then=(Join("tasks", "id", "tasks_meeting"), *_LISTED)),
    Join(
        "tasks",
        "id",
        "tasks_owned",
        then=(Join("sequences", "tasks_sequence", "id"), *_LISTED),
    ),
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


def _column(spec: str | Callable[[ById, Any], Any], by_id: ById, records: Sequence[Any]) -> Any:
    """The key (or keys) of each of ``records``, in order, from a field name or a ``(by_id,
    record)`` function (which may compute them a list at a time: ``many``)."""
    if isinstance(spec, str):
        return map(attrgetter(spec), records)
    many = getattr(spec, "many", None)
    if many is not None:
        return many(by_id, records)
    return map(functools.partial(spec, by_id), records)


def _fill(index: Index, lists: Mapping[str, Sequence[Record]], by_id: ById) -> dict[str, Any]:
    table: defaultdict[Any, list[Record]] = defaultdict(list)
    for name in index.reads:
        records = lists[name]
        if index.key is not None:
            for key, record in zip(_column(index.key, by_id, records), records, strict=True):
                table[key].append(record)
        else:
            assert index.keys is not None
            for keys, record in zip(_column(index.keys, by_id, records), records, strict=True):
                for key in keys:
                    table[key].append(record)
    if index.key is not None:
        table.pop(None, None)  # the records without a key (``key`` gave ``None``) are left out
    table.default_factory = None  # a missing key reads as absent, not as []
    frozen = typing.cast("dict[str, Any]", table)
    for key, records in table.items():
        frozen[key] = tuple(records)  # one list at a time: no index exists twice in memory
    return frozen


def build(
    lists: Mapping[str, Sequence[Record]], indexes: Iterable[Index] = INDEXES
) -> tuple[ById, Tables]:
    """The records by id of every list with a unique field, and every index's table."""
    by_id: dict[str, Mapping[str, Any]] = {}
    for kind in KINDS:
        if kind.id_field is not None:
            records = lists[kind.name]
            by_id[kind.name] = dict(
                zip(map(attrgetter(kind.id_field), records), records, strict=True)
            )
    tables = {index.name: _fill(index, lists, by_id) for index in indexes}
    return by_id, tables

"""The record kinds: every list of a snapshot, declared once, in interchange order.

For each list: its name (the key of the JSON interchange format and of ``Snapshot.records``), its
record class, the field that is unique within the list (``None`` when nothing is) and its
references: which fields hold ids of which list. The snapshot, its constructor, the interchange
document and the synthetic CRM all read this declaration; none repeats it.

Not every id-like field is a reference: ``team_ids`` and dashboard ``access`` name the CRM's
teams, which the snapshot does not hold; ``issued_actions`` may name records deleted since; a
lead's or a deal's ``stage_id`` is checked against its pipeline's stages instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs

from guided_actions._model.records import (
    Call,
    Company,
    Contact,
    Dashboard,
    Deal,
    Dismissal,
    Email,
    EngagementEvent,
    Feedback,
    IssuedAction,
    Lead,
    Meeting,
    Note,
    Pipeline,
    Record,
    Sequence,
    Task,
    User,
)

__all__ = ["BY_CLASS", "BY_NAME", "KINDS", "NAMES", "Kind"]


def _read_only(refs: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(refs))


@attrs.frozen(eq=False)
class Kind:
    """One list of records: its name, record class, unique field and references."""

    #: The list's key in the interchange format and in ``Snapshot.records`` (``"contacts"``…).
    name: str
    #: The class of every record of the list.
    cls: type[Record]
    #: The field unique within the list (``"id"``, ``"key"``), or ``None``.
    id_field: str | None
    #: Field -> the list whose ids it holds (an id, or a tuple of ids, ``None`` meaning none).
    references: Mapping[str, str] = attrs.field(factory=dict, converter=_read_only)


_ACTIVITY_REFERENCES = {
    "owner_id": "users",
    "contact_ids": "contacts",
    "company_ids": "companies",
    "deal_ids": "deals",
    "lead_ids": "leads",
}

#: Every record list, in interchange order.
KINDS: tuple[Kind, ...] = (
    Kind("users", User, "id"),
    Kind("pipelines", Pipeline, "id"),
    Kind("companies", Company, "id", {"owner_id": "users"}),
    Kind("contacts", Contact, "id", {"owner_id": "users", "company_ids": "companies"}),
    Kind(
        "leads",
        Lead,
        "id",
        {"owner_id": "users", "contact_id": "contacts", "pipeline_id": "pipelines"},
    ),
    Kind(
        "deals",
        Deal,
        "id",
        {
            "owner_id": "users",
            "pipeline_id": "pipelines",
            "contact_ids": "contacts",
            "company_ids": "companies",
        },
    ),
    Kind(
        "emails",
        Email,
        "id",
        {
            "owner_id": "users",
            "in_reply_to": "emails",
            "contact_ids": "contacts",
            "lead_ids": "leads",
            "deal_ids": "deals",
        },
    ),
    Kind("calls", Call, "id", _ACTIVITY_REFERENCES),
    Kind("meetings", Meeting, "id", _ACTIVITY_REFERENCES),
    Kind(
        "tasks",
        Task,
        "id",
        {
            "owner_id": "users",
            "sequence_id": "sequences",
            "meeting_id": "meetings",
            "contact_ids": "contacts",
            "deal_ids": "deals",
            "lead_ids": "leads",
        },
    ),
    Kind(
        "notes",
        Note,
        "id",
        {"owner_id": "users", "contact_ids": "contacts", "deal_ids": "deals", "lead_ids": "leads"},
    ),
    Kind("sequences", Sequence, "id"),
    Kind("engagement_events", EngagementEvent, "id", {"contact_id": "contacts"}),
    Kind("feedback", Feedback, None, {"user_id": "users"}),
    Kind("dismissals", Dismissal, None, {"user_id": "users"}),
    Kind("issued_actions", IssuedAction, "key"),
    Kind("dashboards", Dashboard, "id"),
)

#: The list names, in interchange order.
NAMES: tuple[str, ...] = tuple(kind.name for kind in KINDS)
#: Each kind by its list name.
BY_NAME: Mapping[str, Kind] = MappingProxyType({kind.name: kind for kind in KINDS})
#: Each kind by its record class.
BY_CLASS: Mapping[type[Record], Kind] = MappingProxyType({kind.cls: kind for kind in KINDS})

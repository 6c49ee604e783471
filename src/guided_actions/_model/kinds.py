"""The record kinds: every list of a snapshot, declared once, in interchange order.

For each list: its record class, the field that is unique within the list (``None`` when nothing
is) and its references: which fields hold ids of which list. Its name (the key of the JSON
interchange format and of ``Snapshot.records``) is its records' ``record_kind``. The snapshot,
its constructor, the interchange document and the synthetic CRM all read this declaration; none
repeats it.

Not every id-like field is a reference: ``team_ids`` and dashboard ``access`` name the CRM's
teams, which the snapshot does not hold; ``issued_actions`` and a snooze's ``subject_ids`` may
name records deleted since; a lead's or a deal's ``stage_id`` is checked against its pipeline's
stages instead.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from guided_actions._model.frozen import FrozenDict
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
    Snooze,
    Task,
    User,
)

__all__ = ["BY_CLASS", "BY_NAME", "KINDS", "NAMES", "Kind"]


def _read_only(refs: Mapping[str, str]) -> Mapping[str, str]:
    return FrozenDict(refs)


@attrs.frozen(eq=False)
class Kind:
    """One list of records: its record class, unique field and references; its name is the one
    its records give themselves (``record_kind``)."""

    #: The class of every record of the list.
    cls: type[Record]
    #: The field unique within the list (``"id"``, ``"key"``), or ``None``.
    id_field: str | None
    #: Field -> the list whose ids it holds (an id, or a tuple of ids, ``None`` meaning none).
    references: Mapping[str, str] = attrs.field(factory=dict, converter=_read_only)

    @property
    def name(self) -> str:
        """The list's key in the interchange format and in ``Snapshot.records``: ``"contacts"``…"""
        return self.cls.record_kind


_ACTIVITY_REFERENCES = {
    "owner_id": "users",
    "contact_ids": "contacts",
    "company_ids": "companies",
    "deal_ids": "deals",
    "lead_ids": "leads",
}

#: Every record list, in interchange order.
KINDS: tuple[Kind, ...] = (
    Kind(User, "id"),
    Kind(Pipeline, "id"),
    Kind(Company, "id", {"owner_id": "users"}),
    Kind(Contact, "id", {"owner_id": "users", "company_ids": "companies"}),
    Kind(
        Lead,
        "id",
        {"owner_id": "users", "contact_id": "contacts", "pipeline_id": "pipelines"},
    ),
    Kind(
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
    Kind(Call, "id", _ACTIVITY_REFERENCES),
    Kind(Meeting, "id", _ACTIVITY_REFERENCES),
    Kind(
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
        Note,
        "id",
        {"owner_id": "users", "contact_ids": "contacts", "deal_ids": "deals", "lead_ids": "leads"},
    ),
    Kind(Sequence, "id"),
    Kind(EngagementEvent, "id", {"contact_id": "contacts"}),
    Kind(Feedback, None, {"user_id": "users"}),
    Kind(Dismissal, None, {"user_id": "users"}),
    Kind(Snooze, None, {"user_id": "users"}),
    Kind(IssuedAction, "key"),
    Kind(Dashboard, "id"),
)

#: The list names, in interchange order.
NAMES: tuple[str, ...] = tuple(kind.name for kind in KINDS)
#: Each kind by its list name.
BY_NAME: Mapping[str, Kind] = FrozenDict({kind.name: kind for kind in KINDS})
#: Each kind by its record class.
BY_CLASS: Mapping[type[Record], Kind] = FrozenDict({kind.cls: kind for kind in KINDS})

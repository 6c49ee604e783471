"""What each index of a snapshot should answer, computed by scanning every record instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guided_actions import Snapshot
from guided_actions._model.kinds import NAMES
from guided_actions._snapshot.indexes import ACTIVITY_LISTS
from guided_actions.typing import ListedKind

__all__ = ["keys_to_ask", "scans"]


def _listed(snap: Snapshot, activity: Any, field: str) -> set[str]:
    ids = set(getattr(activity, field))
    if getattr(activity, "meeting_id", None) is not None:
        ids |= set(getattr(snap.meeting(activity.meeting_id), field))
    return ids


def scans(snap: Snapshot) -> dict[str, tuple[Callable[[str], Any], Callable[[str], list[Any]]]]:
    """Per reader method: the method, and the same answer from a scan of every record."""

    def where(name: str, test: Callable[[Any, str], bool]) -> Callable[[str], list[Any]]:
        return lambda key: [r for r in snap.records(name) if test(r, key)]

    def each(name: str, field: str) -> Callable[[str], list[Any]]:
        # One entry per occurrence: a record naming an id twice is listed twice.
        return lambda key: [r for r in snap.records(name) for x in getattr(r, field) if x == key]

    def listing(kind: ListedKind) -> tuple[Callable[[str], Any], Callable[[str], list[Any]]]:
        field = f"{kind}_ids"
        return (
            lambda key: snap.activities_listing(kind, key),
            lambda key: [
                a
                for name in ACTIVITY_LISTS
                for a in snap.records(name)
                if key in _listed(snap, a, field)
            ],
        )

    def inbound(e: Any) -> bool:
        return bool(e.direction == "inbound")

    owned = {
        f"{name}_owned_by": (
            getattr(snap, f"{name}_owned_by"),
            where(name, lambda r, k: r.owner_id == k),
        )
        for name in (
            "contacts",
            "companies",
            "leads",
            "deals",
            "calls",
            "meetings",
            "tasks",
            "notes",
        )
    }
    return {
        **owned,
        "emails_in_mailbox": (
            snap.emails_in_mailbox,
            where("emails", lambda e, k: e.owner_id == k),
        ),
        "contacts_with_email": (
            snap.contacts_with_email,
            where("contacts", lambda c, k: bool(c.email) and c.email.casefold() == k.casefold()),
        ),
        "contacts_of_company": (snap.contacts_of_company, each("contacts", "company_ids")),
        "leads_of_contact": (snap.leads_of_contact, where("leads", lambda r, k: r.contact_id == k)),
        "deals_of_contact": (snap.deals_of_contact, each("deals", "contact_ids")),
        "inbound_emails_to": (
            snap.inbound_emails_to,
            where(
                "emails",
                lambda e, k: inbound(e) and bool(e.to) and e.to[0].casefold() == k.casefold(),
            ),
        ),
        "replies_to": (
            snap.replies_to,
            where("emails", lambda e, k: inbound(e) and e.in_reply_to == k),
        ),
        "tasks_of_meeting": (snap.tasks_of_meeting, where("tasks", lambda t, k: t.meeting_id == k)),
        "engagement_events_of": (
            snap.engagement_events_of,
            where("engagement_events", lambda v, k: v.contact_id == k),
        ),
        "dismissals_of": (snap.dismissals_of, where("dismissals", lambda d, k: d.user_id == k)),
        "snoozes_of": (snap.snoozes_of, where("snoozes", lambda s, k: s.user_id == k)),
        "listing_contact": listing("contact"),
        "listing_lead": listing("lead"),
        "listing_deal": listing("deal"),
    }


def keys_to_ask(snap: Snapshot) -> list[str]:
    """Every id and address of the snapshot, some in other cases, and a few unknown ones."""
    keys = {"nobody", "", "ANN@CLIENT.TEST"}
    for name in NAMES:
        for record in snap.records(name):
            for value in (getattr(record, f, None) for f in ("id", "owner_id", "user_id", "email")):
                if isinstance(value, str):
                    keys |= {value, value.upper()}
            for address in getattr(record, "to", ()):
                keys |= {address, address.upper()}
    return sorted(keys)

"""What a rule receives: the snapshot seen from one user at one instant.

The context is where SPEC §3's "whatever is stamped after `now` has not happened yet" is applied,
once, for every rule: its queries return only records that exist at ``now`` and events that have
happened by ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

import attrs

from guided_actions._model.records import (
    Call,
    Contact,
    Deal,
    Email,
    EngagementEvent,
    Lead,
    Meeting,
    Note,
    Task,
    User,
)
from guided_actions._model.time import day_bounds
from guided_actions.typing import Activity, ListedKind, SnapshotReader

__all__ = [
    "RuleContext",
    "activity_end",
    "activity_happened_at",
    "domain_of",
    "email_is_from",
    "email_is_to",
]


def activity_happened_at(activity: Activity) -> datetime:
    """When an activity happened: email sent, call or meeting started, note or task created."""
    if isinstance(activity, Email):
        return activity.sent_at
    if isinstance(activity, Call):
        return activity.started_at
    if isinstance(activity, Meeting):
        return activity.start
    return activity.created_at


def activity_end(activity: Activity) -> datetime | None:
    """When an activity ended; ``None`` for a task that is not completed (or has no stamp)."""
    if isinstance(activity, Email):
        return activity.sent_at
    if isinstance(activity, Call):
        return activity.ended_at or activity.started_at
    if isinstance(activity, Meeting):
        return activity.end
    if isinstance(activity, Note):
        return activity.created_at
    if activity.status == "completed":
        return activity.completed_at
    return None


def domain_of(address: str | None) -> str | None:
    """The part of an address after ``@``, case-folded; ``None`` without one."""
    if not address or "@" not in address:
        return None
    return address.rsplit("@", 1)[1].casefold() or None


def _same_address(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.casefold() == b.casefold()


def email_is_from(email: Email, contact: Contact) -> bool:
    """Inbound, and lists the contact or comes from the contact's address."""
    return email.direction == "inbound" and (
        contact.id in email.contact_ids or _same_address(email.from_address, contact.email)
    )


def email_is_to(email: Email, contact: Contact) -> bool:
    """Outbound, and lists the contact or has the contact's address in ``to`` or ``cc``."""
    if email.direction != "outbound":
        return False
    if contact.id in email.contact_ids:
        return True
    return contact.email is not None and any(
        _same_address(addr, contact.email) for addr in (*email.to, *email.cc)
    )


class _Mailbox:
    """The user's mailbox indexed by listed contact and by address, so that "you emailed them"
    and "they emailed you" cost a lookup instead of a scan of the whole mailbox."""

    def __init__(self, emails: Iterable[Email]) -> None:
        self.emails = sorted(emails, key=lambda e: (e.sent_at, e.id))
        self._by_contact: dict[tuple[str, str], list[Email]] = {}
        self._by_address: dict[tuple[str, str], list[Email]] = {}
        for e in self.emails:
            for cid in e.contact_ids:
                self._by_contact.setdefault((e.direction, cid), []).append(e)
            addresses = (e.from_address,) if e.direction == "inbound" else (*e.to, *e.cc)
            for addr in {a.casefold() for a in addresses if a}:
                self._by_address.setdefault((e.direction, addr), []).append(e)

    def matching(self, contact: Contact, direction: str) -> list[Email]:
        """Emails of that direction listing the contact or addressed from/to its email."""
        found = {e.id: e for e in self._by_contact.get((direction, contact.id), ())}
        if contact.email:
            for e in self._by_address.get((direction, contact.email.casefold()), ()):
                found.setdefault(e.id, e)
        return sorted(found.values(), key=lambda e: (e.sent_at, e.id))


@attrs.frozen(kw_only=True)
class RuleContext:
    """The snapshot as one user sees it at ``now``; what every rule's ``propose`` receives.

    ``now`` is in UTC. ``private_meetings`` is true when a super admin looks at another user's
    actions: meeting titles, attendees and associations must not appear in reasons.
    """

    snapshot: SnapshotReader
    now: datetime
    user: User
    engagement_kinds: frozenset[str]
    private_meetings: bool = False
    #: Per-evaluation indexes (the user's mailbox by contact and address), built on first use.
    _cache: dict[str, object] = attrs.field(factory=dict, eq=False, repr=False, alias="_cache")

    # -- time -------------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        """The user's time zone."""
        return self.user.zone

    def today(self) -> tuple[datetime, datetime]:
        """``[start, end)`` of today in the user's time zone, as UTC instants."""
        return day_bounds(self.now, self.zone)

    def exists(self, record: Contact | Lead | Deal | Task | Note) -> bool:
        """A record created after ``now`` does not exist yet."""
        return record.created_at <= self.now

    def happened(self, activity: Activity) -> bool:
        """An activity stamped after ``now`` has not happened yet."""
        return activity_happened_at(activity) <= self.now

    def happened_at(self, activity: Activity) -> datetime:
        """When an activity happened (SPEC §4): email sent, call or meeting start, creation."""
        return activity_happened_at(activity)

    def ended_at(self, activity: Activity) -> datetime | None:
        """When an activity ended (SPEC §4); ``None`` for a task not completed."""
        return activity_end(activity)

    def task_is_open(self, task: Task) -> bool:
        """Open: not completed, or completed at a stamp after ``now`` (not happened yet)."""
        if task.status != "completed":
            return True
        return task.completed_at is not None and task.completed_at > self.now

    def fmt(self, instant: datetime) -> str:
        """An instant as the user reads it: local time with its offset."""
        return instant.astimezone(self.zone).isoformat(timespec="minutes")

    # -- records as of now ------------------------------------------------------------

    def contacts_owned(self) -> list[Contact]:
        return [c for c in self.snapshot.contacts_owned_by(self.user.id) if self.exists(c)]

    def leads_owned(self) -> list[Lead]:
        return [x for x in self.snapshot.leads_owned_by(self.user.id) if self.exists(x)]

    def deals_owned(self) -> list[Deal]:
        return [d for d in self.snapshot.deals_owned_by(self.user.id) if self.exists(d)]

    def tasks_owned(self) -> list[Task]:
        return [t for t in self.snapshot.tasks_owned_by(self.user.id) if self.exists(t)]

    def meetings_owned(self) -> list[Meeting]:
        """Every meeting on the user's calendar, past and future (meetings are scheduled)."""
        return list(self.snapshot.meetings_owned_by(self.user.id))

    def calls_owned(self) -> list[Call]:
        return [c for c in self.snapshot.calls_owned_by(self.user.id) if self.happened(c)]

    def leads_of(self, contact_id: str) -> list[Lead]:
        return [x for x in self.snapshot.leads_of_contact(contact_id) if self.exists(x)]

    def deals_of(self, contact_id: str) -> list[Deal]:
        return [d for d in self.snapshot.deals_of_contact(contact_id) if self.exists(d)]

    def contact(self, contact_id: str) -> Contact | None:
        c = self.snapshot.contact(contact_id)
        return c if c is not None and self.exists(c) else None

    def mailbox(self) -> list[Email]:
        """Emails in the user's mailbox sent by ``now``, oldest first."""
        return self._mail().emails

    def _mail(self) -> _Mailbox:
        mail = self._cache.get("mailbox")
        if not isinstance(mail, _Mailbox):
            mail = _Mailbox(
                e for e in self.snapshot.emails_in_mailbox(self.user.id) if e.sent_at <= self.now
            )
            self._cache["mailbox"] = mail
        return mail

    def emails_sent_to(self, contact: Contact) -> list[Email]:
        """Outbound emails in your mailbox to the contact ("you emailed them"), oldest first."""
        return self._mail().matching(contact, "outbound")

    def emails_received_from(self, contact: Contact) -> list[Email]:
        """Inbound emails in your mailbox from the contact ("they emailed you"), oldest first."""
        return self._mail().matching(contact, "inbound")

    def engagements(self, contact_id: str) -> list[EngagementEvent]:
        """The contact's engagements of the counted kinds that happened by ``now``, oldest first."""
        return sorted(
            (
                ev
                for ev in self.snapshot.engagement_events_of(contact_id)
                if ev.kind in self.engagement_kinds and ev.occurred_at <= self.now
            ),
            key=lambda ev: (ev.occurred_at, ev.id),
        )

    def activities_listing(self, kind: ListedKind, record_id: str) -> list[Activity]:
        """Activities (anyone's) listing the record that happened by ``now``."""
        return [a for a in self.snapshot.activities_listing(kind, record_id) if self.happened(a)]

    def stage_of(self, record: Lead | Deal) -> tuple[bool, bool, bool]:
        """``(is_first_stage, is_closed, is_won)`` of a lead's or deal's current stage."""
        pipeline = self.snapshot.pipeline(record.pipeline_id)
        if pipeline is None:
            return (False, False, False)
        stage = pipeline.stage(record.stage_id)
        if stage is None:
            return (False, False, False)
        return (stage is pipeline.stages[0], stage.closed, stage.won)

    # -- describing records in reasons --------------------------------------------------

    def describe(self, record: object) -> str:
        """A short label for a record in a reason: ``contact c1 (ada@example.com)``…"""
        if isinstance(record, Meeting):
            if self.private_meetings:
                return f"meeting {record.id} (Busy)"
            return f"meeting {record.id}" + (f" {record.title!r}" if record.title else "")
        if isinstance(record, Contact):
            return f"contact {record.id}" + (f" ({record.email})" if record.email else "")
        if isinstance(record, Task):
            return f"task {record.id}" + (f" {record.title!r}" if record.title else "")
        kind = type(record).__name__.lower()
        return f"{kind} {getattr(record, 'id', '?')}"

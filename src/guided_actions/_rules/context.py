"""What a rule receives: the snapshot seen from one user at one instant.

The context is where SPEC §3's "whatever is stamped after `now` has not happened yet" is applied,
once, for every rule: its queries return only records that exist at ``now`` and events that have
happened by ``now``.
"""

from __future__ import annotations

import operator
import typing
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import attrs

from guided_actions._model.records import (
    Call,
    Company,
    Contact,
    Deal,
    Email,
    EngagementEvent,
    Lead,
    Meeting,
    Note,
    Sequence,
    Task,
    User,
)
from guided_actions._model.time import day_bounds
from guided_actions._text.checks import Check, Ref, make_ref
from guided_actions.typing import Activity, ListedKind, SnapshotReader, Subject, SubjectKind

R = typing.TypeVar("R")

#: The kinds :meth:`RuleContext.ref_to` looks up: the snapshot's lookups by id.
RefKind = Literal[SubjectKind, "company", "sequence"]

__all__ = [
    "RuleContext",
    "activity_end",
    "activity_happened_at",
    "domain_of",
    "email_is_from",
    "in_window",
]


def in_window(now: datetime, created_at: datetime, expires_at: datetime | None) -> bool:
    """``created_at <= now < expires_at`` (no ``expires_at``: no end): an action's time window."""
    return created_at <= now and (expires_at is None or now < expires_at)


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


_sent_at: Callable[[Email], datetime] = operator.attrgetter("sent_at")
_occurred_at: Callable[[EngagementEvent], datetime] = operator.attrgetter("occurred_at")


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


_BY_SENT = operator.attrgetter("sent_at", "id")


class _Mailbox:
    """The user's mailbox indexed by listed contact and by address, so that "you emailed them"
    and "they emailed you" cost a lookup instead of a scan of the whole mailbox."""

    def __init__(self, emails: Iterable[Email]) -> None:
        self.emails = sorted(emails, key=_BY_SENT)
        # Per direction: emails by listed contact id, emails by case-folded address, and the
        # answers of :meth:`matching` so far by contact id (with the address they were for).
        self._by_contact: dict[str, dict[str, list[Email]]] = {"inbound": {}, "outbound": {}}
        self._by_address: dict[str, dict[str, list[Email]]] = {"inbound": {}, "outbound": {}}
        self._matched: dict[str, dict[str, tuple[str | None, list[Email]]]] = {
            "inbound": {},
            "outbound": {},
        }
        for e in self.emails:
            by_contact = self._by_contact[e.direction]
            for cid in e.contact_ids:
                listed = by_contact.get(cid)
                if listed is None:
                    by_contact[cid] = [e]
                elif listed[-1] is not e:  # a contact listed twice by one email
                    listed.append(e)
            if e.direction == "inbound":
                addresses: set[str] = {e.from_address.casefold()} if e.from_address else set()
            else:
                addresses = {a.casefold() for a in (*e.to, *e.cc) if a}
            by_address = self._by_address[e.direction]
            for addr in addresses:
                sent = by_address.get(addr)
                if sent is None:
                    by_address[addr] = [e]
                else:
                    sent.append(e)

    def matching(self, contact: Contact, direction: str) -> list[Email]:
        """Emails of that direction listing the contact or addressed from/to its email, oldest
        first (computed once per contact and direction: several criteria ask)."""
        matched = self._matched[direction]
        known = matched.get(contact.id)
        if known is not None and known[0] == contact.email:
            return list(known[1])
        # Each index lists its emails oldest first: only emails found by address alone need
        # the two lists merged in order.
        found = list(self._by_contact[direction].get(contact.id, ()))
        if contact.email:
            by_address = self._by_address[direction].get(contact.email.casefold(), ())
            if by_address:
                if found:
                    listed = {e.id for e in found}
                    extra = [e for e in by_address if e.id not in listed]
                    if extra:
                        found.extend(extra)
                        found.sort(key=_BY_SENT)
                else:
                    found = list(by_address)
        matched[contact.id] = (contact.email, found)
        return list(found)


#: How :meth:`RuleContext.ref` names a record of each class: its kind and its detail.
_NAMED: dict[type, tuple[str, Callable[[Any], str | None]]] = {
    Meeting: ("meeting", lambda r: r.title),
    Contact: ("contact", lambda r: r.email),
    Task: ("task", lambda r: r.title),
    Company: ("company", lambda r: r.name),
    EngagementEvent: ("engagement", lambda r: r.kind),
    Sequence: ("sequence", lambda r: r.name),
    User: ("user", lambda r: None),
    Deal: ("deal", lambda r: None),
    Lead: ("lead", lambda r: None),
    Email: ("email", lambda r: None),
    Call: ("call", lambda r: None),
    Note: ("note", lambda r: None),
}


#: :func:`_naming` of each class met so far.
_NAMING: dict[type, tuple[str, Callable[[Any], str | None]]] = {}


def _naming(cls: type) -> tuple[str, Callable[[Any], str | None]]:
    """How :meth:`RuleContext.ref` names an object of ``cls``: as the first record class of its
    MRO (a subclass, a plugin's say, as the class it extends); any other object by its class
    name, with no detail."""
    known = _NAMING.get(cls)
    if known is not None:
        return known
    named = next((n for base in cls.__mro__ if (n := _NAMED.get(base)) is not None), None)
    if named is None:
        named = (cls.__name__.lower(), _no_detail)
    if len(_NAMING) < 1024:  # classes made on the fly do not grow it without end
        _NAMING[cls] = named
    return named


def _no_detail(record: object) -> None:
    return None


@attrs.frozen(kw_only=True)
class RuleContext:
    """The snapshot as one user sees it at ``now``: the time-filtered view every rule reads.

    Every query applies SPEC §3 once for all rules: a record created after ``now`` does not exist
    yet and an event stamped after ``now`` has not happened. Rules read the snapshot only through
    these methods. ``now`` is in UTC. ``private_meetings`` is true when a super admin looks at
    another user's actions: meetings are then private (see :meth:`private` and :meth:`ref`).
    ``subject_kind`` is the kind of record the running rule's actions are about (set by
    :meth:`about`; ``focus`` gives it when set): it decides how :meth:`ref` names a private
    record.

    ``focus`` is set when the engine explains one record ("why is there no action?"): the rule's
    candidates are then that record alone, whoever owns it, and every criterion is evaluated
    (:meth:`criteria` does not stop at the first that fails), so that the explanation lists them
    all. Without it, rules skip a subject as soon as it cannot be an action at ``now``.

    ``ahead`` is set when the engine looks ahead for ``Result.next_change_at``: rules then also
    propose the subjects whose window has not opened yet (pending), so that the engine knows every
    window to come, and the context notes the earliest instant after ``now`` at which what the
    rule read would read otherwise (:meth:`revisit_at`, :attr:`revisit`).
    """

    snapshot: SnapshotReader
    now: datetime
    user: User
    engagement_kinds: frozenset[str]
    private_meetings: bool = False
    focus: Subject | None = None
    subject_kind: str | None = None
    ahead: bool = False
    #: Per-evaluation indexes (the user's mailbox by contact and address), built on first use.
    _cache: dict[str, object] = attrs.field(factory=dict, eq=False, repr=False, alias="_cache")
    #: The user's zone, read once: every instant a check carries is converted to it.
    _zone: ZoneInfo = attrs.field(init=False, eq=False, repr=False)
    #: The records named in checks so far, by ``id()``, with their names (see :meth:`ref`).
    _refs: dict[int, tuple[object, Ref]] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_zone", self.user.zone)
        object.__setattr__(self, "_refs", {})

    # -- the rule's candidates and its criteria -----------------------------------------

    @property
    def explaining(self) -> bool:
        """True while the engine explains one record: evaluate everything, skip nothing."""
        return self.focus is not None

    @property
    def looking_ahead(self) -> bool:
        """True while the engine looks for the next change: propose pending subjects too."""
        return self.ahead

    def revisit_at(self, instant: datetime) -> None:
        """Say that what the rule reads at ``now`` may read otherwise from ``instant`` on.

        The context calls it itself for every record it leaves out because it is stamped after
        ``now`` (a record not created yet, an email not sent yet, a task completed later…). A
        rule calls it when it compares an instant of the data with ``ctx.now`` itself, outside
        the window of its proposals (a choice of "the latest activity that ended 24 hours ago",
        say): the engine then evaluates again at that instant to learn when the actions change.
        An instant not after ``now`` is ignored.
        """
        if instant > self.now:
            known = self._cache.get("revisit")
            if known is None or instant < typing.cast("datetime", known):
                self._cache["revisit"] = instant

    @property
    def revisit(self) -> datetime | None:
        """The earliest instant given to :meth:`revisit_at` so far (shared by the contexts of
        one evaluation), or ``None``."""
        return typing.cast("datetime | None", self._cache.get("revisit"))

    def _upto(self, items: Iterable[R], stamp: Callable[[R], datetime]) -> list[R]:
        """The items stamped by ``now``; the earliest later stamp is a revisit."""
        kept = []
        now = self.now
        for item in items:
            at = stamp(item)
            if at <= now:
                kept.append(item)
            else:
                self.revisit_at(at)
        return kept

    def candidates(self, kind: SubjectKind, default: Callable[[], Iterable[R]]) -> list[R]:
        """The records a rule considers: ``default()``, or the record explained when focused.

        A focused record of another kind gives no candidate; one that does not exist at ``now``
        gives none either (the engine reports that itself).
        """
        if self.focus is None:
            return list(default())
        focus_kind, focus_id = self.focus
        if focus_kind != kind:
            return []
        record = self.record(kind, focus_id)
        return [] if record is None else [typing.cast("R", record)]

    def wants(
        self,
        created_at: datetime | None,
        expires_at: datetime | None,
        possible: Callable[[], bool] | None = None,
    ) -> bool:
        """Whether a subject with that window is worth evaluating further.

        Always when explaining; otherwise only when ``created_at <= now < expires_at`` and then
        ``possible()`` holds (when given: a cheap test, plain predicates and no check built, of
        conditions the subject needs). This keeps the cost of a rule proportional to what can
        still be an action: its criteria are evaluated only for those.
        """
        if self.focus is not None:
            return True
        if created_at is None:
            return False
        now = self.now
        if self.ahead:
            # Pending windows too: only an expired window can never open again.
            if expires_at is not None and expires_at <= now:
                return False
        elif created_at > now or (expires_at is not None and now >= expires_at):
            return False  # outside the window (in_window, inlined)
        return possible is None or possible()

    def criteria(self, *criteria: Callable[[], Check]) -> tuple[Check, ...] | None:
        """Evaluate a rule's criteria, given as zero-argument callables, in order.

        When explaining, every criterion is evaluated and all checks are returned, met or not.
        Otherwise evaluation stops at the first check that fails and gives ``None``: the subject
        is not an action, and the remaining criteria need not be paid for. Looking ahead, only a
        failing condition stops it: a wait or a limit is the window's to decide.
        """
        checks: list[Check] = []
        if self.focus is None and not self.ahead:
            # Evaluating: the first check that fails ends it.
            for criterion in criteria:
                check = criterion()
                if not check.met:
                    return None
                checks.append(check)
            return tuple(checks)
        for criterion in criteria:
            check = criterion()
            stops = not self.ahead or check.criterion.role == "condition"
            if not check.met and self.focus is None and stops:
                return None
            checks.append(check)
        return tuple(checks)

    # -- time -------------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        """The user's time zone."""
        return self._zone

    def today(self) -> tuple[datetime, datetime]:
        """``[start, end)`` of today in the user's time zone, as UTC instants."""
        return day_bounds(self.now, self.zone)

    def local(self, instant: datetime) -> datetime:
        """An instant in the user's time zone, as checks carry it (and texts show it)."""
        return instant.astimezone(self._zone)

    def _existing(self, records: Iterable[R]) -> list[R]:
        """The records that exist at ``now`` (:meth:`exists`, read in one loop)."""
        kept: list[R] = []
        now = self.now
        for record in records:
            if typing.cast("Contact", record).created_at <= now:
                kept.append(record)
            else:
                self.exists(typing.cast("Contact", record))
        return kept

    def exists(self, record: Contact | Lead | Deal | Task | Note) -> bool:
        """A record created after ``now`` does not exist yet."""
        if record.created_at <= self.now:
            return True
        self.revisit_at(record.created_at)
        return False

    def happened(self, activity: Activity) -> bool:
        """An activity stamped after ``now`` has not happened yet."""
        at = activity_happened_at(activity)
        if at <= self.now:
            return True
        self.revisit_at(at)
        return False

    def task_is_open(self, task: Task) -> bool:
        """Open: not completed, or completed at a stamp after ``now`` (not happened yet)."""
        if task.status != "completed":
            return True
        if task.completed_at is not None and task.completed_at > self.now:
            self.revisit_at(task.completed_at)
            return True
        return False

    # -- records as of now ------------------------------------------------------------

    def record(self, kind: SubjectKind, record_id: str) -> object | None:
        """The record of that kind and id as of ``now`` (``None`` if absent or not yet there)."""
        return self._as_of_now(getattr(self.snapshot, kind)(record_id))

    def _as_of_now(self, found: object | None) -> object | None:
        if found is None:
            return None
        if isinstance(found, Contact | Lead | Deal | Task | Note):
            return found if self.exists(found) else None
        if isinstance(found, Email | Call):
            return found if self.happened(found) else None
        return found

    def contacts_owned(self) -> list[Contact]:
        return self._existing(self.snapshot.contacts_owned_by(self.user.id))

    def companies_owned(self) -> list[Company]:
        return list(self.snapshot.companies_owned_by(self.user.id))

    def leads_owned(self) -> list[Lead]:
        return self._existing(self.snapshot.leads_owned_by(self.user.id))

    def deals_owned(self) -> list[Deal]:
        return self._existing(self.snapshot.deals_owned_by(self.user.id))

    def tasks_owned(self) -> list[Task]:
        return self._existing(self.snapshot.tasks_owned_by(self.user.id))

    def meetings_owned(self) -> list[Meeting]:
        """Every meeting on the user's calendar, past and future (meetings are scheduled)."""
        return list(self.snapshot.meetings_owned_by(self.user.id))

    def calls_owned(self) -> list[Call]:
        return [c for c in self.snapshot.calls_owned_by(self.user.id) if self.happened(c)]

    def leads_of(self, contact_id: str) -> list[Lead]:
        return self._existing(self.snapshot.leads_of_contact(contact_id))

    def deals_of(self, contact_id: str) -> list[Deal]:
        return self._existing(self.snapshot.deals_of_contact(contact_id))

    def contact(self, contact_id: str) -> Contact | None:
        c = self.snapshot.contact(contact_id)
        return c if c is not None and (c.created_at <= self.now or self.exists(c)) else None

    def lead(self, lead_id: str) -> Lead | None:
        x = self.snapshot.lead(lead_id)
        return x if x is not None and self.exists(x) else None

    def company(self, company_id: str) -> Company | None:
        """Companies carry no creation stamp: every company of the snapshot exists."""
        return self.snapshot.company(company_id)

    def sequence(self, sequence_id: str) -> Sequence | None:
        return self.snapshot.sequence(sequence_id)

    def contacts_of(self, deal: Deal) -> list[Contact]:
        """The deal's contacts that exist at ``now``, in the deal's order."""
        return [c for cid in deal.contact_ids if (c := self.contact(cid)) is not None]

    def contacts_of_company(self, company_id: str) -> list[Contact]:
        return [c for c in self.snapshot.contacts_of_company(company_id) if self.exists(c)]

    def contacts_with_email(self, address: str) -> list[Contact]:
        """Contacts whose address is ``address`` (case-folded), existing at ``now``."""
        return [c for c in self.snapshot.contacts_with_email(address) if self.exists(c)]

    def follow_up_tasks(self, meeting_id: str) -> list[Task]:
        """The tasks whose ``meeting_id`` is the meeting, existing at ``now``."""
        return [t for t in self.snapshot.tasks_of_meeting(meeting_id) if self.exists(t)]

    def mailbox(self) -> list[Email]:
        """Emails in the user's mailbox sent by ``now``, oldest first."""
        return self._mail().emails

    def _mail(self) -> _Mailbox:
        mail = self._cache.get("mailbox")
        if not isinstance(mail, _Mailbox):
            mail = _Mailbox(self._upto(self.snapshot.emails_in_mailbox(self.user.id), _sent_at))
            self._cache["mailbox"] = mail
        return mail

    def inbound_to_you(self) -> list[Email]:
        """Inbound emails (anyone's mailbox) whose primary recipient is your address, sent by
        ``now``."""
        return self._upto(self.snapshot.inbound_emails_to(self.user.email), _sent_at)

    def emails_sent_to(self, contact: Contact) -> list[Email]:
        """Outbound emails in your mailbox to the contact ("you emailed them"), oldest first."""
        return self._mail().matching(contact, "outbound")

    def emails_received_from(self, contact: Contact) -> list[Email]:
        """Inbound emails in your mailbox from the contact ("they emailed you"), oldest first."""
        return self._mail().matching(contact, "inbound")

    def engagements(self, contact_id: str) -> list[EngagementEvent]:
        """The contact's engagements of the counted kinds that happened by ``now``, oldest first."""
        kinds = self.engagement_kinds
        counted = (ev for ev in self.snapshot.engagement_events_of(contact_id) if ev.kind in kinds)
        return sorted(self._upto(counted, _occurred_at), key=lambda ev: (ev.occurred_at, ev.id))

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

    def first_stage_of(self, record: Lead | Deal) -> str | None:
        """The id of the first stage of the record's pipeline."""
        pipeline = self.snapshot.pipeline(record.pipeline_id)
        return pipeline.stages[0].id if pipeline is not None and pipeline.stages else None

    def lifecycle_excluded(self) -> tuple[str, ...]:
        """Lifecycle stages that newly assigned contacts skip: ``customer`` and ``evangelist``,
        or the last stage of a custom list."""
        return self._cached("lifecycle_excluded", self._lifecycle_excluded)

    def _lifecycle_excluded(self) -> tuple[str, ...]:
        stages = self.snapshot.lifecycle_stages
        if self.snapshot.custom_lifecycle_stages:
            return (stages[-1],)
        return ("customer", "evangelist")

    def counted_engagement_kinds(self) -> tuple[str, ...]:
        """The engagement kinds that count, sorted: as a check names them."""
        return self._cached("engagement_kinds", lambda: tuple(sorted(self.engagement_kinds)))

    def your_domain(self) -> str | None:
        """The domain of your address (case-folded); ``None`` when it has none."""
        return self._cached("your_domain", lambda: domain_of(self.user.email))

    def _cached(self, key: str, make: Callable[[], R]) -> R:
        """A value computed once per context (per user and ``now``), on first use."""
        if key not in self._cache:
            self._cache[key] = make()
        return typing.cast("R", self._cache[key])

    # -- what the viewer may see -------------------------------------------------------

    def about(self, kind: str | None) -> RuleContext:
        """This context for a rule whose actions are about records of ``kind``: it names records
        as such an action may name them (see :meth:`ref`) and shares the per-evaluation indexes.
        Without private meetings naming does not depend on the subject: the context itself."""
        if not self.private_meetings or kind == self.subject_kind:
            return self
        return attrs.evolve(self, subject_kind=kind)

    def busy(self, record: object) -> bool:
        """A meeting the viewer sees only as busy (its id, its times and "Busy"; no title, no
        attendee, no association): every meeting, when a super admin views another user."""
        return self.private_meetings and isinstance(record, Meeting)

    def private(self, record: object) -> bool:
        """A record that would tie what it lists to a private meeting: a busy meeting, or a
        follow-up task of a meeting (a task with a ``meeting_id``, which lists what its meeting
        lists). The viewer sees it only as itself (as the subject of an action, in the
        workspace), never as evidence about another record: there :meth:`ref` names it "an
        activity", with no id."""
        return self.busy(record) or (
            self.private_meetings and isinstance(record, Task) and record.meeting_id is not None
        )

    # -- naming records in checks -------------------------------------------------------

    def ref(self, record: object) -> Ref:
        """A record as a check names it: kind, id and what a reader knows it by.

        When a super admin views another user (``private_meetings``), a :meth:`private` record
        of another kind than the subjects of the rule (``subject_kind``, or the kind of
        ``focus``) is evidence about another record: it is :meth:`Ref.unnamed`, "an activity",
        with no id, no title and no kind that would say it is a meeting. A meeting named by a
        rule about meetings is busy: its id, no title. A follow-up task named by a rule about
        tasks is named as the user sees it (its title is the task's own, not the meeting's).
        """
        # Several checks of a subject name the same record: each is named once per context.
        # The record is kept with its name, so that its id() cannot be another object's.
        known = self._refs.get(id(record))
        if known is not None and known[0] is record:
            return known[1]
        kind, detail = _naming(type(record))
        rid = str(getattr(record, "id", "?"))
        if not self.private_meetings:
            ref = make_ref(kind, rid, detail(record))
        else:
            subjects = self.focus[0] if self.focus is not None else self.subject_kind
            if kind != subjects and self.private(record):
                ref = Ref.unnamed()
            elif self.busy(record):
                ref = make_ref(kind, rid, None, True)
            else:
                ref = make_ref(kind, rid, detail(record))
        self._refs[id(record)] = (record, ref)
        return ref

    def ref_to(self, kind: RefKind, record_id: str) -> Ref:
        """The record of that kind and id as :meth:`ref` names it; a bare ``Ref(kind, id)`` when
        the snapshot does not hold it at ``now`` (a lead's contact not created yet, say)."""
        found = self._as_of_now(getattr(self.snapshot, kind)(record_id))
        return self.ref(found) if found is not None else Ref(kind, record_id)

    def refs(self, records: Iterable[object]) -> tuple[Ref, ...]:
        """Several records, by id, as check parameters."""
        if not records:
            return ()
        return tuple(sorted((self.ref(r) for r in records), key=lambda r: (r.kind, r.id or "")))

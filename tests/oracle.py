"""An independent reference implementation of SPEC §5, for differential tests.

Written from the specification alone, as plainly as possible: every rule is its own function,
scans every record of the snapshot (no indexes), and applies SPEC §3's time conventions and §4's
terms literally. The result is ungrouped: one tuple per subject,
``(rule id, subject kind, subject id, created_at, expires_at)``, only for actions active at
``now`` (``created_at <= now < expires_at``, criteria hold, no expiry condition holds).
:func:`oracle_associations` gives an action's ``(contact_ids, company_ids)`` per SPEC §6 and §11.
:data:`RULE_TABLE` gives each rule's ``category`` and ``priority`` from SPEC §5's table, which
``to_dicts()`` writes since §11 added ``priority``. The calls to action are not in the
specification (the rules declare them, read from the product article): the oracle knows nothing
of them, and ``tests/rules/test_calls_to_action.py`` pins them instead.

Where the specification can be read two ways, a comment starting with ``Reading:`` says which
reading this oracle takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from guided_actions import (
    Call,
    Contact,
    Deal,
    Email,
    EngagementEvent,
    Lead,
    Meeting,
    Note,
    Pipeline,
    Task,
    User,
)

ALL_KINDS: frozenset[str] = frozenset(
    ("email_open", "email_click", "email_reply", "form_submission", "meeting_booked", "page_view")
)
DEFAULT_LIFECYCLE: tuple[str, ...] = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
)

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
TEN_MINUTES = timedelta(minutes=10)

OracleAction = tuple[str, str, str, datetime, "datetime | None"]

#: SPEC §5's table: ``rule id -> (category, priority)``, copied from the specification.
RULE_TABLE: dict[str, tuple[str, str]] = {
    "newly_assigned_contacts": ("prospecting", "low"),
    "newly_assigned_leads": ("prospecting", "low"),
    "reengaged_contacts": ("prospecting", "normal"),
    "sequence_activity": ("prospecting", "normal"),
    "email_replies": ("prospecting", "high"),
    "meeting_follow_up": ("general", "normal"),
    "log_call_outcomes": ("general", "normal"),
    "contacts_awaiting_reply": ("prospecting", "high"),
    "reply_to_email": ("deal", "high"),
    "leads_awaiting_reply": ("prospecting", "high"),
    "prepare_next_meeting": ("general", "high"),
    "priority_tasks_due_today": ("general", "high"),
    "target_account_activity": ("prospecting", "normal"),
    "recently_engaged_leads": ("prospecting", "normal"),
    "update_next_steps": ("deal", "normal"),
    "add_contact_to_deal": ("deal", "low"),
    "initial_outreach_needed": ("deal", "low"),
    "buyer_follow_up": ("deal", "normal"),
}


class World:
    """The snapshot as seen at ``now`` by ``user_id``, with §4's terms as plain methods."""

    def __init__(
        self,
        snapshot: Any,
        now: datetime,
        user_id: str,
        engagement_kinds: Iterable[str],
    ) -> None:
        self.snapshot = snapshot
        self.now = now
        self.me: User = next(u for u in snapshot.records("users") if u.id == user_id)
        self.you = user_id
        self.kinds = frozenset(engagement_kinds)

    # -- existence (SPEC §3: a record created after now does not exist yet) --------------

    def contacts(self) -> list[Contact]:
        return [c for c in self.snapshot.records("contacts") if c.created_at <= self.now]

    def leads(self) -> list[Lead]:
        return [x for x in self.snapshot.records("leads") if x.created_at <= self.now]

    def deals(self) -> list[Deal]:
        return [d for d in self.snapshot.records("deals") if d.created_at <= self.now]

    def contact(self, contact_id: str) -> Contact | None:
        for c in self.contacts():
            if c.id == contact_id:
                return c
        return None

    def pipeline(self, pipeline_id: str) -> Pipeline:
        return next(p for p in self.snapshot.records("pipelines") if p.id == pipeline_id)

    def meeting_record(self, meeting_id: str) -> Meeting | None:
        for m in self.snapshot.records("meetings"):
            if m.id == meeting_id:
                return m
        return None

    # -- events (SPEC §3: an event stamped after now is ignored) ---------------------------

    def emails(self) -> list[Email]:
        return [e for e in self.snapshot.records("emails") if e.sent_at <= self.now]

    def engagements(self, contact_id: str) -> list[EngagementEvent]:
        # Reading: an engagement counts by its own stamp and kind; the contact's existence is
        # checked by the rule that names the contact as subject.
        return [
            ev
            for ev in self.snapshot.records("engagement_events")
            if ev.contact_id == contact_id and ev.kind in self.kinds and ev.occurred_at <= self.now
        ]

    def activities(self) -> list[Email | Call | Meeting | Note | Task]:
        """Every activity that has happened by now (SPEC §4 "happened")."""
        out: list[Email | Call | Meeting | Note | Task] = []
        out += self.emails()
        out += [k for k in self.snapshot.records("calls") if k.started_at <= self.now]
        out += [m for m in self.snapshot.records("meetings") if m.start <= self.now]
        out += [n for n in self.snapshot.records("notes") if n.created_at <= self.now]
        out += [t for t in self.snapshot.records("tasks") if t.created_at <= self.now]
        return out

    def tasks(self) -> list[Task]:
        return [t for t in self.snapshot.records("tasks") if t.created_at <= self.now]

    # -- §4 terms -----------------------------------------------------------------------

    def task_completed(self, t: Task) -> bool:
        """Completed at now: status ``completed`` and not completed at a stamp after now."""
        if t.status != "completed":
            return False
        # Reading: a completed task without a completed_at stamp is completed.
        return t.completed_at is None or t.completed_at <= self.now

    def task_open(self, t: Task) -> bool:
        return not self.task_completed(t)

    def end_of(self, activity: Email | Call | Meeting | Note | Task) -> datetime | None:
        """SPEC §4 "end"; ``None`` when the activity has not ended."""
        if isinstance(activity, Email):
            return activity.sent_at
        if isinstance(activity, Call):
            end = activity.ended_at if activity.ended_at is not None else activity.started_at
        elif isinstance(activity, Meeting):
            end = activity.end
        elif isinstance(activity, Note):
            end = activity.created_at
        else:
            if not self.task_completed(activity):
                return None
            # Reading: a completed task with no completed_at has no known end.
            completed = activity.completed_at
            if completed is None:
                return None
            end = completed
        return end if end <= self.now else None

    def lists(self, activity: Email | Call | Meeting | Note | Task, kind: str, rid: str) -> bool:
        """The activity lists the record (for a task, also through its meeting)."""
        field = {"contact": "contact_ids", "lead": "lead_ids", "deal": "deal_ids"}[kind]
        if rid in getattr(activity, field):
            return True
        if isinstance(activity, Task) and activity.meeting_id is not None:
            # Reading: a task lists what its meeting lists whether or not the meeting started.
            m = self.meeting_record(activity.meeting_id)
            if m is not None and rid in getattr(m, field):
                return True
        return False

    def stage_of(self, record: Lead | Deal) -> Any:
        pipeline = self.pipeline(record.pipeline_id)
        return next(s for s in pipeline.stages if s.id == record.stage_id)

    def is_open(self, record: Lead | Deal) -> bool:
        # Reading: a deal or lead is open when its stage is open; closed_at is only a stamp.
        return not self.stage_of(record).closed

    def in_first_stage(self, record: Lead | Deal) -> bool:
        return self.pipeline(record.pipeline_id).stages[0].id == record.stage_id

    def is_disqualified(self, lead: Lead) -> bool:
        stage = self.stage_of(lead)
        return stage.closed and not stage.won

    def from_contact(self, e: Email, c: Contact) -> bool:
        if e.direction != "inbound":
            return False
        if c.id in e.contact_ids:
            return True
        return (
            e.from_address is not None
            and c.email is not None
            and e.from_address.casefold() == c.email.casefold()
        )

    def to_contact(self, e: Email, c: Contact) -> bool:
        if e.direction != "outbound":
            return False
        if c.id in e.contact_ids:
            return True
        if c.email is None:
            return False
        return c.email.casefold() in [a.casefold() for a in (*e.to, *e.cc)]

    def you_emailed(self, c: Contact) -> list[Email]:
        return [e for e in self.emails() if e.owner_id == self.you and self.to_contact(e, c)]

    def they_emailed_you(self, c: Contact) -> list[Email]:
        return [e for e in self.emails() if e.owner_id == self.you and self.from_contact(e, c)]

    def primary_is_me(self, e: Email) -> bool:
        return bool(e.to) and e.to[0].casefold() == self.me.email.casefold()

    def sender_domain_differs(self, e: Email, c: Contact | None) -> bool:
        if e.from_address is not None:
            address: str | None = e.from_address
        elif c is not None and c.email is not None:
            address = c.email
        else:
            return True
        assert address is not None
        return domain(address) != domain(self.me.email)

    def reassigned_after(self, record: Contact | Lead, instant: datetime) -> bool:
        return (
            record.owner_id != self.you
            and record.owner_assigned_at is not None
            and record.owner_assigned_at > instant
        )

    def open_leads_of(self, c: Contact) -> list[Lead]:
        return [x for x in self.leads() if x.contact_id == c.id and self.is_open(x)]

    def deal_contacts(self, d: Deal) -> list[Contact]:
        # Reading: a deal's contacts are those of its contact_ids that exist at now.
        return [c for c in self.contacts() if c.id in d.contact_ids]

    def emit(
        self,
        out: set[OracleAction],
        rule: str,
        kind: str,
        rid: str,
        created: datetime,
        expires: datetime | None,
    ) -> None:
        """Keep the action when it is inside its own window at now."""
        if created <= self.now and (expires is None or self.now < expires):
            out.add((rule, kind, rid, created.astimezone(UTC), expires and expires.astimezone(UTC)))


def domain(address: str) -> str:
    return address.rpartition("@")[2].casefold()


# -- the rules, in SPEC §5 table order --------------------------------------------------------


def newly_assigned_contacts(w: World, out: set[OracleAction]) -> None:
    if w.snapshot.custom_lifecycle_stages:
        excluded = {w.snapshot.lifecycle_stages[-1]}
    else:
        excluded = {"customer", "evangelist"}
    for c in w.contacts():
        if c.owner_id != w.you:
            continue
        if c.lifecycle_stage in excluded:
            continue
        if any(c.id in d.contact_ids for d in w.deals()):
            continue
        created = c.owner_assigned_at if c.owner_assigned_at is not None else c.created_at
        if any(e.sent_at >= created for e in w.you_emailed(c)):
            continue
        if any(e.sent_at >= created for e in w.they_emailed_you(c)):
            continue
        w.emit(out, "newly_assigned_contacts", "contact", c.id, created, created + 30 * DAY)


def newly_assigned_leads(w: World, out: set[OracleAction]) -> None:
    for lead in w.leads():
        if lead.owner_id != w.you or not w.in_first_stage(lead):
            continue
        created = lead.owner_assigned_at if lead.owner_assigned_at is not None else lead.created_at
        logged = [
            a
            for a in w.activities()
            if a.owner_id == w.you and w.lists(a, "lead", lead.id) and happened(a) >= created
        ]
        if logged:
            continue
        w.emit(out, "newly_assigned_leads", "lead", lead.id, created, created + 30 * DAY)


def happened(activity: Email | Call | Meeting | Note | Task) -> datetime:
    if isinstance(activity, Email):
        return activity.sent_at
    if isinstance(activity, Call):
        return activity.started_at
    if isinstance(activity, Meeting):
        return activity.start
    return activity.created_at


def reengaged_contacts(w: World, out: set[OracleAction]) -> None:
    for c in w.contacts():
        if c.owner_id != w.you:
            continue
        leads = [x for x in w.leads() if x.contact_id == c.id]
        if not leads or any(w.is_open(x) for x in leads):
            continue
        # Reading: "latest created_at, ties by id" picks the greatest (created_at, id).
        latest = max(leads, key=lambda x: (x.created_at, x.id))
        if not w.is_disqualified(latest):
            continue
        disqualified_at = (
            latest.stage_changed_at if latest.stage_changed_at is not None else latest.created_at
        )
        after = [ev.occurred_at for ev in w.engagements(c.id) if ev.occurred_at > disqualified_at]
        if not after:
            continue
        created = min(after)
        w.emit(out, "reengaged_contacts", "contact", c.id, created, created + 30 * DAY)


def sequence_activity(w: World, out: set[OracleAction]) -> None:
    for t in w.tasks():
        if t.owner_id == w.you and w.task_open(t) and t.sequence_id is not None:
            w.emit(out, "sequence_activity", "task", t.id, t.created_at, None)


def email_replies(w: World, out: set[OracleAction]) -> None:
    sent_by_you = {e.id for e in w.emails() if e.owner_id == w.you and e.direction == "outbound"}
    for c in w.contacts():
        if c.owner_id != w.you:
            continue
        replies = [
            r
            for r in w.emails()
            if r.owner_id == w.you
            and r.direction == "inbound"
            and r.in_reply_to in sent_by_you
            and w.from_contact(r, c)
        ]
        if not replies:
            continue
        created = max(r.sent_at for r in replies)
        if any(e.sent_at > created for e in w.you_emailed(c)):
            continue
        w.emit(out, "email_replies", "contact", c.id, created, created + 14 * DAY)


def meeting_follow_up(w: World, out: set[OracleAction]) -> None:
    for m in w.snapshot.records("meetings"):
        if m.owner_id != w.you or m.start > w.now:
            continue
        if not w.now < m.end + 7 * DAY:
            continue
        follow_ups = [t for t in w.tasks() if t.meeting_id == m.id]
        if follow_ups and all(w.task_completed(t) for t in follow_ups):
            continue
        w.emit(out, "meeting_follow_up", "meeting", m.id, m.start, m.end + 7 * DAY)


def log_call_outcomes(w: World, out: set[OracleAction]) -> None:
    for k in w.snapshot.records("calls"):
        if k.owner_id != w.you:
            continue
        if k.builtin_calling:
            status_ok = k.status == "completed"
        else:
            status_ok = k.status in ("completed", None)
        # Reading: only null and the empty string are a blank outcome (SPEC §4 says so).
        outcome_blank = k.outcome is None or k.outcome == ""
        if status_ok and outcome_blank:
            w.emit(
                out,
                "log_call_outcomes",
                "call",
                k.id,
                k.started_at + HOUR,
                k.started_at + 7 * DAY,
            )


def contacts_awaiting_reply(w: World, out: set[OracleAction]) -> None:
    for c in w.contacts():
        if w.open_leads_of(c):
            continue
        # Reading: the inbound email may be in any mailbox; what matters is that its primary
        # recipient is your address.
        such = [
            e
            for e in w.emails()
            if w.from_contact(e, c) and w.primary_is_me(e) and w.sender_domain_differs(e, c)
        ]
        if not such:
            continue
        created = max(e.sent_at for e in such)
        if any(e.sent_at > created for e in w.you_emailed(c)):
            continue
        if w.reassigned_after(c, created):
            continue
        w.emit(out, "contacts_awaiting_reply", "contact", c.id, created, created + 14 * DAY)


def reply_to_email(w: World, out: set[OracleAction]) -> None:
    for c in w.contacts():
        on_my_open_deal = any(
            d.owner_id == w.you and w.is_open(d) and c.id in d.contact_ids for d in w.deals()
        )
        if not on_my_open_deal:
            continue
        theirs = w.they_emailed_you(c)
        if not theirs:
            continue
        created = max(e.sent_at for e in theirs)
        if any(e.sent_at >= created for e in w.you_emailed(c)):
            continue
        w.emit(out, "reply_to_email", "contact", c.id, created, created + 7 * DAY)


def leads_awaiting_reply(w: World, out: set[OracleAction]) -> None:
    for lead in w.leads():
        if not w.is_open(lead):
            continue
        c = w.contact(lead.contact_id)
        such = [
            e
            for e in w.emails()
            if e.direction == "inbound"
            and ((c is not None and w.from_contact(e, c)) or lead.id in e.lead_ids)
            and w.primary_is_me(e)
            and w.sender_domain_differs(e, c)
        ]
        if not such:
            continue
        created = max(e.sent_at for e in such)
        if c is not None and any(e.sent_at > created for e in w.you_emailed(c)):
            continue
        if w.reassigned_after(lead, created):
            continue
        w.emit(out, "leads_awaiting_reply", "lead", lead.id, created, created + 14 * DAY)


def prepare_next_meeting(w: World, out: set[OracleAction]) -> None:
    mine = [m for m in w.snapshot.records("meetings") if m.owner_id == w.you]
    upcoming = [m for m in mine if w.now < m.start + TEN_MINUTES]
    if not upcoming:
        return
    nxt = min(upcoming, key=lambda m: (m.start, m.id))
    created = nxt.start - 24 * HOUR
    # Reading: the previous meeting starts strictly before this one.
    before = [m for m in mine if m.start < nxt.start]
    if before:
        previous = max(before, key=lambda m: m.start)
        created = max(created, previous.start + TEN_MINUTES)
    # "Starts within the next 24 hours": the created_at column decides the boundary.
    w.emit(out, "prepare_next_meeting", "meeting", nxt.id, created, nxt.start + TEN_MINUTES)


def priority_tasks_due_today(w: World, out: set[OracleAction]) -> None:
    zone = ZoneInfo(w.me.timezone)
    today = w.now.astimezone(zone).date()
    start = datetime.combine(today, time(0), tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    for t in w.tasks():
        if t.owner_id != w.you or not w.task_open(t) or t.priority != "high":
            continue
        if t.due_at is None or not start <= t.due_at < end:
            continue
        w.emit(out, "priority_tasks_due_today", "task", t.id, start, end)


def target_account_activity(w: World, out: set[OracleAction]) -> None:
    companies = {co.id: co for co in w.snapshot.records("companies")}
    for c in w.contacts():
        # Reading: "associated with a company" means the contact's own company_ids.
        targets = [companies[i] for i in c.company_ids if companies[i].target_account]
        if not any(c.owner_id == w.you or co.owner_id == w.you for co in targets):
            continue
        events = w.engagements(c.id)
        if not events:
            continue
        created = max(ev.occurred_at for ev in events)
        w.emit(out, "target_account_activity", "contact", c.id, created, created + 7 * DAY)


def recently_engaged_leads(w: World, out: set[OracleAction]) -> None:
    for lead in w.leads():
        if lead.owner_id != w.you or not w.is_open(lead):
            continue
        recent = [
            ev.occurred_at
            for ev in w.engagements(lead.contact_id)
            if w.now - ev.occurred_at < 7 * DAY
        ]
        if not recent:
            continue
        created = max(recent)
        w.emit(out, "recently_engaged_leads", "lead", lead.id, created, created + 7 * DAY)


def update_next_steps(w: World, out: set[OracleAction]) -> None:
    for d in w.deals():
        if d.owner_id != w.you or not w.is_open(d):
            continue
        ends: list[datetime] = []
        for a in w.activities():
            if not w.lists(a, "deal", d.id):
                continue
            end = w.end_of(a)
            # "Ended more than 24 hours ago": the created_at column (end + 24 h) decides.
            if end is None or end + 24 * HOUR > w.now:
                continue
            if d.next_step_updated_at is not None and not d.next_step_updated_at < end:
                continue
            ends.append(end)
        if not ends:
            continue
        w.emit(out, "update_next_steps", "deal", d.id, max(ends) + 24 * HOUR, None)


def add_contact_to_deal(w: World, out: set[OracleAction]) -> None:
    for d in w.deals():
        if d.owner_id != w.you or not w.is_open(d):
            continue
        if w.deal_contacts(d):
            continue
        created = d.created_at + 7 * DAY
        w.emit(out, "add_contact_to_deal", "deal", d.id, created, created + 7 * DAY)


def initial_outreach_needed(w: World, out: set[OracleAction]) -> None:
    for d in w.deals():
        if d.owner_id != w.you or not w.is_open(d) or not w.in_first_stage(d):
            continue
        # Reading: only activities that have happened by now count (a future meeting has not).
        if any(w.lists(a, "deal", d.id) for a in w.activities()):
            continue
        created = d.created_at + 7 * DAY
        w.emit(out, "initial_outreach_needed", "deal", d.id, created, created + 7 * DAY)


def buyer_follow_up(w: World, out: set[OracleAction]) -> None:
    for d in w.deals():
        if d.owner_id != w.you or not w.is_open(d):
            continue
        contacts = w.deal_contacts(d)
        candidates = [
            e
            for e in w.emails()
            if e.owner_id == w.you
            and e.direction == "outbound"
            and (d.id in e.deal_ids or any(w.to_contact(e, c) for c in contacts))
            and e.opened_at is not None
            and e.opened_at <= w.now
        ]
        such = [
            e
            for e in candidates
            if not any(r.sent_at >= e.sent_at for c in contacts for r in w.they_emailed_you(c))
        ]
        if not such:
            continue
        # Reading: take the latest such email first, then check its window (an earlier email
        # whose window is open does not stand in for a latest one whose window is not).
        latest = max(e.sent_at for e in such)
        w.emit(out, "buyer_follow_up", "deal", d.id, latest + 7 * DAY, latest + 14 * DAY)


RULES: dict[str, Callable[[World, set[OracleAction]], None]] = {
    "newly_assigned_contacts": newly_assigned_contacts,
    "newly_assigned_leads": newly_assigned_leads,
    "reengaged_contacts": reengaged_contacts,
    "sequence_activity": sequence_activity,
    "email_replies": email_replies,
    "meeting_follow_up": meeting_follow_up,
    "log_call_outcomes": log_call_outcomes,
    "contacts_awaiting_reply": contacts_awaiting_reply,
    "reply_to_email": reply_to_email,
    "leads_awaiting_reply": leads_awaiting_reply,
    "prepare_next_meeting": prepare_next_meeting,
    "priority_tasks_due_today": priority_tasks_due_today,
    "target_account_activity": target_account_activity,
    "recently_engaged_leads": recently_engaged_leads,
    "update_next_steps": update_next_steps,
    "add_contact_to_deal": add_contact_to_deal,
    "initial_outreach_needed": initial_outreach_needed,
    "buyer_follow_up": buyer_follow_up,
}


def oracle_actions(
    snapshot: Any,
    now: datetime,
    user_id: str,
    *,
    engagement_kinds: Iterable[str] = ALL_KINDS,
    rules: Iterable[str] | None = None,
) -> set[OracleAction]:
    """Every action active at ``now`` for ``user_id``, ungrouped, per SPEC §5."""
    world = World(snapshot, now, user_id, engagement_kinds)
    out: set[OracleAction] = set()
    for rule_id in rules if rules is not None else RULES:
        RULES[rule_id](world, out)
    return out


Associations = tuple[tuple[str, ...], tuple[str, ...]]


def oracle_associations(snapshot: Any, now: datetime, kind: str, rid: str) -> Associations:
    """``(contact_ids, company_ids)`` of an action about ``(kind, rid)``, each sorted (SPEC §6),
    as of ``now``: a contact created after ``now`` appears in no action's associations, nor do
    the companies reached only through it (SPEC §11). No frozen associations (no issued action)."""
    contacts_now = {c.id: c for c in snapshot.records("contacts") if c.created_at <= now}
    record = next((r for r in snapshot.records(f"{kind}s") if r.id == rid), None)
    assert record is not None, (kind, rid)
    contact_ids: set[str] = set()
    company_ids: set[str] = set()

    def with_their_companies(ids: Iterable[str]) -> None:
        for cid in ids:
            if cid in contacts_now:
                contact_ids.add(cid)
                company_ids.update(contacts_now[cid].company_ids)

    if kind == "contact":
        with_their_companies([rid])
    elif kind == "lead":
        with_their_companies([record.contact_id])
    elif kind == "task":
        # Reading: a task's contacts are its own contact_ids, not its meeting's.
        with_their_companies(record.contact_ids)
    else:
        # A deal, a meeting or a call: its own contacts that exist, and its own companies.
        contact_ids.update(cid for cid in record.contact_ids if cid in contacts_now)
        company_ids.update(record.company_ids)
    return tuple(sorted(contact_ids)), tuple(sorted(company_ids))

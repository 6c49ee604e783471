"""The criteria several rules share, as data, with the functions that evaluate them.

A :class:`Criterion` has a stable id and English templates; evaluating one for a record gives a
:class:`Check` that says whether it held and carries the data that decided it. A rule lists its
criteria and evaluates them with :meth:`RuleContext.criteria`, which stops at the first that fails
during ``evaluate`` and evaluates every one when the engine explains a record::

    checks = ctx.criteria(
        lambda: owned_by_you(ctx, deal),
        lambda: deal_open(ctx, deal),
        lambda: created_more_than(ctx, deal, self.age),
    )
    if checks is None:
        continue

Thresholds are parameters of the checks, never words of a template, so a configured threshold
shows in the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from guided_actions._model.records import (
    Call,
    Contact,
    Deal,
    Email,
    EngagementEvent,
    Lead,
    Meeting,
    Task,
)
from guided_actions._rules.context import (
    RuleContext,
    activity_end,
    activity_happened_at,
    domain_of,
)
from guided_actions._text.checks import Check, Criterion, Ref

__all__ = [
    "CREATED_MORE_THAN",
    "DEAL_OPEN",
    "FIRST_STAGE",
    "LEAD_OPEN",
    "LIFECYCLE_NOT_EXCLUDED",
    "NOT_REASSIGNED_AFTER",
    "NO_DEAL_LISTS_CONTACT",
    "NO_EMAIL_FROM_CONTACT_SINCE",
    "NO_EMAIL_FROM_YOU_AFTER",
    "NO_EMAIL_FROM_YOU_SINCE",
    "NO_OPEN_LEAD",
    "OWNED_BY_YOU",
    "SENDER_DOMAIN_DIFFERS",
    "TASK_OPEN",
    "WITHIN_LIFETIME",
    "WITHIN_LIFETIME_UNDATED",
    "Check",
    "Criterion",
    "Ref",
    "activity_end",
    "activity_happened_at",
    "created_more_than",
    "deal_open",
    "first_stage",
    "latest_email",
    "latest_engagement",
    "lead_open",
    "lifecycle_not_excluded",
    "no_deal_lists_contact",
    "no_email_from_contact_since",
    "no_email_from_you_after",
    "no_email_from_you_since",
    "no_open_lead",
    "not_reassigned_after",
    "owned_by_you",
    "sender_domain_differs",
    "sender_domain",
    "task_open",
    "within_lifetime",
]


def latest_email(emails: Sequence[Email]) -> Email | None:
    """The latest email (by ``sent_at``, then id); ``None`` when there is none."""
    return max(emails, key=lambda e: (e.sent_at, e.id), default=None)


def latest_engagement(events: Sequence[EngagementEvent]) -> EngagementEvent | None:
    """The latest engagement (by ``occurred_at``, then id); ``None`` when there is none."""
    return max(events, key=lambda e: (e.occurred_at, e.id), default=None)


OWNED_BY_YOU = Criterion(
    "owned_by_you",
    met="{record} is yours",
    unmet="{record} is not yours (owner: {owner})",
)


def owned_by_you(ctx: RuleContext, record: Contact | Lead | Deal | Call | Meeting | Task) -> Check:
    """The record's ``owner_id`` is the user evaluated."""
    return OWNED_BY_YOU.check(
        record.owner_id == ctx.user.id, record=ctx.ref(record), owner=record.owner_id
    )


DEAL_OPEN = Criterion(
    "deal_open",
    met="{deal} is in open stage {stage}",
    unmet="{deal} is in closed stage {stage}",
)


def deal_open(ctx: RuleContext, deal: Deal) -> Check:
    """The deal's current stage is not closed."""
    _first, closed, _won = ctx.stage_of(deal)
    return DEAL_OPEN.check(not closed, deal=ctx.ref(deal), stage=deal.stage_id)


LEAD_OPEN = Criterion(
    "lead_open",
    met="{lead} is in open stage {stage}",
    unmet="{lead} is in closed stage {stage}",
)


def lead_open(ctx: RuleContext, lead: Lead) -> Check:
    """The lead's current stage is not closed."""
    _first, closed, _won = ctx.stage_of(lead)
    return LEAD_OPEN.check(not closed, lead=ctx.ref(lead), stage=lead.stage_id)


FIRST_STAGE = Criterion(
    "first_stage",
    met="{record} is in {stage}, the first stage of pipeline {pipeline}",
    unmet="{record} is in stage {stage}, not in {first}, the first stage of pipeline {pipeline}",
)


def first_stage(ctx: RuleContext, record: Lead | Deal) -> Check:
    """The lead or deal is in the first stage of its pipeline."""
    first, _closed, _won = ctx.stage_of(record)
    return FIRST_STAGE.check(
        first,
        record=ctx.ref(record),
        stage=record.stage_id,
        first=ctx.first_stage_of(record),
        pipeline=record.pipeline_id,
    )


LIFECYCLE_NOT_EXCLUDED = Criterion(
    "lifecycle_not_excluded",
    met="{contact} is at lifecycle stage {stage} (excluded: {excluded})",
    unmet="{contact} is at lifecycle stage {stage}, which is excluded",
)


def lifecycle_not_excluded(ctx: RuleContext, contact: Contact) -> Check:
    """Lifecycle stage not ``customer``/``evangelist`` (custom list: not its last stage)."""
    excluded = ctx.lifecycle_excluded()
    return LIFECYCLE_NOT_EXCLUDED.check(
        contact.lifecycle_stage not in excluded,
        contact=ctx.ref(contact),
        stage=contact.lifecycle_stage,
        excluded=excluded,
    )


TASK_OPEN = Criterion(
    "task_open",
    met="{task} is open (status {status})",
    unmet="{task} is completed (completed at {completed})",
)


def task_open(ctx: RuleContext, task: Task) -> Check:
    """The task is open: not completed, or completed at a stamp after ``now``."""
    return TASK_OPEN.check(
        ctx.task_is_open(task),
        task=ctx.ref(task),
        status=task.status,
        completed=ctx.local(task.completed_at) if task.completed_at else None,
    )


NO_DEAL_LISTS_CONTACT = Criterion(
    "no_deal_lists_contact",
    met="no deal lists {contact}",
    unmet="{contact} is on {deals}",
)


def no_deal_lists_contact(ctx: RuleContext, contact: Contact) -> Check:
    """No deal (open or closed) lists the contact."""
    deals = ctx.deals_of(contact.id)
    return NO_DEAL_LISTS_CONTACT.check(not deals, contact=ctx.ref(contact), deals=ctx.refs(deals))


NO_OPEN_LEAD = Criterion(
    "no_open_lead",
    met="{contact} has no open lead",
    unmet="{contact} has an open lead: {leads}",
)


def no_open_lead(ctx: RuleContext, contact: Contact) -> Check:
    """The contact has no lead in an open stage."""
    open_leads = [x for x in ctx.leads_of(contact.id) if not ctx.stage_of(x)[1]]
    return NO_OPEN_LEAD.check(not open_leads, contact=ctx.ref(contact), leads=ctx.refs(open_leads))


NO_EMAIL_FROM_YOU_SINCE = Criterion(
    "no_email_from_you_since",
    met="you have not emailed {contact} since {since}",
    unmet="you emailed {contact} at {at} ({email}), since {since}",
)
NO_EMAIL_FROM_YOU_AFTER = Criterion(
    "no_email_from_you_after",
    met="you have not emailed {contact} after {since}",
    unmet="you emailed {contact} at {at} ({email}), after {since}",
)


def _first_email(emails: Sequence[Email], since: datetime, inclusive: bool) -> Email | None:
    return next(
        (e for e in emails if e.sent_at >= since and (inclusive or e.sent_at > since)), None
    )


def no_email_from_you_since(ctx: RuleContext, contact: Contact, since: datetime) -> Check:
    """No outbound email of yours to the contact sent at or after ``since`` ("since" includes)."""
    sent = _first_email(ctx.emails_sent_to(contact), since, inclusive=True)
    return NO_EMAIL_FROM_YOU_SINCE.check(
        sent is None,
        contact=ctx.ref(contact),
        since=ctx.local(since),
        at=ctx.local(sent.sent_at) if sent else None,
        email=ctx.ref(sent) if sent else None,
    )


def no_email_from_you_after(ctx: RuleContext, contact: Contact, since: datetime) -> Check:
    """No outbound email of yours to the contact sent after ``since`` ("after" excludes)."""
    sent = _first_email(ctx.emails_sent_to(contact), since, inclusive=False)
    return NO_EMAIL_FROM_YOU_AFTER.check(
        sent is None,
        contact=ctx.ref(contact),
        since=ctx.local(since),
        at=ctx.local(sent.sent_at) if sent else None,
        email=ctx.ref(sent) if sent else None,
    )


NO_EMAIL_FROM_CONTACT_SINCE = Criterion(
    "no_email_from_contact_since",
    met="{contact} has not emailed you since {since}",
    unmet="{contact} emailed you at {at} ({email}), since {since}",
)


def no_email_from_contact_since(ctx: RuleContext, contact: Contact, since: datetime) -> Check:
    """No inbound email in your mailbox from the contact sent at or after ``since``."""
    got = _first_email(ctx.emails_received_from(contact), since, inclusive=True)
    return NO_EMAIL_FROM_CONTACT_SINCE.check(
        got is None,
        contact=ctx.ref(contact),
        since=ctx.local(since),
        at=ctx.local(got.sent_at) if got else None,
        email=ctx.ref(got) if got else None,
    )


NOT_REASSIGNED_AFTER = Criterion(
    "not_reassigned_after",
    met="{record} was not reassigned after {since}",
    unmet="{record} was reassigned to {owner} at {at}, after {since}",
)


def not_reassigned_after(ctx: RuleContext, record: Contact | Lead, since: datetime) -> Check:
    """Not (owned by someone else with ``owner_assigned_at`` later than ``since``)."""
    at = record.owner_assigned_at
    reassigned = record.owner_id != ctx.user.id and at is not None and at > since
    return NOT_REASSIGNED_AFTER.check(
        not reassigned,
        record=ctx.ref(record),
        since=ctx.local(since),
        owner=record.owner_id,
        at=ctx.local(at) if at is not None else None,
    )


SENDER_DOMAIN_DIFFERS = Criterion(
    "sender_domain_differs",
    met="{email} comes from domain {domain}, not yours ({yours})",
    unmet="{email} comes from your own domain {yours}",
)


def sender_domain(email: Email, contact: Contact | None) -> str | None:
    """The sender's domain: the email's ``from_address``'s, else the contact's address's."""
    return domain_of(email.from_address) or domain_of(contact.email if contact else None)


def sender_domain_differs(ctx: RuleContext, email: Email, contact: Contact | None) -> Check:
    """The sender's domain differs from yours (with no domain known, it differs)."""
    theirs, yours = sender_domain(email, contact), domain_of(ctx.user.email)
    return SENDER_DOMAIN_DIFFERS.check(
        theirs is None or theirs != yours, email=ctx.ref(email), domain=theirs, yours=yours
    )


CREATED_MORE_THAN = Criterion(
    "created_more_than",
    met="{record} was created more than {age} ago, at {created}",
    unmet="{record} was created at {created}, less than {age} ago",
    role="wait",
)


def created_more_than(ctx: RuleContext, record: Deal, age: timedelta) -> Check:
    """The record was created at least ``age`` before ``now`` (only time has to pass)."""
    return CREATED_MORE_THAN.check(
        record.created_at + age <= ctx.now,
        record=ctx.ref(record),
        age=age,
        created=ctx.local(record.created_at),
    )


WITHIN_LIFETIME = Criterion(
    "within_lifetime",
    met="the action lives {lifetime}, until {until}",
    unmet="the action lived {lifetime}, until {until}",
    role="limit",
)


WITHIN_LIFETIME_UNDATED = Criterion(
    "within_lifetime",
    met="the action would live {lifetime} from its creation",
    unmet="the action would live {lifetime} from its creation",
    role="limit",
)


def within_lifetime(ctx: RuleContext, created_at: datetime | None, lifetime: timedelta) -> Check:
    """``now`` is before ``created_at + lifetime``, when the action's time limit passes.

    With no ``created_at`` (nothing to date an action from: a failing condition says why), no
    limit can have passed: the check holds and only states the lifetime.
    """
    if created_at is None:
        return WITHIN_LIFETIME_UNDATED.check(True, lifetime=lifetime)
    until = created_at + lifetime
    return WITHIN_LIFETIME.check(ctx.now < until, lifetime=lifetime, until=ctx.local(until))

"""Named criteria shared by the rules.

A criterion is a function ``(ctx, ...) -> Check``. A :class:`Check` is true when the criterion is
met, and says which criterion and which data met it (or failed it); the checks a rule collected
become the action's ``reasons``. :func:`all_met` evaluates criteria lazily, stopping at the first
that fails, so a rule reads as the list of its criteria::

    met = all_met(
        lambda: owned_by_you(ctx, deal, "deal"),
        lambda: deal_is_open(ctx, deal),
    )
    if met is None:
        continue
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import attrs

from guided_actions._model.records import Contact, Deal, Email, EngagementEvent, Lead
from guided_actions._rules.context import RuleContext

__all__ = [
    "Check",
    "all_met",
    "deal_is_open",
    "in_first_stage",
    "latest_email",
    "latest_engagement",
    "lead_is_open",
    "lifecycle_not_excluded",
    "no_deal_lists_contact",
    "no_open_lead",
    "owned_by_you",
    "they_have_not_emailed_you_since",
    "you_have_not_emailed_since",
]


@attrs.frozen
class Check:
    """The outcome of one criterion: met or not, and the data that decided it."""

    criterion: str
    passed: bool
    detail: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return f"{self.criterion}: {self.detail}"


def all_met(*criteria: Callable[[], Check]) -> list[Check] | None:
    """Evaluate criteria in order; the checks if all are met, ``None`` at the first that is not."""
    met: list[Check] = []
    for criterion in criteria:
        check = criterion()
        if not check:
            return None
        met.append(check)
    return met


def latest_email(emails: Sequence[Email]) -> Email | None:
    """The latest email (by ``sent_at``, then id); ``None`` when there is none."""
    return max(emails, key=lambda e: (e.sent_at, e.id), default=None)


def latest_engagement(events: Sequence[EngagementEvent]) -> EngagementEvent | None:
    """The latest engagement (by ``occurred_at``, then id); ``None`` when there is none."""
    return max(events, key=lambda e: (e.occurred_at, e.id), default=None)


def owned_by_you(ctx: RuleContext, record: Contact | Lead | Deal, label: str) -> Check:
    """The record's ``owner_id`` is the user evaluated."""
    mine = record.owner_id == ctx.user.id
    return Check(
        f"{label} is yours",
        mine,
        f"{label} {record.id} is owned by {record.owner_id or 'nobody'}",
    )


def deal_is_open(ctx: RuleContext, deal: Deal) -> Check:
    """The deal's current stage is not closed."""
    _first, closed, _won = ctx.stage_of(deal)
    return Check(
        "deal is open",
        not closed,
        f"deal {deal.id} is in {'closed' if closed else 'open'} stage {deal.stage_id!r}",
    )


def lead_is_open(ctx: RuleContext, lead: Lead) -> Check:
    """The lead's current stage is not closed."""
    _first, closed, _won = ctx.stage_of(lead)
    return Check(
        "lead is open",
        not closed,
        f"lead {lead.id} is in {'closed' if closed else 'open'} stage {lead.stage_id!r}",
    )


def in_first_stage(ctx: RuleContext, record: Lead | Deal, label: str) -> Check:
    """The lead or deal is in the first stage of its pipeline."""
    first, _closed, _won = ctx.stage_of(record)
    return Check(
        f"{label} is in the first stage",
        first,
        f"{label} {record.id} is in stage {record.stage_id!r} of pipeline {record.pipeline_id!r}",
    )


def lifecycle_not_excluded(ctx: RuleContext, contact: Contact) -> Check:
    """Lifecycle stage not ``customer``/``evangelist`` (custom list: not its last stage)."""
    stages = ctx.snapshot.lifecycle_stages
    excluded = (stages[-1],) if ctx.snapshot.custom_lifecycle_stages else ("customer", "evangelist")
    stage = contact.lifecycle_stage
    return Check(
        "lifecycle stage is not excluded",
        stage not in excluded,
        f"contact {contact.id} is at lifecycle stage {stage or 'none'}"
        f" (excluded: {', '.join(excluded)})",
    )


def no_deal_lists_contact(ctx: RuleContext, contact: Contact) -> Check:
    """No deal (open or closed) lists the contact."""
    deals = ctx.deals_of(contact.id)
    return Check(
        "no deal lists the contact",
        not deals,
        f"contact {contact.id} is on "
        + (", ".join(f"deal {d.id}" for d in deals) if deals else "no deal"),
    )


def no_open_lead(ctx: RuleContext, contact: Contact) -> Check:
    """The contact has no lead in an open stage."""
    open_leads = [x for x in ctx.leads_of(contact.id) if lead_is_open(ctx, x)]
    return Check(
        "the contact has no open lead",
        not open_leads,
        f"contact {contact.id} has "
        + (", ".join(f"open lead {x.id}" for x in open_leads) if open_leads else "no open lead"),
    )


def you_have_not_emailed_since(ctx: RuleContext, contact: Contact, since: datetime) -> Check:
    """No outbound email of yours to the contact sent at or after ``since``."""
    sent = [e for e in ctx.emails_sent_to(contact) if e.sent_at >= since]
    return Check(
        "you have not emailed the contact since",
        not sent,
        f"no email from you to contact {contact.id} since {ctx.fmt(since)}"
        if not sent
        else f"you emailed contact {contact.id} at {ctx.fmt(sent[0].sent_at)} (email {sent[0].id})",
    )


def they_have_not_emailed_you_since(ctx: RuleContext, contact: Contact, since: datetime) -> Check:
    """No inbound email in your mailbox from the contact sent at or after ``since``."""
    got = [e for e in ctx.emails_received_from(contact) if e.sent_at >= since]
    return Check(
        "the contact has not emailed you since",
        not got,
        f"no email from contact {contact.id} to you since {ctx.fmt(since)}"
        if not got
        else f"contact {contact.id} emailed you at {ctx.fmt(got[0].sent_at)} (email {got[0].id})",
    )

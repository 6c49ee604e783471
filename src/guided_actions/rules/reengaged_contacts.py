"""Re-engaged contacts: a contact whose lead was disqualified is engaging again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import attrs

from guided_actions._model.records import Contact, EngagementEvent, Lead
from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    NO_OPEN_LEAD,
    OWNED_BY_YOU,
    WITHIN_LIFETIME,
    Check,
    Criterion,
    no_open_lead,
    owned_by_you,
    within_lifetime,
)
from guided_actions._rules.rule import Proposal, Rule, threshold

LATEST_LEAD_DISQUALIFIED = Criterion(
    "latest_lead_disqualified",
    met="{lead}, the most recent lead of {contact}, was disqualified"
    " (stage {stage}: closed, not won)",
    unmet="{lead}, the most recent lead of {contact}, is in stage {stage}, not disqualified",
)
_HAS_NO_LEAD = LATEST_LEAD_DISQUALIFIED.variant(
    unmet="{contact} has no lead, so none was disqualified"
)
ENGAGED_AFTER_DISQUALIFICATION = Criterion(
    "engaged_after_disqualification",
    met="{contact} engaged at {at} ({engagement}), after {lead} entered stage {stage} at {since}",
    unmet="{contact} has not engaged after {lead} entered stage {stage} at {since}",
)
# With no lead, no disqualification to date from: whether the contact engaged at all.
_ENGAGED_WITHOUT_LEAD = ENGAGED_AFTER_DISQUALIFICATION.variant(
    met="{contact} engaged at {at} ({engagement}), with no lead to have been disqualified",
    unmet="{contact} has not engaged, and has no lead to have been disqualified",
)


def _latest_lead_disqualified(ctx: RuleContext, contact: Contact, latest: Lead | None) -> Check:
    """The contact's most recent lead is in a closed stage that is not won."""
    if latest is None:
        return _HAS_NO_LEAD.check(False, contact=ctx.ref(contact), lead=None, stage=None)
    _first, closed, won = ctx.stage_of(latest)
    return LATEST_LEAD_DISQUALIFIED.check(
        closed and not won, lead=ctx.ref(latest), contact=ctx.ref(contact), stage=latest.stage_id
    )


def _first_engagement(
    ctx: RuleContext, contact: Contact, since: datetime | None
) -> EngagementEvent | None:
    """The contact's first engagement after ``since`` (no ``since``: its first)."""
    return next(
        (e for e in ctx.engagements(contact.id) if since is None or e.occurred_at > since), None
    )


def _engaged_after(
    ctx: RuleContext, contact: Contact, latest: Lead | None, first: EngagementEvent | None
) -> Check:
    """``first``, the contact's first engagement after the disqualification, exists (with no
    lead, whether the contact engaged at all)."""
    if latest is None:
        found = _first_engagement(ctx, contact, None)
        return _ENGAGED_WITHOUT_LEAD.check(
            found is not None,
            contact=ctx.ref(contact),
            at=ctx.local(found.occurred_at) if found is not None else None,
            engagement=ctx.ref(found) if found is not None else None,
            lead=None,
            stage=None,
            since=None,
        )
    return ENGAGED_AFTER_DISQUALIFICATION.check(
        first is not None,
        contact=ctx.ref(contact),
        lead=ctx.ref(latest),
        stage=latest.stage_id,
        since=ctx.local(_disqualified_at(latest)),
        at=ctx.local(first.occurred_at) if first is not None else None,
        engagement=ctx.ref(first) if first is not None else None,
    )


def _disqualified_at(lead: Lead) -> datetime:
    """When the lead entered its stage: ``stage_changed_at``, else ``created_at``."""
    return lead.stage_changed_at or lead.created_at


@attrs.frozen
class ReengagedContacts(Rule):
    """A contact you own whose last lead was disqualified, and who engaged afterwards.

    **Fires** for a contact you own with no open lead, whose most recent lead (latest
    ``created_at``, ties broken by the greater id) is disqualified (in a closed stage that is not
    won), and who engaged after that disqualification (at the lead's ``stage_changed_at``, else its
    ``created_at``).

    **Created at** the first engagement after the disqualification.
    **Expires** 30 days later, or when a new lead is created for the contact (it is then the most
    recent one).
    """

    id = "reengaged_contacts"
    title = "Re-engaged contacts"
    category = "prospecting"
    priority = "normal"
    subject_kind = "contact"
    created_at_doc = "the first engagement after the disqualification"
    expires_doc = "lives 30 days; a new lead created for the contact"
    calls_to_action = (
        CallToAction("create_lead", "Create lead", "queue"),
        CallToAction("view_contact", "View contact", "records"),
    )
    criteria = (
        OWNED_BY_YOU,
        NO_OPEN_LEAD,
        LATEST_LEAD_DISQUALIFIED,
        ENGAGED_AFTER_DISQUALIFICATION,
        WITHIN_LIFETIME,
    )

    lifetime: timedelta = threshold(timedelta(days=30), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for contact in ctx.candidates("contact", ctx.contacts_owned):
            leads = ctx.leads_of(contact.id)
            latest = max(leads, key=lambda x: (x.created_at, x.id), default=None)
            # No lead, no disqualification: nothing to date the action from.
            first = (
                _first_engagement(ctx, contact, _disqualified_at(latest))
                if latest is not None
                else None
            )
            created = first.occurred_at if first is not None else None
            expires = shift(created, self.lifetime) if created is not None else None
            if not ctx.wants(created, expires):
                continue
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, contact),
                lambda: no_open_lead(ctx, contact, leads),
                lambda: _latest_lead_disqualified(ctx, contact, latest),
                lambda: _engaged_after(ctx, contact, latest, first),
                lambda: within_lifetime(ctx, created, self.lifetime),
            )
            if checks is None:
                continue
            yield self.proposal(contact.id, created_at=created, expires_at=expires, checks=checks)

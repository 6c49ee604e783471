"""Recently engaged leads: an open lead of yours engaged in the last 7 days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    ENGAGED,
    LEAD_OPEN,
    OWNED_BY_YOU,
    WITHIN_LIFETIME,
    engaged,
    latest_engagement,
    lead_open,
    owned_by_you,
    within_lifetime,
)
from guided_actions._rules.rule import Proposal, Rule, threshold


@attrs.frozen
class RecentlyEngagedLeads(Rule):
    """An open lead you own whose contact engaged within the last 7 days.

    **Fires** for an open lead you own whose contact engaged (an engagement event of a counted
    kind) less than 7 days before ``now``.

    **Created at** the latest engagement. **Expires** 7 days later.
    """

    id = "recently_engaged_leads"
    title = "Recently engaged leads"
    category = "prospecting"
    priority = "normal"
    subject_kind = "lead"
    created_at_doc = "the latest engagement"
    expires_doc = "lives 7 days"
    calls_to_action = (
        CallToAction("reach_out", "Reach out", "queue"),
        CallToAction("view_lead", "View lead", "records"),
    )
    criteria = (OWNED_BY_YOU, LEAD_OPEN, ENGAGED, WITHIN_LIFETIME)

    lifetime: timedelta = threshold(timedelta(days=7), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for lead in ctx.candidates("lead", ctx.leads_owned):
            event = latest_engagement(ctx.engagements(lead.contact_id))
            created = event.occurred_at if event is not None else None
            expires = shift(created, self.lifetime) if created is not None else None
            if not ctx.wants(created, expires):
                continue
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, lead),
                lambda: lead_open(ctx, lead),
                # A lead engages through its contact.
                lambda: engaged(ctx, lead, event),
                lambda: within_lifetime(ctx, created, self.lifetime),
            )
            if checks is None:
                continue
            yield self.proposal(lead.id, created_at=created, expires_at=expires, checks=checks)

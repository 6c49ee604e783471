"""Recently engaged leads: an open lead of yours engaged in the last 7 days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    LEAD_OPEN,
    OWNED_BY_YOU,
    WITHIN_LIFETIME,
    Criterion,
    Ref,
    latest_engagement,
    lead_open,
    owned_by_you,
    within_lifetime,
)
from guided_actions._rules.rule import Proposal, Rule, threshold

LEAD_ENGAGED = Criterion(
    "lead_engaged",
    met="{lead} engaged at {at}: {event} of {contact}",
    unmet="{lead} has not engaged: {contact} has no engagement of a counted kind ({kinds})",
)


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
    criteria = (OWNED_BY_YOU, LEAD_OPEN, LEAD_ENGAGED, WITHIN_LIFETIME)

    lifetime: timedelta = threshold(timedelta(days=7), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for lead in ctx.candidates("lead", ctx.leads_owned):
            event = latest_engagement(ctx.engagements(lead.contact_id))
            created = event.occurred_at if event is not None else None
            expires = created + self.lifetime if created is not None else None
            if not ctx.wants(created, expires):
                continue
            contact = ctx.contact(lead.contact_id)
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, lead),
                lambda: lead_open(ctx, lead),
                lambda: LEAD_ENGAGED.check(
                    event is not None,
                    lead=ctx.ref(lead),
                    contact=ctx.ref(contact)
                    if contact is not None
                    else Ref("contact", lead.contact_id),
                    at=ctx.local(event.occurred_at) if event is not None else None,
                    event=ctx.ref(event) if event is not None else None,
                    kinds=tuple(sorted(ctx.engagement_kinds)),
                ),
                # With no engagement there is no action to live: no time limit to be within.
                lambda: within_lifetime(ctx, created, self.lifetime),
            )
            if checks is None:
                continue
            yield self.proposal(lead.id, created_at=created, expires_at=expires, checks=checks)

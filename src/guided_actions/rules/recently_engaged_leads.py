"""Recently engaged leads: an open lead of yours engaged in the last 7 days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    Check,
    all_met,
    latest_engagement,
    lead_is_open,
    owned_by_you,
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

    lifetime: timedelta = threshold(timedelta(days=7), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for lead in ctx.leads_owned():
            event = latest_engagement(ctx.engagements(lead.contact_id))
            if event is None or not self.active_at(
                ctx.now, event.occurred_at, event.occurred_at + self.lifetime
            ):
                continue
            met = all_met(
                lambda: owned_by_you(ctx, lead, "lead"),
                lambda: lead_is_open(ctx, lead),
                lambda: Check(
                    "the lead engaged within the last 7 days",
                    ctx.now < event.occurred_at + self.lifetime,
                    f"{event.kind} {event.id} of contact {lead.contact_id} at "
                    f"{ctx.fmt(event.occurred_at)}",
                ),
            )
            if met is None:
                continue
            yield self.proposal(
                lead.id,
                created_at=event.occurred_at,
                expires_at=event.occurred_at + self.lifetime,
                reasons=met,
            )

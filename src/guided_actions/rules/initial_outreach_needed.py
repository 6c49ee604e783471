"""Initial outreach needed: a week-old deal of yours has seen no activity at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    Check,
    all_met,
    deal_is_open,
    in_first_stage,
    owned_by_you,
)
from guided_actions._rules.rule import Proposal, Rule, threshold


@attrs.frozen
class InitialOutreachNeeded(Rule):
    """An open deal you own, still in its first stage, created more than 7 days ago, untouched.

    **Fires** for an open deal you own in the first stage of its pipeline, created at least 7 days
    before ``now``, that no activity (anyone's email, call, meeting, note or task that has
    happened by ``now``) lists.

    **Created at** the deal's ``created_at`` + 7 days. **Expires** 7 days later, when an activity
    lists the deal, or when the deal closes.
    """

    id = "initial_outreach_needed"
    title = "Initial outreach needed"
    category = "deal"
    priority = "low"
    subject_kind = "deal"
    created_at_doc = "the deal's `created_at` + 7 days"
    expires_doc = "lives 7 days; an activity listed; closed"

    age: timedelta = threshold(timedelta(days=7), "deal age before it fires")
    lifetime: timedelta = threshold(timedelta(days=7), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for deal in ctx.deals_owned():
            created = deal.created_at + self.age
            if not self.active_at(ctx.now, created, created + self.lifetime):
                continue
            met = all_met(
                lambda: owned_by_you(ctx, deal, "deal"),
                lambda: deal_is_open(ctx, deal),
                lambda: in_first_stage(ctx, deal, "deal"),
                lambda: Check(
                    "the deal was created more than 7 days ago",
                    created <= ctx.now,
                    f"deal {deal.id} was created at {ctx.fmt(deal.created_at)}",
                ),
                lambda: Check(
                    "no activity lists the deal",
                    not ctx.activities_listing("deal", deal.id),
                    f"no email, call, meeting, note or task lists deal {deal.id}",
                ),
            )
            if met is None:
                continue
            yield self.proposal(
                deal.id, created_at=created, expires_at=created + self.lifetime, reasons=met
            )

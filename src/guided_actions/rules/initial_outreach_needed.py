"""Initial outreach needed: a week-old deal of yours has seen no activity at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Deal
from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    CREATED_MORE_THAN,
    DEAL_OPEN,
    FIRST_STAGE,
    OWNED_BY_YOU,
    WITHIN_LIFETIME,
    Check,
    Criterion,
    created_more_than,
    deal_open,
    first_stage,
    owned_by_you,
    within_lifetime,
)
from guided_actions._rules.rule import Proposal, Rule, threshold

NO_ACTIVITY_LISTS_DEAL = Criterion(
    "no_activity_lists_deal",
    met="no activity lists {deal}",
    unmet="{deal} is listed by {activities}",
)


def _no_activity_lists(ctx: RuleContext, deal: Deal) -> Check:
    """No activity (anyone's, happened by now) lists the deal."""
    activities = ctx.activities_listing("deal", deal.id)
    return NO_ACTIVITY_LISTS_DEAL.check(
        not activities, deal=ctx.ref(deal), activities=ctx.refs(activities)
    )


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
    calls_to_action = (
        CallToAction("reach_out", "Reach out", "queue"),
        CallToAction("view_deal", "View deal", "records"),
    )
    criteria = (
        OWNED_BY_YOU,
        DEAL_OPEN,
        FIRST_STAGE,
        CREATED_MORE_THAN,
        NO_ACTIVITY_LISTS_DEAL,
        WITHIN_LIFETIME,
    )

    age: timedelta = threshold(timedelta(days=7), "deal age before it fires")
    lifetime: timedelta = threshold(timedelta(days=7), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for deal in ctx.candidates("deal", ctx.deals_owned):
            created = shift(deal.created_at, self.age)
            if not ctx.wants(created, shift(created, self.lifetime)):
                continue
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, deal),
                lambda: deal_open(ctx, deal),
                lambda: first_stage(ctx, deal),
                lambda: created_more_than(ctx, deal, self.age),
                lambda: _no_activity_lists(ctx, deal),
                lambda: within_lifetime(ctx, created, self.lifetime),
            )
            if checks is None:
                continue
            yield self.proposal(
                deal.id, created_at=created, expires_at=shift(created, self.lifetime), checks=checks
            )

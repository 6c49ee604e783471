"""Update next steps: something happened on your deal; record what comes next."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import attrs

from guided_actions._rules.context import RuleContext, activity_end
from guided_actions._rules.criteria import Check, all_met, deal_is_open, owned_by_you
from guided_actions._rules.rule import Proposal, Rule, threshold
from guided_actions.typing import Activity


@attrs.frozen
class UpdateNextSteps(Rule):
    """An open deal of yours had an activity end more than 24 hours ago, after its next step.

    **Fires** for an open deal you own with an activity listing it that ended at least 24 hours
    before ``now``, when ``next_step_updated_at`` is absent or earlier than that activity's end.

    **Created at** the latest such activity's end + 24 hours. **Expires** when the next step is
    updated after that activity's end, or the deal closes.
    """

    id = "update_next_steps"
    title = "Update next steps"
    category = "deal"
    priority = "normal"
    subject_kind = "deal"
    created_at_doc = "the latest such activity's end + 24 hours"
    expires_doc = "the next step was updated after that activity's end; the deal closed"

    delay: timedelta = threshold(timedelta(hours=24), "time after the activity's end")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for deal in ctx.deals_owned():
            updated = deal.next_step_updated_at
            ended: list[tuple[datetime, str, Activity]] = []
            for activity in ctx.activities_listing("deal", deal.id):
                end = activity_end(activity)
                if end is None or end + self.delay > ctx.now:
                    continue
                if updated is not None and not updated < end:
                    continue
                ended.append((end, activity.id, activity))
            if not ended:
                continue
            end, _id, activity = max(ended, key=lambda item: (item[0], item[1]))
            met = all_met(
                lambda: owned_by_you(ctx, deal, "deal"),
                lambda: deal_is_open(ctx, deal),
                lambda: Check(
                    "an activity on the deal ended more than 24 hours ago",
                    True,
                    f"{ctx.describe(activity)} ended at {ctx.fmt(end)}",
                ),
                lambda: Check(
                    "the next step was not updated since",
                    True,
                    "next step never updated"
                    if updated is None
                    else f"next step updated at {ctx.fmt(updated)}",
                ),
            )
            if met is None:
                continue
            yield self.proposal(deal.id, created_at=end + self.delay, expires_at=None, reasons=met)

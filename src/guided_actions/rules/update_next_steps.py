"""Update next steps: something happened on your deal; record what comes next."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import attrs

from guided_actions._rules.context import RuleContext, activity_end
from guided_actions._rules.criteria import (
    DEAL_OPEN,
    OWNED_BY_YOU,
    Criterion,
    deal_open,
    owned_by_you,
)
from guided_actions._rules.rule import Proposal, Rule, threshold
from guided_actions.typing import Activity

ACTIVITY_ENDED = Criterion(
    "activity_ended",
    met="{activity} listing {deal} ended at {end}",
    unmet="no activity listing {deal} has ended yet",
)
NEXT_STEP_NOT_UPDATED_SINCE = Criterion(
    "next_step_not_updated_since",
    met="the next step of {deal} has not been updated since {end} (last update: {updated})",
    unmet="the next step of {deal} was updated at {updated}, since {activity} ended at {end}",
)
ACTIVITY_ENDED_MORE_THAN = Criterion(
    "activity_ended_more_than",
    met="{activity} ended more than {delay} ago, at {end}",
    unmet="not {delay} yet since {activity} ended ({end})",
    role="wait",
)


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
    criteria = (
        OWNED_BY_YOU,
        DEAL_OPEN,
        ACTIVITY_ENDED,
        NEXT_STEP_NOT_UPDATED_SINCE,
        ACTIVITY_ENDED_MORE_THAN,
    )

    delay: timedelta = threshold(timedelta(hours=24), "time after the activity's end")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for deal in ctx.candidates("deal", ctx.deals_owned):
            updated = deal.next_step_updated_at
            # Activities listing the deal that have ended by now, by (end, id).
            ended: list[tuple[datetime, str, Activity]] = sorted(
                (
                    (end, a.id, a)
                    for a in ctx.activities_listing("deal", deal.id)
                    if (end := activity_end(a)) is not None and end <= ctx.now
                ),
                key=lambda item: (item[0], item[1]),
            )
            after = [x for x in ended if updated is None or updated < x[0]]
            old = [x for x in after if x[0] + self.delay <= ctx.now]
            # The latest such activity old enough; else the first to become old enough (the
            # action is pending until then); else the latest ended (the next step was updated
            # since: the explanation names it).
            chosen = old[-1] if old else after[0] if after else ended[-1] if ended else None
            created = chosen[0] + self.delay if chosen is not None else None
            if not ctx.wants(created, None):
                continue
            ref = ctx.ref(deal)
            end, activity = (chosen[0], chosen[2]) if chosen is not None else (None, None)
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, deal),
                lambda: deal_open(ctx, deal),
                lambda: ACTIVITY_ENDED.check(
                    activity is not None,
                    deal=ref,
                    activity=ctx.ref(activity) if activity is not None else None,
                    end=ctx.local(end) if end is not None else None,
                ),
                # With no activity ended, the next step cannot have been updated since.
                lambda: NEXT_STEP_NOT_UPDATED_SINCE.check(
                    updated is None or end is None or updated < end,
                    deal=ref,
                    updated=ctx.local(updated) if updated is not None else None,
                    activity=ctx.ref(activity) if activity is not None else None,
                    end=ctx.local(end) if end is not None else None,
                ),
                lambda: ACTIVITY_ENDED_MORE_THAN.check(
                    end is not None and end + self.delay <= ctx.now,
                    activity=ctx.ref(activity) if activity is not None else None,
                    delay=self.delay,
                    end=ctx.local(end) if end is not None else None,
                ),
            )
            if checks is None:
                continue
            yield self.proposal(deal.id, created_at=created, expires_at=None, checks=checks)

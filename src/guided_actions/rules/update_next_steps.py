"""Update next steps: something happened on your deal; record what comes next."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import attrs

from guided_actions._model.records import Deal
from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext, activity_end
from guided_actions._rules.criteria import (
    DEAL_OPEN,
    OWNED_BY_YOU,
    Check,
    Criterion,
    deal_open,
    elapsed,
    elapsed_criterion,
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
    met="the next step of {deal} has not been updated since {activity} ended at {end} (last "
    "update: {updated})",
    unmet="the next step of {deal} was updated at {updated}, since {activity} ended at {end}",
)
_NEXT_STEP_NEVER_UPDATED = NEXT_STEP_NOT_UPDATED_SINCE.variant(
    met="the next step of {deal} has never been updated ({activity} ended at {end})"
)
# With no activity ended, the next step cannot be out of date.
_NOTHING_ENDED_SINCE_UPDATE = NEXT_STEP_NOT_UPDATED_SINCE.variant(
    met="no activity listing {deal} has ended since its next step was updated at {updated}"
)
_NOTHING_ENDED_NEVER_UPDATED = NEXT_STEP_NOT_UPDATED_SINCE.variant(
    met="the next step of {deal} has never been updated, and no activity listing it has ended"
)
ACTIVITY_ENDED_MORE_THAN = elapsed_criterion("activity_ended_more_than", "ended")
_NO_ACTIVITY_TO_WAIT_AFTER = ACTIVITY_ENDED_MORE_THAN.variant(
    met="no activity has ended to wait {wait} after",
    unmet="no activity has ended to wait {wait} after",
)


def _not_updated_since(
    ctx: RuleContext, deal: Deal, activity: Activity | None, end: datetime | None
) -> Check:
    """The deal's ``next_step_updated_at`` is absent or earlier than the activity's end."""
    updated = deal.next_step_updated_at
    if end is None:
        criterion = _NOTHING_ENDED_NEVER_UPDATED if updated is None else _NOTHING_ENDED_SINCE_UPDATE
    else:
        criterion = _NEXT_STEP_NEVER_UPDATED if updated is None else NEXT_STEP_NOT_UPDATED_SINCE
    return criterion.check(
        updated is None or end is None or updated < end,
        deal=ctx.ref(deal),
        updated=ctx.local(updated) if updated is not None else None,
        activity=ctx.ref(activity) if activity is not None else None,
        end=ctx.local(end) if end is not None else None,
    )


def _ended_by_now(ctx: RuleContext, end: datetime) -> bool:
    """Ended by ``now``; an activity that ends later changes the choice then (a revisit)."""
    if end <= ctx.now:
        return True
    ctx.revisit_at(end)
    return False


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
    calls_to_action = (
        CallToAction("update_next_step", "Update next step", "queue"),
        CallToAction("view_deal", "View deal", "records"),
    )
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
                    if (end := activity_end(a)) is not None and _ended_by_now(ctx, end)
                ),
                key=lambda item: (item[0], item[1]),
            )
            after = [x for x in ended if updated is None or updated < x[0]]
            old = [x for x in after if shift(x[0], self.delay) <= ctx.now]
            # The choice moves on when the next activity after it is old enough (the first
            # activity's own wait, with no old one, is the proposal's window).
            following = len(old) if old else 1
            if following < len(after):
                ctx.revisit_at(shift(after[following][0], self.delay))
            # The latest such activity old enough; else the first to become old enough (the
            # action is pending until then); else the latest ended (the next step was updated
            # since: the explanation names it).
            chosen = old[-1] if old else after[0] if after else ended[-1] if ended else None
            created = shift(chosen[0], self.delay) if chosen is not None else None
            if not ctx.wants(created, None, lambda: not ctx.stage_of(deal)[1]):
                continue
            end, activity = (chosen[0], chosen[2]) if chosen is not None else (None, None)
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, deal),
                lambda: deal_open(ctx, deal),
                lambda: ACTIVITY_ENDED.check(
                    activity is not None,
                    deal=ctx.ref(deal),
                    activity=ctx.ref(activity) if activity is not None else None,
                    end=ctx.local(end) if end is not None else None,
                ),
                lambda: _not_updated_since(ctx, deal, activity, end),
                lambda: (
                    elapsed(ctx, ACTIVITY_ENDED_MORE_THAN, activity, end, self.delay)
                    if activity is not None and end is not None
                    else _NO_ACTIVITY_TO_WAIT_AFTER.check(False, wait=self.delay)
                ),
            )
            if checks is None:
                continue
            yield self.proposal(deal.id, created_at=created, expires_at=None, checks=checks)

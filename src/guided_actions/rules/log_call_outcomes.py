"""Log call outcomes: your recent calls that have no outcome yet, in one card."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Call
from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    OWNED_BY_YOU,
    Check,
    Criterion,
    elapsed,
    elapsed_criterion,
    owned_by_you,
    within,
)
from guided_actions._rules.rule import Proposal, Rule, threshold

STARTED_MORE_THAN = elapsed_criterion("call_started_more_than", "started")
STARTED_LESS_THAN = Criterion(
    "call_started_less_than",
    met="{record} started at {since}, less than {limit} ago",
    unmet="{record} started more than {limit} ago, at {since}",
    role="limit",
)
COMPLETED = Criterion(
    "call_completed",
    met="{call} has status {status} (made with built-in calling: {builtin})",
    unmet="{call} has status {status} (made with built-in calling: {builtin}), not completed",
)
_COMPLETED_NO_STATUS = COMPLETED.variant(
    met="{call} has no status (made with built-in calling: {builtin})",
    unmet="{call} has no status (made with built-in calling: {builtin}), not completed",
)
OUTCOME_BLANK = Criterion(
    "call_outcome_blank",
    met="{call} has no outcome logged",
    unmet="{call} has outcome {outcome}",
)


def _status_qualifies(call: Call) -> bool:
    """Status ``completed``; made otherwise than with built-in calling, a blank status too."""
    if call.builtin_calling:
        return call.status == "completed"
    return call.status in (None, "completed")


def _completed(ctx: RuleContext, call: Call) -> Check:
    return (COMPLETED if call.status is not None else _COMPLETED_NO_STATUS).check(
        _status_qualifies(call),
        call=ctx.ref(call),
        status=call.status,
        builtin=call.builtin_calling,
    )


@attrs.frozen
class LogCallOutcomes(Rule):
    """A recent call of yours with no outcome logged.

    **Fires** for a call you own, started at least 1 hour ago and less than 7 days ago, whose
    outcome is blank, and whose status is ``completed`` (made with the CRM's built-in calling) or
    ``completed`` or blank (made otherwise).

    **Created at** ``started_at`` + 1 hour. **Expires** at ``started_at`` + 7 days, or when an
    outcome is logged.
    **Grouped**: one card for all your qualifying calls.
    """

    id = "log_call_outcomes"
    title = "Log call outcomes"
    category = "general"
    priority = "normal"
    subject_kind = "call"
    grouped = True
    grouping = "one card for all your calls to log"
    created_at_doc = "`started_at` + 1 hour"
    expires_doc = "at `started_at` + 7 days"
    calls_to_action = (
        CallToAction("log_outcomes", "Log outcomes", "queue"),
        CallToAction("view_calls", "View calls", "records"),
    )
    criteria = (OWNED_BY_YOU, COMPLETED, OUTCOME_BLANK, STARTED_MORE_THAN, STARTED_LESS_THAN)

    delay: timedelta = threshold(timedelta(hours=1), "time after the call's start before it fires")
    window: timedelta = threshold(timedelta(days=7), "time after the call's start when it expires")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for call in ctx.candidates("call", ctx.calls_owned):
            created = shift(call.started_at, self.delay)
            expires = shift(call.started_at, self.window)
            if not ctx.wants(
                created, expires, lambda: _status_qualifies(call) and not call.outcome
            ):
                continue
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, call),
                lambda: _completed(ctx, call),
                lambda: OUTCOME_BLANK.check(
                    not call.outcome, call=ctx.ref(call), outcome=call.outcome
                ),
                lambda: elapsed(ctx, STARTED_MORE_THAN, call, call.started_at, self.delay),
                lambda: within(
                    ctx, STARTED_LESS_THAN, call.started_at, self.window, record=ctx.ref(call)
                ),
            )
            if checks is None:
                continue
            yield self.proposal(call.id, created_at=created, expires_at=expires, checks=checks)

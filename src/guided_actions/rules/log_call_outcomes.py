"""Log call outcomes: calls of yours whose outcome is still blank."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Call
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import Check, all_met
from guided_actions._rules.rule import Proposal, Rule, threshold


def _status_qualifies(call: Call) -> bool:
    if call.builtin_calling:
        return call.status == "completed"
    return call.status in ("completed", None)


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

    delay: timedelta = threshold(timedelta(hours=1), "time after the call's start before it fires")
    window: timedelta = threshold(timedelta(days=7), "time after the call's start when it expires")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for call in ctx.calls_owned():
            met = all_met(
                lambda: Check(
                    "an hour has passed since the call started",
                    call.started_at + self.delay <= ctx.now,
                    f"call {call.id} started at {ctx.fmt(call.started_at)}",
                ),
                lambda: Check(
                    "the call started less than 7 days ago",
                    ctx.now < call.started_at + self.window,
                    f"call {call.id} started at {ctx.fmt(call.started_at)}",
                ),
                lambda: Check(
                    "the call was completed",
                    _status_qualifies(call),
                    f"status {call.status or 'blank'}"
                    f" ({'built-in calling' if call.builtin_calling else 'logged call'})",
                ),
                lambda: Check(
                    "the outcome is blank", not call.outcome, f"outcome {call.outcome or 'blank'}"
                ),
            )
            if met is None:
                continue
            yield self.proposal(
                call.id,
                created_at=call.started_at + self.delay,
                expires_at=call.started_at + self.window,
                reasons=met,
            )

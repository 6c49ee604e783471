"""Follow up on your meeting: a meeting of yours has started or just ended."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import Check, all_met
from guided_actions._rules.rule import Proposal, Rule, threshold


@attrs.frozen
class MeetingFollowUp(Rule):
    """A meeting you own that has started and ended less than 7 days ago.

    **Fires** for a meeting you own whose ``start`` has passed (a meeting in progress counts) and
    whose ``end`` is less than 7 days before ``now``.

    **Created at** the meeting's ``start``. **Expires** at ``end`` + 7 days, or once the meeting
    has at least one follow-up task (a task whose ``meeting_id`` is it) and all of them are
    completed.
    """

    id = "meeting_follow_up"
    title = "Follow up on your meeting"
    category = "general"
    priority = "normal"
    subject_kind = "meeting"
    created_at_doc = "the meeting's `start`"
    expires_doc = (
        "at `end` + 7 days; the meeting has at least one follow-up task and all are completed"
    )

    window: timedelta = threshold(timedelta(days=7), "how long after the meeting's end it lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for meeting in ctx.meetings_owned():
            if not self.active_at(ctx.now, meeting.start, meeting.end + self.window):
                continue
            follow_ups = [t for t in ctx.snapshot.tasks_of_meeting(meeting.id) if ctx.exists(t)]
            done = bool(follow_ups) and not any(ctx.task_is_open(t) for t in follow_ups)
            met = all_met(
                lambda: Check(
                    "the meeting has started",
                    meeting.start <= ctx.now,
                    f"{ctx.describe(meeting)} started at {ctx.fmt(meeting.start)}",
                ),
                lambda: Check(
                    "the meeting ended less than 7 days ago",
                    ctx.now < meeting.end + self.window,
                    f"it ends at {ctx.fmt(meeting.end)}",
                ),
                lambda: Check(
                    "its follow-up tasks are not all completed",
                    not done,
                    f"{len(follow_ups)} follow-up task(s), "
                    f"{sum(ctx.task_is_open(t) for t in follow_ups)} open",
                ),
            )
            if met is None:
                continue
            yield self.proposal(
                meeting.id,
                created_at=meeting.start,
                expires_at=meeting.end + self.window,
                reasons=met,
            )

"""Follow up on your meeting: a meeting of yours has started or just ended."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import OWNED_BY_YOU, Criterion, owned_by_you, within
from guided_actions._rules.rule import Proposal, Rule, threshold

MEETING_STARTED = Criterion(
    "meeting_started",
    met="{meeting} started at {start}",
    unmet="{meeting} starts at {start}",
    role="wait",
)
FOLLOW_UPS_NOT_ALL_DONE = Criterion(
    "follow_ups_not_all_done",
    met="{meeting} has no follow-up task, or one still open ({open} open of {total})",
    unmet="every follow-up task of {meeting} is completed ({total} of {total})",
)
WITHIN_FOLLOW_UP_WINDOW = Criterion(
    "within_follow_up_window",
    met="the action lives {limit} after the end of {record} ({since}), until {until}",
    unmet="the action lived {limit} after the end of {record} ({since}), until {until}",
    role="limit",
)


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
    calls_to_action = (
        CallToAction("follow_up", "Follow up", "queue"),
        CallToAction("view_meeting", "View meeting", "records"),
    )
    criteria = (OWNED_BY_YOU, MEETING_STARTED, FOLLOW_UPS_NOT_ALL_DONE, WITHIN_FOLLOW_UP_WINDOW)

    window: timedelta = threshold(timedelta(days=7), "how long after the meeting's end it lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for meeting in ctx.candidates("meeting", ctx.meetings_owned):
            created, expires = meeting.start, shift(meeting.end, self.window)
            if not ctx.wants(created, expires):
                continue
            ref = ctx.ref(meeting)
            follow_ups = ctx.follow_up_tasks(meeting.id)
            still_open = sum(ctx.task_is_open(t) for t in follow_ups)
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, meeting),
                lambda: MEETING_STARTED.check(
                    created <= ctx.now, meeting=ref, start=ctx.local(meeting.start)
                ),
                lambda: FOLLOW_UPS_NOT_ALL_DONE.check(
                    not follow_ups or still_open > 0,
                    meeting=ref,
                    open=still_open,
                    total=len(follow_ups),
                ),
                lambda: within(ctx, WITHIN_FOLLOW_UP_WINDOW, meeting.end, self.window, record=ref),
            )
            if checks is None:
                continue
            yield self.proposal(meeting.id, created_at=created, expires_at=expires, checks=checks)

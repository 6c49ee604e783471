"""Prepare for your next meeting."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Meeting
from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import OWNED_BY_YOU, Check, Criterion, owned_by_you, within
from guided_actions._rules.rule import Proposal, Rule, threshold

NEXT_MEETING = Criterion(
    "next_meeting",
    met="{meeting} is your next meeting: no meeting of yours starting before it is still "
    "upcoming (a meeting is upcoming until {grace} after its start)",
    unmet="{meeting} becomes your next meeting at {until}, once every meeting of yours starting "
    "before it is {grace} past its start; still upcoming before it: {earlier}",
    role="wait",
)
# A meeting of yours with the same start and a smaller id is always next before this one: no
# amount of waiting makes this one your next meeting, so that is a condition, not a wait.
FIRST_OF_SIMULTANEOUS = Criterion(
    "first_of_simultaneous_meetings",
    met="no other meeting of yours starting at {start} comes before {meeting} by id",
    unmet="{meeting} is never your next meeting: {earlier} also starts at {start} and comes first "
    "by id",
)
STARTS_WITHIN = Criterion(
    "starts_within",
    met="{meeting} starts at {start}, within {lead_time} of now",
    unmet="{meeting} starts at {start}, more than {lead_time} from now",
    role="wait",
)
MEETING_UPCOMING = Criterion(
    "meeting_upcoming",
    met="{record} stays upcoming until {until}, {limit} after its start",
    unmet="{record} stopped being upcoming at {until}, {limit} after its start",
    role="limit",
)


def _first_of_simultaneous(
    ctx: RuleContext, meeting: Meeting, mine: list[Meeting], first_same: int
) -> Check:
    """No meeting of yours with the same start has a smaller id."""
    tied = [m for m in mine[first_same:] if m.start == meeting.start and m.id < meeting.id]
    return FIRST_OF_SIMULTANEOUS.check(
        not tied, meeting=ctx.ref(meeting), start=ctx.local(meeting.start), earlier=ctx.refs(tied)
    )


@attrs.frozen
class PrepareNextMeeting(Rule):
    """Your next meeting, from a day before it starts until 10 minutes into it.

    **Fires** for your next meeting: the meeting you own with the earliest ``start`` (ties by
    id) such that ``now < start + 10 minutes``, once it starts within the next 24 hours. (The
    product article leaves creation open; this is our reading.)

    **Created at** the later of ``start`` - 24 hours and the previous meeting's ``start`` + 10
    minutes (the previous meeting: yours, with the latest ``start`` before this one).
    **Expires** at ``start`` + 10 minutes.
    """

    id = "prepare_next_meeting"
    title = "Prepare for your next meeting"
    category = "general"
    priority = "high"
    subject_kind = "meeting"
    created_at_doc = (
        "the later of `start` - 24 hours and the previous meeting's `start` + 10 minutes"
    )
    expires_doc = "at `start` + 10 minutes"
    calls_to_action = (
        CallToAction("prepare_meeting", "Prepare for meeting", "queue"),
        CallToAction("view_meeting", "View meeting", "records"),
    )
    criteria = (OWNED_BY_YOU, NEXT_MEETING, FIRST_OF_SIMULTANEOUS, STARTS_WITHIN, MEETING_UPCOMING)

    lead_time: timedelta = threshold(timedelta(hours=24), "how long before the start it appears")
    grace: timedelta = threshold(timedelta(minutes=10), "how long after the start it stays")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        owned = ctx.meetings_owned()
        mine = sorted(owned, key=lambda m: (m.start, m.id))
        starts = [m.start for m in mine]
        for meeting in ctx.candidates("meeting", lambda: owned):
            # mine[:first_same] start before it; the last of them is the previous meeting.
            first_same = bisect_left(starts, meeting.start)
            created = shift(meeting.start, -self.lead_time)
            if first_same:
                created = max(created, shift(mine[first_same - 1].start, self.grace))
            expires = shift(meeting.start, self.grace)
            if not ctx.wants(created, expires):
                continue
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, meeting),
                lambda: self._no_earlier_upcoming(ctx, meeting, mine, first_same),
                lambda: _first_of_simultaneous(ctx, meeting, mine, first_same),
                lambda: STARTS_WITHIN.check(
                    shift(meeting.start, -self.lead_time) <= ctx.now,
                    meeting=ctx.ref(meeting),
                    start=ctx.local(meeting.start),
                    lead_time=self.lead_time,
                ),
                lambda: within(
                    ctx, MEETING_UPCOMING, meeting.start, self.grace, record=ctx.ref(meeting)
                ),
            )
            if checks is None:
                continue
            yield self.proposal(meeting.id, created_at=created, expires_at=expires, checks=checks)

    def _no_earlier_upcoming(
        self, ctx: RuleContext, meeting: Meeting, mine: list[Meeting], first_same: int
    ) -> Check:
        """No meeting of yours starting before it is still upcoming (``now < start + grace``)."""
        # Upcoming is monotonic in start: the earlier meetings still upcoming are the last ones.
        upcoming: list[Meeting] = []
        for m in reversed(mine[:first_same]):
            if not ctx.now < shift(m.start, self.grace):
                break
            upcoming.append(m)
        return NEXT_MEETING.check(
            not upcoming,
            meeting=ctx.ref(meeting),
            earlier=ctx.refs(upcoming),
            grace=self.grace,
            until=ctx.local(shift(upcoming[0].start, self.grace)) if upcoming else None,
        )

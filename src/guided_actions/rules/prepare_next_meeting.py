"""Prepare for your next meeting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import Check
from guided_actions._rules.rule import Proposal, Rule, threshold


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

    lead_time: timedelta = threshold(timedelta(hours=24), "how long before the start it appears")
    grace: timedelta = threshold(timedelta(minutes=10), "how long after the start it stays")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        meetings = sorted(ctx.meetings_owned(), key=lambda m: (m.start, m.id))
        upcoming = [m for m in meetings if ctx.now < m.start + self.grace]
        if not upcoming:
            return
        meeting = upcoming[0]
        earlier = [m for m in meetings if m.start < meeting.start]
        created = meeting.start - self.lead_time
        if earlier:
            created = max(created, earlier[-1].start + self.grace)
        yield self.proposal(
            meeting.id,
            created_at=created,
            expires_at=meeting.start + self.grace,
            reasons=[
                Check(
                    "it is your next meeting",
                    True,
                    f"{ctx.describe(meeting)} starts at {ctx.fmt(meeting.start)}",
                ),
                Check(
                    "it starts within the next 24 hours",
                    meeting.start - self.lead_time <= ctx.now,
                    f"it starts at {ctx.fmt(meeting.start)}",
                ),
            ],
        )

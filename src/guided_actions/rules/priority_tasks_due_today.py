"""Priority tasks due today: your high-priority tasks due today, in one card."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from guided_actions._model.time import local_date
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import Check
from guided_actions._rules.rule import Proposal, Rule


@attrs.frozen
class PriorityTasksDueToday(Rule):
    """Your open high-priority tasks due today in your time zone.

    **Fires** for each open task you own with priority ``high`` whose ``due_at`` falls on today's
    calendar date in your time zone.

    **Created at** the start of today in your time zone. **Expires** at the end of today, or when
    no such task is left.
    **Grouped**: one card for the day.
    """

    id = "priority_tasks_due_today"
    title = "Priority tasks due today"
    category = "general"
    priority = "high"
    subject_kind = "task"
    grouped = True
    grouping = "one card for the day"
    created_at_doc = "the start of today in your time zone"
    expires_doc = "at the end of today in your time zone; no such task left"

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        start, end = ctx.today()
        day = local_date(ctx.now, ctx.zone).isoformat()
        for task in ctx.tasks_owned():
            if task.priority != "high" or task.due_at is None or not ctx.task_is_open(task):
                continue
            if not start <= task.due_at < end:
                continue
            yield self.proposal(
                task.id,
                created_at=start,
                expires_at=end,
                reasons=[
                    Check("the task is yours and open", True, f"{ctx.describe(task)} is open"),
                    Check("the task has high priority", True, f"task {task.id} is high priority"),
                    Check(
                        "the task is due today",
                        True,
                        f"due {ctx.fmt(task.due_at)} ({day} in {ctx.user.timezone})",
                    ),
                ],
                group=day,
            )

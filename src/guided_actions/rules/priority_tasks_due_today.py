"""Priority tasks due today: your high-priority tasks due today, in one card."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import attrs

from guided_actions._model.time import day_bounds, local_date
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    OWNED_BY_YOU,
    TASK_OPEN,
    Criterion,
    owned_by_you,
    task_open,
)
from guided_actions._rules.rule import Proposal, Rule

TASK_HIGH_PRIORITY = Criterion(
    "task_high_priority",
    met="{task} has high priority",
    unmet="{task} has priority {priority}, not high",
)
TASK_HAS_DUE_DATE = Criterion(
    "task_has_due_date",
    met="{task} is due at {due}",
    unmet="{task} has no due date",
)
DUE_DAY_BEGUN = Criterion(
    "due_day_begun",
    met="the day {task} is due, {day} ({zone}), has begun",
    unmet="the day {task} is due, {day} ({zone}), has not begun: it begins at {start}",
    role="wait",
)
DUE_DAY_NOT_OVER = Criterion(
    "due_day_not_over",
    met="the day {task} is due, {day}, ends at {end}",
    unmet="the day {task} was due, {day}, ended at {end}",
    role="limit",
)
# Without a due date there is no day to wait for, nor one to pass.
_NO_DUE_DAY_TO_BEGIN = DUE_DAY_BEGUN.variant(
    met="{task} has no due day to wait for", unmet="{task} has no due day to wait for"
)
_NO_DUE_DAY_TO_END = DUE_DAY_NOT_OVER.variant(
    met="{task} has no due day that could be over", unmet="{task} has no due day that could be over"
)


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
    calls_to_action = (
        CallToAction("start_tasks", "Start tasks", "queue"),
        CallToAction("view_tasks", "View tasks", "records"),
    )
    criteria = (
        OWNED_BY_YOU,
        TASK_OPEN,
        TASK_HIGH_PRIORITY,
        TASK_HAS_DUE_DATE,
        DUE_DAY_BEGUN,
        DUE_DAY_NOT_OVER,
    )

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        today_start, today_end = ctx.today()
        today = local_date(ctx.now, ctx.zone)
        for task in ctx.candidates("task", ctx.tasks_owned):
            # The window is the local calendar day the task is due: today's tasks are active,
            # a task due on a later day is pending, one due on an earlier day has expired.
            due = task.due_at
            start: datetime | None
            end: datetime | None
            if due is None:
                start = end = day = None
            elif today_start <= due < today_end:
                start, end, day = today_start, today_end, today
            elif ctx.explaining or ctx.looking_ahead:
                # Looking ahead, a task due on a later day is proposed in its own day's card.
                start, end = day_bounds(due, ctx.zone)
                day = local_date(due, ctx.zone)
            else:
                continue  # not due today: its window is not open
            if not ctx.wants(
                start, end, lambda: task.priority == "high" and ctx.task_is_open(task)
            ):
                continue
            ref = ctx.ref(task)
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, task),
                lambda: task_open(ctx, task),
                lambda: TASK_HIGH_PRIORITY.check(
                    task.priority == "high", task=ref, priority=task.priority
                ),
                lambda: TASK_HAS_DUE_DATE.check(
                    due is not None, task=ref, due=ctx.local(due) if due is not None else None
                ),
                lambda: (DUE_DAY_BEGUN if start is not None else _NO_DUE_DAY_TO_BEGIN).check(
                    start is not None and start <= ctx.now,
                    task=ref,
                    day=day,
                    zone=ctx.user.timezone,
                    start=ctx.local(start) if start is not None else None,
                ),
                lambda: (DUE_DAY_NOT_OVER if end is not None else _NO_DUE_DAY_TO_END).check(
                    end is None or ctx.now < end,
                    task=ref,
                    day=day,
                    end=ctx.local(end) if end is not None else None,
                ),
            )
            if checks is None:
                continue
            group = day.isoformat() if day is not None else None  # the card's name: YYYY-MM-DD
            yield self.proposal(
                task.id, created_at=start, expires_at=end, checks=checks, group=group
            )

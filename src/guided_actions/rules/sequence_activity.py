"""Sequence activity: the open tasks of your sequences, one card per sequence and step."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from guided_actions._model.records import Task
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    OWNED_BY_YOU,
    TASK_OPEN,
    Check,
    Criterion,
    owned_by_you,
    task_open,
)
from guided_actions._rules.rule import Proposal, Rule

TASK_IN_SEQUENCE = Criterion(
    "task_in_sequence",
    met="{task} is in {sequence} (step: {step})",
    unmet="{task} is in no sequence",
)
_IN_SEQUENCE_WITHOUT_STEP = TASK_IN_SEQUENCE.variant(met="{task} is in {sequence} (no step)")


def _task_in_sequence(ctx: RuleContext, task: Task) -> Check:
    """The task belongs to a sequence (``sequence_id`` set)."""
    sid, step = task.sequence_id, task.sequence_step
    return (TASK_IN_SEQUENCE if step is not None else _IN_SEQUENCE_WITHOUT_STEP).check(
        sid is not None,
        task=ctx.ref(task),
        sequence=ctx.ref_to("sequence", sid) if sid is not None else None,
        step=step,
    )


@attrs.frozen
class SequenceActivity(Rule):
    """An open task of yours that belongs to a sequence.

    **Fires** for an open task (status not ``completed``) you own with a ``sequence_id``.

    **Created at** the task's ``created_at``. **Expires** only when the task is completed or no
    longer yours: no time limit.
    **Grouped**: one card per sequence and step ("Step X").
    """

    id = "sequence_activity"
    title = "Sequence activity"
    category = "prospecting"
    priority = "normal"
    subject_kind = "task"
    grouped = True
    grouping = "one card per sequence and step"
    created_at_doc = "the task's `created_at`"
    expires_doc = "no time limit"
    calls_to_action = (
        CallToAction("start_tasks", "Start tasks", "queue"),
        CallToAction("view_tasks", "View tasks", "records"),
    )
    criteria = (OWNED_BY_YOU, TASK_OPEN, TASK_IN_SEQUENCE)

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for task in ctx.candidates("task", ctx.tasks_owned):
            if not ctx.wants(
                task.created_at,
                None,
                lambda: task.sequence_id is not None and ctx.task_is_open(task),
            ):
                continue
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, task),
                lambda: task_open(ctx, task),
                lambda: _task_in_sequence(ctx, task),
            )
            if checks is None:
                continue
            step = task.sequence_step
            group = (
                f"{task.sequence_id}/step-{step if step is not None else 'none'}"
                if task.sequence_id is not None
                else None
            )
            yield self.proposal(
                task.id, created_at=task.created_at, expires_at=None, checks=checks, group=group
            )

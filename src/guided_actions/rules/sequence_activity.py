"""Sequence activity: the open tasks of your sequences, one card per sequence and step."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    OWNED_BY_YOU,
    TASK_OPEN,
    Criterion,
    Ref,
    owned_by_you,
    task_open,
)
from guided_actions._rules.rule import Proposal, Rule

TASK_IN_SEQUENCE = Criterion(
    "task_in_sequence",
    met="{task} is in {sequence} (step: {step})",
    unmet="{task} is in no sequence",
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
    criteria = (OWNED_BY_YOU, TASK_OPEN, TASK_IN_SEQUENCE)

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for task in ctx.candidates("task", ctx.tasks_owned):
            if not ctx.wants(task.created_at, None):
                continue
            ref, step = ctx.ref(task), task.sequence_step
            sequence = ctx.sequence(task.sequence_id) if task.sequence_id is not None else None
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, task),
                lambda: task_open(ctx, task),
                lambda: TASK_IN_SEQUENCE.check(
                    task.sequence_id is not None,
                    task=ref,
                    sequence=(
                        ctx.ref(sequence)
                        if sequence is not None
                        else Ref("sequence", task.sequence_id)
                        if task.sequence_id is not None
                        else None
                    ),
                    step=step,
                ),
            )
            if checks is None:
                continue
            group = (
                f"{task.sequence_id}/step-{step if step is not None else 'none'}"
                if task.sequence_id is not None
                else None
            )
            yield self.proposal(
                task.id, created_at=task.created_at, expires_at=None, checks=checks, group=group
            )

"""Sequence activity: the open tasks of your sequences, one card per sequence and step."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import Check
from guided_actions._rules.rule import Proposal, Rule


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

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for task in ctx.tasks_owned():
            if task.sequence_id is None or not ctx.task_is_open(task):
                continue
            sequence = ctx.snapshot.sequence(task.sequence_id)
            name = sequence.name if sequence is not None and sequence.name else task.sequence_id
            step = task.sequence_step
            yield self.proposal(
                task.id,
                created_at=task.created_at,
                expires_at=None,
                reasons=[
                    Check("the task is yours", True, f"{ctx.describe(task)} is assigned to you"),
                    Check("the task is open", True, f"task {task.id} is {task.status}"),
                    Check(
                        "the task belongs to a sequence",
                        True,
                        f"sequence {name!r}" + (f", step {step}" if step is not None else ""),
                    ),
                ],
                group=f"{task.sequence_id}/step-{step if step is not None else 'none'}",
            )

"""Newly assigned leads: work the leads you were just given."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._rules.context import RuleContext, activity_happened_at
from guided_actions._rules.criteria import Check, all_met, in_first_stage, owned_by_you
from guided_actions._rules.rule import Proposal, Rule, threshold


@attrs.frozen
class NewlyAssignedLeads(Rule):
    """A lead you own that is still in the first stage of its pipeline.

    **Fires** for a lead you own in the first stage of its pipeline.

    **Created at** the lead's ``owner_assigned_at`` (else its ``created_at``).
    **Expires** 30 days later, when you log an activity listing the lead that happened at or
    after ``created_at``, or when a criterion no longer holds (the lead moved on, or was
    reassigned).
    **Grouped**: one card for all such leads.
    """

    id = "newly_assigned_leads"
    title = "Newly assigned leads"
    category = "prospecting"
    priority = "low"
    subject_kind = "lead"
    grouped = True
    grouping = "one card for all your newly assigned leads"
    created_at_doc = "the lead's `owner_assigned_at` (else its `created_at`)"
    expires_doc = (
        "lives 30 days; you logged an activity listing the lead that happened at or after "
        "`created_at`"
    )

    lifetime: timedelta = threshold(timedelta(days=30), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for lead in ctx.leads_owned():
            created = lead.owner_assigned_at or lead.created_at
            if not self.active_at(ctx.now, created, created + self.lifetime):
                continue

            def not_worked() -> Check:
                logged = [
                    a
                    for a in ctx.activities_listing("lead", lead.id)
                    if a.owner_id == ctx.user.id and activity_happened_at(a) >= created
                ]
                return Check(
                    "you have not logged an activity for the lead",
                    not logged,
                    f"no activity of yours lists lead {lead.id} since {ctx.fmt(created)}"
                    if not logged
                    else f"you logged {type(logged[0]).__name__.lower()} {logged[0].id}",
                )

            met = all_met(
                lambda: owned_by_you(ctx, lead, "lead"),
                lambda: in_first_stage(ctx, lead, "lead"),
                not_worked,
            )
            if met is None:
                continue
            yield self.proposal(
                lead.id, created_at=created, expires_at=created + self.lifetime, reasons=met
            )

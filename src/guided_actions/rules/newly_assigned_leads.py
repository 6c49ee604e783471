"""Newly assigned leads: work the leads you were just given."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import attrs

from guided_actions._model.records import Lead
from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext, activity_happened_at
from guided_actions._rules.criteria import (
    ASSIGNED,
    FIRST_STAGE,
    OWNED_BY_YOU,
    WITHIN_LIFETIME,
    Check,
    Criterion,
    assigned,
    assigned_at,
    first_stage,
    owned_by_you,
    within_lifetime,
)
from guided_actions._rules.rule import Proposal, Rule, threshold

NO_ACTIVITY_OF_YOURS_SINCE = Criterion(
    "no_activity_of_yours_since",
    met="you have logged no activity listing {lead} since {since}",
    unmet="you logged {activity} listing {lead} at {at}, since {since}",
)


def _no_activity_of_yours_since(ctx: RuleContext, lead: Lead, since: datetime) -> Check:
    """No activity you own listing the lead happened at or after ``since``."""
    logged = min(
        (
            a
            for a in ctx.activities_listing("lead", lead.id)
            if a.owner_id == ctx.user.id and activity_happened_at(a) >= since
        ),
        key=lambda a: (activity_happened_at(a), type(a).__name__, a.id),
        default=None,
    )
    return NO_ACTIVITY_OF_YOURS_SINCE.check(
        logged is None,
        lead=ctx.ref(lead),
        since=ctx.local(since),
        activity=ctx.ref(logged) if logged is not None else None,
        at=ctx.local(activity_happened_at(logged)) if logged is not None else None,
    )


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
    calls_to_action = (
        CallToAction("reach_out", "Reach out", "queue"),
        CallToAction("view_leads", "View leads", "records"),
    )
    criteria = (
        OWNED_BY_YOU,
        FIRST_STAGE,
        NO_ACTIVITY_OF_YOURS_SINCE,
        ASSIGNED,
        WITHIN_LIFETIME,
    )

    lifetime: timedelta = threshold(timedelta(days=30), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for lead in ctx.candidates("lead", ctx.leads_owned):
            created = assigned_at(lead)
            expires = shift(created, self.lifetime)
            if not ctx.wants(created, expires, lambda: ctx.stage_of(lead)[0]):
                continue
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, lead),
                lambda: first_stage(ctx, lead),
                lambda: _no_activity_of_yours_since(ctx, lead, created),
                lambda: assigned(ctx, lead),
                lambda: within_lifetime(ctx, created, self.lifetime),
            )
            if checks is None:
                continue
            yield self.proposal(lead.id, created_at=created, expires_at=expires, checks=checks)

"""Re-engaged contacts: a contact whose lead was disqualified is engaging again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import attrs

from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    NO_OPEN_LEAD,
    OWNED_BY_YOU,
    WITHIN_LIFETIME,
    Check,
    Criterion,
    no_open_lead,
    owned_by_you,
    within_lifetime,
)
from guided_actions._rules.rule import Proposal, Rule, threshold

CONTACT_HAS_LEAD = Criterion(
    "contact_has_lead",
    met="{contact} has leads: {leads}",
    unmet="{contact} has no lead",
)
LATEST_LEAD_DISQUALIFIED = Criterion(
    "latest_lead_disqualified",
    met="{lead}, the most recent lead of {contact}, was disqualified"
    " (stage {stage}: closed, not won)",
    unmet="{lead}, the most recent lead of {contact}, is in stage {stage}, not disqualified",
)
ENGAGED_AFTER_DISQUALIFICATION = Criterion(
    "engaged_after_disqualification",
    met="{contact} engaged at {at} ({engagement}), after {lead} entered stage {stage} at {since}",
    unmet="{contact} has not engaged after {lead} entered stage {stage} at {since}",
)


@attrs.frozen
class ReengagedContacts(Rule):
    """A contact you own whose last lead was disqualified, and who engaged afterwards.

    **Fires** for a contact you own with no open lead, whose most recent lead (latest
    ``created_at``, ties broken by the greater id) is disqualified (in a closed stage that is not
    won), and who engaged after that disqualification (at the lead's ``stage_changed_at``, else its
    ``created_at``).

    **Created at** the first engagement after the disqualification.
    **Expires** 30 days later, or when a new lead is created for the contact (it is then the most
    recent one).
    """

    id = "reengaged_contacts"
    title = "Re-engaged contacts"
    category = "prospecting"
    priority = "normal"
    subject_kind = "contact"
    created_at_doc = "the first engagement after the disqualification"
    expires_doc = "lives 30 days; a new lead created for the contact"
    criteria = (
        OWNED_BY_YOU,
        NO_OPEN_LEAD,
        CONTACT_HAS_LEAD,
        LATEST_LEAD_DISQUALIFIED,
        ENGAGED_AFTER_DISQUALIFICATION,
        WITHIN_LIFETIME,
    )

    lifetime: timedelta = threshold(timedelta(days=30), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for contact in ctx.candidates("contact", ctx.contacts_owned):
            ref = ctx.ref(contact)
            leads = ctx.leads_of(contact.id)
            criteria: list[Callable[[], Check]] = [
                lambda: owned_by_you(ctx, contact),
                lambda: no_open_lead(ctx, contact),
            ]
            created: datetime | None = None
            if not leads:
                # No lead, so no disqualification to date an engagement from.
                criteria.append(
                    lambda: CONTACT_HAS_LEAD.check(bool(leads), contact=ref, leads=ctx.refs(leads))
                )
            else:
                latest = max(leads, key=lambda x: (x.created_at, x.id))
                _first, closed, won = ctx.stage_of(latest)
                disqualified_at = latest.stage_changed_at or latest.created_at
                first = next(
                    (e for e in ctx.engagements(contact.id) if e.occurred_at > disqualified_at),
                    None,
                )
                created = first.occurred_at if first is not None else None
                lead_ref = ctx.ref(latest)
                criteria += [
                    lambda: LATEST_LEAD_DISQUALIFIED.check(
                        closed and not won, lead=lead_ref, contact=ref, stage=latest.stage_id
                    ),
                    lambda: ENGAGED_AFTER_DISQUALIFICATION.check(
                        first is not None,
                        contact=ref,
                        lead=lead_ref,
                        stage=latest.stage_id,
                        since=ctx.local(disqualified_at),
                        at=ctx.local(first.occurred_at) if first is not None else None,
                        engagement=ctx.ref(first) if first is not None else None,
                    ),
                ]
            expires = created + self.lifetime if created is not None else None
            if not ctx.wants(created, expires):
                continue
            if created is not None:
                window_start = created
                criteria.append(lambda: within_lifetime(ctx, window_start, self.lifetime))
            checks = ctx.criteria(*criteria)
            if checks is None:
                continue
            yield self.proposal(contact.id, created_at=created, expires_at=expires, checks=checks)

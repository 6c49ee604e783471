"""Re-engaged contacts: a contact whose lead was disqualified is engaging again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import Check, all_met, no_open_lead, owned_by_you
from guided_actions._rules.rule import Proposal, Rule, threshold


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

    lifetime: timedelta = threshold(timedelta(days=30), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for contact in ctx.contacts_owned():
            leads = ctx.leads_of(contact.id)
            if not leads:
                continue
            latest = max(leads, key=lambda x: (x.created_at, x.id))
            _first, closed, won = ctx.stage_of(latest)
            disqualified_at = latest.stage_changed_at or latest.created_at
            after = [e for e in ctx.engagements(contact.id) if e.occurred_at > disqualified_at]
            met = all_met(
                lambda: owned_by_you(ctx, contact, "contact"),
                lambda: no_open_lead(ctx, contact),
                lambda: Check(
                    "the most recent lead was disqualified",
                    closed and not won,
                    f"lead {latest.id} was disqualified at {ctx.fmt(disqualified_at)}"
                    if closed and not won
                    else f"lead {latest.id} is in stage {latest.stage_id!r}",
                ),
                lambda: Check(
                    "the contact engaged after the disqualification",
                    bool(after),
                    f"{after[0].kind} {after[0].id} at {ctx.fmt(after[0].occurred_at)}"
                    if after
                    else "no engagement since",
                ),
            )
            if met is None:
                continue
            created = after[0].occurred_at
            yield self.proposal(
                contact.id, created_at=created, expires_at=created + self.lifetime, reasons=met
            )

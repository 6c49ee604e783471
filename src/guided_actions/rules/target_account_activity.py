"""Target account activity: someone at a target account engaged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Company, Contact
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import Check, latest_engagement
from guided_actions._rules.rule import Proposal, Rule, threshold


@attrs.frozen
class TargetAccountActivity(Rule):
    """A contact of a target account engaged.

    **Fires** for a contact associated with a company whose ``target_account`` is true, where you
    own the contact or that company, when the contact engaged (an engagement event of a counted
    kind).

    **Created at** the contact's latest engagement. **Expires** 7 days later.
    """

    id = "target_account_activity"
    title = "Target account activity"
    category = "prospecting"
    priority = "normal"
    subject_kind = "contact"
    created_at_doc = "the contact's latest engagement"
    expires_doc = "lives 7 days"

    lifetime: timedelta = threshold(timedelta(days=7), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        candidates: dict[str, Contact] = {c.id: c for c in ctx.contacts_owned()}
        for company in ctx.snapshot.companies_owned_by(ctx.user.id):
            if company.target_account:
                for contact in ctx.snapshot.contacts_of_company(company.id):
                    if ctx.exists(contact):
                        candidates.setdefault(contact.id, contact)
        for contact in candidates.values():
            targets: list[Company] = []
            for company_id in contact.company_ids:
                linked = ctx.snapshot.company(company_id)
                if (
                    linked is not None
                    and linked.target_account
                    and ctx.user.id in (contact.owner_id, linked.owner_id)
                ):
                    targets.append(linked)
            if not targets:
                continue
            event = latest_engagement(ctx.engagements(contact.id))
            if event is None or not self.active_at(
                ctx.now, event.occurred_at, event.occurred_at + self.lifetime
            ):
                continue
            yield self.proposal(
                contact.id,
                created_at=event.occurred_at,
                expires_at=event.occurred_at + self.lifetime,
                reasons=[
                    Check(
                        "the contact belongs to a target account of yours",
                        True,
                        f"{ctx.describe(contact)} at "
                        + ", ".join(f"target account {c.name or c.id}" for c in targets),
                    ),
                    Check(
                        "the contact engaged",
                        True,
                        f"{event.kind} {event.id} at {ctx.fmt(event.occurred_at)}",
                    ),
                ],
            )

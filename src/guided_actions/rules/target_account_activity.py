"""Target account activity: someone at a target account engaged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Company, Contact
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    WITHIN_LIFETIME,
    Criterion,
    latest_engagement,
    within_lifetime,
)
from guided_actions._rules.rule import Proposal, Rule, threshold

AT_TARGET_ACCOUNT_OF_YOURS = Criterion(
    "at_target_account_of_yours",
    met="{contact} is at a target account of yours (you own the contact or the company): "
    "{companies}",
    unmet="{contact} is at no target account of yours (you own neither the contact, owned by "
    "{owner}, nor any of its target accounts: {targets})",
)
CONTACT_ENGAGED = Criterion(
    "contact_engaged",
    met="{contact} engaged at {at}: {event}",
    unmet="{contact} has not engaged (engagement kinds counted: {kinds})",
)


def _candidates(ctx: RuleContext) -> list[Contact]:
    """Contacts you own, and the contacts of the target accounts you own."""
    found: dict[str, Contact] = {c.id: c for c in ctx.contacts_owned()}
    for company in ctx.companies_owned():
        if company.target_account:
            for contact in ctx.contacts_of_company(company.id):
                found.setdefault(contact.id, contact)
    return list(found.values())


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
    criteria = (AT_TARGET_ACCOUNT_OF_YOURS, CONTACT_ENGAGED, WITHIN_LIFETIME)

    lifetime: timedelta = threshold(timedelta(days=7), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for contact in ctx.candidates("contact", lambda: _candidates(ctx)):
            event = latest_engagement(ctx.engagements(contact.id))
            created = event.occurred_at if event is not None else None
            expires = created + self.lifetime if created is not None else None
            if not ctx.wants(created, expires):
                continue
            targets: list[Company] = [
                company
                for cid in contact.company_ids
                if (company := ctx.company(cid)) is not None and company.target_account
            ]
            yours = [t for t in targets if ctx.user.id in (contact.owner_id, t.owner_id)]
            ref = ctx.ref(contact)
            checks = ctx.criteria(
                lambda: AT_TARGET_ACCOUNT_OF_YOURS.check(
                    bool(yours),
                    contact=ref,
                    companies=ctx.refs(yours),
                    owner=contact.owner_id,
                    targets=ctx.refs(targets),
                ),
                lambda: CONTACT_ENGAGED.check(
                    event is not None,
                    contact=ref,
                    at=ctx.local(event.occurred_at) if event is not None else None,
                    event=ctx.ref(event) if event is not None else None,
                    kinds=tuple(sorted(ctx.engagement_kinds)),
                ),
                # With no engagement there is no action to live: no time limit to be within.
                lambda: within_lifetime(ctx, created, self.lifetime),
            )
            if checks is None:
                continue
            yield self.proposal(contact.id, created_at=created, expires_at=expires, checks=checks)

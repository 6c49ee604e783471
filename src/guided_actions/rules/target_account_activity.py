"""Target account activity: someone at a target account engaged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Company, Contact
from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    ENGAGED,
    WITHIN_LIFETIME,
    Check,
    Criterion,
    engaged,
    latest_engagement,
    within_lifetime,
)
from guided_actions._rules.rule import Proposal, Rule, threshold

AT_TARGET_ACCOUNT_OF_YOURS = Criterion(
    "at_target_account_of_yours",
    met="{contact} is at a target account of yours (you own the contact or the company): "
    "{companies}",
    unmet="{contact} is at no target account of yours: you own neither it (owner: {owner}) nor "
    "its target accounts ({targets})",
)
_NO_OWNER_NOR_TARGET_OF_YOURS = AT_TARGET_ACCOUNT_OF_YOURS.variant(
    unmet="{contact} is at no target account of yours: it has no owner, and you own none of its "
    "target accounts ({targets})"
)
_AT_NO_TARGET_ACCOUNT = AT_TARGET_ACCOUNT_OF_YOURS.variant(
    unmet="{contact} is at no target account"
)


def _targets(ctx: RuleContext, contact: Contact) -> tuple[list[Company], list[Company]]:
    """The contact's target accounts, and those that are yours (you own the contact or it)."""
    targets: list[Company] = [
        company
        for cid in contact.company_ids
        if (company := ctx.company(cid)) is not None and company.target_account
    ]
    return targets, [t for t in targets if ctx.user.id in (contact.owner_id, t.owner_id)]


def _at_target_account_of_yours(
    ctx: RuleContext, contact: Contact, targets: list[Company], yours: list[Company]
) -> Check:
    """The contact is at a target account, and you own the contact or that company."""
    if not targets:
        criterion = _AT_NO_TARGET_ACCOUNT
    elif contact.owner_id is None:
        criterion = _NO_OWNER_NOR_TARGET_OF_YOURS
    else:
        criterion = AT_TARGET_ACCOUNT_OF_YOURS
    return criterion.check(
        bool(yours),
        contact=ctx.ref(contact),
        companies=ctx.refs(yours),
        owner=contact.owner_id,
        targets=ctx.refs(targets),
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
    calls_to_action = (
        CallToAction("reach_out", "Reach out", "queue"),
        CallToAction("view_contact", "View contact", "records"),
    )
    criteria = (AT_TARGET_ACCOUNT_OF_YOURS, ENGAGED, WITHIN_LIFETIME)

    lifetime: timedelta = threshold(timedelta(days=7), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for contact in ctx.candidates("contact", lambda: _candidates(ctx)):
            targets, yours = _targets(ctx, contact)
            # Not at a target account of yours: no action, so no engagement to date one from
            # (unless explaining).
            event = (
                latest_engagement(ctx.engagements(contact.id)) if yours or ctx.explaining else None
            )
            created = event.occurred_at if event is not None else None
            expires = shift(created, self.lifetime) if created is not None else None
            if not ctx.wants(created, expires):
                continue
            checks = ctx.criteria(
                lambda: _at_target_account_of_yours(ctx, contact, targets, yours),
                lambda: engaged(ctx, contact, event),
                lambda: within_lifetime(ctx, created, self.lifetime),
            )
            if checks is None:
                continue
            yield self.proposal(contact.id, created_at=created, expires_at=expires, checks=checks)

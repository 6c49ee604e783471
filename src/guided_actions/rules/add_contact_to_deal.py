"""Add contact to deal: a week-old open deal of yours has no contact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    CREATED_MORE_THAN,
    DEAL_OPEN,
    OWNED_BY_YOU,
    WITHIN_LIFETIME,
    Criterion,
    created_more_than,
    deal_open,
    owned_by_you,
    within_lifetime,
)
from guided_actions._rules.rule import Proposal, Rule, threshold

NO_CONTACT = Criterion(
    "deal_has_no_contact",
    met="{deal} lists no contact",
    unmet="{deal} lists {contacts}",
)


@attrs.frozen
class AddContactToDeal(Rule):
    """An open deal you own, created more than 7 days ago, with no contact.

    **Fires** for an open deal you own created at least 7 days before ``now`` that lists no
    contact (contacts created after ``now`` do not count: they do not exist yet).

    **Created at** the deal's ``created_at`` + 7 days. **Expires** 7 days later, when a contact is
    added, or when the deal closes.
    """

    id = "add_contact_to_deal"
    title = "Add contact to deal"
    category = "deal"
    priority = "low"
    subject_kind = "deal"
    created_at_doc = "the deal's `created_at` + 7 days"
    expires_doc = "lives 7 days; a contact added; closed"
    calls_to_action = (
        CallToAction("add_contact", "Add contact", "queue"),
        CallToAction("view_deal", "View deal", "records"),
    )
    criteria = (OWNED_BY_YOU, DEAL_OPEN, NO_CONTACT, CREATED_MORE_THAN, WITHIN_LIFETIME)

    age: timedelta = threshold(timedelta(days=7), "deal age before it fires")
    lifetime: timedelta = threshold(timedelta(days=7), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for deal in ctx.candidates("deal", ctx.deals_owned):
            created = shift(deal.created_at, self.age)
            if not ctx.wants(created, shift(created, self.lifetime)):
                continue
            contacts = ctx.contacts_of(deal)
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, deal),
                lambda: deal_open(ctx, deal),
                lambda: NO_CONTACT.check(
                    not contacts, deal=ctx.ref(deal), contacts=ctx.refs(contacts)
                ),
                lambda: created_more_than(ctx, deal, self.age),
                lambda: within_lifetime(ctx, created, self.lifetime),
            )
            if checks is None:
                continue
            yield self.proposal(
                deal.id, created_at=created, expires_at=shift(created, self.lifetime), checks=checks
            )

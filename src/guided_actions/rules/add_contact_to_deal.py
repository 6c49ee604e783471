"""Add contact to deal: a week-old open deal of yours has no contact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import Check, all_met, deal_is_open, owned_by_you
from guided_actions._rules.rule import Proposal, Rule, threshold


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

    age: timedelta = threshold(timedelta(days=7), "deal age before it fires")
    lifetime: timedelta = threshold(timedelta(days=7), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for deal in ctx.deals_owned():
            created = deal.created_at + self.age
            if not self.active_at(ctx.now, created, created + self.lifetime):
                continue
            contacts = [cid for cid in deal.contact_ids if ctx.contact(cid) is not None]
            met = all_met(
                lambda: owned_by_you(ctx, deal, "deal"),
                lambda: deal_is_open(ctx, deal),
                lambda: Check(
                    "the deal was created more than 7 days ago",
                    created <= ctx.now,
                    f"deal {deal.id} was created at {ctx.fmt(deal.created_at)}",
                ),
                lambda: Check(
                    "the deal has no contact",
                    not contacts,
                    f"deal {deal.id} lists "
                    + (", ".join(f"contact {c}" for c in contacts) if contacts else "no contact"),
                ),
            )
            if met is None:
                continue
            yield self.proposal(
                deal.id, created_at=created, expires_at=created + self.lifetime, reasons=met
            )

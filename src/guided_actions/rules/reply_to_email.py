"""Reply to email: a contact on one of your open deals emailed you."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Contact, Deal
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    Check,
    all_met,
    deal_is_open,
    latest_email,
    you_have_not_emailed_since,
)
from guided_actions._rules.rule import Proposal, Rule, threshold


@attrs.frozen
class ReplyToEmail(Rule):
    """A contact of one of your open deals emailed you and you have not answered.

    **Fires** for a contact listed on at least one open deal you own, who emailed you (an inbound
    email of your mailbox), when you have not emailed the contact since the latest such email.
    One action per contact, however many deals list it.

    **Created at** the latest such email's ``sent_at``. **Expires** 7 days later, when no open
    deal of yours lists the contact any more, or when you email the contact.
    """

    id = "reply_to_email"
    title = "Reply to email"
    category = "deal"
    priority = "high"
    subject_kind = "contact"
    created_at_doc = "the latest such email's `sent_at`"
    expires_doc = (
        "lives 7 days; no open deal of yours lists the contact any more; you emailed the contact"
    )

    lifetime: timedelta = threshold(timedelta(days=7), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        deals_of: dict[str, tuple[Contact, list[Deal]]] = {}
        for deal in ctx.deals_owned():
            if not deal_is_open(ctx, deal):
                continue
            for cid in deal.contact_ids:
                contact = ctx.contact(cid)
                if contact is not None:
                    deals_of.setdefault(cid, (contact, []))[1].append(deal)
        for contact, deals in deals_of.values():
            email = latest_email(ctx.emails_received_from(contact))
            if email is None or not self.active_at(
                ctx.now, email.sent_at, email.sent_at + self.lifetime
            ):
                continue
            met = all_met(
                lambda: Check(
                    "the contact is on an open deal of yours",
                    True,
                    f"contact {contact.id} is on " + ", ".join(f"deal {d.id}" for d in deals),
                ),
                lambda: Check(
                    "the contact emailed you",
                    True,
                    f"email {email.id} at {ctx.fmt(email.sent_at)}",
                ),
                lambda: you_have_not_emailed_since(ctx, contact, email.sent_at),
            )
            if met is None:
                continue
            yield self.proposal(
                contact.id,
                created_at=email.sent_at,
                expires_at=email.sent_at + self.lifetime,
                reasons=met,
            )

"""Reply to email: a contact on one of your open deals emailed you."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Contact, Deal
from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    EMAILED_YOU,
    NO_EMAIL_FROM_YOU_SINCE,
    WITHIN_LIFETIME,
    Criterion,
    emailed_you,
    first_email_to,
    latest_email,
    no_email_from_you_since,
    within_lifetime,
)
from guided_actions._rules.rule import Proposal, Rule, threshold

ON_OPEN_DEAL_OF_YOURS = Criterion(
    "on_open_deal_of_yours",
    met="{contact} is on your open {deals}",
    unmet="{contact} is on no open deal of yours (deals listing it: {listed})",
)


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
    calls_to_action = (
        CallToAction("reply", "Reply", "queue"),
        CallToAction("view_contact", "View contact", "records"),
    )
    criteria = (
        ON_OPEN_DEAL_OF_YOURS,
        EMAILED_YOU,
        NO_EMAIL_FROM_YOU_SINCE,
        WITHIN_LIFETIME,
    )

    lifetime: timedelta = threshold(timedelta(days=7), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        on_open_deal: dict[str, Contact] = {}
        open_deals: dict[str, list[Deal]] = {}
        for deal in ctx.deals_owned():
            if ctx.stage_of(deal)[1]:  # closed
                continue
            for contact in ctx.contacts_of(deal):
                on_open_deal.setdefault(contact.id, contact)
                open_deals.setdefault(contact.id, []).append(deal)
        for contact in ctx.candidates("contact", on_open_deal.values):
            deals = open_deals.get(contact.id, [])
            email = latest_email(ctx.emails_received_from(contact))
            created = email.sent_at if email is not None else None
            expires = shift(created, self.lifetime) if created is not None else None
            if not ctx.wants(
                created,
                expires,
                lambda: first_email_to(ctx, contact, created, inclusive=True) is None,
            ):
                continue
            # Without an email, whether you emailed the contact at all.
            checks = ctx.criteria(
                lambda: ON_OPEN_DEAL_OF_YOURS.check(
                    bool(deals),
                    contact=ctx.ref(contact),
                    deals=ctx.refs(deals),
                    listed=ctx.refs(ctx.deals_of(contact.id)),
                ),
                lambda: emailed_you(ctx, contact, email),
                lambda: no_email_from_you_since(ctx, contact, created),
                lambda: within_lifetime(ctx, created, self.lifetime),
            )
            if checks is None:
                continue
            yield self.proposal(contact.id, created_at=created, expires_at=expires, checks=checks)

"""Reply to email: a contact on one of your open deals emailed you."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Contact, Deal
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    NO_EMAIL_FROM_YOU_SINCE,
    WITHIN_LIFETIME,
    Check,
    Criterion,
    deal_open,
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
CONTACT_EMAILED_YOU = Criterion(
    "contact_emailed_you",
    met="{contact} emailed you at {at} ({email})",
    unmet="{contact} has not emailed you",
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
    criteria = (
        ON_OPEN_DEAL_OF_YOURS,
        CONTACT_EMAILED_YOU,
        NO_EMAIL_FROM_YOU_SINCE,
        WITHIN_LIFETIME,
    )

    lifetime: timedelta = threshold(timedelta(days=7), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        on_open_deal: dict[str, Contact] = {}
        open_deals: dict[str, list[Deal]] = {}
        for deal in ctx.deals_owned():
            if not deal_open(ctx, deal).met:
                continue
            for contact in ctx.contacts_of(deal):
                on_open_deal.setdefault(contact.id, contact)
                open_deals.setdefault(contact.id, []).append(deal)
        for contact in ctx.candidates("contact", on_open_deal.values):
            deals = open_deals.get(contact.id, [])
            email = latest_email(ctx.emails_received_from(contact))
            created = email.sent_at if email is not None else None
            expires = created + self.lifetime if created is not None else None
            if not ctx.wants(created, expires):
                continue
            ref = ctx.ref(contact)
            criteria: list[Callable[[], Check]] = [
                lambda: ON_OPEN_DEAL_OF_YOURS.check(
                    bool(deals),
                    contact=ref,
                    deals=ctx.refs(deals),
                    listed=ctx.refs(ctx.deals_of(contact.id)),
                ),
                lambda: CONTACT_EMAILED_YOU.check(
                    email is not None,
                    contact=ref,
                    at=ctx.local(email.sent_at) if email is not None else None,
                    email=ctx.ref(email) if email is not None else None,
                ),
            ]
            if created is not None:
                # Without an email there is nothing to date an answer or a lifetime from.
                since = created
                criteria += [
                    lambda: no_email_from_you_since(ctx, contact, since),
                    lambda: within_lifetime(ctx, since, self.lifetime),
                ]
            checks = ctx.criteria(*criteria)
            if checks is None:
                continue
            yield self.proposal(contact.id, created_at=created, expires_at=expires, checks=checks)

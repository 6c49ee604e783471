"""Buyer follow-up: a buyer opened your email a week ago and has not written back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import attrs

from guided_actions._model.records import Contact, Deal, Email
from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    DEAL_OPEN,
    NO_EMAIL_FROM_CONTACT_SINCE,
    OWNED_BY_YOU,
    WITHIN_LIFETIME,
    Criterion,
    deal_open,
    elapsed,
    elapsed_criterion,
    latest_email,
    no_email_from_contacts_since,
    owned_by_you,
    within_lifetime,
)
from guided_actions._rules.rule import Proposal, Rule, threshold

BUYER_OPENED_EMAIL = Criterion(
    "buyer_opened_email",
    met="{email}, which you sent at {sent} listing {deal} or to its contacts, was opened at "
    "{opened}",
    unmet="no email you sent listing {deal} or to its contacts ({contacts}) has been opened",
)
EMAIL_SENT_MORE_THAN = elapsed_criterion("email_sent_more_than", "was sent")
_NO_EMAIL_TO_WAIT_AFTER = EMAIL_SENT_MORE_THAN.variant(
    met="no opened email to wait {wait} after", unmet="no opened email to wait {wait} after"
)


def _sent_about(ctx: RuleContext, deal: Deal, contacts: list[Contact]) -> list[Email]:
    """Emails you sent listing the deal or to one of its contacts, in your mailbox by now."""
    sent: dict[str, Email] = {
        e.id: e
        for e in ctx.activities_listing("deal", deal.id)
        if isinstance(e, Email) and e.owner_id == ctx.user.id and e.direction == "outbound"
    }
    for c in contacts:
        sent.update((e.id, e) for e in ctx.emails_sent_to(c))
    return list(sent.values())


def _opened_by_now(ctx: RuleContext, opened_at: datetime) -> bool:
    """Opened by ``now``; an email opened later changes the choice then (a revisit)."""
    if opened_at <= ctx.now:
        return True
    ctx.revisit_at(opened_at)
    return False


@attrs.frozen
class BuyerFollowUp(Rule):
    """An email you sent about an open deal of yours was opened, and no buyer has written since.

    **Fires** for an open deal you own and an email you sent, listing the deal or to one of its
    contacts, that was opened (by ``now``), when no contact of the deal has emailed you since it
    was sent; the latest such email.

    **Created at** that email's ``sent_at`` + 7 days. **Expires** 7 days later, or when a contact
    of the deal emails you.
    """

    id = "buyer_follow_up"
    title = "Buyer follow-up"
    category = "deal"
    priority = "normal"
    subject_kind = "deal"
    created_at_doc = "that email's `sent_at` + 7 days"
    expires_doc = "lives 7 days; a contact of the deal emailed you"
    calls_to_action = (
        CallToAction("follow_up", "Follow up", "queue"),
        CallToAction("view_deal", "View deal", "records"),
    )
    criteria = (
        OWNED_BY_YOU,
        DEAL_OPEN,
        BUYER_OPENED_EMAIL,
        NO_EMAIL_FROM_CONTACT_SINCE,
        EMAIL_SENT_MORE_THAN,
        WITHIN_LIFETIME,
    )

    wait: timedelta = threshold(timedelta(days=7), "time without a reply before it fires")
    lifetime: timedelta = threshold(timedelta(days=7), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for deal in ctx.candidates("deal", ctx.deals_owned):
            contacts = ctx.contacts_of(deal)
            opened = [
                e
                for e in _sent_about(ctx, deal, contacts)
                if e.opened_at is not None and _opened_by_now(ctx, e.opened_at)
            ]
            # The latest opened email: if any opened email has had no reply from a contact of
            # the deal since it was sent, the latest has had none either; when it has had one,
            # the explanation names the reply.
            chosen = latest_email(opened)
            created = shift(chosen.sent_at, self.wait) if chosen is not None else None
            expires = shift(created, self.lifetime) if created is not None else None
            if not ctx.wants(created, expires):
                continue
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, deal),
                lambda: deal_open(ctx, deal),
                lambda: BUYER_OPENED_EMAIL.check(
                    chosen is not None,
                    deal=ctx.ref(deal),
                    contacts=ctx.refs(contacts),
                    email=ctx.ref(chosen) if chosen is not None else None,
                    sent=ctx.local(chosen.sent_at) if chosen is not None else None,
                    opened=(
                        ctx.local(chosen.opened_at)
                        if chosen is not None and chosen.opened_at is not None
                        else None
                    ),
                ),
                # With no opened email, whether a contact of the deal emailed you at all.
                lambda: no_email_from_contacts_since(
                    ctx, contacts, chosen.sent_at if chosen is not None else None
                ),
                lambda: (
                    elapsed(ctx, EMAIL_SENT_MORE_THAN, chosen, chosen.sent_at, self.wait)
                    if chosen is not None
                    else _NO_EMAIL_TO_WAIT_AFTER.check(False, wait=self.wait)
                ),
                lambda: within_lifetime(ctx, created, self.lifetime),
            )
            if checks is None:
                continue
            yield self.proposal(deal.id, created_at=created, expires_at=expires, checks=checks)

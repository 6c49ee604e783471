"""Buyer follow-up: a buyer opened your email a week ago and has not written back."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Contact, Deal, Email
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    DEAL_OPEN,
    OWNED_BY_YOU,
    WITHIN_LIFETIME,
    Check,
    Criterion,
    deal_open,
    latest_email,
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
NO_REPLY_FROM_DEAL_CONTACTS_SINCE = Criterion(
    "no_reply_from_deal_contacts_since",
    met="no contact of {deal} ({contacts}) has emailed you since {since}",
    unmet="{contact}, a contact of {deal}, emailed you at {at} ({reply}), since {since}",
)
EMAIL_SENT_MORE_THAN = Criterion(
    "email_sent_more_than",
    met="{email} was sent more than {wait} ago, at {sent}",
    unmet="not {wait} yet since {email} was sent ({sent})",
    role="wait",
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


def _received(ctx: RuleContext, contacts: list[Contact]) -> list[tuple[Email, Contact]]:
    """The emails the contacts sent you, by ``sent_at``, then id, then contact."""
    found = [(e, c) for c in contacts for e in ctx.emails_received_from(c)]
    return sorted(found, key=lambda r: (r[0].sent_at, r[0].id, r[1].id))


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
    criteria = (
        OWNED_BY_YOU,
        DEAL_OPEN,
        BUYER_OPENED_EMAIL,
        NO_REPLY_FROM_DEAL_CONTACTS_SINCE,
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
                if e.opened_at is not None and e.opened_at <= ctx.now
            ]
            # The latest such email: opened, and no contact of the deal wrote since (when a
            # contact wrote after each, the latest opened one, so that the explanation names
            # the reply).
            received = _received(ctx, contacts)
            replies = {e.id: self._no_reply(ctx, deal, contacts, received, e) for e in opened}
            chosen = latest_email([e for e in opened if replies[e.id].met]) or latest_email(opened)
            created = chosen.sent_at + self.wait if chosen is not None else None
            expires = created + self.lifetime if created is not None else None
            if not ctx.wants(created, expires):
                continue
            ref, people = ctx.ref(deal), ctx.refs(contacts)
            email = ctx.ref(chosen) if chosen is not None else None
            sent = ctx.local(chosen.sent_at) if chosen is not None else None
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, deal),
                lambda: deal_open(ctx, deal),
                lambda: BUYER_OPENED_EMAIL.check(
                    chosen is not None,
                    deal=ref,
                    contacts=people,
                    email=email,
                    sent=sent,
                    opened=(
                        ctx.local(chosen.opened_at)
                        if chosen is not None and chosen.opened_at is not None
                        else None
                    ),
                ),
                # With no opened email there is nothing to reply to, and no window.
                lambda: (
                    replies[chosen.id]
                    if chosen is not None
                    else NO_REPLY_FROM_DEAL_CONTACTS_SINCE.check(
                        True,
                        deal=ref,
                        contacts=people,
                        since=None,
                        contact=None,
                        reply=None,
                        at=None,
                    )
                ),
                lambda: EMAIL_SENT_MORE_THAN.check(
                    created is not None and created <= ctx.now,
                    email=email,
                    wait=self.wait,
                    sent=sent,
                ),
                lambda: within_lifetime(ctx, created, self.lifetime),
            )
            if checks is None:
                continue
            yield self.proposal(deal.id, created_at=created, expires_at=expires, checks=checks)

    @staticmethod
    def _no_reply(
        ctx: RuleContext,
        deal: Deal,
        contacts: list[Contact],
        received: list[tuple[Email, Contact]],
        email: Email,
    ) -> Check:
        """No contact of the deal has emailed you since ``email`` was sent (at or after)."""
        first = bisect_left(received, email.sent_at, key=lambda r: r[0].sent_at)
        reply = received[first] if first < len(received) else None
        return NO_REPLY_FROM_DEAL_CONTACTS_SINCE.check(
            reply is None,
            deal=ctx.ref(deal),
            contacts=ctx.refs(contacts),
            since=ctx.local(email.sent_at),
            contact=ctx.ref(reply[1]) if reply is not None else None,
            reply=ctx.ref(reply[0]) if reply is not None else None,
            at=ctx.local(reply[0].sent_at) if reply is not None else None,
        )

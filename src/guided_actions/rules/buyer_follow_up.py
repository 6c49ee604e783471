"""Buyer follow-up: a buyer opened your email a week ago and has not written back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Contact, Email
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import Check, all_met, deal_is_open, latest_email, owned_by_you
from guided_actions._rules.rule import Proposal, Rule, threshold


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

    wait: timedelta = threshold(timedelta(days=7), "time without a reply before it fires")
    lifetime: timedelta = threshold(timedelta(days=7), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for deal in ctx.deals_owned():
            contacts: list[Contact] = [
                c for cid in deal.contact_ids if (c := ctx.contact(cid)) is not None
            ]
            # Emails you sent listing the deal or to one of its contacts, in your mailbox by now.
            sent: dict[str, Email] = {
                e.id: e
                for e in ctx.activities_listing("deal", deal.id)
                if isinstance(e, Email) and e.owner_id == ctx.user.id and e.direction == "outbound"
            }
            for c in contacts:
                sent.update((e.id, e) for e in ctx.emails_sent_to(c))
            last_heard = max(
                (e.sent_at for c in contacts for e in ctx.emails_received_from(c)), default=None
            )
            qualifying: list[Email] = [
                e
                for e in sent.values()
                if e.opened_at is not None
                and e.opened_at <= ctx.now
                and (last_heard is None or last_heard < e.sent_at)
            ]
            chosen = latest_email(qualifying)
            if chosen is None or not self.active_at(
                ctx.now, chosen.sent_at + self.wait, chosen.sent_at + self.wait + self.lifetime
            ):
                continue
            met = all_met(
                lambda: owned_by_you(ctx, deal, "deal"),
                lambda: deal_is_open(ctx, deal),
                lambda: Check(
                    "a buyer opened your email",
                    True,
                    f"email {chosen.id} sent at {ctx.fmt(chosen.sent_at)}, opened at "
                    f"{ctx.fmt(chosen.opened_at or chosen.sent_at)}",
                ),
                lambda: Check(
                    "no contact of the deal has emailed you since",
                    True,
                    f"no reply from the deal's contacts since {ctx.fmt(chosen.sent_at)}",
                ),
            )
            if met is None:
                continue
            created = chosen.sent_at + self.wait
            yield self.proposal(
                deal.id, created_at=created, expires_at=created + self.lifetime, reasons=met
            )

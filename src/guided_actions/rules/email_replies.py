"""Email replies: a contact of yours replied to an email you sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Email
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import Check, all_met, latest_email, owned_by_you
from guided_actions._rules.rule import Proposal, Rule, threshold


@attrs.frozen
class EmailReplies(Rule):
    """A contact you own replied, in your mailbox, to an email you sent.

    **Fires** for a contact you own who sent a reply (an inbound email whose ``in_reply_to`` is
    an outbound email of your mailbox) that you have not answered: you have not emailed the
    contact after the latest such reply.

    **Created at** the latest such reply's ``sent_at``. **Expires** 14 days later, when you email
    the contact after the reply, or when the contact is no longer yours.
    """

    id = "email_replies"
    title = "Email replies"
    category = "prospecting"
    priority = "high"
    subject_kind = "contact"
    created_at_doc = "the latest such reply's `sent_at`"
    expires_doc = "lives 14 days; you emailed the contact after the reply"

    lifetime: timedelta = threshold(timedelta(days=14), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        sent_by_you = {e.id for e in ctx.mailbox() if e.direction == "outbound"}
        for contact in ctx.contacts_owned():
            replies: list[Email] = [
                e for e in ctx.emails_received_from(contact) if e.in_reply_to in sent_by_you
            ]
            reply = latest_email(replies)
            if reply is None or not self.active_at(
                ctx.now, reply.sent_at, reply.sent_at + self.lifetime
            ):
                continue
            answered = [e for e in ctx.emails_sent_to(contact) if e.sent_at > reply.sent_at]
            met = all_met(
                lambda: owned_by_you(ctx, contact, "contact"),
                lambda: Check(
                    "the contact replied to your email",
                    True,
                    f"email {reply.id} at {ctx.fmt(reply.sent_at)} replies to your email "
                    f"{reply.in_reply_to}",
                ),
                lambda: Check(
                    "you have not emailed the contact since the reply",
                    not answered,
                    "no email from you since"
                    if not answered
                    else f"you emailed them at {ctx.fmt(answered[0].sent_at)}",
                ),
            )
            if met is None:
                continue
            yield self.proposal(
                contact.id,
                created_at=reply.sent_at,
                expires_at=reply.sent_at + self.lifetime,
                reasons=met,
            )

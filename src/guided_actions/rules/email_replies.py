"""Email replies: a contact of yours replied to an email you sent."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta

import attrs

from guided_actions._model.records import Contact, Email
from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    NO_EMAIL_FROM_YOU_AFTER,
    OWNED_BY_YOU,
    WITHIN_LIFETIME,
    Check,
    Criterion,
    first_email_to,
    latest_email,
    no_email_from_you_after,
    owned_by_you,
    within_lifetime,
)
from guided_actions._rules.rule import Proposal, Rule, threshold

REPLY_RECEIVED = Criterion(
    "reply_received",
    met="{contact} replied at {at} ({reply}) to your {original}",
    unmet="{contact} has not replied to an email you sent",
)


def _reply_received(
    ctx: RuleContext, contact: Contact, reply: Email | None, sent_by_you: Mapping[str, Email]
) -> Check:
    """The contact sent ``reply``, a reply to an email you sent (``None``: no such reply)."""
    original = sent_by_you[reply.in_reply_to or ""] if reply is not None else None
    return REPLY_RECEIVED.check(
        reply is not None,
        contact=ctx.ref(contact),
        at=ctx.local(reply.sent_at) if reply is not None else None,
        reply=ctx.ref(reply) if reply is not None else None,
        original=ctx.ref(original) if original is not None else None,
    )


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
    calls_to_action = (
        CallToAction("reply", "Reply", "queue"),
        CallToAction("view_contact", "View contact", "records"),
    )
    criteria = (OWNED_BY_YOU, REPLY_RECEIVED, NO_EMAIL_FROM_YOU_AFTER, WITHIN_LIFETIME)

    lifetime: timedelta = threshold(timedelta(days=14), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        sent_by_you = {e.id: e for e in ctx.mailbox() if e.direction == "outbound"}
        for contact in ctx.candidates("contact", ctx.contacts_owned):
            reply = latest_email(
                [e for e in ctx.emails_received_from(contact) if e.in_reply_to in sent_by_you]
            )
            created = reply.sent_at if reply is not None else None
            expires = shift(created, self.lifetime) if created is not None else None
            if not ctx.wants(
                created,
                expires,
                lambda: first_email_to(ctx, contact, created, inclusive=False) is None,
            ):
                continue
            # Without a reply, whether you emailed the contact at all.
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, contact),
                lambda: _reply_received(ctx, contact, reply, sent_by_you),
                lambda: no_email_from_you_after(ctx, contact, created),
                lambda: within_lifetime(ctx, created, self.lifetime),
            )
            if checks is None:
                continue
            yield self.proposal(contact.id, created_at=created, expires_at=expires, checks=checks)

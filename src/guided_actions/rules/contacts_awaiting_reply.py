"""Contacts awaiting your reply: a contact wrote to you and waits for an answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Contact, Email
from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    EMAILED_YOUR_ADDRESS,
    NO_EMAIL_FROM_YOU_AFTER,
    NO_OPEN_LEAD,
    NOT_REASSIGNED_AFTER,
    SENDER_DOMAIN_DIFFERS,
    WITHIN_LIFETIME,
    emailed_your_address,
    first_email_to,
    from_other_domain,
    has_open_lead,
    latest_email,
    no_email_from_you_after,
    no_open_lead,
    not_reassigned_after,
    sender_domain_differs,
    within_lifetime,
)
from guided_actions._rules.rule import Proposal, Rule, threshold


def _senders(ctx: RuleContext, email: Email) -> list[Contact]:
    """The contacts an inbound email is from: those it lists and those with its sender address."""
    ids = set(email.contact_ids)
    if email.from_address:
        ids.update(c.id for c in ctx.contacts_with_email(email.from_address))
    return [c for cid in sorted(ids) if (c := ctx.contact(cid)) is not None]


@attrs.frozen
class ContactsAwaitingReply(Rule):
    """A contact (anyone's) with no open lead emailed you from another domain.

    **Fires** for a contact with no open lead that sent an inbound email whose primary recipient
    (``to[0]``) is your address, from a domain other than yours (the sender's domain is that of
    the email's ``from_address``, else of the contact's email; with neither, it differs).

    **Created at** the latest such email's ``sent_at``. **Expires** 14 days later, when you email
    the contact after it, or when the contact is reassigned after ``created_at``.
    """

    id = "contacts_awaiting_reply"
    title = "Contacts awaiting your reply"
    category = "prospecting"
    priority = "high"
    subject_kind = "contact"
    created_at_doc = "that email's `sent_at` (the latest such email)"
    expires_doc = (
        "lives 14 days; you emailed the contact after it; the contact was reassigned after "
        "`created_at`"
    )
    calls_to_action = (
        CallToAction("reply", "Reply", "queue"),
        CallToAction("view_contact", "View contact", "records"),
    )
    criteria = (
        EMAILED_YOUR_ADDRESS,
        SENDER_DOMAIN_DIFFERS,
        NO_OPEN_LEAD,
        NO_EMAIL_FROM_YOU_AFTER,
        NOT_REASSIGNED_AFTER,
        WITHIN_LIFETIME,
    )

    lifetime: timedelta = threshold(timedelta(days=14), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        senders: dict[str, Contact] = {}
        emails_of: dict[str, list[Email]] = {}
        for email in ctx.inbound_to_you():
            for contact in _senders(ctx, email):
                senders.setdefault(contact.id, contact)
                emails_of.setdefault(contact.id, []).append(email)
        yours = ctx.your_domain()
        for contact in ctx.candidates("contact", senders.values):
            emails = emails_of.get(contact.id, [])
            # The latest email from another domain; else the latest one, to say why it fails.
            qualifying = latest_email([e for e in emails if from_other_domain(e, contact, yours)])
            created = qualifying.sent_at if qualifying is not None else None
            expires = shift(created, self.lifetime) if created is not None else None
            if not ctx.wants(
                created,
                expires,
                lambda: (
                    not has_open_lead(ctx, contact)
                    and first_email_to(ctx, contact, created, inclusive=False) is None
                ),
            ):
                continue
            chosen = qualifying or latest_email(emails)
            # Without an email, the sender is the contact and the rest looks at all time.
            since = chosen.sent_at if chosen is not None else None
            checks = ctx.criteria(
                lambda: emailed_your_address(ctx, contact, chosen),
                lambda: sender_domain_differs(ctx, chosen, contact),
                lambda: no_open_lead(ctx, contact),
                lambda: no_email_from_you_after(ctx, contact, since),
                lambda: not_reassigned_after(ctx, contact, since),
                lambda: within_lifetime(ctx, created, self.lifetime),
            )
            if checks is None:
                continue
            yield self.proposal(contact.id, created_at=created, expires_at=expires, checks=checks)

"""Contacts awaiting your reply: a contact wrote to you and waits for an answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Contact, Email
from guided_actions._rules.context import RuleContext, domain_of
from guided_actions._rules.criteria import Check, all_met, latest_email, no_open_lead
from guided_actions._rules.rule import Proposal, Rule, threshold


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

    lifetime: timedelta = threshold(timedelta(days=14), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        my_domain = domain_of(ctx.user.email)
        by_contact: dict[str, tuple[Contact, list[Email]]] = {}
        for email in ctx.snapshot.inbound_emails_to(ctx.user.email):
            if email.sent_at > ctx.now:
                continue
            senders = set(email.contact_ids)
            if email.from_address:
                senders.update(c.id for c in ctx.snapshot.contacts_with_email(email.from_address))
            for cid in sorted(senders):
                contact = ctx.contact(cid)
                if contact is None:
                    continue
                sender_domain = domain_of(email.from_address) or domain_of(contact.email)
                if sender_domain is not None and sender_domain == my_domain:
                    continue
                by_contact.setdefault(cid, (contact, []))[1].append(email)
        for contact, emails in by_contact.values():
            latest = latest_email(emails)
            assert latest is not None
            email = latest
            if not self.active_at(ctx.now, email.sent_at, email.sent_at + self.lifetime):
                continue
            answered = [e for e in ctx.emails_sent_to(contact) if e.sent_at > email.sent_at]
            reassigned = (
                contact.owner_id != ctx.user.id
                and contact.owner_assigned_at is not None
                and contact.owner_assigned_at > email.sent_at
            )
            met = all_met(
                lambda: Check(
                    "the contact emailed you",
                    True,
                    f"email {email.id} from {email.from_address or contact.email or contact.id}"
                    f" to {email.to[0]} at {ctx.fmt(email.sent_at)}",
                ),
                lambda: Check(
                    "the sender's domain differs from yours",
                    True,
                    f"your domain is {my_domain or 'unknown'}",
                ),
                lambda: no_open_lead(ctx, contact),
                lambda: Check(
                    "you have not emailed the contact since",
                    not answered,
                    "no email from you since"
                    if not answered
                    else f"you emailed them at {ctx.fmt(answered[0].sent_at)}",
                ),
                lambda: Check(
                    "the contact was not reassigned since",
                    not reassigned,
                    f"contact {contact.id} is owned by {contact.owner_id or 'nobody'}",
                ),
            )
            if met is None:
                continue
            yield self.proposal(
                contact.id,
                created_at=email.sent_at,
                expires_at=email.sent_at + self.lifetime,
                reasons=met,
            )

"""Leads awaiting your reply: an open lead wrote to you and waits for an answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Email, Lead
from guided_actions._rules.context import RuleContext, domain_of, email_is_from
from guided_actions._rules.criteria import Check, all_met, latest_email, lead_is_open
from guided_actions._rules.rule import Proposal, Rule, threshold


@attrs.frozen
class LeadsAwaitingReply(Rule):
    """An open lead (anyone's) emailed you from another domain.

    **Fires** for an open lead whose contact sent, or which is listed on, an inbound email whose
    primary recipient (``to[0]``) is your address, from a domain other than yours (the sender's
    domain is that of the email's ``from_address``, else of the lead's contact's email).

    **Created at** the latest such email's ``sent_at``. **Expires** 14 days later, when you email
    the lead's contact after it, or when the lead is reassigned after ``created_at``.
    """

    id = "leads_awaiting_reply"
    title = "Leads awaiting your reply"
    category = "prospecting"
    priority = "high"
    subject_kind = "lead"
    created_at_doc = "that email's `sent_at` (the latest such email)"
    expires_doc = (
        "lives 14 days; you emailed the lead's contact after it; the lead was reassigned after "
        "`created_at`"
    )

    lifetime: timedelta = threshold(timedelta(days=14), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        my_domain = domain_of(ctx.user.email)
        by_lead: dict[str, tuple[Lead, list[Email]]] = {}
        for email in ctx.snapshot.inbound_emails_to(ctx.user.email):
            if email.sent_at > ctx.now:
                continue
            candidates: dict[str, Lead] = {}
            for lid in email.lead_ids:
                lead = ctx.snapshot.lead(lid)
                if lead is not None:
                    candidates[lead.id] = lead
            contact_ids = set(email.contact_ids)
            if email.from_address:
                contact_ids.update(
                    c.id for c in ctx.snapshot.contacts_with_email(email.from_address)
                )
            for cid in contact_ids:
                for lead in ctx.snapshot.leads_of_contact(cid):
                    candidates[lead.id] = lead
            for lead in candidates.values():
                if not ctx.exists(lead):
                    continue
                contact = ctx.contact(lead.contact_id)
                listed = lead.id in email.lead_ids
                if not listed and (contact is None or not email_is_from(email, contact)):
                    continue
                sender_domain = domain_of(email.from_address) or domain_of(
                    contact.email if contact is not None else None
                )
                if sender_domain is not None and sender_domain == my_domain:
                    continue
                by_lead.setdefault(lead.id, (lead, []))[1].append(email)
        for lead, emails in sorted(by_lead.values(), key=lambda item: item[0].id):
            latest = latest_email(emails)
            assert latest is not None
            email = latest
            if not self.active_at(ctx.now, email.sent_at, email.sent_at + self.lifetime):
                continue
            contact = ctx.contact(lead.contact_id)
            answered = (
                [e for e in ctx.emails_sent_to(contact) if e.sent_at > email.sent_at]
                if contact is not None
                else []
            )
            reassigned = (
                lead.owner_id != ctx.user.id
                and lead.owner_assigned_at is not None
                and lead.owner_assigned_at > email.sent_at
            )
            met = all_met(
                lambda: lead_is_open(ctx, lead),
                lambda: Check(
                    "the lead emailed you",
                    True,
                    f"email {email.id} to {email.to[0]} at {ctx.fmt(email.sent_at)}",
                ),
                lambda: Check(
                    "the sender's domain differs from yours",
                    True,
                    f"your domain is {my_domain or 'unknown'}",
                ),
                lambda: Check(
                    "you have not emailed the lead's contact since",
                    not answered,
                    "no email from you since"
                    if not answered
                    else f"you emailed them at {ctx.fmt(answered[0].sent_at)}",
                ),
                lambda: Check(
                    "the lead was not reassigned since",
                    not reassigned,
                    f"lead {lead.id} is owned by {lead.owner_id or 'nobody'}",
                ),
            )
            if met is None:
                continue
            yield self.proposal(
                lead.id,
                created_at=email.sent_at,
                expires_at=email.sent_at + self.lifetime,
                reasons=met,
            )

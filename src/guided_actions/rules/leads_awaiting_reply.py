"""Leads awaiting your reply: an open lead wrote to you and waits for an answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.records import Email, Lead
from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext, email_is_from
from guided_actions._rules.criteria import (
    EMAILED_YOUR_ADDRESS,
    LEAD_OPEN,
    NO_EMAIL_FROM_YOU_AFTER,
    NOT_REASSIGNED_AFTER,
    SENDER_DOMAIN_DIFFERS,
    WITHIN_LIFETIME,
    emailed_your_address,
    from_other_domain,
    latest_email,
    lead_open,
    no_email_from_you_after,
    not_reassigned_after,
    sender_domain_differs,
    within_lifetime,
)
from guided_actions._rules.rule import Proposal, Rule, threshold


def _emails_by_lead(ctx: RuleContext) -> dict[str, tuple[Lead, list[Email]]]:
    """Every lead whose contact sent, or which is listed on, an inbound email to your address,
    with those emails."""
    by_lead: dict[str, tuple[Lead, list[Email]]] = {}
    for email in ctx.inbound_to_you():
        found: dict[str, Lead] = {}
        for lid in email.lead_ids:
            if (listed := ctx.lead(lid)) is not None:
                found[listed.id] = listed
        contact_ids = set(email.contact_ids)
        if email.from_address:
            contact_ids.update(c.id for c in ctx.contacts_with_email(email.from_address))
        for cid in contact_ids:
            found.update((x.id, x) for x in ctx.leads_of(cid))
        for lead in found.values():
            contact = ctx.contact(lead.contact_id)
            if lead.id in email.lead_ids or (contact is not None and email_is_from(email, contact)):
                by_lead.setdefault(lead.id, (lead, []))[1].append(email)
    return by_lead


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
    calls_to_action = (
        CallToAction("reply", "Reply", "queue"),
        CallToAction("view_lead", "View lead", "records"),
    )
    criteria = (
        LEAD_OPEN,
        EMAILED_YOUR_ADDRESS,
        SENDER_DOMAIN_DIFFERS,
        NO_EMAIL_FROM_YOU_AFTER,
        NOT_REASSIGNED_AFTER,
        WITHIN_LIFETIME,
    )

    lifetime: timedelta = threshold(timedelta(days=14), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        by_lead = _emails_by_lead(ctx)

        def default() -> list[Lead]:
            return [lead for _id, (lead, _emails) in sorted(by_lead.items())]

        yours = ctx.your_domain()
        for lead in ctx.candidates("lead", default):
            contact = ctx.contact(lead.contact_id)
            emails = by_lead.get(lead.id, (lead, []))[1]
            # The latest such email: from another domain than yours (when none is, the latest
            # from the lead, so that the explanation names the domain that failed).
            such = [e for e in emails if from_other_domain(e, contact, yours)]
            chosen = latest_email(such) or latest_email(emails)
            created = chosen.sent_at if chosen is not None else None
            expires = shift(created, self.lifetime) if created is not None else None
            if not ctx.wants(created, expires, lambda: not ctx.stage_of(lead)[1]):
                continue
            # Without an email, the sender is the lead's contact and the rest looks at all time;
            # a contact that does not exist yet is one you cannot have emailed.
            checks = ctx.criteria(
                lambda: lead_open(ctx, lead),
                lambda: emailed_your_address(ctx, lead, chosen),
                lambda: sender_domain_differs(ctx, chosen, contact),
                lambda: no_email_from_you_after(
                    ctx, contact or ctx.ref_to("contact", lead.contact_id), created
                ),
                lambda: not_reassigned_after(ctx, lead, created),
                lambda: within_lifetime(ctx, created, self.lifetime),
            )
            if checks is None:
                continue
            yield self.proposal(lead.id, created_at=created, expires_at=expires, checks=checks)

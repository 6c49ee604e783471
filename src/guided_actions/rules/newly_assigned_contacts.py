"""Newly assigned contacts: enroll the contacts you were just given in a sequence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._model.time import shift
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    ASSIGNED,
    LIFECYCLE_NOT_EXCLUDED,
    NO_DEAL_LISTS_CONTACT,
    NO_EMAIL_FROM_CONTACT_SINCE,
    NO_EMAIL_FROM_YOU_SINCE,
    OWNED_BY_YOU,
    WITHIN_LIFETIME,
    assigned,
    assigned_at,
    first_email_from,
    first_email_to,
    lifecycle_not_excluded,
    no_deal_lists_contact,
    no_email_from_contact_since,
    no_email_from_you_since,
    owned_by_you,
    within_lifetime,
)
from guided_actions._rules.rule import Proposal, Rule, threshold


@attrs.frozen
class NewlyAssignedContacts(Rule):
    """A contact you own that nobody has worked yet.

    **Fires** for a contact you own whose lifecycle stage is not excluded (``customer`` and
    ``evangelist`` by default; with a custom ``lifecycle_stages`` list, its last stage), that no
    deal lists, that you have not emailed since the action's ``created_at`` and that has not
    emailed you since then.

    **Created at** the contact's ``owner_assigned_at`` (else its ``created_at``).
    **Expires** 30 days later, or as soon as a criterion no longer holds.
    **Grouped**: one card for all such contacts ("enroll them in a sequence").
    """

    id = "newly_assigned_contacts"
    title = "Newly assigned contacts"
    category = "prospecting"
    priority = "low"
    subject_kind = "contact"
    grouped = True
    grouping = "one card for all your newly assigned contacts"
    created_at_doc = "the contact's `owner_assigned_at` (else its `created_at`)"
    expires_doc = "lives 30 days"
    calls_to_action = (
        CallToAction("enroll_in_sequence", "Enroll new contacts in a sequence", "queue"),
        CallToAction("view_contacts", "View contacts", "records"),
    )
    criteria = (
        OWNED_BY_YOU,
        LIFECYCLE_NOT_EXCLUDED,
        NO_DEAL_LISTS_CONTACT,
        NO_EMAIL_FROM_YOU_SINCE,
        NO_EMAIL_FROM_CONTACT_SINCE,
        ASSIGNED,
        WITHIN_LIFETIME,
    )

    lifetime: timedelta = threshold(timedelta(days=30), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for contact in ctx.candidates("contact", ctx.contacts_owned):
            created = assigned_at(contact)
            expires = shift(created, self.lifetime)
            if not ctx.wants(
                created,
                expires,
                lambda: (
                    contact.lifecycle_stage not in ctx.lifecycle_excluded()
                    and not ctx.deals_of(contact.id)
                    and first_email_to(ctx, contact, created, inclusive=True) is None
                    and first_email_from(ctx, (contact,), created) is None
                ),
            ):
                continue
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, contact),
                lambda: lifecycle_not_excluded(ctx, contact),
                lambda: no_deal_lists_contact(ctx, contact),
                lambda: no_email_from_you_since(ctx, contact, created),
                lambda: no_email_from_contact_since(ctx, contact, created),
                lambda: assigned(ctx, contact),
                lambda: within_lifetime(ctx, created, self.lifetime),
            )
            if checks is None:
                continue
            yield self.proposal(contact.id, created_at=created, expires_at=expires, checks=checks)

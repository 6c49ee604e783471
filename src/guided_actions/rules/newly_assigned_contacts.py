"""Newly assigned contacts: enroll the contacts you were just given in a sequence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs

from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import (
    Check,
    all_met,
    lifecycle_not_excluded,
    no_deal_lists_contact,
    owned_by_you,
    they_have_not_emailed_you_since,
    you_have_not_emailed_since,
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

    lifetime: timedelta = threshold(timedelta(days=30), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for contact in ctx.contacts_owned():
            created = contact.owner_assigned_at or contact.created_at
            if not self.active_at(ctx.now, created, created + self.lifetime):
                continue
            met = all_met(
                lambda: owned_by_you(ctx, contact, "contact"),
                lambda: Check(
                    "newly assigned",
                    True,
                    f"contact {contact.id} assigned to you at {ctx.fmt(created)}",
                ),
                lambda: lifecycle_not_excluded(ctx, contact),
                lambda: no_deal_lists_contact(ctx, contact),
                lambda: you_have_not_emailed_since(ctx, contact, created),
                lambda: they_have_not_emailed_you_since(ctx, contact, created),
            )
            if met is None:
                continue
            yield self.proposal(
                contact.id, created_at=created, expires_at=created + self.lifetime, reasons=met
            )

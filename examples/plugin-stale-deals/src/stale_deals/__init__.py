"""A guided_actions plugin adding the rule ``stale_deals``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from importlib.resources import files
from importlib.resources.abc import Traversable

import attrs

import guided_actions
from guided_actions import CallToAction, Proposal, Rule, RuleContext, threshold
from guided_actions.criteria import (
    DEAL_OPEN,
    OWNED_BY_YOU,
    Criterion,
    activity_happened_at,
    deal_open,
    owned_by_you,
)

#: The rule's own criterion: only time has to pass for it to hold, so its role is "wait".
IDLE_FOR = Criterion(
    "deal_idle_for",
    met="nothing happened on {deal} for {idle}, since {last}",
    unmet="the last activity on {deal} was at {last}, less than {idle} ago",
    role="wait",
)


@attrs.frozen
class StaleDeals(Rule):
    """An open deal you own on which nothing has happened for 14 days.

    **Fires** for an open deal you own whose latest activity (anyone's email, call, meeting,
    note or task listing it, by ``now``), or else its creation, is at least 14 days old.
    **Created at** that instant + 14 days.
    **Expires** when an activity lists the deal, or when the deal closes.
    """

    id = "stale_deals"
    title = "Stale deals"
    category = "deal"
    priority = "normal"
    subject_kind = "deal"
    created_at_doc = "the latest activity on the deal (else its creation) + 14 days"
    expires_doc = "an activity lists the deal; the deal closed"
    criteria = (OWNED_BY_YOU, DEAL_OPEN, IDLE_FOR)
    calls_to_action = (
        CallToAction("follow_up", "Follow up", "queue"),
        CallToAction("view_deal", "View deal", "records"),
    )

    idle: timedelta = threshold(timedelta(days=14), "time without activity before it fires")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for deal in ctx.candidates("deal", ctx.deals_owned):
            activities = ctx.activities_listing("deal", deal.id)
            last = max((activity_happened_at(a) for a in activities), default=deal.created_at)
            checks = ctx.criteria(
                lambda: owned_by_you(ctx, deal),
                lambda: deal_open(ctx, deal),
                lambda: IDLE_FOR.check(
                    last + self.idle <= ctx.now,
                    deal=ctx.ref(deal),
                    idle=self.idle,
                    last=ctx.local(last),
                ),
            )
            if checks is not None:
                yield self.proposal(
                    deal.id, created_at=last + self.idle, expires_at=None, checks=checks
                )


@guided_actions.hookimpl
def guided_actions_rules() -> Sequence[type[Rule]]:
    return [StaleDeals]


@guided_actions.hookimpl
def guided_actions_catalogues() -> tuple[Traversable, str]:
    # The rule's texts in other languages: locale/fr/LC_MESSAGES/stale_deals.mo, compiled from
    # the .po beside it when the package is built.
    return files("stale_deals") / "locale", "stale_deals"

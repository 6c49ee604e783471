"""Tests of the stale_deals rule, written with guided_actions.testing."""

from datetime import timedelta

import pytest
from stale_deals import StaleDeals

from guided_actions.testing import NOW, at, build, deal, note, run_rule

CREATED = at(days=-20)


def test_fires_for_an_idle_open_deal():
    """A deal untouched for 14 days gets an action created 14 days after its creation."""
    [action] = run_rule(StaleDeals, build(deal("d1", created_at=CREATED)))
    assert action.subjects == (("deal", "d1"),)
    assert action.created_at == CREATED + timedelta(days=14)
    assert action.expires_at is None


@pytest.mark.parametrize(
    ("offset", "fires"),
    [(timedelta(0), True), (timedelta(microseconds=-1), False)],
)
def test_boundary_at_fourteen_days(offset, fires):
    """At exactly 14 days without activity it fires; a microsecond before, it does not."""
    now = CREATED + timedelta(days=14) + offset
    assert bool(run_rule(StaleDeals, build(deal("d1", created_at=CREATED)), now)) is fires


def test_an_activity_resets_the_clock():
    """A note on the deal 3 days ago means it is not stale."""
    snapshot = build(
        deal("d1", created_at=CREATED), note("n1", created_at=at(days=-3), deal_ids=["d1"])
    )
    assert run_rule(StaleDeals, snapshot) == []


def test_closed_deal_and_other_owner_do_not_fire():
    """Closed deals and deals of other reps are left alone."""
    snapshot = build(
        deal("d1", created_at=CREATED, stage_id="lost"),
        deal("d2", created_at=CREATED, owner_id="u2"),
    )
    assert run_rule(StaleDeals, snapshot, NOW) == []


def test_threshold_is_configurable():
    """With idle=30 days, a 20-day-old deal is not stale yet."""
    assert (
        run_rule(StaleDeals, build(deal("d1", created_at=CREATED)), idle=timedelta(days=30)) == []
    )


def test_why_not_yet():
    """A deal idle for 10 days is pending: it appears at 14 days if nothing happens."""
    from guided_actions.testing import explain_rule

    snapshot = build(deal("d1", created_at=at(days=-10)))
    entry = explain_rule(StaleDeals, snapshot, "deal:d1")
    assert entry.status == "pending"
    assert entry.created_at == at(days=4)
    assert [(c.id, c.met) for c in entry.checks] == [
        ("owned_by_you", True),
        ("deal_open", True),
        ("deal_idle_for", False),
    ]
    assert "less than 14 days ago" in entry.to_dict()["checks"][-1]["text"]


def test_the_rule_speaks_french():
    """The plugin's catalogue, compiled when the package was installed, translates its texts;
    the library's translates its shared criteria."""
    from guided_actions import evaluate, load_rules

    ruleset = load_rules()
    assert ruleset.get("stale_deals") is not None
    assert StaleDeals.localized_title("fr") == "Transactions inactives"
    [action] = evaluate(build(deal("d1", created_at=CREATED)), NOW, "u1", rules=ruleset).filter(
        rule="stale_deals"
    )
    shown = action.to_dict(locale="fr_CA")
    assert shown["title"] == "Transactions inactives"
    assert [c["label"] for c in shown["calls_to_action"]] == ["Relancer", "Afficher la transaction"]
    assert shown["reasons"][-1].startswith("aucune activité sur transaction d1 depuis 14 jours")
    assert action.to_dict()["title"] == "Stale deals"

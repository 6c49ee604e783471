"""``explain``: why a record has, or has not, an action of each rule of its kind."""

from __future__ import annotations

import json
import pickle
import typing
from datetime import timedelta

import pytest
from hypothesis import given

from guided_actions import Config, Explanation, Rule, Snapshot, evaluate, explain
from guided_actions._engine.explain import Status
from guided_actions._model.kinds import KINDS
from guided_actions.errors import UnknownRecordError, UnknownUserError, ViewerPermissionError
from guided_actions.rules import BUILTIN_RULES, AddContactToDeal, LogCallOutcomes
from guided_actions.testing import (
    NOW,
    at,
    build,
    call,
    contact,
    deal,
    dismissal,
    explain_rule,
    meeting,
)
from guided_actions.typing import SUBJECT_KINDS
from strategies import snapshots

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
#: The snapshot list of each subject kind (its records' class is the kind: Deal, "deal").
LIST_OF = {kind.cls.__name__.lower(): kind.name for kind in KINDS}


def statuses(explanation: Explanation) -> dict[str, str]:
    return {r.rule: r.status for r in explanation}


class TestUnmet:
    def test_young_deal_without_contacts_lists_every_criterion(self) -> None:
        """A deal 3 days old with no contact: the rules that cannot fire list every criterion."""
        snap = build(deal("d1", created_at=at(days=-3)))
        got = explain(snap, NOW, "u1", "deal:d1")
        assert [r.rule for r in got] == [
            cls.id for cls in BUILTIN_RULES if cls.subject_kind == "deal"
        ]
        for entry in got.with_status("unmet"):
            rule = next(cls for cls in BUILTIN_RULES if cls.id == entry.rule)
            ids = [c.id for c in entry.checks]
            assert ids == [c.id for c in rule.criteria], entry.rule  # none skipped
            assert any(not c.met for c in entry.checks if c.role == "condition")
        # No activity lists the deal: nothing to update, nothing a buyer opened.
        assert statuses(got)["update_next_steps"] == "unmet"
        assert statuses(got)["buyer_follow_up"] == "unmet"
        (buyer,) = [r for r in got if r.rule == "buyer_follow_up"]
        assert [c.id for c in buyer.unmet][:1] == ["buyer_opened_email"]

    def test_the_failing_criterion_says_so(self) -> None:
        """A deal of someone else's: ownership fails, every other criterion still evaluated."""
        snap = build(deal("d1", owner_id="u2", created_at=at(days=-10)))
        entry = explain_rule(AddContactToDeal, snap, ("deal", "d1"))
        assert entry.status == "unmet"
        assert [(c.id, c.met) for c in entry.checks] == [
            ("owned_by_you", False),
            ("deal_open", True),
            ("deal_has_no_contact", True),
            ("created_more_than", True),
            ("within_lifetime", True),
        ]
        assert entry.to_dict()["checks"][0] == {
            "criterion": "owned_by_you",
            "met": False,
            "text": "deal d1 is not yours (owner: u2)",
        }
        assert entry.key is None  # no key: the action is not on its way

    def test_a_record_not_yet_created_does_not_exist(self) -> None:
        snap = build(deal("d1", created_at=at(days=1)))
        (entry,) = [
            r for r in explain(snap, NOW, "u1", ("deal", "d1")) if r.rule == "add_contact_to_deal"
        ]
        assert entry.status == "unmet"
        assert [c.id for c in entry.checks] == ["exists_at_now"]


class TestPendingAndExpired:
    def test_call_started_half_an_hour_ago_is_pending(self) -> None:
        """A call started 30 minutes ago with a blank outcome appears one hour after its start."""
        snap = build(call("k1", started_at=NOW - timedelta(minutes=30)))
        entry = explain_rule(LogCallOutcomes, snap, "call:k1")
        assert entry.status == "pending"
        assert entry.created_at == NOW + timedelta(minutes=30)
        assert entry.expires_at == NOW - timedelta(minutes=30) + 7 * DAY
        waits = [c for c in entry.checks if c.role == "wait"]
        assert [(c.id, c.met) for c in waits] == [("call_started_more_than", False)]
        # The card it will join has the key the action will have.
        later = evaluate(snap, entry.created_at, "u1", rules=[LogCallOutcomes])
        assert [a.key for a in later] == [entry.key]

    def test_the_instant_it_appears(self) -> None:
        snap = build(call("k1", started_at=NOW - HOUR))
        assert explain_rule(LogCallOutcomes, snap, "call:k1").status == "active"
        earlier = NOW - timedelta(microseconds=1)
        assert explain_rule(LogCallOutcomes, snap, "call:k1", earlier).status == "pending"

    @pytest.mark.parametrize(
        ("delay", "status"),
        [(7 * DAY, "expired"), (8 * DAY, "expired"), (7 * DAY - HOUR, "pending")],
    )
    def test_a_window_that_closes_before_it_opens_is_expired(
        self, delay: timedelta, status: str
    ) -> None:
        """Thresholds can make a window that closes before it opens (a delay of at least the
        window): that action never appears, so explain says expired, not pending; a window
        that opens first is pending."""
        snap = build(call("k1", started_at=NOW - 6 * DAY))
        entry = explain_rule(LogCallOutcomes, snap, "call:k1", delay=delay, window=7 * DAY)
        assert entry.status == status
        assert entry.created_at == NOW - 6 * DAY + delay
        for later in (NOW, entry.created_at, NOW + 8 * DAY):
            result = evaluate(
                snap,
                later,
                "u1",
                rules=[LogCallOutcomes],
                config=Config(
                    thresholds={"log_call_outcomes": {"delay": delay, "window": 7 * DAY}}
                ),
            )
            assert bool(len(result)) == (status == "pending" and later == entry.created_at)

    def test_the_same_call_eight_days_later_has_expired(self) -> None:
        snap = build(call("k1", started_at=NOW - timedelta(minutes=30)))
        later = NOW + 8 * DAY
        entry = explain_rule(LogCallOutcomes, snap, "call:k1", later)
        assert entry.status == "expired"
        assert entry.expires_at is not None
        assert entry.expires_at <= later
        limit = [c for c in entry.checks if c.role == "limit"]
        assert [(c.id, c.met) for c in limit] == [("call_started_less_than", False)]
        # At the very last instant it is still there; at expires_at it is gone.
        last = entry.expires_at - timedelta(microseconds=1)
        assert explain_rule(LogCallOutcomes, snap, "call:k1", last).status == "active"
        assert explain_rule(LogCallOutcomes, snap, "call:k1", entry.expires_at).status == "expired"

    def test_a_logged_outcome_is_unmet_not_expired(self) -> None:
        snap = build(call("k1", started_at=NOW - 8 * DAY, outcome="Connected"))
        assert explain_rule(LogCallOutcomes, snap, "call:k1").status == "unmet"


class TestActiveAndDismissed:
    def test_member_of_a_card_is_active_with_the_card_key(self) -> None:
        snap = build(call("k1", started_at=NOW - 2 * HOUR), call("k2", started_at=NOW - 3 * HOUR))
        (card,) = evaluate(snap, NOW, "u1", rules=[LogCallOutcomes])
        assert card.grouped
        for cid in ("k1", "k2"):
            entry = explain_rule(LogCallOutcomes, snap, ("call", cid))
            assert (entry.status, entry.key) == ("active", card.key)
            assert entry.created_at == NOW - (3 if cid == "k2" else 2) * HOUR + HOUR
            assert all(c.met for c in entry.checks)

    def test_dismissed_card_reports_the_dismissal(self) -> None:
        base = build(call("k1", started_at=NOW - 2 * HOUR))
        (card,) = evaluate(base, NOW, "u1", rules=[LogCallOutcomes])
        until = NOW + DAY
        snap = build(call("k1", started_at=NOW - 2 * HOUR), dismissal(card.key, until=until))
        entry = explain_rule(LogCallOutcomes, snap, "call:k1")
        assert (entry.status, entry.key) == ("dismissed", card.key)
        assert entry.checks[-1].id == "not_dismissed"
        assert not entry.checks[-1].met
        assert until.isoformat(timespec="minutes") in entry.to_dict()["checks"][-1]["text"]
        # When the dismissal ends, it is active again.
        assert explain_rule(LogCallOutcomes, snap, "call:k1", until).status == "active"


class TestConfigurationShows:
    def test_ten_day_age_is_said(self) -> None:
        """Configured thresholds are in the text: 10 days, not the default 7."""
        config = Config(thresholds={"add_contact_to_deal": {"age": timedelta(days=10)}})
        snap = build(deal("d1", created_at=at(days=-11)))
        (action,) = evaluate(snap, NOW, "u1", config=config, rules=[AddContactToDeal])
        (age,) = [r for r in action.reasons if "created more than" in r]
        assert "10 days" in age
        assert "7 days" not in age

    @pytest.mark.parametrize(
        ("rule", "name"),
        [(cls, name) for cls in BUILTIN_RULES for name in cls().thresholds()],
        ids=lambda v: v if isinstance(v, str) else v.id,
    )
    def test_every_threshold_shows_its_configured_value(self, rule: type[Rule], name: str) -> None:
        """For every threshold of every rule, explaining a subject shows the configured value."""
        from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_snapshot
        from guided_actions._text.render import format_duration

        snap = demo_snapshot()
        (action,) = [a for a in evaluate(snap, DEMO_NOW, DEMO_USER) if a.rule == rule.id][:1]
        value = rule().thresholds()[name] + timedelta(minutes=1)
        config = Config(thresholds={rule.id: {name: value}})
        got = explain(snap, DEMO_NOW, DEMO_USER, action.subjects[0], config=config, rules=[rule])
        (entry,) = got.rules
        texts = [c["text"] for c in entry.to_dict()["checks"]]
        assert any(format_duration(value) in t for t in texts), texts


class TestPrivacyAndErrors:
    def test_super_admin_sees_meetings_as_busy(self) -> None:
        snap = build(meeting("m1", title="Merger talk", start=NOW - HOUR, end=NOW - HOUR / 2))
        mine = explain(snap, NOW, "u1", "meeting:m1")
        masked = explain(snap, NOW, "u1", "meeting:m1", viewer="admin")
        assert "Merger talk" in json.dumps(mine.to_dict())
        assert "Merger talk" not in json.dumps(masked.to_dict())
        assert "Busy" in json.dumps(masked.to_dict())
        assert statuses(mine) == statuses(masked)

    def test_only_the_user_or_a_super_admin_may_look(self) -> None:
        snap = build(deal("d1"))
        with pytest.raises(ViewerPermissionError):
            explain(snap, NOW, "u1", "deal:d1", viewer="u2")

    @pytest.mark.parametrize(
        ("subject", "error"),
        [
            ("deal:nope", UnknownRecordError),
            ("deal", ValueError),
            ("planet:p1", ValueError),
            (("deal", ""), ValueError),
            (("deal",), ValueError),
        ],
    )
    def test_bad_subjects(self, subject: object, error: type[Exception]) -> None:
        snap = build(deal("d1"))
        with pytest.raises(error):
            explain(snap, NOW, "u1", subject)  # type: ignore[arg-type]

    def test_unknown_record_is_a_lookup_error(self) -> None:
        with pytest.raises(LookupError, match="deal 'x'"):
            explain(build(), NOW, "u1", "deal:x")
        with pytest.raises(UnknownUserError):
            explain(build(deal("d1")), NOW, "ghost", "deal:d1")

    def test_to_dict_shape_and_pickle(self) -> None:
        snap = build(deal("d1", created_at=at(days=-3)), contact("c1"))
        got = explain(snap, NOW, "u1", "deal:d1")
        data = got.to_dict()
        assert list(data) == ["subject", "user_id", "now", "rules"]
        assert data["subject"] == {"kind": "deal", "id": "d1"}
        assert data["now"] == "2026-11-26T12:00:00+00:00"
        for entry in data["rules"]:
            assert list(entry) == [
                "rule",
                "title",
                "status",
                "key",
                "created_at",
                "expires_at",
                "checks",
            ]
            assert entry["status"] in typing.get_args(Status)
            assert all(list(c) == ["criterion", "met", "text"] for c in entry["checks"])
        assert json.loads(json.dumps(data)) == data
        again = pickle.loads(pickle.dumps(got))
        assert again == got
        assert again.to_dict() == data


@given(snapshots())
def test_active_exactly_when_evaluate_gives_an_action(case: tuple[Snapshot, object, str]) -> None:
    """For random snapshots: a record's status is active exactly when evaluate has an action
    about it, with that action's key (a rule focused on a record never disagrees with the full
    evaluation), for every record of every subject kind."""
    snapshot, now, user_id = case
    result = evaluate(snapshot, now, user_id)  # type: ignore[arg-type]
    expected = {(a.rule, s): a.key for a in result for s in a.subjects}
    seen = {}
    for kind in SUBJECT_KINDS:
        for record in snapshot.records(LIST_OF[kind]):
            subject = (kind, record.id)  # type: ignore[attr-defined]
            for entry in explain(snapshot, now, user_id, subject):  # type: ignore[arg-type]
                if entry.status == "active":
                    seen[entry.rule, subject] = entry.key
    assert seen == expected


def test_explanation_of_an_action_matches_its_reasons() -> None:
    """An active action's checks are the ones its reasons are rendered from."""
    snap = build(deal("d1", created_at=at(days=-10)))
    (action,) = evaluate(snap, NOW, "u1", rules=[AddContactToDeal])
    entry = explain_rule(AddContactToDeal, snap, "deal:d1")
    assert entry.status == "active"
    assert entry.key == action.key
    assert [c["text"] for c in entry.to_dict()["checks"]] == list(action.reasons)

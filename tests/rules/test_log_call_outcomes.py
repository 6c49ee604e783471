"""Truth table of ``log_call_outcomes`` (SPEC §5): calls of yours whose outcome is still blank."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from guided_actions._model.records import Record
from guided_actions.rules import LogCallOutcomes
from guided_actions.testing import NOW, at, build, call, run_rule

STARTED = at(hours=-2)
CREATED = STARTED + timedelta(hours=1)
EXPIRES = STARTED + timedelta(days=7)

STATUSES = [
    "completed",
    "busy",
    "no_answer",
    "failed",
    "canceled",
    "in_progress",
    "queued",
    "ringing",
    None,
]


def fires(*records: Record, now=NOW, **options) -> bool:
    return bool(run_rule(LogCallOutcomes, build(*records), now, **options))


class TestDeclaration:
    def test_declared_data_matches_the_table(self) -> None:
        """The class declares SPEC §5's id, title, category, priority and subject kind."""
        rule = LogCallOutcomes
        assert (rule.id, rule.title, rule.category, rule.priority, rule.subject_kind) == (
            "log_call_outcomes",
            "Log call outcomes",
            "general",
            "normal",
            "call",
        )

    def test_grouped_by_default(self) -> None:
        """SPEC §6 groups all your qualifying calls into one card by default."""
        assert LogCallOutcomes.grouped is True


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """A completed call of yours started 2 hours ago with a blank outcome gives one card."""
        [action] = run_rule(LogCallOutcomes, build(call("k1", started_at=STARTED)), NOW)
        assert action.rule == "log_call_outcomes"
        assert action.title == "Log call outcomes"
        assert action.category == "general"
        assert action.subjects == (("call", "k1"),)
        assert action.created_at == CREATED
        assert action.expires_at == EXPIRES
        assert action.reasons
        assert action.key.startswith("log_call_outcomes:")


class TestStatus:
    @pytest.mark.parametrize(
        ("builtin", "status", "expected"),
        [
            *[(True, s, s == "completed") for s in STATUSES],
            *[(False, s, s in ("completed", None)) for s in STATUSES],
        ],
    )
    def test_status_truth_table(self, builtin: bool, status: str | None, expected: bool) -> None:
        """Built-in calling needs ``completed``; other calls ``completed`` or blank."""
        k = call("k1", started_at=STARTED, builtin_calling=builtin, status=status)
        assert fires(k) is expected


class TestOutcome:
    @pytest.mark.parametrize(
        ("outcome", "expected"),
        [(None, True), ("", True), ("Connected", False), ("No answer", False)],
    )
    def test_outcome_must_be_blank(self, outcome: str | None, expected: bool) -> None:
        """A null or empty outcome is blank and fires; any logged outcome does not."""
        assert (
            fires(call("k1", started_at=STARTED, status="completed", outcome=outcome)) is expected
        )

    def test_outcome_logged_removes_it(self) -> None:
        """Logging an outcome ends the action at once (a criterion no longer holds)."""
        assert fires(call("k1", started_at=STARTED))
        assert not fires(call("k1", started_at=STARTED, outcome="Left voicemail"))


class TestOwnership:
    def test_someone_elses_call(self) -> None:
        """A call owned by another user is not yours to log."""
        assert not fires(call("k1", owner_id="u2", started_at=STARTED))

    def test_evaluated_for_the_other_user(self) -> None:
        """The other user gets their own call, not yours."""
        snapshot = build(call("k1", started_at=STARTED), call("k2", owner_id="u2"))
        [action] = run_rule(LogCallOutcomes, snapshot, NOW, "u2")
        assert action.subjects == (("call", "k2"),)


class TestTime:
    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (CREATED - timedelta(microseconds=1), False),
            (CREATED, True),
            (EXPIRES - timedelta(microseconds=1), True),
            (EXPIRES, False),
            (EXPIRES + timedelta(days=1), False),
        ],
        ids=["created-1us", "created", "expires-1us", "expires", "expires+1d"],
    )
    def test_window(self, now, expected: bool) -> None:
        """Present from ``started_at`` + 1 hour (included) until ``started_at`` + 7 days."""
        actions = run_rule(LogCallOutcomes, build(call("k1", started_at=STARTED)), now)
        assert bool(actions) is expected
        if expected:
            assert actions[0].created_at == CREATED
            assert actions[0].expires_at == EXPIRES

    def test_call_started_after_now_is_ignored(self) -> None:
        """A call stamped after ``now`` has not happened: no action, even far in the future."""
        assert not fires(call("k1", started_at=at(hours=1)))

    def test_ended_at_does_not_move_the_window(self) -> None:
        """The hour counts from ``started_at``, not from ``ended_at``."""
        k = call("k1", started_at=at(hours=-1), ended_at=at(minutes=-10))
        [action] = run_rule(LogCallOutcomes, build(k), NOW)
        assert action.created_at == NOW


class TestGrouping:
    def test_one_card_for_all_calls(self) -> None:
        """Several qualifying calls form one card ordered by created_at then id."""
        snapshot = build(
            call("k3", started_at=at(hours=-3)),
            call("k1", started_at=at(days=-2)),
            call("k2", started_at=at(hours=-3)),
            call("k0", started_at=at(hours=-3), outcome="Connected"),
        )
        [card] = run_rule(LogCallOutcomes, snapshot, NOW)
        assert card.subjects == (("call", "k1"), ("call", "k2"), ("call", "k3"))
        assert card.created_at == at(days=-2, hours=1)
        assert card.expires_at == at(hours=-3, days=7)
        assert card.reasons

    def test_card_key_survives_members_changing(self) -> None:
        """The card keeps its key when a call joins or leaves it."""
        one = run_rule(LogCallOutcomes, build(call("k1", started_at=STARTED)), NOW)
        two = run_rule(
            LogCallOutcomes,
            build(call("k1", started_at=STARTED), call("k2", started_at=at(hours=-5))),
            NOW,
        )
        assert one[0].key == two[0].key
        assert len(two[0].subjects) == 2

    def test_ungrouped_gives_one_action_per_call(self) -> None:
        """With grouping off, each call is its own action with its own window and key."""
        snapshot = build(call("k1", started_at=at(hours=-3)), call("k2", started_at=at(days=-2)))
        actions = run_rule(LogCallOutcomes, snapshot, NOW, grouped=False)
        by_subject = {a.subjects: a for a in actions}
        assert set(by_subject) == {(("call", "k1"),), (("call", "k2"),)}
        assert by_subject[(("call", "k1"),)].created_at == at(hours=-2)
        assert by_subject[(("call", "k2"),)].expires_at == at(days=5)
        assert len({a.key for a in actions}) == 2


class TestThresholds:
    def test_delay_override_moves_creation(self) -> None:
        """With a 3-hour delay, a call started 2 hours ago does not fire yet; at 3 hours it does."""
        k = call("k1", started_at=STARTED)
        assert not fires(k, delay=timedelta(hours=3))
        [action] = run_rule(LogCallOutcomes, build(k), at(hours=1), delay=timedelta(hours=3))
        assert action.created_at == at(hours=1)

    def test_window_override_moves_expiry(self) -> None:
        """With a 1-day window, a call started 1 day ago has expired."""
        k = call("k1", started_at=at(days=-1))
        assert fires(k)
        assert not fires(k, window=timedelta(days=1))
        [action] = run_rule(
            LogCallOutcomes, build(k), NOW - timedelta(microseconds=1), window=timedelta(days=1)
        )
        assert action.expires_at == NOW


class TestReasons:
    @pytest.mark.parametrize(
        ("fields", "status_reason"),
        [
            pytest.param({}, "no status (made with built-in calling: no)", id="logged-blank"),
            pytest.param(
                {"builtin_calling": True, "status": "completed"},
                "status completed (made with built-in calling: yes)",
                id="builtin-completed",
            ),
        ],
    )
    def test_reasons_name_each_criterion_and_its_data(
        self, fields: dict[str, Any], status_reason: str
    ) -> None:
        """The reasons list, in order, each criterion met and the data that met it."""
        [action] = run_rule(LogCallOutcomes, build(call("k1", **fields)), NOW, grouped=False)
        assert action.reasons == (
            "call k1 is yours",
            f"call k1 has {status_reason}",
            "call k1 has no outcome logged",
            "call k1 started more than 1 hour ago, at 2026-11-26T10:00+00:00",
            "call k1 started at 2026-11-26T10:00+00:00, less than 7 days ago",
        )

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_failing_call_does_not_stop_the_others(self, reverse: bool) -> None:
        """A call that fails a criterion is skipped; the next call is still checked."""
        records = [call("k0", outcome="connected"), call("k1")]
        actions = run_rule(
            LogCallOutcomes, build(*(reversed(records) if reverse else records)), NOW
        )
        assert [s for a in actions for s in a.subjects] == [("call", "k1")]

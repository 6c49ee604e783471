"""``evaluate_all(..., workers=N)``: processes give the results and the errors of ``workers=1``."""

from __future__ import annotations

import gc
import multiprocessing
import re
import struct
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guided_actions import (
    Config,
    Proposal,
    Results,
    Rule,
    RuleContext,
    Settings,
    Snapshot,
    diff,
    evaluate_all,
    load_rules,
)
from guided_actions._engine import parallel
from guided_actions.errors import GuidedActionsError, RuleError
from guided_actions.rules import BUILTIN_RULES, EmailReplies, NewlyAssignedContacts
from guided_actions.synthetic import generate
from strategies import snapshots

NOW = datetime(2025, 3, 3, 12, tzinfo=UTC)
#: A CRM on which every built-in rule fires for some user.
CRM = Snapshot.from_dict(generate(users=6, contacts_per_user=60, now=NOW))
USERS = [u.id for u in CRM.users()]


def outcome(results: Results) -> list[tuple[str, list[dict[str, Any]], list[str]]]:
    """What results say, user by user: their actions as dicts and their failures' text (a
    failure compares by identity)."""
    return [(uid, r.to_dicts(), [str(f) for f in r.errors]) for uid, r in results.items()]


def assert_same(got: Results, expected: Results) -> None:
    """Equal results: the same users in the same order, equal results, the same rule ids."""
    assert type(got) is Results
    assert list(got) == list(expected)
    assert [(r.user_id, r.now, r.actions) for r in got.values()] == [
        (r.user_id, r.now, r.actions) for r in expected.values()
    ]
    if not any(r.errors for r in expected.values()):
        assert got == expected  # a rule failure compares by identity: no copy equals it
    assert got.rule_ids == expected.rule_ids
    assert outcome(got) == outcome(expected)


@pytest.fixture(autouse=True)
def no_worker_left() -> Iterator[None]:
    """Every test ends with no worker process left and the collector as it found it."""
    enabled = gc.isenabled()
    before = set(multiprocessing.active_children())  # e.g. a cluster another suite keeps
    yield
    assert set(multiprocessing.active_children()) <= before
    assert gc.isenabled() is enabled


@pytest.fixture(params=["fork", "spawn"])
def start_method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of starting the workers: forked from the caller, or spawned (their books
    pickled), as on macOS and Windows."""
    method: str = request.param
    monkeypatch.setattr(parallel, "START_METHOD", method)
    return method


class TestEqualToOneWorker:
    def test_every_rule_firing(self, start_method: str) -> None:
        """On a CRM where every rule fires, the results and the tables are those of one worker."""
        expected = evaluate_all(CRM, NOW)
        assert {a.rule for r in expected.values() for a in r} == {c.id for c in BUILTIN_RULES}
        got = evaluate_all(CRM, NOW, workers=2)
        assert_same(got, expected)
        assert got.to_arrow().equals(expected.to_arrow())
        assert got.counts().equals(expected.counts())

    @pytest.mark.parametrize("workers", [3, 6, 50, None])
    def test_any_number_of_workers(self, workers: int | None) -> None:
        """More workers than users, or one per processor, give the same."""
        assert_same(evaluate_all(CRM, NOW, workers=workers), evaluate_all(CRM, NOW))

    def test_settings(self, start_method: str) -> None:
        """Settings resolve per user in the workers as in the caller (rules disabled for some
        users change ``rule_ids``)."""
        layered = Settings(
            organisation={"thresholds.add_contact_to_deal.age": "2d"},
            teams={
                "team2": {"disabled_rules.email_replies": True, "feed_limit": 5},
                "team3": {"grouping.log_call_outcomes": False},
            },
        )
        expected = evaluate_all(CRM, NOW, config=layered)
        assert_same(evaluate_all(CRM, NOW, config=layered, workers=2), expected)
        alone = evaluate_all(CRM, NOW, config=layered, users=["u2", "u6"], workers=2)
        assert "email_replies" not in alone.rule_ids
        assert_same(alone, evaluate_all(CRM, NOW, config=layered, users=["u2", "u6"]))

    @pytest.mark.parametrize(
        "users",
        [["u5", "u1", "u3"], ["u2", "u2", "u4"], [], ["u4"]],
        ids=["reordered", "repeated", "none", "one"],
    )
    def test_users(self, users: list[str]) -> None:
        """``users`` in any order, repeated, none or one: the order of ``workers=1``."""
        expected = evaluate_all(CRM, NOW, users=users)
        assert_same(evaluate_all(CRM, NOW, users=users, workers=2), expected)

    def test_user_records(self) -> None:
        """Users given as records are the snapshot's users."""
        records = list(CRM.users())[::-1]
        assert_same(
            evaluate_all(CRM, NOW, users=records, workers=2), evaluate_all(CRM, NOW, users=records)
        )

    @pytest.mark.parametrize(
        "rules",
        [
            [EmailReplies, NewlyAssignedContacts],
            [NewlyAssignedContacts(), EmailReplies()],
            load_rules(entry_points=False, config=Config(disabled_rules={"email_replies"})),
        ],
        ids=["classes", "instances", "rule set"],
    )
    def test_rules(self, rules: Any, start_method: str) -> None:
        """Rules as classes, instances or a rule set (with its own config) travel to workers."""
        assert_same(
            evaluate_all(CRM, NOW, rules=rules, workers=2), evaluate_all(CRM, NOW, rules=rules)
        )

    def test_config_and_strict(self) -> None:
        """A Config and ``strict`` apply in the workers."""
        config = Config(grouping={"newly_assigned_contacts": False}, feed_limit=3)
        expected = evaluate_all(CRM, NOW, config=config, strict=True)
        assert_same(evaluate_all(CRM, NOW, config=config, strict=True, workers=2), expected)

    def test_next_change_and_diff(self) -> None:
        """A result from a worker knows its next change and what it was evaluated from."""
        expected = evaluate_all(CRM, NOW)
        got = evaluate_all(CRM, NOW, workers=2)
        later = evaluate_all(CRM, NOW + timedelta(days=1))
        for uid in ("u1", "u4"):
            assert got[uid].next_change_at == expected[uid].next_change_at
            assert diff(got[uid], later[uid]) == diff(expected[uid], later[uid])

    @settings(max_examples=15, deadline=None)
    @given(case=snapshots(), workers=st.sampled_from([2, 3]))
    def test_any_crm(self, case: tuple[Snapshot, datetime, str], workers: int) -> None:
        """On any CRM, at any instant, ``workers=N`` equals ``workers=1``."""
        snapshot, now, _user = case
        expected = evaluate_all(snapshot, now)
        assert_same(evaluate_all(snapshot, now, workers=workers), expected)


# -- rules that fail, for some users -------------------------------------------------------------


@attrs.frozen
class Fails(Rule):
    """Raises for the users it names, the first of them after a pause (so that a later user's
    failure is known first)."""

    id = "fails"
    title = "Fails"
    category = "general"
    priority = "normal"
    subject_kind = "contact"

    failing: ClassVar[tuple[str, ...]] = ("u2", "u5")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        if ctx.user.id in self.failing:
            if ctx.user.id == self.failing[0]:
                time.sleep(0.5)
            raise LookupError(f"no book for {ctx.user.id}")
        return iter(())


class Unpicklable(Exception):
    """An error whose constructor takes two arguments: it cannot come back from a pickle."""

    def __init__(self, user: str, why: str) -> None:
        super().__init__(f"{user}: {why}")


@attrs.frozen
class FailsOddly(Rule):
    """Raises an error that cannot travel back from a worker."""

    id = "fails_oddly"
    title = "Fails oddly"
    category = "general"
    priority = "normal"
    subject_kind = "contact"

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        raise Unpicklable(ctx.user.id, "odd")


@attrs.frozen
class NeedsPausedCollector(Rule):
    """Raises when the cyclic collector is on while it runs."""

    id = "needs_paused_collector"
    title = "Needs a paused collector"
    category = "general"
    priority = "normal"
    subject_kind = "contact"

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        if gc.isenabled():
            raise RuntimeError("the collector is on")
        return iter(())


def raised(**kwargs: Any) -> Exception:
    """The error ``evaluate_all(CRM, NOW, **kwargs)`` raises."""
    try:
        evaluate_all(CRM, NOW, **kwargs)
    except Exception as exc:
        return exc
    raise AssertionError("no error")


class TestErrors:
    def test_first_failing_user(self) -> None:
        """The error is that of the first failing user in snapshot order, as with one worker,
        though a later user fails first."""
        rules = [Fails(), EmailReplies()]
        expected = raised(rules=rules, strict=True)
        assert isinstance(expected, RuleError)
        assert "no book for u2" in str(expected)
        got = raised(rules=rules, strict=True, workers=2)
        assert type(got) is type(expected)
        assert str(got) == str(expected)

    def test_failures_reported_on_results(self) -> None:
        """Without ``strict``, failures are on the results, with their exception."""
        rules = [Fails(), EmailReplies()]
        expected = evaluate_all(CRM, NOW, rules=rules)
        got = evaluate_all(CRM, NOW, rules=rules, workers=2)
        assert_same(got, expected)
        [failure] = got["u5"].errors
        assert type(failure.exception) is LookupError
        assert str(failure.exception) == "no book for u5"

    def test_a_failure_that_cannot_travel(self) -> None:
        """A failure's exception that cannot come back from a worker is a RuleError with its
        message; the failure reads the same."""
        rules = [FailsOddly(), EmailReplies()]
        expected = evaluate_all(CRM, NOW, rules=rules)
        got = evaluate_all(CRM, NOW, rules=rules, workers=2)
        assert_same(got, expected)
        [failure] = got["u1"].errors
        assert type(failure.exception) is RuleError
        assert str(failure.exception) == str(RuleError("fails_oddly", failure.message))

    def test_an_error_that_cannot_travel(self) -> None:
        """An error that cannot come back from a worker is a GuidedActionsError naming it."""
        assert type(raised(config=_OddSettings())) is Unpicklable
        got = raised(config=_OddSettings(), workers=2)
        assert type(got) is GuidedActionsError
        assert "Unpicklable: u1: no config" in str(got)

    def test_interrupted(self) -> None:
        """Ctrl-C in the caller stops every worker (the fixture checks none is left)."""

        def interrupt(done: int, total: int) -> None:
            raise KeyboardInterrupt

        with parallel.reporting(interrupt), pytest.raises(KeyboardInterrupt):
            evaluate_all(CRM, NOW, workers=2)

    def test_stopped_while_a_result_was_half_written(self) -> None:
        """A worker stopped in the middle of writing its result leaves half a message in the
        results pipe: stopping the pool still ends, and leaves no worker."""
        context = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        pool.submit(time.sleep, 60)
        while not getattr(pool, "_processes", None):
            time.sleep(0.01)
        # A header announcing 1,000 bytes, and ten of them: what a worker stopped mid-write
        # leaves for the pool's reader.
        writer = pool._result_queue._writer  # type: ignore[attr-defined]
        writer._send(struct.pack("!i", 1000) + b"x" * 10)
        stopping = threading.Thread(target=parallel._stop, args=(pool,), daemon=True)
        stopping.start()
        stopping.join(timeout=60)
        assert not stopping.is_alive()

    @pytest.mark.parametrize("workers", [0, -1, -10])
    def test_too_few_workers(self, workers: int) -> None:
        """Fewer than one worker: a ValueError naming the number."""
        with pytest.raises(ValueError, match=f"workers must be at least 1, got {workers}$"):
            evaluate_all(CRM, NOW, workers=workers)

    @pytest.mark.parametrize("workers", [1.0, 2.5, "2", True, False, [2]])
    def test_not_a_number_of_workers(self, workers: Any) -> None:
        """Anything but a whole number or None: a TypeError naming the value."""
        named = re.escape(repr(workers))
        with pytest.raises(TypeError, match=f"^workers must be a whole number .*, got {named}$"):
            evaluate_all(CRM, NOW, workers=workers)

    def test_errors_of_the_other_arguments_first(self) -> None:
        """An unknown user is reported as with one worker, before any process starts."""
        assert str(raised(users=["u1", "nobody"], workers=2)) == str(raised(users=["u1", "nobody"]))


class _OddSettings:
    """Settings whose resolution raises an error that cannot travel back from a worker."""

    def config_of(self, user: Any, rules: Any) -> Config:
        raise Unpicklable(user.id, "no config")


class TestCollector:
    @pytest.mark.parametrize("enabled", [True, False])
    def test_restored(self, enabled: bool) -> None:
        """The caller's collector ends as it was, on or off."""
        was = gc.isenabled()
        try:
            gc.enable() if enabled else gc.disable()
            evaluate_all(CRM, NOW, workers=2)
            assert gc.isenabled() is enabled
            with pytest.raises(RuleError):
                evaluate_all(CRM, NOW, rules=[Fails()], strict=True, workers=2)
            assert gc.isenabled() is enabled
        finally:
            gc.enable() if was else gc.disable()

    def test_paused_in_workers(self, start_method: str) -> None:
        """The workers evaluate with the collector paused."""
        gc.enable()
        evaluate_all(CRM, NOW, rules=[NeedsPausedCollector()], strict=True, workers=2)
        assert gc.get_freeze_count() == 0


class TestProgress:
    def test_reported_as_runs_finish(self) -> None:
        """Within ``reporting``, each finished run reports the users done so far, up to all."""
        seen: list[tuple[int, int]] = []
        with parallel.reporting(lambda done, total: seen.append((done, total))):
            evaluate_all(CRM, NOW, workers=2)
        assert 1 < len(seen) <= 2 * parallel.CHUNKS_PER_WORKER
        assert [d for d, _ in seen] == sorted({d for d, _ in seen})
        assert seen[-1] == (len(USERS), len(USERS))
        assert {t for _, t in seen} == {len(USERS)}

    def test_not_reported_outside(self) -> None:
        """Outside ``reporting`` (and with one worker) nothing is told."""
        seen: list[tuple[int, int]] = []
        with parallel.reporting(lambda done, total: seen.append((done, total))):
            evaluate_all(CRM, NOW)
        evaluate_all(CRM, NOW, workers=2)
        assert seen == []


class TestStartMethod:
    """Forking a process that runs other threads could leave a lock held in the child."""

    @pytest.mark.skipif(
        sys.platform == "darwin" or "fork" not in multiprocessing.get_all_start_methods(),
        reason="fork is never chosen where the platform does not offer it safely",
    )
    def test_fork_only_with_one_thread(self, monkeypatch: pytest.MonkeyPatch) -> None:
        with monkeypatch.context() as patch:  # alone (other suites may leave threads behind)
            patch.setattr(parallel.threading, "active_count", lambda: 1)
            assert parallel._start_method() == "fork"
        release = threading.Event()
        other = threading.Thread(target=release.wait)
        other.start()
        try:
            assert parallel._start_method() == "spawn"
            # And the spawned workers give what one worker gives.
            assert_same(evaluate_all(CRM, NOW, workers=2), evaluate_all(CRM, NOW))
        finally:
            release.set()
            other.join()


class TestChunks:
    @given(
        weights=st.lists(st.integers(min_value=1, max_value=1000), max_size=60),
        count=st.integers(min_value=1, max_value=20),
    )
    def test_runs_of_neighbours(self, weights: list[int], count: int) -> None:
        """Runs cover every user once, in order, none empty, at most ``count`` of them, and none
        heavier than its share plus one user."""
        runs = parallel.chunks(weights, count)
        assert [i for r in runs for i in r] == list(range(len(weights)))
        assert all(len(r) > 0 for r in runs)
        assert len(runs) == min(count, len(weights))
        if weights:
            share = sum(weights) / count
            assert all(sum(weights[i] for i in r) <= share + max(weights) for r in runs)

    def test_worker_count(self) -> None:
        """None is one worker per processor; a number is itself."""
        assert parallel.worker_count(None) == parallel.cpu_count() >= 1
        assert parallel.worker_count(3) == 3

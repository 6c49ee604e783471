"""Config, rule sets and results pickle: equal after the trip, and a worker can send them back."""

from __future__ import annotations

import multiprocessing
import pickle
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

import attrs
import pytest

import pool_tasks
from guided_actions import Config, Proposal, Result, Rule, RuleContext, evaluate, load_rules
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_snapshot
from guided_actions.rules import NewlyAssignedContacts

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)

CONFIG = Config(
    thresholds={
        "email_replies": {"lifetime": timedelta(days=21)},
        "add_contact_to_deal": {"age": timedelta(days=3)},
    },
    grouping={"sequence_activity": False, "priority_tasks_due_today": True},
    engagement_kinds={"email_reply", "form_submission"},
    disabled_rules={"buyer_follow_up", "update_next_steps"},
    feed_limit=10,
    feed_window=timedelta(days=3),
)


T = TypeVar("T")


def round_trip(value: T, protocol: int = pickle.HIGHEST_PROTOCOL) -> T:
    copy: T = pickle.loads(pickle.dumps(value, protocol))
    return copy


def outcome(result: Result) -> tuple[list[dict[str, Any]], list[str]]:
    """What a result says: its actions as dicts, and its failures' text."""
    return result.to_dicts(), [str(failure) for failure in result.errors]


class TestConfig:
    @pytest.mark.parametrize("protocol", PROTOCOLS)
    @pytest.mark.parametrize("config", [Config(), CONFIG], ids=["default", "everything"])
    def test_round_trip(self, config: Config, protocol: int) -> None:
        """A config comes back equal, with the same hash and the same mappings."""
        copy = round_trip(config, protocol)
        assert copy == config
        assert hash(copy) == hash(config)
        assert copy.thresholds == {k: dict(v) for k, v in config.thresholds.items()}
        assert copy.grouping == dict(config.grouping)
        assert copy.engagement_kinds == config.engagement_kinds
        assert copy.disabled_rules == config.disabled_rules
        assert (copy.feed_limit, copy.feed_window) == (config.feed_limit, config.feed_window)

    def test_values(self) -> None:
        """The mappings read like the dicts given, and compare equal to them."""
        assert CONFIG.thresholds["email_replies"]["lifetime"] == timedelta(days=21)
        assert CONFIG.thresholds == {
            "email_replies": {"lifetime": timedelta(days=21)},
            "add_contact_to_deal": {"age": timedelta(days=3)},
        }
        assert CONFIG.grouping == {"sequence_activity": False, "priority_tasks_due_today": True}
        assert list(CONFIG.grouping) == ["sequence_activity", "priority_tasks_due_today"]

    def test_read_only(self) -> None:
        """The mappings cannot be changed."""
        with pytest.raises(TypeError):
            CONFIG.grouping["email_replies"] = False  # type: ignore[index]
        with pytest.raises(TypeError):
            CONFIG.thresholds["email_replies"]["lifetime"] = timedelta(1)  # type: ignore[index]
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            CONFIG.feed_limit = 3  # type: ignore[misc]

    def test_equality_and_hash(self) -> None:
        """Configs built from equal values are equal and hash alike; usable as dict keys."""
        same = Config(
            thresholds={k: dict(v) for k, v in CONFIG.thresholds.items()},
            grouping=dict(CONFIG.grouping),
            engagement_kinds=set(CONFIG.engagement_kinds),
            disabled_rules=list(CONFIG.disabled_rules),
            feed_limit=10,
            feed_window=timedelta(days=3),
        )
        assert same == CONFIG
        assert hash(same) == hash(CONFIG)
        assert {CONFIG: 1}[same] == 1
        assert Config() != CONFIG

    def test_evolve(self) -> None:
        """attrs.evolve keeps the other fields, and its result pickles too."""
        evolved = attrs.evolve(CONFIG, grouping={"sequence_activity": True})
        assert evolved.grouping == {"sequence_activity": True}
        assert evolved.thresholds == CONFIG.thresholds
        assert round_trip(evolved) == evolved

    def test_the_copy_evaluates_alike(self) -> None:
        """The copy gives the same actions as the original."""
        snapshot = demo_snapshot()
        expected = evaluate(snapshot, DEMO_NOW, DEMO_USER, config=CONFIG)
        copied = evaluate(snapshot, DEMO_NOW, DEMO_USER, config=round_trip(CONFIG))
        assert outcome(copied) == outcome(expected)


class TestRuleSet:
    def test_round_trip(self) -> None:
        """The built-in rule set comes back equal: rules, origins, config and plugins."""
        ruleset = load_rules(entry_points=False)
        copy = round_trip(ruleset)
        assert copy == ruleset
        assert copy.rules == ruleset.rules
        assert [type(r) for r in copy] == [type(r) for r in ruleset]
        assert copy.origins == ruleset.origins
        assert copy.plugin_of("email_replies") == ruleset.plugin_of("email_replies")
        assert copy.config == ruleset.config
        assert copy.plugins == ruleset.plugins

    def test_round_trip_with_config(self) -> None:
        """A rule set loaded with a config keeps it, and its rules keep their thresholds."""
        ruleset = load_rules(entry_points=False, config=CONFIG)
        copy = round_trip(ruleset)
        assert copy == ruleset
        assert copy.config == CONFIG

    def test_the_copy_evaluates_alike(self) -> None:
        """Evaluating with the copy gives the same actions."""
        ruleset = load_rules(entry_points=False)
        snapshot = demo_snapshot()
        expected = evaluate(snapshot, DEMO_NOW, DEMO_USER, rules=ruleset)
        copied = evaluate(snapshot, DEMO_NOW, DEMO_USER, rules=round_trip(ruleset))
        assert outcome(copied) == outcome(expected)


@attrs.frozen
class Broken(Rule):
    """Raises on every evaluation."""

    id = "broken"
    title = "Broken"
    category = "general"
    priority = "normal"
    subject_kind = "contact"

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        raise ZeroDivisionError("division by zero")


class TestResult:
    @pytest.mark.parametrize("protocol", PROTOCOLS)
    def test_demo_round_trip(self, protocol: int) -> None:
        """The demo result comes back equal, action by action, with the same text."""
        result = pool_tasks.demo_result()
        assert len(result) > 0
        assert result.errors == ()  # a failure compares by identity: no copy equals it
        copy = round_trip(result, protocol)
        assert copy == result
        assert copy.to_dicts() == result.to_dicts()
        assert [a.explain() for a in copy] == [a.explain() for a in result]
        assert [a.reasons for a in copy] == [a.reasons for a in result]

    def test_failures_round_trip(self) -> None:
        """A result's rule failures come back with their rule, message and exception."""
        result = evaluate(
            demo_snapshot(), DEMO_NOW, DEMO_USER, rules=[Broken, NewlyAssignedContacts]
        )
        [failure] = result.errors
        copy = round_trip(result)
        [copied] = copy.errors
        assert copy.actions == result.actions
        assert (copied.rule_id, copied.message, copied.plugin) == (
            failure.rule_id,
            failure.message,
            failure.plugin,
        )
        assert type(copied.exception) is ZeroDivisionError
        assert str(copied) == str(failure)

    def test_a_worker_sends_its_result(self) -> None:
        """A result computed in a worker process reaches the parent equal to a local one."""
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            remote: Result = pool.submit(pool_tasks.demo_result).result(timeout=60)
        assert remote == pool_tasks.demo_result()

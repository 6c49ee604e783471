"""The library's pytest plugin: fixtures for the tests of a rule, built-in or from a plugin.

pytest loads it by itself wherever ``guided_actions`` is installed (the ``pytest11`` entry point
``guided_actions``); ``import guided_actions`` never imports it, and without pytest it is never
read. The fixtures are thin: each hands out a helper of :mod:`guided_actions.testing`, so that a
test written with them and one written with the plain functions say the same thing::

    from guided_actions.testing import at, deal


    def test_fires(ga_snapshot, ga_run_rule):
        [action] = ga_run_rule("stale_deals", ga_snapshot(deal("d1", created_at=at(days=-20))))
        assert action.subjects == (("deal", "d1"),)

A rule is given as its class, an instance, or its id: an id names a rule of the installed
plugins, found as ``load_rules()`` finds it, so the test runs the rule the package installs.

- ``ga_now``: the instant the helpers evaluate at, ``guided_actions.testing.NOW``; override the
  fixture to move every default ``now`` of a module or a directory;
- ``ga_snapshot(*records, lifecycle_stages=None)``: :func:`guided_actions.testing.build`;
- ``ga_rules``: the :class:`~guided_actions.RuleSet` of the installed plugins, loaded once per
  test session (a plugin that cannot be loaded errors every test that asks for it);
- ``ga_run_rule(rule, snapshot, now=None, user="u1", *, config=None, grouped=None,
  **thresholds)``: :func:`guided_actions.testing.run_rule`, strict, at ``ga_now`` by default;
- ``ga_explain(rule, snapshot, subject, now=None, user="u1", *, grouped=None, **thresholds)``:
  :func:`guided_actions.testing.explain_rule`, at ``ga_now`` by default;
- ``ga_assert_discovered(rule_id, plugin=None)``: fails unless ``load_rules()`` finds the rule
  through an installed package (from ``plugin``, when given); returns the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

import pytest

from guided_actions import testing
from guided_actions._engine.actions import Action
from guided_actions._engine.config import Config
from guided_actions._engine.explain import RuleExplanation
from guided_actions._engine.ruleset import BUILTIN_PLUGIN, RuleSet
from guided_actions._model.records import Record
from guided_actions._plugins.loader import ENTRY_POINT_GROUP, load_rules
from guided_actions._rules.rule import Rule
from guided_actions._snapshot.snapshot import Snapshot

__all__ = [
    "AssertDiscovered",
    "Explain",
    "MakeSnapshot",
    "RuleArg",
    "RunRule",
    "ga_assert_discovered",
    "ga_explain",
    "ga_now",
    "ga_rules",
    "ga_run_rule",
    "ga_snapshot",
]

#: A rule as the fixtures take it: its class, an instance, or the id of an installed rule.
RuleArg = type[Rule] | Rule | str


class MakeSnapshot(Protocol):
    """The type of ``ga_snapshot``."""

    def __call__(self, *records: Record, lifecycle_stages: Sequence[str] | None = None) -> Snapshot:
        """A snapshot of ``records`` plus the default users and pipelines."""


class RunRule(Protocol):
    """The type of ``ga_run_rule``."""

    def __call__(
        self,
        rule: RuleArg,
        snapshot: Snapshot,
        now: datetime | None = None,
        user: str = "u1",
        *,
        config: Config | None = None,
        grouped: bool | None = None,
        **thresholds: timedelta,
    ) -> list[Action]:
        """The rule's actions, evaluated alone and strictly."""


class Explain(Protocol):
    """The type of ``ga_explain``."""

    def __call__(
        self,
        rule: RuleArg,
        snapshot: Snapshot,
        subject: tuple[str, str] | str,
        now: datetime | None = None,
        user: str = "u1",
        *,
        grouped: bool | None = None,
        **thresholds: timedelta,
    ) -> RuleExplanation:
        """The rule's explanation for one record."""


AssertDiscovered = Callable[..., Rule]


def _installed(rules: RuleSet) -> str:
    """What ``load_rules()`` found, in a few words, for a failure message."""
    plugins = [p for p in rules.plugins if p != BUILTIN_PLUGIN]
    found = ", ".join(repr(p) for p in plugins) if plugins else "none"
    return f"load_rules() found {len(rules)} rules; installed plugins: {found}"


_NOT_INSTALLED = (
    "is the package installed in this environment (pip install -e .), and does its "
    f"pyproject.toml declare the module under [project.entry-points.{ENTRY_POINT_GROUP}]?"
)


def _resolve(rule: RuleArg, rules: Callable[[], RuleSet]) -> type[Rule] | Rule:
    """The rule itself: a class or an instance as given, an id looked up among the installed."""
    __tracebackhide__ = True
    if not isinstance(rule, str):
        return rule
    ruleset = rules()
    found = ruleset.get(rule)
    if found is None:
        pytest.fail(f"no rule with id {rule!r}: {_installed(ruleset)}; {_NOT_INSTALLED}")
    return found


@pytest.fixture
def ga_now() -> datetime:
    """The instant the helpers evaluate at by default: ``guided_actions.testing.NOW``."""
    return testing.NOW


@pytest.fixture
def ga_snapshot() -> MakeSnapshot:
    """A factory of snapshots: ``guided_actions.testing.build``."""
    return testing.build


@pytest.fixture(scope="session")
def ga_rules() -> RuleSet:
    """The rules of the built-in and the installed plugins, as ``load_rules()`` finds them."""
    return load_rules()


@pytest.fixture
def ga_run_rule(ga_now: datetime, request: pytest.FixtureRequest) -> RunRule:
    """Run one rule alone, strictly (a rule error raises ``RuleError``), at ``ga_now`` by
    default: ``guided_actions.testing.run_rule``, the rule given by class, instance or id."""

    def run_rule(
        rule: RuleArg,
        snapshot: Snapshot,
        now: datetime | None = None,
        user: str = "u1",
        *,
        config: Config | None = None,
        grouped: bool | None = None,
        **thresholds: timedelta,
    ) -> list[Action]:
        __tracebackhide__ = True
        target = _resolve(rule, lambda: request.getfixturevalue("ga_rules"))
        return testing.run_rule(
            target,
            snapshot,
            ga_now if now is None else now,
            user,
            config=config,
            grouped=grouped,
            **thresholds,
        )

    return run_rule


@pytest.fixture
def ga_explain(ga_now: datetime, request: pytest.FixtureRequest) -> Explain:
    """Explain one rule alone for one record, at ``ga_now`` by default:
    ``guided_actions.testing.explain_rule``, the rule given by class, instance or id."""

    def explain(
        rule: RuleArg,
        snapshot: Snapshot,
        subject: tuple[str, str] | str,
        now: datetime | None = None,
        user: str = "u1",
        *,
        grouped: bool | None = None,
        **thresholds: timedelta,
    ) -> RuleExplanation:
        __tracebackhide__ = True
        target = _resolve(rule, lambda: request.getfixturevalue("ga_rules"))
        return testing.explain_rule(
            target,
            snapshot,
            subject,
            ga_now if now is None else now,
            user,
            grouped=grouped,
            **thresholds,
        )

    return explain


@pytest.fixture
def ga_assert_discovered(ga_rules: RuleSet) -> AssertDiscovered:
    """Assert that ``load_rules()`` finds a rule through an installed package's entry point.

    ``ga_assert_discovered(rule_id, plugin=None)`` fails, saying what was found, unless the
    rule is there, comes from an installed plugin (not the built-in rules) and, when ``plugin``
    is given, from that one (the name on the left of the entry point); it returns the rule.
    """

    def assert_discovered(rule_id: str, plugin: str | None = None) -> Rule:
        __tracebackhide__ = True
        found = ga_rules.get(rule_id)
        if found is None:
            pytest.fail(
                f"rule {rule_id!r} is not discovered: {_installed(ga_rules)}; {_NOT_INSTALLED}"
            )
        origin = ga_rules.plugin_of(rule_id)
        if origin == BUILTIN_PLUGIN:
            pytest.fail(f"rule {rule_id!r} is a built-in rule, not one of an installed plugin")
        if plugin is not None and origin != plugin:
            pytest.fail(f"rule {rule_id!r} comes from plugin {origin!r}, not {plugin!r}")
        return found

    return assert_discovered

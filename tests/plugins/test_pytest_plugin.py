"""The library's pytest plugin: registered for pytest alone, and its fixtures, run by pytest's own
``pytester`` on test files as a plugin author writes them.

An "installed" plugin is made without pip: a module beside the tests and a ``.dist-info``
directory on ``sys.path`` whose ``entry_points.txt`` declares it, which is all that
``importlib.metadata`` (and so ``load_rules()``) reads.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from datetime import timedelta
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from guided_actions import RuleSet
from guided_actions._adapters.cli import scaffold
from guided_actions.testing import NOW, at, build, deal

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]

#: A plugin module with one working rule, ``idle_deals``, and one with a bug, ``broken``.
PLUGIN = '''
from datetime import timedelta

import attrs

import guided_actions
from guided_actions import Rule, threshold
from guided_actions.criteria import CREATED_MORE_THAN, created_more_than


@attrs.frozen
class IdleDeals(Rule):
    """A deal of yours created more than 10 days ago."""

    id = "idle_deals"
    title = "Idle deals"
    category = "deal"
    priority = "low"
    subject_kind = "deal"
    criteria = (CREATED_MORE_THAN,)

    age: timedelta = threshold(timedelta(days=10), "age before it fires")

    def propose(self, ctx):
        for deal in ctx.candidates("deal", ctx.deals_owned):
            checks = ctx.criteria(lambda: created_more_than(ctx, deal, self.age))
            if checks is not None:
                yield self.proposal(
                    deal.id, created_at=deal.created_at + self.age, expires_at=None, checks=checks
                )


@attrs.frozen
class Broken(Rule):
    """A rule with a bug: an open deal has no closed_at."""

    id = "broken"
    title = "Broken"
    category = "deal"
    priority = "low"
    subject_kind = "deal"

    def propose(self, ctx):
        for deal in ctx.candidates("deal", ctx.deals_owned):
            idle = ctx.now - deal.closed_at
            yield self.proposal(deal.id, created_at=ctx.now, expires_at=None, checks=[str(idle)])


@guided_actions.hookimpl
def guided_actions_rules():
    return [IdleDeals, Broken]
'''


def install(pytester: pytest.Pytester, module: str, source: str, *, plugin: str = "") -> None:
    """Make ``module`` importable and, as an installed package would, declare it in the entry
    point group ``guided_actions`` under the name ``plugin`` (``module`` by default)."""
    pytester.makepyfile(**{module: source})
    site = pytester.mkdir("site")
    dist = site / f"{module}-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1.0\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        f"[guided_actions]\n{plugin or module} = {module}\n", encoding="utf-8"
    )
    pytester.syspathinsert()
    pytester.syspathinsert(site)


def run(pytester: pytest.Pytester, tests: str) -> pytest.RunResult:
    pytester.makepyfile(test_plugin=textwrap.dedent(tests))
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly")


class TestRegistration:
    """pytest, and only pytest, loads the plugin."""

    def test_declared_in_the_pytest11_group(self) -> None:
        """pyproject.toml declares the module under pytest11, and the install carries it."""
        project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        declared = project["project"]["entry-points"]["pytest11"]
        assert declared == {"guided_actions": "guided_actions.pytest_plugin"}
        installed = {ep.name: ep.value for ep in entry_points(group="pytest11")}
        assert installed["guided_actions"] == "guided_actions.pytest_plugin"

    def test_import_guided_actions_leaves_it_and_pytest_alone(self) -> None:
        """Importing the library imports neither the plugin nor pytest."""
        code = (
            "import sys, guided_actions, guided_actions.testing\n"
            "print(sorted(m for m in ('pytest', 'guided_actions.pytest_plugin') "
            "if m in sys.modules))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        assert out.strip() == "[]"

    def test_active_in_this_session(self, ga_now, ga_snapshot, ga_run_rule) -> None:
        """The fixtures are there without any import or conftest."""
        from guided_actions.rules import AddContactToDeal

        assert ga_now == NOW
        snapshot = ga_snapshot(deal("d1", created_at=at(days=-8)))
        assert [a.rule for a in ga_run_rule(AddContactToDeal, snapshot)] == ["add_contact_to_deal"]


class TestFixtures:
    """A test file using the fixtures passes; each fixture is its helper of testing."""

    def test_every_fixture_on_an_installed_plugin(self, pytester: pytest.Pytester) -> None:
        """By id, the fixtures run the installed rule; they agree with guided_actions.testing."""
        install(pytester, "idle_plugin", PLUGIN, plugin="idle")
        result = run(
            pytester,
            """
            from datetime import timedelta

            import pytest
            from idle_plugin import IdleDeals

            from guided_actions import RuleSet
            from guided_actions.testing import NOW, at, build, deal, explain_rule, run_rule


            def test_now(ga_now):
                assert ga_now == NOW


            def test_snapshot_is_build(ga_snapshot):
                records = (deal("d1"), deal("d2", owner_id="u2"))
                assert ga_snapshot(*records).to_dict() == build(*records).to_dict()


            def test_rules_are_the_installed(ga_rules):
                assert isinstance(ga_rules, RuleSet)
                assert ga_rules.plugin_of("idle_deals") == "idle"
                assert len(ga_rules) == 20


            @pytest.mark.parametrize("days", [-11, -10, -9])
            def test_run_rule_by_id_class_and_instance(ga_snapshot, ga_run_rule, days):
                snapshot = ga_snapshot(deal("d1", created_at=at(days=days)))
                expected = run_rule(IdleDeals, snapshot, NOW)
                assert bool(expected) is (days <= -10)
                for rule in ("idle_deals", IdleDeals, IdleDeals()):
                    assert ga_run_rule(rule, snapshot) == expected


            def test_run_rule_arguments(ga_snapshot, ga_run_rule):
                snapshot = ga_snapshot(deal("d1", created_at=at(days=-11)))
                assert ga_run_rule("idle_deals", snapshot, age=timedelta(days=12)) == []
                assert ga_run_rule("idle_deals", snapshot, at(days=-2)) == []
                assert ga_run_rule("idle_deals", snapshot, user="u2") == []


            def test_explain(ga_snapshot, ga_explain):
                snapshot = ga_snapshot(deal("d1", created_at=at(days=-3)))
                entry = ga_explain("idle_deals", snapshot, "deal:d1")
                assert entry == explain_rule(IdleDeals, snapshot, "deal:d1")
                assert entry.status == "pending"
                assert entry.created_at == at(days=7)


            def test_discovered(ga_assert_discovered):
                rule = ga_assert_discovered("idle_deals", plugin="idle")
                assert isinstance(rule, IdleDeals)
                assert ga_assert_discovered("idle_deals") == rule
            """,
        )
        result.assert_outcomes(passed=9)

    def test_overriding_ga_now_moves_the_default(self, pytester: pytest.Pytester) -> None:
        """A conftest that overrides ga_now changes the instant of ga_run_rule and ga_explain."""
        install(pytester, "idle_plugin", PLUGIN)
        pytester.makeconftest(
            """
            import pytest
            from guided_actions.testing import at

            @pytest.fixture
            def ga_now():
                return at(days=-5)
            """
        )
        result = run(
            pytester,
            """
            from guided_actions.testing import at, deal

            def test_earlier(ga_snapshot, ga_run_rule, ga_explain):
                snapshot = ga_snapshot(deal("d1", created_at=at(days=-12)))
                assert ga_run_rule("idle_deals", snapshot) == []
                assert ga_run_rule("idle_deals", snapshot, at()) != []
                assert ga_explain("idle_deals", snapshot, "deal:d1").status == "pending"
            """,
        )
        result.assert_outcomes(passed=1)

    def test_the_templates_tests_pass(self, pytester: pytest.Pytester) -> None:
        """The package new-plugin writes: its tests pass against its installed rule."""
        files = scaffold._rendered("my_rules")
        install(pytester, "my_rules", files["src/my_rules/__init__.py"])
        pytester.makepyfile(test_my_rules=files["tests/test_my_rules.py"])
        result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly")
        result.assert_outcomes(passed=7)


class TestFailures:
    """What goes wrong is said in the failure, naming the rule and what to do."""

    def test_a_broken_rule_fails_its_test(self, pytester: pytest.Pytester) -> None:
        """A rule that raises fails the test with a RuleError naming the rule and the exception
        it raised, and the traceback shows the line of the rule that raised it."""
        install(pytester, "buggy", PLUGIN)
        result = run(
            pytester,
            """
            from guided_actions.testing import deal

            def test_broken(ga_snapshot, ga_run_rule):
                assert ga_run_rule("broken", ga_snapshot(deal("d1"))) == []

            def test_the_other_rule_still_passes(ga_snapshot, ga_run_rule):
                assert ga_run_rule("idle_deals", ga_snapshot(deal("d1"))) != []
            """,
        )
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(
            [
                "buggy.py:*: TypeError",
                "*RuleError: rule 'broken'*TypeError: unsupported operand type(s) for -: "
                "'datetime.datetime' and 'NoneType'",
                "FAILED test_plugin.py::test_broken - *RuleError*",
            ]
        )

    def test_an_unknown_id_says_what_is_installed(self, pytester: pytest.Pytester) -> None:
        """An id no installed plugin provides fails with the plugins found and the remedy."""
        install(pytester, "idle_plugin", PLUGIN, plugin="idle")
        result = run(
            pytester,
            """
            from guided_actions.testing import deal

            def test_typo(ga_snapshot, ga_run_rule):
                ga_run_rule("idle_deal", ga_snapshot(deal("d1")))

            def test_typo_explained(ga_snapshot, ga_explain):
                ga_explain("idle_deal", ga_snapshot(deal("d1")), "deal:d1")
            """,
        )
        result.assert_outcomes(failed=2)
        result.stdout.fnmatch_lines(
            [
                "*Failed: no rule with id 'idle_deal': load_rules() found 20 rules; installed "
                "plugins: 'idle'; is the package installed in this environment (pip install -e .)"
                "*[[]project.entry-points.guided_actions[]]?",
            ]
        )
        assert result.stdout.str().count("E       Failed: no rule with id 'idle_deal'") == 2

    @pytest.mark.parametrize(
        ("call", "message"),
        [
            (
                'ga_assert_discovered("stale_deals")',
                "*Failed: rule 'stale_deals' is not discovered: load_rules() found 20 rules; "
                "installed plugins: 'idle'; is the package installed*",
            ),
            (
                'ga_assert_discovered("idle_deals", plugin="idle_plugin")',
                "*Failed: rule 'idle_deals' comes from plugin 'idle', not 'idle_plugin'",
            ),
            (
                'ga_assert_discovered("add_contact_to_deal")',
                "*Failed: rule 'add_contact_to_deal' is a built-in rule, not one of an "
                "installed plugin",
            ),
        ],
        ids=["not-installed", "other-plugin", "built-in"],
    )
    def test_assert_discovered_fails(
        self, pytester: pytest.Pytester, call: str, message: str
    ) -> None:
        """Not found, found under another plugin's name, or built in: each fails, saying so."""
        install(pytester, "idle_plugin", PLUGIN, plugin="idle")
        result = run(pytester, f"def test_it(ga_assert_discovered):\n    {call}\n")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines([message])

    def test_a_plugin_that_cannot_load_errors_the_tests_that_need_it(
        self, pytester: pytest.Pytester
    ) -> None:
        """An installed plugin that raises on import errors the tests using the installed rules
        with the PluginError naming it; a test given the class does not need them."""
        install(pytester, "bad_plugin", "raise ImportError('no module named nowhere')\n")
        result = run(
            pytester,
            """
            from guided_actions.rules import AddContactToDeal
            from guided_actions.testing import at, deal

            def test_by_id(ga_snapshot, ga_run_rule):
                ga_run_rule("add_contact_to_deal", ga_snapshot(deal("d1")))

            def test_by_class(ga_snapshot, ga_run_rule):
                snapshot = ga_snapshot(deal("d1", created_at=at(days=-8)))
                assert ga_run_rule(AddContactToDeal, snapshot) != []
            """,
        )
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(
            [
                "*PluginError: plugin 'bad_plugin': could not load entry point 'bad_plugin': "
                "ImportError: no module named nowhere",
            ]
        )


def test_fixtures_return_what_the_helpers_return(ga_run_rule, ga_explain, ga_rules) -> None:
    """In this session too: a built-in rule by id is run as run_rule runs it."""
    from guided_actions.rules import AddContactToDeal
    from guided_actions.testing import explain_rule, run_rule

    assert isinstance(ga_rules, RuleSet)
    snapshot = build(deal("d1", created_at=at(days=-8)))
    assert ga_run_rule("add_contact_to_deal", snapshot) == run_rule(AddContactToDeal, snapshot)
    assert ga_run_rule("add_contact_to_deal", snapshot, age=timedelta(days=9)) == []
    assert ga_explain("add_contact_to_deal", snapshot, "deal:d1") == explain_rule(
        AddContactToDeal, snapshot, "deal:d1"
    )

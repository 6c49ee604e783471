"""Plugins: rules and configuration through pluggy hooks, conflicts, and failure isolation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

import guided_actions
from guided_actions import Config, Proposal, Rule, RuleContext, evaluate, hookimpl, load_rules
from guided_actions.criteria import Criterion
from guided_actions.errors import PluginConflictError, PluginError, RuleError
from guided_actions.rules import BUILTIN_RULES, AddContactToDeal
from guided_actions.testing import NOW, at, build, deal

ROOT = Path(__file__).resolve().parents[2]
BUILTIN_IDS = [cls.id for cls in BUILTIN_RULES]


@attrs.frozen
class Hello(Rule):
    """Fires once per deal you own."""

    id = "hello"
    title = "Hello"
    category = "deal"
    priority = "low"
    subject_kind = "deal"

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for d in ctx.deals_owned():
            yield self.proposal(d.id, created_at=d.created_at, expires_at=None, reasons=["hi"])


@attrs.frozen
class Boom(Rule):
    """Always raises."""

    id = "boom"
    title = "Boom"
    category = "general"
    priority = "high"
    subject_kind = "deal"

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        raise ZeroDivisionError("division by zero in boom")


def plugin(name: str, **hooks: Callable[..., object]) -> object:
    """A plugin object named ``name`` whose hooks are the given functions."""
    return type(name, (), {k: staticmethod(hookimpl(v)) for k, v in hooks.items()})()


def rules_of(*classes: type[Rule]) -> Callable[[], Sequence[type[Rule]]]:
    def guided_actions_rules() -> Sequence[type[Rule]]:
        return classes

    return guided_actions_rules


SNAPSHOT = build(deal("d1", created_at=at(days=-8)))
#: A met check, for proposals built by hand.
HI = Criterion("hi", met="hi", unmet="not hi").check(True)


class TestLoading:
    def test_builtins_come_through_the_hook(self):
        """Without plugins, the 18 built-in rules load, in table order, from the built-in plugin."""
        rules = load_rules(entry_points=False)
        assert [r.id for r in rules] == BUILTIN_IDS
        assert {rules.plugin_of(i) for i in BUILTIN_IDS} == {"guided_actions.builtin"}

    def test_a_plugin_adds_a_rule(self):
        """A plugin's rule is loaded after the built-ins and evaluated like them."""
        rules = load_rules(
            [plugin("hello_plugin", guided_actions_rules=rules_of(Hello))], entry_points=False
        )
        assert [r.id for r in rules][-1] == "hello"
        assert rules.plugin_of("hello") == "hello_plugin"
        result = evaluate(SNAPSHOT, NOW, "u1", rules=rules)
        assert "hello" in {a.rule for a in result}

    def test_a_plugin_replaces_a_builtin_by_id(self):
        """A plugin rule with a built-in's id takes its place."""

        @attrs.frozen
        class MyAddContact(Hello):
            id = "add_contact_to_deal"

        rules = load_rules(
            [plugin("mine", guided_actions_rules=rules_of(MyAddContact))], entry_points=False
        )
        assert len(rules) == 18
        assert isinstance(rules.get("add_contact_to_deal"), MyAddContact)
        assert rules.plugin_of("add_contact_to_deal") == "mine"
        [action] = evaluate(SNAPSHOT, NOW, "u1", rules=rules).filter(rule="add_contact_to_deal")
        assert action.reasons == ("hi",)

    def test_a_plugin_disables_a_rule_through_configure(self):
        """The configure hook can disable a built-in rule."""

        def guided_actions_configure(config: Config) -> Config:
            return attrs.evolve(config, disabled_rules={"add_contact_to_deal"})

        rules = load_rules(
            [plugin("quiet", guided_actions_configure=guided_actions_configure)], entry_points=False
        )
        assert "add_contact_to_deal" in rules.config.disabled_rules
        assert not evaluate(SNAPSHOT, NOW, "u1", rules=rules).filter(rule="add_contact_to_deal")
        assert evaluate(SNAPSHOT, NOW, "u1").filter(rule="add_contact_to_deal")

    def test_configure_hooks_chain_in_order(self):
        """Each configure hook sees the configuration the previous one returned."""
        seen: list[Config] = []

        def first(config: Config) -> Config:
            return attrs.evolve(config, thresholds={"add_contact_to_deal": {"age": timedelta(9)}})

        def second(config: Config) -> None:
            seen.append(config)

        rules = load_rules(
            [
                plugin("first", guided_actions_configure=first),
                plugin("second", guided_actions_configure=second),
            ],
            entry_points=False,
        )
        assert seen[0].thresholds["add_contact_to_deal"]["age"] == timedelta(days=9)
        assert not evaluate(SNAPSHOT, NOW, "u1", rules=rules).filter(rule="add_contact_to_deal")

    def test_explicit_config_wins_over_the_plugins(self):
        """A config passed to evaluate replaces the rule set's configuration."""

        def guided_actions_configure(config: Config) -> Config:
            return attrs.evolve(config, disabled_rules={"add_contact_to_deal"})

        rules = load_rules(
            [plugin("quiet", guided_actions_configure=guided_actions_configure)], entry_points=False
        )
        result = evaluate(SNAPSHOT, NOW, "u1", rules=rules, config=Config())
        assert result.filter(rule="add_contact_to_deal")


class TestPluginErrors:
    def test_two_plugins_claiming_one_id_name_both(self):
        """Two plugins providing the same rule id is an error naming both plugins."""
        with pytest.raises(PluginConflictError) as info:
            load_rules(
                [
                    plugin("alpha", guided_actions_rules=rules_of(Hello)),
                    plugin("beta", guided_actions_rules=rules_of(Hello)),
                ],
                entry_points=False,
            )
        assert info.value.plugins == ("alpha", "beta")
        assert info.value.rule_id == "hello"
        assert "'alpha'" in str(info.value)
        assert "'beta'" in str(info.value)

    @pytest.mark.parametrize("garbage", [[AddContactToDeal()], [int], "hello", [object]])
    def test_a_hook_returning_garbage_names_the_plugin(self, garbage):
        """A rules hook returning something that is not a list of Rule classes is a PluginError."""

        def guided_actions_rules():
            return garbage

        with pytest.raises(PluginError, match="'junk'"):
            load_rules(
                [plugin("junk", guided_actions_rules=guided_actions_rules)], entry_points=False
            )

    def test_configure_returning_garbage_names_the_plugin(self):
        """A configure hook must return a Config or None."""

        def guided_actions_configure(config):
            return {"thresholds": {}}

        with pytest.raises(PluginError, match=r"'badcfg'.*not a Config"):
            load_rules(
                [plugin("badcfg", guided_actions_configure=guided_actions_configure)],
                entry_points=False,
            )

    def test_a_hook_that_raises_names_the_plugin(self):
        """A rules hook that raises is reported as a PluginError chained to the cause."""

        def guided_actions_rules():
            raise RuntimeError("cannot import my rules")

        with pytest.raises(PluginError, match=r"'broken'.*cannot import my rules") as info:
            load_rules(
                [plugin("broken", guided_actions_rules=guided_actions_rules)], entry_points=False
            )
        assert isinstance(info.value.__cause__, RuntimeError)


class TestFailureIsolation:
    def rules(self) -> guided_actions.RuleSet:
        return load_rules(
            [plugin("explosive", guided_actions_rules=rules_of(Boom))], entry_points=False
        )

    def test_a_raising_rule_does_not_break_the_others(self):
        """The other rules' actions are returned; errors name the rule, plugin and exception."""
        result = evaluate(SNAPSHOT, NOW, "u1", rules=self.rules())
        assert result.filter(rule="add_contact_to_deal")
        [failure] = result.errors
        assert (failure.rule_id, failure.plugin) == ("boom", "explosive")
        assert isinstance(failure.exception, ZeroDivisionError)
        assert "division by zero in boom" in str(failure)

    def test_strict_raises(self):
        """With strict=True the failure is raised as a RuleError chained to the original."""
        with pytest.raises(RuleError, match="'boom' \\(plugin 'explosive'\\)") as info:
            evaluate(SNAPSHOT, NOW, "u1", rules=self.rules(), strict=True)
        assert isinstance(info.value.__cause__, ZeroDivisionError)
        assert info.value.plugin == "explosive"

    @pytest.mark.parametrize(
        ("bad", "message"),
        [
            ("not a proposal", "not a Proposal"),
            (
                Proposal(
                    subject=("deal", "d1"),
                    created_at=datetime(2026, 1, 1),
                    expires_at=None,
                    checks=(HI,),
                ),
                "timezone-aware",
            ),
            (
                Proposal(subject=("deal", "d1"), created_at=None, expires_at=None, checks=(HI,)),
                "timezone-aware",
            ),
            (
                Proposal(subject=("deal", "d404"), created_at=NOW, expires_at=None, checks=(HI,)),
                "does not hold",
            ),
            (
                Proposal(subject=("user", "u2"), created_at=NOW, expires_at=None, checks=(HI,)),  # type: ignore[arg-type]
                "invalid subject",
            ),
            (
                Proposal(subject=("deal", "d1"), created_at=NOW, expires_at=None, checks=()),
                "at least one check",
            ),
            (
                Proposal(subject=("deal", "d1"), created_at=NOW, expires_at=None, checks=("x",)),  # type: ignore[arg-type]
                "at least one check",
            ),
        ],
    )
    def test_a_rule_returning_garbage_is_reported(self, bad, message):
        """Malformed proposals are reported on result.errors, naming the plugin."""

        @attrs.frozen
        class Garbage(Hello):
            id = "garbage"

            def propose(self, ctx: RuleContext) -> Iterator[object]:  # type: ignore[override]
                yield bad

        rules = load_rules(
            [plugin("trash", guided_actions_rules=rules_of(Garbage))], entry_points=False
        )
        result = evaluate(SNAPSHOT, NOW, "u1", rules=rules)
        [failure] = result.errors
        assert (failure.rule_id, failure.plugin) == ("garbage", "trash")
        assert message in failure.message
        assert result.filter(rule="add_contact_to_deal")

    def test_an_unmet_proposal_without_window_is_no_error(self):
        """A proposal whose condition fails may have no ``created_at``: it is no action, and
        no failure (explanations read it)."""

        @attrs.frozen
        class Unmet(Hello):
            id = "unmet"

            def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
                no = Criterion("never_met", met="met", unmet="never met").check(False)
                yield Proposal(
                    subject=("deal", "d1"), created_at=None, expires_at=None, checks=(no,)
                )

        rules = load_rules(
            [plugin("meh", guided_actions_rules=rules_of(Unmet))], entry_points=False
        )
        result = evaluate(SNAPSHOT, NOW, "u1", rules=rules, strict=True)
        assert result.errors == ()
        assert not result.filter(rule="unmet")


def _fake_install(site: Path) -> dict[str, str]:
    """Make the example plugin look installed: its sources plus a dist-info with entry points."""
    dist = site / "guided_actions_stale_deals-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: guided-actions-stale-deals\nVersion: 0.1.0\n"
    )
    (dist / "entry_points.txt").write_text("[guided_actions]\nstale_deals = stale_deals\n")
    src = ROOT / "examples" / "plugin-stale-deals" / "src"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(src), env.get("PYTHONPATH", "")])
    return env


def test_installed_plugin_is_listed_by_the_cli(tmp_path):
    """With the example plugin installed, `guided-actions rules` lists stale_deals too."""
    env = _fake_install(tmp_path / "site")
    out = subprocess.run(
        [sys.executable, "-m", "guided_actions", "rules", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    ids = [rule["id"] for rule in json.loads(out)]
    assert ids[:18] == BUILTIN_IDS
    assert "stale_deals" in ids
    demo = subprocess.run(
        [sys.executable, "-m", "guided_actions", "demo"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr


def test_evaluate_never_discovers_plugins(tmp_path, monkeypatch):
    """evaluate() without rules= runs only the built-ins: discovery happens at the edge."""
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    _fake_install(tmp_path / "site")
    monkeypatch.syspath_prepend(str(ROOT / "examples" / "plugin-stale-deals" / "src"))
    stale = build(deal("d1", created_at=at(days=-30)))
    assert "stale_deals" not in {a.rule for a in evaluate(stale, NOW, "u1")}
    assert "stale_deals" in {a.rule for a in evaluate(stale, NOW, "u1", rules=load_rules())}


def test_now_is_not_read_from_the_clock():
    """The plugin machinery does not change evaluate's purity: same input, same output."""
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    a = evaluate(SNAPSHOT, now, "u1", rules=load_rules(entry_points=False)).to_dicts()
    b = evaluate(SNAPSHOT, now, "u1").to_dicts()
    assert a == b

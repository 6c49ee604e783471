"""The Rule contract, checked once where rules enter: ``load_rules``, ``RuleSet`` and ``rules=``.

A rule class whose class data break the contract (a priority of ``"urgent"``, a category of
``"sales"``, an id that cannot start a key…) is refused before anything runs, with a
``PluginError`` naming the plugin (or, outside the loader, the module of the class), the
attribute and the value. A well-formed class is accepted by every entry point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any

import attrs
import pytest

from guided_actions import (
    Proposal,
    Rule,
    RuleContext,
    RuleSet,
    evaluate,
    explain,
    hookimpl,
    load_rules,
    summarize,
    threshold,
)
from guided_actions.criteria import OWNED_BY_YOU, Criterion
from guided_actions.errors import PluginConflictError, PluginError
from guided_actions.rules import BUILTIN_RULES
from guided_actions.testing import NOW, at, build, deal, run_rule

SNAPSHOT = build(deal("d1", created_at=at(days=-8)))
MODULE = __name__
#: The longest threshold allowed: 36,525 days (100 years).
MAX_DURATION = timedelta(days=36_525)

#: The attributes of a well-formed rule class, which each case below spoils one of.
GOOD: dict[str, Any] = {
    "id": "contract",
    "title": "Contract",
    "category": "deal",
    "priority": "low",
    "subject_kind": "deal",
    "grouped": False,
    "grouping": "one action per subject",
    "created_at_doc": "the deal's `created_at`",
    "expires_doc": "never",
    "criteria": (OWNED_BY_YOU,),
}
#: Leave the attribute out of the class altogether.
MISSING = object()


def _propose(self: Rule, ctx: RuleContext) -> Iterator[Proposal]:
    for d in ctx.deals_owned():
        yield self.proposal(d.id, created_at=d.created_at, expires_at=None, reasons=["hi"])


def rule_class(name: str = "Contract", **changes: Any) -> type[Rule]:
    """A rule class with the good attributes, some changed (``MISSING`` leaves one out)."""
    namespace: dict[str, Any] = {**GOOD, "propose": _propose, "__module__": MODULE}
    for key, value in changes.items():
        if value is MISSING:
            namespace.pop(key, None)
        else:
            namespace[key] = value
    return attrs.frozen(type(name, (Rule,), namespace))


def plugin(name: str, *classes: type[Rule]) -> object:
    def guided_actions_rules() -> Sequence[type[Rule]]:
        return classes

    return type(name, (), {"guided_actions_rules": staticmethod(hookimpl(guided_actions_rules))})()


@attrs.frozen
class _Unimplemented(Rule):
    id = "unimplemented"
    title = "Unimplemented"
    category = "deal"
    priority = "low"
    subject_kind = "deal"


@attrs.frozen
class _TooLong(Rule):
    id = "too_long"
    title = "Too long"
    category = "deal"
    priority = "low"
    subject_kind = "deal"

    lifetime: timedelta = threshold(
        MAX_DURATION + timedelta(microseconds=1), "how long the action lives"
    )

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        return iter(())


@attrs.frozen
class _OddDoc(Rule):
    id = "odd_doc"
    title = "Odd doc"
    category = "deal"
    priority = "low"
    subject_kind = "deal"

    lifetime: timedelta = threshold(timedelta(days=1), 3)  # type: ignore[arg-type]

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        return iter(())


@attrs.frozen
class _PlainField(Rule):
    """A field declared without ``threshold()``: its default is checked all the same."""

    id = "plain_field"
    title = "Plain field"
    category = "deal"
    priority = "low"
    subject_kind = "deal"

    lifetime: timedelta = timedelta.max

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        return iter(())


#: ``(attribute, bad value)``: every way a class below breaks the contract.
BAD_ATTRIBUTES: list[tuple[str, Any]] = [
    ("priority", "urgent"),
    ("priority", "HIGH"),
    ("priority", None),
    ("category", "sales"),
    ("category", ["deal"]),
    ("subject_kind", "planet"),
    ("subject_kind", MISSING),
    ("id", ""),
    ("id", 3),
    ("id", "two:parts"),
    ("id", "new\nline"),
    ("id", "_leading"),
    ("id", "x" * 101),
    ("id", MISSING),
    ("title", None),
    ("title", ""),
    ("title", "   "),
    ("title", "two\nlines"),
    ("title", "\x1b]0;pwned\x07"),
    ("grouped", "yes"),
    ("grouped", 1),
    ("grouping", 3),
    ("created_at_doc", None),
    ("expires_doc", b"never"),
    ("criteria", [OWNED_BY_YOU]),
    ("criteria", ("owned_by_you",)),
]


def _case_id(case: tuple[str, Any]) -> str:
    attribute, value = case
    return f"{attribute}={'missing' if value is MISSING else repr(value)[:20]}"


def _shown(value: Any) -> str:
    """A piece of the value the message quotes (its repr, for short values)."""
    return repr(value)[:12]


class TestRefusedByTheLoader:
    @pytest.mark.parametrize("case", BAD_ATTRIBUTES, ids=[_case_id(c) for c in BAD_ATTRIBUTES])
    def test_names_the_plugin_the_attribute_and_the_value(self, case: tuple[str, Any]) -> None:
        """A malformed rule class is refused at load time, naming plugin, attribute, value."""
        attribute, value = case
        bad = rule_class(**{attribute: value})
        with pytest.raises(PluginError) as info:
            load_rules([plugin("sloppy_plugin", bad)], entry_points=False)
        error = info.value
        assert error.plugin == "sloppy_plugin"
        assert f"'{attribute}'" in error.message
        assert "Contract" in error.message  # the class
        if value is MISSING:
            assert "not declared" in error.message
        else:
            assert _shown(value) in error.message
        assert len(str(error)) < 400

    @pytest.mark.parametrize(
        ("cls", "words"),
        [
            (_Unimplemented, "propose"),
            (_TooLong, "must be at most 36525 days"),
            (_PlainField, "'lifetime'"),
            (_OddDoc, "'lifetime' has a doc that is not a str"),
        ],
    )
    def test_no_propose_or_a_threshold_out_of_bounds(self, cls: type[Rule], words: str) -> None:
        """A class without propose, or whose default threshold is out of bounds, is refused."""
        with pytest.raises(PluginError, match="'sloppy_plugin'") as info:
            load_rules([plugin("sloppy_plugin", cls)], entry_points=False)
        assert words in info.value.message

    def test_a_well_formed_class_is_accepted(self) -> None:
        """The other side of each boundary: the good class loads and runs."""
        rules = load_rules([plugin("tidy_plugin", rule_class())], entry_points=False)
        assert rules.plugin_of("contract") == "tidy_plugin"
        assert [a.rule for a in evaluate(SNAPSHOT, NOW, "u1", rules=rules).filter(rule="contract")]

    @pytest.mark.parametrize(
        ("attribute", "value"),
        [
            *(("priority", p) for p in ("high", "normal", "low")),
            *(("category", c) for c in ("deal", "prospecting", "general")),
            ("id", "a"),
            ("id", "Acme.stale-deals_2"),
            ("id", "x" * 100),
            ("title", "Réponses à traiter"),
            ("grouped", True),
            ("criteria", ()),
            ("criteria", (Criterion("own_words", met="yes", unmet="no"),)),
        ],
        ids=lambda v: v if isinstance(v, str) and len(v) < 30 else type(v).__name__,
    )
    def test_every_allowed_value_is_accepted(self, attribute: str, value: Any) -> None:
        """Every value the contract allows loads (100 characters of id, any printable title)."""
        cls = rule_class(**{attribute: value})
        rules = load_rules([plugin("tidy_plugin", cls)], entry_points=False)
        rule = rules.rules[-1]
        assert getattr(rule, attribute) == value

    def test_nothing_is_loaded_when_one_class_is_bad(self) -> None:
        """One bad class among good ones refuses the whole load (no half-built rule set)."""
        good, bad = rule_class(), rule_class("Urgent", id="urgent", priority="urgent")
        with pytest.raises(PluginError, match="'priority'"):
            load_rules([plugin("mixed", good, bad)], entry_points=False)


class TestRefusedOutsideTheLoader:
    """``RuleSet(...)``, ``evaluate(rules=...)``, ``explain``, ``summarize`` and the testing
    helpers run the same check; the plugin named is the module of the rule's class, or the
    rule set's origin."""

    BAD = rule_class("Urgent", id="urgent", priority="urgent")

    @pytest.mark.parametrize(
        "entry",
        [
            pytest.param(lambda rules: evaluate(SNAPSHOT, NOW, "u1", rules=rules), id="evaluate"),
            pytest.param(
                lambda rules: explain(SNAPSHOT, NOW, "u1", "deal:d1", rules=rules), id="explain"
            ),
            pytest.param(lambda rules: summarize(SNAPSHOT, NOW, "u1", rules=rules), id="summarize"),
        ],
    )
    @pytest.mark.parametrize("as_instance", [False, True])
    def test_rules_argument(self, entry: Callable[[Any], object], as_instance: bool) -> None:
        """A malformed class or instance in rules= is a PluginError naming its module."""
        given = self.BAD() if as_instance else self.BAD
        with pytest.raises(PluginError, match="'priority'") as info:
            entry([*BUILTIN_RULES, given])
        assert info.value.plugin == MODULE
        assert "'urgent'" in info.value.message

    def test_rule_set_built_directly(self) -> None:
        """RuleSet(...) checks its rules, blaming the origin it is given (else the module)."""
        with pytest.raises(PluginError, match="'priority'") as info:
            RuleSet(rules=(self.BAD(),), origins={"urgent": "hand_made"})
        assert info.value.plugin == "hand_made"
        with pytest.raises(PluginError) as info:
            RuleSet(rules=(self.BAD(),), origins={})
        assert info.value.plugin == MODULE

    def test_rule_set_evolved(self) -> None:
        """A rule set cannot be evolved into a malformed one either."""
        good = load_rules(entry_points=False)
        with pytest.raises(PluginError, match="'priority'"):
            attrs.evolve(good, rules=(*good.rules, self.BAD()))

    def test_testing_helper(self) -> None:
        """guided_actions.testing.run_rule refuses it too (it goes through evaluate)."""
        with pytest.raises(PluginError, match="'priority'"):
            run_rule(self.BAD, SNAPSHOT)

    def test_instance_with_a_threshold_out_of_bounds(self) -> None:
        """An instance whose plain (validator-less) field is out of bounds is refused."""
        with pytest.raises(PluginError, match="'lifetime'"):
            evaluate(SNAPSHOT, NOW, "u1", rules=[_PlainField(lifetime=MAX_DURATION * 2)])
        accepted = evaluate(SNAPSHOT, NOW, "u1", rules=[_PlainField(lifetime=MAX_DURATION)])
        assert accepted.errors == ()

    def test_two_rules_with_one_id(self) -> None:
        """Two rules with the same id in rules= would give actions with one key: refused."""
        twin = rule_class("Twin")
        with pytest.raises(PluginConflictError, match="'contract'"):
            evaluate(SNAPSHOT, NOW, "u1", rules=[rule_class(), twin])

    def test_well_formed_rules_pass_every_entry(self) -> None:
        """The good class goes through every entry point."""
        good = rule_class()
        assert RuleSet(rules=(good(),), origins={}).rules[0].id == "contract"
        assert [a.rule for a in evaluate(SNAPSHOT, NOW, "u1", rules=[good])] == ["contract"]
        assert [a.rule for a in run_rule(good, SNAPSHOT)] == ["contract"]
        assert explain(SNAPSHOT, NOW, "u1", "deal:d1", rules=[good]).rules[0].status == "active"


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no message for you")


class Unrepresentable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


def hooks(name: str, **functions: Callable[..., object]) -> object:
    return type(name, (), {k: staticmethod(hookimpl(f)) for k, f in functions.items()})()


class TestPluginsThatCannotBePrinted:
    """What a plugin raises or returns is described without calling anything of it that can
    raise: the error is still a PluginError naming the plugin."""

    def test_a_rules_hook_raising_an_unprintable_exception(self) -> None:
        def guided_actions_rules() -> list[type[Rule]]:
            raise Unprintable

        with pytest.raises(PluginError, match="'mute'") as info:
            load_rules(
                [hooks("mute", guided_actions_rules=guided_actions_rules)], entry_points=False
            )
        assert "Unprintable" in info.value.message

    def test_a_configure_hook_raising_an_unprintable_exception(self) -> None:
        def guided_actions_configure(config: object) -> None:
            raise Unprintable

        with pytest.raises(PluginError, match="'mute'") as info:
            load_rules(
                [hooks("mute", guided_actions_configure=guided_actions_configure)],
                entry_points=False,
            )
        assert "Unprintable" in info.value.message

    @pytest.mark.parametrize("returned", [Unrepresentable(), [Unrepresentable()]])
    def test_a_rules_hook_returning_something_unrepresentable(self, returned: object) -> None:
        def guided_actions_rules() -> object:
            return returned

        with pytest.raises(PluginError, match="'odd'") as info:
            load_rules(
                [hooks("odd", guided_actions_rules=guided_actions_rules)], entry_points=False
            )
        assert "Unrepresentable" in info.value.message

    def test_a_configure_hook_returning_something_unrepresentable(self) -> None:
        def guided_actions_configure(config: object) -> object:
            return Unrepresentable()

        with pytest.raises(PluginError, match="'odd'") as info:
            load_rules(
                [hooks("odd", guided_actions_configure=guided_actions_configure)],
                entry_points=False,
            )
        assert "not a Config" in info.value.message

    def test_a_rule_whose_defaults_raise_unprintably(self) -> None:
        """A class whose construction raises an unprintable exception: a PluginError too."""

        def explode(self: Rule) -> None:
            raise Unprintable

        bad = rule_class(__attrs_post_init__=explode)
        with pytest.raises(PluginError, match="'fragile'") as info:
            load_rules([plugin("fragile", bad)], entry_points=False)
        assert "cannot be built with its defaults: Unprintable" in info.value.message

"""Config: thresholds, grouping, engagement kinds, disabled rules, and the rules argument."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import attrs
import pytest

from guided_actions import Config, Proposal, Result, Rule, RuleContext, evaluate, threshold
from guided_actions.errors import GuidedActionsError, InvalidConfigError
from guided_actions.rules import (
    BUILTIN_RULES,
    AddContactToDeal,
    NewlyAssignedContacts,
    RecentlyEngagedLeads,
)
from guided_actions.testing import NOW, at, build, contact, deal, engagement, lead


@attrs.frozen
class Windowed(Rule):
    """Proposes contact c1, created a day ago, living ``lifetime``."""

    id = "windowed"
    title = "Windowed"
    category = "general"
    priority = "normal"
    subject_kind = "contact"

    lifetime: timedelta = threshold(timedelta(days=2), "how long the action lives")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        created = at(days=-1)
        yield self.proposal(
            "c1", created_at=created, expires_at=created + self.lifetime, reasons=["always"]
        )


SNAP = build(contact("c1"))


def run(config: Config, *rules: Any, snapshot: Any = SNAP) -> Result:
    return evaluate(snapshot, NOW, "u1", config=config, rules=list(rules) or [Windowed])


class TestInvalidConfig:
    @pytest.mark.parametrize(
        "config",
        [
            pytest.param(Config(thresholds={"nope": {"lifetime": timedelta(days=1)}}), id="thr"),
            pytest.param(Config(grouping={"nope": True}), id="grouping"),
            pytest.param(Config(disabled_rules={"nope"}), id="disabled"),
        ],
    )
    def test_unknown_rule_id(self, config: Config) -> None:
        """A config naming a rule that is not evaluated raises InvalidConfigError naming it."""
        with pytest.raises(InvalidConfigError, match="nope") as info:
            run(config)
        assert isinstance(info.value, ValueError)
        assert isinstance(info.value, GuidedActionsError)

    def test_unknown_rule_id_with_builtin_rules(self) -> None:
        """An unknown rule id is rejected with the default rule set too."""
        with pytest.raises(InvalidConfigError, match="no_such_rule"):
            evaluate(SNAP, NOW, "u1", config=Config(grouping={"no_such_rule": False}))

    def test_unknown_threshold_name(self) -> None:
        """A threshold the rule does not declare raises InvalidConfigError naming it."""
        with pytest.raises(InvalidConfigError, match="lifespan"):
            run(Config(thresholds={"windowed": {"lifespan": timedelta(days=1)}}))

    @pytest.mark.parametrize(
        "value",
        [7, 7.0, "7 days", None, timedelta(days=-1), timedelta(microseconds=-1)],
    )
    def test_bad_threshold_value(self, value: object) -> None:
        """A threshold that is not a timedelta, or is negative, raises InvalidConfigError."""
        with pytest.raises(InvalidConfigError, match="lifetime") as info:
            run(Config(thresholds={"windowed": {"lifetime": value}}))  # type: ignore[dict-item]
        assert isinstance(info.value, ValueError)

    def test_bad_builtin_threshold_value(self) -> None:
        """A negative threshold for a built-in rule is rejected too."""
        thresholds = {"add_contact_to_deal": {"age": timedelta(days=-7)}}
        with pytest.raises(InvalidConfigError, match="age"):
            evaluate(SNAP, NOW, "u1", config=Config(thresholds=thresholds))

    @pytest.mark.parametrize(
        "kinds", [{"email_open", "telepathy"}, ["phone_call"], "email_open"], ids=repr
    )
    def test_bad_engagement_kinds(self, kinds: Any) -> None:
        """engagement_kinds with an unknown kind (or a bare string) raises InvalidConfigError."""
        with pytest.raises(InvalidConfigError) as info:
            Config(engagement_kinds=kinds)
        assert isinstance(info.value, ValueError)

    def test_grouping_value_must_be_bool(self) -> None:
        """A grouping value that is not a bool raises InvalidConfigError."""
        with pytest.raises(InvalidConfigError):
            Config(grouping={"windowed": "yes"})  # type: ignore[dict-item]


class TestConfigEffects:
    def test_default_threshold(self) -> None:
        """Without config the rule's default threshold applies."""
        [action] = run(Config())
        assert action.expires_at == at(days=1)

    def test_threshold_override(self) -> None:
        """A threshold override changes what the rule computes."""
        [action] = run(Config(thresholds={"windowed": {"lifetime": timedelta(hours=36)}}))
        assert action.expires_at == at(hours=12)
        assert len(run(Config(thresholds={"windowed": {"lifetime": timedelta(hours=24)}}))) == 0

    def test_builtin_threshold_override(self) -> None:
        """A built-in rule honours its threshold override."""
        snap = build(deal("d1", created_at=at(days=-4)))
        assert len(evaluate(snap, NOW, "u1", rules=[AddContactToDeal])) == 0
        config = Config(thresholds={"add_contact_to_deal": {"age": timedelta(days=3)}})
        [action] = evaluate(snap, NOW, "u1", rules=[AddContactToDeal], config=config)
        assert action.created_at == at(days=-1)

    def test_disabled_rules_removes_a_rule(self) -> None:
        """A disabled rule gives no action while the others still run."""
        snap = build(
            contact("c1", owner_assigned_at=at(days=-1)), deal("d1", created_at=at(days=-8))
        )
        everything = {a.rule for a in evaluate(snap, NOW, "u1")}
        assert {"newly_assigned_contacts", "add_contact_to_deal"} <= everything
        config = Config(disabled_rules={"newly_assigned_contacts"})
        remaining = {a.rule for a in evaluate(snap, NOW, "u1", config=config)}
        assert remaining == everything - {"newly_assigned_contacts"}

    def test_engagement_kinds_restricts_what_counts(self) -> None:
        """Only the configured engagement kinds count as the contact engaging."""
        snap = build(contact("c1"), lead("l1"), engagement("ev1", kind="page_view"))
        assert len(evaluate(snap, NOW, "u1", rules=[RecentlyEngagedLeads])) == 1
        config = Config(engagement_kinds={"email_reply", "form_submission"})
        assert len(evaluate(snap, NOW, "u1", rules=[RecentlyEngagedLeads], config=config)) == 0
        config = Config(engagement_kinds={"page_view"})
        assert len(evaluate(snap, NOW, "u1", rules=[RecentlyEngagedLeads], config=config)) == 1

    def test_config_is_frozen_against_later_mutation(self) -> None:
        """Mutating the dicts passed to Config afterwards does not change it."""
        overrides = {"lifetime": timedelta(hours=36)}
        thresholds = {"windowed": overrides}
        grouping = {"windowed": True}
        config = Config(thresholds=thresholds, grouping=grouping)
        overrides["lifetime"] = timedelta(hours=1)
        grouping["windowed"] = False
        [action] = run(config)
        assert action.expires_at == at(hours=12)
        assert action.grouped


class TestRulesArgument:
    def test_classes_and_instances(self) -> None:
        """rules= accepts rule classes and rule instances alike."""
        snap = build(contact("c1", owner_assigned_at=at(days=-1)))
        by_class = evaluate(snap, NOW, "u1", rules=[NewlyAssignedContacts, Windowed])
        by_instance = evaluate(snap, NOW, "u1", rules=[NewlyAssignedContacts(), Windowed()])
        assert by_class.to_dicts() == by_instance.to_dicts()
        assert {a.rule for a in by_class} == {"newly_assigned_contacts", "windowed"}

    def test_instance_thresholds_are_kept(self) -> None:
        """A rule instance built with its own threshold is evaluated with it."""
        [action] = evaluate(SNAP, NOW, "u1", rules=[Windowed(lifetime=timedelta(days=5))])
        assert action.expires_at == at(days=4)

    def test_rules_restricts_the_rule_set(self) -> None:
        """Only the given rules run."""
        snap = build(
            contact("c1", owner_assigned_at=at(days=-1)), deal("d1", created_at=at(days=-8))
        )
        result = evaluate(snap, NOW, "u1", rules=[AddContactToDeal])
        assert {a.rule for a in result} == {"add_contact_to_deal"}

    def test_default_is_the_builtin_rules(self) -> None:
        """Without rules= the built-in rules run: config may name any of them."""
        config = Config(grouping={cls.id: False for cls in BUILTIN_RULES})
        result = evaluate(
            build(contact("c1", owner_assigned_at=at(days=-1))), NOW, "u1", config=config
        )
        assert [a.rule for a in result] == ["newly_assigned_contacts"]
        assert not result[0].grouped

    def test_not_a_rule(self) -> None:
        """Something that is not a rule in rules= raises TypeError."""
        with pytest.raises(TypeError):
            evaluate(SNAP, NOW, "u1", rules=[object()])  # type: ignore[list-item]


#: The longest duration a setting may hold: 36,525 days (100 years).
LONGEST = timedelta(days=36_525)
TOO_LONG = [LONGEST + timedelta(microseconds=1), timedelta(days=40_000), timedelta.max]


class TestDurationBounds:
    """Every duration of a Config, and every rule threshold, is at most 36,525 days: refused
    beyond with a message naming the setting and the bound, accepted up to it."""

    @pytest.mark.parametrize("value", TOO_LONG, ids=["one_microsecond_more", "40000d", "max"])
    def test_feed_window_too_long(self, value: timedelta) -> None:
        """Config(feed_window=timedelta.max) is refused, clearly."""
        with pytest.raises(InvalidConfigError, match="feed_window") as info:
            Config(feed_window=value)
        assert "at most 36525 days" in str(info.value)
        assert isinstance(info.value, ValueError)

    @pytest.mark.parametrize("value", TOO_LONG, ids=["one_microsecond_more", "40000d", "max"])
    def test_threshold_too_long(self, value: timedelta) -> None:
        """A threshold override beyond the bound is refused when the Config is made, naming the
        rule and the threshold."""
        with pytest.raises(InvalidConfigError) as info:
            Config(thresholds={"email_replies": {"lifetime": value}})
        message = str(info.value)
        assert "'email_replies'" in message
        assert "'lifetime'" in message
        assert "at most 36525 days" in message

    @pytest.mark.parametrize("value", [timedelta(0), timedelta(microseconds=-1), 7, None])
    def test_threshold_not_positive_when_made(self, value: object) -> None:
        """A threshold that is not a positive timedelta is refused when the Config is made."""
        with pytest.raises(InvalidConfigError, match="'lifetime'"):
            Config(thresholds={"email_replies": {"lifetime": value}})  # type: ignore[dict-item]

    def test_the_longest_is_accepted(self) -> None:
        """The bound itself, and the shortest positive duration, are accepted and evaluated."""
        for value in (LONGEST, timedelta(microseconds=1)):
            config = Config(thresholds={"windowed": {"lifetime": value}}, feed_window=value)
            assert config.feed_window == value
            result = run(config)
            assert result.errors == ()
            assert len(result) == (1 if value == LONGEST else 0)

    def test_a_rule_threshold_too_long(self) -> None:
        """A rule built with a threshold beyond the bound is refused (threshold() validates)."""
        with pytest.raises(ValueError, match="'lifetime' must be at most 36525 days"):
            Windowed(lifetime=LONGEST + timedelta(microseconds=1))
        assert Windowed(lifetime=LONGEST).lifetime == LONGEST

    def test_builtin_thresholds_at_the_bound(self) -> None:
        """Every built-in threshold set to the bound: evaluation runs without a failure."""
        thresholds = {
            cls.id: dict.fromkeys(cls().thresholds(), LONGEST)
            for cls in BUILTIN_RULES
            if cls().thresholds()
        }
        snap = build(deal("d1", created_at=at(days=-8)), contact("c1"))
        result = evaluate(snap, NOW, "u1", config=Config(thresholds=thresholds))
        assert result.errors == ()

"""Evaluation settings: thresholds, grouping, counted engagement kinds, disabled rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

import attrs

from guided_actions._engine.ranking import RankingWeights, ranking_weights
from guided_actions._model.frozen import FrozenDict
from guided_actions._model.records import ENGAGEMENT_KINDS
from guided_actions._model.time import duration_problem
from guided_actions._rules.rule import Rule
from guided_actions.errors import InvalidConfigError, short_repr

__all__ = ["Config"]


def _check_key(where: str, key: object, what: str) -> None:
    if not isinstance(key, str):
        raise InvalidConfigError(f"{where}: a key must be a {what} (a str), got {short_repr(key)}")


def _freeze_nested(
    value: Mapping[str, Mapping[str, timedelta]],
) -> FrozenDict[str, FrozenDict[str, timedelta]]:
    if not isinstance(value, Mapping):
        raise InvalidConfigError(
            f"thresholds must be a mapping of rule id to mapping, got {short_repr(value)}"
        )
    frozen: dict[str, FrozenDict[str, timedelta]] = {}
    for rule_id, values in value.items():
        _check_key("thresholds", rule_id, "rule id")
        if not isinstance(values, Mapping):
            raise InvalidConfigError(
                f"thresholds[{short_repr(rule_id)}] must be a mapping of threshold name to "
                "timedelta"
            )
        for name, delta in values.items():
            _check_key(f"thresholds[{rule_id!r}]", name, "threshold name")
            problem = duration_problem(delta)
            if problem is not None:
                raise InvalidConfigError(
                    f"thresholds[{short_repr(rule_id)}][{short_repr(name)}] {problem}"
                )
        frozen[rule_id] = FrozenDict(values)
    return FrozenDict(frozen)


def _freeze(value: Mapping[str, bool]) -> FrozenDict[str, bool]:
    if not isinstance(value, Mapping):
        raise InvalidConfigError(
            f"grouping must be a mapping of rule id to bool, got {short_repr(value)}"
        )
    for rule_id, on in value.items():
        _check_key("grouping", rule_id, "rule id")
        if not isinstance(on, bool):
            raise InvalidConfigError(
                f"grouping[{short_repr(rule_id)}] must be true or false, got {short_repr(on)}"
            )
    return FrozenDict(value)


def _kinds(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        raise InvalidConfigError("engagement_kinds must be a collection of kinds, not a string")
    kinds = frozenset(value)
    unknown = sorted(k for k in kinds if k not in ENGAGEMENT_KINDS)
    if unknown:
        raise InvalidConfigError(
            f"unknown engagement kind(s) {', '.join(map(short_repr, unknown))}; "
            f"known: {', '.join(ENGAGEMENT_KINDS)}"
        )
    return kinds


def _ids(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        raise InvalidConfigError("disabled_rules must be a collection of rule ids, not a string")
    return frozenset(value)


def _positive_int(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidConfigError(
            f"{attribute.name} must be a positive integer, got {short_repr(value)}"
        )


def _duration(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    problem = duration_problem(value)
    if problem is not None:
        raise InvalidConfigError(f"{attribute.name} {problem}")


@attrs.frozen(kw_only=True)
class Config:
    """How to evaluate: every field is optional and defaults to SPEC §5's values.

    - ``thresholds``: ``{rule_id: {threshold_name: timedelta}}``, e.g.
      ``{"email_replies": {"lifetime": timedelta(days=10)}}``;
    - ``grouping``: ``{rule_id: bool}`` turns a rule's grouping into cards on or off;
    - ``engagement_kinds``: the engagement kinds that count as "the contact engaged";
    - ``disabled_rules``: rule ids not to run;
    - ``feed_limit`` and ``feed_window``: how many entries, and how far back, the workspace feed
      shows (50 entries of the last 7 days by default);
    - ``snooze_high`` and ``snooze_other``: how long :func:`~guided_actions.snooze_until` snoozes
      an action by default: 1 hour for a high-priority action, 24 hours for any other;
    - ``ranking``: the weights of the default ranker's score parts (``Result.ranked``), a
      :class:`~guided_actions.RankingWeights` or a mapping such as ``{"amount": 4}``.

    Every duration (each threshold, ``feed_window``, ``snooze_high``, ``snooze_other``) must be a
    ``timedelta`` greater than zero and at most ``MAX_DURATION``, 36,525 days (100 years); anything
    else is an :class:`~guided_actions.errors.InvalidConfigError` naming the setting and the value.
    Names are checked against the rules actually evaluated: an unknown rule id or threshold is an
    :class:`~guided_actions.errors.InvalidConfigError` too.

    A config is immutable (its mappings are read-only copies), compares equal to one built from
    the same values, hashes, and pickles, so it can be sent to worker processes.
    """

    thresholds: Mapping[str, Mapping[str, timedelta]] = attrs.field(
        factory=dict, converter=_freeze_nested
    )
    grouping: Mapping[str, bool] = attrs.field(factory=dict, converter=_freeze)
    engagement_kinds: frozenset[str] = attrs.field(
        default=frozenset(ENGAGEMENT_KINDS), converter=_kinds
    )
    disabled_rules: frozenset[str] = attrs.field(factory=frozenset, converter=_ids)
    feed_limit: int = attrs.field(default=50, validator=_positive_int)
    feed_window: timedelta = attrs.field(default=timedelta(days=7), validator=_duration)
    snooze_high: timedelta = attrs.field(default=timedelta(hours=1), validator=_duration)
    snooze_other: timedelta = attrs.field(default=timedelta(hours=24), validator=_duration)
    ranking: RankingWeights = attrs.field(factory=RankingWeights, converter=ranking_weights)

    def apply(self, rules: Iterable[Rule]) -> list[Rule]:
        """The rules to run: disabled ones removed, thresholds applied. Checks every name."""
        rules = list(rules)
        known = {r.id for r in rules}
        for section, names in (
            ("thresholds", self.thresholds),
            ("grouping", self.grouping),
            ("disabled_rules", self.disabled_rules),
        ):
            unknown = sorted(set(names) - known)
            if unknown:
                raise InvalidConfigError(
                    f"{section} names unknown rule(s) {', '.join(map(short_repr, unknown))}"
                )
        out: list[Rule] = []
        for rule in rules:
            if rule.id in self.disabled_rules:
                continue
            overrides = self.thresholds.get(rule.id)
            if overrides:
                declared = rule.thresholds()
                unknown = sorted(set(overrides) - set(declared))
                if unknown:
                    raise InvalidConfigError(
                        f"rule {rule.id!r} has no threshold {', '.join(map(short_repr, unknown))}; "
                        f"its thresholds: {', '.join(declared) or 'none'}"
                    )
                try:
                    rule = attrs.evolve(rule, **overrides)
                except (TypeError, ValueError) as exc:
                    raise InvalidConfigError(f"rule {rule.id!r}: {exc}") from exc
            out.append(rule)
        return out

    def grouped(self, rule: Rule) -> bool:
        """Whether the rule's actions are merged into cards."""
        return self.grouping.get(rule.id, rule.grouped)

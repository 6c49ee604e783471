"""The rule set: the rules to evaluate, where each came from, and their configuration.

The plugin loader (:func:`guided_actions.load_rules`) builds rule sets from installed plugins;
the engine only reads them, and builds the default one, the built-in rules, without the loader.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping

import attrs

from guided_actions._engine.config import Config
from guided_actions._model.frozen import FrozenDict
from guided_actions._rules.rule import Rule

__all__ = ["BUILTIN_PLUGIN", "RuleSet", "builtin_rules"]

#: The plugin name the built-in rules are registered under.
BUILTIN_PLUGIN = "guided_actions.builtin"


def _frozen_mapping(value: Mapping[str, str]) -> FrozenDict[str, str]:
    return FrozenDict(value)


@attrs.frozen(kw_only=True)
class RuleSet:
    """The rules to evaluate, the plugin each came from, and the plugins' configuration.

    Iterating gives the rule instances, built-in order first, then plugin rules by plugin. A rule
    set pickles (when its rules' classes can be imported), so it can be sent to worker processes.
    """

    rules: tuple[Rule, ...]
    origins: Mapping[str, str] = attrs.field(converter=_frozen_mapping)
    config: Config = attrs.field(factory=Config)
    plugins: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def plugin_of(self, rule_id: str) -> str | None:
        """The name of the plugin that provided the rule."""
        return self.origins.get(rule_id)

    def get(self, rule_id: str) -> Rule | None:
        """The rule with that id."""
        return next((r for r in self.rules if r.id == rule_id), None)


@functools.cache
def builtin_rules() -> RuleSet:
    """The 18 built-in rules with their default thresholds, as the built-in plugin gives them.

    Installed plugins are not discovered here (that reads package metadata, at the edge): pass
    ``rules=load_rules()`` to ``evaluate`` for them.
    """
    from guided_actions.rules import BUILTIN_RULES

    return RuleSet(
        rules=tuple(cls() for cls in BUILTIN_RULES),
        origins={cls.id: BUILTIN_PLUGIN for cls in BUILTIN_RULES},
        plugins=(BUILTIN_PLUGIN,),
    )

"""The rule set: the rules to evaluate, where each came from, and their configuration.

The plugin loader (:func:`guided_actions.load_rules`) builds rule sets from installed plugins;
the engine only reads them, and builds the default one, the built-in rules, without the loader.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping

import attrs

from guided_actions._engine.actions import describe_exception
from guided_actions._engine.config import Config
from guided_actions._engine.ranking import Ranker
from guided_actions._model.frozen import FrozenDict
from guided_actions._rules.rule import Rule, rule_problem
from guided_actions._text.i18n import Catalogue, add_catalogues
from guided_actions.errors import PluginConflictError, PluginError, short_repr

__all__ = ["BUILTIN_PLUGIN", "RuleSet", "build_rule", "builtin_rules", "check_rules", "plugin_of"]

#: The plugin name the built-in rules are registered under.
BUILTIN_PLUGIN = "guided_actions.builtin"


def _frozen_mapping(value: Mapping[str, str]) -> FrozenDict[str, str]:
    return FrozenDict(value)


def _rules_tuple(value: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(value)


def _catalogues_tuple(value: Iterable[Catalogue]) -> tuple[Catalogue, ...]:
    return tuple(value)


def plugin_of(rule: object, origins: Mapping[str, str] = FrozenDict()) -> str:
    """The plugin a rule (instance or class) is blamed on: the one ``origins`` names for its id,
    else the module that defines its class."""
    rule_id = getattr(rule, "id", None)
    if type(rule_id) is str and rule_id in origins:
        return origins[rule_id]
    cls = rule if isinstance(rule, type) else type(rule)
    module = getattr(cls, "__module__", None)
    return module if type(module) is str else "?"


def build_rule(cls: type[Rule], plugin: str) -> Rule:
    """An instance of a rule class, with its default thresholds, once the class is checked
    against the Rule contract. Raises :class:`PluginError` naming ``plugin``."""
    problem = rule_problem(cls)
    if problem is not None:
        raise PluginError(plugin, problem)
    try:
        return cls()
    except Exception as exc:
        raise PluginError(
            plugin, f"rule {cls.id!r} cannot be built with its defaults: {describe_exception(exc)}"
        ) from exc


def check_rules(rules: Iterable[object], origins: Mapping[str, str] = FrozenDict()) -> None:
    """Check rule instances against the Rule contract (:func:`rule_problem`) and that no two
    share an id: the one check of every way rules reach the engine. Raises
    :class:`~guided_actions.errors.PluginError` naming the plugin (``origins``, else the module
    of the rule's class), or ``TypeError`` for something that is not a rule at all."""
    seen: dict[str, str] = {}
    for rule in rules:
        if not isinstance(rule, Rule):
            raise TypeError(f"rules must be Rule instances or classes, got {short_repr(rule)}")
        plugin = plugin_of(rule, origins)
        problem = rule_problem(rule)
        if problem is not None:
            raise PluginError(plugin, problem)
        if rule.id in seen:
            raise PluginConflictError(rule.id, (seen[rule.id], plugin))
        seen[rule.id] = plugin


@attrs.frozen(kw_only=True)
class RuleSet:
    """The rules to evaluate, the plugin each came from, and the plugins' configuration.

    Iterating gives the rule instances, built-in order first, then plugin rules by plugin. A rule
    set pickles (when its rules' classes, and its ranker, can be imported), so it can be sent to
    worker processes. ``ranker`` is the ranker a plugin provided (``guided_actions_ranker``) and
    ``ranker_plugin`` that plugin: ``Result.ranked()`` uses it when given no ranker.
    ``catalogues`` are the plugins' message catalogues (``guided_actions_catalogues``): once
    the rule set is built, every text made in another language than English consults them
    before the library's own.
    """

    rules: tuple[Rule, ...] = attrs.field(converter=_rules_tuple)
    origins: Mapping[str, str] = attrs.field(converter=_frozen_mapping)
    config: Config = attrs.field(factory=Config)
    plugins: tuple[str, ...] = ()
    ranker: Ranker | None = None
    ranker_plugin: str | None = None
    catalogues: tuple[Catalogue, ...] = attrs.field(default=(), converter=_catalogues_tuple)

    def __attrs_post_init__(self) -> None:
        # Checked once, here: a rule set is immutable, so evaluation need not check it again.
        check_rules(self.rules, self.origins)
        add_catalogues(self.catalogues)
        if self.ranker is not None and not callable(self.ranker):
            raise TypeError(f"ranker must be a callable, got {short_repr(self.ranker)}")

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

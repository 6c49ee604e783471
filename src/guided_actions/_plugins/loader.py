"""Loading rules from plugins: the edge where installed packages are discovered.

:func:`load_rules` builds a :class:`RuleSet`: the rule instances to run, where each came from, and
the configuration the plugins adjusted. Pass it to ``evaluate(..., rules=ruleset)``.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Iterator
from importlib.metadata import entry_points
from types import ModuleType

import pluggy

from guided_actions import hookspecs
from guided_actions._engine.actions import describe_exception
from guided_actions._engine.config import Config
from guided_actions._engine.ranking import Ranker
from guided_actions._engine.ruleset import BUILTIN_PLUGIN, RuleSet, build_rule
from guided_actions._plugins import builtin as _builtin
from guided_actions._rules.rule import Rule, rule_problem
from guided_actions._text.i18n import Catalogue, shipped_locales
from guided_actions.errors import (
    InvalidConfigError,
    PluginConflictError,
    PluginError,
    RankerConflictError,
    short_repr,
)

__all__ = ["ENTRY_POINT_GROUP", "RuleSet", "load_rules", "plugin_manager"]

ENTRY_POINT_GROUP = "guided_actions"


def _plugin_name(plugin: object) -> str:
    if isinstance(plugin, ModuleType):
        return plugin.__name__
    name = getattr(plugin, "__name__", None)
    return name if isinstance(name, str) else type(plugin).__name__


def plugin_manager(
    plugins: Iterable[object] = (), *, entry_points_group: str | None = ENTRY_POINT_GROUP
) -> pluggy.PluginManager:
    """A plugin manager with the built-in rules, the installed plugins and ``plugins``.

    ``entry_points_group=None`` skips discovery of installed packages.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    pm.register(_builtin, name=BUILTIN_PLUGIN)
    if entry_points_group is not None:
        for ep in sorted(entry_points(group=entry_points_group), key=lambda e: e.name):
            if pm.has_plugin(ep.name):
                continue
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginError(
                    ep.name, f"could not load entry point {ep.value!r}: {describe_exception(exc)}"
                ) from exc
            _register(pm, plugin, ep.name)
    for plugin in plugins:
        _register(pm, plugin, _plugin_name(plugin))
    return pm


def _register(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    try:
        pm.register(plugin, name=name)
    except (ValueError, pluggy.PluginValidationError) as exc:
        raise PluginError(name, str(exc)) from exc


def _ordered_impls(pm: pluggy.PluginManager, hook: str) -> list[pluggy.HookImpl]:
    order = [name for name, _ in pm.list_name_plugin()]
    impls = getattr(pm.hook, hook).get_hookimpls()
    # Built-in first, then in registration order (entry points by name, then explicit plugins).
    return sorted(impls, key=lambda impl: order.index(impl.plugin_name))


def _answers(pm: pluggy.PluginManager, hook: str) -> Iterator[tuple[str, object]]:
    """``(plugin name, what its implementation of ``hook`` returned)`` for each plugin, in plugin
    order, leaving out ``None``; an implementation that raises is that plugin's
    :class:`~guided_actions.errors.PluginError`."""
    for impl in _ordered_impls(pm, hook):
        try:
            returned: object = impl.function()
        except Exception as exc:
            raise PluginError(impl.plugin_name, f"{hook} raised {describe_exception(exc)}") from exc
        if returned is not None:
            yield impl.plugin_name, returned


def load_rules(
    plugins: Iterable[object] = (),
    *,
    entry_points: bool = True,
    config: Config | None = None,
) -> RuleSet:
    """Collect the rules of the built-in plugin, installed plugins and ``plugins``.

    - ``plugins``: extra plugin objects or modules (handy in tests and notebooks);
    - ``entry_points``: discover installed packages of the ``guided_actions`` entry-point group;
    - ``config``: the starting configuration the plugins' ``guided_actions_configure`` adjust.

    The rule set carries the ranker a plugin provided (``guided_actions_ranker``), if any, and
    the plugins' message catalogues (``guided_actions_catalogues``), which every text made in
    another language than English consults before the library's own once the rule set is built.

    Raises :class:`~guided_actions.errors.PluginConflictError` when two plugins claim one rule
    id, :class:`~guided_actions.errors.RankerConflictError` when two provide a ranker,
    :class:`~guided_actions.errors.PluginError` when a plugin cannot be loaded, returns
    something that is not a rule class, or a rule class that breaks the Rule contract (an id,
    title, category, priority, subject kind, grouping or criteria of the wrong type or value, no
    ``propose``, a threshold out of bounds): the error names the plugin, the attribute and the
    value.
    """
    pm = plugin_manager(plugins, entry_points_group=ENTRY_POINT_GROUP if entry_points else None)
    classes: dict[str, type[Rule]] = {}
    origins: dict[str, str] = {}
    for name, returned in _answers(pm, "guided_actions_rules"):
        if not isinstance(returned, Iterable) or isinstance(returned, str | bytes):
            raise PluginError(
                name, f"guided_actions_rules returned {short_repr(returned)}, not a list"
            )
        for cls in returned:
            if not (isinstance(cls, type) and issubclass(cls, Rule)):
                raise PluginError(
                    name, f"guided_actions_rules returned {short_repr(cls)}, not a Rule subclass"
                )
            # The class is checked against the Rule contract here, where its plugin is known.
            problem = rule_problem(cls)
            if problem is not None:
                raise PluginError(name, problem)
            rule_id = cls.id
            previous = origins.get(rule_id)
            if previous is not None and previous != BUILTIN_PLUGIN:
                raise PluginConflictError(rule_id, (previous, name))
            classes[rule_id] = cls
            origins[rule_id] = name
    instances = [build_rule(cls, origins[rule_id]) for rule_id, cls in classes.items()]
    cfg = config if config is not None else Config()
    for impl in _ordered_impls(pm, "guided_actions_configure"):
        try:
            adjusted = impl.function(config=cfg)
        except InvalidConfigError:
            raise
        except Exception as exc:
            raise PluginError(
                impl.plugin_name, f"guided_actions_configure raised {describe_exception(exc)}"
            ) from exc
        if adjusted is None:
            continue
        if not isinstance(adjusted, Config):
            raise PluginError(
                impl.plugin_name,
                f"guided_actions_configure returned {short_repr(adjusted)}, not a Config or None",
            )
        cfg = adjusted
    cfg.apply(instances)  # check every name now, at load time
    ranker, ranker_plugin = _ranker(pm)
    catalogues = _catalogues(pm)
    return RuleSet(
        rules=tuple(instances),
        origins=origins,
        config=cfg,
        plugins=tuple(name for name, _ in pm.list_name_plugin()),
        ranker=ranker,
        ranker_plugin=ranker_plugin,
        catalogues=catalogues,
    )


def _catalogues(pm: pluggy.PluginManager) -> tuple[Catalogue, ...]:
    """The plugins' message catalogues, in plugin order, each checked: every compiled
    catalogue it has for a language the library ships must read."""
    found: list[Catalogue] = []
    for name, returned in _answers(pm, "guided_actions_catalogues"):
        expected = "not a pair (directory, domain) or None"
        if type(returned) is not tuple or len(returned) != 2:
            raise PluginError(
                name, f"guided_actions_catalogues returned {short_repr(returned)}, {expected}"
            )
        try:
            catalogue = Catalogue(*returned)
        except (TypeError, ValueError) as exc:
            raise PluginError(
                name,
                f"guided_actions_catalogues returned {short_repr(returned)}, {expected}: {exc}",
            ) from exc
        for lang in shipped_locales():
            try:
                catalogue.load(lang)
            except (OSError, ValueError) as exc:
                raise PluginError(
                    name, f"catalogue {catalogue.file(lang)} cannot be read: {exc}"
                ) from exc
        found.append(catalogue)
    return tuple(found)


def _ranker(pm: pluggy.PluginManager) -> tuple[Ranker | None, str | None]:
    """The ranker one plugin provides, and that plugin; ``(None, None)`` when none does."""
    found: tuple[Ranker | None, str | None] = (None, None)
    for name, returned in _answers(pm, "guided_actions_ranker"):
        if not callable(returned):
            raise PluginError(
                name,
                f"guided_actions_ranker returned {short_repr(returned)}, not a callable or None",
            )
        previous = found[1]
        if previous is not None:
            raise RankerConflictError((previous, name))
        found = (typing.cast("Ranker", returned), name)
    return found

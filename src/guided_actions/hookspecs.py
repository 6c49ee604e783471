"""The hooks a ``guided_actions`` plugin can implement.

A plugin is any module or object with functions marked ``@guided_actions.hookimpl`` whose names
are below. Installed packages register one through the entry-point group ``guided_actions``::

    [project.entry-points.guided_actions]
    stale_deals = "stale_deals"

The 18 built-in rules register through the same hook, as the plugin ``guided_actions.builtin``.
Plugins are discovered and called by :func:`guided_actions.load_rules` (and by the command-line
program), never inside :func:`guided_actions.evaluate`, which does no I/O.

Hooks are called once per :func:`~guided_actions.load_rules` call, in this order:

1. :func:`guided_actions_rules`, for every plugin: collect rule classes;
2. :func:`guided_actions_configure`, for every plugin, each receiving the configuration the
   previous one returned: adjust thresholds, grouping, engagement kinds, disabled rules;
3. :func:`guided_actions_ranker`, for every plugin: at most one may provide a ranker;
4. :func:`guided_actions_catalogues`, for every plugin: the translations of its texts.

Plugins are called built-in first, then entry-point plugins by entry-point name, then the plugins
passed to ``load_rules(plugins=...)`` in the order given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable
    from os import PathLike

    from guided_actions._engine.config import Config
    from guided_actions._engine.ranking import Ranker
    from guided_actions._rules.rule import Rule

__all__ = [
    "PROJECT_NAME",
    "guided_actions_catalogues",
    "guided_actions_configure",
    "guided_actions_ranker",
    "guided_actions_rules",
    "hookimpl",
    "hookspec",
]

PROJECT_NAME = "guided_actions"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
#: Mark a plugin's hook implementation: ``@guided_actions.hookimpl``.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def guided_actions_rules() -> Sequence[type[Rule]]:  # type: ignore[empty-body]
    """Return the rule classes this plugin provides.

    Called once per load. Each class is a subclass of :class:`guided_actions.Rule` with a unique
    ``id``. A class whose ``id`` is a built-in rule's replaces that built-in rule; two plugins
    returning the same ``id`` is a :class:`~guided_actions.errors.PluginConflictError` naming both.
    """


@hookspec
def guided_actions_configure(config: Config) -> Config | None:
    """Adjust the configuration: return a new :class:`guided_actions.Config`, or ``None``.

    Called once per load, after every plugin's rules are collected, with the configuration so far
    (the caller's, adjusted by the plugins called before). Use ``attrs.evolve(config, ...)`` to
    change thresholds, grouping, engagement kinds or ``disabled_rules`` (to disable a rule).
    """


@hookspec
def guided_actions_ranker() -> Ranker | None:
    """Return the ranker ``Result.ranked()`` uses when it is given none, or ``None``.

    Called once per load. A ranker is a callable ``(action, facts) -> Score`` (see
    :class:`guided_actions.Ranker`); it replaces :func:`guided_actions.default_ranker` for every
    result evaluated with the loaded rule set (``evaluate(..., rules=ruleset)``). Two plugins
    returning one is a :class:`~guided_actions.errors.RankerConflictError` naming both.
    """


@hookspec
def guided_actions_catalogues() -> tuple[str | PathLike[str] | Traversable, str] | None:
    """Return where this plugin's compiled message catalogues are, ``(directory, domain)``, or
    ``None``.

    Called once per load. ``directory`` (a path, or an ``importlib.resources`` traversable inside
    the plugin's package: ``files("stale_deals") / "locale"``) holds
    ``<lang>/LC_MESSAGES/<domain>.mo``; ``domain`` is an identifier. The message ids are the English
    texts of the plugin's rules (titles, calls to action, criteria templates); each language is
    used where the library ships that language too. The loaded rule set's catalogues are
    consulted before the library's own by every text made in another language
    (``result.to_dicts(locale="fr")``, ``Rule.localized_title("fr")``, …). Anything else than
    such a pair, or a catalogue file that is not a compiled catalogue, is a
    :class:`~guided_actions.errors.PluginError` naming the plugin (and the file).
    """

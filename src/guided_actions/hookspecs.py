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
   previous one returned: adjust thresholds, grouping, engagement kinds, disabled rules.

Plugins are called built-in first, then entry-point plugins by entry-point name, then the plugins
passed to ``load_rules(plugins=...)`` in the order given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from guided_actions._engine.config import Config
    from guided_actions._rules.rule import Rule

__all__ = [
    "PROJECT_NAME",
    "guided_actions_configure",
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

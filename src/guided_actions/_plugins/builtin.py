"""The built-in rules, registered as a plugin like any other (``guided_actions.builtin``)."""

from __future__ import annotations

from collections.abc import Sequence

from guided_actions._rules.rule import Rule
from guided_actions.hookspecs import hookimpl


@hookimpl
def guided_actions_rules() -> Sequence[type[Rule]]:
    from guided_actions.rules import BUILTIN_RULES

    return BUILTIN_RULES

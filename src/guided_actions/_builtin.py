"""The built-in rules, registered as a plugin like any other (``guided_actions.builtin``)."""

from __future__ import annotations

from collections.abc import Sequence

from ._rule import Rule
from .hookspecs import hookimpl

NAME = "guided_actions.builtin"


@hookimpl
def guided_actions_rules() -> Sequence[type[Rule]]:
    from .rules import BUILTIN_RULES

    return BUILTIN_RULES

"""Named criteria shared by the rules: the public path of :mod:`guided_actions._rules.criteria`."""

from __future__ import annotations

from guided_actions._rules.criteria import *  # noqa: F403
from guided_actions._rules.criteria import __all__ as __all__

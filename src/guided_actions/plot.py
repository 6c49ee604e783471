"""Plots of guided actions (needs the ``[plot]`` extra: ``pip install 'guided-actions[plot]'``).

- :func:`actions_per_rep`: ``evaluate_all``'s results as a bar per rep, stacked by rule; reps with
  no action keep a bar of height zero.
- :func:`timeline`: one rep's result, each action a bar from ``created_at`` to ``expires_at``.

Both return the matplotlib ``Axes`` they drew on (``ax=`` to draw on yours). matplotlib is
imported when a plot is drawn: importing this module does not need it, and a plot without it
raises a :class:`ModuleNotFoundError` saying what to install.
"""

from __future__ import annotations

from guided_actions._adapters.plot import actions_per_rep, timeline

__all__ = ["actions_per_rep", "timeline"]

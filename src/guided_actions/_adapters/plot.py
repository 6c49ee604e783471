"""Plots of guided actions with matplotlib (the ``[plot]`` extra), imported when a plot is drawn.

- :func:`actions_per_rep`: how many actions each rep has, a bar per rep stacked by rule; a rep
  with no action keeps a bar of height zero, so nobody disappears from the picture.
- :func:`timeline`: one rep's actions as horizontal bars from ``created_at`` to ``expires_at``;
  an action with no time limit runs to the right edge, hatched.

Each draws on the ``ax`` given, or on a new figure's, and returns the ``Axes``: restyle it,
save its figure, or draw more on it. Texts from the data (user ids, titles) are shown as they
are: a ``$`` is a dollar sign, never the start of a formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from guided_actions._engine.tables import Results, count_rows, require

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from guided_actions._engine.actions import Action, Result

__all__ = ["PLOT_INSTALL", "actions_per_rep", "timeline"]

#: What to install for the plots.
PLOT_INSTALL = "pip install 'guided-actions[plot]'"
#: The hatch of a bar with no time limit.
OPEN_HATCH = "//"
#: The colours of the rules in :func:`actions_per_rep`: 20 distinct ones, one per rule.
RULE_COLOURS = "tab20"
#: The colour of each priority on the timeline (matplotlib's default cycle).
PRIORITY_COLOURS = {"high": "C3", "normal": "C0", "low": "C7"}


def _matplotlib(module: str, purpose: str) -> Any:
    """A matplotlib module; without matplotlib, a ``ModuleNotFoundError`` naming ``[plot]``."""
    require("matplotlib", purpose, PLOT_INSTALL)
    return require(module, purpose, PLOT_INSTALL)


def _axes(ax: Axes | None, purpose: str) -> Axes:
    """``ax``, or the axes of a new figure; matplotlib must be installed either way."""
    pyplot = _matplotlib("matplotlib.pyplot", purpose)
    if ax is not None:
        return ax
    _figure, axes = pyplot.subplots()
    new: Axes = axes
    return new


def actions_per_rep(results: Mapping[str, Result], *, ax: Axes | None = None) -> Axes:
    """A bar per rep (in ``results``' order), stacked by rule (in the order of
    ``results.counts()``), each segment as tall as the rep's actions of that rule.

    ``results`` is what :func:`~guided_actions.evaluate_all` returns; a plain mapping of user
    id to result works too. A rep with no action has bars of height zero and keeps its label;
    a rule no rep has an action of is left out (of the stacks and of the legend). Returns the
    ``Axes``.
    """
    purpose = "guided_actions.plot.actions_per_rep()"
    axes = _axes(ax, purpose)
    table = results if isinstance(results, Results) else Results(results)
    users = list(table)
    by_rule: dict[str, list[int]] = {}
    position = {uid: i for i, uid in enumerate(users)}
    for uid, rule, count in count_rows(table):
        by_rule.setdefault(rule, [0] * len(users))[position[uid]] = count
    # A rule nobody has an action of would only be a legend entry for bars of height zero.
    by_rule = {rule: heights for rule, heights in by_rule.items() if any(heights)}
    xs = list(range(len(users)))
    bottom = [0] * len(users)
    colours = _matplotlib("matplotlib", purpose).colormaps[RULE_COLOURS]
    for i, (rule, heights) in enumerate(by_rule.items()):
        axes.bar(xs, heights, bottom=bottom, label=rule, color=colours(i % colours.N))
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    if not by_rule and users:
        axes.bar(xs, bottom)  # no action at all: the reps are still there, with nothing
    axes.set_xticks(xs, users, rotation=45 if len(users) > 8 else 0, parse_math=False)
    axes.set_xlabel("rep")
    axes.set_ylabel("actions")
    axes.set_title("Actions per rep, by rule")
    axes.yaxis.set_major_locator(
        _matplotlib("matplotlib.ticker", purpose).MaxNLocator(integer=True)
    )
    if by_rule:
        # Listed top to bottom as the segments are stacked: the first rule at the bottom.
        handles, labels = axes.get_legend_handles_labels()
        axes.legend(
            handles[::-1],
            labels[::-1],
            title="rule",
            fontsize="small",
            loc="upper left",
            bbox_to_anchor=(1, 1),
        )
    return axes


def _label(action: Action) -> str:
    """The action's title and what it is about: ``Title · deal d1`` (``+ 2`` for a card)."""
    kind, rid = action.subjects[0] if action.subjects else ("", "")
    others = len(action.subjects) - 1
    return f"{action.title} · {kind} {rid}" + (f" + {others}" if others > 0 else "")


def timeline(result: Result, *, ax: Axes | None = None) -> Axes:
    """One rep's actions, one horizontal bar each, from ``created_at`` to ``expires_at``, in
    the result's order from top to bottom, labelled by title; coloured by priority.

    The x axis runs from the earliest ``created_at`` (or ``now``) to a little after the latest
    instant shown (an ``expires_at``, a ``created_at`` or ``now``); an action with no time limit
    runs to that right edge and is hatched. A vertical line marks ``now``. Returns the
    ``Axes``.
    """
    purpose = "guided_actions.plot.timeline()"
    axes = _axes(ax, purpose)
    dates = _matplotlib("matplotlib.dates", purpose)
    actions = result.actions
    instants: list[datetime] = [result.now]
    for action in actions:
        instants.append(action.created_at)
        if action.expires_at is not None:
            instants.append(action.expires_at)
    first, last = min(instants), max(instants)
    margin = max((last - first) / 20, timedelta(hours=1))
    left, right = dates.date2num(first - margin), dates.date2num(last + margin)
    ys = list(range(len(actions) - 1, -1, -1))  # the first action on top
    starts = [dates.date2num(a.created_at) for a in actions]
    ends = [right if a.expires_at is None else dates.date2num(a.expires_at) for a in actions]
    bars = axes.barh(
        ys,
        [end - start for start, end in zip(starts, ends, strict=True)],
        left=starts,
        color=[PRIORITY_COLOURS.get(a.priority, "C0") for a in actions],
    )
    for bar, action in zip(bars, actions, strict=True):
        if action.expires_at is None:
            bar.set_hatch(OPEN_HATCH)
    axes.axvline(dates.date2num(result.now), color="black", linewidth=1, linestyle="--")
    axes.set_xlim(left, right)
    axes.set_yticks(ys, [_label(a) for a in actions], parse_math=False)
    axes.set_ylim(-1, max(len(actions), 1))
    axes.xaxis_date()
    axes.xaxis.set_major_formatter(dates.ConciseDateFormatter(axes.xaxis.get_major_locator()))
    axes.set_xlabel("UTC")
    title = f"Actions of {result.user_id} at {result.now:%Y-%m-%d %H:%M} UTC (dashed: now)"
    axes.set_title(title, parse_math=False)
    if not actions:
        axes.text(0.5, 0.5, "no actions", transform=axes.transAxes, ha="center", va="center")
        return axes
    patches = _matplotlib("matplotlib.patches", purpose)
    shown = {a.priority for a in actions}
    handles = [
        patches.Patch(color=colour, label=f"{priority} priority")
        for priority, colour in PRIORITY_COLOURS.items()
        if priority in shown
    ]
    if any(a.expires_at is None for a in actions):
        handles.append(
            patches.Patch(
                facecolor="white", edgecolor="black", hatch=OPEN_HATCH, label="no time limit"
            )
        )
    axes.legend(handles=handles, fontsize="small")
    return axes

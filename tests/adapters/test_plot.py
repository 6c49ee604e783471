"""``guided_actions.plot``: actions per rep stacked by rule, one rep's timeline, and the error
when matplotlib is missing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

matplotlib.use("Agg")

from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.dates import date2num
from matplotlib.patches import Rectangle

from guided_actions import Action, Result, Results, Snapshot, evaluate_all
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_snapshot
from guided_actions._adapters.plot import OPEN_HATCH
from guided_actions.criteria import Criterion
from guided_actions.plot import actions_per_rep, timeline
from guided_actions.rules import BUILTIN_RULES
from guided_actions.testing import NOW

FACT = Criterion("fact", met="{x}", unmet="not {x}")
RULES = ("alpha", "beta", "gamma")
RULE_IDS = [cls.id for cls in BUILTIN_RULES]


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def an_action(
    rule: str = "alpha",
    number: int = 0,
    *,
    user: str = "u1",
    created: datetime = NOW - timedelta(hours=1),
    expires: datetime | None = NOW + timedelta(days=1),
    title: str | None = None,
) -> Action:
    return Action(
        key=f"{rule}:{user}:{number}",
        rule=rule,
        title=title if title is not None else f"{rule} {number}",
        category="general",
        priority="normal",
        user_id=user,
        subjects=(("contact", f"c{number}"),),
        created_at=created,
        expires_at=expires,
        contact_ids=(),
        company_ids=(),
        checks=(FACT.check(True, x="why"),),
    )


def results_of(plan: dict[str, list[str]], rule_ids: tuple[str, ...] = RULES) -> Results:
    """A Results whose user ``u`` has one action per rule listed in ``plan[u]``."""
    return Results(
        {
            user: Result(
                user_id=user,
                now=NOW,
                actions=tuple(an_action(r, i, user=user) for i, r in enumerate(rules)),
            )
            for user, rules in plan.items()
        },
        rule_ids=rule_ids,
    )


def stacks(ax: Axes) -> dict[str, list[Rectangle]]:
    """The bars of each rule (the legend's label of each container)."""
    return {
        str(c.get_label()): list(c.patches) for c in ax.containers if isinstance(c, BarContainer)
    }


def ticks(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.get_xticklabels()]


class TestActionsPerRep:
    def test_heights_are_the_counts_per_rep_and_rule(self) -> None:
        """Each segment is as tall as the rep's actions of its rule and sits on the ones
        below; the stacks follow ``counts()``, rule by rule."""
        demo = demo_snapshot()
        results = evaluate_all(demo, DEMO_NOW)
        ax = actions_per_rep(results)
        counts = results.counts().to_pylist()
        users = list(results)
        assert ticks(ax) == users
        bars = stacks(ax)
        used = {row["rule"] for row in counts if row["count"]}
        assert list(bars) == [r for r in dict.fromkeys(row["rule"] for row in counts) if r in used]
        assert len(used) == len(RULE_IDS)  # the demo has an action of every rule
        bottom = dict.fromkeys(users, 0.0)
        for row in counts:
            bar = bars[row["rule"]][users.index(row["user_id"])]
            assert bar.get_height() == row["count"]
            assert bar.get_y() == bottom[row["user_id"]]
            bottom[row["user_id"]] += row["count"]
        for user, result in results.items():
            assert bottom[user] == len(result)

    def test_a_rule_nobody_has_is_left_out(self) -> None:
        """Only the rules some rep has an action of are stacked and in the legend."""
        results = results_of({"u1": ["gamma"], "u2": ["alpha"]})
        assert results.rule_ids == RULES
        ax = actions_per_rep(results)
        assert list(stacks(ax)) == ["alpha", "gamma"]
        legend = ax.get_legend()
        assert legend is not None
        assert [t.get_text() for t in legend.get_texts()] == ["gamma", "alpha"]

    def test_a_rep_with_no_action_keeps_a_bar_of_height_zero(self) -> None:
        results = results_of({"u1": ["alpha", "beta", "beta"], "idle": [], "u3": ["gamma"]})
        ax = actions_per_rep(results)
        assert ticks(ax) == ["u1", "idle", "u3"]
        bars = stacks(ax)
        assert list(bars) == list(RULES)
        assert [bars[r][1].get_height() for r in RULES] == [0, 0, 0]
        assert [bars[r][0].get_height() for r in RULES] == [1, 2, 0]
        assert [bars[r][2].get_height() for r in RULES] == [0, 0, 1]

    def test_nobody_has_an_action(self) -> None:
        """No action at all: every rep still has a bar (of height zero) and a label."""
        ax = actions_per_rep(results_of({"u1": [], "u2": []}, rule_ids=()))
        assert ticks(ax) == ["u1", "u2"]
        heights = [p.get_height() for bars in stacks(ax).values() for p in bars]
        assert heights == [0, 0]

    def test_a_plain_mapping_counts_the_rules_its_actions_come_from(self) -> None:
        plain = dict(results_of({"u1": ["beta", "alpha"], "u2": ["beta"]}))
        ax = actions_per_rep(plain)
        bars = stacks(ax)
        assert list(bars) == ["beta", "alpha"]  # in the order of the first action of each
        assert [b.get_height() for b in bars["beta"]] == [1, 1]
        assert [b.get_height() for b in bars["alpha"]] == [1, 0]

    def test_draws_on_the_axes_given_and_returns_it(self) -> None:
        _figure, ax = plt.subplots()
        assert actions_per_rep(results_of({"u1": ["alpha"]}), ax=ax) is ax
        assert stacks(ax)["alpha"][0].get_height() == 1

    def test_the_legend_lists_the_rules_top_down_as_stacked(self) -> None:
        ax = actions_per_rep(results_of({"u1": ["alpha", "beta", "gamma"]}))
        legend = ax.get_legend()
        assert legend is not None
        assert [t.get_text() for t in legend.get_texts()] == ["gamma", "beta", "alpha"]

    def test_user_ids_are_shown_as_they_are(self) -> None:
        """A ``$`` in an id is a dollar sign, not a formula that fails to draw."""
        results = results_of({"$big$ rep": ["alpha"], "50$": ["beta"]})
        ax = actions_per_rep(results)
        ax.figure.canvas.draw()
        assert ticks(ax) == ["$big$ rep", "50$"]


@settings(max_examples=40, deadline=None)
@given(
    plan=st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.lists(st.sampled_from(RULES), max_size=6),
        max_size=6,
    )
)
def test_every_segment_is_a_count(plan: dict[str, list[str]]) -> None:
    """Whatever the reps and their actions: a bar per rep and rule some rep has, each as tall
    as that count, the stack of a rep as tall as its result; every rep has its bars."""
    ax = actions_per_rep(results_of(plan))
    try:
        bars = stacks(ax)
        users = list(plan)
        used = [r for r in RULES if any(r in rules for rules in plan.values())]
        assert ticks(ax) == users
        # Nobody has an action: one unnamed row of bars of height zero, one per rep.
        assert list(bars) == (used or (["_container0"] if users else []))
        for i, user in enumerate(users):
            for rule in used:
                assert bars[rule][i].get_height() == plan[user].count(rule)
            assert sum(b[i].get_height() for b in bars.values()) == len(plan[user])
    finally:
        plt.close("all")


def bars_of(ax: Axes) -> list[Rectangle]:
    (container,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    return list(container.patches)


class TestTimeline:
    def test_one_bar_per_action_from_created_to_expires(self) -> None:
        demo = demo_snapshot()
        result = evaluate_all(demo, DEMO_NOW)[DEMO_USER]
        ax = timeline(result)
        bars = bars_of(ax)
        assert len(bars) == len(result)
        right = ax.get_xlim()[1]
        for bar, action in zip(bars, result, strict=True):
            start = date2num(action.created_at)
            assert bar.get_x() == pytest.approx(start, abs=1e-9)
            if action.expires_at is None:
                assert bar.get_x() + bar.get_width() == pytest.approx(right, abs=1e-9)
                assert bar.get_hatch() == OPEN_HATCH
            else:
                width = date2num(action.expires_at) - start
                assert bar.get_width() == pytest.approx(width, abs=1e-9)
                assert bar.get_hatch() is None
        assert any(a.expires_at is None for a in result)
        # The first action on top, each labelled by its title.
        ys = [bar.get_y() for bar in bars]
        assert ys == sorted(ys, reverse=True)
        labels = [t.get_text() for t in ax.get_yticklabels()]
        positions = list(ax.get_yticks())
        for bar, action in zip(bars, result, strict=True):
            label = labels[positions.index(bar.get_y() + bar.get_height() / 2)]
            assert label.startswith(action.title)

    def test_open_ended_bars_reach_the_right_edge_and_nothing_passes_it(self) -> None:
        actions = (
            an_action("alpha", 0, created=NOW - timedelta(days=3), expires=NOW + timedelta(days=9)),
            an_action("beta", 1, created=NOW - timedelta(days=1), expires=None),
            an_action("gamma", 2, created=NOW, expires=NOW + timedelta(hours=2)),
        )
        ax = timeline(Result(user_id="u1", now=NOW, actions=actions))
        left, right = ax.get_xlim()
        bars = bars_of(ax)
        assert bars[1].get_x() + bars[1].get_width() == pytest.approx(right)
        assert bars[1].get_hatch() == OPEN_HATCH
        # The latest expiry and the earliest creation are inside the axes, with a margin.
        assert left < date2num(NOW - timedelta(days=3)) < date2num(NOW + timedelta(days=9)) < right
        assert bars[0].get_x() + bars[0].get_width() < right
        assert bars[0].get_width() == pytest.approx(12.0)  # 12 days, in matplotlib's day units
        assert bars[2].get_width() == pytest.approx(2 / 24)
        # A dashed line at now, and a legend that explains the hatch.
        now = date2num(NOW)
        assert any(np.asarray(line.get_xdata()).tolist() == [now] * 2 for line in ax.get_lines())
        legend = ax.get_legend()
        assert legend is not None
        assert "no time limit" in [t.get_text() for t in legend.get_texts()]

    def test_an_empty_result_draws_no_bar(self) -> None:
        ax = timeline(Result(user_id="u1", now=NOW, actions=()))
        assert bars_of(ax) == []
        assert "no actions" in [t.get_text() for t in ax.texts]
        left, right = ax.get_xlim()
        assert left < date2num(NOW) < right

    def test_titles_are_shown_as_they_are(self) -> None:
        action = an_action(title="Win the $50k $deal")
        ax = timeline(Result(user_id="$u", now=NOW, actions=(action,)))
        ax.figure.canvas.draw()
        assert [t.get_text() for t in ax.get_yticklabels()] == ["Win the $50k $deal · contact c0"]

    def test_draws_on_the_axes_given_and_returns_it(self) -> None:
        _figure, ax = plt.subplots()
        assert timeline(Result(user_id="u1", now=NOW, actions=(an_action(),)), ax=ax) is ax
        assert len(bars_of(ax)) == 1


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )


BLOCKED = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None  # what Python does for a module that is not installed
from datetime import UTC, datetime
from guided_actions import Snapshot, evaluate_all
import guided_actions.plot as plot
results = evaluate_all(Snapshot(), datetime(2026, 1, 1, tzinfo=UTC))
{then}
"""


def test_without_matplotlib_a_plot_says_what_to_install() -> None:
    """Importing ``guided_actions.plot`` needs no matplotlib; drawing a plot without it is a
    ModuleNotFoundError naming the extra."""
    code = BLOCKED.format(
        blocked=["matplotlib"],
        then=(
            "from guided_actions import Result\n"
            "empty = Result(user_id='u1', now=datetime(2026, 1, 1, tzinfo=UTC), actions=())\n"
            "for draw, shown in ((plot.actions_per_rep, results), (plot.timeline, empty)):\n"
            "    try:\n"
            "        draw(shown)\n"
            "    except ModuleNotFoundError as exc:\n"
            "        print(type(exc).__name__, exc.name, exc)\n"
        ),
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines == [
        "ModuleNotFoundError matplotlib guided_actions.plot.actions_per_rep() needs matplotlib:"
        " pip install 'guided-actions[plot]'",
        "ModuleNotFoundError matplotlib guided_actions.plot.timeline() needs matplotlib:"
        " pip install 'guided-actions[plot]'",
    ]


def test_plots_need_no_pyarrow() -> None:
    """The ``[plot]`` extra is matplotlib alone: the counts are plain Python."""
    code = BLOCKED.format(
        blocked=["pyarrow", "pandas", "polars"],
        then=(
            "import matplotlib\n"
            "matplotlib.use('Agg')\n"
            "print(type(plot.actions_per_rep(results)).__name__)\n"
            "print(sorted(m for m in ('pyarrow', 'pandas', 'polars') if sys.modules[m]))\n"
        ),
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["Axes", "[]"]


def test_importing_guided_actions_imports_no_matplotlib() -> None:
    done = _run("import sys, guided_actions; print('matplotlib' in sys.modules)")
    assert done.stdout.strip() == "False", done.stderr


def test_the_demo_in_full() -> None:
    """Both plots of the demo draw (render) without error."""
    snapshot: Snapshot = demo_snapshot()
    results = evaluate_all(snapshot, DEMO_NOW)
    for ax in (actions_per_rep(results), timeline(results[DEMO_USER])):
        ax.figure.canvas.draw()

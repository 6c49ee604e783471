"""The benchmark helpers measure what they say: the floor and zen-engine give the library's
actions, the timing alternates and stops as documented, and the million's pipeline runs."""

from __future__ import annotations

import importlib.util
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guided_actions import Snapshot
from strategies import snapshots

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


run = _load("run")
SMALL = Snapshot.from_dict(run.make_doc(3, 100))
#: Evaluation instants around the synthetic CRM's ``NOW``, in hours: its windows open and close.
OFFSETS = st.integers(min_value=-40 * 24, max_value=40 * 24)


class TestFloor:
    @given(snapshots())
    def test_equals_the_library_on_any_crm(self, case: tuple[Snapshot, object, str]) -> None:
        """The hand-written batch gives every user the actions evaluate_all gives (boundaries,
        custom lifecycle stages, case-folded addresses, records of the future)."""
        snapshot, now, _user = case
        assert run.floor_all(snapshot, now) == run.library_all(snapshot, now)

    @settings(max_examples=40)
    @given(OFFSETS)
    def test_equals_the_library_on_the_synthetic_crm(self, hours: int) -> None:
        """Same actions on the benchmark's generator, at instants weeks either side of NOW."""
        now = run.NOW + timedelta(hours=hours)
        assert run.floor_all(SMALL, now) == run.library_all(SMALL, now)

    def test_the_synthetic_crm_makes_all_three_rules_fire(self) -> None:
        """The comparison is not between two empty results."""
        fired = {rule for found in run.floor_all(SMALL, run.NOW).values() for rule, *_ in found}
        assert fired == set(run.THREE_IDS)


class TestZen:
    @settings(max_examples=40)
    @given(OFFSETS)
    def test_expressions_equal_the_library(self, hours: int) -> None:
        """zen-engine's compiled expressions, over rows prepared at ``now``, fire exactly where
        the library does."""
        now = run.NOW + timedelta(hours=hours)
        assert run.ZenExpressions()(SMALL, now) == run.library_all(SMALL, now)

    @pytest.mark.parametrize("hours", [-200, 0, 200])
    def test_decision_tables_equal_the_library(self, hours: int) -> None:
        """The decision-table form, one call per row, agrees too."""
        now = run.NOW + timedelta(hours=hours)
        assert run.ZenTables()(SMALL, now) == run.library_all(SMALL, now)


class TestTrustedRecords:
    def test_equal_to_the_validated_records(self) -> None:
        """Records built without validation are the records from_dict builds."""
        doc = run.make_doc(2, 20)
        lists = run.trusted_records(doc)
        loaded = Snapshot.from_dict(doc)
        for key in run.RECORD_CLASSES:
            assert tuple(lists[key]) == loaded.records(key), key


class TestStability:
    @pytest.mark.parametrize(
        ("ratios", "stable"),
        [
            ([1.0, 1.0, 1.0, 1.0], False),  # fewer than five
            ([9.5, 10.0, 10.0, 10.5, 10.0], True),  # half-range 0.5: 5 % of the median 10
            ([9.5, 10.0, 10.0, 10.5001, 10.0], False),  # just over
            ([9.0, 1.0, 1.0, 1.0, 1.0, 1.0], True),  # only the last five count
        ],
    )
    def test_last_five_within_five_percent(self, ratios: list[float], stable: bool) -> None:
        """Stable when the last five ratios' half-range is at most 5 % of their median."""
        assert run.is_stable(ratios) is stable


class FakeClock:
    """Samples of given wall times, recording the order A and B were sampled in."""

    def __init__(self, a: list[float], b: list[float]) -> None:
        self.order: list[str] = []
        self.values = {"A": iter(a), "B": iter(b)}

    def side(self, name: str):  # type: ignore[no-untyped-def]
        def take():  # type: ignore[no-untyped-def]
            self.order.append(name)
            value = next(self.values[name])
            return run.Sample(value, value / 2)

        return take


class TestCompare:
    def test_alternates_and_stops_once_stable(self) -> None:
        """A B, B A, A B... and five pairs suffice when their ratios agree."""
        clock = FakeClock([2.0] * 20, [1.0] * 20)
        c = run.compare("a", clock.side("A"), "b", clock.side("B"), clock="wall")
        assert clock.order == ["A", "B", "B", "A", "A", "B", "B", "A", "A", "B"]
        assert c.stable
        assert c.ratio() == 2.0
        assert c.ratio("cpu") == 2.0

    def test_keeps_sampling_until_stable(self) -> None:
        """Unstable first pairs ask for more, until the last five agree."""
        clock = FakeClock([3.0, 1.0, 3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0] + [2.0] * 10, [1.0] * 19)
        c = run.compare("a", clock.side("A"), "b", clock.side("B"), clock="wall")
        assert len(c.a) == 8
        assert c.stable

    def test_gives_up_after_fifteen_pairs(self) -> None:
        """Never stable: fifteen pairs, and the comparison says it is not stable."""
        clock = FakeClock([1.0, 3.0] * 10, [1.0] * 20)
        c = run.compare("a", clock.side("A"), "b", clock.side("B"), clock="wall")
        assert len(c.a) == len(c.b) == 15
        assert not c.stable
        assert c.as_dict()["wall"]["ratio"] == {"median": 1.0, "min": 1.0, "max": 3.0}

    def test_the_verdict_clock_decides_stability(self) -> None:
        """Stable on CPU while wall time wanders: a CPU comparison stops at five pairs."""
        walls = iter([1.0, 5.0, 1.0, 5.0, 1.0, 5.0, 1.0, 5.0, 1.0, 5.0])

        def a() -> object:
            return run.Sample(next(walls), 2.0)

        c = run.compare("a", a, "b", lambda: run.Sample(1.0, 1.0), clock="cpu")
        assert len(c.a) == 5
        assert c.stable
        assert c.ratio() == 2.0


class TestTarget:
    @pytest.mark.parametrize(
        ("bound", "value", "verdict"),
        [
            (">= 2", 2.0, "PASS"),
            (">= 2", 1.99, "MISS"),
            ("<= 1.5", 1.5, "PASS"),
            ("<= 1.5", 1.51, "MISS"),
            (">= 1.7", None, "NOT RUN"),
            ("", 3.0, "-"),
        ],
    )
    def test_verdict_on_both_sides_of_the_bound(
        self, bound: str, value: float | None, verdict: str
    ) -> None:
        """A bound is met at equality; no value is no verdict; no bound is information."""
        assert run.Target("x", "name", bound, value).verdict == verdict


class TestMillion:
    def test_pipeline_from_parquet_to_a_table_of_actions(self, tmp_path: Path) -> None:
        """The million's pipeline, at a thousand contacts: every stage timed, memory read, the
        actions written, targets 1 and its memory reported."""
        report = run.Report()
        run.million(report, tmp_path, 1000, 2)
        time_target, memory_target = report.targets
        stages = time_target.extra["million"]
        assert set(stages["seconds"]) == {"read_parquet", "evaluate_all", "write actions"}
        assert stages["actions"] > 0
        assert stages["peak_rss_gib"]["parent"] > 0
        assert time_target.value == pytest.approx(sum(stages["seconds"].values()))
        assert memory_target.value >= stages["peak_rss_gib"]["parent"]
        assert (tmp_path / "crm-2x500" / ".complete").exists()

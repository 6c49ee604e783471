"""``guided_actions.dask.evaluate_all`` on a ``distributed`` cluster of two worker processes: the
same table as ``guided_actions.evaluate_all`` on the same data, row for row once sorted by key,
from Dask DataFrames or from a Parquet directory."""

from __future__ import annotations

import bisect
import functools
import itertools
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from dask._expr import Expr
from distributed import Client, LocalCluster
from hypothesis import given
from hypothesis import strategies as st

from crms import (
    NOW,
    assert_imports_no_engine,
    assert_same,
    crossing_crm,
    expected,
    skewed_crm,
)
from guided_actions import Config, Snapshot, load_rules
from guided_actions._adapters.distributed import core
from guided_actions._adapters.distributed.dask import (
    _fan_out,
    _frames,
    _held,
    _parquet,
    _rows_and_keys,
    partition_of,
)
from guided_actions.dask import evaluate_all as dask_evaluate_all
from guided_actions.errors import InvalidSnapshotError
from guided_actions.frames import write_parquet
from guided_actions.rules import BUILTIN_RULES

ROOT = Path(__file__).resolve().parents[3]
#: The example plugin, importable from its source tree here and on the workers.
PLUGIN_SRC = ROOT / "examples" / "plugin-stale-deals" / "src"
if str(PLUGIN_SRC) not in sys.path:
    sys.path.insert(0, str(PLUGIN_SRC))

import stale_deals  # type: ignore[import-not-found]  # noqa: E402


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """One cluster for this module's tests: two worker processes of one thread each, which import
    the example plugin as this process does (a plugin installed on the workers)."""
    with pytest.MonkeyPatch.context() as patch:
        paths = [str(PLUGIN_SRC), os.environ.get("PYTHONPATH", "")]
        patch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))
        logging.getLogger("distributed").setLevel(logging.ERROR)
        with (
            LocalCluster(
                n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
            ) as cluster,
            Client(cluster) as session,
        ):
            yield session


def parquet(document: Mapping[str, Any], directory: Path) -> Path:
    write_parquet(Snapshot.from_dict(dict(document)), directory)
    return directory


def dask_frames(directory: Path, partitions: int = 3) -> dict[str, dd.DataFrame]:
    """Each list as a Dask DataFrame of several partitions, from pandas with Arrow types (Dask
    turns a pandas column of Python lists into text)."""
    return {
        p.stem: dd.from_pandas(
            pq.read_table(p).to_pandas(types_mapper=pd.ArrowDtype), npartitions=partitions
        )
        for p in sorted(directory.glob("*.parquet"))
    }


def collected(actions: dd.DataFrame) -> pa.Table:
    frame = actions.compute()
    return (
        pa.Table.from_pandas(frame, preserve_index=False).cast(core.ACTIONS_SCHEMA).sort_by("key")
    )


class TestEqualsEvaluateAll:
    def test_skewed_crm_from_a_parquet_directory(self, client: Client, tmp_path: Path) -> None:
        """One rep concerns ~30 % of the records; every built-in rule fires."""
        document = skewed_crm()
        want = expected(document)
        assert set(want["rule"].to_pylist()) == {rule.id for rule in BUILTIN_RULES}
        actions = dask_evaluate_all(parquet(document, tmp_path / "crm"), NOW)
        assert list(actions.columns) == core.ACTIONS_SCHEMA.names
        assert_same(collected(actions), want)

    def test_crossing_crm_from_dataframes_with_config(self, client: Client, tmp_path: Path) -> None:
        """Contacts, companies and mailboxes cross owners; dismissals, snoozes and issued
        actions; lists of several partitions; grouping off and a threshold changed."""
        document = crossing_crm()
        config = Config(
            grouping={"newly_assigned_contacts": False, "log_call_outcomes": False},
            thresholds={"email_replies": {"lifetime": timedelta(days=10)}},
        )
        want = expected(document, config=config)
        assert want.num_rows != expected(document).num_rows  # the config changes the table
        assert set(want["rule"].to_pylist()) == {rule.id for rule in BUILTIN_RULES}
        tables = dask_frames(parquet(document, tmp_path / "crm"))
        assert_same(collected(dask_evaluate_all(tables, NOW, config=config)), want)

    def test_plugin_rule_set(self, client: Client, tmp_path: Path) -> None:
        """A rule set with the example plugin's rule, pickled to the workers, which import it."""
        document = crossing_crm(seed=2, users=4, contacts_per_user=30)
        rules = load_rules([stale_deals], entry_points=False)
        want = expected(document, rules=rules)
        assert "stale_deals" in want["rule"].to_pylist()
        directory = parquet(document, tmp_path / "crm")
        assert_same(collected(dask_evaluate_all(directory, NOW, rules=rules)), want)

    def test_custom_lifecycle_stages(self, client: Client, tmp_path: Path) -> None:
        """A CRM's own lifecycle stages: ``lifecycle_stages.parquet``, or its one-column frame."""
        document = dict(crossing_crm(seed=3, users=3, contacts_per_user=20))
        document["lifecycle_stages"] = [
            *("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead"),
            *("opportunity", "customer", "evangelist", "other"),
        ]
        directory = parquet(document, tmp_path / "crm")
        assert (directory / "lifecycle_stages.parquet").exists()
        want = expected(document)
        assert_same(collected(dask_evaluate_all(directory, NOW)), want)
        assert_same(collected(dask_evaluate_all(dask_frames(directory, 1), NOW)), want)


#: What names a row of a book (a row without an id is named by its position).
BOOK_ROW = ("user_id", "list", "json")


def reference_books(directory: Path) -> list[tuple[Any, ...]]:
    """Every user's book rows, by the pyarrow reference interpreter of the plan."""
    arrow = {p.stem: pq.read_table(p) for p in directory.glob("*.parquet")}
    want = core.fan_out_local(arrow).select(list(BOOK_ROW)).to_pylist()
    return sorted(tuple(r[k] for k in BOOK_ROW) for r in want)


def dask_books(rows: dd.DataFrame, keys: dd.DataFrame) -> list[tuple[Any, ...]]:
    """Every user's book rows, by Dask's rounds of merges."""
    got = _fan_out(rows, keys).merge(rows, on="rid").compute()
    return sorted(got[list(BOOK_ROW)].itertuples(index=False, name=None))


class TestFanOut:
    def test_books_equal_the_reference_fan_out(self, client: Client, tmp_path: Path) -> None:
        """Dask's rounds of merges reach, for every user, exactly the rows the pyarrow
        reference interpreter of the plan reaches; small keys are one partition."""
        directory = parquet(crossing_crm(seed=4, users=4, contacts_per_user=25), tmp_path)
        want = reference_books(directory)
        for parts in (_parquet(directory)[0], _frames(dask_frames(directory))[0]):
            rows, keys = _rows_and_keys(parts)
            assert keys.npartitions == 1
            assert dask_books(rows, keys) == want

    def test_keys_of_many_partitions(
        self, client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Keys cut into partitions of a few kilobytes, as a large CRM's are: the plan's merges
        shuffle (with a ``distributed`` client, Dask's p2p shuffle, inside the frames the
        runner holds) and reach the same rows as the reference."""
        monkeypatch.setattr("guided_actions._adapters.distributed.dask.PLAN_PARTITION_SIZE", "64kB")
        directory = parquet(crossing_crm(seed=8, users=4, contacts_per_user=25), tmp_path)
        rows, keys = _rows_and_keys(_parquet(directory)[0])
        assert keys.npartitions > 1
        assert dask_books(rows, keys) == reference_books(directory)


def slowly(directory: Path) -> Any:
    """``map_partitions``: a partition that takes a while, then leaves a file naming the
    process that computed it."""

    def partition(frame: pd.DataFrame, partition_info: Mapping[str, Any] | None = None) -> Any:
        time.sleep(0.3)
        number = partition_info["number"] if partition_info is not None else 0
        (directory / f"{number}.done").write_text(str(os.getpid()))
        return frame

    return partition


class TestHeldFrames:
    """A frame the runner holds (``_held``) is computed before it is returned, so that this
    process builds no expression while the scheduler, a thread of this process under a
    ``LocalCluster``, builds one's tasks: on Python 3.11 the two can deadlock on the locks of
    ``functools.cached_property``, and CI once hung there."""

    def test_returned_once_computed_on_the_workers(self, client: Client, tmp_path: Path) -> None:
        """Every partition has run, on a worker, when ``_held`` returns (``persist`` returns
        before any has); the frame it returns is not computed again."""
        frame = dd.from_pandas(pd.DataFrame({"x": range(40)}), npartitions=4)
        held = _held(frame.map_partitions(slowly(tmp_path), meta=frame._meta))
        done = {p.name: p.read_text() for p in tmp_path.glob("*.done")}
        assert sorted(done) == ["0.done", "1.done", "2.done", "3.done"]
        assert str(os.getpid()) not in done.values()
        assert held.divisions == frame.divisions
        assert held.compute()["x"].tolist() == list(range(40))
        assert len(list(tmp_path.glob("*.done"))) == 4  # computed once, not again

    def test_a_local_scheduler_holds_it_here(self, client: Client, tmp_path: Path) -> None:
        """Where the caller chose one of Dask's local schedulers, the frame is computed in this
        process, by ``persist``."""
        frame = dd.from_pandas(pd.DataFrame({"x": range(10)}), npartitions=2)
        with dask.config.set(scheduler="synchronous"):
            held = _held(frame.map_partitions(slowly(tmp_path), meta=frame._meta))
            done = {p.read_text() for p in tmp_path.glob("*.done")}
            assert done == {str(os.getpid())}
            assert held.compute()["x"].tolist() == list(range(10))

    def test_no_expression_is_built_while_the_scheduler_builds_one(
        self, client: Client, tmp_path: Path
    ) -> None:
        """Every computation of a Dask expression's cached property is timed, by thread: none
        that this process's main thread starts begins while another thread (the scheduler's)
        is computing one. A deadlock needs one such start."""
        calls: list[tuple[int, float, float, str]] = []
        original = functools.cached_property.__get__

        def timed(self: Any, instance: Any, owner: Any = None) -> Any:
            if not isinstance(instance, Expr):
                return original(self, instance, owner)
            start = time.perf_counter()
            try:
                return original(self, instance, owner)
            finally:
                name = f"{type(instance).__name__}.{self.attrname}"
                calls.append((threading.get_ident(), start, time.perf_counter(), name))

        directory = parquet(crossing_crm(seed=7, users=3, contacts_per_user=15), tmp_path)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(functools.cached_property, "__get__", timed)
            actions = collected(dask_evaluate_all(directory, NOW))
        assert actions.num_rows > 0
        main = threading.get_ident()
        theirs = sorted((start, end) for thread, start, end, _name in calls if thread != main)
        assert theirs  # the scheduler's thread builds tasks from expressions in this process
        starts = [start for start, _end in theirs]
        ends = list(itertools.accumulate((end for _start, end in theirs), max))
        inside = [
            name
            for thread, start, _end, name in calls
            if thread == main
            and (i := bisect.bisect_right(starts, start) - 1) >= 0
            and ends[i] > start
        ]
        assert inside == []


class TestHeavyBooks:
    @given(
        sizes=st.dictionaries(st.text(min_size=1, max_size=3), st.integers(1, 1000), max_size=30),
        partitions=st.integers(1, 8),
    )
    def test_partition_of_balances(self, sizes: dict[str, int], partitions: int) -> None:
        """Every user has one partition; no partition holds more than 4/3 of the larger of the
        largest book and an even share (the longest-first bound)."""
        placed = partition_of(sizes, partitions)
        assert placed.keys() == sizes.keys()
        assert set(placed.values()) <= set(range(partitions))
        loads = [sum(s for u, s in sizes.items() if placed[u] == p) for p in range(partitions)]
        bound = max([*sizes.values(), sum(sizes.values()) / partitions], default=0)
        assert max(loads, default=0) <= bound * 4 / 3

    def test_a_heavy_book_is_alone(self) -> None:
        """A book larger than all the others together has its partition to itself."""
        sizes = {"heavy": 3000, **{f"u{i}": 100 for i in range(20)}}
        placed = partition_of(sizes, 4)
        assert [u for u, p in placed.items() if p == placed["heavy"]] == ["heavy"]


class TestBadInput:
    def test_bad_records_in_several_lists_raise_together(
        self, client: Client, tmp_path: Path
    ) -> None:
        """Every bad record of every partition, one error naming list, record and field."""
        directory = parquet(crossing_crm(seed=5, users=3, contacts_per_user=10), tmp_path)
        tables = dask_frames(directory)
        emails = tables["emails"].compute()
        first_email = emails["id"].iloc[0]
        emails.loc[emails.index[0], "direction"] = "sideways"
        tables["emails"] = dd.from_pandas(emails, npartitions=2)
        deals = tables["deals"].compute()
        deals["created_at"] = None
        tables["deals"] = dd.from_pandas(deals, npartitions=2)
        with pytest.raises(InvalidSnapshotError) as caught:
            dask_evaluate_all(tables, NOW)
        problems = caught.value.problems
        assert {(p.kind, p.field) for p in problems} == {
            ("emails", "direction"),
            ("deals", "created_at"),
        }
        assert [(p.record_id, p.value) for p in problems if p.kind == "emails"] == [
            (first_email, "sideways")
        ]
        assert len([p for p in problems if p.kind == "deals"]) == len(deals)

    def test_a_missing_reference_is_raised_by_the_evaluation(
        self, client: Client, tmp_path: Path
    ) -> None:
        """A record that names a missing one is valid alone: its book is not, when computed."""
        document = crossing_crm(seed=6, users=3, contacts_per_user=10)
        missing = document["deals"][0]["contact_ids"][0]
        tables = dask_frames(parquet(document, tmp_path))
        tables["contacts"] = tables["contacts"][tables["contacts"]["id"] != missing]
        actions = dask_evaluate_all(tables, NOW)
        with pytest.raises(InvalidSnapshotError, match=missing):
            actions.compute()

    def test_unknown_list_and_not_a_dataframe(self, client: Client) -> None:
        users = dd.from_dict({"id": ["u1"], "email": ["u1@example.com"]}, npartitions=1)
        tables: dict[str, Any] = {"users": users, "contacs": users, "deals": [1]}
        with pytest.raises(InvalidSnapshotError) as caught:
            dask_evaluate_all(tables, NOW)
        assert [(p.field, p.value) for p in caught.value.problems] == [
            ("contacs", "DataFrame"),
            ("deals", "list"),
        ]

    def test_a_directory_without_users_or_of_another_schema(self, tmp_path: Path) -> None:
        table = pa.table({"id": ["s1"]}).replace_schema_metadata(
            {b"guided_actions.schema": b"other/9"}
        )
        pq.write_table(table, tmp_path / "sequences.parquet")
        pq.write_table(pa.table({"id": ["x"]}), tmp_path / "sequence.parquet")
        with pytest.raises(InvalidSnapshotError) as caught:
            dask_evaluate_all(tmp_path, NOW)
        assert [(p.field, p.value) for p in caught.value.problems] == [
            ("sequence", "sequence.parquet"),
            ("sequences", "other/9"),
            ("users", None),
        ]

    def test_a_missing_directory(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError):
            dask_evaluate_all(tmp_path / "nowhere", NOW)

    def test_naive_now_is_refused_before_dask_runs(self) -> None:
        with pytest.raises(ValueError, match="now"):
            dask_evaluate_all({}, datetime(2026, 11, 26, 12))

    def test_without_dask_the_error_names_the_extra(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "dask", None)
        monkeypatch.setitem(sys.modules, "dask.dataframe", None)
        with pytest.raises(ImportError, match=r"guided-actions\[dask\]"):
            dask_evaluate_all({}, NOW)

    def test_importing_the_module_imports_no_engine(self) -> None:
        """``guided_actions.dask`` imports dask only when ``evaluate_all`` is called."""
        assert_imports_no_engine("guided_actions.dask", ("dask", "pyarrow"))

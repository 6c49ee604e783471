"""``guided_actions.spark.evaluate_all`` on PySpark in local mode (``local[2]``): the same table
as ``guided_actions.evaluate_all`` on the same data, row for row once sorted by key."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from pyspark.sql import DataFrame, SparkSession

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
from guided_actions._adapters.distributed.spark import (
    _books,
    _checked,
    _fan_out,
    _rows_and_keys,
    _task_keys,
)
from guided_actions.errors import InvalidSnapshotError
from guided_actions.frames import write_parquet
from guided_actions.rules import BUILTIN_RULES
from guided_actions.spark import evaluate_all as spark_evaluate_all

ROOT = Path(__file__).resolve().parents[3]
#: The example plugin, importable from its source tree here and on Spark's Python workers.
PLUGIN_SRC = ROOT / "examples" / "plugin-stale-deals" / "src"
if str(PLUGIN_SRC) not in sys.path:
    sys.path.insert(0, str(PLUGIN_SRC))

import stale_deals  # type: ignore[import-not-found]  # noqa: E402


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    """One local Spark for this module's tests: two cores, few shuffle partitions, no UI; its
    Python workers import the example plugin as the driver does (a plugin installed there)."""
    with pytest.MonkeyPatch.context() as patch:
        paths = [str(PLUGIN_SRC), os.environ.get("PYTHONPATH", "")]
        patch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))
        session = (
            SparkSession.builder.master("local[2]")
            .appName("guided_actions tests")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.adaptive.enabled", "true")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()


def frames(spark: SparkSession, document: Mapping[str, Any], directory: Path) -> dict[str, Any]:
    """The CRM as Spark reads it: ``write_parquet``'s files, one DataFrame per list."""
    write_parquet(Snapshot.from_dict(dict(document)), directory)
    return {p.stem: spark.read.parquet(str(p)) for p in sorted(directory.glob("*.parquet"))}


def collected(actions: DataFrame) -> pa.Table:
    return actions.toArrow().cast(core.ACTIONS_SCHEMA).sort_by("key")


class TestEqualsEvaluateAll:
    def test_skewed_crm(self, spark: SparkSession, tmp_path: Path) -> None:
        """One rep concerns ~30 % of the records; every built-in rule fires."""
        document = skewed_crm()
        want = expected(document)
        assert set(want["rule"].to_pylist()) == {rule.id for rule in BUILTIN_RULES}
        got = collected(spark_evaluate_all(frames(spark, document, tmp_path / "crm"), NOW))
        assert got.schema == core.ACTIONS_SCHEMA
        assert_same(got, want)

    def test_crossing_crm_with_config(self, spark: SparkSession, tmp_path: Path) -> None:
        """Contacts, companies and mailboxes cross owners; dismissals, snoozes and issued
        actions; grouping off and a threshold changed, sent to the executors."""
        document = crossing_crm()
        config = Config(
            grouping={"newly_assigned_contacts": False, "log_call_outcomes": False},
            thresholds={"email_replies": {"lifetime": timedelta(days=10)}},
        )
        want = expected(document, config=config)
        assert want.num_rows != expected(document).num_rows  # the config changes the table
        assert set(want["rule"].to_pylist()) == {rule.id for rule in BUILTIN_RULES}
        tables = frames(spark, document, tmp_path / "crm")
        assert_same(collected(spark_evaluate_all(tables, NOW, config=config)), want)

    def test_plugin_rule_set(self, spark: SparkSession, tmp_path: Path) -> None:
        """A rule set with the example plugin's rule, pickled to the workers, which import it."""
        document = crossing_crm(seed=2, users=4, contacts_per_user=30)
        rules = load_rules([stale_deals], entry_points=False)
        want = expected(document, rules=rules)
        assert "stale_deals" in want["rule"].to_pylist()
        tables = frames(spark, document, tmp_path / "crm")
        assert_same(collected(spark_evaluate_all(tables, NOW, rules=rules)), want)

    def test_custom_lifecycle_stages(self, spark: SparkSession, tmp_path: Path) -> None:
        """A CRM's own lifecycle stages travel as their one-column table."""
        document = dict(crossing_crm(seed=3, users=3, contacts_per_user=20))
        document["lifecycle_stages"] = [
            "subscriber",
            "lead",
            "marketingqualifiedlead",
            "salesqualifiedlead",
            "opportunity",
            "customer",
            "evangelist",
            "other",
        ]
        tables = frames(spark, document, tmp_path / "crm")
        assert "lifecycle_stages" in tables
        assert_same(collected(spark_evaluate_all(tables, NOW)), expected(document))


class TestFanOut:
    def test_books_equal_the_reference_fan_out(self, spark: SparkSession, tmp_path: Path) -> None:
        """Spark's rounds of joins reach, for every user, exactly the rows the pyarrow
        reference interpreter of the plan reaches."""
        document = crossing_crm(seed=4, users=4, contacts_per_user=25)
        snapshot = Snapshot.from_dict(document)
        directory = tmp_path / "crm"
        write_parquet(snapshot, directory)
        arrow = {p.stem: pa.parquet.read_table(p) for p in directory.glob("*.parquet")}
        key = ("user_id", "list", "json")  # a row without an id is named by its position
        want = core.fan_out_local(arrow).select(list(key)).to_pylist()
        from pyspark.sql import functions as F
        from pyspark.sql.pandas.types import from_arrow_schema

        tables, _stages = _checked(frames(spark, document, tmp_path / "again"))
        rows, keys = _rows_and_keys(tables, F, from_arrow_schema)

        got = _fan_out(spark, rows, keys, F).join(rows, "rid").toArrow().to_pylist()
        assert sorted(tuple(r[k] for k in key) for r in got) == sorted(
            tuple(r[k] for k in key) for r in want
        )


class TestHeavyBooks:
    @pytest.mark.parametrize("tasks", [1, 3, 4, 17])
    def test_each_task_key_goes_to_its_own_partition(self, spark: SparkSession, tasks: int) -> None:
        """``repartition(tasks, key)`` sends the key of partition ``p`` to partition ``p``."""
        from pyspark.sql import functions as F

        keys = _task_keys(spark, tasks, F)
        frame = spark.createDataFrame([(k,) for k in keys], "task long").repartition(tasks, "task")
        got = frame.select("task", F.spark_partition_id().alias("p")).collect()
        assert sorted((keys.index(row["task"]), row["p"]) for row in got) == [
            (p, p) for p in range(tasks)
        ]

    def test_books_are_in_the_partitions_partition_of_chose(
        self, spark: SparkSession, tmp_path: Path
    ) -> None:
        """Each partition of the books holds whole books, those ``partition_of`` placed
        together by size: the heavy user's book alone, in a task of its own, and the
        evaluation needs no other shuffle."""
        from pyspark.sql import functions as F

        document = skewed_crm()
        from pyspark.sql.pandas.types import from_arrow_schema

        tables = frames(spark, document, tmp_path / "crm")
        rows, keys = _rows_and_keys(_checked(tables)[0], F, from_arrow_schema)
        books = _books(spark, rows, keys, F)
        assert books.rdd.getNumPartitions() == 4  # spark.sql.shuffle.partitions
        got = books.groupBy(F.spark_partition_id().alias("p"), "user_id").count().collect()
        sizes = {row["user_id"]: row["count"] for row in got}
        placed = core.partition_of(sizes, 4)
        by_partition: dict[int, set[str]] = {}
        for row in got:
            by_partition.setdefault(row["p"], set()).add(row["user_id"])
        assert sorted(map(sorted, by_partition.values())) == sorted(
            sorted(u for u in placed if placed[u] == p) for p in set(placed.values())
        )
        heavy = max(sizes, key=sizes.__getitem__)
        assert heavy == document["users"][0]["id"]
        assert {heavy} in by_partition.values()
        actions = spark_evaluate_all(tables, NOW)
        plan = actions._jdf.queryExecution().executedPlan().toString()
        assert plan.count("Exchange hashpartitioning") == 1
        assert "REPARTITION_BY_NUM" in plan


class TestBadInput:
    def test_bad_records_in_several_lists_raise_together(
        self, spark: SparkSession, tmp_path: Path
    ) -> None:
        """Every bad record of every partition, one error naming list, record and field."""
        tables = frames(spark, crossing_crm(seed=5, users=3, contacts_per_user=10), tmp_path)
        from pyspark.sql import functions as F

        first_email = tables["emails"].first()["id"]
        tables["emails"] = tables["emails"].withColumn(
            "direction",
            F.when(F.col("id") == first_email, F.lit("sideways")).otherwise(F.col("direction")),
        )
        tables["deals"] = tables["deals"].withColumn("created_at", F.lit(None).cast("timestamp"))
        with pytest.raises(InvalidSnapshotError) as caught:
            spark_evaluate_all(tables, NOW)
        problems = caught.value.problems
        assert {(p.kind, p.field) for p in problems} == {
            ("emails", "direction"),
            ("deals", "created_at"),
        }
        assert [(p.record_id, p.value) for p in problems if p.kind == "emails"] == [
            (first_email, "sideways")
        ]
        deals = tables["deals"].count()
        assert len([p for p in problems if p.kind == "deals"]) == deals

    def test_unknown_list_and_not_a_dataframe(self, spark: SparkSession) -> None:
        users = spark.createDataFrame([("u1", "u1@example.com")], "id string, email string")
        tables: dict[str, Any] = {"users": users, "contacs": users, "deals": [1]}
        with pytest.raises(InvalidSnapshotError) as caught:
            spark_evaluate_all(tables, NOW)
        assert [(p.field, p.value) for p in caught.value.problems] == [
            ("contacs", "DataFrame"),
            ("deals", "list"),
        ]

    def test_no_users(self, spark: SparkSession) -> None:
        sequences = spark.createDataFrame([("s1", "S")], "id string, name string")
        with pytest.raises(InvalidSnapshotError, match="users"):
            spark_evaluate_all({"sequences": sequences}, NOW)

    def test_naive_now_is_refused_before_spark_runs(self) -> None:
        with pytest.raises(ValueError, match="now"):
            spark_evaluate_all({}, datetime(2026, 11, 26, 12))

    def test_without_pyspark_the_error_names_the_extra(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(sys.modules, "pyspark", None)
        with pytest.raises(ImportError, match=r"guided-actions\[spark\]"):
            spark_evaluate_all({}, NOW)

    def test_importing_the_module_imports_no_engine(self) -> None:
        """``guided_actions.spark`` imports pyspark only when ``evaluate_all`` is called."""
        assert_imports_no_engine("guided_actions.spark", ("pyspark", "pyarrow"))

"""The Spark runner: every user's actions over PySpark DataFrames.

1. Each input DataFrame becomes rows (``core.READ_SCHEMA``) by ``mapInArrow`` calling
   ``core.rows_of`` on each Arrow batch; a bad record is reported, not raised, in the task, so
   that every problem of every partition is raised together, on the driver, as one
   :class:`~guided_actions.errors.InvalidSnapshotError`. The rows' keys (``core.KEY_SCHEMA``)
   are their ``keys`` column exploded by Spark (``inline``). Both are checkpointed
   (``localCheckpoint``): the input is read once, when :func:`evaluate_all` is called.
2. The links of the plan's joins are joined once, then
   :data:`~guided_actions._snapshot.book.ARCS` (the plan, its steps merged) runs as rounds of
   joins of record handles (:mod:`guided_actions._adapters.distributed.engines`) until no node
   reaches anything new; the ``(user_id, rid)`` pairs reached are joined back to the rows: each
   user's book.
3. Each book is sized (its number of rows, counted on the ``(user_id, rid)`` pairs, which are
   checkpointed for it), and the books are placed in ``spark.sql.shuffle.partitions``
   partitions by ``core.partition_of`` (heavy books alone, as the Dask runner does). Each
   partition is a task: the books are repartitioned on a key that Spark's hash partitioning
   sends to exactly that partition (:func:`_task_keys`), then grouped by partition and user
   (``groupBy("task", "user_id").applyInPandas``, which needs no other shuffle), and each book
   is evaluated by ``core.evaluate_book``, in one Python process, as a snapshot must be.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import reduce
from typing import Any

import attrs

from guided_actions._adapters.distributed import core
from guided_actions._adapters.distributed.engines import (
    EDGE_COLUMNS,
    EVERYONE,
    NO_USERS,
    PROBLEMS,
    USER_ROOT,
    WHOLE,
    edges,
    joins,
    lifecycle_problem,
    problems_error,
    roots,
    rows_or_problems,
)
from guided_actions._adapters.frames.parquet import LIFECYCLE_STAGES
from guided_actions._adapters.frames.reading import UNKNOWN_LIST
from guided_actions._engine.config import Config
from guided_actions._engine.evaluate import RuleSetLike, check_now
from guided_actions._engine.settings import Settings
from guided_actions._engine.tables import require
from guided_actions._model.kinds import BY_NAME
from guided_actions.errors import InvalidSnapshotError, Problem, short_repr

__all__ = ["SPARK_INSTALL", "evaluate_all"]

#: What to install for :mod:`guided_actions.spark`.
SPARK_INSTALL = "pip install 'guided-actions[spark]'"
PURPOSE = "guided_actions.spark"


def _modules() -> tuple[Any, Any]:
    """pyspark's ``sql.functions`` and ``sql.pandas.types``, with pyarrow and pandas imported:
    an :class:`ImportError` naming the extra when one is missing."""
    require("pyarrow", PURPOSE, SPARK_INSTALL)
    require("pandas", PURPOSE, SPARK_INSTALL)
    require("pyspark", PURPOSE, SPARK_INSTALL)
    functions = require("pyspark.sql.functions", PURPOSE, SPARK_INSTALL)
    arrow_types = require("pyspark.sql.pandas.types", PURPOSE, SPARK_INSTALL)
    return functions, arrow_types


def evaluate_all(
    tables: Mapping[str, Any],
    now: datetime,
    *,
    config: Config | Settings | None = None,
    rules: RuleSetLike | None = None,
) -> Any:
    """See :func:`guided_actions.spark.evaluate_all`."""
    F, arrow_types = _modules()
    now_utc = check_now(now)
    frames, stages = _checked(tables)
    spark = next(iter(frames.values())).sparkSession
    schema = arrow_types.from_arrow_schema
    rows, keys = _rows_and_keys(frames, F, schema)

    books = _books(spark, rows, keys, F)
    evaluate = functools.partial(_evaluate, _Evaluation(now_utc, config, rules, stages))
    with warnings.catch_warnings():
        # PySpark looks for type hints on the function, which a partial does not have.
        warnings.filterwarnings("ignore", "Cannot infer the eval type", UserWarning)
        return books.groupBy("task", "user_id").applyInPandas(evaluate, schema(core.ACTIONS_SCHEMA))


def _rows_and_keys(frames: Mapping[str, Any], F: Any, schema: Any) -> tuple[Any, Any]:
    """The rows (``core.ROW_SCHEMA``) of the input DataFrames and their keys, both
    checkpointed; every problem of every partition raised together."""
    parts = [
        frame.mapInArrow(_Rows(name), schema(core.READ_SCHEMA)) for name, frame in frames.items()
    ]
    read = reduce(lambda a, b: a.unionByName(b), parts).localCheckpoint()
    _raise_problems(read, F)
    keys = read.select("list", "rid", F.inline("keys")).localCheckpoint()
    return read.drop("keys"), keys


def _checked(tables: object) -> tuple[dict[str, Any], list[str] | None]:
    """The input DataFrames by list name, and the lifecycle stages (the ids of the
    ``"lifecycle_stages"`` DataFrame's one column, ``id``, in order; ``None`` without it); an
    unknown list name or something that is no DataFrame is a problem, all reported at once."""
    if not isinstance(tables, Mapping):
        raise TypeError(f"tables must map list names to DataFrames, got {short_repr(tables)}")
    dataframe = require("pyspark.sql", PURPOSE, SPARK_INSTALL).DataFrame
    problems: list[Problem] = []
    frames: dict[str, Any] = {}
    stages: list[str] | None = None
    for name, frame in tables.items():
        if name == LIFECYCLE_STAGES and isinstance(frame, dataframe):
            if frame.columns != ["id"]:
                problems.append(lifecycle_problem(frame.columns))
            else:
                stages = [row["id"] for row in frame.collect()]
        elif not isinstance(name, str) or name not in BY_NAME:
            key = name if isinstance(name, str) else short_repr(name)
            problems.append(Problem("snapshot", None, key, type(frame).__name__, UNKNOWN_LIST))
        elif not isinstance(frame, dataframe):
            message = "expected a PySpark DataFrame"
            problems.append(Problem("snapshot", None, name, type(frame).__name__, message))
        else:
            frames[name] = frame
    if "users" not in frames:
        problems.append(Problem("snapshot", None, "users", None, NO_USERS))
    if problems:
        raise InvalidSnapshotError(problems)
    return frames, stages


class _Rows:
    """``mapInArrow``: one list's Arrow batches to rows (problems as :data:`PROBLEMS`)."""

    def __init__(self, list_name: str) -> None:
        self.list_name = list_name

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        from pyspark import TaskContext

        context = TaskContext.get()
        # Positions keep the input order: the partition, then the row within it.
        pos = (context.partitionId() if context is not None else 0) << 32
        for batch in batches:
            yield from rows_or_problems(self.list_name, batch, pos).to_batches()
            pos += batch.num_rows


def _raise_problems(rows: Any, F: Any) -> None:
    found = rows.filter(F.col("list") == PROBLEMS).select("json").collect()
    if found:
        raise problems_error([row["json"] for row in found])


def _fan_out(spark: Any, rows: Any, keys: Any, F: Any) -> Any:
    """The ``(user_id, rid)`` pairs of every user's book: the links of the plan's joins, then
    its arcs in rounds of joins."""
    plan = F.broadcast(
        spark.createDataFrame(
            [tuple(getattr(e, c) for c in EDGE_COLUMNS) for e in edges()],
            "parent long, node long, join long",
        )
    )
    numbered = F.broadcast(
        spark.createDataFrame(
            joins(), "join long, source string, source_key string, target string, target_key string"
        )
    )
    source = keys.join(
        numbered, (keys["list"] == numbered["source"]) & (keys["key"] == numbered["source_key"])
    ).select("rid", "join", "target", "target_key", "value")
    target = keys.select(
        F.col("list").alias("target"),
        F.col("key").alias("target_key"),
        "value",
        F.col("rid").alias("target_rid"),
    )
    links = (
        source.join(target, ["target", "target_key", "value"])
        .select("rid", "join", "target_rid")
        .distinct()
        .localCheckpoint()
    )
    users = rows.filter(F.col("list") == "users").select("rid", F.col("id").alias("user_id"))
    starts = [users.select(F.col("rid").alias("owner"), F.lit(USER_ROOT).alias("node"), "rid")]
    for name, node in roots().items():
        starts.append(
            rows.filter(F.col("list") == name).select(
                F.lit(EVERYONE).alias("owner"), F.lit(node).alias("node"), "rid"
            )
        )
    frontier = reduce(lambda a, b: a.unionByName(b), starts)
    found = None
    while True:
        reached = (
            frontier.withColumnRenamed("node", "parent")
            .join(plan, ["parent"])
            .join(links, ["rid", "join"])
            .select("owner", "node", F.col("target_rid").alias("rid"))
            .distinct()
        )
        if found is not None:
            reached = reached.join(found, ["owner", "node", "rid"], "left_anti")
        reached = reached.localCheckpoint()
        if reached.isEmpty():
            break
        found = reached if found is None else found.unionByName(reached)
        frontier = reached

    whole = rows.filter(F.col("list").isin(list(WHOLE))).select(
        F.lit(EVERYONE).alias("owner"), "rid"
    )
    pairs = whole if found is None else found.select("owner", "rid").unionByName(whole)
    everyone = (
        pairs.filter(F.col("owner") == EVERYONE).drop("owner").crossJoin(users.select("user_id"))
    )
    owners = F.broadcast(users.select(F.col("rid").alias("owner"), "user_id"))
    own = pairs.filter(F.col("owner") != EVERYONE).join(owners, "owner").drop("owner")
    return own.unionByName(everyone).distinct()


def _books(spark: Any, rows: Any, keys: Any, F: Any) -> Any:
    """Every user's book rows (``core.BOOK_SCHEMA`` after a ``task`` column), in partitions
    of whole books, as ``core.partition_of`` places them by their number of rows."""
    pairs = _fan_out(spark, rows, keys, F).localCheckpoint()
    sizes = {row["user_id"]: row["count"] for row in pairs.groupBy("user_id").count().collect()}
    tasks = max(1, min(_partitions(spark), len(sizes)))
    return (
        pairs.join(F.broadcast(_placement(spark, sizes, tasks, F)), "user_id")
        .join(rows, ["rid"])
        .select("task", *core.BOOK_SCHEMA.names)
        .repartition(tasks, "task")
    )


def _partitions(spark: Any) -> int:
    """The number of tasks that evaluate the books: ``spark.sql.shuffle.partitions`` (the
    default parallelism when it is not a number, as ``"auto"``)."""
    value = str(spark.conf.get("spark.sql.shuffle.partitions"))
    return int(value) if value.isdigit() else int(spark.sparkContext.defaultParallelism)


def _placement(spark: Any, sizes: dict[str, int], tasks: int, F: Any) -> Any:
    """A DataFrame of ``(user_id, task)``: each user's task key (:func:`_task_keys`), for the
    partition ``core.partition_of`` gives their book among ``tasks``."""
    keys = _task_keys(spark, tasks, F)
    placed = core.partition_of(sizes, tasks)
    return spark.createDataFrame(
        [(user, keys[p]) for user, p in placed.items()], "user_id string, task long"
    )


def _task_keys(spark: Any, tasks: int, F: Any) -> list[int]:
    """For each partition ``p`` of ``tasks``, the smallest ``long`` that Spark's hash
    partitioning (``repartition(tasks, column)``: the Murmur3 ``hash`` of the value, modulo
    ``tasks``) sends to ``p``: a key per partition, so that no two partitions of
    ``core.partition_of`` share a task."""
    found: dict[int, int] = {}
    size = 8 * tasks
    while len(found) < tasks:
        hashed = spark.range(size).select("id", F.expr(f"pmod(hash(id), {tasks})").alias("p"))
        rows = hashed.groupBy("p").agg(F.min("id").alias("key")).collect()
        found = {row["p"]: row["key"] for row in rows}
        size *= 8
    return [found[p] for p in range(tasks)]


@attrs.frozen
class _Evaluation:
    """What every group's evaluation takes, sent to the executors by pickle."""

    now: datetime
    config: Config | Settings | None
    rules: RuleSetLike | None
    stages: list[str] | None


def _evaluate(evaluation: _Evaluation, key: tuple[Any, ...], frame: Any) -> Any:
    """``applyInPandas`` (with ``evaluation`` bound): one user's book rows to their actions."""
    pa = require("pyarrow", PURPOSE, SPARK_INSTALL)
    user_id = key[-1]  # grouped by task, then user
    columns = {name: frame[name].tolist() for name in core.ROW_SCHEMA.names}
    rows = pa.table(columns, schema=core.ROW_SCHEMA)
    actions = core.evaluate_book(
        user_id,
        rows,
        evaluation.now,
        config=evaluation.config,
        rules=evaluation.rules,
        lifecycle_stages=evaluation.stages,
    )
    return actions.to_pandas()

"""The Dask runner: every user's actions over Dask DataFrames or a Parquet directory.

1. Each input partition becomes rows (``core.READ_SCHEMA``) by ``core.rows_of`` (a Dask
   DataFrame's partitions through ``map_partitions``; a Parquet file's row groups through
   ``from_map``, read with pyarrow, so that a column written as JSON text is read as such). A bad
   record is reported, not raised, in the task, so that every problem of every partition is
   raised together as one :class:`~guided_actions.errors.InvalidSnapshotError`. The rows' keys
   (``core.KEY_SCHEMA``) are their ``keys`` exploded (``core.keys_of``). Both are held in the
   cluster (:func:`_held`): the input is read once, when :func:`evaluate_all` is called.
2. The links of the plan's joins are merged once, then
   :data:`~guided_actions._snapshot.book.ARCS` (the plan, its steps merged) runs as rounds of
   merges of record handles (:mod:`guided_actions._adapters.distributed.engines`) until no node
   reaches anything new; the ``(user_id, rid)`` pairs reached are merged with the rows: each
   user's book.
3. Each book is sized (its number of rows), and the books are shuffled on the user so that
   each partition holds whole books, heavy books each in a partition of their own
   (``core.partition_of``, as the Spark runner does), and each book is evaluated by
   ``core.evaluate_book``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from guided_actions._adapters.distributed import core
from guided_actions._adapters.distributed.core import partition_of
from guided_actions._adapters.distributed.engines import (
    EDGE_COLUMNS,
    EVERYONE,
    JOIN_COLUMNS,
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
from guided_actions._adapters.frames.arrow import SCHEMA_KEY
from guided_actions._adapters.frames.parquet import LIFECYCLE_STAGES
from guided_actions._adapters.frames.reading import UNKNOWN_LIST
from guided_actions._engine.config import Config
from guided_actions._engine.evaluate import RuleSetLike, check_now
from guided_actions._engine.settings import Settings
from guided_actions._engine.tables import require
from guided_actions._model.document import SCHEMA
from guided_actions._model.kinds import BY_NAME
from guided_actions.errors import InvalidSnapshotError, Problem, short_repr

__all__ = ["DASK_INSTALL", "evaluate_all", "partition_of"]

#: What to install for :mod:`guided_actions.dask`.
DASK_INSTALL = "pip install 'guided-actions[dask]'"
PURPOSE = "guided_actions.dask"
#: The size of a partition of the keys, and of what each round of the plan reaches.
PLAN_PARTITION_SIZE = "128MB"


def _modules() -> tuple[Any, Any, Any]:
    """pyarrow, pandas and ``dask.dataframe``: an :class:`ImportError` naming the extra when one
    is missing."""
    pa = require("pyarrow", PURPOSE, DASK_INSTALL)
    require("pyarrow.parquet", PURPOSE, DASK_INSTALL)
    pd = require("pandas", PURPOSE, DASK_INSTALL)
    require("dask", PURPOSE, DASK_INSTALL)
    dd = require("dask.dataframe", PURPOSE, DASK_INSTALL)
    return pa, pd, dd


def _frame(table: Any, *, arrow: bool = False) -> Any:
    """An Arrow table as pandas: texts as ``string[pyarrow]`` (Dask's own) and lists as
    ``ArrowDtype`` (a row's keys), or, with ``arrow``, each column of the Arrow type it has
    (``ArrowDtype``: lists of texts, instants in UTC)."""
    pa = require("pyarrow", PURPOSE, DASK_INSTALL)
    pd = require("pandas", PURPOSE, DASK_INSTALL)
    if arrow:
        return table.to_pandas(types_mapper=pd.ArrowDtype)

    def mapped(arrow_type: Any) -> Any:
        if arrow_type == pa.string():
            return pd.StringDtype("pyarrow")
        return pd.ArrowDtype(arrow_type) if pa.types.is_list(arrow_type) else None

    return table.to_pandas(types_mapper=mapped)


def _table(frame: Any, schema: Any) -> Any:
    """A pandas frame of :func:`_frame`'s kind as an Arrow table of ``schema``."""
    pa = require("pyarrow", PURPOSE, DASK_INSTALL)
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)


def evaluate_all(
    tables: Mapping[str, Any] | str | os.PathLike[str],
    now: datetime,
    *,
    config: Config | Settings | None = None,
    rules: RuleSetLike | None = None,
) -> Any:
    """See :func:`guided_actions.dask.evaluate_all`."""
    _modules()
    now_utc = check_now(now)
    if isinstance(tables, str | os.PathLike):
        parts, stages = _parquet(Path(tables))
    else:
        parts, stages = _frames(tables)
    rows, keys = _rows_and_keys(parts)

    pairs = _held(_fan_out(rows, keys))
    sizes = pairs["user_id"].value_counts().compute()
    partitions = max(1, rows.npartitions)
    placed = partition_of(sizes.to_dict(), partitions)
    books = pairs.merge(rows, on="rid")
    books["partition"] = books["user_id"].map(placed, meta=("partition", "int64"))
    # Exactly one partition per value: each user in the partition partition_of chose.
    books = books.set_index("partition", divisions=[*range(partitions), partitions - 1])
    evaluation = _Evaluation(now_utc, config, rules, stages)
    meta = _frame(core.ACTIONS_SCHEMA.empty_table(), arrow=True)
    return books.map_partitions(_evaluate, evaluation, meta=meta)


def _rows_and_keys(parts: list[Any]) -> tuple[Any, Any]:
    """The rows of the input's parts and their keys, both held; every problem of every part
    raised together."""
    dd = require("dask.dataframe", PURPOSE, DASK_INSTALL)
    read = _held(dd.concat(parts))
    found = read[read["list"] == PROBLEMS]["json"].compute()
    if len(found):
        raise problems_error(found.tolist())
    keys = read.map_partitions(_keys, meta=_frame(core.KEY_SCHEMA.empty_table()))
    # The plan's merges run over partitions of a size, not of the input's number (small keys:
    # one partition, merged without a shuffle).
    keys = _held(keys.repartition(partition_size=PLAN_PARTITION_SIZE))
    # The rows without their keys: what is read is let go once both are held.
    rows = _held(read[[*core.ROW_SCHEMA.names, "rid"]])
    return rows, keys


def _held(frame: Any) -> Any:
    """``frame`` computed and held in the workers' memory, as ``persist`` holds it, returned once
    every partition is computed.

    ``persist`` returns at once, while the scheduler still turns the expression it was sent into
    tasks, and with a ``LocalCluster`` (what ``Client()`` starts) that scheduler is a thread of
    this process. On Python 3.11, each ``functools.cached_property`` takes one lock shared by
    every instance, and Dask's expressions compute their metadata through such properties: this
    process building its next expression while the scheduler's thread builds the last one's
    tasks can take two of those locks in opposite orders and wait for ever. So, on a
    ``distributed`` client, the frame's expression is turned into its partitions' tasks here,
    before anything is sent (``to_delayed``), the tasks are computed and waited for, and the
    frame is taken back from their futures: no expression is built while the scheduler builds
    one. On Dask's local schedulers ``persist`` computes before it returns anyway.
    """
    base = require("dask.base", PURPOSE, DASK_INSTALL)
    dd = require("dask.dataframe", PURPOSE, DASK_INSTALL)
    client = getattr(base.get_scheduler(), "__self__", None)
    distributed = sys.modules.get("distributed")
    if distributed is None or not isinstance(client, distributed.Client):
        return frame.persist()
    # Optimized first: lowering may compute what it needs (a repartition by size, its partitions'
    # sizes), and must do so before a property such as the divisions is read.
    frame = frame.optimize()
    meta = frame._meta
    divisions = frame.divisions if frame.known_divisions else None
    futures = client.compute(frame.to_delayed(optimize_graph=False))
    distributed.wait(futures)
    return dd.from_delayed(futures, meta=meta, divisions=divisions, verify_meta=False)


# -- the input --------------------------------------------------------------------------------


def _frames(tables: object) -> tuple[list[Any], list[str] | None]:
    """The rows of Dask DataFrames by list name, and the lifecycle stages."""
    dd = require("dask.dataframe", PURPOSE, DASK_INSTALL)
    if not isinstance(tables, Mapping):
        raise TypeError(
            f"tables must map list names to Dask DataFrames or be a directory, "
            f"got {short_repr(tables)}"
        )
    meta = _frame(core.READ_SCHEMA.empty_table())
    problems: list[Problem] = []
    parts: list[Any] = []
    stages: list[str] | None = None
    for name, frame in tables.items():
        if name == LIFECYCLE_STAGES and isinstance(frame, dd.DataFrame):
            if list(frame.columns) != ["id"]:
                problems.append(lifecycle_problem(list(frame.columns)))
            else:
                stages = [str(s) for s in frame["id"].compute().tolist()]
        elif not isinstance(name, str) or name not in BY_NAME:
            key = name if isinstance(name, str) else short_repr(name)
            problems.append(Problem("snapshot", None, key, type(frame).__name__, UNKNOWN_LIST))
        elif not isinstance(frame, dd.DataFrame):
            message = "expected a Dask DataFrame"
            problems.append(Problem("snapshot", None, name, type(frame).__name__, message))
        else:
            parts.append(frame.map_partitions(_Rows(name), meta=meta))
    if "users" not in tables:
        problems.append(Problem("snapshot", None, "users", None, NO_USERS))
    if problems:
        raise InvalidSnapshotError(problems)
    return parts, stages


@attrs.frozen
class _Rows:
    """``map_partitions``: one list's pandas partition to rows."""

    list_name: str

    def __call__(self, frame: Any, partition_info: Mapping[str, Any] | None = None) -> Any:
        # Positions keep the input order: the partition, then the row within it.
        number = partition_info["number"] if partition_info is not None else 0
        return _frame(rows_or_problems(self.list_name, frame, number << 32))


def _parquet(directory: Path) -> tuple[list[Any], list[str] | None]:
    """The rows of a directory as ``write_parquet`` writes it, one partition per row group,
    and its lifecycle stages; a file that cannot be read or follows another schema is a
    problem, as ``read_parquet`` reports it."""
    pa, _pd, dd = _modules()
    if not directory.is_dir():
        if not directory.exists():
            raise FileNotFoundError(f"no such directory: {directory}")
        raise NotADirectoryError(f"not a directory: {directory}")
    problems: list[Problem] = []
    pieces: list[tuple[str, str, int, int]] = []
    stages: list[str] | None = None
    for file in sorted(p for p in directory.glob("*.parquet") if p.is_file()):
        name = file.stem
        try:
            metadata = pa.parquet.ParquetFile(file).metadata
        except (pa.ArrowException, OSError) as exc:
            message = f"not a readable Parquet file: {short_repr(str(exc), 200)}"
            problems.append(Problem("snapshot", None, name, file.name, message))
            continue
        schema = (metadata.schema.to_arrow_schema().metadata or {}).get(SCHEMA_KEY)
        if schema is not None and schema != SCHEMA.encode():
            message = f"unsupported schema; expected {SCHEMA!r}"
            problems.append(
                Problem("snapshot", None, name, schema.decode(errors="replace"), message)
            )
        elif name == LIFECYCLE_STAGES:
            table = pa.parquet.read_table(file)
            if table.column_names != ["id"]:
                problems.append(lifecycle_problem(table.column_names))
            else:
                stages = [str(s) for s in table.column("id").to_pylist()]
        elif name not in BY_NAME:
            problems.append(Problem("snapshot", None, name, file.name, UNKNOWN_LIST))
        else:
            first = 0
            for group in range(metadata.num_row_groups):
                pieces.append((name, str(file), group, first))
                first += metadata.row_group(group).num_rows
    if not any(name == "users" for name, *_rest in pieces):
        problems.append(Problem("snapshot", None, "users", None, NO_USERS))
    if problems:
        raise InvalidSnapshotError(problems)
    meta = _frame(core.READ_SCHEMA.empty_table())
    return [dd.from_map(_read_row_group, pieces, meta=meta, enforce_metadata=False)], stages


def _read_row_group(piece: tuple[str, str, int, int]) -> Any:
    """``from_map``: one row group of one list's Parquet file to rows."""
    pa = require("pyarrow", PURPOSE, DASK_INSTALL)
    require("pyarrow.parquet", PURPOSE, DASK_INSTALL)
    name, file, group, first = piece
    table = pa.parquet.ParquetFile(file).read_row_group(group)
    return _frame(rows_or_problems(name, table, first))


def _keys(frame: Any) -> Any:
    """``map_partitions``: rows to their keys."""
    return _frame(core.keys_of(_table(frame, core.READ_SCHEMA)))


# -- the plan ---------------------------------------------------------------------------------


def _fan_out(rows: Any, keys: Any) -> Any:
    """The ``(user_id, rid)`` pairs of every user's book: the links of the plan's joins, then
    its arcs in rounds of merges."""
    _pa, pd, dd = _modules()
    text = pd.StringDtype("pyarrow")
    plan = pd.DataFrame([attrs.astuple(e) for e in edges()], columns=list(EDGE_COLUMNS))
    numbered = pd.DataFrame(joins(), columns=list(JOIN_COLUMNS)).astype(
        {"source": text, "source_key": text, "target": text, "target_key": text}
    )
    source = keys.merge(numbered, left_on=["list", "key"], right_on=["source", "source_key"])
    target = keys.rename(columns={"list": "target", "key": "target_key", "rid": "target_rid"})
    links = _held(
        source[["rid", "join", "target", "target_key", "value"]]
        .merge(target, on=["target", "target_key", "value"])[["rid", "join", "target_rid"]]
        .drop_duplicates()
    )
    users = rows[rows["list"] == "users"][["rid", "id"]]
    starts = [users.assign(owner=users["rid"], node=USER_ROOT)[["owner", "node", "rid"]]]
    for name, node in roots().items():
        records = rows[rows["list"] == name][["rid"]]
        starts.append(records.assign(owner=EVERYONE, node=node)[["owner", "node", "rid"]])
    frontier = dd.concat(starts)
    columns = ["owner", "node", "rid"]
    partitions = keys.npartitions
    found: Any = None
    while True:
        reached = (
            frontier.rename(columns={"node": "parent"})
            .merge(plan, on="parent")[["owner", "node", "join", "rid"]]
            .merge(links, on=["rid", "join"])[["owner", "node", "target_rid"]]
            .rename(columns={"target_rid": "rid"})
            .drop_duplicates()
        )
        if found is not None:
            joined = reached.merge(found, on=columns, how="left", indicator=True)
            reached = joined[joined["_merge"] == "left_only"][columns]
        # As many partitions as the keys have, round after round (a merge would double them).
        reached = _held(reached.repartition(npartitions=partitions))
        if len(reached) == 0:
            break
        found = reached if found is None else dd.concat([found, reached])
        found = _held(found.repartition(npartitions=partitions))
        frontier = reached
    whole = rows[rows["list"].isin(list(WHOLE))][["rid"]].assign(owner=EVERYONE)
    pairs = whole if found is None else dd.concat([found[["owner", "rid"]], whole])
    everyone = pairs[pairs["owner"] == EVERYONE][["rid"]]
    user_ids = users[["id"]].rename(columns={"id": "user_id"})
    crossed = everyone.assign(k=0).merge(user_ids.assign(k=0), on="k")[["user_id", "rid"]]
    owners = users.rename(columns={"rid": "owner", "id": "user_id"})
    own = pairs[pairs["owner"] != EVERYONE].merge(owners, on="owner")[["user_id", "rid"]]
    return dd.concat([own, crossed]).drop_duplicates()


# -- the evaluation ---------------------------------------------------------------------------


@attrs.frozen
class _Evaluation:
    """What every partition's evaluation takes, sent to the workers by pickle."""

    now: datetime
    config: Config | Settings | None
    rules: RuleSetLike | None
    stages: list[str] | None


def _evaluate(frame: Any, evaluation: _Evaluation) -> Any:
    """``map_partitions``: the books of a partition (whole books) to their actions."""
    pa = require("pyarrow", PURPOSE, DASK_INSTALL)
    tables: Iterable[Any] = (
        core.evaluate_book(
            str(user_id),
            _table(book[core.ROW_SCHEMA.names], core.ROW_SCHEMA),
            evaluation.now,
            config=evaluation.config,
            rules=evaluation.rules,
            lifecycle_stages=evaluation.stages,
        )
        for user_id, book in frame.groupby("user_id", sort=True)
    )
    return _frame(pa.concat_tables([core.ACTIONS_SCHEMA.empty_table(), *tables]), arrow=True)

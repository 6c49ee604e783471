"""Every rep's guided actions on Spark: :func:`evaluate_all` over PySpark DataFrames.

Needs the ``spark`` extra (``pip install 'guided-actions[spark]'``: pyspark, pyarrow, pandas), on
the driver and on every executor, with the plugins whose rules run. Importing this module imports
none of them: pyspark is imported by the first call, which raises :class:`ImportError` naming the
extra without it.

- :func:`evaluate_all` ``(tables, now, *, config=None, rules=None)``: the tidy table of every
  user's actions (the columns of ``Result.to_arrow()``), as a PySpark DataFrame, equal to
  ``guided_actions.evaluate_all(snapshot, now, config=config, rules=rules).to_arrow()`` on the
  same data.

See the how-to "Run on Spark or Dask".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from guided_actions._engine.config import Config
    from guided_actions._engine.evaluate import RuleSetLike
    from guided_actions._engine.settings import Settings

__all__ = ["evaluate_all"]


def evaluate_all(
    tables: Mapping[str, DataFrame],
    now: datetime,
    *,
    config: Config | Settings | None = None,
    rules: RuleSetLike | None = None,
) -> DataFrame:
    """Every user's actions at ``now``, computed on Spark: one row per action, the columns of
    ``Result.to_arrow()`` (``key`` first), one action per ``key``.

    ``tables`` maps interchange list names (``"users"``, ``"contacts"``, ``"emails"``…) to
    PySpark DataFrames whose columns are the fields of that list, as
    :func:`guided_actions.frames.write_parquet` writes them (``spark.read.parquet`` of its
    files). Each user's book (:meth:`~guided_actions.Snapshot.book`) is gathered by joins that
    Spark runs, then evaluated in one task per user. ``config`` and ``rules`` are sent to the
    executors by pickle: a plugin's rules must be importable there (install the plugin on every
    executor).

    The table equals ``guided_actions.evaluate_all(snapshot, now, config=config,
    rules=rules).to_arrow()`` on the same data, up to the order of its rows. The input is read
    when this function is called (once, into Spark's storage), and each rep's book gathered;
    the actions are computed when the returned DataFrame is used. Raises
    :class:`~guided_actions.errors.InvalidSnapshotError` listing every invalid record of every
    partition; a problem that only a whole book shows (a reference to a missing record) is
    raised by the Spark job that computes the actions.
    """
    from guided_actions._adapters.distributed.spark import evaluate_all as run

    actions: DataFrame = run(tables, now, config=config, rules=rules)
    return actions

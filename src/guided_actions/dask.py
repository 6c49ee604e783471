"""Every rep's guided actions on Dask: :func:`evaluate_all` over Dask DataFrames or a Parquet
directory.

Needs the ``dask`` extra (``pip install 'guided-actions[dask]'``: dask with its DataFrames and
``distributed``, pyarrow), on the client and on every worker, with the plugins whose rules run.
Importing this module imports none of them: dask is imported by the first call, which raises
:class:`ImportError` naming the extra without it.

- :func:`evaluate_all` ``(tables, now, *, config=None, rules=None)``: the tidy table of every
  user's actions (the columns of ``Result.to_arrow()``), as a Dask DataFrame, equal to
  ``guided_actions.evaluate_all(snapshot, now, config=config, rules=rules).to_arrow()`` on the
  same data.

See the how-to "Run on Spark or Dask".
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dask.dataframe as dd

    from guided_actions._engine.config import Config
    from guided_actions._engine.evaluate import RuleSetLike
    from guided_actions._engine.settings import Settings

__all__ = ["evaluate_all"]


def evaluate_all(
    tables: Mapping[str, dd.DataFrame] | str | os.PathLike[str],
    now: datetime,
    *,
    config: Config | Settings | None = None,
    rules: RuleSetLike | None = None,
) -> dd.DataFrame:
    """Every user's actions at ``now``, computed on Dask: one row per action, the columns of
    ``Result.to_arrow()`` (``key`` first, Arrow-backed pandas types), one action per ``key``.

    ``tables`` maps interchange list names (``"users"``, ``"contacts"``, ``"emails"``…) to Dask
    DataFrames whose columns are the fields of that list, or is the path of a directory of one
    Parquet file per list as :func:`guided_actions.frames.write_parquet` writes it (each file is
    read in row groups, one partition each). Each user's book
    (:meth:`~guided_actions.Snapshot.book`) is gathered by merges that Dask runs, shuffled on the
    user id, and evaluated one user at a time within each partition. ``config`` and ``rules``
    are sent to the workers by pickle: a plugin's rules must be importable there (install the
    plugin on every worker).

    The table equals ``guided_actions.evaluate_all(snapshot, now, config=config,
    rules=rules).to_arrow()`` on the same data, up to the order of its rows. The input is read
    when this function is called (once, persisted on the workers), and each rep's book
    gathered; the actions are computed when the returned DataFrame is. Raises
    :class:`~guided_actions.errors.InvalidSnapshotError` listing every invalid record of every
    partition; a problem that only a whole book shows (a reference to a missing record) is
    raised when the actions are computed.
    """
    from guided_actions._adapters.distributed.dask import evaluate_all as run

    actions: dd.DataFrame = run(tables, now, config=config, rules=rules)
    return actions

"""DataFrames and Parquet in: build a snapshot from pandas, polars or pyarrow tables.

Needs the ``frames`` extra (``pip install 'guided-actions[frames]'``, pyarrow); pandas and polars
are used when installed, never required. Importing this module imports none of them: pyarrow is
imported by the first call, which raises :class:`ImportError` naming the extra without it.

- :func:`snapshot` ``(tables, *, lifecycle_stages=None)``: frames keyed by interchange list name
  (``"users"``, ``"contacts"``, ``"deals"``…) to a :class:`~guided_actions.Snapshot`, equal to
  ``Snapshot.from_dict`` of the same data, every problem reported as the JSON loader reports it.
- :func:`write_parquet` ``(snapshot, path)``: a directory of one Parquet file per list.
- :func:`read_parquet` ``(path)``: that directory back into the same snapshot.
"""

from guided_actions._adapters.frames import read_parquet, snapshot, write_parquet

__all__ = ["read_parquet", "snapshot", "write_parquet"]

"""Edge: frames and Parquet in. pandas, polars and pyarrow tables (or any Arrow stream) to a
snapshot, through the interchange document decoder; a snapshot to and from a directory of Parquet
files. pyarrow is imported on first use (the ``frames`` extra); pandas and polars only when the
caller has them loaded.
"""

from guided_actions._adapters.frames.parquet import read_parquet, write_parquet
from guided_actions._adapters.frames.reading import snapshot

__all__ = ["read_parquet", "snapshot", "write_parquet"]

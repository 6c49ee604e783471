"""Target 1's pipeline in one fresh process: a CRM from Parquet to a table of actions as Parquet.

Run by ``python benchmarks/run.py --million DIR`` (which generates and caches the Parquet
directory and starts this in a fresh interpreter); by hand::

    python benchmarks/million.py CRM_DIR --out OUT_DIR --workers 2

Times, in wall seconds, ``guided_actions.frames.read_parquet(CRM_DIR)``, ``evaluate_all(snapshot,
NOW, workers=N)`` and writing ``results.to_arrow()`` with ``pyarrow.parquet.write_table``, and
reports the peak resident memory of this process (``RUSAGE_SELF``) and of its largest worker
(``RUSAGE_CHILDREN``: the workers, once they have ended) as one JSON line on standard output.
"""

from __future__ import annotations

import argparse
import inspect
import json
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def _gib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 2**20  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("crm", help="the Parquet directory of the CRM")
    parser.add_argument("--out", required=True, help="a directory for actions.parquet")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    import pyarrow.parquet as pq

    from guided_actions import evaluate_all
    from guided_actions.frames import read_parquet

    seconds: dict[str, float] = {}
    start = time.perf_counter()
    snapshot = read_parquet(args.crm)
    seconds["read_parquet"] = time.perf_counter() - start

    options: dict[str, Any] = {}
    if "workers" in inspect.signature(evaluate_all).parameters:
        options["workers"] = args.workers
    start = time.perf_counter()
    results = evaluate_all(snapshot, NOW, **options)
    seconds["evaluate_all"] = time.perf_counter() - start

    start = time.perf_counter()
    table = results.to_arrow()
    pq.write_table(table, Path(args.out) / "actions.parquet")
    seconds["write actions"] = time.perf_counter() - start

    print(
        json.dumps(
            {
                "seconds": seconds,
                "workers": options.get("workers", 0),
                "records": sum(len(snapshot.records(k)) for k in ("contacts", "emails")),
                "actions": table.num_rows,
                "peak_rss_gib": {
                    "parent": _gib(resource.RUSAGE_SELF),
                    "workers": _gib(resource.RUSAGE_CHILDREN),
                },
                "python": sys.version.split()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

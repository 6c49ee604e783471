"""Median wall time of ``evaluate_all`` on the synthetic CRM, to compare two library versions.

Run it once with each version on the path, alternately, and compare the medians::

    git archive <rev> src | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old/src python benchmarks/evaluate_all_time.py   # the older version
    python benchmarks/evaluate_all_time.py                           # this checkout

Prints the median of ``--runs`` timed runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

from guided_actions import Snapshot, evaluate_all
from guided_actions.synthetic import generate

NOW = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--contacts-per-user", type=int, default=200)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    document = generate(users=args.users, contacts_per_user=args.contacts_per_user, seed=1, now=NOW)
    snapshot = Snapshot.from_dict(document)
    evaluate_all(snapshot, NOW)  # warm-up
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        evaluate_all(snapshot, NOW)
        times.append(time.perf_counter() - start)
    print(f"{statistics.median(times) * 1000:.1f}")


if __name__ == "__main__":
    main()

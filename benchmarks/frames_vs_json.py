"""Building a snapshot from Parquet versus from JSON text, on the same synthetic CRM.

Run from the repository root, after ``pip install -e '.[frames]'``::

    python benchmarks/frames_vs_json.py                    # 100 reps x 1,000 contacts = 100k
    python benchmarks/frames_vs_json.py --users 10 --contacts-per-user 100 --runs 3

The CRM is ``guided_actions.synthetic.generate(users=…, contacts_per_user=…, seed=0, now=…)``,
written once as JSON text (``json.dumps``) and once as a Parquet directory
(``guided_actions.frames.write_parquet``). Then, alternately (A B, B A, A B, …), each after a
garbage collection:

- A: ``guided_actions.frames.read_parquet(directory)``;
- B: ``Snapshot.from_dict(json.loads(text))``.

A warm-up pair runs first, untimed, and checks that both give the same snapshot. Prints each
side's median and spread (min to max) in wall-clock seconds, and the ratio of the medians A/B.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from guided_actions import Snapshot
from guided_actions.frames import read_parquet, write_parquet
from guided_actions.synthetic import generate

#: The instant the synthetic CRM is generated around (the other benchmarks' ``NOW``).
NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--contacts-per-user", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each side")
    args = parser.parse_args()

    document = generate(users=args.users, contacts_per_user=args.contacts_per_user, now=NOW)
    records = sum(len(v) for v in document.values() if isinstance(v, list))
    text = json.dumps(document)
    del document
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "crm"
        write_parquet(Snapshot.from_dict(json.loads(text)), directory)
        print(
            f"{args.users} reps x {args.contacts_per_user} contacts: {records:,} records; "
            f"JSON {len(text) / 2**20:.1f} MiB, Parquet {size(directory) / 2**20:.1f} MiB"
        )

        def parquet() -> Snapshot:
            return read_parquet(directory)

        def from_json() -> Snapshot:
            return Snapshot.from_dict(json.loads(text))

        if parquet().to_dict() != from_json().to_dict():  # the warm-up pair
            raise SystemExit("the two snapshots differ")
        times: dict[str, list[float]] = {"A": [], "B": []}
        for run in range(args.runs):
            pair = [("A", parquet), ("B", from_json)]
            for side, fn in pair if run % 2 == 0 else pair[::-1]:
                times[side].append(timed(fn))

    medians = {side: statistics.median(t) for side, t in times.items()}
    for side, label in (("A", "read_parquet(dir)"), ("B", "Snapshot.from_dict(json.loads(text))")):
        t = times[side]
        spread = f"(min {min(t):.2f}, max {max(t):.2f})"
        print(f"{side}: {label:<38} median {medians[side]:.2f} s  {spread}")
    print(f"ratio A/B: {medians['A'] / medians['B']:.2f}x  ({args.runs} runs each, alternated)")


if __name__ == "__main__":
    main()

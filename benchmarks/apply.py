"""Applying one change to a large snapshot, against rebuilding it from the changed document.

Run from the repository root::

    python benchmarks/apply.py                 # about 1 M records (1-2 minutes, ~4 GB)
    python benchmarks/apply.py --users 20      # about 100 k records (seconds)

Three changes, each applied to the same snapshot: a new dismissal (a list without ids), an
existing email replaced by a modified copy (it moves to another contact), and a contact deleted
(one that nothing refers to). Each is timed as ``snapshot.apply(change)`` (repeated) and as
``Snapshot.from_dict`` of the changed document (fewer repeats: it is the slow side); the medians,
their spread (min-max) and their ratio are printed. The reference counts that deleting needs are
built by the first delete; their build time and memory (``tracemalloc`` peak) are printed apart.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from guided_actions import Snapshot
from guided_actions._model.document import record_to_dict
from guided_actions._snapshot.changes import apply_to_document, reference_counts
from guided_actions.synthetic import generate

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def timed(work: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def show(times: list[float]) -> str:
    low, high = min(times) * 1000, max(times) * 1000
    return f"median {statistics.median(times) * 1000:10.2f} ms  (min {low:.2f}, max {high:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--contacts-per-user", type=int, default=580)
    parser.add_argument("--repeat", type=int, default=30, help="applies per change")
    parser.add_argument("--rebuilds", type=int, default=1, help="rebuilds per change")
    args = parser.parse_args()

    start = time.perf_counter()
    document = generate(users=args.users, contacts_per_user=args.contacts_per_user, now=NOW)
    snapshot = Snapshot.from_dict(document)
    document = snapshot.to_dict()
    records = sum(len(snapshot.records(name)) for name in snapshot._lists)
    print(f"{records:,} records, built in {time.perf_counter() - start:.1f} s")

    user = snapshot.users()[0].id
    email = record_to_dict(snapshot.records("emails")[len(snapshot.records("emails")) // 2])
    other = snapshot.records("contacts")[0].id
    lonely = record_to_dict(snapshot.records("contacts")[-1]) | {"id": "c-bench"}
    # The contact to delete is one nothing refers to: added beforehand, as its own change.
    base = snapshot.apply({"upsert": {"contacts": [lonely]}})
    base_document = base.to_dict()

    tracemalloc.start()
    built = time.perf_counter()
    counts = reference_counts(base._lists)
    built = time.perf_counter() - built
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    held = sum(len(c) for c in counts.values())
    print(
        f"reference counts (built by the first delete): {held:,} ids, "
        f"{built:.2f} s under tracemalloc, peak {peak / 2**20:.0f} MiB"
    )
    del counts
    base.apply({"delete": {"contacts": ["c-absent"]}, "upsert": {}})  # nothing deleted: no count
    base.apply({"delete": {"contacts": ["c-bench"]}})  # the first delete: the counts are built

    cases: list[tuple[str, Snapshot, dict[str, Any], dict[str, Any]]] = [
        (
            "a new dismissal",
            snapshot,
            document,
            {"upsert": {"dismissals": [{"user_id": user, "action_key": "bench"}]}},
        ),
        (
            "an email upserted",
            snapshot,
            document,
            {"upsert": {"emails": [email | {"contact_ids": [other]}]}},
        ),
        ("a contact deleted", base, base_document, {"delete": {"contacts": ["c-bench"]}}),
    ]
    for label, before, doc, change in cases:
        changed = apply_to_document(doc, change)
        applied = timed(lambda before=before, change=change: before.apply(change), args.repeat)
        rebuilt = timed(lambda changed=changed: Snapshot.from_dict(changed), args.rebuilds)
        ratio = statistics.median(rebuilt) / statistics.median(applied)
        print(f"{label:18}  apply   {show(applied)}")
        print(f"{'':18}  rebuild {show(rebuilt)}  ->  {ratio:,.0f}x")


if __name__ == "__main__":
    main()

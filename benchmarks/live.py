"""A live CRM: one change applied and its affected reps re-evaluated, against rebuilding the
snapshot and re-evaluating everyone; and a month of one rep's events replayed, against
evaluating that rep every minute.

Run from the repository root::

    python benchmarks/live.py                       # about 1 M records (a few minutes, ~5 GB)
    python benchmarks/live.py --users 20            # about 100 k records (well under a minute)

Every figure is a median over repeats with its spread (min-max); each ratio is of two things
measured in this one run, on the same snapshot. The slow sides are run fewer times (``--rebuilds``
and ``--minutes-days``): their spread is printed too. Evaluating every minute is measured over
the first ``--minutes-days`` days and scaled to 30 (the cost per evaluation is the same every
minute; both numbers are printed); the replayed stream is checked against those evaluations at
every minute measured.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from apply import timed

from guided_actions import Snapshot, affected_users, evaluate, evaluate_all, replay
from guided_actions._snapshot.changes import apply_to_document
from guided_actions.synthetic import generate

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def show(times: list[float]) -> str:
    low, high = min(times), max(times)
    return f"median {_s(statistics.median(times))}  (min {_s(low)}, max {_s(high)}, n={len(times)})"


def _s(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def changes_for(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Three webhooks: a rep dismisses an action, an inbound email arrives, a contact moves to
    another rep."""
    users = [u["id"] for u in document["users"]]
    contact = document["contacts"][len(document["contacts"]) // 2]
    moved = {**contact, "owner_id": next(u for u in users if u != contact["owner_id"])}
    email = {
        "id": "bench-inbound-1",
        "owner_id": contact["owner_id"],
        "direction": "inbound",
        "from_address": contact.get("email") or "someone@example.test",
        "to": [next(u["email"] for u in document["users"] if u["id"] == contact["owner_id"])],
        "sent_at": "2024-05-01T11:00:00Z",
    }
    return {
        "dismissal": {"upsert": {"dismissals": [{"user_id": users[0], "action_key": "k"}]}},
        "inbound email": {"upsert": {"emails": [email]}},
        "contact changes owner": {"upsert": {"contacts": [moved]}},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--contacts-per-user", type=int, default=580)
    parser.add_argument("--repeat", type=int, default=20, help="incremental runs per change")
    parser.add_argument("--rebuilds", type=int, default=1, help="full rebuilds per change")
    parser.add_argument("--minutes-days", type=float, default=1.0, help="days evaluated per minute")
    args = parser.parse_args()

    document = generate(users=args.users, contacts_per_user=args.contacts_per_user, now=NOW)
    snapshot = Snapshot.from_dict(document)
    records = sum(len(v) for v in document.values() if isinstance(v, list))
    print(f"snapshot: {records:,} records, {args.users} reps")

    print("\n== one change: apply + affected reps, against rebuild + everyone ==")
    worst = float("inf")
    for name, change in changes_for(document).items():
        affected = affected_users(snapshot, change)

        def incremental(change: Mapping[str, Any] = change) -> None:
            after = snapshot.apply(change)
            for user_id in affected_users(snapshot, change):
                evaluate(after, NOW, user_id)

        changed = apply_to_document(document, change)

        def rebuild(changed: Mapping[str, Any] = changed) -> None:
            evaluate_all(Snapshot.from_dict(changed), NOW)

        fast = timed(incremental, args.repeat)
        slow = timed(rebuild, args.rebuilds)
        ratio = statistics.median(slow) / statistics.median(fast)
        worst = min(worst, ratio)
        print(f"{name}: {len(affected)} rep(s) affected")
        print(f"  apply + affected   {show(fast)}")
        print(f"  rebuild + everyone {show(slow)}")
        print(f"  ratio {ratio:,.0f}x")
    print(f"target >= 100x cheaper: {'PASS' if worst >= 100 else 'MISS'} (worst {worst:,.0f}x)")

    print("\n== one rep's 30 days: replay, against evaluating every minute ==")
    user_id = document["users"][0]["id"]
    end = NOW + timedelta(days=30)
    events: list[Any] = []
    replayed = timed(lambda: events.extend(replay(snapshot, user_id, NOW, end)), 3)
    events = events[: len(events) // 3]  # the three runs gave the same stream
    minutes = int(args.minutes_days * 24 * 60)
    keys = {a.key for a in evaluate(snapshot, NOW, user_id)}
    pending = iter(sorted(events, key=lambda e: e.at))
    upcoming = next(pending, None)
    start = time.perf_counter()
    mismatches = 0
    for minute in range(1, minutes + 1):
        instant = NOW + timedelta(minutes=minute)
        seen = {a.key for a in evaluate(snapshot, instant, user_id)}
        while upcoming is not None and upcoming.at <= instant:
            if upcoming.type == "created":
                keys.add(upcoming.action.key)
            elif upcoming.type == "expired":
                keys.discard(upcoming.action.key)
            upcoming = next(pending, None)
        mismatches += seen != keys
    every_minute = (time.perf_counter() - start) * (30 * 24 * 60) / minutes
    print(f"replay 30 days: {show(replayed)}, {len(events)} events")
    print(
        f"every minute: {_s(every_minute)} for 30 days "
        f"(measured over {minutes:,} minutes and scaled; the stream agreed at "
        f"{minutes - mismatches:,} of {minutes:,} minutes)"
    )
    print(f"ratio {every_minute / statistics.median(replayed):,.0f}x")
    if mismatches:
        raise SystemExit("the replayed stream disagrees with evaluating every minute")


if __name__ == "__main__":
    main()

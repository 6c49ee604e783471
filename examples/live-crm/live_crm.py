"""Keep guided actions live in a CRM: apply each change, re-evaluate only the reps it affects,
publish what changed as events, and wake up when time alone changes something.

Run it from the repository root (it needs only the library and Python's own ``sqlite3``)::

    python examples/live-crm/live_crm.py --db live.sqlite

The CRM is the synthetic one (:func:`guided_actions.synthetic.generate`); its changes arrive as
webhook payloads in the interchange vocabulary (``{"upsert": {...}, "delete": {...}}``). The
database keeps three tables, which is all a CRM needs to keep its reps' screens live:

- ``actions``: the keys each rep has on screen now (what the screen shows, and what ``diff``
  compares against);
- ``events``: every change as a CloudEvents 1.0 JSON document; the event ``id`` is the primary key,
  so an event published twice (a retried webhook) is stored once;
- ``wakeups``: for each rep, ``next_change_at``: the instant to evaluate again even if no record
  changes (``NULL``: never, by time alone).

At the end the example checks its own work: every rep's stored keys equal a fresh evaluation of
a snapshot rebuilt from scratch at the final instant.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from guided_actions import (
    Event,
    Result,
    Snapshot,
    affected_users,
    diff,
    evaluate,
    evaluate_all,
)
from guided_actions.synthetic import generate

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

SCHEMA = """
CREATE TABLE IF NOT EXISTS actions (
    user_id TEXT NOT NULL,
    key TEXT NOT NULL,
    rule TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    type TEXT NOT NULL,
    rule TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT,
    cloudevent TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS wakeups (
    user_id TEXT PRIMARY KEY,
    at TEXT
);
"""


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


class LiveActions:
    """The live state of every rep's actions, kept in a SQLite database.

    ``snapshot`` is immutable: a change gives a new snapshot (``Snapshot.apply``), so a reader in
    another thread keeps evaluating the one it holds, whole.
    """

    def __init__(self, db: sqlite3.Connection, snapshot: Snapshot, now: datetime) -> None:
        self.db = db
        self.snapshot = snapshot
        self.now = now
        db.executescript(SCHEMA)
        # The first evaluation: every rep, once. Afterwards only the affected ones and those
        # whose wake-up has come are evaluated again.
        self.results: dict[str, Result] = dict(evaluate_all(snapshot, now))
        with db:
            for user_id, result in self.results.items():
                self._store(user_id, result, ())

    # -- what a webhook handler calls --------------------------------------------------------

    def handle(self, change: Mapping[str, Any], at: datetime) -> int:
        """Apply one change that happened at ``at``; return how many reps were evaluated."""
        self.advance(at)  # first, everything that time alone changed before the change
        users = affected_users(self.snapshot, change)
        self.snapshot = self.snapshot.apply(change)
        with self.db:
            for user_id in sorted(users):
                self._evaluate(user_id, at)
        return len(users)

    # -- what a scheduler calls ---------------------------------------------------------------

    def advance(self, until: datetime) -> int:
        """Evaluate every rep whose wake-up has come by ``until``, in time order; return how
        many evaluations that took."""
        done = 0
        while True:
            row = self.db.execute(
                "SELECT user_id, at FROM wakeups WHERE at IS NOT NULL AND at <= ? "
                "ORDER BY at, user_id LIMIT 1",
                (iso(until),),
            ).fetchone()
            if row is None:
                break
            user_id, at = row[0], datetime.fromisoformat(row[1])
            with self.db:
                self._evaluate(user_id, at)
            done += 1
        self.now = until
        return done

    # -- the work --------------------------------------------------------------------------

    def _evaluate(self, user_id: str, at: datetime) -> None:
        before = self.results.get(user_id)
        after = evaluate(self.snapshot, at, user_id)
        events = diff(before, after) if before is not None else ()
        self.results[user_id] = after
        self._store(user_id, after, events)

    def _store(self, user_id: str, result: Result, events: Iterable[Event]) -> None:
        db = self.db
        db.execute("DELETE FROM actions WHERE user_id = ?", (user_id,))
        db.executemany(
            "INSERT INTO actions (user_id, key, rule) VALUES (?, ?, ?)",
            [(user_id, a.key, a.rule) for a in result],
        )
        db.executemany(
            "INSERT OR IGNORE INTO events (id, user_id, type, rule, at, reason, cloudevent) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    (cloudevent := e.to_cloudevent())["id"],
                    user_id,
                    e.type,
                    e.action.rule,
                    iso(e.at),
                    e.reason,
                    json.dumps(cloudevent, sort_keys=True),
                )
                for e in events
            ],
        )
        wake = result.next_change_at
        db.execute(
            "INSERT INTO wakeups (user_id, at) VALUES (?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET at = excluded.at",
            (user_id, iso(wake) if wake is not None else None),
        )

    def stored_keys(self) -> dict[str, set[str]]:
        keys: dict[str, set[str]] = {uid: set() for uid in self.results}
        for user_id, key in self.db.execute("SELECT user_id, key FROM actions"):
            keys[user_id].add(key)
        return keys


def webhook_changes(
    snapshot: Snapshot, results: Mapping[str, Result]
) -> list[tuple[datetime, dict[str, Any]]]:
    """A morning of webhooks, made from what the reps have on screen: a rep answers a reply,
    another dismisses an action, a new inbound email arrives, a contact is deleted."""
    changes: list[tuple[datetime, dict[str, Any]]] = []
    at = START + timedelta(minutes=30)
    actions = [a for r in results.values() for a in r]
    replies = [a for a in actions if a.rule == "email_replies"]
    if replies:
        # The rep emails the contact back: the action stops holding (reason "criterion").
        action = replies[0]
        contact = snapshot.contact(action.subjects[0][1])
        assert contact is not None
        assert contact.email is not None
        changes.append(
            (
                at,
                {
                    "upsert": {
                        "emails": [
                            {
                                "id": "live-reply-1",
                                "owner_id": action.user_id,
                                "direction": "outbound",
                                "to": [contact.email],
                                "sent_at": iso(at),
                            }
                        ]
                    }
                },
            )
        )
    others = [a for a in actions if a.rule != "email_replies"]
    if others:
        # Another action is dismissed for good (reason "dismissed").
        action = others[len(others) // 2]
        changes.append(
            (
                at + timedelta(minutes=45),
                {"upsert": {"dismissals": [{"user_id": action.user_id, "action_key": action.key}]}},
            )
        )
    return changes


def main(argv: Sequence[str] | None = None) -> dict[str, Counter[str]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--db", type=Path, default=Path("live.sqlite"), help="the SQLite file")
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--contacts-per-user", type=int, default=15)
    parser.add_argument("--days", type=int, default=3, help="how long to run the clock for")
    args = parser.parse_args(argv)

    snapshot = Snapshot.from_dict(
        generate(users=args.users, contacts_per_user=args.contacts_per_user, seed=7, now=START)
    )
    args.db.unlink(missing_ok=True)
    db = sqlite3.connect(args.db)
    live = LiveActions(db, snapshot, START)
    evaluated = Counter[str]()
    for at, change in webhook_changes(snapshot, live.results):
        evaluated["by changes"] += live.handle(change, at)
    evaluated["by wake-ups"] += live.advance(START + timedelta(days=args.days))
    end = live.now

    # The check: the stored keys are what a fresh evaluation of the rebuilt snapshot gives.
    rebuilt = Snapshot.from_dict(live.snapshot.to_dict())
    fresh = {uid: {a.key for a in r} for uid, r in evaluate_all(rebuilt, end).items()}
    if live.stored_keys() != fresh:
        raise SystemExit("the stored keys differ from a fresh evaluation")

    by_type = Counter(t for (t,) in db.execute("SELECT type FROM events"))
    by_reason = Counter(
        r for (r,) in db.execute("SELECT reason FROM events WHERE reason IS NOT NULL")
    )
    shown = sum(len(keys) for keys in fresh.values())
    print(f"{len(live.results)} reps, {shown} actions on screen at {iso(end)}")
    print("evaluations:", dict(evaluated))
    print("events:", dict(sorted(by_type.items())))
    print("expired by:", dict(sorted(by_reason.items())))
    db.close()
    return {"evaluated": evaluated, "types": by_type, "reasons": by_reason}


if __name__ == "__main__":
    main(sys.argv[1:])

"""Fill a database with a CRM: a synthetic one, or any interchange document.

::

    python -m crm_web.seed crm.sqlite                         # a synthetic CRM around now
    python -m crm_web.seed crm.sqlite --users 10 --contacts-per-user 50 --seed 7
    python -m crm_web.seed crm.sqlite --from demo.json        # e.g. guided-actions demo --export

The document is checked by :meth:`Snapshot.from_dict` before anything is written; the database
must not exist yet (its tables are created).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from crm_web.cache import bump_version
from crm_web.convert import add_snapshot
from crm_web.models import connect
from guided_actions import Snapshot
from guided_actions.errors import InvalidSnapshotError
from guided_actions.synthetic import generate

__all__ = ["main", "seed"]


def seed(url: str, document: dict[str, Any]) -> Snapshot:
    """Write the CRM ``document`` (interchange format) to the database at ``url``."""
    snapshot = Snapshot.from_dict(document)
    with Session(connect(url)) as session, session.begin():
        add_snapshot(session, snapshot)
        bump_version(session)
    return snapshot


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crm_web.seed", description=__doc__.split("\n")[0]
    )
    parser.add_argument("database", type=Path, help="the SQLite file to create")
    parser.add_argument("--from", dest="source", type=Path, help="an interchange document (JSON)")
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--contacts-per-user", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        default=None,
        help="the instant the synthetic CRM is built around (default: the current time)",
    )
    args = parser.parse_args(argv)
    if args.database.exists():
        parser.error(f"{args.database} exists: give a new file")
    if args.source is not None:
        document = json.loads(args.source.read_text(encoding="utf-8"))
    else:
        now = args.now or datetime.now(UTC).replace(microsecond=0)
        document = generate(
            users=args.users, contacts_per_user=args.contacts_per_user, seed=args.seed, now=now
        )
    try:
        snapshot = seed(f"sqlite:///{args.database}", document)
    except InvalidSnapshotError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"{args.database}: {snapshot!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

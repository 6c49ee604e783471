"""The one snapshot the service shares between requests, and the writes that replace it.

FastAPI runs the service's (synchronous) endpoints in a pool of threads. A
:class:`~guided_actions.Snapshot` is immutable, so every thread may read the same one at the same
time; what needs care is *replacing* it:

- The cache holds one ``(version, snapshot)`` pair and replaces it whole, in one assignment: a
  request that took the pair keeps a complete snapshot however many writes follow, and never
  sees one half built.
- Every write (:meth:`SnapshotCache.write`) takes a lock, bumps the ``crm_version`` row, adds
  its rows, builds the next snapshot (the cached one with the change applied) *inside the same
  transaction*, and only then commits and swaps. A write whose records would make an invalid
  snapshot is rolled back: nothing is written and the cached snapshot stays.
- Every read (:meth:`SnapshotCache.get`) compares the cached version with the ``crm_version``
  row (one row by primary key): another process writing to the same database (a second worker,
  an import job) bumps it, and the next read rebuilds.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from crm_web.convert import load_snapshot, row_from_record
from crm_web.models import VersionRow
from guided_actions import Snapshot

__all__ = ["SnapshotCache", "bump_version"]


def _version(session: Session) -> int:
    """The database's version (0 before its first counted write)."""
    return session.scalar(select(VersionRow.version).where(VersionRow.id == 1)) or 0


def bump_version(session: Session) -> int:
    """Count one more write in ``session``'s transaction; the new version."""
    bumped = update(VersionRow).where(VersionRow.id == 1).values(version=VersionRow.version + 1)
    if session.execute(bumped).rowcount == 0:  # type: ignore[attr-defined]
        session.add(VersionRow(id=1, version=1))
        session.flush()
    return _version(session)


class SnapshotCache:
    """The snapshot of the database at ``engine``, built once and rebuilt after each write."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine)
        self._lock = threading.Lock()
        self._current: tuple[int, Snapshot] | None = None

    def get(self) -> Snapshot:
        """The snapshot of the database as it is now (built again when it changed)."""
        current = self._current
        if current is not None:
            with self._sessions() as session:
                if _version(session) == current[0]:
                    return current[1]
        with self._lock, self._sessions.begin() as session:
            # One transaction: the version and the rows read are those of the same moment.
            version = _version(session)
            current = self._current
            if current is None or current[0] != version:
                current = (version, load_snapshot(session))
                self._current = current
            return current[1]

    def write(self, records: Sequence[Any]) -> Snapshot:
        """Add ``records`` (``guided_actions`` records) to the database; the snapshot with them.

        The next snapshot is the cached one with the records applied
        (:meth:`Snapshot.apply <guided_actions.Snapshot.apply>`, whose cost follows the change,
        not the CRM), or, when another process wrote since it was built, the database read again.
        Raises :class:`~guided_actions.errors.InvalidSnapshotError`, and writes nothing, when the
        database with these records is not a valid snapshot.
        """
        upsert: dict[str, list[Any]] = {}
        for record in records:
            upsert.setdefault(record.record_kind, []).append(record)
        with self._lock:
            with self._sessions.begin() as session:
                version = bump_version(session)
                session.add_all(row_from_record(record) for record in records)
                session.flush()
                current = self._current
                if current is not None and current[0] == version - 1:
                    snapshot = current[1].apply({"upsert": upsert})
                else:  # another process wrote since: read it all again, these rows included
                    snapshot = load_snapshot(session)
            # The transaction is committed: swap, still under the lock, so that writes swap in
            # the order they committed.
            self._current = (version, snapshot)
            return snapshot

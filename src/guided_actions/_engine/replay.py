"""``replay``: the event stream of one user between two instants, changes applied on the way.

The stream starts from the result at ``start`` and moves from one instant at which something can
change to the next: the earlier of the result's
:attr:`~guided_actions.Result.next_change_at` (an action appears or expires by time alone) and
the instant of the next timed change set. At that instant it applies the change sets stamped
with it (:meth:`~guided_actions.Snapshot.apply`, in the order given), evaluates, and yields
:func:`~guided_actions.diff` of the two results. It never evaluates at an instant where nothing
can change, so its cost follows the number of changes, not the length of the span.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from guided_actions._engine.config import Config
from guided_actions._engine.evaluate import (
    RuleSetLike,
    _Prepared,
    check_now,
    evaluate_prepared,
    prepare,
    resolve_viewer,
)
from guided_actions._engine.events import Event, diff
from guided_actions._engine.settings import Settings
from guided_actions._model.records import User
from guided_actions._model.time import is_aware, utc_iso
from guided_actions.errors import short_repr
from guided_actions.typing import SnapshotReader

__all__ = ["replay"]

#: One timed change set: the instant it happened and the changes (``Snapshot.apply``'s).
TimedChanges = tuple[datetime, Mapping[str, Any]]


def _timed(changes: Iterable[TimedChanges]) -> Iterator[tuple[datetime, Mapping[str, Any]]]:
    """The change sets with their instants in UTC, checked to be in non-decreasing order."""
    last: datetime | None = None
    for position, item in enumerate(changes):
        if not isinstance(item, tuple) or len(item) != 2:
            raise ValueError(
                f"changes[{position}] must be an (instant, changes) pair, got {short_repr(item)}"
            )
        instant, change = item
        if not isinstance(instant, datetime):
            raise TypeError(
                f"changes[{position}]: the instant must be a timezone-aware datetime, got "
                f"{short_repr(instant)}"
            )
        if not is_aware(instant):
            raise ValueError(
                f"changes[{position}]: the instant {instant.isoformat()} is naive: give it an "
                "offset"
            )
        at = check_now(instant)
        if last is not None and at < last:
            raise ValueError(
                f"changes[{position}] at {utc_iso(at)} is earlier than the change before it "
                f"({utc_iso(last)}): give the changes in non-decreasing order of instant"
            )
        last = at
        yield at, change


def replay(
    snapshot: SnapshotReader,
    user: str | User,
    start: datetime,
    end: datetime,
    *,
    changes: Iterable[TimedChanges] = (),
    viewer: str | User | None = None,
    config: Config | Settings | None = None,
    rules: RuleSetLike | None = None,
) -> Iterator[Event]:
    """The events of ``user``'s actions after ``start`` up to and including ``end``.

    ``changes`` are ``(instant, changes)`` pairs in non-decreasing order of instant, each
    ``changes`` a mapping :meth:`~guided_actions.Snapshot.apply` takes. A change set stamped at
    or before ``start`` is part of the state at ``start`` (applied before the first evaluation,
    no event of its own); one stamped after ``end`` is not read. ``viewer``, ``config`` and
    ``rules`` are those of :func:`~guided_actions.evaluate`. ``start`` and ``end`` are
    timezone-aware, ``start <= end``. A change set that makes the snapshot invalid raises the
    :class:`~guided_actions.errors.InvalidSnapshotError` of ``apply`` when the stream reaches it.

    Applying the events in order to the keys of ``evaluate(snapshot, start, user)`` gives the
    keys of the result at ``end`` (of the snapshot with every change up to ``end`` applied).
    """
    start_utc, end_utc = check_now(start), check_now(end)
    if end_utc < start_utc:
        raise ValueError(f"end ({utc_iso(end_utc)}) is earlier than start ({utc_iso(start_utc)})")
    target, _looker, private = resolve_viewer(snapshot, user, viewer)
    prepared = prepare(rules, config, target)
    return _stream(snapshot, target, private, prepared, start_utc, end_utc, _timed(changes))


def _stream(
    snapshot: SnapshotReader,
    target: User,
    private: bool,
    prepared: _Prepared,
    start: datetime,
    end: datetime,
    timed: Iterator[tuple[datetime, Mapping[str, Any]]],
) -> Iterator[Event]:
    upcoming = next(timed, None)
    while upcoming is not None and upcoming[0] <= start:
        snapshot = _apply(snapshot, upcoming[1])
        upcoming = next(timed, None)
    current = evaluate_prepared(snapshot, start, target, private, prepared, strict=False)
    while True:
        candidates = [] if upcoming is None else [upcoming[0]]
        if current.next_change_at is not None:
            candidates.append(current.next_change_at)
        if not candidates:
            return
        instant = min(candidates)
        if instant > end:
            return
        while upcoming is not None and upcoming[0] == instant:
            snapshot = _apply(snapshot, upcoming[1])
            upcoming = next(timed, None)
        following = evaluate_prepared(snapshot, instant, target, private, prepared, strict=False)
        yield from diff(current, following)
        current = following


def _apply(snapshot: SnapshotReader, changes: Mapping[str, Any]) -> SnapshotReader:
    apply = getattr(snapshot, "apply", None)
    if apply is None:
        raise TypeError(
            f"changes need a snapshot that applies them (Snapshot.apply); "
            f"{type(snapshot).__name__} does not"
        )
    applied: SnapshotReader = apply(changes)
    return applied

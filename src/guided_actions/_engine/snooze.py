"""Snoozing an action: when it comes back by default, and the record that snoozes it.

The engine applies snoozes where it applies dismissals (:func:`~guided_actions._engine.evaluate.
snoozed_by`); these helpers make the record a CRM stores when a rep presses "snooze".
"""

from __future__ import annotations

from datetime import UTC, datetime

from guided_actions._engine.actions import Action
from guided_actions._engine.config import Config
from guided_actions._engine.evaluate import check_now
from guided_actions._model.records import Snooze
from guided_actions._model.time import shift
from guided_actions._model.validation import MAX_YEAR
from guided_actions.errors import InvalidConfigError, InvalidRecordError, Problem, short_repr

__all__ = ["LAST_UNTIL", "snooze", "snooze_until"]

#: The latest ``until`` :func:`snooze_until` proposes: the last instant a record may hold (the
#: end of year ``MAX_YEAR`` in UTC), so that the proposed snooze can always be stored.
LAST_UNTIL = datetime(MAX_YEAR, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)


def _check_action(action: object) -> Action:
    if not isinstance(action, Action):
        raise TypeError(f"action must be an Action, got {short_repr(action)}")
    return action


def snooze_until(action: Action, now: datetime, *, config: Config | None = None) -> datetime:
    """When ``action``, snoozed at ``now``, comes back by default, in UTC.

    ``now + config.snooze_high`` for a high-priority action, ``now + config.snooze_other`` for
    any other (1 hour and 24 hours by default), held no later than :data:`LAST_UNTIL`. ``now``
    must be timezone-aware, as for :func:`~guided_actions.evaluate`.
    """
    action = _check_action(action)
    now_utc = check_now(now)
    if config is None:
        config = Config()
    elif not isinstance(config, Config):
        raise InvalidConfigError(f"config must be a Config, got {short_repr(config)}")
    delta = config.snooze_high if action.priority == "high" else config.snooze_other
    return min(shift(now_utc, delta), LAST_UNTIL)


def snooze(
    action: Action,
    now: datetime,
    *,
    config: Config | None = None,
    until: datetime | None = None,
) -> Snooze:
    """The record that snoozes ``action`` for its user, to store and put back in the snapshot.

    ``until`` defaults to :func:`snooze_until`; either way it must be timezone-aware and later
    than ``now`` (a snooze that ends at once would hide nothing: at the very end of the supported
    range there is no later instant to propose). A card's snooze names the card's
    members (``subject_ids``), so that the card comes back early when a new member joins it.
    Raises :class:`~guided_actions.errors.InvalidRecordError` for an invalid ``until``.
    """
    action = _check_action(action)
    if config is not None and not isinstance(config, Config):
        raise InvalidConfigError(f"config must be a Config, got {short_repr(config)}")
    now_utc = check_now(now)
    if until is None:
        until = snooze_until(action, now, config=config)
    record = Snooze(user_id=action.user_id, action_key=action.key, until=until)
    if record.until <= now_utc:
        # Given, or proposed at the very end of the supported range: it would hide nothing.
        raise InvalidRecordError(
            [
                Problem(
                    "snoozes",
                    action.key,
                    "until",
                    until,
                    f"must be later than now ({now_utc.isoformat()}): the snooze would hide "
                    "nothing",
                )
            ]
        )
    subject_ids = tuple(rid for _kind, rid in action.subjects) if action.grouped else ()
    return Snooze(
        user_id=action.user_id, action_key=action.key, until=until, subject_ids=subject_ids
    )

"""Time helpers: parsing ISO-8601 instants, UTC formatting, calendar days in a zone, and the
arithmetic of instants and durations that never overflows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.parser import isoparse

from guided_actions.errors import short_repr

__all__ = [
    "EARLIEST",
    "LATEST",
    "MAX_DURATION",
    "day_bounds",
    "duration_problem",
    "is_aware",
    "local_date",
    "parse_instant",
    "shift",
    "start_of_local_day",
    "utc_iso",
]

#: The longest duration a threshold or a setting may be: 36,525 days (100 years). Far longer
#: than any sales process, and short enough that a message can say what was wrong.
MAX_DURATION = timedelta(days=36_525)

#: The earliest and latest instants :func:`shift` gives: a day inside the ends of what
#: ``datetime`` represents, so that an instant between them converts to any time zone (every
#: zone's offset is less than a day) and formats. Every instant of the data lies between years 2
#: and 9998, well inside these bounds, so comparing a shifted instant with one of the data (with
#: ``now``) gives the same answer as the exact sum would.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, 23, 59, 59, 999_999, tzinfo=UTC)


def is_aware(value: datetime) -> bool:
    """True when ``value`` carries a time zone offset."""
    return value.tzinfo is not None and value.utcoffset() is not None


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 instant (may be naive: the caller checks). Raises ``ValueError``."""
    try:
        # The stdlib parser is fast and reads the common forms; dateutil reads the rest of
        # ISO-8601 (week dates, ordinal dates, …).
        return datetime.fromisoformat(text)
    except (ValueError, TypeError):
        pass
    try:
        return isoparse(text)
    except (OverflowError, TypeError) as exc:  # dateutil lets a few of these through
        raise ValueError(str(exc)) from exc


def utc_iso(value: datetime) -> str:
    """ISO-8601 in UTC with an explicit ``+00:00`` offset."""
    return value.astimezone(UTC).isoformat()


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The calendar date of ``instant`` in ``zone``."""
    return instant.astimezone(zone).date()


def start_of_local_day(day: date, zone: ZoneInfo) -> datetime:
    """The instant (in UTC) at which ``day`` begins in ``zone``."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def day_bounds(instant: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``[start, end)`` of the calendar day containing ``instant`` in ``zone``, in UTC.

    Days are calendar days: on a daylight-saving change day they last 23 or 25 hours.
    """
    day = local_date(instant, zone)
    return start_of_local_day(day, zone), start_of_local_day(day + timedelta(days=1), zone)


_MICROSECOND = timedelta(microseconds=1)


def shift(instant: datetime, delta: timedelta) -> datetime:
    """``instant + delta`` (``instant`` timezone-aware) in UTC, held within ``[EARLIEST,
    LATEST]`` instead of overflowing.

    Every rule adds its thresholds to instants of the data through this function: a record at
    year 9998 with a lifetime of 100 years gives ``LATEST``, which is still later than any
    ``now``, so the action's window is what the exact sum would give.
    """
    try:
        moved = instant.astimezone(UTC) + delta
    except OverflowError:
        # Past an end of datetime: the exact sum, in microseconds from EARLIEST, held within
        # the bounds (the difference of two aware instants is exact, whatever their zones).
        exact = (instant - EARLIEST) // _MICROSECOND + delta // _MICROSECOND
        span = (LATEST - EARLIEST) // _MICROSECOND
        return EARLIEST + min(max(exact, 0), span) * _MICROSECOND
    if moved < EARLIEST:
        return EARLIEST
    return LATEST if moved > LATEST else moved


def duration_problem(value: object) -> str | None:
    """What is wrong with a duration setting, or ``None``: it must be a ``timedelta`` greater
    than zero and at most :data:`MAX_DURATION`."""
    if not isinstance(value, timedelta):
        return f"must be a timedelta, got {short_repr(value)}"
    if value <= timedelta(0):
        return f"must be positive, got {value!r}"
    if value > MAX_DURATION:
        return f"must be at most {MAX_DURATION.days} days (100 years), got {value!r}"
    return None

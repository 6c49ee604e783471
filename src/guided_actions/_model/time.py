"""Time helpers: parsing ISO-8601 instants, UTC formatting and calendar days in a zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.parser import isoparse


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

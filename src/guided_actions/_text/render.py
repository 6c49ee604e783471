"""The one renderer: text from checks, made late, at the edge.

Rules produce :class:`~guided_actions._text.checks.Check` values: a criterion, whether it held,
and plain parameters. This module turns them into the sentences people read, formatting each
parameter by its type: a record reference as ``contact c1 (ada@example.com)`` (one the viewer
may not identify, which has no id, as ``an activity``), an instant in the zone it carries (the
rule context gives instants in the user's zone), a duration as ``7 days`` or ``36 hours``, a list
as a comma-separated list. English is the only locale so far; the templates are the message ids
a catalogue of another language would translate.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guided_actions._text.checks import Check

__all__ = ["format_duration", "format_value", "render_check", "render_template"]

_UNITS = (
    (timedelta(days=1), "day"),
    (timedelta(hours=1), "hour"),
    (timedelta(minutes=1), "minute"),
    (timedelta(seconds=1), "second"),
)


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def format_duration(value: timedelta) -> str:
    """A duration in the largest unit that measures it exactly: ``7 days``, ``36 hours``."""
    for unit, name in _UNITS:
        if value % unit == timedelta(0):
            return _plural(value // unit, name)
    return _plural(round(value.total_seconds() * 1_000_000), "microsecond")


def format_value(value: Any) -> str:
    """One check parameter as text."""
    # Local import avoided: Ref is recognised by its attributes, which keeps this module free
    # of imports from the rest of the package.
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, tuple):
        return ", ".join(format_value(v) for v in value) if value else "none"
    kind = getattr(value, "kind", None)
    if isinstance(kind, str) and hasattr(value, "private"):
        return _format_ref(kind, value.id, value.detail, value.private)
    return str(value)


def _format_ref(kind: str, rid: str | None, detail: str | None, private: bool) -> str:
    if rid is None:
        # A record the viewer may not identify: its kind alone, "an activity".
        return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"
    if private:
        return f"{kind} {rid} (Busy)"
    if detail is None:
        return f"{kind} {rid}"
    if kind in ("contact", "company", "engagement", "sequence"):
        return f"{kind} {rid} ({detail})"
    return f"{kind} {rid} {detail!r}"


def render_template(template: str, params: dict[str, Any]) -> str:
    """``template`` filled with the formatted parameters."""
    return template.format_map({name: format_value(v) for name, v in params.items()})


def render_check(check: Check) -> str:
    """The text of one check: its criterion's ``met`` or ``unmet`` template, filled in."""
    criterion = check.criterion
    template = criterion.met if check.met else criterion.unmet
    return render_template(template, dict(check.values))

"""The one renderer: text from checks, made late, at the edge, in the reader's language.

Rules produce :class:`~guided_actions._text.checks.Check` values: a criterion, whether it held,
and plain parameters. This module turns them into the sentences people read, formatting each
parameter by its type: a record reference as ``contact c1 (ada@example.com)`` (one the viewer
may not identify, which has no id, as ``an activity``), an instant in the zone it carries (the
rule context gives instants in the user's zone), a duration as ``7 days`` or ``36 hours``, a list
as a comma-separated list.

Every function takes a ``locale`` (default English; see
:func:`~guided_actions._text.i18n.resolve_locale`). The criterion's template is the message id
its translation is looked up by; the values are formatted in the same language:

- a duration in CLDR units with their plural forms (``1 jour``, ``10 jours``, ``36 heures``);
- an instant with the language's date and time pattern (a catalogue entry; French
  ``d MMMM y HH:mm``: ``14 mai 2025 09:30``), then the zone's abbreviation (``CEST``,
  ``UTC``, ``UTC+02:00`` for a fixed offset);
- a record as its kind's noun (``transaction d1``), "Busy", "an activity", ``none``, ``yes`` and
  ``no``, and the list separator, from the catalogue;
- an integer with the language's digit grouping.

English keeps the forms above exactly (``2025-05-14T09:30+02:00`` for an instant). Texts use
plain spaces only: the non-breaking spaces of CLDR formats are written as spaces, so that texts
compare, search and copy simply. Ids, addresses, titles and other values of the data are shown
as they are, in every language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from babel.units import format_unit

from guided_actions._text.i18n import SOURCE_LOCALE, resolve_locale, translate

if TYPE_CHECKING:
    from guided_actions._text.checks import Check

__all__ = [
    "DATETIME_PATTERN",
    "DATE_PATTERN",
    "RECORD_KINDS",
    "RENDERER_MESSAGES",
    "UNNAMED",
    "format_duration",
    "format_instant",
    "format_value",
    "render_check",
    "render_template",
]

_UNITS = (
    (timedelta(days=1), "day"),
    (timedelta(hours=1), "hour"),
    (timedelta(minutes=1), "minute"),
    (timedelta(seconds=1), "second"),
)

#: The kinds of record a reference may name, each a message (context ``"record kind"``).
RECORD_KINDS = (
    "contact",
    "lead",
    "deal",
    "company",
    "email",
    "call",
    "meeting",
    "task",
    "note",
    "sequence",
    "engagement",
    "activity",
)
#: A record the viewer may not identify, by kind: "an activity" (context ``"unnamed record"``).
UNNAMED = {kind: f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}" for kind in RECORD_KINDS}
#: The date and time pattern of a language (a CLDR pattern, without the zone): a catalogue
#: entry, so that each language writes dates its own way. English writes ISO 8601 instead.
DATETIME_PATTERN = "d MMMM y HH:mm"
#: The CLDR pattern of a calendar day (a catalogue entry, like :data:`DATETIME_PATTERN`).
DATE_PATTERN = "d MMMM y"
_PATTERN_CONTEXT = "date and time pattern (CLDR)"
#: The renderer's own words, as ``(context, message)``: what the extractor lists for them.
RENDERER_MESSAGES: tuple[tuple[str | None, str], ...] = (
    *(("record kind", kind) for kind in RECORD_KINDS),
    *(("unnamed record", text) for text in UNNAMED.values()),
    ("value", "none"),
    ("value", "yes"),
    ("value", "no"),
    ("list separator", ", "),
    (_PATTERN_CONTEXT, DATETIME_PATTERN),
    (_PATTERN_CONTEXT, DATE_PATTERN),
    (None, "Busy"),
)
#: Records shown with their detail in parentheses; other kinds show a title, quoted.
_PARENTHESISED = ("contact", "company", "engagement", "sequence")
#: CLDR's non-breaking spaces, written as plain spaces.
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


def _word(lang: str, message: str, context: str | None = None) -> str:
    return message if lang == SOURCE_LOCALE else translate(lang, message, context)


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def _duration(value: timedelta, lang: str) -> str:
    for unit, unit_name in _UNITS:
        if value % unit == timedelta(0):
            count, name = value // unit, unit_name
            break
    else:
        count, name = round(value.total_seconds() * 1_000_000), "microsecond"
    if lang == SOURCE_LOCALE:
        return _plural(count, name)
    return format_unit(count, f"duration-{name}", length="long", locale=lang).translate(_SPACES)


def format_duration(value: timedelta, locale: str | None = SOURCE_LOCALE) -> str:
    """A duration in the largest unit that measures it exactly: ``7 days``, ``36 hours``
    (French ``7 jours``, ``36 heures``)."""
    return _duration(value, resolve_locale(locale))


def _instant(value: datetime, lang: str) -> str:
    if lang == SOURCE_LOCALE:
        return value.isoformat(timespec="minutes")
    pattern = translate(lang, DATETIME_PATTERN, _PATTERN_CONTEXT)
    shown = format_datetime(value, pattern, tzinfo=value.tzinfo, locale=lang)
    zone = value.tzname()
    return (f"{shown} {zone}" if zone else shown).translate(_SPACES)


def _day(value: date, lang: str) -> str:
    """A calendar day: ``2025-05-14`` in English, French ``14 mai 2025``."""
    if lang == SOURCE_LOCALE:
        return value.isoformat()
    pattern = translate(lang, DATE_PATTERN, _PATTERN_CONTEXT)
    return format_date(value, pattern, locale=lang).translate(_SPACES)


def format_instant(value: datetime, locale: str | None = SOURCE_LOCALE) -> str:
    """An instant in the zone it carries: ``2025-05-14T09:30+02:00`` in English, French
    ``14 mai 2025 09:30 CEST``."""
    return _instant(value, resolve_locale(locale))


def format_value(value: Any, locale: str | None = SOURCE_LOCALE) -> str:
    """One check parameter as text."""
    return _format(value, resolve_locale(locale))


def _format(value: Any, lang: str) -> str:
    # The common types straight from a table of exact types (a report renders millions of
    # values); anything else, subclasses included, by the tests below.
    formatter = _BY_TYPE.get(type(value))
    if formatter is not None:
        return formatter(value, lang)
    return _format_any(value, lang)


def _format_any(value: Any, lang: str) -> str:
    # Ref is recognised by its attributes, which keeps this module free of imports from the
    # rest of the package.
    if value is None:
        return _word(lang, "none", "value")
    if isinstance(value, bool):
        return _word(lang, "yes" if value else "no", "value")
    if isinstance(value, datetime):
        return _instant(value, lang)
    if isinstance(value, date):
        return _day(value, lang)
    if isinstance(value, timedelta):
        return _duration(value, lang)
    if isinstance(value, tuple):
        if not value:
            return _word(lang, "none", "value")
        return _word(lang, ", ", "list separator").join(_format(v, lang) for v in value)
    if isinstance(value, int) and lang != SOURCE_LOCALE:
        return format_decimal(value, locale=lang).translate(_SPACES)
    kind = getattr(value, "kind", None)
    if isinstance(kind, str) and hasattr(value, "private"):
        return _format_ref(kind, value.id, value.detail, value.private, lang)
    return str(value)


def _format_tuple(value: tuple[Any, ...], lang: str) -> str:
    if not value:
        return _word(lang, "none", "value")
    return _word(lang, ", ", "list separator").join(_format(v, lang) for v in value)


def _format_int(value: int, lang: str) -> str:
    if lang != SOURCE_LOCALE:
        return format_decimal(value, locale=lang).translate(_SPACES)
    return str(value)


#: The formatter of each exact type that ``_format_any`` would recognise by its tests.
_BY_TYPE: dict[type, Callable[[Any, str], str]] = {
    str: lambda value, _lang: value,
    type(None): lambda _value, lang: _word(lang, "none", "value"),
    bool: lambda value, lang: _word(lang, "yes" if value else "no", "value"),
    datetime: _instant,
    date: _day,
    timedelta: _duration,
    tuple: _format_tuple,
    int: _format_int,
}


def ref_type(cls: type) -> None:
    """Format the instances of ``cls`` (exactly that class) as the record references they are:
    the class of :class:`~guided_actions._text.checks.Ref` registers itself, which keeps this
    module free of imports from the rest of the package."""
    _BY_TYPE[cls] = lambda ref, lang: _format_ref(ref.kind, ref.id, ref.detail, ref.private, lang)


def _format_ref(kind: str, rid: str | None, detail: str | None, private: bool, lang: str) -> str:
    if rid is None:
        # A record the viewer may not identify: its kind alone, "an activity".
        unnamed = UNNAMED.get(kind)
        if unnamed is None:
            return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"
        return _word(lang, unnamed, "unnamed record")
    noun = _word(lang, kind, "record kind") if kind in RECORD_KINDS else kind
    if private:
        return f"{noun} {rid} ({_word(lang, 'Busy')})"
    if detail is None:
        return f"{noun} {rid}"
    if kind in _PARENTHESISED:
        return f"{noun} {rid} ({detail})"
    return f"{noun} {rid} {detail!r}"


def render_template(
    template: str, params: dict[str, Any], locale: str | None = SOURCE_LOCALE
) -> str:
    """``template`` (an English message id), translated, filled with the formatted parameters.

    A translation that names a field the parameters lack, or that is not a valid template, is
    not used: the English template is.
    """
    lang = resolve_locale(locale)
    values = {name: _format(v, lang) for name, v in params.items()}
    if lang != SOURCE_LOCALE:
        try:
            return translate(lang, template).format_map(values)
        except (KeyError, IndexError, ValueError, AttributeError):
            pass
    return template.format_map(values)


def render_check(check: Check, locale: str | None = SOURCE_LOCALE) -> str:
    """The text of one check: its criterion's ``met`` or ``unmet`` template, translated and
    filled in."""
    criterion = check.criterion
    template = criterion.met if check.met else criterion.unmet
    lang = resolve_locale(locale)
    if lang != SOURCE_LOCALE:
        return render_template(template, dict(check.values), lang)
    # English, the common case of a table: no translation to try, the parameters read once.
    return template.format_map(
        {name: _format(v, lang) for name, v in zip(check._names, check._values, strict=True)}
    )

"""The language the program speaks, and its words in that language.

The language is ``--locale`` when given, else the environment's, read as other command-line
programs read it: the first non-empty of ``LC_ALL``, ``LC_MESSAGES`` and ``LANG``. ``C`` and
``POSIX`` (with or without a codeset: ``C.UTF-8``) are English; any other value is reduced to a
language the library ships by :func:`~guided_actions._text.i18n.resolve_locale`
(``fr_FR.UTF-8`` and ``fr_CA`` are French; a locale the library does not ship, or a string that is
no locale, is English, never an error). :func:`cli_locale` makes that choice, once per run.

:func:`~guided_actions._adapters.cli.main` then speaks that language for the whole run
(:func:`speaking`): the program's own words are marked and translated where they are written,
with :func:`_` (a message), :func:`pgettext` (a message in a context) and :func:`ngettext` (a
message with a plural), all looked up in the library's catalogues; the library's own texts
(titles, reasons, statuses, categories, labels, the workspace's) come from its API with
``locale=`` :func:`language`. A message with ``{fields}`` is translated first, then filled in.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

from guided_actions._model.time import utc_iso
from guided_actions._text.i18n import (
    SOURCE_LOCALE,
    resolve_locale,
    translate,
    translate_plural,
)
from guided_actions._text.render import format_instant, format_value

__all__ = [
    "ENVIRONMENT",
    "_",
    "cli_locale",
    "environment_locale",
    "language",
    "local_time",
    "ngettext",
    "number",
    "pgettext",
    "speaking",
    "tenths",
    "utc_time",
]

#: The environment variables that name the language, in the order they are read (POSIX: the
#: first one set and non-empty wins).
ENVIRONMENT = ("LC_ALL", "LC_MESSAGES", "LANG")
#: The locales that mean "no localisation", with any codeset or modifier: English.
_PORTABLE = frozenset({"C", "POSIX"})

#: CLDR's non-breaking spaces (French digit grouping), written as plain spaces, as the library's
#: renderer writes them.
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})

_language: ContextVar[str] = ContextVar("guided_actions_cli_language", default=SOURCE_LOCALE)


def environment_locale(environ: Mapping[str, str] | None = None) -> str | None:
    """The locale the environment names: the first non-empty of ``LC_ALL``, ``LC_MESSAGES`` and
    ``LANG`` in ``environ`` (default ``os.environ``); ``None`` when none is set."""
    env = os.environ if environ is None else environ
    for name in ENVIRONMENT:
        value = env.get(name)
        if value:
            return value
    return None


def cli_locale(option: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The language the program speaks: ``--locale`` (``option``) when given, else the
    environment's (:func:`environment_locale`), reduced to a shipped language. ``C`` and
    ``POSIX`` are English, and so is anything the library does not ship."""
    chosen = option if option is not None else environment_locale(environ)
    if chosen is None:
        return SOURCE_LOCALE
    if chosen.partition(".")[0].partition("@")[0] in _PORTABLE:
        return SOURCE_LOCALE
    return resolve_locale(chosen)


def language() -> str:
    """The language of the run (English outside :func:`speaking`)."""
    return _language.get()


@contextlib.contextmanager
def speaking(lang: str) -> Iterator[str]:
    """Speak ``lang`` (a locale, reduced to a shipped language) inside the ``with`` block."""
    token = _language.set(resolve_locale(lang))
    try:
        yield _language.get()
    finally:
        _language.reset(token)


def _(message: str) -> str:
    """``message`` (English, the message id) in the language of the run."""
    return translate(_language.get(), message)


def pgettext(context: str, message: str) -> str:
    """``message`` in ``context`` (a word that reads differently elsewhere) in the language of
    the run."""
    return translate(_language.get(), message, context)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for ``n`` in the language of the run (its CLDR
    plural rule: French takes the singular for 0 and 1)."""
    return translate_plural(_language.get(), singular, plural, n)


def number(value: int) -> str:
    """A whole number with the digit grouping of the language of the run: English ``1,234``,
    French ``1 234``."""
    lang = _language.get()
    return f"{value:,}" if lang == SOURCE_LOCALE else format_value(value, lang)


def tenths(value: float) -> str:
    """``value`` to one decimal, as the language of the run writes it: English ``1.2``, French
    ``1,2``."""
    lang = _language.get()
    if lang == SOURCE_LOCALE:
        return f"{value:.1f}"
    return format_decimal(round(value, 1), format="#,##0.0", locale=lang).translate(_SPACES)


def local_time(instant: datetime, zone: ZoneInfo) -> str:
    """``instant`` in ``zone``, to the minute, with the zone's abbreviation: English
    ``2025-05-14 09:30 CEST``, French ``14 mai 2025 09:30 CEST``."""
    shown = instant.astimezone(zone)
    lang = _language.get()
    if lang == SOURCE_LOCALE:
        return f"{shown:%Y-%m-%d %H:%M} {shown.tzname()}"
    return format_instant(shown, lang)


def utc_time(instant: datetime) -> str:
    """``instant`` in UTC: English ISO 8601 (``2025-05-14T07:30:00+00:00``, as the JSON output
    writes it), French ``14 mai 2025 07:30 UTC``."""
    lang = _language.get()
    if lang == SOURCE_LOCALE:
        return utc_iso(instant)
    return format_instant(instant.astimezone(UTC), lang)

"""Message catalogues: the library's texts in the reader's language.

English is the source language: every message id is the English text itself (a criterion's
template with its ``{name}`` fields, a rule title, a call-to-action label, a word of the renderer),
so English needs no catalogue and its output is the text as written in the code. Other languages
are gettext catalogues of the domain ``guided_actions``, compiled (``.mo``) by the package's build
from ``guided_actions/locale/<lang>/LC_MESSAGES/guided_actions.po`` and read here with the
standard library's :mod:`gettext`; Babel gives locale parsing, CLDR plural rules and date,
number and unit formatting (see :mod:`guided_actions._text.render`).

A locale is a string such as ``"fr"``, ``"fr_CA"``, ``"fr-FR"`` or ``"fr_FR.UTF-8"``.
:func:`resolve_locale` reduces it to a shipped language: ``"fr_CA"`` is French, a locale the
library does not ship (``"de"``) or cannot read (``"!!"``) is English, never an error. Every
text of one call is made in that one language, values included.

Plugins ship catalogues of their own (the ``guided_actions_catalogues`` hook): the plugin
loader adds them with :func:`add_catalogues`, and every lookup consults them, in the order they
were added, before the library's own, so a plugin's rule titles and criteria are translated too.

Mark a string for extraction where it is written and translate it where it is shown, in the
reader's language: ``N_("Busy")`` marks (it returns its argument), :func:`translate` and
:func:`translate_plural` translate. The extractor (``python -m guided_actions._adapters.messages
extract``) collects the marked strings, and the texts the library holds as data.
"""

from __future__ import annotations

import functools
import gettext
import os
import threading
from collections.abc import Iterable
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import attrs
from babel import Locale, UnknownLocaleError

from guided_actions.errors import short_repr

__all__ = [
    "DOMAIN",
    "SOURCE_LOCALE",
    "Catalogue",
    "N_",
    "add_catalogues",
    "library_catalogue",
    "plugin_catalogues",
    "resolve_locale",
    "shipped_locales",
    "translate",
    "translate_plural",
    "translations",
]

#: The gettext domain of the library's catalogues.
DOMAIN = "guided_actions"
#: The language of the message ids: the texts as written in the code.
SOURCE_LOCALE = "en"
#: How long a locale string may be: a longer one is not a locale (it is English).
_MAX_LOCALE = 64


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message


def _directory(value: str | os.PathLike[str] | Traversable) -> Traversable:
    if isinstance(value, str | os.PathLike):
        return Path(value)
    if isinstance(value, Traversable):
        return value
    raise TypeError(
        f"a catalogue directory must be a path or a Traversable, got {short_repr(value)}"
    )


def _domain(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if type(value) is not str or not value or not value.isidentifier():
        raise ValueError(
            f"a catalogue domain must be a non-empty identifier such as 'stale_deals', got "
            f"{short_repr(value)}"
        )


@attrs.frozen
class Catalogue:
    """Where compiled catalogues are: ``directory/<lang>/LC_MESSAGES/<domain>.mo``.

    ``directory`` is a path or an :mod:`importlib.resources` traversable (a directory inside an
    installed package: ``importlib.resources.files("stale_deals") / "locale"``). Two catalogues
    of the same directory (by its text) and domain are equal.
    """

    directory: Traversable = attrs.field(converter=_directory, eq=str)
    domain: str = attrs.field(validator=_domain)

    def file(self, lang: str) -> Traversable:
        """The compiled catalogue of one language (which may not exist)."""
        return self.directory.joinpath(lang, "LC_MESSAGES", f"{self.domain}.mo")

    def load(self, lang: str) -> gettext.GNUTranslations | None:
        """The compiled catalogue of ``lang``, or ``None`` when there is none.

        Raises ``OSError`` or ``ValueError`` when the file is there but unreadable or not a
        compiled catalogue.
        """
        path = self.file(lang)
        if not path.is_file():
            return None
        with path.open("rb") as fp:
            try:
                return gettext.GNUTranslations(fp)
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"{path} is not a compiled catalogue: {exc}") from exc
            except Exception as exc:  # struct.error and the like, on a truncated file
                raise ValueError(f"{path} is not a compiled catalogue: {exc!r}") from exc

    def languages(self) -> tuple[str, ...]:
        """The languages it has a compiled catalogue for, sorted."""
        if not self.directory.is_dir():
            return ()
        return tuple(
            sorted(
                entry.name
                for entry in self.directory.iterdir()
                if entry.is_dir() and self.file(entry.name).is_file()
            )
        )


@functools.cache
def library_catalogue() -> Catalogue:
    """The library's own catalogues, inside the package."""
    return Catalogue(files("guided_actions") / "locale", DOMAIN)


_registry_lock = threading.Lock()
_registry: tuple[Catalogue, ...] = ()


def add_catalogues(catalogues: Iterable[Catalogue]) -> None:
    """Consult ``catalogues`` (a plugin's) before the library's own, after those added before.

    A catalogue of the same directory and domain as one already added is not added twice.
    """
    global _registry
    with _registry_lock:
        added = list(_registry)
        for catalogue in catalogues:
            if not isinstance(catalogue, Catalogue):
                raise TypeError(f"expected a Catalogue, got {short_repr(catalogue)}")
            if catalogue not in added:
                added.append(catalogue)
        _registry = tuple(added)


def plugin_catalogues() -> tuple[Catalogue, ...]:
    """The plugins' catalogues added so far, in the order they are consulted."""
    return _registry


@functools.cache
def shipped_locales() -> tuple[str, ...]:
    """The languages the library speaks: English, then those it ships a catalogue of."""
    return (SOURCE_LOCALE, *(lang for lang in library_catalogue().languages() if lang != "en"))


def resolve_locale(locale: str | None) -> str:
    """The shipped language that ``locale`` asks for: ``"fr_CA"``, ``"fr-FR"``, ``"FR"`` and
    ``"fr_FR.UTF-8"`` are ``"fr"``; ``None``, a language the library does not ship and a string
    that is no locale are ``"en"``. Anything but a string or ``None`` is a ``TypeError``."""
    if locale is None or locale == SOURCE_LOCALE:
        return SOURCE_LOCALE
    if not isinstance(locale, str):
        raise TypeError(
            f"locale must be a str such as 'fr' or 'fr_CA' (or None), got {short_repr(locale)}"
        )
    return _resolve(str(locale)[: _MAX_LOCALE + 1], shipped_locales())


@functools.lru_cache(maxsize=512)
def _resolve(text: str, available: tuple[str, ...]) -> str:
    # POSIX form lang_TERRITORY.codeset@modifier, or a BCP 47 tag lang-Script-TERRITORY.
    tag = text.strip().partition(".")[0].partition("@")[0].replace("-", "_")
    if not tag or len(tag) > _MAX_LOCALE or tag in available:
        return tag if tag in available else SOURCE_LOCALE
    try:
        parsed = Locale.parse(tag)
    except (ValueError, TypeError, UnknownLocaleError):
        return SOURCE_LOCALE
    for candidate in (str(parsed), parsed.language):
        if candidate in available:
            return candidate
    return SOURCE_LOCALE


def translations(locale: str | None = SOURCE_LOCALE) -> gettext.NullTranslations:
    """The catalogues of ``locale``'s language, the plugins' first, then the library's; in
    English, the message ids themselves (``gettext.NullTranslations``). Cached per language."""
    return _chain(resolve_locale(locale), _registry)


@functools.lru_cache(maxsize=64)
def _chain(lang: str, plugins: tuple[Catalogue, ...]) -> gettext.NullTranslations:
    chain: gettext.NullTranslations = gettext.NullTranslations()
    if lang == SOURCE_LOCALE:
        return chain
    for catalogue in (*plugins, library_catalogue()):
        try:
            found = catalogue.load(lang)
        except (OSError, ValueError):
            # A plugin's catalogues are checked when it is loaded: one that has become
            # unreadable since is skipped rather than failing every text.
            found = None
        if found is not None:
            if isinstance(chain, gettext.GNUTranslations):
                chain.add_fallback(found)
            else:
                chain = found
    return chain


def translate(locale: str | None, message: str, context: str | None = None) -> str:
    """``message`` (an English message id) in ``locale``'s language; itself when untranslated."""
    lang = resolve_locale(locale)
    if lang == SOURCE_LOCALE:
        return message
    chain = _chain(lang, _registry)
    return chain.gettext(message) if context is None else chain.pgettext(context, message)


def translate_plural(
    locale: str | None, singular: str, plural: str, n: int, context: str | None = None
) -> str:
    """The form of ``singular``/``plural`` for ``n`` in ``locale``'s language (its CLDR plural
    rule, as its catalogue's ``Plural-Forms`` states it; English: singular for 1 only)."""
    lang = resolve_locale(locale)
    if lang == SOURCE_LOCALE:
        return singular if n == 1 else plural
    chain = _chain(lang, _registry)
    if context is None:
        return chain.ngettext(singular, plural, n)
    return chain.npgettext(context, singular, plural, n)

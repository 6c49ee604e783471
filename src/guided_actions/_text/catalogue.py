"""Catalogue tooling: the template of every message, translations merged and checked, compiled.

Pure functions over Babel's :class:`~babel.messages.catalog.Catalog`; reading and writing files
and walking the library for its messages are the extractor's (``python -m
guided_actions._adapters.messages``), at the edge.

- :func:`template` builds the template (``.pot``) from :class:`Entry` values;
- :func:`merge` brings a language's catalogue up to a template: new messages untranslated,
  changed ones fuzzy (Babel's matching), gone ones dropped;
- :func:`problems` lists what keeps a catalogue from being complete: a message of the template
  missing, untranslated or fuzzy, a translation whose ``{fields}`` differ from its message's, a
  plural without every form;
- :func:`compile_catalogue` gives the compiled (``.mo``) bytes.
"""

from __future__ import annotations

import copy
import io
import string
import typing
from collections.abc import Iterable
from datetime import UTC, datetime

import attrs
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from guided_actions._text.i18n import DOMAIN

__all__ = [
    "BRACE_FLAG",
    "Entry",
    "brace_fields",
    "compile_catalogue",
    "merge",
    "new_catalogue",
    "po_bytes",
    "problems",
    "read_catalogue",
    "signature",
    "template",
]

#: The flag of a message whose text is a :meth:`str.format` template.
BRACE_FLAG = "python-brace-format"
#: The template's creation date: fixed, so that extracting twice gives the same file.
_CREATED = datetime(2025, 1, 1, tzinfo=UTC)
_PROJECT = "guided-actions"
_AUTHORS = "The guided_actions authors"
_HEADER = """\
# The messages of guided-actions: the English texts the library shows, each the id of its
# translation. Made by `python -m guided_actions._adapters.messages extract`: do not edit.
#"""


@attrs.frozen
class Entry:
    """One message of the template: its English id, plural, context, where it comes from and a
    note for translators."""

    id: str
    plural: str | None = None
    context: str | None = None
    location: str | None = None
    comment: str | None = None


def brace_fields(text: str) -> tuple[str, ...]:
    """The ``{fields}`` a template names, sorted, each once; ``()`` for text that is not a
    valid template."""
    try:
        names = {name for _t, name, _s, _c in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return ()
    return tuple(sorted(names))


def template(entries: Iterable[Entry]) -> Catalog:
    """The template of ``entries``, in their order; one message per ``(context, id)``, with
    every location and note of its entries."""
    catalog = Catalog(
        domain=DOMAIN,
        header_comment=_HEADER,
        project=_PROJECT,
        copyright_holder=_AUTHORS,
        creation_date=_CREATED,
        revision_date=_CREATED,
    )
    for entry in entries:
        key = (entry.id, entry.context)
        message = catalog.get(entry.id, entry.context)
        if message is None:
            ids = entry.id if entry.plural is None else (entry.id, entry.plural)
            flags = [BRACE_FLAG] if any(brace_fields(t) for t in _texts(ids)) else []
            message = catalog.add(ids, None, flags=flags, context=entry.context)
        assert message is not None, key
        # A location is a file, without a line: a template that follows every edit of the
        # code would change with each.
        where = typing.cast("tuple[str, int]", (entry.location, None))
        if entry.location is not None and where not in message.locations:
            message.locations.append(where)
        if entry.comment is not None and entry.comment not in message.auto_comments:
            message.auto_comments.append(entry.comment)
    return catalog


def _texts(ids: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (ids,) if isinstance(ids, str) else tuple(ids)


def new_catalogue(pot: Catalog, lang: str) -> Catalog:
    """A catalogue of ``lang`` with every message of ``pot``, untranslated."""
    catalog = Catalog(
        locale=Locale.parse(lang),
        domain=DOMAIN,
        header_comment=f"# The messages of guided-actions in {Locale.parse(lang).english_name}.\n#",
        project=_PROJECT,
        copyright_holder=_AUTHORS,
        creation_date=_CREATED,
        fuzzy=False,
    )
    # Babel's update may share the template's messages: the template is left untouched.
    catalog.update(copy.deepcopy(pot), no_fuzzy_matching=True)
    return catalog


def merge(catalog: Catalog, pot: Catalog) -> Catalog:
    """``catalog`` brought up to ``pot`` (in place, returned): translations kept, new messages
    untranslated, changed ones fuzzy, gone ones dropped when written (:func:`po_bytes`)."""
    catalog.update(copy.deepcopy(pot))
    return catalog


def read_catalogue(data: bytes, lang: str | None = None) -> Catalog:
    """A catalogue or template from the bytes of a ``.po`` or ``.pot`` file."""
    return read_po(io.BytesIO(data), locale=lang, domain=DOMAIN)


def po_bytes(catalog: Catalog) -> bytes:
    """The ``.po`` (or ``.pot``) text of ``catalog``: no line numbers (so that an edit of the
    code does not change it), gone messages left out."""
    out = io.BytesIO()
    write_po(out, catalog, include_lineno=False, ignore_obsolete=True, width=100)
    return out.getvalue()


def compile_catalogue(catalog: Catalog) -> bytes:
    """The compiled (``.mo``) bytes of ``catalog``; fuzzy translations are left out."""
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def signature(message: Message) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """What a message is, whatever the file's layout: its context, ids and flags."""
    return (message.context, _texts(message.id), tuple(sorted(message.flags - {"fuzzy"})))


def problems(catalog: Catalog, pot: Catalog) -> list[str]:
    """What keeps ``catalog`` from being a complete translation of ``pot``, one line each;
    empty when every message has a translation that is not fuzzy and names the same fields."""
    found: list[str] = []
    lang = str(catalog.locale) if catalog.locale else "?"
    expected_forms = catalog.num_plurals
    for wanted in pot:
        if not wanted.id:
            continue
        label = _label(wanted)
        message = catalog.get(wanted.id, wanted.context)
        if message is None:
            found.append(f"{lang}: {label} has no entry")
            continue
        strings = _texts(message.string) if message.string else ()
        if not strings or not all(strings):
            found.append(f"{lang}: {label} is not translated")
            continue
        if message.fuzzy:
            found.append(f"{lang}: {label} is fuzzy")
            continue
        if wanted.pluralizable and len(strings) != expected_forms:
            found.append(
                f"{lang}: {label} has {len(strings)} plural form(s), the language has "
                f"{expected_forms}"
            )
        ids = _texts(wanted.id)
        fields = set().union(*(brace_fields(t) for t in ids))
        for text in strings:
            if BRACE_FLAG in wanted.flags and set(brace_fields(text)) != fields:
                found.append(
                    f"{lang}: {label} is translated with fields "
                    f"{sorted(brace_fields(text))}, not {sorted(fields)}: {text!r}"
                )
    return found


def _label(message: Message) -> str:
    first = _texts(message.id)[0]
    context = f" (context {message.context!r})" if message.context else ""
    return f"message {first!r}{context}"

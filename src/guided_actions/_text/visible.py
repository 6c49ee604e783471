"""Text from the data made visible: the characters a terminal or a browser would act on, or hide,
shown as escapes.

CRM data is untrusted wherever it is displayed. The command line (``_adapters/cli/terminal.py``)
and the HTML display (``_text/html.py``) both show a text through :func:`visible`, so a title
holding an escape sequence, a newline that would forge a line, a bidirectional override or a lone
surrogate reads as ``\\x1b``, ``\\n``, ``\\u202e`` or ``\\ud800`` on every surface alike.
"""

from __future__ import annotations

import unicodedata

__all__ = ["KEPT_FORMAT", "UNSAFE_CATEGORIES", "is_unsafe", "visible"]

#: The categories of the characters a terminal acts on: controls (C0, DEL, C1), format characters
#: (the bidirectional embeddings, overrides, isolates and marks, zero-width spaces, the byte order
#: mark, tags…), surrogates, and the line and paragraph separators.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
#: The zero-width non-joiner and joiner: format characters that ordinary text needs (Persian and
#: Indic words, emoji sequences). A terminal only shapes them, so they are kept.
KEPT_FORMAT = frozenset({"\u200c", "\u200d"})

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def is_unsafe(char: str) -> bool:
    """Whether a terminal could act on ``char`` (one character) instead of showing it."""
    return unicodedata.category(char) in UNSAFE_CATEGORIES and char not in KEPT_FORMAT


def _escape(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str) -> str:
    """``text`` with every character a terminal acts on replaced by its visible escape.

    The escapes are Python's: ``\\t``, ``\\n`` and ``\\r``; ``\\xNN``, ``\\uNNNN`` or
    ``\\UNNNNNNNN`` for the others. Printable text is returned unchanged, backslashes included (so
    a literal ``\\n`` in the data looks like an escaped newline: the JSON output tells them apart).
    """
    if text.isprintable():  # the usual case, in C: no control, format or surrogate character
        return text
    return "".join(_escape(c) if is_unsafe(c) else c for c in text)

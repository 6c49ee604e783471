"""Everything the program writes goes out through here, made safe for a terminal.

The data is not ours: a task title, a company name, an id, a plugin's rule title or an
exception's message may hold characters that a terminal acts on rather than shows. An escape
sequence sets the window title, clears the screen or colours what follows; a carriage return or
a newline overwrites a line or forges one; a bidirectional override reorders what the reader sees
("Trojan Source"); a lone surrogate cannot even be encoded. :func:`safe_text` replaces each such
character by a visible escape (``\\x1b``, ``\\n``, ``\\u202e``, ``\\ud800``), and the writers
below apply it to every line of text, so no command can forget it:

- :func:`write_lines`: text, one line per item; a line break can only come from here;
- :func:`write_json`: JSON, exact (``json.dumps`` escapes every non-ASCII and control character);
- :func:`redraw`: the progress line, drawn over itself with a carriage return.

Each one also fits the text to the stream's encoding: a character that the stream cannot encode
(``ë`` on an ASCII-only standard output) is written as its backslash escape (``\\xeb``), as
Python's ``backslashreplace`` does, rather than stopping the program.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Iterable
from typing import TextIO

__all__ = ["redraw", "safe_text", "write_json", "write_lines"]

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


def safe_text(text: str) -> str:
    """``text`` with every character a terminal acts on replaced by its visible escape.

    The escapes are Python's: ``\\t``, ``\\n`` and ``\\r``; ``\\xNN``, ``\\uNNNN`` or
    ``\\UNNNNNNNN`` for the others. Printable text is returned unchanged, backslashes included (so
    a literal ``\\n`` in the data looks like an escaped newline: the JSON output tells them apart).
    """
    if text.isprintable():  # the usual case, in C: no control, format or surrogate character
        return text
    return "".join(_escape(c) if is_unsafe(c) else c for c in text)


def _encodable(text: str, stream: TextIO) -> str:
    """``text`` with each character the stream's encoding cannot hold as its backslash escape."""
    encoding = getattr(stream, "encoding", None)
    if not encoding:
        return text
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        pass
    return text


def _emit(stream: TextIO, text: str) -> None:
    """The one ``write`` of the program's output (``generate``'s document aside)."""
    stream.write(_encodable(text, stream))


def write_lines(lines: Iterable[str], stream: TextIO | None = None) -> None:
    """Write each of ``lines`` on ``stream`` (standard output by default), made safe, as a line.

    A newline inside an item is shown as ``\\n``: only this function ends a line.
    """
    out = sys.stdout if stream is None else stream
    _emit(out, "".join(f"{safe_text(line)}\n" for line in lines))


def write_json(data: object, stream: TextIO | None = None) -> None:
    """Write ``data`` as indented JSON on ``stream`` (standard output by default), exactly.

    ``json.dumps`` escapes every control and non-ASCII character (a lone surrogate included) in
    its strings; DEL, the one control character it leaves as is, is written ``\\u007f``, which
    decodes to the same string.
    """
    out = sys.stdout if stream is None else stream
    _emit(out, json.dumps(data, indent=2).replace("\x7f", "\\u007f") + "\n")


def redraw(stream: TextIO, text: str, width: int, end: str = "") -> int:
    """Draw ``text``, made safe, over the line of ``width`` characters that the cursor is on.

    The line is padded to erase the longer text it replaces; ``end`` is ``""`` (the next call
    redraws it), ``"\\n"`` (the line stays) or ``"\\r"`` (back to the start of the line, to
    erase it with an empty ``text``). Returns the width of the text drawn.
    """
    shown = safe_text(text)
    _emit(stream, "\r" + shown.ljust(width) + end)
    stream.flush()
    return len(shown)

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
- :func:`write_csv`: CSV (:func:`csv_lines`), each cell made safe, so each row is one line;
- :func:`redraw`: the progress line, drawn over itself with a carriage return.

Each one also fits the text to the stream's encoding: a character that the stream cannot encode
(``ë`` on an ASCII-only standard output) is written as its backslash escape (``\\xeb``), as
Python's ``backslashreplace`` does, rather than stopping the program.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import TextIO

from guided_actions._text.visible import visible

__all__ = ["csv_lines", "redraw", "safe_text", "write_csv", "write_json", "write_lines"]

#: Every text from the data reaches the terminal through this, as the HTML display does.
safe_text = visible


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


def csv_lines(rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """Each row as one CSV record (RFC 4180 quoting: a cell holding a comma, a quote or a line
    break is quoted, a quote doubled; records end with ``\\n``), exactly as given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def write_csv(rows: Iterable[Sequence[str]], stream: TextIO | None = None) -> None:
    """Write ``rows`` as CSV (:func:`csv_lines`) on ``stream`` (standard output by default),
    every cell made safe first: a line break in a cell is shown as ``\\n``, so each row is one
    line. (A file written with :func:`csv_lines` holds the exact text.)"""
    out = sys.stdout if stream is None else stream
    lines = csv_lines([safe_text(cell) for cell in row] for row in rows)
    while chunk := "".join(itertools.islice(lines, 1000)):
        _emit(out, chunk)


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

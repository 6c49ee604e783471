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
- :func:`redraw`: the progress line, drawn over itself with a carriage return, and
  :func:`redraw_bar`, the same with a bar drawn by rich.

A line of text is a ``str`` or a :class:`Styled` line, whose pieces carry a style (bold, a
colour). In colour (:mod:`.display`), each piece is made safe first and then drawn by rich
(:func:`rich_console`), which adds the only escape sequences that reach the terminal: its own
colours; without colour the styles are dropped and the text is the same, character for
character. rich is imported only here, and only when something is drawn in colour or as a bar.

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
from typing import TYPE_CHECKING, TextIO

from guided_actions._adapters.cli.display import display
from guided_actions._text.visible import visible

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "Line",
    "Styled",
    "csv_lines",
    "plain",
    "redraw",
    "redraw_bar",
    "rich_console",
    "safe_text",
    "styled",
    "write_csv",
    "write_json",
    "write_lines",
]

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


class Styled(str):
    """A line of text in pieces, each ``(text, style)``: a rich style such as ``"bold"`` or
    ``"red"``, or ``""`` for none. It is the ``str`` of its pieces' text, end to end (so it
    joins, measures and compares as that text); the styles only show in colour."""

    pieces: tuple[tuple[str, str], ...]

    def __new__(cls, pieces: Iterable[tuple[str, str]]) -> Styled:
        kept = tuple(pieces)
        line = super().__new__(cls, "".join(text for text, _style in kept))
        line.pieces = kept
        return line


#: A line of a table: plain text, or a :class:`Styled` one.
Line = str


def styled(*pieces: str | tuple[str, str]) -> Styled:
    """A :class:`Styled` line from pieces, a bare ``str`` being a piece without style."""
    return Styled((p, "") if isinstance(p, str) else p for p in pieces)


def plain(line: Line) -> str:
    """The text of ``line``, without its styles."""
    return str(line)


class _Buffer(io.StringIO):
    """What rich draws, kept to be written out here; it says the encoding of the stream it is
    for, so that rich draws a bar the stream can hold (ASCII when it holds no more)."""

    def __init__(self, encoding: str | None) -> None:
        super().__init__()
        self._encoding = encoding or "utf-8"

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


def rich_console(stream: TextIO, *, width: int, color: bool) -> tuple[Console, io.StringIO]:
    """A rich console drawing ``width`` columns, in the 16 standard colours (the terminal's own
    palette) or none, into a buffer for ``stream``: rich writes nothing itself, and reads no
    environment variable (the run's choice is made once, in :mod:`.display`)."""
    from rich.console import Console

    buffer = _Buffer(getattr(stream, "encoding", None))
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
        legacy_windows=False,
        force_jupyter=False,
        force_interactive=False,
        _environ={},
    )
    return console, buffer


def _colored(lines: Iterable[Line], stream: TextIO) -> str:
    """``lines`` made safe, then drawn in colour by rich."""
    from rich.text import Text

    console, buffer = rich_console(stream, width=display().width, color=True)
    for line in lines:
        text = Text()
        pieces = line.pieces if isinstance(line, Styled) else ((line, ""),)
        for piece, style in pieces:
            text.append(safe_text(piece), style or None)
        console.print(text)
    return buffer.getvalue()


def write_lines(lines: Iterable[Line], stream: TextIO | None = None) -> None:
    """Write each of ``lines`` on ``stream`` (standard output by default), made safe, as a line,
    in colour when the run colours that stream (:mod:`.display`).

    A newline inside an item is shown as ``\\n``: only this function ends a line.
    """
    out = sys.stdout if stream is None else stream
    lines = list(lines)
    if any(isinstance(line, Styled) for line in lines) and display().color_on(out):
        _emit(out, _colored(lines, out))
        return
    _emit(out, "".join(f"{safe_text(str(line))}\n" for line in lines))


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


def redraw_bar(
    stream: TextIO,
    text: str,
    fraction: float,
    tail: str,
    *,
    columns: int,
    width: int,
    color: bool,
) -> int:
    """Draw ``text`` (made safe), a bar filled to ``fraction`` (0 to 1, drawn by rich) and
    ``tail`` over the line of ``width`` characters that the cursor is on, in at most
    ``columns - 1`` columns (the bar gives way; the last column is left free, so the terminal
    never wraps the line). Returns the width of what was drawn."""
    from rich.progress_bar import ProgressBar

    shown, end = safe_text(text), safe_text(tail)
    room = columns - 1 - len(shown) - len(end) - 2
    if room < 10:  # no room for a bar worth the name: the text gives way, then the tail
        line, limit = f"{shown} {end}", columns - 1
        if len(line) > limit:
            # The text loses its middle (a path keeps its start and its file name).
            keep = limit - len(end) - 2
            head = keep // 2
            short = f"{shown[:head]}\u2026{shown[len(shown) - (keep - head) :]}"
            line = f"{short} {end}" if keep > 0 else end[:limit]
        _emit(stream, "\r" + line.ljust(width))
        stream.flush()
        return len(line)
    bar_width = min(room, 40)
    console, buffer = rich_console(stream, width=bar_width, color=color)
    console.print(ProgressBar(total=1.0, completed=fraction, width=bar_width), end="")
    drawn = len(shown) + 1 + bar_width + 1 + len(end)
    _emit(stream, f"\r{shown} {buffer.getvalue().ljust(bar_width)} {end}" + " " * (width - drawn))
    stream.flush()
    return drawn

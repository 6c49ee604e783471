"""The progress line that long work draws on standard error, only when it is a terminal.

Work whose size is known (the users to evaluate, the bytes of a file to read, the records to
write) shows a bar, its percentage and the time left, estimated from the pace since the work
began; other work shows its text alone. The line is rewritten in place (a carriage return), at
most ten times a second, and erased or ended when the work is done; never on a pipe or a file.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

from guided_actions._adapters.cli.display import display, is_terminal
from guided_actions._adapters.cli.language import _, tenths
from guided_actions._adapters.cli.terminal import redraw, redraw_bar

__all__ = ["Progress", "clock_time", "megabytes", "seconds"]


def _columns(stream: TextIO) -> int:
    """The width of the terminal ``stream`` is (``COLUMNS`` first, as for every program)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return shutil.get_terminal_size().columns


def clock_time(total_seconds: float) -> str:
    """A duration as a clock shows it: ``0:07``, ``12:34``, ``1:02:03``."""
    whole = max(0, math.ceil(total_seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """One line of progress on ``stream`` (standard error by default), rewritten with ``\\r``.

    Silent unless the stream is a terminal, so redirected and captured output never holds it.
    ``update`` redraws at most once per ``interval`` seconds; given ``done`` and ``total`` it
    draws a bar, the percentage and the time left after the text. ``finish`` writes the last
    text and ends the line; ``clear`` erases the line (used when the work fails). As a context
    manager it clears an unfinished line on the way out. The text is drawn by
    :func:`~.terminal.redraw` and :func:`~.terminal.redraw_bar`, made safe like all the
    program's output (a file name in it may hold anything).

    The time left is the pace since the first report of the work (the first ``update`` with
    this ``total``) applied to what remains; it shows ``-:--`` until there is a pace.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = is_terminal(self.stream)
        self.interval = interval
        self.clock = clock
        self._last = -math.inf
        self._width = 0
        #: The work the time left is reckoned on: (total, when it began, done then).
        self._work: tuple[int, float, int] | None = None

    def _draw(self, text: str, end: str = "") -> None:
        width = redraw(self.stream, text, self._width, end)
        self._width = 0 if end else width

    def update(
        self, text: str, *, done: int | None = None, total: int | None = None, force: bool = False
    ) -> None:
        """Show ``text`` (and, with ``done`` of ``total``, a bar, the percentage and the time
        left), unless the line was redrawn less than ``interval`` seconds ago."""
        if not self.enabled:
            return
        now = self.clock()
        if done is not None and total is not None and total > 0:
            work = self._work
            if work is None or work[0] != total or done < work[2]:
                self._work = work = (total, now, done)
            if not force and now - self._last < self.interval:
                return
            self._last = now
            self._draw_bar(text, min(done, total) / total, self._left(now, done, work))
            return
        if not force and now - self._last < self.interval:
            return
        self._last = now
        self._draw(text)

    @staticmethod
    def _left(now: float, done: int, work: tuple[int, float, int]) -> str:
        total, began, done_then = work
        if done >= total:
            left = clock_time(0)
        elif done > done_then and now > began:
            left = clock_time((now - began) / (done - done_then) * (total - done))
        else:
            left = "-:--"
        return _("{left} left").format(left=left)

    def _draw_bar(self, text: str, fraction: float, left: str) -> None:
        percent = _("{percent}%").format(percent=math.floor(fraction * 100))
        self._width = redraw_bar(
            self.stream,
            text,
            fraction,
            f"{percent:>4} {left}",
            columns=_columns(self.stream),
            width=self._width,
            color=display().color_on(self.stream),
        )

    def finish(self, text: str) -> None:
        """Show ``text`` and end the line."""
        if self.enabled:
            self._draw(text, "\n")

    def clear(self) -> None:
        """Erase a line left unfinished."""
        if self.enabled and self._width:
            redraw(self.stream, "", self._width, "\r")
            self._width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.clear()


def seconds(start: float) -> str:
    """The time since ``start`` (a :func:`time.monotonic` reading), as ``"1.2 s"``."""
    return _("{number} s").format(number=tenths(time.monotonic() - start))


def megabytes(size: int) -> str:
    """``size`` bytes as ``"3.4 MB"`` (French ``3,4 Mo``)."""
    return _("{number} MB").format(number=tenths(size / 1_000_000))

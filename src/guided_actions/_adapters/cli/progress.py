"""The progress line that long work draws on standard error, only when it is a terminal."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

from guided_actions._adapters.cli.language import _, tenths
from guided_actions._adapters.cli.terminal import redraw

__all__ = ["Progress", "megabytes", "seconds"]


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Progress:
    """One line of progress on ``stream`` (standard error by default), rewritten with ``\\r``.

    Silent unless the stream is a terminal, so redirected and captured output never holds it.
    ``update`` redraws at most once per ``interval`` seconds; ``finish`` writes the last text and
    ends the line; ``clear`` erases the line (used when the work fails). As a context manager it
    clears an unfinished line on the way out. The text is drawn by :func:`~.terminal.redraw`,
    made safe like all the program's output (a file name in it may hold anything).
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream)
        self.interval = interval
        self.clock = clock
        self._last = -math.inf
        self._width = 0

    def _draw(self, text: str, end: str = "") -> None:
        width = redraw(self.stream, text, self._width, end)
        self._width = 0 if end else width

    def update(self, text: str, *, force: bool = False) -> None:
        """Show ``text``, unless the line was redrawn less than ``interval`` seconds ago."""
        if not self.enabled:
            return
        now = self.clock()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        self._draw(text)

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

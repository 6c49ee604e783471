"""How the program draws on the screen: in colour or not, and how wide.

The choice is made once per run (:func:`choose_display`) and holds for the whole run
(:func:`showing`), as the language does (:mod:`.language`).

Colour (each stream on its own, standard output and standard error): ``--color never`` never,
``--color always`` always (on a pipe too); ``--color auto`` (the default) follows the
environment, then the stream: ``NO_COLOR`` set to anything but the empty string turns colour off,
else ``FORCE_COLOR`` set to anything but the empty string turns it on, else there is colour only
on a terminal. The flag wins over the environment, and ``NO_COLOR`` over ``FORCE_COLOR``.

Layout: standard output is drawn for a screen when it is a terminal or when colour is on there
(``--color always``, ``FORCE_COLOR``: the reader asked for a terminal's output): its tables then
fit the terminal's width (``COLUMNS`` when set, as for every program, else the terminal's own;
at least :data:`MIN_WIDTH`). Otherwise (a pipe, a file) the tables are plain text of
:data:`PLAIN_WIDTH` columns, the same whatever the terminal, so scripts and tests can rely on
them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import TextIO

import attrs

__all__ = [
    "COLOR_CHOICES",
    "MIN_WIDTH",
    "PLAIN_WIDTH",
    "Display",
    "choose_display",
    "display",
    "is_terminal",
    "showing",
    "wants_color",
]

#: The values of ``--color``.
COLOR_CHOICES = ("auto", "always", "never")
#: The width of the tables when standard output is not drawn for a screen.
PLAIN_WIDTH = 100
#: The narrowest the tables are drawn, however narrow the terminal.
MIN_WIDTH = 60


def is_terminal(stream: object) -> bool:
    """Whether ``stream`` is a terminal (``False`` for anything that cannot say)."""
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


def wants_color(option: str, stream: object, environ: Mapping[str, str] | None = None) -> bool:
    """Whether to colour what goes to ``stream`` under ``--color option`` (see the module)."""
    if option == "never":
        return False
    if option == "always":
        return True
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", ""):
        return False
    if env.get("FORCE_COLOR", ""):
        return True
    return is_terminal(stream)


@attrs.frozen
class Display:
    """How standard output is drawn: ``width`` columns, in colour or not; ``screen`` when it is
    drawn for a screen (a terminal, or colour asked for), else plain. ``option`` is the
    ``--color`` that chose it, kept for standard error (:meth:`color_on`)."""

    width: int = PLAIN_WIDTH
    color: bool = False
    screen: bool = False
    option: str = "never"

    def color_on(self, stream: object) -> bool:
        """Whether to colour what goes to ``stream`` (standard error, say) in this run."""
        return wants_color(self.option, stream)


def choose_display(
    option: str, stdout: TextIO, environ: Mapping[str, str] | None = None
) -> Display:
    """The display of a run with ``--color option`` writing to ``stdout``."""
    color = wants_color(option, stdout, environ)
    screen = color or is_terminal(stdout)
    if not screen:
        return Display(PLAIN_WIDTH, False, False, option)
    env = os.environ if environ is None else environ
    width = 0
    with contextlib.suppress(ValueError):
        width = int(env.get("COLUMNS", "0"))
    if width <= 0:
        width = shutil.get_terminal_size((PLAIN_WIDTH, 24)).columns
    return Display(max(width, MIN_WIDTH), color, True, option)


#: Outside a run: plain, :data:`PLAIN_WIDTH` columns.
_PLAIN = Display()
_display: ContextVar[Display] = ContextVar("guided_actions_cli_display", default=_PLAIN)


def display() -> Display:
    """The display of the run (plain, :data:`PLAIN_WIDTH` columns, outside :func:`showing`)."""
    return _display.get()


@contextlib.contextmanager
def showing(chosen: Display) -> Iterator[Display]:
    """Draw with ``chosen`` inside the ``with`` block."""
    token = _display.set(chosen)
    try:
        yield chosen
    finally:
        _display.reset(token)

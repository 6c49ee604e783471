"""What the program says on standard error when something is wrong, and in what words.

Every such line starts with the program's name: ``guided-actions: error: …`` for bad input (the
command stops, exit status 2) and ``guided-actions: warning: …`` for a rule that failed while the
others still gave their actions. Commands raise :class:`CliError`; :func:`~.main` prints it.
"""

from __future__ import annotations

import sys

from guided_actions._engine.actions import Result

__all__ = ["PROG", "CliError", "print_error", "warn_failures"]

#: The program's name, as it appears in usage, ``--version`` and every message.
PROG = "guided-actions"


class CliError(Exception):
    """Bad input: printed as ``guided-actions: error: <message>``, exit status 2."""


def print_error(message: str) -> None:
    """Print ``guided-actions: error: <message>`` on standard error."""
    print(f"{PROG}: error: {message}", file=sys.stderr)


def warn_failures(result: Result, prefix: str = "") -> None:
    """One ``guided-actions: warning:`` line per rule that failed in ``result``."""
    for failure in result.errors:
        print(f"{PROG}: warning: {prefix}{failure}", file=sys.stderr)

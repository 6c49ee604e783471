"""What the program says on standard error when something is wrong, and in what words.

Every such line starts with the program's name: ``guided-actions: error: …`` for bad input (the
command stops, exit status 2) and ``guided-actions: warning: …`` for a rule that failed while the
others still gave their actions. Commands raise :class:`CliError`; :func:`~.main` prints it.
Both go out through :func:`~.terminal.write_lines`, one line per line of the message, so a value
from the data in a message (a rule's exception text, a file name) cannot act on the terminal or
forge a line. The fixed words are in the language of the run (:mod:`.language`): French
``guided-actions: erreur : …``.
"""

from __future__ import annotations

import sys

from guided_actions._adapters.cli.language import _
from guided_actions._adapters.cli.terminal import write_lines
from guided_actions._engine.actions import Result, RuleFailure

__all__ = [
    "PROG",
    "CliError",
    "error_line",
    "failure_text",
    "print_error",
    "print_note",
    "warn_failures",
]

#: The program's name, as it appears in usage, ``--version`` and every message.
PROG = "guided-actions"


class CliError(Exception):
    """Bad input: printed as ``guided-actions: error: <message>``, exit status 2.

    ``CliError(message, *more)``: ``more`` are the next lines of the paragraph (a snapshot's
    problems, one each). Each line is printed as one line, whatever it holds.
    """

    def __init__(self, message: str, *more: str) -> None:
        super().__init__(message, *more)
        self.lines: tuple[str, ...] = (message, *more)

    def __str__(self) -> str:
        return "\n".join(self.lines)


def error_line(message: str) -> str:
    """``guided-actions: error: <message>``, in the language of the run."""
    return f"{PROG}: " + _("error: {message}").format(message=message)


def print_error(message: str, *more: str) -> None:
    """Print ``guided-actions: error: <message>`` on standard error, then each of ``more`` as a
    line of its own; a newline inside one of them is shown as ``\\n``."""
    write_lines([error_line(message), *more], sys.stderr)


def print_note(message: str) -> None:
    """Print ``guided-actions: <message>`` on standard error: one line, not an error."""
    write_lines([f"{PROG}: {message}"], sys.stderr)


def failure_text(failure: RuleFailure) -> str:
    """``rule 'x' (plugin 'p') failed: <message>``, its fixed words in the language of the run
    (the message is the rule's exception, as it is)."""
    if failure.plugin:
        return _("rule {rule} (plugin {plugin}) failed: {message}").format(
            rule=repr(failure.rule_id), plugin=repr(failure.plugin), message=failure.message
        )
    return _("rule {rule} failed: {message}").format(
        rule=repr(failure.rule_id), message=failure.message
    )


def warn_failures(result: Result, user_id: str | None = None) -> None:
    """One ``guided-actions: warning:`` line per rule that failed in ``result`` (naming the user
    when given: ``evaluate --all``)."""
    lines = []
    for failure in result.errors:
        text = failure_text(failure)
        if user_id is not None:
            text = _("user {user}: {failure}").format(user=repr(user_id), failure=text)
        lines.append(f"{PROG}: " + _("warning: {message}").format(message=text))
    write_lines(lines, sys.stderr)

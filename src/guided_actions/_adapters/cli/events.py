"""The ``events`` sub-command: one user's event stream between two instants, as JSON lines.

:func:`run_events` reads the snapshot and the optional change file, runs
:func:`guided_actions.replay` and writes each event as one line: its CloudEvents 1.0 JSON
(:meth:`guided_actions.Event.to_cloudevent`), compact, every non-ASCII or control character
escaped. Each line of the change file (JSON Lines) is ``{"at": ISO, "upsert": {...}, "delete":
{...}}``, in non-decreasing order of ``at``; blank lines are skipped.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from guided_actions._adapters.cli.diagnostics import CliError
from guided_actions._adapters.cli.language import _, ngettext
from guided_actions._adapters.cli.reading import (
    MAX_PROBLEMS,
    load_ruleset,
    load_settings,
    read_snapshot,
)
from guided_actions._adapters.cli.terminal import write_lines
from guided_actions._engine.replay import replay
from guided_actions._model.time import is_aware, parse_instant, utc_iso
from guided_actions.errors import InvalidSnapshotError, problem_lines, short_repr

__all__ = ["ChangeLine", "event_line", "read_changes", "run_events"]

#: The keys a line of the change file may hold.
_LINE_KEYS = ("at", "upsert", "delete")

ChangeLine = tuple[int, datetime, Mapping[str, Any]]


def run_events(args: argparse.Namespace) -> int:
    """``guided-actions events``: the events of ``--user`` after ``--from`` up to ``--to``."""
    start = _instant_option("--from", args.start)
    end = _instant_option("--to", args.end)
    if end < start:
        raise CliError(
            _("--to {end} is earlier than --from {start}").format(
                end=utc_iso(end), start=utc_iso(start)
            )
        )
    changes = read_changes(args.changes) if args.changes else []
    ruleset = load_ruleset(args)
    settings = load_settings(args, ruleset)
    snapshot = read_snapshot(args.snapshot, args.max_input_size)
    read: list[ChangeLine] = []

    def timed() -> Iterator[tuple[datetime, Mapping[str, Any]]]:
        # replay reads a change set when it is about to apply it: the last one read is the
        # one whose apply failed.
        for line in changes:
            read.append(line)
            yield line[1], line[2]

    stream = replay(
        snapshot,
        args.user,
        start,
        end,
        changes=timed(),
        viewer=args.viewer,
        config=settings,
        rules=ruleset,
    )
    try:
        for event in stream:
            write_lines([event_line(event.to_cloudevent())])
    except InvalidSnapshotError as exc:
        number = read[-1][0] if read else 0
        count = len(exc.problems)
        head = ngettext(
            "{file}, line {line}: the changes make the snapshot invalid ({count} problem):",
            "{file}, line {line}: the changes make the snapshot invalid ({count} problems):",
            count,
        ).format(file=args.changes, line=number, count=count)
        raise CliError(head, *problem_lines(exc.problems, MAX_PROBLEMS)) from None
    return 0


def event_line(cloudevent: Mapping[str, Any]) -> str:
    """One event as one line of JSON: compact, ASCII, DEL escaped as JSON escapes the other
    control characters, so that nothing in it acts on a terminal."""
    return json.dumps(cloudevent, separators=(",", ":")).replace("\x7f", "\\u007f")


def _instant_option(option: str, text: str) -> datetime:
    """An aware ISO-8601 instant given to ``option``."""
    try:
        value = parse_instant(text)
    except ValueError:
        raise CliError(
            _(
                "{option} {text} is not an ISO-8601 instant (for example 2025-05-14T09:30+02:00)"
            ).format(option=option, text=repr(text))
        ) from None
    if not is_aware(value):
        raise CliError(
            _("{option} {text} has no time zone: add an offset such as Z or +02:00").format(
                option=option, text=repr(text)
            )
        )
    return value


def read_changes(path: str) -> list[ChangeLine]:
    """The change sets of a JSON Lines file: ``(line number, instant, changes)``, checked line
    by line (a JSON object, only ``at``, ``upsert`` and ``delete``, ``at`` an instant with an
    offset, not earlier than the line before). A bad line is a :class:`CliError` naming the
    file, the line and the problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(
            _("cannot read {file}: {reason}").format(file=path, reason=exc.strerror or exc)
        ) from None
    except UnicodeDecodeError:
        raise CliError(_("{file} is not UTF-8 text").format(file=path)) from None
    found: list[ChangeLine] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue

        def bad(problem: str, number: int = number) -> CliError:
            return CliError(
                _("{file}, line {line}: {problem}").format(file=path, line=number, problem=problem)
            )

        try:
            item = json.loads(line)
        except ValueError as exc:
            raise bad(_("not JSON ({reason})").format(reason=exc)) from None
        if not isinstance(item, dict):
            raise bad(_("expected a JSON object, got {value}").format(value=short_repr(item)))
        unknown = [key for key in item if key not in _LINE_KEYS]
        if unknown:
            raise bad(
                _("unknown key {key}; a line holds at, upsert and delete").format(
                    key=short_repr(unknown[0])
                )
            )
        if "at" not in item:
            raise bad(_("missing at, the instant of the changes"))
        raw = item["at"]
        try:
            at = parse_instant(raw) if isinstance(raw, str) else None
        except ValueError:
            at = None
        if at is None:
            raise bad(_("at {value} is not an ISO-8601 instant").format(value=short_repr(raw)))
        if not is_aware(at):
            raise bad(
                _("at {value} has no time zone: add an offset such as Z or +02:00").format(
                    value=short_repr(raw)
                )
            )
        if found and at < found[-1][1]:
            raise bad(
                _("at {value} is earlier than the line before ({before})").format(
                    value=short_repr(raw), before=utc_iso(found[-1][1])
                )
            )
        changes = {key: value for key, value in item.items() if key != "at"}
        found.append((number, at, changes))
    return found

"""The ``guided-actions`` command-line program: an adapter at the edge of the library.

Sub-commands::

    guided-actions demo [--user ID] [--format table|json] [--export FILE]
    guided-actions evaluate SNAPSHOT.json --user ID [--now ISO] [--viewer ID]
                            [--format table|json] [--category deal|prospecting|general]
    guided-actions explain SNAPSHOT.json --user ID [--now ISO] [--viewer ID] --subject KIND:ID
    guided-actions rules [--format table|json]

``SNAPSHOT.json`` is an interchange document (``guided-actions/1``), or ``-`` for standard input.
``--now`` defaults to the current time here, and only here: the library never reads the clock.
Bad input prints one short ``guided-actions: error: …`` paragraph on standard error and exits
with status 2, like a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn, TextIO
from zoneinfo import ZoneInfo

from . import __version__
from ._actions import Action, Result
from ._demo import DEMO_NOW, DEMO_USER, demo_document
from ._engine import evaluate
from ._records import User
from ._snapshot import Snapshot
from ._time import is_aware, parse_instant
from .errors import GuidedActionsError, InvalidSnapshotError
from .rules import BUILTIN_RULES

__all__ = ["main"]

PROG = "guided-actions"
WIDTH = 100
MAX_PROBLEMS = 20
CATEGORIES = ("deal", "prospecting", "general")
SUBJECT_KINDS = ("contact", "lead", "deal", "company", "email", "call", "meeting", "task")


class CliError(Exception):
    """Bad input: printed as ``guided-actions: error: <message>``, exit status 2."""


# -- input ----------------------------------------------------------------------------------


def _read_snapshot(source: str) -> Snapshot:
    """Load the snapshot at ``source`` (a path, or ``-`` for standard input)."""
    name = "standard input" if source == "-" else source
    try:
        if source == "-":
            stream = sys.stdin
            buffer = getattr(stream, "buffer", None)
            raw: bytes | str = buffer.read() if buffer is not None else stream.read()
        else:
            raw = Path(source).read_bytes()
    except FileNotFoundError:
        raise CliError(f"cannot read {name}: no such file") from None
    except IsADirectoryError:
        raise CliError(f"cannot read {name}: it is a directory") from None
    except OSError as exc:
        raise CliError(f"cannot read {name}: {exc.strerror or exc}") from None
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CliError(
                f"{name} is not UTF-8 text: byte 0x{raw[exc.start]:02x} at offset {exc.start} "
                "cannot be decoded"
            ) from None
    else:
        text = raw
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise CliError(f"{name} is not valid JSON: nested too deeply") from None
    try:
        return Snapshot.from_dict(data)
    except InvalidSnapshotError as exc:
        raise CliError(_problems_message(name, exc)) from None


def _problems_message(name: str, exc: InvalidSnapshotError) -> str:
    count = len(exc.problems)
    lines = [f"{name} is not a valid snapshot ({count} problem{'s' if count != 1 else ''}):"]
    lines.extend(f"  - {problem}" for problem in exc.problems[:MAX_PROBLEMS])
    if count > MAX_PROBLEMS:
        lines.append(f"  ... and {count - MAX_PROBLEMS} more")
    return "\n".join(lines)


def _parse_now(text: str | None) -> datetime:
    """``--now``: an aware ISO-8601 instant; the current time when absent."""
    if text is None:
        return datetime.now(UTC)
    try:
        value = parse_instant(text)
    except ValueError:
        raise CliError(
            f"--now {text!r} is not an ISO-8601 instant (for example 2025-05-14T09:30+02:00)"
        ) from None
    if not is_aware(value):
        raise CliError(f"--now {text!r} has no time zone: add an offset such as Z or +02:00")
    return value


def _parse_subject(text: str) -> tuple[str, str]:
    kind, sep, rid = text.partition(":")
    kind = kind.strip().lower()
    if not sep or not rid:
        raise CliError(f"--subject {text!r} must be KIND:ID, for example contact:c1")
    if kind not in SUBJECT_KINDS:
        raise CliError(
            f"--subject {text!r}: unknown kind {kind!r}; expected one of {', '.join(SUBJECT_KINDS)}"
        )
    return kind, rid


# -- output ---------------------------------------------------------------------------------


def _zone(user: User) -> ZoneInfo:
    return ZoneInfo(user.timezone)


def _local(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]


def _action_block(action: Action, zone: ZoneInfo) -> list[str]:
    head = f"[{action.priority}] {action.title}"
    lines = [f"  {head}  {action.rule.rjust(WIDTH - 4 - len(head))}"]
    subjects = ", ".join(f"{kind}:{rid}" for kind, rid in action.subjects)
    lines.extend(_wrap(subjects, "      about    ", " " * 15))
    expires = _local(action.expires_at, zone) if action.expires_at else "no time limit"
    lines.append(f"      created  {_local(action.created_at, zone)}    expires  {expires}")
    for i, reason in enumerate(action.reasons):
        label = "because  " if i == 0 else " " * 9
        lines.extend(_wrap(reason, f"      {label}- ", " " * 17))
    return lines


def _header(user: User, now: datetime, result: Result, viewer: User | None) -> str:
    count = len(result)
    seen = f", as seen by {viewer.id}" if viewer is not None and viewer.id != user.id else ""
    return (
        f"{count} guided action{'s' if count != 1 else ''} for {user.id}{seen} at "
        f"{_local(now, _zone(user))} ({user.timezone})"
    )


def _table(user: User, now: datetime, result: Result, viewer: User | None) -> str:
    zone = _zone(user)
    lines = [_header(user, now, result, viewer)]
    for category in CATEGORIES:
        actions = [a for a in result if a.category == category]
        if not actions:
            continue
        title = f"{category.capitalize()} ({len(actions)})"
        lines.extend(["", title, "=" * len(title)])
        for i, action in enumerate(actions):
            if i:
                lines.append("")
            lines.extend(_action_block(action, zone))
    if result.errors:
        lines.extend(["", "Rules that failed:"])
        lines.extend(f"  - {failure}" for failure in result.errors)
    return "\n".join(lines)


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return str(value)  # pragma: no cover - sub-second thresholds


def _catalogue() -> list[dict[str, Any]]:
    entries = []
    for cls in BUILTIN_RULES:
        docs = cls.threshold_docs()
        entries.append(
            {
                "id": cls.id,
                "title": cls.title,
                "category": cls.category,
                "priority": cls.priority,
                "subject_kind": cls.subject_kind,
                "grouped": cls.grouped,
                "grouping": cls.grouping,
                "created_at": cls.created_at_doc,
                "expires": cls.expires_doc,
                "thresholds": [
                    {
                        "name": name,
                        "default": _duration(default),
                        "seconds": int(default.total_seconds()),
                        "doc": docs.get(name, ""),
                    }
                    for name, default in cls().thresholds().items()
                ],
            }
        )
    return entries


def _catalogue_table(entries: list[dict[str, Any]]) -> str:
    lines = [f"{len(entries)} built-in rules"]
    for entry in entries:
        head = f"{entry['id']}  {entry['title']}"
        kind = f"{entry['category']}, {entry['priority']} priority"
        lines.extend(["", f"{head}  {kind.rjust(WIDTH - 2 - len(head))}"])
        grouping = entry["grouping"] + (" (grouped by default)" if entry["grouped"] else "")
        lines.append(f"  subject      {entry['subject_kind']}; {grouping}")
        lines.extend(_wrap(entry["created_at"] or "-", "  created at   ", " " * 15))
        lines.extend(_wrap(entry["expires"] or "-", "  expires      ", " " * 15))
        if not entry["thresholds"]:
            lines.append("  thresholds   none")
        for i, t in enumerate(entry["thresholds"]):
            label = "thresholds   " if i == 0 else " " * 13
            lines.extend(_wrap(f"{t['name']} = {t['default']}: {t['doc']}", f"  {label}", " " * 17))
    return "\n".join(lines)


def _print_result(
    args: argparse.Namespace,
    snapshot: Snapshot,
    now: datetime,
    result: Result,
    out: TextIO,
) -> None:
    if args.format == "json":
        out.write(json.dumps(result.to_dicts(), indent=2) + "\n")
        for failure in result.errors:
            print(f"{PROG}: warning: {failure}", file=sys.stderr)
        return
    user = snapshot.user(result.user_id)
    assert user is not None
    viewer = snapshot.user(args.viewer) if getattr(args, "viewer", None) else None
    out.write(_table(user, now, result, viewer) + "\n")


# -- commands -------------------------------------------------------------------------------


def _cmd_demo(args: argparse.Namespace) -> int:
    document = demo_document()
    if args.export is not None:
        try:
            with open(args.export, "w", encoding="utf-8") as f:
                json.dump(document, f, indent=2, ensure_ascii=False)
                f.write("\n")
        except OSError as exc:
            raise CliError(f"cannot write {args.export}: {exc.strerror or exc}") from None
        print(f"{PROG}: wrote the demo snapshot to {args.export}", file=sys.stderr)
    snapshot = Snapshot.from_dict(document)
    result = evaluate(snapshot, DEMO_NOW, args.user)
    _print_result(args, snapshot, DEMO_NOW, result, sys.stdout)
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    now = _parse_now(args.now)
    snapshot = _read_snapshot(args.snapshot)
    result = evaluate(snapshot, now, args.user, viewer=args.viewer)
    if args.category is not None:
        result = result.filter(category=args.category)
    _print_result(args, snapshot, now, result, sys.stdout)
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    kind, rid = _parse_subject(args.subject)
    now = _parse_now(args.now)
    snapshot = _read_snapshot(args.snapshot)
    result = evaluate(snapshot, now, args.user, viewer=args.viewer)
    about = [a for a in result if (kind, rid) in a.subjects]
    if not about:
        print(f"No action of user {result.user_id} is about {kind} {rid} at {now.isoformat()}.")
        return 0
    print("\n\n".join(a.explain() for a in about))
    return 0


def _cmd_rules(args: argparse.Namespace) -> int:
    entries = _catalogue()
    if args.format == "json":
        print(json.dumps(entries, indent=2))
    else:
        print(_catalogue_table(entries))
    return 0


# -- parser ---------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{PROG}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Which next actions should this sales rep take? Guided actions computed "
        "from a CRM snapshot.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def fmt(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--format",
            choices=("table", "json"),
            default="table",
            help="a readable table (default) or JSON",
        )

    demo = commands.add_parser(
        "demo",
        help="evaluate the embedded demo snapshot",
        description=f"Evaluate the demo snapshot shipped with the package at "
        f"{DEMO_NOW.isoformat()} for the demo rep.",
    )
    demo.add_argument("--user", default=DEMO_USER, help=f"user id (default {DEMO_USER})")
    fmt(demo)
    demo.add_argument(
        "--export", metavar="FILE", help="also write the demo snapshot to FILE as JSON"
    )
    demo.set_defaults(run=_cmd_demo)

    def snapshot_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("snapshot", metavar="SNAPSHOT.json", help="interchange JSON, or - for stdin")
        p.add_argument("--user", required=True, metavar="ID", help="the user evaluated")
        p.add_argument(
            "--now",
            metavar="ISO",
            help="the instant, with an offset (default: the current time)",
        )
        p.add_argument("--viewer", metavar="ID", help="who is looking: the user or a super admin")

    ev = commands.add_parser(
        "evaluate", help="evaluate a snapshot", description="Evaluate a snapshot for one user."
    )
    snapshot_args(ev)
    fmt(ev)
    ev.add_argument("--category", choices=CATEGORIES, help="only the actions of that category")
    ev.set_defaults(run=_cmd_evaluate)

    ex = commands.add_parser(
        "explain",
        help="explain the actions about one record",
        description="Explain every action about one record, criterion by criterion.",
    )
    snapshot_args(ex)
    ex.add_argument("--subject", required=True, metavar="KIND:ID", help="for example contact:c1")
    ex.set_defaults(run=_cmd_explain)

    rules = commands.add_parser(
        "rules", help="list the built-in rules", description="The rule catalogue."
    )
    fmt(rules)
    rules.set_defaults(run=_cmd_rules)
    return parser


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Run the program with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    try:
        code: int = args.run(args)
    except CliError as exc:
        return _fail(str(exc))
    except GuidedActionsError as exc:  # unknown user or viewer, a viewer who may not look
        return _fail(str(exc))
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, without a second error at exit.
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code

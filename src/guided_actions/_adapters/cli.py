"""The ``guided-actions`` command-line program: an adapter at the edge of the library.

Sub-commands::

    guided-actions demo [--user ID] [--format table|json] [--export FILE] [--workspace]
    guided-actions evaluate SNAPSHOT.json (--user ID | --all) [--now ISO] [--viewer ID]
                            [--format table|json] [--category deal|prospecting|general]
    guided-actions explain SNAPSHOT.json --user ID [--now ISO] [--viewer ID] --subject KIND:ID
    guided-actions workspace SNAPSHOT.json --user ID [--now ISO] [--viewer ID]
                             [--format table|json]
    guided-actions rules [--format table|json]
    guided-actions generate --users N --contacts-per-user M [--seed S] --now ISO -o FILE

``SNAPSHOT.json`` is an interchange document (``guided-actions/1``), or ``-`` for standard input.
``--now`` defaults to the current time here, and only here: the library never reads the clock.
The rules are the built-in ones plus those of installed plugins (the ``guided_actions``
entry-point group); ``--no-plugins``, before or after the sub-command, keeps the built-ins only.
Bad input prints one short ``guided-actions: error: …`` paragraph on standard error and exits
with status 2, like a usage error. Long work reports its progress on standard error, only when
standard error is a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn, TextIO
from zoneinfo import ZoneInfo

from guided_actions import __version__
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_document
from guided_actions._adapters.interchange import SCHEMA
from guided_actions._engine.actions import Action, Result
from guided_actions._engine.evaluate import evaluate, evaluate_all
from guided_actions._model.records import User
from guided_actions._model.time import is_aware, parse_instant
from guided_actions._plugins.loader import RuleSet, load_rules
from guided_actions._snapshot.snapshot import Snapshot
from guided_actions._workspace.summary import Summary, summarize
from guided_actions.errors import (
    GuidedActionsError,
    InvalidConfigError,
    InvalidSnapshotError,
    PluginError,
)
from guided_actions.synthetic import _LISTS, iter_generate
from guided_actions.typing import Category

__all__ = ["Progress", "main"]

PROG = "guided-actions"
WIDTH = 100
MAX_PROBLEMS = 20
CATEGORIES = ("deal", "prospecting", "general")
SUBJECT_KINDS = ("contact", "lead", "deal", "company", "email", "call", "meeting", "task")
BUILTIN_PLUGIN = "guided_actions.builtin"
#: Snapshots at least this big (in bytes) report their loading on a terminal.
BIG_SNAPSHOT = 1_000_000
#: Users evaluated between two progress reports of ``evaluate --all``.
USERS_PER_STEP = 5


class CliError(Exception):
    """Bad input: printed as ``guided-actions: error: <message>``, exit status 2."""


# -- progress -------------------------------------------------------------------------------


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
    clears an unfinished line on the way out.
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
        pad = " " * max(0, self._width - len(text))
        self.stream.write(f"\r{text}{pad}{end}")
        self.stream.flush()
        self._width = 0 if end else len(text)

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
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
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


def _seconds(start: float) -> str:
    return f"{time.monotonic() - start:.1f} s"


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


# -- input ----------------------------------------------------------------------------------


def _read_snapshot(source: str) -> Snapshot:
    """Load the snapshot at ``source`` (a path, or ``-`` for standard input)."""
    name = "standard input" if source == "-" else source
    with Progress() as progress:
        start = time.monotonic()
        size = 0
        if source != "-":
            with contextlib.suppress(OSError):
                size = os.stat(source).st_size
        big = size >= BIG_SNAPSHOT
        if big:
            progress.update(f"loading {name} ({_megabytes(size)})...", force=True)
        snapshot = _load(source, name)
        if big:
            progress.finish(f"loaded {name} ({_megabytes(size)}) in {_seconds(start)}")
    return snapshot


def _load(source: str, name: str) -> Snapshot:
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


def _rules(args: argparse.Namespace) -> RuleSet:
    """The built-in rules and, unless ``--no-plugins``, those of the installed plugins."""
    try:
        return load_rules(entry_points=not getattr(args, "no_plugins", False))
    except (PluginError, InvalidConfigError) as exc:
        message = " ".join(str(exc).split())
        raise CliError(
            f"cannot load the rule plugins: {message}. Run with --no-plugins to use the "
            "built-in rules only."
        ) from None


def _plugin_label(plugin: str | None) -> str:
    if plugin is None:
        return "-"
    return "builtin" if plugin == BUILTIN_PLUGIN else plugin


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


def _heading(title: str, underline: str) -> list[str]:
    return ["", title, underline * len(title)]


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


def _seen_by(user: User, viewer: User | None) -> str:
    return f", as seen by {viewer.id}" if viewer is not None and viewer.id != user.id else ""


def _header(user: User, now: datetime, result: Result, viewer: User | None) -> str:
    count = len(result)
    return (
        f"{count} guided action{'s' if count != 1 else ''} for {user.id}{_seen_by(user, viewer)} "
        f"at {_local(now, _zone(user))} ({user.timezone})"
    )


def _actions_body(result: Result, zone: ZoneInfo, underline: str = "=") -> list[str]:
    """The actions by category, then the rules that failed (each naming its plugin)."""
    lines: list[str] = []
    for category in CATEGORIES:
        actions = [a for a in result if a.category == category]
        if not actions:
            continue
        lines.extend(_heading(f"{category.capitalize()} ({len(actions)})", underline))
        for i, action in enumerate(actions):
            if i:
                lines.append("")
            lines.extend(_action_block(action, zone))
    if result.errors:
        lines.extend(["", "Rules that failed:"])
        lines.extend(f"  - {failure}" for failure in result.errors)
    return lines


def _table(user: User, now: datetime, result: Result, viewer: User | None) -> str:
    return "\n".join([_header(user, now, result, viewer), *_actions_body(result, _zone(user))])


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return str(value)  # pragma: no cover - sub-second thresholds


def _catalogue(ruleset: RuleSet) -> list[dict[str, Any]]:
    entries = []
    for rule in ruleset:
        cls = type(rule)
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
                "plugin": _plugin_label(ruleset.plugin_of(cls.id)),
                "enabled": cls.id not in ruleset.config.disabled_rules,
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


def _catalogue_head(entries: Sequence[Mapping[str, Any]]) -> str:
    builtin = sum(entry["plugin"] == "builtin" for entry in entries)
    if builtin == len(entries):
        return f"{len(entries)} built-in rules"
    plugins = sorted({entry["plugin"] for entry in entries} - {"builtin"})
    return (
        f"{len(entries)} rules: {builtin} built-in, {len(entries) - builtin} from "
        f"plugin{'s' if len(plugins) != 1 else ''} {', '.join(plugins)}"
    )


def _catalogue_table(entries: list[dict[str, Any]]) -> str:
    lines = [_catalogue_head(entries)]
    for entry in entries:
        head = f"{entry['id']}  {entry['title']}"
        kind = f"{entry['category']}, {entry['priority']} priority"
        lines.extend(["", f"{head}  {kind.rjust(WIDTH - 2 - len(head))}"])
        disabled = "" if entry["enabled"] else " (disabled by the plugins' configuration)"
        lines.append(f"  plugin       {entry['plugin']}{disabled}")
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


def _warn_failures(result: Result, prefix: str = "") -> None:
    for failure in result.errors:
        print(f"{PROG}: warning: {prefix}{failure}", file=sys.stderr)


def _print_result(
    args: argparse.Namespace,
    snapshot: Snapshot,
    now: datetime,
    result: Result,
    out: TextIO,
) -> None:
    if args.format == "json":
        out.write(json.dumps(result.to_dicts(), indent=2) + "\n")
        _warn_failures(result)
        return
    user = snapshot.user(result.user_id)
    assert user is not None
    viewer = snapshot.user(args.viewer) if getattr(args, "viewer", None) else None
    out.write(_table(user, now, result, viewer) + "\n")


def _all_table(now: datetime, results: Mapping[str, Result], ruleset: RuleSet) -> str:
    total = sum(len(r) for r in results.values())
    users = len(results)
    lines = [
        f"{total} guided action{'s' if total != 1 else ''} for {users} "
        f"user{'s' if users != 1 else ''} at {_local(now, ZoneInfo('UTC'))}"
    ]
    order = {rule.id: i for i, rule in enumerate(ruleset)}
    for user_id, result in results.items():
        count = len(result)
        lines.extend(["", f"{user_id}: {count} action{'s' if count != 1 else ''}"])
        by_rule = Counter(a.rule for a in result)
        width = max((len(rule) for rule in by_rule), default=0)
        for rule, n in sorted(
            by_rule.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])
        ):
            lines.append(f"  {rule.ljust(width)}  {n:>5}")
        lines.extend(f"  failed: {failure}" for failure in result.errors)
    return "\n".join(lines)


# -- workspace ------------------------------------------------------------------------------


def _workspace(
    snapshot: Snapshot, now: datetime, user: str, viewer: str | None, ruleset: RuleSet
) -> tuple[Summary, Result]:
    """The workspace summary, its guided actions computed with ``ruleset`` (plugins included)."""
    summary = summarize(snapshot, now, user, viewer=viewer, rules=ruleset)
    return summary, summary.result


def _task_lines(snapshot: Snapshot, ids: Sequence[str], zone: ZoneInfo, indent: str) -> list[str]:
    lines = []
    for tid in ids:
        task = snapshot.task(tid)
        assert task is not None
        due = _local(task.due_at, zone) if task.due_at is not None else "no due date".ljust(20)
        title = task.title or "(no title)"
        first = f"{indent}{due}  {task.priority:<6}  "
        lines.extend(_wrap(f"{title}  [{tid}]", first, " " * len(first)))
    return lines


def _workspace_table(
    snapshot: Snapshot, summary: Summary, result: Result, viewer: User | None
) -> str:
    user = snapshot.user(summary.user_id)
    assert user is not None
    zone = _zone(user)
    lines = [
        f"Workspace of {user.id}{_seen_by(user, viewer)} at {_local(summary.now, zone)} "
        f"({user.timezone})"
    ]

    lines.extend(_heading("Tasks", "="))
    for label, ids in (
        ("Due today", summary.due_today),
        ("Overdue", summary.overdue),
        ("Due tomorrow", summary.due_tomorrow),
    ):
        lines.extend(["", f"{label} ({len(ids)})"])
        lines.extend(_task_lines(snapshot, ids, zone, "  ") or ["  none"])

    lines.extend(_heading(f"Sequences ({len(summary.sequences)})", "="))
    if not summary.sequences:
        lines.append("  none")
    for card in summary.sequences:
        count = len(card.task_ids)
        name = card.name or card.sequence_id
        lines.append(
            f"  {name}  [{card.sequence_id}]  {count} open task{'s' if count != 1 else ''}"
        )
        stepped: set[str] = set()
        for step, ids in card.steps:
            lines.append(f"    Step {step} ({len(ids)})")
            lines.extend(_task_lines(snapshot, ids, zone, "      "))
            stepped.update(ids)
        loose = [tid for tid in card.task_ids if tid not in stepped]
        if loose:
            lines.append(f"    No step ({len(loose)})")
            lines.extend(_task_lines(snapshot, loose, zone, "      "))

    lines.extend(_heading(f"Schedule ({len(summary.schedule)})", "="))
    if not summary.schedule:
        lines.append("  no meeting today")
    for entry in summary.schedule:
        start = datetime.fromisoformat(entry["start"]).astimezone(zone)
        end = datetime.fromisoformat(entry["end"]).astimezone(zone)
        when = f"{start:%H:%M}-{end:%H:%M} {start.tzname()}"
        title = entry["title"] or "(no title)"
        first = f"  {when}  "
        lines.extend(_wrap(f"{title}  [{entry['meeting_id']}]", first, " " * len(first)))

    lines.extend(_heading("Insights", "="))
    for label, ids in (
        ("meetings today", summary.meetings_today),
        ("tasks due today", summary.due_today),
        ("overdue tasks", summary.overdue),
        ("tasks completed today", summary.tasks_completed_today),
    ):
        lines.append(f"  {label.ljust(22)} {len(ids):>4}")

    lines.extend(_heading(f"Feed ({len(summary.feed)})", "="))
    if not summary.feed:
        lines.append("  no recent activity")
    for item in summary.feed:
        first = f"  {_local(item.at, zone)}  {item.kind:<16}  "
        lines.extend(_wrap(item.text, first, " " * len(first)))

    lines.extend(_heading(f"Guided actions ({len(result)})", "="))
    lines.extend(_actions_body(result, zone, "-") or ["", "  none"])
    return "\n".join(lines)


def _print_workspace(
    args: argparse.Namespace, snapshot: Snapshot, summary: Summary, result: Result
) -> None:
    if args.format == "json":
        print(json.dumps(summary.to_dict(), indent=2))
        _warn_failures(result)
        return
    viewer = snapshot.user(summary.viewer_id)
    print(_workspace_table(snapshot, summary, result, viewer))


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
    ruleset = _rules(args)
    if args.workspace:
        summary, result = _workspace(snapshot, DEMO_NOW, args.user, None, ruleset)
        _print_workspace(args, snapshot, summary, result)
        return 0
    result = evaluate(snapshot, DEMO_NOW, args.user, rules=ruleset)
    _print_result(args, snapshot, DEMO_NOW, result, sys.stdout)
    return 0


def _evaluate_all(
    snapshot: Snapshot, now: datetime, ruleset: RuleSet, category: Category | None
) -> dict[str, Result]:
    users = [u.id for u in snapshot.users()]
    results: dict[str, Result] = {}
    with Progress() as progress:
        start = time.monotonic()
        for first in range(0, len(users), USERS_PER_STEP):
            chunk = users[first : first + USERS_PER_STEP]
            results.update(evaluate_all(snapshot, now, rules=ruleset, users=chunk))
            progress.update(f"evaluating: {len(results)}/{len(users)} users")
        progress.finish(f"evaluated {len(users)} users in {_seconds(start)}")
    if category is not None:
        results = {uid: r.filter(category=category) for uid, r in results.items()}
    return results


def _cmd_evaluate(args: argparse.Namespace) -> int:
    if args.all and args.viewer is not None:
        raise CliError("--viewer applies to one user's actions: it cannot be used with --all")
    now = _parse_now(args.now)
    ruleset = _rules(args)
    snapshot = _read_snapshot(args.snapshot)
    if args.all:
        results = _evaluate_all(snapshot, now, ruleset, args.category)
        if args.format == "json":
            print(json.dumps({uid: r.to_dicts() for uid, r in results.items()}, indent=2))
            for uid, r in results.items():
                _warn_failures(r, f"user {uid!r}: ")
        else:
            print(_all_table(now, results, ruleset))
        return 0
    result = evaluate(snapshot, now, args.user, viewer=args.viewer, rules=ruleset)
    if args.category is not None:
        result = result.filter(category=args.category)
    _print_result(args, snapshot, now, result, sys.stdout)
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    kind, rid = _parse_subject(args.subject)
    now = _parse_now(args.now)
    ruleset = _rules(args)
    snapshot = _read_snapshot(args.snapshot)
    result = evaluate(snapshot, now, args.user, viewer=args.viewer, rules=ruleset)
    about = [a for a in result if (kind, rid) in a.subjects]
    if not about:
        print(f"No action of user {result.user_id} is about {kind} {rid} at {now.isoformat()}.")
        return 0
    print("\n\n".join(a.explain() for a in about))
    return 0


def _cmd_workspace(args: argparse.Namespace) -> int:
    now = _parse_now(args.now)
    ruleset = _rules(args)
    snapshot = _read_snapshot(args.snapshot)
    summary, result = _workspace(snapshot, now, args.user, args.viewer, ruleset)
    _print_workspace(args, snapshot, summary, result)
    return 0


def _cmd_rules(args: argparse.Namespace) -> int:
    entries = _catalogue(_rules(args))
    if args.format == "json":
        print(json.dumps(entries, indent=2))
    else:
        print(_catalogue_table(entries))
    return 0


def _generate_lists(
    args: argparse.Namespace, now: datetime, progress: Progress
) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """The records of ``generate(...)`` by list, and how many there are."""
    lists: dict[str, list[dict[str, Any]]] = {key: [] for key in _LISTS}
    records = 0
    for key, record in iter_generate(
        users=args.users, contacts_per_user=args.contacts_per_user, seed=args.seed, now=now
    ):
        lists[key].append(record)
        records += 1
        progress.update(f"generating: {records} records")
    return lists, records


def _document_chunks(
    lists: Mapping[str, Sequence[Mapping[str, Any]]], records: int, progress: Progress
) -> Iterator[str]:
    """``json.dumps(generate(...), separators=(",", ":"))`` in pieces, counting the records."""
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    written = 0
    yield "{" + dumps("schema") + ":" + dumps(SCHEMA)
    for key in _LISTS:
        yield "," + dumps(key) + ":["
        for i, record in enumerate(lists[key]):
            yield ("," if i else "") + dumps(record)
            written += 1
            progress.update(f"writing: {written}/{records} records")
        yield "]"
    yield "}"


def _cmd_generate(args: argparse.Namespace) -> int:
    now = _parse_now(args.now)
    target = "standard output" if args.output == "-" else args.output
    with Progress() as progress, contextlib.ExitStack() as stack:
        start = time.monotonic()
        try:
            out: TextIO = (
                sys.stdout
                if args.output == "-"
                else stack.enter_context(open(args.output, "w", encoding="utf-8", newline=""))
            )
            lists, records = _generate_lists(args, now, progress)
            buffer: list[str] = []
            for chunk in _document_chunks(lists, records, progress):
                buffer.append(chunk)
                if len(buffer) >= 1000:
                    out.write("".join(buffer))
                    buffer.clear()
            out.write("".join(buffer))
            out.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None
        progress.finish(f"wrote {records} records to {target} in {_seconds(start)}")
    return 0


# -- parser ---------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{PROG}: error: {message}\n")


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

    return parse


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


NO_PLUGINS_HELP = "use the built-in rules only, not those of installed plugins"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Which next actions should this sales rep take? Guided actions computed "
        "from a CRM snapshot.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--no-plugins", action="store_true", help=NO_PLUGINS_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def fmt(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--format",
            choices=("table", "json"),
            default="table",
            help="a readable table (default) or JSON",
        )

    def no_plugins(p: argparse.ArgumentParser) -> None:
        # SUPPRESS: when absent here, the flag given before the sub-command stands.
        p.add_argument(
            "--no-plugins", action="store_true", default=argparse.SUPPRESS, help=NO_PLUGINS_HELP
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
    demo.add_argument(
        "--workspace",
        action="store_true",
        help="show the whole workspace (tasks, sequences, schedule, insights, feed, actions)",
    )
    no_plugins(demo)
    demo.set_defaults(run=_cmd_demo)

    def snapshot_args(p: argparse.ArgumentParser, *, user_required: bool = True) -> None:
        p.add_argument("snapshot", metavar="SNAPSHOT.json", help="interchange JSON, or - for stdin")
        if user_required:
            p.add_argument("--user", required=True, metavar="ID", help="the user evaluated")
        p.add_argument(
            "--now",
            metavar="ISO",
            help="the instant, with an offset (default: the current time)",
        )
        p.add_argument("--viewer", metavar="ID", help="who is looking: the user or a super admin")

    ev = commands.add_parser(
        "evaluate",
        help="evaluate a snapshot",
        description="Evaluate a snapshot for one user, or for every user with --all.",
    )
    snapshot_args(ev, user_required=False)
    who = ev.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", metavar="ID", help="the user evaluated")
    who.add_argument("--all", action="store_true", help="evaluate every user of the snapshot")
    fmt(ev)
    ev.add_argument("--category", choices=CATEGORIES, help="only the actions of that category")
    no_plugins(ev)
    ev.set_defaults(run=_cmd_evaluate)

    ex = commands.add_parser(
        "explain",
        help="explain the actions about one record",
        description="Explain every action about one record, criterion by criterion.",
    )
    snapshot_args(ex)
    ex.add_argument("--subject", required=True, metavar="KIND:ID", help="for example contact:c1")
    no_plugins(ex)
    ex.set_defaults(run=_cmd_explain)

    ws = commands.add_parser(
        "workspace",
        help="show a user's sales workspace",
        description="Show the sales workspace of one user: tasks, sequences, schedule, "
        "insights, feed and guided actions.",
    )
    snapshot_args(ws)
    fmt(ws)
    no_plugins(ws)
    ws.set_defaults(run=_cmd_workspace)

    rules = commands.add_parser(
        "rules", help="list the rules", description="The rule catalogue, plugins included."
    )
    fmt(rules)
    no_plugins(rules)
    rules.set_defaults(run=_cmd_rules)

    gen = commands.add_parser(
        "generate",
        help="write a synthetic CRM snapshot",
        description="Write a deterministic synthetic CRM as compact interchange JSON: the same "
        "arguments always give the same bytes.",
    )
    gen.add_argument("--users", type=_count(1), required=True, metavar="N", help="sales reps")
    gen.add_argument(
        "--contacts-per-user",
        type=_count(0),
        required=True,
        metavar="M",
        help="contacts in each rep's book",
    )
    gen.add_argument("--seed", type=_seed, default=0, metavar="S", help="random seed (default 0)")
    gen.add_argument(
        "--now", required=True, metavar="ISO", help="the instant the data is spread around"
    )
    gen.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the file to write, or - for stdout"
    )
    gen.set_defaults(run=_cmd_generate)
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

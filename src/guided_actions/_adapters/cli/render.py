"""The text tables of guided actions and of the workspace: what ``--format table`` looks like.

Every table is a list of lines, printed by :func:`~.terminal.write_lines`, which makes each one
safe for the terminal: a newline or an escape sequence in the data is shown, escaped, inside its
line. Lines fit in :data:`WIDTH` columns; instants are shown in the local time of the user
evaluated.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from guided_actions._adapters.cli.terminal import safe_text
from guided_actions._engine.actions import CATEGORIES, Action, Result
from guided_actions._model.records import User
from guided_actions._plugins.loader import RuleSet
from guided_actions._snapshot.snapshot import Snapshot
from guided_actions._workspace.summary import Summary

__all__ = [
    "WIDTH",
    "all_table",
    "local",
    "table",
    "workspace_table",
    "wrap",
]

#: The widest line of a table.
WIDTH = 100


def local(instant: datetime, zone: ZoneInfo) -> str:
    """``instant`` in ``zone`` as ``2025-05-14 09:30 CEST``."""
    shown = instant.astimezone(zone)
    return f"{shown:%Y-%m-%d %H:%M} {shown.tzname()}"


def wrap(text: str, first: str, rest: str) -> list[str]:
    """``text`` wrapped to :data:`WIDTH`, after ``first`` on its first line, ``rest`` after.

    ``text`` is made safe first, so that a newline or a tab in it is shown (``textwrap`` would
    turn it into a space) and the escapes count in the width.
    """
    return textwrap.wrap(
        safe_text(text),
        width=WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]


def _heading(title: str, underline: str) -> list[str]:
    return ["", title, underline * len(title)]


# -- guided actions -------------------------------------------------------------------------


def _action_block(action: Action, zone: ZoneInfo) -> list[str]:
    head = f"[{action.priority}] {action.title}"
    lines = [f"  {head}  {action.rule.rjust(WIDTH - 4 - len(head))}"]
    subjects = ", ".join(f"{kind}:{rid}" for kind, rid in action.subjects)
    lines.extend(wrap(subjects, "      about    ", " " * 15))
    expires = local(action.expires_at, zone) if action.expires_at else "no time limit"
    lines.append(f"      created  {local(action.created_at, zone)}    expires  {expires}")
    for i, reason in enumerate(action.reasons):
        label = "because  " if i == 0 else " " * 9
        lines.extend(wrap(reason, f"      {label}- ", " " * 17))
    return lines


def _seen_by(user: User, viewer: User | None) -> str:
    return f", as seen by {viewer.id}" if viewer is not None and viewer.id != user.id else ""


def _header(user: User, now: datetime, result: Result, viewer: User | None) -> str:
    count = len(result)
    return (
        f"{count} guided action{'s' if count != 1 else ''} for {user.id}{_seen_by(user, viewer)} "
        f"at {local(now, user.zone)} ({user.timezone})"
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


def table(user: User, now: datetime, result: Result, viewer: User | None) -> list[str]:
    """One user's actions at ``now``, as ``viewer`` (if another user) sees them."""
    return [_header(user, now, result, viewer), *_actions_body(result, user.zone)]


def all_table(now: datetime, results: Mapping[str, Result], ruleset: RuleSet) -> list[str]:
    """Every user's number of actions, by rule in the order of ``ruleset`` (``evaluate --all``)."""
    total = sum(len(r) for r in results.values())
    users = len(results)
    lines = [
        f"{total} guided action{'s' if total != 1 else ''} for {users} "
        f"user{'s' if users != 1 else ''} at {local(now, ZoneInfo('UTC'))}"
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
    return lines


# -- workspace ------------------------------------------------------------------------------


def _task_lines(snapshot: Snapshot, ids: Sequence[str], zone: ZoneInfo, indent: str) -> list[str]:
    lines = []
    for tid in ids:
        task = snapshot.task(tid)
        assert task is not None
        due = local(task.due_at, zone) if task.due_at is not None else "no due date".ljust(20)
        title = task.title or "(no title)"
        first = f"{indent}{due}  {task.priority:<6}  "
        lines.extend(wrap(f"{title}  [{tid}]", first, " " * len(first)))
    return lines


def workspace_table(snapshot: Snapshot, summary: Summary, viewer: User | None) -> list[str]:
    """The workspace: tasks, sequences, schedule, insights, feed, then the guided actions."""
    user = snapshot.user(summary.user_id)
    assert user is not None
    zone = user.zone
    lines = [
        f"Workspace of {user.id}{_seen_by(user, viewer)} at {local(summary.now, zone)} "
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
        lines.extend(wrap(f"{title}  [{entry['meeting_id']}]", first, " " * len(first)))

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
        first = f"  {local(item.at, zone)}  {item.kind:<16}  "
        lines.extend(wrap(item.text, first, " " * len(first)))

    result = summary.result
    lines.extend(_heading(f"Guided actions ({len(result)})", "="))
    lines.extend(_actions_body(result, zone, "-") or ["", "  none"])
    return lines

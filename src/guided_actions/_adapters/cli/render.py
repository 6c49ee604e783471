"""The text tables of guided actions and of the workspace: what ``--format table`` looks like.

Every table is a list of lines, printed by :func:`~.terminal.write_lines`, which makes each one
safe for the terminal: a newline or an escape sequence in the data is shown, escaped, inside its
line. Lines fit in the width of the run (:func:`width`: :data:`WIDTH` columns on a pipe, the
terminal's on a screen, see :mod:`.display`); a line may hold styled pieces
(:class:`~.terminal.Styled`: headings in bold, priorities and statuses in colour, labels dimmed),
drawn in colour only when the run has colour, the same text otherwise. Instants are shown in the
local time of the user evaluated. The tables are in the language of the run (:mod:`.language`):
their own words, dates (French ``14 mai 2025 09:30 CEST``) and plurals, and the library's
texts (titles, reasons, categories, the feed's) as its API gives them in that language; ids
and the data's own values (titles of tasks and meetings, addresses) are shown as they are.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from guided_actions._adapters.cli.diagnostics import failure_text
from guided_actions._adapters.cli.display import PLAIN_WIDTH, display
from guided_actions._adapters.cli.language import _, language, local_time, ngettext, pgettext
from guided_actions._adapters.cli.terminal import Line, safe_text, styled
from guided_actions._engine.actions import CATEGORIES, CATEGORY_LABELS, Action, Result
from guided_actions._model.records import User
from guided_actions._plugins.loader import RuleSet
from guided_actions._snapshot.snapshot import Snapshot
from guided_actions._text.i18n import translate
from guided_actions._workspace.summary import Summary
from guided_actions.typing import Category

__all__ = [
    "WIDTH",
    "HEADING",
    "LABEL",
    "PRIORITY_STYLES",
    "all_table",
    "category_label",
    "fit",
    "labelled",
    "local",
    "table",
    "width",
    "workspace_table",
    "wrap",
]

#: The widest line of a table on a pipe (:data:`~.display.PLAIN_WIDTH`).
WIDTH = PLAIN_WIDTH
#: The styles of the tables, in rich's words: a heading, a label, an id.
HEADING = "bold cyan"
LABEL = "dim"
ID = "dim"
#: An action's priority, as its colour.
PRIORITY_STYLES = {"high": "bold red", "normal": "yellow", "low": "green"}


def width() -> int:
    """The widest line of a table in this run: :data:`WIDTH` on a pipe, the terminal's width on
    a screen."""
    return display().width


# The words of a column, each in a context of its own (a word reads differently elsewhere), written
# out so that the extractor finds them.


def _priority_words() -> dict[str, str]:
    """An action's priority, as its card shows it in brackets."""
    return {
        "high": pgettext("priority", "high"),
        "normal": pgettext("priority", "normal"),
        "low": pgettext("priority", "low"),
    }


def _task_priority_words() -> dict[str, str]:
    """A task's priority, as the task lists show it."""
    return {
        "none": pgettext("task priority", "none"),
        "low": pgettext("task priority", "low"),
        "medium": pgettext("task priority", "medium"),
        "high": pgettext("task priority", "high"),
    }


def _feed_kinds() -> dict[str, str]:
    """The kinds of the feed's entries."""
    return {
        "email": pgettext("feed", "email"),
        "call": pgettext("feed", "call"),
        "meeting": pgettext("feed", "meeting"),
        "task": pgettext("feed", "task"),
        "engagement_event": pgettext("feed", "engagement_event"),
    }


def local(instant: datetime, zone: ZoneInfo) -> str:
    """``instant`` in ``zone`` as ``2025-05-14 09:30 CEST`` (French ``14 mai 2025 09:30
    CEST``)."""
    return local_time(instant, zone)


def wrap(text: str, first: str, rest: str) -> list[str]:
    """``text`` wrapped to :func:`width`, after ``first`` on its first line, ``rest`` after.

    ``text`` is made safe first, so that a newline or a tab in it is shown (``textwrap`` would
    turn it into a space) and the escapes count in the width. On a pipe a word longer than the
    line stays whole, as it always has; on a screen it is broken, so that no line overflows.
    """
    return textwrap.wrap(
        safe_text(text),
        width=width(),
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=display().screen,
        break_on_hyphens=False,
    ) or [first.rstrip()]


def fit(text: str, first: str = "", rest: str = "  ") -> list[str]:
    """A line that a pipe shows whole, as it always has (``first`` then ``text``, made safe),
    wrapped like :func:`wrap` on a screen."""
    if display().screen:
        return wrap(text, first, rest)
    return [first + safe_text(text)]


def labelled(text: str, first: str, rest: str, style: str = LABEL) -> list[Line]:
    """:func:`wrap`, with ``first`` (the label) in ``style`` on the first line."""
    lines: list[Line] = list(wrap(text, first, rest))
    head = str(lines[0])
    if head.startswith(first):
        lines[0] = styled((first, style), head[len(first) :])
    return lines


def _heading(title: str, underline: str) -> list[Line]:
    return ["", styled((title, HEADING)), styled((underline * len(title), HEADING))]


def _labels(words: Sequence[str]) -> list[str]:
    """Labels of a column, each padded to the widest, so that what follows them lines up."""
    width = max((len(word) for word in words), default=0)
    return [word.ljust(width) for word in words]


def _column(words: Mapping[str, str]) -> dict[str, str]:
    """``words``, each padded to the widest."""
    return dict(zip(words, _labels(list(words.values())), strict=True))


def category_label(category: Category) -> str:
    """A category as a reader is shown it (the library's label: English ``Deal``)."""
    return translate(language(), CATEGORY_LABELS[category], "category")


# -- guided actions -------------------------------------------------------------------------


def _action_block(action: Action, zone: ZoneInfo, labels: Sequence[str]) -> list[Line]:
    about, created, expires_label, because = labels
    lang = language()
    wide = width()
    priority = f"[{_priority_words()[action.priority]}]"
    title = safe_text(action.localized_title(lang))
    rule = safe_text(action.rule)
    head = f"{priority} {title}"
    tag = (priority, PRIORITY_STYLES.get(action.priority, ""))
    lines: list[Line]
    if 4 + len(head) + len(rule) <= wide:
        lines = [
            styled("  ", tag, " ", (title, "bold"), "  ", (rule.rjust(wide - 4 - len(head)), ID))
        ]
    else:  # a long title: the rule on a line of its own
        lines = [styled("  ", tag, " ", (title, "bold")), styled((rule.rjust(wide), ID))]
    subjects = ", ".join(f"{kind}:{rid}" for kind, rid in action.subjects)
    lines.extend(labelled(subjects, f"      {about}  ", " " * (6 + len(about) + 2)))
    expires = local(action.expires_at, zone) if action.expires_at else _("no time limit")
    start = ("      ", (created, LABEL), "  ", local(action.created_at, zone))
    end = ((expires_label, LABEL), "  ", expires)
    window = styled(*start, "    ", *end)
    if len(window) <= wide:
        lines.append(window)
    else:  # a narrow terminal: the time limit on a line of its own
        lines.extend([styled(*start), styled("      ", *end)])
    for i, reason in enumerate(action.localized_reasons(lang)):
        label = because if i == 0 else " " * len(because)
        lines.extend(labelled(reason, f"      {label}  - ", " " * (6 + len(because) + 4)))
    return lines


def _block_labels() -> list[str]:
    """The labels of an action's lines: about, created, expires, because; the first, second and
    fourth padded to the same width, so that what follows them lines up."""
    about, created, because = _labels([_("about"), _("created"), _("because")])
    return [about, created, _("expires"), because]


def _seen_by(user: User, viewer: User | None) -> str:
    if viewer is None or viewer.id == user.id:
        return ""
    return _(", as seen by {viewer}").format(viewer=viewer.id)


def _header(user: User, now: datetime, result: Result, viewer: User | None) -> str:
    count = len(result)
    return ngettext(
        "{count} guided action for {user}{seen_by} at {now} ({zone})",
        "{count} guided actions for {user}{seen_by} at {now} ({zone})",
        count,
    ).format(
        count=count,
        user=user.id,
        seen_by=_seen_by(user, viewer),
        now=local(now, user.zone),
        zone=user.timezone,
    )


def _actions_body(result: Result, zone: ZoneInfo, underline: str = "=") -> list[Line]:
    """The actions by category, then the rules that failed (each naming its plugin)."""
    lines: list[Line] = []
    labels = _block_labels()
    for category in CATEGORIES:
        actions = [a for a in result if a.category == category]
        if not actions:
            continue
        heading = f"{category_label(category)} ({len(actions)})"
        lines.extend(_heading(heading, underline))
        for i, action in enumerate(actions):
            if i:
                lines.append("")
            lines.extend(_action_block(action, zone, labels))
    if result.errors:
        lines.extend(["", styled((_("Rules that failed:"), "bold red"))])
        for failure in result.errors:
            lines.extend(fit(failure_text(failure), "  - ", "    "))
    return lines


def table(user: User, now: datetime, result: Result, viewer: User | None) -> list[Line]:
    """One user's actions at ``now``, as ``viewer`` (if another user) sees them."""
    return [*_title(_header(user, now, result, viewer)), *_actions_body(result, user.zone)]


def _title(text: str) -> list[Line]:
    """The first line of a table, in bold, wrapped to the width."""
    return [styled((line, "bold")) for line in fit(text)]


def all_table(now: datetime, results: Mapping[str, Result], ruleset: RuleSet) -> list[Line]:
    """Every user's number of actions, by rule in the order of ``ruleset`` (``evaluate --all``)."""
    total = sum(len(r) for r in results.values())
    users = len(results)
    lines: list[Line] = _title(
        ngettext(
            "{count} guided action for {users} at {now}",
            "{count} guided actions for {users} at {now}",
            total,
        ).format(
            count=total,
            users=ngettext("{count} user", "{count} users", users).format(count=users),
            now=local(now, ZoneInfo("UTC")),
        )
    )
    order = {rule.id: i for i, rule in enumerate(ruleset)}
    for user_id, result in results.items():
        count = len(result)
        lines.append("")
        lines.extend(
            styled((line, HEADING))
            for line in fit(
                ngettext("{user}: {count} action", "{user}: {count} actions", count).format(
                    user=user_id, count=count
                )
            )
        )
        by_rule = Counter(a.rule for a in result)
        width = max((len(rule) for rule in by_rule), default=0)
        for rule, n in sorted(
            by_rule.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])
        ):
            lines.append(f"  {rule.ljust(width)}  {n:>5}")
        for failure in result.errors:
            lines.extend(
                fit(_("failed: {failure}").format(failure=failure_text(failure)), "  ", "    ")
            )
    return lines


# -- workspace ------------------------------------------------------------------------------


def _task_lines(snapshot: Snapshot, ids: Sequence[str], zone: ZoneInfo, indent: str) -> list[str]:
    lines = []
    priorities = _column(_task_priority_words())
    tasks = []
    for tid in ids:
        task = snapshot.task(tid)
        assert task is not None
        tasks.append(task)
    # The due dates as a column, as wide as the widest (French dates vary in length).
    dues = _labels(
        [local(t.due_at, zone) if t.due_at is not None else _("no due date") for t in tasks]
    )
    for task, due in zip(tasks, dues, strict=True):
        title = task.title or _("(no title)")
        first = f"{indent}{due}  {priorities[task.priority]}  "
        lines.extend(wrap(f"{title}  [{task.id}]", first, " " * len(first)))
    return lines


def _schedule_lines(schedule: Sequence[Mapping[str, Any]], zone: ZoneInfo) -> list[str]:
    lines = []
    for entry in schedule:
        start = datetime.fromisoformat(entry["start"]).astimezone(zone)
        end = datetime.fromisoformat(entry["end"]).astimezone(zone)
        when = f"{start:%H:%M}-{end:%H:%M} {start.tzname()}"
        title = entry["title"] or _("(no title)")
        first = f"  {when}  "
        lines.extend(wrap(f"{title}  [{entry['meeting_id']}]", first, " " * len(first)))
    return lines


def workspace_table(snapshot: Snapshot, summary: Summary, viewer: User | None) -> list[Line]:
    """The workspace: tasks, sequences, schedule, insights, feed, then the guided actions."""
    user = snapshot.user(summary.user_id)
    assert user is not None
    zone = user.zone
    lang = language()
    lines: list[Line] = _title(
        _("Workspace of {user}{seen_by} at {now} ({zone})").format(
            user=user.id,
            seen_by=_seen_by(user, viewer),
            now=local(summary.now, zone),
            zone=user.timezone,
        )
    )

    def counted(label: str, count: int) -> str:
        return f"{label} ({count})"

    lines.extend(_heading(_("Tasks"), "="))
    for label, ids in (
        (_("Due today"), summary.due_today),
        (_("Overdue"), summary.overdue),
        (_("Due tomorrow"), summary.due_tomorrow),
    ):
        lines.extend(["", styled((counted(label, len(ids)), "bold"))])
        lines.extend(_task_lines(snapshot, ids, zone, "  ") or ["  " + pgettext("no task", "none")])

    lines.extend(_heading(counted(_("Sequences"), len(summary.sequences)), "="))
    if not summary.sequences:
        lines.append("  " + pgettext("no sequence", "none"))
    for card in summary.sequences:
        count = len(card.task_ids)
        name = card.name or card.sequence_id
        tasks = ngettext("{count} open task", "{count} open tasks", count).format(count=count)
        lines.extend(fit(f"{name}  [{card.sequence_id}]  {tasks}", "  ", "    "))
        stepped: set[str] = set()
        for step, ids in card.steps:
            lines.append("    " + counted(_("Step {step}").format(step=step), len(ids)))
            lines.extend(_task_lines(snapshot, ids, zone, "      "))
            stepped.update(ids)
        loose = [tid for tid in card.task_ids if tid not in stepped]
        if loose:
            lines.append("    " + counted(_("No step"), len(loose)))
            lines.extend(_task_lines(snapshot, loose, zone, "      "))

    # The schedule as the library writes it in this language (a private meeting's "Busy").
    schedule = summary.to_dict(lang)["schedule"] if summary.schedule else []
    lines.extend(_heading(counted(_("Schedule"), len(schedule)), "="))
    if not schedule:
        lines.append("  " + _("no meeting today"))
    lines.extend(_schedule_lines(schedule, zone))

    lines.extend(_heading(_("Insights"), "="))
    insights = (
        (_("meetings today"), summary.meetings_today),
        (_("tasks due today"), summary.due_today),
        (_("overdue tasks"), summary.overdue),
        (_("tasks completed today"), summary.tasks_completed_today),
    )
    width = max(22, *(len(label) for label, _ids in insights))
    for label, ids in insights:
        lines.append(f"  {label.ljust(width)} {len(ids):>4}")

    lines.extend(_heading(counted(_("Feed"), len(summary.feed)), "="))
    if not summary.feed:
        lines.append("  " + _("no recent activity"))
    kinds = _feed_kinds()
    kind_width = max(len(k) for k in kinds.values())
    times = _labels([local(item.at, zone) for item in summary.feed])
    for item, at in zip(summary.feed, times, strict=True):
        kind = kinds.get(item.kind, item.kind)
        first = f"  {at}  {kind:<{kind_width}}  "
        lines.extend(wrap(item.localized_text(lang), first, " " * len(first)))

    result = summary.result
    lines.extend(_heading(counted(_("Guided actions"), len(result)), "="))
    lines.extend(_actions_body(result, zone, "-") or ["", "  " + pgettext("no action", "none")])
    return lines

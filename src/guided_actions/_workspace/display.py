"""How the workspace summary shows in a notebook (``_repr_html_``) and in a repr.

The same bricks as the engine's display (:mod:`guided_actions._engine.display`): the task views
and insights as counts with their ids folded, today's schedule, the sequence cards, the feed
folded, then the guided actions' table. Every text from the data is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from guided_actions._engine.display import HTML_ITEMS, HTML_ROWS, actions_table
from guided_actions._model.time import utc_iso
from guided_actions._text.html import (
    Markup,
    block,
    details,
    element,
    instant,
    join,
    more,
    plural,
    table,
    text,
)
from guided_actions.errors import short_repr

if TYPE_CHECKING:
    from guided_actions._workspace.summary import Summary

__all__ = ["summary_html", "summary_repr"]

_ID = 40


def _ids(ids: Sequence[str]) -> Markup:
    return details(plural(len(ids), "id"), ids, HTML_ITEMS, "id") if ids else text("")


def _who(summary: Summary) -> list[object]:
    who: list[object] = [" of user ", element("code", summary.user_id)]
    if summary.viewer_id != summary.user_id:
        who += [" viewed by ", element("code", summary.viewer_id)]
    return who


def summary_html(summary: Summary) -> str:
    """A workspace: counts with their ids, the schedule, the sequences, the feed, the actions."""
    views = [
        ("tasks due today", summary.due_today),
        ("overdue tasks", summary.overdue),
        ("tasks due tomorrow", summary.due_tomorrow),
        ("meetings today", summary.meetings_today),
        ("tasks completed today", summary.tasks_completed_today),
    ]
    parts: list[object] = [
        element(
            "p",
            element("strong", "Workspace"),
            *_who(summary),
            " at ",
            instant(summary.now),
        ),
        table(("", "count", "ids"), ([name, len(ids), _ids(ids)] for name, ids in views)),
    ]
    if summary.schedule:
        parts.append(element("p", element("strong", "Schedule")))
        parts.append(
            table(
                ("start (UTC)", "end (UTC)", "meeting", "title"),
                (
                    [
                        entry.get("start", ""),
                        entry.get("end", ""),
                        entry.get("meeting_id", ""),
                        entry.get("title") or "",
                    ]
                    for entry in summary.schedule[:HTML_ROWS]
                ),
            )
        )
        if len(summary.schedule) > HTML_ROWS:
            parts.append(more(len(summary.schedule) - HTML_ROWS, "meeting"))
    if summary.sequences:
        parts.append(element("p", element("strong", "Sequences")))
        parts.append(
            table(
                ("sequence", "steps", "tasks"),
                (
                    [
                        card.name or card.sequence_id,
                        ", ".join(f"step {step}: {len(ids)}" for step, ids in card.steps),
                        _ids(card.task_ids),
                    ]
                    for card in summary.sequences[:HTML_ROWS]
                ),
            )
        )
        if len(summary.sequences) > HTML_ROWS:
            parts.append(more(len(summary.sequences) - HTML_ROWS, "sequence"))
    if summary.feed:
        entries = [
            join([instant(entry.at), " ", entry.kind, ": ", entry.text]) for entry in summary.feed
        ]
        parts.append(
            details(
                plural(len(entries), "feed entry", "feed entries"),
                entries,
                HTML_ITEMS,
                "entry",
                "entries",
            )
        )
    parts.append(
        element(
            "p", element("strong", "Guided actions"), f": {plural(len(summary.actions), 'action')}"
        )
    )
    if summary.actions:
        parts.append(actions_table(summary.actions))
    return str(block(*parts))


def summary_repr(summary: Summary) -> str:
    """``<Summary of user 'u1' at 2025-…: 3 tasks due today, 1 overdue, …, 21 actions>``."""
    viewer = (
        f" viewed by {short_repr(summary.viewer_id, _ID)}"
        if summary.viewer_id != summary.user_id
        else ""
    )
    return (
        f"<Summary of user {short_repr(summary.user_id, _ID)}{viewer} at {utc_iso(summary.now)}:"
        f" {plural(len(summary.due_today), 'task')} due today, {len(summary.overdue):,} overdue,"
        f" {len(summary.due_tomorrow):,} due tomorrow,"
        f" {plural(len(summary.meetings_today), 'meeting')} today,"
        f" {plural(len(summary.actions), 'action')}>"
    )

"""How actions, results and explanations show in a notebook (``_repr_html_``) and in a repr.

The HTML is compact: one row per action (or per rule, or per user), the long parts folded in
``<details>`` (the reasons, the checks, a card's subjects), at most :data:`HTML_ROWS` rows and
:data:`HTML_ITEMS` folded items, then a line saying how many more. Every text from the data is
escaped (:mod:`guided_actions._text.html`). A ``repr`` is one line that counts rather than
lists, so it stays short whatever the size: under :data:`REPR_LIMIT` characters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, get_args

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
from guided_actions._text.render import render_check
from guided_actions.errors import short_repr
from guided_actions.typing import Category, Subject

if TYPE_CHECKING:
    from guided_actions._engine.actions import Action, Result
    from guided_actions._engine.explain import Explanation

__all__ = [
    "HTML_ITEMS",
    "HTML_ROWS",
    "REPR_LIMIT",
    "action_html",
    "action_repr",
    "actions_table",
    "explanation_html",
    "explanation_repr",
    "result_html",
    "result_repr",
    "results_html",
    "tally",
]

#: The most rows a table shows (actions, rules, users); the others are counted.
HTML_ROWS = 50
#: The most items a folded list shows (reasons, checks, subjects); the others are counted.
HTML_ITEMS = 20
#: Every repr is shorter than this, whatever the size of what it shows.
REPR_LIMIT = 1_000

#: The bounds of what a repr quotes from the data: an id, a key, a title.
_ID = 40
_KEY = 60
_TITLE = 60

_ACTION_HEADER = (
    "#",
    "action",
    "about",
    "created (UTC)",
    "expires (UTC)",
    "priority",
    "category",
    "reasons",
)


def tally(counts: Mapping[Any, int]) -> str:
    """``deal 2, general 1``: the non-zero counts, in the mapping's order."""
    return ", ".join(f"{name} {n:,}" for name, n in counts.items() if n)


def _subject(subject: Subject) -> str:
    kind, rid = subject
    return f"{kind} {rid}"


def _subjects(subjects: Sequence[Subject]) -> Markup:
    """One subject as ``kind id``; several folded under their count."""
    if len(subjects) == 1:
        return text(_subject(subjects[0]))
    return details(
        plural(len(subjects), "subject"), [_subject(s) for s in subjects], HTML_ITEMS, "subject"
    )


def _reasons(reasons: Sequence[str]) -> Markup:
    return details(plural(len(reasons), "reason"), reasons, HTML_ITEMS, "reason")


def _action_row(number: int, action: Action) -> list[object]:
    title = join(
        [
            element("span", action.title, title=action.key),
            element("div", element("small", action.rule)),
        ]
    )
    return [
        number,
        title,
        _subjects(action.subjects),
        instant(action.created_at),
        instant(action.expires_at, "no time limit"),
        action.priority,
        action.category,
        _reasons(action.reasons),
    ]


def actions_table(actions: Sequence[Action], limit: int = HTML_ROWS) -> Markup:
    """The table of ``actions``, one row each, at most ``limit``, then how many more."""
    shown = table(_ACTION_HEADER, (_action_row(i, a) for i, a in enumerate(actions[:limit], 1)))
    if len(actions) > limit:
        return join([shown, more(len(actions) - limit, "action")])
    return shown


def _heading(*parts: object) -> Markup:
    return element("p", *parts)


def result_html(result: Result) -> str:
    """A result: who and when, the counts by category, its actions and its failed rules."""
    counts = tally(result.count_by_category())
    parts: list[object] = [
        _heading(
            element("strong", "Result"),
            " for user ",
            element("code", result.user_id),
            " at ",
            instant(result.now),
            f": {plural(len(result), 'action')}",
            f" ({counts})" if counts else "",
        )
    ]
    if result.actions:
        parts.append(actions_table(result.actions))
    if result.errors:
        parts.append(
            details(
                plural(len(result.errors), "rule") + " failed",
                [str(failure) for failure in result.errors],
                HTML_ITEMS,
                "failure",
            )
        )
    return str(block(*parts))


def action_html(action: Action) -> str:
    """One action, a row per attribute; its reasons and a card's subjects folded."""
    rows: list[tuple[str, object]] = [
        ("title", action.title),
        ("rule", action.rule),
        ("key", element("code", action.key)),
        ("user", action.user_id),
        ("about", _subjects(action.subjects)),
        ("created (UTC)", instant(action.created_at)),
        ("expires (UTC)", instant(action.expires_at, "no time limit")),
        ("priority", action.priority),
        ("category", action.category),
        ("contacts", _ids(action.contact_ids, "contact")),
        ("companies", _ids(action.company_ids, "company")),
    ]
    if action.group is not None:
        rows.append(("group", f"{action.group} ({plural(len(action.members), 'member')})"))
    if action.calls_to_action:
        rows.append(("calls to action", ", ".join(c.label for c in action.calls_to_action)))
    rows.append(("reasons", _reasons(action.reasons)))
    return str(block(table(None, ([element("strong", k), v] for k, v in rows))))


def _ids(ids: Sequence[str], noun: str) -> Markup:
    """A few ids, comma-separated; more than three folded under their count."""
    if len(ids) <= 3:
        return text(", ".join(ids))
    return details(plural(len(ids), noun), ids, HTML_ITEMS, "id")


def _check(met: bool, line: str) -> Markup:
    return join(["✓ " if met else "✗ ", line])


def explanation_html(explanation: Explanation) -> str:
    """An explanation: a row per rule with its status and window, its checks folded."""
    kind, rid = explanation.subject
    statuses = tally(Counter(r.status for r in explanation.rules))
    rows = []
    for rule in explanation.rules[:HTML_ROWS]:
        unmet = len(rule.unmet)
        label = plural(len(rule.checks), "check") + (f", {unmet:,} unmet" if unmet else "")
        checks = [_check(c.met, render_check(c)) for c in rule.checks]
        title = element("span", rule.title, title=rule.key) if rule.key else text(rule.title)
        rows.append(
            [
                join([title, element("div", element("small", rule.rule))]),
                element("strong", rule.status),
                instant(rule.created_at),
                instant(rule.expires_at),
                details(label, checks, HTML_ITEMS, "check"),
            ]
        )
    parts: list[object] = [
        _heading(
            element("strong", "Explanation"),
            " of ",
            element("code", f"{kind} {rid}"),
            " for user ",
            element("code", explanation.user_id),
            " at ",
            instant(explanation.now),
            f": {plural(len(explanation), 'rule')}",
            f" ({statuses})" if statuses else "",
        ),
    ]
    if explanation.rules:
        parts.append(table(("rule", "status", "created (UTC)", "expires (UTC)", "checks"), rows))
    if len(explanation) > HTML_ROWS:
        parts.append(more(len(explanation) - HTML_ROWS, "rule"))
    return str(block(*parts))


def results_html(results: Mapping[str, Result]) -> str:
    """Every user's result: a row per user with the counts by category and the first action."""
    users = list(results.items())
    total = sum(len(r) for _, r in users)
    now = next((r.now for _, r in users), None)
    rows = []
    for user_id, result in users[:HTML_ROWS]:
        counts = result.count_by_category()
        first = result.actions[0].title if result.actions else ""
        failed = len(result.errors)
        rows.append([user_id, len(result), *counts.values(), failed or "", first])
    header = ("user", "actions", *get_args(Category), "failed rules", "first action")
    parts: list[object] = [
        _heading(
            element("strong", "Results"),
            *((" at ", instant(now)) if now is not None else ()),
            f": {plural(len(users), 'user')}, {plural(total, 'action')}",
        )
    ]
    if users:
        parts.append(table(header, rows))
    if len(users) > HTML_ROWS:
        parts.append(more(len(users) - HTML_ROWS, "user"))
    return str(block(*parts))


# -- repr ------------------------------------------------------------------------------------


def action_repr(action: Action) -> str:
    """``<Action 'key' 'Title' about deal 'd1' and 2 more, 2025-… until 2025-…>``."""
    kind, rid = action.subjects[0] if action.subjects else ("nothing", "")
    others = len(action.subjects) - 1
    about = f"{kind} {short_repr(rid, _ID)}" + (f" and {others:,} more" if others > 0 else "")
    until = utc_iso(action.expires_at) if action.expires_at else "no time limit"
    return (
        f"<Action {short_repr(action.key, _KEY)} {short_repr(action.title, _TITLE)}"
        f" about {about}, from {utc_iso(action.created_at)} until {until}>"
    )


def result_repr(result: Result) -> str:
    """``<Result for user 'u1' at 2025-…: 21 actions (deal 5, general 16)>``."""
    counts = tally(result.count_by_category())
    failed = f", {plural(len(result.errors), 'rule')} failed" if result.errors else ""
    return (
        f"<Result for user {short_repr(result.user_id, _ID)} at {utc_iso(result.now)}:"
        f" {plural(len(result), 'action')}{f' ({counts})' if counts else ''}{failed}>"
    )


def explanation_repr(explanation: Explanation) -> str:
    """``<Explanation of deal 'd1' for user 'u1' at 2025-…: 5 rules (active 1, unmet 4)>``."""
    kind, rid = explanation.subject
    statuses = tally(Counter(r.status for r in explanation.rules))
    return (
        f"<Explanation of {kind} {short_repr(rid, _ID)} for user"
        f" {short_repr(explanation.user_id, _ID)} at {utc_iso(explanation.now)}:"
        f" {plural(len(explanation), 'rule')}{f' ({statuses})' if statuses else ''}>"
    )

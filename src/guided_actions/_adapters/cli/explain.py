"""The ``explain`` sub-command: why one record has, or has not, an action of each rule.

:func:`run_explain` reads the inputs and prints :func:`guided_actions.explain`'s answer, as a table
(:func:`explanation_lines`) or, with ``--format json``, exactly ``Explanation.to_dict(locale)``,
in the language of the run.
"""

from __future__ import annotations

import argparse

from guided_actions._adapters.cli.language import _, language, utc_time
from guided_actions._adapters.cli.reading import (
    load_ruleset,
    load_settings,
    parse_now,
    parse_subject,
    read_snapshot,
)
from guided_actions._adapters.cli.render import ID, fit
from guided_actions._adapters.cli.terminal import Line, safe_text, styled, write_json, write_lines
from guided_actions._engine.explain import Explanation, explain
from guided_actions._text.i18n import translate
from guided_actions._text.render import UNNAMED, render_check

__all__ = ["STATUS_STYLES", "explanation_lines", "run_explain"]

#: A rule's status for the record, as its colour: an action (green), one to come (yellow), none
#: (red), one the rep put aside (dimmed).
STATUS_STYLES = {
    "active": "bold green",
    "pending": "yellow",
    "expired": "red",
    "unmet": "red",
    "dismissed": "dim",
    "snoozed": "dim",
}
#: A criterion, met or not.
MET, UNMET = ("[x]", "green"), ("[ ]", "red")


def run_explain(args: argparse.Namespace) -> int:
    """``guided-actions explain``: the status of every rule of the record's kind, and why."""
    subject = parse_subject(args.subject)
    now = parse_now(args.now)
    ruleset = load_ruleset(args)
    settings = load_settings(args, ruleset)
    snapshot = read_snapshot(args.snapshot, args.max_input_size)
    explanation = explain(
        snapshot, now, args.user, subject, viewer=args.viewer, config=settings, rules=ruleset
    )
    if args.format == "json":
        write_json(explanation.to_dict(language()))
    else:
        write_lines(explanation_lines(explanation))
    return 0


def explanation_lines(explanation: Explanation) -> list[Line]:
    """The explanation as lines of text, in the language of the run: one block per rule, each
    check marked met ``[x]`` or not. On a pipe, each is one line, as it always was; on a
    screen, a long one wraps under its text."""
    lang = language()
    kind, rid = explanation.subject
    head = _("{kind} {id}, for user {user} at {now}").format(
        kind=translate(lang, kind, "record kind"),
        id=rid,
        user=explanation.user_id,
        now=utc_time(explanation.now),
    )
    lines: list[Line] = [styled((line, "bold")) for line in fit(head)]
    if not explanation.rules:
        # "a contact", "an email": the renderer's words for a record of that kind.
        record = translate(lang, UNNAMED.get(kind, kind), "unnamed record")
        lines.append(_("No rule is about {record}.").format(record=record))
    for entry in explanation:
        lines.append("")
        title, rule = safe_text(entry.localized_title(lang)), safe_text(entry.rule)
        status = safe_text(entry.localized_status(lang))
        text = _("{title} [{rule}]: {status}").format(title=title, rule=rule, status=status)
        shown = fit(text)
        if len(shown) == 1 and shown[0] == text:  # in one line: in colour, piece by piece
            pieces = _pieces(
                text, {title: "bold", f"[{rule}]": ID, status: STATUS_STYLES.get(entry.status, "")}
            )
            lines.append(styled(*pieces))
        else:
            lines.extend(shown)
        if entry.created_at is not None:
            start = utc_time(entry.created_at)
            if entry.expires_at is not None:
                window = _("from {start} until {end}").format(
                    start=start, end=utc_time(entry.expires_at)
                )
            else:
                window = _("from {start} until no time limit").format(start=start)
            lines.append(f"  {window}")
        if entry.key is not None:
            lines.append("  " + _("key: {key}").format(key=entry.key))
        for c in entry.checks:
            mark, style = MET if c.met else UNMET
            shown = fit(render_check(c, lang), f"  {mark} ", "      ")
            lines.append(styled("  ", (mark, style), shown[0][len(mark) + 2 :]))
            lines.extend(shown[1:])
    return lines


def _pieces(text: str, styles: dict[str, str]) -> list[tuple[str, str]]:
    """``text`` cut into pieces: each of ``styles``' keys (first found, left to right) in its
    style, the rest without."""
    pieces: list[tuple[str, str]] = []
    rest = text
    for part, style in styles.items():
        at = rest.find(part) if part else -1
        if at < 0:
            continue
        pieces.extend([(rest[:at], ""), (part, style)])
        rest = rest[at + len(part) :]
    pieces.append((rest, ""))
    return [piece for piece in pieces if piece[0]]

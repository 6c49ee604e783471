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
from guided_actions._adapters.cli.terminal import write_json, write_lines
from guided_actions._engine.explain import Explanation, explain
from guided_actions._text.i18n import translate
from guided_actions._text.render import UNNAMED, render_check

__all__ = ["explanation_lines", "run_explain"]


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


def explanation_lines(explanation: Explanation) -> list[str]:
    """The explanation as lines of text, in the language of the run: one block per rule, each
    check marked met ``[x]`` or not."""
    lang = language()
    kind, rid = explanation.subject
    lines = [
        _("{kind} {id}, for user {user} at {now}").format(
            kind=translate(lang, kind, "record kind"),
            id=rid,
            user=explanation.user_id,
            now=utc_time(explanation.now),
        )
    ]
    if not explanation.rules:
        # "a contact", "an email": the renderer's words for a record of that kind.
        record = translate(lang, UNNAMED.get(kind, kind), "unnamed record")
        lines.append(_("No rule is about {record}.").format(record=record))
    for entry in explanation:
        lines.append("")
        lines.append(
            _("{title} [{rule}]: {status}").format(
                title=entry.localized_title(lang),
                rule=entry.rule,
                status=entry.localized_status(lang),
            )
        )
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
        lines.extend(f"  [{'x' if c.met else ' '}] {render_check(c, lang)}" for c in entry.checks)
    return lines

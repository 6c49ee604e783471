"""The ``explain`` sub-command: why one record has, or has not, an action of each rule.

:func:`run_explain` reads the inputs and prints :func:`guided_actions.explain`'s answer, as a table
(:func:`explanation_lines`) or, with ``--format json``, exactly ``Explanation.to_dict()``.
"""

from __future__ import annotations

import argparse

from guided_actions._adapters.cli.reading import (
    load_ruleset,
    parse_now,
    parse_subject,
    read_snapshot,
)
from guided_actions._adapters.cli.terminal import write_json, write_lines
from guided_actions._engine.explain import Explanation, explain
from guided_actions._model.time import utc_iso
from guided_actions._text.render import render_check

__all__ = ["explanation_lines", "run_explain"]


def run_explain(args: argparse.Namespace) -> int:
    """``guided-actions explain``: the status of every rule of the record's kind, and why."""
    subject = parse_subject(args.subject)
    now = parse_now(args.now)
    ruleset = load_ruleset(args)
    snapshot = read_snapshot(args.snapshot, args.max_input_size)
    explanation = explain(snapshot, now, args.user, subject, viewer=args.viewer, rules=ruleset)
    if args.format == "json":
        write_json(explanation.to_dict())
    else:
        write_lines(explanation_lines(explanation))
    return 0


def explanation_lines(explanation: Explanation) -> list[str]:
    """The explanation as lines of text: one block per rule, each check marked met ``[x]`` or
    not."""
    kind, rid = explanation.subject
    lines = [f"{kind} {rid}, for user {explanation.user_id} at {utc_iso(explanation.now)}"]
    if not explanation.rules:
        lines.append(f"No rule is about a {kind}.")
    for entry in explanation:
        lines.append("")
        lines.append(f"{entry.title} [{entry.rule}]: {entry.status}")
        if entry.created_at is not None:
            until = utc_iso(entry.expires_at) if entry.expires_at else "no time limit"
            lines.append(f"  from {utc_iso(entry.created_at)} until {until}")
        if entry.key is not None:
            lines.append(f"  key: {entry.key}")
        lines.extend(f"  [{'x' if c.met else ' '}] {render_check(c)}" for c in entry.checks)
    return lines

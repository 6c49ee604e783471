"""The inputs of the sub-commands, read and checked: a snapshot file (or standard input), the
rule set (plugins included), ``--now`` and ``--subject``.

Anything wrong with them raises :class:`~.diagnostics.CliError` with a message that says what to
fix; nothing here prints to standard output.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from guided_actions._adapters.cli.diagnostics import CliError
from guided_actions._adapters.cli.progress import Progress, megabytes, seconds
from guided_actions._engine.explain import parse_subject as engine_parse_subject
from guided_actions._model.time import is_aware, parse_instant
from guided_actions._plugins.loader import RuleSet, load_rules
from guided_actions._snapshot.snapshot import Snapshot
from guided_actions.errors import InvalidConfigError, InvalidSnapshotError, PluginError
from guided_actions.typing import Subject

__all__ = [
    "BIG_SNAPSHOT",
    "MAX_PROBLEMS",
    "load_ruleset",
    "parse_now",
    "parse_subject",
    "read_snapshot",
]

#: Snapshots at least this big (in bytes) report their loading on a terminal.
BIG_SNAPSHOT = 1_000_000
#: The snapshot problems listed in one error message; the rest are counted.
MAX_PROBLEMS = 20


def read_snapshot(source: str) -> Snapshot:
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
            progress.update(f"loading {name} ({megabytes(size)})...", force=True)
        snapshot = _load(source, name)
        if big:
            progress.finish(f"loaded {name} ({megabytes(size)}) in {seconds(start)}")
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


def load_ruleset(args: argparse.Namespace) -> RuleSet:
    """The built-in rules and, unless ``--no-plugins``, those of the installed plugins."""
    try:
        return load_rules(entry_points=not getattr(args, "no_plugins", False))
    except (PluginError, InvalidConfigError) as exc:
        message = " ".join(str(exc).split())
        raise CliError(
            f"cannot load the rule plugins: {message}. Run with --no-plugins to use the "
            "built-in rules only."
        ) from None


def parse_now(text: str | None) -> datetime:
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


def parse_subject(text: str) -> Subject:
    """``--subject KIND:ID``: the kind (case and spaces around it ignored) and the id, checked
    by the engine's :func:`~guided_actions._engine.explain.parse_subject`."""
    kind, sep, rid = text.partition(":")
    try:
        return engine_parse_subject(f"{kind.strip().lower()}:{rid}" if sep else text)
    except ValueError as exc:
        raise CliError(f"--subject: {exc}") from None

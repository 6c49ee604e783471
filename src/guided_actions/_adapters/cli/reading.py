"""The inputs of the sub-commands, read and checked: a snapshot file (or standard input), the
rule set (plugins included), ``--now`` and ``--subject``.

Anything wrong with them raises :class:`~.diagnostics.CliError` with a message that says what to
fix, in the language of the run; nothing here prints to standard output.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import stat
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, TextIO

from guided_actions._adapters.cli.diagnostics import CliError
from guided_actions._adapters.cli.language import _, ngettext, number
from guided_actions._adapters.cli.progress import Progress, megabytes, seconds
from guided_actions._adapters.frames.parquet import read_parquet
from guided_actions._engine.explain import parse_subject as engine_parse_subject
from guided_actions._engine.settings import Settings
from guided_actions._engine.tables import FRAMES_INSTALL
from guided_actions._model.time import is_aware, parse_instant
from guided_actions._plugins.loader import RuleSet, load_rules
from guided_actions._snapshot.snapshot import Snapshot, load_json
from guided_actions.errors import (
    MAX_LISTED_PROBLEMS,
    InvalidConfigError,
    InvalidSnapshotError,
    PluginError,
    problem_lines,
)
from guided_actions.typing import Subject

__all__ = [
    "BIG_SNAPSHOT",
    "MAX_INPUT_SIZE",
    "MAX_PROBLEMS",
    "MAX_SETTINGS_SIZE",
    "load_ruleset",
    "load_settings",
    "parse_now",
    "parse_subject",
    "read_snapshot",
    "size_text",
]

#: Snapshots at least this big (in bytes) report their loading on a terminal.
BIG_SNAPSHOT = 1_000_000
#: The snapshot problems listed in one error message; the rest are counted (the same number as
#: the text of an ``InvalidSnapshotError``).
MAX_PROBLEMS = MAX_LISTED_PROBLEMS
#: The largest snapshot read, in bytes, unless ``--max-input-size`` says otherwise: 4 GB, more
#: than twice the synthetic CRM of a million contacts (1,000 reps x 1,000 contacts, 1.6 GB).
MAX_INPUT_SIZE = 4_000_000_000
#: The largest settings file read, in bytes: far more than any organisation's settings.
MAX_SETTINGS_SIZE = 10_000_000
#: Input is read in chunks of this many bytes, never more than the limit and one byte.
_CHUNK = 1 << 20


def read_snapshot(source: str, max_size: int = MAX_INPUT_SIZE) -> Snapshot:
    """Load the snapshot at ``source`` (a path, or ``-`` for standard input), refusing input
    larger than ``max_size`` bytes (characters, for a standard input without bytes).

    On a terminal, a snapshot of at least :data:`BIG_SNAPSHOT` bytes shows its reading as a bar
    (the bytes read of the file's size; for standard input, whose size is unknown, the bytes
    read so far), then that it is being checked, then how long it all took. A directory that
    holds ``*.parquet`` files is read as Parquet files, one per list (``read_parquet``;
    ``max_size`` is for JSON text); one without is refused as a directory."""
    name = _stream_name(source)
    if source != "-" and os.path.isdir(source) and any(Path(source).glob("*.parquet")):
        return _read_directory(source)
    with Progress() as progress:
        start = time.monotonic()
        size = 0
        if source != "-":
            with contextlib.suppress(OSError):
                size = os.stat(source).st_size
        read = [0]

        def reading(count: int) -> None:
            read[0] = count
            if size >= BIG_SNAPSHOT:
                progress.update(
                    _("reading {file} ({size})").format(file=name, size=megabytes(size)),
                    done=count,
                    total=size,
                    force=count >= size,
                )
            elif count >= BIG_SNAPSHOT:  # standard input, or a file that grew
                progress.update(
                    _("reading {file}: {size}").format(file=name, size=megabytes(count))
                )

        def checking() -> None:
            if max(size, read[0]) >= BIG_SNAPSHOT:
                progress.update(
                    _("checking {file} ({size})...").format(
                        file=name, size=megabytes(max(size, read[0]))
                    ),
                    force=True,
                )

        snapshot = _load(source, name, max_size, reading, checking)
        if max(size, read[0]) >= BIG_SNAPSHOT:
            progress.finish(
                _("loaded {file} ({size}) in {time}").format(
                    file=name, size=megabytes(max(size, read[0])), time=seconds(start)
                )
            )
    return snapshot


def _read_directory(source: str) -> Snapshot:
    """A directory of Parquet files, one per list, as ``write_parquet`` and ``generate --format
    parquet`` write it; a big one shows that it is being read, then how long it took."""
    files = [p for p in Path(source).glob("*.parquet") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    with Progress() as progress:
        start = time.monotonic()
        if size >= BIG_SNAPSHOT:
            progress.update(
                _("checking {file} ({size})...").format(file=source, size=megabytes(size)),
                force=True,
            )
        try:
            snapshot = read_parquet(source)
        except ModuleNotFoundError as exc:
            if exc.name is None or exc.name.partition(".")[0] != "pyarrow":
                raise
            raise CliError(
                _("reading a directory of Parquet files needs pyarrow: {command}").format(
                    command=FRAMES_INSTALL
                )
            ) from None
        except OSError as exc:
            raise CliError(_cannot_read(source, exc)) from None
        except InvalidSnapshotError as exc:
            raise CliError(*_problems_message(source, exc)) from None
        if size >= BIG_SNAPSHOT:
            progress.finish(
                _("loaded {file} ({size}) in {time}").format(
                    file=source, size=megabytes(size), time=seconds(start)
                )
            )
    return snapshot


def _stream_name(source: str) -> str:
    """How a message names ``source``: the file, or standard input for ``-``."""
    return _("standard input") if source == "-" else source


def _too_big(name: str, max_size: int, size: int | None = None) -> CliError:
    what = name
    if size is not None:
        what = ngettext("{file} ({size} byte)", "{file} ({size} bytes)", size).format(
            file=name, size=number(size)
        )
    return CliError(
        _(
            "{what} is larger than {limit}, the most this command reads: if it is a snapshot "
            "all the same, raise the limit with --max-input-size (for example --max-input-size "
            "{raised})"
        ).format(
            what=what,
            limit=size_text(max_size),
            raised=size_text(max(2 * max_size, 1_000_000_000)),
        )
    )


def _read_binary(
    stream: BinaryIO, name: str, max_size: int, reading: Callable[[int], None] | None = None
) -> bytearray:
    """Everything ``stream`` holds, read in chunks, at most ``max_size`` bytes (else refused);
    ``reading`` is told the bytes read so far after each chunk."""
    data = bytearray()
    while True:
        chunk = stream.read(min(_CHUNK, max_size + 1 - len(data)))
        if not chunk:
            return data
        data += chunk
        if len(data) > max_size:
            raise _too_big(name, max_size)
        if reading is not None:
            reading(len(data))


def _read_text(stream: TextIO, name: str, max_size: int) -> str:
    """The same for a text stream without bytes underneath: ``max_size`` counts characters."""
    parts: list[str] = []
    count = 0
    while True:
        chunk = stream.read(min(_CHUNK, max_size + 1 - count))
        if not chunk:
            return "".join(parts)
        parts.append(chunk)
        count += len(chunk)
        if count > max_size:
            raise _too_big(name, max_size)


def _read(
    source: str, name: str, max_size: int, reading: Callable[[int], None] | None = None
) -> bytearray | str:
    if source == "-":
        stream = sys.stdin
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            return _read_binary(buffer, name, max_size, reading)
        return _read_text(stream, name, max_size)
    with Path(source).open("rb") as f:
        status = os.fstat(f.fileno())
        if stat.S_ISREG(status.st_mode) and status.st_size > max_size:
            raise _too_big(name, max_size, status.st_size)  # refused before reading a byte
        return _read_binary(f, name, max_size, reading)


def _load(
    source: str,
    name: str,
    max_size: int,
    reading: Callable[[int], None] | None = None,
    checking: Callable[[], None] | None = None,
) -> Snapshot:
    try:
        raw = _read(source, name, max_size, reading)
    except OSError as exc:
        raise CliError(_cannot_read(name, exc)) from None
    if isinstance(raw, bytearray):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CliError(_not_utf8(name, raw, exc)) from None
        del raw  # hold the text only, not the bytes as well
    else:
        text = raw
    if checking is not None:
        checking()
    try:
        # The library's strict reader: a key given twice in an object is a problem.
        return load_json(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            _("{file} is not valid JSON: {reason} at line {line}, column {column}").format(
                file=name, reason=exc.msg, line=exc.lineno, column=exc.colno
            )
        ) from None
    except RecursionError:
        raise CliError(_("{file} is not valid JSON: nested too deeply").format(file=name)) from None
    except InvalidSnapshotError as exc:
        raise CliError(*_problems_message(name, exc)) from None


def _cannot_read(name: str, exc: OSError) -> str:
    """Why ``name`` (a file, or ``--config FILE``) cannot be read."""
    if isinstance(exc, FileNotFoundError):
        return _("cannot read {file}: no such file").format(file=name)
    if isinstance(exc, IsADirectoryError):
        return _("cannot read {file}: it is a directory").format(file=name)
    return _("cannot read {file}: {reason}").format(file=name, reason=exc.strerror or exc)


def _not_utf8(name: str, raw: bytearray, exc: UnicodeDecodeError) -> str:
    return _("{file} is not UTF-8 text: byte {byte} at offset {offset} cannot be decoded").format(
        file=name, byte=f"0x{raw[exc.start]:02x}", offset=exc.start
    )


def _problems_message(name: str, exc: InvalidSnapshotError) -> list[str]:
    count = len(exc.problems)
    head = ngettext(
        "{file} is not a valid snapshot ({count} problem):",
        "{file} is not a valid snapshot ({count} problems):",
        count,
    ).format(file=name, count=count)
    # One line each: CliError prints each as a line of its own. The cap is the library's.
    return [head, *problem_lines(exc.problems, MAX_PROBLEMS)]


def size_text(size: int) -> str:
    """``size`` bytes in the largest unit that gives a whole number (``4GB``, ``512MiB``), else
    in bytes: what ``--max-input-size`` reads."""
    for unit, factor in (
        ("TB", 10**12),
        ("TiB", 1 << 40),
        ("GB", 10**9),
        ("GiB", 1 << 30),
        ("MB", 10**6),
        ("MiB", 1 << 20),
        ("KB", 10**3),
        ("KiB", 1 << 10),
    ):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return ngettext("{count} byte", "{count} bytes", size).format(count=size)


def load_ruleset(args: argparse.Namespace) -> RuleSet:
    """The built-in rules and, unless ``--no-plugins``, those of the installed plugins."""
    try:
        return load_rules(entry_points=not getattr(args, "no_plugins", False))
    except (PluginError, InvalidConfigError) as exc:
        message = " ".join(str(exc).split())
        raise CliError(
            _(
                "cannot load the rule plugins: {reason}. Run with --no-plugins to use the "
                "built-in rules only."
            ).format(reason=message)
        ) from None


def load_settings(args: argparse.Namespace, ruleset: RuleSet) -> Settings | None:
    """``--config FILE``: the settings of a TOML file, checked against the rule set (``None``
    without the option). The organisation's settings apply to the rule set's configuration, so
    what plugins adjusted stays unless the file changes it. Any problem is one line naming the
    file, the table and the setting."""
    source: str | None = getattr(args, "config", None)
    if source is None:
        return None
    name = f"--config {_stream_name(source)}"
    try:
        raw = _read(source, name, MAX_SETTINGS_SIZE)
    except OSError as exc:
        raise CliError(_cannot_read(name, exc)) from None
    except CliError:
        raise CliError(
            _("{file} is larger than {limit}: it is not a settings file").format(
                file=name, limit=size_text(MAX_SETTINGS_SIZE)
            )
        ) from None
    if isinstance(raw, bytearray):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CliError(_not_utf8(name, raw, exc)) from None
    else:
        text = raw
    try:
        settings = Settings.from_toml(text, base=ruleset.config)
        settings.check(ruleset)
    except InvalidConfigError as exc:
        raise CliError(f"{name}: {' '.join(str(exc).split())}") from None
    return settings


def parse_now(text: str | None) -> datetime:
    """``--now``: an aware ISO-8601 instant; the current time when absent."""
    if text is None:
        return datetime.now(UTC)
    try:
        value = parse_instant(text)
    except ValueError:
        raise CliError(
            _(
                "--now {text} is not an ISO-8601 instant (for example 2025-05-14T09:30+02:00)"
            ).format(text=repr(text))
        ) from None
    if not is_aware(value):
        raise CliError(
            _("--now {text} has no time zone: add an offset such as Z or +02:00").format(
                text=repr(text)
            )
        )
    return value


def parse_subject(text: str) -> Subject:
    """``--subject KIND:ID``: the kind (case and spaces around it ignored) and the id, checked
    by the engine's :func:`~guided_actions._engine.explain.parse_subject`."""
    kind, sep, rid = text.partition(":")
    try:
        return engine_parse_subject(f"{kind.strip().lower()}:{rid}" if sep else text)
    except ValueError as exc:
        raise CliError(f"--subject: {exc}") from None

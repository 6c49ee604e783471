"""What each sub-command does, one ``run_<command>(args)`` function each: read the inputs, call
the library, write the result in the format asked for. ``explain`` lives in :mod:`.explain`.

Each function returns the exit status (0) or raises :class:`~.diagnostics.CliError`. Tables,
JSON and CSV on standard output go out through :mod:`.terminal`; ``generate`` and ``evaluate``'s
``-o FILE`` write their files themselves, whole or not at all. Everything is
written in the language of the run (:mod:`.language`): the JSON's texts as the library's
``to_dicts(locale=...)`` and ``to_dict(locale=...)`` give them, its keys and ids unchanged.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from guided_actions._adapters.cli.catalogue import catalogue, catalogue_table
from guided_actions._adapters.cli.diagnostics import CliError, print_note, warn_failures
from guided_actions._adapters.cli.language import _, language, ngettext, number, pgettext
from guided_actions._adapters.cli.parsing import TABLE_FORMATS, build_parser
from guided_actions._adapters.cli.progress import Progress, seconds
from guided_actions._adapters.cli.reading import (
    load_ruleset,
    load_settings,
    parse_now,
    read_snapshot,
)
from guided_actions._adapters.cli.render import all_table, table, workspace_table
from guided_actions._adapters.cli.terminal import csv_lines, write_csv, write_json, write_lines
from guided_actions._adapters.demo import DEMO_NOW, demo_document
from guided_actions._adapters.frames.streaming import write_records
from guided_actions._engine import parallel
from guided_actions._engine.actions import Result
from guided_actions._engine.evaluate import evaluate, evaluate_all
from guided_actions._engine.settings import Settings, duration_text, show_value
from guided_actions._engine.tables import (
    ACTION_COLUMNS,
    FRAMES_INSTALL,
    action_rows,
    actions_table,
)
from guided_actions._model.document import SCHEMA
from guided_actions._model.time import utc_iso
from guided_actions._plugins.loader import RuleSet
from guided_actions._snapshot.snapshot import Snapshot
from guided_actions._text.render import format_duration
from guided_actions._workspace.summary import Summary, summarize
from guided_actions.synthetic import _LISTS, iter_generate
from guided_actions.typing import Category

__all__ = [
    "USERS_PER_STEP",
    "run_completion",
    "run_demo",
    "run_evaluate",
    "run_generate",
    "run_rules",
    "run_settings",
    "run_workspace",
]

#: Users evaluated between two progress reports of ``evaluate --all``.
USERS_PER_STEP = 5


# -- output in the format asked for ---------------------------------------------------------


def _print_result(
    args: argparse.Namespace, snapshot: Snapshot, now: datetime, result: Result
) -> None:
    if args.format == "json":
        write_json(result.to_dicts(language()))
        warn_failures(result)
        return
    user = snapshot.user(result.user_id)
    assert user is not None
    viewer = snapshot.user(args.viewer) if getattr(args, "viewer", None) else None
    write_lines(table(user, now, result, viewer))


def _print_workspace(args: argparse.Namespace, snapshot: Snapshot, summary: Summary) -> None:
    if args.format == "json":
        write_json(summary.to_dict(language()))
        warn_failures(summary.result)
        return
    write_lines(workspace_table(snapshot, summary, snapshot.user(summary.viewer_id)))


# -- demo -----------------------------------------------------------------------------------


def _export_summary(document: Mapping[str, Any], target: str) -> str:
    """``wrote the demo snapshot (94 records: 5 users, 12 contacts, …) to demo.json``: what the
    snapshot holds, list by list (the lists it has), and the file, in one line."""
    sizes = [(key, len(value)) for key, value in document.items() if isinstance(value, list)]
    records = sum(size for _key, size in sizes)
    return ngettext(
        "wrote the demo snapshot ({count} record: {lists}) to {file}",
        "wrote the demo snapshot ({count} records: {lists}) to {file}",
        records,
    ).format(
        count=number(records),
        lists=", ".join(f"{number(size)} {key}" for key, size in sizes if size),
        file=target,
    )


def run_demo(args: argparse.Namespace) -> int:
    """``guided-actions demo``: the demo snapshot at its own instant; with ``--export FILE``,
    the snapshot written to a file and a one-line summary instead (the table, or the JSON, when
    ``--format json`` or ``--workspace`` asks for it too)."""
    document = demo_document()
    if args.export is not None:
        try:
            text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
            Path(args.export).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise _cannot_write(args.export, exc) from None
        print_note(_export_summary(document, args.export))
        if not _asked_for_output(args):
            return 0
    snapshot = Snapshot.from_dict(document)
    ruleset = load_ruleset(args)
    settings = load_settings(args, ruleset)
    if args.workspace:
        summary = summarize(snapshot, DEMO_NOW, args.user, config=settings, rules=ruleset)
        _print_workspace(args, snapshot, summary)
        return 0
    result = evaluate(snapshot, DEMO_NOW, args.user, config=settings, rules=ruleset)
    _print_result(args, snapshot, DEMO_NOW, result)
    return 0


def _asked_for_output(args: argparse.Namespace) -> bool:
    """Whether ``demo --export`` was also asked for output: ``--format json`` or
    ``--workspace`` (the table of actions is left out)."""
    return bool(args.workspace or args.format != "table")


# -- completion -----------------------------------------------------------------------------


def run_completion(args: argparse.Namespace) -> int:
    """``guided-actions completion SHELL``: the shell's completion script, on standard output."""
    from guided_actions._adapters.cli.completion import completion_script  # only when asked

    write_lines(completion_script(build_parser(), args.shell))
    return 0


# -- evaluate -------------------------------------------------------------------------------


def _evaluate_all(
    snapshot: Snapshot,
    now: datetime,
    ruleset: RuleSet,
    settings: Settings | None,
    category: Category | None,
    workers: int = 1,
) -> dict[str, Result]:
    """Every user's result; with ``workers`` other than 1 (0: one per processor), evaluated in
    that many processes, the progress advancing as each run of users is done."""
    users = [u.id for u in snapshot.users()]
    results: dict[str, Result] = {}
    with Progress() as progress:
        start = time.monotonic()

        def report(done: int, total: int) -> None:
            progress.update(
                ngettext(
                    "evaluating: {done}/{count} user",
                    "evaluating: {done}/{count} users",
                    total,
                ).format(done=done, count=total),
                done=done,
                total=total,
            )

        if workers == 1:
            for first in range(0, len(users), USERS_PER_STEP):
                chunk = users[first : first + USERS_PER_STEP]
                results.update(
                    evaluate_all(snapshot, now, config=settings, rules=ruleset, users=chunk)
                )
                report(len(results), len(users))
        else:
            with parallel.reporting(report):
                results = evaluate_all(
                    snapshot, now, config=settings, rules=ruleset, workers=workers or None
                )
        progress.finish(
            ngettext(
                "evaluated {count} user in {time}", "evaluated {count} users in {time}", len(users)
            ).format(count=len(users), time=seconds(start))
        )
    if category is not None:
        results = {uid: r.filter(category=category) for uid, r in results.items()}
    return results


def _check_output(args: argparse.Namespace) -> None:
    """``-o`` goes with a table format; Parquet, binary, goes to a file."""
    if args.output is not None and args.format not in TABLE_FORMATS:
        raise CliError(_("-o applies to --format csv or parquet"))
    if args.format == "parquet" and args.output in (None, "-"):
        raise CliError(_("--format parquet writes a file: give -o FILE"))


def _csv_cell(value: object) -> str:
    """A value of the tidy table as a CSV cell: a text as it is, an instant in ISO 8601 UTC
    (``+00:00``, as ``--format json``), a list as a JSON array, null as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return utc_iso(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _csv_rows(results: Iterable[Result]) -> Iterator[list[str]]:
    """The header, then one row per action of each result, in order."""
    yield [name for name, _kind, _null in ACTION_COLUMNS]
    for result in results:
        for row in action_rows(result.actions, language()):
            yield [_csv_cell(value) for value in row]


def _write_table(args: argparse.Namespace, results: Sequence[Result]) -> None:
    """The tidy table of ``results``' actions, as CSV or Parquet, to ``-o``."""
    target = args.output
    count = sum(len(r) for r in results)
    try:
        if args.format == "csv" and target in (None, "-"):
            write_csv(_csv_rows(results))
            return
        if args.format == "csv":
            _write_file(Path(target), csv_lines(_csv_rows(results)))
        else:
            try:
                table = actions_table(
                    (a for r in results for a in r.actions), language(), "--format parquet"
                )
                parquet = importlib.import_module("pyarrow.parquet")
            except ModuleNotFoundError as exc:
                if exc.name is None or exc.name.partition(".")[0] != "pyarrow":
                    raise
                raise CliError(
                    _("--format parquet needs pyarrow: {command}").format(command=FRAMES_INSTALL)
                ) from None
            with _whole_file(Path(target), binary=True) as out:
                parquet.write_table(table, out)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    print_note(
        ngettext("wrote {count} action to {file}", "wrote {count} actions to {file}", count).format(
            count=count, file=target
        )
    )


def run_evaluate(args: argparse.Namespace) -> int:
    """``guided-actions evaluate``: one user's actions, or every user's with ``--all``."""
    if args.all and args.viewer is not None:
        raise CliError(_("--viewer applies to one user's actions: it cannot be used with --all"))
    if not args.all and args.workers != 1:
        raise CliError(_("--workers applies to every user's actions: use it with --all"))
    _check_output(args)
    now = parse_now(args.now)
    ruleset = load_ruleset(args)
    settings = load_settings(args, ruleset)
    snapshot = read_snapshot(args.snapshot, args.max_input_size)
    if args.all:
        results = _evaluate_all(snapshot, now, ruleset, settings, args.category, args.workers)
        if args.format in TABLE_FORMATS:
            _write_table(args, list(results.values()))
            for uid, r in results.items():
                warn_failures(r, uid)
        elif args.format == "json":
            write_json({uid: r.to_dicts(language()) for uid, r in results.items()})
            for uid, r in results.items():
                warn_failures(r, uid)
        else:
            write_lines(all_table(now, results, ruleset))
        return 0
    result = evaluate(snapshot, now, args.user, viewer=args.viewer, config=settings, rules=ruleset)
    if args.category is not None:
        result = result.filter(category=args.category)
    if args.format in TABLE_FORMATS:
        _write_table(args, [result])
        warn_failures(result)
        return 0
    _print_result(args, snapshot, now, result)
    return 0


# -- workspace ------------------------------------------------------------------------------


def run_workspace(args: argparse.Namespace) -> int:
    """``guided-actions workspace``: one user's sales workspace."""
    now = parse_now(args.now)
    ruleset = load_ruleset(args)
    settings = load_settings(args, ruleset)
    snapshot = read_snapshot(args.snapshot, args.max_input_size)
    summary = summarize(
        snapshot, now, args.user, viewer=args.viewer, config=settings, rules=ruleset
    )
    _print_workspace(args, snapshot, summary)
    return 0


# -- settings -------------------------------------------------------------------------------


def _json_value(value: object) -> object:
    """A setting's value in JSON: a duration as the text ``--config`` reads (``"7d"``)."""
    return duration_text(value) if isinstance(value, timedelta) else value


def _shown(path: str, value: object) -> str:
    """A setting's value in the table: a duration in the language of the run (``7 jours``),
    any other value as ``--config`` writes it."""
    if isinstance(value, timedelta):
        return format_duration(value, language())
    return show_value(path, value)


def run_settings(args: argparse.Namespace) -> int:
    """``guided-actions settings``: one user's effective settings, and the layer of each."""
    ruleset = load_ruleset(args)
    settings = load_settings(args, ruleset) or Settings(organisation=ruleset.config)
    snapshot = read_snapshot(args.snapshot, args.max_input_size)
    values = settings.effective(snapshot, args.user, rules=ruleset)
    layers = settings.provenance(snapshot, args.user, rules=ruleset)
    user = snapshot.user(args.user)
    assert user is not None  # effective() looked it up
    if args.format == "json":
        write_json(
            {
                "user_id": user.id,
                "team_ids": list(user.team_ids),
                "settings": [
                    {"setting": path, "value": _json_value(value), "layer": layers[path]}
                    for path, value in values.items()
                ],
            }
        )
        return 0
    teams = ", ".join(user.team_ids) or pgettext("no team", "none")
    rows = [(path, _shown(path, value), layers[path]) for path, value in values.items()]
    setting, value, layer = _("setting"), _("value"), _("layer")
    width = max(len(setting), *(len(path) for path, _value, _layer in rows))
    value_width = max(len(value), *(len(text) for _path, text, _layer in rows))
    lines = [_("Settings of {user} (teams: {teams})").format(user=user.id, teams=teams), ""]
    lines.append(f"{setting:<{width}}  {value:<{value_width}}  {layer}")
    lines.extend(f"{path:<{width}}  {text:<{value_width}}  {layer}" for path, text, layer in rows)
    write_lines(lines)
    return 0


# -- rules ----------------------------------------------------------------------------------


def run_rules(args: argparse.Namespace) -> int:
    """``guided-actions rules``: the rule catalogue, plugins included."""
    entries = catalogue(load_ruleset(args), language())
    if args.format == "json":
        write_json(entries)
    else:
        write_lines(catalogue_table(entries))
    return 0


# -- generate -------------------------------------------------------------------------------


def _counted(
    records_of: Iterator[tuple[str, dict[str, Any]]], progress: Progress, contacts: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The records of ``generate(...)`` as they are made; the progress bar counts the
    ``contacts`` made (each rep's book is made contact by contact)."""
    made = 0
    for records, (key, record) in enumerate(records_of, 1):
        made += key == "contacts"
        progress.update(
            ngettext("generating: {count} record", "generating: {count} records", records).format(
                count=records
            ),
            done=made,
            total=contacts,
        )
        yield key, record


def _generate_lists(
    records_of: Iterator[tuple[str, dict[str, Any]]], progress: Progress, contacts: int
) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """The records of ``generate(...)`` by list, and how many there are."""
    lists: dict[str, list[dict[str, Any]]] = {key: [] for key in _LISTS}
    records = 0
    for key, record in _counted(records_of, progress, contacts):
        lists[key].append(record)
        records += 1
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
            progress.update(
                ngettext(
                    "writing: {done}/{count} record", "writing: {done}/{count} records", records
                ).format(done=written, count=records),
                done=written,
                total=records,
            )
        yield "]"
    yield "}"


def run_generate(args: argparse.Namespace) -> int:
    """``guided-actions generate``: a deterministic synthetic CRM as compact interchange JSON,
    or with ``--format parquet`` as a directory of Parquet files.

    A file is written whole or not at all: the document goes to a temporary file beside it,
    which replaces the target only once complete (an error or Ctrl-C removes it). A Parquet
    directory likewise, written a rep's book at a time without holding the document.
    """
    if args.format == "parquet" and args.output == "-":
        raise CliError(_("--format parquet writes a directory: give -o DIR"))
    now = parse_now(args.now)
    try:
        records_of = iter_generate(
            users=args.users, contacts_per_user=args.contacts_per_user, seed=args.seed, now=now
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    target = _("standard output") if args.output == "-" else args.output
    with Progress() as progress:
        start = time.monotonic()
        contacts = args.users * args.contacts_per_user
        if args.format == "parquet":
            records = _generate_parquet(_counted(records_of, progress, contacts), args.output)
        else:
            lists, records = _generate_lists(records_of, progress, contacts)
            chunks = _document_chunks(lists, records, progress)
            try:
                if args.output == "-":
                    _write_chunks(sys.stdout, chunks)
                else:
                    _write_file(Path(args.output), chunks)
            except BrokenPipeError:
                raise
            except OSError as exc:
                raise _cannot_write(target, exc) from None
        progress.finish(
            ngettext(
                "wrote {count} record to {file} in {time}",
                "wrote {count} records to {file} in {time}",
                records,
            ).format(count=records, file=target, time=seconds(start))
        )
    return 0


def _generate_parquet(records_of: Iterator[tuple[str, dict[str, Any]]], target: str) -> int:
    """Stream the records into the Parquet directory ``target``; how many were written."""
    try:
        return write_records(records_of, target)
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.partition(".")[0] != "pyarrow":
            raise
        raise CliError(
            _("--format parquet needs pyarrow: {command}").format(command=FRAMES_INSTALL)
        ) from None
    except OSError as exc:
        raise _cannot_write(target, exc) from None


def _write_chunks(out: IO[str], chunks: Iterator[str]) -> None:
    buffer: list[str] = []
    for chunk in chunks:
        buffer.append(chunk)
        if len(buffer) >= 1000:
            out.write("".join(buffer))
            buffer.clear()
    out.write("".join(buffer))
    out.flush()


def _write_file(path: Path, chunks: Iterator[str]) -> None:
    """Write ``path`` whole or not at all, in UTF-8 (see :func:`_whole_file`)."""
    with _whole_file(path) as out:
        _write_chunks(out, chunks)


def _cannot_write(target: object, exc: OSError) -> CliError:
    """The one message of an output the program could not write."""
    return CliError(
        _("cannot write {file}: {reason}").format(file=target, reason=exc.strerror or exc)
    )


@contextlib.contextmanager
def _whole_file(path: Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """A file to write ``path`` whole or not at all: a temporary file beside it, which replaces
    ``path`` once the block ends, and is removed when it raises (an error or Ctrl-C)."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        if binary:
            with open(fd, "wb") as out:
                yield out
        else:
            with open(fd, "w", encoding="utf-8", newline="") as text:
                yield text
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise

"""The program's argument grammar: its sub-commands, their options and help, built with argparse.

:func:`build_parser` returns the parser, its help in the language of the run (see
:mod:`.language`; :func:`requested_locale` reads ``--locale`` before the parser exists); the parsed
namespace's ``command`` names the sub-command. Usage errors print the usage and one
``guided-actions: error:`` line, exit status 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import NoReturn

from guided_actions import __version__
from guided_actions._adapters.cli.diagnostics import PROG, error_line
from guided_actions._adapters.cli.display import COLOR_CHOICES
from guided_actions._adapters.cli.language import _
from guided_actions._adapters.cli.reading import MAX_INPUT_SIZE, size_text
from guided_actions._adapters.cli.terminal import safe_text
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER
from guided_actions._engine.actions import CATEGORIES
from guided_actions._text.i18n import N_

__all__ = [
    "COLOR_OPTION",
    "EXAMPLES",
    "GENERATE_FORMATS",
    "LOCALE_OPTION",
    "NO_PLUGINS_HELP",
    "TABLE_FORMATS",
    "build_parser",
    "parse_size",
    "requested_locale",
]

NO_PLUGINS_HELP = N_("use the built-in rules only, not those of installed plugins")
#: The option that chooses the language, on the program and on every sub-command.
LOCALE_OPTION = "--locale"
#: The option that chooses colour, on the program and on every sub-command.
COLOR_OPTION = "--color"
COLOR_HELP = N_(
    "colour: auto (the default: on a terminal, unless NO_COLOR is set or FORCE_COLOR asks for "
    "it), always or never; wins over NO_COLOR and FORCE_COLOR"
)
#: The shells ``completion`` writes a script for.
SHELLS = ("bash", "zsh", "fish")
#: Each sub-command's examples, shown at the end of its help: real command lines, each with
#: what it does (a message of its own, translated).
EXAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    "demo": (
        ("guided-actions demo", N_("the demo rep's actions, as a table")),
        ("guided-actions demo --workspace", N_("the demo rep's whole workspace")),
        ("guided-actions demo --export demo.json", N_("write the demo snapshot to a file")),
    ),
    "evaluate": (
        (
            "guided-actions evaluate demo.json --user u-claire --now 2025-05-14T09:30+02:00",
            N_("one rep's actions at an instant"),
        ),
        (
            "guided-actions evaluate demo.json --all --now 2025-05-14T09:30Z --format csv "
            "-o actions.csv",
            N_("every action as one tidy table, in a CSV file"),
        ),
        (
            "guided-actions evaluate demo.json --all --now 2025-05-14T09:30Z --workers 0 "
            "--format json",
            N_("every rep's actions as JSON, evaluated on every processor"),
        ),
    ),
    "explain": (
        (
            "guided-actions explain demo.json --user u-claire --now 2025-05-14T09:30+02:00 "
            "--subject contact:c-sophie",
            N_("why this contact has, or has not, each rule's action"),
        ),
        (
            "guided-actions explain demo.json --user u-claire --now 2025-05-14T09:30+02:00 "
            "--subject deal:d-acme-renewal --format json",
            N_("the same for a deal, as JSON"),
        ),
    ),
    "events": (
        (
            "guided-actions events demo.json --user u-claire --from 2025-05-14T09:30+02:00 "
            "--to 2025-05-28T09:30+02:00",
            N_("the rep's events over two weeks, as CloudEvents JSON lines"),
        ),
        (
            "guided-actions events demo.json --user u-claire --from 2025-05-14T09:30Z "
            "--to 2025-05-15T09:30Z --changes changes.jsonl",
            N_("the same over a day, with the changes of a JSON Lines file applied"),
        ),
    ),
    "workspace": (
        (
            "guided-actions workspace demo.json --user u-claire --now 2025-05-14T09:30+02:00",
            N_("one rep's tasks, sequences, schedule, insights, feed and actions"),
        ),
        (
            "guided-actions workspace demo.json --user u-claire --viewer u-priya "
            "--now 2025-05-14T09:30+02:00",
            N_("the same, as a super admin sees it"),
        ),
    ),
    "settings": (
        (
            "guided-actions settings demo.json --user u-claire",
            N_("every setting at its default"),
        ),
        (
            "guided-actions settings demo.json --user u-claire --config settings.toml",
            N_("the settings of a file, and the layer each came from"),
        ),
    ),
    "rules": (
        ("guided-actions rules", N_("the rule catalogue, plugins included")),
        ("guided-actions rules --no-plugins --format json", N_("the built-in rules, as JSON")),
    ),
    "generate": (
        (
            "guided-actions generate --users 50 --contacts-per-user 200 --now 2025-05-14T09:30Z "
            "-o big.json",
            N_("a synthetic CRM of 50 reps and 10,000 contacts"),
        ),
        (
            "guided-actions generate --users 2 --contacts-per-user 3 --now 2025-05-14T09:30Z -o -",
            N_("a tiny one, on standard output"),
        ),
        (
            "guided-actions generate --users 50 --contacts-per-user 200 --now 2025-05-14T09:30Z "
            "--format parquet -o crm",
            N_("the same CRM as a directory of Parquet files, one per list"),
        ),
    ),
    "completion": (
        (
            'eval "$(guided-actions completion bash)"',
            N_("complete commands and options in this bash session"),
        ),
        (
            "guided-actions completion fish > ~/.config/fish/completions/guided-actions.fish",
            N_("install the completion for fish"),
        ),
    ),
    "new-plugin": (
        (
            "guided-actions new-plugin stale_deals",
            N_("a plugin package in ./stale_deals, whose tests pass"),
        ),
        (
            "guided-actions new-plugin stale_deals --dir plugins/stale-deals",
            N_("the same, in another directory"),
        ),
    ),
}
#: The formats of ``evaluate`` that write the tidy table of actions (``-o FILE``).
TABLE_FORMATS = ("csv", "parquet")
#: The formats ``generate`` writes the synthetic CRM in.
GENERATE_FORMATS = ("json", "parquet")
LOCALE_HELP = N_(
    "the language of the output, such as fr or fr_CA (default: from LC_ALL, LC_MESSAGES or "
    "LANG; English for a language not shipped)"
)


def examples_text(command: str) -> str | None:
    """The ``examples:`` paragraph ending ``command``'s help: each example's purpose, then the
    command line, indented (``None`` for a command without examples)."""
    examples = EXAMPLES.get(command)
    if not examples:
        return None
    lines = [_("examples:")]
    for line, purpose in examples:
        lines.extend([f"  # {_(purpose)}", f"  {line}"])
    return "\n".join(lines)


class _Formatter(argparse.HelpFormatter):
    """argparse's help, with its own words ("usage:") in the language of the run; the epilog
    (the examples) is kept as written, line by line."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith(_("examples:")):
            return "".join(indent + line + "\n" for line in text.splitlines()).rstrip("\n")
        return super()._fill_text(text, width, indent)

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        self.add_argument("-h", "--help", action="help", help=_("show this help message and exit"))

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, error_line(safe_text(message)) + "\n")  # it may quote any argument


def requested_locale(argv: Sequence[str]) -> str | None:
    """The value of the last ``--locale`` of ``argv`` (``--locale X``, ``--locale=X`` or an
    abbreviation, as argparse reads it; before a lone ``--``), or ``None``: the language of the
    help and of the usage errors, read before the parser exists."""
    found: str | None = None
    args = iter(argv)
    for arg in args:
        if arg == "--":
            break
        name, equals, value = arg.partition("=")
        if len(name) < 3 or not LOCALE_OPTION.startswith(name):
            continue
        found = value if equals else next(args, found)
    return found


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("{text} is not a whole number").format(text=repr(text))
            ) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                _("{value} is less than {minimum}").format(value=value, minimum=minimum)
            )
        return value

    return parse


#: The units of ``--max-input-size``, lower-cased: decimal (KB = 1,000 bytes) and binary
#: (KiB = 1,024 bytes), as ``ls`` and ``df`` print them.
_UNITS = {
    "": 1,
    "b": 1,
    "byte": 1,
    "bytes": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 1 << 10,
    "mib": 1 << 20,
    "gib": 1 << 30,
    "tib": 1 << 40,
}
_SIZE = re.compile(r"(\d{1,15})(?:\.(\d{1,9}))?\s*([a-z]*)", re.IGNORECASE)


def parse_size(text: str) -> int:
    """A size in bytes: a number with an optional unit (``200MB``, ``1.5GB``, ``512MiB``,
    ``1000000``); at least one byte."""
    match = _SIZE.fullmatch(text.strip())
    unit = match.group(3).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise argparse.ArgumentTypeError(
            _(
                "{text} is not a size: give a number of bytes, or a number and a unit "
                "(KB, MB, GB, TB, KiB, MiB, GiB, TiB), for example 200MB"
            ).format(text=repr(text))
        )
    whole, fraction = match.group(1), match.group(2) or ""
    size: int = int(whole + fraction) * _UNITS[unit] // 10 ** len(fraction)  # rounded down
    if size < 1:
        raise argparse.ArgumentTypeError(_("{text} is less than one byte").format(text=repr(text)))
    return size


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{text} is not a whole number").format(text=repr(text))
        ) from None


def _workers(text: str) -> int:
    """``--workers``: a whole number of processes, 0 for one per processor."""
    try:
        workers = int(text)
    except ValueError:
        workers = -1
    if workers < 0:
        raise argparse.ArgumentTypeError(
            _(
                "{text} is not a number of processes: give 1 or more, or 0 for every processor"
            ).format(text=repr(text))
        )
    return workers


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``guided-actions`` and its sub-commands, its help in the language of the
    run."""
    parser = _Parser(
        prog=PROG,
        description=_(
            "Which next actions should this sales rep take? Guided actions computed from a CRM "
            "snapshot."
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"{PROG} {__version__}",
        help=_("show the program's version number and exit"),
    )
    parser.add_argument("--no-plugins", action="store_true", help=_(NO_PLUGINS_HELP))
    parser.add_argument(LOCALE_OPTION, metavar="LOCALE", help=_(LOCALE_HELP))
    parser.add_argument(COLOR_OPTION, choices=COLOR_CHOICES, default="auto", help=_(COLOR_HELP))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def fmt(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--format",
            choices=("table", "json"),
            default="table",
            help=_("a readable table (default) or JSON"),
        )

    # SUPPRESS: when absent after the sub-command, the option given before it stands.
    def locale(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            LOCALE_OPTION, metavar="LOCALE", default=argparse.SUPPRESS, help=_(LOCALE_HELP)
        )
        p.add_argument(
            COLOR_OPTION, choices=COLOR_CHOICES, default=argparse.SUPPRESS, help=_(COLOR_HELP)
        )
        if p.epilog is None:
            p.epilog = examples_text(p.prog.rpartition(" ")[2])

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--no-plugins",
            action="store_true",
            default=argparse.SUPPRESS,
            help=_(NO_PLUGINS_HELP),
        )
        locale(p)

    def settings_file(p: argparse.ArgumentParser, *, required: bool = False) -> None:
        p.add_argument(
            "--config",
            metavar="FILE",
            required=required,
            help=_(
                "settings per organisation, team and rep, from a TOML file (see the tune how-to)"
            ),
        )

    demo = commands.add_parser(
        "demo",
        help=_("evaluate the embedded demo snapshot"),
        description=_(
            "Evaluate the demo snapshot shipped with the package at {now} for the demo rep."
        ).format(now=DEMO_NOW.isoformat()),
    )
    demo.add_argument(
        "--user", default=DEMO_USER, help=_("user id (default {user})").format(user=DEMO_USER)
    )
    fmt(demo)
    demo.add_argument(
        "--export", metavar="FILE", help=_("also write the demo snapshot to FILE as JSON")
    )
    demo.add_argument(
        "--workspace",
        action="store_true",
        help=_("show the whole workspace (tasks, sequences, schedule, insights, feed, actions)"),
    )
    settings_file(demo)
    common(demo)

    def snapshot_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "snapshot",
            metavar="SNAPSHOT.json",
            help=_("interchange JSON, - for stdin, or a directory of Parquet files, one per list"),
        )

    def max_input_size(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--max-input-size",
            type=parse_size,
            default=MAX_INPUT_SIZE,
            metavar="SIZE",
            help=_(
                "refuse a snapshot larger than SIZE, in bytes or with a unit such as 200MB or 8GB "
                "(default {size})"
            ).format(size=size_text(MAX_INPUT_SIZE)),
        )

    def snapshot_args(p: argparse.ArgumentParser, *, user_required: bool = True) -> None:
        snapshot_arg(p)
        if user_required:
            p.add_argument("--user", required=True, metavar="ID", help=_("the user evaluated"))
        p.add_argument(
            "--now",
            metavar="ISO",
            help=_("the instant, with an offset (default: the current time)"),
        )
        p.add_argument(
            "--viewer", metavar="ID", help=_("who is looking: the user or a super admin")
        )
        max_input_size(p)

    ev = commands.add_parser(
        "evaluate",
        help=_("evaluate a snapshot"),
        description=_("Evaluate a snapshot for one user, or for every user with --all."),
    )
    snapshot_args(ev, user_required=False)
    who = ev.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", metavar="ID", help=_("the user evaluated"))
    who.add_argument("--all", action="store_true", help=_("evaluate every user of the snapshot"))
    ev.add_argument(
        "--format",
        choices=("table", "json", *TABLE_FORMATS),
        default="table",
        help=_(
            "a readable table (default), JSON, or the actions as one tidy table in CSV or "
            "Parquet (see -o)"
        ),
    )
    ev.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=_(
            "with --format csv or parquet: the file to write, whole or not at all (- for "
            "standard output, csv only; csv's default)"
        ),
    )
    ev.add_argument("--category", choices=CATEGORIES, help=_("only the actions of that category"))
    ev.add_argument(
        "--workers",
        type=_workers,
        default=1,
        metavar="N",
        help=_(
            "with --all: how many processes evaluate the users (default 1; 0: one per "
            "processor); the output is the same"
        ),
    )
    settings_file(ev)
    common(ev)

    ex = commands.add_parser(
        "explain",
        help=_("explain why a record has, or has not, an action of each rule"),
        description=_(
            "For one record, the status of every rule of its kind (active, pending, expired, "
            "unmet, dismissed, snoozed) and every criterion, met or not."
        ),
    )
    snapshot_args(ex)
    ex.add_argument("--subject", required=True, metavar="KIND:ID", help=_("for example contact:c1"))
    fmt(ex)
    settings_file(ex)
    common(ex)

    events = commands.add_parser(
        "events",
        help=_("replay a user's events between two instants"),
        description=_(
            "The events of one user's actions (created, updated, expired, with the reason) "
            "after --from up to and including --to, with the changes of --changes applied at "
            "their instants: one CloudEvents JSON object per line."
        ),
    )
    snapshot_arg(events)
    events.add_argument("--user", required=True, metavar="ID", help=_("the user evaluated"))
    events.add_argument(
        "--from",
        dest="start",
        required=True,
        metavar="ISO",
        help=_("the first instant, with an offset"),
    )
    events.add_argument(
        "--to", dest="end", required=True, metavar="ISO", help=_("the last instant, with an offset")
    )
    events.add_argument(
        "--changes",
        metavar="FILE.jsonl",
        help=_(
            'change sets, one JSON object per line with "at" (an instant), "upsert" and "delete"'
        ),
    )
    events.add_argument(
        "--viewer", metavar="ID", help=_("who is looking: the user or a super admin")
    )
    max_input_size(events)
    settings_file(events)
    common(events)

    ws = commands.add_parser(
        "workspace",
        help=_("show a user's sales workspace"),
        description=_(
            "Show the sales workspace of one user: tasks, sequences, schedule, insights, feed "
            "and guided actions."
        ),
    )
    snapshot_args(ws)
    fmt(ws)
    settings_file(ws)
    common(ws)

    st = commands.add_parser(
        "settings",
        help=_("show a user's effective settings and the layer each came from"),
        description=_(
            "Every setting of one user, its effective value and the layer it came from "
            "(default, organisation, team:ID or rep:ID), from the --config file."
        ),
    )
    snapshot_arg(st)
    st.add_argument(
        "--user", required=True, metavar="ID", help=_("the user whose settings are shown")
    )
    max_input_size(st)
    settings_file(st)
    fmt(st)
    common(st)

    rules = commands.add_parser(
        "rules",
        help=_("list the rules"),
        description=_("The rule catalogue, plugins included."),
    )
    fmt(rules)
    common(rules)

    gen = commands.add_parser(
        "generate",
        help=_("write a synthetic CRM snapshot"),
        description=_(
            "Write a deterministic synthetic CRM as compact interchange JSON (the same arguments "
            "always give the same bytes), or as a directory of Parquet files that "
            "guided_actions.frames.read_parquet reads, written a rep's book at a time."
        ),
    )
    gen.add_argument("--users", type=_count(1), required=True, metavar="N", help=_("sales reps"))
    gen.add_argument(
        "--contacts-per-user",
        type=_count(0),
        required=True,
        metavar="M",
        help=_("contacts in each rep's book"),
    )
    gen.add_argument(
        "--seed", type=_seed, default=0, metavar="S", help=_("random seed (default 0)")
    )
    gen.add_argument(
        "--now", required=True, metavar="ISO", help=_("the instant the data is spread around")
    )
    gen.add_argument(
        "--format",
        choices=GENERATE_FORMATS,
        default="json",
        help=_("interchange JSON (default), or Parquet: one file per list in the directory -o"),
    )
    gen.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help=_("the file to write, or - for stdout; with --format parquet, the directory"),
    )
    locale(gen)

    completion = commands.add_parser(
        "completion",
        help=_("print a shell completion script"),
        description=_(
            "Print the script that completes guided-actions' commands, options and their values "
            "in bash, zsh or fish."
        ),
    )
    completion.add_argument("shell", choices=SHELLS, help=_("the shell"))
    locale(completion)

    scaffold = commands.add_parser(
        "new-plugin",
        help=_("start a plugin package from the template"),
        description=_(
            "Write a new plugin package: its pyproject.toml with the entry point, one rule, its "
            "tests written with the library's pytest fixtures, and a README. Nothing is written "
            "when NAME is not a lower-case Python identifier or the directory is not empty."
        ),
    )
    scaffold.add_argument(
        "name",
        metavar="NAME",
        help=_("the module, plugin and rule id, such as stale_deals"),
    )
    scaffold.add_argument(
        "--dir",
        metavar="DIR",
        help=_("the directory to create, or an empty one (default: ./NAME)"),
    )
    locale(scaffold)
    return parser

"""The program's argument grammar: its sub-commands, their options and help, built with argparse.

:func:`build_parser` returns the parser; the parsed namespace's ``command`` names the
sub-command. Usage errors print the usage and one ``guided-actions: error:`` line, exit status 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import NoReturn

from guided_actions import __version__
from guided_actions._adapters.cli.diagnostics import PROG
from guided_actions._adapters.cli.reading import MAX_INPUT_SIZE, size_text
from guided_actions._adapters.cli.terminal import safe_text
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER
from guided_actions._engine.actions import CATEGORIES

__all__ = ["NO_PLUGINS_HELP", "build_parser", "parse_size"]

NO_PLUGINS_HELP = "use the built-in rules only, not those of installed plugins"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{PROG}: error: {safe_text(message)}\n")  # it may quote any argument


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
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
            f"{text!r} is not a size: give a number of bytes, or a number and a unit "
            "(KB, MB, GB, TB, KiB, MiB, GiB, TiB), for example 200MB"
        )
    whole, fraction = match.group(1), match.group(2) or ""
    size: int = int(whole + fraction) * _UNITS[unit] // 10 ** len(fraction)  # rounded down
    if size < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is less than one byte")
    return size


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``guided-actions`` and its sub-commands."""
    parser = _Parser(
        prog=PROG,
        description="Which next actions should this sales rep take? Guided actions computed "
        "from a CRM snapshot.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--no-plugins", action="store_true", help=NO_PLUGINS_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def fmt(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--format",
            choices=("table", "json"),
            default="table",
            help="a readable table (default) or JSON",
        )

    def no_plugins(p: argparse.ArgumentParser) -> None:
        # SUPPRESS: when absent here, the flag given before the sub-command stands.
        p.add_argument(
            "--no-plugins", action="store_true", default=argparse.SUPPRESS, help=NO_PLUGINS_HELP
        )

    demo = commands.add_parser(
        "demo",
        help="evaluate the embedded demo snapshot",
        description=f"Evaluate the demo snapshot shipped with the package at "
        f"{DEMO_NOW.isoformat()} for the demo rep.",
    )
    demo.add_argument("--user", default=DEMO_USER, help=f"user id (default {DEMO_USER})")
    fmt(demo)
    demo.add_argument(
        "--export", metavar="FILE", help="also write the demo snapshot to FILE as JSON"
    )
    demo.add_argument(
        "--workspace",
        action="store_true",
        help="show the whole workspace (tasks, sequences, schedule, insights, feed, actions)",
    )
    no_plugins(demo)

    def snapshot_args(p: argparse.ArgumentParser, *, user_required: bool = True) -> None:
        p.add_argument("snapshot", metavar="SNAPSHOT.json", help="interchange JSON, or - for stdin")
        if user_required:
            p.add_argument("--user", required=True, metavar="ID", help="the user evaluated")
        p.add_argument(
            "--now",
            metavar="ISO",
            help="the instant, with an offset (default: the current time)",
        )
        p.add_argument("--viewer", metavar="ID", help="who is looking: the user or a super admin")
        p.add_argument(
            "--max-input-size",
            type=parse_size,
            default=MAX_INPUT_SIZE,
            metavar="SIZE",
            help="refuse a snapshot larger than SIZE, in bytes or with a unit such as 200MB or "
            f"8GB (default {size_text(MAX_INPUT_SIZE)})",
        )

    ev = commands.add_parser(
        "evaluate",
        help="evaluate a snapshot",
        description="Evaluate a snapshot for one user, or for every user with --all.",
    )
    snapshot_args(ev, user_required=False)
    who = ev.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", metavar="ID", help="the user evaluated")
    who.add_argument("--all", action="store_true", help="evaluate every user of the snapshot")
    fmt(ev)
    ev.add_argument("--category", choices=CATEGORIES, help="only the actions of that category")
    no_plugins(ev)

    ex = commands.add_parser(
        "explain",
        help="explain why a record has, or has not, an action of each rule",
        description="For one record, the status of every rule of its kind (active, pending, "
        "expired, unmet, dismissed) and every criterion, met or not.",
    )
    snapshot_args(ex)
    ex.add_argument("--subject", required=True, metavar="KIND:ID", help="for example contact:c1")
    fmt(ex)
    no_plugins(ex)

    ws = commands.add_parser(
        "workspace",
        help="show a user's sales workspace",
        description="Show the sales workspace of one user: tasks, sequences, schedule, "
        "insights, feed and guided actions.",
    )
    snapshot_args(ws)
    fmt(ws)
    no_plugins(ws)

    rules = commands.add_parser(
        "rules", help="list the rules", description="The rule catalogue, plugins included."
    )
    fmt(rules)
    no_plugins(rules)

    gen = commands.add_parser(
        "generate",
        help="write a synthetic CRM snapshot",
        description="Write a deterministic synthetic CRM as compact interchange JSON: the same "
        "arguments always give the same bytes.",
    )
    gen.add_argument("--users", type=_count(1), required=True, metavar="N", help="sales reps")
    gen.add_argument(
        "--contacts-per-user",
        type=_count(0),
        required=True,
        metavar="M",
        help="contacts in each rep's book",
    )
    gen.add_argument("--seed", type=_seed, default=0, metavar="S", help="random seed (default 0)")
    gen.add_argument(
        "--now", required=True, metavar="ISO", help="the instant the data is spread around"
    )
    gen.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the file to write, or - for stdout"
    )
    return parser

"""The program's argument grammar: its sub-commands, their options and help, built with argparse.

:func:`build_parser` returns the parser; the parsed namespace's ``command`` names the
sub-command. Usage errors print the usage and one ``guided-actions: error:`` line, exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import NoReturn

from guided_actions import __version__
from guided_actions._adapters.cli.diagnostics import PROG
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER
from guided_actions._engine.actions import CATEGORIES

__all__ = ["NO_PLUGINS_HELP", "build_parser"]

NO_PLUGINS_HELP = "use the built-in rules only, not those of installed plugins"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{PROG}: error: {message}\n")


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

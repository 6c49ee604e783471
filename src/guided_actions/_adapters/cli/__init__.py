"""The ``guided-actions`` command-line program: an adapter at the edge of the library.

Sub-commands::

    guided-actions demo [--user ID] [--format table|json] [--export FILE] [--workspace]
    guided-actions evaluate SNAPSHOT.json (--user ID | --all) [--now ISO] [--viewer ID]
                            [--format table|json|csv|parquet] [-o FILE]
                            [--category deal|prospecting|general]
    guided-actions explain SNAPSHOT.json --user ID [--now ISO] [--viewer ID] --subject KIND:ID
    guided-actions workspace SNAPSHOT.json --user ID [--now ISO] [--viewer ID]
                             [--format table|json]
    guided-actions settings SNAPSHOT.json --user ID [--config FILE] [--format table|json]
    guided-actions rules [--format table|json]
    guided-actions generate --users N --contacts-per-user M [--seed S] --now ISO -o FILE
    guided-actions completion bash|zsh|fish

``SNAPSHOT.json`` is an interchange document (``guided-actions/1``), or ``-`` for standard input.
``--now`` defaults to the current time here, and only here: the library never reads the clock.
``--config FILE`` (``demo``, ``evaluate``, ``explain``, ``workspace``, ``settings``) reads settings
per organisation, team and rep from a TOML file. ``evaluate --format csv|parquet`` writes the tidy
table of actions (``Result.to_arrow()``'s columns) to ``-o FILE``, whole or not at all.
The rules are the built-in ones plus those of installed plugins (the ``guided_actions``
entry-point group); ``--no-plugins``, before or after the sub-command, keeps the built-ins only.
Bad input prints one short ``guided-actions: error: …`` paragraph on standard error and exits
with status 2, like a usage error. Ctrl-C stops the program quietly, with status 130. Long work
reports its progress on standard error, only when standard error is a terminal. Text from the
data never reaches the terminal raw: every character a terminal would act on is shown escaped.
``--locale LOCALE``, before or after the sub-command, chooses the language of everything the
program writes (texts, dates, plurals; never a JSON key or an id); without it the language is the
environment's (``LC_ALL``, ``LC_MESSAGES``, ``LANG``), English when the library does not ship it.
``--color auto|always|never``, before or after the sub-command, chooses colour (``NO_COLOR`` and
``FORCE_COLOR`` under ``auto``); on a screen the tables fit its width, on a pipe they stay plain
and 100 columns wide (:mod:`.display`).

This module is the entry point, :func:`main`: it parses the arguments, runs the sub-command and
turns what goes wrong into an exit status and one message. The rest of the package:

- :mod:`.parsing`: the argument grammar (argparse), sub-commands, options and their help;
- :mod:`.reading`: the inputs, read and checked: snapshot files, ``--now``, ``--subject``, the
  rule set (plugins included);
- :mod:`.commands`: what each sub-command does, one function each (``explain`` aside);
- :mod:`.explain`: the ``explain`` sub-command;
- :mod:`.render`: the text tables of guided actions and of the workspace;
- :mod:`.catalogue`: the rule catalogue of ``rules``, as JSON entries and as a table;
- :mod:`.progress`: the progress line on a terminal, with a bar when the work's size is known;
- :mod:`.display`: colour or not, and the width of the tables, chosen once per run;
- :mod:`.completion`: the shell completion scripts, made from the parser;
- :mod:`.diagnostics`: the program's name, :class:`CliError` and its error and warning lines;
- :mod:`.language`: the language of the run (``--locale`` or the environment) and its words;
- :mod:`.terminal`: the one way out for text and JSON, made safe for a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Callable, Mapping

from guided_actions._adapters.cli.commands import (
    run_completion,
    run_demo,
    run_evaluate,
    run_generate,
    run_rules,
    run_settings,
    run_workspace,
)
from guided_actions._adapters.cli.diagnostics import CliError, print_error
from guided_actions._adapters.cli.display import choose_display, showing
from guided_actions._adapters.cli.events import run_events
from guided_actions._adapters.cli.explain import run_explain
from guided_actions._adapters.cli.language import cli_locale, speaking
from guided_actions._adapters.cli.parsing import build_parser, requested_locale
from guided_actions._adapters.cli.scaffold import run_new_plugin
from guided_actions.errors import GuidedActionsError

__all__ = ["EXIT_BAD_INPUT", "EXIT_BROKEN_PIPE", "EXIT_INTERRUPTED", "EXIT_OK", "main"]

#: The command did its work.
EXIT_OK = 0
#: The reader of standard output went away (``| head``).
EXIT_BROKEN_PIPE = 1
#: Bad input or a usage error: one ``guided-actions: error:`` paragraph was printed.
EXIT_BAD_INPUT = 2
#: Interrupted by Ctrl-C (SIGINT): 128 + 2, as a shell reports a command killed by the signal.
EXIT_INTERRUPTED = 130

#: Sub-command name -> the function that runs it and returns the exit status.
COMMANDS: Mapping[str, Callable[[argparse.Namespace], int]] = {
    "demo": run_demo,
    "evaluate": run_evaluate,
    "explain": run_explain,
    "events": run_events,
    "workspace": run_workspace,
    "settings": run_settings,
    "rules": run_rules,
    "generate": run_generate,
    "completion": run_completion,
    "new-plugin": run_new_plugin,
}


def _fail(message: str, *more: str) -> int:
    print_error(message, *more)
    return EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    """Run the program with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        # Ctrl-C: the user asked to stop; a traceback would only hide the prompt. The progress
        # line, if any, was erased on the way out.
        return EXIT_INTERRUPTED


def _run(argv: list[str] | None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    # The help and the usage errors come before the arguments are parsed: their language is
    # that of a --locale found in them, else the environment's.
    with speaking(cli_locale(requested_locale(arguments))):
        parser = build_parser()
        try:
            args = parser.parse_args(arguments)
        except SystemExit as exc:
            if isinstance(exc.code, int):
                return exc.code
            return EXIT_OK if exc.code is None else EXIT_BAD_INPUT
    with speaking(cli_locale(args.locale)), showing(choose_display(args.color, sys.stdout)):
        return _command(args)


def _command(args: argparse.Namespace) -> int:
    try:
        code: int = COMMANDS[args.command](args)
    except CliError as exc:
        return _fail(*exc.lines)
    except GuidedActionsError as exc:  # unknown user or viewer, a viewer who may not look
        return _fail(str(exc))  # one line, whatever it holds
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, without a second error at exit.
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return code

"""``guided-actions completion bash|zsh|fish``: a shell completion script, made from the parser.

The script is generated from :func:`~.parsing.build_parser` itself, so it completes exactly the
sub-commands and options the program has (plugins' commands registered there included): the
sub-commands, each one's options, the values of an option with choices (``--format``,
``--color``, ``--category``), file names where a file is expected (``SNAPSHOT.json``,
``--config``, ``-o``, ``--export``) and nothing after an option whose value is free (``--user``,
``--now``). zsh runs the bash script through its ``bashcompinit`` layer; fish gets ``complete``
lines of its own, with each sub-command's help as its description.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["CommandWords", "completion_script", "parser_words"]

#: The function bash calls; the program's name with ``_`` for ``-``.
_FUNCTION = "_guided_actions"


@dataclass
class CommandWords:
    """What can be typed after a (sub-)command: its options, which of them take a file or a
    value from a list, or a free value, and what its positional argument takes."""

    help: str = ""
    flags: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    choices: dict[str, list[str]] = field(default_factory=dict)
    free: list[str] = field(default_factory=list)
    positional_file: bool = False
    positional_choices: list[str] = field(default_factory=list)


def _takes_file(action: argparse.Action) -> bool:
    metavar = action.metavar if isinstance(action.metavar, str) else ""
    return "FILE" in metavar or metavar.endswith(".json")


def _words(parser: argparse.ArgumentParser, help_text: str = "") -> CommandWords:
    words = CommandWords(help=help_text)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        if not action.option_strings:
            if action.choices is not None:
                words.positional_choices = [str(c) for c in action.choices]
            elif _takes_file(action):
                words.positional_file = True
            continue
        names = list(action.option_strings)
        words.flags.extend(names)
        if action.nargs == 0:
            continue
        if action.choices is not None:
            for name in names:
                words.choices[name] = [str(c) for c in action.choices]
        elif _takes_file(action):
            words.files.extend(names)
        else:
            words.free.extend(names)
    return words


def parser_words(parser: argparse.ArgumentParser) -> dict[str, CommandWords]:
    """The words of the program (key ``""``) and of each sub-command (key: its name)."""
    found = {"": _words(parser)}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                found[name] = _words(sub, helps.get(name, ""))
    return found


def _bash(prog: str, commands: dict[str, CommandWords]) -> Iterator[str]:
    names = [name for name in commands if name]
    yield f'# bash completion for {prog}: eval "$({prog} completion bash)"'
    yield f"{_FUNCTION}() {{"
    yield '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"'
    yield '    local cmd="" i words'
    yield "    for ((i = 1; i < COMP_CWORD; i++)); do"
    yield '        case "${COMP_WORDS[i]}" in'
    yield f'            {"|".join(names)}) cmd="${{COMP_WORDS[i]}}"; break ;;'
    yield "        esac"
    yield "    done"
    yield '    case "$cmd $prev" in'
    for name, words in commands.items():
        for option, values in words.choices.items():
            yield (
                f'        "{name} {option}") COMPREPLY=($(compgen -W "{" ".join(values)}" '
                '-- "$cur")); return ;;'
            )
        if words.files:
            keys = "|".join(f'"{name} {option}"' for option in words.files)
            yield f'        {keys}) COMPREPLY=($(compgen -f -- "$cur")); return ;;'
        if words.free:
            keys = "|".join(f'"{name} {option}"' for option in words.free)
            yield f"        {keys}) COMPREPLY=(); return ;;"
    yield "    esac"
    yield '    case "$cmd" in'
    for name, words in commands.items():
        extra = names if not name else words.positional_choices
        yield f'        "{name}") words="{" ".join([*words.flags, *extra])}" ;;'
    yield "    esac"
    yield '    COMPREPLY=($(compgen -W "$words" -- "$cur"))'
    files = [name for name, words in commands.items() if words.positional_file]
    if files:
        yield f'    if [[ "$cur" != -* ]]; then case "$cmd" in {"|".join(files)})'
        yield '        COMPREPLY+=($(compgen -f -- "$cur")) ;; esac; fi'
    yield "}"
    yield f"complete -o filenames -F {_FUNCTION} {prog}"


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish(prog: str, commands: dict[str, CommandWords]) -> Iterator[str]:
    names = [name for name in commands if name]
    yield f"# fish completion for {prog}: {prog} completion fish | source"
    yield f"complete -c {prog} -f"
    top = "__fish_use_subcommand"
    for name in names:
        yield f"complete -c {prog} -n {top} -a {name} -d {_fish_quote(commands[name].help)}"
    for name, words in commands.items():
        when = top if not name else f"'__fish_seen_subcommand_from {name}'"
        for option in words.flags:
            spec = f"-l {option[2:]}" if option.startswith("--") else f"-s {option[1:]}"
            if option in words.choices:
                spec += f" -x -a {_fish_quote(' '.join(words.choices[option]))}"
            elif option in words.files:
                spec += " -r -F"
            elif option in words.free:
                spec += " -x"
            yield f"complete -c {prog} -n {when} {spec}"
        if words.positional_choices:
            values = _fish_quote(" ".join(words.positional_choices))
            yield f"complete -c {prog} -n {when} -a {values}"
        if words.positional_file:
            yield f"complete -c {prog} -n {when} -F"


def completion_script(parser: argparse.ArgumentParser, shell: str) -> list[str]:
    """The lines of the completion script of ``parser``'s program for ``shell``."""
    commands = parser_words(parser)
    prog = parser.prog
    if shell == "fish":
        return list(_fish(prog, commands))
    lines = list(_bash(prog, commands))
    if shell == "zsh":
        return [
            f'# zsh completion for {prog}: eval "$({prog} completion zsh)"',
            "autoload -U +X compinit && { (( $+functions[compdef] )) || compinit; }",
            "autoload -U +X bashcompinit && bashcompinit",
            *lines[1:],
        ]
    return lines

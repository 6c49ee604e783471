"""The program on a screen: colour, width, progress bars, help, completion and exit statuses.

On a pipe the tables are plain and 100 columns wide whatever the terminal; on a screen (a
terminal, or colour asked for with ``--color always``/``FORCE_COLOR``) they fit ``COLUMNS`` and
are coloured unless ``NO_COLOR`` or ``--color never`` says otherwise.
"""

from __future__ import annotations

import fcntl
import importlib.util
import io
import json
import os
import pty
import re
import select
import shlex
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import guided_actions._adapters.cli as cli
from guided_actions._adapters.cli import main
from guided_actions._adapters.cli.catalogue import catalogue
from guided_actions._adapters.cli.completion import completion_script, parser_words
from guided_actions._adapters.cli.display import (
    MIN_WIDTH,
    PLAIN_WIDTH,
    Display,
    choose_display,
    showing,
    wants_color,
)
from guided_actions._adapters.cli.parsing import EXAMPLES, build_parser
from guided_actions._adapters.cli.progress import Progress, clock_time
from guided_actions._adapters.cli.render import wrap
from guided_actions._adapters.demo import DEMO_NOW, demo_document
from guided_actions._plugins.loader import load_rules
from guided_actions._rules.facts import rule_facts
from guided_actions.rules import BUILTIN_RULES

ROOT = Path(__file__).resolve().parents[3]
NOW = DEMO_NOW.isoformat()
#: A colour, or any other SGR sequence rich draws.
SGR = re.compile(r"\x1b\[[0-9;]*m")
COMMANDS = {
    "evaluate": ["evaluate", "{file}", "--user", "u-claire", "--now", NOW],
    "evaluate --all": ["evaluate", "{file}", "--all", "--now", NOW],
    "explain": ["explain", "{file}", "--user", "u-claire", "--now", NOW, "--subject",
                "contact:c-sophie"],
    "rules": ["rules", "--no-plugins"],
    "workspace": ["workspace", "{file}", "--user", "u-claire", "--now", NOW],
}  # fmt: skip


@pytest.fixture(autouse=True)
def _no_colour_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test chooses its own environment."""
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def snapshot_file(tmp_path: Path) -> str:
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(demo_document()), encoding="utf-8")
    return str(path)


def argv_of(command: str, file: str, *more: str) -> list[str]:
    return [arg.replace("{file}", file) for arg in COMMANDS[command]] + list(more)


def out_of(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 0
    out: str = capsys.readouterr().out
    return out


def visible_lines(out: str) -> list[str]:
    return SGR.sub("", out).splitlines()


# -- piped, at 80 and at 160 columns ---------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
class TestWidths:
    def test_piped_is_plain_and_stable(self, capsys, monkeypatch, command, snapshot_file) -> None:
        """On a pipe: no escape sequence, the tables 100 columns at most (``explain`` keeps
        each criterion on one line, as it always has), whatever ``COLUMNS`` says."""
        plain = out_of(capsys, argv_of(command, snapshot_file))
        assert "\x1b" not in plain
        if command != "explain":
            assert max(len(line) for line in plain.splitlines()) <= PLAIN_WIDTH
        monkeypatch.setenv("COLUMNS", "80")
        assert out_of(capsys, argv_of(command, snapshot_file)) == plain
        assert out_of(capsys, argv_of(command, snapshot_file, "--color", "never")) == plain

    @pytest.mark.parametrize("columns", [80, 160])
    def test_on_a_screen(self, capsys, monkeypatch, command, snapshot_file, columns) -> None:
        """Coloured and as wide as the terminal: no line is wider, the right-aligned ids and
        kinds end at its last column, and the text is the plain text, fitted."""
        monkeypatch.setenv("COLUMNS", str(columns))
        out = out_of(capsys, argv_of(command, snapshot_file, "--color", "always"))
        assert SGR.search(out)
        assert "\x1b" not in SGR.sub("", out)  # no other escape than colours
        lines = visible_lines(out)
        assert max(len(line) for line in lines) <= columns
        if command in ("evaluate", "rules", "workspace"):
            assert any(len(line) == columns for line in lines)  # an id at the right edge
        plain = out_of(capsys, argv_of(command, snapshot_file))
        assert "".join(" ".join(lines).split()) == "".join(plain.split())  # the same words


@pytest.mark.parametrize("command", ["evaluate", "evaluate --all", "rules", "workspace"])
def test_colour_changes_no_character(capsys, monkeypatch, command, snapshot_file) -> None:
    """At the plain width, the coloured table without its colours is the plain table."""
    monkeypatch.setenv("COLUMNS", str(PLAIN_WIDTH))
    coloured = out_of(capsys, argv_of(command, snapshot_file, "--color", "always"))
    assert SGR.sub("", coloured) == out_of(capsys, argv_of(command, snapshot_file))


def test_a_long_word_breaks_on_a_screen_only() -> None:
    """A word longer than the line (an id, a URL) is broken on a screen, so that no line
    overflows; on a pipe it stays whole, as it always has."""
    words = "word " * 10 + "y" * 150
    with showing(Display(80, False, True, "never")):
        assert max(map(len, wrap(words, "  ", "  "))) <= 80
    assert max(map(len, wrap(words, "  ", "  "))) == 2 + 150


# -- colour: NO_COLOR, FORCE_COLOR, --color ------------------------------------------------


class Pipe(io.StringIO):
    pass


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("option", "env", "stream", "expected"),
    [
        ("auto", {}, Pipe(), False),
        ("auto", {}, Tty(), True),
        ("auto", {"NO_COLOR": "1"}, Tty(), False),
        ("auto", {"NO_COLOR": ""}, Tty(), True),  # empty: not set
        ("auto", {"FORCE_COLOR": "1"}, Pipe(), True),
        ("auto", {"FORCE_COLOR": ""}, Pipe(), False),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, Tty(), False),  # NO_COLOR wins
        ("always", {"NO_COLOR": "1"}, Pipe(), True),  # the flag wins
        ("never", {"FORCE_COLOR": "1"}, Tty(), False),
        ("never", {}, Tty(), False),
        ("always", {}, Pipe(), True),
    ],
)
def test_wants_color(option: str, env: dict[str, str], stream: object, expected: bool) -> None:
    assert wants_color(option, stream, env) is expected


@pytest.mark.parametrize(
    ("option", "env", "stream", "width"),
    [
        ("auto", {"COLUMNS": "80"}, Pipe(), PLAIN_WIDTH),  # a pipe: COLUMNS ignored
        ("always", {"COLUMNS": "80"}, Pipe(), 80),
        ("auto", {"COLUMNS": "160", "FORCE_COLOR": "1"}, Pipe(), 160),
        ("never", {"COLUMNS": "120"}, Tty(), 120),  # a terminal without colour still fits
        ("always", {"COLUMNS": str(MIN_WIDTH - 1)}, Pipe(), MIN_WIDTH),
        ("always", {"COLUMNS": str(MIN_WIDTH)}, Pipe(), MIN_WIDTH),
        ("always", {"COLUMNS": str(MIN_WIDTH + 1)}, Pipe(), MIN_WIDTH + 1),
    ],
)
def test_display_width(option, env, stream, width) -> None:
    assert choose_display(option, stream, env).width == width


def test_no_color_turns_colour_off(capsys, monkeypatch, snapshot_file) -> None:
    """``FORCE_COLOR`` colours a pipe; ``NO_COLOR`` beats it; ``--color`` beats both."""
    argv = argv_of("evaluate", snapshot_file)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b" in out_of(capsys, argv)
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b" not in out_of(capsys, argv)
    assert "\x1b" in out_of(capsys, [*argv, "--color", "always"])
    assert "\x1b" in out_of(capsys, ["--color", "always", *argv])  # before the command too
    monkeypatch.delenv("NO_COLOR")
    assert "\x1b" not in out_of(capsys, [*argv, "--color", "never"])


def test_a_bad_color_is_a_usage_error(capsys) -> None:
    assert main(["rules", "--color", "sometimes"]) == 2
    assert "--color" in capsys.readouterr().err


def test_json_and_messages_are_never_coloured(capsys, snapshot_file) -> None:
    out = out_of(capsys, [*argv_of("evaluate", snapshot_file), "--format", "json", "--color",
                          "always"])  # fmt: skip
    assert "\x1b" not in out
    assert main(["evaluate", "missing.json", "--user", "u", "--color", "always"]) == 2
    assert "\x1b" not in capsys.readouterr().err


HOSTILE = "Ines\x1b]0;pwned\x07\x1b[2J\u202eevil"


@pytest.mark.parametrize("color", ["always", "never"])
def test_hostile_data_stays_escaped(capsys, monkeypatch, tmp_path: Path, color: str) -> None:
    """A terminal control or a bidi override in the data (a company's name, the titles of
    tasks and meetings, the subjects of emails) is shown escaped, coloured or
    not: the only escape sequences that reach the terminal are rich's colours."""
    document = demo_document()
    for company in document["companies"]:
        company["name"] = HOSTILE
    for record in document["tasks"] + document["meetings"] + document["emails"]:
        for key in ("title", "subject"):
            if key in record:
                record[key] = HOSTILE
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "80")
    shown = ""
    for command in ("evaluate", "workspace", "explain"):
        out = out_of(capsys, argv_of(command, str(path), "--color", color))
        rest = SGR.sub("", out)
        for control in ("\x1b", "\u202e", "\x07"):
            assert control not in rest
        assert bool(SGR.search(out)) is (color == "always")
        shown += rest
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\u202eevil" in shown.replace("\n", "")


def test_version_does_not_import_rich() -> None:
    """``--version`` answers without importing rich (nor drawing anything)."""
    code = (
        "import sys\n"
        "from guided_actions._adapters.cli import main\n"
        "assert main(['--version']) == 0\n"
        "print(sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]"


def test_plain_output_does_not_import_rich() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from guided_actions._adapters.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['demo']) == 0\n"
        "print('rich' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# -- a real terminal ---------------------------------------------------------------------------


def run_in_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run the program with standard output and error on a pseudo-terminal."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "guided_actions", *argv],
        stdout=follower,
        stderr=follower,
        env={**os.environ, **env},
    )
    os.close(follower)
    chunks = []
    while True:
        ready, _w, _x = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize("columns", [80, 160])
def test_in_a_real_terminal(columns: int) -> None:
    env = {"COLUMNS": str(columns), "NO_COLOR": "", "FORCE_COLOR": ""}
    code, out = run_in_a_terminal(["demo"], env)
    assert code == 0
    assert SGR.search(out)
    lines = visible_lines(out)
    assert max(len(line) for line in lines) == columns
    code, out = run_in_a_terminal(["demo"], {**env, "NO_COLOR": "1"})
    assert code == 0
    assert "\x1b" not in out
    assert max(len(line) for line in out.splitlines()) == columns


# -- progress ----------------------------------------------------------------------------------


def test_progress_bar_percentage_and_time_left(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    ticks = iter([0.0, 10.0, 20.0])
    stream = Tty()
    progress = Progress(stream, clock=lambda: next(ticks))
    progress.update("work", done=1, total=4)  # the work begins: no pace yet
    progress.update("work", done=2, total=4)  # 1 item in 10 s, 2 to go
    progress.update("work", done=4, total=4)
    frames = [SGR.sub("", frame) for frame in stream.getvalue().split("\r")[1:]]
    assert frames[0].rstrip().endswith(" 25% -:-- left")
    assert frames[1].rstrip().endswith(" 50% 0:20 left")
    assert frames[2].rstrip().endswith("100% 0:00 left")
    assert all(frame.startswith("work ") and "━" in frame for frame in frames)


def test_progress_bar_is_silent_on_a_pipe() -> None:
    stream = Pipe()
    progress = Progress(stream)
    progress.update("work", done=1, total=2, force=True)
    progress.finish("done")
    assert stream.getvalue() == ""


@given(
    done=st.integers(0, 10**12),
    total=st.integers(1, 10**12),
    columns=st.integers(20, 300),
    text=st.text(max_size=80),
)
def test_progress_line_fits_the_terminal(done: int, total: int, columns: int, text: str) -> None:
    """Whatever the text and the counts, the line never reaches the terminal's last column
    (the bar gives way, then the text), and its percentage is between 0 and 100."""
    stream = Tty()
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)
    try:
        progress = Progress(stream)
        progress.update(text, done=done, total=total, force=True)
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old
    frame = SGR.sub("", stream.getvalue()).lstrip("\r")
    shown = frame.rstrip(" ")
    percent = re.search(r"(\d+)% ", shown)
    assert percent is not None
    assert 0 <= int(percent.group(1)) <= 100
    # With a bar or without one (too narrow), shortened text or not: never the last column.
    assert len(shown) <= columns - 1


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0:00"), (0.2, "0:01"), (59, "0:59"), (60, "1:00"), (3599, "59:59"),
     (3600, "1:00:00"), (3661, "1:01:01")],
)  # fmt: skip
def test_clock_time(seconds: float, shown: str) -> None:
    assert clock_time(seconds) == shown


def test_loading_reports_bytes_read(monkeypatch, tmp_path: Path) -> None:
    """A big file is read in chunks, and the bar follows the bytes read."""
    from guided_actions._adapters.cli import reading

    path = tmp_path / "big.json"
    text = json.dumps(demo_document(), indent=40)  # a few hundred kB
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(reading, "BIG_SNAPSHOT", 1)
    monkeypatch.setattr(reading, "_CHUNK", len(text) // 4 + 1)
    stderr = Tty()
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setenv("COLUMNS", "120")
    from guided_actions._adapters.cli import progress as progress_module

    ticks = iter(range(1000))
    real = progress_module.Progress.__init__

    def init(self, stream=None, *, interval=0.1, clock=None):  # type: ignore[no-untyped-def]
        real(self, stream, interval=0.0, clock=lambda: float(next(ticks)))

    monkeypatch.setattr(progress_module.Progress, "__init__", init)
    reading.read_snapshot(str(path))
    percents = [int(p) for p in re.findall(r"(\d+)% ", SGR.sub("", stderr.getvalue()))]
    assert len(percents) == 4  # one per chunk of a quarter of the file
    assert percents == sorted(set(percents))
    assert 20 <= percents[0] <= 25
    assert percents[-1] == 100


def test_no_progress_on_a_pipe(tmp_path: Path, snapshot_file: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "guided_actions", "evaluate", snapshot_file, "--all", "--now",
         NOW],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stderr == ""


# -- help and examples -----------------------------------------------------------------------


def subcommands() -> list[str]:
    return [name for name in parser_words(build_parser()) if name]


@pytest.mark.parametrize("command", sorted(EXAMPLES))
def test_help_shows_the_examples(capsys, command: str) -> None:
    if command not in subcommands():
        pytest.fail(f"examples of an unknown command {command}")
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "\nexamples:\n" in out
    for line, _purpose in EXAMPLES[command]:
        assert f"  {line}\n" in out  # whole, never re-wrapped


def test_every_command_has_examples() -> None:
    assert set(subcommands()) <= set(EXAMPLES)
    assert all(2 <= len(examples) <= 3 for examples in EXAMPLES.values())


def example_argv(line: str) -> list[str]:
    """The arguments of an example's command line (the ``guided-actions`` of a shell one)."""
    inner = re.search(r"\$\((guided-actions [^)]*)\)", line)
    words = shlex.split(inner.group(1) if inner else line)
    if ">" in words:
        words = words[: words.index(">")]
    assert words[0] == "guided-actions"
    return words[1:]


#: The commands whose examples run on the demo's data alone.
ON_DEMO_DATA = ("demo", "evaluate", "explain", "workspace", "settings", "rules", "generate",
                "completion")  # fmt: skip


@pytest.mark.parametrize(
    ("command", "line"),
    [(c, line) for c in ON_DEMO_DATA for line, _p in EXAMPLES[c]],
)  # fmt: skip
def test_examples_run(capsys, monkeypatch, tmp_path: Path, command: str, line: str) -> None:
    """Every example of the help runs, from a directory holding the demo's data."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo.json").write_text(json.dumps(demo_document()), encoding="utf-8")
    (tmp_path / "settings.toml").write_text("[organisation]\nfeed_limit = 10\n", encoding="utf-8")
    assert main(example_argv(line)) == 0, capsys.readouterr().err


# -- demo --export -----------------------------------------------------------------------------


def test_demo_export_prints_one_line(capsys, tmp_path: Path) -> None:
    target = tmp_path / "demo.json"
    assert main(["demo", "--export", str(target)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    document = demo_document()
    records = sum(len(v) for v in document.values() if isinstance(v, list))
    assert err.startswith(f"guided-actions: wrote the demo snapshot ({records} records: ")
    assert f"{len(document['contacts'])} contacts" in err
    assert err.endswith(f") to {target}\n")
    assert json.loads(target.read_text(encoding="utf-8")) == document
    assert main(["demo", "--export", str(target), "--workspace"]) == 0
    assert "Workspace of" in capsys.readouterr().out


# -- completion --------------------------------------------------------------------------------


def bash(script: str, commands: str) -> str:
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script + "\n" + commands],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def complete(script: str, *words: str) -> set[str]:
    """What bash completes after ``guided-actions words...`` (the last word being typed)."""
    quoted = " ".join(shlex.quote(w) for w in ("guided-actions", *words))
    out = bash(
        script,
        f"COMP_WORDS=({quoted}); COMP_CWORD={len(words)}; _guided_actions; "
        'printf "%s\\n" "${COMPREPLY[@]}"',
    )
    return set(out.split())


@pytest.fixture(scope="module")
def bash_script() -> str:
    return "\n".join(completion_script(build_parser(), "bash"))


def test_completion_bash_is_registered(capsys, bash_script: str) -> None:
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    assert script.strip() == bash_script.strip()
    out = bash(script, "complete -p guided-actions")
    assert out.strip() == "complete -o filenames -F _guided_actions guided-actions"


def test_completion_bash_completes(bash_script: str, tmp_path: Path) -> None:
    assert complete(bash_script, "") >= {*subcommands(), "--color", "--version"}
    assert complete(bash_script, "ex") == {"explain"}
    assert complete(bash_script, "evaluate", "x.json", "--format", "") == {
        "table", "json", "csv", "parquet"}  # fmt: skip
    assert complete(bash_script, "demo", "--format", "") == {"table", "json"}
    assert complete(bash_script, "rules", "--color", "a") == {"auto", "always"}
    assert complete(bash_script, "--color", "n") == {"never"}
    assert complete(bash_script, "completion", "") >= {"bash", "zsh", "fish"}
    assert complete(bash_script, "evaluate", "x.json", "--user", "") == set()
    assert "--subject" in complete(bash_script, "explain", "--s")


def test_completion_knows_every_option(bash_script: str) -> None:
    """The script is the parser's: every option of every command is completed."""
    for name, words in parser_words(build_parser()).items():
        args = [name, "-"] if name else ["-"]
        assert complete(bash_script, *args) >= {f for f in words.flags if f.startswith("-")}


def test_completion_zsh_and_fish(capsys) -> None:
    assert main(["completion", "zsh"]) == 0
    zsh = capsys.readouterr().out
    assert "bashcompinit" in zsh
    assert "complete -o filenames -F _guided_actions" in zsh
    assert main(["completion", "fish"]) == 0
    fish = capsys.readouterr().out
    for name in subcommands():
        assert f"-n __fish_use_subcommand -a {name} " in fish
    assert "-l format -x -a 'table json csv parquet'" in fish
    assert main(["completion", "tcsh"]) == 2


# -- exit statuses -----------------------------------------------------------------------------


def exit_table() -> dict[int, str]:
    text = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    section = text.split("## Exit status", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (.*) \|$", section, re.MULTILINE)
    return {int(code): when for code, when in rows}


def _ok() -> int:
    return subprocess.run([sys.executable, "-m", "guided_actions", "rules"],
                          capture_output=True, check=False).returncode  # fmt: skip


def _bad_input() -> int:
    done = subprocess.run(
        [sys.executable, "-m", "guided_actions", "evaluate", "missing.json", "--user", "u"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.stderr.startswith("guided-actions: error: ")
    return done.returncode


def _usage() -> int:
    return subprocess.run([sys.executable, "-m", "guided_actions", "nothing"],
                          capture_output=True, check=False).returncode  # fmt: skip


def _broken_pipe() -> int:
    proc = subprocess.Popen(
        [sys.executable, "-m", "guided_actions", "generate", "--users", "40",
         "--contacts-per-user", "50", "--now", NOW, "-o", "-"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    proc.stdout.read(10)
    proc.stdout.close()  # the reader goes away, as `| head` does
    _out, err = proc.communicate(timeout=120)
    assert err == b""
    return proc.returncode


def _interrupted() -> int:
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-m", "guided_actions", "evaluate", "-", "--user", "u1", "--now", NOW],
        stdin=read_end, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        os.write(write_end, b'{"schema": "guided-actions/1", "users": [')
        # Once the program has taken the bytes, it is in main(), reading.
        deadline = time.monotonic() + 60
        while fcntl.ioctl(read_end, termios.FIONREAD, b"\0\0\0\0") != b"\0\0\0\0":
            assert time.monotonic() < deadline, "the program never read its input"
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        return proc.wait(timeout=60)
    finally:
        os.close(write_end)
        os.close(read_end)
        proc.communicate()


SCENARIOS: dict[int, list[Callable[[], int]]] = {
    cli.EXIT_OK: [_ok],
    cli.EXIT_BROKEN_PIPE: [_broken_pipe],
    cli.EXIT_BAD_INPUT: [_bad_input, _usage],
    cli.EXIT_INTERRUPTED: [_interrupted],
}


def test_exit_table_lists_every_status() -> None:
    """The reference's table holds exactly the program's statuses."""
    documented = exit_table()
    assert set(documented) == set(SCENARIOS)
    constants = {v for k, v in vars(cli).items() if k.startswith("EXIT_")}
    assert constants == set(documented)


@pytest.mark.parametrize("status", sorted(exit_table()))
def test_exit_status_matches_the_table(status: int) -> None:
    """For each row of the reference's table, the program exits with that status when it
    says."""
    for scenario in SCENARIOS[status]:
        assert scenario() == status, scenario.__name__


# -- one catalogue -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_catalogue_is_the_rules_facts(locale: str) -> None:
    """The ``rules`` command's entries are the facts the docs' rule pages are written from."""
    entries = catalogue(load_rules(entry_points=False), locale)
    for entry, cls in zip(entries, BUILTIN_RULES, strict=True):
        facts = rule_facts(cls, locale)
        assert entry["title"] == facts.title
        assert [t["default"] for t in entry["thresholds"]] == [
            t.default_text for t in facts.thresholds
        ]
        assert [c["label"] for c in entry["calls_to_action"]] == [
            c.label for c in facts.calls_to_action
        ]


def test_rule_pages_use_the_facts() -> None:
    """The docs' rule pages show the facts: each criterion's text and each title's
    translation."""
    spec = importlib.util.spec_from_file_location(
        "rule_pages", ROOT / "docs" / "hooks" / "rule_pages.py"
    )
    assert spec is not None
    assert spec.loader is not None
    rule_pages = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rule_pages)
    for cls in BUILTIN_RULES:
        page = rule_pages.render_rule(cls)
        facts = rule_pages.facts(cls)
        for criterion in facts.criteria:
            assert criterion.met.replace("|", "\\|") in page
        for locale, title in facts.titles.items():
            assert locale != "en"
            assert title in page

"""The terminal is not the data's: what the program prints is safe to show, and Ctrl-C is quiet.

CRM data (ids, titles, names) and plugin texts may hold escape sequences, newlines, bidirectional
overrides or lone surrogates. Every table and message escapes them visibly; the JSON output stays
exact; an output stream that cannot encode a character gets its backslash escape; Ctrl-C exits
with status 130 and no traceback.
"""

from __future__ import annotations

import ast
import fcntl
import io
import json
import os
import re
import signal
import subprocess
import sys
import termios
import time
import types
import unicodedata
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import guided_actions._adapters.cli as cli
from guided_actions import (
    Proposal,
    Rule,
    RuleContext,
    Snapshot,
    evaluate,
    evaluate_all,
    explain,
    hookimpl,
    load_rules,
    summarize,
    threshold,
)
from guided_actions._adapters.cli import commands, main, reading
from guided_actions._adapters.cli.catalogue import catalogue
from guided_actions._adapters.cli.progress import Progress
from guided_actions._adapters.demo import DEMO_NOW, demo_document

NOW = DEMO_NOW.isoformat()
CLI_PACKAGE = Path(cli.__file__).parent

#: Set the window title, clear the screen, paint what follows red.
ESC = "\x1b]0;pwned\x07\x1b[2J\x1b[31m"
#: How ``ESC`` is shown.
ESC_SHOWN = r"\x1b]0;pwned\x07\x1b[2J\x1b[31m"
#: A newline that would start a line of its own.
FORGE = "\nFORGED CARD"
RLO = "\u202e"  # right-to-left override ("Trojan Source")
LRI = "\u2066"  # left-to-right isolate
LONE = "\ud800"  # a lone surrogate: valid JSON ("\ud800"), not encodable

USER = "u-claire" + ESC + LONE
CONTACT = "c-sophie" + FORGE
DEAL = "d-acme" + RLO + "renewal"

#: The categories a terminal may act on; the joiners U+200C and U+200D are ordinary text.
UNSAFE = {"Cc", "Cf", "Cs", "Zl", "Zp"}
JOINERS = {"\u200c", "\u200d"}


def unsafe_chars(text: str, allowed: str = "\n") -> list[str]:
    """The characters of ``text`` a terminal would act on (``allowed`` aside), as ``U+XXXX``."""
    return sorted(
        {
            f"U+{ord(c):04X}"
            for c in text
            if c not in allowed and c not in JOINERS and unicodedata.category(c) in UNSAFE
        }
    )


def assert_safe(text: str) -> None:
    """No raw control, format or surrogate character, and no forged line."""
    assert unsafe_chars(text) == []
    forged = [line for line in text.splitlines() if line.lstrip().startswith("FORGED")]
    assert forged == []


def hostile_document(user: str = USER, lone: str = LONE) -> dict[str, Any]:
    """The demo snapshot with terminal controls in a user, a contact, a deal and every title
    (``lone`` in the titles: a lone surrogate unless said otherwise)."""
    text = json.dumps(demo_document())
    for old, new in (("u-claire", user), ("c-sophie", CONTACT), ("d-acme-renewal", DEAL)):
        text = text.replace(json.dumps(old), json.dumps(new))
    document: dict[str, Any] = json.loads(text)
    for task in document["tasks"]:
        task["title"] = (task.get("title") or "") + ESC + lone + "\t\x7f"
    for meeting in document["meetings"]:
        meeting["title"] = (meeting.get("title") or "") + FORGE + "\r\x9b2J"
    for company in document["companies"]:
        company["name"] = (company.get("name") or "") + LRI + "Zoë"
    for deal in document["deals"]:
        if deal.get("next_step"):
            deal["next_step"] += lone + "\x1b[5m"
    for sequence in document["sequences"]:
        sequence["name"] += "\u2028FORGED CARD"
    return document


HOSTILE = hostile_document()


@attrs.frozen
class Loud(Rule):
    """A plugin rule whose every text holds terminal controls."""

    id = "loud"
    title = "Loud"  # a title must be printable: load_rules refuses another (test_plugin_title)
    category = "deal"
    priority = "low"
    subject_kind = "deal"
    grouping = "one per deal" + RLO
    created_at_doc = "the deal's creation" + ESC
    expires_doc = "never" + FORGE
    wait: timedelta = threshold(timedelta(days=1), "how long" + ESC + LONE + FORGE)

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for d in ctx.deals_owned():
            reason = "look" + ESC + LONE + "\x7f" + FORGE
            yield self.proposal(d.id, created_at=d.created_at, expires_at=None, reasons=[reason])


@attrs.frozen
class Shouting(Loud):
    """A plugin rule whose title holds terminal controls."""

    id = "shouting"
    title = "Shout" + ESC + FORGE


@attrs.frozen
class Broken(Rule):
    """A plugin rule that fails with a message full of terminal controls."""

    id = "broken"
    title = "Broken"
    category = "general"
    priority = "low"
    subject_kind = "contact"

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        raise RuntimeError("boom" + ESC + LONE + FORGE)


LOUD_PLUGIN = types.ModuleType("loud" + ESC + "plugin")
LOUD_PLUGIN.guided_actions_rules = hookimpl(lambda: [Loud, Broken])  # type: ignore[attr-defined]


def loud_rules() -> Any:
    return load_rules([LOUD_PLUGIN], entry_points=False)


@pytest.fixture(autouse=True)
def _loud_plugin(monkeypatch) -> None:
    """The program sees the built-in rules and the loud plugin, whatever is installed."""
    monkeypatch.setattr(reading, "load_rules", lambda *a, **kw: loud_rules())


@pytest.fixture
def hostile_file(tmp_path: Path) -> str:
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(HOSTILE), encoding="utf-8")
    return str(path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- the function ----------------------------------------------------------------------------


def safe_text(text: str) -> str:
    # Imported when called: the rest of the file still runs on a version without the module.
    from guided_actions._adapters.cli.terminal import safe_text as function

    return function(text)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("\x00\x07\x08\x0b\x0c\x1c\x7f", "\\x00\\x07\\x08\\x0b\\x0c\\x1c\\x7f"),
        ("\x85\x9b", "\\x85\\x9b"),  # C1: next line, control sequence introducer
        ("\u202a\u202b\u202c\u202d\u202e", "\\u202a\\u202b\\u202c\\u202d\\u202e"),
        ("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"),
        ("\u200e\u200f\u061c", "\\u200e\\u200f\\u061c"),  # bidirectional marks
        ("\u2028\u2029", "\\u2028\\u2029"),  # line and paragraph separators
        ("\u200b\ufeff\xad", "\\u200b\\ufeff\\xad"),  # invisible: zero width, BOM, soft hyphen
        ("\U000e0041", "\\U000e0041"),  # a tag character
        ("\ud800x\udfff", "\\ud800x\\udfff"),
        ("Zoë\xa0Müller, 東京, 👩\u200d💻, ﻻ", "Zoë\xa0Müller, 東京, 👩\u200d💻, ﻻ"),
        ("C:\\new \\x1b", "C:\\new \\x1b"),  # backslashes stay: the JSON output is exact
    ],
)
def test_safe_text_examples(text: str, shown: str) -> None:
    """Each character a terminal acts on is shown as its escape; ordinary text is kept."""
    assert safe_text(text) == shown


ANY_TEXT = st.text(
    st.one_of(
        st.characters(exclude_categories=()),  # surrogates included
        st.sampled_from("\x1b\n\r\t\x7f\x9b\u202e\u2066\u2028\ud800\ufeff\u200d\\"),
    )
)
ESCAPE = re.compile(r"\\(?:x([0-9a-f]{2})|u([0-9a-f]{4})|U([0-9a-f]{8})|([ntr]))")


def unescape(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        named = m.group(4)
        if named:
            return {"n": "\n", "t": "\t", "r": "\r"}[named]
        return chr(int(m.group(1) or m.group(2) or m.group(3), 16))

    return ESCAPE.sub(one, text)


@given(ANY_TEXT)
@example("\x1b]0;title\x07" + FORGE + LONE)
def test_safe_text_is_safe_and_visible(text: str) -> None:
    """No character a terminal acts on survives; the rest is encodable; nothing is lost."""
    shown = safe_text(text)
    assert unsafe_chars(shown, allowed="") == []
    shown.encode("utf-8")
    assert safe_text(shown) == shown
    if "\\" not in text:  # each escape can be read back: the reader sees what was there
        assert unescape(shown) == text


@given(st.text(st.characters(exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))))
@example("Zoë\u200d\u200c\xa0")
def test_safe_text_keeps_printable_text(text: str) -> None:
    """Text without control, format or surrogate characters is shown unchanged."""
    assert safe_text(text) == text


# -- every command's output ------------------------------------------------------------------


class TestTables:
    @pytest.mark.parametrize(
        "argv",
        [
            ["evaluate", "--user", "u-claire" + ESC],
            ["evaluate", "--all"],
            ["explain", "--user", "u-claire" + ESC, "--subject", f"contact:{CONTACT}"],
            ["explain", "--user", "u-claire" + ESC, "--subject", f"deal:{DEAL}"],
            ["workspace", "--user", "u-claire" + ESC],
        ],
        ids=["evaluate", "evaluate --all", "explain contact", "explain deal", "workspace"],
    )
    def test_controls_alone(self, capsys, monkeypatch, tmp_path: Path, argv: list[str]) -> None:
        """The hostile data without lone surrogates (they crash the output on their own) and
        with the built-in rules only: no control character reaches stdout, no line is forged."""
        monkeypatch.setattr(reading, "load_rules", lambda *a, **kw: load_rules(entry_points=False))
        path = tmp_path / "controls.json"
        path.write_text(json.dumps(hostile_document("u-claire" + ESC, lone="")), "utf-8")
        code, out, err = run(capsys, argv[0], str(path), *argv[1:], "--now", NOW)
        assert code == 0, err
        assert_safe(out)
        assert err == ""
        assert ESC_SHOWN in out

    def test_evaluate(self, capsys, hostile_file: str) -> None:
        """One user's table shows the user, contact, deal and plugin texts escaped, in place."""
        code, out, err = run(capsys, "evaluate", hostile_file, "--user", USER, "--now", NOW)
        assert code == 0, err
        assert_safe(out)
        assert_safe(err)
        lines = out.splitlines()
        count = len(evaluate(Snapshot.from_dict(HOSTILE), DEMO_NOW, USER, rules=loud_rules()))
        assert lines[0] == (
            f"{count} guided actions for u-claire{ESC_SHOWN}\\ud800 at 2025-05-14 09:30 CEST "
            "(Europe/Paris)"
        )
        assert r"contact:c-sophie\nFORGED CARD" in out
        assert r"deal d-acme\u202erenewal" in out
        assert any(line.startswith("  [low] Loud  ") for line in out.splitlines())
        assert f"because  - look{ESC_SHOWN}\\ud800\\x7f\\nFORGED CARD" in out
        tail = out.split("\nRules that failed:\n", 1)[1].splitlines()
        assert tail == [
            f"  - rule 'broken' (plugin 'loud{ESC_SHOWN}plugin') failed: RuntimeError: "
            f"boom{ESC_SHOWN}\\ud800\\nFORGED CARD"
        ]

    def test_evaluate_all(self, capsys, hostile_file: str) -> None:
        """``evaluate --all`` names each user, escaped, and each failure on one line."""
        code, out, err = run(capsys, "evaluate", hostile_file, "--all", "--now", NOW)
        assert code == 0, err
        assert_safe(out)
        results = evaluate_all(Snapshot.from_dict(HOSTILE), DEMO_NOW, rules=loud_rules())
        count = len(results[USER])
        assert f"u-claire{ESC_SHOWN}\\ud800: {count} actions" in out.splitlines()
        assert sum("failed: rule 'broken'" in line for line in out.splitlines()) == 3

    def test_explain(self, capsys, hostile_file: str) -> None:
        """``explain`` of a contact whose id holds a newline keeps the id on its line."""
        code, out, err = run(
            capsys, "explain", hostile_file, "--user", USER, "--now", NOW,
            "--subject", f"contact:{CONTACT}",
        )  # fmt: skip
        assert code == 0, err
        assert_safe(out)
        assert out.splitlines()[0].startswith(r"contact c-sophie\nFORGED CARD, for user u-claire")

    def test_explain_a_deal(self, capsys, hostile_file: str) -> None:
        """``explain`` of a deal shows the plugin rule's title and reasons escaped."""
        code, out, err = run(
            capsys, "explain", hostile_file, "--user", USER, "--now", NOW,
            "--subject", f"deal:{DEAL}",
        )  # fmt: skip
        assert code == 0, err
        assert_safe(out)
        assert f"  [x] look{ESC_SHOWN}\\ud800\\x7f\\nFORGED CARD" in out.splitlines()

    def test_workspace(self, capsys, hostile_file: str) -> None:
        """The workspace shows task titles (a lone surrogate among them), meeting titles and
        sequence names escaped, instead of crashing or forging lines."""
        code, out, err = run(capsys, "workspace", hostile_file, "--user", USER, "--now", NOW)
        assert code == 0, err
        assert_safe(out)
        assert (
            r"  2025-05-14 12:00 CEST  high    Finish the QBR deck\x1b]0;pwned\x07\x1b[2J\x1b[31m"
            r"\ud800\t\x7f" in out.splitlines()
        )
        assert r"Acme Logistics: quarterly business review\nFORGED CARD\r\x9b2J" in out
        assert r"Q2 outbound: operations leaders\u2028FORGED CARD  [seq-q2-outbound]" in out

    def test_rules(self, capsys) -> None:
        """The catalogue shows a plugin's title, docs and name escaped."""
        code, out, err = run(capsys, "rules")
        assert code == 0, err
        assert_safe(out)
        lines = out.splitlines()
        assert lines[0] == f"20 rules: 18 built-in, 2 from plugin loud{ESC_SHOWN}plugin"
        i = next(n for n, line in enumerate(lines) if line.startswith("loud  "))
        assert lines[i].startswith("loud  Loud  ")
        assert lines[i + 1 : i + 7] == [
            f"  plugin       loud{ESC_SHOWN}plugin",
            r"  subject      deal; one per deal\u202e",
            r"  created at   the deal's creation\x1b]0;pwned\x07\x1b[2J\x1b[31m",
            r"  expires      never\nFORGED CARD",
            "  links        none",
            r"  thresholds   wait = 1 day: how long\x1b]0;pwned\x07\x1b[2J\x1b[31m\ud800\nFORGED"
            " CARD",
        ]


class TestMessages:
    def test_warnings_of_json_output(self, capsys, hostile_file: str) -> None:
        """A failing rule's message is one escaped warning line on stderr."""
        code, out, err = run(
            capsys, "evaluate", hostile_file, "--user", USER, "--now", NOW, "--format", "json"
        )
        assert code == 0
        assert len(json.loads(out)) > 0
        assert_safe(err)
        assert err.splitlines() == [
            f"guided-actions: warning: rule 'broken' (plugin 'loud{ESC_SHOWN}plugin') failed: "
            f"RuntimeError: boom{ESC_SHOWN}\\ud800\\nFORGED CARD"
        ]

    def test_unknown_user(self, capsys, hostile_file: str) -> None:
        """An unknown user id is quoted, escaped, on the error line."""
        code, out, err = run(capsys, "evaluate", hostile_file, "--user", "x" + ESC + FORGE)
        assert code == 2
        assert out == ""
        assert_safe(err)
        assert err.startswith(r"guided-actions: error: unknown user 'x\x1b]0;pwned\x07")

    def test_invalid_snapshot(self, capsys, tmp_path: Path) -> None:
        """The problems of a snapshot quote the bad ids and values, escaped, one per line."""
        document = {
            "schema": "guided-actions/1",
            "users": [{"id": "u" + FORGE, "email": 7, "timezone": ESC + LONE}],
            "tasks": [{"id": "t" + ESC, "owner_id": "ghost" + FORGE, "title": 3}],
        }
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        code, out, err = run(capsys, "evaluate", str(path), "--user", "u", "--now", NOW)
        assert code == 2
        assert out == ""
        assert_safe(err)
        lines = err.splitlines()
        assert lines[0].startswith("guided-actions: error: ")
        assert all(line.startswith("  - ") for line in lines[1:])

    def test_file_name(self, capsys, tmp_path: Path) -> None:
        """A file name is shown escaped in the error about it."""
        name = str(tmp_path / ("a" + ESC + FORGE + ".json"))
        code, out, err = run(capsys, "evaluate", name, "--user", "u", "--now", NOW)
        assert code == 2
        assert out == ""
        assert_safe(err)
        assert err.endswith(
            r"a\x1b]0;pwned\x07\x1b[2J\x1b[31m\nFORGED CARD.json: no such file" "\n"
        )

    def test_usage_error_quotes_an_argument(self, capsys) -> None:
        """A usage error that repeats an argument shows it escaped."""
        code, out, err = run(capsys, "rules", "extra" + ESC + FORGE)
        assert code == 2
        assert out == ""
        assert_safe(err)
        assert err.splitlines()[-1] == (
            r"guided-actions: error: unrecognized arguments: extra\x1b]0;pwned\x07\x1b[2J"
            r"\x1b[31m\nFORGED CARD"
        )

    def test_plugin_title(self, capsys, monkeypatch, hostile_file: str) -> None:
        """A plugin rule titled with terminal controls is refused when the rules are loaded, or
        shown escaped: either way, nothing of it reaches the terminal raw."""
        plugin = types.ModuleType("shouting_plugin")
        plugin.guided_actions_rules = hookimpl(lambda: [Shouting])  # type: ignore[attr-defined]
        monkeypatch.setattr(
            reading, "load_rules", lambda *a, **kw: load_rules([plugin], entry_points=False)
        )
        for argv in (["rules"], ["evaluate", hostile_file, "--user", USER, "--now", NOW]):
            code, out, err = run(capsys, *argv)
            assert code in (0, 2)
            assert_safe(out)
            assert_safe(err)
            assert "Shout" + ESC_SHOWN in out + err

    def test_demo_export_note(self, capsys, tmp_path: Path) -> None:
        """The note naming the exported file shows the name escaped."""
        target = tmp_path / ("demo" + ESC + ".json")
        code, _out, err = run(capsys, "demo", "--export", str(target), "--format", "json")
        assert code == 0
        assert_safe(err)
        assert err.splitlines()[0].endswith(f"demo{ESC_SHOWN}.json")

    def test_progress_line(self) -> None:
        """The progress line shows a file name escaped, and still erases what it drew."""

        class FakeTerminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        stream = FakeTerminal()
        with Progress(stream) as progress:
            progress.update("loading x" + ESC + FORGE, force=True)
        shown = "loading x" + r"\x1b]0;pwned\x07\x1b[2J\x1b[31m\nFORGED CARD"
        assert stream.getvalue() == "\r" + shown + "\r" + " " * len(shown) + "\r"


class TestJson:
    """``--format json`` stays exact: the data round-trips, controls and surrogates included."""

    def test_evaluate(self, capsys, hostile_file: str) -> None:
        code, out, _err = run(
            capsys, "evaluate", hostile_file, "--user", USER, "--now", NOW, "--format", "json"
        )
        assert code == 0
        assert unsafe_chars(out) == []
        expected = evaluate(Snapshot.from_dict(HOSTILE), DEMO_NOW, USER, rules=loud_rules())
        assert json.loads(out) == expected.to_dicts()
        assert any(r.startswith("look" + ESC) for a in json.loads(out) for r in a["reasons"])

    def test_evaluate_all(self, capsys, hostile_file: str) -> None:
        code, out, _err = run(
            capsys, "evaluate", hostile_file, "--all", "--now", NOW, "--format", "json"
        )
        assert code == 0
        assert unsafe_chars(out) == []
        expected = evaluate_all(Snapshot.from_dict(HOSTILE), DEMO_NOW, rules=loud_rules())
        assert json.loads(out) == {uid: r.to_dicts() for uid, r in expected.items()}

    def test_workspace(self, capsys, hostile_file: str) -> None:
        code, out, _err = run(
            capsys, "workspace", hostile_file, "--user", USER, "--now", NOW, "--format", "json"
        )
        assert code == 0
        assert unsafe_chars(out) == []
        assert "\\u007f\\nFORGED" in out  # DEL, the one control json.dumps leaves raw, escaped
        expected = summarize(Snapshot.from_dict(HOSTILE), DEMO_NOW, USER, rules=loud_rules())
        assert json.loads(out) == expected.to_dict()

    def test_explain(self, capsys, hostile_file: str) -> None:
        code, out, _err = run(
            capsys, "explain", hostile_file, "--user", USER, "--now", NOW,
            "--subject", f"deal:{DEAL}", "--format", "json",
        )  # fmt: skip
        assert code == 0
        assert unsafe_chars(out) == []
        snapshot = Snapshot.from_dict(HOSTILE)
        expected = explain(snapshot, DEMO_NOW, USER, ("deal", DEAL), rules=loud_rules())
        assert json.loads(out) == expected.to_dict()

    def test_rules(self, capsys) -> None:
        code, out, _err = run(capsys, "rules", "--format", "json")
        assert code == 0
        assert unsafe_chars(out) == []
        assert json.loads(out) == catalogue(loud_rules())


# -- streams that cannot encode everything ---------------------------------------------------


def ascii_stdout(monkeypatch) -> io.TextIOWrapper:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")  # errors="strict"
    monkeypatch.setattr(sys, "stdout", stream)
    return stream


def written(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("ascii")


class TestEncoding:
    def test_table_on_an_ascii_stdout(self, monkeypatch, hostile_file: str) -> None:
        """A character the stream cannot encode is written as its backslash escape."""
        stream = ascii_stdout(monkeypatch)
        code = main(["workspace", hostile_file, "--user", USER, "--now", NOW])
        assert code == 0
        out = written(stream)
        assert r"\u2066Zo\xeb" in out
        assert unsafe_chars(out) == []

    def test_json_on_an_ascii_stdout(self, monkeypatch, hostile_file: str) -> None:
        """JSON is ASCII: it round-trips on any stream, lone surrogates included."""
        stream = ascii_stdout(monkeypatch)
        code = main(["workspace", hostile_file, "--user", USER, "--now", NOW, "--format", "json"])
        assert code == 0
        expected = summarize(Snapshot.from_dict(HOSTILE), DEMO_NOW, USER, rules=loud_rules())
        assert json.loads(written(stream)) == expected.to_dict()

    @pytest.mark.parametrize("encoding", ["ascii", "utf-8"])
    def test_real_process(self, tmp_path: Path, encoding: str) -> None:
        """The program itself, with ``PYTHONIOENCODING``: the table does not crash, the JSON
        round-trips."""
        user = "u-zoë" + ESC  # no lone surrogate: a process argument cannot hold one
        document = hostile_document(user)
        path = tmp_path / "hostile.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        env = {**os.environ, "PYTHONIOENCODING": encoding}
        argv = [sys.executable, "-m", "guided_actions", "--no-plugins", "workspace", str(path),
                "--user", user, "--now", NOW]  # fmt: skip
        table = subprocess.run(argv, capture_output=True, env=env, check=False)
        assert table.returncode == 0, table.stderr
        assert table.stderr == b""
        out = table.stdout.decode(encoding)
        assert unsafe_chars(out) == []
        shown = "u-zo\\xeb" if encoding == "ascii" else "u-zoë"  # backslashreplace on ASCII
        assert out.startswith(f"Workspace of {shown}\\x1b]0;pwned")
        assert "Finish the QBR deck\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31m\\ud800" in out
        data = subprocess.run(
            [*argv, "--format", "json"], capture_output=True, env=env, check=False
        )
        assert data.returncode == 0, data.stderr
        expected = summarize(Snapshot.from_dict(document), DEMO_NOW, user)
        assert json.loads(data.stdout) == expected.to_dict()


# -- Ctrl-C ----------------------------------------------------------------------------------


def interrupt(*args: object, **kwargs: object) -> Any:
    raise KeyboardInterrupt


class TestInterrupt:
    def call(self, *argv: str) -> int:
        try:
            return main(list(argv))
        except KeyboardInterrupt:
            pytest.fail("KeyboardInterrupt escaped main()")

    def test_in_a_command(self, capsys, monkeypatch) -> None:
        """Ctrl-C in a command: status 130, nothing on stderr."""
        monkeypatch.setitem(cli.COMMANDS, "rules", interrupt)  # type: ignore[arg-type]
        code = self.call("rules")
        assert code == 130
        assert capsys.readouterr() == ("", "")

    def test_while_progress_is_shown(self, monkeypatch, hostile_file: str) -> None:
        """Ctrl-C during ``evaluate --all`` erases the progress line and exits 130."""

        class FakeTerminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        stderr = FakeTerminal()
        monkeypatch.setattr(sys, "stderr", stderr)
        calls = iter([True, False])

        def evaluate_some(*args: Any, **kwargs: Any) -> Any:
            if next(calls):
                return evaluate_all(*args, **kwargs)
            raise KeyboardInterrupt

        monkeypatch.setattr(commands, "evaluate_all", evaluate_some)
        monkeypatch.setattr(commands, "USERS_PER_STEP", 1)
        code = self.call("evaluate", hostile_file, "--all", "--now", NOW)
        assert code == 130
        drawn = stderr.getvalue()
        assert drawn.startswith("\revaluating: 1/3 users ")
        bar, erased = drawn[1:-1].split("\r")
        shown = re.sub(r"\x1b\[[0-9;]*m", "", bar)  # the bar's colours
        assert erased == " " * len(shown)  # the whole line, bar included, is erased
        assert "Traceback" not in drawn

    def test_sigint_during_a_long_read(self) -> None:
        """SIGINT to the real program while it reads a never-ending standard input."""
        read_end, write_end = os.pipe()
        proc = subprocess.Popen(
            [sys.executable, "-m", "guided_actions", "--no-plugins", "evaluate", "-",
             "--user", "u1", "--now", NOW],
            stdin=read_end,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            os.write(write_end, b'{"schema": "guided-actions/1", "users": [')
            # Wait until the program has taken the bytes: it is then in main(), reading.
            deadline = time.monotonic() + 60
            while fcntl.ioctl(read_end, termios.FIONREAD, b"\0\0\0\0") != b"\0\0\0\0":
                assert time.monotonic() < deadline, "the program never read its input"
                assert proc.poll() is None, proc.communicate()
                time.sleep(0.01)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        finally:
            os.close(write_end)
            os.close(read_end)
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == 130, err
        assert b"Traceback" not in err
        assert len(err.splitlines()) <= 1
        assert out == b""


# -- one way out -----------------------------------------------------------------------------


def test_every_write_goes_through_the_terminal_module() -> None:
    """No module of the program but :mod:`.terminal` calls ``print`` or a stream's ``write``
    (``generate`` writes its JSON document itself, in ``_write_chunks``), so no command can
    forget to make its text safe."""
    offenders = []
    for path in sorted(CLI_PACKAGE.glob("*.py")):
        if path.name == "terminal.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed: set[ast.AST] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "_write_chunks":
                allowed.update(ast.walk(node))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or node in allowed:
                continue
            func = node.func
            if (isinstance(func, ast.Name) and func.id == "print") or (
                isinstance(func, ast.Attribute) and func.attr in {"write", "writelines"}
            ):
                offenders.append(f"{path.name}:{node.lineno}")
    assert (CLI_PACKAGE / "terminal.py").exists()
    assert offenders == []

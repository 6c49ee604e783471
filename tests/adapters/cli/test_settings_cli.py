"""``--config settings.toml`` and ``guided-actions settings`` (issue 16), end to end with files."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import attrs
import pytest

from guided_actions import (
    Config,
    Settings,
    evaluate,
    evaluate_all,
    explain,
    hookimpl,
    load_rules,
    summarize,
)
from guided_actions._adapters.cli import main, reading
from guided_actions._adapters.demo import DEMO_NOW, demo_document, demo_snapshot
from guided_actions._engine.settings import DEFAULT, duration_text

NOW = DEMO_NOW.isoformat()
#: The demo's reps: u-claire (emea), u-marcus (americas), u-priya (emea then americas).
SETTINGS = """\
# Settings of the demo's sales team.
[organisation]
feed_limit = 3
engagement_kinds.page_view = false

[teams.emea]
disabled_rules.reply_to_email = true
thresholds.email_replies.lifetime = "3d"

[teams.americas]
thresholds.email_replies.lifetime = "P10D"

[reps.u-claire]
thresholds.email_replies.lifetime = "20d"

[bounds]
thresholds.email_replies.lifetime = { low = "1d", high = "30d" }
"""


@pytest.fixture(autouse=True)
def _no_installed_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """The program sees only the built-in rules, whatever plugins this environment has."""

    def builtins_only(plugins=(), *, entry_points=True, config=None):  # type: ignore[no-untyped-def]
        return load_rules(plugins, entry_points=False, config=config)

    monkeypatch.setattr(reading, "load_rules", builtins_only)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def snapshot_file(tmp_path: Path) -> Path:
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(demo_document()), encoding="utf-8")
    return path


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(SETTINGS, encoding="utf-8")
    return path


def library_settings() -> Settings:
    return Settings.from_toml(SETTINGS)


class TestCommandsUseTheSettings:
    @pytest.mark.parametrize("uid", ["u-claire", "u-marcus", "u-priya"])
    def test_evaluate(
        self, capsys: pytest.CaptureFixture[str], snapshot_file: Path, settings_file: Path, uid: str
    ) -> None:
        """``evaluate --config`` prints what the library gives with the file's Settings."""
        code, out, err = run(
            capsys, "evaluate", str(snapshot_file), "--user", uid, "--now", NOW,
            "--config", str(settings_file), "--format", "json",
        )  # fmt: skip
        assert (code, err) == (0, "")
        expected = evaluate(demo_snapshot(), DEMO_NOW, uid, config=library_settings())
        assert json.loads(out) == expected.to_dicts()

    def test_the_file_changes_the_result(
        self, capsys: pytest.CaptureFixture[str], snapshot_file: Path, settings_file: Path
    ) -> None:
        """The emea team turns reply_to_email off: u-claire's actions lose it."""
        argv = ["evaluate", str(snapshot_file), "--user", "u-claire", "--now", NOW]
        _code, plain, _err = run(capsys, *argv, "--format", "json")
        _code, layered, _err = run(
            capsys, *argv, "--format", "json", "--config", str(settings_file)
        )
        rules_plain = {d["rule"] for d in json.loads(plain)}
        rules_layered = {d["rule"] for d in json.loads(layered)}
        assert "reply_to_email" in rules_plain
        assert "reply_to_email" not in rules_layered

    def test_evaluate_all(
        self, capsys: pytest.CaptureFixture[str], snapshot_file: Path, settings_file: Path
    ) -> None:
        """``evaluate --all --config`` evaluates each user with their own settings."""
        code, out, _err = run(
            capsys, "evaluate", str(snapshot_file), "--all", "--now", NOW,
            "--config", str(settings_file), "--format", "json",
        )  # fmt: skip
        assert code == 0
        expected = evaluate_all(demo_snapshot(), DEMO_NOW, config=library_settings())
        assert json.loads(out) == {uid: r.to_dicts() for uid, r in expected.items()}

    def test_explain(
        self, capsys: pytest.CaptureFixture[str], snapshot_file: Path, settings_file: Path
    ) -> None:
        """``explain --config`` explains with the user's settings."""
        code, out, _err = run(
            capsys, "explain", str(snapshot_file), "--user", "u-claire", "--now", NOW,
            "--subject", "contact:c-sophie", "--config", str(settings_file), "--format", "json",
        )  # fmt: skip
        assert code == 0
        expected = explain(
            demo_snapshot(), DEMO_NOW, "u-claire", "contact:c-sophie", config=library_settings()
        )
        assert json.loads(out) == expected.to_dict()
        assert expected.get("reply_to_email") is None  # disabled for emea

    def test_workspace(
        self, capsys: pytest.CaptureFixture[str], snapshot_file: Path, settings_file: Path
    ) -> None:
        """``workspace --config``: the feed holds the organisation's 3 entries (of 16)."""
        code, out, _err = run(
            capsys, "workspace", str(snapshot_file), "--user", "u-claire", "--now", NOW,
            "--config", str(settings_file), "--format", "json",
        )  # fmt: skip
        assert code == 0
        expected = summarize(demo_snapshot(), DEMO_NOW, "u-claire", config=library_settings())
        assert json.loads(out) == expected.to_dict()
        assert len(expected.feed) == 3

    @pytest.mark.parametrize("workspace", [False, True])
    def test_demo(
        self, capsys: pytest.CaptureFixture[str], settings_file: Path, workspace: bool
    ) -> None:
        """``demo --config`` too."""
        argv = ["demo", "--config", str(settings_file), "--format", "json"]
        code, out, _err = run(capsys, *argv, *(["--workspace"] if workspace else []))
        assert code == 0
        if workspace:
            expected = summarize(demo_snapshot(), DEMO_NOW, "u-claire", config=library_settings())
            assert json.loads(out) == expected.to_dict()
        else:
            result = evaluate(demo_snapshot(), DEMO_NOW, "u-claire", config=library_settings())
            assert json.loads(out) == result.to_dicts()

    def test_plugin_configuration_stays(
        self,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
        snapshot_file: Path,
        settings_file: Path,
    ) -> None:
        """The file's organisation applies on top of what plugins configured."""

        class Quiet:
            @staticmethod
            @hookimpl
            def guided_actions_configure(config: Config) -> Config:
                return attrs.evolve(config, disabled_rules={"update_next_steps"})

        def with_quiet(plugins=(), *, entry_points=True, config=None):  # type: ignore[no-untyped-def]
            return load_rules([Quiet()], entry_points=False, config=config)

        monkeypatch.setattr(reading, "load_rules", with_quiet)
        code, out, _err = run(
            capsys, "evaluate", str(snapshot_file), "--user", "u-marcus", "--now", NOW,
            "--config", str(settings_file), "--format", "json",
        )  # fmt: skip
        assert code == 0
        rules = {d["rule"] for d in json.loads(out)}
        assert "update_next_steps" not in rules
        assert rules  # the other rules still run
        code, out, _err = run(
            capsys, "settings", str(snapshot_file), "--user", "u-marcus",
            "--config", str(settings_file), "--format", "json",
        )  # fmt: skip
        rows = {row["setting"]: row for row in json.loads(out)["settings"]}
        assert rows["disabled_rules.update_next_steps"] == {
            "setting": "disabled_rules.update_next_steps",
            "value": True,
            "layer": "organisation",
        }


class TestSettingsCommand:
    def test_json(
        self, capsys: pytest.CaptureFixture[str], snapshot_file: Path, settings_file: Path
    ) -> None:
        """``settings --format json``: every setting's value (durations as the file writes
        them) and layer, as ``effective`` and ``provenance`` give them."""
        code, out, err = run(
            capsys, "settings", str(snapshot_file), "--user", "u-priya",
            "--config", str(settings_file), "--format", "json",
        )  # fmt: skip
        assert (code, err) == (0, "")
        data = json.loads(out)
        s = library_settings()
        values = s.effective(demo_snapshot(), "u-priya")
        layers = s.provenance(demo_snapshot(), "u-priya")
        assert data["user_id"] == "u-priya"
        assert data["team_ids"] == ["emea", "americas"]
        assert [row["setting"] for row in data["settings"]] == list(values)
        rows = {row["setting"]: row for row in data["settings"]}
        # u-priya is in emea then americas: americas' 10 days win.
        assert rows["thresholds.email_replies.lifetime"] == {
            "setting": "thresholds.email_replies.lifetime",
            "value": "10d",
            "layer": "team:americas",
        }
        assert rows["disabled_rules.reply_to_email"]["layer"] == "team:emea"
        assert rows["feed_limit"] == {"setting": "feed_limit", "value": 3, "layer": "organisation"}
        assert rows["ranking.amount"]["layer"] == DEFAULT
        for path, row in rows.items():
            value = values[path]
            shown = duration_text(value) if isinstance(value, timedelta) else value
            assert row == {"setting": path, "value": shown, "layer": layers[path]}

    def test_table(
        self, capsys: pytest.CaptureFixture[str], snapshot_file: Path, settings_file: Path
    ) -> None:
        """The table: a heading, then one line per setting: path, value, layer."""
        code, out, _err = run(
            capsys, "settings", str(snapshot_file), "--user", "u-claire",
            "--config", str(settings_file),
        )  # fmt: skip
        assert code == 0
        lines = out.splitlines()
        assert lines[0] == "Settings of u-claire (teams: emea)"
        assert lines[2].split() == ["setting", "value", "layer"]
        rows = {line.split()[0]: line.split() for line in lines[3:]}
        assert rows["thresholds.email_replies.lifetime"] == [
            "thresholds.email_replies.lifetime",
            "20",
            "days",
            "rep:u-claire",
        ]
        assert rows["feed_limit"] == ["feed_limit", "3", "organisation"]
        assert rows["engagement_kinds.page_view"] == [
            "engagement_kinds.page_view",
            "false",
            "organisation",
        ]
        assert rows["snooze_high"] == ["snooze_high", "1", "hour", "default"]
        assert len(rows) == len(library_settings().effective(demo_snapshot(), "u-claire"))
        assert max(len(line) for line in lines) <= 100

    def test_without_a_file(self, capsys: pytest.CaptureFixture[str], snapshot_file: Path) -> None:
        """Without --config, every setting is the default."""
        code, out, _err = run(
            capsys, "settings", str(snapshot_file), "--user", "u-marcus", "--format", "json"
        )
        assert code == 0
        assert {row["layer"] for row in json.loads(out)["settings"]} == {DEFAULT}

    def test_unknown_user(
        self, capsys: pytest.CaptureFixture[str], snapshot_file: Path, settings_file: Path
    ) -> None:
        code, out, err = run(
            capsys, "settings", str(snapshot_file), "--user", "ghost",
            "--config", str(settings_file),
        )  # fmt: skip
        assert (code, out) == (2, "")
        assert err.startswith("guided-actions: error: unknown user 'ghost'")


class TestBadFiles:
    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (
                '[teams.emea]\nthresholds.email_replies.lifetime = "3 days"\n',
                "team 'emea', setting 'thresholds.email_replies.lifetime': '3 days' is not a "
                "duration: write 7d, 36h, 90m, 30s, or ISO-8601 such as P7D or PT36H",
            ),
            (
                '[reps.u-claire]\nthresholds.email_replies.lifetime = "40d"\n[bounds]\n'
                'thresholds.email_replies.lifetime = { low = "1d", high = "30d" }\n',
                "rep 'u-claire' may not set 'thresholds.email_replies.lifetime' to 40 days: the "
                "admin's bounds are 1 day to 30 days",
            ),
            (
                "[reps.u-claire]\nfeed_limit = 10\n",
                "rep 'u-claire' may not change 'feed_limit'; the admin has bounded no setting, "
                "so reps may change none",
            ),
            (
                '[teams.emea]\nthresholds.email_reply.lifetime = "3d"\n',
                "team 'emea', setting 'thresholds.email_reply.lifetime': no rule 'email_reply' "
                "is evaluated",
            ),
            (
                '[teams.nobody]\nthresholds.email_replies.days = "3d"\n',
                "team 'nobody', setting 'thresholds.email_replies.days': rule 'email_replies' "
                "has no threshold 'days'; its thresholds: lifetime",
            ),
            ("[organisation]\nfeed_limit = 0\n", "organisation, setting 'feed_limit': "),
            ("[team.emea]\n", "unknown table 'team'"),
            ("[organisation\n", "not valid TOML: "),
        ],
        ids=[
            "not a duration",
            "outside bounds",
            "unbounded",
            "unknown rule",
            "unknown threshold (a team nobody is in)",
            "invalid value",
            "unknown table",
            "syntax",
        ],
    )
    @pytest.mark.parametrize("command", ["evaluate", "explain", "workspace", "settings", "demo"])
    def test_one_line_naming_the_file(
        self,
        capsys: pytest.CaptureFixture[str],
        tmp_path: Path,
        snapshot_file: Path,
        content: str,
        message: str,
        command: str,
    ) -> None:
        """Every problem of the file is one line naming the file, the table and the setting;
        exit status 2; nothing on standard output."""
        path = tmp_path / "bad.toml"
        path.write_text(content, encoding="utf-8")
        argv = {
            "evaluate": ["evaluate", str(snapshot_file), "--user", "u-claire", "--now", NOW],
            "explain": [
                "explain", str(snapshot_file), "--user", "u-claire", "--now", NOW,
                "--subject", "contact:c-sophie",
            ],
            "workspace": ["workspace", str(snapshot_file), "--user", "u-claire", "--now", NOW],
            "settings": ["settings", str(snapshot_file), "--user", "u-claire"],
            "demo": ["demo"],
        }[command]  # fmt: skip
        code, out, err = run(capsys, *argv, "--config", str(path))
        assert (code, out) == (2, "")
        assert err.startswith(f"guided-actions: error: --config {path}: {message}")
        assert err.count("\n") == 1
        assert "Traceback" not in err

    def test_syntax_error_line(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        """A TOML syntax error gives its line and column."""
        path = tmp_path / "bad.toml"
        path.write_text("[organisation]\nfeed_limit = 1\nfeed_window =\n", encoding="utf-8")
        code, _out, err = run(capsys, "demo", "--config", str(path))
        assert code == 2
        assert "(at line 3, column " in err

    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (lambda p: p, "cannot read --config {}: no such file"),
            (lambda p: p.mkdir() or p, "cannot read --config {}: it is a directory"),
            (
                lambda p: p.write_bytes(b"[organisation]\nfeed_limit = \xff\n") and p,
                "--config {} is not UTF-8 text: byte 0xff at offset 28 cannot be decoded",
            ),
        ],
        ids=["missing", "directory", "not UTF-8"],
    )
    def test_unreadable(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, make: object, message: str
    ) -> None:
        """A file that cannot be read is one line too."""
        path = tmp_path / "settings.toml"
        assert callable(make)
        make(path)
        code, out, err = run(capsys, "demo", "--config", str(path))
        assert (code, out) == (2, "")
        assert err == f"guided-actions: error: {message.format(path)}\n"

    def test_too_big(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A file larger than a settings file can be is refused before it is parsed."""
        monkeypatch.setattr(reading, "MAX_SETTINGS_SIZE", 10)
        path = tmp_path / "settings.toml"
        path.write_text("[organisation]\nfeed_limit = 1\n", encoding="utf-8")
        code, _out, err = run(capsys, "demo", "--config", str(path))
        assert code == 2
        assert err == (
            f"guided-actions: error: --config {path} is larger than 10 bytes: it is not a "
            "settings file\n"
        )


class TestTheHowTo:
    """The TOML example of docs/how-to/tune.md, and what the page shows the program print."""

    PAGE = Path(__file__).resolve().parents[3] / "docs" / "how-to" / "tune.md"

    def blocks(self, lang: str) -> list[str]:
        text = self.PAGE.read_text(encoding="utf-8")
        return re.findall(rf"^```{lang}\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)

    @pytest.fixture
    def files(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        (toml,) = self.blocks("toml")
        (tmp_path / "settings.toml").write_text(toml, encoding="utf-8")
        (tmp_path / "demo.json").write_text(json.dumps(demo_document()), encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        return tmp_path

    def test_settings_output(self, capsys: pytest.CaptureFixture[str], files: Path) -> None:
        """Every line the page shows of ``settings`` is printed, in that order."""
        shown = next(b for b in self.blocks("text") if b.startswith("Settings of u-priya"))
        code, out, _err = run(
            capsys, "settings", "demo.json", "--user", "u-priya", "--config", "settings.toml"
        )
        assert code == 0
        lines = out.splitlines()
        position = 0
        for line in shown.splitlines():
            if line == "...":
                continue
            position = lines.index(line, position) + 1

    def test_error_output(self, capsys: pytest.CaptureFixture[str], files: Path) -> None:
        """The error the page shows is the one a rep's value out of bounds gives."""
        shown = next(b for b in self.blocks("text") if b.startswith("guided-actions: error:"))
        toml = (files / "settings.toml").read_text(encoding="utf-8")
        bad = toml.replace('lifetime = "5d"', 'lifetime = "20d"')
        assert bad != toml
        (files / "settings.toml").write_text(bad, encoding="utf-8")
        code, _out, err = run(
            capsys, "evaluate", "demo.json", "--user", "u-claire", "--config", "settings.toml"
        )
        assert code == 2
        assert err == shown

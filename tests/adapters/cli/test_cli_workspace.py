"""The command line beyond one user's actions: workspace, plugins, generate, evaluate --all and
progress on a terminal."""

from __future__ import annotations

import io
import json
import re
import types
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest

from guided_actions import (
    Proposal,
    Rule,
    RuleContext,
    evaluate,
    evaluate_all,
    hookimpl,
    load_rules,
    summarize,
)
from guided_actions._adapters.cli import commands, main, reading
from guided_actions._adapters.cli.progress import Progress
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_document, demo_snapshot
from guided_actions.errors import PluginConflictError, PluginError
from guided_actions.rules import BUILTIN_RULES
from guided_actions.synthetic import generate

NOW = DEMO_NOW.isoformat()
RULE_IDS = [cls.id for cls in BUILTIN_RULES]
MEETING_TITLES = [m["title"] for m in demo_document()["meetings"]]
GEN_NOW = "2026-03-02T09:00:00+00:00"


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@attrs.frozen
class Hello(Rule):
    """Fires once per deal you own."""

    id = "hello"
    title = "Hello"
    category = "deal"
    priority = "low"
    subject_kind = "deal"

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for d in ctx.deals_owned():
            yield self.proposal(d.id, created_at=d.created_at, expires_at=None, reasons=["hi"])


HELLO_PLUGIN = types.ModuleType("hello_plugin")
HELLO_PLUGIN.guided_actions_rules = hookimpl(lambda: [Hello])  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def installed(monkeypatch) -> list[bool]:
    """The environment has one plugin installed, ``hello_plugin``; records each discovery flag."""
    calls: list[bool] = []

    def discover(plugins=(), *, entry_points=True, config=None):
        calls.append(entry_points)
        extra = [HELLO_PLUGIN] if entry_points else []
        return load_rules([*plugins, *extra], entry_points=False, config=config)

    monkeypatch.setattr(reading, "load_rules", discover)
    return calls


def with_plugins():
    return load_rules([HELLO_PLUGIN], entry_points=False)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def snapshot_file(tmp_path: Path) -> Path:
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(demo_document()), encoding="utf-8")
    return path


def workspace(capsys, snapshot_file: Path, *extra: str) -> tuple[int, str, str]:
    return run(capsys, "workspace", str(snapshot_file), "--user", DEMO_USER, "--now", NOW, *extra)


def section(out: str, title: str) -> list[str]:
    """The lines of the section whose heading starts with ``title``, up to the next heading."""
    lines = out.splitlines()
    start = next(
        i for i, ln in enumerate(lines) if ln.startswith(title) and set(lines[i + 1]) == {"="}
    )
    body = []
    for i in range(start + 2, len(lines)):
        if i + 1 < len(lines) and lines[i + 1] and set(lines[i + 1]) == {"="}:
            break
        body.append(lines[i])
    return body


class TestWorkspaceTable:
    @pytest.fixture
    def out(self, capsys, snapshot_file: Path) -> str:
        code, out, err = workspace(capsys, snapshot_file)
        assert (code, err) == (0, "")
        return out

    def test_sections_in_order(self, out: str) -> None:
        """The table has the six sections, in order, with their counts."""
        summary = summarize(demo_snapshot(), DEMO_NOW, DEMO_USER, config=None)
        result = evaluate(demo_snapshot(), DEMO_NOW, DEMO_USER, rules=with_plugins())
        lines = out.splitlines()
        headings = [lines[i - 1] for i, ln in enumerate(lines) if ln and set(ln) == {"="}]
        assert headings == [
            "Tasks",
            f"Sequences ({len(summary.sequences)})",
            f"Schedule ({len(summary.schedule)})",
            "Insights",
            f"Feed ({len(summary.feed)})",
            f"Guided actions ({len(result)})",
        ]
        assert lines[0] == f"Workspace of {DEMO_USER} at 2025-05-14 09:30 CEST (Europe/Paris)"

    def test_tasks_by_view_in_queue_order(self, out: str) -> None:
        """Each task view lists its count, then due time (local), priority and title in order."""
        tasks = section(out, "Tasks")
        assert tasks[tasks.index("Due today (4)") + 1 :][:4] == [
            "  2025-05-14 10:00 CEST  none    Intro email  [t-seq-paul-1]",
            "  2025-05-14 12:00 CEST  high    Finish the QBR deck  [t-qbr-deck]",
            "  2025-05-14 16:00 CEST  none    Intro email  [t-seq-amara-1]",
            "  2025-05-14 17:00 CEST  high    Send Acme the renewal quote  [t-acme-quote]",
        ]
        assert tasks[tasks.index("Overdue (2)") + 1 :][:2] == [
            "  2025-05-13 10:00 CEST  none    Follow-up call  [t-seq-tom-2]",
            "  2025-05-13 18:00 CEST  low     Research Harborview's hotel portfolio  "
            "[t-harbor-research]",
        ]
        assert tasks[tasks.index("Due tomorrow (1)") + 1] == (
            "  2025-05-15 12:00 CEST  medium  Send the demo recap to Bluefin  [t-bluefin-recap]"
        )

    def test_sequence_card_has_its_steps(self, out: str) -> None:
        """The sequence card names the sequence and lists each step's tasks."""
        assert section(out, "Sequences") == [
            "  Q2 outbound: operations leaders  [seq-q2-outbound]  3 open tasks",
            "    Step 1 (2)",
            "      2025-05-14 10:00 CEST  none    Intro email  [t-seq-paul-1]",
            "      2025-05-14 16:00 CEST  none    Intro email  [t-seq-amara-1]",
            "    Step 2 (1)",
            "      2025-05-13 10:00 CEST  none    Follow-up call  [t-seq-tom-2]",
            "",
        ]

    def test_schedule_in_local_time(self, out: str) -> None:
        """Today's meetings, with local start and end times and titles."""
        assert section(out, "Schedule") == [
            "  14:00-15:00 CEST  Acme Logistics: quarterly business review  [m-acme-qbr]",
            "  16:30-17:00 CEST  EMEA pipeline review  [m-team-pipeline]",
            "",
        ]

    def test_insights_counts(self, out: str) -> None:
        """The four insight counts are those of the summary."""
        assert [ln.split() for ln in section(out, "Insights") if ln] == [
            ["meetings", "today", "2"],
            ["tasks", "due", "today", "4"],
            ["overdue", "tasks", "2"],
            ["tasks", "completed", "today", "1"],
        ]

    def test_feed_newest_first(self, out: str) -> None:
        """The feed shows every entry of the summary, newest first, in local time."""
        feed = [ln for ln in section(out, "Feed") if ln.startswith("  20")]
        summary = summarize(demo_snapshot(), DEMO_NOW, DEMO_USER)
        assert len(feed) == len(summary.feed)
        stamps = [ln[2:18] for ln in feed]
        assert stamps == sorted(stamps, reverse=True)
        assert feed[0].startswith("  2025-05-14 08:50 CEST  task")
        assert feed[0].endswith("Task 'Send the QBR agenda to Acme' completed")

    def test_guided_actions_reuse_the_actions_table(self, out: str) -> None:
        """The last section shows every rule's actions, plugins included, by category."""
        actions = out.split("\nGuided actions (", 1)[1]
        for rule_id in [*RULE_IDS, "hello"]:
            assert rule_id in actions, rule_id
        assert "\nDeal (" in actions
        assert "\nGeneral (" in actions

    def test_fits_in_100_columns(self, out: str) -> None:
        """No line of the workspace table is wider than 100 characters."""
        assert max(len(line) for line in out.splitlines()) <= 100


class TestWorkspaceJson:
    def test_is_exactly_the_summary(self, capsys, snapshot_file: Path) -> None:
        """``--format json`` prints ``json.dumps(summary.to_dict(), indent=2)``, plugins in."""
        code, out, err = workspace(capsys, snapshot_file, "--format", "json", "--no-plugins")
        assert (code, err) == (0, "")
        expected = summarize(demo_snapshot(), DEMO_NOW, DEMO_USER).to_dict()
        assert out == json.dumps(expected, indent=2) + "\n"
        assert set(json.loads(out)) == {
            "tasks",
            "sequences",
            "schedule",
            "insights",
            "feed",
            "actions",
        }

    def test_plugin_actions_join_the_summary(self, capsys, snapshot_file: Path) -> None:
        """With plugins, the summary's actions are those of the built-in and plugin rules."""
        _code, out, _err = workspace(capsys, snapshot_file, "--format", "json")
        data = json.loads(out)
        result = evaluate(demo_snapshot(), DEMO_NOW, DEMO_USER, rules=with_plugins())
        assert data["actions"] == result.to_dicts()
        assert "hello" in {a["rule"] for a in data["actions"]}
        without = summarize(demo_snapshot(), DEMO_NOW, DEMO_USER).to_dict()
        assert {k: v for k, v in data.items() if k != "actions"} == {
            k: v for k, v in without.items() if k != "actions"
        }

    def test_super_admin_sees_no_meeting_title(self, capsys, snapshot_file: Path) -> None:
        """Viewed by the super admin, no demo meeting title appears; the schedule says Busy."""
        code, out, err = workspace(capsys, snapshot_file, "--viewer", "u-priya", "--format", "json")
        assert (code, err) == (0, "")
        for title in MEETING_TITLES:
            assert title not in out, title
        data = json.loads(out)
        assert [e["title"] for e in data["schedule"]] == ["Busy", "Busy"]
        expected = summarize(demo_snapshot(), DEMO_NOW, DEMO_USER, viewer="u-priya").to_dict()
        assert {k: v for k, v in data.items() if k != "actions"} == {
            k: v for k, v in expected.items() if k != "actions"
        }
        _code, own, _err = workspace(capsys, snapshot_file, "--format", "json")
        assert MEETING_TITLES[1] in own

    def test_super_admin_table_masks_meetings(self, capsys, snapshot_file: Path) -> None:
        """The table seen by the super admin says so, and shows "Busy" for each meeting."""
        code, out, _err = workspace(capsys, snapshot_file, "--viewer", "u-priya")
        assert code == 0
        assert out.splitlines()[0].startswith(f"Workspace of {DEMO_USER}, as seen by u-priya")
        for title in MEETING_TITLES:
            assert title not in out, title
        assert "  14:00-15:00 CEST  Busy  [m-acme-qbr]" in out

    def test_non_admin_viewer_is_refused(self, capsys, snapshot_file: Path) -> None:
        """A viewer who is neither the rep nor a super admin: one error line, exit 2."""
        code, out, err = workspace(capsys, snapshot_file, "--viewer", "u-marcus")
        assert (code, out) == (2, "")
        assert err == (
            "guided-actions: error: user 'u-marcus' may not view the workspace of user "
            "'u-claire': only the user themself or a super admin may\n"
        )


class TestDemoWorkspace:
    def test_table_equals_the_workspace_command(self, capsys, snapshot_file: Path) -> None:
        """``demo --workspace`` shows the demo rep's workspace at DEMO_NOW."""
        code, demo_out, err = run(capsys, "demo", "--workspace")
        assert (code, err) == (0, "")
        _code, out, _err = workspace(capsys, snapshot_file)
        assert demo_out == out
        assert demo_out.startswith(f"Workspace of {DEMO_USER} at")

    def test_json(self, capsys) -> None:
        """``demo --workspace --format json`` prints the demo rep's summary."""
        code, out, _err = run(capsys, "--no-plugins", "demo", "--workspace", "--format", "json")
        assert code == 0
        expected = summarize(demo_snapshot(), DEMO_NOW, DEMO_USER).to_dict()
        assert out == json.dumps(expected, indent=2) + "\n"

    def test_other_user(self, capsys) -> None:
        """``demo --workspace --user`` shows a colleague's workspace in their own zone."""
        code, out, _err = run(capsys, "demo", "--workspace", "--user", "u-marcus")
        assert code == 0
        assert out.splitlines()[0] == (
            "Workspace of u-marcus at 2025-05-14 03:30 EDT (America/New_York)"
        )
        assert "Return the contract redlines  [t-cedar-redlines]" in out


class TestPlugins:
    def test_rules_lists_plugin_rules_with_their_plugin(self, capsys) -> None:
        """``rules`` lists the built-ins (plugin "builtin") in table order, then plugin rules."""
        code, out, _err = run(capsys, "rules", "--format", "json")
        assert code == 0
        data = json.loads(out)
        assert [d["id"] for d in data] == [*RULE_IDS, "hello"]
        assert [d["plugin"] for d in data] == ["builtin"] * 18 + ["hello_plugin"]

    def test_rules_table_names_the_plugin(self, capsys) -> None:
        """The table's heading counts plugin rules, and each rule names its plugin."""
        _code, out, _err = run(capsys, "rules")
        lines = out.splitlines()
        assert lines[0] == "19 rules: 18 built-in, 1 from plugin hello_plugin"
        i = next(n for n, ln in enumerate(lines) if ln.startswith("hello  Hello"))
        assert lines[i + 1] == "  plugin       hello_plugin"

    def test_rules_shows_a_rule_a_plugin_disabled(self, capsys, monkeypatch) -> None:
        """A rule disabled by a plugin's configuration is listed, marked as not enabled."""
        quiet = types.ModuleType("quiet_plugin")
        quiet.guided_actions_configure = hookimpl(  # type: ignore[attr-defined]
            lambda config: attrs.evolve(config, disabled_rules={"reply_to_email"})
        )
        monkeypatch.setattr(
            reading,
            "load_rules",
            lambda *a, **kw: load_rules([quiet], entry_points=False),
        )
        _code, out, _err = run(capsys, "rules", "--format", "json")
        assert {d["id"] for d in json.loads(out) if not d["enabled"]} == {"reply_to_email"}
        _code, out, _err = run(capsys, "rules")
        lines = out.splitlines()
        i = lines.index(next(ln for ln in lines if ln.startswith("reply_to_email  ")))
        assert lines[i + 1] == "  plugin       builtin (disabled by the plugins' configuration)"
        assert lines[
            lines.index(next(ln for ln in lines if ln.startswith("email_replies  "))) + 1
        ] == ("  plugin       builtin")

    @pytest.mark.parametrize(
        "argv",
        [
            ["--no-plugins", "rules", "--format", "json"],
            ["rules", "--no-plugins", "--format", "json"],
        ],
        ids=["global", "per command"],
    )
    def test_no_plugins(self, capsys, installed: list[bool], argv: list[str]) -> None:
        """``--no-plugins`` before or after the sub-command skips plugin discovery."""
        code, out, _err = run(capsys, *argv)
        assert code == 0
        assert [d["id"] for d in json.loads(out)] == RULE_IDS
        assert installed == [False]

    @pytest.mark.parametrize(
        ("command", "flags"),
        [
            ("evaluate", ["--user", DEMO_USER, "--format", "json"]),
            ("workspace", ["--user", DEMO_USER, "--format", "json"]),
            ("evaluate", ["--all", "--format", "json"]),
        ],
    )
    def test_evaluating_commands_run_plugin_rules(
        self, capsys, snapshot_file: Path, command: str, flags: list[str]
    ) -> None:
        """Plugin rules fire in evaluate, evaluate --all and workspace, unless --no-plugins."""
        base = [command, str(snapshot_file), "--now", NOW, *flags]
        _code, out, _err = run(capsys, *base)
        _code, bare, _err = run(capsys, *base, "--no-plugins")
        assert '"rule": "hello"' in out
        assert '"rule": "hello"' not in bare

    def test_explain_and_demo_run_plugin_rules(self, capsys, snapshot_file: Path) -> None:
        """``explain`` and ``demo`` use the installed plugins too."""
        _code, out, _err = run(
            capsys, "explain", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--subject", "deal:d-harborview",
        )  # fmt: skip
        assert "Hello [hello]: active" in out
        _code, out, _err = run(capsys, "demo", "--format", "json")
        assert "hello" in {d["rule"] for d in json.loads(out)}

    @pytest.mark.parametrize(
        "argv",
        [
            ["rules"],
            ["demo"],
            ["demo", "--workspace"],
            ["evaluate", "SNAPSHOT", "--user", DEMO_USER, "--now", NOW],
            ["evaluate", "SNAPSHOT", "--all", "--now", NOW],
            ["explain", "SNAPSHOT", "--user", DEMO_USER, "--now", NOW, "--subject", "deal:d1"],
            ["workspace", "SNAPSHOT", "--user", DEMO_USER, "--now", NOW],
        ],
    )
    def test_conflict_is_an_error(
        self, capsys, monkeypatch, snapshot_file: Path, argv: list[str]
    ) -> None:
        """Two plugins claiming one rule id: one ``guided-actions: error:`` paragraph, exit 2."""

        def conflict(*args, **kwargs):
            raise PluginConflictError("stale_deals", ("stale_deals", "old_deals"))

        monkeypatch.setattr(reading, "load_rules", conflict)
        argv = [str(snapshot_file) if a == "SNAPSHOT" else a for a in argv]
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, "")
        assert err.startswith("guided-actions: error: cannot load the rule plugins: plugins ")
        assert "'stale_deals' and 'old_deals' both provide a rule with id 'stale_deals'" in err
        assert "--no-plugins" in err
        assert err.count("\n") == 1

    def test_broken_plugin_is_one_paragraph(self, capsys, monkeypatch) -> None:
        """A plugin that cannot load: its multi-line message is folded into one line, exit 2."""

        def broken(*args, **kwargs):
            raise PluginError("bad_plugin", "could not load entry point 'bad':\n  ImportError: x")

        monkeypatch.setattr(reading, "load_rules", broken)
        code, _out, err = run(capsys, "rules")
        assert code == 2
        assert err == (
            "guided-actions: error: cannot load the rule plugins: plugin 'bad_plugin': could not "
            "load entry point 'bad': ImportError: x. Run with --no-plugins to use the built-in "
            "rules only.\n"
        )

    def test_no_plugins_avoids_a_broken_plugin(self, capsys, monkeypatch) -> None:
        """With ``--no-plugins`` a broken installed plugin is never loaded."""

        def broken_when_discovering(plugins=(), *, entry_points=True, config=None):
            if entry_points:
                raise PluginError("bad_plugin", "boom")
            return load_rules(plugins, entry_points=False, config=config)

        monkeypatch.setattr(reading, "load_rules", broken_when_discovering)
        assert run(capsys, "rules")[0] == 2
        assert run(capsys, "--no-plugins", "rules")[0] == 0


def gen_args(target: str, seed: int = 7) -> list[str]:
    return [
        "generate", "--users", "3", "--contacts-per-user", "4", "--seed", str(seed),
        "--now", GEN_NOW, "-o", target,
    ]  # fmt: skip


def expected_document(seed: int = 7) -> str:
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    doc = generate(users=3, contacts_per_user=4, seed=seed, now=now)
    return json.dumps(doc, separators=(",", ":"))


class TestGenerate:
    def test_writes_the_compact_document(self, capsys, tmp_path: Path) -> None:
        """``generate -o FILE`` writes exactly the compact JSON of ``generate(...)``."""
        target = tmp_path / "crm.json"
        code, out, err = run(capsys, *gen_args(str(target)))
        assert (code, out, err) == (0, "", "")
        assert target.read_text(encoding="utf-8") == expected_document()

    def test_same_arguments_same_bytes(self, capsys, tmp_path: Path) -> None:
        """Two runs with the same arguments write the same bytes; another seed differs."""
        first, second, other = (tmp_path / name for name in ("a.json", "b.json", "c.json"))
        run(capsys, *gen_args(str(first)))
        run(capsys, *gen_args(str(second)))
        run(capsys, *gen_args(str(other), seed=8))
        assert first.read_bytes() == second.read_bytes()
        assert first.read_bytes() != other.read_bytes()

    def test_dash_writes_to_stdout(self, capsys) -> None:
        """``-o -`` writes the document to standard output, and nothing else."""
        code, out, err = run(capsys, *gen_args("-"))
        assert (code, err) == (0, "")
        assert out == expected_document()

    def test_output_evaluates(self, capsys, tmp_path: Path) -> None:
        """The generated file loads and evaluates through the CLI."""
        target = tmp_path / "crm.json"
        run(capsys, *gen_args(str(target)))
        code, out, err = run(
            capsys, "evaluate", str(target), "--all", "--now", GEN_NOW, "--format", "json",
            "--no-plugins",
        )  # fmt: skip
        assert (code, err) == (0, "")
        assert set(json.loads(out)) == {"u1", "u2", "u3"}

    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            (("--users", "0"), "argument --users: 0 is less than 1"),
            (("--contacts-per-user", "-1"), "argument --contacts-per-user: -1 is less than 0"),
            (("--seed", "x"), "argument --seed: 'x' is not a whole number"),
        ],
    )
    def test_bad_numbers(self, capsys, change: tuple[str, str], expected: str) -> None:
        """Counts below their minimum or non-numbers are usage errors, exit 2."""
        argv = gen_args("-")
        argv[argv.index(change[0]) + 1] = change[1]
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, "")
        assert expected in err

    def test_naive_now(self, capsys) -> None:
        """``--now`` without an offset is refused, as for evaluate."""
        argv = gen_args("-")
        argv[argv.index("--now") + 1] = "2026-03-02T09:00:00"
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, "")
        assert "has no time zone" in err

    def test_unwritable_target(self, capsys, tmp_path: Path) -> None:
        """A target in a missing folder is an error, not a traceback."""
        code, _out, err = run(capsys, *gen_args(str(tmp_path / "no" / "crm.json")))
        assert code == 2
        assert err.startswith(f"guided-actions: error: cannot write {tmp_path / 'no'}")


class TestEvaluateAll:
    def test_json_is_every_users_to_dicts(self, capsys, snapshot_file: Path) -> None:
        """``--all --format json`` prints ``{user_id: to_dicts()}`` as evaluate_all computes it."""
        code, out, err = run(
            capsys, "evaluate", str(snapshot_file), "--all", "--now", NOW, "--format", "json"
        )
        assert (code, err) == (0, "")
        results = evaluate_all(demo_snapshot(), DEMO_NOW, rules=with_plugins())
        assert out == json.dumps({u: r.to_dicts() for u, r in results.items()}, indent=2) + "\n"
        assert list(json.loads(out)) == ["u-claire", "u-marcus", "u-priya"]

    def test_category(self, capsys, snapshot_file: Path) -> None:
        """``--category`` filters every user's actions."""
        _code, out, _err = run(
            capsys, "evaluate", str(snapshot_file), "--all", "--now", NOW, "--format", "json",
            "--category", "prospecting",
        )  # fmt: skip
        data = json.loads(out)
        results = evaluate_all(demo_snapshot(), DEMO_NOW, rules=with_plugins())
        assert data == {u: r.filter(category="prospecting").to_dicts() for u, r in results.items()}
        assert data["u-claire"]

    def test_table_counts_by_rule(self, capsys, snapshot_file: Path) -> None:
        """The table gives, per user, the number of actions of each rule."""
        code, out, _err = run(capsys, "evaluate", str(snapshot_file), "--all", "--now", NOW)
        assert code == 0
        results = evaluate_all(demo_snapshot(), DEMO_NOW, rules=with_plugins())
        total = sum(len(r) for r in results.values())
        lines = out.splitlines()
        assert lines[0] == f"{total} guided actions for 3 users at 2025-05-14 07:30 UTC"
        for user_id, result in results.items():
            start = lines.index(f"{user_id}: {len(result)} action{'s' * (len(result) != 1)}")
            shown = {}
            for line in lines[start + 1 :]:
                if not line.startswith("  "):
                    break
                rule, n = line.split()
                shown[rule] = int(n)
            assert shown == dict(Counter(a.rule for a in result)), user_id
        claire = lines[lines.index(f"u-claire: {len(results['u-claire'])} actions") + 1 :][:19]
        assert [ln.split()[0] for ln in claire] == [*RULE_IDS, "hello"]

    def test_viewer_is_refused(self, capsys, snapshot_file: Path) -> None:
        """``--viewer`` makes no sense for every user at once: an error, exit 2."""
        code, out, err = run(
            capsys, "evaluate", str(snapshot_file), "--all", "--now", NOW, "--viewer", "u-priya"
        )
        assert (code, out) == (2, "")
        assert err.startswith("guided-actions: error: --viewer applies to one user")

    def test_user_and_all_are_exclusive(self, capsys, snapshot_file: Path) -> None:
        """``--user`` with ``--all`` is a usage error."""
        code, out, err = run(
            capsys, "evaluate", str(snapshot_file), "--all", "--user", DEMO_USER, "--now", NOW
        )
        assert (code, out) == (2, "")
        assert err.startswith("usage: guided-actions")
        assert "not allowed with argument" in err


class TestProgress:
    def test_nothing_when_not_a_terminal(self) -> None:
        """On a stream that is not a terminal, progress writes nothing at all."""
        stream = io.StringIO()
        progress = Progress(stream)
        progress.update("working: 1", force=True)
        progress.finish("done")
        progress.clear()
        assert not progress.enabled
        assert stream.getvalue() == ""

    def test_updates_in_place_and_finishes_the_line(self) -> None:
        """Updates rewrite one line with \\r, padding over longer text; finish ends the line."""
        stream = FakeTerminal()
        ticks = iter([0.0, 1.0])
        progress = Progress(stream, clock=lambda: next(ticks))
        progress.update("working: 10 records")
        progress.update("working: 9")
        progress.finish("done")
        assert stream.getvalue() == (
            "\rworking: 10 records" + "\rworking: 9" + " " * 9 + "\rdone" + " " * 6 + "\n"
        )

    def test_updates_are_throttled(self) -> None:
        """Updates closer than the interval are skipped; ``force`` always draws."""
        stream = FakeTerminal()
        ticks = iter([0.0, 0.05, 0.09, 0.1, 0.12])
        progress = Progress(stream, interval=0.1, clock=lambda: next(ticks))
        for n in range(1, 5):
            progress.update(f"n={n}")
        progress.update("n=5", force=True)
        assert stream.getvalue().split("\r")[1:] == ["n=1", "n=4", "n=5"]

    def test_context_clears_an_unfinished_line(self) -> None:
        """Leaving the context after a failure erases the progress line."""
        stream = FakeTerminal()

        def load() -> None:
            with Progress(stream) as progress:
                progress.update("loading...")
                raise RuntimeError("failed")

        with pytest.raises(RuntimeError, match="failed"):
            load()
        assert stream.getvalue() == "\rloading..." + "\r" + " " * 10 + "\r"

    def test_default_stream_is_stderr(self, monkeypatch) -> None:
        """Without a stream, progress goes to standard error (checked when it is created)."""
        fake = FakeTerminal()
        monkeypatch.setattr("sys.stderr", fake)
        Progress().finish("done")
        assert fake.getvalue() == "\rdone\n"

    def test_generate_reports_records_written(self, monkeypatch, tmp_path: Path) -> None:
        """On a terminal, ``generate`` ends with how many records it wrote, and where."""
        fake = FakeTerminal()
        monkeypatch.setattr("sys.stderr", fake)
        target = tmp_path / "crm.json"
        assert main(gen_args(str(target))) == 0
        text = fake.getvalue()
        records = sum(
            len(v) for v in json.loads(expected_document()).values() if isinstance(v, list)
        )
        final = text.rsplit("\r", 1)[1]
        assert re.fullmatch(
            rf"wrote {records} records to {re.escape(str(target))} in \d+\.\d s\n", final
        )
        assert text.startswith("\rgenerating: 1 record ")  # one record: singular; a bar follows
        assert "   0% -:-- left\r" in text  # the bar of the contacts made, just begun
        assert target.read_text(encoding="utf-8") == expected_document()

    def test_loading_a_big_snapshot(self, monkeypatch, capsys, snapshot_file: Path) -> None:
        """Loading a big snapshot shows its size, then how long it took; stdout is untouched."""
        fake = FakeTerminal()
        monkeypatch.setattr("sys.stderr", fake)
        monkeypatch.setattr(reading, "BIG_SNAPSHOT", 1)
        # Wide enough for the whole temporary path (a narrower line shortens its text).
        monkeypatch.setenv("COLUMNS", "400")
        code = main(["evaluate", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
                     "--format", "json", "--no-plugins"])  # fmt: skip
        assert code == 0
        assert (
            json.loads(capsys.readouterr().out)
            == evaluate(demo_snapshot(), DEMO_NOW, DEMO_USER).to_dicts()
        )
        size = snapshot_file.stat().st_size / 1_000_000
        reading_line, checking, final = fake.getvalue().split("\r")[1:]
        # The bytes read, as a bar: the file is read in one chunk here, so it is full at once.
        assert reading_line.startswith(f"reading {snapshot_file} ({size:.1f} MB) ")
        assert reading_line.rstrip().endswith("100% 0:00 left")
        assert checking.rstrip() == f"checking {snapshot_file} ({size:.1f} MB)..."
        assert re.fullmatch(
            rf"loaded {re.escape(str(snapshot_file))} \({size:.1f} MB\) in \d+\.\d s *\n", final
        )

    def test_small_snapshot_loads_silently(self, monkeypatch, snapshot_file: Path) -> None:
        """A snapshot under the size threshold loads without a progress line."""
        fake = FakeTerminal()
        monkeypatch.setattr("sys.stderr", fake)
        main(["evaluate", str(snapshot_file), "--user", DEMO_USER, "--now", NOW])
        assert fake.getvalue() == ""

    def test_evaluate_all_reports_users_done(self, monkeypatch, capsys, snapshot_file) -> None:
        """``evaluate --all`` on a terminal shows users done / total, then the total time."""
        fake = FakeTerminal()
        monkeypatch.setattr("sys.stderr", fake)
        monkeypatch.setattr(commands, "USERS_PER_STEP", 1)
        assert main(["evaluate", str(snapshot_file), "--all", "--now", NOW]) == 0
        parts = fake.getvalue().split("\r")[1:]
        assert parts[0].startswith("evaluating: 1/3 users ")
        assert "  33% " in parts[0]
        assert re.fullmatch(r"evaluated 3 users in \d+\.\d s *\n", parts[-1])
        assert "evaluating" not in capsys.readouterr().out

    def test_captured_stderr_stays_clean(self, capsys, snapshot_file: Path, tmp_path) -> None:
        """When stderr is not a terminal (as here), long commands write no progress."""
        assert main(gen_args(str(tmp_path / "crm.json"))) == 0
        assert main(["evaluate", str(snapshot_file), "--all", "--now", NOW]) == 0
        assert capsys.readouterr().err == ""

"""The ``guided-actions`` command-line program (SPEC §2), called through ``main(argv)``."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import types
from pathlib import Path

import attrs
import pytest

import guided_actions
from guided_actions import Rule, Snapshot, evaluate, explain, hookimpl, load_rules
from guided_actions._adapters.cli import main, reading
from guided_actions._adapters.cli.explain import explanation_lines
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_document, demo_snapshot
from guided_actions.rules import BUILTIN_RULES

NOW = DEMO_NOW.isoformat()
RULE_IDS = [cls.id for cls in BUILTIN_RULES]
QBR_TITLE = "Acme Logistics: quarterly business review"
QBR_WORD = "quarterly"


@pytest.fixture(autouse=True)
def _no_installed_plugins(monkeypatch) -> None:
    """The program sees only the built-in rules, whatever plugins this environment has."""

    def builtins_only(plugins=(), *, entry_points=True, config=None):
        return load_rules(plugins, entry_points=False, config=config)

    monkeypatch.setattr(reading, "load_rules", builtins_only)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def snapshot_file(tmp_path: Path) -> Path:
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(demo_document()), encoding="utf-8")
    return path


def demo_result(user: str = DEMO_USER, **options):
    return evaluate(demo_snapshot(), DEMO_NOW, user, **options)


def headings(out: str) -> list[str]:
    lines = out.splitlines()
    return [lines[i - 1] for i, line in enumerate(lines) if line and set(line) == {"="}]


class TestDemo:
    def test_table_shows_every_rule(self, capsys) -> None:
        """``demo`` prints a header and the title and id of every one of the 18 rules."""
        code, out, err = run(capsys, "demo")
        assert code == 0
        assert err == ""
        count = len(demo_result())
        assert out.splitlines()[0].startswith(f"{count} guided actions for {DEMO_USER} at ")
        for cls in BUILTIN_RULES:
            assert cls.title in out, cls.id
            assert cls.id in out, cls.id

    def test_table_groups_by_category(self, capsys) -> None:
        """The table has one section per category, deal then prospecting then general."""
        _code, out, _err = run(capsys, "demo")
        result = demo_result()
        assert headings(out) == [
            f"{name.capitalize()} ({len(result.filter(category=name))})"
            for name in ("deal", "prospecting", "general")
        ]
        deal_part, rest = out.split("\nProspecting (", 1)
        prospecting_part, general_part = rest.split("\nGeneral (", 1)
        parts = {"deal": deal_part, "prospecting": prospecting_part, "general": general_part}
        for cls in BUILTIN_RULES:
            for category, part in parts.items():
                assert (cls.id in part) == (category == cls.category), (cls.id, category)

    def test_table_shows_times_subjects_and_reasons(self, capsys) -> None:
        """Each action shows its subjects, created/expires times (local) and its reasons."""
        _code, out, _err = run(capsys, "demo")
        action = next(a for a in demo_result() if a.rule == "reply_to_email")
        assert "contact:c-sophie" in out
        assert "created  2025-05-12 10:15 CEST    expires  2025-05-19 10:15 CEST" in out
        flat = " ".join(out.split())  # reasons wrap in the table
        for reason in action.reasons:
            assert " ".join(reason.split()) in flat
        assert "no time limit" in out  # update_next_steps and sequence_activity

    def test_table_fits_in_100_columns(self, capsys) -> None:
        """No line of the demo table is wider than 100 characters."""
        _code, out, _err = run(capsys, "demo")
        assert max(len(line) for line in out.splitlines()) <= 100

    def test_json_has_every_rule(self, capsys) -> None:
        """``demo --format json`` prints the demo result's dicts, with 18 distinct rules."""
        code, out, _err = run(capsys, "demo", "--format", "json")
        assert code == 0
        data = json.loads(out)
        assert len({d["rule"] for d in data}) == 18
        assert data == demo_result().to_dicts()

    def test_user_option(self, capsys) -> None:
        """``demo --user`` evaluates another rep of the demo team."""
        code, out, _err = run(capsys, "demo", "--user", "u-marcus", "--format", "json")
        assert code == 0
        data = json.loads(out)
        assert data == demo_result("u-marcus").to_dicts()
        assert {d["user_id"] for d in data} == {"u-marcus"}

    def test_export_round_trips(self, capsys, tmp_path: Path) -> None:
        """``--export`` writes a loadable document that evaluates to the demo's actions."""
        target = tmp_path / "demo.json"
        code, out, err = run(capsys, "demo", "--export", str(target), "--format", "json")
        assert code == 0
        assert str(target) in err
        text = target.read_text(encoding="utf-8")
        assert text.startswith('{\n  "schema": "guided-actions/1"')
        loaded = Snapshot.from_dict(json.loads(text))
        assert evaluate(loaded, DEMO_NOW, DEMO_USER).to_dicts() == json.loads(out)
        assert json.loads(text) == demo_document()

    def test_export_to_a_missing_folder(self, capsys, tmp_path: Path) -> None:
        """An export path that cannot be written is an error, not a traceback."""
        code, _out, err = run(capsys, "demo", "--export", str(tmp_path / "no" / "demo.json"))
        assert code == 2
        assert err.startswith("guided-actions: error: cannot write")


class TestEvaluate:
    def test_json_is_exactly_to_dicts(self, capsys, snapshot_file: Path) -> None:
        """``--format json`` prints ``json.dumps(result.to_dicts(), indent=2)`` and nothing else."""
        code, out, err = run(
            capsys, "evaluate", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--format", "json",
        )  # fmt: skip
        assert (code, err) == (0, "")
        assert out == json.dumps(demo_result().to_dicts(), indent=2) + "\n"

    def test_now_with_an_offset(self, capsys, snapshot_file: Path) -> None:
        """``--now`` in another offset names the same instant and gives the same actions."""
        code, out, _err = run(
            capsys, "evaluate", str(snapshot_file), "--user", DEMO_USER,
            "--now", "2025-05-14T09:30:00+02:00", "--format", "json",
        )  # fmt: skip
        assert code == 0
        assert json.loads(out) == demo_result().to_dicts()

    @pytest.mark.parametrize("category", ["deal", "prospecting", "general"])
    def test_category_filters(self, capsys, snapshot_file: Path, category: str) -> None:
        """``--category`` keeps exactly the actions of that category, in order."""
        code, out, _err = run(
            capsys, "evaluate", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--format", "json", "--category", category,
        )  # fmt: skip
        assert code == 0
        data = json.loads(out)
        assert data
        assert {d["category"] for d in data} == {category}
        assert data == demo_result().filter(category=category).to_dicts()

    def test_category_filters_the_table(self, capsys, snapshot_file: Path) -> None:
        """The table of one category has only that section and counts only its actions."""
        _code, out, _err = run(
            capsys, "evaluate", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--category", "deal",
        )  # fmt: skip
        deals = demo_result().filter(category="deal")
        assert headings(out) == [f"Deal ({len(deals)})"]
        assert out.startswith(f"{len(deals)} guided actions for {DEMO_USER}")

    def test_super_admin_viewer_masks_meetings(self, capsys, snapshot_file: Path) -> None:
        """A super admin viewing the rep sees meetings as "Busy", without their titles."""
        base = ["evaluate", str(snapshot_file), "--user", DEMO_USER, "--now", NOW]
        _code, own, _err = run(capsys, *base)
        assert QBR_WORD in own
        code, seen, err = run(capsys, *base, "--viewer", "u-priya")
        assert (code, err) == (0, "")
        assert QBR_WORD not in seen
        assert "meeting m-acme-qbr (Busy)" in seen
        assert "as seen by u-priya" in seen.splitlines()[0]
        _code, data, _err = run(capsys, *base, "--format", "json")
        assert QBR_TITLE in data
        _code, data, _err = run(capsys, *base, "--viewer", "u-priya", "--format", "json")
        assert json.loads(data) == demo_result(viewer="u-priya").to_dicts()
        assert QBR_TITLE not in data

    def test_non_admin_viewer_is_refused(self, capsys, snapshot_file: Path) -> None:
        """A viewer who is neither the rep nor a super admin gets a permission error, exit 2."""
        code, out, err = run(
            capsys, "evaluate", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--viewer", "u-marcus",
        )  # fmt: skip
        assert code == 2
        assert out == ""
        assert err.startswith("guided-actions: error:")
        assert "may not view" in err
        assert "Traceback" not in err

    def test_stdin(self, capsys, monkeypatch) -> None:
        """``-`` reads the snapshot from standard input."""
        data = json.dumps(demo_document()).encode()
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
        code, out, _err = run(
            capsys, "evaluate", "-", "--user", DEMO_USER, "--now", NOW, "--format", "json"
        )
        assert code == 0
        assert json.loads(out) == demo_result().to_dicts()

    def test_now_defaults_to_the_current_time(self, capsys, tmp_path: Path) -> None:
        """Without ``--now`` the current time is used: a 2000 task exists, a 2999 one does not."""
        doc = {
            "schema": "guided-actions/1",
            "users": [{"id": "u1", "email": "u1@example.com"}],
            "sequences": [{"id": "s1"}],
            "tasks": [
                {
                    "id": f"t{year}",
                    "owner_id": "u1",
                    "created_at": f"{year}-01-01T00:00:00Z",
                    "sequence_id": "s1",
                    "sequence_step": 1,
                }
                for year in (2000, 2999)
            ],
        }
        path = tmp_path / "s.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        code, out, _err = run(capsys, "evaluate", str(path), "--user", "u1", "--format", "json")
        assert code == 0
        [action] = json.loads(out)
        assert action["rule"] == "sequence_activity"
        assert action["subjects"] == [{"kind": "task", "id": "t2000"}]


class TestExplain:
    def test_subject_with_actions(self, capsys, snapshot_file: Path) -> None:
        """``explain`` prints one block per rule of the record's kind, the active ones with
        their key, every check marked met or not."""
        code, out, _err = run(
            capsys, "explain", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--subject", "contact:c-ines",
        )  # fmt: skip
        assert code == 0
        expected = explain(demo_snapshot(), DEMO_NOW, DEMO_USER, "contact:c-ines")
        assert out == "\n".join(explanation_lines(expected)) + "\n"
        about = demo_result().about("contact", "c-ines")
        assert {r.rule for r in expected.with_status("active")} == {a.rule for a in about}
        for action in about:
            assert f"key: {action.key}" in out
        assert "[ ]" in out
        assert "[x]" in out

    def test_member_of_a_card(self, capsys, snapshot_file: Path) -> None:
        """A record that is one member of a grouped card is active with the card's key."""
        code, out, _err = run(
            capsys, "explain", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--subject", "task:t-seq-amara-1",
        )  # fmt: skip
        assert code == 0
        (card,) = demo_result().filter(rule="sequence_activity").about("task", "t-seq-amara-1")
        assert "Sequence activity [sequence_activity]: active" in out
        assert f"key: {card.key}" in out

    def test_subject_without_actions(self, capsys, snapshot_file: Path) -> None:
        """A subject no action is about lists every rule of its kind as not active."""
        code, out, err = run(
            capsys, "explain", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--subject", "contact:c-karl",
        )  # fmt: skip
        assert (code, err) == (0, "")
        assert out.startswith("contact c-karl, for user u-claire at ")
        assert ": active" not in out
        assert ": unmet" in out

    def test_json_is_exactly_to_dict(self, capsys, snapshot_file: Path) -> None:
        code, out, _err = run(
            capsys, "explain", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--subject", "deal:d-acme-renewal", "--format", "json",
        )  # fmt: skip
        assert code == 0
        expected = explain(demo_snapshot(), DEMO_NOW, DEMO_USER, "deal:d-acme-renewal").to_dict()
        assert json.loads(out) == expected

    def test_kind_case_and_spaces_are_ignored(self, capsys, snapshot_file: Path) -> None:
        """``--subject " Contact :c-ines"`` explains contact c-ines; the id is taken as given."""
        args = ["explain", str(snapshot_file), "--user", DEMO_USER, "--now", NOW, "--subject"]
        code, out, err = run(capsys, *args, " Contact :c-ines")
        assert (code, err) == (0, "")
        assert out == run(capsys, *args, "contact:c-ines")[1]
        code, _out, err = run(capsys, *args, "contact: c-ines")
        assert (code, err) == (
            2,
            "guided-actions: error: unknown contact ' c-ines': no such record in the snapshot\n",
        )

    def test_unknown_record(self, capsys, snapshot_file: Path) -> None:
        code, out, err = run(
            capsys, "explain", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--subject", "deal:nope",
        )  # fmt: skip
        assert (code, out) == (2, "")
        assert "unknown deal 'nope'" in err
        assert "Traceback" not in err


class TestRules:
    def test_table_lists_the_catalogue(self, capsys) -> None:
        """``rules`` lists the 18 ids with their titles, categories and priorities."""
        code, out, _err = run(capsys, "rules")
        assert code == 0
        assert out.startswith("18 built-in rules")
        for cls in BUILTIN_RULES:
            [line] = [ln for ln in out.splitlines() if ln.startswith(f"{cls.id}  ")]
            assert cls.title in line
            assert line.endswith(f"{cls.category}, {cls.priority} priority")
        assert max(len(line) for line in out.splitlines()) <= 100

    def test_table_shows_thresholds(self, capsys) -> None:
        """Thresholds are shown with their defaults in days, hours or minutes."""
        _code, out, _err = run(capsys, "rules")
        assert "lifetime = 30 days: how long the action lives" in out
        assert "thresholds   none" in out  # sequence_activity has no threshold

    def test_json_is_the_declared_data(self, capsys) -> None:
        """``rules --format json`` gives each rule's declared data and threshold defaults."""
        code, out, _err = run(capsys, "rules", "--format", "json")
        assert code == 0
        data = json.loads(out)
        assert [d["id"] for d in data] == RULE_IDS
        for entry, cls in zip(data, BUILTIN_RULES, strict=True):
            assert (entry["title"], entry["category"], entry["priority"]) == (
                cls.title,
                cls.category,
                cls.priority,
            )
            assert entry["subject_kind"] == cls.subject_kind
            assert entry["grouped"] is cls.grouped
            assert (entry["created_at"], entry["expires"]) == (cls.created_at_doc, cls.expires_doc)
            assert {t["name"]: t["seconds"] for t in entry["thresholds"]} == {
                name: value.total_seconds() for name, value in cls().thresholds().items()
            }
            assert {t["name"]: t["doc"] for t in entry["thresholds"]} == cls.threshold_docs()
            assert (entry["plugin"], entry["enabled"]) == ("builtin", True)

    def test_table_names_each_plugin(self, capsys) -> None:
        """Under each rule's title line, the table names the plugin it comes from."""
        _code, out, _err = run(capsys, "rules")
        lines = out.splitlines()
        for cls in BUILTIN_RULES:
            [i] = [n for n, ln in enumerate(lines) if ln.startswith(f"{cls.id}  ")]
            assert lines[i + 1] == "  plugin       builtin"


class TestCallsToAction:
    """Issue 16: the JSON of every command carries ``priority`` and ``calls_to_action``; the
    catalogue shows each rule's calls to action."""

    @staticmethod
    def links(cls: type[Rule]) -> list[dict[str, str]]:
        return [{"id": c.id, "label": c.label, "opens": c.opens} for c in cls.calls_to_action]

    def assert_carried(self, dicts: list[dict]) -> set[str]:
        by_id = {cls.id: cls for cls in BUILTIN_RULES}
        for d in dicts:
            cls = by_id[d["rule"]]
            assert d["priority"] == cls.priority
            assert d["calls_to_action"] == self.links(cls)
        return {d["rule"] for d in dicts}

    def test_evaluate_json(self, capsys, snapshot_file: Path) -> None:
        """``evaluate --format json``: every rule of the demo, with its priority and links."""
        code, out, _err = run(
            capsys, "evaluate", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--format", "json",
        )  # fmt: skip
        assert code == 0
        assert self.assert_carried(json.loads(out)) == set(RULE_IDS)

    def test_evaluate_all_and_workspace_json(self, capsys, snapshot_file: Path) -> None:
        """``evaluate --all`` and ``workspace`` carry the same two keys."""
        code, out, _err = run(
            capsys, "evaluate", str(snapshot_file), "--all", "--now", NOW, "--format", "json"
        )
        assert code == 0
        every = json.loads(out)
        assert self.assert_carried([d for dicts in every.values() for d in dicts])
        code, out, _err = run(
            capsys, "workspace", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--format", "json",
        )  # fmt: skip
        assert code == 0
        actions = json.loads(out)["actions"]
        assert self.assert_carried(actions) == set(RULE_IDS)
        assert actions == every[DEMO_USER]

    def test_rules_json(self, capsys) -> None:
        """``rules --format json`` gives each rule's declared links, in order."""
        _code, out, _err = run(capsys, "rules", "--format", "json")
        data = json.loads(out)
        assert [entry["calls_to_action"] for entry in data] == [
            self.links(cls) for cls in BUILTIN_RULES
        ]

    def test_rules_table(self, capsys) -> None:
        """The table shows one ``links`` line per call to action, under the expiry."""
        _code, out, _err = run(capsys, "rules")
        lines = out.splitlines()
        for cls in BUILTIN_RULES:
            [i] = [n for n, ln in enumerate(lines) if ln.startswith(f"{cls.id}  ")]
            j = next(n for n in range(i, len(lines)) if lines[n].startswith("  links"))
            shown = lines[j : j + len(cls.calls_to_action)]
            assert shown == [
                f"  {'links' if k == 0 else '':<13}{c.label} ({c.id}; opens the {c.opens})"
                for k, c in enumerate(cls.calls_to_action)
            ]
            assert lines[j - 1].startswith(("  expires", " " * 15))
            assert lines[j + len(cls.calls_to_action)].startswith("  thresholds")

    def test_rules_table_of_a_rule_without_links(self, capsys, monkeypatch) -> None:
        """A plugin rule declaring no calls to action shows ``links        none``."""

        @attrs.frozen
        class Bare(Rule):
            id = "bare"
            title = "Bare"
            category = "deal"
            priority = "low"
            subject_kind = "deal"

            def propose(self, ctx):
                return iter(())

        bare = types.SimpleNamespace(
            guided_actions_rules=hookimpl(lambda: [Bare]), __name__="bare_plugin"
        )
        monkeypatch.setattr(
            reading, "load_rules", lambda entry_points=True: load_rules([bare], entry_points=False)
        )
        _code, out, _err = run(capsys, "rules")
        lines = out.splitlines()
        i = next(n for n, ln in enumerate(lines) if ln.startswith("bare  "))
        assert "  links        none" in lines[i : i + 7]
        _code, out, _err = run(capsys, "rules", "--format", "json")
        assert json.loads(out)[-1]["calls_to_action"] == []


def test_version(capsys) -> None:
    """``--version`` prints the package version and exits 0."""
    code, out, _err = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"guided-actions {guided_actions.__version__}"


def _write(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def _invalid_snapshot(count: int) -> bytes:
    return json.dumps(
        {
            "schema": "guided-actions/1",
            "contacts": [
                {"id": f"c{i}", "created_at": "2025-01-01T09:00:00"} for i in range(count)
            ],
        }
    ).encode()


class TestBadInput:
    @pytest.mark.parametrize(
        ("case", "expected"),
        [
            ("missing file", "no such file"),
            ("directory", "it is a directory"),
            ("invalid JSON", "not valid JSON: Expecting value at line 3, column 13"),
            ("non-UTF-8", "not UTF-8 text: byte 0xff at offset 1"),
            ("invalid snapshot", "field 'created_at': naive instant"),
            ("not an object", "expected a JSON object at the top level"),
            ("unknown user", "unknown user 'nobody'"),
            ("unknown viewer", "unknown viewer 'nobody'"),
            ("non-admin viewer", "may not view"),
            ("naive now", "has no time zone"),
            ("malformed now", "is not an ISO-8601 instant"),
        ],
    )
    def test_evaluate_errors(self, capsys, tmp_path: Path, case: str, expected: str) -> None:
        """Bad input gives one ``guided-actions: error:`` paragraph on stderr and exit 2."""
        good = _write(tmp_path, "good.json", json.dumps(demo_document()).encode())
        path, user, extra = good, DEMO_USER, ["--now", NOW]
        if case == "missing file":
            path = str(tmp_path / "absent.json")
        elif case == "directory":
            path = str(tmp_path)
        elif case == "invalid JSON":
            text = b'{\n  "schema": "guided-actions/1",\n  "users": [,]\n}'
            path = _write(tmp_path, "bad.json", text)
        elif case == "non-UTF-8":
            path = _write(tmp_path, "bad.json", b'{\xff"schema": 1}')
        elif case == "invalid snapshot":
            path = _write(tmp_path, "bad.json", _invalid_snapshot(1))
        elif case == "not an object":
            path = _write(tmp_path, "bad.json", b"[1, 2]")
        elif case == "unknown user":
            user = "nobody"
        elif case == "unknown viewer":
            extra += ["--viewer", "nobody"]
        elif case == "non-admin viewer":
            extra += ["--viewer", "u-marcus"]
        elif case == "naive now":
            extra = ["--now", "2025-05-14T09:30:00"]
        elif case == "malformed now":
            extra = ["--now", "next tuesday"]
        code, out, err = run(capsys, "evaluate", path, "--user", user, *extra)
        assert code == 2
        assert out == ""
        assert err.startswith("guided-actions: error:")
        assert expected in err
        assert "Traceback" not in err

    def test_unreadable_file(self, capsys, tmp_path: Path, monkeypatch) -> None:
        """A file the program may not read is reported with the system's reason."""
        path = _write(tmp_path, "locked.json", b"{}")

        def refuse(self: Path, *args: object, **kwargs: object) -> bytes:
            raise PermissionError(13, "Permission denied", str(self))

        monkeypatch.setattr(Path, "read_bytes", refuse)
        monkeypatch.setattr(Path, "open", refuse)  # however the program opens the file
        code, _out, err = run(capsys, "evaluate", path, "--user", DEMO_USER, "--now", NOW)
        assert code == 2
        assert err == f"guided-actions: error: cannot read {path}: Permission denied\n"

    def test_problems_are_capped(self, capsys, tmp_path: Path) -> None:
        """A snapshot with many problems lists the first 20 and says how many more there are."""
        path = _write(tmp_path, "bad.json", _invalid_snapshot(27))
        code, _out, err = run(capsys, "evaluate", path, "--user", DEMO_USER, "--now", NOW)
        assert code == 2
        lines = err.splitlines()
        assert lines[0] == f"guided-actions: error: {path} is not a valid snapshot (27 problems):"
        assert sum(line.startswith("  - ") for line in lines) == 20
        assert lines[-1] == "  ... and 7 more"

    def test_invalid_snapshot_on_stdin(self, capsys, monkeypatch) -> None:
        """Problems of a snapshot read from stdin name standard input."""
        stream = io.TextIOWrapper(io.BytesIO(_invalid_snapshot(2)), encoding="utf-8")
        monkeypatch.setattr(sys, "stdin", stream)
        code, _out, err = run(capsys, "evaluate", "-", "--user", DEMO_USER, "--now", NOW)
        assert code == 2
        assert err.startswith(
            "guided-actions: error: standard input is not a valid snapshot (2 problems):"
        )

    @pytest.mark.parametrize(
        ("subject", "expected"),
        [
            ("contact", "subject 'contact' must be written KIND:ID, e.g. deal:d1"),
            ("contact:", "subject id must be a non-empty string, got ''"),
            (
                " Planet :p1",
                "unknown subject kind 'planet'; expected one of "
                "contact, lead, deal, company, email, call, meeting, task",
            ),
        ],
    )
    def test_malformed_subject(
        self, capsys, snapshot_file: Path, subject: str, expected: str
    ) -> None:
        """A ``--subject`` that is not KIND:ID with a known kind is an error, exit 2."""
        code, out, err = run(
            capsys, "explain", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--subject", subject,
        )  # fmt: skip
        assert code == 2
        assert out == ""
        assert err == f"guided-actions: error: --subject: {expected}\n"

    def test_explain_unknown_user(self, capsys, snapshot_file: Path) -> None:
        """``explain`` for an unknown user is an error too."""
        code, _out, err = run(
            capsys, "explain", str(snapshot_file), "--user", "ghost", "--now", NOW,
            "--subject", "contact:c-ines",
        )  # fmt: skip
        assert code == 2
        assert err.startswith("guided-actions: error: unknown user 'ghost'")

    def test_demo_unknown_user(self, capsys) -> None:
        """``demo --user`` with a user the demo does not hold is an error."""
        code, _out, err = run(capsys, "demo", "--user", "ghost")
        assert code == 2
        assert err.startswith("guided-actions: error: unknown user 'ghost'")

    @pytest.mark.parametrize(
        "argv",
        [
            [],
            ["launch"],
            ["evaluate", "s.json"],
            ["evaluate", "s.json", "--user", "u1", "--category", "marketing"],
            ["rules", "--format", "xml"],
            ["explain", "s.json", "--user", "u1"],
        ],
        ids=[
            "no command",
            "unknown command",
            "no user",
            "bad category",
            "bad format",
            "no subject",
        ],
    )
    def test_usage_errors(self, capsys, argv: list[str]) -> None:
        """argparse usage errors exit 2 with the usage and a ``guided-actions: error:`` line."""
        code, out, err = run(capsys, *argv)
        assert code == 2
        assert out == ""
        assert err.startswith("usage: guided-actions")
        assert "guided-actions: error:" in err
        assert "Traceback" not in err


class TestInstalledProgram:
    def test_python_dash_m(self) -> None:
        """``python -m guided_actions rules`` runs and lists the catalogue."""
        proc = subprocess.run(
            [sys.executable, "-m", "guided_actions", "rules"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert "reply_to_email" in proc.stdout

    def test_console_script(self) -> None:
        """The ``guided-actions`` console script runs the demo."""
        script = shutil.which("guided-actions") or shutil.which(
            "guided-actions", path=str(Path(sys.executable).parent)
        )
        assert script is not None
        proc = subprocess.run(
            [script, "demo"], capture_output=True, text=True, encoding="utf-8", check=False
        )
        assert proc.returncode == 0, proc.stderr
        installed = demo_result(rules=load_rules())  # the program sees the installed plugins
        assert proc.stdout.startswith(f"{len(installed)} guided actions for {DEMO_USER}")


@attrs.frozen
class Broken(Rule):
    """A rule that always raises."""

    id = "broken"
    title = "Broken"
    category = "general"
    priority = "low"
    subject_kind = "contact"

    def propose(self, ctx):
        raise RuntimeError("boom")


class TestFailingRule:
    @pytest.fixture(autouse=True)
    def _broken_plugin(self, monkeypatch) -> None:
        plugin = types.ModuleType("broken_plugin")
        plugin.guided_actions_rules = hookimpl(lambda: [Broken])  # type: ignore[attr-defined]

        def with_broken(plugins=(), *, entry_points=True, config=None):
            return load_rules([plugin], entry_points=False, config=config)

        monkeypatch.setattr(reading, "load_rules", with_broken)

    def test_table_reports_the_failure(self, capsys) -> None:
        """A failing rule is listed under the table with its plugin; other actions still show."""
        code, out, _err = run(capsys, "demo")
        assert code == 0
        tail = out.split("\nRules that failed:\n", 1)[1].splitlines()
        assert tail == ["  - rule 'broken' (plugin 'broken_plugin') failed: RuntimeError: boom"]
        assert "reply_to_email" in out

    def test_json_stays_pure_and_warns_on_stderr(self, capsys) -> None:
        """With ``--format json`` stdout is still the actions alone; the failure goes to stderr."""
        code, out, err = run(capsys, "demo", "--format", "json")
        assert code == 0
        assert len({d["rule"] for d in json.loads(out)}) == 18
        assert err == (
            "guided-actions: warning: rule 'broken' (plugin 'broken_plugin') failed: "
            "RuntimeError: boom\n"
        )

"""``guided-actions events``: the replayed event stream as CloudEvents JSON lines."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from guided_actions import Event, evaluate, load_rules, replay
from guided_actions._adapters.cli import main, reading
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_document, demo_snapshot

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "docs/reference/events.schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA)
START = DEMO_NOW.isoformat()
END = (DEMO_NOW + timedelta(days=14)).isoformat()


@pytest.fixture(autouse=True)
def _no_installed_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """The program sees only the built-in rules, whatever plugins this environment has."""

    def builtins_only(plugins: Any = (), *, entry_points: bool = True, config: Any = None) -> Any:
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


def write_changes(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "changes.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def first_key() -> str:
    return evaluate(demo_snapshot(), DEMO_NOW, DEMO_USER).actions[0].key


def test_prints_the_replay_as_cloudevents(capsys: Any, snapshot_file: Path) -> None:
    """One CloudEvent per line, valid by the schema, exactly replay's events."""
    code, out, err = run(
        capsys, "events", str(snapshot_file), "--user", DEMO_USER, "--from", START, "--to", END
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    expected = list(replay(demo_snapshot(), DEMO_USER, DEMO_NOW, DEMO_NOW + timedelta(days=14)))
    assert len(lines) == len(expected) > 0
    for line, event in zip(lines, expected, strict=True):
        cloud = json.loads(line)
        VALIDATOR.validate(cloud)
        assert cloud == event.to_cloudevent()
        assert Event.from_cloudevent(cloud).id == event.id
        assert line.isascii()


def test_changes_file_is_applied(capsys: Any, snapshot_file: Path, tmp_path: Path) -> None:
    """A dismissal an hour in expires the action then, with reason dismissed; blank lines
    are skipped."""
    key = first_key()
    at = (DEMO_NOW + timedelta(hours=1)).isoformat()
    dismissal = {"user_id": DEMO_USER, "action_key": key}
    changes = write_changes(
        tmp_path, json.dumps({"at": at, "upsert": {"dismissals": [dismissal]}}), ""
    )
    code, out, err = run(
        capsys,
        "events",
        str(snapshot_file),
        "--user",
        DEMO_USER,
        "--from",
        START,
        "--to",
        END,
        "--changes",
        str(changes),
    )
    assert (code, err) == (0, "")
    dismissed = [json.loads(line) for line in out.splitlines() if key in line]
    assert [(e["type"], e["data"]["reason"]) for e in dismissed] == [
        ("io.guided-actions.action.expired", "dismissed")
    ]
    assert dismissed[0]["time"] == "2025-05-14T08:30:00Z"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"at": "2025-05-14T09:00Z"}', "not json"], "line 2: not JSON"),
        (["[1, 2]"], "line 1: expected a JSON object"),
        (['{"at": "2025-05-14T09:00Z", "update": {}}'], "line 1: unknown key 'update'"),
        (['{"upsert": {}}'], "line 1: missing at"),
        (['{"at": "soon"}'], "line 1: at 'soon' is not an ISO-8601 instant"),
        (['{"at": 3}'], "line 1: at 3 is not an ISO-8601 instant"),
        (['{"at": "2025-05-14T09:00"}'], "line 1: at '2025-05-14T09:00' has no time zone"),
        (
            ['{"at": "2025-05-15T09:00Z"}', "", '{"at": "2025-05-14T09:00Z"}'],
            "line 3: at '2025-05-14T09:00Z' is earlier than the line before",
        ),
    ],
)
def test_bad_lines_name_the_line(
    capsys: Any, snapshot_file: Path, tmp_path: Path, lines: list[str], message: str
) -> None:
    """A bad line is an error naming the file, the line and the problem: exit 2, no
    traceback, nothing on standard output."""
    changes = write_changes(tmp_path, *lines)
    code, out, err = run(
        capsys,
        "events",
        str(snapshot_file),
        "--user",
        DEMO_USER,
        "--from",
        START,
        "--to",
        END,
        "--changes",
        str(changes),
    )
    assert (code, out) == (2, "")
    assert err.startswith("guided-actions: error: ")
    assert f"{changes}, {message}" in err
    assert "Traceback" not in err


def test_changes_that_make_the_snapshot_invalid(
    capsys: Any, snapshot_file: Path, tmp_path: Path
) -> None:
    """The line whose changes break the snapshot is named with its problems; the events
    before it were written."""
    good = json.dumps({"at": "2025-05-14T08:00Z", "delete": {"notes": ["missing"]}})
    bad = json.dumps({"at": "2025-05-20T08:00Z", "upsert": {"deals": [{"id": "d-new"}]}})
    changes = write_changes(tmp_path, good, bad)
    code, out, err = run(
        capsys,
        "events",
        str(snapshot_file),
        "--user",
        DEMO_USER,
        "--from",
        START,
        "--to",
        END,
        "--changes",
        str(changes),
    )
    assert code == 2
    assert out
    assert f"{changes}, line 2: the changes make the snapshot invalid (3 problems):" in err
    assert "deals 'd-new', field 'pipeline_id': missing required field" in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--from", "tomorrow", "--to", END], "--from 'tomorrow' is not an ISO-8601 instant"),
        (["--from", START, "--to", "2025-05-20T09:00"], "--to '2025-05-20T09:00' has no time"),
        (["--from", END, "--to", START], "is earlier than --from"),
    ],
)
def test_bad_instants(capsys: Any, snapshot_file: Path, options: list[str], message: str) -> None:
    code, out, err = run(capsys, "events", str(snapshot_file), "--user", DEMO_USER, *options)
    assert (code, out) == (2, "")
    assert message in err


def test_unknown_user_and_missing_file(capsys: Any, snapshot_file: Path, tmp_path: Path) -> None:
    code, _out, err = run(
        capsys, "events", str(snapshot_file), "--user", "nobody", "--from", START, "--to", END
    )
    assert code == 2
    assert "unknown user 'nobody'" in err
    missing = tmp_path / "none.jsonl"
    code, _out, err = run(
        capsys,
        "events",
        str(snapshot_file),
        "--user",
        DEMO_USER,
        "--from",
        START,
        "--to",
        END,
        "--changes",
        str(missing),
    )
    assert code == 2
    assert f"cannot read {missing}" in err


def test_help_has_examples(capsys: Any) -> None:
    code, out, _err = run(capsys, "events", "--help")
    assert code == 0
    assert "--changes" in out
    assert "guided-actions events demo.json" in out

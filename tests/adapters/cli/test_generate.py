"""``guided-actions generate``: its document, bad arguments, a file written whole or not at all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from guided_actions import Snapshot
from guided_actions._adapters import cli
from guided_actions._adapters.cli import commands
from guided_actions.synthetic import generate
from guided_actions.testing import NOW

ARGS = ["--users", "2", "--contacts-per-user", "3", "--seed", "7", "--now", NOW.isoformat()]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["generate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_writes_the_generated_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The file holds exactly ``generate(...)``, and nothing else is left in the folder."""
    target = tmp_path / "crm.json"
    code, _out, _err = run(capsys, *ARGS, "-o", str(target))
    assert code == cli.EXIT_OK
    expected = generate(users=2, contacts_per_user=3, seed=7, now=NOW)
    assert json.loads(target.read_text(encoding="utf-8")) == expected
    assert [p.name for p in tmp_path.iterdir()] == ["crm.json"]


def test_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, *ARGS, "-o", "-")
    assert code == cli.EXIT_OK
    assert json.loads(out) == generate(users=2, contacts_per_user=3, seed=7, now=NOW)


@pytest.mark.parametrize(
    ("now", "ok"),
    [
        ("0002-06-01T00:00:00+00:00", False),
        ("0003-01-01T00:00:00+00:00", True),
        ("9997-12-31T23:59:59+00:00", True),
        ("9998-01-01T00:00:00+00:00", False),
        ("0001-01-01T00:00:00+00:00", False),
        ("9999-12-31T23:59:59-01:00", False),
    ],
)
def test_now_at_the_edges(
    now: str, ok: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A ``now`` whose records would fall outside the supported years is refused in one line,
    before any file is made; inside the range the document loads."""
    target = tmp_path / "crm.json"
    argv = ["--users", "1", "--contacts-per-user", "2", "--now", now, "-o", str(target)]
    code, _out, err = run(capsys, *argv)
    if ok:
        assert code == cli.EXIT_OK
        Snapshot.from_dict(json.loads(target.read_text(encoding="utf-8")))
    else:
        assert code == cli.EXIT_BAD_INPUT
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
        assert "now" in err
        assert list(tmp_path.iterdir()) == []


def interrupted(after: int) -> Any:
    real = commands._document_chunks

    def chunks(*args: Any) -> Iterator[str]:
        for i, chunk in enumerate(real(*args)):
            if i == after:
                raise KeyboardInterrupt
            yield chunk

    return chunks


@pytest.mark.parametrize("existing", [False, True], ids=["new-file", "existing-file"])
def test_interrupted_writing_leaves_nothing_half_built(
    existing: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C while writing: status 130, no partial document, an existing file unchanged."""
    target = tmp_path / "crm.json"
    if existing:
        target.write_text('{"schema": "guided-actions/1"}', encoding="utf-8")
    monkeypatch.setattr(commands, "_document_chunks", interrupted(after=5))
    code, _out, err = run(capsys, *ARGS, "-o", str(target))
    assert code == cli.EXIT_INTERRUPTED
    assert "Traceback" not in err
    if existing:
        assert target.read_text(encoding="utf-8") == '{"schema": "guided-actions/1"}'
        assert [p.name for p in tmp_path.iterdir()] == ["crm.json"]
    else:
        assert list(tmp_path.iterdir()) == []


def test_a_folder_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An output path in a missing folder: one line naming the target, status 2."""
    target = tmp_path / "missing" / "crm.json"
    code, _out, err = run(capsys, *ARGS, "-o", str(target))
    assert code == cli.EXIT_BAD_INPUT
    assert str(target) in err
    assert len(err.strip().splitlines()) == 1

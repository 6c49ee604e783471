"""``evaluate --all --workers N``: the same output as one worker, progress as runs finish."""

from __future__ import annotations

import functools
import io
import json
import multiprocessing
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from guided_actions._adapters.cli import commands, main
from guided_actions._adapters.cli.progress import Progress
from guided_actions.synthetic import generate

NOW = "2025-03-03T12:00:00+00:00"


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def crm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CRM of six reps, as a file."""
    path = tmp_path_factory.mktemp("crm") / "crm.json"
    document = generate(users=6, contacts_per_user=40, now=datetime(2025, 3, 3, 12, tzinfo=UTC))
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
@pytest.mark.parametrize("workers", ["2", "0"])
def test_same_output(capsys: pytest.CaptureFixture[str], crm: Path, fmt: str, workers: str) -> None:
    """Standard output is byte for byte that of ``--workers 1``, in every format."""
    args = ["evaluate", str(crm), "--all", "--now", NOW, "--format", fmt, "--no-plugins"]
    code, one, err = run(capsys, *args, "--workers", "1")
    assert (code, err) == (0, "")
    assert one.count("\n") > 6
    assert run(capsys, *args, "--workers", workers) == (0, one, "")
    assert multiprocessing.active_children() == []


def test_progress_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], crm: Path
) -> None:
    """On a terminal the users done advance as runs finish, then the total time shows."""
    fake = FakeTerminal()
    monkeypatch.setattr("sys.stderr", fake)
    # Every update shows (not one per tenth of a second).
    monkeypatch.setattr(commands, "Progress", functools.partial(Progress, interval=0.0))
    args = ["evaluate", str(crm), "--all", "--now", NOW, "--format", "json", "--no-plugins"]
    assert main([*args, "--workers", "2"]) == 0
    parts = fake.getvalue().split("\r")[1:]
    done = [int(m.group(1)) for p in parts if (m := re.match(r"evaluating: (\d)/6 users ", p))]
    assert len(done) > 1
    assert done == sorted(done)
    assert done[-1] == 6
    assert re.fullmatch(r"evaluated 6 users in \d+\.\d s *\n", parts[-1])
    assert "evaluating" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--all", "--workers", "-1"],
            "argument --workers: '-1' is not a number of processes: give 1 or more, or 0 for "
            "every processor",
        ),
        (["--all", "--workers", "two"], "argument --workers: 'two' is not a number of processes"),
        (["--all", "--workers", "1.5"], "argument --workers: '1.5' is not a number of processes"),
        (
            ["--user", "u1", "--workers", "2"],
            "--workers applies to every user's actions: use it with --all",
        ),
    ],
)
def test_bad_workers(
    capsys: pytest.CaptureFixture[str], crm: Path, argv: list[str], message: str
) -> None:
    """A number of workers below 0, not a number, or without --all: a usage error."""
    code, out, err = run(capsys, "evaluate", str(crm), "--now", NOW, *argv)
    assert (code, out) == (2, "")
    assert message in err


def test_one_user_with_one_worker(capsys: pytest.CaptureFixture[str], crm: Path) -> None:
    """``--workers 1`` (the default) goes with --user too."""
    args = ["evaluate", str(crm), "--user", "u1", "--now", NOW, "--format", "json"]
    assert run(capsys, *args, "--workers", "1") == run(capsys, *args)


def test_help_shows_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    """The help of ``evaluate`` documents --workers and shows it in an example."""
    code, out, _err = run(capsys, "evaluate", "--help")
    assert code == 0
    assert "--workers N" in out
    assert "--all --now 2025-05-14T09:30Z --workers 0 --format json" in out

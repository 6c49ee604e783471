"""Hostile input through the command line: an endless or oversized input, a key given twice,
an integer too long to read, a host-dependent time zone, a document whose problems would
multiply. Each exits 2 with one short ``guided-actions: error:`` paragraph, never a traceback."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guided_actions import load_rules
from guided_actions._adapters.cli import main, parsing, reading
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_document

NOW = DEMO_NOW.isoformat()
COMMANDS = [
    ["evaluate", "--user", DEMO_USER],
    ["explain", "--user", DEMO_USER, "--subject", "contact:c-ines"],
    ["workspace", "--user", DEMO_USER],
]


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


def demo_text() -> str:
    return json.dumps(demo_document())


def write(tmp_path: Path, text: str | bytes, name: str = "snapshot.json") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def refused(err: str, limit: str) -> bool:
    """The one-paragraph refusal of an input larger than ``limit``."""
    return (
        err.startswith("guided-actions: error: ")
        and f"is larger than {limit}, the most this command reads" in err
        and "--max-input-size" in err
        and "Traceback" not in err
    )


# -- the size of the input --------------------------------------------------------------------


class EndlessStream(io.RawIOBase):
    """Standard input that never ends (``/dev/zero``), counting what was asked of it."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = len(buffer)
        buffer[:] = b" " * size
        self.served += size
        return size

    def readall(self) -> bytes:
        raise AssertionError("read the whole of an endless stream")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_endless_standard_input_is_refused_at_the_limit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """An endless standard input is read in chunks up to the limit and one byte, then refused."""
    stream = EndlessStream()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(stream, 4096)))
    code, out, err = run(capsys, *command[:1], "-", *command[1:], "--max-input-size", "3MB")
    assert (code, out) == (2, "")
    assert refused(err, "3MB")
    assert "standard input" in err
    assert 3_000_000 < stream.served <= 3_000_000 + (1 << 20) + 4096


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_dev_zero_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """``evaluate /dev/zero`` stops at the limit instead of reading until memory runs out."""
    code, out, err = run(
        capsys, "evaluate", "/dev/zero", "--user", DEMO_USER, "--max-input-size", "2MiB"
    )
    assert (code, out) == (2, "")
    assert refused(err, "2MiB")


def test_the_default_limit_applies(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without ``--max-input-size`` the default limit is the one applied."""
    monkeypatch.setattr(parsing, "MAX_INPUT_SIZE", 1000)
    path = write(tmp_path, demo_text())
    code, _out, err = run(capsys, "evaluate", path, "--user", DEMO_USER, "--now", NOW)
    assert code == 2
    assert refused(err, "1KB")
    assert reading.MAX_INPUT_SIZE == 4_000_000_000


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("source", ["file", "stdin-bytes", "stdin-text"])
def test_limit_boundary(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: list[str],
    source: str,
) -> None:
    """A snapshot of exactly the limit is read; one byte (or character) less of limit refuses
    it, for a file and for standard input alike."""
    text = demo_text()
    size = len(text)

    def attempt(limit: int) -> tuple[int, str]:
        if source == "file":
            path = write(tmp_path, text)
        else:
            path = "-"
            raw = io.BytesIO(text.encode())
            stream = io.TextIOWrapper(raw) if source == "stdin-bytes" else io.StringIO(text)
            monkeypatch.setattr(sys, "stdin", stream)
        code, _out, err = run(
            capsys, *command[:1], path, *command[1:], "--now", NOW, "--max-input-size", str(limit)
        )
        return code, err

    assert attempt(size) == (0, "")
    code, err = attempt(size - 1)
    assert code == 2
    assert refused(err, f"{size - 1} bytes")
    if source == "file":  # its size is known: refused before reading, and said
        assert f"({size:,} bytes)" in err


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1", 1),
        ("1000000", 1_000_000),
        ("200MB", 200_000_000),
        ("200mb", 200_000_000),
        ("1.5GB", 1_500_000_000),
        ("1.5 GB", 1_500_000_000),
        ("512MiB", 512 << 20),
        ("4GB", 4_000_000_000),
        ("2KiB", 2048),
        ("1TB", 10**12),
        ("0.5KB", 500),
        ("1.0009KB", 1000),  # rounded down
        ("10B", 10),
        ("10 bytes", 10),
        ("1 byte", 1),
    ],
)
def test_parse_size(text: str, size: int) -> None:
    """A number of bytes, or a number and a unit, decimal or binary, in any case."""
    assert parsing.parse_size(text) == size


@pytest.mark.parametrize(
    "text", ["", "MB", "-5", "0", "0.5", "0.0001KB", "10XB", "1e9", "1,000", "1.5.2MB", "GB1"]
)
def test_parse_size_refuses(text: str) -> None:
    """Anything else, and less than one byte, is a usage error."""
    with pytest.raises(argparse.ArgumentTypeError, match=r"is not a size|less than one byte"):
        parsing.parse_size(text)


@pytest.mark.parametrize("bad", ["lots", "0"])
def test_bad_size_is_a_usage_error(capsys: pytest.CaptureFixture[str], bad: str) -> None:
    """A malformed ``--max-input-size`` is a usage error, exit 2."""
    code, _out, err = run(capsys, "evaluate", "-", "--user", "u", "--max-input-size", bad)
    assert code == 2
    assert "--max-input-size" in err


@given(st.integers(1, 10**15))
def test_size_text_reads_back(size: int) -> None:
    """The limit a message names is a size ``--max-input-size`` reads back as the same bytes."""
    assert parsing.parse_size(reading.size_text(size)) == size


# -- what the input holds ---------------------------------------------------------------------


def test_a_key_given_twice_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``"super_admin": false, "super_admin": true`` does not make a rep a super admin."""
    doc = demo_document()
    (marcus,) = [u for u in doc["users"] if u["id"] == "u-marcus"]
    assert not marcus.get("super_admin")
    marcus["__twice__"] = True
    text = json.dumps(doc).replace('"__twice__": true', '"super_admin": false, "super_admin": true')
    path = write(tmp_path, text)
    code, out, err = run(
        capsys, "evaluate", path, "--user", DEMO_USER, "--viewer", "u-marcus", "--now", NOW
    )
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"guided-actions: error: {path} is not a valid snapshot (1 problem):",
        "  - users 'u-marcus', field 'super_admin': duplicate key: a key may appear only once "
        "in an object (got (False, True))",
    ]


def test_a_second_list_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A second ``contacts`` list does not replace the first."""
    text = demo_text()
    text = text[:-1] + ', "contacts": []}'
    path = write(tmp_path, text)
    code, _out, err = run(capsys, "evaluate", path, "--user", DEMO_USER, "--now", NOW)
    assert code == 2
    assert "  - snapshot, field 'contacts': duplicate key" in err


def test_an_integer_too_long_is_a_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A 5,000-digit integer is reported on its record and field, not as a ValueError."""
    doc = demo_document()
    doc["tasks"][0]["sequence_step"] = 7
    text = json.dumps(doc).replace('"sequence_step": 7', '"sequence_step": ' + "9" * 5000)
    path = write(tmp_path, text)
    code, _out, err = run(capsys, "evaluate", path, "--user", DEMO_USER, "--now", NOW)
    assert code == 2
    task = doc["tasks"][0]["id"]
    assert f"  - tasks '{task}', field 'sequence_step': integer too long: 5,000 digits" in err
    assert len(err) < 1000


def test_a_host_dependent_time_zone_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``localtime`` means a different zone on every host: refused, naming the user."""
    doc = demo_document()
    doc["users"][0]["timezone"] = "localtime"
    path = write(tmp_path, json.dumps(doc))
    code, _out, err = run(capsys, "evaluate", path, "--user", DEMO_USER, "--now", NOW)
    assert code == 2
    assert f"users '{doc['users'][0]['id']}', field 'timezone': a host-dependent name" in err


def test_problems_that_would_multiply_stay_short(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """2,000 contacts on a stage missing from 5,000 lifecycle stages: 20 short lines and a
    count, not 2,000 lists of 5,000 stages."""
    doc = {
        "schema": "guided-actions/1",
        "lifecycle_stages": [f"stage-{i}" for i in range(5_000)],
        "contacts": [
            {"id": f"c{i}", "created_at": "2026-01-05T09:00:00Z", "lifecycle_stage": "x"}
            for i in range(2_000)
        ],
    }
    text = json.dumps(doc)
    path = write(tmp_path, text)
    code, _out, err = run(capsys, "evaluate", path, "--user", DEMO_USER, "--now", NOW)
    assert code == 2
    lines = err.splitlines()
    assert lines[0].endswith("is not a valid snapshot (2000 problems):")
    assert lines[-1] == "  ... and 1980 more"
    assert len(lines) == 22
    assert len(err) < 20 * 400

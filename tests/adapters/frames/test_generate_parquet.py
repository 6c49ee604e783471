"""``guided-actions generate --format parquet``: the synthetic CRM streamed into the directory
``write_parquet`` writes, read back equal, written whole or not at all."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from guided_actions import Snapshot
from guided_actions import frames as gaf
from guided_actions._adapters import cli
from guided_actions._adapters.cli import commands
from guided_actions._adapters.frames import streaming
from guided_actions.errors import InvalidSnapshotError
from guided_actions.synthetic import generate, iter_generate

NOW = datetime(2025, 3, 3, 12, tzinfo=UTC)


def generate_argv(users: int, per_user: int, target: str, seed: int = 0) -> list[str]:
    return ["generate", "--users", str(users), "--contacts-per-user", str(per_user),
            "--seed", str(seed), "--now", NOW.isoformat(), "--format", "parquet",
            "-o", target]  # fmt: skip


def assert_same_directory(written: Path, expected: Path) -> None:
    """The same files; each the same schema (its metadata too) and the same rows."""
    assert sorted(p.name for p in written.iterdir()) == sorted(p.name for p in expected.iterdir())
    for file in expected.iterdir():
        a, b = pq.read_table(written / file.name), pq.read_table(file)
        assert a.schema.equals(b.schema, check_metadata=True), file.name
        assert a.equals(b), file.name


@pytest.mark.parametrize(("users", "per_user", "seed"), [(1, 0, 0), (2, 3, 7), (3, 40, 1)])
def test_read_back_equals_the_generated_document(
    users: int, per_user: int, seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The directory reads back as ``from_dict(generate(...))``, and is, table by table, what
    ``write_parquet`` writes for that snapshot; nothing else is left beside it."""
    target = tmp_path / "crm"
    assert cli.main(generate_argv(users, per_user, str(target), seed)) == cli.EXIT_OK
    expected = Snapshot.from_dict(
        generate(users=users, contacts_per_user=per_user, seed=seed, now=NOW)
    )
    assert gaf.read_parquet(target).to_dict() == expected.to_dict()
    gaf.write_parquet(expected, tmp_path / "reference")
    assert_same_directory(target, tmp_path / "reference")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm", "reference"]
    out, _err = capsys.readouterr()
    assert out == ""


@pytest.mark.parametrize(("batch_rows", "decode_rows"), [(1, 4096), (7, 4096), (10, 3), (1000, 64)])
def test_batches_do_not_change_what_is_written(
    batch_rows: int, decode_rows: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However the lists are cut into decoded pieces and batches (row groups), the files hold
    the same tables."""
    monkeypatch.setattr(streaming, "DECODE_ROWS", decode_rows)
    records = iter_generate(users=2, contacts_per_user=12, seed=3, now=NOW)
    count = streaming.write_records(records, tmp_path / "crm", batch_rows=batch_rows)
    document = generate(users=2, contacts_per_user=12, seed=3, now=NOW)
    assert count == sum(len(v) for v in document.values() if isinstance(v, list))
    gaf.write_parquet(Snapshot.from_dict(document), tmp_path / "reference")
    assert_same_directory(tmp_path / "crm", tmp_path / "reference")
    groups = pq.ParquetFile(tmp_path / "crm" / "contacts.parquet").num_row_groups
    assert groups == {1: 24, 7: 4, 10: 3, 1000: 1}[batch_rows]


def failing_after(count: int, error: BaseException) -> Any:
    """``iter_generate`` that raises ``error`` after ``count`` records."""
    real = iter_generate

    def records(**kwargs: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        made = real(**kwargs)

        def stream() -> Iterator[tuple[str, dict[str, Any]]]:
            for i, record in enumerate(made):
                if i == count:
                    raise error
                yield record

        return stream()

    return records


@pytest.mark.parametrize(
    ("error", "status"),
    [(KeyboardInterrupt(), cli.EXIT_INTERRUPTED), (OSError(28, "No space left on device"),
                                                   cli.EXIT_BAD_INPUT)],
    ids=["ctrl-c", "disk-full"],
)  # fmt: skip
@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
def test_a_failure_mid_write_leaves_nothing_half_built(
    error: BaseException,
    status: int,
    existing: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failure after some batches were written: no temporary directory is left, and the
    target is absent, or the earlier directory as it was."""
    target = tmp_path / "crm"
    if existing:
        assert cli.main(generate_argv(1, 2, str(target))) == cli.EXIT_OK
        before = {p.name: p.read_bytes() for p in target.iterdir()}
    monkeypatch.setattr(
        commands, "write_records", lambda r, t: streaming.write_records(r, t, batch_rows=5)
    )
    monkeypatch.setattr(commands, "iter_generate", failing_after(60, error))
    capsys.readouterr()
    assert cli.main(generate_argv(2, 10, str(target))) == status
    _out, err = capsys.readouterr()
    assert "Traceback" not in err
    if existing:
        assert [p.name for p in tmp_path.iterdir()] == ["crm"]
        assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    else:
        assert list(tmp_path.iterdir()) == []
    if status == cli.EXIT_BAD_INPUT:
        assert err.strip().splitlines() == [
            f"guided-actions: error: cannot write {target}: No space left on device"
        ]


def test_standard_output_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``-o -`` with Parquet: one line saying to give a directory, status 2, nothing made."""
    code = cli.main(generate_argv(1, 1, "-"))
    out, err = capsys.readouterr()
    assert code == cli.EXIT_BAD_INPUT
    assert out == ""
    assert err == "guided-actions: error: --format parquet writes a directory: give -o DIR\n"


def test_without_pyarrow(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without pyarrow: one line naming the extra to install, and no directory."""
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    code = cli.main(generate_argv(1, 1, str(tmp_path / "crm")))
    _out, err = capsys.readouterr()
    assert code == cli.EXIT_BAD_INPUT
    assert err == (
        "guided-actions: error: --format parquet needs pyarrow: "
        "pip install 'guided-actions[frames]'\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["file", "foreign directory"])
def test_a_target_that_is_not_ours(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file, or a directory holding other files, is left alone: one line, status 2."""
    target = tmp_path / "crm"
    if kind == "file":
        target.write_text("keep me", encoding="utf-8")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("keep me", encoding="utf-8")
    code = cli.main(generate_argv(1, 1, str(target)))
    _out, err = capsys.readouterr()
    assert code == cli.EXIT_BAD_INPUT
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"guided-actions: error: cannot write {target}: ")
    kept = target if kind == "file" else target / "notes.txt"
    assert kept.read_text(encoding="utf-8") == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["crm"]


def test_json_stays_the_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [a for a in generate_argv(1, 2, str(tmp_path / "crm.json")) if a not in ("--format",
            "parquet")]  # fmt: skip
    assert cli.main(argv) == cli.EXIT_OK
    assert (tmp_path / "crm.json").read_text(encoding="utf-8").startswith('{"schema":')


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The bar of the contacts made, then how many records went where, as for JSON."""
    fake = FakeTerminal()
    monkeypatch.setattr("sys.stderr", fake)
    monkeypatch.setenv("COLUMNS", "400")
    target = tmp_path / "crm"
    assert cli.main(generate_argv(3, 4, str(target))) == cli.EXIT_OK
    text = fake.getvalue()
    records = sum(len(v) for v in generate(users=3, contacts_per_user=4, now=NOW).values()
                  if isinstance(v, list))  # fmt: skip
    final = text.rsplit("\r", 1)[1]
    assert re.fullmatch(
        rf"wrote {records} records to {re.escape(str(target))} in \d+\.\d s\n", final
    )
    assert text.startswith("\rgenerating: 1 record ")
    assert "   0% -:-- left\r" in text


def test_a_bad_record_raises_and_writes_nothing(tmp_path: Path) -> None:
    """``write_records`` checks each record as the decoder does: nothing is written."""
    records = [("users", {"id": "u1", "email": "a@x"}), ("users", {"id": "", "email": "b@x"})]
    with pytest.raises(InvalidSnapshotError) as caught:
        streaming.write_records(iter(records), tmp_path / "crm")
    assert [(p.kind, p.field) for p in caught.value.problems] == [("users", "id")]
    with pytest.raises(InvalidSnapshotError, match="unknown record list"):
        streaming.write_records(iter([("people", {"id": "p"})]), tmp_path / "crm")
    assert list(tmp_path.iterdir()) == []


def test_evaluate_reads_the_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``evaluate DIR`` reads the Parquet directory: every rep's actions are those of the JSON
    document the same arguments generate."""
    assert cli.main(generate_argv(2, 6, str(tmp_path / "crm"), seed=5)) == cli.EXIT_OK
    argv = [*generate_argv(2, 6, str(tmp_path / "crm.json"), seed=5)]
    argv[argv.index("parquet")] = "json"
    assert cli.main(argv) == cli.EXIT_OK
    capsys.readouterr()
    outputs = []
    for source in ("crm", "crm.json"):
        code = cli.main(["evaluate", str(tmp_path / source), "--all", "--now", NOW.isoformat(),
                         "--format", "json", "--no-plugins"])  # fmt: skip
        out, err = capsys.readouterr()
        assert (code, err) == (cli.EXIT_OK, "")
        outputs.append(out)
    assert outputs[0] == outputs[1]
    assert outputs[0].count('"key"') > 0


def test_evaluate_reports_a_bad_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A directory with a bad file: its problems as for a JSON snapshot, status 2; without
    pyarrow, the extra to install."""
    target = tmp_path / "crm"
    assert cli.main(generate_argv(1, 2, str(target))) == cli.EXIT_OK
    (target / "notes.parquet").write_bytes(b"not parquet")
    capsys.readouterr()
    argv = ["evaluate", str(target), "--all", "--now", NOW.isoformat(), "--no-plugins"]
    assert cli.main(argv) == cli.EXIT_BAD_INPUT
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"guided-actions: error: {target} is not a valid snapshot (1 problem):"
    assert "notes" in lines[1]
    assert "not a readable Parquet file" in lines[1]
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    assert cli.main(argv) == cli.EXIT_BAD_INPUT
    assert capsys.readouterr().err == (
        "guided-actions: error: reading a directory of Parquet files needs pyarrow: "
        "pip install 'guided-actions[frames]'\n"
    )

"""``guided-actions evaluate --format csv|parquet``: the tidy table of actions in a file, or CSV
on standard output, read back with pyarrow."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from guided_actions import Snapshot, evaluate_all, load_rules
from guided_actions._adapters import cli
from guided_actions._adapters.cli import commands, reading
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_document
from guided_actions._engine.tables import ACTION_COLUMNS

NOW = DEMO_NOW.isoformat()
TABLE_CHOICES = ("table", "json", "csv", "parquet")
COLUMNS = [name for name, _kind, _null in ACTION_COLUMNS]
LISTS = ("subject_ids", "contact_ids", "company_ids", "reasons")
INSTANT = pa.timestamp("us", tz="UTC")
#: A sequence id that a terminal would act on (it sets the window title and forges a line),
#: with a comma and quotes for CSV. It names the sequence's cards: ``group`` holds it as is.
HOSTILE = 'seq\x1b]0;pwned\x07\nq2, "x"'


@pytest.fixture(autouse=True)
def _no_installed_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """The program sees only the built-in rules, whatever plugins this environment has."""

    def builtins_only(plugins: Any = (), *, entry_points: bool = True, config: Any = None) -> Any:
        return load_rules(plugins, entry_points=False, config=config)

    monkeypatch.setattr(reading, "load_rules", builtins_only)


def hostile_document() -> dict[str, Any]:
    """The demo, its sequence ``seq-q2-outbound`` renamed :data:`HOSTILE` everywhere."""

    def renamed(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: renamed(v) for k, v in value.items()}
        if isinstance(value, list):
            return [renamed(v) for v in value]
        return HOSTILE if value == "seq-q2-outbound" else value

    document: dict[str, Any] = renamed(demo_document())
    return document


@pytest.fixture
def snapshot_file(tmp_path: Path) -> Path:
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(hostile_document()), encoding="utf-8")
    return path


def expected_table(locale: str = "en", category: str | None = None) -> pa.Table:
    results = evaluate_all(Snapshot.from_dict(hostile_document()), DEMO_NOW)
    if category is not None:
        return pa.concat_tables(
            [r.filter(category=category).to_arrow(locale=locale) for r in results.values()]  # type: ignore[arg-type]
        )
    return results.to_arrow(locale=locale)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def evaluate_args(snapshot: Path, *more: str) -> list[str]:
    return ["evaluate", str(snapshot), "--now", NOW, *more]


def read_csv(path: Path) -> pa.Table:
    """A CSV the program wrote, read with pyarrow and decoded: the JSON arrays back to lists,
    as the pinned schema."""
    types = {"created_at": INSTANT, "expires_at": INSTANT}
    options = pa_csv.ConvertOptions(column_types=types, strings_can_be_null=True)
    table = pa_csv.read_csv(path, convert_options=options)
    assert table.column_names == COLUMNS
    rows = table.to_pylist()
    for row in rows:
        for name in LISTS:
            row[name] = json.loads(row[name])
    schema = expected_table().schema
    return pa.Table.from_pylist(rows, schema=schema)


# -- round trips ----------------------------------------------------------------------------


def test_csv_all_round_trips(
    snapshot_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every user's actions, read back with pyarrow, equal ``Results.to_arrow()``: the hostile
    title kept exactly in the file; a note on standard error, nothing on standard output."""
    target = tmp_path / "actions.csv"
    code, out, err = run(
        capsys, *evaluate_args(snapshot_file, "--all"), "--format", "csv", "-o", str(target)
    )
    assert code == cli.EXIT_OK
    expected = expected_table()
    assert read_csv(target).equals(expected)
    assert out == ""
    assert err == f"guided-actions: wrote {expected.num_rows} actions to {target}\n"
    assert f"{HOSTILE}/step-2" in read_csv(target).column("group").to_pylist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["actions.csv", "snapshot.json"]


def test_csv_cells(snapshot_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The encoding: a header of the pinned columns; instants ISO 8601 in UTC as ``--format
    json`` writes them; lists as JSON arrays; null as an empty cell; one line per action."""
    target = tmp_path / "actions.csv"
    run(
        capsys,
        *evaluate_args(snapshot_file, "--user", "u-marcus"),
        "--format",
        "csv",
        "-o",
        str(target),
    )
    text = target.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == ",".join(COLUMNS)
    code, out, _err = run(
        capsys, *evaluate_args(snapshot_file, "--user", "u-marcus"), "--format", "json"
    )
    dicts = json.loads(out)
    assert code == 0
    assert len(lines) == 1 + len(dicts)
    with target.open(encoding="utf-8", newline="") as f:
        cells = list(csv.DictReader(f))
    for row, d in zip(cells, dicts, strict=True):
        assert row["created_at"] == d["created_at"]
        assert row["expires_at"] == (d["expires_at"] or "")
        assert row["subject_ids"] == json.dumps(
            [s["id"] for s in d["subjects"]], separators=(",", ":")
        )
        assert json.loads(row["reasons"]) == d["reasons"]
    assert any(d["expires_at"] is None for d in dicts)
    assert any(d["expires_at"] is not None for d in dicts)
    groups = [
        a.group for a in evaluate_all(Snapshot.from_dict(hostile_document()), DEMO_NOW)["u-marcus"]
    ]
    assert [row["group"] for row in cells] == [g or "" for g in groups]
    assert None in groups
    assert any(groups)


def test_parquet_all_round_trips(
    snapshot_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Parquet file is ``Results.to_arrow()`` exactly: schema, nullability and values."""
    target = tmp_path / "actions.parquet"
    code, out, err = run(
        capsys, *evaluate_args(snapshot_file, "--all"), "--format", "parquet", "-o", str(target)
    )
    assert code == cli.EXIT_OK
    assert out == ""
    table = pq.read_table(target)
    expected = expected_table()
    assert table.schema.equals(expected.schema)
    assert table.equals(expected)
    assert err == f"guided-actions: wrote {expected.num_rows} actions to {target}\n"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_one_user_a_category_and_a_language(
    fmt: str, snapshot_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--user`` writes that user's table; ``--category`` and ``--locale`` apply as they do to
    the other formats."""
    target = tmp_path / f"deal.{fmt}"
    argv = evaluate_args(snapshot_file, "--user", DEMO_USER, "--category", "deal", "--locale", "fr")
    code, _out, err = run(capsys, *argv, "--format", fmt, "-o", str(target))
    assert code == cli.EXIT_OK
    table = read_csv(target) if fmt == "csv" else pq.read_table(target)
    results = evaluate_all(Snapshot.from_dict(hostile_document()), DEMO_NOW)
    expected = results[DEMO_USER].filter(category="deal").to_arrow(locale="fr")
    assert table.equals(expected)
    assert expected.num_rows > 0
    assert set(table.column("category").to_pylist()) == {"deal"}
    assert (
        table.column("title").to_pylist()[0] != results[DEMO_USER].filter(category="deal")[0].title
    )
    assert err.startswith("guided-actions: ")
    assert err.endswith(f"{expected.num_rows} actions écrites dans {target}\n")


def test_no_action_writes_the_header(
    snapshot_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user with no action: the CSV has its header, the Parquet file its columns, no row."""
    csv_file, parquet_file = tmp_path / "none.csv", tmp_path / "none.parquet"
    argv = evaluate_args(snapshot_file, "--user", "u-priya")
    assert run(capsys, *argv, "--format", "csv", "-o", str(csv_file))[0] == 0
    assert csv_file.read_text(encoding="utf-8") == ",".join(COLUMNS) + "\n"
    assert run(capsys, *argv, "--format", "parquet", "-o", str(parquet_file))[0] == 0
    table = pq.read_table(parquet_file)
    assert table.schema.equals(expected_table().schema)
    assert table.num_rows == 0


# -- standard output ------------------------------------------------------------------------


@pytest.mark.parametrize("output", [["-o", "-"], []], ids=["dash", "default"])
def test_csv_on_standard_output_is_made_safe(
    output: list[str], snapshot_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-o -`` (csv's default): the same CSV on standard output, except that every character a
    terminal acts on is shown escaped, so each action is one line and nothing reaches the
    terminal raw."""
    code, out, err = run(capsys, *evaluate_args(snapshot_file, "--all"), "--format", "csv", *output)
    assert code == cli.EXIT_OK
    assert err == ""
    assert "\x1b" not in out
    assert "\x07" not in out
    expected = expected_table()
    lines = out.splitlines()
    assert len(lines) == 1 + expected.num_rows
    assert lines[0] == ",".join(COLUMNS)
    assert 'seq\\x1b]0;pwned\\x07\\nq2, ""x""/step-2' in out
    path = tmp_path / "stdout.csv"
    path.write_text(out, encoding="utf-8")
    safe = read_csv(path)
    # Only the hostile text differs (the reasons are JSON, whose escapes are safe already).
    assert safe.drop_columns(["group"]).equals(expected.drop_columns(["group"]))
    assert safe.column("group").to_pylist() != expected.column("group").to_pylist()


def test_csv_on_an_ascii_terminal(snapshot_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A character the standard output cannot encode (French titles on an ASCII stream) is
    written as its escape, not a crash."""
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stream)
    argv = evaluate_args(snapshot_file, "--user", DEMO_USER, "--locale", "fr", "--format", "csv")
    assert cli.main(argv) == cli.EXIT_OK
    stream.flush()
    out = stream.buffer.getvalue().decode("ascii")  # type: ignore[attr-defined]
    assert "R\\xe9pondre \\xe0 l'e-mail" in out
    assert (
        len(out.splitlines())
        == 1
        + expected_table()
        .filter(pa.compute.equal(expected_table().column("user_id"), DEMO_USER))
        .num_rows
    )


# -- bad arguments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "parquet"], "--format parquet writes a file: give -o FILE"),
        (["--format", "parquet", "-o", "-"], "--format parquet writes a file: give -o FILE"),
        (["--format", "json", "-o", "x.json"], "-o applies to --format csv or parquet"),
        (["--format", "table", "-o", "x.txt"], "-o applies to --format csv or parquet"),
        (["-o", "x.csv"], "-o applies to --format csv or parquet"),
    ],
)
def test_output_and_format_go_together(
    argv: list[str],
    message: str,
    snapshot_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One error line, status 2, and no file written."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *evaluate_args(snapshot_file, "--all"), *argv)
    assert code == cli.EXIT_BAD_INPUT
    assert out == ""
    assert err == f"guided-actions: error: {message}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["snapshot.json"]


def test_unknown_format(snapshot_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, *evaluate_args(snapshot_file, "--all"), "--format", "xlsx")
    assert code == cli.EXIT_BAD_INPUT
    (line,) = [line for line in err.splitlines() if "error" in line]
    assert all(name in line.partition("choose from")[2] for name in TABLE_CHOICES)


def test_parquet_without_pyarrow(
    snapshot_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One line naming the extra to install; no file; CSV still works without pyarrow."""
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    target = tmp_path / "actions.parquet"
    code, _out, err = run(
        capsys, *evaluate_args(snapshot_file, "--all"), "--format", "parquet", "-o", str(target)
    )
    assert code == cli.EXIT_BAD_INPUT
    assert err == (
        "guided-actions: error: --format parquet needs pyarrow: "
        "pip install 'guided-actions[frames]'\n"
    )
    assert not target.exists()
    csv_file = tmp_path / "actions.csv"
    code, _out, _err = run(
        capsys, *evaluate_args(snapshot_file, "--all"), "--format", "csv", "-o", str(csv_file)
    )
    assert code == cli.EXIT_OK
    monkeypatch.delitem(sys.modules, "pyarrow")
    assert read_csv(csv_file).equals(expected_table())


def test_a_folder_that_does_not_exist(
    snapshot_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt in ("csv", "parquet"):
        target = tmp_path / "missing" / f"actions.{fmt}"
        code, _out, err = run(
            capsys, *evaluate_args(snapshot_file, "--all"), "--format", fmt, "-o", str(target)
        )
        assert code == cli.EXIT_BAD_INPUT
        assert err.startswith(f"guided-actions: error: cannot write {target}: ")
        assert len(err.splitlines()) == 1


# -- whole or not at all --------------------------------------------------------------------


def interrupted_csv(after: int) -> Any:
    real = commands.csv_lines

    def lines(rows: Iterable[Sequence[str]]) -> Iterator[str]:
        for i, line in enumerate(real(rows)):
            if i == after:
                raise KeyboardInterrupt
            yield line

    return lines


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("existing", [False, True], ids=["new-file", "existing-file"])
def test_interrupted_writing_leaves_nothing_half_built(
    fmt: str,
    existing: bool,
    snapshot_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C halfway through the file: status 130, no partial file, an existing one unchanged."""
    target = tmp_path / f"actions.{fmt}"
    if existing:
        target.write_text("before", encoding="utf-8")
    if fmt == "csv":
        monkeypatch.setattr(commands, "csv_lines", interrupted_csv(after=3))
    else:
        real = pq.write_table

        def write_half(table: pa.Table, where: Any, **options: Any) -> None:
            real(table.slice(0, 2), where, **options)
            raise KeyboardInterrupt

        monkeypatch.setattr(pq, "write_table", write_half)
    code, _out, err = run(
        capsys, *evaluate_args(snapshot_file, "--all"), "--format", fmt, "-o", str(target)
    )
    assert code == cli.EXIT_INTERRUPTED
    assert "Traceback" not in err
    names = sorted(p.name for p in tmp_path.iterdir())
    if existing:
        assert target.read_text(encoding="utf-8") == "before"
        assert names == sorted(["snapshot.json", target.name])
    else:
        assert names == ["snapshot.json"]


def test_rows_are_the_json_actions(
    snapshot_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Differential against ``--format json --all``: the same actions, in the same order."""
    target = tmp_path / "all.parquet"
    run(capsys, *evaluate_args(snapshot_file, "--all"), "--format", "parquet", "-o", str(target))
    _code, out, _err = run(capsys, *evaluate_args(snapshot_file, "--all"), "--format", "json")
    by_user = json.loads(out)
    rows = pq.read_table(target).to_pylist()
    flat = [d for dicts in by_user.values() for d in dicts]
    assert [r["key"] for r in rows] == [d["key"] for d in flat]
    assert [r["created_at"] for r in rows] == [
        datetime.fromisoformat(d["created_at"]) for d in flat
    ]
    assert [r["reasons"] for r in rows] == [d["reasons"] for d in flat]

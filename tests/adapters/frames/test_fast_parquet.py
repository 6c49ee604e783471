"""The fast path of ``read_parquet`` and ``frames.snapshot``: columns checked as a whole, records
built from them, and the same snapshot or the same problems as the plain path (the interchange
document through the decoder), which ``fast=False`` forces as the oracle."""

from __future__ import annotations

import gc
import tempfile
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import attrs
import pandas as pd
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guided_actions import Snapshot
from guided_actions import frames as gaf
from guided_actions._adapters.frames import fast, parquet, reading
from guided_actions._adapters.frames.arrow import instant_fields
from guided_actions._adapters.frames.fast import fast_decoded
from guided_actions._model.document import decode
from guided_actions._model.kinds import BY_NAME
from guided_actions._model.validation import field_types, id_fields
from guided_actions.errors import InvalidSnapshotError
from guided_actions.synthetic import generate
from strategies import snapshots

NOW = datetime(2025, 3, 3, 12, tzinfo=UTC)
Tables = dict[str, Any]


def tables_of(snapshot: Snapshot) -> Tables:
    """The Arrow tables ``write_parquet`` writes for ``snapshot``, by file name."""
    with tempfile.TemporaryDirectory() as tmp:
        gaf.write_parquet(snapshot, Path(tmp) / "crm")
        return {p.stem: pq.read_table(p) for p in sorted((Path(tmp) / "crm").iterdir())}


def small_crm() -> Tables:
    return tables_of(Snapshot.from_dict(generate(users=2, contacts_per_user=4, now=NOW)))


def outcome(call: Callable[[], Snapshot]) -> tuple[str, Any]:
    """What a load gives: the snapshot's document and every record list, or every problem."""
    try:
        snapshot = call()
    except InvalidSnapshotError as exc:
        return "problems", exc.problems
    lists = {name: snapshot.records(name) for name in BY_NAME}
    return "snapshot", (snapshot.to_dict(), lists, snapshot.lifecycle_stages)


def read_both(tables: Tables) -> tuple[tuple[str, Any], tuple[str, Any]]:
    """``read_parquet`` of the tables written to files: the fast way, then the plain way."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, table in tables.items():
            pq.write_table(table, Path(tmp) / f"{name}.parquet")
        fast = outcome(lambda: parquet._read_parquet(tmp))
        plain = outcome(lambda: parquet._read_parquet(tmp, fast=False))
    return fast, plain


@contextmanager
def plain_path_forbidden() -> Iterator[None]:
    """The plain path's decoder raises: a load that succeeds took the fast path."""
    with mock.patch.object(reading, "decode", side_effect=AssertionError("took the plain path")):
        yield


def assert_utc_instants(snapshot: Snapshot) -> None:
    for name, kind in BY_NAME.items():
        for record in snapshot.records(name):
            for field in instant_fields(kind.cls):
                value = getattr(record, field)
                assert value is None or value.tzinfo is UTC, (name, field, value)


def frames_of(tables: Tables) -> list[tuple[str, list[tuple[Any, Any]], int]]:
    return [(n, list(zip(t.schema, t.columns, strict=True)), t.num_rows) for n, t in tables.items()]


def plain_decoded(tables: Tables) -> Any:
    reader = reading.FramesReader(fast=False)
    for name, table in tables.items():
        reader.add(name, table)
    reader.read_plainly()
    assert reader.problems == []
    return decode(reader.document)


# -- valid input: the fast path, and exactly the plain path's snapshot ---------------------------


class TestSameSnapshot:
    @settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def test_generated_snapshots(self, data: st.DataObject) -> None:
        """Any snapshot written with write_parquet reads back through the fast path alone as
        ``from_dict`` of its document gives it, record for record, instants in UTC; the decoded
        lists and ids equal the decoder's."""
        snapshot, _, _ = data.draw(snapshots())
        tables = tables_of(snapshot)
        tables.pop("lifecycle_stages", None)
        with tempfile.TemporaryDirectory() as tmp:
            gaf.write_parquet(snapshot, Path(tmp) / "crm")
            with plain_path_forbidden():
                fast = gaf.read_parquet(Path(tmp) / "crm")
        expected = Snapshot.from_dict(snapshot.to_dict())
        assert fast.to_dict() == expected.to_dict()
        assert fast.lifecycle_stages == expected.lifecycle_stages
        for name in BY_NAME:
            assert fast.records(name) == expected.records(name)
        assert_utc_instants(fast)
        assert fast_decoded(pa, frames_of(tables), None) == plain_decoded(tables)

    def test_synthetic_crm(self, tmp_path: Path) -> None:
        snapshot = Snapshot.from_dict(generate(users=3, contacts_per_user=20, seed=4, now=NOW))
        gaf.write_parquet(snapshot, tmp_path / "crm")
        with plain_path_forbidden():
            fast = gaf.read_parquet(tmp_path / "crm")
        assert fast.to_dict() == snapshot.to_dict()

    @pytest.mark.parametrize("library", ["pandas", "polars", "arrow"])
    def test_frames_take_the_fast_path(self, library: str) -> None:
        """pandas and polars frames (made Arrow first) and Arrow tables of a CRM load fast."""
        document = generate(users=2, contacts_per_user=5, seed=2, now=NOW)
        lists = {k: v for k, v in document.items() if isinstance(v, list) and v}
        tables = {n: t for n, t in tables_of(Snapshot.from_dict(document)).items() if n in lists}
        convert: dict[str, Callable[[Any], Any]] = {
            "arrow": lambda t: t,
            "pandas": lambda t: t.to_pandas(),
            "polars": pl.from_arrow,
        }
        frames = {n: convert[library](t) for n, t in tables.items() if n != "pipelines"}
        frames["pipelines"] = tables["pipelines"]  # nested stages: Arrow keeps them exactly
        with plain_path_forbidden():
            fast = gaf.snapshot(frames)
        assert fast.to_dict() == Snapshot.from_dict(document).to_dict()

    def test_an_id_that_looks_like_a_position(self) -> None:
        """The decoder names a record whose id is ``#<its index>`` by its position, and leaves
        that id out of the ids it hands the snapshot: so does the fast path."""
        users = pa.table({"id": ["#0", "#0x", "u"], "email": ["a@x", "b@x", "c@x"]})
        tables = {"users": users}
        fast = fast_decoded(pa, frames_of(tables), None)
        assert fast is not None
        assert fast == plain_decoded(tables)
        assert fast.ids == {"users": ("#0x", "u")}

    def test_custom_lifecycle_stages(self) -> None:
        stages = ["cold", "warm"]
        contacts = pa.table({"id": ["c1"], "created_at": [NOW], "lifecycle_stage": ["warm"]})
        with plain_path_forbidden():
            fast = gaf.snapshot({"contacts": contacts}, lifecycle_stages=stages)
        assert fast.lifecycle_stages == ("cold", "warm")
        assert (
            fast.to_dict()
            == reading._snapshot({"contacts": contacts}, stages, fast=False).to_dict()
        )

    @pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
    @pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "+05:30"])
    def test_every_unit_and_zone(self, unit: str, zone: str) -> None:
        """Timestamps in any unit and zone are the same instants, in UTC; nanoseconds are cut
        to microseconds as the plain path cuts them, before 1970 too."""
        raw = [0, -1_500, 1_741_003_200_123_456_789 // {"s": 10**9, "ms": 10**6, "us": 10**3,
               "ns": 1}[unit], None]  # fmt: skip
        column = pa.array(raw, type=pa.timestamp(unit, tz=zone))
        ids = ["c1", "c2", "c3", "c4"]
        table = pa.table(
            {"id": ids, "created_at": pa.array([NOW] * 4), "owner_assigned_at": column}
        )
        with plain_path_forbidden():
            fast = gaf.snapshot({"contacts": table})
        plain = reading._snapshot({"contacts": table}, None, fast=False)
        assert fast.records("contacts") == plain.records("contacts")
        assert_utc_instants(fast)
        assert fast.records("contacts")[3].owner_assigned_at is None  # type: ignore[attr-defined]

    def test_string_instants_dictionary_and_view_columns(self) -> None:
        """ISO-8601 text in an instant column, dictionary-encoded and string-view columns."""
        table = pa.table(
            {
                "id": pa.array(["c1", "c2"]).cast(pa.string_view()),
                "created_at": ["2025-03-01T10:00:00+01:00", "2025-03-02T10:00:00Z"],
                "lifecycle_stage": pa.array(["lead", "lead"]).dictionary_encode(),
                "email": pa.nulls(2),
            }
        )
        with plain_path_forbidden():
            fast = gaf.snapshot({"contacts": table})
        assert fast.to_dict() == reading._snapshot({"contacts": table}, None, fast=False).to_dict()
        assert_utc_instants(fast)


# -- problems: the plain path's, all at once ----------------------------------------------------


def with_column(table: Any, name: str, column: Any) -> Any:
    index = table.schema.get_field_index(name)
    return table.set_column(index, pa.field(name, column.type), column)


def replaced(table: Any, name: str, row: int, value: Any) -> Any:
    """The table with one value of a column replaced (the column keeps its type)."""
    values = table.column(name).to_pylist()
    values[row] = value
    return with_column(table, name, pa.array(values, type=table.column(name).type))


def year_instant(year: int, last: bool) -> datetime:
    return datetime(year, 12, 31, 23, 59, 59, 999_999) if last else datetime(year, 1, 1)


#: Bad values, each the smallest change of a valid CRM that the plain path reports.
BAD: dict[str, Callable[[Tables], Tables]] = {
    "wrong type": lambda t: {**t, "users": with_column(t["users"], "super_admin",
                                                       pa.array(["yes"] * t["users"].num_rows))},
    "int for a bool": lambda t: {**t, "calls": with_column(
        t["calls"], "builtin_calling", pc.cast(t["calls"].column("builtin_calling"), pa.int64()))},
    "null in a required field": lambda t: {**t, "contacts": replaced(t["contacts"], "created_at",
                                                                     1, None)},
    "naive timestamps": lambda t: {**t, "emails": with_column(
        t["emails"], "sent_at", t["emails"].column("sent_at").cast(pa.timestamp("us")))},
    "dates": lambda t: {**t, "notes": with_column(
        t["notes"], "created_at", t["notes"].column("created_at").cast(pa.date32()))},
    "year 1": lambda t: {**t, "tasks": replaced(t["tasks"], "due_at", 0,
                                                year_instant(1, last=True).replace(tzinfo=UTC))},
    "year 9999": lambda t: {**t, "tasks": replaced(t["tasks"], "due_at", 0,
                                                   year_instant(9999, last=False)
                                                   .replace(tzinfo=UTC))},
    "bad literal": lambda t: {**t, "tasks": replaced(t["tasks"], "priority", 0, "urgent")},
    "empty id": lambda t: {**t, "contacts": replaced(t["contacts"], "id", 0, "")},
    "empty id in a list": lambda t: {**t, "deals": replaced(t["deals"], "contact_ids", 0, [""])},
    "dangling reference": lambda t: {**t, "deals": replaced(t["deals"], "owner_id", 0, "nobody")},
    "duplicate id": lambda t: {**t, "contacts": replaced(
        t["contacts"], "id", 1, t["contacts"].column("id")[0].as_py())},
    "unknown column": lambda t: {**t, "users": t["users"].append_column("age", pa.array(
        [30] * t["users"].num_rows))},
    "unknown stage": lambda t: {**t, "deals": replaced(t["deals"], "stage_id", 0, "nowhere")},
    "bad time zone": lambda t: {**t, "users": replaced(t["users"], "timezone", 0, "Mars/Olympus")},
    "unreadable file": lambda t: {**t, "notes": None},
}  # fmt: skip


@pytest.mark.parametrize("bad", list(BAD))
def test_bad_values_raise_the_plain_paths_problems(bad: str, tmp_path: Path) -> None:
    """Each kind of bad value: an error, with exactly the problems of the plain path."""
    tables = BAD[bad](small_crm())
    for name, table in tables.items():
        file = tmp_path / f"{name}.parquet"
        if table is None:
            file.write_bytes(b"not parquet")
        else:
            pq.write_table(table, file)
    fast = outcome(lambda: gaf.read_parquet(tmp_path))
    plain = outcome(lambda: parquet._read_parquet(tmp_path, fast=False))
    assert fast[0] == "problems"
    assert fast == plain


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (datetime(1, 12, 31, 23, 59, 59, 999_999), False),
        (datetime(2, 1, 1), True),
        (datetime(9998, 12, 31, 23, 59, 59, 999_999), True),
        (datetime(9999, 1, 1), False),
    ],
)
@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_instants_at_the_ends_of_the_supported_years(value: datetime, ok: bool, unit: str) -> None:
    """Both sides of each end of years 2 to 9998, in every unit that reaches them."""
    if unit != "us" and value.microsecond:
        value = value.replace(microsecond=0)
    column = pa.array([value.replace(tzinfo=UTC)], type=pa.timestamp(unit, tz="UTC"))
    table = pa.table({"id": ["c1"], "created_at": column})
    fast = outcome(lambda: gaf.snapshot({"contacts": table}))
    plain = outcome(lambda: reading._snapshot({"contacts": table}, None, fast=False))
    assert fast == plain
    assert fast[0] == ("snapshot" if ok else "problems")


COLUMN_BREAKS = ["null", "empty", "bogus", "int", "naive", "year 1", "copy first", "drop"]


def broken(table: Any, field: str, how: str, row: int) -> Any:
    """``table`` with one column broken in one of the ways of :data:`COLUMN_BREAKS`."""
    column = table.column(field)
    arrow_type = column.type
    if how == "drop":
        return table.drop_columns([field])
    if how == "int":
        return with_column(table, field, pa.array(range(table.num_rows), type=pa.int64()))
    if how == "naive" and pa.types.is_timestamp(arrow_type):
        return with_column(table, field, column.cast(pa.timestamp("us")))
    if how == "year 1" and pa.types.is_timestamp(arrow_type):
        return replaced(table, field, row, datetime(1, 6, 1, tzinfo=UTC))
    if how == "null":
        return replaced(table, field, row, None)
    if how == "copy first":
        return replaced(table, field, row, column[0].as_py())
    if pa.types.is_string(arrow_type):
        return replaced(table, field, row, "" if how == "empty" else "bogus")
    if pa.types.is_list(arrow_type) and pa.types.is_string(arrow_type.value_type):
        return replaced(table, field, row, ["" if how == "empty" else "bogus"])
    return table


@st.composite
def broken_tables(draw: st.DrawFn) -> Tables:
    """The tables of a generated snapshot with one column of one list broken."""
    snapshot, _, _ = draw(snapshots())
    tables = tables_of(snapshot)
    names = sorted(n for n, t in tables.items() if t.num_rows and n != "lifecycle_stages")
    name = draw(st.sampled_from(names))
    table = tables[name]
    field = draw(st.sampled_from(sorted(table.column_names)))
    how = draw(st.sampled_from(COLUMN_BREAKS))
    row = draw(st.integers(0, table.num_rows - 1))
    return {**tables, name: broken(table, field, how, row)}


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(broken_tables())
def test_broken_columns_give_the_plain_paths_outcome(tables: Tables) -> None:
    """Whatever one broken column does (a problem or none), the fast path gives what the plain
    path gives: the same snapshot, or the same problems in the same order."""
    fast, plain = read_both(tables)
    assert fast == plain


# -- the fast path's own cases ------------------------------------------------------------------


def test_fast_decoded_declines_what_it_cannot_vouch_for() -> None:
    """A list given twice, an unknown list, a Python column (pandas' mixed values), a column
    given twice, a struct where text belongs: ``None``, so the plain path reports."""
    users = pa.table({"id": ["u1"], "email": ["a@x"]})
    columns = list(zip(users.schema, users.columns, strict=True))
    assert fast_decoded(pa, [("users", columns, 1)], None) is not None
    assert fast_decoded(pa, [("users", columns, 1), ("users", columns, 1)], None) is None
    assert fast_decoded(pa, [("people", columns, 1)], None) is None
    assert fast_decoded(pa, [("users", [("id", ["u1"]), columns[1]], 1)], None) is None
    assert fast_decoded(pa, [("users", [*columns, columns[0]], 1)], None) is None
    struct = pa.array([{"a": "x"}])
    assert fast_decoded(pa, [("users", [columns[0], ("email", struct)], 1)], None) is None


def test_every_field_type_is_held_by_the_arrow_type_write_parquet_writes() -> None:
    """Each field of every list, written by write_parquet, passes the column checks: the fast
    path's type table knows every Arrow type the writer chooses."""
    snapshot = Snapshot.from_dict(generate(users=2, contacts_per_user=6, now=NOW))
    tables = tables_of(snapshot)
    for name, table in tables.items():
        if name == "lifecycle_stages":
            continue
        cls = BY_NAME[name].cls
        assert set(table.column_names) == set(field_types(cls))
        assert set(id_fields(cls)) <= set(table.column_names)
        assert fast_decoded(pa, frames_of({name: table}), None) is not None, name


class TestCollector:
    @pytest.mark.parametrize("enabled", [True, False])
    def test_paused_during_the_load_and_restored(self, enabled: bool, tmp_path: Path) -> None:
        """The collector is off while the snapshot is built, then as it was: on or off, after
        a load and after a failed one; its thresholds are untouched."""
        gaf.write_parquet(Snapshot.from_dict(generate(users=1, contacts_per_user=3, now=NOW)),
                          tmp_path / "crm")  # fmt: skip
        seen: list[bool] = []
        real = Snapshot._from_decoded.__func__  # type: ignore[attr-defined]

        def spy(cls: type[Snapshot], *args: Any, **kwargs: Any) -> Snapshot:
            seen.append(gc.isenabled())
            return typing.cast(Snapshot, real(cls, *args, **kwargs))

        thresholds = gc.get_threshold()
        was = gc.isenabled()
        (gc.enable if enabled else gc.disable)()
        try:
            with mock.patch.object(Snapshot, "_from_decoded", classmethod(spy)):
                gaf.read_parquet(tmp_path / "crm")
                assert gc.isenabled() is enabled
                (tmp_path / "crm" / "notes.parquet").write_bytes(b"broken")
                with pytest.raises(InvalidSnapshotError):
                    gaf.read_parquet(tmp_path / "crm")
                assert gc.isenabled() is enabled
        finally:
            (gc.enable if was else gc.disable)()
        assert seen == [False, False]
        assert gc.get_threshold() == thresholds


def test_records_are_those_of_the_plain_path_field_by_field(tmp_path: Path) -> None:
    """Every field of every record has the plain path's value and type (tuples, UTC)."""
    snapshot = Snapshot.from_dict(generate(users=2, contacts_per_user=8, seed=9, now=NOW))
    gaf.write_parquet(snapshot, tmp_path / "crm")
    fast = gaf.read_parquet(tmp_path / "crm")
    plain = parquet._read_parquet(tmp_path / "crm", fast=False)
    for name in BY_NAME:
        for a, b in zip(fast.records(name), plain.records(name), strict=True):
            for field in attrs.fields(typing.cast(Any, type(a))):
                x, y = getattr(a, field.name), getattr(b, field.name)
                assert (type(x), x) == (type(y), y), (name, field.name)
                if isinstance(x, datetime):
                    assert x.tzinfo is y.tzinfo is UTC


def test_pandas_nan_and_whole_floats(tmp_path: Path) -> None:
    """pandas' integer columns with gaps (floats) and NaN read as the plain path reads them."""
    frame = pd.DataFrame(
        {"id": ["t1", "t2"], "owner_id": ["u1", "u1"],
         "created_at": pd.to_datetime(["2025-03-01T00:00Z", "2025-03-02T00:00Z"]),
         "sequence_id": ["s1", None], "sequence_step": [2.0, float("nan")]}
    )  # fmt: skip
    frames = {
        "users": pd.DataFrame({"id": ["u1"], "email": ["a@x"]}),
        "sequences": pd.DataFrame({"id": ["s1"]}),
        "tasks": frame,
    }
    with plain_path_forbidden():
        fast = gaf.snapshot(frames)
    plain = reading._snapshot(frames, None, fast=False)
    assert fast.to_dict() == plain.to_dict()
    assert fast.records("tasks")[0].sequence_step == 2  # type: ignore[attr-defined]


@settings(max_examples=200)
@given(
    st.lists(
        st.none() | st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),
        max_size=30,
    )
)
def test_timestamps_become_the_same_instants(values: list[datetime | None]) -> None:
    """Any instants of the supported years, nulls among them, become the datetimes Arrow
    itself gives, each in ``datetime.UTC``."""
    column = pa.array([v and v.replace(tzinfo=UTC) for v in values], type=pa.timestamp("us", "UTC"))
    made = fast._instants(pa, column)
    assert made == [v and v.replace(tzinfo=UTC) for v in values]
    assert made is not None
    assert all(v is None or (type(v) is datetime and v.tzinfo is UTC) for v in made)

"""The engine-agnostic core of the fan-out: rows and keys of interchange tables, every user's
book as pyarrow joins (equal to ``Snapshot.book``), one user's book to their action table
(equal to ``evaluate_all``'s rows for that user)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, given, settings

from crms import NOW, book_share, crossing_crm, skewed_crm
from guided_actions import Config, Snapshot, evaluate_all
from guided_actions._adapters.distributed import core
from guided_actions._model.document import record_to_dict
from guided_actions._model.kinds import NAMES
from guided_actions._snapshot.book import record_keys
from guided_actions.errors import InvalidSnapshotError
from guided_actions.frames import write_parquet
from guided_actions.rules import BUILTIN_RULES
from strategies import snapshots

AT = "2026-01-01T00:00:00+00:00"
UNGROUPED = Config(grouping={rule.id: False for rule in BUILTIN_RULES})


def tables_of(snapshot: Snapshot, directory: Path) -> dict[str, pa.Table]:
    """The Arrow tables ``frames.write_parquet`` writes, by list."""
    write_parquet(snapshot, directory)
    return {p.stem: pq.read_table(p) for p in directory.glob("*.parquet") if p.stem in NAMES}


def stages_of(snapshot: Snapshot) -> tuple[str, ...] | None:
    return snapshot.lifecycle_stages if snapshot.custom_lifecycle_stages else None


def rows_for(book: pa.Table, user_id: str) -> pa.Table:
    return book.filter(pc.equal(book["user_id"], user_id)).drop_columns("user_id")


def check_fan_out(snapshot: Snapshot, directory: Path, now: datetime) -> None:
    """fan_out_local's rows of each user are snapshot.book([user]) record for record, in
    order; evaluate_book of them is evaluate_all's table for that user."""
    book = core.fan_out_local(tables_of(snapshot, directory))
    assert book.schema == core.BOOK_SCHEMA
    results = evaluate_all(snapshot, now)
    grouped = evaluate_all(snapshot, now, config=UNGROUPED)
    for u in snapshot.users():
        rows = rows_for(book, u.id)
        expected = snapshot.book([u.id])
        got = [
            (name, json.loads(text))
            for name, text in zip(rows["list"].to_pylist(), rows["json"].to_pylist(), strict=True)
        ]
        want = [(name, record_to_dict(r)) for name in NAMES for r in expected.records(name)]
        assert got == want, u.id
        for config, everyone in ((None, results), (UNGROUPED, grouped)):
            table = core.evaluate_book(
                u.id, rows, now, config=config, lifecycle_stages=stages_of(snapshot)
            )
            assert table.schema == core.ACTIONS_SCHEMA
            assert table.equals(everyone[u.id].to_arrow().cast(core.ACTIONS_SCHEMA))


class TestFanOut:
    @settings(
        max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(case=snapshots())
    def test_every_user_s_rows_are_their_book_and_give_their_actions(
        self, case: tuple[Snapshot, datetime, str], tmp_path: Path
    ) -> None:
        snapshot, now, _user = case
        check_fan_out(snapshot, tmp_path / "crm", now)

    @pytest.mark.parametrize("make", [skewed_crm, crossing_crm], ids=["skewed", "crossing"])
    def test_the_skewed_and_the_crossing_crm(self, make: Any, tmp_path: Path) -> None:
        snapshot = Snapshot.from_dict(make())
        fired = {a.rule for r in evaluate_all(snapshot, NOW).values() for a in r.actions}
        assert fired == {rule.id for rule in BUILTIN_RULES}
        assert snapshot.records("issued_actions")
        assert snapshot.records("dismissals")
        assert snapshot.records("snoozes")
        check_fan_out(snapshot, tmp_path, NOW)

    def test_the_skewed_crm_has_one_heavy_user(self) -> None:
        """The first user's book holds about 30 % of the records; every other's far less."""
        snapshot = Snapshot.from_dict(skewed_crm())
        total = sum(len(snapshot.records(name)) for name in NAMES)
        share = {
            u.id: sum(len(snapshot.book([u.id]).records(name)) for name in NAMES) / total
            for u in snapshot.users()
        }
        heavy, *others = share.values()
        assert 0.28 <= heavy <= 0.4
        assert max(others) < 0.2

    def test_a_larger_skewed_crm_keeps_its_share(self) -> None:
        """Made without rebuilding snapshots, a skewed CRM of more reps and contacts than the
        one it is calibrated on still has one user concerning ~30 % of the records."""
        document = skewed_crm(users=30, contacts_per_user=50, state=False)
        users = [u["id"] for u in document["users"]]
        assert 0.27 <= book_share(document, users[0]) <= 0.33
        assert max(book_share(document, u) for u in users[1:4]) < 0.1
        assert skewed_crm(users=30, contacts_per_user=50, share=0.5, state=False) != document

    def test_the_crms_are_deterministic_by_seed(self) -> None:
        assert skewed_crm(3) == skewed_crm(3)
        assert crossing_crm(3) == crossing_crm(3)
        assert crossing_crm(3) != crossing_crm(4)


class TestRowsAndKeys:
    def test_rows_keep_positions_ids_and_interchange_objects(self) -> None:
        table = pa.table(
            {
                "id": ["c1", "c2"],
                "owner_id": ["u1", None],
                "email": ["A@X.test", None],
                "created_at": [AT, AT],
            }
        )
        rows = core.rows_of("contacts", table, 10)
        assert rows.schema == core.READ_SCHEMA
        assert rows["pos"].to_pylist() == [10, 11]
        assert rows["id"].to_pylist() == ["c1", "c2"]
        assert [json.loads(t) for t in rows["json"].to_pylist()] == [
            {"id": "c1", "owner_id": "u1", "email": "A@X.test", "created_at": AT},
            {"id": "c2", "created_at": AT},
        ]
        c1, c2 = core.record_handle("contacts", 10), core.record_handle("contacts", 11)
        assert rows["rid"].to_pylist() == [c1, c2]
        keys = core.keys_of(rows)
        assert keys.schema == core.KEY_SCHEMA
        assert set(zip(*keys.to_pydict().values(), strict=True)) == {
            ("contacts", c1, "id", "c1"),
            ("contacts", c1, "contacts_owned", "u1"),
            ("contacts", c1, "contacts_email", "a@x.test"),
            ("contacts", c2, "id", "c2"),
        }

    @settings(
        max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(case=snapshots())
    def test_rows_by_column_equal_rows_record_by_record_and_keys_are_record_keys(
        self, case: tuple[Snapshot, datetime, str], tmp_path_factory: Any
    ) -> None:
        """The rows read by column (the fast path) are those read record by record, and each
        row's keys are ``record_keys`` of its interchange object."""
        snapshot, _now, _user = case
        for name, table in tables_of(snapshot, tmp_path_factory.mktemp("crm")).items():
            rows = core.rows_of(name, table, 3)
            assert rows.equals(core._read_rows(name, core._checked_records(name, table, 3), 3))
            keys = core.keys_of(rows).to_pylist()
            want = [
                {"list": name, "rid": rid, "key": key, "value": value}
                for rid, text in zip(rows["rid"].to_pylist(), rows["json"].to_pylist(), strict=True)
                for key, values in record_keys(name, json.loads(text)).items()
                for value in values
            ]
            assert keys == want

    def test_handles_are_unique_and_positions_have_a_bound(self) -> None:
        """Each list's handles follow its positions, apart from every other list's; a position
        past the bound is an error, not a handle of another list."""
        assert core.record_handle("users", core.POSITIONS - 1) < core.record_handle("pipelines", 0)
        table = pa.table({"user_id": ["u1"], "action_key": ["r:1"]})
        last = core.rows_of("dismissals", table, core.POSITIONS - 1)
        assert last["rid"].to_pylist() == [core.record_handle("dismissals", core.POSITIONS - 1)]
        with pytest.raises(ValueError, match="not below"):
            core.rows_of("dismissals", table, core.POSITIONS)
        first = core.rows_of("dismissals", table, 0)
        assert first["rid"].to_pylist() == [core.record_handle("dismissals", 0)]
        with pytest.raises(ValueError, match="not below"):
            core.rows_of("dismissals", table, -1)

    def test_a_list_without_ids_numbers_its_rows(self) -> None:
        table = pa.table({"user_id": ["u1"], "action_key": ["r:1"]})
        rows = core.rows_of("dismissals", table, 4)
        assert rows["id"].to_pylist() == ["#4"]
        assert core.keys_of(rows).to_pydict()["value"] == ["u1"]

    def test_a_bad_row_names_the_list_the_row_and_the_field(self) -> None:
        table = pa.table({"id": ["c1", "c2"], "created_at": ["2026-01-01T00:00:00+00:00", "soon"]})
        with pytest.raises(InvalidSnapshotError) as caught:
            core.rows_of("contacts", table, 0)
        (problem,) = caught.value.problems
        assert (problem.kind, problem.record_id, problem.field, problem.value) == (
            "contacts",
            "c2",
            "created_at",
            "soon",
        )
        table = pa.table({"user_id": ["u1", None], "action_key": ["r:1", "r:2"]})
        with pytest.raises(InvalidSnapshotError) as caught:
            core.rows_of("dismissals", table, 7)
        assert [(p.kind, p.record_id, p.field) for p in caught.value.problems] == [
            ("dismissals", "#8", "user_id")
        ]

    def test_json_text_without_its_marker_is_read_as_json_text(self) -> None:
        """A column ``write_parquet`` wrote as JSON text, read back by an engine that drops the
        column marker (Spark, pandas): each row is the record written."""
        table = pa.table(
            {
                "id": ["d1", "d2", "d3"],
                "access": ['"everyone"', '["t1", "t2"]', "[]"],
                "view_access_confirmed": [True, True, False],
            }
        )
        want = [
            {"id": "d1", "access": "everyone", "view_access_confirmed": True},
            {"id": "d2", "access": ["t1", "t2"], "view_access_confirmed": True},
            {"id": "d3", "access": []},
        ]
        for frame in (table, table.to_batches()[0], table.to_pandas()):
            rows = core.rows_of("dashboards", frame, 0)
            assert [json.loads(t) for t in rows["json"].to_pylist()] == want

    def test_a_plain_text_column_stays_plain(self) -> None:
        """``access`` all ``"everyone"`` is a plain text column; a text field's JSON-looking
        value is its text; lists of ids as JSON text are lists."""
        plain = pa.table({"id": ["d1"], "access": ["everyone"]})
        assert json.loads(core.rows_of("dashboards", plain, 0)["json"][0].as_py())["access"] == (
            "everyone"
        )
        contacts = pa.table(
            {"id": ["c1"], "created_at": [AT], "email": ['["a@x.test"]'], "company_ids": ['["k1"]']}
        )
        (obj,) = [json.loads(t) for t in core.rows_of("contacts", contacts, 0)["json"].to_pylist()]
        assert (obj["email"], obj["company_ids"]) == ('["a@x.test"]', ["k1"])

    def test_text_that_is_not_json_is_a_problem_of_its_field(self) -> None:
        """A text column of a field of another shape that is not JSON text either is the
        usual problem, naming the record and the field."""
        table = pa.table({"id": ["d1", "d2"], "access": ['"everyone"', "team1"]})
        with pytest.raises(InvalidSnapshotError) as caught:
            core.rows_of("dashboards", table, 0)
        assert {(p.record_id, p.field) for p in caught.value.problems} == {
            ("d1", "access"),
            ("d2", "access"),
        }

    def test_json_text_fields_come_from_the_record_fields(self) -> None:
        assert core.json_text_fields("dashboards") == {"access": frozenset({"everyone"})}
        fields = core.json_text_fields("deals")
        assert fields["contact_ids"] is None
        assert fields["amount"] is None
        assert not {"next_step", "created_at", "stage_id"} & fields.keys()

    def test_a_bad_column_or_list_is_a_problem_too(self) -> None:
        with pytest.raises(InvalidSnapshotError, match="unknown column"):
            core.rows_of("contacts", pa.table({"id": ["c1"], "colour": ["red"]}), 0)
        with pytest.raises(InvalidSnapshotError, match="unknown record list"):
            core.rows_of("people", pa.table({"id": ["c1"]}), 0)

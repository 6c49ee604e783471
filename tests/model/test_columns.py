"""Records from columns: exactly the per-record loader's records, or ``None`` for any doubt."""

from __future__ import annotations

import copy
import math
import pickle
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any, cast
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crms import crossing_crm
from guided_actions import Contact, Deal, Email, Task
from guided_actions._model.columns import records_from_columns
from guided_actions._model.document import decode, encode
from guided_actions._model.kinds import NAMES
from guided_actions._model.records import Record
from strategies import snapshots

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def _document() -> dict[str, Any]:
    """A valid document holding every list, and every kind of field with a value."""
    doc = copy.deepcopy(crossing_crm(users=2, contacts_per_user=4))
    doc["deals"][0]["amount"] = 1200.5
    doc["deals"].append({**doc["deals"][0], "id": "d-int", "amount": 3})
    doc["tasks"][0]["sequence_step"] = 2
    doc["tasks"][0]["sequence_id"] = doc["sequences"][0]["id"]
    doc["calls"][0]["ended_at"] = "2026-11-23T15:00:00+01:00"  # 14:00 UTC, after its start
    doc["calls"][0]["started_at"] = "2026-11-23T13:30:00Z"
    doc["feedback"] = [
        {"user_id": "u1", "action_key": "k1", "verdict": "yes", "at": "2026-11-20T10:00:00Z"}
    ]
    doc["users"][0]["timezone"] = "Europe/Paris"
    return doc


DOCUMENT = _document()


def columns_of(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The rows as columns: a key absent from a row is ``None`` there."""
    keys = dict.fromkeys(key for row in rows for key in row)
    return {key: [row.get(key) for row in rows] for key in keys}


def plain(name: str, rows: list[Any]) -> tuple[Record, ...] | None:
    """What the per-record loader makes of the rows: their records, or ``None`` on a problem."""
    decoded = decode({"schema": "guided-actions/1", name: rows}, by_columns=False)
    return None if decoded.problems else decoded.lists[name]


def from_rows(name: str, rows: list[Any]) -> tuple[Record, ...] | None:
    return records_from_columns(name, columns_of(rows), len(rows))


def assert_same_records(got: Sequence[Record] | None, want: Sequence[Record] | None) -> None:
    """Equal, and every field of the same type (an int is no float, a tuple no list)."""
    assert got is not None
    assert want is not None
    assert got == want
    for a, b in zip(got, want, strict=True):
        assert type(a) is type(b)
        for field in attrs.fields(cast(Any, type(a))):
            x, y = getattr(a, field.name), getattr(b, field.name)
            assert type(x) is type(y), field.name
            if isinstance(x, datetime):
                assert x.tzinfo is UTC
                assert y.tzinfo is UTC


class TestSameRecordsAsThePlainLoader:
    @pytest.mark.parametrize("name", [n for n in NAMES if DOCUMENT.get(n)])
    def test_every_list_of_a_full_document(self, name: str) -> None:
        """Every list, every field type: the same records, field by field."""
        rows = DOCUMENT[name]
        assert_same_records(from_rows(name, rows), plain(name, rows))

    @given(snapshots())
    def test_generated_snapshots(self, case: Any) -> None:
        """The lists of generated snapshots (instants at many offsets, empty lists, defaults)."""
        doc = case[0].to_dict()
        for name in NAMES:
            rows = doc.get(name, [])
            if rows:
                assert_same_records(from_rows(name, rows), plain(name, rows))

    def test_absent_columns_are_defaults(self) -> None:
        """A field without a column, or ``None`` in one, is absent: the field's default."""
        got = records_from_columns(
            "tasks",
            {
                "id": ["t1", "t2"],
                "owner_id": ["u1", "u1"],
                "created_at": ["2025-01-01T00:00:00Z"] * 2,
                "priority": [None, "high"],
            },
            2,
        )
        assert got is not None
        assert [t.priority for t in got] == ["none", "high"]  # type: ignore[attr-defined]
        assert [t.status for t in got] == ["not_started"] * 2  # type: ignore[attr-defined]
        assert [t.contact_ids for t in got] == [(), ()]  # type: ignore[attr-defined]

    def test_no_rows(self) -> None:
        assert records_from_columns("contacts", {}, 0) == ()
        assert records_from_columns("contacts", {"id": []}, 0) == ()

    def test_records_behave_like_constructed_ones(self) -> None:
        """Frozen, hashable, picklable and equal to the class's own construction."""
        got = from_rows("emails", DOCUMENT["emails"])
        assert got is not None
        first = got[0]
        assert isinstance(first, Email)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            first.id = "x"  # type: ignore[misc]
        built = Email(**{f.name: getattr(first, f.name) for f in attrs.fields(Email)})
        assert built == first
        assert hash(built) == hash(first)
        assert pickle.loads(pickle.dumps(got)) == got
        assert repr(built) == repr(first)
        want = plain("emails", DOCUMENT["emails"])
        assert want is not None
        assert encode({"emails": got}) == encode({"emails": want})


class TestInstantsAsDatetimes:
    def test_aware_datetimes_equal_their_text(self) -> None:
        """An aware ``datetime`` (any zone) gives the record its ISO text gives, in UTC."""
        paris = datetime(2025, 3, 30, 3, 30, tzinfo=ZoneInfo("Europe/Paris"))
        values = [paris, datetime(2025, 1, 1, 5, tzinfo=timezone(timedelta(hours=-5)))]
        rows = [{"id": f"c{i}", "created_at": v} for i, v in enumerate(values)]
        text_rows = [{"id": f"c{i}", "created_at": v.isoformat()} for i, v in enumerate(values)]
        assert_same_records(from_rows("contacts", rows), plain("contacts", text_rows))

    def test_text_and_datetimes_mixed(self) -> None:
        rows = [
            {"id": "c1", "created_at": datetime(2025, 1, 1, tzinfo=UTC)},
            {"id": "c2", "created_at": "2025-01-02T00:00:00+02:00"},
        ]
        text_rows = [
            {"id": "c1", "created_at": "2025-01-01T00:00:00+00:00"},
            {"id": "c2", "created_at": "2025-01-02T00:00:00+02:00"},
        ]
        assert_same_records(from_rows("contacts", rows), plain("contacts", text_rows))

    def test_naive_datetime(self) -> None:
        aware = [{"id": "c1", "created_at": datetime(2025, 1, 1, tzinfo=UTC)}]
        naive = [{"id": "c1", "created_at": datetime(2025, 1, 1)}]
        assert from_rows("contacts", aware) is not None
        assert from_rows("contacts", naive) is None

    def test_a_datetime_subclass(self) -> None:
        class Stamp(datetime):
            pass

        rows = [{"id": "c1", "created_at": Stamp(2025, 1, 1, tzinfo=UTC)}]
        assert from_rows("contacts", rows) is None

    def test_a_zone_without_offset(self) -> None:
        class Nowhere(tzinfo):
            def utcoffset(self, dt: datetime | None) -> timedelta | None:
                return None

            def dst(self, dt: datetime | None) -> timedelta | None:
                return None

            def tzname(self, dt: datetime | None) -> str | None:
                return None

        rows = [{"id": "c1", "created_at": datetime(2025, 1, 1, tzinfo=Nowhere())}]
        assert from_rows("contacts", rows) is None

    def test_the_interchange_document_takes_text_only(self) -> None:
        """``decode`` reports a ``datetime`` object as the per-record loader does."""
        doc = {"schema": "guided-actions/1", "contacts": [{"id": "c1", "created_at": NOW}]}
        assert decode(doc).problems == decode(doc, by_columns=False).problems != ()


def _contact(**fields: Any) -> list[dict[str, Any]]:
    return [{"id": "c1", "created_at": "2025-01-01T00:00:00Z", **fields}]


def _one_of(name: str, good: Any, bad: Any, field: str, **others: Any) -> None:
    """The column with ``good`` gives the plain loader's records; with ``bad``, ``None`` (and
    the plain loader finds a problem there: the fast path is never less strict)."""
    base = copy.deepcopy(_BASE[name][0])
    base.update(others)
    ok, not_ok = [{**base, field: good}], [{**base, field: bad}]
    assert_same_records(from_rows(name, ok), plain(name, ok))
    assert from_rows(name, not_ok) is None


_BASE: dict[str, list[dict[str, Any]]] = {
    "contacts": _contact(),
    "tasks": [{"id": "t1", "owner_id": "u1", "created_at": "2025-01-01T00:00:00Z"}],
    "deals": [
        {"id": "d1", "pipeline_id": "p", "stage_id": "s", "created_at": "2025-01-01T00:00:00Z"}
    ],
    "users": [{"id": "u1", "email": "a@b.test"}],
    "emails": [
        {"id": "e1", "owner_id": "u1", "direction": "inbound", "sent_at": "2025-01-01T00:00Z"}
    ],
    "meetings": [
        {
            "id": "m1",
            "owner_id": "u1",
            "start": "2025-01-01T10:00:00Z",
            "end": "2025-01-01T11:00:00Z",
        }
    ],
    "calls": [{"id": "k1", "owner_id": "u1", "started_at": "2025-01-01T10:00:00Z"}],
    "pipelines": [{"id": "p", "object": "deal", "stages": [{"id": "s"}]}],
    "dashboards": [{"id": "b1", "access": "everyone"}],
}


class TestNoneForEveryDoubt:
    """One test per kind of bad value, each with the good value next to it."""

    @pytest.mark.parametrize(
        ("good", "bad"),
        [
            ("0002-01-01T00:00:00+00:00", "0001-12-31T23:59:59+00:00"),  # the earliest year
            ("9998-12-31T23:59:59.999999+00:00", "9999-01-01T00:00:00+00:00"),  # the latest
            ("0002-01-01T00:00:00-01:00", "0002-01-01T00:30:00+01:00"),  # year 1 in UTC
            ("9998-12-31T22:00:00-01:00", "9998-12-31T23:30:00-01:00"),  # year 9999 in UTC
            ("0001-01-02T00:00:00-23:59", "0001-01-01T00:00:00+05:00"),  # overflows in UTC
            ("2025-01-01T00:00:00Z", "2025-01-01T00:00:00"),  # naive
            ("2025-01-01T00:00:00+02:00", "2025-13-01T00:00:00+02:00"),  # not an instant
            ("2025-W01-1T00:00:00Z", "2025-W01-8T00:00:00Z"),  # a week date
        ],
    )
    def test_instants(self, good: str, bad: str) -> None:
        if good.startswith("0001-01-02"):  # year 1 in UTC: also refused, by the plain loader too
            assert from_rows("contacts", _contact(created_at=good)) is None
            assert plain("contacts", _contact(created_at=good)) is None
            assert from_rows("contacts", _contact(created_at=bad)) is None
            return
        _one_of("contacts", good, bad, "created_at")

    def test_instant_types(self) -> None:
        _one_of("contacts", "2025-01-01T00:00:00Z", 1735689600, "created_at")
        _one_of("contacts", None, "", "owner_assigned_at")

    def test_empty_ids(self) -> None:
        _one_of("contacts", "x", "", "id")
        _one_of("contacts", "u1", "", "owner_id")
        _one_of("contacts", ["co1"], ["co1", ""], "company_ids")
        # An address list holds no ids: an empty string in it is no problem.
        assert from_rows("emails", [{**_BASE["emails"][0], "to": [""]}]) is not None

    def test_required_fields(self) -> None:
        _one_of("contacts", "c1", None, "id")
        assert records_from_columns("contacts", {"id": ["c1"]}, 1) is None  # no created_at

    def test_unknown_column(self) -> None:
        assert from_rows("contacts", _contact()) is not None
        assert from_rows("contacts", _contact(color="blue")) is None

    def test_strings(self) -> None:
        class Text(str):
            pass

        _one_of("contacts", "a@b.test", Text("a@b.test"), "email")
        _one_of("contacts", "a@b.test", 7, "email")
        _one_of("contacts", ["co1"], [Text("co1")], "company_ids")
        _one_of("contacts", ["co1"], ("co1",), "company_ids")  # a tuple is no JSON list
        _one_of("contacts", ["co1"], "co1", "company_ids")
        _one_of("contacts", ["co1"], [1], "company_ids")

    def test_booleans_and_integers(self) -> None:
        _one_of("users", True, 1, "super_admin")
        _one_of("tasks", 1, True, "sequence_step")  # True is an int in Python, not here
        _one_of("tasks", 1, 1.0, "sequence_step")
        _one_of("tasks", 1, 0, "sequence_step")  # a sequence step is at least 1

    def test_numbers(self) -> None:
        _one_of("deals", 0, -1, "amount")
        _one_of("deals", 0.0, -0.5, "amount")
        _one_of("deals", 2**70, True, "amount")
        _one_of("deals", 1e308, math.inf, "amount")
        _one_of("deals", 1.5, math.nan, "amount")
        _one_of("deals", 12, "12", "amount")

    def test_literals(self) -> None:
        class Text(str):
            pass

        _one_of("emails", "outbound", "sideways", "direction")
        _one_of("emails", "outbound", Text("outbound"), "direction")
        _one_of("tasks", "high", "urgent", "priority")
        _one_of("calls", None, "nope", "status")

    def test_checks_of_a_record_class(self) -> None:
        _one_of("meetings", "2025-01-01T10:00:00Z", "2025-01-01T09:59:59Z", "end")
        _one_of("calls", "2025-01-01T10:00:00Z", "2025-01-01T09:00:00Z", "ended_at")
        _one_of("users", "Europe/Paris", "Mars/Olympus", "timezone")
        _one_of("users", "UTC", "localtime", "timezone")

    def test_stages(self) -> None:
        _one_of("pipelines", [{"id": "s"}], [], "stages")
        _one_of("pipelines", [{"id": "s"}, {"id": "t"}], [{"id": "s"}, {"id": "s"}], "stages")
        _one_of(
            "pipelines",
            [{"id": "s", "closed": True, "won": True}],
            [{"id": "s", "won": True}],
            "stages",
        )
        _one_of("pipelines", [{"id": "s"}], [{"id": "s", "color": "red"}], "stages")
        _one_of("pipelines", [{"id": "s"}], [{"id": ""}], "stages")
        _one_of("pipelines", [{"id": "s"}], ["s"], "stages")
        _one_of("pipelines", [{"id": "s", "label": "S"}], [{"id": "s", "label": 5}], "stages")

    def test_dashboard_access(self) -> None:
        _one_of("dashboards", ["team1"], "some", "access")
        _one_of("dashboards", [], [3], "access")
        _one_of("dashboards", "everyone", None, "access")


class TestCallerErrors:
    def test_an_unknown_list(self) -> None:
        with pytest.raises(ValueError, match="unknown record list"):
            records_from_columns("widgets", {}, 0)

    def test_a_column_of_another_length(self) -> None:
        with pytest.raises(ValueError, match="holds 1 values, not 2"):
            records_from_columns("contacts", {"id": ["c1"]}, 2)


@given(st.sampled_from([Contact, Deal, Task]), st.integers(min_value=1, max_value=4))
def test_columns_may_be_tuples(cls: type[Record], n: int) -> None:
    """A column may be any sequence (a tuple as well as a list)."""
    name = cls.record_kind
    rows = [{**_BASE[name][0], "id": f"r{i}"} for i in range(n)]
    columns = {key: tuple(values) for key, values in columns_of(rows).items()}
    assert_same_records(records_from_columns(name, columns, n), plain(name, rows))

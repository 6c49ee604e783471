"""Loading fast gives what loading record by record gives: the same snapshot, or the same
problems in the same order; and the collector is paused while loading, then left as it was."""

from __future__ import annotations

import contextlib
import copy
import gc
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, cast

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crms import crossing_crm
from guided_actions import Snapshot
from guided_actions._model.document import Decoded, decode
from guided_actions._model.kinds import BY_NAME, KINDS, NAMES
from guided_actions._model.records import Contact, Deal, Lead, Pipeline, Record
from guided_actions._model.validation import OversizedInteger, shown_list
from guided_actions._snapshot import indexes
from guided_actions._snapshot import snapshot as snapshot_module
from guided_actions._snapshot.snapshot import (
    DEFAULT_LIFECYCLE_STAGES,
    _record_label,
    _stage_problems,
    _Stages,
    consistency_problems,
)
from guided_actions.errors import InvalidSnapshotError, Problem
from strategies import snapshots

SCHEMA = "guided-actions/1"


def _full_document() -> dict[str, Any]:
    """A valid document holding every list, and every kind of field with a value."""
    doc = copy.deepcopy(crossing_crm(users=2, contacts_per_user=4))
    doc["deals"][0]["amount"] = 1200.5
    doc["tasks"][0]["sequence_step"] = 2
    doc["tasks"][0]["sequence_id"] = doc["sequences"][0]["id"]
    doc["feedback"] = [
        {"user_id": "u1", "action_key": "k1", "verdict": "yes", "at": "2026-11-20T10:00:00Z"}
    ]
    doc["users"][0]["timezone"] = "Europe/Paris"
    doc["lifecycle_stages"] = [*DEFAULT_LIFECYCLE_STAGES]
    return doc


FULL = _full_document()


class Text(str):
    """A string subclass: the per-record loader accepts it where a string is expected."""


#: Values a mutation puts in a field: wrong types, empty, naive, out of range, unknown…
BAD_VALUES: tuple[Any, ...] = (
    None,
    "",
    "x",
    Text("x"),
    "zzz",
    0,
    -1,
    2,
    True,
    False,
    1.5,
    -0.5,
    math.nan,
    math.inf,
    OversizedInteger(5000),
    [],
    [""],
    ["x"],
    [1],
    ("x",),
    {},
    [{"id": "s"}],
    [{"id": "s"}, {"id": "s"}],
    [{"id": "s", "won": True}],
    [{"id": "s", "color": "red"}],
    "2025-01-01T00:00:00",
    "2025-01-01T00:00:00Z",
    "2025-01-01T00:00:00+05:00",
    "0001-12-31T23:00:00+00:00",
    "0002-01-01T00:00:00+00:00",
    "9998-12-31T23:00:00+00:00",
    "9999-01-01T00:00:00+00:00",
    "9998-12-31T23:00:00-05:00",
    "2025-W01-1",
    "not an instant",
    datetime(2025, 1, 1, tzinfo=UTC),
    datetime(2025, 1, 1),
    "everyone",
    "outbound",
    "completed",
    "Europe/Paris",
    "localtime",
    "#0",
    "#1",
)


#: The values most often wrong (drawn as often as all the others together).
SHARP: tuple[Any, ...] = ("", None, "x", 1, "2025-01-01T00:00:00", ["x"], "no-such-id")


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """A document of ``base`` with a few of its values, records or lists changed."""
    doc = copy.deepcopy(draw(base))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        names = [n for n in NAMES if isinstance(doc.get(n), list) and doc[n]]
        name = draw(st.sampled_from(names))
        rows = doc[name]
        index = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        row = rows[index]
        kind = BY_NAME[name]
        fields = [f.name for f in attrs.fields(cast(Any, kind.cls))]
        how = draw(
            st.sampled_from(["value", "value", "value", "drop", "duplicate", "dangling", "row"])
        )
        if not isinstance(row, dict):
            continue
        if how == "value":
            field = draw(st.sampled_from([*fields, "unknown_field"]))
            row[field] = draw(st.one_of(st.sampled_from(SHARP), st.sampled_from(BAD_VALUES)))
        elif how == "drop":
            row.pop(draw(st.sampled_from(fields)), None)
        elif how == "duplicate" and kind.id_field is not None:
            other = rows[draw(st.integers(min_value=0, max_value=len(rows) - 1))]
            if isinstance(other, dict):
                row[kind.id_field] = other.get(kind.id_field)
        elif how == "dangling" and kind.references:
            field = draw(st.sampled_from(sorted(kind.references)))
            many = isinstance(row.get(field), list) or field.endswith("_ids")
            row[field] = ["no-such-id"] if many else "no-such-id"
        elif how == "row":
            rows[index] = draw(st.sampled_from(["row", None, 3, []]))
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        doc["lifecycle_stages"] = draw(
            st.sampled_from([["lead"], [], "lead", ["lead", "lead"], [*DEFAULT_LIFECYCLE_STAGES]])
        )
    if draw(st.integers(min_value=0, max_value=19)) == 0:
        doc[draw(st.sampled_from(NAMES))] = draw(st.sampled_from([None, {}, "x", []]))
    return doc


def _generated() -> st.SearchStrategy[dict[str, Any]]:
    return snapshots().map(lambda case: case[0].to_dict())


DOCUMENTS = mutated(st.one_of(st.just(FULL), _generated()))


def plain_load(doc: object) -> Snapshot:
    """The snapshot of ``doc`` read record by record (the loader reporting problems)."""
    return Snapshot._from_decoded(decode(doc, by_columns=False))


def shown(problems: Iterable[Problem]) -> list[tuple[Any, ...]]:
    """Problems with their values by repr: NaN is not equal to itself."""
    return [(p.kind, p.record_id, p.field, repr(p.value), p.message) for p in problems]


def comparable(decoded: Decoded) -> tuple[Any, ...]:
    return (decoded.lists, decoded.ids, repr(decoded.lifecycle_stages), shown(decoded.problems))


def outcome(load: Any, doc: object) -> tuple[Any, ...]:
    try:
        snap = load(doc)
    except InvalidSnapshotError as exc:
        return ("problems", shown(exc.problems))
    return ("snapshot", snap.to_dict(), {name: snap.records(name) for name in NAMES})


def assert_same_outcome(doc: object) -> None:
    fast, slow = outcome(Snapshot.from_dict, doc), outcome(plain_load, doc)
    assert fast == slow
    if fast[0] == "snapshot":  # the same values, of the same types
        for name in NAMES:
            for a, b in zip(fast[2][name], slow[2][name], strict=True):
                for field in attrs.fields(type(a)):
                    x, y = getattr(a, field.name), getattr(b, field.name)
                    assert type(x) is type(y), (name, field.name)


class TestFromDictEqualsThePlainPath:
    def test_a_full_valid_document(self) -> None:
        """Every list and kind of field: the same snapshot, read by columns."""
        assert outcome(Snapshot.from_dict, FULL)[0] == "snapshot"
        assert_same_outcome(FULL)

    def test_decode_gives_the_same_result(self) -> None:
        """``Decoded``: the same lists, ids and problems (none) either way."""
        assert decode(FULL) == decode(FULL, by_columns=False)
        assert not decode(FULL).problems

    @given(DOCUMENTS)
    @settings(max_examples=300)
    def test_mutated_documents(self, doc: dict[str, Any]) -> None:
        """Valid or not, a document gives the same snapshot or the same problems in order."""
        assert_same_outcome(doc)
        assert comparable(decode(doc)) == comparable(decode(doc, by_columns=False))

    @pytest.mark.parametrize(
        ("name", "index", "field", "value"),
        [
            ("contacts", 0, "id", ""),
            ("contacts", 1, "created_at", "2025-01-01T00:00:00"),
            ("contacts", 1, "created_at", datetime(2025, 1, 1, tzinfo=UTC)),
            ("contacts", 2, "owner_id", "no-such-user"),
            ("contacts", 2, "lifecycle_stage", "nope"),
            ("contacts", 3, "id", "#3"),  # an id that reads like its position
            ("emails", 0, "direction", "sideways"),
            ("deals", 0, "amount", -1),
            ("deals", 0, "stage_id", "nope"),
            ("leads", 0, "pipeline_id", "sales"),  # a deal pipeline
            ("tasks", 0, "sequence_step", True),
            ("pipelines", 0, "stages", [{"id": "s"}, {"id": "s"}]),
            ("users", 0, "timezone", "localtime"),
        ],
    )
    def test_one_bad_value(self, name: str, index: int, field: str, value: object) -> None:
        """Each kind of problem: the same problems as the plain path, and a problem at all."""
        doc = copy.deepcopy(FULL)
        doc[name][index][field] = value
        assert_same_outcome(doc)
        if value != "#3":
            assert outcome(Snapshot.from_dict, doc)[0] == "problems"

    def test_a_duplicate_id(self) -> None:
        doc = copy.deepcopy(FULL)
        doc["contacts"][1]["id"] = doc["contacts"][0]["id"]
        assert outcome(Snapshot.from_dict, doc)[0] == "problems"
        assert_same_outcome(doc)


# -- the cross-record checks: set-based, then record by record to report ----------------------


def walked_consistency_problems(
    lists: Mapping[str, Sequence[Record]],
    lifecycle_stages: Sequence[str] | None,
    input_ids: Mapping[str, Sequence[str]] | None = None,
) -> list[Problem]:
    """The cross-record checks made record by record, in the order they report."""
    problems: list[Problem] = []
    ids: dict[str, set[str]] = {}
    for kind in KINDS:
        id_field = kind.id_field
        if id_field is None:
            continue
        given: Iterable[str] = (
            input_ids.get(kind.name, ())
            if input_ids is not None
            else map(attrgetter(id_field), lists.get(kind.name, ()))
        )
        seen: set[str] = set()
        repeated: set[str] = set()
        for rid in given:
            if rid in seen and rid not in repeated:
                repeated.add(rid)
                problems.append(
                    Problem(kind.name, rid, id_field, rid, f"duplicate {id_field}: ids are unique")
                )
            seen.add(rid)
        ids[kind.name] = seen
    for kind in KINDS:
        for index, record in enumerate(lists.get(kind.name, ())):
            rid = _record_label(record, index, kind.id_field)
            for field, target in kind.references.items():
                value = getattr(record, field)
                for ref in dict.fromkeys(value) if isinstance(value, tuple) else (value,):
                    if ref is not None and ref not in ids[target]:
                        problems.append(
                            Problem(kind.name, rid, field, ref, f"no {target} record has this id")
                        )
    if lifecycle_stages is not None:
        expected = "not one of the lifecycle stages: " + shown_list(lifecycle_stages)
        for index, contact in enumerate(lists.get("contacts", ())):
            stage = contact.lifecycle_stage if isinstance(contact, Contact) else None
            if stage is not None and stage not in set(lifecycle_stages):
                rid = _record_label(contact, index, "id")
                problems.append(Problem("contacts", rid, "lifecycle_stage", stage, expected))
    pipelines = {p.id: _Stages(p) for p in lists.get("pipelines", ()) if isinstance(p, Pipeline)}
    for key in ("leads", "deals"):
        for index, record in enumerate(lists.get(key, ())):
            if isinstance(record, Lead | Deal):
                rid = _record_label(record, index, "id")
                problems.extend(_stage_problems(key, rid, record, pipelines))
    return problems


class TestConsistencyProblems:
    @given(DOCUMENTS)
    @settings(max_examples=300)
    def test_equal_to_walking_every_record(self, doc: dict[str, Any]) -> None:
        """The valid records of any document: the same problems, in the same order, with the
        document's ids or the records' own, with and without lifecycle stages."""
        decoded = decode(doc, by_columns=False)
        for stages in (DEFAULT_LIFECYCLE_STAGES, ("lead",), None):
            for ids in (decoded.ids, None):
                got = consistency_problems(decoded.lists, stages, ids)
                assert got == walked_consistency_problems(decoded.lists, stages, ids)

    def test_records_of_a_subclass_are_walked(self) -> None:
        """A list holding a subclass's records is checked record by record, like any other."""

        @attrs.frozen(kw_only=True)
        class Special(Contact):
            pass

        lists = decode(FULL).lists
        contacts = [Special(**attrs.asdict(cast(Any, c), recurse=False)) for c in lists["contacts"]]
        contacts[0] = attrs.evolve(contacts[0], lifecycle_stage="nope")
        changed = {**lists, "contacts": tuple(contacts)}
        got = consistency_problems(changed, DEFAULT_LIFECYCLE_STAGES)
        assert got == walked_consistency_problems(changed, DEFAULT_LIFECYCLE_STAGES)
        assert [p.field for p in got] == ["lifecycle_stage"]


# -- the indexes: the same tables as filling them record by record ----------------------------


def walked_tables(lists: Mapping[str, Sequence[Record]]) -> dict[str, dict[str, tuple[Any, ...]]]:
    """Every index filled record by record, each record's keys computed on their own."""
    by_id = {
        kind.name: {getattr(r, kind.id_field): r for r in lists[kind.name]}
        for kind in KINDS
        if kind.id_field is not None
    }
    tables: dict[str, dict[str, tuple[Any, ...]]] = {}
    for index in indexes.INDEXES:
        keys_of = indexes._keys_of(index, by_id)
        table: defaultdict[str, list[Any]] = defaultdict(list)
        for name in index.reads:
            for record in lists[name]:
                for key in keys_of(record):
                    table[key].append(record)
        tables[index.name] = {key: tuple(records) for key, records in table.items()}
    return tables


@given(snapshots())
def test_indexes_equal_filling_record_by_record(case: Any) -> None:
    """Every table, key and record order as a record-by-record fill gives them."""
    snap = case[0]
    lists = {name: snap.records(name) for name in NAMES}
    by_id, tables = indexes.build(lists)
    assert tables == walked_tables(lists)
    for table in tables.values():
        assert all(type(records) is tuple for records in table.values())
    assert by_id == {
        kind.name: {getattr(r, kind.id_field): r for r in lists[kind.name]}
        for kind in KINDS
        if kind.id_field is not None
    }


# -- the collector ----------------------------------------------------------------------------

BAD = {"schema": SCHEMA, "contacts": [{"id": ""}]}


def _loads() -> list[tuple[str, Any]]:
    records = [r for name in NAMES for r in decode(FULL).lists[name]]
    return [
        ("from_dict", lambda: Snapshot.from_dict(FULL)),
        ("from_json", lambda: Snapshot.from_json(json.dumps(FULL))),
        ("from_records", lambda: Snapshot.from_records(records)),
        ("_from_decoded", lambda: Snapshot._from_decoded(decode(FULL))),
        ("from_dict, invalid", lambda: Snapshot.from_dict(BAD)),
        ("from_json, invalid", lambda: Snapshot.from_json(json.dumps(BAD))),
        ("from_json, not JSON", lambda: Snapshot.from_json("{")),
        ("from_records, invalid", lambda: Snapshot.from_records([*records, *records])),
    ]


@pytest.fixture
def collector_state() -> Iterable[None]:
    """Whatever a test does to the collector, it is put back as it was."""
    enabled, thresholds = gc.isenabled(), gc.get_threshold()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        (gc.enable if enabled else gc.disable)()


def _run(load: Any) -> None:
    with contextlib.suppress(InvalidSnapshotError):
        load()


class TestTheCollector:
    @pytest.mark.usefixtures("collector_state")
    @pytest.mark.parametrize(("label", "load"), _loads())
    @pytest.mark.parametrize("enabled", [True, False])
    def test_left_as_it_was(self, label: str, load: Any, enabled: bool) -> None:
        """On before, on after (also after an error); off before, still off after; its
        thresholds untouched."""
        gc.set_threshold(1234, 11, 12)
        (gc.enable if enabled else gc.disable)()
        _run(load)
        assert gc.isenabled() is enabled, label
        assert gc.get_threshold() == (1234, 11, 12)

    @pytest.mark.usefixtures("collector_state")
    @pytest.mark.parametrize(("label", "load"), [c for c in _loads() if "JSON" not in c[0]])
    def test_off_while_loading(
        self, label: str, load: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Reading the document and checking and indexing the records run with it off."""
        seen: list[bool] = []
        build, decode_ = indexes.build, snapshot_module.decode
        consistency = snapshot_module.consistency_problems

        def spy(function: Any) -> Any:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                seen.append(gc.isenabled())
                return function(*args, **kwargs)

            return wrapper

        monkeypatch.setattr(indexes, "build", spy(build))
        monkeypatch.setattr(snapshot_module, "decode", spy(decode_))
        monkeypatch.setattr(snapshot_module, "consistency_problems", spy(consistency))
        gc.enable()
        _run(load)
        assert seen, label
        assert not any(seen), label
        assert gc.isenabled()

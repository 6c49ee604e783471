"""A snapshot pickles: its records and lifecycle stages travel, its indexes are rebuilt."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings

from guided_actions import DEFAULT_LIFECYCLE_STAGES, Snapshot, evaluate, synthetic
from guided_actions._model.kinds import NAMES
from guided_actions._model.records import Record
from guided_actions._snapshot import snapshot as snapshot_module
from guided_actions.testing import NOW, build, contact
from index_scans import keys_to_ask, scans
from strategies import snapshots

Case = tuple[Snapshot, datetime, str]


def assert_equal_snapshots(a: Snapshot, b: Snapshot) -> None:
    """Same document, same lists, same lifecycle, same answer to every index question."""
    assert type(a) is type(b)
    assert a.to_dict() == b.to_dict()
    assert all(a.records(name) == b.records(name) for name in NAMES)
    assert (a.lifecycle_stages, a.custom_lifecycle_stages) == (
        b.lifecycle_stages,
        b.custom_lifecycle_stages,
    )
    answers_a, answers_b = scans(a), scans(b)
    for method, (indexed, _scan) in answers_a.items():
        for key in keys_to_ask(a):
            assert indexed(key) == answers_b[method][0](key), (method, key)
    for name in ("user", "contact", "deal", "meeting", "task", "pipeline", "issued_action"):
        for key in keys_to_ask(a):
            assert getattr(a, name)(key) == getattr(b, name)(key), (name, key)


@pytest.fixture(scope="module")
def crm() -> Snapshot:
    """A synthetic CRM with a custom lifecycle list (the default one, reversed)."""
    doc = synthetic.generate(
        users=3, contacts_per_user=10, seed=3, now=datetime(2025, 3, 3, 12, tzinfo=UTC)
    )
    doc["lifecycle_stages"] = list(reversed(DEFAULT_LIFECYCLE_STAGES))
    return Snapshot.from_dict(doc)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_round_trip(crm: Snapshot, protocol: int) -> None:
    """Every pickle protocol gives back an equal snapshot."""
    again = pickle.loads(pickle.dumps(crm, protocol=protocol))
    assert again is not crm
    assert_equal_snapshots(crm, again)


def test_round_trip_keeps_a_custom_lifecycle() -> None:
    """A custom lifecycle list stays custom; the default one stays the default."""
    custom = build(contact("c1", lifecycle_stage="warm"), lifecycle_stages=["cold", "warm"])
    again = pickle.loads(pickle.dumps(custom))
    assert again.lifecycle_stages == ("cold", "warm")
    assert again.custom_lifecycle_stages is True
    assert again.to_dict()["lifecycle_stages"] == ["cold", "warm"]
    default = pickle.loads(pickle.dumps(build(contact("c1"))))
    assert default.custom_lifecycle_stages is False
    assert "lifecycle_stages" not in default.to_dict()


def test_empty_snapshot() -> None:
    """The empty snapshot round-trips too."""
    again = pickle.loads(pickle.dumps(Snapshot()))
    assert repr(again) == "<Snapshot empty>"
    assert_equal_snapshots(Snapshot(), again)


def test_evaluates_alike(crm: Snapshot) -> None:
    """The unpickled snapshot gives the same actions."""
    again = pickle.loads(pickle.dumps(crm))
    for user in crm.users():
        assert evaluate(again, NOW, user.id).to_dicts() == evaluate(crm, NOW, user.id).to_dicts()


def test_unpickling_does_not_check_again(crm: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unpickling rebuilds the indexes only: no record or consistency check runs."""
    data = pickle.dumps(crm)
    lists = {name: crm.records(name) for name in NAMES}

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("checked again")

    monkeypatch.setattr(snapshot_module, "consistency_problems", fail)
    monkeypatch.setattr(Record, "__attrs_post_init__", fail)
    # Any way of building the snapshot again would be caught: checking its records again...
    with pytest.raises(AssertionError, match="checked again"):
        contact("c1")
    with pytest.raises(AssertionError, match="checked again"):
        Snapshot.from_dict(crm.to_dict())
    # ...or checking them across records.
    with pytest.raises(AssertionError, match="checked again"):
        Snapshot(**lists)  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="checked again"):
        Snapshot.from_records([r for records in lists.values() for r in records])
    assert_equal_snapshots(crm, pickle.loads(data))


def test_indexes_are_not_pickled(crm: Snapshot) -> None:
    """The pickle holds the record lists, not the indexes (which would roughly double it)."""
    lists = {name: crm.records(name) for name in NAMES if crm.records(name)}
    data = pickle.dumps(crm)
    assert len(data) < len(pickle.dumps((lists, crm.lifecycle_stages))) + 200


def test_copies(crm: Snapshot) -> None:
    """copy.copy and copy.deepcopy go through the same path."""
    assert_equal_snapshots(crm, copy.copy(crm))
    deep = copy.deepcopy(crm)
    assert_equal_snapshots(crm, deep)
    assert deep.records("contacts")[0] is not crm.records("contacts")[0]


def test_subclass_round_trips() -> None:
    """A subclass of Snapshot unpickles as that subclass."""
    again = pickle.loads(pickle.dumps(MySnapshot.from_records([contact("c1", owner_id=None)])))
    assert type(again) is MySnapshot
    assert again.contact("c1") is not None


class MySnapshot(Snapshot):
    __slots__ = ()


@settings(max_examples=40)
@given(snapshots())
def test_round_trip_of_generated_snapshots(case: Case) -> None:
    """Any generated snapshot round-trips."""
    snap = case[0]
    assert_equal_snapshots(snap, pickle.loads(pickle.dumps(snap)))

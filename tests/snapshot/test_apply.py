"""``Snapshot.apply``: exactly ``from_dict`` of the changed document, at the cost of the change."""

from __future__ import annotations

import copy
import functools
import pickle
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guided_actions import Snapshot, evaluate_all
from guided_actions._model.document import record_to_dict
from guided_actions._model.kinds import BY_NAME, KINDS, NAMES
from guided_actions._snapshot.changes import apply_to_document, reference_counts
from guided_actions._snapshot.indexes import INDEXES
from guided_actions.errors import InvalidSnapshotError, Problem
from guided_actions.testing import (
    build,
    contact,
    deal,
    dismissal,
    email,
    meeting,
    snooze,
    task,
    user,
)
from index_scans import keys_to_ask, scans
from strategies import snapshots

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)

#: Records of the lists the snapshot strategy leaves empty, so that every list can change.
EXTRAS: dict[str, Any] = {
    "upsert": {
        "feedback": [
            {"user_id": "u1", "action_key": "k1", "verdict": "yes", "at": "2024-01-01T00:00:00Z"}
        ],
        "dismissals": [
            {"user_id": "u1", "action_key": "k1"},
            {"user_id": "u2", "action_key": "k2", "until": "2024-06-01T00:00:00Z"},
            {"user_id": "u1", "action_key": "k1"},
        ],
        "snoozes": [
            {"user_id": "u2", "action_key": "k3", "until": "2024-06-01T00:00:00Z"},
        ],
        "issued_actions": [{"key": "k1", "contact_ids": ["c1"]}, {"key": "k2"}],
        "dashboards": [{"id": "d1", "access": "everyone"}, {"id": "d2", "access": ["t1"]}],
    }
}


# -- comparing two snapshots, and two ways of making one ----------------------------------------


def lookups(snap: Snapshot, keys: list[str]) -> dict[tuple[str, str], Any]:
    """Every answer of the ``SnapshotReader`` look-ups, by method and key."""
    out: dict[tuple[str, str], Any] = {}
    for method, (ask, _scan) in scans(snap).items():
        for key in keys:
            out[method, key] = ask(key)
    for name in ("user", "contact", "company", "lead", "deal", "email", "meeting", "call"):
        for key in keys:
            out[name, key] = getattr(snap, name)(key)
    for name in ("task", "pipeline", "sequence", "issued_action"):
        for key in keys:
            out[name, key] = getattr(snap, name)(key)
    return out


def assert_same(got: Snapshot, want: Snapshot, instants: tuple[datetime, ...] = ()) -> None:
    """Equal documents, equal answers to every look-up of a key either holds, equal results."""
    assert got.to_dict() == want.to_dict()
    for name in NAMES:
        assert got.records(name) == want.records(name)
    assert got.lifecycle_stages == want.lifecycle_stages
    assert got.custom_lifecycle_stages == want.custom_lifecycle_stages
    keys = sorted({*keys_to_ask(got), *keys_to_ask(want)} | _table_keys(got) | _table_keys(want))
    assert lookups(got, keys) == lookups(want, keys)
    assert got._idx == want._idx  # same keys: no key left behind with an empty tuple
    assert {k: list(v) for k, v in got._by_id.items()} == {
        k: list(v) for k, v in want._by_id.items()
    }
    for now in instants:
        assert evaluate_all(got, now) == evaluate_all(want, now)


def _all(snap: Snapshot, name: str) -> tuple[Any, ...]:
    """A list's records, as the test reads their fields."""
    return snap.records(name)


def _table_keys(snap: Snapshot) -> set[str]:
    return {key for table in snap._idx.values() for key in table}


def outcome(make: Callable[[], Snapshot]) -> Snapshot | list[Problem]:
    try:
        return make()
    except InvalidSnapshotError as exc:
        return list(exc.problems)


def rebuilt(snap: Snapshot, changes: Any) -> Callable[[], Snapshot]:
    return lambda: Snapshot.from_dict(apply_to_document(snap.to_dict(), changes))


def assert_apply_exact(
    snap: Snapshot, changes: Any, instants: tuple[datetime, ...] = ()
) -> Snapshot | list[Problem]:
    """``snap.apply(changes)`` is the rebuild of the changed document, or fails the same way;
    ``snap`` is left exactly as it was."""
    before = snap.to_dict()
    frozen = copy.deepcopy(changes)
    got = outcome(lambda: snap.apply(changes))
    want = outcome(rebuilt(snap, changes))
    assert changes == frozen  # the change set is not mutated either
    if isinstance(want, list):
        assert got == want
    else:
        assert isinstance(got, Snapshot), got
        assert_same(got, want, instants)
    assert snap.to_dict() == before
    assert_same(snap, Snapshot.from_dict(before))
    return got


# -- generated change sets ----------------------------------------------------------------------


def _ids(snap: Snapshot, name: str) -> list[str]:
    id_field = BY_NAME[name].id_field
    assert id_field is not None
    return [getattr(r, id_field) for r in snap.records(name)]


@st.composite
def _value(draw: st.DrawFn, snap: Snapshot, name: str, field: str, current: Any) -> Any:
    """Another value of one field: mostly a valid one, sometimes a dangling or bad one."""
    kind = BY_NAME[name]
    target = kind.references.get(field)
    if target is not None:
        pool = _ids(snap, target) * 4 + ["missing"]
        if isinstance(current, list):
            return draw(st.lists(st.sampled_from(pool), max_size=3))
        return draw(st.sampled_from(pool))
    if field == "lifecycle_stage":
        return draw(st.sampled_from([*snap.lifecycle_stages, "bogus"]))
    if field == "stage_id":
        stages = [s.id for p in snap.records("pipelines") for s in p.stages]  # type: ignore[attr-defined]
        return draw(st.sampled_from([*stages, "bogus"]))
    if field == "object":
        return draw(st.sampled_from(["lead", "deal"]))
    if field == "stages":
        return current[: draw(st.integers(1, max(1, len(current))))]
    if field == "to":
        return draw(st.lists(st.sampled_from(["C1@client.test", "c2@acme.test", "x@y.test"])))
    if field == "direction":
        return draw(st.sampled_from(["inbound", "outbound", "sideways"]))
    return draw(st.sampled_from([current, current, 12, None]))  # a wrong type, a missing field


_EXTRA_FIELDS: Mapping[str, tuple[str, ...]] = {
    "contacts": ("lifecycle_stage", "email"),
    "leads": ("stage_id",),
    "deals": ("stage_id",),
    "pipelines": ("object", "stages"),
    "emails": ("to", "direction"),
}


@st.composite
def _upsert(draw: st.DrawFn, snap: Snapshot, name: str) -> Any:
    """A modified copy of a record of the list, under its id or a new one; as a dict or record."""
    records = snap.records(name)
    kind = BY_NAME[name]
    base = record_to_dict(draw(st.sampled_from(records)))
    fields = [*kind.references, *_EXTRA_FIELDS.get(name, ())]
    for _ in range(draw(st.integers(0, 2))):
        if fields:
            field = draw(st.sampled_from(fields))
            base[field] = draw(_value(snap, name, field, base.get(field, [])))
    if kind.id_field is not None and draw(st.booleans()):
        base[kind.id_field] = f"{base[kind.id_field]}-{draw(st.integers(0, 3))}"
    shape = draw(st.sampled_from(["dict"] * 4 + ["record"] * 3 + ["junk"]))
    if shape == "junk":
        return draw(st.sampled_from([7, "text", {**base, "unknown": 1}]))
    if shape == "record":
        try:
            return Snapshot.from_dict({"schema": "guided-actions/1", name: [base]}).records(name)[0]
        except InvalidSnapshotError:
            return base  # references elsewhere: give the dict
    return base


@st.composite
def _delete(draw: st.DrawFn, snap: Snapshot, name: str) -> Any:
    kind = BY_NAME[name]
    if kind.id_field is None:
        record = draw(st.sampled_from(_all(snap, name)))
        if draw(st.booleans()):
            return record_to_dict(record)
        return record if draw(st.booleans()) else attrs.evolve(record, action_key="absent")
    return draw(st.sampled_from([*_ids(snap, name), "absent"]))


@st.composite
def change_sets(draw: st.DrawFn, snap: Snapshot) -> dict[str, Any]:
    """A change set touching a few lists: upserts of new and existing ids, deletes of
    referenced and unreferenced records, now and then a problem of the change set itself."""
    names = [n for n in NAMES if snap.records(n)]
    changes: dict[str, Any] = {}
    for top, make in (("upsert", _upsert), ("delete", _delete)):
        # Deletes prefer the end of the list: users are referred to by nearly everything.
        chosen = draw(
            st.lists(
                st.sampled_from(names[::-1] if top == "delete" else names), max_size=3, unique=True
            )
        )
        if chosen:
            changes[top] = {
                n: draw(st.lists(make(snap, n), min_size=1, max_size=3, unique_by=_unique_id(n)))
                for n in chosen
            }
    trouble = draw(st.integers(0, 19))
    if trouble == 19:
        changes.setdefault("upsert", {})["nonsense"] = []
    elif trouble == 18:
        changes["replace"] = {}
    elif trouble >= 15 and changes.get("upsert") and changes.get("delete"):
        # The same id both upserted and deleted (when it is a list with ids).
        name = next(iter(changes["upsert"]))
        item = changes["upsert"][name][0]
        id_field = BY_NAME[name].id_field
        if id_field is not None and isinstance(item, dict) and isinstance(item.get(id_field), str):
            changes["delete"].setdefault(name, []).append(item[id_field])
    return changes


def _unique_id(name: str) -> Callable[[Any], Any]:
    """Upserts of one list name each id once (twice is tested on its own)."""
    id_field = BY_NAME[name].id_field

    def key(item: Any) -> Any:
        if id_field is None:
            return id(item)
        if isinstance(item, dict):
            value = item.get(id_field)
            return value if isinstance(value, str) else id(item)
        return getattr(item, id_field, id(item))

    return key


def _with_extras(snap: Snapshot) -> Snapshot:
    return Snapshot.from_dict(apply_to_document(snap.to_dict(), EXTRAS))


# -- the differential ---------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots(), st.data())
def test_apply_is_the_rebuild_of_the_changed_document(
    case: tuple[Snapshot, datetime, str], data: st.DataObject
) -> None:
    """Results and errors: the same as ``from_dict`` of the changed document, problems in the
    same order; the original unchanged; every look-up and ``evaluate_all`` the same."""
    snap, now, _user = case
    snap = _with_extras(snap)
    if data.draw(st.booleans()):
        reference_counts(snap._lists)  # warm nothing: the counts are built on the first delete
    changes = data.draw(change_sets(snap))
    got = assert_apply_exact(snap, changes, (now, now + timedelta(days=3)))
    if isinstance(got, Snapshot):
        # Chained: a second change on the result is the rebuild of both changes.
        more = data.draw(change_sets(got))
        assert_apply_exact(got, more, (now,))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots(), st.data())
def test_chained_applies_equal_one_rebuild(
    case: tuple[Snapshot, datetime, str], data: st.DataObject
) -> None:
    """A chain of valid changes (deletes first build, then carry, the reference counts and the
    list orders) ends where rebuilding the document changed by each in turn ends."""
    snap = _with_extras(case[0])
    current, document = snap, snap.to_dict()
    for _ in range(4):
        changes = data.draw(change_sets(current))
        try:
            document_next = apply_to_document(document, changes)
            expected = Snapshot.from_dict(document_next)
        except InvalidSnapshotError:
            continue
        current, document = current.apply(changes), document_next
        assert_same(current, expected)
    assert current.to_dict() == Snapshot.from_dict(document).to_dict()
    if current._refs is not None:
        assert current._refs == reference_counts(current._lists)


@settings(max_examples=40, deadline=None)
@given(snapshots(), st.data())
def test_records_and_their_dicts_give_the_same(
    case: tuple[Snapshot, datetime, str], data: st.DataObject
) -> None:
    snap = _with_extras(case[0])
    changes = data.draw(change_sets(snap))
    as_dicts = {
        top: {
            name: [record_to_dict(i) if hasattr(i, "record_kind") else i for i in items]
            if isinstance(items, list)
            else items
            for name, items in part.items()
        }
        if isinstance(part, dict)
        else part
        for top, part in changes.items()
    }
    got, want = outcome(lambda: snap.apply(changes)), outcome(lambda: snap.apply(as_dicts))
    if isinstance(want, list) or isinstance(got, list):
        assert got == want
    else:
        assert_same(got, want)


# -- sharing ------------------------------------------------------------------------------------


def _crm() -> Snapshot:
    return build(
        user("u1"),
        user("u2"),
        contact("c1", email="ann@client.test"),
        contact("c2", owner_id="u2"),
        deal("d1", contact_ids=("c1",)),
        email("e1", contact_ids=("c1",)),
        email("e2", contact_ids=("c2",), in_reply_to="e1"),
        meeting("m1", contact_ids=("c1",)),
        task("t1", meeting_id="m1"),
        dismissal("k1"),
        snooze("k2", until=NOW),
    )


def test_untouched_lists_and_tables_are_shared() -> None:
    snap = _crm()
    new_email = record_to_dict(snap.records("emails")[0]) | {"id": "e9"}
    after = snap.apply({"upsert": {"emails": [new_email]}})
    touched = {i.name for i in INDEXES if "emails" in i.reads}
    for name in NAMES:
        assert (after.records(name) is snap.records(name)) == (name != "emails"), name
        if BY_NAME[name].id_field is not None:
            assert (after._by_id[name] is snap._by_id[name]) == (name != "emails"), name
    for index in INDEXES:
        assert (after._idx[index.name] is snap._idx[index.name]) == (index.name not in touched)
    # Within a touched table, the keys the change does not reach keep their very tuples.
    assert after._idx["mailbox"]["u1"] is not snap._idx["mailbox"]["u1"]
    assert after._idx["listing_contact"]["c2"] is snap._idx["listing_contact"]["c2"]
    assert_same(
        after,
        Snapshot.from_dict(apply_to_document(snap.to_dict(), {"upsert": {"emails": [new_email]}})),
    )


def test_an_empty_change_set_gives_an_equal_snapshot_sharing_everything() -> None:
    snap = _crm()
    empties: list[dict[str, Any]] = [{}, {"upsert": {}}, {"delete": {"emails": []}}]
    for empty in empties:
        after = snap.apply(empty)
        assert after is not snap
        assert_same(after, snap, (NOW,))
        assert all(after.records(n) is snap.records(n) for n in NAMES)
        assert all(after._idx[i.name] is snap._idx[i.name] for i in INDEXES)


def test_the_original_stays_usable_after_a_failed_apply() -> None:
    snap = _crm()
    before = evaluate_all(snap, NOW)
    with pytest.raises(InvalidSnapshotError):
        snap.apply({"delete": {"contacts": ["c1"]}})
    assert evaluate_all(snap, NOW) == before
    assert snap.apply({"delete": {"deals": ["d1"]}}).deal("d1") is None
    assert snap.deal("d1") is not None


def test_reference_counts_are_built_on_the_first_delete_and_carried() -> None:
    snap = _crm()
    assert snap._refs is None
    upserted = snap.apply({"upsert": {"contacts": [contact("c3")]}})
    assert upserted._refs is None  # no delete yet: nothing counted
    after = upserted.apply({"delete": {"deals": ["d1"]}})
    assert after._refs == reference_counts(after._lists)
    assert upserted._refs == reference_counts(upserted._lists)  # counted once, kept
    again = after.apply(
        {"delete": {"emails": ["e2"]}, "upsert": {"contacts": [contact("c4", owner_id="u2")]}}
    )
    assert again._refs == reference_counts(again._lists)
    assert again._refs["users"] is not after._refs["users"]  # a contact's owner: recounted
    assert again._refs["pipelines"] is after._refs["pipelines"]  # untouched: shared


def test_a_snapshot_pickles_after_apply_and_threads_can_apply_at_once() -> None:
    snap = _crm()
    after = snap.apply({"upsert": {"contacts": [contact("c3", owner_id="u2")]}})
    assert_same(pickle.loads(pickle.dumps(after)), after, (NOW,))
    results: list[Snapshot | list[Problem]] = []

    def work(i: int) -> None:
        changes = {"delete": {"emails": [f"e{i % 2 + 1}"]}}
        results.append(outcome(lambda: snap.apply(changes)))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # e1 is still replied to by e2: deleting it fails in every thread, deleting e2 works.
    done = [r for r in results if isinstance(r, Snapshot)]
    assert len(done) == 3
    assert all(r.email("e2") is None and r.email("e1") is not None for r in done)
    assert [r for r in results if isinstance(r, list)] == [
        outcome(rebuilt(snap, {"delete": {"emails": ["e1"]}}))
    ] * 3
    assert snap._refs == reference_counts(snap._lists)


# -- each rule of the meaning, both sides -------------------------------------------------------


def test_an_upserted_id_that_exists_replaces_the_record_where_it_stands() -> None:
    snap = _crm()
    after = snap.apply({"upsert": {"contacts": [contact("c1", owner_id="u2")]}})
    assert [c.id for c in _all(after, "contacts")] == ["c1", "c2"]
    assert after.contact("c1").owner_id == "u2"  # type: ignore[union-attr]
    # It moved between the owners' keys at its place: c1 comes before c2 under u2.
    assert [c.id for c in after.contacts_owned_by("u2")] == ["c1", "c2"]
    assert after.contacts_owned_by("u1") == ()
    assert "u1" not in after._idx["contacts_owned"]


def test_a_new_id_is_appended_in_the_order_given() -> None:
    snap = _crm()
    after = snap.apply({"upsert": {"contacts": [contact("c9"), contact("c5"), contact("c1")]}})
    assert [c.id for c in _all(after, "contacts")] == ["c1", "c2", "c9", "c5"]
    assert [c.id for c in after.contacts_owned_by("u1")] == ["c1", "c9", "c5"]


def test_deleting_an_absent_id_changes_nothing_and_a_present_one_removes_it() -> None:
    snap = _crm()
    same = snap.apply({"delete": {"deals": ["nope"], "contacts": ["zz"]}})
    assert_same(same, snap, (NOW,))
    gone = snap.apply({"delete": {"deals": ["d1", "d1"]}})
    assert gone.deal("d1") is None
    assert gone.deals_of_contact("c1") == ()
    assert gone.records("deals") == ()
    # Deleted twice (a retried webhook): the second is a no-op.
    assert_same(gone.apply({"delete": {"deals": ["d1"]}}), gone, (NOW,))


def test_lists_without_ids_append_and_delete_every_equal_record() -> None:
    snap = _crm().apply({"upsert": {"dismissals": [dismissal("k1"), dismissal("k3")]}})
    assert [d.action_key for d in _all(snap, "dismissals")] == ["k1", "k1", "k3"]
    after = snap.apply({"delete": {"dismissals": [{"user_id": "u1", "action_key": "k1"}]}})
    assert [d.action_key for d in _all(after, "dismissals")] == ["k3"]
    assert [d.action_key for d in after.dismissals_of("u1")] == ["k3"]
    unchanged = snap.apply({"delete": {"dismissals": [dismissal("k1", user_id="u2")]}})
    assert unchanged.records("dismissals") == snap.records("dismissals")
    # A snooze moved: the old one deleted, the new one appended, in one change set.
    old = _all(snap, "snoozes")[0]
    moved = snap.apply(
        {
            "delete": {"snoozes": [old]},
            "upsert": {"snoozes": [attrs.evolve(old, until=NOW + timedelta(1))]},
        }
    )
    assert [s.until for s in _all(moved, "snoozes")] == [NOW + timedelta(1)]
    # The same record deleted and upserted: deleted first, then appended.
    assert moved.apply({"delete": {"snoozes": [old]}, "upsert": {"snoozes": [old]}}).records(
        "snoozes"
    ) == (moved.records("snoozes")[0], old)


def test_the_same_id_upserted_twice_is_a_problem_of_its_list() -> None:
    snap = _crm()
    with pytest.raises(InvalidSnapshotError) as info:
        snap.apply({"upsert": {"contacts": [contact("c7"), {"id": "c7"}], "deals": [deal("d2")]}})
    assert info.value.problems == (
        Problem("contacts", "c7", "id", "c7", "upserted twice in one change set"),
    )
    # Twice across two lists is fine; one list twice without ids too.
    snap.apply({"upsert": {"contacts": [contact("c7")], "deals": [deal("c7", contact_ids=())]}})
    snap.apply({"upsert": {"dismissals": [dismissal("k1"), dismissal("k1")]}})


def test_an_id_both_upserted_and_deleted_is_a_problem() -> None:
    snap = _crm()
    with pytest.raises(InvalidSnapshotError) as info:
        snap.apply(
            {"upsert": {"issued_actions": [{"key": "k1"}]}, "delete": {"issued_actions": ["k1"]}}
        )
    assert info.value.problems == (
        Problem("issued_actions", "k1", "key", "k1", "both upserted and deleted in one change set"),
    )
    # Upserting one id and deleting another is fine.
    after = snap.apply({"upsert": {"contacts": [contact("c3")]}, "delete": {"deals": ["d1"]}})
    assert after.contact("c3") is not None
    assert after.deal("d1") is None


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {"replace": {}},
            Problem("changes", None, "replace", {}, "unknown key; expected upsert, delete"),
        ),
        (
            {"upsert": {"people": []}},
            Problem("changes", None, "upsert", "people", "unknown record list; expected " + ""),
        ),
        (
            {"delete": []},
            Problem("changes", None, "delete", [], "expected a mapping of list names to lists"),
        ),
        (
            {"delete": {"emails": "e1"}},
            Problem("changes", None, "delete.emails", "e1", "expected a list"),
        ),
        (
            {"delete": {"emails": ["e1", 3]}},
            Problem("changes", "delete.emails[1]", None, 3, "expected an id: a non-empty string"),
        ),
        (
            [("upsert", {})],
            Problem(
                "changes",
                None,
                None,
                [("upsert", {})],
                "expected a mapping with the keys 'upsert' and 'delete'",
            ),
        ),
    ],
)
def test_a_malformed_change_set_is_refused_naming_where(changes: Any, problem: Problem) -> None:
    snap = _crm()
    with pytest.raises(InvalidSnapshotError) as info:
        snap.apply(changes)
    (got,) = info.value.problems
    if problem.message.endswith("expected "):
        assert got.message.startswith(problem.message)
        assert "contacts" in got.message
        problem = attrs.evolve(problem, message=got.message)
    assert got == problem
    with pytest.raises(InvalidSnapshotError) as oracle:
        apply_to_document(snap.to_dict(), changes)
    assert oracle.value.problems == info.value.problems


def test_a_bad_record_to_delete_is_a_problem_of_the_change_set() -> None:
    with pytest.raises(InvalidSnapshotError) as info:
        _crm().apply({"delete": {"dismissals": [{"user_id": "u1"}]}})
    assert info.value.problems == (
        Problem("changes", "delete.dismissals[0]", "action_key", None, "missing required field"),
    )


def test_problems_the_change_brings_are_those_of_the_rebuild() -> None:
    snap = _crm()
    cases: list[dict[str, Any]] = [
        {"delete": {"contacts": ["c1"]}},  # still referenced by d1, e1, m1
        {"delete": {"users": ["u2"]}},  # owns c2
        {"upsert": {"deals": [deal("d2", contact_ids=("c8",))]}},  # dangling reference
        {"upsert": {"emails": [{"id": "e3", "owner_id": "u1"}]}},  # missing fields
        {"upsert": {"contacts": [contact("c3", lifecycle_stage="nope")]}},
        {"upsert": {"deals": [deal("d2", stage_id="nope")]}},
        {"delete": {"meetings": ["m1"]}},  # t1 is its task
    ]
    for changes in cases:
        got = outcome(functools.partial(snap.apply, changes))
        assert isinstance(got, list), changes
        assert got, changes
        assert got == outcome(rebuilt(snap, changes))
    # Deleting what refers, with what is referred to, is fine; so is a reply to itself.
    after = snap.apply({"delete": {"emails": ["e2", "e1"]}})
    assert after.records("emails") == ()
    assert after.apply({"upsert": {"emails": [email("e5", in_reply_to="e5")]}}).email("e5")


def test_redefining_a_pipeline_checks_its_leads_and_deals() -> None:
    snap = _crm()
    d1 = snap.deal("d1")
    assert d1 is not None
    pipeline, stage = snap.pipeline(d1.pipeline_id), d1.stage_id
    assert pipeline is not None
    fewer = record_to_dict(pipeline)
    fewer["stages"] = [s for s in fewer["stages"] if s["id"] != stage]
    got = outcome(lambda: snap.apply({"upsert": {"pipelines": [fewer]}}))
    assert isinstance(got, list)
    assert got == outcome(rebuilt(snap, {"upsert": {"pipelines": [fewer]}}))
    renamed = record_to_dict(pipeline) | {"label": "Renamed"}
    assert_apply_exact(snap, {"upsert": {"pipelines": [renamed]}}, (NOW,))


def test_a_meeting_change_moves_its_tasks_in_the_listings() -> None:
    snap = _crm()
    after = assert_apply_exact(
        snap, {"upsert": {"meetings": [meeting("m1", contact_ids=("c2",))]}}, (NOW,)
    )
    assert isinstance(after, Snapshot)
    assert [a.id for a in after.activities_listing("contact", "c2")] == ["e2", "m1", "t1"]
    assert [a.id for a in after.activities_listing("contact", "c1")] == ["e1"]


def test_a_record_naming_a_key_twice_is_listed_twice() -> None:
    snap = _crm()
    twice = {"upsert": {"deals": [deal("d1", contact_ids=("c2", "c2", "c1"))]}}
    after = assert_apply_exact(snap, twice, (NOW,))
    assert isinstance(after, Snapshot)
    assert [d.id for d in after.deals_of_contact("c2")] == ["d1", "d1"]
    once = assert_apply_exact(after, {"upsert": {"deals": [deal("d1", contact_ids=("c2",))]}})
    assert isinstance(once, Snapshot)
    assert [d.id for d in once.deals_of_contact("c2")] == ["d1"]


def test_every_list_has_a_kind() -> None:
    """The change vocabulary is the interchange one: every list can be changed."""
    assert set(NAMES) == {kind.name for kind in KINDS}

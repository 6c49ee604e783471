"""The snapshot's indexes: declared as data, and answering like a scan of every record would."""

from __future__ import annotations

import ast
import inspect
import typing
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings

from guided_actions import Snapshot, synthetic
from guided_actions._model.kinds import BY_NAME, KINDS, NAMES
from guided_actions._snapshot import indexes, snapshot
from guided_actions._snapshot.indexes import ACTIVITY_LISTS, INDEXES, Index
from guided_actions.testing import build, company, contact, deal, email, meeting, note, task
from guided_actions.typing import ListedKind
from index_scans import keys_to_ask, scans
from strategies import snapshots

Case = tuple[Snapshot, datetime, str]


def _snapshot_reads() -> set[str]:
    """Every index name the Snapshot class reads (``self._get("name", ...)``)."""
    tree = ast.parse(inspect.getsource(snapshot.Snapshot))
    names: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "_get"
            and node.args
        ):
            first = node.args[0]
            if isinstance(first, ast.Constant):
                assert isinstance(first.value, str)
                names.add(first.value)
            else:  # f"listing_{kind}"
                names.update(f"listing_{k}" for k in typing.get_args(ListedKind))
    return names


def _concern_reads() -> set[str]:
    """Every index name a step of the concern relation joins on."""
    names: set[str] = set()
    steps = list(indexes.CONCERN)
    while steps:
        step = steps.pop()
        names.update({step.source_key, step.target_key})
        steps.extend(step.then)
    return names & {index.name for index in INDEXES}


def test_every_index_is_declared_and_read() -> None:
    """The snapshot's look-ups and the concern relation's joins read exactly the declared
    indexes, each declared once; the snapshot's look-ups read declared indexes only."""
    declared = [index.name for index in INDEXES]
    assert len(set(declared)) == len(declared)
    assert _snapshot_reads() <= set(declared)
    assert set(declared) == _snapshot_reads() | _concern_reads()


def test_indexes_read_known_lists() -> None:
    """Every index reads lists of the kinds; the listings read the activities in their order."""
    for index in INDEXES:
        assert index.reads, index.name
        assert set(index.reads) <= set(NAMES), index.name
    assert ACTIVITY_LISTS == ("emails", "calls", "meetings", "notes", "tasks")
    for kind in typing.get_args(ListedKind):
        (listing,) = [i for i in INDEXES if i.name == f"listing_{kind}"]
        assert listing.reads == ACTIVITY_LISTS


def test_field_keys_name_fields() -> None:
    """A key given as a field name is a field of every record the index reads."""
    for index in INDEXES:
        for spec in (index.key, index.keys):
            if isinstance(spec, str):
                for name in index.reads:
                    fields = BY_NAME[name].cls.__attrs_attrs__  # type: ignore[attr-defined]
                    assert spec in {f.name for f in fields}, (index.name, name)


def test_an_index_has_one_key_spec() -> None:
    """An index gives either key or keys, not both nor neither; reads may be one list name."""
    assert Index("x", "contacts", key="owner_id").reads == ("contacts",)
    with pytest.raises(TypeError, match="exactly one"):
        Index("x", "contacts")
    with pytest.raises(TypeError, match="exactly one"):
        Index("x", "contacts", key="owner_id", keys="company_ids")


def test_build_gives_read_only_tuples() -> None:
    """Tables hold tuples; reading an absent key creates nothing and gives an empty tuple."""
    snap = build(contact("c1"), contact("c2", owner_id="u2"))
    by_id, tables = indexes.build({name: snap.records(name) for name in NAMES})
    assert set(by_id) == {kind.name for kind in KINDS if kind.id_field is not None}
    assert set(tables) == {index.name for index in INDEXES}
    owned = tables["contacts_owned"]
    assert all(isinstance(v, tuple) for v in owned.values())
    with pytest.raises(KeyError):
        owned["nobody"]
    assert "nobody" not in owned
    assert snap.contacts_owned_by("nobody") == ()
    assert snap.activities_listing("company", "co1") == ()  # type: ignore[arg-type]


# -- the indexes answer like a scan ------------------------------------------------------------


def assert_like_scans(snap: Snapshot) -> None:
    for method, (indexed, scanned) in scans(snap).items():
        for key in keys_to_ask(snap):
            answer = indexed(key)
            assert isinstance(answer, tuple), method
            assert list(answer) == scanned(key), (method, key)


def test_like_scans_on_edge_cases() -> None:
    """Duplicated ids, a task listing through its meeting, casefolded and empty addresses."""
    snap = build(
        company("co1"),
        contact("c1", email="Ann@Client.test", company_ids=("co1", "co1")),
        contact("c2", email=""),
        contact("c3", email="ann@client.TEST", owner_id=None),
        deal("d1", contact_ids=("c1", "c1", "c2")),
        meeting("m1", contact_ids=("c2", "c1"), deal_ids=("d1",)),
        task("t1", meeting_id="m1", contact_ids=("c1", "c3", "c1")),
        task("t2", owner_id="u2", meeting_id="m1"),
        email("e1", contact_ids=("c1", "c1"), deal_ids=("d1", "d1")),
        email("e2", direction="inbound", to=("Rep@Acme.test", "x@y.test"), in_reply_to="e1"),
        email("e3", direction="inbound", in_reply_to="e1"),
        email("e4", to=("rep@acme.test",), in_reply_to="e1"),
        note("n1", contact_ids=("c2", "c2")),
    )
    assert [c.id for c in snap.contacts_of_company("co1")] == ["c1", "c1"]
    assert [a.id for a in snap.activities_listing("contact", "c1")] == ["e1", "m1", "t1", "t2"]
    assert [c.id for c in snap.contacts_with_email("ANN@client.test")] == ["c1", "c3"]
    assert [e.id for e in snap.inbound_emails_to("rep@acme.TEST")] == ["e2"]
    assert snap.contacts_with_email("") == ()
    assert_like_scans(snap)


def test_like_scans_on_the_synthetic_crm() -> None:
    """Every index of a synthetic CRM answers like a scan."""
    doc = synthetic.generate(
        users=3, contacts_per_user=12, seed=7, now=datetime(2025, 3, 3, 12, tzinfo=UTC)
    )
    assert_like_scans(Snapshot.from_dict(doc))


@settings(max_examples=40)
@given(snapshots())
def test_like_scans_on_generated_snapshots(case: Case) -> None:
    """Every index of a generated snapshot answers like a scan."""
    assert_like_scans(case[0])

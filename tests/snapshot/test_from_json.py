"""``Snapshot.from_json``: the interchange text, read strictly, with one kind of error."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guided_actions import Snapshot, evaluate_all
from guided_actions._adapters.demo import demo_document
from guided_actions.errors import InvalidSnapshotError
from guided_actions.synthetic import generate
from guided_actions.testing import NOW

DOCUMENT = generate(users=3, contacts_per_user=6, seed=3, now=NOW)


def same(a: Snapshot, b: Snapshot, now: datetime) -> bool:
    return a.to_dict() == b.to_dict() and [r.to_dicts() for r in evaluate_all(a, now).values()] == [
        r.to_dicts() for r in evaluate_all(b, now).values()
    ]


@pytest.mark.parametrize("encode", [str, str.encode], ids=["str", "bytes"])
def test_agrees_with_from_dict(encode: object) -> None:
    """For valid text, the snapshot is ``from_dict(json.loads(text))``'s."""
    text = json.dumps(DOCUMENT)
    assert same(Snapshot.from_json(encode(text)), Snapshot.from_dict(json.loads(text)), NOW)  # type: ignore[operator]


def test_the_demo_document() -> None:
    text = json.dumps(demo_document())
    assert Snapshot.from_json(text).to_dict() == Snapshot.from_dict(json.loads(text)).to_dict()


@given(seed=st.integers(0, 1000), users=st.integers(1, 3), contacts=st.integers(0, 4))
@settings(max_examples=20, deadline=None)
def test_agrees_with_from_dict_on_generated_crms(seed: int, users: int, contacts: int) -> None:
    doc = generate(users=users, contacts_per_user=contacts, seed=seed, now=NOW)
    text = json.dumps(doc, indent=1)
    assert Snapshot.from_json(text).to_dict() == Snapshot.from_dict(doc).to_dict()


def test_a_key_given_twice_is_a_problem() -> None:
    """What ``json.loads`` would silently keep the last of is refused, naming key and place."""
    text = (
        '{"schema": "guided-actions/1", "users": [{"id": "u1", "email": "a@acme.test", '
        '"super_admin": false, "super_admin": true}]}'
    )
    trapped = Snapshot.from_dict(json.loads(text)).user("u1")
    assert trapped is not None
    assert trapped.super_admin is True  # the trap json.loads sets
    with pytest.raises(InvalidSnapshotError) as caught:
        Snapshot.from_json(text)
    (problem,) = caught.value.problems
    assert (problem.kind, problem.record_id, problem.field) == ("users", "u1", "super_admin")
    assert "duplicate key" in problem.message


@pytest.mark.parametrize(
    ("text", "message", "value"),
    [
        ("{", "not valid JSON: Expecting property name", ""),
        ('{"schema": "guided-actions/1",}', "line 1, column 31", "}"),
        ("[" * 100_000, "nested too deeply", None),
        (b'{"schema": "\xff"}', "offset 12", b"\xff"),
    ],
    ids=["truncated", "trailing-comma", "deep", "not-utf8"],
)
def test_text_that_is_not_json(text: str | bytes, message: str, value: object) -> None:
    """Not JSON at all: one problem of the document saying where, not a JSONDecodeError."""
    with pytest.raises(InvalidSnapshotError) as caught:
        Snapshot.from_json(text)
    (problem,) = caught.value.problems
    assert problem.kind == "snapshot"
    assert message in problem.message
    assert problem.value == value


def test_an_integer_too_long_is_a_problem_of_its_field() -> None:
    text = (
        '{"schema": "guided-actions/1", "tasks": [{"id": "t1", "owner_id": "u1", '
        '"created_at": "2025-05-01T00:00:00Z", "sequence_step": ' + "9" * 5000 + "}]}"
    )
    with pytest.raises(InvalidSnapshotError) as caught:
        Snapshot.from_json(text)
    fields = {(p.kind, p.record_id, p.field) for p in caught.value.problems}
    assert ("tasks", "t1", "sequence_step") in fields
    assert len(str(caught.value)) < 2_000


@pytest.mark.parametrize("text", [None, 1, ["{}"], {"schema": "guided-actions/1"}])
def test_text_of_the_wrong_type_is_a_type_error(text: object) -> None:
    """Only text is read: anything else is a TypeError naming it, not the json module's."""
    with pytest.raises(TypeError, match="text must be a str or UTF-8 bytes"):
        Snapshot.from_json(text)  # type: ignore[arg-type]

"""The strict JSON reader: a key given twice is a problem naming it and where it is, and an
integer too long to read stands in the document as a value the field checks report."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guided_actions import Snapshot
from guided_actions._adapters.demo import demo_document
from guided_actions._model.jsontext import DUPLICATE_KEY, loads, parse
from guided_actions._model.validation import MAX_INTEGER_DIGITS, OversizedInteger
from guided_actions._snapshot.snapshot import load_json
from guided_actions.errors import InvalidSnapshotError, Problem

T = "2026-01-05T09:00:00Z"


def problems_of(text: str) -> tuple[Problem, ...]:
    with pytest.raises(InvalidSnapshotError) as info:
        load_json(text)
    return info.value.problems


class TestDuplicateKeys:
    def test_a_second_value_does_not_win(self) -> None:
        """``super_admin`` given false then true is refused, not read as true."""
        text = (
            '{"schema": "guided-actions/1", "users": [{"id": "u1", "email": "a@acme.test", '
            '"super_admin": false, "super_admin": true}]}'
        )
        assert json.loads(text)["users"][0]["super_admin"] is True  # what json alone does
        (problem,) = problems_of(text)
        assert (problem.kind, problem.record_id, problem.field) == ("users", "u1", "super_admin")
        assert problem.value == (False, True)
        assert problem.message == DUPLICATE_KEY
        assert "users 'u1', field 'super_admin': duplicate key" in str(problem)

    def test_a_second_list_does_not_replace_the_first(self) -> None:
        """A second ``contacts`` list is a problem of the document, naming the key."""
        first = [{"id": "c1", "created_at": T}]
        second = [{"id": "c2", "created_at": T}]
        text = (
            '{"schema": "guided-actions/1", '
            f'"contacts": {json.dumps(first)}, "contacts": {json.dumps(second)}}}'
        )
        (problem,) = problems_of(text)
        assert (problem.kind, problem.record_id, problem.field) == ("snapshot", None, "contacts")
        assert problem.value == (first, second)

    def test_inside_a_pipeline_stage(self) -> None:
        """A key repeated in a stage names the pipeline and the stage's place in it."""
        text = (
            '{"schema": "guided-actions/1", "pipelines": [{"id": "p1", "object": "deal", '
            '"stages": [{"id": "a"}, {"id": "b", "closed": false, "closed": true}]}]}'
        )
        (problem,) = problems_of(text)
        assert (problem.kind, problem.record_id, problem.field) == (
            "pipelines",
            "p1",
            "stages[1].closed",
        )

    def test_record_without_an_id_is_named_by_position(self) -> None:
        """A record with no usable id is named by its place in its list."""
        text = '{"schema": "guided-actions/1", "users": [{"email": "a@x.test", "email": "b"}]}'
        problems = problems_of(text)
        assert ("users", "#0", "email") in {(p.kind, p.record_id, p.field) for p in problems}

    def test_outside_any_record(self) -> None:
        """A key repeated where no record is (inside a lifecycle list) gets a JSON path."""
        text = '{"schema": "guided-actions/1", "lifecycle_stages": ["a", {"k": 1, "k": 2}]}'
        problems = problems_of(text)
        assert ("snapshot", None, "lifecycle_stages[1].k") in {
            (p.kind, p.record_id, p.field) for p in problems
        }

    def test_reported_with_every_other_problem(self) -> None:
        """A repeated key does not hide the rest: all the problems are reported at once."""
        text = (
            '{"schema": "guided-actions/1", "users": [{"id": "u1", "id": "u2", "email": 3}], '
            '"contacts": [{"id": "c1", "created_at": "2026-01-05T09:00:00"}]}'
        )
        problems = problems_of(text)
        assert [(p.kind, p.field) for p in problems] == [
            ("users", "id"),
            ("users", "email"),
            ("contacts", "created_at"),
        ]
        assert problems[0].record_id == "u2"  # the id the record was read with

    def test_every_key_of_every_object_once(self) -> None:
        """Three keys repeated in two objects, one of them three times: three problems."""
        text = (
            '{"schema": "guided-actions/1", "sequences": ['
            '{"id": "s1", "name": "a", "name": "b", "name": "c"}, '
            '{"id": "s2", "id": "s2", "name": "x", "name": "y"}]}'
        )
        problems = problems_of(text)
        assert [(p.record_id, p.field, p.value) for p in problems] == [
            ("s1", "name", ("a", "b", "c")),
            ("s2", "id", ("s2", "s2")),
            ("s2", "name", ("x", "y")),
        ]

    def test_strict_loads_refuses_what_parse_reports(self) -> None:
        """``loads`` (the demo's reader) raises on a repeated key and reads the rest as json."""
        with pytest.raises(InvalidSnapshotError) as info:
            loads('{"a": 1, "a": 1}')
        assert info.value.problems[0].field == "a"
        assert loads('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}

    def test_the_demo_has_no_repeated_key(self) -> None:
        """The packaged demo is read by the strict reader and is still a valid snapshot."""
        assert Snapshot.from_dict(demo_document()).user("u-claire") is not None


# -- property: any JSON object tree, written with repeated keys where drawn -------------------

_scalars = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=5)
_keys = st.sampled_from(["a", "b", "c", "é", "a b"])


def _trees(depth: int) -> st.SearchStrategy[Any]:
    """JSON values whose objects are lists of (key, value) pairs, keys possibly repeated."""
    if depth == 0:
        return _scalars
    inner = _trees(depth - 1)
    return (
        _scalars
        | st.lists(inner, max_size=3)
        | st.lists(st.tuples(_keys, inner), max_size=4).map(lambda pairs: ("obj", pairs))
    )


def _write(tree: Any) -> str:
    if isinstance(tree, tuple):
        return "{" + ", ".join(f"{json.dumps(k)}: {_write(v)}" for k, v in tree[1]) + "}"
    if isinstance(tree, list):
        return "[" + ", ".join(_write(v) for v in tree) + "]"
    return json.dumps(tree)


def _repeats(tree: Any, path: str = "") -> set[str]:
    """Where each repeated key is, as the problem's field spells it: in every object of the
    document as read (a value replaced by a later one of the same key is shown as the value of
    that key's problem, not searched)."""
    out: set[str] = set()
    if isinstance(tree, tuple):
        keys = [k for k, _v in tree[1]]
        out |= {f"{path}.{k}" if path else k for k in keys if keys.count(k) > 1}
        for k, v in dict(tree[1]).items():  # the last value of each key
            out |= _repeats(v, f"{path}.{k}" if path else k)
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out |= _repeats(v, f"{path}[{i}]")
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_keys, _trees(3)), max_size=4).map(lambda pairs: ("obj", pairs)))
def test_every_repeated_key_is_reported_where_it_is(tree: Any) -> None:
    """``parse`` reads what ``json.loads`` reads, and reports exactly the repeated keys, each
    once, at its place."""
    text = _write(tree)
    parsed = parse(text)
    assert parsed.data == json.loads(text)
    fields = [p.field for p in parsed.problems]
    assert len(fields) == len(set(fields))
    assert set(fields) == _repeats(tree)
    assert all(p.kind == "snapshot" and p.message == DUPLICATE_KEY for p in parsed.problems)


# -- integers too long to read ----------------------------------------------------------------


@pytest.mark.parametrize("sign", ["", "-"])
def test_integer_length_boundary(sign: str) -> None:
    """An integer of the longest length is read; one digit more is an ``OversizedInteger``."""
    longest = sign + "7" * MAX_INTEGER_DIGITS
    assert parse(f"[{longest}]").data == [int(longest)]
    data = parse(f"[{longest}7]").data
    assert isinstance(data, list)
    (value,) = data
    assert isinstance(value, OversizedInteger)
    assert value.digits == MAX_INTEGER_DIGITS + 1
    assert repr(value) == f"<integer of {MAX_INTEGER_DIGITS + 1:,} digits>"


def test_oversized_integer_in_a_field_is_a_problem() -> None:
    """A 5,000-digit sequence step is reported on its task, field and length, not a ValueError."""
    text = json.dumps(
        {
            "schema": "guided-actions/1",
            "users": [{"id": "u1", "email": "a@acme.test"}],
            "tasks": [{"id": "t1", "owner_id": "u1", "created_at": T, "sequence_step": 0}],
        }
    ).replace('"sequence_step": 0', '"sequence_step": ' + "9" * 5000)
    (problem,) = problems_of(text)
    assert (problem.kind, problem.record_id, problem.field) == ("tasks", "t1", "sequence_step")
    assert problem.message == "integer too long: 5,000 digits (at most 4,300)"
    assert str(problem).endswith("(got <integer of 5,000 digits>)")


def test_oversized_integer_anywhere_is_reported_shortly() -> None:
    """In a string field, an unknown field or a list, the long integer is shown by its size."""
    huge = "1" * 100_000
    text = (
        '{"schema": "guided-actions/1", "extra": [' + huge + "], "
        '"users": [{"id": "u1", "email": ' + huge + "}]}"
    )
    problems = problems_of(text)
    assert {(p.kind, p.field) for p in problems} == {("snapshot", "extra"), ("users", "email")}
    message = "\n".join(map(str, problems))
    assert "<integer of 100,000 digits>" in message
    assert len(message) < 1_000

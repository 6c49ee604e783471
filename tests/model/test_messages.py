"""The texts of errors survive any value and stay short: a huge integer, an object whose
``repr`` raises, a huge string or key; a long list of allowed values; thousands of problems."""

from __future__ import annotations

import pickle
import sys
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guided_actions import Snapshot, Task
from guided_actions._model.validation import describe_type
from guided_actions.errors import (
    InvalidSnapshotError,
    Problem,
    UnknownRecordError,
    UnknownUserError,
    ViewerPermissionError,
    short_repr,
)
from guided_actions.testing import NOW

HUGE_INT = 10**5000  # repr() of it raises ValueError (more than 4,300 digits)
#: The problems an error's text lists (``errors.LISTED``), the values a message
#: shows (``validation.MAX_SHOWN``); imported in the tests, so that the others run on a version
#: without these names.
LISTED, SHOWN = 20, 10


class Boom:
    """A value whose ``repr`` and ``str`` raise."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    __str__ = __repr__


def test_huge_int_repr_raises_here() -> None:
    """The premise: converting a huge integer to text raises."""
    assert sys.get_int_max_str_digits() != 0
    with pytest.raises(ValueError, match="4300"):
        repr(HUGE_INT)


hostile_values = st.one_of(
    st.integers(),
    st.integers(1, 30_000).map(lambda n: 10**n - 1),
    st.integers(1, 30_000).map(lambda n: -(10**n)),
    st.text(max_size=500),
    st.integers(0, 1_000_000).map(lambda n: "x" * n),
    st.just(Boom()),
    st.builds(lambda n: [HUGE_INT, Boom(), "x" * n], st.integers(0, 10_000)),
    st.builds(lambda n: {"k" * n: HUGE_INT, HUGE_INT: Boom()}, st.integers(0, 10_000)),
)


@settings(max_examples=200, deadline=None)
@given(hostile_values, st.integers(10, 200))
def test_short_repr_never_raises_and_stays_short(value: Any, limit: int) -> None:
    """Any value gives a text of at most ``limit`` characters."""
    text = short_repr(value, limit)
    assert isinstance(text, str)
    assert 0 < len(text) <= limit


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (10**5000, "<integer of about 5,001 digits>"),
        (-(10**5000), "<integer of about 5,001 digits>"),
        (2**256, "<integer of about 78 digits>"),  # 257 bits: described by its size
        (2**256 - 1, repr(2**256 - 1)[:18] + "..." + repr(2**256 - 1)[-19:]),  # 256 bits: shown
        (12345, "12345"),
        (Boom(), "<Boom object>"),
    ],
    ids=["huge", "huge-negative", "257-bits", "256-bits", "small", "boom"],
)
def test_short_repr_of_integers_and_failing_reprs(value: object, text: str) -> None:
    """A huge integer is shown by its number of digits, a failing repr by its type."""
    if isinstance(value, Boom):
        assert short_repr(value).startswith("<Boom ")
    else:
        assert short_repr(value) == text


@settings(max_examples=100, deadline=None)
@given(hostile_values, hostile_values, hostile_values, st.text(max_size=2000))
def test_a_problem_prints_shortly_whatever_it_holds(
    record_id: Any, field: Any, value: Any, message: str
) -> None:
    """A problem's line is bounded, however long its id, field, value or message."""
    text = str(Problem("contacts", record_id, field, value, message))
    assert len(text) < 700


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", HUGE_INT), ("title", Boom()), ("contact_ids", ["c1", HUGE_INT]), ("title", 10**400)],
    ids=["huge-int", "boom", "huge-int-in-list", "400-digits"],
)
def test_record_with_hostile_value_raises_the_invalid_record_error(field: str, value: Any) -> None:
    """A record field holding a huge integer or a value whose repr raises is reported as an
    invalid record, never as the ValueError or RuntimeError of printing it."""
    fields: dict[str, Any] = {field: value}
    with pytest.raises(InvalidSnapshotError) as info:
        Task(id="t1", owner_id="u1", created_at=NOW, **fields)
    (problem,) = info.value.problems
    assert problem.field == field
    assert len(str(info.value)) < 500


@pytest.mark.parametrize("key", [HUGE_INT, Boom()], ids=["huge-int", "boom"])
def test_document_with_a_hostile_key(key: object) -> None:
    """A Python dict handed to ``from_dict`` may have any key: it is an unknown key, shown by
    its bounded repr."""
    doc: dict[Any, Any] = {"schema": "guided-actions/1", key: 1}
    with pytest.raises(InvalidSnapshotError) as info:
        Snapshot.from_dict(doc)
    (problem,) = info.value.problems
    assert problem.message == "unknown top-level key"
    assert isinstance(problem.field, str)
    assert problem.field.startswith("<")
    doc2: dict[str, Any] = {
        "schema": "guided-actions/1",
        "sequences": [{"id": "s1", key: HUGE_INT}],
    }
    with pytest.raises(InvalidSnapshotError) as info:
        Snapshot.from_dict(doc2)
    (problem,) = info.value.problems
    assert (problem.record_id, problem.message) == ("s1", "unknown field")
    assert isinstance(problem.field, str)


# -- the text of an error lists a bounded number of problems ----------------------------------


@pytest.mark.parametrize("count", [LISTED - 1, LISTED, LISTED + 1, 5000])
def test_error_text_lists_at_most_the_cap(count: int) -> None:
    """Up to the cap every problem is listed; past it, the first ones and how many more.
    ``problems`` keeps them all."""
    problems = [Problem("contacts", f"c{i}", "email", i, "expected a string") for i in range(count)]
    error = InvalidSnapshotError(problems)
    lines = str(error).splitlines()
    assert lines[0] == f"invalid snapshot: {count} problems"
    listed = [line for line in lines if line.startswith("  - ")]
    assert listed == [f"  - {p}" for p in problems[:LISTED]]
    if count > LISTED:
        assert lines[-1] == f"  ... and {count - LISTED} more"
    else:
        assert len(lines) == count + 1
    assert error.problems == tuple(problems)
    again = pickle.loads(pickle.dumps(error))
    assert (str(again), again.problems) == (str(error), error.problems)
    from guided_actions.errors import MAX_LISTED_PROBLEMS

    assert MAX_LISTED_PROBLEMS == LISTED


# -- lists of allowed values ------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, SHOWN, SHOWN + 1, 20_000])
def test_shown_list_is_capped(count: int) -> None:
    """At most ``MAX_SHOWN`` values are shown, then how many more; each value is short."""
    from guided_actions._model.validation import MAX_SHOWN, shown_list

    assert MAX_SHOWN == SHOWN
    values = [f"stage-{i}" for i in range(count)]
    text = shown_list(values)
    assert text.split(", ")[: min(count, MAX_SHOWN)] == values[:MAX_SHOWN]
    if count > MAX_SHOWN:
        assert text.endswith(f"… and {count - MAX_SHOWN:,} more")
    else:
        assert "more" not in text
    assert len(shown_list(["y" * 100_000] * 3)) < 200
    assert shown_list(["a", "b"], quote=True) == "'a', 'b'"


def test_a_long_literal_is_described_shortly() -> None:
    """A type of many allowed values names the first ones and counts the rest."""
    many = Literal.__getitem__(tuple(f"v{i}" for i in range(50)))
    text = describe_type(many)
    assert text.startswith("one of 'v0', 'v1', ")
    assert text.endswith("… and 40 more")


# -- the other errors name any id shortly -----------------------------------------------------


@pytest.mark.parametrize(
    "value", [HUGE_INT, Boom(), "u" * 100_000], ids=["huge-int", "boom", "huge-str"]
)
def test_lookup_errors_survive_any_id(value: Any) -> None:
    """An unknown user, a viewer who may not look, an unknown record: each names the id it was
    given in a short text, whatever it was."""
    for error in (
        UnknownUserError(value),
        ViewerPermissionError(value, value),
        UnknownRecordError("deal", value),
    ):
        assert len(str(error)) < 300

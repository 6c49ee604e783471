"""The records' type checker, directly: annotations described, values checked, ids found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

import pytest

from guided_actions import Email, Feedback, IssuedAction, Stage
from guided_actions._model.kinds import KINDS
from guided_actions._model.validation import (
    MAX_YEAR,
    MIN_YEAR,
    check_type,
    compile_check,
    describe_type,
    field_checks,
    field_types,
    id_fields,
    id_problems,
    is_union,
)
from guided_actions.errors import Problem

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tp", "text"),
    [
        (str, "a string"),
        (bool, "a boolean"),
        (int, "an integer"),
        (datetime, "a timezone-aware instant"),
        (type(None), "null"),
        (str | None, "a string or null"),
        (tuple[str, ...], "a list of strings"),
        (Literal["a", "b"], "one of 'a', 'b'"),
        (Literal["everyone"] | tuple[str, ...], "one of 'everyone' or a list of strings"),
        (Stage, "a Stage"),
    ],
)
def test_describe_type(tp: Any, text: str) -> None:
    """Each annotation has a reader's name."""
    assert describe_type(tp) == text


@pytest.mark.parametrize(
    ("value", "tp", "message"),
    [
        ("x", str, None),
        (3, str, "expected a string"),
        (True, bool, None),
        (1, bool, "expected a boolean"),
        (2, int, None),
        (True, int, "expected an integer"),
        (None, str | None, None),
        (3, str | None, "expected a string"),
        (("a", "b"), tuple[str, ...], None),
        (["a"], tuple[str, ...], "expected a list of strings"),
        (("a", 2), tuple[str, ...], "list item 2: expected a string"),
        ("b", Literal["a", "b"], None),
        ("c", Literal["a", "b"], "unknown value; expected one of 'a', 'b'"),
        (T0, datetime, None),
        ("2026-11-26T12:00:00Z", datetime, "expected a timezone-aware instant"),
        (datetime(2026, 11, 26), datetime, "naive instant: a time zone offset is required"),
        (
            datetime(1, 1, 1, tzinfo=UTC),
            datetime,
            f"instant out of the supported range (years {MIN_YEAR} to {MAX_YEAR} in UTC)",
        ),
        (Stage(id="a"), Stage, None),
        ("a", Stage, "expected a Stage"),
        (
            3,
            Literal["everyone"] | tuple[str, ...],
            "expected one of 'everyone' or a list of strings",
        ),
    ],
)
def test_check_type(value: object, tp: Any, message: str | None) -> None:
    """A value that fits gives None; one that does not says what was expected."""
    assert check_type(value, tp) == message


def test_is_union() -> None:
    """Both spellings of a union are unions; other annotations are not."""
    assert is_union(str | None)
    assert is_union(Literal["a"] | tuple[str, ...])
    assert not is_union(str)
    assert not is_union(tuple[str, ...])


SAMPLES: list[object] = [
    None,
    "",
    "x",
    "inbound",
    "everyone",
    "yes",
    0,
    1,
    -1,
    True,
    False,
    1.5,
    (),
    ("a",),
    ("a", 1),
    ["a"],
    T0,
    T0.astimezone(timezone(timedelta(hours=2))),
    datetime(2026, 1, 1),
    datetime(1, 1, 1, tzinfo=UTC),
    Stage(id="s"),
    (Stage(id="s"),),
    {"id": "s"},
]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_compiled_checks_agree_with_check_type(kind: Any) -> None:
    """The fast compiled check of every field gives check_type's answer on every sample."""
    types_ = field_types(kind.cls)
    for name, check in field_checks(kind.cls):
        for value in SAMPLES:
            assert check(value) == check_type(value, types_[name]), (kind.name, name, value)
        assert compile_check(types_[name])(None) == check_type(None, types_[name])


def test_field_types_are_the_resolved_annotations() -> None:
    """Every attrs field, in order, with its annotation resolved (not a string)."""
    types_ = field_types(Feedback)
    assert list(types_) == ["user_id", "action_key", "verdict", "at"]
    assert types_["verdict"] == Literal["yes", "not_really"]
    assert types_["at"] is datetime
    assert field_types(Feedback) is types_  # built once per class


def test_id_fields_come_from_the_names() -> None:
    """ids are id, key, action_key, in_reply_to and every *_id / *_ids field."""
    assert id_fields(Email) == (
        "id",
        "owner_id",
        "in_reply_to",
        "contact_ids",
        "lead_ids",
        "deal_ids",
    )
    assert id_fields(Feedback) == ("user_id", "action_key")
    assert id_fields(IssuedAction) == ("key", "contact_ids", "company_ids")


def test_id_problems_name_every_empty_id() -> None:
    """An empty id, alone or in a list, is one problem each; other values are left alone."""
    record = IssuedAction(key="k", contact_ids=("c1", "c2"))
    assert list(id_problems(record, "issued_actions", "k", id_fields(IssuedAction))) == []

    class Loose:
        key = ""
        contact_ids = ("c1", "", "")
        company_ids = 3

    problems = list(id_problems(Loose(), "issued_actions", None, id_fields(IssuedAction)))
    message = "ids must be non-empty strings"
    assert problems == [
        Problem("issued_actions", None, "key", "", message),
        Problem("issued_actions", None, "contact_ids", "", message),
        Problem("issued_actions", None, "contact_ids", "", message),
    ]

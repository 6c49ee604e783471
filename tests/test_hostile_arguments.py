"""Arguments a caller gets wrong are named shortly in the error, whatever they hold.

A configuration, a subject, a user or a ``now`` of the wrong kind raises the library's typed error
(or ``TypeError``/``ValueError`` as documented) with a short text, even when printing the value
itself would raise (an integer of more than 4,300 digits, an object whose ``repr`` raises) or
would be huge.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from guided_actions import Config, evaluate, explain
from guided_actions.criteria import Criterion
from guided_actions.errors import InvalidConfigError
from guided_actions.synthetic import generate
from guided_actions.testing import NOW, build, contact, user

HUGE_INT = 10**5000  # str() and repr() of it raise ValueError


class Boom:
    """A value whose ``repr`` and ``str`` raise."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    __str__ = __repr__


HOSTILE = [HUGE_INT, Boom(), "x" * 100_000]
IDS = ["huge-int", "boom", "huge-str"]
LIMIT = 400


def short(error: BaseException) -> bool:
    return len(str(error)) < LIMIT


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_config(value: Any) -> None:
    """Every setting of Config names the bad key or value shortly."""
    cases: list[dict[str, Any]] = [
        {"grouping": value},
        {"grouping": {"log_call_outcomes": value}},
        {"thresholds": value},
        {"thresholds": {"email_replies": value}},
        {"thresholds": {"email_replies": {"lifetime": value}}},
        {"feed_window": value},
    ]
    if not isinstance(value, int):  # any positive int is a limit
        cases.append({"feed_limit": value})
    if not isinstance(value, str):  # a str key is a rule id, checked against the rules in use
        cases += [
            {"grouping": {value: True}},
            {"thresholds": {value: {"lifetime": timedelta(days=1)}}},
            {"thresholds": {"email_replies": {value: timedelta(days=1)}}},
        ]
    for kwargs in cases:
        with pytest.raises((InvalidConfigError, TypeError)) as caught:
            Config(**kwargs)
        assert short(caught.value), kwargs


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_evaluate_user_and_now(value: Any) -> None:
    """A user or a ``now`` of the wrong type is named shortly."""
    snapshot = build(user("u1"), contact("c1"))
    with pytest.raises((TypeError, LookupError)) as caught:  # a str is an unknown user id
        evaluate(snapshot, NOW, value)
    assert short(caught.value)
    with pytest.raises(TypeError) as caught:
        evaluate(snapshot, value, "u1")
    assert short(caught.value)


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_explain_subject(value: Any) -> None:
    """A subject of the wrong form, kind or id is named shortly."""
    snapshot = build(user("u1"), contact("c1"))
    for subject in (value, (value, "c1"), ("contact", value)):
        with pytest.raises((ValueError, TypeError, LookupError)) as caught:
            explain(snapshot, NOW, "u1", subject)
        assert short(caught.value)


def test_explain_subject_text_is_quoted_shortly() -> None:
    """A subject text without a colon is quoted, shortly."""
    snapshot = build(user("u1"), contact("c1"))
    with pytest.raises(ValueError, match="KIND:ID") as caught:
        explain(snapshot, NOW, "u1", "x" * 100_000)
    assert short(caught.value)


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_criterion(value: Any) -> None:
    """A plugin's criterion with a bad id or role is named shortly."""
    if not isinstance(value, str):  # a long snake_case id is an id
        with pytest.raises((ValueError, TypeError)) as caught:
            Criterion(value, "met", "unmet")
        assert short(caught.value)
    with pytest.raises((ValueError, TypeError)) as caught:
        Criterion("my_criterion", "met", "unmet", role=value)
    assert short(caught.value)


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_generate_now(value: Any) -> None:
    """The synthetic CRM generator names a bad ``now`` shortly."""
    with pytest.raises((ValueError, TypeError)) as caught:
        generate(users=1, contacts_per_user=1, now=value)
    assert short(caught.value)

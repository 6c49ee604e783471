"""Every error pickles: the same type, attributes and text after the trip, across processes too."""

from __future__ import annotations

import inspect
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

import pool_tasks
from guided_actions import errors
from guided_actions.errors import GuidedActionsError, Problem, UnknownUserError

ERRORS = pool_tasks.errors()
PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


def assert_same_error(
    copy: BaseException, original: GuidedActionsError, attrs: dict[str, Any]
) -> None:
    assert type(copy) is type(original)
    assert str(copy) == str(original)
    assert copy.args == original.args
    for name, value in attrs.items():
        assert getattr(copy, name) == value, name
    assert vars(copy) == vars(original)


def ids(case: tuple[GuidedActionsError, dict[str, Any]]) -> str:
    return type(case[0]).__name__


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("case", ERRORS, ids=[ids(c) for c in ERRORS])
def test_round_trip(case: tuple[GuidedActionsError, dict[str, Any]], protocol: int) -> None:
    """pickle gives back the same type, ``args``, ``str()`` and documented attributes."""
    error, attrs = case
    assert_same_error(pickle.loads(pickle.dumps(error, protocol)), error, attrs)


def test_every_error_is_covered() -> None:
    """The cases above hold an error of every class of guided_actions.errors."""
    classes = {
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, GuidedActionsError) and cls.__module__ == errors.__name__
    }
    assert classes <= {type(error) for error, _ in ERRORS}


def test_notes_and_extra_attributes_survive() -> None:
    """Notes added to an error, and attributes set on it afterwards, are kept."""
    error = UnknownUserError("u9", "viewer")
    error.add_note("while summarising the team")
    error.team = "emea"  # type: ignore[attr-defined]
    copy = pickle.loads(pickle.dumps(error))
    assert copy.__notes__ == ["while summarising the team"]
    assert copy.team == "emea"
    assert str(copy) == str(error)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_problem_round_trip(protocol: int) -> None:
    """A Problem pickles, equal and with the same text."""
    for problem in [*pool_tasks.PROBLEMS, Problem("snapshot", None, None, None, "empty")]:
        copy = pickle.loads(pickle.dumps(problem, protocol))
        assert copy == problem
        assert str(copy) == str(problem)


def test_errors_raised_in_a_worker_reach_the_parent() -> None:
    """A worker process raising each error: the parent gets the same type, attributes and text,
    and the pool keeps working."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        futures = [pool.submit(pool_tasks.raise_error, i) for i in range(len(ERRORS))]
        for future, (error, attrs) in zip(futures, ERRORS, strict=True):
            raised = future.exception(timeout=60)
            assert raised is not None
            assert_same_error(raised, error, attrs)
            with pytest.raises(type(error)) as info:
                future.result()
            assert str(info.value) == str(error)
        assert pool.submit(pool_tasks.add, 2, 3).result(timeout=60) == 5

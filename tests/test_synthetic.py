"""The synthetic CRM generator and evaluate_all over it."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from guided_actions import Config, Snapshot, evaluate, evaluate_all
from guided_actions.errors import UnknownUserError
from guided_actions.rules import BUILTIN_RULES
from guided_actions.synthetic import generate

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def document() -> dict:
    return generate(users=6, contacts_per_user=40, seed=7, now=NOW)


@pytest.fixture(scope="module")
def snapshot(document) -> Snapshot:
    return Snapshot.from_dict(document)


def test_same_arguments_same_bytes(document):
    """The generator is deterministic: same arguments, same serialised document."""
    again = generate(users=6, contacts_per_user=40, seed=7, now=NOW)
    assert json.dumps(again) == json.dumps(document)
    other = generate(users=6, contacts_per_user=40, seed=8, now=NOW)
    assert json.dumps(other) != json.dumps(document)


def test_the_document_is_valid_and_sized_as_asked(snapshot):
    """It loads, with the number of users and contacts per user asked for."""
    assert len(snapshot.users()) == 6
    per_owner = Counter(c.owner_id for c in snapshot.records("contacts"))
    assert set(per_owner.values()) == {40}


def test_every_rule_fires_somewhere():
    """Timestamps around now make every one of the 18 rules fire for some user."""
    snap = Snapshot.from_dict(generate(users=10, contacts_per_user=60, seed=1, now=NOW))
    fired = {a.rule for result in evaluate_all(snap, NOW).values() for a in result}
    assert fired == {cls.id for cls in BUILTIN_RULES}


@pytest.mark.parametrize("grouping", [None, False])
def test_evaluate_all_equals_evaluate_per_user(snapshot, grouping):
    """evaluate_all gives, for every user, exactly what evaluate gives."""
    config = None if grouping is None else Config(grouping={c.id: grouping for c in BUILTIN_RULES})
    everyone = evaluate_all(snapshot, NOW, config=config)
    assert list(everyone) == [u.id for u in snapshot.users()]
    for user in snapshot.users():
        single = evaluate(snapshot, NOW, user.id, config=config)
        assert everyone[user.id].to_dicts() == single.to_dicts()
        assert everyone[user.id].user_id == user.id
    assert sum(len(r) for r in everyone.values()) > 0


def test_evaluate_all_for_some_users(snapshot):
    """``users`` restricts the pass; an unknown id is an error."""
    ids = [u.id for u in snapshot.users()][:2]
    assert list(evaluate_all(snapshot, NOW, users=ids)) == ids
    with pytest.raises(UnknownUserError):
        evaluate_all(snapshot, NOW, users=["nobody"])


def test_bad_arguments():
    """A naive now or an empty CRM is refused with a clear error."""
    with pytest.raises(ValueError, match="timezone-aware"):
        generate(users=1, contacts_per_user=1, now=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="users must be at least 1"):
        generate(users=0, contacts_per_user=1, now=NOW)

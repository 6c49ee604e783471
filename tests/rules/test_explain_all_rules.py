"""Every built-in rule, explaining any record of its kind, lists every criterion it declares, in
its declared order, whatever data is missing; and no text names a value that is not there."""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings

from guided_actions import Snapshot, explain
from guided_actions._engine.explain import RuleExplanation
from guided_actions.rules import BUILTIN_RULES
from guided_actions.synthetic import generate
from guided_actions.testing import (
    NOW,
    at,
    build,
    call,
    contact,
    deal,
    email,
    engagement,
    lead,
    meeting,
    task,
)
from guided_actions.typing import SubjectKind
from strategies import snapshots

#: The declared criterion ids of every built-in rule.
DECLARED = {cls.id: [c.id for c in cls.criteria] for cls in BUILTIN_RULES}
#: The record lists of a snapshot, by subject kind.
LISTS: dict[SubjectKind, str] = {
    "contact": "contacts",
    "lead": "leads",
    "deal": "deals",
    "call": "calls",
    "meeting": "meetings",
    "task": "tasks",
}
#: The engine's own checks: a record not there yet, a rule that failed.
ENGINE_ONLY = (["exists_at_now"], ["rule_ran"])


def _fields(template: str) -> set[str]:
    return {
        name.split(".")[0].split("[")[0]
        for _text, name, _spec, _conv in string.Formatter().parse(template)
        if name
    }


def assert_complete(entry: RuleExplanation) -> None:
    """The rule's checks are its declared criteria, in order (a dismissal's check after them),
    and each text names only values that are there."""
    ids = [c.id for c in entry.checks]
    if ids in ENGINE_ONLY:
        return
    if entry.status == "dismissed":
        assert ids[-1] == "not_dismissed", entry
        ids = ids[:-1]
    assert ids == DECLARED[entry.rule], (entry.rule, entry.status)
    for check in entry.checks:
        template = check.criterion.met if check.met else check.criterion.unmet
        absent = sorted(f for f in _fields(template) if check.values[f] is None)
        assert not absent, (entry.rule, check.id, template, absent)
    conditions = [c for c in entry.checks if c.role == "condition"]
    if entry.status == "unmet":
        assert not all(c.met for c in conditions), entry
    else:
        assert all(c.met for c in conditions), entry
    if entry.status == "active":
        assert all(c.met for c in entry.checks), entry


def explanations(snap: Snapshot, now: datetime, user_id: str) -> Iterator[RuleExplanation]:
    """Every rule's explanation of every record of a subject kind."""
    for kind, name in LISTS.items():
        for record in snap.records(name):
            yield from explain(snap, now, user_id, (kind, record.id))  # type: ignore[attr-defined]


# -- records with nothing to date an action from ----------------------------------------------

BARE = build(
    contact("c1"),
    lead("l1"),
    deal("d1"),
    call("k1"),
    meeting("m1"),
    task("t1"),
)


@pytest.mark.parametrize(
    ("kind", "rid"),
    [
        ("contact", "c1"),
        ("lead", "l1"),
        ("deal", "d1"),
        ("call", "k1"),
        ("meeting", "m1"),
        ("task", "t1"),
    ],
)
def test_bare_records_list_every_criterion(kind: SubjectKind, rid: str) -> None:
    """No email, engagement, lead, activity or due date: every rule of the kind still lists
    every criterion it declares, and says what is missing in its own words."""
    got = explain(BARE, NOW, "u1", (kind, rid))
    assert [r.rule for r in got] == [c.id for c in BUILTIN_RULES if c.subject_kind == kind]
    for entry in got:
        assert_complete(entry)
        assert entry.status == "unmet" or entry.rule in (
            "newly_assigned_contacts",
            "newly_assigned_leads",
            "log_call_outcomes",
            "meeting_follow_up",
            "prepare_next_meeting",
            "add_contact_to_deal",
            "initial_outreach_needed",
        ), entry


#: Records whose data is partly absent: no owner, no address, no status, an unknown contact.
SPARSE = build(
    contact("c1", owner_id=None, email=None, lifecycle_stage=None, owner_assigned_at=at(days=-1)),
    contact("c2", created_at=at(days=1)),
    lead("l1", contact_id="c2", owner_id=None, owner_assigned_at=at(days=-1)),
    lead("l2", contact_id="c1", stage_id="disqualified"),
    deal("d1", contact_ids=("c1",), next_step_updated_at=at(days=-1)),
    deal("d2", created_at=at(days=-8), contact_ids=("c1",)),
    email("e1", direction="inbound", to=("rep@acme.test",), contact_ids=("c1",)),
    email("e2", sent_at=at(days=-9), deal_ids=("d2",), opened_at=at(days=-8)),
    engagement("ev1", contact_id="c1", occurred_at=at(days=-2)),
    call("k1", status=None, outcome="Connected", started_at=at(hours=-2)),
    meeting("m1", owner_id="u2", start=at(days=2), end=at(days=2, hours=1)),
    meeting("m0", start=at(hours=1), end=at(hours=2)),
    task("t1", status="completed", priority="high", sequence_id=None),
    task("t2", priority="high", due_at=at(days=3)),
)


def test_sparse_records_list_every_criterion() -> None:
    """Missing owners, addresses, statuses, stamps and contacts: still every criterion, and no
    text names an absent value."""
    seen = 0
    for entry in explanations(SPARSE, NOW, "u1"):
        assert_complete(entry)
        seen += 1
    per_kind = {kind: sum(c.subject_kind == kind for c in BUILTIN_RULES) for kind in LISTS}
    assert seen == sum(len(SPARSE.records(LISTS[k])) * n for k, n in per_kind.items())


@pytest.mark.parametrize("seed", [3, 11])
@pytest.mark.parametrize("days", [-20, 0, 9])
def test_synthetic_crm(seed: int, days: int) -> None:
    """On a synthetic CRM at several instants, every record's explanation is complete."""
    origin = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
    snap = Snapshot.from_dict(generate(users=2, contacts_per_user=6, seed=seed, now=origin))
    now = origin + timedelta(days=days)
    statuses: set[str] = set()
    for user in snap.users():
        for entry in explanations(snap, now, user.id):
            assert_complete(entry)
            statuses.add(entry.status)
    assert {"active", "unmet"} <= statuses


@settings(max_examples=40, deadline=None)
@given(snapshots())
def test_random_snapshots(case: tuple[Snapshot, datetime, str]) -> None:
    """For random snapshots, every explanation of every record is complete."""
    snap, now, user_id = case
    for entry in explanations(snap, now, user_id):
        assert_complete(entry)

"""Associations, and the workspace feed, read "as of now" like the rules (SPEC §3, §6, §11).

A contact created after ``now`` does not exist yet: it is in no action's ``contact_ids``, and the
companies reached only through it are in no action's ``company_ids``. At its creation instant it
is there. Twelve rules reach contacts through their subject (a lead's contact; a deal's, a task's,
a call's or a meeting's contacts): each is checked on both sides of that instant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from guided_actions import Snapshot, evaluate, summarize
from guided_actions._model.records import Record
from guided_actions.rules import BUILTIN_RULES
from guided_actions.testing import (
    NOW,
    at,
    build,
    call,
    company,
    contact,
    deal,
    email,
    engagement,
    issued,
    lead,
    meeting,
    note,
    sequence,
    task,
)

US = at(microseconds=1) - NOW
RULES = {rule.id: rule for rule in BUILTIN_RULES}
BOTH = ("cf", "cp")

Associations = tuple[tuple[str, ...], tuple[str, ...]]


def people(born: datetime) -> list[Record]:
    """``cp``, there for long (company ``cop``), and ``cf``, created at ``born`` (company
    ``cof``, which nothing else reaches); ``cod``, a company records list directly."""
    return [
        company("cop"),
        company("cof"),
        company("cod"),
        contact("cp", owner_id="u2", company_ids=("cop",)),
        contact("cf", owner_id="u2", company_ids=("cof",), created_at=born),
    ]


#: rule id -> (records besides ``people``, associations with cf there, without it). ``None``:
#: no action (add_contact_to_deal fires only while the deal has no contact).
CASES: dict[str, tuple[list[Record], Associations | None, Associations]] = {
    "newly_assigned_leads": (
        [lead("l1", contact_id="cf", owner_assigned_at=at(days=-2))],
        (("cf",), ("cof",)),
        ((), ()),
    ),
    "leads_awaiting_reply": (
        [
            lead("l1", owner_id="u2", contact_id="cf"),
            email(
                "e1",
                direction="inbound",
                from_address="someone@client.test",
                to=("rep@acme.test",),
                lead_ids=("l1",),
                sent_at=at(days=-1),
            ),
        ],
        (("cf",), ("cof",)),
        ((), ()),
    ),
    "recently_engaged_leads": (
        [
            lead("l1", contact_id="cf", stage_id="working"),
            engagement("ev1", contact_id="cf", occurred_at=at(days=-1)),
        ],
        (("cf",), ("cof",)),
        ((), ()),
    ),
    "update_next_steps": (
        [
            deal("d1", stage_id="proposal", contact_ids=BOTH, company_ids=("cod",)),
            note("n1", deal_ids=("d1",), created_at=at(days=-3)),
        ],
        (BOTH, ("cod",)),
        (("cp",), ("cod",)),
    ),
    "add_contact_to_deal": (
        [
            deal(
                "d1",
                stage_id="proposal",
                created_at=at(days=-8),
                contact_ids=("cf",),
                company_ids=("cod",),
            )
        ],
        None,
        ((), ("cod",)),
    ),
    "initial_outreach_needed": (
        [deal("d1", created_at=at(days=-8), contact_ids=BOTH, company_ids=("cod",))],
        (BOTH, ("cod",)),
        (("cp",), ("cod",)),
    ),
    "buyer_follow_up": (
        [
            deal("d1", stage_id="proposal", contact_ids=BOTH, company_ids=("cod",)),
            email(
                "e1",
                to=("cp@client.test",),
                deal_ids=("d1",),
                sent_at=at(days=-8),
                opened_at=at(days=-7),
            ),
        ],
        (BOTH, ("cod",)),
        (("cp",), ("cod",)),
    ),
    "sequence_activity": (
        [sequence("s1"), task("t1", sequence_id="s1", sequence_step=1, contact_ids=BOTH)],
        (BOTH, ("cof", "cop")),
        (("cp",), ("cop",)),
    ),
    "priority_tasks_due_today": (
        [task("t1", priority="high", due_at=at(hours=3), contact_ids=BOTH)],
        (BOTH, ("cof", "cop")),
        (("cp",), ("cop",)),
    ),
    "log_call_outcomes": (
        [
            call(
                "k1",
                started_at=at(hours=-2),
                status="completed",
                builtin_calling=True,
                contact_ids=BOTH,
                company_ids=("cod",),
            )
        ],
        (BOTH, ("cod",)),
        (("cp",), ("cod",)),
    ),
    "meeting_follow_up": (
        [meeting("m1", start=at(days=-2), contact_ids=BOTH, company_ids=("cod",))],
        (BOTH, ("cod",)),
        (("cp",), ("cod",)),
    ),
    "prepare_next_meeting": (
        [meeting("m1", start=at(hours=2), contact_ids=BOTH, company_ids=("cod",))],
        (BOTH, ("cod",)),
        (("cp",), ("cod",)),
    ),
}


def associations(snapshot: Snapshot, rule_id: str) -> Associations | None:
    result = evaluate(snapshot, NOW, "u1", rules=[RULES[rule_id]], strict=True)
    if not len(result):
        return None
    [action] = result
    return action.contact_ids, action.company_ids


def test_twelve_rules_reach_contacts_through_their_subject() -> None:
    """The cases cover every rule whose subject is not a contact: the 12 the issue names."""
    assert set(CASES) == {r.id for r in BUILTIN_RULES if r.subject_kind != "contact"}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_a_contact_created_after_now_is_not_associated(rule_id: str) -> None:
    """A microsecond (or a day) before the contact's creation, it and the companies reached only
    through it are in no association; the rule's own view agrees (the action is the same)."""
    records, _present, absent = CASES[rule_id]
    for born in (NOW + US, at(days=1)):
        assert associations(build(*people(born), *records), rule_id) == absent


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_a_contact_created_at_now_is_associated(rule_id: str) -> None:
    """At its creation instant the contact exists: it is associated, with its companies."""
    records, present, _absent = CASES[rule_id]
    for born in (NOW, at(days=-1)):
        assert associations(build(*people(born), *records), rule_id) == present


def _update_next_steps_key(born: datetime) -> str:
    records = CASES["update_next_steps"][0]
    [action] = evaluate(
        build(*people(born), *records), NOW, "u1", rules=[RULES["update_next_steps"]]
    )
    return action.key


@pytest.mark.parametrize(
    ("born", "expected"),
    [(NOW + US, ("gone",)), (NOW, ("cf", "gone"))],
    ids=["contact-not-yet-created", "contact-created-at-now"],
)
def test_frozen_associations_as_of_now(born: datetime, expected: tuple[str, ...]) -> None:
    """Frozen associations win over the current ones, as of now: a frozen contact that the
    snapshot holds but that is created after now is left out; one deleted since stays; frozen
    companies stay (companies carry no creation stamp)."""
    key = _update_next_steps_key(born)
    frozen = issued(key, contact_ids=("cf", "gone"), company_ids=("cof", "old"))
    records = [*people(born), *CASES["update_next_steps"][0], frozen]
    assert associations(build(*records), "update_next_steps") == (expected, ("cof", "old"))


FeedMaker = Callable[[datetime], list[Record]]


@pytest.mark.parametrize(
    ("records", "kind"),
    [
        (
            lambda born: [
                task(
                    "t9",
                    title="Future task",
                    created_at=born,
                    status="completed",
                    completed_at=at(hours=-1),
                )
            ],
            "task",
        ),
        (
            lambda born: [
                contact("c9", created_at=born),
                engagement("ev9", contact_id="c9", occurred_at=at(hours=-1)),
            ],
            "engagement_event",
        ),
    ],
    ids=["task", "contact"],
)
def test_the_feed_shows_only_what_exists_at_now(records: FeedMaker, kind: str) -> None:
    """A task or contact created after now gives no feed entry; at its creation instant it
    does (the task lists of the workspace already read tasks as of now)."""
    later = summarize(build(*records(NOW + US)), NOW, "u1").to_dict()
    assert [e for e in later["feed"] if e["kind"] == kind] == []
    there = summarize(build(*records(NOW)), NOW, "u1").to_dict()
    assert [e["kind"] for e in there["feed"]] == [kind]

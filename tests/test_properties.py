"""Properties of ``evaluate`` on generated snapshots, each stated as a sentence."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guided_actions import (
    Call,
    Company,
    Config,
    Contact,
    Deal,
    Email,
    EngagementEvent,
    Lead,
    Meeting,
    Note,
    Result,
    Snapshot,
    Task,
    User,
    evaluate,
)
from guided_actions._model.kinds import NAMES
from guided_actions._model.records import Record
from guided_actions.rules import BUILTIN_RULES
from guided_actions.testing import NOW, at, build, call, contact, lead, sequence, task
from strategies import snapshots

Case = tuple[Snapshot, datetime, str]
Subject = tuple[str, str]

UNGROUPED = Config(grouping={rule.id: False for rule in BUILTIN_RULES})
GROUPED_RULES = tuple(rule.id for rule in BUILTIN_RULES if rule.grouped)


def scaled(count: int) -> int:
    """``count`` examples on the default profile (200), proportionally more on "thorough"."""
    return max(10, count * settings().max_examples // 200)


def run(snapshot: Snapshot, now: datetime, user_id: str, config: Config | None = None) -> Result:
    """``evaluate`` with rule failures raised, so that a broken rule cannot pass unnoticed."""
    return evaluate(snapshot, now, user_id, config=config, strict=True)


def all_records(snapshot: Snapshot) -> list[Record]:
    return [record for key in NAMES for record in snapshot.records(key)]


def lifecycle_of(snapshot: Snapshot) -> tuple[str, ...] | None:
    return snapshot.lifecycle_stages if snapshot.custom_lifecycle_stages else None


# -- same input, same output -------------------------------------------------------------------


@settings(max_examples=scaled(75))
@given(snapshots())
def test_same_input_same_output(case: Case) -> None:
    """The same snapshot, instant and user give the same actions, also after a JSON round trip."""
    snapshot, now, user_id = case
    first = run(snapshot, now, user_id).to_dicts()
    assert run(snapshot, now, user_id).to_dicts() == first
    rebuilt = Snapshot.from_dict(snapshot.to_dict())
    assert run(rebuilt, now, user_id).to_dicts() == first


@settings(max_examples=scaled(75))
@given(snapshots(), st.data())
def test_record_order_does_not_matter(case: Case, data: st.DataObject) -> None:
    """Shuffling every record list of the snapshot changes nothing, grouped or not."""
    snapshot, now, user_id = case
    records = data.draw(st.permutations(all_records(snapshot)), label="records")
    shuffled = Snapshot.from_records(records, lifecycle_stages=lifecycle_of(snapshot))
    for config in (None, UNGROUPED):
        assert (
            run(shuffled, now, user_id, config).to_dicts()
            == run(snapshot, now, user_id, config).to_dicts()
        )


def tied_records() -> list[Record]:
    """Records of u1 whose actions tie on ``created_at`` inside every grouped rule's card."""
    same = at(hours=-3)
    return [
        *(contact(cid, owner_assigned_at=same) for cid in ("c3", "c1", "c2")),
        *(lead(lid, contact_id="c1", owner_assigned_at=same) for lid in ("l2", "l1")),
        *(call(kid, started_at=same, status="completed") for kid in ("k2", "k3", "k1")),
        sequence("s1"),
        *(task(tid, created_at=same, sequence_id="s1", sequence_step=1) for tid in ("t2", "t1")),
        *(task(tid, created_at=same, due_at=at(hours=2), priority="high") for tid in ("t4", "t3")),
    ]


@pytest.mark.parametrize("seed", range(4))
def test_record_order_does_not_matter_when_actions_tie(seed: int) -> None:
    """Cards whose members share ``created_at`` list them by id, whatever the record order."""
    records = tied_records()
    expected = run(build(*records), NOW, "u1").to_dicts()
    assert sum(len(a["subjects"]) for a in expected) >= 12
    random.Random(seed).shuffle(records)
    assert run(build(*records), NOW, "u1").to_dicts() == expected


@settings(max_examples=scaled(50))
@given(snapshots())
def test_evaluation_does_not_mutate_its_input(case: Case) -> None:
    """Loading and evaluating leave the document and the snapshot exactly as they were."""
    snapshot, now, user_id = case
    document = snapshot.to_dict()
    pristine = copy.deepcopy(document)
    loaded = Snapshot.from_dict(document)
    assert document == pristine
    records = all_records(loaded)
    run(loaded, now, user_id)
    run(loaded, now, user_id, UNGROUPED)
    assert loaded.to_dict() == pristine
    assert all_records(loaded) == records
    assert document == pristine


# -- no action names what only another user can see --------------------------------------------


def visible_to(snapshot: Snapshot, user_id: str) -> set[Subject]:
    """The records ``user_id`` can see (SPEC §10), as ``(kind, id)``.

    The records that concern the user: those they own, the emails in their mailbox or addressed
    to them (``to`` or ``cc``), the contacts on a company they own; then, transitively, those
    records' associations: a contact's companies and leads, a lead's contact, a deal's contacts
    and companies, an activity's listed contacts, leads, deals and companies, a task's meeting,
    and the contacts an email is from or to by address.
    """
    user = snapshot.user(user_id)
    assert user is not None
    address = user.email.casefold()
    seen: set[Subject] = set()
    todo: list[Subject] = []

    def add(kind: str, ids: Iterable[str | None]) -> None:
        for rid in ids:
            if rid is not None and (kind, rid) not in seen:
                seen.add((kind, rid))
                todo.append((kind, rid))

    owned_companies = {c.id for c in snapshot.companies_owned_by(user_id)}
    add("company", owned_companies)
    add("contact", (c.id for c in snapshot.contacts_owned_by(user_id)))
    for c in snapshot.records("contacts"):
        assert isinstance(c, Contact)
        if owned_companies & set(c.company_ids):
            add("contact", [c.id])
    add("lead", (x.id for x in snapshot.leads_owned_by(user_id)))
    add("deal", (d.id for d in snapshot.deals_owned_by(user_id)))
    add("call", (c.id for c in snapshot.calls_owned_by(user_id)))
    add("meeting", (m.id for m in snapshot.meetings_owned_by(user_id)))
    add("task", (t.id for t in snapshot.tasks_owned_by(user_id)))
    add("note", (n.id for n in snapshot.notes_owned_by(user_id)))
    add("email", (e.id for e in snapshot.emails_in_mailbox(user_id)))
    for e in snapshot.records("emails"):
        assert isinstance(e, Email)
        if address in {a.casefold() for a in (*e.to, *e.cc)}:
            add("email", [e.id])

    notes = {n.id: n for n in snapshot.records("notes") if isinstance(n, Note)}
    while todo:
        kind, rid = todo.pop()
        if kind == "contact":
            contact = snapshot.contact(rid)
            assert contact is not None
            add("company", contact.company_ids)
            add("lead", (x.id for x in snapshot.leads_of_contact(rid)))
        elif kind == "lead":
            lead = snapshot.lead(rid)
            assert lead is not None
            add("contact", [lead.contact_id])
        elif kind == "deal":
            deal = snapshot.deal(rid)
            assert deal is not None
            add("contact", deal.contact_ids)
            add("company", deal.company_ids)
        elif kind in ("email", "call", "meeting", "task", "note"):
            activity = notes[rid] if kind == "note" else getattr(snapshot, kind)(rid)
            add("contact", getattr(activity, "contact_ids", ()))
            add("lead", getattr(activity, "lead_ids", ()))
            add("deal", getattr(activity, "deal_ids", ()))
            add("company", getattr(activity, "company_ids", ()))
            if isinstance(activity, Task):
                add("meeting", [activity.meeting_id])
            if isinstance(activity, Email):
                for a in (activity.from_address, *activity.to, *activity.cc):
                    if a is not None:
                        add("contact", (c.id for c in snapshot.contacts_with_email(a)))
    return seen


@settings(max_examples=scaled(100))
@given(snapshots())
def test_no_action_names_records_only_another_user_can_see(case: Case) -> None:
    """Every subject, contact and company of a user's actions is a record that user can see."""
    snapshot, now, user_id = case
    visible = visible_to(snapshot, user_id)
    for config in (None, UNGROUPED):
        for action in run(snapshot, now, user_id, config):
            named = {
                *action.subjects,
                *(("contact", c) for c in action.contact_ids),
                *(("company", c) for c in action.company_ids),
            }
            assert named <= visible, (action.rule, named - visible)


# -- expiry --------------------------------------------------------------------------------------


@settings(max_examples=scaled(50))
@given(snapshots())
def test_an_action_is_gone_at_its_expiry(case: Case) -> None:
    """An action active at t that expires at e is not returned at e (same key, same user)."""
    snapshot, now, user_id = case
    by_expiry: dict[datetime, set[str]] = {}
    for action in run(snapshot, now, user_id, UNGROUPED):
        assert action.active_at(now)
        if action.expires_at is not None:
            by_expiry.setdefault(action.expires_at, set()).add(action.key)
    for expires_at, keys in by_expiry.items():
        later = {a.key for a in run(snapshot, expires_at, user_id, UNGROUPED)}
        assert not keys & later, (expires_at, keys & later)


# -- unrelated records ---------------------------------------------------------------------------


def unrelated_records(now: datetime, step: timedelta) -> list[Record]:
    """A fourth rep with a book of their own: company, contacts, lead, deal, activities."""
    ago = lambda days: now - timedelta(days=days) - step  # noqa: E731
    rep, buyer = "rep9@elsewhere.test", "buyer@elsewhere-client.test"
    return [
        User(id="x-u9", email=rep, timezone="Asia/Kolkata"),
        Company(id="x-co1", owner_id="x-u9", target_account=True),
        Contact(
            id="x-c1",
            created_at=ago(20),
            email=buyer,
            owner_id="x-u9",
            owner_assigned_at=ago(3),
            company_ids=("x-co1",),
        ),
        Contact(id="x-c2", created_at=ago(5), owner_id="x-u9", owner_assigned_at=ago(2)),
        Lead(
            id="x-l1",
            contact_id="x-c2",
            pipeline_id="leads",
            stage_id="new",
            created_at=ago(2),
            owner_id="x-u9",
        ),
        Deal(
            id="x-d1",
            pipeline_id="deals",
            stage_id="new",
            created_at=ago(10),
            owner_id="x-u9",
            contact_ids=("x-c1",),
            company_ids=("x-co1",),
        ),
        Deal(id="x-d2", pipeline_id="deals", stage_id="new", created_at=ago(9), owner_id="x-u9"),
        Email(
            id="x-e1",
            owner_id="x-u9",
            direction="outbound",
            sent_at=ago(4),
            from_address=rep,
            to=(buyer,),
            opened_at=ago(3),
            contact_ids=("x-c1",),
            deal_ids=("x-d1",),
        ),
        Email(
            id="x-e2",
            owner_id="x-u9",
            direction="inbound",
            sent_at=ago(1),
            from_address=buyer,
            to=(rep,),
            in_reply_to="x-e1",
            contact_ids=("x-c1",),
        ),
        Call(id="x-k1", owner_id="x-u9", started_at=ago(1), status="completed"),
        Meeting(id="x-m1", owner_id="x-u9", start=ago(1), end=ago(1), contact_ids=("x-c1",)),
        Task(
            id="x-t1",
            owner_id="x-u9",
            created_at=ago(1),
            due_at=now,
            priority="high",
            sequence_id="s1",
            sequence_step=1,
            contact_ids=("x-c1",),
        ),
        Note(id="x-n1", owner_id="x-u9", created_at=ago(2), deal_ids=("x-d1",)),
        EngagementEvent(id="x-ev1", contact_id="x-c1", kind="page_view", occurred_at=ago(1)),
    ]


@settings(max_examples=scaled(50))
@given(snapshots(), st.sampled_from([timedelta(0), timedelta(hours=7), timedelta(days=2)]))
def test_unrelated_records_change_nothing(case: Case, step: timedelta) -> None:
    """Adding another rep with their own book never changes an existing user's actions."""
    snapshot, now, user_id = case
    extra = unrelated_records(now, step)
    bigger = Snapshot.from_records(
        [*all_records(snapshot), *extra], lifecycle_stages=lifecycle_of(snapshot)
    )
    assert len(run(bigger, now, "x-u9")) >= 5  # the new rep's book does produce actions
    for config in (None, UNGROUPED):
        assert run(bigger, now, user_id, config).to_dicts() == (
            run(snapshot, now, user_id, config).to_dicts()
        )


# -- grouping ------------------------------------------------------------------------------------


@settings(max_examples=scaled(100))
@given(snapshots())
def test_cards_hold_exactly_the_ungrouped_actions(case: Case) -> None:
    """A grouped rule's cards hold exactly its ungrouped actions, with SPEC §6's window."""
    snapshot, now, user_id = case
    grouped = run(snapshot, now, user_id)
    ungrouped = run(snapshot, now, user_id, UNGROUPED)
    for rule_id in GROUPED_RULES:
        cards = [a for a in grouped if a.rule == rule_id]
        singles = {a.subjects[0]: a for a in ungrouped if a.rule == rule_id}
        assert all(len(a.subjects) == 1 for a in ungrouped if a.rule == rule_id)
        in_cards = [s for card in cards for s in card.subjects]
        assert sorted(in_cards) == sorted(singles), rule_id
        for card in cards:
            members = [singles[s] for s in card.subjects]
            expiries = [m.expires_at for m in members]
            assert card.created_at == min(m.created_at for m in members)
            if None in expiries:
                assert card.expires_at is None
            else:
                assert card.expires_at == max(e for e in expiries if e is not None)
            order = sorted(members, key=lambda m: (m.created_at, m.subjects[0][1]))
            assert card.subjects == tuple(m.subjects[0] for m in order)
            assert set(card.contact_ids) == {c for m in members for c in m.contact_ids}
            assert set(card.company_ids) == {c for m in members for c in m.company_ids}
            assert card.calls_to_action == members[0].calls_to_action
    others = [a.to_dict() for a in grouped if a.rule not in GROUPED_RULES]
    assert others == [a.to_dict() for a in ungrouped if a.rule not in GROUPED_RULES]


# -- what a dict carries for a rep's screen (issue 16) -------------------------------------------

RULE_CLASSES = {cls.id: cls for cls in BUILTIN_RULES}
PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}


@settings(max_examples=scaled(75))
@given(snapshots())
def test_dicts_carry_their_rule_s_priority_and_links_in_order(case: Case) -> None:
    """Grouped or not, every dict has its rule's priority and calls to action (cards and their
    members alike), and the dicts come in priority order, high first (SPEC §6's first key)."""
    snapshot, now, user_id = case
    for config in (None, UNGROUPED):
        result = run(snapshot, now, user_id, config)
        dicts = result.to_dicts()
        for action, d in zip(result, dicts, strict=True):
            cls = RULE_CLASSES[d["rule"]]
            assert d["priority"] == cls.priority
            assert d["calls_to_action"] == [c.to_dict() for c in cls.calls_to_action]
            assert d["calls_to_action"][0]["opens"] == "queue"
            assert all(m.calls_to_action == cls.calls_to_action for m in action.members)
        ranks = [PRIORITY_RANK[d["priority"]] for d in dicts]
        assert ranks == sorted(ranks)

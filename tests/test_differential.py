"""The engine against the reference oracle of SPEC §5, on generated and hand-written snapshots."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guided_actions import Config, Snapshot, evaluate
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
    lead,
    meeting,
    note,
    sequence,
    task,
    user,
)
from oracle import (
    ALL_KINDS,
    RULE_TABLE,
    Associations,
    OracleAction,
    oracle_actions,
    oracle_associations,
)
from strategies import ENGAGEMENT_KINDS, snapshots

UNGROUPED = {rule.id: False for rule in BUILTIN_RULES}


def engine_run(
    snapshot: Snapshot, now: datetime, user_id: str, kinds: Iterable[str] = ALL_KINDS
) -> dict[OracleAction, Associations]:
    """The engine's actions, ungrouped, as oracle tuples, with their associations."""
    config = Config(grouping=UNGROUPED, engagement_kinds=frozenset(kinds))
    result = evaluate(snapshot, now, user_id, config=config, strict=True)
    out: dict[OracleAction, Associations] = {}
    for action in result:
        assert len(action.subjects) == 1, action
        ((kind, rid),) = action.subjects
        out[(action.rule, kind, rid, action.created_at, action.expires_at)] = (
            action.contact_ids,
            action.company_ids,
        )
    return out


def engine_actions(
    snapshot: Snapshot, now: datetime, user_id: str, kinds: Iterable[str] = ALL_KINDS
) -> set[OracleAction]:
    """The engine's actions, ungrouped, as oracle tuples."""
    return set(engine_run(snapshot, now, user_id, kinds))


def difference(engine: set[OracleAction], oracle: set[OracleAction]) -> str:
    def show(items: set[OracleAction]) -> str:
        return "\n".join(
            f"  {r} {k}:{i} created={c.isoformat()} expires={e.isoformat() if e else None}"
            for r, k, i, c, e in sorted(items, key=repr)
        )

    return (
        f"engine only:\n{show(engine - oracle) or '  -'}\n"
        f"oracle only:\n{show(oracle - engine) or '  -'}"
    )


def assert_agree(
    snapshot: Snapshot, now: datetime, user_id: str, kinds: Iterable[str] = ALL_KINDS
) -> set[OracleAction]:
    run = engine_run(snapshot, now, user_id, kinds)
    engine = set(run)
    oracle = oracle_actions(snapshot, now, user_id, engagement_kinds=kinds)
    assert engine == oracle, difference(engine, oracle)
    for action, associations in run.items():
        rule, kind, rid = action[:3]
        assert associations == oracle_associations(snapshot, now, kind, rid), (rule, kind, rid)
    return engine


@given(snapshots())
def test_engine_matches_oracle(case: tuple[Snapshot, datetime, str]) -> None:
    """Ungrouped, the engine proposes exactly the oracle's actions, windows included."""
    snapshot, now, user_id = case
    assert_agree(snapshot, now, user_id)


@given(snapshots(), st.sets(st.sampled_from(ENGAGEMENT_KINDS)))
def test_engine_matches_oracle_with_fewer_engagement_kinds(
    case: tuple[Snapshot, datetime, str], kinds: set[str]
) -> None:
    """With only some engagement kinds counted, engine and oracle still agree."""
    snapshot, now, user_id = case
    assert_agree(snapshot, now, user_id, kinds)


@given(snapshots())
def test_dicts_carry_the_specified_category_and_priority(
    case: tuple[Snapshot, datetime, str],
) -> None:
    """Grouped or not, every dict of ``to_dicts()`` has the category and the priority SPEC §5's
    table gives its rule (``priority`` is the key §11 adds)."""
    snapshot, now, user_id = case
    for config in (None, Config(grouping=UNGROUPED)):
        for d in evaluate(snapshot, now, user_id, config=config, strict=True).to_dicts():
            assert (d["category"], d["priority"]) == RULE_TABLE[d["rule"]], d["rule"]


def by_rule(actions: set[OracleAction], rule_id: str) -> set[OracleAction]:
    return {a for a in actions if a[0] == rule_id}


D = timedelta(days=1)
AUCKLAND_TODAY = datetime(2026, 11, 27, tzinfo=ZoneInfo("Pacific/Auckland"))

#: One smallest firing snapshot per rule: (rule id, records, subject id, created_at, expires_at).
EXAMPLES: list[tuple[str, list[Record], str, datetime, datetime | None]] = [
    (
        "newly_assigned_contacts",
        [contact("c1", owner_assigned_at=at(days=-3))],
        "c1",
        at(days=-3),
        at(days=27),
    ),
    (
        "newly_assigned_leads",
        [contact("c1", owner_id="u2"), lead("l1", owner_assigned_at=at(days=-2))],
        "l1",
        at(days=-2),
        at(days=28),
    ),
    (
        "reengaged_contacts",
        [
            contact("c1"),
            lead("l1", stage_id="disqualified", stage_changed_at=at(days=-10)),
            engagement("ev0", occurred_at=at(days=-11)),
            engagement("ev1", occurred_at=at(days=-5)),
            engagement("ev2", occurred_at=at(days=-1)),
        ],
        "c1",
        at(days=-5),
        at(days=25),
    ),
    (
        "sequence_activity",
        [sequence("s1"), task("t1", sequence_id="s1", sequence_step=1)],
        "t1",
        at(days=-1),
        None,
    ),
    (
        "email_replies",
        [
            contact("c1"),
            email("e1", to=("c1@client.test",), sent_at=at(days=-3)),
            email(
                "e2",
                direction="inbound",
                from_address="C1@client.test",
                in_reply_to="e1",
                sent_at=at(days=-2),
            ),
        ],
        "c1",
        at(days=-2),
        at(days=12),
    ),
    (
        "meeting_follow_up",
        [meeting("m1", start=at(days=-2), end=at(days=-2, hours=1))],
        "m1",
        at(days=-2),
        at(days=5, hours=1),
    ),
    (
        "log_call_outcomes",
        [call("k1", started_at=at(hours=-2), status="completed", builtin_calling=True)],
        "k1",
        at(hours=-1),
        at(days=7, hours=-2),
    ),
    (
        "contacts_awaiting_reply",
        [
            contact("c1", owner_id="u2"),
            email(
                "e1",
                direction="inbound",
                from_address="c1@client.test",
                to=("REP@acme.test",),
                sent_at=at(days=-1),
            ),
        ],
        "c1",
        at(days=-1),
        at(days=13),
    ),
    (
        "reply_to_email",
        [
            contact("c1", owner_id="u2"),
            deal("d1", contact_ids=("c1",)),
            email("e1", direction="inbound", contact_ids=("c1",), sent_at=at(days=-1)),
        ],
        "c1",
        at(days=-1),
        at(days=6),
    ),
    (
        "leads_awaiting_reply",
        [
            contact("c1", owner_id="u2"),
            lead("l1", owner_id="u2"),
            email(
                "e1",
                direction="inbound",
                from_address="c1@client.test",
                to=("rep@acme.test",),
                sent_at=at(days=-1),
            ),
        ],
        "l1",
        at(days=-1),
        at(days=13),
    ),
    (
        "prepare_next_meeting",
        [meeting("m0", start=at(hours=-3)), meeting("m1", start=at(hours=2))],
        "m1",
        at(hours=-3, minutes=10),
        at(hours=2, minutes=10),
    ),
    (
        "priority_tasks_due_today",
        [
            user("u1", "rep@acme.test", timezone="Pacific/Auckland"),
            task("t1", priority="high", due_at=at(hours=5)),
        ],
        "t1",
        AUCKLAND_TODAY,
        AUCKLAND_TODAY + D,
    ),
    (
        "target_account_activity",
        [
            company("co1", target_account=True),
            contact("c1", company_ids=("co1",)),
            engagement("ev1", occurred_at=at(days=-2)),
        ],
        "c1",
        at(days=-2),
        at(days=5),
    ),
    (
        "recently_engaged_leads",
        [
            contact("c1", owner_id="u2"),
            lead("l1", stage_id="working"),
            engagement("ev1", occurred_at=at(days=-1)),
        ],
        "l1",
        at(days=-1),
        at(days=6),
    ),
    (
        "update_next_steps",
        [deal("d1", stage_id="proposal"), note("n1", deal_ids=("d1",), created_at=at(days=-3))],
        "d1",
        at(days=-2),
        None,
    ),
    (
        "add_contact_to_deal",
        [deal("d1", stage_id="proposal", created_at=at(days=-8))],
        "d1",
        at(days=-1),
        at(days=6),
    ),
    (
        "initial_outreach_needed",
        [deal("d1", created_at=at(days=-8))],
        "d1",
        at(days=-1),
        at(days=6),
    ),
    (
        "buyer_follow_up",
        [
            contact("c1", owner_id="u2"),
            deal("d1", stage_id="proposal", contact_ids=("c1",)),
            email("e1", cc=("c1@client.test",), sent_at=at(days=-8), opened_at=at(days=-7)),
        ],
        "d1",
        at(days=-1),
        at(days=6),
    ),
]

SUBJECT_KINDS = dict(
    zip(
        [rule.id for rule in BUILTIN_RULES],
        [
            "contact",
            "lead",
            "contact",
            "task",
            "contact",
            "meeting",
            "call",
            "contact",
            "contact",
            "lead",
            "meeting",
            "task",
            "contact",
            "lead",
            "deal",
            "deal",
            "deal",
            "deal",
        ],
        strict=True,
    )
)


@pytest.mark.parametrize(
    ("rule_id", "records", "subject", "created", "expires"),
    EXAMPLES,
    ids=[e[0] for e in EXAMPLES],
)
def test_oracle_on_one_example_per_rule(
    rule_id: str,
    records: list[Record],
    subject: str,
    created: datetime,
    expires: datetime | None,
) -> None:
    """Each rule's smallest firing snapshot: the oracle gives the one expected action."""
    snapshot = build(*records)
    found = by_rule(oracle_actions(snapshot, NOW, "u1"), rule_id)
    assert found == {(rule_id, SUBJECT_KINDS[rule_id], subject, created, expires)}


@pytest.mark.parametrize(
    ("rule_id", "records", "subject", "created", "expires"),
    EXAMPLES,
    ids=[e[0] for e in EXAMPLES],
)
def test_engine_and_oracle_on_one_example_per_rule(
    rule_id: str,
    records: list[Record],
    subject: str,
    created: datetime,
    expires: datetime | None,
) -> None:
    """On each example, at now and at both ends of the action's window, engine and oracle agree."""
    snapshot = build(*records)
    instants = [NOW, created, created - timedelta(microseconds=1)]
    if expires is not None:
        instants += [expires, expires - timedelta(microseconds=1)]
    for now in instants:
        found = by_rule(assert_agree(snapshot, now, "u1"), rule_id)
        expected = created <= now and (expires is None or now < expires)
        assert any(a[2] == subject for a in found) == expected, now


@pytest.mark.parametrize(
    ("rule_id", "records"), [e[:2] for e in EXAMPLES], ids=[e[0] for e in EXAMPLES]
)
def test_each_rule_s_dict_has_its_specified_priority(rule_id: str, records: list[Record]) -> None:
    """On each rule's example, its dict (card or not) has SPEC §5's category and priority: all
    18 rules, so all three priorities, are seen."""
    dicts = evaluate(build(*records), NOW, "u1", strict=True).filter(rule=rule_id).to_dicts()
    assert dicts
    assert {(d["category"], d["priority"]) for d in dicts} == {RULE_TABLE[rule_id]}


def test_sender_domain_of_a_contact_created_after_now() -> None:
    """A lead's contact created after now has no email yet, so the sender's domain differs."""
    snapshot = build(
        contact("c1", owner_id="u2", email="c1@acme.test", created_at=at(minutes=10)),
        lead("l1", owner_id="u2", created_at=at(days=-2)),
        email("e1", direction="inbound", to=("rep@acme.test",), lead_ids=("l1",)),
    )
    expected = ("leads_awaiting_reply", "lead", "l1", at(days=-1), at(days=13))
    assert expected in oracle_actions(snapshot, NOW, "u1")
    assert expected in engine_actions(snapshot, NOW, "u1")

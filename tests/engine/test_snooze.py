"""Snoozes: hidden until ``until``, back by themselves, back early when a card gains a member.

Unlike a dismissal, a snooze always ends, and a snoozed card comes back before its ``until`` as
soon as a record joins it that was not a member when it was snoozed (the card's ``subject_ids``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guided_actions import (
    Action,
    Config,
    Snapshot,
    Snooze,
    evaluate,
    evaluate_all,
    explain,
    snooze,
    snooze_until,
    summarize,
    synthetic,
)
from guided_actions._engine.snooze import LAST_UNTIL
from guided_actions._model.document import record_to_dict
from guided_actions.errors import InvalidConfigError, InvalidRecordError
from guided_actions.rules import AddContactToDeal, EmailReplies, LogCallOutcomes
from guided_actions.testing import (
    NOW,
    at,
    build,
    call,
    contact,
    deal,
    dismissal,
    explain_rule,
    inbound_email,
    outbound_email,
)
from guided_actions.testing import snooze as snooze_record
from guided_actions.typing import Priority, SnapshotReader
from strategies import snapshots

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
US = timedelta(microseconds=1)

#: A deal without contacts for 10 days: one low-priority action (add_contact_to_deal), from
#: 3 days ago until 4 days from now.
DEAL = deal("d1", created_at=at(days=-10))


def calls(*ids: str) -> list[Any]:
    """Calls of u1 to log, started 2, 3, 4… hours ago: one log_call_outcomes card."""
    return [call(cid, started_at=NOW - (2 + n) * HOUR) for n, cid in enumerate(ids)]


def only(snapshot: Snapshot, rule: Any, now: datetime = NOW, user: str = "u1") -> list[Action]:
    return list(evaluate(snapshot, now, user, rules=[rule], strict=True))


def deal_action() -> Action:
    (action,) = only(build(DEAL), AddContactToDeal)
    return action


def card_of(*ids: str) -> Action:
    (card,) = only(build(*calls(*ids)), LogCallOutcomes)
    assert card.grouped
    return card


def with_snoozes(snapshot: Snapshot, *snoozes: Snooze) -> Snapshot:
    """The same snapshot with these snoozes, through the interchange format."""
    document = snapshot.to_dict()
    document["snoozes"] = [*document.get("snoozes", []), *map(record_to_dict, snoozes)]
    return Snapshot.from_dict(document)


# -- hidden until ``until``, back at ``until`` ------------------------------------------------


class TestUntil:
    @pytest.mark.parametrize(
        ("until", "hidden"),
        [
            (at(days=3), True),
            (at(microseconds=1), True),
            (NOW, False),
            (at(microseconds=-1), False),
            (at(days=-3), False),
        ],
    )
    def test_hidden_while_now_is_before_until(self, until: datetime, hidden: bool) -> None:
        """A snooze hides its key while now < until, and only then."""
        key = deal_action().key
        result = only(build(DEAL, snooze_record(key, until=until)), AddContactToDeal)
        assert [a.key for a in result] == ([] if hidden else [key])

    def test_back_by_itself_at_until(self) -> None:
        """The same snapshot: hidden one microsecond before until, back at until."""
        key = deal_action().key
        until = at(days=1)
        snap = build(DEAL, snooze_record(key, until=until))
        assert only(snap, AddContactToDeal, until - US) == []
        assert [a.key for a in only(snap, AddContactToDeal, until)] == [key]
        assert only(snap, AddContactToDeal, until) == only(build(DEAL), AddContactToDeal, until)

    def test_another_users_snooze_or_another_key_hides_nothing(self) -> None:
        """A snooze is the user's own, of one key."""
        action = deal_action()
        snap = build(
            DEAL,
            snooze_record(action.key, user_id="u2"),
            snooze_record("add_contact_to_deal:0000", until=at(days=1)),
            snooze_record(action.key.replace("add_contact", "other"), until=at(days=1)),
        )
        assert only(snap, AddContactToDeal) == [action]

    def test_u2_snoozing_hides_only_u2s_action(self) -> None:
        """u2 snoozing their own action leaves u1's identical situation alone."""
        snap = build(DEAL, deal("d2", owner_id="u2", created_at=at(days=-10)))
        (theirs,) = only(snap, AddContactToDeal, user="u2")
        (mine,) = only(snap, AddContactToDeal)
        snoozed = build(
            DEAL, deal("d2", owner_id="u2", created_at=at(days=-10)), snooze(theirs, NOW)
        )
        assert only(snoozed, AddContactToDeal, user="u2") == []
        assert only(snoozed, AddContactToDeal) == [mine]

    def test_evaluate_all_and_summarize_apply_snoozes(self) -> None:
        """Every path to a user's actions hides what a snooze hides."""
        action = deal_action()
        snap = build(DEAL, snooze(action, NOW))
        assert evaluate(snap, NOW, "u1").get(action.key) is None
        assert evaluate_all(snap, NOW)["u1"].get(action.key) is None
        assert summarize(snap, NOW, "u1").result.get(action.key) is None
        assert evaluate(build(DEAL), NOW, "u1").get(action.key) == action

    def test_several_snoozes_of_one_key_hide_while_any_does(self) -> None:
        """Two snoozes of one key: the action is back when the longer one ends."""
        key = deal_action().key
        snap = build(
            DEAL,
            snooze_record(key, until=at(hours=1)),
            snooze_record(key, until=at(hours=5)),
        )
        assert only(snap, AddContactToDeal, at(hours=5) - US) == []
        assert len(only(snap, AddContactToDeal, at(hours=5))) == 1


# -- cards: back early when a member joins --------------------------------------------------


class TestCards:
    def test_a_card_is_back_early_when_a_member_joins(self) -> None:
        """k3 joins the card snoozed with k1 and k2: the card is back before until, whole."""
        card = card_of("k1", "k2")
        snoozed = snooze(card, NOW)
        assert snoozed.subject_ids == ("k2", "k1")  # the members in the card's order
        assert only(build(*calls("k1", "k2"), snoozed), LogCallOutcomes) == []
        (back,) = only(build(*calls("k1", "k2", "k3"), snoozed), LogCallOutcomes)
        assert back.key == card.key
        assert {rid for _kind, rid in back.subjects} == {"k1", "k2", "k3"}

    def test_a_card_stays_hidden_when_a_member_leaves(self) -> None:
        """k2 leaves (its outcome logged, or the call deleted): still hidden until until."""
        snoozed = snooze(card_of("k1", "k2"), NOW)
        logged = call("k2", started_at=NOW - 3 * HOUR, outcome="Connected")
        assert only(build(*calls("k1"), logged, snoozed), LogCallOutcomes) == []
        assert only(build(*calls("k1"), snoozed), LogCallOutcomes) == []
        assert len(only(build(*calls("k1"), snoozed), LogCallOutcomes, snoozed.until)) == 1

    def test_one_leaves_and_another_joins(self) -> None:
        """k2 leaves and k3 joins: k3 is new, so the card is back."""
        snoozed = snooze(card_of("k1", "k2"), NOW)
        (back,) = only(build(*calls("k1", "k3"), snoozed), LogCallOutcomes)
        assert {rid for _kind, rid in back.subjects} == {"k1", "k3"}

    def test_a_card_snoozed_without_members_ignores_who_joins(self) -> None:
        """subject_ids empty: the snooze hides the card until until, whatever joins it."""
        card = card_of("k1")
        record = snooze_record(card.key, until=at(hours=3))
        snap = build(*calls("k1", "k2", "k3"), record)
        assert only(snap, LogCallOutcomes) == []
        assert only(snap, LogCallOutcomes, at(hours=3) - US) == []
        assert len(only(snap, LogCallOutcomes, at(hours=3))) == 1

    def test_a_joined_card_is_hidden_again_when_the_new_member_leaves(self) -> None:
        """The library keeps no state: the card is back while it has a new member."""
        snoozed = snooze(card_of("k1", "k2"), NOW)
        assert len(only(build(*calls("k1", "k2", "k3"), snoozed), LogCallOutcomes)) == 1
        assert only(build(*calls("k1", "k2"), snoozed), LogCallOutcomes) == []

    def test_a_dismissed_card_never_comes_back_early(self) -> None:
        """A dismissal hides the card, members that join included; a snooze does not."""
        card = card_of("k1")
        joined = calls("k1", "k2")
        assert only(build(*joined, dismissal(card.key, until=at(days=1))), LogCallOutcomes) == []
        assert len(only(build(*joined, snooze(card, NOW, until=at(days=1))), LogCallOutcomes)) == 1

    def test_grouping_turned_off_uses_the_members_keys(self) -> None:
        """Without grouping each call is its own action: the card's snooze hides none of them,
        and a snooze of one call's action hides that call only."""
        snap = build(*calls("k1", "k2"))
        ungrouped = Config(grouping={"log_call_outcomes": False})
        first, second = evaluate(snap, NOW, "u1", rules=[LogCallOutcomes], config=ungrouped)
        card_snooze = snooze(card_of("k1", "k2"), NOW)
        assert snooze(first, NOW).subject_ids == ()
        got = evaluate(
            build(*calls("k1", "k2"), card_snooze, snooze(first, NOW)),
            NOW,
            "u1",
            rules=[LogCallOutcomes],
            config=ungrouped,
        )
        assert list(got) == [second]


# -- dismissal and snooze together ------------------------------------------------------------


class TestWithDismissals:
    @pytest.mark.parametrize(
        ("dismissed_until", "snoozed_until", "hidden"),
        [
            (None, at(days=-1), True),  # dismissed for good, the snooze over
            (at(days=2), at(days=-1), True),  # dismissed, the snooze over
            (at(days=-1), at(days=2), True),  # the dismissal over, snoozed
            (at(days=1), at(days=2), True),  # both in force
            (at(days=-1), at(days=-1), False),  # both over
            (at(microseconds=-1), NOW, False),
        ],
    )
    def test_hidden_while_either_hides_it(
        self, dismissed_until: datetime | None, snoozed_until: datetime, hidden: bool
    ) -> None:
        key = deal_action().key
        snap = build(
            DEAL,
            dismissal(key, until=dismissed_until),
            snooze_record(key, until=snoozed_until),
        )
        assert (only(snap, AddContactToDeal) == []) is hidden

    def test_explain_reports_the_dismissal_and_lists_the_snooze(self) -> None:
        """Both in force: the status is dismissed (a snooze ends sooner or later, a dismissal
        may not), and both checks are listed, the dismissal's last."""
        action = deal_action()
        snap = build(DEAL, snooze(action, NOW), dismissal(action.key))
        entry = explain_rule(AddContactToDeal, snap, "deal:d1")
        assert entry.status == "dismissed"
        assert [c.id for c in entry.unmet] == ["not_snoozed", "not_dismissed"]


# -- snooze_until: 1 hour for high priority, 24 hours otherwise ---------------------------------


class TestSnoozeUntil:
    @pytest.mark.parametrize(
        ("priority", "delta"),
        [
            ("high", timedelta(hours=1)),
            ("normal", timedelta(hours=24)),
            ("low", timedelta(hours=24)),
        ],
    )
    def test_default_by_priority(self, priority: Priority, delta: timedelta) -> None:
        action = attrs.evolve(deal_action(), priority=priority)
        assert snooze_until(action, NOW) == NOW + delta

    @pytest.mark.parametrize(
        ("priority", "delta"),
        [
            ("high", timedelta(minutes=15)),
            ("normal", timedelta(days=3)),
            ("low", timedelta(days=3)),
        ],
    )
    def test_configured(self, priority: Priority, delta: timedelta) -> None:
        """Each priority takes its own setting, never the other's."""
        config = Config(snooze_high=timedelta(minutes=15), snooze_other=timedelta(days=3))
        action = attrs.evolve(deal_action(), priority=priority)
        assert snooze_until(action, NOW, config=config) == NOW + delta

    def test_the_rules_own_priority(self) -> None:
        """A reply (email_replies, high) for an hour; a deal without contacts (low) for a day."""
        snap = build(
            contact("c1", email="c1@client.test"),
            outbound_email("r1", sent_at=at(days=-2)),
            inbound_email("e1", in_reply_to="r1", sent_at=at(days=-1)),
        )
        (reply,) = only(snap, EmailReplies)
        assert reply.priority == "high"
        assert snooze_until(reply, NOW) == NOW + HOUR
        assert snooze_until(deal_action(), NOW) == NOW + DAY

    def test_in_utc_whatever_the_zone_of_now(self) -> None:
        local = NOW.astimezone(timezone(timedelta(hours=-5)))
        until = snooze_until(deal_action(), local)
        assert until == NOW + DAY
        assert until.tzinfo is UTC

    def test_held_within_what_a_record_may_hold(self) -> None:
        """Near the end of year 9998, the proposed until is the last instant a record may hold,
        and the snooze can be stored."""
        late = datetime(9998, 12, 31, 23, 30, tzinfo=UTC)
        action = attrs.evolve(deal_action(), priority="high")
        assert snooze_until(action, late) == LAST_UNTIL
        assert snooze_until(action, late - HOUR) == late
        assert snooze(action, late).until == LAST_UNTIL

    def test_a_naive_now_is_refused(self) -> None:
        with pytest.raises(InvalidConfigError, match="naive"):
            snooze_until(deal_action(), datetime(2026, 11, 26, 12))
        with pytest.raises(InvalidConfigError, match="naive"):
            snooze(deal_action(), datetime(2026, 11, 26, 12))

    def test_not_an_action(self) -> None:
        with pytest.raises(TypeError, match="must be an Action"):
            snooze_until("add_contact_to_deal:123", NOW)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="must be an Action"):
            snooze(None, NOW)  # type: ignore[arg-type]

    def test_not_a_config(self) -> None:
        with pytest.raises(InvalidConfigError, match="must be a Config"):
            snooze_until(deal_action(), NOW, config={"snooze_high": HOUR})  # type: ignore[arg-type]

    @pytest.mark.parametrize("name", ["snooze_high", "snooze_other"])
    @pytest.mark.parametrize(
        ("value", "gist"),
        [
            (timedelta(0), "must be positive"),
            (-HOUR, "must be positive"),
            (timedelta(days=36_526), "at most 36525 days"),
            (3600, "must be a timedelta"),
        ],
    )
    def test_bad_settings(self, name: str, value: object, gist: str) -> None:
        """Each duration is checked like every other: named, with its value."""
        setting: dict[str, Any] = {name: value}
        with pytest.raises(InvalidConfigError, match=gist) as info:
            Config(**setting)
        assert str(info.value).startswith(name)

    @pytest.mark.parametrize("name", ["snooze_high", "snooze_other"])
    def test_boundary_settings_accepted(self, name: str) -> None:
        for value in (US, timedelta(days=36_525)):
            setting: dict[str, Any] = {name: value}
            assert getattr(Config(**setting), name) == value


# -- snooze(): the record to store ------------------------------------------------------------


class TestSnoozeRecord:
    def test_an_action_about_one_record(self) -> None:
        action = deal_action()
        assert snooze(action, NOW) == Snooze(
            user_id="u1", action_key=action.key, until=NOW + DAY, subject_ids=()
        )

    def test_until_and_config(self) -> None:
        action = deal_action()
        assert snooze(action, NOW, until=at(days=5)).until == at(days=5)
        config = Config(snooze_other=timedelta(hours=2))
        assert snooze(action, NOW, config=config).until == NOW + 2 * HOUR

    @pytest.mark.parametrize("until", [NOW, at(microseconds=-1), at(days=-1)])
    def test_an_until_not_after_now_is_refused(self, until: datetime) -> None:
        """A snooze that ends at once would hide nothing: the record, field and value named."""
        action = deal_action()
        with pytest.raises(InvalidRecordError) as info:
            snooze(action, NOW, until=until)
        (problem,) = info.value.problems
        assert (problem.kind, problem.record_id, problem.field, problem.value) == (
            "snoozes",
            action.key,  # a snooze has no id of its own: the key it snoozes names it
            "until",
            until,
        )
        assert "later than now" in problem.message
        assert snooze(deal_action(), NOW, until=until + timedelta(days=2)).until > NOW

    def test_no_default_snooze_at_the_end_of_the_range(self) -> None:
        """At the last supported instant there is no later one to propose: refused, not a snooze
        that hides nothing."""
        action = deal_action()
        with pytest.raises(InvalidRecordError, match="later than now"):
            snooze(action, LAST_UNTIL)
        assert snooze(action, LAST_UNTIL - timedelta(microseconds=1)).until == LAST_UNTIL

    def test_the_config_is_checked_even_with_an_until(self) -> None:
        with pytest.raises(InvalidConfigError, match="config must be a Config"):
            snooze(deal_action(), NOW, config=5, until=at(days=1))  # type: ignore[arg-type]

    def test_a_naive_until_is_refused(self) -> None:
        with pytest.raises(InvalidRecordError, match="naive") as info:
            snooze(deal_action(), NOW, until=datetime(2026, 11, 27))
        assert info.value.problems[0].field == "until"

    def test_round_trip_and_hides_exactly_that_action(self) -> None:
        """The record survives the interchange format and, put back, hides that action only."""
        snap = build(DEAL, deal("d2", created_at=at(days=-9)), *calls("k1", "k2"))
        result = evaluate(snap, NOW, "u1")
        for action in result:
            record = snooze(action, NOW)
            snoozed = with_snoozes(snap, record)
            assert snoozed.snoozes_of("u1") == (record,)
            assert Snapshot.from_dict(snoozed.to_dict()).snoozes_of("u1") == (record,)
            expected = [a for a in result if a.key != action.key]
            assert list(evaluate(snoozed, NOW, "u1")) == expected
            assert list(evaluate(snoozed, record.until, "u1")) == list(
                evaluate(snap, record.until, "u1")
            )


# -- explain: the "why not" -----------------------------------------------------------------


class TestExplain:
    def test_snoozed_with_its_until(self) -> None:
        """Hidden by a snooze: status snoozed, a not_snoozed check saying until when (in the
        user's zone), in to_dict too; active again at until."""
        action = deal_action()
        until = at(days=1, hours=3)
        snap = build(DEAL, snooze(action, NOW, until=until))
        entry = explain_rule(AddContactToDeal, snap, "deal:d1")
        assert (entry.status, entry.key) == ("snoozed", action.key)
        assert (entry.created_at, entry.expires_at) == (action.created_at, action.expires_at)
        last = entry.checks[-1]
        assert (last.id, last.met) == ("not_snoozed", False)
        assert [c.id for c in entry.unmet] == ["not_snoozed"]
        data = entry.to_dict()
        assert data["status"] == "snoozed"
        text = data["checks"][-1]["text"]
        assert text.startswith("you snoozed the action until")
        assert until.isoformat(timespec="minutes") in text
        assert explain_rule(AddContactToDeal, snap, "deal:d1", until - US).status == "snoozed"
        assert explain_rule(AddContactToDeal, snap, "deal:d1", until).status == "active"

    def test_several_snoozes_report_the_longest(self) -> None:
        """Of two snoozes in force, the one that ends last is the one reported."""
        key = deal_action().key
        for order in ((1, 5), (5, 1)):
            snap = build(DEAL, *(snooze_record(key, until=at(hours=h)) for h in order))
            entry = explain_rule(AddContactToDeal, snap, "deal:d1")
            assert entry.status == "snoozed"
            assert entry.checks[-1].values["until"] == at(hours=5)

    def test_in_the_explanation_of_the_record(self) -> None:
        action = deal_action()
        snap = build(DEAL, snooze(action, NOW))
        got = explain(snap, NOW, "u1", "deal:d1")
        assert got.with_status("snoozed") == (got.get("add_contact_to_deal"),)
        assert (
            got.to_dict()["rules"][[r.rule for r in got].index("add_contact_to_deal")]["status"]
            == "snoozed"
        )

    def test_a_card_with_a_new_member_is_not_snoozed(self) -> None:
        """Every member of a card back early is active, the old members too: the card's other
        members decide, as in evaluate."""
        snoozed = snooze(card_of("k1", "k2"), NOW)
        joined = build(*calls("k1", "k2", "k3"), snoozed)
        for cid in ("k1", "k2", "k3"):
            entry = explain_rule(LogCallOutcomes, joined, ("call", cid))
            assert (entry.status, entry.key) == ("active", snoozed.action_key), cid
        same = build(*calls("k1", "k2"), snoozed)
        left = build(*calls("k1"), snoozed)
        for snap, members in ((same, ("k1", "k2")), (left, ("k1",))):
            for cid in members:
                entry = explain_rule(LogCallOutcomes, snap, ("call", cid))
                assert (entry.status, entry.key) == ("snoozed", snoozed.action_key), cid

    def test_explain_without_grouping(self) -> None:
        """A card's snooze names members; without grouping the key differs: active."""
        snoozed = snooze(card_of("k1", "k2"), NOW)
        snap = build(*calls("k1", "k2"), snoozed)
        entry = explain_rule(LogCallOutcomes, snap, "call:k1", grouped=False)
        assert entry.status == "active"


# -- a reader written before snoozes ----------------------------------------------------------


class _OldReader:
    """A reader that predates snoozes: every method of the snapshot but ``snoozes_of``."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot

    def __getattr__(self, name: str) -> Any:
        if name == "snoozes_of":
            raise AttributeError(name)
        return getattr(self._snapshot, name)


def test_a_reader_without_snoozes_of_has_no_snoozes() -> None:
    """evaluate and explain accept a reader that lacks snoozes_of: nothing is snoozed."""
    action = deal_action()
    snap = build(DEAL, snooze(action, NOW))
    old: Any = _OldReader(snap)
    assert not isinstance(old, SnapshotReader)
    assert list(evaluate(old, NOW, "u1", rules=[AddContactToDeal])) == [action]
    assert explain(old, NOW, "u1", "deal:d1").get("add_contact_to_deal").status == "active"  # type: ignore[union-attr]


# -- every existing document gives the same result ---------------------------------------------


def _same_results(document: dict[str, Any], now: datetime) -> None:
    plain = Snapshot.from_dict(document)
    empty = Snapshot.from_dict({**document, "snoozes": []})
    assert empty.to_dict() == plain.to_dict() == Snapshot.from_dict(plain.to_dict()).to_dict()
    assert "snoozes" not in plain.to_dict()
    for user in plain.users():
        expected = evaluate(plain, now, user.id).to_dicts()
        assert evaluate(empty, now, user.id).to_dicts() == expected


def test_the_demo_gives_the_same_result() -> None:
    from guided_actions._adapters.demo import DEMO_NOW, demo_document

    _same_results(demo_document(), DEMO_NOW)


def test_a_generated_crm_gives_the_same_result() -> None:
    document = synthetic.generate(users=3, contacts_per_user=20, seed=7, now=NOW)
    assert "snoozes" not in document
    _same_results(document, NOW)


def test_snoozes_that_hide_nothing_change_nothing() -> None:
    """Snoozes over, of other users or of keys no action has: the same result."""
    from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_snapshot

    demo = demo_snapshot()
    result = evaluate(demo, DEMO_NOW, DEMO_USER)
    over = [snooze(a, DEMO_NOW - DAY) for a in result]  # until DEMO_NOW at the latest
    assert all(s.until <= DEMO_NOW for s in over)
    theirs = [attrs.evolve(s, user_id="u-marcus", until=DEMO_NOW + DAY) for s in over]
    unknown = Snooze(user_id=DEMO_USER, action_key="nothing:here", until=DEMO_NOW + DAY)
    snap = with_snoozes(demo, *over, *theirs, unknown)
    assert evaluate(snap, DEMO_NOW, DEMO_USER).to_dicts() == result.to_dicts()


# -- properties over generated snapshots ------------------------------------------------------


@settings(max_examples=100)
@given(snapshots(), st.data())
def test_snoozing_hides_exactly_that_action(
    case: tuple[Snapshot, datetime, str], data: Any
) -> None:
    """Differential: evaluating with ``snooze(action, now)`` gives the result without it, less
    that action; at its ``until`` the result is the one without the snooze."""
    snapshot, now, user_id = case
    result = evaluate(snapshot, now, user_id)
    if not result.actions:
        return
    action = data.draw(st.sampled_from(result.actions))
    record = snooze(action, now)
    snoozed = with_snoozes(snapshot, record)
    assert evaluate(snoozed, now, user_id).to_dicts() == [
        d for d in result.to_dicts() if d["key"] != action.key
    ]
    assert (
        evaluate(snoozed, record.until, user_id).to_dicts()
        == evaluate(snapshot, record.until, user_id).to_dicts()
    )


@settings(max_examples=60)
@given(snapshots(), st.data())
def test_explain_agrees_with_evaluate_under_snoozes(
    case: tuple[Snapshot, datetime, str], data: Any
) -> None:
    """Snooze some actions, cards with some of their members only (so that some are back
    early): an action is hidden exactly when its snooze names every member it has (or none),
    and explain says ``active`` for each subject of a shown action and ``snoozed`` for each
    subject of a hidden one."""
    snapshot, now, user_id = case
    result = evaluate(snapshot, now, user_id)
    records: list[Snooze] = []
    hidden: set[str] = set()
    for action in result:
        if not data.draw(st.booleans()):
            continue
        ids = [rid for _kind, rid in action.subjects]
        kept = data.draw(st.lists(st.sampled_from(ids), unique=True)) if action.grouped else []
        records.append(
            Snooze(
                user_id=user_id, action_key=action.key, until=now + HOUR, subject_ids=tuple(kept)
            )
        )
        if not kept or set(ids) <= set(kept):
            hidden.add(action.key)
    snoozed = with_snoozes(snapshot, *records)
    after = evaluate(snoozed, now, user_id)
    assert [a.key for a in after] == [a.key for a in result if a.key not in hidden]
    for action in result:
        for subject in action.subjects:
            entry = explain(snoozed, now, user_id, subject).get(action.rule)
            assert entry is not None
            assert (entry.status, entry.key) == (
                "snoozed" if action.key in hidden else "active",
                action.key,
            ), (action.rule, subject)

"""``Result.next_change_at``: when to look again, exactly.

The actions are the same at every instant from ``now`` up to ``next_change_at`` and differ at it;
``None`` means time alone changes nothing. Each family of time dependence has its own example
(a pending action opening, an expiry, a card gaining or losing a member, a local day rolling
over, a dismissal or a snooze ending on a visible or a hidden action, data stamped later than
``now``), and a property checks the claim on generated snapshots.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guided_actions import (
    Config,
    Result,
    Rule,
    Snapshot,
    User,
    evaluate,
    evaluate_all,
)
from guided_actions._engine.evaluate import LAST_NOW
from guided_actions._model.kinds import NAMES
from guided_actions._model.records import Record
from guided_actions._rules.context import RuleContext
from guided_actions._rules.rule import Proposal
from guided_actions.criteria import TASK_OPEN, task_open
from guided_actions.rules import (
    BUILTIN_RULES,
    BuyerFollowUp,
    EmailReplies,
    PrepareNextMeeting,
    PriorityTasksDueToday,
    UpdateNextSteps,
)
from guided_actions.testing import (
    NOW,
    at,
    build,
    call,
    contact,
    deal,
    dismissal,
    inbound_email,
    meeting,
    note,
    outbound_email,
    sequence,
    snooze,
    task,
    user,
)
from strategies import local_midnights, snapshots

MICRO = timedelta(microseconds=1)
UNGROUPED = Config(grouping={rule.id: False for rule in BUILTIN_RULES})
#: The rules' thresholds and a few more: windows open and close at a stamp plus one of these.
OFFSETS = tuple(
    sign * timedelta(**kw)
    for kw in (
        {},
        {"minutes": 10},
        {"hours": 1},
        {"hours": 24},
        {"days": 7},
        {"days": 14},
        {"days": 30},
    )
    for sign in (1, -1)
)


def run(
    snapshot: Snapshot,
    now: datetime,
    user_id: str = "u1",
    *,
    viewer: str | None = None,
    config: Config | None = None,
    rules: Sequence[type[Rule] | Rule] | None = None,
) -> Result:
    """``evaluate`` with rule failures raised, so that a broken rule cannot pass unnoticed."""
    return evaluate(snapshot, now, user_id, viewer=viewer, config=config, rules=rules, strict=True)


def stamps(snapshot: Snapshot) -> set[datetime]:
    """Every instant the snapshot's records hold, in UTC."""
    found = set()
    for name in NAMES:
        for record in snapshot.records(name):
            for value in attrs.astuple(record, recurse=False):  # type: ignore[arg-type]
                if isinstance(value, datetime):
                    found.add(value.astimezone(UTC))
    return found


def probes(snapshot: Snapshot, now: datetime, zone: str, until: datetime) -> list[datetime]:
    """Instants in ``(now, until)`` where something could change: the records' stamps shifted
    by the thresholds (and one microsecond before each), local midnights, and ``until`` less one
    microsecond."""
    near = {s + d for s in stamps(snapshot) for d in OFFSETS}
    near |= {s - MICRO for s in near}
    for days in (0, 1, 2, 8):
        for midnight in local_midnights(now + timedelta(days=days), zone):
            near |= {midnight, midnight - MICRO}
    near.add(until - MICRO)
    return sorted(t for t in near if now < t < until)


def assert_exact(result: Result, snapshot: Snapshot, **kwargs: object) -> None:
    """The claim itself: same actions at every probe before ``next_change_at``, other actions at
    it; with ``None``, the same at every probe up to the last instant ``evaluate`` accepts."""
    change = result.next_change_at
    user_id = result.user_id
    zone = snapshot.user(user_id).timezone  # type: ignore[union-attr]
    until = change if change is not None else LAST_NOW
    for instant in probes(snapshot, result.now, zone, until):
        later = run(snapshot, instant, user_id, **kwargs)  # type: ignore[arg-type]
        assert later.actions == result.actions, (result.now, change, instant)
    if change is None:
        assert run(snapshot, LAST_NOW, user_id, **kwargs).actions == result.actions  # type: ignore[arg-type]
    else:
        assert change > result.now
        assert change.utcoffset() == timedelta(0)
        after = run(snapshot, change, user_id, **kwargs)  # type: ignore[arg-type]
        assert after.actions != result.actions, (result.now, change)


def expect(
    snapshot: Snapshot,
    instant: datetime | None,
    *,
    now: datetime = NOW,
    rules: Sequence[type[Rule] | Rule] | None = None,
    **kwargs: object,
) -> Result:
    """``next_change_at`` is ``instant``, and exact."""
    result = run(snapshot, now, rules=rules, **kwargs)  # type: ignore[arg-type]
    assert result.next_change_at == instant
    assert_exact(result, snapshot, rules=rules, **kwargs)
    return result


# -- the property ------------------------------------------------------------------------------


@st.composite
def cases(draw: st.DrawFn) -> tuple[Snapshot, datetime, str, str | None, Config | None]:
    """A generated snapshot, with dismissals and snoozes of actions it shows at instants around
    ``now``, a super admin who may look, and perhaps a configuration without cards."""
    snapshot, now, user_id = draw(snapshots())
    config = draw(st.sampled_from((None, None, UNGROUPED)))
    records: list[Record] = [r for name in NAMES for r in snapshot.records(name)]
    records.append(User(id="boss", email="boss@acme.test", super_admin=True))
    seen = {
        a.key: a
        for step in (timedelta(0), timedelta(hours=1), timedelta(days=1), timedelta(days=8))
        for a in run(snapshot, now + step, user_id, config=config)
    }
    untils = st.sampled_from(
        (None, now + MICRO, now + timedelta(hours=1), now + timedelta(days=2), now - MICRO)
    )
    for key in draw(st.lists(st.sampled_from(sorted(seen)), max_size=3)) if seen else ():
        until = draw(untils)
        if draw(st.booleans()):
            records.append(dismissal(key, user_id=user_id, until=until))
        elif until is not None:
            members = [rid for _kind, rid in seen[key].subjects] if seen[key].grouped else []
            subject_ids = draw(st.sampled_from(((), tuple(members), tuple(members[:1]))))
            records.append(snooze(key, user_id=user_id, until=until, subject_ids=subject_ids))
    lifecycle = snapshot.lifecycle_stages if snapshot.custom_lifecycle_stages else None
    rebuilt = Snapshot.from_records(records, lifecycle_stages=lifecycle)
    viewer = draw(st.sampled_from((None, None, "boss")))
    return rebuilt, now, user_id, viewer, config


@settings(max_examples=150, deadline=None)
@given(cases())
def test_actions_stay_until_the_next_change_and_differ_at_it(
    case: tuple[Snapshot, datetime, str, str | None, Config | None],
) -> None:
    """At every probed instant in ``[now, next_change_at)`` the actions are those at ``now``
    (one microsecond before it, the records' stamps and thresholds, local midnights); at
    ``next_change_at`` they differ; ``None``: the same up to the last instant."""
    snapshot, now, user_id, viewer, config = case
    result = run(snapshot, now, user_id, viewer=viewer, config=config)
    assert_exact(result, snapshot, viewer=viewer, config=config)


@settings(max_examples=40, deadline=None)
@given(snapshots())
def test_the_next_change_is_the_same_from_any_instant_before_it(
    case: tuple[Snapshot, datetime, str],
) -> None:
    """Asked again from an instant between ``now`` and the change, the answer is the same."""
    snapshot, now, user_id = case
    change = run(snapshot, now, user_id).next_change_at
    if change is not None:
        middle = now + (change - now) / 2
        assert run(snapshot, change - MICRO, user_id).next_change_at == change
        assert run(snapshot, middle, user_id).next_change_at == change


# -- one example per family ----------------------------------------------------------------


class TestWindows:
    def test_a_pending_action_opens(self) -> None:
        """A call 30 minutes old gets its "log the outcome" card when it is an hour old."""
        snapshot = build(call(started_at=at(minutes=-30), status="completed"))
        result = expect(snapshot, at(minutes=30))
        assert not result.actions

    def test_an_action_expires(self) -> None:
        """The card of a call started nearly 7 days ago goes when it is 7 days old."""
        snapshot = build(call(started_at=at(days=-7, hours=1), status="completed"))
        result = expect(snapshot, at(hours=1))
        assert [a.rule for a in result] == ["log_call_outcomes"]

    def test_a_card_gains_a_member(self) -> None:
        snapshot = build(
            call("k1", started_at=at(hours=-2), status="completed"),
            call("k2", started_at=at(minutes=-50), status="completed"),
        )
        expect(snapshot, at(minutes=10))
        assert len(run(snapshot, at(minutes=10))[0].subjects) == 2

    def test_a_card_loses_a_member_and_stays(self) -> None:
        snapshot = build(
            call("k1", started_at=at(days=-7, hours=3), status="completed"),
            call("k2", started_at=at(hours=-2), status="completed"),
        )
        expect(snapshot, at(hours=3))
        assert run(snapshot, at(hours=3))[0].subjects == (("call", "k2"),)

    def test_ungrouped_each_call_is_its_own_change(self) -> None:
        """Without cards, the first of two pending calls opening is the change."""
        snapshot = build(
            call("k1", started_at=at(minutes=-20), status="completed"),
            call("k2", started_at=at(minutes=-50), status="completed"),
        )
        expect(snapshot, at(minutes=10), config=UNGROUPED)

    def test_a_configured_threshold_moves_it(self) -> None:
        config = Config(thresholds={"log_call_outcomes": {"delay": timedelta(hours=2)}})
        snapshot = build(call(started_at=at(minutes=-30), status="completed"))
        expect(snapshot, at(minutes=90), config=config)

    def test_no_time_limit_and_nothing_to_come_is_none(self) -> None:
        """A task in a sequence stays an action while it is open: nothing changes by time."""
        snapshot = build(sequence(), task(sequence_id="s1", sequence_step=1))
        result = expect(snapshot, None)
        assert [a.rule for a in result] == ["sequence_activity"]

    def test_an_empty_snapshot_never_changes(self) -> None:
        expect(build(), None)


class TestLocalDays:
    def test_tomorrow_s_card_appears_at_the_local_midnight(self) -> None:
        """A high-priority task due tomorrow in New York gets its card at midnight there."""
        zone_user = user("u1", "rep@acme.test", timezone="America/New_York")
        snapshot = build(zone_user, task(priority="high", due_at=at(days=1)))
        # NOW is 07:00 in New York: tomorrow begins at 05:00 UTC the next day.
        midnight = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
        result = expect(snapshot, midnight)
        assert not result.actions
        assert run(snapshot, midnight)[0].group == "2026-11-27"

    def test_today_s_card_rolls_over(self) -> None:
        """Today's card ends at the local midnight, and tomorrow's (another key) begins then."""
        zone_user = user("u1", "rep@acme.test", timezone="Asia/Kolkata")
        snapshot = build(
            zone_user,
            task("t1", priority="high", due_at=at(hours=1)),
            task("t2", priority="high", due_at=at(days=1)),
        )
        # NOW is 17:30 in Kolkata: the day ends at 18:30 UTC.
        midnight = datetime(2026, 11, 26, 18, 30, tzinfo=UTC)
        before = expect(snapshot, midnight, rules=[PriorityTasksDueToday])
        after = run(snapshot, midnight, rules=[PriorityTasksDueToday])
        assert before[0].key != after[0].key
        assert after[0].subjects == (("task", "t2"),)


class TestDismissalsAndSnoozes:
    def card(self) -> tuple[Snapshot, str]:
        snapshot = build(call(started_at=at(hours=-2), status="completed"))
        return snapshot, run(snapshot, NOW)[0].key

    def test_a_dismissal_ending_on_a_visible_action(self) -> None:
        snapshot, key = self.card()
        dismissed = build(*records_of(snapshot), dismissal(key, until=at(hours=2)))
        result = expect(dismissed, at(hours=2))
        assert not result.actions

    def test_a_dismissal_ending_after_the_action_expired_changes_nothing(self) -> None:
        snapshot = build(call(started_at=at(days=-7, hours=1), status="completed"))
        key = run(snapshot, NOW)[0].key
        dismissed = build(*records_of(snapshot), dismissal(key, until=at(hours=5)))
        expect(dismissed, None)

    def test_an_action_opening_while_dismissed_comes_at_the_dismissal_s_end(self) -> None:
        snapshot = build(call(started_at=at(minutes=-30), status="completed"))
        key = run(snapshot, at(hours=1))[0].key
        dismissed = build(*records_of(snapshot), dismissal(key, until=at(hours=3)))
        expect(dismissed, at(hours=3))

    def test_a_dismissal_for_good(self) -> None:
        snapshot = build(sequence(), task(sequence_id="s1", sequence_step=1))
        key = run(snapshot, NOW)[0].key
        expect(build(*records_of(snapshot), dismissal(key)), None)

    def test_a_snooze_ending_on_a_visible_action(self) -> None:
        snapshot, key = self.card()
        snoozed = build(*records_of(snapshot), snooze(key, until=at(minutes=45)))
        expect(snoozed, at(minutes=45))

    def test_a_snooze_ending_after_the_action_expired_changes_nothing(self) -> None:
        snapshot = build(call(started_at=at(days=-7, hours=1), status="completed"))
        key = run(snapshot, NOW)[0].key
        expect(build(*records_of(snapshot), snooze(key, until=at(hours=2))), None)

    def test_a_snoozed_card_comes_back_when_a_new_member_joins(self) -> None:
        snapshot = build(
            call("k1", started_at=at(hours=-2), status="completed"),
            call("k2", started_at=at(minutes=-40), status="completed"),
        )
        key = run(snapshot, NOW)[0].key
        snoozed = build(*records_of(snapshot), snooze(key, until=at(days=1), subject_ids=["k1"]))
        expect(snoozed, at(minutes=20))


class TestDataStampedLater:
    """What the rules read changes at a stamp after ``now``: the engine evaluates again there."""

    def test_an_email_you_will_send_ends_the_reply_action(self) -> None:
        snapshot = build(
            contact(),
            outbound_email("r0", sent_at=at(days=-2)),
            inbound_email("e1", sent_at=at(days=-1), in_reply_to="r0", contact_ids=("c1",)),
            outbound_email("r1", sent_at=at(hours=3)),
        )
        result = expect(snapshot, at(hours=3), rules=[EmailReplies])
        assert [a.rule for a in result] == ["email_replies"]

    def test_a_later_record_that_changes_nothing_is_looked_through(self) -> None:
        """A note stamped later is read again, changes nothing, and the expiry still counts."""
        snapshot = build(
            call(started_at=at(days=-7, hours=5), status="completed"), note(created_at=at(hours=1))
        )
        expect(snapshot, at(hours=5))

    def test_a_later_activity_moves_the_update_next_steps_choice(self) -> None:
        """The latest activity 24 hours old is the one the action is dated from: when a later
        one becomes 24 hours old, the action is another (a new key)."""
        snapshot = build(
            deal(),
            note("n1", created_at=at(days=-2), deal_ids=("d1",)),
            note("n2", created_at=at(hours=-1), deal_ids=("d1",)),
        )
        result = expect(snapshot, at(hours=23), rules=[UpdateNextSteps])
        assert result[0].created_at == at(days=-1)

    def test_the_choice_moves_on_behind_a_dismissal(self) -> None:
        """A pending action dismissed for good opens unseen; the next activity's is seen."""
        snapshot = build(
            deal(),
            note("n1", created_at=at(hours=-2), deal_ids=("d1",)),
            note("n2", created_at=at(hours=-1), deal_ids=("d1",)),
        )
        key = run(snapshot, at(hours=22), rules=[UpdateNextSteps])[0].key
        dismissed = build(*records_of(snapshot), dismissal(key))
        expect(dismissed, at(hours=23), rules=[UpdateNextSteps])

    def test_a_contact_created_later_joins_the_associations(self) -> None:
        """The action stays, but its ``contact_ids`` gain the contact when it exists."""
        snapshot = build(
            contact(created_at=at(hours=11)),
            sequence(),
            task(sequence_id="s1", sequence_step=1, contact_ids=("c1",)),
        )
        result = expect(snapshot, at(hours=11))
        assert result[0].contact_ids == ()
        assert run(snapshot, at(hours=11))[0].contact_ids == ("c1",)

    def test_an_email_opened_later_starts_the_buyer_follow_up(self) -> None:
        snapshot = build(
            contact(),
            deal(contact_ids=("c1",)),
            outbound_email("r1", sent_at=at(days=-8), opened_at=at(hours=2), deal_ids=("d1",)),
        )
        expect(snapshot, at(hours=2), rules=[BuyerFollowUp])

    def test_a_task_completed_later_ends_its_action(self) -> None:
        snapshot = build(
            sequence(),
            task(sequence_id="s1", status="completed", completed_at=at(hours=4)),
        )
        expect(snapshot, at(hours=4))


class TestViewerAndRuleSets:
    def test_a_super_admin_viewer_sees_the_same_instant(self) -> None:
        snapshot = build(meeting(start=at(hours=30), title="Pitch"))
        own = expect(snapshot, at(hours=6), rules=[PrepareNextMeeting])
        admin = expect(snapshot, at(hours=6), rules=[PrepareNextMeeting], viewer="admin")
        assert own.next_change_at == admin.next_change_at

    def test_evaluate_all_results_carry_it(self) -> None:
        snapshot = build(
            call("k1", started_at=at(minutes=-30), status="completed"),
            call("k2", owner_id="u2", started_at=at(minutes=-10), status="completed"),
        )
        results = evaluate_all(snapshot, NOW)
        assert results["u1"].next_change_at == at(minutes=30)
        assert results["u2"].next_change_at == at(minutes=50)
        assert results["admin"].next_change_at is None

    def test_a_plugin_rule_with_pending_windows_gets_it(self) -> None:
        """A rule that proposes its window through ``ctx.wants`` is looked ahead for free."""
        snapshot = build(task(due_at=at(hours=5)))
        expect(snapshot, at(hours=5), rules=[DueSoon])

    def test_a_plugin_rule_that_hides_its_pending_windows_is_not_seen_coming(self) -> None:
        """Filtering by ``ctx.now`` itself, without ``revisit_at``, the change is missed."""
        snapshot = build(task(due_at=at(hours=5)))
        assert run(snapshot, NOW, rules=[DueSoonByHand]).next_change_at is None
        assert run(snapshot, at(hours=5), rules=[DueSoonByHand]).actions

    def test_a_plugin_rule_that_says_when_to_revisit(self) -> None:
        snapshot = build(task(due_at=at(hours=5)))
        expect(snapshot, at(hours=5), rules=[DueSoonRevisiting])


class TestResult:
    def test_it_is_not_part_of_equality_and_filters_keep_it(self) -> None:
        snapshot = build(call(started_at=at(minutes=-30), status="completed"))
        result = run(snapshot, NOW)
        made = Result(user_id="u1", now=NOW, actions=())
        assert result == made
        assert result.filter(category="deal").next_change_at == at(minutes=30)
        assert result.top(0).next_change_at == at(minutes=30)

    def test_a_result_made_by_hand_does_not_know_it(self) -> None:
        with pytest.raises(ValueError, match="next change"):
            _ = Result(user_id="u1", now=NOW, actions=()).next_change_at

    def test_a_pickle_keeps_it_once_read(self) -> None:
        snapshot = build(call(started_at=at(minutes=-30), status="completed"))
        result = run(snapshot, NOW)
        with pytest.raises(ValueError, match="pickled"):
            _ = pickle.loads(pickle.dumps(result)).next_change_at
        assert result.next_change_at == at(minutes=30)
        assert pickle.loads(pickle.dumps(result)).next_change_at == at(minutes=30)

    def test_evaluate_results_do_not_change(self) -> None:
        """Reading it leaves the result as it was."""
        snapshot = build(call(started_at=at(minutes=-30), status="completed"))
        result = run(snapshot, NOW)
        before = result.to_dicts()
        _ = result.next_change_at
        assert result.to_dicts() == before == run(snapshot, NOW).to_dicts()


# -- helpers -------------------------------------------------------------------------------


def records_of(snapshot: Snapshot) -> Iterator[Record]:
    for name in NAMES:
        yield from snapshot.records(name)


@attrs.frozen
class DueSoon(Rule):
    """A plugin-style rule: an open task of yours, from its due instant on, for a day."""

    id = "due_soon"
    title = "Due soon"
    category = "general"
    priority = "normal"
    subject_kind = "task"
    criteria = (TASK_OPEN,)

    def propose(self, ctx: RuleContext) -> Iterable[Proposal]:
        for t in ctx.tasks_owned():
            if t.due_at is None or not ctx.wants(t.due_at, t.due_at + timedelta(days=1)):
                continue
            checks = ctx.criteria(lambda t=t: task_open(ctx, t))  # type: ignore[misc]
            if checks is not None:
                yield self.proposal(
                    t.id,
                    created_at=t.due_at,
                    expires_at=t.due_at + timedelta(days=1),
                    checks=checks,
                )


@attrs.frozen
class DueSoonByHand(Rule):
    """The same, filtering by ``ctx.now`` itself (and saying so with ``revisit_at`` or not)."""

    id = "due_soon_by_hand"
    title = "Due soon"
    category = "general"
    priority = "normal"
    subject_kind = "task"
    criteria = (TASK_OPEN,)
    revisit: ClassVar[bool] = False

    def propose(self, ctx: RuleContext) -> Iterable[Proposal]:
        for t in ctx.tasks_owned():
            if t.due_at is None:
                continue
            if t.due_at > ctx.now:
                if self.revisit:
                    ctx.revisit_at(t.due_at)
                continue
            yield self.proposal(
                t.id, created_at=t.due_at, expires_at=None, checks=(task_open(ctx, t),)
            )


@attrs.frozen
class DueSoonRevisiting(DueSoonByHand):
    """The same, saying when to look again with ``ctx.revisit_at``."""

    id = "due_soon_revisiting"
    revisit = True

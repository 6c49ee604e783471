"""Truth table of ``meeting_follow_up`` (SPEC §5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from guided_actions import Action
from guided_actions.rules import MeetingFollowUp
from guided_actions.testing import (
    NOW,
    at,
    build,
    contact,
    meeting,
    run_rule,
    subjects_of,
    task,
)

START = at(hours=-2)
END = at(hours=-1)
EXPIRES = END + timedelta(days=7)
ONE_US = timedelta(microseconds=1)
MET = meeting("m1", start=START, end=END)


def follow_up(id: str = "t1", **fields: Any) -> Any:
    fields.setdefault("meeting_id", "m1")
    fields.setdefault("created_at", at(minutes=-30))
    return task(id, **fields)


def run(*records: Any, now: datetime = NOW, **kwargs: Any) -> list[Action]:
    return run_rule(MeetingFollowUp, build(*records), now, **kwargs)


def fires(*records: Any, now: datetime = NOW, **kwargs: Any) -> bool:
    return ("meeting", "m1") in subjects_of(run(*records, now=now, **kwargs))


class TestDeclaration:
    def test_declared_data_matches_the_table(self) -> None:
        """The rule declares SPEC §5's id, title, category, priority and subject kind."""
        rule = MeetingFollowUp
        assert (rule.id, rule.title, rule.category, rule.priority, rule.subject_kind) == (
            "meeting_follow_up",
            "Follow up on your meeting",
            "general",
            "normal",
            "meeting",
        )
        assert rule.grouped is False
        assert MeetingFollowUp().thresholds() == {"window": timedelta(days=7)}


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """A meeting of yours that ended an hour ago: one action from its start to end + 7 days."""
        actions = run(MET)
        assert len(actions) == 1
        (action,) = actions
        assert action.rule == "meeting_follow_up"
        assert action.title == "Follow up on your meeting"
        assert action.category == "general"
        assert action.subjects == (("meeting", "m1"),)
        assert action.created_at == START
        assert action.expires_at == EXPIRES
        assert action.reasons

    def test_meeting_in_progress(self) -> None:
        """A meeting that has started but not ended counts, dated from its start."""
        (action,) = run(meeting("m1", start=at(minutes=-30), end=at(minutes=30)))
        assert action.created_at == at(minutes=-30)
        assert action.expires_at == at(minutes=30) + timedelta(days=7)

    def test_associations_come_from_the_meeting(self) -> None:
        """The action takes the meeting's own contacts."""
        (action,) = run(contact("c1"), meeting("m1", start=START, end=END, contact_ids=["c1"]))
        assert action.contact_ids == ("c1",)

    def test_one_action_per_meeting(self) -> None:
        """The rule does not group: two meetings give two actions."""
        other = meeting("m2", start=at(days=-2), end=at(days=-2, hours=1))
        actions = run(MET, other)
        assert sorted(a.subjects for a in actions) == [(("meeting", "m1"),), (("meeting", "m2"),)]


class TestCriteria:
    def test_someone_elses_meeting(self) -> None:
        """Only a meeting you own qualifies."""
        assert fires(meeting("m1", owner_id="u2", start=START, end=END)) is False

    @pytest.mark.parametrize(
        ("start", "expected"),
        [(NOW + ONE_US, False), (NOW, True), (NOW - ONE_US, True)],
        ids=["starts-after-now", "starts-now", "started"],
    )
    def test_start_has_passed(self, start: datetime, expected: bool) -> None:
        """The meeting counts from its start on (``start`` == ``now`` included)."""
        assert fires(meeting("m1", start=start, end=start + timedelta(hours=1))) is expected

    @pytest.mark.parametrize(
        ("end", "expected"),
        [
            (NOW - timedelta(days=7) + ONE_US, True),
            (NOW - timedelta(days=7), False),
            (NOW - timedelta(days=8), False),
        ],
        ids=["under-7-days-ago", "exactly-7-days-ago", "8-days-ago"],
    )
    def test_ended_less_than_7_days_ago(self, end: datetime, expected: bool) -> None:
        """A meeting that ended exactly 7 days ago is no longer within 7 days."""
        assert fires(meeting("m1", start=end - timedelta(hours=1), end=end)) is expected


class TestFollowUpTasks:
    @pytest.mark.parametrize(
        ("tasks", "expected"),
        [
            ((), True),
            ((follow_up(),), True),
            ((follow_up(status="deferred"),), True),
            ((follow_up(status="completed", completed_at=at(minutes=-5)),), False),
            (
                (
                    follow_up("t1", status="completed", completed_at=at(minutes=-5)),
                    follow_up("t2", status="completed", completed_at=at(minutes=-1)),
                ),
                False,
            ),
            (
                (
                    follow_up("t1", status="completed", completed_at=at(minutes=-5)),
                    follow_up("t2", status="in_progress"),
                ),
                True,
            ),
            ((follow_up(status="completed", completed_at=NOW + ONE_US),), True),
            ((follow_up(status="completed", owner_id="u2", completed_at=at(minutes=-5)),), False),
            ((follow_up(status="completed", completed_at=None, created_at=at(hours=1)),), True),
        ],
        ids=[
            "none",
            "one-open",
            "one-deferred",
            "one-completed",
            "all-completed",
            "one-completed-one-open",
            "completed-after-now",
            "completed-by-someone-else",
            "created-after-now",
        ],
    )
    def test_all_completed_ends_it(self, tasks: tuple[Any, ...], expected: bool) -> None:
        """It ends once the meeting has follow-up tasks and every one is completed by now."""
        assert fires(MET, *tasks) is expected

    def test_another_meetings_tasks_do_not_count(self) -> None:
        """A completed follow-up of another meeting does not end this one's action."""
        other = meeting("m2", start=at(days=-3), end=at(days=-3, hours=1))
        done = follow_up(meeting_id="m2", status="completed", completed_at=at(minutes=-5))
        assert fires(MET, other, done) is True
        assert ("meeting", "m2") not in subjects_of(run(MET, other, done))


class TestTime:
    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (START - ONE_US, False),
            (START, True),
            (EXPIRES - ONE_US, True),
            (EXPIRES, False),
        ],
        ids=["before-created", "at-created", "before-expiry", "at-expiry"],
    )
    def test_from_start_to_end_plus_7_days(self, now: datetime, expected: bool) -> None:
        """Active from ``start`` (inclusive) to ``end`` + 7 days (exclusive)."""
        assert fires(MET, now=now) is expected

    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (EXPIRES, True),
            (END + timedelta(days=10) - ONE_US, True),
            (END + timedelta(days=10), False),
        ],
        ids=["old-expiry", "before-new-expiry", "at-new-expiry"],
    )
    def test_window_override(self, now: datetime, expected: bool) -> None:
        """A ``window`` of 10 days keeps the action until ``end`` + 10 days."""
        actions = run(MET, now=now, window=timedelta(days=10))
        assert bool(actions) is expected
        if actions:
            assert actions[0].expires_at == END + timedelta(days=10)


class TestReasons:
    def test_reasons_name_each_criterion_and_its_data(self) -> None:
        """The reasons list, in order, each criterion met and the data that met it."""
        records = (
            meeting("m1", start=START, end=END, title="Demo"),
            follow_up("t1"),
            follow_up("t2", status="completed", completed_at=at(minutes=-10)),
        )
        (action,) = run(*records)
        assert action.reasons == (
            "meeting m1 'Demo' is yours",
            "meeting m1 'Demo' started at 2026-11-26T10:00+00:00",
            "meeting m1 'Demo' has no follow-up task, or one still open (1 open of 2)",
            "the action lives 7 days after the end of meeting m1 'Demo'"
            " (2026-11-26T11:00+00:00), until 2026-12-03T11:00+00:00",
        )

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_failing_meeting_does_not_stop_the_others(self, reverse: bool) -> None:
        """A meeting that has not started is skipped; the next meeting is still checked."""
        records: list[Any] = [meeting("m0", start=at(hours=1)), MET]
        actions = run(*(reversed(records) if reverse else records))
        assert subjects_of(actions) == [("meeting", "m1")]

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_meeting_followed_up_does_not_stop_the_others(self, reverse: bool) -> None:
        """A meeting whose follow-ups are all done fails a later criterion; the next one fires."""
        records: list[Any] = [
            meeting("m0", start=START, end=END),
            follow_up("t0", meeting_id="m0", status="completed", completed_at=at(minutes=-10)),
            MET,
        ]
        actions = run(*(reversed(records) if reverse else records))
        assert subjects_of(actions) == [("meeting", "m1")]

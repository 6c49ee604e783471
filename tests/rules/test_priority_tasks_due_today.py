"""Truth table of ``priority_tasks_due_today`` (SPEC §5): high-priority tasks due today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from guided_actions import Task
from guided_actions._model.records import Record
from guided_actions.errors import InvalidConfigError
from guided_actions.rules import PriorityTasksDueToday
from guided_actions.testing import NOW, at, build, explain_rule, run_rule, task, user

US = timedelta(microseconds=1)
NEW_YORK = user("u1", "rep@acme.test", timezone="America/New_York")
PARIS = user("u1", "rep@acme.test", timezone="Europe/Paris")
# NOW is Thursday 2026-11-26 12:00 UTC, 07:00 in New York (EST, UTC-5).
TODAY_START = datetime(2026, 11, 26, 5, tzinfo=UTC)
TODAY_END = datetime(2026, 11, 27, 5, tzinfo=UTC)
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def urgent(id: str = "t1", **fields: Any) -> Task:
    """An open high-priority task of yours due at 10:00 today in New York."""
    fields.setdefault("priority", "high")
    fields.setdefault("due_at", at(hours=3))
    fields.setdefault("created_at", LONG_AGO)
    return task(id, **fields)


def subjects(*records: Record, now=NOW, who=NEW_YORK, **options) -> list:
    actions = run_rule(PriorityTasksDueToday, build(who, *records), now, **options)
    return [s for a in actions for s in a.subjects]


class TestDeclaration:
    def test_declared_data_matches_the_table(self) -> None:
        """The class declares SPEC §5's id, title, category, priority and subject kind."""
        rule = PriorityTasksDueToday
        assert (rule.id, rule.title, rule.category, rule.priority, rule.subject_kind) == (
            "priority_tasks_due_today",
            "Priority tasks due today",
            "general",
            "high",
            "task",
        )

    def test_grouped_by_default(self) -> None:
        """SPEC §6 puts all of today's priority tasks in one card by default."""
        assert PriorityTasksDueToday.grouped is True


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """One high-priority task due today: one card from local midnight to the next."""
        [action] = run_rule(PriorityTasksDueToday, build(NEW_YORK, urgent()), NOW)
        assert action.rule == "priority_tasks_due_today"
        assert action.title == "Priority tasks due today"
        assert action.category == "general"
        assert action.subjects == (("task", "t1"),)
        assert action.created_at == TODAY_START
        assert action.expires_at == TODAY_END
        assert action.reasons
        assert action.key.startswith("priority_tasks_due_today:")

    def test_utc_user(self) -> None:
        """A user without a time zone reads today in UTC."""
        [action] = run_rule(PriorityTasksDueToday, build(urgent()), NOW)
        assert action.created_at == datetime(2026, 11, 26, tzinfo=UTC)
        assert action.expires_at == datetime(2026, 11, 27, tzinfo=UTC)


class TestCriteria:
    @pytest.mark.parametrize(
        ("priority", "expected"),
        [("high", True), ("medium", False), ("low", False), ("none", False)],
    )
    def test_priority_must_be_high(self, priority: str, expected: bool) -> None:
        """Only ``high`` priority tasks count."""
        assert bool(subjects(urgent(priority=priority))) is expected

    @pytest.mark.parametrize(
        ("status", "completed_at", "expected"),
        [
            ("not_started", None, True),
            ("in_progress", None, True),
            ("waiting", None, True),
            ("deferred", None, True),
            ("completed", at(hours=-1), False),
            ("completed", None, False),
            ("completed", at(hours=1), True),
        ],
        ids=[
            "not-started",
            "in-progress",
            "waiting",
            "deferred",
            "completed",
            "completed-unstamped",
            "completed-after-now",
        ],
    )
    def test_task_must_be_open(self, status, completed_at, expected: bool) -> None:
        """A task is open unless completed (a completion stamped after ``now`` has not happened)."""
        assert bool(subjects(urgent(status=status, completed_at=completed_at))) is expected

    def test_someone_elses_task(self) -> None:
        """A task owned by another user is not yours."""
        assert subjects(urgent(owner_id="u2")) == []

    def test_task_without_due_date(self) -> None:
        """A task with no ``due_at`` is not due today."""
        assert subjects(urgent(due_at=None)) == []

    def test_task_created_after_now(self) -> None:
        """A task created after ``now`` does not exist yet."""
        assert subjects(urgent(created_at=at(hours=1))) == []

    @pytest.mark.parametrize(
        ("due_at", "expected"),
        [
            (TODAY_START - US, False),
            (TODAY_START, True),
            (at(hours=-6), True),
            (TODAY_END - US, True),
            (TODAY_END, False),
            (at(days=-3), False),
            (at(days=3), False),
        ],
        ids=[
            "yesterday-23:59",
            "midnight",
            "overdue-earlier-today",
            "23:59",
            "tomorrow",
            "days-ago",
            "days-ahead",
        ],
    )
    def test_due_today_in_your_time_zone(self, due_at, expected: bool) -> None:
        """Due on today's calendar date in New York, from midnight to the next midnight."""
        assert bool(subjects(urgent(due_at=due_at))) is expected

    def test_utc_tomorrow_is_new_york_today(self) -> None:
        """Due 02:00 UTC tomorrow is 21:00 today in New York, but tomorrow in UTC."""
        due = datetime(2026, 11, 27, 2, tzinfo=UTC)
        assert subjects(urgent(due_at=due)) == [("task", "t1")]
        assert subjects(urgent(due_at=due), who=user("u1", "rep@acme.test")) == []

    def test_now_given_in_another_zone(self) -> None:
        """The same instant written in New York time gives the same card as in UTC."""
        local_now = NOW.astimezone(ZoneInfo("America/New_York"))
        [action] = run_rule(PriorityTasksDueToday, build(NEW_YORK, urgent()), local_now)
        [same] = run_rule(PriorityTasksDueToday, build(NEW_YORK, urgent()), NOW)
        assert (action.key, action.created_at, action.expires_at) == (
            same.key,
            TODAY_START,
            TODAY_END,
        )

    def test_paris_today(self) -> None:
        """In Paris (UTC+1), today began at 23:00 UTC the day before."""
        due = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
        [action] = run_rule(PriorityTasksDueToday, build(PARIS, urgent(due_at=due)), NOW)
        assert action.created_at == datetime(2026, 11, 25, 23, tzinfo=UTC)
        assert action.expires_at == datetime(2026, 11, 26, 23, tzinfo=UTC)


class TestTime:
    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (TODAY_START - US, False),
            (TODAY_START, True),
            (TODAY_END - US, True),
            (TODAY_END, False),
        ],
        ids=["created-1us", "created", "expires-1us", "expires"],
    )
    def test_window(self, now, expected: bool) -> None:
        """Present from local midnight (included) until the next local midnight (excluded)."""
        actions = run_rule(PriorityTasksDueToday, build(NEW_YORK, urgent()), now)
        assert bool(actions) is expected
        if expected:
            assert (actions[0].created_at, actions[0].expires_at) == (TODAY_START, TODAY_END)

    @pytest.mark.parametrize(
        ("who", "start", "end"),
        [
            (NEW_YORK, datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 11, 2, 5, tzinfo=UTC)),
            (NEW_YORK, datetime(2026, 3, 8, 5, tzinfo=UTC), datetime(2026, 3, 9, 4, tzinfo=UTC)),
            (PARIS, datetime(2026, 10, 24, 22, tzinfo=UTC), datetime(2026, 10, 25, 23, tzinfo=UTC)),
            (PARIS, datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC)),
        ],
        ids=["new-york-25h", "new-york-23h", "paris-25h", "paris-23h"],
    )
    def test_daylight_saving_change_day(self, who, start, end) -> None:
        """On a daylight-saving change day the local day, and the card, lasts 23 or 25 hours."""
        assert end - start in (timedelta(hours=23), timedelta(hours=25))
        last_minute = end - timedelta(minutes=1)
        for now in (start, end - US):
            [action] = run_rule(PriorityTasksDueToday, build(who, urgent(due_at=last_minute)), now)
            assert (action.created_at, action.expires_at) == (start, end)
        assert run_rule(PriorityTasksDueToday, build(who, urgent(due_at=last_minute)), end) == []
        assert run_rule(PriorityTasksDueToday, build(who, urgent(due_at=end)), start) == []
        assert run_rule(PriorityTasksDueToday, build(who, urgent(due_at=start - US)), start) == []


class TestGrouping:
    def test_one_card_for_the_day(self) -> None:
        """All of today's priority tasks share one card, ordered by created_at then id."""
        records = [
            urgent("tb", due_at=at(hours=1)),
            urgent("ta", due_at=at(hours=5)),
            urgent("tc", due_at=at(hours=-2)),
            urgent("tz", due_at=at(days=1)),
            urgent("tm", priority="medium"),
        ]
        [card] = run_rule(PriorityTasksDueToday, build(NEW_YORK, *records), NOW)
        assert card.subjects == (("task", "ta"), ("task", "tb"), ("task", "tc"))
        assert (card.created_at, card.expires_at) == (TODAY_START, TODAY_END)
        assert card.reasons

    def test_card_key_survives_members_changing(self) -> None:
        """The day's card keeps its key when a task joins it or is completed."""
        one = run_rule(PriorityTasksDueToday, build(NEW_YORK, urgent("t1")), NOW)
        two = run_rule(
            PriorityTasksDueToday,
            build(NEW_YORK, urgent("t1", status="completed"), urgent("t2"), urgent("t3")),
            NOW,
        )
        assert two[0].subjects == (("task", "t2"), ("task", "t3"))
        assert one[0].key == two[0].key

    def test_key_changes_from_one_local_day_to_the_next(self) -> None:
        """Tomorrow's card (local date) has a new key; the same day's card keeps it."""
        tomorrow_due = TODAY_END + timedelta(hours=3)
        snapshot = build(NEW_YORK, urgent("t1"), urgent("t2", due_at=tomorrow_due))
        [early] = run_rule(PriorityTasksDueToday, snapshot, TODAY_START)
        [late] = run_rule(PriorityTasksDueToday, snapshot, TODAY_END - US)
        [next_day] = run_rule(PriorityTasksDueToday, snapshot, TODAY_END)
        assert early.key == late.key
        assert next_day.key != early.key
        assert next_day.subjects == (("task", "t2"),)
        assert next_day.created_at == TODAY_END

    def test_key_follows_the_local_date_not_the_utc_date(self) -> None:
        """Two instants on the same UTC date but different New York dates give different keys."""
        snapshot = build(
            NEW_YORK,
            urgent("t1", due_at=datetime(2026, 11, 26, 4, tzinfo=UTC)),
            urgent("t2", due_at=datetime(2026, 11, 26, 6, tzinfo=UTC)),
        )
        [before] = run_rule(PriorityTasksDueToday, snapshot, datetime(2026, 11, 26, 1, tzinfo=UTC))
        [after] = run_rule(PriorityTasksDueToday, snapshot, datetime(2026, 11, 26, 6, tzinfo=UTC))
        assert before.subjects == (("task", "t1"),)
        assert after.subjects == (("task", "t2"),)
        assert before.key != after.key

    def test_ungrouped_gives_one_action_per_task(self) -> None:
        """With grouping off, each task is its own action with its own key."""
        records = [urgent("t1"), urgent("t2", due_at=at(hours=5))]
        actions = run_rule(PriorityTasksDueToday, build(NEW_YORK, *records), NOW, grouped=False)
        assert sorted(a.subjects for a in actions) == [(("task", "t1"),), (("task", "t2"),)]
        assert len({a.key for a in actions}) == 2
        assert all((a.created_at, a.expires_at) == (TODAY_START, TODAY_END) for a in actions)


class TestThresholds:
    def test_no_thresholds(self) -> None:
        """The rule has no thresholds: "today" is a calendar day, and overriding one is an error."""
        assert PriorityTasksDueToday().thresholds() == {}
        with pytest.raises(InvalidConfigError):
            run_rule(PriorityTasksDueToday, build(NEW_YORK, urgent()), NOW, lifetime=US)


class TestReasons:
    def test_reasons_name_each_criterion_and_its_data(self) -> None:
        """The reasons name the task, its priority, and its due time in your own time zone."""
        records = (NEW_YORK, urgent(title="Call back"))
        [action] = run_rule(PriorityTasksDueToday, build(*records), NOW)
        assert action.reasons == (
            "task t1 'Call back' is yours",
            "task t1 'Call back' is open (status not_started)",
            "task t1 'Call back' has high priority",
            "task t1 'Call back' is due at 2026-11-26T10:00-05:00",
            "the day task t1 'Call back' is due, 2026-11-26 (America/New_York), has begun",
            "the day task t1 'Call back' is due, 2026-11-26, ends at 2026-11-27T00:00-05:00",
        )

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_task_not_due_today_does_not_stop_the_others(self, reverse: bool) -> None:
        """Tasks due yesterday or tomorrow are skipped; the next task due today still counts."""
        records = [
            urgent("t0", due_at=at(days=-1)),
            urgent("t2", due_at=at(days=1)),
            urgent("t1"),
        ]
        assert subjects(*(reversed(records) if reverse else records)) == [("task", "t1")]


def explained(record: Task, now: datetime = NOW) -> tuple[Any, ...]:
    entry = explain_rule(PriorityTasksDueToday, build(NEW_YORK, record), "task:t1", now)
    checks = [(c["criterion"], c["met"], c["text"]) for c in entry.to_dict()["checks"]]
    return entry.status, entry.created_at, entry.expires_at, checks


TASK_MET = [
    ("owned_by_you", True, "task t1 is yours"),
    ("task_open", True, "task t1 is open (status not_started)"),
    ("task_high_priority", True, "task t1 has high priority"),
]


class TestExplain:
    def test_due_tomorrow_is_pending_for_its_own_day(self) -> None:
        """A task due another day is explained with the window of that local day (21:00 in
        New York is already the next day in UTC)."""
        assert explained(urgent(due_at=datetime(2026, 11, 28, 2, tzinfo=UTC))) == (
            "pending",
            TODAY_START + timedelta(days=1),
            TODAY_END + timedelta(days=1),
            [
                *TASK_MET,
                ("task_has_due_date", True, "task t1 is due at 2026-11-27T21:00-05:00"),
                (
                    "due_day_begun",
                    False,
                    "the day task t1 is due, 2026-11-27 (America/New_York), has not begun:"
                    " it begins at 2026-11-27T00:00-05:00",
                ),
                (
                    "due_day_not_over",
                    True,
                    "the day task t1 is due, 2026-11-27, ends at 2026-11-28T00:00-05:00",
                ),
            ],
        )

    @pytest.mark.parametrize(
        ("now", "status", "over"),
        [
            (
                TODAY_START - US,
                "active",
                ("due_day_not_over", True, "the day task t1 is due, 2026-11-25, ends at"),
            ),
            (
                TODAY_START,
                "expired",
                ("due_day_not_over", False, "the day task t1 was due, 2026-11-25, ended at"),
            ),
        ],
        ids=["last-instant", "at-its-end"],
    )
    def test_due_yesterday_expired_at_the_end_of_its_day(
        self, now: datetime, status: str, over: tuple[str, bool, str]
    ) -> None:
        """A task due yesterday has expired from the first instant of today."""
        assert explained(urgent(due_at=at(days=-1)), now) == (
            status,
            TODAY_START - timedelta(days=1),
            TODAY_START,
            [
                *TASK_MET,
                ("task_has_due_date", True, "task t1 is due at 2026-11-25T07:00-05:00"),
                (
                    "due_day_begun",
                    True,
                    "the day task t1 is due, 2026-11-25 (America/New_York), has begun",
                ),
                (over[0], over[1], f"{over[2]} 2026-11-26T00:00-05:00"),
            ],
        )

    def test_no_due_date(self) -> None:
        """Without a due date there is no day: no window, and the day criteria say so."""
        assert explained(urgent(due_at=None)) == (
            "unmet",
            None,
            None,
            [
                *TASK_MET,
                ("task_has_due_date", False, "task t1 has no due date"),
                ("due_day_begun", False, "task t1 has no due day to wait for"),
                ("due_day_not_over", True, "task t1 has no due day that could be over"),
            ],
        )

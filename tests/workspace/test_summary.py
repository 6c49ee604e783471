"""The sales workspace: tasks, sequence cards, schedule, insights, feed, viewers, dashboards."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from guided_actions import (
    Config,
    Dashboard,
    Feedback,
    evaluate,
    feedback_summary,
    summarize,
    visible_dashboards,
)
from guided_actions.errors import UnknownUserError, ViewerPermissionError
from guided_actions.testing import (
    at,
    build,
    call,
    contact,
    email,
    engagement,
    meeting,
    sequence,
    task,
    user,
)

PARIS = ZoneInfo("Europe/Paris")
REP = user("u1", "rep@acme.test", timezone="Europe/Paris")


def paris(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    """A wall-clock time in Paris, as an aware instant."""
    return datetime(year, month, day, hour, minute, second, us, tzinfo=PARIS)


# 2026-03-29 is the day Paris moves to summer time: the local day lasts 23 hours.
DST_NOW = paris(2026, 3, 29, 12, 0)
# An ordinary day.
NOW = paris(2026, 11, 26, 12, 0)


def views(*records, now=NOW):
    return summarize(build(REP, *records), now, "u1").to_dict()


class TestTaskViews:
    @pytest.mark.parametrize(
        ("due", "view"),
        [
            (paris(2026, 11, 26, 0, 0), "due_today"),
            (paris(2026, 11, 25, 23, 59, 59, 999999), "overdue"),
            (paris(2026, 11, 26, 23, 59, 59, 999999), "due_today"),
            (paris(2026, 11, 27, 0, 0), "due_tomorrow"),
            (paris(2026, 11, 27, 23, 59, 59, 999999), "due_tomorrow"),
            (paris(2026, 11, 28, 0, 0), None),
            (paris(2026, 10, 1, 9, 0), "overdue"),
        ],
    )
    def test_calendar_day_boundaries_in_the_users_zone(self, due, view):
        """A task lands in exactly one view, by its due date's calendar day in Paris."""
        tasks = views(task("t1", due_at=due))["tasks"]
        placed = [name for name, ids in tasks.items() if "t1" in ids]
        assert placed == ([view] if view else [])

    @pytest.mark.parametrize(
        ("due", "view"),
        [
            (paris(2026, 3, 29, 0, 0), "due_today"),
            (paris(2026, 3, 28, 23, 59, 59), "overdue"),
            (paris(2026, 3, 29, 23, 30), "due_today"),
            (paris(2026, 3, 30, 0, 0), "due_tomorrow"),
            (paris(2026, 3, 30, 23, 59), "due_tomorrow"),
            (paris(2026, 3, 31, 0, 0), None),
        ],
    )
    def test_daylight_saving_change_day(self, due, view):
        """On the 23-hour day of the change to summer time, today is still midnight to midnight."""
        tasks = views(task("t1", due_at=due, created_at=paris(2026, 1, 1)), now=DST_NOW)["tasks"]
        placed = [name for name, ids in tasks.items() if "t1" in ids]
        assert placed == ([view] if view else [])

    def test_completed_and_not_yet_created_tasks_are_left_out(self):
        """Completed tasks are in no view; a task created after now does not exist yet."""
        tasks = views(
            task("done", due_at=NOW, status="completed", completed_at=at(hours=-1, base=NOW)),
            task("future", due_at=NOW, created_at=at(hours=1, base=NOW)),
            task("later", due_at=NOW, status="completed", completed_at=at(hours=1, base=NOW)),
        )["tasks"]
        assert tasks == {"due_today": ["later"], "overdue": [], "due_tomorrow": []}

    def test_queue_order(self):
        """Earliest due first, then priority high to none, then id."""
        due = paris(2026, 11, 26, 15, 0)
        tasks = views(
            task("b-none", due_at=due),
            task("a-none", due_at=due),
            task("z-high", due_at=due, priority="high"),
            task("m-medium", due_at=due, priority="medium"),
            task("early-low", due_at=due - timedelta(hours=1), priority="low"),
        )["tasks"]
        assert tasks["due_today"] == ["early-low", "z-high", "m-medium", "a-none", "b-none"]

    def test_other_users_tasks_are_not_shown(self):
        """Only the user's own tasks appear."""
        assert views(task("t2", owner_id="u2", due_at=NOW))["tasks"]["due_today"] == []


class TestSequenceCards:
    def test_cards_by_name_then_id_with_steps_ascending(self):
        """One card per sequence with open tasks; steps ascending; open tasks in queue order."""
        due = paris(2026, 11, 26, 15, 0)
        summary = views(
            sequence("s2", name="Alpha"),
            sequence("s1", name="Beta"),
            sequence("s3", name="Gamma"),
            task("t3", sequence_id="s1", sequence_step=2, due_at=due),
            task("t1", sequence_id="s1", sequence_step=1, due_at=due + timedelta(hours=1)),
            task("t2", sequence_id="s1", sequence_step=1, due_at=due),
            task("t4", sequence_id="s2", sequence_step=1),
            task(
                "t5",
                sequence_id="s3",
                sequence_step=1,
                status="completed",
                completed_at=at(hours=-1, base=NOW),
            ),
        )
        assert summary["sequences"] == [
            {
                "sequence_id": "s2",
                "name": "Alpha",
                "steps": [{"step": 1, "task_ids": ["t4"]}],
                "task_ids": ["t4"],
            },
            {
                "sequence_id": "s1",
                "name": "Beta",
                "steps": [{"step": 1, "task_ids": ["t2", "t1"]}, {"step": 2, "task_ids": ["t3"]}],
                "task_ids": ["t2", "t3", "t1"],
            },
        ]


class TestScheduleAndInsights:
    def test_todays_meetings_by_start(self):
        """The schedule lists meetings starting today in the user's zone, by start."""
        summary = views(
            meeting("m2", start=paris(2026, 11, 26, 15, 0), title="Review"),
            meeting("m1", start=paris(2026, 11, 26, 0, 0), title="Early"),
            meeting("m0", start=paris(2026, 11, 25, 23, 59), title="Yesterday"),
            meeting("m3", start=paris(2026, 11, 27, 0, 0), title="Tomorrow"),
        )
        assert [m["meeting_id"] for m in summary["schedule"]] == ["m1", "m2"]
        assert summary["schedule"][1] == {
            "meeting_id": "m2",
            "start": "2026-11-26T14:00:00+00:00",
            "end": "2026-11-26T15:00:00+00:00",
            "title": "Review",
        }
        assert summary["insights"]["meetings_today"] == {"count": 2, "ids": ["m1", "m2"]}

    def test_insights_match_the_views(self):
        """Counts come with the ids behind them, in the matching view's order."""
        summary = views(
            task("t1", due_at=paris(2026, 11, 26, 18, 0)),
            task("t0", due_at=paris(2026, 11, 20, 9, 0)),
            task("c2", status="completed", completed_at=paris(2026, 11, 26, 11, 0)),
            task("c1", status="completed", completed_at=paris(2026, 11, 26, 9, 0)),
            task("c0", status="completed", completed_at=paris(2026, 11, 25, 23, 0)),
        )
        insights = summary["insights"]
        assert insights["tasks_due_today"] == {"count": 1, "ids": ["t1"]}
        assert insights["overdue_tasks"] == {"count": 1, "ids": ["t0"]}
        assert insights["tasks_completed_today"] == {"count": 2, "ids": ["c1", "c2"]}


class TestFeed:
    def test_newest_first_only_the_past_and_within_the_window(self):
        """The feed is newest first, ignores the future and what is 7 days old or older."""
        summary = views(
            contact("c1", email="ann@client.test"),
            email("e1", sent_at=at(hours=-1, base=NOW), to=["ann@client.test"]),
            email(
                "e2",
                direction="inbound",
                sent_at=at(hours=-2, base=NOW),
                from_address="ann@client.test",
                to=["rep@acme.test"],
            ),
            email("e3", sent_at=at(hours=1, base=NOW), to=["ann@client.test"]),
            call("k1", started_at=at(days=-7, base=NOW), status="completed"),
            call("k2", started_at=at(days=-7, microseconds=1, base=NOW), status="completed"),
            engagement("ev1", contact_id="c1", occurred_at=at(hours=-3, base=NOW)),
            task("t1", status="completed", completed_at=at(hours=-4, base=NOW), title="Send deck"),
        )
        feed = summary["feed"]
        assert [(e["kind"], e["id"]) for e in feed] == [
            ("email", "e1"),
            ("email", "e2"),
            ("engagement_event", "ev1"),
            ("task", "t1"),
            ("call", "k2"),
        ]
        assert feed[0]["at"] == "2026-11-26T10:00:00+00:00"
        assert all(e["text"] for e in feed)

    def test_ties_by_kind_then_id_and_the_limit(self):
        """Entries at the same instant are ordered by kind then id; the limit keeps the newest."""
        when = at(hours=-1, base=NOW)
        snapshot = build(
            REP,
            call("k2", started_at=when),
            call("k1", started_at=when),
            email("e9", sent_at=when),
            email("e8", sent_at=at(hours=-2, base=NOW)),
        )
        feed = summarize(snapshot, NOW, "u1", config=Config(feed_limit=3)).to_dict()["feed"]
        assert [(e["kind"], e["id"]) for e in feed] == [
            ("call", "k1"),
            ("call", "k2"),
            ("email", "e9"),
        ]


class TestViewers:
    SNAPSHOT = build(
        REP,
        contact("c1", email="ann@client.test", company_ids=[]),
        meeting(
            "m1",
            start=paris(2026, 11, 26, 11, 30),
            end=paris(2026, 11, 26, 11, 45),
            title="Secret merger talk",
            contact_ids=["c1"],
        ),
        meeting(
            "m2", start=paris(2026, 11, 26, 15, 0), title="Confidential pricing", contact_ids=["c1"]
        ),
    )

    def test_a_user_views_their_own_workspace(self):
        """Viewing yourself shows meeting titles."""
        summary = summarize(self.SNAPSHOT, NOW, "u1", viewer="u1").to_dict()
        assert [m["title"] for m in summary["schedule"]] == [
            "Secret merger talk",
            "Confidential pricing",
        ]

    def test_super_admin_sees_meetings_as_busy_everywhere(self):
        """No meeting title, attendee or association appears anywhere in the admin's view."""
        summary = summarize(self.SNAPSHOT, NOW, "u1", viewer="admin").to_dict()
        assert [m["title"] for m in summary["schedule"]] == ["Busy", "Busy"]
        assert {a["rule"] for a in summary["actions"]} >= {
            "meeting_follow_up",
            "prepare_next_meeting",
        }
        # Walk every string of the summary except the schedule titles we just checked.
        strings = list(_strings(summary))
        for secret in ("Secret merger talk", "Confidential pricing"):
            assert not any(secret in s for s in strings)
        for action in summary["actions"]:
            if action["subjects"][0]["kind"] == "meeting":
                assert action["contact_ids"] == []
                assert action["company_ids"] == []
                assert not any("c1" in r or "ann@" in r for r in action["reasons"])

    def test_the_same_masking_in_evaluate(self):
        """evaluate() with a super admin viewer masks meetings the same way."""
        text = json.dumps(evaluate(self.SNAPSHOT, NOW, "u1", viewer="admin").to_dicts())
        assert "Secret" not in text
        assert "Confidential" not in text
        own = json.dumps(evaluate(self.SNAPSHOT, NOW, "u1").to_dicts())
        assert "Confidential pricing" in own

    def test_anyone_else_is_refused(self):
        """A non-admin viewing another user gets the permission error (a PermissionError)."""
        with pytest.raises(ViewerPermissionError) as info:
            summarize(self.SNAPSHOT, NOW, "u1", viewer="u2")
        assert isinstance(info.value, PermissionError)
        with pytest.raises(UnknownUserError):
            summarize(self.SNAPSHOT, NOW, "u1", viewer="nobody")

    def test_to_dict_has_exactly_the_pinned_keys(self):
        """The summary's keys are pinned."""
        summary = summarize(self.SNAPSHOT, NOW, "u1").to_dict()
        assert list(summary) == ["tasks", "sequences", "schedule", "insights", "feed", "actions"]
        assert list(summary["insights"]) == [
            "meetings_today",
            "tasks_due_today",
            "overdue_tasks",
            "tasks_completed_today",
        ]
        json.dumps(summary)


def _strings(value, path=()):
    """Every string in a JSON-like value, except schedule titles (masked separately)."""
    if isinstance(value, str):
        if path[-1:] != ("title",) or "schedule" not in path:
            yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v, (*path, k))
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, path)


class TestDashboards:
    def test_visibility(self):
        """Confirmed dashboards for everyone or for one of the user's teams; unconfirmed: nobody."""
        rep = user("u1", team_ids=["east"])
        boards = [
            Dashboard(id="all", access="everyone", view_access_confirmed=True),
            Dashboard(id="east", access=["east", "north"], view_access_confirmed=True),
            Dashboard(id="west", access=["west"], view_access_confirmed=True),
            Dashboard(id="draft", access="everyone"),
        ]
        assert [d.id for d in visible_dashboards(boards, rep)] == ["all", "east"]
        assert [d.id for d in visible_dashboards(boards, user("u2"))] == ["all"]


def test_feedback_summary_counts_per_rule_and_user():
    """Verdicts are counted per rule (from the key prefix) and per user."""
    when = datetime(2026, 11, 1, tzinfo=UTC)
    snapshot = build(
        Feedback(user_id="u1", action_key="email_replies:abc", verdict="yes", at=when),
        Feedback(user_id="u1", action_key="email_replies:def", verdict="not_really", at=when),
        Feedback(user_id="u2", action_key="email_replies:abc", verdict="yes", at=when),
        Feedback(user_id="u2", action_key="log_call_outcomes:x", verdict="not_really", at=when),
    )
    assert feedback_summary(snapshot).to_dict() == {
        "by_rule": {
            "email_replies": {"yes": 2, "not_really": 1},
            "log_call_outcomes": {"yes": 0, "not_really": 1},
        },
        "by_user": {
            "u1": {"email_replies": {"yes": 1, "not_really": 1}},
            "u2": {
                "email_replies": {"yes": 1, "not_really": 0},
                "log_call_outcomes": {"yes": 0, "not_really": 1},
            },
        },
    }


def test_summarize_runs_the_rules_it_is_given():
    """With rules= (a RuleSet from load_rules), the workspace's actions include plugin rules."""
    from collections.abc import Iterator

    import attrs

    from guided_actions import Proposal, Rule, RuleContext, hookimpl, load_rules

    @attrs.frozen
    class EveryTask(Rule):
        id = "every_task"
        title = "Every task"
        category = "general"
        priority = "low"
        subject_kind = "task"

        def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
            for t in ctx.tasks_owned():
                yield self.proposal(t.id, created_at=t.created_at, expires_at=None, reasons=["x"])

    class Plugin:
        @staticmethod
        @hookimpl
        def guided_actions_rules():
            return [EveryTask]

        @staticmethod
        @hookimpl
        def guided_actions_configure(config):
            return attrs.evolve(config, feed_limit=1)

    snapshot = build(
        REP,
        task("t1"),
        call("k1", started_at=at(hours=-1, base=NOW)),
        call("k2", started_at=at(hours=-2, base=NOW)),
    )
    rules = load_rules([Plugin()], entry_points=False)
    summary = summarize(snapshot, NOW, "u1", rules=rules)
    assert "every_task" in {a.rule for a in summary.actions}
    assert summary.to_dict()["actions"] == evaluate(snapshot, NOW, "u1", rules=rules).to_dicts()
    assert len(summary.to_dict()["feed"]) == 1  # the plugins' configuration bounds the feed
    assert "every_task" not in {a.rule for a in summarize(snapshot, NOW, "u1").actions}

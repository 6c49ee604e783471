"""Truth table of ``prepare_next_meeting`` (SPEC §5): your next meeting, a day ahead."""

from __future__ import annotations

from datetime import timedelta

import pytest

from guided_actions._model.records import Record
from guided_actions.rules import PrepareNextMeeting
from guided_actions.testing import NOW, at, build, explain_rule, meeting, run_rule

START = at(hours=2)
CREATED = START - timedelta(hours=24)
EXPIRES = START + timedelta(minutes=10)
US = timedelta(microseconds=1)


def subjects(*records: Record, now=NOW, **options) -> list:
    return [a.subjects for a in run_rule(PrepareNextMeeting, build(*records), now, **options)]


class TestDeclaration:
    def test_declared_data_matches_the_table(self) -> None:
        """The class declares SPEC §5's id, title, category, priority and subject kind."""
        rule = PrepareNextMeeting
        assert (rule.id, rule.title, rule.category, rule.priority, rule.subject_kind) == (
            "prepare_next_meeting",
            "Prepare for your next meeting",
            "general",
            "high",
            "meeting",
        )
        assert rule.grouped is False


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """A meeting of yours in 2 hours: one action from a day before to 10 minutes in."""
        [action] = run_rule(PrepareNextMeeting, build(meeting("m1", start=START)), NOW)
        assert action.rule == "prepare_next_meeting"
        assert action.title == "Prepare for your next meeting"
        assert action.category == "general"
        assert action.subjects == (("meeting", "m1"),)
        assert action.created_at == CREATED
        assert action.expires_at == EXPIRES
        assert action.reasons
        assert action.key.startswith("prepare_next_meeting:")

    def test_someone_elses_meeting(self) -> None:
        """A meeting owned by another user is not your next meeting."""
        assert subjects(meeting("m1", owner_id="u2", start=START)) == []

    def test_in_progress_meeting_still_counts(self) -> None:
        """A meeting that started 5 minutes ago is still your next meeting."""
        assert subjects(meeting("m1", start=at(minutes=-5))) == [(("meeting", "m1"),)]

    def test_meeting_more_than_a_day_away(self) -> None:
        """A meeting starting in more than 24 hours gives no action yet."""
        assert subjects(meeting("m1", start=at(hours=25))) == []


class TestWhichMeeting:
    def test_only_the_next_one(self) -> None:
        """Two meetings today: only the earliest one is proposed."""
        records = [meeting("m2", start=at(hours=5)), meeting("m1", start=START)]
        assert subjects(*records) == [(("meeting", "m1"),)]

    def test_ties_by_id(self) -> None:
        """Two meetings starting at the same instant: the smaller id is the next one."""
        records = [meeting("mb", start=START), meeting("ma", start=START)]
        assert subjects(*records) == [(("meeting", "ma"),)]

    def test_meeting_past_its_grace_is_not_next(self) -> None:
        """A meeting that started 10 minutes ago is past its grace: the following one is next."""
        records = [meeting("m0", start=at(minutes=-10)), meeting("m1", start=START)]
        assert subjects(*records) == [(("meeting", "m1"),)]

    def test_earlier_meeting_hides_the_later_one(self) -> None:
        """A meeting that started 9 minutes ago is still next; the later one waits."""
        records = [meeting("m0", start=at(minutes=-9)), meeting("m1", start=START)]
        assert subjects(*records) == [(("meeting", "m0"),)]

    def test_someone_elses_earlier_meeting_does_not_hide_yours(self) -> None:
        """Another user's meetings are neither next nor previous for you."""
        records = [meeting("m0", owner_id="u2", start=at(hours=1)), meeting("m1", start=START)]
        [action] = run_rule(PrepareNextMeeting, build(*records), NOW)
        assert action.subjects == (("meeting", "m1"),)
        assert action.created_at == CREATED


class TestTime:
    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (CREATED - US, False),
            (CREATED, True),
            (EXPIRES - US, True),
            (EXPIRES, False),
        ],
        ids=["created-1us", "created", "expires-1us", "expires"],
    )
    def test_window_without_previous_meeting(self, now, expected: bool) -> None:
        """Present from ``start`` - 24 hours (included) until ``start`` + 10 minutes (excluded)."""
        actions = run_rule(PrepareNextMeeting, build(meeting("m1", start=START)), now)
        assert bool(actions) is expected
        if expected:
            assert (actions[0].created_at, actions[0].expires_at) == (CREATED, EXPIRES)

    def test_previous_meeting_delays_creation(self) -> None:
        """With a meeting of yours 1 hour ago, the next one starts at that one's start + 10 min."""
        previous = at(hours=-1)
        records = [meeting("m0", start=previous), meeting("m1", start=START)]
        created = previous + timedelta(minutes=10)
        [action] = run_rule(PrepareNextMeeting, build(*records), NOW)
        assert action.subjects == (("meeting", "m1"),)
        assert (action.created_at, action.expires_at) == (created, EXPIRES)
        [before] = run_rule(PrepareNextMeeting, build(*records), created - US)
        assert before.subjects == (("meeting", "m0"),)
        assert before.expires_at == created
        [at_handover] = run_rule(PrepareNextMeeting, build(*records), created)
        assert at_handover.subjects == (("meeting", "m1"),)

    def test_previous_meeting_long_ago_does_not_matter(self) -> None:
        """A previous meeting more than a day before: ``start`` - 24 hours is the later one."""
        records = [meeting("m0", start=at(days=-3)), meeting("m1", start=START)]
        [action] = run_rule(PrepareNextMeeting, build(*records), NOW)
        assert action.created_at == CREATED

    def test_previous_is_the_latest_before(self) -> None:
        """Of several earlier meetings, the latest start decides ``created_at``."""
        records = [
            meeting("m0", start=at(hours=-5)),
            meeting("m9", start=at(hours=-1)),
            meeting("m1", start=START),
        ]
        [action] = run_rule(PrepareNextMeeting, build(*records), NOW)
        assert action.created_at == at(hours=-1, minutes=10)

    def test_previous_meeting_ends_after_grace_does_not_matter(self) -> None:
        """The previous meeting's start + 10 minutes counts, however long it lasts."""
        records = [
            meeting("m0", start=at(hours=-1), end=at(hours=3)),
            meeting("m1", start=START),
        ]
        [action] = run_rule(PrepareNextMeeting, build(*records), NOW)
        assert action.created_at == at(hours=-1, minutes=10)

    def test_overlapping_previous_meeting(self) -> None:
        """A previous meeting 5 minutes before: the next one appears after its own start."""
        records = [meeting("m0", start=START - timedelta(minutes=5)), meeting("m1", start=START)]
        handover = START + timedelta(minutes=5)
        [action] = run_rule(PrepareNextMeeting, build(*records), handover)
        assert action.subjects == (("meeting", "m1"),)
        assert (action.created_at, action.expires_at) == (handover, EXPIRES)
        [earlier] = run_rule(PrepareNextMeeting, build(*records), handover - US)
        assert earlier.subjects == (("meeting", "m0"),)

    def test_tied_meeting_is_not_previous(self) -> None:
        """A meeting starting at the same instant is not "before" the next one."""
        records = [meeting("ma", start=START), meeting("mb", start=START)]
        [action] = run_rule(PrepareNextMeeting, build(*records), NOW)
        assert action.created_at == CREATED


class TestKeys:
    def test_key_is_stable_across_runs(self) -> None:
        """The same meeting evaluated at two instants keeps its key."""
        snapshot = build(meeting("m1", start=START))
        first = run_rule(PrepareNextMeeting, snapshot, NOW)
        later = run_rule(PrepareNextMeeting, snapshot, START)
        assert first[0].key == later[0].key

    def test_ungrouped_is_one_action(self) -> None:
        """Grouping off changes nothing: one action for the next meeting."""
        records = [meeting("m1", start=START), meeting("m2", start=at(hours=3))]
        assert subjects(*records, grouped=False) == [(("meeting", "m1"),)]


class TestThresholds:
    def test_lead_time_override_moves_creation(self) -> None:
        """With a 48-hour lead time, a meeting 30 hours away already fires."""
        m = meeting("m1", start=at(hours=30))
        assert subjects(m) == []
        [action] = run_rule(PrepareNextMeeting, build(m), NOW, lead_time=timedelta(hours=48))
        assert action.created_at == at(hours=-18)

    def test_grace_override_moves_expiry(self) -> None:
        """With a 30-minute grace, a meeting that started 20 minutes ago is still next."""
        m = meeting("m1", start=at(minutes=-20))
        assert subjects(m) == []
        [action] = run_rule(PrepareNextMeeting, build(m), NOW, grace=timedelta(minutes=30))
        assert action.expires_at == at(minutes=10)

    def test_grace_override_moves_previous_handover(self) -> None:
        """The previous meeting's grace follows the override too."""
        records = [meeting("m0", start=at(hours=-1)), meeting("m1", start=START)]
        [action] = run_rule(PrepareNextMeeting, build(*records), NOW, grace=timedelta(minutes=30))
        assert action.created_at == at(minutes=-30)


class TestReasons:
    def test_reasons_name_each_criterion_and_its_data(self) -> None:
        """The reasons name the meeting (with its title) and when it starts."""
        [action] = run_rule(PrepareNextMeeting, build(meeting("m1", title="Demo")), NOW)
        assert action.reasons == (
            "meeting m1 'Demo' is yours",
            "meeting m1 'Demo' is your next meeting: no meeting of yours starting before it is"
            " still upcoming (a meeting is upcoming until 10 minutes after its start)",
            "no other meeting of yours starting at 2026-11-26T14:00+00:00 comes before meeting m1"
            " 'Demo' by id",
            "meeting m1 'Demo' starts at 2026-11-26T14:00+00:00, within 1 day of now",
            "meeting m1 'Demo' stays upcoming until 2026-11-26T14:10+00:00, 10 minutes after its"
            " start",
        )


class TestExplain:
    @pytest.mark.parametrize(
        ("started", "next_meeting"),
        [
            (
                at(minutes=-5),
                (
                    False,
                    "meeting m2 becomes your next meeting at 2026-11-26T12:05+00:00, once every"
                    " meeting of yours starting before it is 10 minutes past its start; still"
                    " upcoming before it: meeting m1",
                ),
            ),
            (
                at(minutes=-10),
                (
                    True,
                    "meeting m2 is your next meeting: no meeting of yours starting before it is"
                    " still upcoming (a meeting is upcoming until 10 minutes after its start)",
                ),
            ),
        ],
        ids=["earlier-still-upcoming", "earlier-past-its-grace"],
    )
    def test_an_earlier_meeting_still_upcoming(self, started, next_meeting) -> None:
        """A meeting that started less than 10 minutes ago is still your next meeting: the later
        one waits until 10 minutes after that start."""
        snap = build(meeting("m1", start=started), meeting("m2", start=at(hours=1)))
        entry = explain_rule(PrepareNextMeeting, snap, "meeting:m2")
        assert (entry.created_at, entry.expires_at) == (
            started + timedelta(minutes=10),
            at(hours=1, minutes=10),
        )
        (check,) = [c for c in entry.to_dict()["checks"] if c["criterion"] == "next_meeting"]
        assert (check["met"], check["text"]) == next_meeting

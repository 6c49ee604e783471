"""Truth table of ``update_next_steps`` (SPEC §5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from guided_actions import Action, Snapshot
from guided_actions.criteria import Ref
from guided_actions.rules import UpdateNextSteps
from guided_actions.testing import (
    NOW,
    at,
    build,
    call,
    contact,
    deal,
    email,
    explain_rule,
    meeting,
    note,
    run_rule,
    task,
)
from guided_actions.typing import Subject

US = timedelta(microseconds=1)
DAY = timedelta(hours=24)
ENDED = at(days=-3)
CREATED = ENDED + DAY
FIRES = [(("deal", "d1"),)]


def snapshot(*activities: Any, **deal_fields: Any) -> Snapshot:
    """Deal ``d1`` (yours, open) and the given activities."""
    return build(deal("d1", **deal_fields), *activities)


def run(snap: Snapshot, now: datetime = NOW, **kwargs: Any) -> list[Action]:
    return run_rule(UpdateNextSteps, snap, now, **kwargs)


def subjects(snap: Snapshot, now: datetime = NOW, **kwargs: Any) -> list[tuple[Subject, ...]]:
    return [a.subjects for a in run(snap, now, **kwargs)]


def the_note(end: datetime = ENDED, id: str = "n1", **fields: Any) -> Any:
    """A note listing deal ``d1`` (unless told otherwise), created (so ended) at ``end``."""
    fields.setdefault("deal_ids", ("d1",))
    return note(id, created_at=end, **fields)


#: Each activity kind, built so that its end is ``end``; the happening differs from the end
#: wherever the kind allows it, so that reading the wrong stamp shows.
ENDING_AT: dict[str, Callable[[datetime], Any]] = {
    "email-sent_at": lambda end: email("e1", sent_at=end, deal_ids=("d1",)),
    "call-ended_at": lambda end: call(
        "k1", started_at=end - timedelta(minutes=30), ended_at=end, deal_ids=("d1",)
    ),
    "call-without-ended_at-started_at": lambda end: call("k1", started_at=end, deal_ids=("d1",)),
    "meeting-end": lambda end: meeting(
        "m1", start=end - timedelta(hours=1), end=end, deal_ids=("d1",)
    ),
    "note-created_at": lambda end: the_note(end),
    "completed-task-completed_at": lambda end: task(
        "t1",
        created_at=end - timedelta(days=2),
        status="completed",
        completed_at=end,
        deal_ids=("d1",),
    ),
}


class TestDeclared:
    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("id", "update_next_steps"),
            ("title", "Update next steps"),
            ("category", "deal"),
            ("priority", "normal"),
            ("subject_kind", "deal"),
            ("grouped", False),
        ],
    )
    def test_declared_data(self, name: str, value: object) -> None:
        """The rule class declares SPEC §5's id, title, category, priority and subject kind."""
        assert getattr(UpdateNextSteps, name) == value


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """A note on your open deal three days ago gives one action, from its end + 24 hours."""
        (action,) = run(snapshot(the_note()))
        assert action.rule == "update_next_steps"
        assert action.title == "Update next steps"
        assert action.category == "deal"
        assert action.subjects == (("deal", "d1"),)
        assert action.created_at == CREATED
        assert action.expires_at is None
        assert action.reasons
        assert action.key.startswith("update_next_steps:")

    @pytest.mark.parametrize("kind", list(ENDING_AT))
    def test_end_of_each_activity_kind(self, kind: str) -> None:
        """Each kind's end (SPEC §4) + 24 hours is ``created_at``."""
        (action,) = run(snapshot(ENDING_AT[kind](ENDED)))
        assert action.created_at == CREATED

    @pytest.mark.parametrize("status", ["not_started", "in_progress", "waiting", "deferred"])
    def test_open_task_never_ends(self, status: str) -> None:
        """A task that is not completed has not ended, however old."""
        snap = snapshot(task("t1", created_at=at(days=-30), status=status, deal_ids=("d1",)))
        assert subjects(snap) == []

    def test_task_completed_after_now_has_not_ended(self) -> None:
        """A task whose ``completed_at`` is after ``now`` has not ended yet."""
        snap = snapshot(
            task(
                "t1",
                created_at=at(days=-30),
                status="completed",
                completed_at=at(hours=1),
                deal_ids=("d1",),
            )
        )
        assert subjects(snap) == []

    def test_anyones_activity_counts(self) -> None:
        """An activity logged by someone else that lists your deal counts."""
        assert subjects(snapshot(the_note(owner_id="u2"))) == FIRES

    def test_task_listing_the_deal_through_its_meeting(self) -> None:
        """A completed follow-up task lists the deal through its meeting's ``deal_ids``."""
        snap = snapshot(
            meeting("m1", start=at(days=-20), deal_ids=("d1",)),
            task(
                "t1",
                created_at=at(days=-10),
                meeting_id="m1",
                status="completed",
                completed_at=ENDED,
            ),
        )
        (action,) = run(snap)
        assert action.created_at == CREATED

    def test_latest_such_activity(self) -> None:
        """With several ended activities, the latest end gives ``created_at``."""
        snap = snapshot(
            email("e1", sent_at=at(days=-6), deal_ids=("d1",)),
            the_note(ENDED),
            call("k1", started_at=at(days=-5), deal_ids=("d1",)),
        )
        (action,) = run(snap)
        assert action.created_at == CREATED

    def test_an_activity_not_yet_24_hours_old_does_not_count_yet(self) -> None:
        """An activity that ended less than 24 hours ago leaves the older one as the latest."""
        snap = snapshot(
            email("e1", sent_at=ENDED, deal_ids=("d1",)), the_note(at(hours=-12), id="n2")
        )
        (action,) = run(snap)
        assert action.created_at == CREATED


class TestCriteria:
    @pytest.mark.parametrize(
        ("owner", "stage", "fires"),
        [
            pytest.param("u1", "new", True, id="yours-open"),
            pytest.param("u1", "proposal", True, id="yours-later-open-stage"),
            pytest.param("u1", "won", False, id="yours-won"),
            pytest.param("u1", "lost", False, id="yours-lost"),
            pytest.param("u2", "new", False, id="someone-elses"),
            pytest.param(None, "new", False, id="unowned"),
        ],
    )
    def test_open_deal_you_own(self, owner: str | None, stage: str, fires: bool) -> None:
        """Only an open deal that you own fires."""
        snap = snapshot(the_note(), owner_id=owner, stage_id=stage)
        assert subjects(snap) == (FIRES if fires else [])

    def test_no_activity(self) -> None:
        """A deal no activity lists does not fire."""
        assert subjects(snapshot()) == []

    @pytest.mark.parametrize(
        "listing",
        [{"deal_ids": ()}, {"deal_ids": ("d2",)}, {"contact_ids": ("c1",), "deal_ids": ()}],
        ids=["lists-nothing", "lists-another-deal", "lists-a-contact-only"],
    )
    def test_activity_not_listing_the_deal(self, listing: dict[str, Any]) -> None:
        """An activity that does not list the deal does not count."""
        snap = build(
            deal("d1", contact_ids=("c1",)),
            deal("d2", owner_id="u2"),
            contact("c1"),
            the_note(**listing),
        )
        assert subjects(snap) == []

    @pytest.mark.parametrize("kind", list(ENDING_AT))
    @pytest.mark.parametrize(
        ("updated", "fires"),
        [
            pytest.param(None, True, id="absent"),
            pytest.param(ENDED - US, True, id="earlier"),
            pytest.param(ENDED, False, id="equal"),
            pytest.param(ENDED + US, False, id="later"),
        ],
    )
    def test_next_step_updated_at(self, kind: str, updated: datetime | None, fires: bool) -> None:
        """Fires when the next step was never updated or updated before the activity's end."""
        snap = snapshot(ENDING_AT[kind](ENDED), next_step="call back", next_step_updated_at=updated)
        assert subjects(snap) == (FIRES if fires else [])

    def test_update_between_two_activities(self) -> None:
        """An update after the first activity's end but before the second's: the second counts."""
        snap = snapshot(
            email("e1", sent_at=at(days=-6), deal_ids=("d1",)),
            the_note(ENDED),
            next_step_updated_at=at(days=-4),
        )
        (action,) = run(snap)
        assert action.created_at == CREATED

    def test_update_after_the_old_activity_and_a_recent_one_not_yet_24_hours(self) -> None:
        """Updated after the old activity; the new one ended under 24 hours ago: nothing yet."""
        snap = snapshot(
            email("e1", sent_at=at(days=-6), deal_ids=("d1",)),
            the_note(at(hours=-12)),
            next_step_updated_at=at(days=-4),
        )
        assert subjects(snap) == []
        (action,) = run(snap, at(hours=12))
        assert action.created_at == at(hours=12)


class TestTime:
    @pytest.mark.parametrize(
        ("now", "fires"),
        [
            pytest.param(CREATED - US, False, id="before-created_at"),
            pytest.param(CREATED, True, id="at-created_at"),
            pytest.param(CREATED + timedelta(days=365), True, id="a-year-later"),
        ],
    )
    def test_window(self, now: datetime, fires: bool) -> None:
        """Present from the end + 24 hours (inclusive), with no time limit."""
        assert subjects(snapshot(the_note()), now) == (FIRES if fires else [])

    @pytest.mark.parametrize(
        ("ago", "fires"),
        [
            pytest.param(DAY - US, False, id="less-than-24-hours"),
            pytest.param(DAY, True, id="exactly-24-hours"),
            pytest.param(DAY + US, True, id="more-than-24-hours"),
        ],
    )
    def test_more_than_24_hours_ago(self, ago: timedelta, fires: bool) -> None:
        """``created_at`` (end + 24 hours) decides: an end exactly 24 hours ago is present."""
        assert subjects(snapshot(the_note(NOW - ago))) == (FIRES if fires else [])

    def test_next_step_updated_expires_it(self) -> None:
        """Updating the next step after the activity's end removes the action."""
        snap = snapshot(the_note(), next_step="demo", next_step_updated_at=CREATED + DAY)
        assert subjects(snap, CREATED + 2 * DAY) == []

    def test_deal_closed_expires_it(self) -> None:
        """A closed deal has no action."""
        assert subjects(snapshot(the_note(), stage_id="won", closed_at=CREATED)) == []

    def test_activity_after_now_is_ignored(self) -> None:
        """An activity that happens after ``now`` does not count."""
        assert subjects(snapshot(email("e1", sent_at=at(hours=1), deal_ids=("d1",)))) == []

    def test_meeting_in_progress_has_not_ended(self) -> None:
        """A meeting that started but ends after ``now`` has not ended."""
        snap = snapshot(meeting("m1", start=at(days=-2), end=at(hours=1), deal_ids=("d1",)))
        assert subjects(snap) == []

    def test_call_ending_after_now_has_not_ended(self) -> None:
        """A call that started but ends after ``now`` has not ended."""
        snap = snapshot(call("k1", started_at=at(days=-2), ended_at=at(hours=1), deal_ids=("d1",)))
        assert subjects(snap) == []

    def test_deal_created_after_now_does_not_exist(self) -> None:
        """A deal created after ``now`` does not exist yet."""
        assert subjects(snapshot(the_note(), created_at=at(microseconds=1))) == []

    def test_delay_override_moves_the_boundary(self) -> None:
        """A shorter ``delay`` threshold moves ``created_at`` to the end + that delay."""
        delay = timedelta(hours=2)
        snap = snapshot(the_note(at(hours=-2)))
        (action,) = run(snap, delay=delay)
        assert action.created_at == NOW
        assert subjects(snap, NOW - US, delay=delay) == []
        assert subjects(snap) == []


class TestReasons:
    def test_reasons_name_each_criterion_and_its_data(self) -> None:
        """The reasons list, in order, each criterion met and the data that met it."""
        (action,) = run(snapshot(the_note()))
        assert action.reasons == (
            "deal d1 is yours",
            "deal d1 is in open stage new",
            "note n1 listing deal d1 ended at 2026-11-23T12:00+00:00",
            "the next step of deal d1 has never been updated (note n1 ended at"
            " 2026-11-23T12:00+00:00)",
            "note n1 ended more than 1 day ago, at 2026-11-23T12:00+00:00",
        )

    def test_reason_gives_an_earlier_next_step_update(self) -> None:
        """A next step updated before the activity ended is named with its time."""
        (action,) = run(snapshot(the_note(), next_step_updated_at=ENDED - DAY))
        assert action.reasons[3] == (
            "the next step of deal d1 has not been updated since note n1 ended at"
            " 2026-11-23T12:00+00:00 (last update: 2026-11-22T12:00+00:00)"
        )


class TestLatestActivity:
    def test_latest_end_wins_over_a_greater_id(self) -> None:
        """The latest-ending activity decides, whatever the ids' order."""
        (action,) = run(snapshot(the_note(ENDED, "n1"), the_note(ENDED - DAY, "n2")))
        assert action.created_at == CREATED
        assert "note n1 listing deal d1 ended at" in action.reasons[2]

    def test_ties_on_end_go_to_the_greater_id(self) -> None:
        """Two activities ending at the same instant: the greater id is named."""
        (action,) = run(snapshot(the_note(ENDED, "n1"), the_note(ENDED, "n2")))
        assert action.created_at == CREATED
        assert "note n2 listing deal d1 ended at" in action.reasons[2]

    def test_same_id_and_end_across_kinds(self) -> None:
        """An email and a note may share an id (ids are unique per kind); one action results."""
        records = (the_note(ENDED, "x1"), email("x1", sent_at=ENDED, deal_ids=("d1",)))
        assert subjects(snapshot(*records)) == FIRES

    def test_an_activity_exactly_24_hours_old_is_the_latest_old_enough(self) -> None:
        """Of the activities old enough, the one that ended exactly 24 hours ago is the latest."""
        snap = snapshot(
            the_note(at(days=-3), "n0"), the_note(NOW - DAY, "n1"), the_note(at(hours=-2), "n2")
        )
        [action] = run(snap)
        assert action.created_at == NOW
        assert action.reasons[2] == "note n1 listing deal d1 ended at 2026-11-25T12:00+00:00"


class TestEverySubjectIsChecked:
    def test_a_recent_activity_does_not_hide_an_older_one(self) -> None:
        """An activity that ended less than 24 hours ago is skipped; older ones still count."""
        recent = email("e1", sent_at=at(hours=-1), deal_ids=("d1",))
        (action,) = run(snapshot(recent, the_note()))
        assert action.created_at == CREATED

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_failing_deal_does_not_stop_the_others(self, reverse: bool) -> None:
        """Deals without an ended activity, or closed, are skipped; the next still counts."""
        records: list[Any] = [
            deal("d0"),
            deal("d00", stage_id="lost"),
            the_note(id="n0", deal_ids=("d00",)),
            deal("d1"),
            the_note(),
        ]
        snap = build(*(reversed(records) if reverse else records))
        assert subjects(snap) == FIRES


def explained(snap: Snapshot, now: datetime = NOW) -> tuple[Any, ...]:
    entry = explain_rule(UpdateNextSteps, snap, "deal:d1", now)
    checks = [(c["criterion"], c["met"], c["text"]) for c in entry.to_dict()["checks"]]
    return entry.status, entry.created_at, checks[2:]


class TestExplain:
    @pytest.mark.parametrize(
        ("updated", "text"),
        [
            (
                None,
                "the next step of deal d1 has never been updated, and no activity listing it has"
                " ended",
            ),
            (
                at(days=-1),
                "no activity listing deal d1 has ended since its next step was updated at"
                " 2026-11-25T12:00+00:00",
            ),
        ],
        ids=["never-updated", "updated"],
    )
    def test_no_activity(self, updated: datetime | None, text: str) -> None:
        """Nothing ended: no window, nothing to wait after, and the next step is not out of
        date."""
        entry = explain_rule(UpdateNextSteps, snapshot(next_step_updated_at=updated), "deal:d1")
        assert entry.checks[2].values == {"deal": Ref("deal", "d1"), "activity": None, "end": None}
        assert entry.checks[3].values["activity"] is None
        assert explained(snapshot(next_step_updated_at=updated)) == (
            "unmet",
            None,
            [
                ("activity_ended", False, "no activity listing deal d1 has ended yet"),
                ("next_step_not_updated_since", True, text),
                ("activity_ended_more_than", False, "no activity has ended to wait 1 day after"),
            ],
        )

    @pytest.mark.parametrize(
        "updated", [at(days=-2), at(days=-3)], ids=["after-the-old-one", "at-its-end"]
    )
    def test_pending_on_the_first_activity_after_the_update(self, updated: datetime) -> None:
        """An old activity the next step was updated at or after does not count: the action
        waits for the recent one."""
        snap = snapshot(
            the_note(at(days=-3), "n1"),
            the_note(at(hours=-2), "n2"),
            next_step_updated_at=updated,
        )
        status, created, checks = explained(snap)
        assert (status, created) == ("pending", at(hours=22))
        assert checks[0] == (
            "activity_ended",
            True,
            "note n2 listing deal d1 ended at 2026-11-26T10:00+00:00",
        )

    def test_pending_on_the_first_of_two_recent_activities(self) -> None:
        """Neither is old enough yet: the first to become so dates the action."""
        snap = snapshot(the_note(at(hours=-5), "n1"), the_note(at(hours=-2), "n2"))
        status, created, checks = explained(snap)
        assert (status, created) == ("pending", at(hours=19))
        assert checks[0][2] == "note n1 listing deal d1 ended at 2026-11-26T07:00+00:00"

    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (NOW - US, ("unmet", None)),
            (NOW, ("pending", NOW + DAY)),
        ],
        ids=["before-its-end", "at-its-end"],
    )
    def test_an_activity_ending_at_now_has_ended(
        self, now: datetime, expected: tuple[str, datetime | None]
    ) -> None:
        status, created, _checks = explained(snapshot(the_note(NOW)), now)
        assert (status, created) == expected

    def test_updated_after_every_activity_names_the_latest(self) -> None:
        """The next step was updated since: the explanation names the latest activity."""
        snap = snapshot(the_note(at(days=-3)), next_step_updated_at=at(days=-1))
        assert explained(snap) == (
            "unmet",
            at(days=-2),
            [
                ("activity_ended", True, "note n1 listing deal d1 ended at 2026-11-23T12:00+00:00"),
                (
                    "next_step_not_updated_since",
                    False,
                    "the next step of deal d1 was updated at 2026-11-25T12:00+00:00, since note"
                    " n1 ended at 2026-11-23T12:00+00:00",
                ),
                (
                    "activity_ended_more_than",
                    True,
                    "note n1 ended more than 1 day ago, at 2026-11-23T12:00+00:00",
                ),
            ],
        )

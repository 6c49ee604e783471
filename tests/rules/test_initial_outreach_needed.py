"""Truth table of ``initial_outreach_needed`` (SPEC §5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from guided_actions import Action, Pipeline, Snapshot, Stage
from guided_actions.rules import InitialOutreachNeeded
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
WEEK = timedelta(days=7)
DEAL_CREATED = at(days=-10)
CREATED = DEAL_CREATED + WEEK
EXPIRES = CREATED + WEEK
FIRES = [(("deal", "d1"),)]


def snapshot(*extra: Any, **deal_fields: Any) -> Snapshot:
    """Deal ``d1`` (yours, first stage, created ten days ago) and ``extra`` records."""
    deal_fields.setdefault("created_at", DEAL_CREATED)
    return build(deal("d1", **deal_fields), *extra)


def run(snap: Snapshot, now: datetime = NOW, **kwargs: Any) -> list[Action]:
    return run_rule(InitialOutreachNeeded, snap, now, **kwargs)


def subjects(snap: Snapshot, now: datetime = NOW, **kwargs: Any) -> list[tuple[Subject, ...]]:
    return [a.subjects for a in run(snap, now, **kwargs)]


#: An activity of each kind that happens at ``when``, listing whatever ``listing`` says.
ACTIVITY: dict[str, Callable[..., Any]] = {
    "email": lambda when, **listing: email("e1", sent_at=when, **listing),
    "inbound-email": lambda when, **listing: email(
        "e1", direction="inbound", sent_at=when, **listing
    ),
    "call": lambda when, **listing: call("k1", started_at=when, **listing),
    "meeting": lambda when, **listing: meeting("m1", start=when, **listing),
    "note": lambda when, **listing: note("n1", created_at=when, **listing),
    "open-task": lambda when, **listing: task("t1", created_at=when, **listing),
    "completed-task": lambda when, **listing: task(
        "t1", created_at=when, status="completed", completed_at=when, **listing
    ),
}


class TestDeclared:
    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("id", "initial_outreach_needed"),
            ("title", "Initial outreach needed"),
            ("category", "deal"),
            ("priority", "low"),
            ("subject_kind", "deal"),
            ("grouped", False),
        ],
    )
    def test_declared_data(self, name: str, value: object) -> None:
        """The rule class declares SPEC §5's id, title, category, priority and subject kind."""
        assert getattr(InitialOutreachNeeded, name) == value


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """A ten-day-old untouched deal of yours in its first stage gives one action."""
        (action,) = run(snapshot())
        assert action.rule == "initial_outreach_needed"
        assert action.title == "Initial outreach needed"
        assert action.category == "deal"
        assert action.subjects == (("deal", "d1"),)
        assert action.created_at == CREATED
        assert action.expires_at == EXPIRES
        assert action.reasons
        assert action.key.startswith("initial_outreach_needed:")

    def test_a_deal_with_contacts_still_fires(self) -> None:
        """Contacts on the deal are not activities: the deal still fires."""
        assert subjects(snapshot(contact("c1"), contact_ids=("c1",))) == FIRES


class TestCriteria:
    @pytest.mark.parametrize(
        ("owner", "stage", "fires"),
        [
            pytest.param("u1", "new", True, id="yours-first-stage"),
            pytest.param("u1", "proposal", False, id="yours-not-first-stage"),
            pytest.param("u1", "won", False, id="yours-won"),
            pytest.param("u1", "lost", False, id="yours-lost"),
            pytest.param("u2", "new", False, id="someone-elses"),
            pytest.param(None, "new", False, id="unowned"),
        ],
    )
    def test_open_deal_you_own_in_first_stage(
        self, owner: str | None, stage: str, fires: bool
    ) -> None:
        """Only an open deal of yours in the first stage of its pipeline fires."""
        assert subjects(snapshot(owner_id=owner, stage_id=stage)) == (FIRES if fires else [])

    @pytest.mark.parametrize(
        ("stage", "fires"),
        [pytest.param("discovery", True, id="first"), pytest.param("new", False, id="second")],
    )
    def test_first_stage_of_its_own_pipeline(self, stage: str, fires: bool) -> None:
        """The first stage is ``stages[0]`` of the deal's own pipeline, whatever its id."""
        pipeline = Pipeline(
            id="enterprise", object="deal", stages=(Stage(id="discovery"), Stage(id="new"))
        )
        snap = snapshot(pipeline, pipeline_id="enterprise", stage_id=stage)
        assert subjects(snap) == (FIRES if fires else [])

    @pytest.mark.parametrize("kind", list(ACTIVITY))
    @pytest.mark.parametrize("owner", ["u1", "u2"])
    def test_an_activity_listing_the_deal(self, kind: str, owner: str) -> None:
        """Any activity (yours or anyone's) that lists the deal means there was outreach."""
        snap = snapshot(ACTIVITY[kind](at(days=-9), owner_id=owner, deal_ids=("d1",)))
        assert subjects(snap) == []

    @pytest.mark.parametrize("kind", list(ACTIVITY))
    def test_an_activity_before_the_deal_was_created_still_lists_it(self, kind: str) -> None:
        """An activity that lists the deal counts whenever it happened before ``now``."""
        snap = snapshot(ACTIVITY[kind](at(days=-30), deal_ids=("d1",)))
        assert subjects(snap) == []

    @pytest.mark.parametrize("kind", list(ACTIVITY))
    def test_an_activity_listing_something_else(self, kind: str) -> None:
        """An activity listing another deal or only the deal's contact does not count."""
        snap = snapshot(
            contact("c1"),
            deal("d2"),
            ACTIVITY[kind](at(days=-9), deal_ids=("d2",), contact_ids=("c1",)),
            contact_ids=("c1",),
        )
        assert subjects(snap) == FIRES

    @pytest.mark.parametrize("status", ["not_started", "completed"])
    def test_a_task_lists_the_deal_through_its_meeting(self, status: str) -> None:
        """A follow-up task of a meeting that lists the deal lists the deal too."""
        snap = snapshot(
            meeting("m1", start=at(days=2), deal_ids=("d1",)),
            task(
                "t1",
                created_at=at(days=-9),
                meeting_id="m1",
                status=status,
                completed_at=at(days=-9) if status == "completed" else None,
            ),
        )
        assert subjects(snap) == []

    @pytest.mark.parametrize("kind", list(ACTIVITY))
    def test_an_activity_after_now_is_ignored(self, kind: str) -> None:
        """An activity that happens after ``now`` (a meeting still to come…) does not count."""
        snap = snapshot(ACTIVITY[kind](at(microseconds=1), deal_ids=("d1",)))
        assert subjects(snap) == FIRES

    @pytest.mark.parametrize("kind", list(ACTIVITY))
    def test_an_activity_at_exactly_now_counts(self, kind: str) -> None:
        """An activity stamped exactly at ``now`` has happened."""
        assert subjects(snapshot(ACTIVITY[kind](NOW, deal_ids=("d1",)))) == []

    @pytest.mark.parametrize(
        ("age", "fires"),
        [
            pytest.param(WEEK - US, False, id="less-than-7-days"),
            pytest.param(WEEK, True, id="exactly-7-days"),
            pytest.param(WEEK + US, True, id="more-than-7-days"),
            pytest.param(2 * WEEK - US, True, id="just-before-lifetime"),
            pytest.param(2 * WEEK, False, id="lifetime-over"),
        ],
    )
    def test_created_more_than_7_days_ago(self, age: timedelta, fires: bool) -> None:
        """``created_at`` (deal created + 7 days) decides: exactly 7 days old is present."""
        assert subjects(snapshot(created_at=NOW - age)) == (FIRES if fires else [])

    def test_deal_created_after_now_does_not_exist(self) -> None:
        """A deal created after ``now`` does not exist yet."""
        assert subjects(snapshot(created_at=at(microseconds=1))) == []


class TestTime:
    @pytest.mark.parametrize(
        ("now", "fires"),
        [
            pytest.param(CREATED - US, False, id="before-created_at"),
            pytest.param(CREATED, True, id="at-created_at"),
            pytest.param(EXPIRES - US, True, id="just-before-expires_at"),
            pytest.param(EXPIRES, False, id="at-expires_at"),
        ],
    )
    def test_window(self, now: datetime, fires: bool) -> None:
        """Present from the deal's ``created_at`` + 7 days until 7 days later."""
        assert subjects(snapshot(), now) == (FIRES if fires else [])

    @pytest.mark.parametrize("kind", list(ACTIVITY))
    def test_activity_listed_expires_it(self, kind: str) -> None:
        """Once an activity listing the deal has happened, the action is gone."""
        when = CREATED + timedelta(days=1)
        snap = snapshot(ACTIVITY[kind](when, deal_ids=("d1",)))
        assert subjects(snap, when - US) == FIRES
        assert subjects(snap, when) == []

    def test_deal_closed_expires_it(self) -> None:
        """Once the deal is in a closed stage, the action is gone."""
        assert subjects(snapshot(stage_id="won", closed_at=CREATED), CREATED + US) == []

    def test_threshold_overrides_move_the_boundaries(self) -> None:
        """``age`` moves ``created_at``; ``lifetime`` moves ``expires_at``."""
        age, lifetime = timedelta(days=3), timedelta(days=2)
        (action,) = run(snapshot(), DEAL_CREATED + age, age=age, lifetime=lifetime)
        assert action.created_at == DEAL_CREATED + age
        assert action.expires_at == DEAL_CREATED + age + lifetime
        assert subjects(snapshot(), DEAL_CREATED + age - US, age=age) == []
        assert subjects(snapshot(), DEAL_CREATED + age + lifetime, age=age, lifetime=lifetime) == []
        assert subjects(snapshot(), DEAL_CREATED + age + lifetime - US, age=age) == FIRES


class TestReasons:
    def test_reasons_name_each_criterion_and_its_data(self) -> None:
        """The reasons list, in order, each criterion met and the data that met it."""
        (action,) = run(snapshot())
        assert action.reasons == (
            "deal d1 is yours",
            "deal d1 is in open stage new",
            "deal d1 is in new, the first stage of pipeline deals",
            "deal d1 was created more than 7 days ago, at 2026-11-16T12:00+00:00",
            "no activity lists deal d1",
            "the action lives 7 days from its creation",
        )

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_failing_deal_does_not_stop_the_others(self, reverse: bool) -> None:
        """A deal that fails a criterion is skipped; the next deal is still checked."""
        records: list[Any] = [
            deal("d0", created_at=DEAL_CREATED, stage_id="proposal"),
            deal("d1", created_at=DEAL_CREATED),
        ]
        snap = build(*(reversed(records) if reverse else records))
        assert subjects(snap) == FIRES


class TestExplain:
    def test_explained_at_expires_at_the_lifetime_is_unmet(self) -> None:
        """At ``expires_at`` the action has expired: its lifetime check says until when."""
        entry = explain_rule(InitialOutreachNeeded, snapshot(), ("deal", "d1"), EXPIRES)
        assert (entry.status, entry.created_at, entry.expires_at) == ("expired", CREATED, EXPIRES)
        assert [(c.id, c.met) for c in entry.checks][-1] == ("within_lifetime", False)
        assert str(entry.checks[-1]) == (
            "the action lived 7 days from its creation, until 2026-11-30T12:00+00:00"
        )

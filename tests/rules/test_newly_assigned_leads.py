"""Truth table of ``newly_assigned_leads`` (SPEC §5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from guided_actions import Action
from guided_actions.rules import NewlyAssignedLeads
from guided_actions.testing import (
    NOW,
    at,
    build,
    call,
    contact,
    email,
    explain_rule,
    lead,
    meeting,
    note,
    run_rule,
    subjects_of,
    task,
)

ASSIGNED = at(days=-3)
EXPIRES = ASSIGNED + timedelta(days=30)
ONE_US = timedelta(microseconds=1)
PERSON = contact("c1", owner_id="u2")


def run(*records: Any, now: datetime = NOW, **kwargs: Any) -> list[Action]:
    return run_rule(NewlyAssignedLeads, build(PERSON, *records), now, **kwargs)


def fires(*records: Any, now: datetime = NOW, **kwargs: Any) -> bool:
    return ("lead", "l1") in subjects_of(run(*records, now=now, **kwargs))


def new_lead(**fields: Any) -> Any:
    fields.setdefault("owner_assigned_at", ASSIGNED)
    return lead("l1", **fields)


class TestDeclaration:
    def test_declared_data_matches_the_table(self) -> None:
        """The rule declares SPEC §5's id, title, category, priority, subject kind, grouping."""
        rule = NewlyAssignedLeads
        assert (rule.id, rule.title, rule.category, rule.priority, rule.subject_kind) == (
            "newly_assigned_leads",
            "Newly assigned leads",
            "prospecting",
            "low",
            "lead",
        )
        assert rule.grouped is True
        assert NewlyAssignedLeads().thresholds() == {"lifetime": timedelta(days=30)}


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """A lead of yours in the first stage gives one card, created at the assignment."""
        actions = run(new_lead())
        assert len(actions) == 1
        (action,) = actions
        assert action.rule == "newly_assigned_leads"
        assert action.title == "Newly assigned leads"
        assert action.category == "prospecting"
        assert action.subjects == (("lead", "l1"),)
        assert action.created_at == ASSIGNED
        assert action.expires_at == EXPIRES
        assert action.reasons
        assert action.contact_ids == ("c1",)

    def test_created_at_falls_back_to_the_lead_creation(self) -> None:
        """Without ``owner_assigned_at`` the action is created at the lead's ``created_at``."""
        (action,) = run(lead("l1", created_at=at(days=-4)), grouped=False)
        assert action.created_at == at(days=-4)
        assert action.expires_at == at(days=26)


class TestCriteria:
    @pytest.mark.parametrize(
        ("owner_id", "expected"),
        [("u1", True), ("u2", False), (None, False)],
    )
    def test_owner(self, owner_id: str | None, expected: bool) -> None:
        """Only a lead you own qualifies."""
        assert fires(new_lead(owner_id=owner_id)) is expected

    @pytest.mark.parametrize(
        ("stage_id", "expected"),
        [("new", True), ("working", False), ("qualified", False), ("disqualified", False)],
    )
    def test_first_stage_only(self, stage_id: str, expected: bool) -> None:
        """Only a lead in the first stage of its pipeline qualifies."""
        assert fires(new_lead(stage_id=stage_id)) is expected


class TestExpiryByActivity:
    @pytest.mark.parametrize(
        ("happened", "expected"),
        [
            (ASSIGNED - ONE_US, True),
            (ASSIGNED, False),
            (at(days=-1), False),
            (NOW, False),
            (NOW + ONE_US, True),
        ],
        ids=["1us-before", "at-created", "after-created", "at-now", "after-now"],
    )
    def test_email_you_logged(self, happened: datetime, expected: bool) -> None:
        """An email of yours listing the lead, at or after ``created_at`` and by now, ends it."""
        logged = email("e1", sent_at=happened, lead_ids=["l1"])
        assert fires(new_lead(), logged) is expected

    @pytest.mark.parametrize(
        "activity",
        [
            email("e1", direction="inbound", sent_at=at(days=-1), lead_ids=["l1"]),
            call("k1", started_at=at(days=-1), lead_ids=["l1"]),
            meeting("m1", start=at(days=-1), lead_ids=["l1"]),
            note("n1", created_at=at(days=-1), lead_ids=["l1"]),
            task("t1", created_at=at(days=-1), lead_ids=["l1"]),
        ],
        ids=["inbound-email", "call", "meeting", "note", "task"],
    )
    def test_every_activity_kind_counts(self, activity: Any) -> None:
        """Any activity kind you logged listing the lead ends it."""
        assert fires(new_lead(), activity) is False

    def test_task_listing_the_lead_through_its_meeting(self) -> None:
        """A task of yours whose meeting lists the lead lists the lead too."""
        theirs = meeting("m1", owner_id="u2", start=at(days=10), lead_ids=["l1"])
        follow_up = task("t1", created_at=at(days=-1), meeting_id="m1")
        assert fires(new_lead(), theirs) is True
        assert fires(new_lead(), theirs, follow_up) is False

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({"start": at(days=-1)}, False),
            ({"start": at(hours=-1), "end": at(hours=1)}, False),
            ({"start": NOW + ONE_US}, True),
        ],
        ids=["past", "in-progress", "scheduled"],
    )
    def test_meeting_happens_at_its_start(self, fields: dict[str, Any], expected: bool) -> None:
        """A meeting of yours listing the lead counts once it has started, not when scheduled."""
        assert fires(new_lead(), meeting("m1", lead_ids=["l1"], **fields)) is expected

    def test_task_happens_at_its_creation(self) -> None:
        """A task created after ``now`` has not happened yet."""
        assert fires(new_lead(), task("t1", created_at=at(hours=1), lead_ids=["l1"])) is True

    def test_someone_elses_activity_does_not_count(self) -> None:
        """An activity listing the lead that another user logged leaves the action."""
        logged = call("k1", owner_id="u2", started_at=at(days=-1), lead_ids=["l1"])
        assert fires(new_lead(), logged) is True

    def test_activity_listing_only_the_contact_does_not_count(self) -> None:
        """An activity listing the lead's contact, not the lead, leaves the action."""
        logged = call("k1", started_at=at(days=-1), contact_ids=["c1"])
        assert fires(new_lead(), logged) is True


class TestTime:
    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (ASSIGNED - ONE_US, False),
            (ASSIGNED, True),
            (EXPIRES - ONE_US, True),
            (EXPIRES, False),
        ],
        ids=["before-created", "at-created", "before-expiry", "at-expiry"],
    )
    def test_lives_30_days(self, now: datetime, expected: bool) -> None:
        """Active from ``created_at`` (inclusive) to ``created_at`` + 30 days (exclusive)."""
        assert fires(new_lead(), now=now) is expected

    def test_a_lead_created_after_now_does_not_exist(self) -> None:
        """A lead created after ``now`` does not exist yet, whatever its assignment stamp."""
        assert fires(new_lead(created_at=at(hours=1), owner_assigned_at=at(days=-1))) is False

    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (ASSIGNED + timedelta(days=10) - ONE_US, True),
            (ASSIGNED + timedelta(days=10), False),
        ],
    )
    def test_lifetime_override(self, now: datetime, expected: bool) -> None:
        """A ``lifetime`` of 10 days moves the expiry to ``created_at`` + 10 days."""
        actions = run(new_lead(), now=now, grouped=False, lifetime=timedelta(days=10))
        assert bool(actions) is expected
        if actions:
            assert actions[0].expires_at == ASSIGNED + timedelta(days=10)


class TestGrouping:
    RECORDS = (
        lead("lb", owner_assigned_at=at(days=-5)),
        lead("l9", owner_assigned_at=at(days=-2)),
        lead("la", owner_assigned_at=at(days=-5)),
        lead("lz", owner_assigned_at=at(days=-10)),
    )

    def test_one_card_for_all(self) -> None:
        """One card: subjects by created_at then id, earliest created_at, latest expires_at."""
        (card,) = run(*self.RECORDS)
        assert card.subjects == (("lead", "lz"), ("lead", "la"), ("lead", "lb"), ("lead", "l9"))
        assert card.created_at == at(days=-10)
        assert card.expires_at == at(days=28)
        assert card.reasons

    def test_card_key_survives_membership_changes(self) -> None:
        """The card keeps its key while members come and go."""
        (small,) = run(self.RECORDS[0])
        (large,) = run(*self.RECORDS)
        assert small.key == large.key
        assert small.key.startswith("newly_assigned_leads:")

    def test_worked_members_leave_the_card(self) -> None:
        """A member you logged an activity for leaves the card; the others stay."""
        logged = note("n1", created_at=at(days=-1), lead_ids=["lz"])
        (card,) = run(*self.RECORDS, logged)
        assert card.subjects == (("lead", "la"), ("lead", "lb"), ("lead", "l9"))
        assert card.created_at == at(days=-5)

    def test_ungrouped(self) -> None:
        """With grouping off, one action per lead, each with its own window."""
        actions = run(*self.RECORDS, grouped=False)
        by_subject = {a.subjects: (a.created_at, a.expires_at) for a in actions}
        assert by_subject == {
            (("lead", "lz"),): (at(days=-10), at(days=20)),
            (("lead", "la"),): (at(days=-5), at(days=25)),
            (("lead", "lb"),): (at(days=-5), at(days=25)),
            (("lead", "l9"),): (at(days=-2), at(days=28)),
        }


class TestReasons:
    def test_reasons_name_each_criterion_and_its_data(self) -> None:
        """The reasons list, in order, each criterion met and the data that met it."""
        (action,) = run(new_lead())
        assert action.reasons == (
            "lead l1 is yours",
            "lead l1 is in new, the first stage of pipeline leads",
            "you have logged no activity listing lead l1 since 2026-11-23T12:00+00:00",
            "lead l1 was assigned (or created) at 2026-11-23T12:00+00:00",
            "the action lives 30 days from its creation",
        )

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_failing_lead_does_not_stop_the_others(self, reverse: bool) -> None:
        """A lead that fails a criterion is skipped; the next lead is still checked."""
        records: list[Any] = [lead("l0", stage_id="working"), new_lead()]
        actions = run(*(reversed(records) if reverse else records))
        assert subjects_of(actions) == [("lead", "l1")]

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_lead_with_an_activity_does_not_stop_the_others(self, reverse: bool) -> None:
        """A lead with an activity of yours fails a later criterion; the next lead still fires."""
        records: list[Any] = [
            lead("l0", owner_assigned_at=ASSIGNED),
            call("k1", started_at=at(days=-1), lead_ids=["l0"]),
            new_lead(),
        ]
        actions = run(*(reversed(records) if reverse else records))
        assert subjects_of(actions) == [("lead", "l1")]


class TestExplain:
    def test_explained_at_expires_at_the_lifetime_is_unmet(self) -> None:
        """At ``expires_at`` the action has expired: its lifetime check says until when."""
        entry = explain_rule(NewlyAssignedLeads, build(PERSON, new_lead()), ("lead", "l1"), EXPIRES)
        assert (entry.status, entry.created_at, entry.expires_at) == ("expired", ASSIGNED, EXPIRES)
        assert [(c.id, c.met) for c in entry.checks][-1] == ("within_lifetime", False)
        assert str(entry.checks[-1]) == (
            "the action lived 30 days from its creation, until 2026-12-23T12:00+00:00"
        )

    @pytest.mark.parametrize(
        ("email_at", "named"),
        [
            pytest.param(
                at(days=-2), "email e1 listing lead l1 at 2026-11-24T12:00+00:00", id="earlier"
            ),
            pytest.param(
                at(days=-1), "call k2 listing lead l1 at 2026-11-25T12:00+00:00", id="same-time"
            ),
        ],
    )
    def test_the_first_activity_of_yours_is_named(self, email_at: datetime, named: str) -> None:
        """Of two activities of yours since ``created_at``, the check names the first; at the
        same instant, by kind (a call before an email), then by id."""
        snap = build(
            PERSON,
            new_lead(),
            call("k2", started_at=at(days=-1), lead_ids=["l1"]),
            email("e1", sent_at=email_at, lead_ids=["l1"]),
        )
        entry = explain_rule(NewlyAssignedLeads, snap, ("lead", "l1"))
        assert entry.status == "unmet"
        assert [(c.id, c.met, str(c)) for c in entry.checks][2] == (
            "no_activity_of_yours_since",
            False,
            f"you logged {named}, since 2026-11-23T12:00+00:00",
        )

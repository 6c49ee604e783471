"""Truth table of ``recently_engaged_leads`` (SPEC §5)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from guided_actions import Action, Config, Snapshot
from guided_actions.rules import RecentlyEngagedLeads
from guided_actions.testing import NOW, at, build, contact, engagement, explain_rule, lead, run_rule
from guided_actions.typing import Subject

ENGAGED = at(days=-2)
EXPIRES = ENGAGED + timedelta(days=7)
US = timedelta(microseconds=1)
FIRES = [(("lead", "l1"),)]


def snapshot(
    *,
    events: Sequence[datetime] = (ENGAGED,),
    extra: Sequence[Any] = (),
    **lead_fields: Any,
) -> Snapshot:
    """Lead ``l1`` (yours, first stage) of contact ``c1``, engaged at each of ``events``."""
    return build(
        contact("c1", owner_id="u2"),
        lead("l1", **lead_fields),
        *(engagement(f"ev{i}", occurred_at=t) for i, t in enumerate(events)),
        *extra,
    )


def run(snap: Snapshot, now: datetime = NOW, **kwargs: Any) -> list[Action]:
    return run_rule(RecentlyEngagedLeads, snap, now, **kwargs)


def subjects(snap: Snapshot, now: datetime = NOW, **kwargs: Any) -> list[tuple[Subject, ...]]:
    return [a.subjects for a in run(snap, now, **kwargs)]


class TestDeclared:
    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("id", "recently_engaged_leads"),
            ("title", "Recently engaged leads"),
            ("category", "prospecting"),
            ("priority", "normal"),
            ("subject_kind", "lead"),
            ("grouped", False),
        ],
    )
    def test_declared_data(self, name: str, value: object) -> None:
        """The rule class declares SPEC §5's id, title, category, priority and subject kind."""
        assert getattr(RecentlyEngagedLeads, name) == value


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """An open lead you own whose contact engaged two days ago gives one action."""
        (action,) = run(snapshot())
        assert action.rule == "recently_engaged_leads"
        assert action.title == "Recently engaged leads"
        assert action.category == "prospecting"
        assert action.subjects == (("lead", "l1"),)
        assert action.created_at == ENGAGED
        assert action.expires_at == EXPIRES
        assert action.reasons
        assert action.key.startswith("recently_engaged_leads:")

    def test_latest_engagement_is_created_at(self) -> None:
        """``created_at`` is the latest engagement of the lead's contact."""
        (action,) = run(snapshot(events=(at(days=-6), at(hours=-3), at(days=-4))))
        assert action.created_at == at(hours=-3)
        assert action.expires_at == at(hours=-3, days=7)

    def test_each_open_lead_of_the_contact(self) -> None:
        """Two open leads of yours for the engaged contact give one action each."""
        snap = snapshot(extra=[lead("l2", created_at=at(days=-3))])
        assert sorted(subjects(snap)) == [(("lead", "l1"),), (("lead", "l2"),)]


class TestCriteria:
    @pytest.mark.parametrize(
        ("owner", "stage", "fires"),
        [
            pytest.param("u1", "new", True, id="yours-first-stage"),
            pytest.param("u1", "working", True, id="yours-later-open-stage"),
            pytest.param("u1", "qualified", False, id="yours-closed-won"),
            pytest.param("u1", "disqualified", False, id="yours-disqualified"),
            pytest.param("u2", "new", False, id="someone-elses"),
            pytest.param(None, "new", False, id="unowned"),
        ],
    )
    def test_open_lead_you_own(self, owner: str | None, stage: str, fires: bool) -> None:
        """Only an open lead (any open stage) that you own fires."""
        assert subjects(snapshot(owner_id=owner, stage_id=stage)) == (FIRES if fires else [])

    def test_owning_the_contact_is_not_owning_the_lead(self) -> None:
        """Owning the contact of someone else's lead does not make the lead yours."""
        snap = build(
            contact("c1", owner_id="u1"),
            lead("l1", owner_id="u2"),
            engagement("ev1", occurred_at=ENGAGED),
        )
        assert subjects(snap) == []
        assert subjects(snap, user="u2") == FIRES

    def test_no_engagement(self) -> None:
        """A lead whose contact never engaged does not fire."""
        assert subjects(snapshot(events=())) == []

    def test_engagement_of_another_contact(self) -> None:
        """Another contact's engagement does not count for this lead."""
        snap = snapshot(
            events=(),
            extra=[contact("c2"), engagement("ev1", contact_id="c2", occurred_at=ENGAGED)],
        )
        assert subjects(snap) == []

    @pytest.mark.parametrize(
        ("ago", "fires"),
        [
            pytest.param(timedelta(0), True, id="now"),
            pytest.param(timedelta(days=7) - US, True, id="just-within-7-days"),
            pytest.param(timedelta(days=7), False, id="exactly-7-days"),
            pytest.param(timedelta(days=7) + US, False, id="more-than-7-days"),
            pytest.param(timedelta(days=30), False, id="long-ago"),
        ],
    )
    def test_within_the_last_7_days(self, ago: timedelta, fires: bool) -> None:
        """An engagement exactly 7 days ago is no longer within the last 7 days."""
        assert subjects(snapshot(events=(NOW - ago,))) == (FIRES if fires else [])

    def test_lead_created_after_now_does_not_exist(self) -> None:
        """A lead created after ``now`` does not exist yet."""
        assert subjects(snapshot(created_at=at(microseconds=1))) == []

    def test_engagement_after_now_is_ignored(self) -> None:
        """An engagement stamped after ``now`` has not happened: the earlier one is the latest."""
        (action,) = run(snapshot(events=(ENGAGED, at(microseconds=1))))
        assert action.created_at == ENGAGED
        assert subjects(snapshot(events=(at(hours=1),))) == []

    @pytest.mark.parametrize("kinds", [{"form_submission"}, set()], ids=["other-kind", "none"])
    def test_engagement_kinds_configured_out(self, kinds: set[str]) -> None:
        """With the engagement's kind not counted, the rule does not fire."""
        assert subjects(snapshot(), config=Config(engagement_kinds=kinds)) == []

    def test_lead_created_after_the_engagement(self) -> None:
        """A lead created after its contact engaged fires, from the engagement, once it exists."""
        snap = snapshot(created_at=ENGAGED + timedelta(days=1))
        assert subjects(snap, ENGAGED + timedelta(days=1) - US) == []
        (action,) = run(snap, ENGAGED + timedelta(days=1))
        assert action.created_at == ENGAGED

    def test_configured_kinds_pick_the_latest_counted_engagement(self) -> None:
        """Only counted kinds are engagements; the latest counted one is ``created_at``."""
        snap = build(
            contact("c1"),
            lead("l1"),
            engagement("ev1", kind="form_submission", occurred_at=at(days=-3)),
            engagement("ev2", kind="page_view", occurred_at=at(days=-1)),
        )
        config = Config(engagement_kinds={"form_submission", "email_click"})
        (action,) = run(snap, config=config)
        assert action.created_at == at(days=-3)
        assert [a.created_at for a in run(snap)] == [at(days=-1)]


class TestTime:
    @pytest.mark.parametrize(
        ("now", "fires"),
        [
            pytest.param(ENGAGED - US, False, id="before-created_at"),
            pytest.param(ENGAGED, True, id="at-created_at"),
            pytest.param(EXPIRES - US, True, id="just-before-expires_at"),
            pytest.param(EXPIRES, False, id="at-expires_at"),
        ],
    )
    def test_window(self, now: datetime, fires: bool) -> None:
        """Present from the latest engagement (inclusive) until 7 days later (exclusive)."""
        assert subjects(snapshot(), now) == (FIRES if fires else [])

    def test_lead_closed_later_removes_it(self) -> None:
        """Once the lead is in a closed stage, the action is gone."""
        assert subjects(snapshot(stage_id="qualified"), ENGAGED + timedelta(days=1)) == []

    def test_lifetime_override_moves_the_boundary(self) -> None:
        """A shorter ``lifetime`` narrows "within the last N days" and moves ``expires_at``."""
        lifetime = timedelta(days=3)
        (action,) = run(snapshot(), ENGAGED + lifetime - US, lifetime=lifetime)
        assert action.expires_at == ENGAGED + lifetime
        assert subjects(snapshot(), ENGAGED + lifetime, lifetime=lifetime) == []
        assert subjects(snapshot(), ENGAGED + lifetime) == FIRES


class TestReasons:
    def test_reasons_name_each_criterion_and_its_data(self) -> None:
        """The reasons list, in order, each criterion met and the data that met it."""
        (action,) = run(snapshot())
        assert action.reasons == (
            "lead l1 is yours",
            "lead l1 is in open stage new",
            "lead l1 engaged at 2026-11-24T12:00+00:00: engagement ev0 (email_open) of contact c1"
            " (c1@client.test)",
            "the action lives 7 days from its creation",
        )

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_failing_lead_does_not_stop_the_others(self, reverse: bool) -> None:
        """Leads without engagement, or closed, are skipped; the next lead is still checked."""
        records: list[Any] = [
            contact("c0", owner_id="u2"),
            lead("l0", contact_id="c0"),
            contact("c00", owner_id="u2"),
            lead("l00", contact_id="c00", stage_id="disqualified"),
            engagement("ev00", contact_id="c00", occurred_at=ENGAGED),
            contact("c1", owner_id="u2"),
            lead("l1"),
            engagement("ev1", occurred_at=ENGAGED),
        ]
        snap = build(*(reversed(records) if reverse else records))
        assert subjects(snap) == FIRES


class TestExplain:
    def test_explained_at_expires_at_the_lifetime_is_unmet(self) -> None:
        """At ``expires_at`` the action has expired: its lifetime check says until when."""
        entry = explain_rule(RecentlyEngagedLeads, snapshot(), ("lead", "l1"), EXPIRES)
        assert (entry.status, entry.created_at, entry.expires_at) == ("expired", ENGAGED, EXPIRES)
        assert [(c.id, c.met) for c in entry.checks][-1] == ("within_lifetime", False)
        assert str(entry.checks[-1]) == (
            "the action lived 7 days from its creation, until 2026-12-01T12:00+00:00"
        )

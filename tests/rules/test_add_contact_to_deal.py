"""Truth table of ``add_contact_to_deal`` (SPEC §5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from guided_actions import Action, Snapshot
from guided_actions.rules import AddContactToDeal
from guided_actions.testing import NOW, at, build, company, contact, deal, explain_rule, run_rule
from guided_actions.typing import Subject

US = timedelta(microseconds=1)
WEEK = timedelta(days=7)
DEAL_CREATED = at(days=-10)
CREATED = DEAL_CREATED + WEEK
EXPIRES = CREATED + WEEK
FIRES = [(("deal", "d1"),)]


def snapshot(*extra: Any, **deal_fields: Any) -> Snapshot:
    """Deal ``d1`` (yours, open, created ten days ago, no contact) and ``extra`` records."""
    deal_fields.setdefault("created_at", DEAL_CREATED)
    return build(deal("d1", **deal_fields), *extra)


def run(snap: Snapshot, now: datetime = NOW, **kwargs: Any) -> list[Action]:
    return run_rule(AddContactToDeal, snap, now, **kwargs)


def subjects(snap: Snapshot, now: datetime = NOW, **kwargs: Any) -> list[tuple[Subject, ...]]:
    return [a.subjects for a in run(snap, now, **kwargs)]


class TestDeclared:
    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("id", "add_contact_to_deal"),
            ("title", "Add contact to deal"),
            ("category", "deal"),
            ("priority", "low"),
            ("subject_kind", "deal"),
            ("grouped", False),
        ],
    )
    def test_declared_data(self, name: str, value: object) -> None:
        """The rule class declares SPEC §5's id, title, category, priority and subject kind."""
        assert getattr(AddContactToDeal, name) == value


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """A ten-day-old open deal of yours with no contact gives one action."""
        (action,) = run(snapshot())
        assert action.rule == "add_contact_to_deal"
        assert action.title == "Add contact to deal"
        assert action.category == "deal"
        assert action.subjects == (("deal", "d1"),)
        assert action.created_at == CREATED
        assert action.expires_at == EXPIRES
        assert action.reasons
        assert action.key.startswith("add_contact_to_deal:")
        assert (action.contact_ids, action.company_ids) == ((), ())

    def test_one_action_per_deal(self) -> None:
        """Two such deals give one action each, each from its own ``created_at``."""
        snap = snapshot(deal("d2", created_at=at(days=-8)))
        got = {a.subjects: a.created_at for a in run(snap)}
        assert got == {(("deal", "d1"),): CREATED, (("deal", "d2"),): at(days=-1)}


class TestCriteria:
    @pytest.mark.parametrize(
        ("owner", "stage", "fires"),
        [
            pytest.param("u1", "new", True, id="yours-first-stage"),
            pytest.param("u1", "proposal", True, id="yours-later-open-stage"),
            pytest.param("u1", "won", False, id="yours-won"),
            pytest.param("u1", "lost", False, id="yours-lost"),
            pytest.param("u2", "new", False, id="someone-elses"),
            pytest.param(None, "new", False, id="unowned"),
        ],
    )
    def test_open_deal_you_own(self, owner: str | None, stage: str, fires: bool) -> None:
        """Only an open deal (any open stage) that you own fires."""
        assert subjects(snapshot(owner_id=owner, stage_id=stage)) == (FIRES if fires else [])

    def test_deal_with_a_contact(self) -> None:
        """A deal that lists a contact does not fire."""
        assert subjects(snapshot(contact("c1", owner_id="u2"), contact_ids=("c1",))) == []

    def test_a_company_is_not_a_contact(self) -> None:
        """A deal with a company but no contact still fires."""
        assert subjects(snapshot(company("co1"), company_ids=("co1",))) == FIRES

    @pytest.mark.parametrize(
        ("contact_created", "fires"),
        [
            pytest.param(at(microseconds=1), True, id="after-now"),
            pytest.param(NOW, False, id="at-now"),
        ],
    )
    def test_contact_created_after_now_does_not_count(
        self, contact_created: datetime, fires: bool
    ) -> None:
        """A listed contact created after ``now`` does not exist yet, so the deal has none."""
        snap = snapshot(contact("c1", created_at=contact_created), contact_ids=("c1",))
        assert subjects(snap) == (FIRES if fires else [])

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

    def test_contact_added_expires_it(self) -> None:
        """Once a contact is added (it exists by ``now``), the action is gone."""
        snap = snapshot(contact("c1", created_at=CREATED + US), contact_ids=("c1",))
        assert subjects(snap, CREATED) == FIRES
        assert subjects(snap, CREATED + US) == []

    def test_deal_closed_expires_it(self) -> None:
        """Once the deal is in a closed stage, the action is gone."""
        assert subjects(snapshot(stage_id="lost", closed_at=CREATED), CREATED + US) == []

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
            "deal d1 lists no contact",
            "deal d1 was created more than 7 days ago, at 2026-11-16T12:00+00:00",
            "the action lives 7 days from its creation",
        )
        assert [c.id for c in action.checks] == [c.id for c in AddContactToDeal.criteria]

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_failing_deal_does_not_stop_the_others(self, reverse: bool) -> None:
        """A deal that fails a criterion is skipped; the next deal is still checked."""
        records: list[Any] = [
            contact("c1"),
            deal("d0", created_at=DEAL_CREATED, contact_ids=("c1",)),
            deal("d1", created_at=DEAL_CREATED),
        ]
        snap = build(*(reversed(records) if reverse else records))
        assert subjects(snap) == FIRES


class TestExplain:
    def test_explained_at_expires_at_the_lifetime_is_unmet(self) -> None:
        """At ``expires_at`` the action has expired: its lifetime check says until when."""
        entry = explain_rule(AddContactToDeal, snapshot(), ("deal", "d1"), EXPIRES)
        assert (entry.status, entry.created_at, entry.expires_at) == ("expired", CREATED, EXPIRES)
        assert [(c.id, c.met) for c in entry.checks][-1] == ("within_lifetime", False)
        assert str(entry.checks[-1]) == (
            "the action lived 7 days from its creation, until 2026-11-30T12:00+00:00"
        )

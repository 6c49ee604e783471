"""Truth table of ``target_account_activity`` (SPEC §5)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from guided_actions import Action, Config, Snapshot
from guided_actions.rules import TargetAccountActivity
from guided_actions.testing import (
    NOW,
    at,
    build,
    company,
    contact,
    engagement,
    explain_rule,
    run_rule,
)
from guided_actions.typing import Subject

ENGAGED = at(days=-2)
EXPIRES = ENGAGED + timedelta(days=7)
US = timedelta(microseconds=1)


def snapshot(
    *,
    contact_owner: str | None = "u1",
    company_owner: str | None = "u2",
    target: bool = True,
    events: Sequence[datetime] = (ENGAGED,),
    extra: Sequence[Any] = (),
    **contact_fields: Any,
) -> Snapshot:
    """Contact ``c1`` at company ``co1``, engaged (``email_open``) at each of ``events``."""
    contact_fields.setdefault("company_ids", ("co1",))
    return build(
        company("co1", owner_id=company_owner, target_account=target),
        contact("c1", owner_id=contact_owner, **contact_fields),
        *(engagement(f"ev{i}", occurred_at=t) for i, t in enumerate(events)),
        *extra,
    )


def run(snap: Snapshot, now: datetime = NOW, **kwargs: Any) -> list[Action]:
    return run_rule(TargetAccountActivity, snap, now, **kwargs)


def subjects(snap: Snapshot, now: datetime = NOW, **kwargs: Any) -> list[tuple[Subject, ...]]:
    return [a.subjects for a in run(snap, now, **kwargs)]


FIRES = [(("contact", "c1"),)]


class TestDeclared:
    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("id", "target_account_activity"),
            ("title", "Target account activity"),
            ("category", "prospecting"),
            ("priority", "normal"),
            ("subject_kind", "contact"),
            ("grouped", False),
        ],
    )
    def test_declared_data(self, name: str, value: object) -> None:
        """The rule class declares SPEC §5's id, title, category, priority and subject kind."""
        assert getattr(TargetAccountActivity, name) == value


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """A contact you own at a target account that engaged gives one action."""
        (action,) = run(snapshot())
        assert action.rule == "target_account_activity"
        assert action.title == "Target account activity"
        assert action.category == "prospecting"
        assert action.subjects == (("contact", "c1"),)
        assert action.created_at == ENGAGED
        assert action.expires_at == EXPIRES
        assert action.reasons
        assert action.key.startswith("target_account_activity:")

    @pytest.mark.parametrize(
        "kind",
        [
            "email_open",
            "email_click",
            "email_reply",
            "form_submission",
            "meeting_booked",
            "page_view",
        ],
    )
    def test_every_engagement_kind_counts_by_default(self, kind: str) -> None:
        """Each of the six engagement kinds counts as engaging by default."""
        snap = build(
            company("co1", owner_id="u1", target_account=True),
            contact("c1", company_ids=("co1",)),
            engagement("ev1", kind=kind, occurred_at=ENGAGED),
        )
        assert [a.created_at for a in run(snap)] == [ENGAGED]

    def test_latest_engagement_is_created_at(self) -> None:
        """``created_at`` is the contact's latest engagement."""
        (action,) = run(snapshot(events=(at(days=-5), at(days=-1), at(days=-3))))
        assert action.created_at == at(days=-1)
        assert action.expires_at == at(days=6)


class TestOwnership:
    @pytest.mark.parametrize(
        ("contact_owner", "company_owner", "target", "fires"),
        [
            pytest.param("u1", "u2", True, True, id="own-contact-target"),
            pytest.param("u2", "u1", True, True, id="own-target-company"),
            pytest.param(None, "u1", True, True, id="unowned-contact-own-target-company"),
            pytest.param("u1", None, True, True, id="own-contact-unowned-target-company"),
            pytest.param("u1", "u1", True, True, id="own-both"),
            pytest.param("u1", "u2", False, False, id="own-contact-not-target"),
            pytest.param("u1", "u1", False, False, id="own-both-not-target"),
            pytest.param("u2", "u1", False, False, id="own-company-not-target"),
            pytest.param("u2", "u2", True, False, id="neither"),
            pytest.param(None, None, True, False, id="nobody"),
        ],
    )
    def test_ownership_table(
        self, contact_owner: str | None, company_owner: str | None, target: bool, fires: bool
    ) -> None:
        """Fires only at a target account, and only when you own the contact or that company."""
        snap = snapshot(contact_owner=contact_owner, company_owner=company_owner, target=target)
        assert subjects(snap) == (FIRES if fires else [])

    def test_owning_another_non_target_company_of_the_contact_is_not_enough(self) -> None:
        """You own a non-target company of the contact; the target company is someone else's."""
        snap = snapshot(
            contact_owner="u2",
            company_owner="u2",
            company_ids=("co1", "co2"),
            extra=[company("co2", owner_id="u1", target_account=False)],
        )
        assert subjects(snap) == []

    def test_contact_not_associated_with_the_target_company(self) -> None:
        """A contact you own with no company, next to a target company, does not fire."""
        assert subjects(snapshot(company_owner="u1", company_ids=())) == []

    def test_one_action_when_you_own_contact_and_several_target_companies(self) -> None:
        """A contact at two target companies of yours still gives a single action."""
        snap = snapshot(
            company_owner="u1",
            company_ids=("co1", "co2"),
            extra=[company("co2", owner_id="u1", target_account=True)],
        )
        assert subjects(snap) == FIRES

    def test_evaluating_the_other_user(self) -> None:
        """The owner of the target company gets the action; the contact's owner too."""
        snap = snapshot(contact_owner="u1", company_owner="u2")
        assert subjects(snap, user="u2") == FIRES
        assert subjects(snap, user="admin") == []


class TestEngagement:
    def test_no_engagement(self) -> None:
        """A target-account contact that never engaged does not fire."""
        assert subjects(snapshot(events=())) == []

    def test_engagement_of_another_contact(self) -> None:
        """Another contact's engagement does not count for this one."""
        snap = build(
            company("co1", owner_id="u1", target_account=True),
            contact("c1", company_ids=("co1",)),
            contact("c2"),
            engagement("ev1", contact_id="c2", occurred_at=ENGAGED),
        )
        assert subjects(snap) == []

    def test_engagement_after_now_is_ignored(self) -> None:
        """An engagement stamped after ``now`` has not happened: the earlier one is the latest."""
        (action,) = run(snapshot(events=(ENGAGED, at(hours=1))))
        assert action.created_at == ENGAGED

    def test_only_engagement_after_now(self) -> None:
        """With its only engagement after ``now``, the contact has not engaged yet."""
        assert subjects(snapshot(events=(at(microseconds=1),))) == []

    def test_contact_created_after_now_does_not_exist(self) -> None:
        """A contact created after ``now`` does not exist yet, whichever way you own it."""
        assert subjects(snapshot(created_at=at(microseconds=1))) == []
        snap = snapshot(contact_owner="u2", company_owner="u1", created_at=at(hours=1))
        assert subjects(snap) == []

    @pytest.mark.parametrize(
        "kinds", [{"page_view", "form_submission"}, set()], ids=["other-kinds", "none"]
    )
    def test_engagement_kinds_configured_out(self, kinds: set[str]) -> None:
        """With the engagement's kind not counted, the rule does not fire."""
        assert subjects(snapshot(), config=Config(engagement_kinds=kinds)) == []

    def test_configured_kinds_pick_the_latest_counted_engagement(self) -> None:
        """Only counted kinds are engagements; the latest counted one is ``created_at``."""
        snap = build(
            company("co1", owner_id="u1", target_account=True),
            contact("c1", company_ids=("co1",)),
            engagement("ev1", kind="email_open", occurred_at=at(days=-3)),
            engagement("ev2", kind="page_view", occurred_at=at(days=-1)),
        )
        (action,) = run(snap, config=Config(engagement_kinds={"email_open"}))
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

    def test_a_new_engagement_renews_the_action(self) -> None:
        """After the first action lapsed, a new engagement starts a new action with a new key."""
        first = ENGAGED
        second = at(days=8)
        snap = snapshot(events=(first, second))
        (old,) = run(snap, at(days=1))
        (new,) = run(snap, at(days=9))
        assert (old.created_at, new.created_at) == (first, second)
        assert old.key != new.key
        assert subjects(snap, at(days=6)) == []

    def test_lifetime_override_moves_expiry(self) -> None:
        """A shorter ``lifetime`` threshold moves ``expires_at``."""
        lifetime = timedelta(days=3)
        (action,) = run(snapshot(), ENGAGED + lifetime - US, lifetime=lifetime)
        assert action.expires_at == ENGAGED + lifetime
        assert subjects(snapshot(), ENGAGED + lifetime, lifetime=lifetime) == []
        assert subjects(snapshot(), ENGAGED + lifetime) == FIRES


class TestReasons:
    def test_reasons_name_each_criterion_and_its_data(self) -> None:
        """The reasons name the contact, every target account (by name, else id), the event."""
        snap = snapshot(
            company_ids=("co1", "co2"),
            extra=[company("co2", name="Initech", owner_id="u2", target_account=True)],
        )
        (action,) = run(snap)
        assert action.reasons == (
            "contact c1 (c1@client.test) is at a target account of yours (you own the contact or"
            " the company): company co1, company co2 (Initech)",
            "contact c1 (c1@client.test) engaged at 2026-11-24T12:00+00:00: engagement ev0"
            " (email_open)",
            "the action lives 7 days from its creation",
        )

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_failing_contact_does_not_stop_the_others(self, reverse: bool) -> None:
        """Contacts off target accounts, or never engaged, are skipped; the next still counts."""
        records: list[Any] = [
            company("co0", owner_id="u2"),
            contact("c0", company_ids=("co0",)),
            engagement("ev0", contact_id="c0", occurred_at=ENGAGED),
            company("co1", owner_id="u2", target_account=True),
            contact("c00", company_ids=("co1",)),
            contact("c1", company_ids=("co1",)),
            engagement("ev1", occurred_at=ENGAGED),
        ]
        snap = build(*(reversed(records) if reverse else records))
        assert subjects(snap) == FIRES


class TestExplain:
    def test_explained_at_expires_at_the_lifetime_is_unmet(self) -> None:
        """At ``expires_at`` the action has expired: its lifetime check says until when."""
        entry = explain_rule(TargetAccountActivity, snapshot(), ("contact", "c1"), EXPIRES)
        assert (entry.status, entry.created_at, entry.expires_at) == ("expired", ENGAGED, EXPIRES)
        assert [(c.id, c.met) for c in entry.checks][-1] == ("within_lifetime", False)
        assert str(entry.checks[-1]) == (
            "the action lived 7 days from its creation, until 2026-12-01T12:00+00:00"
        )

    @pytest.mark.parametrize(
        ("fields", "text"),
        [
            pytest.param(
                {"contact_owner": "u2"},
                "contact c1 (c1@client.test) is at no target account of yours: you own neither"
                " it (owner: u2) nor its target accounts (company co1)",
                id="someone-elses",
            ),
            pytest.param(
                {"contact_owner": None},
                "contact c1 (c1@client.test) is at no target account of yours: it has no owner,"
                " and you own none of its target accounts (company co1)",
                id="no-owner",
            ),
            pytest.param(
                {"target": False},
                "contact c1 (c1@client.test) is at no target account",
                id="no-target-account",
            ),
            pytest.param(
                {"contact_owner": None, "target": False},
                "contact c1 (c1@client.test) is at no target account",
                id="no-owner-no-target-account",
            ),
        ],
    )
    def test_why_the_contact_is_at_no_target_account_of_yours(
        self, fields: dict[str, Any], text: str
    ) -> None:
        """The unmet check says which is missing: a target account, or your ownership."""
        entry = explain_rule(TargetAccountActivity, snapshot(**fields), ("contact", "c1"))
        assert (entry.status, entry.created_at, entry.expires_at) == ("unmet", ENGAGED, EXPIRES)
        check = entry.checks[0]
        assert (check.id, check.met, str(check)) == ("at_target_account_of_yours", False, text)

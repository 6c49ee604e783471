"""Truth table of ``reengaged_contacts`` (SPEC §5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from guided_actions import Action, Config
from guided_actions.criteria import Ref
from guided_actions.rules import ReengagedContacts
from guided_actions.testing import (
    NOW,
    at,
    build,
    contact,
    engagement,
    explain_rule,
    lead,
    run_rule,
    subjects_of,
)

DISQUALIFIED = at(days=-10)
ENGAGED = at(days=-2)
EXPIRES = ENGAGED + timedelta(days=30)
ONE_US = timedelta(microseconds=1)

KINDS = (
    "email_open",
    "email_click",
    "email_reply",
    "form_submission",
    "meeting_booked",
    "page_view",
)


def dropped(id: str = "l1", **fields: Any) -> Any:
    """A lead of c1 disqualified at ``DISQUALIFIED``."""
    fields.setdefault("created_at", at(days=-20))
    fields.setdefault("stage_changed_at", DISQUALIFIED)
    return lead(id, stage_id="disqualified", **fields)


def run(*records: Any, now: datetime = NOW, **kwargs: Any) -> list[Action]:
    return run_rule(ReengagedContacts, build(*records), now, **kwargs)


def fires(*records: Any, now: datetime = NOW, **kwargs: Any) -> bool:
    return ("contact", "c1") in subjects_of(run(*records, now=now, **kwargs))


BASE = (contact("c1"), dropped(), engagement("ev1", occurred_at=ENGAGED))


class TestDeclaration:
    def test_declared_data_matches_the_table(self) -> None:
        """The rule declares SPEC §5's id, title, category, priority and subject kind."""
        rule = ReengagedContacts
        assert (rule.id, rule.title, rule.category, rule.priority, rule.subject_kind) == (
            "reengaged_contacts",
            "Re-engaged contacts",
            "prospecting",
            "normal",
            "contact",
        )
        assert rule.grouped is False
        assert ReengagedContacts().thresholds() == {"lifetime": timedelta(days=30)}


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """A contact of yours whose lead was disqualified and who engaged since: one action."""
        actions = run(*BASE)
        assert len(actions) == 1
        (action,) = actions
        assert action.rule == "reengaged_contacts"
        assert action.title == "Re-engaged contacts"
        assert action.category == "prospecting"
        assert action.subjects == (("contact", "c1"),)
        assert action.created_at == ENGAGED
        assert action.expires_at == EXPIRES
        assert action.reasons
        assert action.contact_ids == ("c1",)

    def test_created_at_the_first_engagement_after_the_disqualification(self) -> None:
        """Of several engagements, the first after the disqualification dates the action."""
        actions = run(
            contact("c1"),
            dropped(),
            engagement("ev0", occurred_at=at(days=-15)),
            engagement("ev2", occurred_at=at(days=-1)),
            engagement("ev1", occurred_at=at(days=-5)),
        )
        (action,) = actions
        assert action.created_at == at(days=-5)
        assert action.expires_at == at(days=25)

    def test_one_action_per_contact(self) -> None:
        """The rule does not group: two re-engaged contacts give two actions."""
        actions = run(
            *BASE,
            contact("c2"),
            dropped("l2", contact_id="c2"),
            engagement("ev2", contact_id="c2", occurred_at=at(days=-3)),
        )
        assert sorted(a.subjects for a in actions) == [
            (("contact", "c1"),),
            (("contact", "c2"),),
        ]


class TestCriteria:
    @pytest.mark.parametrize(
        ("owner_id", "expected"),
        [("u1", True), ("u2", False), (None, False)],
    )
    def test_owner(self, owner_id: str | None, expected: bool) -> None:
        """Only a contact you own qualifies (the lead's owner does not matter)."""
        records = (contact("c1", owner_id=owner_id), dropped(owner_id="u2"), BASE[2])
        assert fires(*records) is expected

    def test_no_lead_at_all(self) -> None:
        """A contact that never had a lead was not disqualified."""
        assert fires(contact("c1"), engagement("ev1", occurred_at=ENGAGED)) is False

    @pytest.mark.parametrize(
        ("stage_id", "expected"),
        [("new", False), ("working", False), ("qualified", False), ("disqualified", True)],
    )
    def test_the_most_recent_lead_must_be_disqualified(self, stage_id: str, expected: bool) -> None:
        """Open or won: not disqualified; only a closed stage that is not won is."""
        records = (
            contact("c1"),
            lead("l1", stage_id=stage_id, created_at=at(days=-20), stage_changed_at=DISQUALIFIED),
            BASE[2],
        )
        assert fires(*records) is expected

    def test_an_older_open_lead_prevents_it(self) -> None:
        """Another open lead for the contact (anyone's) means it is not re-engaged."""
        older_open = lead("l0", owner_id="u2", stage_id="working", created_at=at(days=-30))
        assert fires(*BASE, older_open) is False

    def test_an_older_disqualified_lead_does_not_count(self) -> None:
        """The most recent lead decides: an older disqualified one under a won one does not."""
        newer_won = lead("l2", stage_id="qualified", created_at=at(days=-15))
        assert fires(*BASE, newer_won) is False

    @pytest.mark.parametrize(
        ("disqualified_id", "won_id", "expected"),
        [("lb", "la", True), ("la", "lb", False)],
    )
    def test_created_at_tie_is_broken_by_the_greater_id(
        self, disqualified_id: str, won_id: str, expected: bool
    ) -> None:
        """Two leads created at the same instant: the greater id is the most recent."""
        records = (
            contact("c1"),
            dropped(disqualified_id, created_at=at(days=-20)),
            lead(won_id, stage_id="qualified", created_at=at(days=-20)),
            BASE[2],
        )
        assert fires(*records) is expected

    @pytest.mark.parametrize(
        ("occurred_at", "expected"),
        [
            (DISQUALIFIED - ONE_US, False),
            (DISQUALIFIED, False),
            (DISQUALIFIED + ONE_US, True),
            (NOW, True),
            (NOW + ONE_US, False),
        ],
        ids=["before", "at-disqualification", "1us-after", "at-now", "after-now"],
    )
    def test_engaged_after_the_disqualification(
        self, occurred_at: datetime, expected: bool
    ) -> None:
        """An engagement at the disqualification is not after it; one after ``now`` is ignored."""
        records = (contact("c1"), dropped(), engagement("ev1", occurred_at=occurred_at))
        actions = run(*records)
        assert bool(actions) is expected
        if actions:
            assert actions[0].created_at == occurred_at

    @pytest.mark.parametrize(
        ("occurred_at", "expected"),
        [(at(days=-20), False), (at(days=-20) + ONE_US, True)],
        ids=["at-lead-creation", "1us-after"],
    )
    def test_disqualified_at_creation_without_stage_stamp(
        self, occurred_at: datetime, expected: bool
    ) -> None:
        """Without ``stage_changed_at`` the lead was disqualified at its ``created_at``."""
        records = (
            contact("c1"),
            dropped(stage_changed_at=None),
            engagement("ev1", occurred_at=occurred_at),
        )
        assert fires(*records) is expected

    def test_another_contacts_engagement_does_not_count(self) -> None:
        """Only the contact's own engagements count."""
        records = (
            contact("c1"),
            contact("c2"),
            dropped(),
            engagement("ev1", contact_id="c2", occurred_at=ENGAGED),
        )
        assert fires(*records) is False

    @pytest.mark.parametrize("kind", KINDS)
    def test_every_kind_counts_by_default(self, kind: str) -> None:
        """By default all six engagement kinds count."""
        assert fires(contact("c1"), dropped(), engagement("ev1", kind=kind, occurred_at=ENGAGED))

    @pytest.mark.parametrize(
        ("kind", "expected"),
        [("email_click", True), ("email_open", False), ("page_view", False)],
    )
    def test_engagement_kinds_configured_out(self, kind: str, expected: bool) -> None:
        """With ``engagement_kinds`` narrowed, the other kinds no longer count."""
        records = (contact("c1"), dropped(), engagement("ev1", kind=kind, occurred_at=ENGAGED))
        config = Config(engagement_kinds={"email_click", "form_submission"})
        assert fires(*records, config=config) is expected

    def test_configured_out_kinds_do_not_date_the_action(self) -> None:
        """The first *counted* engagement dates the action."""
        records = (
            contact("c1"),
            dropped(),
            engagement("ev1", kind="page_view", occurred_at=at(days=-5)),
            engagement("ev2", kind="email_click", occurred_at=ENGAGED),
        )
        (action,) = run(*records, config=Config(engagement_kinds={"email_click"}))
        assert action.created_at == ENGAGED


class TestExpiry:
    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (ENGAGED - ONE_US, False),
            (ENGAGED, True),
            (EXPIRES - ONE_US, True),
            (EXPIRES, False),
        ],
        ids=["before-created", "at-created", "before-expiry", "at-expiry"],
    )
    def test_lives_30_days(self, now: datetime, expected: bool) -> None:
        """Active from the first engagement (inclusive) to 30 days later (exclusive)."""
        assert fires(*BASE, now=now) is expected

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({"stage_id": "qualified", "created_at": at(days=-1)}, False),
            ({"stage_id": "disqualified", "created_at": at(days=-1)}, False),
            ({"stage_id": "working", "created_at": at(days=-1)}, False),
            ({"stage_id": "working", "created_at": at(hours=1)}, True),
        ],
        ids=["new-won", "new-disqualified", "new-open", "new-after-now"],
    )
    def test_a_new_lead_for_the_contact(self, fields: dict[str, Any], expected: bool) -> None:
        """A lead created for the contact since ends it; one created after ``now`` does not."""
        assert fires(*BASE, lead("l2", **fields)) is expected

    def test_a_new_disqualification_then_engagement_is_a_new_action(self) -> None:
        """Engaging after a newer lead's disqualification gives an action from that engagement."""
        newer = dropped("l2", created_at=at(days=-1), stage_changed_at=at(hours=-6))
        again = engagement("ev2", occurred_at=at(hours=-3))
        (action,) = run(*BASE, newer, again)
        assert action.created_at == at(hours=-3)

    def test_a_contact_created_after_now_does_not_exist(self) -> None:
        """A contact created after ``now`` has no action yet."""
        records = (contact("c1", created_at=at(hours=1)), *BASE[1:])
        assert fires(*records) is False

    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (ENGAGED + timedelta(days=10) - ONE_US, True),
            (ENGAGED + timedelta(days=10), False),
        ],
    )
    def test_lifetime_override(self, now: datetime, expected: bool) -> None:
        """A ``lifetime`` of 10 days moves the expiry to ``created_at`` + 10 days."""
        actions = run(*BASE, now=now, lifetime=timedelta(days=10))
        assert bool(actions) is expected
        if actions:
            assert actions[0].expires_at == ENGAGED + timedelta(days=10)


class TestReasons:
    def test_reasons_name_each_criterion_and_its_data(self) -> None:
        """The reasons list, in order, each criterion met and the data that met it."""
        (action,) = run(*BASE)
        assert action.reasons == (
            "contact c1 (c1@client.test) is yours",
            "contact c1 (c1@client.test) has no open lead",
            "lead l1, the most recent lead of contact c1 (c1@client.test), was disqualified"
            " (stage disqualified: closed, not won)",
            "contact c1 (c1@client.test) engaged at 2026-11-24T12:00+00:00 (engagement"
            " ev1 (email_open)), after lead l1 entered stage disqualified at"
            " 2026-11-16T12:00+00:00",
            "the action lives 30 days from its creation",
        )

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_failing_contact_does_not_stop_the_others(self, reverse: bool) -> None:
        """Contacts without a lead, or with an open lead, are skipped; the next still counts."""
        records: list[Any] = [
            contact("c0"),
            contact("c00"),
            lead("l00", contact_id="c00"),
            engagement("ev00", contact_id="c00", occurred_at=ENGAGED),
            *BASE,
        ]
        actions = run(*(reversed(records) if reverse else records))
        assert subjects_of(actions) == [("contact", "c1")]


def explained(*records: Any, now: datetime = NOW) -> list[tuple[str, bool, str]]:
    entry = explain_rule(ReengagedContacts, build(*records), "contact:c1", now)
    return [(c["criterion"], c["met"], c["text"]) for c in entry.to_dict()["checks"]]


YOURS = ("owned_by_you", True, "contact c1 (c1@client.test) is yours")
NO_OPEN = ("no_open_lead", True, "contact c1 (c1@client.test) has no open lead")
NO_LEAD = (
    "latest_lead_disqualified",
    False,
    "contact c1 (c1@client.test) has no lead, so none was disqualified",
)
DISQUALIFIED_LEAD = (
    "latest_lead_disqualified",
    True,
    "lead l1, the most recent lead of contact c1 (c1@client.test), was disqualified"
    " (stage disqualified: closed, not won)",
)
LIVES = ("within_lifetime", True, "the action lives 30 days from its creation")


class TestExplain:
    def test_no_lead_but_engaged(self) -> None:
        """With no lead, the engagement criterion says whether the contact engaged at all."""
        assert explained(contact("c1"), engagement("ev1", occurred_at=ENGAGED)) == [
            YOURS,
            NO_OPEN,
            NO_LEAD,
            (
                "engaged_after_disqualification",
                True,
                "contact c1 (c1@client.test) engaged at 2026-11-24T12:00+00:00 (engagement ev1"
                " (email_open)), with no lead to have been disqualified",
            ),
            LIVES,
        ]

    def test_no_lead_and_never_engaged(self) -> None:
        """Nothing to name: the check carries no engagement, no lead, no stage, no date."""
        entry = explain_rule(ReengagedContacts, build(contact("c1")), "contact:c1")
        assert entry.checks[3].values == {
            "contact": Ref("contact", "c1", "c1@client.test"),
            "at": None,
            "engagement": None,
            "lead": None,
            "stage": None,
            "since": None,
        }
        assert explained(contact("c1")) == [
            YOURS,
            NO_OPEN,
            NO_LEAD,
            (
                "engaged_after_disqualification",
                False,
                "contact c1 (c1@client.test) has not engaged, and has no lead to have been"
                " disqualified",
            ),
            LIVES,
        ]

    def test_disqualified_but_not_engaged_since(self) -> None:
        """An engagement before the disqualification: not engaged after it, no window."""
        entry = explain_rule(
            ReengagedContacts,
            build(contact("c1"), dropped(), engagement("ev0", occurred_at=at(days=-15))),
            "contact:c1",
        )
        assert (entry.status, entry.created_at, entry.expires_at) == ("unmet", None, None)
        assert (entry.checks[3].values["at"], entry.checks[3].values["engagement"]) == (None, None)
        assert explained(contact("c1"), dropped(), engagement("ev0", occurred_at=at(days=-15))) == [
            YOURS,
            NO_OPEN,
            DISQUALIFIED_LEAD,
            (
                "engaged_after_disqualification",
                False,
                "contact c1 (c1@client.test) has not engaged after lead l1 entered stage"
                " disqualified at 2026-11-16T12:00+00:00",
            ),
            LIVES,
        ]

    @pytest.mark.parametrize(
        ("now", "status", "lifetime"),
        [
            (EXPIRES - ONE_US, "active", LIVES),
            (
                EXPIRES,
                "expired",
                (
                    "within_lifetime",
                    False,
                    "the action lived 30 days from its creation, until 2026-12-24T12:00+00:00",
                ),
            ),
        ],
        ids=["before-expiry", "at-expiry"],
    )
    def test_expired_at_the_end_of_its_lifetime(
        self, now: datetime, status: str, lifetime: tuple[str, bool, str]
    ) -> None:
        """At ``expires_at`` the lifetime criterion fails and the action has expired."""
        entry = explain_rule(ReengagedContacts, build(*BASE), "contact:c1", now)
        assert (entry.status, entry.created_at, entry.expires_at) == (status, ENGAGED, EXPIRES)
        assert explained(*BASE, now=now)[-1] == lifetime

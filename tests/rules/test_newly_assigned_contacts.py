"""Truth table of ``newly_assigned_contacts`` (SPEC §5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from guided_actions import DEFAULT_LIFECYCLE_STAGES, Action
from guided_actions.rules import NewlyAssignedContacts
from guided_actions.testing import (
    NOW,
    at,
    build,
    contact,
    deal,
    email,
    explain_rule,
    run_rule,
    subjects_of,
)

ASSIGNED = at(days=-3)
EXPIRES = ASSIGNED + timedelta(days=30)
ONE_US = timedelta(microseconds=1)


def run(
    *records: Any, now: datetime = NOW, lifecycle_stages: list[str] | None = None, **kwargs: Any
) -> list[Action]:
    snapshot = build(*records, lifecycle_stages=lifecycle_stages)
    return run_rule(NewlyAssignedContacts, snapshot, now, **kwargs)


def fires(*records: Any, now: datetime = NOW, **kwargs: Any) -> bool:
    return ("contact", "c1") in subjects_of(run(*records, now=now, **kwargs))


class TestDeclaration:
    def test_declared_data_matches_the_table(self) -> None:
        """The rule declares SPEC §5's id, title, category, priority, subject kind, grouping."""
        rule = NewlyAssignedContacts
        assert (rule.id, rule.title, rule.category, rule.priority, rule.subject_kind) == (
            "newly_assigned_contacts",
            "Newly assigned contacts",
            "prospecting",
            "low",
            "contact",
        )
        assert rule.grouped is True
        assert NewlyAssignedContacts().thresholds() == {"lifetime": timedelta(days=30)}


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """A contact of yours assigned 3 days ago gives one card, created at the assignment."""
        actions = run(contact("c1", owner_assigned_at=ASSIGNED))
        assert len(actions) == 1
        (action,) = actions
        assert action.rule == "newly_assigned_contacts"
        assert action.title == "Newly assigned contacts"
        assert action.category == "prospecting"
        assert action.subjects == (("contact", "c1"),)
        assert action.created_at == ASSIGNED
        assert action.expires_at == EXPIRES
        assert action.reasons
        assert action.contact_ids == ("c1",)

    def test_created_at_falls_back_to_the_contact_creation(self) -> None:
        """Without ``owner_assigned_at`` the action is created at the contact's ``created_at``."""
        (action,) = run(contact("c1", created_at=at(days=-4)), grouped=False)
        assert action.created_at == at(days=-4)
        assert action.expires_at == at(days=26)


class TestCriteria:
    @pytest.mark.parametrize(
        ("owner_id", "expected"),
        [("u1", True), ("u2", False), (None, False)],
    )
    def test_owner(self, owner_id: str | None, expected: bool) -> None:
        """Only a contact you own qualifies."""
        assert fires(contact("c1", owner_id=owner_id, owner_assigned_at=ASSIGNED)) is expected

    @pytest.mark.parametrize(
        ("stage", "expected"),
        [
            (None, True),
            ("subscriber", True),
            ("lead", True),
            ("marketingqualifiedlead", True),
            ("salesqualifiedlead", True),
            ("opportunity", True),
            ("customer", False),
            ("evangelist", False),
        ],
    )
    def test_default_lifecycle_stages(self, stage: str | None, expected: bool) -> None:
        """With the default list, ``customer`` and ``evangelist`` are excluded."""
        c = contact("c1", owner_assigned_at=ASSIGNED, lifecycle_stage=stage)
        assert fires(c) is expected

    @pytest.mark.parametrize(
        ("stage", "expected"),
        [("cold", True), ("customer", True), ("partner", False)],
    )
    def test_custom_lifecycle_stages_exclude_only_the_last(
        self, stage: str, expected: bool
    ) -> None:
        """With a custom list only its last stage is excluded (even ``customer`` is not)."""
        c = contact("c1", owner_assigned_at=ASSIGNED, lifecycle_stage=stage)
        assert fires(c, lifecycle_stages=["cold", "customer", "partner"]) is expected

    @pytest.mark.parametrize(
        ("stage", "expected"),
        [("opportunity", True), ("customer", False), ("evangelist", False)],
    )
    def test_the_default_list_given_explicitly_is_the_default(
        self, stage: str, expected: bool
    ) -> None:
        """Spelling out the default lifecycle list keeps customer and evangelist excluded."""
        c = contact("c1", owner_assigned_at=ASSIGNED, lifecycle_stage=stage)
        assert fires(c, lifecycle_stages=list(DEFAULT_LIFECYCLE_STAGES)) is expected

    @pytest.mark.parametrize(
        ("deal_fields", "expected"),
        [
            ({}, False),
            ({"stage_id": "won"}, False),
            ({"stage_id": "lost"}, False),
            ({"owner_id": "u2"}, False),
            ({"created_at": at(hours=1)}, True),
        ],
        ids=["open", "won", "lost", "someone-elses", "created-after-now"],
    )
    def test_a_deal_listing_the_contact(self, deal_fields: dict[str, Any], expected: bool) -> None:
        """Any existing deal listing the contact (open or closed, anyone's) prevents it."""
        c = contact("c1", owner_assigned_at=ASSIGNED)
        assert fires(c, deal("d1", contact_ids=["c1"], **deal_fields)) is expected

    def test_a_deal_listing_another_contact_does_not_count(self) -> None:
        """A deal that lists someone else leaves the contact newly assigned."""
        others = contact("c2")
        c = contact("c1", owner_assigned_at=ASSIGNED)
        assert fires(c, others, deal("d1", contact_ids=["c2"])) is True

    @pytest.mark.parametrize(
        ("sent_at", "expected"),
        [
            (ASSIGNED - ONE_US, True),
            (ASSIGNED, False),
            (at(days=-1), False),
            (NOW, False),
            (NOW + ONE_US, True),
        ],
        ids=["1us-before", "at-created", "after-created", "at-now", "after-now"],
    )
    def test_you_emailed_the_contact_since(self, sent_at: datetime, expected: bool) -> None:
        """An email you sent since ``created_at`` (inclusive) and by ``now`` prevents it."""
        c = contact("c1", owner_assigned_at=ASSIGNED)
        sent = email("e1", sent_at=sent_at, contact_ids=["c1"])
        assert fires(c, sent) is expected

    @pytest.mark.parametrize(
        "fields",
        [
            {"to": ["C1@Client.Test"]},
            {"cc": ["c1@client.test"]},
            {"contact_ids": ["c1"]},
        ],
        ids=["to-address", "cc-address", "listed"],
    )
    def test_emailed_by_address_or_listing(self, fields: dict[str, Any]) -> None:
        """An email to the contact's address (any case), in cc, or listing it counts."""
        c = contact("c1", owner_assigned_at=ASSIGNED)
        assert fires(c, email("e1", sent_at=at(days=-1), **fields)) is False

    def test_someone_elses_email_does_not_count(self) -> None:
        """An email in another mailbox is not one you sent."""
        c = contact("c1", owner_assigned_at=ASSIGNED)
        sent = email("e1", owner_id="u2", sent_at=at(days=-1), contact_ids=["c1"])
        assert fires(c, sent) is True

    @pytest.mark.parametrize(
        ("sent_at", "expected"),
        [
            (ASSIGNED - ONE_US, True),
            (ASSIGNED, False),
            (at(days=-1), False),
            (NOW + ONE_US, True),
        ],
        ids=["1us-before", "at-created", "after-created", "after-now"],
    )
    def test_the_contact_emailed_you_since(self, sent_at: datetime, expected: bool) -> None:
        """An email from the contact in your mailbox since ``created_at`` prevents it."""
        c = contact("c1", owner_assigned_at=ASSIGNED)
        got = email("e1", direction="inbound", sent_at=sent_at, contact_ids=["c1"])
        assert fires(c, got) is expected

    def test_the_contact_emailed_you_from_its_address(self) -> None:
        """An inbound email from the contact's address (any case) counts without listing it."""
        c = contact("c1", owner_assigned_at=ASSIGNED)
        got = email("e1", direction="inbound", sent_at=at(days=-1), from_address="C1@client.test")
        assert fires(c, got) is False

    def test_the_contact_emailed_someone_else(self) -> None:
        """An email from the contact in another user's mailbox does not count."""
        c = contact("c1", owner_assigned_at=ASSIGNED)
        got = email("e1", owner_id="u2", direction="inbound", contact_ids=["c1"])
        assert fires(c, got) is True


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
        assert fires(contact("c1", owner_assigned_at=ASSIGNED), now=now) is expected

    def test_a_contact_created_after_now_does_not_exist(self) -> None:
        """A contact created after ``now`` does not exist yet, whatever its assignment stamp."""
        c = contact("c1", created_at=at(hours=1), owner_assigned_at=at(days=-1))
        assert fires(c) is False

    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (ASSIGNED + timedelta(days=10) - ONE_US, True),
            (ASSIGNED + timedelta(days=10), False),
        ],
    )
    def test_lifetime_override(self, now: datetime, expected: bool) -> None:
        """A ``lifetime`` of 10 days moves the expiry to ``created_at`` + 10 days."""
        c = contact("c1", owner_assigned_at=ASSIGNED)
        actions = run(c, now=now, grouped=False, lifetime=timedelta(days=10))
        assert bool(actions) is expected
        if actions:
            assert actions[0].expires_at == ASSIGNED + timedelta(days=10)


class TestGrouping:
    RECORDS = (
        contact("cb", owner_assigned_at=at(days=-5)),
        contact("c9", owner_assigned_at=at(days=-2)),
        contact("ca", owner_assigned_at=at(days=-5)),
        contact("cz", owner_assigned_at=at(days=-10)),
    )

    def test_one_card_for_all(self) -> None:
        """One card: subjects by created_at then id, earliest created_at, latest expires_at."""
        (card,) = run(*self.RECORDS)
        assert card.subjects == (
            ("contact", "cz"),
            ("contact", "ca"),
            ("contact", "cb"),
            ("contact", "c9"),
        )
        assert card.created_at == at(days=-10)
        assert card.expires_at == at(days=-2) + timedelta(days=30)
        assert card.contact_ids == ("c9", "ca", "cb", "cz")
        assert card.reasons

    def test_card_key_survives_membership_changes(self) -> None:
        """The card keeps its key while members come and go."""
        (small,) = run(self.RECORDS[0])
        (large,) = run(*self.RECORDS)
        assert small.key == large.key
        assert small.key.startswith("newly_assigned_contacts:")

    def test_expired_members_leave_the_card(self) -> None:
        """A member past its own expiry leaves the card; the others stay."""
        (card,) = run(*self.RECORDS, now=at(days=25))
        assert card.subjects == (("contact", "c9"),)
        assert card.created_at == at(days=-2)
        assert card.expires_at == at(days=28)

    def test_ungrouped(self) -> None:
        """With grouping off, one action per contact, each with its own window."""
        actions = run(*self.RECORDS, grouped=False)
        by_subject = {a.subjects: (a.created_at, a.expires_at) for a in actions}
        assert by_subject == {
            (("contact", "cz"),): (at(days=-10), at(days=20)),
            (("contact", "ca"),): (at(days=-5), at(days=25)),
            (("contact", "cb"),): (at(days=-5), at(days=25)),
            (("contact", "c9"),): (at(days=-2), at(days=28)),
        }


class TestReasons:
    def test_reasons_name_each_criterion_and_its_data(self) -> None:
        """The reasons list, in order, each criterion met and the data that met it."""
        (action,) = run(contact("c1", owner_assigned_at=ASSIGNED))
        assert action.reasons == (
            "contact c1 (c1@client.test) is yours",
            "contact c1 (c1@client.test) has no lifecycle stage (excluded: customer, evangelist)",
            "no deal lists contact c1 (c1@client.test)",
            "you have not emailed contact c1 (c1@client.test) since 2026-11-23T12:00+00:00",
            "you have had no email from contact c1 (c1@client.test) since 2026-11-23T12:00+00:00",
            "contact c1 (c1@client.test) was assigned (or created) at 2026-11-23T12:00+00:00",
            "the action lives 30 days from its creation",
        )

    @pytest.mark.parametrize(
        ("stages", "expected"),
        [
            pytest.param(
                None,
                "contact c1 (c1@client.test) is at lifecycle stage lead"
                " (excluded: customer, evangelist)",
                id="default-list",
            ),
            pytest.param(
                ["lead", "won"],
                "contact c1 (c1@client.test) is at lifecycle stage lead (excluded: won)",
                id="custom",
            ),
        ],
    )
    def test_lifecycle_reason_names_the_stage_and_the_excluded(
        self, stages: list[str] | None, expected: str
    ) -> None:
        """The lifecycle reason gives the contact's stage and the excluded stages."""
        (action,) = run(
            contact("c1", owner_assigned_at=ASSIGNED, lifecycle_stage="lead"),
            lifecycle_stages=stages,
        )
        assert action.reasons[1] == expected

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_failing_contact_does_not_stop_the_others(self, reverse: bool) -> None:
        """A contact that fails a criterion is skipped; the next contact is still checked."""
        records: list[Any] = [
            contact("c0", owner_assigned_at=ASSIGNED, lifecycle_stage="customer"),
            contact("c1", owner_assigned_at=ASSIGNED),
        ]
        actions = run(*(reversed(records) if reverse else records))
        assert subjects_of(actions) == [("contact", "c1")]


class TestExplain:
    def test_explained_at_expires_at_the_lifetime_is_unmet(self) -> None:
        """At ``expires_at`` the action has expired: its lifetime check says until when."""
        snap = build(contact("c1", owner_assigned_at=ASSIGNED))
        entry = explain_rule(NewlyAssignedContacts, snap, ("contact", "c1"), EXPIRES)
        assert (entry.status, entry.created_at, entry.expires_at) == ("expired", ASSIGNED, EXPIRES)
        assert [(c.id, c.met) for c in entry.checks][-1] == ("within_lifetime", False)
        assert str(entry.checks[-1]) == (
            "the action lived 30 days from its creation, until 2026-12-23T12:00+00:00"
        )

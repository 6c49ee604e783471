"""Truth table of ``email_replies`` (SPEC §5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from guided_actions import Action
from guided_actions.rules import EmailReplies
from guided_actions.testing import (
    NOW,
    at,
    build,
    contact,
    email,
    explain_rule,
    run_rule,
    subjects_of,
)

SENT = at(days=-3)
REPLIED = at(days=-2)
EXPIRES = REPLIED + timedelta(days=14)
ONE_US = timedelta(microseconds=1)

PERSON = contact("c1")
YOURS = email("e1", sent_at=SENT, to=["c1@client.test"], contact_ids=["c1"])


def reply(id: str = "r1", **fields: Any) -> Any:
    fields.setdefault("sent_at", REPLIED)
    fields.setdefault("in_reply_to", "e1")
    fields.setdefault("contact_ids", ["c1"])
    fields.setdefault("direction", "inbound")
    return email(id, **fields)


def run(*records: Any, now: datetime = NOW, **kwargs: Any) -> list[Action]:
    return run_rule(EmailReplies, build(*records), now, **kwargs)


def fires(*records: Any, now: datetime = NOW, **kwargs: Any) -> bool:
    return ("contact", "c1") in subjects_of(run(*records, now=now, **kwargs))


BASE = (PERSON, YOURS, reply())


class TestDeclaration:
    def test_declared_data_matches_the_table(self) -> None:
        """The rule declares SPEC §5's id, title, category, priority and subject kind."""
        rule = EmailReplies
        assert (rule.id, rule.title, rule.category, rule.priority, rule.subject_kind) == (
            "email_replies",
            "Email replies",
            "prospecting",
            "high",
            "contact",
        )
        assert rule.grouped is False
        assert EmailReplies().thresholds() == {"lifetime": timedelta(days=14)}


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """A contact of yours replied to your email: one action created at the reply."""
        actions = run(*BASE)
        assert len(actions) == 1
        (action,) = actions
        assert action.rule == "email_replies"
        assert action.title == "Email replies"
        assert action.category == "prospecting"
        assert action.subjects == (("contact", "c1"),)
        assert action.created_at == REPLIED
        assert action.expires_at == EXPIRES
        assert action.reasons
        assert action.contact_ids == ("c1",)

    def test_created_at_the_latest_reply(self) -> None:
        """With several replies, the latest dates the action."""
        later = reply("r2", sent_at=at(days=-1))
        earlier = reply("r0", sent_at=at(days=-2, hours=12))
        (action,) = run(*BASE, later, earlier)
        assert action.created_at == at(days=-1)
        assert action.expires_at == at(days=13)

    def test_one_action_per_contact(self) -> None:
        """The rule does not group: two contacts who replied give two actions."""
        other = contact("c2")
        theirs = reply("r2", contact_ids=["c2"], sent_at=at(days=-1))
        actions = run(*BASE, other, theirs)
        assert sorted((a.subjects, a.created_at) for a in actions) == [
            ((("contact", "c1"),), REPLIED),
            ((("contact", "c2"),), at(days=-1)),
        ]

    def test_key_is_stable_and_a_new_reply_gives_a_new_key(self) -> None:
        """The same reply keeps its key at any ``now``; a later reply is a new situation."""
        (first,) = run(*BASE)
        (later_now,) = run(*BASE, now=at(days=5))
        (second,) = run(*BASE, reply("r2", sent_at=at(days=-1)))
        assert first.key == later_now.key
        assert first.key.startswith("email_replies:")
        assert second.key != first.key


class TestCriteria:
    @pytest.mark.parametrize(("owner_id", "expected"), [("u1", True), ("u2", False), (None, False)])
    def test_contact_owner(self, owner_id: str | None, expected: bool) -> None:
        """Only a contact you own qualifies."""
        assert fires(contact("c1", owner_id=owner_id), YOURS, reply()) is expected

    def test_reply_identified_by_sender_address(self) -> None:
        """A reply from the contact's address (any case) counts without listing the contact."""
        by_address = reply(contact_ids=[], from_address="C1@CLIENT.test")
        assert fires(PERSON, YOURS, by_address) is True

    def test_reply_from_someone_else(self) -> None:
        """A reply neither listing the contact nor from its address is not the contact's."""
        stranger = reply(contact_ids=[], from_address="someone@else.test")
        assert fires(PERSON, YOURS, stranger) is False

    def test_reply_in_another_mailbox(self) -> None:
        """The reply must be in your mailbox."""
        assert fires(PERSON, YOURS, reply(owner_id="u2")) is False

    def test_reply_to_someone_elses_email(self) -> None:
        """The replied-to email must be one you sent."""
        theirs = email("e1", owner_id="u2", sent_at=SENT, contact_ids=["c1"])
        assert fires(PERSON, theirs, reply()) is False

    def test_reply_to_an_inbound_email(self) -> None:
        """A reply to an email you received is not a reply to an email you sent."""
        received = email("e1", direction="inbound", sent_at=SENT, contact_ids=["c1"])
        assert fires(PERSON, received, reply()) is False

    def test_an_outbound_answer_is_not_a_reply(self) -> None:
        """A reply is inbound: your own email answering yours does not count."""
        assert fires(PERSON, YOURS, reply(direction="outbound")) is False

    def test_inbound_email_that_replies_to_nothing(self) -> None:
        """An email from the contact without ``in_reply_to`` is not a reply."""
        assert fires(PERSON, YOURS, reply(in_reply_to=None)) is False

    def test_reply_to_an_email_sent_to_someone_else(self) -> None:
        """The replied-to email need only be yours, whoever it was addressed to."""
        other = contact("c2")
        to_other = email("e1", sent_at=SENT, contact_ids=["c2"])
        assert fires(PERSON, other, to_other, reply()) is True

    @pytest.mark.parametrize(
        ("sent_at", "expected"),
        [(NOW, True), (NOW + ONE_US, False)],
        ids=["at-now", "after-now"],
    )
    def test_reply_sent_after_now_has_not_happened(self, sent_at: datetime, expected: bool) -> None:
        """A reply stamped after ``now`` is ignored."""
        assert fires(PERSON, YOURS, reply(sent_at=sent_at)) is expected

    def test_a_contact_created_after_now_does_not_exist(self) -> None:
        """A contact created after ``now`` has no action yet."""
        assert fires(contact("c1", created_at=at(hours=1)), YOURS, reply()) is False


class TestExpiry:
    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (REPLIED - ONE_US, False),
            (REPLIED, True),
            (EXPIRES - ONE_US, True),
            (EXPIRES, False),
        ],
        ids=["before-created", "at-created", "before-expiry", "at-expiry"],
    )
    def test_lives_14_days(self, now: datetime, expected: bool) -> None:
        """Active from the reply (inclusive) to 14 days later (exclusive)."""
        assert fires(*BASE, now=now) is expected

    @pytest.mark.parametrize(
        ("sent_at", "expected"),
        [
            (REPLIED - ONE_US, True),
            (REPLIED, True),
            (REPLIED + ONE_US, False),
            (NOW, False),
            (NOW + ONE_US, True),
        ],
        ids=["before-reply", "at-reply", "1us-after", "at-now", "after-now"],
    )
    def test_you_emailed_the_contact_after_the_reply(
        self, sent_at: datetime, expected: bool
    ) -> None:
        """An email of yours to the contact strictly after the reply (and by now) ends it."""
        answer = email("e2", sent_at=sent_at, contact_ids=["c1"])
        assert fires(*BASE, answer) is expected

    @pytest.mark.parametrize(
        "fields",
        [{"to": ["c1@client.test"]}, {"cc": ["C1@client.test"]}, {"contact_ids": ["c1"]}],
        ids=["to", "cc", "listed"],
    )
    def test_answer_by_address_or_listing(self, fields: dict[str, Any]) -> None:
        """Any email of yours to the contact (to, cc, or listing it) ends it."""
        assert fires(*BASE, email("e2", sent_at=at(days=-1), **fields)) is False

    def test_someone_elses_answer_does_not_count(self) -> None:
        """An email to the contact from another mailbox does not end it."""
        answer = email("e2", owner_id="u2", sent_at=at(days=-1), contact_ids=["c1"])
        assert fires(*BASE, answer) is True

    def test_a_new_reply_after_your_answer_is_a_new_action(self) -> None:
        """Once answered, a later reply gives a new action dated from that reply."""
        answer = email("e2", sent_at=at(days=-1), contact_ids=["c1"])
        again = reply("r2", in_reply_to="e2", sent_at=at(hours=-5))
        assert run(*BASE, answer) == []
        (action,) = run(*BASE, answer, again)
        assert action.created_at == at(hours=-5)

    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (REPLIED + timedelta(days=10) - ONE_US, True),
            (REPLIED + timedelta(days=10), False),
        ],
    )
    def test_lifetime_override(self, now: datetime, expected: bool) -> None:
        """A ``lifetime`` of 10 days moves the expiry to the reply + 10 days."""
        actions = run(*BASE, now=now, lifetime=timedelta(days=10))
        assert bool(actions) is expected
        if actions:
            assert actions[0].expires_at == REPLIED + timedelta(days=10)


class TestReasons:
    def test_reasons_name_each_criterion_and_its_data(self) -> None:
        """The reasons list, in order, each criterion met and the data that met it."""
        (action,) = run(*BASE)
        assert action.reasons == (
            "contact c1 (c1@client.test) is yours",
            "contact c1 (c1@client.test) replied at 2026-11-24T12:00+00:00 (email r1) to your"
            " email e1",
            "you have not emailed contact c1 (c1@client.test) after 2026-11-24T12:00+00:00",
            "the action lives 14 days from its creation",
        )


class TestEverySubjectIsChecked:
    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_failing_contact_does_not_stop_the_others(self, reverse: bool) -> None:
        """Contacts without a reply, or already answered, are skipped; the next still counts."""
        records: list[Any] = [
            contact("c0"),
            contact("c00"),
            email("e0", sent_at=SENT, contact_ids=["c00"]),
            reply("r0", in_reply_to="e0", contact_ids=["c00"]),
            email("a0", sent_at=REPLIED + ONE_US, contact_ids=["c00"]),
            *BASE,
        ]
        actions = run(*(reversed(records) if reverse else records))
        assert subjects_of(actions) == [("contact", "c1")]


class TestExplain:
    def test_explained_at_expires_at_the_lifetime_is_unmet(self) -> None:
        """At ``expires_at`` the action has expired: its lifetime check says until when."""
        entry = explain_rule(EmailReplies, build(*BASE), ("contact", "c1"), EXPIRES)
        assert (entry.status, entry.created_at, entry.expires_at) == ("expired", REPLIED, EXPIRES)
        assert [(c.id, c.met) for c in entry.checks][-1] == ("within_lifetime", False)
        assert str(entry.checks[-1]) == (
            "the action lived 14 days from its creation, until 2026-12-08T12:00+00:00"
        )

    def test_a_contact_without_a_reply(self) -> None:
        """Explaining a contact that sent no reply: no window, and the reply check is unmet."""
        entry = explain_rule(EmailReplies, build(PERSON, YOURS), ("contact", "c1"))
        assert (entry.status, entry.created_at, entry.expires_at) == ("unmet", None, None)
        assert [(c.id, c.met, str(c)) for c in entry.checks] == [
            ("owned_by_you", True, "contact c1 (c1@client.test) is yours"),
            (
                "reply_received",
                False,
                "contact c1 (c1@client.test) has not replied to an email you sent",
            ),
            (
                "no_email_from_you_after",
                False,
                "you emailed contact c1 (c1@client.test) at 2026-11-23T12:00+00:00 (email e1)",
            ),
            ("within_lifetime", True, "the action lives 14 days from its creation"),
        ]

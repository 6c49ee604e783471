"""Truth table of ``contacts_awaiting_reply`` (SPEC §5): a contact wrote to you and waits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from guided_actions._model.records import Record
from guided_actions.rules import ContactsAwaitingReply
from guided_actions.testing import (
    NOW,
    at,
    build,
    contact,
    email,
    explain_rule,
    lead,
    run_rule,
    user,
)
from guided_actions.testing import inbound_email as inbound
from guided_actions.testing import outbound_email as reply

SENT = at(days=-1)
EXPIRES = SENT + timedelta(days=14)
US = 1  # microseconds


def subjects(*records: Record, now=NOW, user: str = "u1", **options) -> list:
    actions = run_rule(ContactsAwaitingReply, build(*records), now, user, **options)
    return [a.subjects for a in actions]


def fires(*records: Record, now=NOW, **options) -> bool:
    return bool(subjects(*records, now=now, **options))


class TestDeclaration:
    def test_declared_data_matches_the_table(self) -> None:
        """The class declares SPEC §5's id, title, category, priority and subject kind."""
        rule = ContactsAwaitingReply
        assert (rule.id, rule.title, rule.category, rule.priority, rule.subject_kind) == (
            "contacts_awaiting_reply",
            "Contacts awaiting your reply",
            "prospecting",
            "high",
            "contact",
        )
        assert rule.grouped is False


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """A contact's inbound email to your address gives one action about the contact."""
        [action] = run_rule(ContactsAwaitingReply, build(contact("c1"), inbound()), NOW)
        assert action.rule == "contacts_awaiting_reply"
        assert action.title == "Contacts awaiting your reply"
        assert action.category == "prospecting"
        assert action.subjects == (("contact", "c1"),)
        assert action.created_at == SENT
        assert action.expires_at == EXPIRES
        assert action.reasons
        assert action.key.startswith("contacts_awaiting_reply:")

    def test_anyones_contact(self) -> None:
        """The contact may be owned by someone else or by nobody."""
        assert fires(contact("c1", owner_id="u2"), inbound())
        assert fires(contact("c1", owner_id=None), inbound())


class TestSender:
    @pytest.mark.parametrize(
        ("from_address", "contact_ids", "expected"),
        [
            ("c1@client.test", (), True),
            ("C1@Client.TEST", (), True),
            (None, ("c1",), True),
            ("someone@client.test", ("c1",), True),
            ("someone@client.test", (), False),
            (None, (), False),
        ],
        ids=[
            "by-address",
            "by-address-other-case",
            "by-contact-ids",
            "listed-other-address",
            "unknown-sender",
            "nobody",
        ],
    )
    def test_sender_known_by_address_or_listing(self, from_address, contact_ids, expected) -> None:
        """The contact sent the email when it is listed or the from_address is its email."""
        records = [contact("c1"), inbound(from_address=from_address, contact_ids=contact_ids)]
        assert fires(*records) is expected

    def test_outbound_email_is_not_from_the_contact(self) -> None:
        """An outbound email to your address is not an email the contact sent."""
        e = email(
            "e1",
            direction="outbound",
            from_address="c1@client.test",
            to=("rep@acme.test",),
            contact_ids=("c1",),
            sent_at=SENT,
        )
        assert not fires(contact("c1"), e)

    def test_contact_created_after_now_does_not_exist(self) -> None:
        """A contact created after ``now`` does not exist yet."""
        assert not fires(contact("c1", created_at=at(hours=1)), inbound())


class TestRecipient:
    @pytest.mark.parametrize(
        ("to", "cc", "expected"),
        [
            (("rep@acme.test",), (), True),
            (("REP@Acme.Test",), (), True),
            (("rep@acme.test", "boss@acme.test"), (), True),
            (("boss@acme.test", "rep@acme.test"), (), False),
            (("boss@acme.test",), ("rep@acme.test",), False),
            ((), ("rep@acme.test",), False),
            (("other@acme.test",), (), False),
        ],
        ids=["to0", "to0-other-case", "to0-of-two", "to1", "cc", "cc-only", "colleague"],
    )
    def test_primary_recipient_must_be_you(self, to, cc, expected) -> None:
        """Only an email whose ``to[0]`` is your address (case-insensitive) counts."""
        assert fires(contact("c1"), inbound(to=to, cc=cc)) is expected

    def test_email_in_another_mailbox_still_counts(self) -> None:
        """What counts is the primary recipient, whichever mailbox holds the email."""
        assert fires(contact("c1"), inbound(owner_id="u2"))


class TestDomain:
    @pytest.mark.parametrize(
        ("from_address", "contact_email", "expected"),
        [
            ("c1@client.test", "c1@client.test", True),
            ("c1@acme.test", "c1@client.test", False),
            ("c1@ACME.TEST", "c1@client.test", False),
            ("c1@client.test", "c1@acme.test", True),
            (None, "c1@acme.test", False),
            (None, "c1@Acme.Test", False),
            (None, "c1@client.test", True),
            (None, None, True),
        ],
        ids=[
            "other-domain",
            "from-same-domain",
            "from-same-domain-case",
            "from-decides-over-contact",
            "contact-same-domain",
            "contact-same-domain-case",
            "contact-other-domain",
            "no-address-at-all",
        ],
    )
    def test_sender_domain_must_differ(self, from_address, contact_email, expected) -> None:
        """The from_address's domain, else the contact's, must differ from yours."""
        records = [
            contact("c1", email=contact_email),
            inbound(from_address=from_address, contact_ids=("c1",)),
        ]
        assert fires(*records) is expected

    def test_latest_email_from_another_domain_decides(self) -> None:
        """An email from your own domain is not "such an email": the earlier one sets created_at."""
        records = [
            contact("c1"),
            inbound("e1", sent_at=at(days=-3)),
            inbound("e2", from_address="c1@acme.test", contact_ids=("c1",)),
        ]
        [action] = run_rule(ContactsAwaitingReply, build(*records), NOW)
        assert action.created_at == at(days=-3)


class TestLeads:
    @pytest.mark.parametrize(
        ("stage_id", "expected"),
        [("new", False), ("working", False), ("qualified", True), ("disqualified", True)],
    )
    def test_no_open_lead(self, stage_id: str, expected: bool) -> None:
        """A contact with an open lead is left to ``leads_awaiting_reply``; a closed lead is not."""
        assert fires(contact("c1"), lead("l1", stage_id=stage_id), inbound()) is expected

    def test_lead_created_after_now_does_not_count(self) -> None:
        """An open lead created after ``now`` does not exist yet."""
        assert fires(contact("c1"), lead("l1", created_at=at(hours=1)), inbound())

    def test_lead_of_another_contact_does_not_count(self) -> None:
        """Only the contact's own leads matter."""
        records = [contact("c1"), contact("c2"), lead("l1", contact_id="c2"), inbound()]
        assert subjects(*records) == [(("contact", "c1"),)]


class TestLatest:
    def test_created_at_is_the_latest_such_email(self) -> None:
        """Two emails from the contact: the action starts at the later one."""
        records = [contact("c1"), inbound("e1", sent_at=at(days=-5)), inbound("e2")]
        [action] = run_rule(ContactsAwaitingReply, build(*records), NOW)
        assert action.created_at == SENT
        assert action.expires_at == EXPIRES

    def test_email_after_now_is_ignored(self) -> None:
        """An email stamped after ``now`` has not been sent yet."""
        records = [contact("c1"), inbound("e1"), inbound("e2", sent_at=at(hours=1))]
        [action] = run_rule(ContactsAwaitingReply, build(*records), NOW)
        assert action.created_at == SENT
        assert not fires(contact("c1"), inbound("e2", sent_at=at(hours=1)))

    def test_new_email_after_your_answer_gives_a_new_action(self) -> None:
        """You answered e1, then the contact wrote e2: a new action (new key) from e2."""
        first = [contact("c1"), inbound("e1", sent_at=at(days=-3))]
        second = [*first, reply(sent_at=at(days=-2)), inbound("e2")]
        [old] = run_rule(ContactsAwaitingReply, build(*first), NOW)
        [new] = run_rule(ContactsAwaitingReply, build(*second), NOW)
        assert new.created_at == SENT
        assert new.key != old.key


class TestExpiry:
    @pytest.mark.parametrize(
        ("sent_at", "expected"),
        [
            (SENT - timedelta(microseconds=US), True),
            (SENT, True),
            (SENT + timedelta(microseconds=US), False),
            (at(hours=-1), False),
            (at(hours=1), True),
        ],
        ids=["before", "same-instant", "just-after", "after", "after-now"],
    )
    def test_you_emailed_the_contact_after_it(self, sent_at, expected: bool) -> None:
        """Your email strictly after it ends the action ("after" excludes the instant itself)."""
        assert fires(contact("c1"), inbound(), reply(sent_at=sent_at)) is expected

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({"to": ("c1@client.test",)}, False),
            ({"to": ("C1@CLIENT.test",)}, False),
            ({"to": ("x@client.test",), "cc": ("c1@client.test",)}, False),
            ({"to": ("x@client.test",), "contact_ids": ("c1",)}, False),
            ({"to": ("x@client.test",)}, True),
            ({"owner_id": "u2"}, True),
        ],
        ids=["to", "to-case", "cc", "listed", "someone-else", "colleagues-mailbox"],
    )
    def test_what_counts_as_emailing_the_contact(self, fields, expected: bool) -> None:
        """An outbound email of yours to, cc or listing the contact answers it; others do not."""
        answer = reply(sent_at=at(hours=-1), **fields)
        assert fires(contact("c1"), contact("x", email="x@client.test"), inbound(), answer) is (
            expected
        )

    @pytest.mark.parametrize(
        ("owner_id", "assigned", "expected"),
        [
            ("u2", SENT + timedelta(microseconds=US), False),
            ("u2", at(hours=-1), False),
            ("u2", SENT, True),
            ("u2", SENT - timedelta(days=1), True),
            ("u2", None, True),
            ("u1", at(hours=-1), True),
            (None, at(hours=-1), False),
        ],
        ids=[
            "to-other-just-after",
            "to-other-after",
            "to-other-same-instant",
            "to-other-before",
            "to-other-unstamped",
            "to-you-after",
            "unassigned-after",
        ],
    )
    def test_contact_reassigned_after_created_at(self, owner_id, assigned, expected) -> None:
        """The contact reassigned (away from you) strictly after ``created_at`` ends it."""
        records = [contact("c1", owner_id=owner_id, owner_assigned_at=assigned), inbound()]
        assert fires(*records) is expected


class TestTime:
    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (SENT - timedelta(microseconds=US), False),
            (SENT, True),
            (EXPIRES - timedelta(microseconds=US), True),
            (EXPIRES, False),
        ],
        ids=["created-1us", "created", "expires-1us", "expires"],
    )
    def test_window(self, now, expected: bool) -> None:
        """Present from the email's ``sent_at`` (included) for 14 days (excluded)."""
        actions = run_rule(ContactsAwaitingReply, build(contact("c1"), inbound()), now)
        assert bool(actions) is expected
        if expected:
            assert (actions[0].created_at, actions[0].expires_at) == (SENT, EXPIRES)


class TestGrouping:
    def test_one_action_per_contact(self) -> None:
        """Two contacts writing to you give two actions, grouped or not (the rule never groups)."""
        records = [
            contact("c1"),
            contact("c2"),
            inbound("e1"),
            inbound("e2", from_address="c2@client.test", sent_at=at(days=-2)),
        ]
        for grouped in (None, False):
            actions = run_rule(ContactsAwaitingReply, build(*records), NOW, grouped=grouped)
            assert sorted(a.subjects for a in actions) == [
                (("contact", "c1"),),
                (("contact", "c2"),),
            ]
            assert len({a.key for a in actions}) == 2

    def test_one_email_from_two_contacts(self) -> None:
        """An email listing two contacts is from both: one action each."""
        records = [contact("c1"), contact("c2"), inbound(contact_ids=("c1", "c2"))]
        assert sorted(subjects(*records)) == [(("contact", "c1"),), (("contact", "c2"),)]


class TestThresholds:
    def test_lifetime_override_moves_expiry(self) -> None:
        """With a 1-day lifetime, the action expires exactly one day after the email."""
        records = [contact("c1"), inbound()]
        assert not fires(*records, lifetime=timedelta(days=1))
        [action] = run_rule(
            ContactsAwaitingReply,
            build(*records),
            NOW - timedelta(microseconds=US),
            lifetime=timedelta(days=1),
        )
        assert action.expires_at == NOW


def actions_of(*records: Record, reverse: bool = False) -> list:
    ordered = list(reversed(records)) if reverse else list(records)
    return run_rule(ContactsAwaitingReply, build(*ordered), NOW)


class TestReasons:
    def test_reasons_name_each_criterion_and_its_data(self) -> None:
        """The reasons list each criterion met, with the sender's domain case-folded."""
        [action] = actions_of(contact("c1"), inbound(from_address="C1@Client.test"))
        assert action.reasons == (
            "contact c1 (c1@client.test) emailed your address rep@acme.test at"
            " 2026-11-25T12:00+00:00 (email e1)",
            "email e1 is from domain client.test, not yours (acme.test)",
            "contact c1 (c1@client.test) has no open lead",
            "you have not emailed contact c1 (c1@client.test) after 2026-11-25T12:00+00:00",
            "contact c1 (c1@client.test) was not reassigned after 2026-11-25T12:00+00:00",
            "the action lives 14 days from its creation",
        )

    def test_reasons_without_from_address_or_owner(self) -> None:
        """Without a ``from_address`` the domain is the contact's; no owner is no reassignment."""
        [action] = actions_of(
            contact("c1", owner_id=None), inbound(from_address=None, contact_ids=("c1",))
        )
        assert action.reasons[1] == "email e1 is from domain client.test, not yours (acme.test)"
        assert action.reasons[-2] == (
            "contact c1 (c1@client.test) was not reassigned after 2026-11-25T12:00+00:00"
        )


class TestEverySubjectIsChecked:
    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_future_email_does_not_stop_the_others(self, reverse: bool) -> None:
        """An email sent after ``now`` is skipped; the other emails are still read."""
        records = (
            contact("c0"),
            contact("c1"),
            inbound("e0", from_address="c0@client.test", sent_at=at(microseconds=US)),
            inbound("e1"),
        )
        assert [a.subjects for a in actions_of(*records, reverse=reverse)] == [(("contact", "c1"),)]

    def test_a_sender_not_yet_created_does_not_stop_the_others(self) -> None:
        """A listed contact created after ``now`` is skipped; the next listed sender counts."""
        records = (
            contact("c0", created_at=at(microseconds=US)),
            contact("c1"),
            inbound(contact_ids=("c0",)),
        )
        assert [a.subjects for a in actions_of(*records)] == [(("contact", "c1"),)]

    def test_a_sender_from_your_domain_does_not_stop_the_others(self) -> None:
        """A listed contact on your domain is skipped; the next listed sender counts."""
        records = (
            contact("c0", email="c0@acme.test"),
            contact("c1"),
            inbound(from_address=None, contact_ids=("c0", "c1")),
        )
        assert [a.subjects for a in actions_of(*records)] == [(("contact", "c1"),)]

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_contact_failing_a_criterion_does_not_stop_the_others(self, reverse: bool) -> None:
        """A contact with an open lead is skipped; the next contact is still checked."""
        records = (
            contact("c0"),
            lead("l0", contact_id="c0"),
            contact("c1"),
            inbound("e0", from_address="c0@client.test"),
            inbound("e1"),
        )
        assert [a.subjects for a in actions_of(*records, reverse=reverse)] == [(("contact", "c1"),)]

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_contact_reassigned_after_it_does_not_stop_the_others(self, reverse: bool) -> None:
        """A contact reassigned after its email fails a later criterion; the next one fires."""
        records = (
            contact("c0", owner_id="u2", owner_assigned_at=at(hours=-1)),
            contact("c1"),
            inbound("e0", from_address="c0@client.test"),
            inbound("e1"),
        )
        assert [a.subjects for a in actions_of(*records, reverse=reverse)] == [(("contact", "c1"),)]


def test_reasons_when_your_address_has_no_domain() -> None:
    """With no domain in your address, the domain reason says your address has none."""
    [action] = actions_of(user("u1", "rep"), contact("c1"), inbound(to=("rep",)), reverse=False)
    assert action.reasons[1] == "email e1 is from domain client.test; your address has no domain"


class TestExplain:
    def test_explained_at_expires_at_the_lifetime_is_unmet(self) -> None:
        """At ``expires_at`` the action has expired: its lifetime check says until when."""
        entry = explain_rule(
            ContactsAwaitingReply, build(contact("c1"), inbound()), ("contact", "c1"), EXPIRES
        )
        assert (entry.status, entry.created_at, entry.expires_at) == ("expired", SENT, EXPIRES)
        assert [(c.id, c.met) for c in entry.checks][-1] == ("within_lifetime", False)
        assert str(entry.checks[-1]) == (
            "the action lived 14 days from its creation, until 2026-12-09T12:00+00:00"
        )

    def test_a_contact_that_never_wrote(self) -> None:
        """Explaining a contact that sent you nothing: no window, the sender is the contact."""
        entry = explain_rule(ContactsAwaitingReply, build(contact("c1")), ("contact", "c1"))
        assert (entry.status, entry.created_at, entry.expires_at) == ("unmet", None, None)
        assert [(c.id, c.met, str(c)) for c in entry.checks] == [
            (
                "emailed_your_address",
                False,
                "contact c1 (c1@client.test) has not emailed your address rep@acme.test",
            ),
            (
                "sender_domain_differs",
                True,
                "contact c1 (c1@client.test) is from domain client.test, not yours (acme.test)",
            ),
            ("no_open_lead", True, "contact c1 (c1@client.test) has no open lead"),
            ("no_email_from_you_after", True, "you have not emailed contact c1 (c1@client.test)"),
            (
                "not_reassigned_after",
                True,
                "contact c1 (c1@client.test) has not been reassigned to someone else",
            ),
            ("within_lifetime", True, "the action lives 14 days from its creation"),
        ]

    def test_only_emails_from_your_domain_give_no_window(self) -> None:
        """Without a ``from_address``, a contact at your domain wrote no such email: no window,
        and the checks name its latest email."""
        records = [
            contact("c1", email="c1@acme.test"),
            inbound(from_address=None, contact_ids=("c1",)),
        ]
        entry = explain_rule(ContactsAwaitingReply, build(*records), ("contact", "c1"))
        assert (entry.status, entry.created_at, entry.expires_at) == ("unmet", None, None)
        assert [(c.id, c.met, str(c)) for c in entry.checks[:2]] == [
            (
                "emailed_your_address",
                True,
                "contact c1 (c1@acme.test) emailed your address rep@acme.test at"
                " 2026-11-25T12:00+00:00 (email e1)",
            ),
            ("sender_domain_differs", False, "email e1 is from your own domain acme.test"),
        ]

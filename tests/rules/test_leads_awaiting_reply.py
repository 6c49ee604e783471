"""Truth table of ``leads_awaiting_reply`` (SPEC §5): an open lead wrote to you and waits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from guided_actions._model.records import Record
from guided_actions.rules import LeadsAwaitingReply
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
    actions = run_rule(LeadsAwaitingReply, build(*records), now, user, **options)
    return [a.subjects for a in actions]


def fires(*records: Record, now=NOW, **options) -> bool:
    return bool(subjects(*records, now=now, **options))


class TestDeclaration:
    def test_declared_data_matches_the_table(self) -> None:
        """The class declares SPEC §5's id, title, category, priority and subject kind."""
        rule = LeadsAwaitingReply
        assert (rule.id, rule.title, rule.category, rule.priority, rule.subject_kind) == (
            "leads_awaiting_reply",
            "Leads awaiting your reply",
            "prospecting",
            "high",
            "lead",
        )
        assert rule.grouped is False


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """An open lead's contact emailed your address: one action about the lead."""
        [action] = run_rule(LeadsAwaitingReply, build(contact("c1"), lead("l1"), inbound()), NOW)
        assert action.rule == "leads_awaiting_reply"
        assert action.title == "Leads awaiting your reply"
        assert action.category == "prospecting"
        assert action.subjects == (("lead", "l1"),)
        assert action.created_at == SENT
        assert action.expires_at == EXPIRES
        assert action.reasons
        assert action.key.startswith("leads_awaiting_reply:")

    @pytest.mark.parametrize("owner_id", ["u1", "u2", None])
    def test_anyones_lead(self, owner_id) -> None:
        """The lead may be owned by you, someone else or nobody."""
        assert fires(contact("c1"), lead("l1", owner_id=owner_id), inbound())


class TestLead:
    @pytest.mark.parametrize(
        ("stage_id", "expected"),
        [("new", True), ("working", True), ("qualified", False), ("disqualified", False)],
    )
    def test_lead_must_be_open(self, stage_id: str, expected: bool) -> None:
        """A closed lead (qualified or disqualified) does not count."""
        assert fires(contact("c1"), lead("l1", stage_id=stage_id), inbound()) is expected

    def test_only_the_open_lead_of_the_contact(self) -> None:
        """A contact with a closed and an open lead: only the open one is a subject."""
        records = [
            contact("c1"),
            lead("l1", stage_id="disqualified", created_at=at(days=-40)),
            lead("l2"),
            inbound(),
        ]
        assert subjects(*records) == [(("lead", "l2"),)]

    def test_lead_created_after_now_does_not_exist(self) -> None:
        """A lead created after ``now`` does not exist yet."""
        assert not fires(contact("c1"), lead("l1", created_at=at(hours=1)), inbound())

    def test_contact_without_lead(self) -> None:
        """A contact with no lead gives no action (that is ``contacts_awaiting_reply``)."""
        assert not fires(contact("c1"), inbound())


class TestSender:
    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({}, True),
            ({"from_address": "C1@Client.TEST"}, True),
            ({"from_address": None, "contact_ids": ("c1",)}, True),
            ({"from_address": None, "lead_ids": ("l1",)}, True),
            ({"from_address": "x@client.test", "lead_ids": ("l1",)}, True),
            ({"from_address": "x@client.test"}, False),
            ({"from_address": None}, False),
        ],
        ids=[
            "contact-by-address",
            "contact-by-address-case",
            "contact-by-listing",
            "lead-listed",
            "lead-listed-other-sender",
            "unknown-sender",
            "nobody",
        ],
    )
    def test_contact_sent_or_lead_listed(self, fields, expected: bool) -> None:
        """The lead's contact sent the email, or the email lists the lead."""
        records = [
            contact("c1"),
            contact("x", email="x@client.test"),
            lead("l1"),
            inbound(**fields),
        ]
        assert fires(*records) is expected

    def test_contact_not_yet_created(self) -> None:
        """An email listing a contact created after ``now`` is not from that contact: its lead
        counts only when the email lists the lead, and the contact is then named by its id."""
        records = [contact("c1", created_at=at(hours=1)), lead("l1")]
        assert not fires(*records, inbound(contact_ids=("c1",)))
        [action] = run_rule(LeadsAwaitingReply, build(*records, inbound(lead_ids=("l1",))), NOW)
        assert action.reasons[3] == "you have not emailed contact c1 after 2026-11-25T12:00+00:00"

    def test_email_from_another_contact_listing_no_lead(self) -> None:
        """An email from another contact is not from this lead."""
        records = [
            contact("c1"),
            contact("c2"),
            lead("l1"),
            inbound(from_address="c2@client.test"),
        ]
        assert not fires(*records)

    def test_outbound_email_does_not_count(self) -> None:
        """An outbound email to your address is not one the lead sent."""
        e = email(
            "e1",
            direction="outbound",
            from_address="c1@client.test",
            to=("rep@acme.test",),
            lead_ids=("l1",),
            sent_at=SENT,
        )
        assert not fires(contact("c1"), lead("l1"), e)


class TestRecipient:
    @pytest.mark.parametrize(
        ("to", "cc", "expected"),
        [
            (("rep@acme.test",), (), True),
            (("REP@ACME.test",), (), True),
            (("boss@acme.test", "rep@acme.test"), (), False),
            (("boss@acme.test",), ("rep@acme.test",), False),
            ((), ("rep@acme.test",), False),
            (("other@acme.test",), (), False),
        ],
        ids=["to0", "to0-case", "to1", "cc", "cc-only", "colleague"],
    )
    def test_primary_recipient_must_be_you(self, to, cc, expected: bool) -> None:
        """Only an email whose ``to[0]`` is your address (case-insensitive) counts."""
        assert fires(contact("c1"), lead("l1"), inbound(to=to, cc=cc)) is expected


class TestDomain:
    @pytest.mark.parametrize(
        ("from_address", "contact_email", "expected"),
        [
            ("c1@client.test", "c1@client.test", True),
            ("x@acme.test", "c1@client.test", False),
            ("x@ACME.test", "c1@client.test", False),
            ("x@client.test", "c1@acme.test", True),
            (None, "c1@acme.test", False),
            (None, "c1@AcMe.TeSt", False),
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
        """The from_address's domain, else the lead's contact's, must differ from yours."""
        records = [
            contact("c1", email=contact_email),
            lead("l1"),
            inbound(from_address=from_address, lead_ids=("l1",)),
        ]
        assert fires(*records) is expected


class TestLatest:
    def test_created_at_is_the_latest_such_email(self) -> None:
        """Two emails from the lead: the action starts at the later one."""
        records = [contact("c1"), lead("l1"), inbound("e1", sent_at=at(days=-5)), inbound("e2")]
        [action] = run_rule(LeadsAwaitingReply, build(*records), NOW)
        assert (action.created_at, action.expires_at) == (SENT, EXPIRES)

    def test_email_after_now_is_ignored(self) -> None:
        """An email stamped after ``now`` has not been sent yet."""
        records = [contact("c1"), lead("l1"), inbound("e1"), inbound("e2", sent_at=at(hours=1))]
        [action] = run_rule(LeadsAwaitingReply, build(*records), NOW)
        assert action.created_at == SENT
        assert not fires(contact("c1"), lead("l1"), inbound("e2", sent_at=at(hours=1)))

    def test_same_domain_email_is_not_such_an_email(self) -> None:
        """A later email from your own domain does not move ``created_at``."""
        records = [
            contact("c1"),
            lead("l1"),
            inbound("e1", sent_at=at(days=-3)),
            inbound("e2", from_address="c1@acme.test", lead_ids=("l1",)),
        ]
        [action] = run_rule(LeadsAwaitingReply, build(*records), NOW)
        assert action.created_at == at(days=-3)

    def test_an_email_without_sender_takes_the_contacts_domain(self) -> None:
        """A later email without ``from_address`` from a contact on your domain is not such an
        email: the earlier one from another domain dates the action."""
        records = [
            contact("c1", email="c1@acme.test"),
            lead("l1"),
            inbound("e1", sent_at=at(days=-3), lead_ids=("l1",)),
            inbound("e2", from_address=None, lead_ids=("l1",)),
        ]
        [action] = run_rule(LeadsAwaitingReply, build(*records), NOW)
        assert action.created_at == at(days=-3)


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
    def test_you_emailed_the_leads_contact_after_it(self, sent_at, expected: bool) -> None:
        """Your email to the lead's contact strictly after it ends the action."""
        assert fires(contact("c1"), lead("l1"), inbound(), reply(sent_at=sent_at)) is expected

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({"to": ("x@client.test",), "cc": ("C1@client.test",)}, False),
            ({"to": ("x@client.test",), "contact_ids": ("c1",)}, False),
            ({"to": ("x@client.test",)}, True),
            ({"owner_id": "u2"}, True),
        ],
        ids=["cc", "listed", "someone-else", "colleagues-mailbox"],
    )
    def test_what_counts_as_emailing_the_contact(self, fields, expected: bool) -> None:
        """An outbound email of yours to, cc or listing the contact answers it; others do not."""
        records = [
            contact("c1"),
            contact("x", email="x@client.test"),
            lead("l1"),
            inbound(),
            reply(sent_at=at(hours=-1), **fields),
        ]
        assert fires(*records) is expected

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
    def test_lead_reassigned_after_created_at(self, owner_id, assigned, expected) -> None:
        """The lead reassigned (away from you) strictly after ``created_at`` ends it."""
        records = [contact("c1"), lead("l1", owner_id=owner_id, owner_assigned_at=assigned)]
        assert fires(*records, inbound()) is expected

    def test_contact_reassignment_does_not_matter(self) -> None:
        """Only the lead's reassignment counts, not its contact's."""
        records = [contact("c1", owner_id="u2", owner_assigned_at=at(hours=-1)), lead("l1")]
        assert fires(*records, inbound())

    def test_lead_closed_removes_it(self) -> None:
        """A lead that moves to a closed stage no longer fires."""
        assert not fires(contact("c1"), lead("l1", stage_id="qualified"), inbound())

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
        actions = run_rule(LeadsAwaitingReply, build(contact("c1"), lead("l1"), inbound()), now)
        assert bool(actions) is expected
        if expected:
            assert (actions[0].created_at, actions[0].expires_at) == (SENT, EXPIRES)


class TestGrouping:
    def test_one_action_per_lead(self) -> None:
        """Two leads writing to you give two actions, grouped or not (the rule never groups)."""
        records = [
            contact("c1"),
            contact("c2"),
            lead("l1"),
            lead("l2", contact_id="c2"),
            inbound("e1"),
            inbound("e2", from_address="c2@client.test", sent_at=at(days=-2)),
        ]
        for grouped in (None, False):
            actions = run_rule(LeadsAwaitingReply, build(*records), NOW, grouped=grouped)
            assert sorted(a.subjects for a in actions) == [(("lead", "l1"),), (("lead", "l2"),)]
            assert len({a.key for a in actions}) == 2


class TestThresholds:
    def test_lifetime_override_moves_expiry(self) -> None:
        """With a 1-day lifetime, the action expires exactly one day after the email."""
        records = [contact("c1"), lead("l1"), inbound()]
        assert not fires(*records, lifetime=timedelta(days=1))
        [action] = run_rule(
            LeadsAwaitingReply,
            build(*records),
            NOW - timedelta(microseconds=US),
            lifetime=timedelta(days=1),
        )
        assert action.expires_at == NOW


def actions_of(*records: Record, reverse: bool = False) -> list:
    ordered = list(reversed(records)) if reverse else list(records)
    return run_rule(LeadsAwaitingReply, build(*ordered), NOW)


class TestReasons:
    def test_reasons_name_each_criterion_and_its_data(self) -> None:
        """The reasons list, in order, each criterion met and the data that met it."""
        [action] = actions_of(contact("c1"), lead("l1"), inbound())
        assert action.reasons == (
            "lead l1 is in open stage new",
            "lead l1 emailed your address rep@acme.test at 2026-11-25T12:00+00:00 (email e1)",
            "email e1 is from domain client.test, not yours (acme.test)",
            "you have not emailed contact c1 (c1@client.test) after 2026-11-25T12:00+00:00",
            "lead l1 was not reassigned after 2026-11-25T12:00+00:00",
            "the action lives 14 days from its creation",
        )

    def test_reasons_without_your_domain_or_an_owner(self) -> None:
        """No domain in your address is said so; a lead without owner was not reassigned."""
        [action] = actions_of(
            user("u1", "rep"), contact("c1"), lead("l1", owner_id=None), inbound(to=("rep",))
        )
        assert (
            action.reasons[2] == "email e1 is from domain client.test; your address has no domain"
        )
        assert action.reasons[4] == "lead l1 was not reassigned after 2026-11-25T12:00+00:00"


class TestEverySubjectIsChecked:
    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_future_email_does_not_stop_the_others(self, reverse: bool) -> None:
        """An email sent after ``now`` is skipped; the other emails are still read."""
        records = (
            contact("c0"),
            lead("l0", contact_id="c0"),
            contact("c1"),
            lead("l1"),
            inbound("e0", from_address="c0@client.test", sent_at=at(microseconds=US)),
            inbound("e1"),
        )
        got = [a.subjects for a in actions_of(*records, reverse=reverse)]
        assert got == [(("lead", "l1"),)]

    def test_a_lead_not_yet_created_does_not_stop_the_others(self) -> None:
        """A listed lead created after ``now`` is skipped; the next listed lead counts."""
        records = (
            contact("c0"),
            lead("l0", contact_id="c0", created_at=at(microseconds=US)),
            contact("c1"),
            lead("l1"),
            inbound(from_address=None, lead_ids=("l0", "l1")),
        )
        assert [a.subjects for a in actions_of(*records)] == [(("lead", "l1"),)]

    def test_a_lead_from_your_domain_does_not_stop_the_others(self) -> None:
        """A listed lead whose contact is on your domain is skipped; the next one counts."""
        records = (
            contact("c0", email="c0@acme.test"),
            lead("l0", contact_id="c0"),
            contact("c1"),
            lead("l1"),
            inbound(from_address=None, lead_ids=("l0", "l1")),
        )
        assert [a.subjects for a in actions_of(*records)] == [(("lead", "l1"),)]

    def test_a_lead_failing_a_criterion_does_not_stop_the_others(self) -> None:
        """A closed lead is skipped; the next lead (by id) is still checked."""
        records = (
            contact("c1"),
            lead("l0", stage_id="disqualified"),
            lead("l1"),
            inbound(),
        )
        assert [a.subjects for a in actions_of(*records)] == [(("lead", "l1"),)]


def explained(*records: Record, now=NOW) -> tuple:
    entry = explain_rule(LeadsAwaitingReply, build(*records), "lead:l1", now)
    checks = [(c["criterion"], c["met"], c["text"]) for c in entry.to_dict()["checks"]]
    return entry.status, entry.created_at, entry.expires_at, checks


class TestExplain:
    def test_a_lead_that_never_emailed_you(self) -> None:
        """No email: no window, and the sender is the lead's contact."""
        assert explained(contact("c1"), lead("l1")) == (
            "unmet",
            None,
            None,
            [
                ("lead_open", True, "lead l1 is in open stage new"),
                (
                    "emailed_your_address",
                    False,
                    "lead l1 has not emailed your address rep@acme.test",
                ),
                (
                    "sender_domain_differs",
                    True,
                    "contact c1 (c1@client.test) is from domain client.test, not yours (acme.test)",
                ),
                (
                    "no_email_from_you_after",
                    True,
                    "you have not emailed contact c1 (c1@client.test)",
                ),
                ("not_reassigned_after", True, "lead l1 has not been reassigned to someone else"),
                ("within_lifetime", True, "the action lives 14 days from its creation"),
            ],
        )

    @pytest.mark.parametrize(
        ("now", "status", "lifetime"),
        [
            (
                EXPIRES - timedelta(microseconds=US),
                "active",
                ("within_lifetime", True, "the action lives 14 days from its creation"),
            ),
            (
                EXPIRES,
                "expired",
                (
                    "within_lifetime",
                    False,
                    "the action lived 14 days from its creation, until 2026-12-09T12:00+00:00",
                ),
            ),
        ],
        ids=["before-expiry", "at-expiry"],
    )
    def test_expired_at_the_end_of_its_lifetime(self, now, status, lifetime) -> None:
        """At ``expires_at`` the lifetime criterion fails and the action has expired."""
        got = explained(contact("c1"), lead("l1"), inbound(), now=now)
        assert got[:3] == (status, SENT, EXPIRES)
        assert got[3][-1] == lifetime

"""Truth table of ``reply_to_email`` (SPEC §5): a contact of one of your open deals emailed you."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from guided_actions import Deal
from guided_actions._model.records import Record
from guided_actions.rules import ReplyToEmail
from guided_actions.testing import NOW, at, build, contact, deal, email, explain_rule, run_rule
from guided_actions.testing import inbound_email as inbound
from guided_actions.testing import outbound_email as answer

SENT = at(days=-1)
EXPIRES = SENT + timedelta(days=7)
US = 1  # microseconds


def on_deal(id: str = "d1", **fields: Any) -> Deal:
    """An open deal of yours listing ``c1``."""
    fields.setdefault("contact_ids", ("c1",))
    return deal(id, **fields)


def fires(*records: Record, now=NOW, **options) -> bool:
    return bool(run_rule(ReplyToEmail, build(*records), now, **options))


class TestDeclaration:
    def test_declared_data_matches_the_table(self) -> None:
        """The class declares SPEC §5's id, title, category, priority and subject kind."""
        rule = ReplyToEmail
        assert (rule.id, rule.title, rule.category, rule.priority, rule.subject_kind) == (
            "reply_to_email",
            "Reply to email",
            "deal",
            "high",
            "contact",
        )
        assert rule.grouped is False


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """A contact of your open deal emailed you: one action about the contact."""
        [action] = run_rule(ReplyToEmail, build(contact("c1"), on_deal(), inbound()), NOW)
        assert action.rule == "reply_to_email"
        assert action.title == "Reply to email"
        assert action.category == "deal"
        assert action.subjects == (("contact", "c1"),)
        assert action.created_at == SENT
        assert action.expires_at == EXPIRES
        assert action.reasons
        assert action.key.startswith("reply_to_email:")

    def test_contact_owned_by_someone_else(self) -> None:
        """The contact's own owner does not matter: the deal must be yours."""
        assert fires(contact("c1", owner_id="u2"), on_deal(), inbound())


class TestDeal:
    @pytest.mark.parametrize(
        ("stage_id", "expected"),
        [("new", True), ("proposal", True), ("won", False), ("lost", False)],
    )
    def test_deal_must_be_open(self, stage_id: str, expected: bool) -> None:
        """A closed deal (won or lost) does not count."""
        assert fires(contact("c1"), on_deal(stage_id=stage_id), inbound()) is expected

    @pytest.mark.parametrize(("owner_id", "expected"), [("u1", True), ("u2", False), (None, False)])
    def test_deal_must_be_yours(self, owner_id, expected: bool) -> None:
        """A deal owned by someone else (or nobody) does not count."""
        assert fires(contact("c1"), on_deal(owner_id=owner_id), inbound()) is expected

    def test_deal_must_list_the_contact(self) -> None:
        """A deal of yours that lists another contact does not count."""
        records = [contact("c1"), contact("c2"), on_deal(contact_ids=("c2",)), inbound()]
        assert not fires(*records)

    def test_deal_created_after_now_does_not_exist(self) -> None:
        """A deal created after ``now`` does not exist yet."""
        assert not fires(contact("c1"), on_deal(created_at=at(hours=1)), inbound())

    def test_one_open_deal_is_enough(self) -> None:
        """A closed deal and an open one listing the contact: it fires."""
        records = [contact("c1"), on_deal("d1", stage_id="lost"), on_deal("d2"), inbound()]
        assert fires(*records)

    def test_one_action_however_many_deals(self) -> None:
        """Two open deals list the contact: still one action about the contact."""
        records = [contact("c1"), on_deal("d1"), on_deal("d2"), inbound()]
        actions = run_rule(ReplyToEmail, build(*records), NOW)
        assert [a.subjects for a in actions] == [(("contact", "c1"),)]


class TestTheyEmailedYou:
    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({}, True),
            ({"from_address": "C1@CLIENT.test"}, True),
            ({"from_address": None, "contact_ids": ("c1",)}, True),
            ({"from_address": "x@client.test"}, False),
            ({"owner_id": "u2"}, False),
            ({"to": ("someone@acme.test",)}, True),
            ({"from_address": "c1@acme.test", "contact_ids": ("c1",)}, True),
        ],
        ids=[
            "by-address",
            "by-address-case",
            "by-listing",
            "someone-else",
            "colleagues-mailbox",
            "to-another-address",
            "same-domain",
        ],
    )
    def test_inbound_email_in_your_mailbox_from_the_contact(self, fields, expected) -> None:
        """An inbound email in your mailbox, listing the contact or from its address, counts."""
        assert fires(contact("c1"), on_deal(), inbound(**fields)) is expected

    def test_outbound_email_is_not_from_the_contact(self) -> None:
        """Your own email to the contact is not the contact emailing you."""
        e = email("e1", direction="outbound", to=("c1@client.test",), sent_at=SENT)
        assert not fires(contact("c1"), on_deal(), e)

    def test_created_at_is_the_latest_email(self) -> None:
        """Two emails from the contact: the action starts at the later one."""
        records = [contact("c1"), on_deal(), inbound("e1", sent_at=at(days=-3)), inbound("e2")]
        [action] = run_rule(ReplyToEmail, build(*records), NOW)
        assert (action.created_at, action.expires_at) == (SENT, EXPIRES)

    def test_email_after_now_is_ignored(self) -> None:
        """An email stamped after ``now`` has not been sent yet."""
        records = [contact("c1"), on_deal(), inbound("e1"), inbound("e2", sent_at=at(hours=1))]
        [action] = run_rule(ReplyToEmail, build(*records), NOW)
        assert action.created_at == SENT
        assert not fires(contact("c1"), on_deal(), inbound("e2", sent_at=at(hours=1)))


class TestYouEmailedThem:
    @pytest.mark.parametrize(
        ("sent_at", "expected"),
        [
            (SENT - timedelta(microseconds=US), True),
            (SENT, False),
            (SENT + timedelta(microseconds=US), False),
            (at(hours=-1), False),
            (at(hours=1), True),
        ],
        ids=["before", "same-instant", "just-after", "after", "after-now"],
    )
    def test_you_have_not_emailed_since(self, sent_at, expected: bool) -> None:
        """Your email at or after the contact's ends it ("since" includes the instant itself)."""
        assert fires(contact("c1"), on_deal(), inbound(), answer(sent_at=sent_at)) is expected

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({"to": ("x@client.test",), "cc": ("c1@client.test",)}, False),
            ({"to": ("x@client.test",), "contact_ids": ("c1",)}, False),
            ({"to": ("x@client.test",)}, True),
            ({"owner_id": "u2"}, True),
        ],
        ids=["cc", "listed", "someone-else", "colleagues-mailbox"],
    )
    def test_what_counts_as_emailing_the_contact(self, fields, expected: bool) -> None:
        """An outbound email of yours to, cc or listing the contact ends it; others do not."""
        records = [contact("c1"), on_deal(), inbound(), answer(sent_at=at(hours=-1), **fields)]
        assert fires(*records) is expected


class TestExpiry:
    def test_deal_closed_removes_it(self) -> None:
        """Once no open deal of yours lists the contact, the action is gone."""
        assert fires(contact("c1"), on_deal(), inbound())
        assert not fires(contact("c1"), on_deal(stage_id="won"), inbound())

    def test_deal_reassigned_removes_it(self) -> None:
        """The deal reassigned to someone else: no open deal of yours lists the contact."""
        deal_of_u2 = on_deal(owner_id="u2", owner_assigned_at=at(hours=-1))
        assert not fires(contact("c1"), deal_of_u2, inbound())

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
        """Present from the email's ``sent_at`` (included) for 7 days (excluded)."""
        actions = run_rule(ReplyToEmail, build(contact("c1"), on_deal(), inbound()), now)
        assert bool(actions) is expected
        if expected:
            assert (actions[0].created_at, actions[0].expires_at) == (SENT, EXPIRES)


class TestGrouping:
    def test_one_action_per_contact(self) -> None:
        """Two contacts of your deal writing to you give two actions, grouped or not."""
        records = [
            contact("c1"),
            contact("c2"),
            on_deal(contact_ids=("c1", "c2")),
            inbound("e1"),
            inbound("e2", from_address="c2@client.test", sent_at=at(days=-2)),
        ]
        for grouped in (None, False):
            actions = run_rule(ReplyToEmail, build(*records), NOW, grouped=grouped)
            assert sorted(a.subjects for a in actions) == [
                (("contact", "c1"),),
                (("contact", "c2"),),
            ]
            assert len({a.key for a in actions}) == 2


class TestThresholds:
    def test_lifetime_override_moves_expiry(self) -> None:
        """With a 1-day lifetime, the action expires exactly one day after the email."""
        records = [contact("c1"), on_deal(), inbound()]
        assert not fires(*records, lifetime=timedelta(days=1))
        [action] = run_rule(
            ReplyToEmail,
            build(*records),
            NOW - timedelta(microseconds=US),
            lifetime=timedelta(days=1),
        )
        assert action.expires_at == NOW

    def test_longer_lifetime_keeps_an_older_email(self) -> None:
        """With a 30-day lifetime, an email from 10 days ago still fires."""
        records = [contact("c1"), on_deal(), inbound(sent_at=at(days=-10))]
        assert not fires(*records)
        assert fires(*records, lifetime=timedelta(days=30))


class TestReasons:
    def test_reasons_name_each_criterion_and_its_data(self) -> None:
        """The reasons list each criterion met, naming every open deal of yours on the contact."""
        records = (contact("c1"), on_deal("d1"), on_deal("d2"), inbound())
        [action] = run_rule(ReplyToEmail, build(*records), NOW)
        assert action.reasons == (
            "contact c1 (c1@client.test) is on your open deal d1, deal d2",
            "contact c1 (c1@client.test) emailed you at 2026-11-25T12:00+00:00 (email e1)",
            "you have not emailed contact c1 (c1@client.test) since 2026-11-25T12:00+00:00",
            "the action lives 7 days from its creation",
        )

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_failing_contact_does_not_stop_the_others(self, reverse: bool) -> None:
        """Contacts who never wrote, or already answered, are skipped; the next still counts."""
        records = [
            contact("c0"),
            contact("c00"),
            deal("d0", contact_ids=("c0", "c00")),
            inbound("e00", from_address="c00@client.test"),
            answer("r00", to=("c00@client.test",), sent_at=SENT + timedelta(microseconds=US)),
            contact("c1"),
            on_deal("d1"),
            inbound(),
        ]
        actions = run_rule(ReplyToEmail, build(*(reversed(records) if reverse else records)), NOW)
        assert [a.subjects for a in actions] == [(("contact", "c1"),)]


class TestExplain:
    def test_explained_at_expires_at_the_lifetime_is_unmet(self) -> None:
        """At ``expires_at`` the action has expired: its lifetime check says until when."""
        snap = build(contact("c1"), deal("d1", contact_ids=("c1",)), inbound(sent_at=SENT))
        entry = explain_rule(ReplyToEmail, snap, ("contact", "c1"), EXPIRES)
        assert (entry.status, entry.created_at, entry.expires_at) == ("expired", SENT, EXPIRES)
        assert [(c.id, c.met) for c in entry.checks][-1] == ("within_lifetime", False)
        assert str(entry.checks[-1]) == (
            "the action lived 7 days from its creation, until 2026-12-02T12:00+00:00"
        )

    def test_a_contact_on_no_open_deal_of_yours_names_the_deals_listing_it(self) -> None:
        """Explaining a contact listed only on someone else's deal: the deals listing it."""
        snap = build(contact("c1"), deal("d1", owner_id="u2", contact_ids=("c1",)), inbound())
        entry = explain_rule(ReplyToEmail, snap, ("contact", "c1"))
        assert (entry.status, entry.created_at) == ("unmet", SENT)
        assert [(c.id, c.met, str(c)) for c in entry.checks[:2]] == [
            (
                "on_open_deal_of_yours",
                False,
                "contact c1 (c1@client.test) is on no open deal of yours"
                " (deals listing it: deal d1)",
            ),
            (
                "emailed_you",
                True,
                "contact c1 (c1@client.test) emailed you at 2026-11-25T12:00+00:00 (email e1)",
            ),
        ]

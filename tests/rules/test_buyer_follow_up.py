"""Truth table of ``buyer_follow_up`` (SPEC §5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from guided_actions import Action, Snapshot
from guided_actions.rules import BuyerFollowUp
from guided_actions.testing import NOW, at, build, contact, deal, email, explain_rule, run_rule
from guided_actions.typing import Subject

US = timedelta(microseconds=1)
WEEK = timedelta(days=7)
SENT = at(days=-8)
OPENED = SENT + timedelta(hours=1)
CREATED = SENT + WEEK
EXPIRES = CREATED + WEEK
FIRES = [(("deal", "d1"),)]


def sent(id: str = "e1", *, sent_at: datetime = SENT, **fields: Any) -> Any:
    """An email you sent to contact ``c1``'s address, opened an hour later."""
    fields.setdefault("to", ("c1@client.test",))
    fields.setdefault("opened_at", sent_at + timedelta(hours=1))
    return email(id, sent_at=sent_at, **fields)


def received(id: str = "r1", *, sent_at: datetime, **fields: Any) -> Any:
    """An email to you from contact ``c1``'s address."""
    fields.setdefault("from_address", "c1@client.test")
    fields.setdefault("to", ("rep@acme.test",))
    fields.setdefault("direction", "inbound")
    return email(id, sent_at=sent_at, **fields)


def snapshot(*extra: Any, **deal_fields: Any) -> Snapshot:
    """Deal ``d1`` (yours, open) with contact ``c1``, the other contact ``c2``, and ``extra``."""
    deal_fields.setdefault("contact_ids", ("c1",))
    return build(
        contact("c1", owner_id="u2"),
        contact("c2", owner_id="u2"),
        deal("d1", **deal_fields),
        *extra,
    )


def run(snap: Snapshot, now: datetime = NOW, **kwargs: Any) -> list[Action]:
    return run_rule(BuyerFollowUp, snap, now, **kwargs)


def subjects(snap: Snapshot, now: datetime = NOW, **kwargs: Any) -> list[tuple[Subject, ...]]:
    return [a.subjects for a in run(snap, now, **kwargs)]


class TestDeclared:
    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("id", "buyer_follow_up"),
            ("title", "Buyer follow-up"),
            ("category", "deal"),
            ("priority", "normal"),
            ("subject_kind", "deal"),
            ("grouped", False),
        ],
    )
    def test_declared_data(self, name: str, value: object) -> None:
        """The rule class declares SPEC §5's id, title, category, priority and subject kind."""
        assert getattr(BuyerFollowUp, name) == value


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """An opened email to the deal's contact eight days ago, unanswered, gives one action."""
        (action,) = run(snapshot(sent()))
        assert action.rule == "buyer_follow_up"
        assert action.title == "Buyer follow-up"
        assert action.category == "deal"
        assert action.subjects == (("deal", "d1"),)
        assert action.created_at == CREATED
        assert action.expires_at == EXPIRES
        assert action.reasons
        assert action.key.startswith("buyer_follow_up:")

    def test_latest_of_several_qualifying_emails(self) -> None:
        """With several opened, unanswered emails, the latest gives ``created_at``."""
        snap = snapshot(sent("e1", sent_at=at(days=-12)), sent("e2", sent_at=SENT))
        (action,) = run(snap)
        assert action.created_at == CREATED

    def test_latest_qualifying_email_not_yet_a_week_old(self) -> None:
        """The latest such email is only three days old: nothing until a week after it."""
        recent = at(days=-3)
        snap = snapshot(sent("e1", sent_at=SENT), sent("e2", sent_at=recent))
        assert subjects(snap) == []
        (action,) = run(snap, recent + WEEK)
        assert action.created_at == recent + WEEK

    def test_a_later_unopened_email_does_not_qualify(self) -> None:
        """An unopened later email is not such an email: the opened one is the latest."""
        snap = snapshot(sent("e1"), sent("e2", sent_at=at(days=-3), opened_at=None))
        (action,) = run(snap)
        assert action.created_at == CREATED


class TestTheEmail:
    @pytest.mark.parametrize(
        ("fields", "fires"),
        [
            pytest.param({}, True, id="to-the-contact"),
            pytest.param({"to": ("C1@Client.TEST",)}, True, id="to-the-contact-other-case"),
            pytest.param(
                {"to": ("someone@else.test",), "cc": ("c1@client.test",)}, True, id="cc-contact"
            ),
            pytest.param(
                {"to": ("someone@else.test",), "contact_ids": ("c1",)},
                True,
                id="lists-the-contact",
            ),
            pytest.param(
                {"to": ("someone@else.test",), "deal_ids": ("d1",)}, True, id="lists-the-deal"
            ),
            pytest.param({"to": (), "deal_ids": ("d1",)}, True, id="lists-the-deal-no-address"),
            pytest.param({"to": ("someone@else.test",)}, False, id="to-someone-else"),
            pytest.param({"to": ("c2@client.test",)}, False, id="to-a-contact-not-on-the-deal"),
            pytest.param(
                {"to": ("someone@else.test",), "contact_ids": ("c2",)},
                False,
                id="lists-a-contact-not-on-the-deal",
            ),
            pytest.param({"direction": "inbound"}, False, id="inbound-not-sent"),
            pytest.param({"owner_id": "u2"}, False, id="in-someone-elses-mailbox"),
        ],
    )
    def test_email_you_sent_listing_the_deal_or_to_its_contact(
        self, fields: dict[str, Any], fires: bool
    ) -> None:
        """The email must be one you sent, listing the deal or to one of its contacts."""
        assert subjects(snapshot(sent(**fields))) == (FIRES if fires else [])

    @pytest.mark.parametrize(
        ("opened_at", "fires"),
        [
            pytest.param(None, False, id="not-opened"),
            pytest.param(at(microseconds=1), False, id="opened-after-now"),
            pytest.param(NOW, True, id="opened-at-now"),
            pytest.param(OPENED, True, id="opened-long-ago"),
        ],
    )
    def test_email_was_opened(self, opened_at: datetime | None, fires: bool) -> None:
        """The email must have been opened by ``now``."""
        assert subjects(snapshot(sent(opened_at=opened_at))) == (FIRES if fires else [])

    def test_email_sent_after_now_is_ignored(self) -> None:
        """An email stamped after ``now`` has not been sent yet."""
        assert subjects(snapshot(sent(sent_at=at(hours=1), opened_at=at(hours=2)))) == []

    def test_second_contact_of_the_deal(self) -> None:
        """An email to any contact of the deal counts."""
        snap = snapshot(sent(to=("c2@client.test",)), contact_ids=("c1", "c2"))
        assert subjects(snap) == FIRES


class TestNoReply:
    @pytest.mark.parametrize(
        ("replied_at", "fires"),
        [
            pytest.param(SENT - US, True, id="before-the-email"),
            pytest.param(SENT, False, id="at-exactly-sent_at"),
            pytest.param(SENT + US, False, id="after-the-email"),
            pytest.param(CREATED - US, False, id="before-created_at"),
            pytest.param(at(microseconds=1), True, id="after-now"),
        ],
    )
    def test_no_contact_of_the_deal_emailed_you_since(
        self, replied_at: datetime, fires: bool
    ) -> None:
        """An email from a deal contact since the email was sent (inclusive) prevents it."""
        snap = snapshot(sent(), received(sent_at=replied_at))
        assert subjects(snap) == (FIRES if fires else [])

    @pytest.mark.parametrize(
        ("fields", "fires"),
        [
            pytest.param({}, False, id="from-the-contact-address"),
            pytest.param({"from_address": "C1@CLIENT.test"}, False, id="address-other-case"),
            pytest.param(
                {"from_address": "x@other.test", "contact_ids": ("c1",)},
                False,
                id="lists-the-contact",
            ),
            pytest.param({"from_address": "c2@client.test"}, True, id="from-a-non-deal-contact"),
            pytest.param({"owner_id": "u2"}, True, id="to-someone-else-mailbox"),
            pytest.param({"direction": "outbound"}, True, id="outbound-not-from-them"),
        ],
    )
    def test_who_emailed_you(self, fields: dict[str, Any], fires: bool) -> None:
        """Only an inbound email in your mailbox from a contact of the deal counts as a reply."""
        snap = snapshot(sent(), received(sent_at=SENT + timedelta(days=1), **fields))
        assert subjects(snap) == (FIRES if fires else [])

    def test_reply_from_the_second_contact(self) -> None:
        """Any contact of the deal emailing you counts, not only the one emailed."""
        snap = snapshot(
            sent(),
            received(sent_at=SENT + timedelta(days=1), from_address="c2@client.test"),
            contact_ids=("c1", "c2"),
        )
        assert subjects(snap) == []

    def test_reply_to_the_latest_leaves_no_older_email(self) -> None:
        """A reply after the latest email answers all earlier ones too."""
        snap = snapshot(
            sent("e1", sent_at=at(days=-12)),
            sent("e2", sent_at=SENT),
            received(sent_at=SENT + timedelta(days=1)),
        )
        assert subjects(snap) == []

    def test_reply_between_two_emails(self) -> None:
        """A reply between two opened emails answers only the first: the second one fires."""
        snap = snapshot(
            sent("e1", sent_at=at(days=-12)),
            received(sent_at=at(days=-10)),
            sent("e2", sent_at=SENT),
        )
        (action,) = run(snap)
        assert action.created_at == CREATED


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
        """Only an open deal that you own fires."""
        snap = snapshot(sent(), owner_id=owner, stage_id=stage)
        assert subjects(snap) == (FIRES if fires else [])

    def test_deal_created_after_now_does_not_exist(self) -> None:
        """A deal created after ``now`` does not exist yet."""
        assert subjects(snapshot(sent(deal_ids=("d1",)), created_at=at(microseconds=1))) == []


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
        """Present from the email's ``sent_at`` + 7 days until 7 days later."""
        assert subjects(snapshot(sent()), now) == (FIRES if fires else [])

    def test_contact_emailed_you_expires_it(self) -> None:
        """Once a contact of the deal emails you, the action is gone."""
        replied = CREATED + timedelta(days=1)
        snap = snapshot(sent(), received(sent_at=replied))
        assert subjects(snap, replied - US) == FIRES
        assert subjects(snap, replied) == []

    def test_deal_closed_expires_it(self) -> None:
        """Once the deal is in a closed stage, the action is gone."""
        assert subjects(snapshot(sent(), stage_id="won", closed_at=CREATED), CREATED + US) == []

    def test_threshold_overrides_move_the_boundaries(self) -> None:
        """``wait`` moves ``created_at``; ``lifetime`` moves ``expires_at``."""
        wait, lifetime = timedelta(days=3), timedelta(days=2)
        snap = snapshot(sent())
        (action,) = run(snap, SENT + wait, wait=wait, lifetime=lifetime)
        assert action.created_at == SENT + wait
        assert action.expires_at == SENT + wait + lifetime
        assert subjects(snap, SENT + wait - US, wait=wait) == []
        assert subjects(snap, SENT + wait + lifetime, wait=wait, lifetime=lifetime) == []
        assert subjects(snap, SENT + wait + lifetime - US, wait=wait) == FIRES


class TestReasons:
    def test_reasons_name_each_criterion_and_its_data(self) -> None:
        """The reasons list, in order, each criterion met and the data that met it."""
        (action,) = run(snapshot(sent()))
        assert action.reasons == (
            "deal d1 is yours",
            "deal d1 is in open stage new",
            "email e1, which you sent at 2026-11-18T12:00+00:00 listing deal d1 or to its"
            " contacts, was opened at 2026-11-18T13:00+00:00",
            "you have had no email from contact c1 (c1@client.test) since 2026-11-18T12:00+00:00",
            "email e1 was sent more than 7 days ago, at 2026-11-18T12:00+00:00",
            "the action lives 7 days from its creation",
        )

    @pytest.mark.parametrize("reverse", [False, True], ids=["failing-first", "failing-last"])
    def test_a_failing_deal_does_not_stop_the_others(self, reverse: bool) -> None:
        """Deals without a qualifying email, or closed, are skipped; the next is still checked."""
        records: list[Any] = [
            contact("c1", owner_id="u2"),
            deal("d0"),
            deal("d00", stage_id="lost"),
            sent("e0", deal_ids=("d00",), to=()),
            deal("d1", contact_ids=("c1",)),
            sent(),
        ]
        snap = build(*(reversed(records) if reverse else records))
        assert subjects(snap) == FIRES


class TestExplain:
    def test_explained_at_expires_at_the_lifetime_is_unmet(self) -> None:
        """At ``expires_at`` the action has expired: its lifetime check says until when."""
        entry = explain_rule(BuyerFollowUp, snapshot(sent()), ("deal", "d1"), EXPIRES)
        assert (entry.status, entry.created_at, entry.expires_at) == ("expired", CREATED, EXPIRES)
        assert [(c.id, c.met) for c in entry.checks][-1] == ("within_lifetime", False)
        assert str(entry.checks[-1]) == (
            "the action lived 7 days from its creation, until 2026-12-02T12:00+00:00"
        )

    def test_no_opened_email(self) -> None:
        """Explaining a deal with no opened email: no window, nothing to wait after."""
        entry = explain_rule(BuyerFollowUp, snapshot(sent(opened_at=None)), ("deal", "d1"))
        assert (entry.status, entry.created_at, entry.expires_at) == ("unmet", None, None)
        assert [(c.id, c.met, str(c)) for c in entry.checks] == [
            ("owned_by_you", True, "deal d1 is yours"),
            ("deal_open", True, "deal d1 is in open stage new"),
            (
                "buyer_opened_email",
                False,
                "no email you sent listing deal d1 or to its contacts"
                " (contact c1 (c1@client.test)) has been opened",
            ),
            (
                "no_email_from_contact_since",
                True,
                "you have had no email from contact c1 (c1@client.test)",
            ),
            ("email_sent_more_than", False, "no opened email to wait 7 days after"),
            ("within_lifetime", True, "the action lives 7 days from its creation"),
        ]

    def test_an_answered_email_names_the_reply(self) -> None:
        """Explaining a deal whose opened email a contact answered: that email dates the action,
        and the reply fails it."""
        snap = snapshot(sent(), received(sent_at=SENT + timedelta(days=1)))
        entry = explain_rule(BuyerFollowUp, snap, ("deal", "d1"))
        assert (entry.status, entry.created_at, entry.expires_at) == ("unmet", CREATED, EXPIRES)
        assert [(c.id, c.met, str(c)) for c in entry.checks[2:4]] == [
            (
                "buyer_opened_email",
                True,
                "email e1, which you sent at 2026-11-18T12:00+00:00 listing deal d1 or to its"
                " contacts, was opened at 2026-11-18T13:00+00:00",
            ),
            (
                "no_email_from_contact_since",
                False,
                "contact c1 (c1@client.test) emailed you at 2026-11-19T12:00+00:00 (email r1),"
                " since 2026-11-18T12:00+00:00",
            ),
        ]

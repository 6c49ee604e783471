"""The shared criteria of ``guided_actions.criteria``, called directly as a plugin would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from guided_actions import Snapshot
from guided_actions._rules.context import RuleContext
from guided_actions.criteria import (
    Check,
    all_met,
    deal_is_open,
    in_first_stage,
    latest_email,
    latest_engagement,
    lead_is_open,
    lifecycle_not_excluded,
    no_deal_lists_contact,
    no_open_lead,
    owned_by_you,
    they_have_not_emailed_you_since,
    you_have_not_emailed_since,
)
from guided_actions.testing import NOW, at, build, contact, deal, email, engagement, lead

KINDS = frozenset(
    {"email_open", "email_click", "email_reply", "form_submission", "meeting_booked", "page_view"}
)


def ctx_of(snap: Snapshot, now: datetime = NOW, user_id: str = "u1") -> RuleContext:
    user = snap.user(user_id)
    assert user is not None
    return RuleContext(snapshot=snap, now=now, user=user, engagement_kinds=KINDS)


def check_of(*records: Any, fn: Callable[[RuleContext], Check]) -> tuple[bool, str]:
    c = fn(ctx_of(build(*records)))
    return c.passed, str(c)


class TestCheck:
    def test_truth_and_text(self) -> None:
        """A check is truthy when passed, and reads ``criterion: detail``."""
        assert bool(Check("a", True, "b")) is True
        assert bool(Check("a", False, "b")) is False
        assert str(Check("the deal is open", False, "deal d1 is lost")) == (
            "the deal is open: deal d1 is lost"
        )


class TestAllMet:
    def test_all_pass_gives_the_checks_in_order(self) -> None:
        """When every criterion holds, the checks come back in the order given."""
        one, two = Check("one", True, "1"), Check("two", True, "2")
        assert all_met(lambda: one, lambda: two) == [one, two]

    def test_stops_at_the_first_failure(self) -> None:
        """The first failing criterion gives ``None`` and later ones are not evaluated."""
        called: list[str] = []

        def later() -> Check:
            called.append("later")
            return Check("later", True, "")

        assert all_met(lambda: Check("first", False, ""), later) is None
        assert called == []

    def test_no_criteria(self) -> None:
        """With no criteria, all are met: an empty list (not ``None``)."""
        assert all_met() == []


class TestLatest:
    def test_latest_email_ties_by_id(self) -> None:
        """The latest email by ``sent_at``; a tie goes to the greater id; none gives ``None``."""
        a, b, c = (
            email("e1", sent_at=at(days=-1)),
            email("e3", sent_at=at(days=-2)),
            email("e2", sent_at=at(days=-1)),
        )
        assert latest_email([a, b, c]) is c
        assert latest_email([]) is None

    def test_latest_engagement_ties_by_id(self) -> None:
        """The latest engagement by ``occurred_at``; a tie goes to the greater id."""
        a = engagement("ev1", occurred_at=at(days=-1))
        b = engagement("ev3", occurred_at=at(days=-2))
        c = engagement("ev2", occurred_at=at(days=-1))
        assert latest_engagement([a, b, c]) is c
        assert latest_engagement([]) is None


class TestOwnership:
    @pytest.mark.parametrize(
        ("owner", "expected"),
        [
            ("u1", (True, "deal is yours: deal d1 is owned by u1")),
            ("u2", (False, "deal is yours: deal d1 is owned by u2")),
            (None, (False, "deal is yours: deal d1 is owned by nobody")),
        ],
    )
    def test_owned_by_you(self, owner: str | None, expected: tuple[bool, str]) -> None:
        """Yours only when the owner is the user evaluated; no owner reads "nobody"."""
        d = deal("d1", owner_id=owner)
        assert check_of(d, fn=lambda ctx: owned_by_you(ctx, d, "deal")) == expected


class TestStages:
    @pytest.mark.parametrize(
        ("stage", "expected"),
        [
            ("new", (True, "deal is open: deal d1 is in open stage 'new'")),
            ("lost", (False, "deal is open: deal d1 is in closed stage 'lost'")),
        ],
    )
    def test_deal_is_open(self, stage: str, expected: tuple[bool, str]) -> None:
        """Open when the deal's stage is not closed; the detail says which."""
        d = deal("d1", stage_id=stage)
        assert check_of(d, fn=lambda ctx: deal_is_open(ctx, d)) == expected

    @pytest.mark.parametrize(
        ("stage", "expected"),
        [
            ("working", (True, "lead is open: lead l1 is in open stage 'working'")),
            ("qualified", (False, "lead is open: lead l1 is in closed stage 'qualified'")),
        ],
    )
    def test_lead_is_open(self, stage: str, expected: tuple[bool, str]) -> None:
        """Open when the lead's stage is not closed; the detail says which."""
        x = lead("l1", stage_id=stage)
        assert check_of(contact("c1"), x, fn=lambda ctx: lead_is_open(ctx, x)) == expected

    @pytest.mark.parametrize(("stage", "passed"), [("new", True), ("proposal", False)])
    def test_in_first_stage(self, stage: str, passed: bool) -> None:
        """Only the pipeline's first stage passes."""
        d = deal("d1", stage_id=stage)
        assert check_of(d, fn=lambda ctx: in_first_stage(ctx, d, "deal")) == (
            passed,
            f"deal is in the first stage: deal d1 is in stage {stage!r} of pipeline 'deals'",
        )


class TestLifecycle:
    @pytest.mark.parametrize(
        ("stage", "custom", "expected"),
        [
            ("opportunity", None, (True, "opportunity (excluded: customer, evangelist)")),
            ("customer", None, (False, "customer (excluded: customer, evangelist)")),
            ("evangelist", None, (False, "evangelist (excluded: customer, evangelist)")),
            (None, None, (True, "none (excluded: customer, evangelist)")),
            ("customer", ["lead", "customer", "fan"], (True, "customer (excluded: fan)")),
            ("fan", ["lead", "customer", "fan"], (False, "fan (excluded: fan)")),
        ],
    )
    def test_lifecycle_not_excluded(
        self, stage: str | None, custom: list[str] | None, expected: tuple[bool, str]
    ) -> None:
        """Default list: customer and evangelist excluded; a custom list: only its last stage."""
        c = contact("c1", lifecycle_stage=stage)
        ctx = ctx_of(build(c, lifecycle_stages=custom))
        check = lifecycle_not_excluded(ctx, c)
        passed, detail = expected
        assert (check.passed, str(check)) == (
            passed,
            f"lifecycle stage is not excluded: contact c1 is at lifecycle stage {detail}",
        )


class TestDealsAndLeads:
    def test_no_deal_lists_contact(self) -> None:
        """Any deal (open or closed) listing the contact fails it; each deal is named."""
        c = contact("c1")
        records = (
            c,
            deal("d1", contact_ids=("c1",)),
            deal("d2", stage_id="lost", contact_ids=("c1",)),
        )
        assert check_of(*records, fn=lambda ctx: no_deal_lists_contact(ctx, c)) == (
            False,
            "no deal lists the contact: contact c1 is on deal d1, deal d2",
        )
        assert check_of(c, fn=lambda ctx: no_deal_lists_contact(ctx, c)) == (
            True,
            "no deal lists the contact: contact c1 is on no deal",
        )

    def test_no_open_lead(self) -> None:
        """Open leads fail it and are named; closed leads do not count."""
        c = contact("c1")
        records = (c, lead("l1"), lead("l2", stage_id="working"), lead("l3", stage_id="qualified"))
        assert check_of(*records, fn=lambda ctx: no_open_lead(ctx, c)) == (
            False,
            "the contact has no open lead: contact c1 has open lead l1, open lead l2",
        )
        assert check_of(
            c, lead("l3", stage_id="qualified"), fn=lambda ctx: no_open_lead(ctx, c)
        ) == (
            True,
            "the contact has no open lead: contact c1 has no open lead",
        )


class TestEmailedSince:
    SINCE = at(days=-3)

    @pytest.mark.parametrize(
        ("sent_at", "expected"),
        [
            (
                SINCE - timedelta(microseconds=1),
                (True, "no email from you to contact c1 since 2026-11-23T12:00+00:00"),
            ),
            (SINCE, (False, "you emailed contact c1 at 2026-11-23T12:00+00:00 (email e1)")),
        ],
    )
    def test_you_have_not_emailed_since(
        self, sent_at: datetime, expected: tuple[bool, str]
    ) -> None:
        """ "Since" includes its instant; the failing detail names the email."""
        c = contact("c1")
        records = (c, email("e1", sent_at=sent_at, to=("c1@client.test",)))
        passed, detail = check_of(
            *records, fn=lambda ctx: you_have_not_emailed_since(ctx, c, self.SINCE)
        )
        assert (passed, detail) == (
            expected[0],
            f"you have not emailed the contact since: {expected[1]}",
        )

    @pytest.mark.parametrize(
        ("sent_at", "expected"),
        [
            (
                SINCE - timedelta(microseconds=1),
                (True, "no email from contact c1 to you since 2026-11-23T12:00+00:00"),
            ),
            (SINCE, (False, "contact c1 emailed you at 2026-11-23T12:00+00:00 (email r1)")),
        ],
    )
    def test_they_have_not_emailed_you_since(
        self, sent_at: datetime, expected: tuple[bool, str]
    ) -> None:
        """ "Since" includes its instant; the failing detail names the email."""
        c = contact("c1")
        records = (
            c,
            email("r1", direction="inbound", sent_at=sent_at, from_address="c1@client.test"),
        )
        passed, detail = check_of(
            *records, fn=lambda ctx: they_have_not_emailed_you_since(ctx, c, self.SINCE)
        )
        assert (passed, detail) == (
            expected[0],
            f"the contact has not emailed you since: {expected[1]}",
        )

"""Criteria as data: ``Criterion``, ``Check`` and ``Ref``, their text, and the shared criteria of
``guided_actions.criteria``, called directly as a plugin would."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import guided_actions.criteria as criteria
from guided_actions import Snapshot
from guided_actions._rules.context import RuleContext
from guided_actions.criteria import (
    ASSIGNED,
    CREATED_MORE_THAN,
    DEAL_OPEN,
    EMAILED_YOU,
    EMAILED_YOUR_ADDRESS,
    ENGAGED,
    FIRST_STAGE,
    LEAD_OPEN,
    LIFECYCLE_NOT_EXCLUDED,
    NO_DEAL_LISTS_CONTACT,
    NO_EMAIL_FROM_CONTACT_SINCE,
    NO_EMAIL_FROM_YOU_AFTER,
    NO_EMAIL_FROM_YOU_SINCE,
    NO_OPEN_LEAD,
    NOT_REASSIGNED_AFTER,
    OWNED_BY_YOU,
    SENDER_DOMAIN_DIFFERS,
    TASK_OPEN,
    WITHIN_LIFETIME,
    Check,
    Criterion,
    Ref,
    assigned,
    assigned_at,
    created_more_than,
    deal_open,
    elapsed,
    elapsed_criterion,
    emailed_you,
    emailed_your_address,
    engaged,
    first_email_from,
    first_email_to,
    first_stage,
    from_other_domain,
    has_open_lead,
    latest_email,
    latest_engagement,
    lead_open,
    lifecycle_not_excluded,
    no_deal_lists_contact,
    no_email_from_contact_since,
    no_email_from_contacts_since,
    no_email_from_you_after,
    no_email_from_you_since,
    no_open_lead,
    not_reassigned_after,
    owned_by_you,
    sender_domain,
    sender_domain_differs,
    task_open,
    within,
    within_lifetime,
)
from guided_actions.testing import (
    NOW,
    at,
    build,
    call,
    contact,
    deal,
    email,
    engagement,
    lead,
    meeting,
    task,
    user,
)

KINDS = frozenset(
    {"email_open", "email_click", "email_reply", "form_submission", "meeting_booked", "page_view"}
)
TOKYO = ZoneInfo("Asia/Tokyo")
#: How the default contact ``c1`` reads in a text.
C1 = "contact c1 (c1@client.test)"


def ctx_of(snap: Snapshot, now: datetime = NOW, user_id: str = "u1") -> RuleContext:
    found = snap.user(user_id)
    assert found is not None
    return RuleContext(snapshot=snap, now=now, user=found, engagement_kinds=KINDS)


def check_of(*records: Any, fn: Callable[[RuleContext], Check]) -> tuple[bool, str]:
    c = fn(ctx_of(build(*records)))
    return c.met, str(c)


# -- the data types --------------------------------------------------------------------------


class TestCriterion:
    def test_fields_are_the_template_parameters(self) -> None:
        """A criterion's fields are every parameter its two templates name."""
        assert CREATED_MORE_THAN.fields == {"record", "wait", "since"}
        assert NO_DEAL_LISTS_CONTACT.fields == {"contact", "deals"}
        assert Criterion("x", met="{a.b} and {c[0]}", unmet="plain").fields == {"a", "c"}

    def test_check_sorts_its_parameters(self) -> None:
        """``check`` gives the criterion, whether it held, and its parameters sorted by name."""
        crit = Criterion("pair", met="{b} then {a}", unmet="no {a}")
        check = crit.check(1, b="two", a=Ref("deal", "d1"))  # type: ignore[arg-type]
        assert check == Check(crit, True, (("a", Ref("deal", "d1")), ("b", "two")))
        assert check.params == (("a", Ref("deal", "d1")), ("b", "two"))
        assert repr(check) == (
            f"Check(criterion={crit!r}, met=True, params=(('a', Ref(kind='deal', id='d1', "
            "detail=None, private=False)), ('b', 'two')))"
        )
        assert check.met is True
        assert check.values == {"a": Ref("deal", "d1"), "b": "two"}
        assert (check.id, check.role) == ("pair", "condition")

    def test_extra_parameters_are_kept(self) -> None:
        """A parameter no template names is still carried (it is data for explanations)."""
        check = Criterion("x", met="x", unmet="not x").check(True, why=3)
        assert check.values == {"why": 3}
        assert str(check) == "x"
        both = Criterion("y", met="{b}", unmet="{b}").check(True, c=1, b=2, a=3)
        assert both.params == (("a", 3), ("b", 2), ("c", 1))
        assert both == Check(both.criterion, True, (("a", 3), ("b", 2), ("c", 1)))
        # Built directly, a check sorts its parameters by name too.
        assert both == Check(both.criterion, True, (("c", 1), ("a", 3), ("b", 2)))

    def test_missing_parameter_is_a_type_error(self) -> None:
        """Every parameter a template names must be given: a missing one is a TypeError."""
        with pytest.raises(
            TypeError, match=r"'created_more_than' needs parameter\(s\) since, wait"
        ):
            CREATED_MORE_THAN.check(True, record=Ref("deal", "d1"))

    def test_a_wrong_parameter_is_a_type_error(self) -> None:
        """A parameter that is not plain data is a TypeError naming it; a tuple is looked into."""
        crit = Criterion("x", met="{a}", unmet="{a}")
        for bad in (object(), [1], ("ok", object()), {"a": 1}):
            with pytest.raises(TypeError, match="'x': parameter 'a' must be plain data"):
                crit.check(True, a=bad)  # type: ignore[arg-type]
        assert crit.check(True, a=("ok", (1, Ref("deal", "d1")), None)).met

    def test_a_subclass_of_a_plain_type_is_plain(self) -> None:
        """A value of a subclass of a plain type (a str subclass, say) is accepted."""

        class Name(str):
            pass

        assert Criterion("x", met="{a}", unmet="{a}").check(True, a=Name("n")).values == {"a": "n"}

    def test_variant_keeps_id_and_role(self) -> None:
        """A variant has the criterion's id and role and other templates (and their fields)."""
        base = Criterion("x", met="{a} holds", unmet="{a} fails at {b}", role="wait")
        worded = base.variant(unmet="{a} fails")
        assert (worded.id, worded.role, worded.met) == ("x", "wait", "{a} holds")
        assert worded.fields == {"a"}
        assert worded.check(False, a=1).id == base.check(False, a=1, b=2).id
        assert base.variant() == base

    @pytest.mark.parametrize("bad", ["", "Deal_open", "deal-open", "deal open", "deal.open", "123"])
    def test_id_must_be_lower_snake_case(self, bad: str) -> None:
        """An id that is not lower_snake_case is a ValueError naming it."""
        with pytest.raises(ValueError, match="lower_snake_case"):
            Criterion(bad, met="x", unmet="y")

    @pytest.mark.parametrize("good", ["deal_open", "x", "call_started_in_24h"])
    def test_good_ids(self, good: str) -> None:
        """Lower-case letters, digits and underscores make an id."""
        assert Criterion(good, met="x", unmet="y").id == good

    def test_role_defaults_to_condition(self) -> None:
        """Without a role, a criterion is a condition."""
        assert Criterion("x", met="x", unmet="y").role == "condition"

    @pytest.mark.parametrize("bad", ["Wait", "deadline", "", None])
    def test_role_must_be_known(self, bad: object) -> None:
        """A role other than condition, wait or limit is a ValueError."""
        with pytest.raises(ValueError, match="condition, wait, limit"):
            Criterion("x", met="x", unmet="y", role=bad)  # type: ignore[arg-type]


class TestCheck:
    CRIT = Criterion("flag", met="it holds", unmet="it fails")

    def test_truthiness_is_met(self) -> None:
        """A check is truthy exactly when it is met."""
        assert bool(self.CRIT.check(True)) is True
        assert bool(self.CRIT.check(False)) is False
        assert bool(Check(self.CRIT, True)) is True
        assert bool(Check(self.CRIT, False)) is False

    def test_text_is_the_met_or_unmet_template(self) -> None:
        """``str(check)`` fills the met template when met, the unmet one when not."""
        assert str(self.CRIT.check(True)) == "it holds"
        assert str(self.CRIT.check(False)) == "it fails"

    def test_equal_and_hashable(self) -> None:
        """Checks are values: equal when their criterion, outcome and parameters are."""
        a = DEAL_OPEN.check(True, deal=Ref("deal", "d1"), stage="new")
        b = DEAL_OPEN.check(True, stage="new", deal=Ref("deal", "d1"))
        assert a == b
        assert hash(a) == hash(b)
        assert a != DEAL_OPEN.check(False, deal=Ref("deal", "d1"), stage="new")

    def test_pickling(self) -> None:
        """Check, Criterion and Ref survive pickling (results cross process boundaries)."""
        check = CREATED_MORE_THAN.check(
            True,
            record=Ref("meeting", "m1", "Demo", private=True),
            wait=timedelta(days=7),
            since=datetime(2026, 11, 18, 21, 0, tzinfo=TOKYO),
        )
        for value in (check, CREATED_MORE_THAN, Ref("contact", "c1", "ada@example.com")):
            again = pickle.loads(pickle.dumps(value))
            assert again == value
            assert hash(again) == hash(value)
        assert pickle.loads(pickle.dumps(CREATED_MORE_THAN)).fields == CREATED_MORE_THAN.fields
        again = pickle.loads(pickle.dumps(check))
        assert str(again) == str(check)
        assert again.role == "wait"


class TestRender:
    WAIT = Criterion("wait_for", met="wait {d}", unmet="no wait")

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (timedelta(days=7), "7 days"),
            (timedelta(hours=24), "1 day"),
            (timedelta(days=1), "1 day"),
            (timedelta(hours=36), "36 hours"),
            (timedelta(hours=1), "1 hour"),
            (timedelta(minutes=10), "10 minutes"),
            (timedelta(minutes=90), "90 minutes"),
            (timedelta(seconds=1), "1 second"),
            (timedelta(seconds=61), "61 seconds"),
        ],
    )
    def test_durations_in_the_largest_exact_unit(self, value: timedelta, text: str) -> None:
        """A duration reads in the largest unit that measures it exactly, singular for one."""
        assert str(self.WAIT.check(True, d=value)) == f"wait {text}"

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (datetime(2026, 11, 26, 12, 0, tzinfo=UTC), "2026-11-26T12:00+00:00"),
            (datetime(2026, 11, 26, 21, 0, tzinfo=TOKYO), "2026-11-26T21:00+09:00"),
            (
                datetime(2026, 11, 26, 7, 0, 59, tzinfo=timezone(timedelta(hours=-5))),
                "2026-11-26T07:00-05:00",
            ),
        ],
    )
    def test_instants_in_the_zone_they_carry(self, value: datetime, text: str) -> None:
        """An instant reads in its own zone, to the minute, with its offset."""
        assert str(self.WAIT.check(True, d=value)) == f"wait {text}"

    def test_one_instant_reads_per_zone(self) -> None:
        """The renderer does not convert: the context gives instants in the user's zone."""
        snap = build(user("u1", "rep@acme.test", timezone="Asia/Kolkata"))
        assert (
            str(self.WAIT.check(True, d=ctx_of(snap).local(NOW))) == "wait 2026-11-26T17:30+05:30"
        )
        assert str(self.WAIT.check(True, d=NOW)) == "wait 2026-11-26T12:00+00:00"

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (None, "none"),
            (True, "yes"),
            (False, "no"),
            (3, "3"),
            ("proposal", "proposal"),
            ((), "none"),
            (("a", "b"), "a, b"),
            ((Ref("deal", "d1"), Ref("deal", "d2")), "deal d1, deal d2"),
            (Ref("deal", "d1"), "deal d1"),
            (Ref("contact", "c1", "ada@example.com"), "contact c1 (ada@example.com)"),
            (Ref("company", "co1", "Globex"), "company co1 (Globex)"),
            (Ref("engagement", "ev1", "page_view"), "engagement ev1 (page_view)"),
            (Ref("sequence", "s1", "Outbound"), "sequence s1 (Outbound)"),
            (Ref("meeting", "m1", "Demo"), "meeting m1 'Demo'"),
            (Ref("task", "t1", "Send quote"), "task t1 'Send quote'"),
            (Ref("meeting", "m1", "Secret", private=True), "meeting m1 (Busy)"),
            (Ref.unnamed(), "an activity"),
            (Ref("email", None, "Secret"), "an email"),
            (Ref("deal", None), "a deal"),
            ((Ref.unnamed(), Ref("call", "k1")), "an activity, call k1"),
        ],
    )
    def test_values(self, value: Any, text: str) -> None:
        """Each kind of parameter has one way to read; a private meeting reads only as busy; a
        record with no id only by its kind, whatever its detail."""
        assert str(self.WAIT.check(True, d=value)) == f"wait {text}"


# -- the shared criteria ---------------------------------------------------------------------


SHARED = {
    "owned_by_you": (OWNED_BY_YOU, "condition"),
    "deal_open": (DEAL_OPEN, "condition"),
    "lead_open": (LEAD_OPEN, "condition"),
    "first_stage": (FIRST_STAGE, "condition"),
    "lifecycle_not_excluded": (LIFECYCLE_NOT_EXCLUDED, "condition"),
    "no_deal_lists_contact": (NO_DEAL_LISTS_CONTACT, "condition"),
    "no_open_lead": (NO_OPEN_LEAD, "condition"),
    "no_email_from_you_since": (NO_EMAIL_FROM_YOU_SINCE, "condition"),
    "no_email_from_you_after": (NO_EMAIL_FROM_YOU_AFTER, "condition"),
    "no_email_from_contact_since": (NO_EMAIL_FROM_CONTACT_SINCE, "condition"),
    "not_reassigned_after": (NOT_REASSIGNED_AFTER, "condition"),
    "sender_domain_differs": (SENDER_DOMAIN_DIFFERS, "condition"),
    "created_more_than": (CREATED_MORE_THAN, "wait"),
    "within_lifetime": (WITHIN_LIFETIME, "limit"),
    "task_open": (TASK_OPEN, "condition"),
    "assigned": (ASSIGNED, "wait"),
    "emailed_you": (EMAILED_YOU, "condition"),
    "emailed_your_address": (EMAILED_YOUR_ADDRESS, "condition"),
    "engaged": (ENGAGED, "condition"),
}


class TestSharedCriteria:
    @pytest.mark.parametrize("criterion_id", sorted(SHARED))
    def test_ids_and_roles_are_stable(self, criterion_id: str) -> None:
        """Each shared criterion keeps its id (explanations and configs name it) and its role."""
        crit, role = SHARED[criterion_id]
        assert (crit.id, crit.role) == (criterion_id, role)

    def test_every_shared_criterion_is_listed(self) -> None:
        """The module exports these criteria as constants, each named after its id."""
        exported = {
            name: value for name, value in vars(criteria).items() if isinstance(value, Criterion)
        }
        assert set(exported) == {n for n in criteria.__all__ if n.isupper()}
        assert {c.id for c in exported.values()} == set(SHARED)
        for name, crit in exported.items():
            assert name.startswith(crit.id.upper()), name
            assert crit.role == SHARED[crit.id][1]
        # Only the criteria: the variants a function picks for absent data are not exported.
        assert len(exported) == len(SHARED)


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
            ("u1", (True, "deal d1 is yours")),
            ("u2", (False, "deal d1 is not yours (owner: u2)")),
            (None, (False, "deal d1 is not yours: it has no owner")),
        ],
    )
    def test_owned_by_you(self, owner: str | None, expected: tuple[bool, str]) -> None:
        """Yours only when the owner is the user evaluated; no owner is said so."""
        d = deal("d1", owner_id=owner)
        assert check_of(d, fn=lambda ctx: owned_by_you(ctx, d)) == expected

    @pytest.mark.parametrize(
        ("record", "text"),
        [
            (contact("c1"), f"{C1} is yours"),
            (call("k1"), "call k1 is yours"),
            (task("t1", title="Send quote"), "task t1 'Send quote' is yours"),
            (meeting("m1", title="Demo"), "meeting m1 'Demo' is yours"),
        ],
    )
    def test_names_any_kind_of_record(self, record: Any, text: str) -> None:
        """The record is named by its kind, id and detail."""
        assert check_of(record, fn=lambda ctx: owned_by_you(ctx, record)) == (True, text)

    def test_parameters(self) -> None:
        """The check carries the record and its owner as data, not only as text."""
        d = deal("d1", owner_id="u2")
        check = owned_by_you(ctx_of(build(d)), d)
        assert check.values == {"record": Ref("deal", "d1"), "owner": "u2"}


class TestStages:
    @pytest.mark.parametrize(
        ("stage", "expected"),
        [
            ("new", (True, "deal d1 is in open stage new")),
            ("won", (False, "deal d1 is in closed stage won")),
            ("lost", (False, "deal d1 is in closed stage lost")),
        ],
    )
    def test_deal_open(self, stage: str, expected: tuple[bool, str]) -> None:
        """Open when the deal's stage is not closed; the text names the stage."""
        d = deal("d1", stage_id=stage)
        assert check_of(d, fn=lambda ctx: deal_open(ctx, d)) == expected

    @pytest.mark.parametrize(
        ("stage", "expected"),
        [
            ("working", (True, "lead l1 is in open stage working")),
            ("qualified", (False, "lead l1 is in closed stage qualified")),
        ],
    )
    def test_lead_open(self, stage: str, expected: tuple[bool, str]) -> None:
        """Open when the lead's stage is not closed; the text names the stage."""
        x = lead("l1", stage_id=stage)
        assert check_of(contact("c1"), x, fn=lambda ctx: lead_open(ctx, x)) == expected

    @pytest.mark.parametrize(
        ("stage", "expected"),
        [
            ("new", (True, "deal d1 is in new, the first stage of pipeline deals")),
            (
                "proposal",
                (
                    False,
                    "deal d1 is in stage proposal, not in new, the first stage of pipeline deals",
                ),
            ),
        ],
    )
    def test_first_stage_of_a_deal(self, stage: str, expected: tuple[bool, str]) -> None:
        """Only the pipeline's first stage is met; the unmet text names the first stage."""
        d = deal("d1", stage_id=stage)
        assert check_of(d, fn=lambda ctx: first_stage(ctx, d)) == expected

    def test_first_stage_of_an_unknown_pipeline(self) -> None:
        """A pipeline the reader does not know has no first stage to name."""

        class NoPipelines:
            def pipeline(self, pipeline_id: str) -> None:
                return None

        found = build().user("u1")
        assert found is not None
        ctx = RuleContext(
            snapshot=NoPipelines(),  # type: ignore[arg-type]
            now=NOW,
            user=found,
            engagement_kinds=KINDS,
        )
        check = first_stage(ctx, deal("d1"))
        assert (check.id, check.met, str(check)) == (
            "first_stage",
            False,
            "deal d1 is in stage new of pipeline deals, which is unknown or has no stages",
        )

    def test_first_stage_of_a_lead(self) -> None:
        """Leads have first stages too."""
        x = lead("l1", stage_id="working")
        assert check_of(contact("c1"), x, fn=lambda ctx: first_stage(ctx, x)) == (
            False,
            "lead l1 is in stage working, not in new, the first stage of pipeline leads",
        )


class TestLifecycle:
    @pytest.mark.parametrize(
        ("stage", "custom", "expected"),
        [
            (
                "opportunity",
                None,
                (True, f"{C1} is at lifecycle stage opportunity (excluded: customer, evangelist)"),
            ),
            ("customer", None, (False, f"{C1} is at lifecycle stage customer, which is excluded")),
            (
                "evangelist",
                None,
                (False, f"{C1} is at lifecycle stage evangelist, which is excluded"),
            ),
            (
                None,
                None,
                (True, f"{C1} has no lifecycle stage (excluded: customer, evangelist)"),
            ),
            (
                "customer",
                ["lead", "customer", "fan"],
                (True, f"{C1} is at lifecycle stage customer (excluded: fan)"),
            ),
            (
                "fan",
                ["lead", "customer", "fan"],
                (False, f"{C1} is at lifecycle stage fan, which is excluded"),
            ),
        ],
    )
    def test_lifecycle_not_excluded(
        self, stage: str | None, custom: list[str] | None, expected: tuple[bool, str]
    ) -> None:
        """Default list: customer and evangelist excluded; a custom list: only its last stage."""
        c = contact("c1", lifecycle_stage=stage)
        check = lifecycle_not_excluded(ctx_of(build(c, lifecycle_stages=custom)), c)
        assert (check.met, str(check)) == expected


class TestDealsAndLeads:
    def test_no_deal_lists_contact(self) -> None:
        """Any deal (open or closed) listing the contact fails it; each deal is named."""
        c = contact("c1")
        records = (
            c,
            deal("d2", stage_id="lost", contact_ids=("c1",)),
            deal("d1", contact_ids=("c1",)),
        )
        assert check_of(*records, fn=lambda ctx: no_deal_lists_contact(ctx, c)) == (
            False,
            f"{C1} is on deal d1, deal d2",
        )
        assert check_of(c, fn=lambda ctx: no_deal_lists_contact(ctx, c)) == (
            True,
            f"no deal lists {C1}",
        )

    def test_a_deal_created_after_now_does_not_list_it(self) -> None:
        """A deal created after ``now`` does not exist yet."""
        c = contact("c1")
        later = deal("d1", created_at=at(microseconds=1), contact_ids=("c1",))
        assert check_of(c, later, fn=lambda ctx: no_deal_lists_contact(ctx, c))[0] is True

    def test_no_open_lead(self) -> None:
        """Open leads fail it and are named; closed leads do not count."""
        c = contact("c1")
        records = (c, lead("l2", stage_id="working"), lead("l1"), lead("l3", stage_id="qualified"))
        assert check_of(*records, fn=lambda ctx: no_open_lead(ctx, c)) == (
            False,
            f"{C1} has an open lead: lead l1, lead l2",
        )
        ctx = ctx_of(build(*records))
        assert has_open_lead(ctx, c) is True
        # The leads a rule has read already give the same check.
        assert no_open_lead(ctx, c, ctx.leads_of("c1")) == no_open_lead(ctx, c)
        # The leads given are the ones that count: they are not read again.
        given = no_open_lead(ctx, c, [lead("l3", stage_id="qualified")])
        assert (given.met, str(given)) == (True, f"{C1} has no open lead")
        closed = ctx_of(build(c, lead("l3", stage_id="qualified")))
        assert has_open_lead(closed, c) is False
        assert check_of(
            c, lead("l3", stage_id="qualified"), fn=lambda ctx: no_open_lead(ctx, c)
        ) == (True, f"{C1} has no open lead")


class TestEmails:
    SINCE = at(days=-3)
    S = "2026-11-23T12:00+00:00"

    @pytest.mark.parametrize(
        ("sent_at", "expected"),
        [
            (SINCE - timedelta(microseconds=1), (True, f"you have not emailed {C1} since {S}")),
            (SINCE, (False, f"you emailed {C1} at {S} (email e1), since {S}")),
        ],
    )
    def test_no_email_from_you_since(self, sent_at: datetime, expected: tuple[bool, str]) -> None:
        """ "Since" includes its instant; the unmet text names the email."""
        c = contact("c1")
        records = (c, email("e1", sent_at=sent_at, to=("c1@client.test",)))
        assert (
            check_of(*records, fn=lambda ctx: no_email_from_you_since(ctx, c, self.SINCE))
            == expected
        )

    @pytest.mark.parametrize(
        ("sent_at", "expected"),
        [
            (SINCE, (True, f"you have not emailed {C1} after {S}")),
            (
                SINCE + timedelta(microseconds=1),
                (False, f"you emailed {C1} at {S} (email e1), after {S}"),
            ),
        ],
    )
    def test_no_email_from_you_after(self, sent_at: datetime, expected: tuple[bool, str]) -> None:
        """ "After" excludes its instant; the unmet text names the email."""
        c = contact("c1")
        records = (c, email("e1", sent_at=sent_at, to=("c1@client.test",)))
        assert (
            check_of(*records, fn=lambda ctx: no_email_from_you_after(ctx, c, self.SINCE))
            == expected
        )

    def test_the_first_email_is_named(self) -> None:
        """With several emails since, the unmet text names the first (by ``sent_at``)."""
        c = contact("c1")
        records = (
            c,
            email("e2", sent_at=at(days=-1), contact_ids=("c1",)),
            email("e1", sent_at=at(days=-2), to=("c1@client.test",)),
            email("e0", sent_at=at(days=-4), to=("c1@client.test",)),
        )
        first = "2026-11-24T12:00+00:00 (email e1)"
        assert check_of(*records, fn=lambda ctx: no_email_from_you_since(ctx, c, self.SINCE)) == (
            False,
            f"you emailed {C1} at {first}, since {self.S}",
        )
        assert check_of(*records, fn=lambda ctx: no_email_from_you_after(ctx, c, self.SINCE)) == (
            False,
            f"you emailed {C1} at {first}, after {self.S}",
        )

    def test_without_since_any_email_counts(self) -> None:
        """With no ``since`` (nothing to date it from), any email of yours to the contact fails
        it, and the text names no instant it does not have."""
        c = contact("c1")
        old = (c, email("e1", sent_at=at(days=-30), to=("c1@client.test",)))
        for fn in (no_email_from_you_since, no_email_from_you_after):
            failed = fn(ctx_of(build(*old)), c, None)
            assert (failed.met, str(failed)) == (
                False,
                f"you emailed {C1} at 2026-10-27T12:00+00:00 (email e1)",
            )
            assert failed.id == fn.__name__
            held = fn(ctx_of(build(c)), c, None)
            assert (held.met, str(held)) == (True, f"you have not emailed {C1}")

    def test_a_contact_that_does_not_exist_was_not_emailed(self) -> None:
        """A ``Ref`` names a contact not there at ``now``: you cannot have emailed it."""
        ghost = Ref("contact", "c9")
        records = (
            contact("c9", created_at=at(microseconds=1)),
            email("e1", contact_ids=("c9",)),
        )
        check = check_of(*records, fn=lambda ctx: no_email_from_you_after(ctx, ghost, self.SINCE))
        assert check == (True, f"you have not emailed contact c9 after {self.S}")

    def test_first_email_to_and_from(self) -> None:
        """The predicates the criteria use: the first email since, "since" or "after"."""
        c, d = contact("c1"), contact("c2", email="c2@client.test")
        snap = build(
            c,
            d,
            email("e1", sent_at=self.SINCE, to=("c1@client.test",)),
            email("r2", direction="inbound", sent_at=self.SINCE, from_address="c2@client.test"),
            email("r1", direction="inbound", sent_at=at(days=-1), from_address="c1@client.test"),
        )
        ctx = ctx_of(snap)
        assert first_email_to(ctx, c, self.SINCE, inclusive=True) is not None
        assert first_email_to(ctx, c, self.SINCE, inclusive=False) is None
        assert first_email_to(ctx, Ref("contact", "c1"), None, inclusive=True) is None
        found = first_email_from(ctx, [c, d], self.SINCE)
        assert found is not None
        assert (found[0].id, found[1].id) == ("r2", "c2")
        assert first_email_from(ctx, [c], at(days=-1) + timedelta(microseconds=1)) is None
        assert first_email_from(ctx, [], None) is None

    def test_first_email_from_ties_by_email_id(self) -> None:
        """Emails from several contacts sent at the same instant: the first is the one of
        lowest id, whichever contact sent it."""
        c, d = contact("c1"), contact("c2", email="c2@client.test")
        records = (
            c,
            d,
            email("r2", direction="inbound", sent_at=self.SINCE, from_address="c1@client.test"),
            email("r1", direction="inbound", sent_at=self.SINCE, from_address="c2@client.test"),
        )
        found = first_email_from(ctx_of(build(*records)), [c, d], self.SINCE)
        assert found is not None
        assert (found[0].id, found[1].id) == ("r1", "c2")
        check = no_email_from_contacts_since(ctx_of(build(*records)), [c, d], self.SINCE)
        assert str(check) == (
            f"contact c2 (c2@client.test) emailed you at {self.S} (email r1), since {self.S}"
        )

    @pytest.mark.parametrize(
        ("sent_at", "expected"),
        [
            (
                SINCE - timedelta(microseconds=1),
                (True, f"you have had no email from {C1} since {S}"),
            ),
            (SINCE, (False, f"{C1} emailed you at {S} (email r1), since {S}")),
        ],
    )
    def test_no_email_from_contact_since(
        self, sent_at: datetime, expected: tuple[bool, str]
    ) -> None:
        """ "Since" includes its instant; the unmet text names the email."""
        c = contact("c1")
        records = (
            c,
            email("r1", direction="inbound", sent_at=sent_at, from_address="c1@client.test"),
        )
        assert (
            check_of(*records, fn=lambda ctx: no_email_from_contact_since(ctx, c, self.SINCE))
            == expected
        )

    def test_no_email_from_several_contacts(self) -> None:
        """Several contacts: the first email any of them sent since names its sender."""
        c, d = contact("c1"), contact("c2", email="c2@client.test")
        records = (
            c,
            d,
            email("r2", direction="inbound", sent_at=at(days=-1), from_address="c2@client.test"),
            email("r1", direction="inbound", sent_at=at(days=-2), from_address="c1@client.test"),
        )
        both = "contact c1 (c1@client.test), contact c2 (c2@client.test)"
        fn = no_email_from_contacts_since
        assert check_of(*records, fn=lambda ctx: fn(ctx, [d, c], self.SINCE)) == (
            False,
            f"{C1} emailed you at 2026-11-24T12:00+00:00 (email r1), since {self.S}",
        )
        assert check_of(*records, fn=lambda ctx: fn(ctx, [d, c], NOW)) == (
            True,
            f"you have had no email from {both} since 2026-11-26T12:00+00:00",
        )
        # With no ``since``: at any time.
        assert check_of(*records, fn=lambda ctx: fn(ctx, [c], None)) == (
            False,
            f"{C1} emailed you at 2026-11-24T12:00+00:00 (email r1)",
        )
        assert check_of(c, fn=lambda ctx: fn(ctx, [c], None)) == (
            True,
            f"you have had no email from {C1}",
        )
        # No contact: nobody to have emailed you.
        assert check_of(fn=lambda ctx: fn(ctx, [], self.SINCE)) == (
            True,
            f"there is no contact to have emailed you since {self.S}",
        )
        assert check_of(fn=lambda ctx: fn(ctx, [], None)) == (
            True,
            "there is no contact to have emailed you",
        )
        single = check_of(*records, fn=lambda ctx: no_email_from_contact_since(ctx, c, NOW))
        assert single == check_of(*records, fn=lambda ctx: fn(ctx, [c], NOW))

    def test_instants_read_in_the_users_zone(self) -> None:
        """The instants of a check are in the user's zone (the context gives them so)."""
        c = contact("c1")
        snap = build(
            user("u1", "rep@acme.test", timezone="Asia/Tokyo"),
            c,
            email("e1", sent_at=self.SINCE, to=("c1@client.test",)),
        )
        check = no_email_from_you_since(ctx_of(snap), c, self.SINCE)
        assert check.values["since"] == self.SINCE
        assert str(check) == (
            f"you emailed {C1} at 2026-11-23T21:00+09:00 (email e1), since 2026-11-23T21:00+09:00"
        )


class TestReassigned:
    SINCE = at(days=-2)
    S = "2026-11-24T12:00+00:00"

    @pytest.mark.parametrize(
        ("owner", "assigned", "expected"),
        [
            ("u1", at(days=-1), (True, f"{C1} was not reassigned after {S}")),
            ("u2", SINCE, (True, f"{C1} was not reassigned after {S}")),
            ("u2", None, (True, f"{C1} was not reassigned after {S}")),
            (
                "u2",
                at(days=-1),
                (False, f"{C1} was reassigned to u2 at 2026-11-25T12:00+00:00, after {S}"),
            ),
        ],
    )
    def test_not_reassigned_after(
        self, owner: str, assigned: datetime | None, expected: tuple[bool, str]
    ) -> None:
        """Unmet only when someone else got it strictly after ``since``."""
        c = contact("c1", owner_id=owner, owner_assigned_at=assigned)
        assert check_of(c, fn=lambda ctx: not_reassigned_after(ctx, c, self.SINCE)) == expected

    @pytest.mark.parametrize(
        ("owner", "since", "expected"),
        [
            (
                None,
                SINCE,
                (False, f"{C1} was left without an owner at 2026-11-25T12:00+00:00, after {S}"),
            ),
            (None, None, (False, f"{C1} was left without an owner at 2026-11-25T12:00+00:00")),
            ("u2", None, (False, f"{C1} was reassigned to u2 at 2026-11-25T12:00+00:00")),
            ("u1", None, (True, f"{C1} has not been reassigned to someone else")),
        ],
    )
    def test_without_an_owner_or_a_since(
        self, owner: str | None, since: datetime | None, expected: tuple[bool, str]
    ) -> None:
        """No owner: it was left without one. No ``since``: reassigned at any time."""
        c = contact("c1", owner_id=owner, owner_assigned_at=at(days=-1))
        check = check_of(c, fn=lambda ctx: not_reassigned_after(ctx, c, since))
        assert check == expected


class TestAssigned:
    @pytest.mark.parametrize(
        ("assigned_stamp", "expected"),
        [
            (None, (True, f"{C1} was assigned (or created) at 2026-11-16T12:00+00:00")),
            (at(days=-1), (True, f"{C1} was assigned (or created) at 2026-11-25T12:00+00:00")),
            (
                at(days=1),
                (False, f"{C1} is only assigned at 2026-11-27T12:00+00:00, which is still to come"),
            ),
        ],
    )
    def test_assigned(self, assigned_stamp: datetime | None, expected: tuple[bool, str]) -> None:
        """A wait: ``owner_assigned_at`` (else ``created_at``) has come."""
        c = contact("c1", created_at=at(days=-10), owner_assigned_at=assigned_stamp)
        assert assigned_at(c) == (assigned_stamp or at(days=-10))
        check = assigned(ctx_of(build(c)), c)
        assert (check.met, str(check)) == expected
        assert (check.id, check.role) == ("assigned", "wait")

    def test_a_lead_too(self) -> None:
        x = lead("l1", owner_assigned_at=at(days=-1))
        assert str(assigned(ctx_of(build(contact("c1"), x)), x)) == (
            "lead l1 was assigned (or created) at 2026-11-25T12:00+00:00"
        )


class TestEmailedAndEngaged:
    def test_emailed_you(self) -> None:
        """The email a rule goes by, named; none: the record has not emailed you."""
        c, r = contact("c1"), email("r1", direction="inbound", sent_at=at(days=-1))
        assert check_of(c, r, fn=lambda ctx: emailed_you(ctx, c, r)) == (
            True,
            f"{C1} emailed you at 2026-11-25T12:00+00:00 (email r1)",
        )
        assert check_of(c, fn=lambda ctx: emailed_you(ctx, c, None)) == (
            False,
            f"{C1} has not emailed you",
        )
        # With no email, the check names none and no instant.
        none = emailed_you(ctx_of(build(c)), c, None)
        assert (none.values["email"], none.values["at"]) == (None, None)

    def test_emailed_your_address(self) -> None:
        """Names your address; a lead as well as a contact."""
        x, r = lead("l1"), email("r1", direction="inbound", sent_at=at(days=-1))
        records = (contact("c1"), x, r)
        assert check_of(*records, fn=lambda ctx: emailed_your_address(ctx, x, r)) == (
            True,
            "lead l1 emailed your address rep@acme.test at 2026-11-25T12:00+00:00 (email r1)",
        )
        assert check_of(*records, fn=lambda ctx: emailed_your_address(ctx, x, None)) == (
            False,
            "lead l1 has not emailed your address rep@acme.test",
        )

    def test_engaged(self) -> None:
        """The engagement a rule goes by; none: the counted kinds are named."""
        c, ev = contact("c1"), engagement("ev1", kind="page_view", occurred_at=at(days=-1))
        assert check_of(c, ev, fn=lambda ctx: engaged(ctx, c, ev)) == (
            True,
            f"{C1} engaged at 2026-11-25T12:00+00:00: engagement ev1 (page_view)",
        )
        assert check_of(c, fn=lambda ctx: engaged(ctx, c, None)) == (
            False,
            f"{C1} has not engaged (engagement kinds counted: email_click, email_open, "
            "email_reply, form_submission, meeting_booked, page_view)",
        )

    def test_a_lead_engages_through_its_contact(self) -> None:
        """A lead's check names its contact; with no engagement, neither event nor instant."""
        x, ev = lead("l1"), engagement("ev1", kind="page_view", occurred_at=at(days=-1))
        records = (contact("c1"), x, ev)
        assert check_of(*records, fn=lambda ctx: engaged(ctx, x, ev)) == (
            True,
            f"lead l1 engaged at 2026-11-25T12:00+00:00: engagement ev1 (page_view) of {C1}",
        )
        none = engaged(ctx_of(build(*records)), x, None)
        assert (none.met, str(none)) == (
            False,
            f"lead l1 has not engaged: {C1} has no engagement of a counted kind "
            "(email_click, email_open, email_reply, form_submission, meeting_booked, page_view)",
        )
        assert (none.values["event"], none.values["at"]) == (None, None)


class TestTaskOpen:
    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({}, (True, "task t1 is open (status not_started)")),
            (
                {"status": "completed", "completed_at": at(days=-1)},
                (False, "task t1 was completed at 2026-11-25T12:00+00:00"),
            ),
            ({"status": "completed"}, (False, "task t1 is completed")),
            (
                {"status": "completed", "completed_at": at(days=1)},
                (True, "task t1 is open (status completed)"),
            ),
        ],
    )
    def test_task_open(self, fields: dict[str, Any], expected: tuple[bool, str]) -> None:
        """Completed with no stamp says only that; completed after ``now``, it is still open."""
        t = task("t1", **fields)
        assert check_of(t, fn=lambda ctx: task_open(ctx, t)) == expected


class TestSenderDomain:
    @pytest.mark.parametrize(
        ("from_address", "contact_email", "expected"),
        [
            ("ada@Client.test", None, "client.test"),
            (None, "ada@other.test", "other.test"),
            ("nobody", "ada@other.test", "other.test"),
            (None, None, None),
        ],
    )
    def test_sender_domain(
        self, from_address: str | None, contact_email: str | None, expected: str | None
    ) -> None:
        """The email's sender domain, else the contact's address's."""
        e = email("e1", direction="inbound", from_address=from_address)
        c = contact("c1", email=contact_email)
        assert sender_domain(e, c) == expected

    @pytest.mark.parametrize(
        ("from_address", "expected"),
        [
            (
                "ada@client.test",
                (True, "email e1 is from domain client.test, not yours (acme.test)"),
            ),
            ("bob@ACME.test", (False, "email e1 is from your own domain acme.test")),
            (None, (True, "the sender's domain is unknown, so it is not taken for yours")),
        ],
    )
    def test_sender_domain_differs(
        self, from_address: str | None, expected: tuple[bool, str]
    ) -> None:
        """Differs from yours (case-insensitively); with no domain known, it differs."""
        e = email("e1", direction="inbound", from_address=from_address)
        assert check_of(e, fn=lambda ctx: sender_domain_differs(ctx, e, None)) == expected
        assert from_other_domain(e, None, "acme.test") is expected[0]

    def test_without_an_email_the_contact_is_the_sender(self) -> None:
        """No email: the contact's own address gives the domain."""
        c = contact("c1")
        assert check_of(c, fn=lambda ctx: sender_domain_differs(ctx, None, c)) == (
            True,
            f"{C1} is from domain client.test, not yours (acme.test)",
        )
        assert from_other_domain(None, c, "client.test") is False
        assert from_other_domain(None, c, "acme.test") is True
        # An email without a sender address: the contact's address gives the domain.
        e = email("e1", direction="inbound", from_address=None)
        assert from_other_domain(e, c, "client.test") is False

    def test_when_your_address_has_no_domain(self) -> None:
        """Your address without a domain: any known domain differs, and the text says why."""
        e = email("e1", direction="inbound", from_address="ada@client.test")
        records = (user("u1", "nobody"), e)
        assert check_of(*records, fn=lambda ctx: sender_domain_differs(ctx, e, None)) == (
            True,
            "email e1 is from domain client.test; your address has no domain",
        )


class TestTime:
    CREATED = at(days=-7)
    C = "2026-11-19T12:00+00:00"

    @pytest.mark.parametrize(
        ("now", "age", "expected"),
        [
            (
                NOW,
                timedelta(days=7),
                (True, f"deal d1 was created more than 7 days ago, at {C}"),
            ),
            (
                NOW - timedelta(microseconds=1),
                timedelta(days=7),
                (False, f"deal d1 was created at {C}, less than 7 days ago"),
            ),
            (
                NOW,
                timedelta(hours=170),
                (False, f"deal d1 was created at {C}, less than 170 hours ago"),
            ),
            (
                NOW,
                timedelta(hours=36),
                (True, f"deal d1 was created more than 36 hours ago, at {C}"),
            ),
        ],
    )
    def test_created_more_than(
        self, now: datetime, age: timedelta, expected: tuple[bool, str]
    ) -> None:
        """A wait, met from ``created_at + age`` on; the threshold shows as given."""
        d = deal("d1", created_at=self.CREATED)
        check = created_more_than(ctx_of(build(d), now=now), d, age)
        assert (check.met, str(check)) == expected
        assert check.role == "wait"
        assert check.values == {
            "record": Ref("deal", "d1"),
            "wait": age,
            "since": self.CREATED,
        }

    def test_elapsed_criterion_is_one_wait_for_any_record(self) -> None:
        """``elapsed_criterion`` makes a wait worded with the record's verb; ``elapsed``
        evaluates any of them the same way."""
        started = elapsed_criterion("call_rang_more_than", "rang")
        assert (started.id, started.role) == ("call_rang_more_than", "wait")
        k = call("k1", started_at=at(hours=-2))
        ctx = ctx_of(build(k))
        met = elapsed(ctx, started, k, k.started_at, timedelta(hours=1))
        assert str(met) == "call k1 rang more than 1 hour ago, at 2026-11-26T10:00+00:00"
        unmet = elapsed(ctx, started, k, k.started_at, timedelta(hours=3))
        assert str(unmet) == "call k1 rang at 2026-11-26T10:00+00:00, less than 3 hours ago"
        assert (met.met, unmet.met) == (True, False)

    def test_within_is_one_limit_for_any_anchor(self) -> None:
        """``within`` holds while ``now < since + limit`` and carries since, limit and until;
        with no ``since`` no limit can have passed."""
        crit = Criterion(
            "x_within", met="until {until} ({limit})", unmet="over at {until}", role="limit"
        )
        ctx = ctx_of(build())
        held = within(ctx, crit, at(days=-1), timedelta(days=2), extra="kept")
        assert str(held) == "until 2026-11-27T12:00+00:00 (2 days)"
        assert held.values["since"] == at(days=-1)
        assert held.values["extra"] == "kept"
        over = within(ctx, crit, at(days=-2), timedelta(days=2))
        assert (over.met, str(over)) == (False, "over at 2026-11-26T12:00+00:00")
        assert within(ctx, crit, None, timedelta(days=2)).met is True

    @pytest.mark.parametrize(
        ("now", "lifetime", "expected"),
        [
            (
                NOW - timedelta(microseconds=1),
                timedelta(days=7),
                (True, "the action lives 7 days from its creation"),
            ),
            (
                NOW,
                timedelta(days=7),
                (False, "the action lived 7 days from its creation, until 2026-11-26T12:00+00:00"),
            ),
            (
                NOW,
                timedelta(days=14),
                (True, "the action lives 14 days from its creation"),
            ),
        ],
    )
    def test_within_lifetime(
        self, now: datetime, lifetime: timedelta, expected: tuple[bool, str]
    ) -> None:
        """A limit, met while ``now < created_at + lifetime``; it passes at that instant."""
        check = within_lifetime(ctx_of(build(), now=now), self.CREATED, lifetime)
        assert (check.met, str(check)) == expected
        assert check.role == "limit"
        assert check.values["until"] == self.CREATED + lifetime

    def test_within_lifetime_undated(self) -> None:
        """Without a ``created_at`` no limit can have passed: met, by the same criterion, whose
        met text names no instant."""
        check = within_lifetime(ctx_of(build()), None, timedelta(days=7))
        assert check.criterion is WITHIN_LIFETIME
        assert (check.id, check.role, check.met) == ("within_lifetime", "limit", True)
        assert str(check) == "the action lives 7 days from its creation"
        assert (check.values["since"], check.values["until"]) == (None, None)

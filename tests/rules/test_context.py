"""``RuleContext`` and the helpers of ``guided_actions._rules.context`` (SPEC §3 and §4 terms)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from guided_actions import Snapshot
from guided_actions._rules.context import (
    RuleContext,
    activity_end,
    activity_happened_at,
    domain_of,
    email_is_from,
    in_window,
)
from guided_actions._text.render import format_value
from guided_actions.criteria import Check, Criterion, Ref
from guided_actions.testing import (
    NOW,
    at,
    build,
    call,
    company,
    contact,
    deal,
    email,
    engagement,
    lead,
    meeting,
    note,
    sequence,
    task,
    user,
)

KINDS = frozenset({"email_open"})
PERSON = contact("c1", email="Ada@Client.test")


def ctx_of(snap: Snapshot, now: datetime = NOW, user_id: str = "u1") -> RuleContext:
    found = snap.user(user_id)
    assert found is not None
    return RuleContext(snapshot=snap, now=now, user=found, engagement_kinds=KINDS)


def private_ctx(subjects: str | None, snap: Snapshot | None = None) -> RuleContext:
    """A super admin's view of u1, for a rule about ``subjects``."""
    return RuleContext(
        snapshot=snap if snap is not None else build(),
        now=NOW,
        user=user("u1", "rep@acme.test"),
        engagement_kinds=KINDS,
        private_meetings=True,
        subject_kind=subjects,
    )


class TestDomain:
    @pytest.mark.parametrize(
        ("address", "expected"),
        [
            ("ada@Client.TEST", "client.test"),
            ('"a@b"@client.test', "client.test"),
            ("nobody", None),
            ("ada@", None),
            ("", None),
            (None, None),
        ],
    )
    def test_domain_of(self, address: str | None, expected: str | None) -> None:
        """The part after the last ``@``, case-folded; ``None`` without one."""
        assert domain_of(address) == expected


class TestEmailDirection:
    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            pytest.param({"contact_ids": ("c1",)}, True, id="lists-the-contact"),
            pytest.param({"from_address": "ADA@client.test"}, True, id="from-its-address"),
            pytest.param({"from_address": "bob@client.test"}, False, id="another-address"),
            pytest.param({}, False, id="no-address-not-listed"),
        ],
    )
    def test_email_is_from(self, fields: dict[str, Any], expected: bool) -> None:
        """Inbound, and lists the contact or comes from its address (any case)."""
        assert email_is_from(email("e1", direction="inbound", **fields), PERSON) is expected

    def test_an_outbound_email_is_not_from_the_contact(self) -> None:
        """An outbound email is never from the contact, even listing it."""
        outbound = email("e1", direction="outbound", contact_ids=("c1",))
        assert email_is_from(outbound, PERSON) is False

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            pytest.param({"contact_ids": ("c1",)}, True, id="lists-the-contact"),
            pytest.param({"to": ("x@y.test", "ADA@client.test")}, True, id="in-to"),
            pytest.param({"cc": ("ada@CLIENT.test",)}, True, id="in-cc"),
            pytest.param({"to": ("bob@client.test",)}, False, id="another-address"),
            pytest.param({}, False, id="no-recipient-not-listed"),
        ],
    )
    def test_emails_sent_to(self, fields: dict[str, Any], expected: bool) -> None:
        """You emailed the contact: an outbound email of your mailbox lists it or has its
        address in ``to`` or ``cc`` (any case)."""
        ctx = ctx_of(build(PERSON, email("e1", direction="outbound", **fields)))
        assert [e.id for e in ctx.emails_sent_to(PERSON)] == (["e1"] if expected else [])

    def test_an_inbound_email_is_not_to_the_contact(self) -> None:
        """An inbound email is never one you sent the contact, even listing it."""
        inbound = email("e1", direction="inbound", contact_ids=("c1",), to=("ada@client.test",))
        assert ctx_of(build(PERSON, inbound)).emails_sent_to(PERSON) == []

    def test_a_contact_without_address_is_reached_only_by_listing(self) -> None:
        """A contact without an email is never matched by address."""
        silent = contact("c2", email=None)
        snap = build(silent, email("e1", to=("ada@client.test",)), email("e2", contact_ids=("c2",)))
        assert [e.id for e in ctx_of(snap).emails_sent_to(silent)] == ["e2"]

    def test_the_matches_are_computed_once_and_given_as_copies(self) -> None:
        """Asking twice gives the same emails; changing the list given does not change them."""
        ctx = ctx_of(build(PERSON, email("e1", to=("ada@client.test",))))
        first = ctx.emails_sent_to(PERSON)
        first.clear()
        assert [e.id for e in ctx.emails_sent_to(PERSON)] == ["e1"]


class TestActivityStamps:
    DONE = at(hours=-1)

    @pytest.mark.parametrize(
        ("activity", "happened", "ended"),
        [
            pytest.param(email("e1", sent_at=at(days=-1)), at(days=-1), at(days=-1), id="email"),
            pytest.param(
                call("k1", started_at=at(hours=-3), ended_at=at(hours=-2)),
                at(hours=-3),
                at(hours=-2),
                id="call",
            ),
            pytest.param(
                call("k1", started_at=at(hours=-3)), at(hours=-3), at(hours=-3), id="call-no-end"
            ),
            pytest.param(
                meeting("m1", start=at(hours=-3), end=at(hours=-2)),
                at(hours=-3),
                at(hours=-2),
                id="meeting",
            ),
            pytest.param(note("n1", created_at=at(days=-2)), at(days=-2), at(days=-2), id="note"),
            pytest.param(
                task("t1", created_at=at(days=-2), status="completed", completed_at=DONE),
                at(days=-2),
                DONE,
                id="task-completed",
            ),
            pytest.param(task("t1", created_at=at(days=-2)), at(days=-2), None, id="task-open"),
        ],
    )
    def test_happened_and_ended(
        self, activity: Any, happened: datetime, ended: datetime | None
    ) -> None:
        """SPEC §4: when each activity happened and ended (an open task has not ended)."""
        assert activity_happened_at(activity) == happened
        assert activity_end(activity) == ended

    @pytest.mark.parametrize(
        ("activity", "happened"),
        [
            pytest.param(email("e1", sent_at=NOW), True, id="email-at-now"),
            pytest.param(email("e1", sent_at=at(microseconds=1)), False, id="email-after-now"),
            pytest.param(call("k1", started_at=NOW), True, id="call-at-now"),
            pytest.param(call("k1", started_at=at(microseconds=1)), False, id="call-after-now"),
            pytest.param(meeting("m1", start=NOW), True, id="meeting-at-now"),
            pytest.param(meeting("m1", start=at(microseconds=1)), False, id="meeting-after"),
            pytest.param(note("n1", created_at=NOW), True, id="note-at-now"),
            pytest.param(task("t1", created_at=at(microseconds=1)), False, id="task-after-now"),
        ],
    )
    def test_happened_is_the_stamp_at_or_before_now(self, activity: Any, happened: bool) -> None:
        """``ctx.happened`` compares the stamp of ``activity_happened_at`` with ``now``."""
        assert ctx_of(build()).happened(activity) is happened


class TestStageOf:
    def test_stage_flags(self) -> None:
        """``(first, closed, won)`` of the record's current stage."""
        ctx = ctx_of(build())
        assert ctx.stage_of(deal("d1", stage_id="new")) == (True, False, False)
        assert ctx.stage_of(deal("d1", stage_id="won")) == (False, True, True)
        assert ctx.stage_of(deal("d1", stage_id="lost")) == (False, True, False)

    class _Reader:
        """A reader (SnapshotReader subset) whose pipeline lookups find what is given."""

        def __init__(self, snap: Snapshot, pipelines: dict[str, Any]) -> None:
            self._snap, self._pipelines = snap, pipelines

        def pipeline(self, pipeline_id: str) -> Any:
            return self._pipelines.get(pipeline_id)

    @pytest.mark.parametrize("known_pipeline", [False, True], ids=["no-pipeline", "no-stage"])
    def test_unknown_pipeline_or_stage_is_neither_first_closed_nor_won(
        self, known_pipeline: bool
    ) -> None:
        """A reader that does not know the pipeline or stage gives ``(False, False, False)``."""
        snap = build()
        pipelines = {"deals": snap.pipeline("deals")} if known_pipeline else {}
        found = snap.user("u1")
        assert found is not None
        ctx = RuleContext(
            snapshot=self._Reader(snap, pipelines),  # type: ignore[arg-type]
            now=NOW,
            user=found,
            engagement_kinds=KINDS,
        )
        assert ctx.stage_of(deal("d1", stage_id="nowhere")) == (False, False, False)


def _subclassed(record: Any) -> Any:
    """A copy of the record, of a subclass of its class (a plugin's, say)."""
    cls = type(record)
    sub = attrs.frozen(type(f"Plugin{cls.__name__}", (cls,), {}))
    fields = attrs.fields(cls)
    return sub(**{f.alias: getattr(record, f.name) for f in fields if f.init})


#: Records as a check names them (kind, id, detail), and as the text shows them.
NAMED_RECORDS = [
    pytest.param(
        meeting("m1", title="Demo"),
        Ref("meeting", "m1", "Demo"),
        "meeting m1 'Demo'",
        id="meeting-titled",
    ),
    pytest.param(meeting("m1"), Ref("meeting", "m1"), "meeting m1", id="meeting-untitled"),
    pytest.param(
        contact("c1"),
        Ref("contact", "c1", "c1@client.test"),
        "contact c1 (c1@client.test)",
        id="contact",
    ),
    pytest.param(
        contact("c1", email=None), Ref("contact", "c1"), "contact c1", id="contact-no-email"
    ),
    pytest.param(task("t1", title="Call"), Ref("task", "t1", "Call"), "task t1 'Call'", id="task"),
    pytest.param(task("t1"), Ref("task", "t1"), "task t1", id="task-untitled"),
    pytest.param(
        company("co1", name="Globex"),
        Ref("company", "co1", "Globex"),
        "company co1 (Globex)",
        id="company",
    ),
    pytest.param(
        engagement("ev1", kind="page_view"),
        Ref("engagement", "ev1", "page_view"),
        "engagement ev1 (page_view)",
        id="engagement",
    ),
    pytest.param(
        sequence("s1", name="Outbound"),
        Ref("sequence", "s1", "Outbound"),
        "sequence s1 (Outbound)",
        id="sequence",
    ),
    pytest.param(
        sequence("s1", name=None),
        Ref("sequence", "s1"),
        "sequence s1",
        id="sequence-nameless",
    ),
    pytest.param(user("u2"), Ref("user", "u2"), "user u2", id="user-no-detail"),
    pytest.param(deal("d1"), Ref("deal", "d1"), "deal d1", id="deal"),
    pytest.param(lead("l1"), Ref("lead", "l1"), "lead l1", id="lead"),
    pytest.param(email("e1"), Ref("email", "e1"), "email e1", id="email"),
    pytest.param(call("k1"), Ref("call", "k1"), "call k1", id="call"),
    pytest.param(note("n1"), Ref("note", "n1"), "note n1", id="note"),
]


class TestRef:
    @pytest.mark.parametrize(
        ("record", "expected", "text"),
        [
            *NAMED_RECORDS,
            pytest.param(object(), Ref("object", "?"), "object ?", id="no-id"),
        ],
    )
    def test_ref(self, record: object, expected: Ref, text: str) -> None:
        """A record as a check names it (kind, id, detail), and as the text shows it."""
        ref = ctx_of(build()).ref(record)
        assert ref == expected
        assert format_value(ref) == text

    def test_private_meeting_is_busy(self) -> None:
        """With private meetings, a meeting named by a rule about meetings carries its id but no
        title, and reads only "Busy"."""
        ctx = private_ctx("meeting")
        ref = ctx.ref(meeting("m1", title="Secret"))
        assert ref == Ref("meeting", "m1", None, private=True)
        assert format_value(ref) == "meeting m1 (Busy)"
        # A task that is no meeting's follow-up is not private: it keeps its id and title.
        assert ctx.ref(task("t1", title="Call")) == Ref("task", "t1", "Call")

    @pytest.mark.parametrize("subjects", ["deal", "lead", "contact", "task", None])
    def test_private_meeting_as_evidence_is_unnamed(self, subjects: str | None) -> None:
        """Named by a rule about another kind (or by a context that does not know its subject
        kind), a private meeting is "an activity": no id, no title, no kind."""
        ref = private_ctx(subjects).ref(meeting("m1", title="Secret"))
        assert ref == Ref("activity", None, None, private=True) == Ref.unnamed()
        assert format_value(ref) == "an activity"

    @pytest.mark.parametrize("subjects", ["deal", "lead", "contact", "meeting", None])
    def test_follow_up_task_as_evidence_is_unnamed(self, subjects: str | None) -> None:
        """A follow-up task lists what its meeting lists: named by a rule about another kind,
        it is "an activity" as well; a rule about tasks names it as the user sees it."""
        follow_up = task("t1", title="Send the pack", meeting_id="m1")
        assert private_ctx(subjects).ref(follow_up) == Ref.unnamed()
        assert private_ctx("task").ref(follow_up) == Ref("task", "t1", "Send the pack")

    def test_focus_gives_the_subject_kind(self) -> None:
        """While explaining a record, its kind is the subject kind the context names for."""
        snap = build(meeting("m1", title="Secret"), task("t1", title="Pack", meeting_id="m1"))
        m1, t1 = snap.meeting("m1"), snap.task("t1")
        on_meeting = attrs.evolve(private_ctx(None, snap), focus=("meeting", "m1"))
        assert on_meeting.ref(m1) == Ref("meeting", "m1", None, private=True)
        assert on_meeting.ref(t1) == Ref.unnamed()
        on_deal = attrs.evolve(private_ctx("meeting", snap), focus=("deal", "d1"))
        assert on_deal.ref(m1) == Ref.unnamed()

    @pytest.mark.parametrize("subjects", ["deal", "meeting", "task", None])
    def test_without_private_meetings_every_record_is_named(self, subjects: str | None) -> None:
        """The user viewing themself sees meetings and follow-up tasks named in full."""
        ctx = attrs.evolve(ctx_of(build()), subject_kind=subjects)
        assert ctx.ref(meeting("m1", title="Secret")) == Ref("meeting", "m1", "Secret")
        assert ctx.ref(task("t1", title="Pack", meeting_id="m1")) == Ref("task", "t1", "Pack")

    def test_about_shares_the_indexes_and_names_for_its_kind(self) -> None:
        """``about(kind)`` names for that kind and shares the per-evaluation cache; without
        private meetings it is the context itself."""
        ctx = private_ctx(None)
        about = ctx.about("meeting")
        assert about.subject_kind == "meeting"
        assert about._cache is ctx._cache
        assert about.about("meeting") is about
        assert about.ref(meeting("m1")) == Ref("meeting", "m1", None, private=True)
        plain = ctx_of(build())
        assert plain.about("meeting") is plain

    def test_refs_sort_unnamed_records_among_the_others(self) -> None:
        """Several records with unnamed ones among them sort without comparing a missing id."""
        refs = private_ctx("deal").refs(
            [call("k1"), meeting("m1"), task("t2", meeting_id="m1"), note("n1")]
        )
        assert refs == (Ref.unnamed(), Ref.unnamed(), Ref("call", "k1"), Ref("note", "n1"))
        assert format_value(refs) == "an activity, an activity, call k1, note n1"

    def test_private_and_busy(self) -> None:
        """``busy``: every meeting when meetings are private; ``private``: those and the
        follow-up tasks of meetings. Nothing is either for the user viewing themself."""
        records = [meeting("m1"), task("t1", meeting_id="m1"), task("t2"), deal("d1"), None]
        ctx, own = private_ctx("deal"), ctx_of(build())
        assert [ctx.busy(r) for r in records] == [True, False, False, False, False]
        assert [ctx.private(r) for r in records] == [True, True, False, False, False]
        assert not any(own.busy(r) or own.private(r) for r in records)

    @pytest.mark.parametrize(("record", "expected", "text"), NAMED_RECORDS)
    def test_a_subclass_is_named_as_its_record_class(
        self, record: object, expected: Ref, text: str
    ) -> None:
        """A record of a subclass (a plugin's, say) is named as the class it extends."""
        plugin = _subclassed(record)
        assert type(plugin) is not type(record)
        ref = ctx_of(build()).ref(plugin)
        assert ref == expected
        assert format_value(ref) == text

    def test_another_object_is_named_by_its_class(self) -> None:
        """An object of no record class is named by its own class, with no detail."""

        class Stub:
            id = "x1"

        assert ctx_of(build()).ref(Stub()) == Ref("stub", "x1")

    def test_a_private_meeting_of_a_subclass_is_busy(self) -> None:
        """A meeting of a subclass is private too when a super admin views another user."""
        ctx = private_ctx("meeting")
        ref = ctx.ref(_subclassed(meeting("m1", title="Secret")))
        assert ref == Ref("meeting", "m1", None, private=True)
        assert ctx.ref(_subclassed(task("t1", title="Call"))) == Ref("task", "t1", "Call")
        assert private_ctx("deal").ref(_subclassed(meeting("m1"))) == Ref.unnamed()
        follow_up = _subclassed(task("t1", meeting_id="m1"))
        assert private_ctx("deal").ref(follow_up) == Ref.unnamed()

    def test_a_record_is_named_once_per_context(self) -> None:
        """Naming the same record again gives the same ``Ref``; an equal record that is another
        object is named on its own."""
        ctx = ctx_of(build())
        first = contact("c1")
        assert ctx.ref(first) is ctx.ref(first)
        other = contact("c1", email="other@client.test")
        assert ctx.ref(other) == Ref("contact", "c1", "other@client.test")

    @pytest.mark.parametrize(
        ("kind", "rid", "expected"),
        [
            pytest.param("contact", "c1", Ref("contact", "c1", "c1@client.test"), id="found"),
            pytest.param("contact", "c2", Ref("contact", "c2"), id="not-yet-created"),
            pytest.param("contact", "nope", Ref("contact", "nope"), id="absent"),
            pytest.param("sequence", "s1", Ref("sequence", "s1", "Outbound"), id="sequence"),
            pytest.param("sequence", "s9", Ref("sequence", "s9"), id="sequence-absent"),
        ],
    )
    def test_ref_to(self, kind: Any, rid: str, expected: Ref) -> None:
        """A record named by kind and id: as ``ref`` names it when it exists at ``now``, else a
        bare ``Ref``."""
        snap = build(
            contact("c1"),
            contact("c2", created_at=at(microseconds=1)),
            sequence("s1", name="Outbound"),
        )
        assert ctx_of(snap).ref_to(kind, rid) == expected

    def test_refs_are_sorted_by_kind_then_id(self) -> None:
        """Several records become a tuple of refs sorted by kind, then id, whatever the order."""
        records = [deal("d2"), contact("c9", email=None), deal("d1"), contact("c1", email=None)]
        refs = ctx_of(build()).refs(records)
        assert refs == (
            Ref("contact", "c1"),
            Ref("contact", "c9"),
            Ref("deal", "d1"),
            Ref("deal", "d2"),
        )
        assert format_value(refs) == "contact c1, contact c9, deal d1, deal d2"
        assert ctx_of(build()).refs([]) == ()


class TestTime:
    def test_local_is_the_instant_in_the_users_zone(self) -> None:
        """``local`` gives the same instant in the user's zone; checks show it with the offset."""
        snap = build(user("u1", "rep@acme.test", timezone="Asia/Kolkata"))
        local = ctx_of(snap).local(NOW)
        assert local == NOW
        assert local.tzinfo == ZoneInfo("Asia/Kolkata")
        assert local.isoformat() == "2026-11-26T17:30:00+05:30"
        assert format_value(local) == "2026-11-26T17:30+05:30"

    def test_today_is_the_users_local_day(self) -> None:
        """``today()`` is ``[start, end)`` of the user's local day, as instants."""
        snap = build(user("u1", "rep@acme.test", timezone="Asia/Kolkata"))
        start, end = ctx_of(snap, now=at(hours=12)).today()
        assert start == datetime(2026, 11, 27, 0, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
        assert end - start == timedelta(days=1)

    def test_task_is_open(self) -> None:
        """Open unless completed by ``now``; a completion stamped after ``now`` has not happened."""
        ctx = ctx_of(build())
        assert ctx.task_is_open(task("t1", status="deferred")) is True
        done = task("t1", status="completed", completed_at=NOW)
        assert ctx.task_is_open(done) is False
        later = task("t1", status="completed", completed_at=NOW + timedelta(microseconds=1))
        assert ctx.task_is_open(later) is True


A = Criterion("first_one", met="one holds", unmet="one fails")
B = Criterion("second_one", met="two holds", unmet="two fails")


def focused(snap: Snapshot, subject: tuple[str, str], user_id: str = "u1") -> RuleContext:
    found = snap.user(user_id)
    assert found is not None
    return RuleContext(
        snapshot=snap,
        now=NOW,
        user=found,
        engagement_kinds=KINDS,
        focus=subject,  # type: ignore[arg-type]
    )


class TestCandidates:
    SNAP = build(
        deal("d1"),
        deal("d2", owner_id="u2"),
        deal("d3", created_at=at(microseconds=1)),
        contact("c1"),
    )

    def test_without_focus_the_default_records(self) -> None:
        """Not explaining: the candidates are ``default()``, as a list."""
        ctx = ctx_of(self.SNAP)
        assert ctx.explaining is False
        assert ctx.candidates("deal", ctx.deals_owned) == [self.SNAP.deal("d1")]
        assert ctx.candidates("deal", lambda: (d for d in ("x", "y"))) == ["x", "y"]

    def test_focused_gives_the_record_whoever_owns_it(self) -> None:
        """Explaining a record: that record alone, even another user's; default is not called."""
        ctx = focused(self.SNAP, ("deal", "d2"))
        assert ctx.explaining is True

        def default() -> list[object]:
            raise AssertionError("default() must not be called when focused")

        assert ctx.candidates("deal", default) == [self.SNAP.deal("d2")]

    @pytest.mark.parametrize(
        "subject",
        [
            pytest.param(("contact", "c1"), id="another-kind"),
            pytest.param(("deal", "d3"), id="not-yet-created"),
            pytest.param(("deal", "d404"), id="absent"),
        ],
    )
    def test_focused_elsewhere_gives_none(self, subject: tuple[str, str]) -> None:
        """A focus of another kind, on a record created after ``now`` or absent: no candidate."""
        ctx = focused(self.SNAP, subject)
        assert ctx.candidates("deal", ctx.deals_owned) == []


class TestWants:
    def test_in_window_is_the_rule_window(self) -> None:
        """``in_window``, ``Rule.active_at`` and ``wants`` are one test of the time window."""
        from guided_actions import Rule

        for created, expires in [(NOW, None), (at(days=-1), NOW), (LATER, None)]:
            assert in_window(NOW, created, expires) is Rule.active_at(NOW, created, expires)
            assert ctx_of(build()).wants(created, expires) is in_window(NOW, created, expires)

    def test_possible_is_asked_only_inside_the_window(self) -> None:
        """``possible`` (a cheap test of a condition) is asked only when the window is open,
        and a false answer skips the subject; explaining, it is not asked."""
        asked: list[bool] = []

        def possible(answer: bool) -> Callable[[], bool]:
            def ask() -> bool:
                asked.append(answer)
                return answer

            return ask

        ctx = ctx_of(build())
        assert ctx.wants(at(days=-1), None, possible(False)) is False
        assert ctx.wants(at(days=-1), None, possible(True)) is True
        assert ctx.wants(LATER, None, possible(True)) is False
        assert asked == [False, True]
        explaining = focused(build(deal("d1")), ("deal", "d1"))
        assert explaining.wants(None, None, possible(False)) is True
        assert asked == [False, True]

    @pytest.mark.parametrize(
        ("created_at", "expires_at", "wanted"),
        [
            pytest.param(NOW, None, True, id="created-at-now-no-limit"),
            pytest.param(at(days=-1), at(microseconds=1), True, id="open-window"),
            pytest.param(at(microseconds=1), None, False, id="not-yet-created"),
            pytest.param(at(days=-1), NOW, False, id="expires-at-now"),
            pytest.param(None, None, False, id="no-window"),
        ],
    )
    def test_only_an_open_window_when_not_explaining(
        self, created_at: datetime | None, expires_at: datetime | None, wanted: bool
    ) -> None:
        """Not explaining: wanted only when ``created_at <= now < expires_at``."""
        assert ctx_of(build()).wants(created_at, expires_at) is wanted

    @pytest.mark.parametrize(
        ("created_at", "expires_at"),
        [(at(microseconds=1), None), (at(days=-1), NOW), (None, None)],
    )
    def test_always_when_explaining(
        self, created_at: datetime | None, expires_at: datetime | None
    ) -> None:
        """Explaining: every subject is wanted, whatever its window (pending, expired, none)."""
        assert focused(build(deal("d1")), ("deal", "d1")).wants(created_at, expires_at) is True


class TestCriteria:
    def test_all_met_gives_the_checks_in_order(self) -> None:
        """When every criterion holds, the checks come back in the order given, as a tuple."""
        one, two = A.check(True), B.check(True)
        assert ctx_of(build()).criteria(lambda: one, lambda: two) == (one, two)

    def test_stops_at_the_first_unmet_when_not_explaining(self) -> None:
        """Not explaining: the first unmet criterion gives ``None``; later ones are not called."""
        called: list[str] = []

        def later() -> Check:
            called.append("later")
            return B.check(True)

        assert ctx_of(build()).criteria(lambda: A.check(False), later) is None
        assert called == []

    def test_evaluates_every_criterion_when_explaining(self) -> None:
        """Explaining: every criterion is evaluated, and every check returned, met or not."""
        called: list[str] = []

        def later() -> Check:
            called.append("later")
            return B.check(True)

        ctx = focused(build(deal("d1")), ("deal", "d1"))
        checks = ctx.criteria(lambda: A.check(False), later)
        assert checks == (A.check(False), B.check(True))
        assert called == ["later"]
        assert [str(c) for c in checks or ()] == ["one fails", "two holds"]

    @pytest.mark.parametrize("explaining", [False, True])
    def test_no_criteria(self, explaining: bool) -> None:
        """With no criteria, all are met: an empty tuple, not ``None``."""
        ctx = focused(build(deal("d1")), ("deal", "d1")) if explaining else ctx_of(build())
        assert ctx.criteria() == ()


#: One microsecond after ``now``: a record stamped then does not exist yet.
LATER = at(microseconds=1)


class TestRecordsAsOfNow:
    """Every query applies SPEC §3: created or stamped after ``now`` does not exist yet."""

    SNAP = build(
        company("co1", name="Globex", owner_id="u1"),
        company("co2", owner_id="u2"),
        contact("c1", created_at=NOW, company_ids=("co1",), email="Ada@Client.test"),
        contact("c2", created_at=LATER, company_ids=("co1",), email="ada@client.test"),
        contact("c3", owner_id="u2", created_at=at(days=-1)),
        lead("l1", created_at=NOW),
        lead("l2", created_at=LATER),
        deal("d1", created_at=NOW, contact_ids=("c3", "c2", "c1")),
        deal("d2", created_at=LATER, contact_ids=("c1",)),
        task("t1", created_at=NOW, meeting_id="m1"),
        task("t2", created_at=LATER, meeting_id="m1"),
        meeting("m1", start=at(days=-1)),
        meeting("m2", start=at(days=1)),
        call("k1", started_at=NOW),
        call("k2", started_at=LATER),
        sequence("s1"),
    )

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("contacts_owned", ["c1"]),
            ("leads_owned", ["l1"]),
            ("deals_owned", ["d1"]),
            ("tasks_owned", ["t1"]),
            ("calls_owned", ["k1"]),
            ("meetings_owned", ["m1", "m2"]),
            ("companies_owned", ["co1"]),
        ],
    )
    def test_owned(self, query: str, expected: list[str]) -> None:
        """The user's records that exist at ``now``; meetings past and future; companies all."""
        assert [r.id for r in getattr(ctx_of(self.SNAP), query)()] == expected

    def test_lookups_by_id(self) -> None:
        """A contact or lead created after ``now`` is ``None``; companies and sequences are
        always there."""
        ctx = ctx_of(self.SNAP)
        assert ctx.contact("c1") is self.SNAP.contact("c1")
        assert ctx.contact("c2") is None
        assert ctx.contact("c404") is None
        assert ctx.lead("l1") is self.SNAP.lead("l1")
        assert ctx.lead("l2") is None
        assert ctx.company("co2") is self.SNAP.company("co2")
        assert ctx.sequence("s1") is self.SNAP.sequence("s1")
        assert ctx.sequence("s404") is None

    @pytest.mark.parametrize(
        ("kind", "rid", "found"),
        [
            ("contact", "c1", True),
            ("contact", "c2", False),
            ("lead", "l2", False),
            ("deal", "d1", True),
            ("deal", "d2", False),
            ("task", "t2", False),
            ("call", "k1", True),
            ("call", "k2", False),
            ("meeting", "m2", True),
            ("company", "co2", True),
            ("deal", "d404", False),
        ],
    )
    def test_record(self, kind: str, rid: str, found: bool) -> None:
        """``record(kind, id)``: the record as of ``now`` (meetings and companies always)."""
        record = ctx_of(self.SNAP).record(kind, rid)  # type: ignore[arg-type]
        if found:
            assert record is getattr(self.SNAP, kind)(rid)
        else:
            assert record is None

    def test_emails_by_stamp(self) -> None:
        """An email sent after ``now`` is not in ``record`` (it has not happened yet)."""
        snap = build(email("e1", sent_at=NOW), email("e2", sent_at=LATER))
        assert ctx_of(snap).record("email", "e1") is snap.email("e1")
        assert ctx_of(snap).record("email", "e2") is None

    def test_related_records(self) -> None:
        """Leads, deals, contacts and follow-up tasks of a record, as of ``now``."""
        ctx = ctx_of(self.SNAP)
        assert [x.id for x in ctx.leads_of("c1")] == ["l1"]
        assert [d.id for d in ctx.deals_of("c1")] == ["d1"]
        deal_d1 = self.SNAP.deal("d1")
        assert deal_d1 is not None
        assert [c.id for c in ctx.contacts_of(deal_d1)] == ["c3", "c1"]  # the deal's order
        assert [c.id for c in ctx.contacts_of_company("co1")] == ["c1"]
        assert [c.id for c in ctx.contacts_with_email("ADA@client.test")] == ["c1"]
        assert [t.id for t in ctx.follow_up_tasks("m1")] == ["t1"]

    def test_inbound_to_you(self) -> None:
        """Inbound emails to your address (``to[0]``), in any mailbox, sent by ``now``."""
        snap = build(
            email("e1", direction="inbound", owner_id="u2", to=("REP@acme.test",), sent_at=NOW),
            email("e2", direction="inbound", to=("rep@acme.test",), sent_at=LATER),
            email("e3", direction="inbound", to=("x@acme.test", "rep@acme.test")),
            email("e4", direction="outbound", to=("rep@acme.test",)),
        )
        assert [e.id for e in ctx_of(snap).inbound_to_you()] == ["e1"]

    def test_mailbox_and_directions(self) -> None:
        """The mailbox (sent by ``now``, oldest first) and what you sent, what they sent."""
        snap = build(
            PERSON,
            email("e3", sent_at=at(days=-1), to=("ada@client.test",)),
            email("e1", sent_at=at(days=-2), contact_ids=("c1",)),
            email("e2", sent_at=LATER, to=("ada@client.test",)),
            email("r1", direction="inbound", from_address="ADA@client.test", sent_at=NOW),
            email("x1", owner_id="u2", to=("ada@client.test",)),
        )
        ctx = ctx_of(snap)
        assert [e.id for e in ctx.mailbox()] == ["e1", "e3", "r1"]
        assert [e.id for e in ctx.emails_sent_to(PERSON)] == ["e1", "e3"]
        assert [e.id for e in ctx.emails_received_from(PERSON)] == ["r1"]

    def test_engagements(self) -> None:
        """The contact's engagements of a counted kind that happened by ``now``, oldest first."""
        snap = build(
            PERSON,
            engagement("ev2", occurred_at=NOW),
            engagement("ev1", occurred_at=at(days=-1)),
            engagement("ev3", occurred_at=LATER),
            engagement("ev4", kind="page_view", occurred_at=at(days=-1)),
        )
        assert [ev.id for ev in ctx_of(snap).engagements("c1")] == ["ev1", "ev2"]

    def test_activities_listing(self) -> None:
        """Activities of anyone listing the record that happened by ``now``."""
        snap = build(
            deal("d1"),
            note("n1", created_at=NOW, deal_ids=("d1",)),
            note("n2", created_at=LATER, deal_ids=("d1",)),
            call("k1", owner_id="u2", started_at=at(hours=-1), deal_ids=("d1",)),
            meeting("m1", start=LATER, deal_ids=("d1",)),
        )
        listed = ctx_of(snap).activities_listing("deal", "d1")
        assert sorted(a.id for a in listed) == ["k1", "n1"]


class TestPipelinesAndLifecycle:
    def test_first_stage_of(self) -> None:
        """The id of the first stage of the record's pipeline; ``None`` for an unknown one."""
        ctx = ctx_of(build())
        assert ctx.first_stage_of(deal("d1", stage_id="proposal")) == "new"
        assert ctx.first_stage_of(lead("l1", stage_id="working")) == "new"
        assert ctx.first_stage_of(deal("d1", pipeline_id="nowhere")) is None

    def test_lifecycle_excluded(self) -> None:
        """customer and evangelist by default; only the last stage of a custom list."""
        assert ctx_of(build()).lifecycle_excluded() == ("customer", "evangelist")
        custom = build(lifecycle_stages=["lead", "customer", "fan"])
        assert ctx_of(custom).lifecycle_excluded() == ("fan",)

    def test_per_user_values_are_computed_once(self) -> None:
        """The counted engagement kinds (sorted), the excluded lifecycle stages and your
        domain are the same object on every call of one context."""
        ctx = RuleContext(
            snapshot=build(),
            now=NOW,
            user=user("u1", email="Rep@ACME.test"),
            engagement_kinds=frozenset({"page_view", "email_open"}),
        )
        assert ctx.counted_engagement_kinds() == ("email_open", "page_view")
        assert ctx.counted_engagement_kinds() is ctx.counted_engagement_kinds()
        assert ctx.lifecycle_excluded() is ctx.lifecycle_excluded()
        assert ctx.your_domain() == "acme.test"
        assert ctx_of(build(user("u1", email="nobody"))).your_domain() is None


class TestMailbox:
    def test_mailbox_is_built_once_per_context(self) -> None:
        """The user's mailbox index is built on first use and then reused."""
        snap = build(PERSON, email("e1", to=("ada@client.test",)))
        ctx = ctx_of(snap)
        first = ctx.mailbox()
        assert ctx.mailbox() is first
        assert [e.id for e in ctx.emails_sent_to(PERSON)] == ["e1"]
        assert ctx.mailbox() is first

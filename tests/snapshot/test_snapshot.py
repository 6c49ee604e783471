"""The snapshot: building it from records, its reference checks and its read interface."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

import pytest

from guided_actions import Snapshot, Stage
from guided_actions._model.document import encode
from guided_actions._model.kinds import NAMES
from guided_actions._model.records import Record
from guided_actions._snapshot.snapshot import DEFAULT_LIFECYCLE_STAGES
from guided_actions.errors import InvalidSnapshotError, Problem
from guided_actions.testing import (
    at,
    build,
    call,
    company,
    contact,
    deal,
    dismissal,
    email,
    engagement,
    issued,
    lead,
    meeting,
    note,
    sequence,
    snooze,
    task,
    user,
)
from guided_actions.typing import ListedKind, SnapshotReader


def ids(records: Any) -> list[str]:
    return [r.id for r in records]


def where(problem: Problem) -> tuple[str, str | None, str | None]:
    return (problem.kind, problem.record_id, problem.field)


@pytest.fixture(scope="module")
def snap() -> Snapshot:
    """A small CRM with two reps and records that cross between them."""
    return build(
        company("co1", owner_id="u1"),
        company("co2", owner_id="u2"),
        contact("c1", email="Ann@Client.test", company_ids=("co1",)),
        contact("c2", owner_id="u2", email="ann@client.test", company_ids=("co1", "co2")),
        contact("c3", owner_id=None, email=None),
        lead("l1", contact_id="c1"),
        lead("l2", contact_id="c1", owner_id="u2", stage_id="working"),
        deal("d1", contact_ids=("c1", "c2"), company_ids=("co1",)),
        deal("d2", owner_id="u2", contact_ids=("c2",)),
        email("e1", to=("ann@client.test",), contact_ids=("c1",), sent_at=at(days=-3)),
        email(
            "e2",
            direction="inbound",
            from_address="ann@client.test",
            to=("Rep@Acme.TEST", "other@acme.test"),
            in_reply_to="e1",
            contact_ids=("c1",),
            sent_at=at(days=-2),
        ),
        email(
            "e3",
            owner_id="u2",
            direction="inbound",
            to=("other@acme.test", "rep@acme.test"),
            sent_at=at(days=-2),
        ),
        email("e4", owner_id="u2", to=("rep@acme.test",), in_reply_to="e1", sent_at=at(days=-2)),
        email(
            "e5",
            owner_id="u2",
            direction="inbound",
            to=("rep@acme.test",),
            in_reply_to="e1",
            sent_at=at(days=-1),
        ),
        call("k1", lead_ids=("l1",), company_ids=("co2",)),
        call("k2", owner_id="u2"),
        meeting("m1", contact_ids=("c2",), deal_ids=("d1",), lead_ids=("l2",)),
        meeting("m2", owner_id="u2"),
        task("t1", meeting_id="m1", contact_ids=("c1",), sequence_id="s1", sequence_step=1),
        task("t2", owner_id="u2", meeting_id="m1", contact_ids=("c2",)),
        task("t3"),
        note("n1", contact_ids=("c1",), deal_ids=("d1",)),
        note("n2", owner_id="u2", lead_ids=("l2",)),
        sequence("s1"),
        engagement("ev1", contact_id="c1"),
        engagement("ev2", contact_id="c2", kind="page_view"),
        engagement("ev3", contact_id="c1", kind="email_reply"),
        dismissal("email_replies:u1:c1"),
        dismissal("sequence_activity:u1:s1:1", until=at(days=1)),
        dismissal("email_replies:u2:c2", user_id="u2"),
        snooze("log_call_outcomes:u1:all", subject_ids=("k1", "gone")),
        snooze("email_replies:u2:c2", user_id="u2"),
        snooze("email_replies:u1:c1", until=at(days=2)),
        issued("email_replies:u1:c1", contact_ids=["c1"], company_ids=["co1"]),
    )


class TestFromRecords:
    def test_records_in_any_order(self) -> None:
        """Records given in any order are sorted into their lists, each keeping input order."""
        records = [
            contact("c2"),
            user("u1"),
            deal("d1", owner_id=None, contact_ids=("c1",)),
            contact("c1"),
            *build().records("pipelines"),
        ]
        snapshot = Snapshot.from_records(records)
        assert ids(snapshot.records("contacts")) == ["c2", "c1"]
        assert ids(snapshot.records("deals")) == ["d1"]
        assert ids(snapshot.users()) == ["u1"]
        reverse = Snapshot.from_records(list(reversed(records)))
        assert ids(reverse.records("contacts")) == ["c1", "c2"]

    def test_keyword_lists_come_after_records(self) -> None:
        """Keyword lists are added after the positional records of the same list."""
        snapshot = Snapshot.from_records(
            [user("u1"), contact("c1")], contacts=[contact("c2")], notes=[note("n1")]
        )
        assert ids(snapshot.records("contacts")) == ["c1", "c2"]
        assert ids(snapshot.records("notes")) == ["n1"]

    def test_keyword_lists_alone(self) -> None:
        """from_records works with keyword lists only, from any iterable."""
        snapshot = Snapshot.from_records(users=(u for u in [user("u1"), user("u2")]))
        assert ids(snapshot.users()) == ["u1", "u2"]

    def test_lifecycle_stages(self) -> None:
        """from_records takes a custom lifecycle list, checked against contacts."""
        snapshot = Snapshot.from_records(
            [contact("c1", owner_id=None, lifecycle_stage="warm")],
            lifecycle_stages=["cold", "warm"],
        )
        assert snapshot.lifecycle_stages == ("cold", "warm")
        assert snapshot.custom_lifecycle_stages is True
        with pytest.raises(InvalidSnapshotError) as info:
            Snapshot.from_records([contact("c1", owner_id=None, lifecycle_stage="warm")])
        assert [where(p) for p in info.value.problems] == [("contacts", "c1", "lifecycle_stage")]

    @pytest.mark.parametrize("thing", ["c1", {"id": "c1"}, 3, None, Stage(id="new")])
    def test_non_record_raises(self, thing: object) -> None:
        """A thing that is not a snapshot record is an InvalidSnapshotError naming its position."""
        with pytest.raises(InvalidSnapshotError) as info:
            Snapshot.from_records([user("u1"), thing])  # type: ignore[list-item]
        (problem,) = info.value.problems
        assert where(problem) == ("records", "#1", None)
        assert problem.value == thing

    def test_unknown_list_name_raises_type_error(self) -> None:
        """An unknown keyword list is a TypeError naming it."""
        with pytest.raises(TypeError, match="contact"):
            Snapshot.from_records([], contact=[contact("c1", owner_id=None)])

    def test_record_in_the_wrong_keyword_list(self) -> None:
        """A deal given in the contacts list is rejected."""
        with pytest.raises(InvalidSnapshotError) as info:
            Snapshot.from_records(contacts=[deal("d1", owner_id=None)])
        (problem,) = info.value.problems
        assert where(problem) == ("contacts", "#0", None)
        assert "Contact" in problem.message

    def test_references_are_checked(self) -> None:
        """A dangling reference among records is reported like in the interchange loader."""
        with pytest.raises(InvalidSnapshotError) as info:
            Snapshot.from_records([user("u1"), contact("c1", company_ids=("co9",))])
        (problem,) = info.value.problems
        assert where(problem) == ("contacts", "c1", "company_ids")
        assert problem.value == "co9"
        assert "no companies record" in problem.message

    def test_every_cross_record_problem_reported(self) -> None:
        """Duplicates, dangling references and stage problems are all reported together."""
        with pytest.raises(InvalidSnapshotError) as info:
            build(
                contact("c1"),
                contact("c1"),
                deal("d1", stage_id="nope"),
                lead("l1", contact_id="c1", pipeline_id="deals"),
                task("t1", owner_id="ghost", meeting_id="m9"),
            )
        assert sorted(where(p) for p in info.value.problems) == [
            ("contacts", "c1", "id"),
            ("deals", "d1", "stage_id"),
            ("leads", "l1", "pipeline_id"),
            ("tasks", "t1", "meeting_id"),
            ("tasks", "t1", "owner_id"),
        ]


class TestKeywordConstructor:
    def test_builds_from_lists(self) -> None:
        """Snapshot(users=..., contacts=...) builds the same snapshot as from_records."""
        u1, c1, co1 = user("u1"), contact("c1"), company("co1")
        direct = Snapshot(users=[u1], contacts=[c1], companies=[co1])
        for key in NAMES:
            assert direct.records(key) == Snapshot.from_records([u1, c1, co1]).records(key)

    def test_empty(self) -> None:
        """Snapshot() is the empty snapshot with the default lifecycle stages."""
        empty = Snapshot()
        assert all(empty.records(key) == () for key in NAMES)
        assert empty.lifecycle_stages == DEFAULT_LIFECYCLE_STAGES
        assert empty.custom_lifecycle_stages is False
        assert repr(empty) == "<Snapshot empty>"

    def test_references_are_checked(self) -> None:
        """The keyword constructor checks references too."""
        with pytest.raises(InvalidSnapshotError) as info:
            Snapshot(contacts=[contact("c1", owner_id="ghost")])
        (problem,) = info.value.problems
        assert where(problem) == ("contacts", "c1", "owner_id")

    def test_wrong_record_class(self) -> None:
        """A record of another class in a keyword list is named by list and position."""
        with pytest.raises(InvalidSnapshotError) as info:
            Snapshot(users=[user("u1")], notes=[note("n1"), task("t1")])  # type: ignore[list-item]
        (problem,) = info.value.problems
        assert where(problem) == ("notes", "#1", None)
        assert "Note" in problem.message

    def test_bad_lifecycle_list(self) -> None:
        """A bad lifecycle list does not hide a dangling reference."""
        with pytest.raises(InvalidSnapshotError) as info:
            Snapshot(contacts=[contact("c1", owner_id="ghost")], lifecycle_stages=["a", "a"])
        assert sorted(where(p) for p in info.value.problems) == [
            ("contacts", "c1", "owner_id"),
            ("snapshot", None, "lifecycle_stages"),
        ]

    def test_round_trip_through_interchange(self, snap: Snapshot) -> None:
        """A snapshot built from records survives to_dict / from_dict and json."""
        dumped = snap.to_dict()
        again = Snapshot.from_dict(json.loads(json.dumps(dumped)))
        for key in NAMES:
            assert again.records(key) == snap.records(key), key
        assert again.to_dict() == dumped


def _problems(make: Callable[[], object]) -> tuple[Problem, ...]:
    with pytest.raises(InvalidSnapshotError) as info:
        make()
    return info.value.problems


class TestEveryWayInReportsAlike:
    """``build`` (``from_records``), the keyword constructor and ``from_dict`` report the same
    problems for the same records: each problem once, however the records come in."""

    @pytest.mark.parametrize(
        ("records", "expected"),
        [
            pytest.param(
                [deal("d1", contact_ids=("c9", "c9"))],
                [("deals", "d1", "contact_ids", "c9")],
                id="a dangling id twice",
            ),
            pytest.param(
                [deal("d1", contact_ids=("c8", "c9", "c8"))],
                [("deals", "d1", "contact_ids", "c8"), ("deals", "d1", "contact_ids", "c9")],
                id="two dangling ids",
            ),
            pytest.param(
                [contact("c1"), contact("c1"), contact("c1")],
                [("contacts", "c1", "id", "c1")],
                id="an id three times",
            ),
        ],
    )
    def test_same_problems(self, records: list[Record], expected: list[tuple[str, ...]]) -> None:
        defaults = build()
        given = [*defaults.records("users"), *defaults.records("pipelines"), *records]
        lists = {name: [r for r in given if r.record_kind == name] for name in NAMES}
        built = _problems(lambda: build(*records))
        assert [(*where(p), p.value) for p in built] == expected
        assert _problems(lambda: Snapshot.from_records(given)) == built
        assert _problems(lambda: Snapshot(**lists)) == built  # type: ignore[arg-type]
        assert _problems(lambda: Snapshot.from_dict(encode(lists))) == built


class TestReader:
    def test_is_a_snapshot_reader(self, snap: Snapshot) -> None:
        """Snapshot implements the SnapshotReader protocol."""
        assert isinstance(snap, SnapshotReader)

    def test_every_reader_member_is_tested(self) -> None:
        """Every member of SnapshotReader is exercised by a test in this class."""
        members = {
            name for name, _ in inspect.getmembers(SnapshotReader) if not name.startswith("_")
        }
        assert members == COVERED

    @pytest.mark.parametrize(
        ("method", "record_id"),
        [
            ("user", "u2"),
            ("contact", "c2"),
            ("company", "co2"),
            ("lead", "l2"),
            ("deal", "d2"),
            ("email", "e3"),
            ("meeting", "m2"),
            ("call", "k2"),
            ("task", "t2"),
            ("pipeline", "leads"),
            ("sequence", "s1"),
        ],
    )
    def test_lookup_by_id(self, snap: Snapshot, method: str, record_id: str) -> None:
        """Each lookup finds its record by id, and gives None for an unknown id or another kind."""
        found = getattr(snap, method)(record_id)
        assert found is not None
        assert found.id == record_id
        assert getattr(snap, method)("nope") is None
        assert getattr(snap, method)(record_id.upper() + "x") is None
        other = "c1" if method != "contact" else "u1"
        assert getattr(snap, method)(other) is None

    def test_users(self, snap: Snapshot) -> None:
        """users() gives every user in input order."""
        assert ids(snap.users()) == ["u1", "u2", "admin"]

    def test_lifecycle_stages(self, snap: Snapshot) -> None:
        """Without a custom list the default lifecycle stages apply."""
        assert tuple(snap.lifecycle_stages) == DEFAULT_LIFECYCLE_STAGES
        assert snap.custom_lifecycle_stages is False

    @pytest.mark.parametrize(
        ("method", "user_id", "expected"),
        [
            ("contacts_owned_by", "u1", ["c1"]),
            ("contacts_owned_by", "u2", ["c2"]),
            ("companies_owned_by", "u1", ["co1"]),
            ("companies_owned_by", "u2", ["co2"]),
            ("leads_owned_by", "u1", ["l1"]),
            ("leads_owned_by", "u2", ["l2"]),
            ("deals_owned_by", "u1", ["d1"]),
            ("deals_owned_by", "u2", ["d2"]),
            ("emails_in_mailbox", "u1", ["e1", "e2"]),
            ("emails_in_mailbox", "u2", ["e3", "e4", "e5"]),
            ("calls_owned_by", "u1", ["k1"]),
            ("calls_owned_by", "u2", ["k2"]),
            ("meetings_owned_by", "u1", ["m1"]),
            ("meetings_owned_by", "u2", ["m2"]),
            ("tasks_owned_by", "u1", ["t1", "t3"]),
            ("tasks_owned_by", "u2", ["t2"]),
            ("notes_owned_by", "u1", ["n1"]),
            ("notes_owned_by", "u2", ["n2"]),
            ("contacts_owned_by", "admin", []),
            ("tasks_owned_by", "nobody", []),
        ],
    )
    def test_lookup_by_owner(
        self, snap: Snapshot, method: str, user_id: str, expected: list[str]
    ) -> None:
        """Lookups by owner give the user's records in input order, none for another user."""
        found = getattr(snap, method)(user_id)
        assert ids(found) == expected
        assert isinstance(found, tuple)

    @pytest.mark.parametrize(
        ("address", "expected"),
        [
            ("ann@client.test", ["c1", "c2"]),
            ("ANN@CLIENT.TEST", ["c1", "c2"]),
            ("Ann@client.Test", ["c1", "c2"]),
            ("bob@client.test", []),
            ("ann@client.test ", []),
        ],
    )
    def test_contacts_with_email(self, snap: Snapshot, address: str, expected: list[str]) -> None:
        """Contacts are found by address case-insensitively."""
        assert ids(snap.contacts_with_email(address)) == expected

    @pytest.mark.parametrize(
        ("address", "expected"),
        [
            ("rep@acme.test", ["e2", "e5"]),
            ("REP@ACME.TEST", ["e2", "e5"]),
            ("other@acme.test", ["e3"]),
            ("ann@client.test", []),
        ],
    )
    def test_inbound_emails_to(self, snap: Snapshot, address: str, expected: list[str]) -> None:
        """Only inbound emails whose primary recipient to[0] is the address, in any mailbox.

        e3 has the rep second in ``to``; e4 is outbound to the rep; e1 is outbound.
        """
        assert ids(snap.inbound_emails_to(address)) == expected

    @pytest.mark.parametrize(
        ("email_id", "expected"),
        [("e1", ["e2", "e5"]), ("e2", []), ("nope", [])],
    )
    def test_replies_to(self, snap: Snapshot, email_id: str, expected: list[str]) -> None:
        """Replies are inbound emails whose in_reply_to is the email (e4 is outbound)."""
        assert ids(snap.replies_to(email_id)) == expected

    @pytest.mark.parametrize(("meeting_id", "expected"), [("m1", ["t1", "t2"]), ("m2", [])])
    def test_tasks_of_meeting(self, snap: Snapshot, meeting_id: str, expected: list[str]) -> None:
        """A meeting's follow-up tasks are the tasks naming it, whoever owns them."""
        assert ids(snap.tasks_of_meeting(meeting_id)) == expected

    @pytest.mark.parametrize(
        ("method", "record_id", "expected"),
        [
            ("contacts_of_company", "co1", ["c1", "c2"]),
            ("contacts_of_company", "co2", ["c2"]),
            ("contacts_of_company", "co9", []),
            ("leads_of_contact", "c1", ["l1", "l2"]),
            ("leads_of_contact", "c2", []),
            ("deals_of_contact", "c1", ["d1"]),
            ("deals_of_contact", "c2", ["d1", "d2"]),
            ("deals_of_contact", "c3", []),
        ],
    )
    def test_associations(
        self, snap: Snapshot, method: str, record_id: str, expected: list[str]
    ) -> None:
        """Association lookups follow company_ids, contact_id and contact_ids."""
        assert ids(getattr(snap, method)(record_id)) == expected

    @pytest.mark.parametrize(
        ("kind", "record_id", "expected"),
        [
            ("contact", "c1", ["e1", "e2", "n1", "t1"]),
            ("contact", "c2", ["m1", "t1", "t2"]),
            ("contact", "c3", []),
            ("lead", "l1", ["k1"]),
            ("lead", "l2", ["m1", "n2", "t1", "t2"]),
            ("deal", "d1", ["m1", "n1", "t1", "t2"]),
            ("deal", "d2", []),
            ("deal", "c1", []),
        ],
    )
    def test_activities_listing(
        self, snap: Snapshot, kind: Any, record_id: str, expected: list[str]
    ) -> None:
        """Activities listing a record, a task also through its meeting's ids, each once."""
        assert sorted(ids(snap.activities_listing(kind, record_id))) == expected

    def test_task_listing_through_meeting_only(self, snap: Snapshot) -> None:
        """t1 lists c2, d1 and l2 only through m1, which lists them."""
        t1 = snap.task("t1")
        assert t1 is not None
        assert "c2" not in t1.contact_ids
        assert t1.deal_ids == ()
        listed: list[tuple[ListedKind, str]] = [("contact", "c2"), ("deal", "d1"), ("lead", "l2")]
        for kind, rid in listed:
            assert t1 in snap.activities_listing(kind, rid)
        assert snap.task("t3") not in snap.activities_listing("contact", "c1")

    @pytest.mark.parametrize(
        ("contact_id", "expected"), [("c1", ["ev1", "ev3"]), ("c2", ["ev2"]), ("c3", [])]
    )
    def test_engagement_events_of(
        self, snap: Snapshot, contact_id: str, expected: list[str]
    ) -> None:
        """A contact's engagement events, in input order."""
        assert ids(snap.engagement_events_of(contact_id)) == expected

    @pytest.mark.parametrize(
        ("user_id", "expected"),
        [
            ("u1", ["email_replies:u1:c1", "sequence_activity:u1:s1:1"]),
            ("u2", ["email_replies:u2:c2"]),
            ("admin", []),
        ],
    )
    def test_dismissals_of(self, snap: Snapshot, user_id: str, expected: list[str]) -> None:
        """A user's dismissals only."""
        assert [d.action_key for d in snap.dismissals_of(user_id)] == expected

    @pytest.mark.parametrize(
        ("user_id", "expected"),
        [
            ("u1", ["log_call_outcomes:u1:all", "email_replies:u1:c1"]),
            ("u2", ["email_replies:u2:c2"]),
            ("admin", []),
            ("nobody", []),
        ],
    )
    def test_snoozes_of(self, snap: Snapshot, user_id: str, expected: list[str]) -> None:
        """A user's snoozes only, in input order, whatever their ``until`` and subjects."""
        assert [s.action_key for s in snap.snoozes_of(user_id)] == expected
        assert isinstance(snap.snoozes_of(user_id), tuple)

    def test_issued_action(self, snap: Snapshot) -> None:
        """An issued action is found by its key; an unknown key gives None."""
        found = snap.issued_action("email_replies:u1:c1")
        assert found is not None
        assert (found.contact_ids, found.company_ids) == (("c1",), ("co1",))
        assert snap.issued_action("email_replies:u1:c2") is None

    def test_results_are_immutable(self, snap: Snapshot) -> None:
        """Index lookups return tuples, so a caller cannot change the snapshot's indexes."""
        assert isinstance(snap.activities_listing("contact", "c1"), tuple)
        assert isinstance(snap.contacts_with_email("nobody@x.test"), tuple)
        assert isinstance(snap.records("contacts"), tuple)
        with pytest.raises(AttributeError):
            snap.extra = 1  # type: ignore[attr-defined]


#: The SnapshotReader members the tests above exercise.
COVERED = {
    "lifecycle_stages",
    "custom_lifecycle_stages",
    "user",
    "users",
    "contact",
    "company",
    "lead",
    "deal",
    "email",
    "meeting",
    "call",
    "task",
    "pipeline",
    "sequence",
    "contacts_owned_by",
    "companies_owned_by",
    "leads_owned_by",
    "deals_owned_by",
    "emails_in_mailbox",
    "calls_owned_by",
    "meetings_owned_by",
    "tasks_owned_by",
    "notes_owned_by",
    "contacts_with_email",
    "contacts_of_company",
    "leads_of_contact",
    "deals_of_contact",
    "inbound_emails_to",
    "replies_to",
    "tasks_of_meeting",
    "activities_listing",
    "engagement_events_of",
    "dismissals_of",
    "snoozes_of",
    "issued_action",
}

"""Records built in Python: frozen, slotted, lists stored as tuples, every bad field reported."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guided_actions import (
    Call,
    Company,
    Contact,
    Dashboard,
    Deal,
    Dismissal,
    Email,
    EngagementEvent,
    Feedback,
    IssuedAction,
    Lead,
    Meeting,
    Note,
    Pipeline,
    Sequence,
    Snapshot,
    Snooze,
    Stage,
    Task,
    User,
)
from guided_actions.errors import InvalidRecordError, InvalidSnapshotError, Problem

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
NAIVE = datetime(2026, 11, 26, 12, 0)

#: The fewest fields that make a valid record of each class.
MINIMAL: dict[type, dict[str, Any]] = {
    User: {"id": "u1", "email": "rep@acme.test"},
    Stage: {"id": "new"},
    Pipeline: {"id": "p1", "object": "deal", "stages": [Stage(id="new")]},
    Company: {"id": "co1"},
    Contact: {"id": "c1", "created_at": T0},
    Lead: {"id": "l1", "contact_id": "c1", "pipeline_id": "p", "stage_id": "s", "created_at": T0},
    Deal: {"id": "d1", "pipeline_id": "p", "stage_id": "s", "created_at": T0},
    Email: {"id": "e1", "owner_id": "u1", "direction": "outbound", "sent_at": T0},
    Call: {"id": "k1", "owner_id": "u1", "started_at": T0},
    Meeting: {"id": "m1", "owner_id": "u1", "start": T0, "end": T0 + timedelta(hours=1)},
    Task: {"id": "t1", "owner_id": "u1", "created_at": T0},
    Note: {"id": "n1", "owner_id": "u1", "created_at": T0},
    Sequence: {"id": "s1"},
    EngagementEvent: {"id": "ev1", "contact_id": "c1", "kind": "page_view", "occurred_at": T0},
    Feedback: {"user_id": "u1", "action_key": "k:1", "verdict": "yes", "at": T0},
    Dismissal: {"user_id": "u1", "action_key": "k:1"},
    Snooze: {"user_id": "u1", "action_key": "k:1", "until": T0},
    IssuedAction: {"key": "k:1"},
    Dashboard: {"id": "db1", "access": "everyone"},
}

RECORD_CLASSES = list(MINIMAL)


def make(cls: type, **changes: Any) -> Any:
    """A record of ``cls`` from its minimal fields with ``changes`` applied."""
    return cls(**{**MINIMAL[cls], **changes})


def problems_of(build: Callable[[], object]) -> tuple[Problem, ...]:
    with pytest.raises(InvalidRecordError) as info:
        build()
    return info.value.problems


class TestShape:
    @pytest.mark.parametrize("cls", RECORD_CLASSES, ids=lambda c: c.__name__)
    def test_minimal_record_builds(self, cls: type) -> None:
        """The minimal fields of each record class give a valid record."""
        assert isinstance(make(cls), cls)

    @pytest.mark.parametrize("cls", RECORD_CLASSES, ids=lambda c: c.__name__)
    def test_frozen(self, cls: type) -> None:
        """Assigning to a field of any record raises."""
        record = make(cls)
        name = attrs.fields(cls)[0].name
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(record, name, "changed")
        assert getattr(record, name) == MINIMAL[cls][name]

    @pytest.mark.parametrize("cls", RECORD_CLASSES, ids=lambda c: c.__name__)
    def test_slotted(self, cls: type) -> None:
        """Records have slots and no instance ``__dict__``."""
        record = make(cls)
        assert "__slots__" in cls.__dict__
        assert not hasattr(record, "__dict__")

    @pytest.mark.parametrize(
        ("cls", "field"),
        [
            (User, "team_ids"),
            (Contact, "company_ids"),
            (Deal, "contact_ids"),
            (Deal, "company_ids"),
            (Email, "to"),
            (Email, "cc"),
            (Email, "lead_ids"),
            (Call, "deal_ids"),
            (Meeting, "company_ids"),
            (Task, "contact_ids"),
            (Note, "lead_ids"),
            (IssuedAction, "contact_ids"),
            (Snooze, "subject_ids"),
            (Dashboard, "access"),
        ],
    )
    def test_lists_become_tuples(self, cls: type, field: str) -> None:
        """A list given for a list field is stored as a tuple with the same items."""
        record = make(cls, **{field: ["a", "b"]})
        assert getattr(record, field) == ("a", "b")
        assert isinstance(getattr(record, field), tuple)

    def test_pipeline_stages_become_tuple(self) -> None:
        """A pipeline's list of stages is stored as a tuple."""
        stages = [Stage(id="a"), Stage(id="b", closed=True)]
        pipeline = make(Pipeline, stages=stages)
        assert pipeline.stages == tuple(stages)
        assert pipeline.first_stage.id == "a"
        assert pipeline.stage("b") is stages[1]
        assert pipeline.stage("zzz") is None

    def test_list_defaults_are_empty_tuples(self) -> None:
        """List fields left out default to empty tuples."""
        deal = make(Deal)
        assert deal.contact_ids == ()
        assert deal.company_ids == ()

    def test_equal_records_compare_equal(self) -> None:
        """Two records with the same fields are equal and hash alike."""
        assert make(Contact) == make(Contact)
        assert hash(make(Contact)) == hash(make(Contact))


class TestInstants:
    @pytest.mark.parametrize(
        "zone",
        [
            timezone(timedelta(hours=2)),
            timezone(timedelta(hours=-7, minutes=-30)),
            ZoneInfo("Asia/Tokyo"),
        ],
        ids=["+02:00", "-07:30", "Asia/Tokyo"],
    )
    def test_aware_instant_stored_in_utc(self, zone: Any) -> None:
        """An aware instant in another zone is stored as the same instant in UTC."""
        local = T0.astimezone(zone)
        contact = make(Contact, created_at=local, owner_assigned_at=local)
        assert contact.created_at == T0
        assert contact.created_at.utcoffset() == timedelta(0)
        assert contact.created_at.tzinfo is UTC
        assert contact.owner_assigned_at is not None
        assert contact.owner_assigned_at.tzinfo is UTC
        assert make(Contact, created_at=local) == make(Contact, created_at=T0)

    def test_utc_conversion_keeps_instant_order(self) -> None:
        """A meeting given in two zones ending after it starts is valid and keeps its length."""
        start = datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/Paris"))
        end = datetime(2026, 3, 29, 0, 45, tzinfo=UTC)
        meeting = make(Meeting, start=start, end=end)
        assert meeting.end - meeting.start == timedelta(minutes=15)


# (record class, bad fields, field reported, message gist)
BAD_FIELDS: list[tuple[type, dict[str, Any], str, str]] = [
    (User, {"email": 3}, "email", "expected a string"),
    (User, {"super_admin": "true"}, "super_admin", "expected a boolean"),
    (User, {"super_admin": 1}, "super_admin", "expected a boolean"),
    (User, {"team_ids": "t1"}, "team_ids", "expected a list"),
    (User, {"team_ids": ["t1", 2]}, "team_ids", "list item 2"),
    (User, {"timezone": "Mars/Olympus_Mons"}, "timezone", "time zone"),
    (User, {"timezone": ""}, "timezone", "time zone"),
    (User, {"id": ""}, "id", "non-empty"),
    (Contact, {"created_at": NAIVE}, "created_at", "naive"),
    (Contact, {"owner_assigned_at": NAIVE}, "owner_assigned_at", "naive"),
    (Contact, {"created_at": "2026-11-26T12:00:00Z"}, "created_at", "instant"),
    (Contact, {"company_ids": ("co1", "")}, "company_ids", "non-empty"),
    (Contact, {"owner_id": ""}, "owner_id", "non-empty"),
    (Contact, {"id": 7}, "id", "expected a string"),
    (Lead, {"stage_changed_at": NAIVE}, "stage_changed_at", "naive"),
    (Lead, {"contact_id": ""}, "contact_id", "non-empty"),
    (Deal, {"closed_at": NAIVE}, "closed_at", "naive"),
    (Deal, {"next_step": 5}, "next_step", "string"),
    (Email, {"direction": "sideways"}, "direction", "unknown value"),
    (Email, {"to": "a@b.test"}, "to", "expected a list"),
    (Email, {"opened_at": NAIVE}, "opened_at", "naive"),
    (Call, {"status": "done"}, "status", "unknown value"),
    (Call, {"builtin_calling": "yes"}, "builtin_calling", "expected a boolean"),
    (Call, {"ended_at": T0 - timedelta(seconds=1)}, "ended_at", "cannot end before it starts"),
    (Meeting, {"end": T0 - timedelta(minutes=1)}, "end", "cannot end before it starts"),
    (Meeting, {"start": NAIVE}, "start", "naive"),
    (Task, {"priority": "urgent"}, "priority", "unknown value"),
    (Task, {"status": "done"}, "status", "unknown value"),
    (Task, {"sequence_step": 0}, "sequence_step", "at least 1"),
    (Task, {"sequence_step": -2}, "sequence_step", "at least 1"),
    (Task, {"sequence_step": 1.0}, "sequence_step", "expected an integer"),
    (Task, {"sequence_step": True}, "sequence_step", "expected an integer"),
    (Task, {"meeting_id": ""}, "meeting_id", "non-empty"),
    (Note, {"deal_ids": ["d1", ""]}, "deal_ids", "non-empty"),
    (Sequence, {"name": 3}, "name", "string"),
    (EngagementEvent, {"kind": "tweet"}, "kind", "unknown value"),
    (EngagementEvent, {"occurred_at": NAIVE}, "occurred_at", "naive"),
    (Feedback, {"verdict": "no"}, "verdict", "unknown value"),
    (Feedback, {"action_key": ""}, "action_key", "non-empty"),
    (Dismissal, {"until": NAIVE}, "until", "naive"),
    (Dismissal, {"user_id": ""}, "user_id", "non-empty"),
    (Snooze, {"until": NAIVE}, "until", "naive"),
    (Snooze, {"until": None}, "until", "timezone-aware instant"),
    (Snooze, {"until": "2026-11-27T12:00:00Z"}, "until", "instant"),
    (Snooze, {"action_key": ""}, "action_key", "non-empty"),
    (Snooze, {"user_id": ""}, "user_id", "non-empty"),
    (Snooze, {"subject_ids": ["k1", ""]}, "subject_ids", "non-empty"),
    (Snooze, {"subject_ids": "k1"}, "subject_ids", "expected a list"),
    (IssuedAction, {"key": ""}, "key", "non-empty"),
    (IssuedAction, {"company_ids": "co1"}, "company_ids", "expected a list"),
    (Dashboard, {"access": "some teams"}, "access", "'everyone'"),
    (Dashboard, {"access": [1]}, "access", "'everyone'"),
    (Dashboard, {"view_access_confirmed": None}, "view_access_confirmed", "boolean"),
    (Stage, {"won": True}, "won", "won stage must also be closed"),
    (Stage, {"closed": "no"}, "closed", "expected a boolean"),
    (Pipeline, {"object": "account"}, "object", "unknown value"),
    (Pipeline, {"stages": []}, "stages", "needs a stage"),
    (Pipeline, {"stages": [{"id": "a"}]}, "stages", "Stage"),
    (
        Pipeline,
        {"stages": [Stage(id="a"), Stage(id="b"), Stage(id="a")]},
        "stages[2].id",
        "duplicate stage id",
    ),
]


class TestBadFields:
    @pytest.mark.parametrize(
        ("cls", "changes", "field", "gist"),
        BAD_FIELDS,
        ids=[f"{c.__name__}.{f}-{i}" for i, (c, _ch, f, _g) in enumerate(BAD_FIELDS)],
    )
    def test_bad_field_is_reported(
        self, cls: type, changes: dict[str, Any], field: str, gist: str
    ) -> None:
        """A bad field raises InvalidRecordError naming the record kind, id, field and value."""
        problems = problems_of(lambda: make(cls, **changes))
        assert len(problems) == 1, problems
        (problem,) = problems
        assert problem.kind == cls.record_kind  # type: ignore[attr-defined]
        assert problem.field == field
        assert gist in problem.message
        if field in changes:
            given = changes[field]
            if isinstance(given, list | tuple) and "" in given:
                assert problem.value == ""  # the offending item of the list
            else:
                assert problem.value == (tuple(given) if isinstance(given, list) else given)
        expected_id = {**MINIMAL[cls], **changes}.get("id")
        if isinstance(expected_id, str):
            assert problem.record_id == expected_id
        rendered = str(problem)
        assert cls.record_kind in rendered  # type: ignore[attr-defined]
        assert repr(field) in rendered

    def test_problem_names_the_record(self) -> None:
        """The problem carries the contact's kind, id, field and the naive value itself."""
        (problem,) = problems_of(lambda: make(Contact, id="c42", created_at=NAIVE))
        assert problem == Problem(
            "contacts", "c42", "created_at", NAIVE, "naive instant: a time zone offset is required"
        )

    def test_missing_required_field_raises_type_error(self) -> None:
        """Leaving out a required keyword in Python is a TypeError, as for any class."""
        with pytest.raises(TypeError):
            Contact(id="c1")  # type: ignore[call-arg]

    def test_error_is_also_snapshot_error_and_value_error(self) -> None:
        """InvalidRecordError can be caught as InvalidSnapshotError or ValueError."""
        with pytest.raises(InvalidSnapshotError):
            make(Task, priority="urgent")
        with pytest.raises(ValueError, match="priority"):
            make(Task, priority="urgent")

    def test_several_problems_all_reported(self) -> None:
        """Every bad field of one record is reported in the same error."""
        problems = problems_of(
            lambda: make(
                Task,
                id="t9",
                created_at=NAIVE,
                priority="urgent",
                status="done",
                sequence_step=0,
                contact_ids="c1",
            )
        )
        assert {p.field for p in problems} == {
            "created_at",
            "priority",
            "status",
            "sequence_step",
            "contact_ids",
        }
        assert all(p.kind == "tasks" and p.record_id == "t9" for p in problems)

    def test_str_of_error_lists_every_problem(self) -> None:
        """str() of the error counts the problems and prints each on its own line."""
        with pytest.raises(InvalidRecordError) as info:
            make(Call, id="k7", status="done", builtin_calling="no")
        text = str(info.value)
        assert text.splitlines()[0] == "invalid snapshot: 2 problems"
        assert "calls 'k7', field 'status'" in text
        assert "calls 'k7', field 'builtin_calling'" in text
        assert "'done'" in text

    def test_empty_id_and_naive_instant_together(self) -> None:
        """An empty id and a naive instant in one contact are both reported."""
        problems = problems_of(lambda: make(Contact, id="", created_at=NAIVE))
        assert sorted(p.field or "" for p in problems) == ["created_at", "id"]

    @pytest.mark.parametrize(
        ("start", "end", "valid"),
        [
            (T0, T0, True),
            (T0, T0 + timedelta(microseconds=1), True),
            (T0, T0 - timedelta(microseconds=1), False),
        ],
    )
    def test_meeting_end_boundary(self, start: datetime, end: datetime, valid: bool) -> None:
        """A meeting may end when it starts, never before."""
        if valid:
            assert make(Meeting, start=start, end=end).end == end
        else:
            (problem,) = problems_of(lambda: make(Meeting, start=start, end=end))
            assert (problem.field, problem.value) == ("end", end)

    @pytest.mark.parametrize(
        ("ended", "valid"),
        [(None, True), (T0, True), (T0 - timedelta(microseconds=1), False)],
    )
    def test_call_end_boundary(self, ended: datetime | None, valid: bool) -> None:
        """A call may end when it starts (or not have ended), never before."""
        if valid:
            assert make(Call, ended_at=ended).ended_at == ended
        else:
            (problem,) = problems_of(lambda: make(Call, ended_at=ended))
            assert problem.field == "ended_at"

    @pytest.mark.parametrize(
        ("closed", "won", "valid"),
        [(False, False, True), (True, False, True), (True, True, True), (False, True, False)],
    )
    def test_stage_won_needs_closed(self, closed: bool, won: bool, valid: bool) -> None:
        """Only a won stage that is not closed is invalid."""
        if valid:
            assert make(Stage, closed=closed, won=won).won is won
        else:
            (problem,) = problems_of(lambda: make(Stage, closed=closed, won=won))
            assert (problem.field, problem.value) == ("won", True)

    @pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires"])
    def test_known_timezones_accepted(self, zone: str) -> None:
        """IANA zone names are accepted and give the user's zone."""
        assert make(User, timezone=zone).zone == ZoneInfo(zone)


#: Every zone name this host knows, spelt as the IANA database spells it.
IANA_NAMES = sorted(
    name
    for name in zoneinfo.available_timezones()
    if name not in ("localtime", "posixrules", "Factory")
    and not name.startswith(("posix/", "right/"))
)


class TestTimeZoneNames:
    """Only canonical IANA names: a snapshot means the same on every host."""

    @pytest.mark.parametrize(
        "zone",
        ["localtime", "posixrules", "Factory", "right/UTC", "right/Europe/Paris", "posix/UTC"],
    )
    def test_host_dependent_names_refused(self, zone: str) -> None:
        """A host's own entries of its zone folder are refused, though the host can open them."""
        ZoneInfo(zone)  # this host opens it: what it means depends on the host
        (problem,) = problems_of(lambda: make(User, timezone=zone))
        assert (problem.kind, problem.record_id, problem.field) == ("users", "u1", "timezone")
        assert problem.value == zone
        assert "host-dependent" in problem.message

    @pytest.mark.parametrize("zone", ["europe/paris", "UTC ", "Europe/Paris/", "/UTC", "Europe"])
    def test_misspelt_names_refused(self, zone: str) -> None:
        """A name is taken exactly as the IANA database spells it (no case folding, no spaces),
        whatever the host's file system would open."""
        (problem,) = problems_of(lambda: make(User, timezone=zone))
        assert problem.field == "timezone"
        assert problem.message == "unknown IANA time zone name"

    @settings(max_examples=100, deadline=None)
    @given(st.sampled_from(IANA_NAMES))
    def test_every_iana_name_accepted(self, zone: str) -> None:
        """Every zone of the IANA database the host has, links included, gives that zone."""
        assert make(User, timezone=zone).zone == ZoneInfo(zone)

    def test_refused_in_a_document_too(self) -> None:
        """A document naming a host-dependent zone is an invalid snapshot naming the user."""
        doc = {
            "schema": "guided-actions/1",
            "users": [{"id": "u1", "email": "a@acme.test", "timezone": "localtime"}],
        }
        with pytest.raises(InvalidSnapshotError) as info:
            Snapshot.from_dict(doc)
        (problem,) = info.value.problems
        assert (problem.record_id, problem.field, problem.value) == ("u1", "timezone", "localtime")

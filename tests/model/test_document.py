"""The JSON interchange format: every kind of bad input reported, and a lossless round trip.

Most tests load through ``Snapshot.from_dict`` (the document's problems and the snapshot's checks
together, as a user sees them); ``TestDecodeEncode`` tests the document module on its own.
"""

from __future__ import annotations

import ast
import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

import attrs
import pytest

from guided_actions import Contact, Note, Snapshot
from guided_actions._model import document
from guided_actions._model.document import SCHEMA as DOCUMENT_SCHEMA
from guided_actions._model.document import decode, encode
from guided_actions._model.kinds import KINDS, NAMES
from guided_actions.errors import InvalidRecordError, InvalidSnapshotError, Problem

SCHEMA = "guided-actions/1"

#: A document using every list and every field, each with a value that is not its default.
FULL: dict[str, Any] = {
    "schema": SCHEMA,
    "lifecycle_stages": ["subscriber", "lead", "opportunity", "customer"],
    "users": [
        {
            "id": "u1",
            "email": "rep@acme.test",
            "timezone": "Europe/Paris",
            "super_admin": True,
            "team_ids": ["team-east"],
        },
        {"id": "u2", "email": "other@acme.test", "timezone": "America/New_York"},
    ],
    "pipelines": [
        {
            "id": "dp",
            "object": "deal",
            "stages": [
                {"id": "new", "label": "New"},
                {"id": "won", "label": "Won", "closed": True, "won": True},
                {"id": "lost", "label": "Lost", "closed": True},
            ],
        },
        {
            "id": "lp",
            "object": "lead",
            "stages": [{"id": "new", "label": "New"}, {"id": "dq", "closed": True}],
        },
    ],
    "companies": [
        {
            "id": "co1",
            "name": "Client Inc",
            "domain": "client.test",
            "owner_id": "u1",
            "target_account": True,
        }
    ],
    "contacts": [
        {
            "id": "c1",
            "email": "Ann@Client.test",
            "owner_id": "u1",
            "owner_assigned_at": "2026-11-01T10:00:00+02:00",
            "lifecycle_stage": "lead",
            "company_ids": ["co1"],
            "created_at": "2026-10-01T09:00:00Z",
        }
    ],
    "leads": [
        {
            "id": "l1",
            "contact_id": "c1",
            "owner_id": "u1",
            "owner_assigned_at": "2026-11-02T08:00:00-05:00",
            "pipeline_id": "lp",
            "stage_id": "new",
            "stage_changed_at": "2026-11-03T08:00:00Z",
            "created_at": "2026-11-02T07:00:00Z",
        }
    ],
    "deals": [
        {
            "id": "d1",
            "owner_id": "u1",
            "owner_assigned_at": "2026-11-04T08:00:00Z",
            "pipeline_id": "dp",
            "stage_id": "won",
            "created_at": "2026-11-04T07:00:00Z",
            "closed_at": "2026-11-20T07:00:00Z",
            "next_step": "Send the contract",
            "next_step_updated_at": "2026-11-10T07:00:00Z",
            "contact_ids": ["c1"],
            "company_ids": ["co1"],
        }
    ],
    "emails": [
        {
            "id": "e2",
            "owner_id": "u1",
            "direction": "inbound",
            "from_address": "ann@client.test",
            "to": ["rep@acme.test"],
            "cc": ["boss@acme.test"],
            "sent_at": "2026-11-21T09:30:00+01:00",
            "opened_at": "2026-11-21T10:00:00Z",
            "in_reply_to": "e1",
            "contact_ids": ["c1"],
            "lead_ids": ["l1"],
            "deal_ids": ["d1"],
        },
        {
            "id": "e1",
            "owner_id": "u1",
            "direction": "outbound",
            "from_address": "rep@acme.test",
            "to": ["ann@client.test"],
            "sent_at": "2026-11-20T09:00:00Z",
        },
    ],
    "calls": [
        {
            "id": "k1",
            "owner_id": "u1",
            "started_at": "2026-11-22T09:00:00Z",
            "ended_at": "2026-11-22T09:10:00Z",
            "status": "completed",
            "outcome": "Connected",
            "builtin_calling": True,
            "contact_ids": ["c1"],
            "company_ids": ["co1"],
            "deal_ids": ["d1"],
            "lead_ids": ["l1"],
        }
    ],
    "meetings": [
        {
            "id": "m1",
            "owner_id": "u1",
            "title": "Demo",
            "start": "2026-11-23T09:00:00Z",
            "end": "2026-11-23T10:00:00Z",
            "contact_ids": ["c1"],
            "company_ids": ["co1"],
            "deal_ids": ["d1"],
            "lead_ids": ["l1"],
        }
    ],
    "tasks": [
        {
            "id": "t1",
            "owner_id": "u1",
            "title": "Send follow-up",
            "created_at": "2026-11-23T10:00:00Z",
            "due_at": "2026-11-24T10:00:00Z",
            "priority": "high",
            "status": "completed",
            "completed_at": "2026-11-24T09:00:00Z",
            "sequence_id": "s1",
            "sequence_step": 2,
            "meeting_id": "m1",
            "contact_ids": ["c1"],
            "deal_ids": ["d1"],
            "lead_ids": ["l1"],
        }
    ],
    "notes": [
        {
            "id": "n1",
            "owner_id": "u1",
            "created_at": "2026-11-23T11:00:00Z",
            "contact_ids": ["c1"],
            "deal_ids": ["d1"],
            "lead_ids": ["l1"],
        }
    ],
    "sequences": [{"id": "s1", "name": "Outbound"}],
    "engagement_events": [
        {
            "id": "ev1",
            "contact_id": "c1",
            "kind": "email_click",
            "occurred_at": "2026-11-21T10:05:00Z",
        }
    ],
    "feedback": [
        {
            "user_id": "u1",
            "action_key": "email_replies:u1:c1",
            "verdict": "not_really",
            "at": "2026-11-22T10:00:00Z",
        }
    ],
    "dismissals": [
        {"user_id": "u1", "action_key": "email_replies:u1:c1", "until": "2026-12-01T00:00:00Z"},
        {"user_id": "u2", "action_key": "sequence_activity:u2:s1:1"},
    ],
    "snoozes": [
        {
            "user_id": "u1",
            "action_key": "log_call_outcomes:u1:all",
            "until": "2026-11-27T12:00:00Z",
            "subject_ids": ["k1", "deleted-call"],
        },
    ],
    "issued_actions": [
        {"key": "email_replies:u1:c1", "contact_ids": ["c1"], "company_ids": ["co1"]},
    ],
    "dashboards": [
        {"id": "db1", "name": "Sales", "access": ["team-east"], "view_access_confirmed": True},
        {"id": "db2", "access": "everyone"},
    ],
}

INSTANT_FIELDS = {
    "owner_assigned_at",
    "created_at",
    "stage_changed_at",
    "closed_at",
    "next_step_updated_at",
    "sent_at",
    "opened_at",
    "started_at",
    "ended_at",
    "start",
    "end",
    "due_at",
    "completed_at",
    "occurred_at",
    "at",
    "until",
}

T = "2026-11-20T09:00:00Z"


def doc(**lists: Any) -> dict[str, Any]:
    """A small valid document (users u1, u2; pipelines dp and lp; contact c1) plus ``lists``."""
    base: dict[str, Any] = {
        "schema": SCHEMA,
        "users": [
            {"id": "u1", "email": "rep@acme.test"},
            {"id": "u2", "email": "other@acme.test"},
        ],
        "pipelines": copy.deepcopy(FULL["pipelines"]),
        "contacts": [{"id": "c1", "created_at": T}],
    }
    base.update(lists)
    return base


def problems_of(data: object) -> tuple[Problem, ...]:
    with pytest.raises(InvalidSnapshotError) as info:
        Snapshot.from_dict(data)
    assert not isinstance(info.value, InvalidRecordError)
    return info.value.problems


def only_problem(data: object) -> Problem:
    problems = problems_of(data)
    assert len(problems) == 1, problems
    return problems[0]


def where(problem: Problem) -> tuple[str, str | None, str | None]:
    return (problem.kind, problem.record_id, problem.field)


class TestValidDocuments:
    def test_full_document_loads(self) -> None:
        """The document using every list and field loads into a snapshot holding each record."""
        snapshot = Snapshot.from_dict(FULL)
        for key in NAMES:
            assert len(snapshot.records(key)) == len(FULL[key]), key
        assert snapshot.lifecycle_stages == tuple(FULL["lifecycle_stages"])
        assert snapshot.custom_lifecycle_stages is True

    def test_empty_document(self) -> None:
        """A document with only the schema is an empty snapshot."""
        snapshot = Snapshot.from_dict({"schema": SCHEMA})
        assert all(snapshot.records(key) == () for key in NAMES)
        assert snapshot.custom_lifecycle_stages is False
        assert snapshot.lifecycle_stages[-2:] == ("customer", "evangelist")

    def test_any_mapping_is_accepted(self) -> None:
        """A read-only mapping loads like a dict."""
        snapshot = Snapshot.from_dict(MappingProxyType(doc()))
        assert snapshot.contact("c1") is not None

    def test_instants_are_stored_in_utc(self) -> None:
        """An instant with an offset is loaded as the same instant in UTC."""
        snapshot = Snapshot.from_dict(FULL)
        contact = snapshot.contact("c1")
        assert contact is not None
        assert contact.owner_assigned_at == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
        assert contact.owner_assigned_at.utcoffset() == timedelta(0)

    @pytest.mark.parametrize(
        ("key", "record", "field", "default"),
        [
            ("users", {"id": "u9", "email": "x@acme.test", "timezone": None}, "timezone", "UTC"),
            (
                "users",
                {"id": "u9", "email": "x@acme.test", "super_admin": None},
                "super_admin",
                False,
            ),
            ("users", {"id": "u9", "email": "x@acme.test", "team_ids": None}, "team_ids", ()),
            ("companies", {"id": "co9", "target_account": None}, "target_account", False),
            ("companies", {"id": "co9", "owner_id": None}, "owner_id", None),
            ("contacts", {"id": "c9", "created_at": T, "email": None}, "email", None),
            ("contacts", {"id": "c9", "created_at": T, "company_ids": None}, "company_ids", ()),
            (
                "tasks",
                {"id": "t9", "owner_id": "u1", "created_at": T, "priority": None},
                "priority",
                "none",
            ),
            (
                "tasks",
                {"id": "t9", "owner_id": "u1", "created_at": T, "status": None},
                "status",
                "not_started",
            ),
            (
                "calls",
                {"id": "k9", "owner_id": "u1", "started_at": T, "builtin_calling": None},
                "builtin_calling",
                False,
            ),
            (
                "calls",
                {"id": "k9", "owner_id": "u1", "started_at": T, "status": None},
                "status",
                None,
            ),
            (
                "dismissals",
                {"user_id": "u1", "action_key": "k", "until": None},
                "until",
                None,
            ),
            (
                "dashboards",
                {"id": "db9", "access": "everyone", "view_access_confirmed": None},
                "view_access_confirmed",
                False,
            ),
        ],
    )
    def test_null_optional_field_means_default(
        self, key: str, record: dict[str, Any], field: str, default: object
    ) -> None:
        """null for an optional field gives the field's default."""
        data = doc()
        data[key] = [*data.get(key, []), record]
        loaded = Snapshot.from_dict(data).records(key)[-1]
        assert getattr(loaded, field) == default

    def test_null_stage_flags_mean_false(self) -> None:
        """null ``closed`` / ``won`` of a stage mean false."""
        data = doc(
            pipelines=[
                {"id": "p", "object": "deal", "stages": [{"id": "a", "closed": None, "won": None}]}
            ]
        )
        pipeline = Snapshot.from_dict(data).pipeline("p")
        assert pipeline is not None
        assert (pipeline.stages[0].closed, pipeline.stages[0].won) == (False, False)

    @pytest.mark.parametrize("key", ["contacts", "lifecycle_stages", "dashboards"])
    def test_null_list_means_empty_or_default(self, key: str) -> None:
        """A top-level list given as null is the same as leaving it out."""
        data = doc(**{key: None})
        snapshot = Snapshot.from_dict(data)
        if key == "lifecycle_stages":
            assert snapshot.custom_lifecycle_stages is False
        else:
            assert snapshot.records(key) == ()

    def test_issued_actions_may_name_deleted_records(self) -> None:
        """issued_actions' contact_ids and company_ids need not exist any more."""
        data = doc(issued_actions=[{"key": "k1", "contact_ids": ["gone"], "company_ids": ["co-x"]}])
        issued = Snapshot.from_dict(data).issued_action("k1")
        assert issued is not None
        assert (issued.contact_ids, issued.company_ids) == (("gone",), ("co-x",))

    def test_team_ids_and_access_are_not_references(self) -> None:
        """team_ids and dashboard access name the CRM's teams, which the snapshot does not hold."""
        data = doc(
            users=[{"id": "u1", "email": "rep@acme.test", "team_ids": ["no-such-team"]}],
            dashboards=[{"id": "db1", "access": ["other-team"], "view_access_confirmed": True}],
        )
        snapshot = Snapshot.from_dict(data)
        user = snapshot.user("u1")
        assert user is not None
        assert user.team_ids == ("no-such-team",)
        assert snapshot.dashboards[0].access == ("other-team",)

    def test_contact_lifecycle_stage_in_custom_list(self) -> None:
        """A custom lifecycle list allows its own stages and only those."""
        data = doc(lifecycle_stages=["cold", "warm"])
        data["contacts"][0]["lifecycle_stage"] = "warm"
        contact = Snapshot.from_dict(data).contact("c1")
        assert contact is not None
        assert contact.lifecycle_stage == "warm"


class TestDocumentShape:
    @pytest.mark.parametrize("data", [[], "{}", None, 42, [{"schema": SCHEMA}]])
    def test_top_level_not_an_object(self, data: object) -> None:
        """A top level that is not an object is one problem about the snapshot."""
        problem = only_problem(data)
        assert where(problem) == ("snapshot", None, None)
        assert problem.value == data
        assert "expected a JSON object" in problem.message

    def test_missing_schema(self) -> None:
        """A document without schema is rejected, naming the expected schema."""
        problem = only_problem({"users": []})
        assert where(problem) == ("snapshot", None, "schema")
        assert "missing required field" in problem.message
        assert SCHEMA in problem.message

    @pytest.mark.parametrize("schema", ["guided-actions/2", "guided-actions", "", 1, None])
    def test_unsupported_schema(self, schema: object) -> None:
        """Any schema other than guided-actions/1 is unsupported, and the value is shown."""
        problem = only_problem({"schema": schema})
        assert where(problem) == ("snapshot", None, "schema")
        assert problem.value == schema
        assert "unsupported schema" in problem.message

    def test_unknown_top_level_key(self) -> None:
        """An unknown top-level key is named."""
        problem = only_problem(doc(contact=[]))
        assert where(problem) == ("snapshot", None, "contact")
        assert "unknown top-level key" in problem.message

    @pytest.mark.parametrize("value", [{"id": "c1"}, "c1", 3, True])
    def test_list_that_is_not_a_list(self, value: object) -> None:
        """A record list given as something else is reported under its key."""
        problem = only_problem(doc(contacts=value))
        assert where(problem) == ("snapshot", None, "contacts")
        assert problem.value == value
        assert "expected a list" in problem.message

    @pytest.mark.parametrize("value", ["c1", 3, None, ["c1"]])
    def test_record_that_is_not_an_object(self, value: object) -> None:
        """A record that is not an object is named by its position."""
        data = doc()
        data["contacts"].append(value)
        problem = only_problem(data)
        assert where(problem) == ("contacts", "#1", None)
        assert "expected a JSON object" in problem.message


class TestFieldProblems:
    def test_missing_required_field(self) -> None:
        """A required field left out is named, with the record's id."""
        problem = only_problem(doc(contacts=[{"id": "c1"}]))
        assert where(problem) == ("contacts", "c1", "created_at")
        assert "missing required field" in problem.message

    def test_required_field_null_is_missing(self) -> None:
        """A required field given as null is missing too."""
        problem = only_problem(doc(contacts=[{"id": "c1", "created_at": None}]))
        assert where(problem) == ("contacts", "c1", "created_at")
        assert "missing required field" in problem.message

    def test_missing_id_names_the_position(self) -> None:
        """A record without its id is named by its position in the list."""
        data = doc()
        data["contacts"].append({"created_at": T})
        problem = only_problem(data)
        assert where(problem) == ("contacts", "#1", "id")
        assert "missing required field" in problem.message

    def test_unknown_field(self) -> None:
        """An unknown field is named with its value."""
        data = doc()
        data["contacts"][0]["phone"] = "+33 1 23"
        problem = only_problem(data)
        assert where(problem) == ("contacts", "c1", "phone")
        assert problem.value == "+33 1 23"
        assert "unknown field" in problem.message

    @pytest.mark.parametrize(
        ("key", "record", "field", "gist"),
        [
            (
                "users",
                {"id": "u9", "email": "x@a.test", "super_admin": "true"},
                "super_admin",
                "expected a boolean",
            ),
            (
                "users",
                {"id": "u9", "email": "x@a.test", "super_admin": 1},
                "super_admin",
                "expected a boolean",
            ),
            ("users", {"id": "u9", "email": 9}, "email", "expected a string"),
            (
                "users",
                {"id": "u9", "email": "x@a.test", "team_ids": "team"},
                "team_ids",
                "expected a list",
            ),
            (
                "users",
                {"id": "u9", "email": "x@a.test", "team_ids": [1]},
                "team_ids",
                "expected a string",
            ),
            (
                "tasks",
                {"id": "t9", "owner_id": "u1", "created_at": T, "sequence_step": 2.0},
                "sequence_step",
                "expected an integer",
            ),
            (
                "tasks",
                {"id": "t9", "owner_id": "u1", "created_at": T, "sequence_step": True},
                "sequence_step",
                "expected an integer",
            ),
            (
                "tasks",
                {"id": "t9", "owner_id": "u1", "created_at": T, "sequence_step": "2"},
                "sequence_step",
                "expected an integer",
            ),
            (
                "contacts",
                {"id": "c9", "created_at": T, "company_ids": "co1"},
                "company_ids",
                "expected a list",
            ),
            (
                "contacts",
                {"id": "c9", "created_at": T, "company_ids": {"0": "co1"}},
                "company_ids",
                "expected a list",
            ),
            (
                "companies",
                {"id": "co9", "target_account": "no"},
                "target_account",
                "expected a boolean",
            ),
            ("sequences", {"id": "s9", "name": ["Outbound"]}, "name", "expected a string"),
            ("dashboards", {"id": "db9", "access": 3}, "access", "'everyone'"),
            ("dashboards", {"id": "db9", "access": {"team": 1}}, "access", "'everyone'"),
        ],
    )
    def test_wrong_type(self, key: str, record: dict[str, Any], field: str, gist: str) -> None:
        """A value of the wrong JSON type is named with the field and the value."""
        data = doc()
        data[key] = [*data.get(key, []), record]
        problem = only_problem(data)
        assert where(problem) == (key, record.get("id"), field)
        assert gist in problem.message
        assert problem.value == record[field]  # as the document wrote it

    @pytest.mark.parametrize("text", ["2026-11-20T09:00:00", "2026-11-20", "2026-11-20T09:00"])
    def test_naive_instant(self, text: str) -> None:
        """An instant without offset is rejected, suggesting one."""
        problem = only_problem(doc(contacts=[{"id": "c1", "created_at": text}]))
        assert where(problem) == ("contacts", "c1", "created_at")
        assert problem.value == text
        assert "naive instant" in problem.message

    @pytest.mark.parametrize(
        "text", ["yesterday", "", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z", "20-11-2026Z"]
    )
    def test_malformed_instant(self, text: str) -> None:
        """A string that is not ISO-8601 is rejected with its value."""
        problem = only_problem(doc(contacts=[{"id": "c1", "created_at": text}]))
        assert where(problem) == ("contacts", "c1", "created_at")
        assert problem.value == text
        assert "not an ISO-8601 instant" in problem.message

    @pytest.mark.parametrize("value", [1764158400, 1.5, True, ["2026-11-20T09:00:00Z"], {}])
    def test_non_string_instant(self, value: object) -> None:
        """An instant given as a number, boolean, list or object is rejected."""
        problem = only_problem(
            doc(meetings=[{"id": "m1", "owner_id": "u1", "start": T, "end": value}])
        )
        assert where(problem) == ("meetings", "m1", "end")
        assert problem.value == value
        assert "ISO-8601 instant string" in problem.message

    @pytest.mark.parametrize(
        ("key", "record", "field"),
        [
            (
                "emails",
                {"id": "e9", "owner_id": "u1", "direction": "out", "sent_at": T},
                "direction",
            ),
            ("calls", {"id": "k9", "owner_id": "u1", "started_at": T, "status": "done"}, "status"),
            (
                "tasks",
                {"id": "t9", "owner_id": "u1", "created_at": T, "priority": "High"},
                "priority",
            ),
            ("tasks", {"id": "t9", "owner_id": "u1", "created_at": T, "status": "open"}, "status"),
            (
                "engagement_events",
                {"id": "ev9", "contact_id": "c1", "kind": "tweet", "occurred_at": T},
                "kind",
            ),
            ("pipelines", {"id": "p9", "object": "ticket", "stages": [{"id": "a"}]}, "object"),
            ("dashboards", {"id": "db9", "access": "nobody"}, "access"),
        ],
    )
    def test_unknown_enum_value(self, key: str, record: dict[str, Any], field: str) -> None:
        """A value outside an enumeration is named, and the allowed values are listed."""
        data = doc()
        data[key] = [*data.get(key, []), record]
        problem = only_problem(data)
        assert where(problem) == (key, record["id"], field)
        assert problem.value == record[field]
        assert "one of" in problem.message

    def test_feedback_verdict_names_position(self) -> None:
        """Feedback has no id, so a bad verdict is named by the record's position."""
        feedback = [
            {"user_id": "u1", "action_key": "k", "verdict": "yes", "at": T},
            {"user_id": "u1", "action_key": "k", "verdict": "no", "at": T},
        ]
        problem = only_problem(doc(feedback=feedback))
        assert where(problem) == ("feedback", "#1", "verdict")
        assert "one of 'yes', 'not_really'" in problem.message

    @pytest.mark.parametrize(
        ("key", "record", "field", "gist"),
        [
            (
                "users",
                {"id": "u9", "email": "x@a.test", "timezone": "Mars/Base"},
                "timezone",
                "time zone",
            ),
            (
                "tasks",
                {"id": "t9", "owner_id": "u1", "created_at": T, "sequence_step": 0},
                "sequence_step",
                "at least 1",
            ),
            (
                "meetings",
                {"id": "m9", "owner_id": "u1", "start": T, "end": "2026-11-20T08:59:59Z"},
                "end",
                "cannot end before it starts",
            ),
            (
                "calls",
                {
                    "id": "k9",
                    "owner_id": "u1",
                    "started_at": T,
                    "ended_at": "2026-11-20T10:00:00+02:00",
                },
                "ended_at",
                "cannot end before it starts",
            ),
            ("issued_actions", {"key": "k", "contact_ids": [""]}, "contact_ids", "non-empty"),
        ],
    )
    def test_record_rule_broken(
        self, key: str, record: dict[str, Any], field: str, gist: str
    ) -> None:
        """A record whose fields have the right types but break a record rule is rejected."""
        data = doc()
        data[key] = [*data.get(key, []), record]
        problem = only_problem(data)
        assert where(problem) == (key, record.get("id", record.get("key")), field)
        assert gist in problem.message
        if gist != "non-empty":
            assert problem.value == record[field]  # as the document wrote it

    def test_empty_id_names_the_position(self) -> None:
        """An empty id is rejected, the record named by its position."""
        data = doc()
        data["contacts"].append({"id": "", "created_at": T})
        problem = only_problem(data)
        assert where(problem) == ("contacts", "#1", "id")
        assert "non-empty" in problem.message


class TestDuplicates:
    def test_duplicate_id(self) -> None:
        """A second record with the same id is reported once."""
        data = doc()
        data["contacts"].append({"id": "c1", "created_at": T})
        problem = only_problem(data)
        assert where(problem) == ("contacts", "c1", "id")
        assert "duplicate id" in problem.message

    def test_duplicate_whose_second_copy_is_invalid(self) -> None:
        """A duplicate that is also invalid gets both the duplicate and its own problem."""
        data = doc()
        data["contacts"].append({"id": "c1", "created_at": "not a date"})
        problems = problems_of(data)
        assert sorted((where(p), p.message[:9]) for p in problems) == [
            (("contacts", "c1", "created_at"), "not an IS"),
            (("contacts", "c1", "id"), "duplicate"),
        ]

    def test_same_id_in_different_lists_is_fine(self) -> None:
        """Ids are unique within their kind only."""
        data = doc(companies=[{"id": "c1"}])
        snapshot = Snapshot.from_dict(data)
        assert snapshot.company("c1") is not None
        assert snapshot.contact("c1") is not None

    def test_duplicate_issued_action_key(self) -> None:
        """issued_actions are unique by key."""
        problem = only_problem(doc(issued_actions=[{"key": "k"}, {"key": "k"}]))
        assert where(problem) == ("issued_actions", "k", "key")
        assert "duplicate key" in problem.message

    def test_duplicate_pipeline_stage(self) -> None:
        """Two stages with one id in a pipeline are named by the second stage's position."""
        stages = [{"id": "a"}, {"id": "b"}, {"id": "a"}]
        problem = only_problem(doc(pipelines=[{"id": "p", "object": "deal", "stages": stages}]))
        assert where(problem) == ("pipelines", "p", "stages[2].id")
        assert problem.value == "a"
        assert "duplicate stage id" in problem.message


def _ghost(record: dict[str, Any], field: str) -> None:
    record[field] = ["ghost"] if field.endswith("_ids") else "ghost"


REFERENCE_CASES = [
    (kind.name, field, target) for kind in KINDS for field, target in kind.references.items()
]


class TestReferences:
    @pytest.mark.parametrize(
        ("key", "field", "target"),
        REFERENCE_CASES,
        ids=[f"{k}.{f}" for k, f, _t in REFERENCE_CASES],
    )
    def test_dangling_reference(self, key: str, field: str, target: str) -> None:
        """A reference to an id that does not exist names the record, field, id and target list."""
        data = copy.deepcopy(FULL)
        index = next(i for i, r in enumerate(data[key]) if field in r)
        _ghost(data[key][index], field)
        problem = only_problem(data)
        record_id = data[key][index].get("id", f"#{index}")
        assert where(problem) == (key, record_id, field)
        assert problem.value == "ghost"
        assert problem.message == f"no {target} record has this id"

    def test_reference_to_an_invalid_record_is_not_dangling(self) -> None:
        """A record that exists but is invalid is reported once; references to it are fine."""
        data = doc()
        data["contacts"][0]["created_at"] = "2026-11-20T09:00:00"
        data["notes"] = [{"id": "n1", "owner_id": "u1", "created_at": T, "contact_ids": ["c1"]}]
        problem = only_problem(data)
        assert where(problem) == ("contacts", "c1", "created_at")

    def test_unknown_pipeline_stage(self) -> None:
        """A deal's stage must belong to its pipeline; the problem lists the pipeline's stages."""
        deal = {"id": "d1", "pipeline_id": "dp", "stage_id": "dq", "created_at": T}
        problem = only_problem(doc(deals=[deal]))
        assert where(problem) == ("deals", "d1", "stage_id")
        assert problem.value == "dq"
        assert "unknown stage of pipeline 'dp'" in problem.message
        assert "new, won, lost" in problem.message

    def test_lead_in_a_deal_pipeline(self) -> None:
        """A lead's pipeline must be a lead pipeline."""
        lead = {
            "id": "l1",
            "contact_id": "c1",
            "pipeline_id": "dp",
            "stage_id": "new",
            "created_at": T,
        }
        problem = only_problem(doc(leads=[lead]))
        assert where(problem) == ("leads", "l1", "pipeline_id")
        assert problem.value == "dp"
        assert "not a lead pipeline" in problem.message

    def test_deal_in_a_lead_pipeline(self) -> None:
        """A deal's pipeline must be a deal pipeline."""
        deal = {"id": "d1", "pipeline_id": "lp", "stage_id": "new", "created_at": T}
        problem = only_problem(doc(deals=[deal]))
        assert where(problem) == ("deals", "d1", "pipeline_id")
        assert "not a deal pipeline" in problem.message

    @pytest.mark.parametrize(
        ("stages", "stage", "valid"),
        [
            (None, "customer", True),
            (None, "evangelist", True),
            (None, "Customer", False),
            (None, "warm", False),
            (["cold", "warm"], "warm", True),
            (["cold", "warm"], "customer", False),
        ],
    )
    def test_contact_lifecycle_stage(
        self, stages: list[str] | None, stage: str, valid: bool
    ) -> None:
        """A contact's lifecycle_stage must be in the default or the custom list."""
        data = doc(lifecycle_stages=stages)
        data["contacts"][0]["lifecycle_stage"] = stage
        if valid:
            contact = Snapshot.from_dict(data).contact("c1")
            assert contact is not None
            assert contact.lifecycle_stage == stage
        else:
            problem = only_problem(data)
            assert where(problem) == ("contacts", "c1", "lifecycle_stage")
            assert problem.value == stage
            assert "not one of the lifecycle stages" in problem.message

    @pytest.mark.parametrize(
        ("stages", "gist"),
        [
            ([], "non-empty list"),
            ("subscriber,lead", "non-empty list"),
            ({"lead": 1}, "non-empty list"),
            (["lead", "lead"], "unique"),
            (["lead", ""], "non-empty strings"),
            (["lead", 3], "non-empty strings"),
        ],
    )
    def test_bad_lifecycle_stages(self, stages: object, gist: str) -> None:
        """A bad lifecycle_stages list is reported on the snapshot."""
        problem = only_problem(doc(lifecycle_stages=stages))
        assert where(problem) == ("snapshot", None, "lifecycle_stages")
        assert gist in problem.message

    def test_bad_lifecycle_stages_do_not_hide_other_problems(self) -> None:
        """With a bad lifecycle list, dangling references are still reported."""
        data = doc(lifecycle_stages=[])
        data["contacts"][0]["owner_id"] = "ghost"
        data["contacts"][0]["lifecycle_stage"] = "warm"
        problems = problems_of(data)
        assert sorted(where(p) for p in problems) == [
            ("contacts", "c1", "owner_id"),
            ("snapshot", None, "lifecycle_stages"),
        ]


class TestPipelines:
    def _pipeline_problem(self, stages: object) -> Problem:
        return only_problem(doc(pipelines=[{"id": "p", "object": "deal", "stages": stages}]))

    def test_no_stages(self) -> None:
        """A pipeline needs at least one stage."""
        problem = self._pipeline_problem([])
        assert where(problem) == ("pipelines", "p", "stages")
        assert problem.value == []
        assert "needs a stage" in problem.message

    def test_stages_not_a_list(self) -> None:
        """stages must be a list of objects."""
        problem = self._pipeline_problem({"id": "a"})
        assert where(problem) == ("pipelines", "p", "stages")
        assert "expected a list" in problem.message

    def test_missing_stages(self) -> None:
        """stages is required."""
        problem = only_problem(doc(pipelines=[{"id": "p", "object": "deal"}]))
        assert where(problem) == ("pipelines", "p", "stages")
        assert "missing required field" in problem.message

    @pytest.mark.parametrize(
        ("stage", "field", "gist"),
        [
            ({"id": "b", "closed": "yes"}, "stages[1].closed", "expected a boolean"),
            ({"id": "b", "won": True}, "stages[1].won", "must also be closed"),
            ({"id": "b", "label": 7}, "stages[1].label", "expected a string"),
            ({"label": "B"}, "stages[1].id", "missing required field"),
            ({"id": ""}, "stages[1].id", "non-empty"),
            ({"id": "b", "colour": "red"}, "stages[1].colour", "unknown field"),
            ("b", "stages[1]", "expected a JSON object"),
        ],
    )
    def test_bad_stage(self, stage: object, field: str, gist: str) -> None:
        """A bad stage is named by its position in the pipeline's stages."""
        problem = self._pipeline_problem([{"id": "a"}, stage])
        assert where(problem) == ("pipelines", "p", field)
        assert gist in problem.message

    def test_every_bad_stage_reported(self) -> None:
        """Problems in several stages of one pipeline are all reported."""
        stages = [{"id": "a", "closed": 1}, {"id": "b"}, {"id": "c", "won": "yes"}]
        problems = problems_of(doc(pipelines=[{"id": "p", "object": "deal", "stages": stages}]))
        assert sorted(p.field or "" for p in problems) == ["stages[0].closed", "stages[2].won"]

    def test_deal_in_an_invalid_pipeline_is_not_dangling(self) -> None:
        """A deal in a pipeline that failed validation is not reported again."""
        data = doc(
            pipelines=[{"id": "dp", "object": "deal", "stages": [{"id": "new"}, {"id": "new"}]}],
            deals=[{"id": "d1", "pipeline_id": "dp", "stage_id": "new", "created_at": T}],
        )
        problem = only_problem(data)
        assert where(problem) == ("pipelines", "dp", "stages[1].id")


class TestManyProblems:
    def _bad_document(self) -> dict[str, Any]:
        data = doc()
        data["schema"] = "guided-actions/0"
        data["colour"] = "blue"
        data["users"].append({"id": "u1", "email": "again@acme.test"})
        data["contacts"].append({"id": "c2"})
        data["deals"] = [{"id": "d1", "pipeline_id": "dp", "stage_id": "nope", "created_at": T}]
        data["emails"] = [
            {"id": "e1", "owner_id": "u1", "direction": "outbound", "sent_at": "2026-11-20T09:00"}
        ]
        data["tasks"] = [{"id": "t1", "owner_id": "ghost", "created_at": T, "priority": "urgent"}]
        data["calls"] = "none"
        return data

    def test_all_problems_reported_together(self) -> None:
        """Problems in different lists are all reported in one error."""
        problems = problems_of(self._bad_document())
        assert sorted(where(p) for p in problems) == [
            ("contacts", "c2", "created_at"),
            ("deals", "d1", "stage_id"),
            ("emails", "e1", "sent_at"),
            ("snapshot", None, "calls"),
            ("snapshot", None, "colour"),
            ("snapshot", None, "schema"),
            ("tasks", "t1", "priority"),
            ("users", "u1", "id"),
        ]

    def test_str_lists_every_problem(self) -> None:
        """str() of the error counts the problems and gives one line to each."""
        with pytest.raises(InvalidSnapshotError) as info:
            Snapshot.from_dict(self._bad_document())
        lines = str(info.value).splitlines()
        assert lines[0] == "invalid snapshot: 8 problems"
        assert len(lines) == 9
        assert all(line.startswith("  - ") for line in lines[1:])
        text = "\n".join(lines)
        for fragment in (
            "contacts 'c2', field 'created_at'",
            "deals 'd1', field 'stage_id'",
            "emails 'e1', field 'sent_at'",
            "'2026-11-20T09:00'",
            "tasks 't1', field 'priority'",
            "'urgent'",
            "users 'u1', field 'id'",
            "snapshot, field 'colour'",
        ):
            assert fragment in text

    def test_error_is_a_value_error(self) -> None:
        """The loader's error can be caught as a ValueError."""
        with pytest.raises(ValueError, match="invalid snapshot"):
            Snapshot.from_dict(self._bad_document())


class TestNoMutation:
    def test_valid_input_not_mutated(self) -> None:
        """Loading leaves the input document exactly as it was."""
        data = copy.deepcopy(FULL)
        Snapshot.from_dict(data)
        assert data == FULL

    def test_invalid_input_not_mutated(self) -> None:
        """A failed load leaves the input document exactly as it was."""
        data = TestManyProblems()._bad_document()
        before = copy.deepcopy(data)
        with pytest.raises(InvalidSnapshotError):
            Snapshot.from_dict(data)
        assert data == before

    def test_snapshot_does_not_share_input_lists(self) -> None:
        """Changing the input after loading does not change the snapshot."""
        data = copy.deepcopy(FULL)
        snapshot = Snapshot.from_dict(data)
        data["deals"][0]["contact_ids"].append("c2")
        data["contacts"].clear()
        deal = snapshot.deal("d1")
        assert deal is not None
        assert deal.contact_ids == ("c1",)
        assert snapshot.contact("c1") is not None


class TestRoundTrip:
    def test_dump_then_load_is_a_fixed_point(self) -> None:
        """Loading a dumped snapshot and dumping it again gives the same document."""
        snapshot = Snapshot.from_dict(FULL)
        dumped = snapshot.to_dict()
        assert Snapshot.from_dict(dumped).to_dict() == dumped

    def test_dump_keeps_every_field(self) -> None:
        """The dump of the full document holds every list, record and field given."""
        dumped = Snapshot.from_dict(FULL).to_dict()
        assert set(dumped) == set(FULL)
        assert dumped["lifecycle_stages"] == FULL["lifecycle_stages"]
        for key in NAMES:
            assert len(dumped[key]) == len(FULL[key]), key
            for given, out in zip(FULL[key], dumped[key], strict=True):
                assert set(out) == set(given), (key, given)
                for field, value in given.items():
                    if field in INSTANT_FIELDS:
                        assert datetime.fromisoformat(out[field]) == datetime.fromisoformat(value)
                    elif field != "stages":
                        assert out[field] == value, (key, field)
        assert dumped["pipelines"][0]["stages"][1] == {
            "id": "won",
            "label": "Won",
            "closed": True,
            "won": True,
        }

    def test_dump_is_json_serialisable(self) -> None:
        """json.dumps of the dump works and reads back to the same document."""
        dumped = Snapshot.from_dict(FULL).to_dict()
        assert json.loads(json.dumps(dumped)) == dumped

    def test_instants_dumped_in_utc(self) -> None:
        """Every instant of the dump is in UTC with an explicit +00:00 offset."""
        dumped = Snapshot.from_dict(FULL).to_dict()
        instants = [
            value
            for key in NAMES
            for record in dumped.get(key, [])
            for field, value in record.items()
            if field in INSTANT_FIELDS
        ]
        assert len(instants) > 20
        assert all(value.endswith("+00:00") for value in instants)
        assert dumped["contacts"][0]["owner_assigned_at"] == "2026-11-01T08:00:00+00:00"
        assert dumped["leads"][0]["owner_assigned_at"] == "2026-11-02T13:00:00+00:00"

    def test_dump_leaves_out_defaults(self) -> None:
        """Fields at their default and empty lists are left out of the dump."""
        dumped = Snapshot.from_dict(doc()).to_dict()
        assert dumped["users"][0] == {"id": "u1", "email": "rep@acme.test"}
        assert dumped["contacts"] == [{"id": "c1", "created_at": "2026-11-20T09:00:00+00:00"}]
        assert "emails" not in dumped
        assert "lifecycle_stages" not in dumped

    def test_snapshot_equal_after_round_trip(self) -> None:
        """The records loaded from a dump equal the original records."""
        snapshot = Snapshot.from_dict(FULL)
        again = Snapshot.from_dict(snapshot.to_dict())
        for key in NAMES:
            assert again.records(key) == snapshot.records(key), key


class TestDecodeEncode:
    """The document module alone: records and problems out, no snapshot involved."""

    def test_schema(self) -> None:
        """The module's schema is the format's."""
        assert DOCUMENT_SCHEMA == SCHEMA

    def test_decode_valid_document(self) -> None:
        """Every list by name in interchange order, the records built, no problem."""
        decoded = decode(FULL)
        assert list(decoded.lists) == list(NAMES)
        assert all(len(decoded.lists[key]) == len(FULL[key]) for key in NAMES)
        assert all(isinstance(r, kind.cls) for kind in KINDS for r in decoded.lists[kind.name])
        assert decoded.problems == ()
        assert decoded.lifecycle_stages == FULL["lifecycle_stages"]
        assert decoded.lifecycle_stages is not FULL["lifecycle_stages"]  # a copy
        assert decoded.ids["emails"] == ("e2", "e1")  # in document order
        assert "feedback" not in decoded.ids
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            decoded.problems = ()  # type: ignore[misc]

    def test_decode_keeps_valid_records_and_collects_problems(self) -> None:
        """Invalid records are left out but their ids known; cross-record checks are not run."""
        data = doc(
            notes=[
                {"id": "n1", "owner_id": "ghost", "created_at": T},
                {"id": "n2", "owner_id": "u1", "created_at": "yesterday"},
                {"id": "n2", "owner_id": "u1", "created_at": T},
            ]
        )
        decoded = decode(data)
        assert [cast(Note, r).id for r in decoded.lists["notes"]] == ["n1", "n2"]
        assert all(isinstance(r, Note) for r in decoded.lists["notes"])
        assert decoded.ids["notes"] == ("n1", "n2", "n2")  # the invalid n2 too, repeats kept
        assert [(where(p), p.message[:9]) for p in decoded.problems] == [
            (("notes", "n2", "created_at"), "not an IS"),
        ]  # the duplicate n2 and the dangling owner_id of n1 are the snapshot's to find
        with pytest.raises(InvalidSnapshotError) as caught:
            Snapshot.from_dict(data)
        assert [(where(p), p.message[:9]) for p in caught.value.problems] == [
            (("notes", "n2", "created_at"), "not an IS"),
            (("notes", "n2", "id"), "duplicate"),
            (("notes", "n1", "owner_id"), "no users "),
        ]

    def test_decode_not_an_object(self) -> None:
        """A top level that is not an object: one problem, every list empty."""
        decoded = decode(["x"])
        assert [where(p) for p in decoded.problems] == [("snapshot", None, None)]
        assert all(decoded.lists[key] == () for key in NAMES)
        assert decoded.lifecycle_stages is None

    def test_decode_lifecycle_as_given(self) -> None:
        """lifecycle_stages is handed on as given, for the snapshot to judge."""
        assert decode(doc(lifecycle_stages="a,b")).lifecycle_stages == "a,b"
        assert decode(doc()).lifecycle_stages is None

    def test_encode_is_the_snapshot_dump(self) -> None:
        """encode(records) is to_dict() of the snapshot of those records."""
        decoded = decode(FULL)
        stages = decoded.lifecycle_stages
        assert isinstance(stages, list)
        assert encode(decoded.lists, stages) == Snapshot.from_dict(FULL).to_dict()
        assert encode({}) == {"schema": SCHEMA}

    def test_encode_leaves_out_defaults(self) -> None:
        """A record's defaults and nulls are left out; instants are written in UTC."""
        contact = Contact(id="c1", created_at=datetime(2026, 1, 1, 1, tzinfo=UTC))
        assert encode({"contacts": [contact]})["contacts"] == [
            {"id": "c1", "created_at": "2026-01-01T01:00:00+00:00"}
        ]

    def test_document_does_not_import_the_snapshot(self) -> None:
        """The document layer sits below the snapshot: it never imports it."""
        tree = ast.parse(Path(document.__file__).read_text(encoding="utf-8"))
        imported = {
            node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0
        } | {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
        assert not [m for m in imported if m.startswith("guided_actions._snapshot")]
        assert not [m for m in imported if m.startswith("guided_actions._adapters")]


#: A valid snooze of the document of ``doc()``.
SNOOZE: dict[str, Any] = {"user_id": "u1", "action_key": "k:1", "until": T}


class TestSnoozes:
    """The ``snoozes`` list: required fields, instants, and subject ids that are not references."""

    @pytest.mark.parametrize("field", ["user_id", "action_key", "until"])
    def test_required_fields(self, field: str) -> None:
        """user_id, action_key and until are required: each left out is named."""
        record = {k: v for k, v in SNOOZE.items() if k != field}
        problem = only_problem(doc(snoozes=[record]))
        assert (problem.kind, problem.field) == ("snoozes", field)
        assert "missing required field" in problem.message

    def test_null_until_is_missing(self) -> None:
        """until null is not "for good", as a dismissal's is: a snooze always ends."""
        problem = only_problem(doc(snoozes=[{**SNOOZE, "until": None}]))
        assert where(problem) == ("snoozes", "#0", "until")
        assert "missing required field" in problem.message

    def test_naive_until(self) -> None:
        """A naive until is rejected with its value."""
        problem = only_problem(doc(snoozes=[{**SNOOZE, "until": "2026-11-27T12:00:00"}]))
        assert where(problem) == ("snoozes", "#0", "until")
        assert problem.value == "2026-11-27T12:00:00"
        assert "naive instant" in problem.message

    def test_unknown_user(self) -> None:
        """user_id must be a user of the snapshot, as a dismissal's."""
        problem = only_problem(doc(snoozes=[{**SNOOZE, "user_id": "ghost"}]))
        assert where(problem) == ("snoozes", "#0", "user_id")
        assert problem.message == "no users record has this id"

    def test_subject_ids_may_name_deleted_records(self) -> None:
        """subject_ids are the card's members when it was snoozed: not checked against the
        snapshot, and kept as given through a round trip."""
        data = doc(snoozes=[{**SNOOZE, "subject_ids": ["gone", "c1"]}])
        snapshot = Snapshot.from_dict(data)
        (snooze,) = snapshot.snoozes_of("u1")
        assert snooze.subject_ids == ("gone", "c1")
        assert snooze.until == datetime.fromisoformat(T)
        assert Snapshot.from_dict(snapshot.to_dict()).to_dict() == snapshot.to_dict()
        assert snapshot.to_dict()["snoozes"] == [
            {"user_id": "u1", "action_key": "k:1", "until": "2026-11-20T09:00:00+00:00",
             "subject_ids": ["gone", "c1"]}
        ]  # fmt: skip

    def test_empty_subject_id(self) -> None:
        """An empty subject id is an empty id."""
        problem = only_problem(doc(snoozes=[{**SNOOZE, "subject_ids": ["c1", ""]}]))
        assert where(problem) == ("snoozes", "#0", "subject_ids")
        assert "non-empty" in problem.message

    def test_no_snoozes_is_no_key(self) -> None:
        """A document without snoozes (every document written before them) dumps without the
        key, and an empty list is the same as none."""
        assert "snoozes" not in Snapshot.from_dict(doc()).to_dict()
        assert Snapshot.from_dict(doc(snoozes=[])).to_dict() == Snapshot.from_dict(doc()).to_dict()

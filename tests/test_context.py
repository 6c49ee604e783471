"""``RuleContext`` and the helpers of ``guided_actions._rules.context`` (SPEC §3 and §4 terms)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from guided_actions import Snapshot
from guided_actions._rules.context import (
    RuleContext,
    activity_end,
    activity_happened_at,
    domain_of,
    email_is_from,
    email_is_to,
)
from guided_actions.testing import (
    NOW,
    at,
    build,
    call,
    contact,
    deal,
    email,
    meeting,
    note,
    task,
    user,
)

KINDS = frozenset({"email_open"})
PERSON = contact("c1", email="Ada@Client.test")


def ctx_of(snap: Snapshot, now: datetime = NOW, user_id: str = "u1") -> RuleContext:
    found = snap.user(user_id)
    assert found is not None
    return RuleContext(snapshot=snap, now=now, user=found, engagement_kinds=KINDS)


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
    def test_email_is_to(self, fields: dict[str, Any], expected: bool) -> None:
        """Outbound, and lists the contact or has its address in ``to`` or ``cc``."""
        assert email_is_to(email("e1", direction="outbound", **fields), PERSON) is expected

    def test_an_inbound_email_is_not_to_the_contact(self) -> None:
        """An inbound email is never to the contact, even listing it."""
        inbound = email("e1", direction="inbound", contact_ids=("c1",), to=("ada@client.test",))
        assert email_is_to(inbound, PERSON) is False

    def test_a_contact_without_address_is_reached_only_by_listing(self) -> None:
        """A contact without an email is never matched by address."""
        silent = contact("c2", email=None)
        assert email_is_to(email("e1", to=("ada@client.test",)), silent) is False
        assert email_is_to(email("e1", contact_ids=("c2",)), silent) is True


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
        ctx = ctx_of(build())
        assert activity_happened_at(activity) == ctx.happened_at(activity) == happened
        assert activity_end(activity) == ended
        assert ctx.ended_at(activity) == ended


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


class TestDescribe:
    @pytest.mark.parametrize(
        ("record", "expected"),
        [
            pytest.param(meeting("m1", title="Demo"), "meeting m1 'Demo'", id="meeting-titled"),
            pytest.param(meeting("m1"), "meeting m1", id="meeting-untitled"),
            pytest.param(contact("c1"), "contact c1 (c1@client.test)", id="contact"),
            pytest.param(contact("c1", email=None), "contact c1", id="contact-no-email"),
            pytest.param(task("t1", title="Call"), "task t1 'Call'", id="task-titled"),
            pytest.param(task("t1"), "task t1", id="task-untitled"),
            pytest.param(deal("d1"), "deal d1", id="other-kind"),
            pytest.param(object(), "object ?", id="no-id"),
        ],
    )
    def test_describe(self, record: object, expected: str) -> None:
        """A short label per record kind, as reasons show it."""
        assert ctx_of(build()).describe(record) == expected

    def test_private_meeting_is_busy(self) -> None:
        """With private meetings, a meeting shows only its id and "Busy"."""
        ctx = RuleContext(
            snapshot=build(),
            now=NOW,
            user=user("u1", "rep@acme.test"),
            engagement_kinds=KINDS,
            private_meetings=True,
        )
        assert ctx.describe(meeting("m1", title="Secret")) == "meeting m1 (Busy)"


class TestTime:
    def test_fmt_uses_the_users_zone(self) -> None:
        """Instants read in the user's own time zone, to the minute, with the offset."""
        snap = build(user("u1", "rep@acme.test", timezone="Asia/Kolkata"))
        assert ctx_of(snap).fmt(NOW) == "2026-11-26T17:30+05:30"

    def test_task_is_open(self) -> None:
        """Open unless completed by ``now``; a completion stamped after ``now`` has not happened."""
        ctx = ctx_of(build())
        assert ctx.task_is_open(task("t1", status="deferred")) is True
        done = task("t1", status="completed", completed_at=NOW)
        assert ctx.task_is_open(done) is False
        later = task("t1", status="completed", completed_at=NOW + timedelta(microseconds=1))
        assert ctx.task_is_open(later) is True


class TestMailbox:
    def test_mailbox_is_built_once_per_context(self) -> None:
        """The user's mailbox index is built on first use and then reused."""
        snap = build(PERSON, email("e1", to=("ada@client.test",)))
        ctx = ctx_of(snap)
        first = ctx.mailbox()
        assert ctx.mailbox() is first
        assert [e.id for e in ctx.emails_sent_to(PERSON)] == ["e1"]
        assert ctx.mailbox() is first

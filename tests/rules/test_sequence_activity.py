"""Truth table of ``sequence_activity`` (SPEC §5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from guided_actions import Action
from guided_actions._engine.evaluate import action_key
from guided_actions.errors import InvalidConfigError
from guided_actions.rules import SequenceActivity
from guided_actions.testing import (
    NOW,
    at,
    build,
    contact,
    run_rule,
    sequence,
    subjects_of,
    task,
)

CREATED = at(days=-1)
ONE_US = timedelta(microseconds=1)
SEQUENCES = (sequence("s1", "Outbound"), sequence("s2", "Renewals"))


def step_task(id: str = "t1", **fields: Any) -> Any:
    fields.setdefault("sequence_id", "s1")
    fields.setdefault("sequence_step", 1)
    fields.setdefault("created_at", CREATED)
    return task(id, **fields)


def run(*records: Any, now: datetime = NOW, **kwargs: Any) -> list[Action]:
    return run_rule(SequenceActivity, build(*SEQUENCES, *records), now, **kwargs)


def fires(*records: Any, now: datetime = NOW, **kwargs: Any) -> bool:
    return ("task", "t1") in subjects_of(run(*records, now=now, **kwargs))


class TestDeclaration:
    def test_declared_data_matches_the_table(self) -> None:
        """The rule declares SPEC §5's id, title, category, priority, subject kind, grouping."""
        rule = SequenceActivity
        assert (rule.id, rule.title, rule.category, rule.priority, rule.subject_kind) == (
            "sequence_activity",
            "Sequence activity",
            "prospecting",
            "normal",
            "task",
        )
        assert rule.grouped is True

    def test_no_time_limit_to_configure(self) -> None:
        """The rule has no time limit, hence no threshold to override."""
        assert SequenceActivity().thresholds() == {}
        with pytest.raises(InvalidConfigError):
            run(step_task(), lifetime=timedelta(days=10))


class TestFires:
    def test_smallest_snapshot(self) -> None:
        """An open task of yours in a sequence gives a card created with it, with no expiry."""
        actions = run(step_task())
        assert len(actions) == 1
        (action,) = actions
        assert action.rule == "sequence_activity"
        assert action.title == "Sequence activity"
        assert action.category == "prospecting"
        assert action.subjects == (("task", "t1"),)
        assert action.created_at == CREATED
        assert action.expires_at is None
        assert action.reasons

    def test_associations_come_from_the_task(self) -> None:
        """The card is associated with the task's contacts."""
        (action,) = run(contact("c1"), step_task(contact_ids=["c1"]))
        assert action.contact_ids == ("c1",)


class TestCriteria:
    @pytest.mark.parametrize(("owner_id", "expected"), [("u1", True), ("u2", False)])
    def test_owner(self, owner_id: str, expected: bool) -> None:
        """Only a task you own qualifies."""
        assert fires(step_task(owner_id=owner_id)) is expected

    def test_needs_a_sequence(self) -> None:
        """A task outside any sequence does not qualify."""
        assert fires(step_task(sequence_id=None, sequence_step=None)) is False

    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            ("not_started", True),
            ("in_progress", True),
            ("waiting", True),
            ("deferred", True),
            ("completed", False),
        ],
    )
    def test_open_statuses(self, status: str, expected: bool) -> None:
        """Every status but ``completed`` is open (``deferred`` included)."""
        completed_at = at(hours=-1) if status == "completed" else None
        assert fires(step_task(status=status, completed_at=completed_at)) is expected

    @pytest.mark.parametrize(
        ("completed_at", "expected"),
        [(None, False), (at(hours=-1), False), (NOW, False), (NOW + ONE_US, True)],
        ids=["no-stamp", "before-now", "at-now", "after-now"],
    )
    def test_completion_after_now_has_not_happened(
        self, completed_at: datetime | None, expected: bool
    ) -> None:
        """A task completed at a stamp after ``now`` is still open at ``now``."""
        t = step_task(status="completed", completed_at=completed_at)
        assert fires(t) is expected


class TestTime:
    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (CREATED - ONE_US, False),
            (CREATED, True),
            (CREATED + timedelta(days=3650), True),
        ],
        ids=["before-created", "at-created", "ten-years-later"],
    )
    def test_no_time_limit(self, now: datetime, expected: bool) -> None:
        """Active from the task's ``created_at`` on, with no time limit."""
        assert fires(step_task(), now=now) is expected

    def test_a_task_created_after_now_does_not_exist(self) -> None:
        """A task created after ``now`` does not exist yet."""
        assert fires(step_task(created_at=at(hours=1))) is False


class TestGrouping:
    RECORDS = (
        step_task("tb", created_at=at(days=-3)),
        step_task("t9", created_at=at(days=-1)),
        step_task("ta", created_at=at(days=-3)),
        step_task("tz", created_at=at(days=-7)),
        step_task("s1-2", sequence_step=2, created_at=at(days=-2)),
        step_task("s2-1", sequence_id="s2", created_at=at(days=-4)),
        step_task("s1-none", sequence_step=None, created_at=at(days=-5)),
    )

    def cards(self, *records: Any) -> dict[tuple[str, ...], Action]:
        return {tuple(rid for _kind, rid in a.subjects): a for a in run(*records)}

    def test_one_card_per_sequence_and_step(self) -> None:
        """Tasks of the same sequence and step share a card; other steps or sequences do not."""
        assert set(self.cards(*self.RECORDS)) == {
            ("tz", "ta", "tb", "t9"),
            ("s1-2",),
            ("s2-1",),
            ("s1-none",),
        }

    def test_card_order_and_window(self) -> None:
        """Subjects by created_at then id; earliest created_at; no expiry."""
        card = self.cards(*self.RECORDS)[("tz", "ta", "tb", "t9")]
        assert card.subjects == (("task", "tz"), ("task", "ta"), ("task", "tb"), ("task", "t9"))
        assert card.created_at == at(days=-7)
        assert card.expires_at is None
        assert card.reasons

    def test_card_keys(self) -> None:
        """A card keeps its key while members change; each sequence and step has its own key."""
        (alone,) = run(self.RECORDS[0])
        cards = self.cards(*self.RECORDS)
        assert cards[("tz", "ta", "tb", "t9")].key == alone.key
        assert len({c.key for c in cards.values()}) == 4
        assert all(c.key.startswith("sequence_activity:") for c in cards.values())

    def test_completed_members_leave_the_card(self) -> None:
        """A completed task leaves its card; the rest stay."""
        done = step_task("tz", created_at=at(days=-7), status="completed", completed_at=at(days=-1))
        (card,) = run(done, *self.RECORDS[:3])
        assert card.subjects == (("task", "ta"), ("task", "tb"), ("task", "t9"))
        assert card.created_at == at(days=-3)

    def test_ungrouped(self) -> None:
        """With grouping off, one action per task, each with its own created_at and no expiry."""
        actions = run(*self.RECORDS, grouped=False)
        by_subject = {a.subjects: (a.created_at, a.expires_at) for a in actions}
        assert by_subject == {
            (("task", "tb"),): (at(days=-3), None),
            (("task", "t9"),): (at(days=-1), None),
            (("task", "ta"),): (at(days=-3), None),
            (("task", "tz"),): (at(days=-7), None),
            (("task", "s1-2"),): (at(days=-2), None),
            (("task", "s2-1"),): (at(days=-4), None),
            (("task", "s1-none"),): (at(days=-5), None),
        }


class TestReasons:
    @pytest.mark.parametrize(
        ("fields", "sequence_reason"),
        [
            pytest.param({}, "sequence s1 (Outbound) (step: 1)", id="named-with-step"),
            pytest.param(
                {"sequence_step": None},
                "sequence s1 (Outbound) (no step)",
                id="named-without-step",
            ),
            pytest.param({"sequence_id": "s3"}, "sequence s3 (step: 1)", id="nameless"),
        ],
    )
    def test_reasons_name_each_criterion_and_its_data(
        self, fields: dict[str, Any], sequence_reason: str
    ) -> None:
        """The reasons name the task, its status and its sequence (its id when nameless)."""
        (action,) = run(sequence("s3", None), step_task(title="Email", **fields), grouped=False)
        assert action.reasons == (
            "task t1 'Email' is yours",
            "task t1 'Email' is open (status not_started)",
            f"task t1 'Email' is in {sequence_reason}",
        )

    def test_a_task_without_step_joins_the_none_card(self) -> None:
        """A sequence task without a step joins the card of group ``<sequence>/step-none``."""
        (action,) = run(step_task(sequence_step=None))
        assert action.key == action_key("sequence_activity", "u1", group="s1/step-none")

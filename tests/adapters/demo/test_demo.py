"""The demo snapshot shipped with the package (`demo.json`): valid, exported byte for byte, and a
showcase of every built-in rule."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from guided_actions import Snapshot, evaluate, summarize
from guided_actions._adapters.cli import main
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_document, demo_snapshot
from guided_actions.rules import BUILTIN_RULES

RULE_IDS = [cls.id for cls in BUILTIN_RULES]


@pytest.fixture(scope="module")
def result():
    return evaluate(demo_snapshot(), DEMO_NOW, DEMO_USER)


class TestDocument:
    def test_validates(self) -> None:
        """The document loads as a snapshot holding the demo rep and a super admin."""
        snapshot = Snapshot.from_dict(demo_document())
        rep = snapshot.user(DEMO_USER)
        assert rep is not None
        assert rep.timezone == "Europe/Paris"
        assert any(u.super_admin for u in snapshot.users())
        assert {u.timezone for u in snapshot.users()} >= {"Europe/Paris", "America/New_York"}

    def test_is_json_serialisable(self) -> None:
        """``json.dumps`` accepts the document and the JSON round trip loads the same snapshot."""
        text = json.dumps(demo_document())
        assert Snapshot.from_dict(json.loads(text)).to_dict() == demo_snapshot().to_dict()

    def test_is_built_afresh(self) -> None:
        """Each call returns a new document, so changing one leaves the next untouched."""
        first = demo_document()
        first["users"].clear()
        assert demo_document()["users"]

    def test_now_is_aware(self) -> None:
        """DEMO_NOW is a timezone-aware instant (the library rejects naive ones)."""
        assert DEMO_NOW.utcoffset() == timedelta(0)

    def test_nothing_is_stamped_after_now_by_accident(self) -> None:
        """Every record except meetings and due dates (the schedule ahead) exists at DEMO_NOW."""
        doc = demo_document()
        stamps = [
            (key, record["id"], field, record[field])
            for key in ("contacts", "leads", "deals", "emails", "calls", "notes", "tasks")
            for record in doc[key]
            for field in ("created_at", "sent_at", "started_at", "owner_assigned_at")
            if field in record
        ]
        assert stamps
        late = [s for s in stamps if datetime.fromisoformat(s[3]) > DEMO_NOW]
        assert late == []


@pytest.fixture(scope="module")
def packaged() -> bytes:
    """The bytes of ``demo.json`` as the installed package holds them."""
    return resources.files("guided_actions._adapters.demo").joinpath("demo.json").read_bytes()


class TestPackagedFile:
    def test_is_the_document(self, packaged: bytes) -> None:
        """``demo_document()`` is the packaged file, parsed."""
        assert json.loads(packaged.decode("utf-8")) == demo_document()

    def test_export_writes_exactly_the_file(self, packaged: bytes, tmp_path: Path, capsys) -> None:
        """``guided-actions demo --export FILE`` writes the packaged file, byte for byte."""
        target = tmp_path / "demo.json"
        assert main(["--no-plugins", "demo", "--export", str(target), "--format", "json"]) == 0
        capsys.readouterr()
        assert target.read_bytes() == packaged

    def test_is_stably_formatted(self, packaged: bytes) -> None:
        """UTF-8 JSON, 2-space indent, one final newline: dumping it again gives the same bytes."""
        text = packaged.decode("utf-8")
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"

    def test_lists_in_interchange_order(self) -> None:
        """The schema first, then the record lists in interchange order (that of ``to_dict``)."""
        assert list(demo_document()) == list(demo_snapshot().to_dict())


class TestEvaluation:
    def test_no_rule_fails(self, result) -> None:
        """Evaluating the demo rep at DEMO_NOW reports no rule error."""
        assert result.errors == ()

    def test_every_builtin_rule_fires(self, result) -> None:
        """The demo rep has at least one action of each of the 18 built-in rules."""
        assert sorted({a.rule for a in result}) == sorted(RULE_IDS)
        assert len(RULE_IDS) == 18

    @pytest.mark.parametrize("rule_id", RULE_IDS)
    def test_each_rule_is_active_at_now(self, result, rule_id: str) -> None:
        """Each rule's actions are inside their own window at DEMO_NOW and give a reason."""
        actions = [a for a in result if a.rule == rule_id]
        assert actions
        for action in actions:
            assert action.active_at(DEMO_NOW)
            assert action.reasons

    def test_every_category_is_shown(self, result) -> None:
        """The demo fills the deal, prospecting and general views."""
        assert {a.category for a in result} == {"deal", "prospecting", "general"}

    def test_grouped_cards_have_several_members(self, result) -> None:
        """The grouped rules show real cards: several calls, tasks and contacts in one action."""
        by_rule = {a.rule: a for a in result if a.grouped}
        for rule_id in ("log_call_outcomes", "priority_tasks_due_today", "newly_assigned_contacts"):
            assert len(by_rule[rule_id].subjects) >= 2, rule_id

    def test_other_users_evaluate_cleanly(self) -> None:
        """The colleague in New York and the super admin can be evaluated too."""
        snapshot = demo_snapshot()
        marcus = evaluate(snapshot, DEMO_NOW, "u-marcus")
        assert marcus.errors == ()
        assert all(a.user_id == "u-marcus" for a in marcus)
        assert len(marcus) > 0
        assert evaluate(snapshot, DEMO_NOW, "u-priya").errors == ()

    def test_is_deterministic(self, result) -> None:
        """Two evaluations of fresh demo snapshots give the same actions and keys."""
        again = evaluate(demo_snapshot(), DEMO_NOW, DEMO_USER)
        assert again.to_dicts() == result.to_dicts()


@pytest.fixture(scope="module")
def summary():
    return summarize(demo_snapshot(), DEMO_NOW, DEMO_USER)


class TestWorkspace:
    @pytest.mark.parametrize(
        "view", ["due_today", "overdue", "due_tomorrow", "meetings_today", "tasks_completed_today"]
    )
    def test_every_task_and_meeting_view_has_content(self, summary, view: str) -> None:
        """The demo rep's workspace shows tasks in each view, today's meetings and a done task."""
        assert getattr(summary, view)

    def test_a_sequence_card_has_two_steps(self, summary) -> None:
        """A sequence card lists open tasks in (at least) two steps."""
        assert any(len(card.steps) >= 2 for card in summary.sequences)

    def test_schedule_has_several_meetings_today(self, summary) -> None:
        """Two meetings today, with their titles (the rep is looking at her own workspace)."""
        titles = [entry["title"] for entry in summary.schedule]
        assert len(titles) >= 2
        assert all(titles)

    def test_feed_has_recent_activity_of_several_kinds(self, summary) -> None:
        """The feed holds emails, calls, meetings, a completed task and engagements."""
        assert {e.kind for e in summary.feed} == {
            "email",
            "call",
            "meeting",
            "task",
            "engagement_event",
        }

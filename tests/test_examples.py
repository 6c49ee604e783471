"""The examples under examples/ run and give what they promise."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from guided_actions import Snapshot

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2017, 6, 30, 17, 0, tzinfo=UTC)


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("maven_crm", ROOT / "examples" / "maven_crm.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def maven() -> ModuleType:
    return _load_example()


@pytest.fixture(scope="module")
def run(
    maven: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Counter[str]], dict[str, object]]:
    export = tmp_path_factory.mktemp("maven") / "maven.json"
    counts = maven.main(["--export", str(export)])
    return counts, json.loads(export.read_text(encoding="utf-8"))


def _expected_counts(document: dict[str, object]) -> dict[str, Counter[str]]:
    """The deal rules' counts worked out from the document alone, per SPEC §5's table."""
    expected: dict[str, Counter[str]] = {}
    deals = document["deals"]
    assert isinstance(deals, list)
    for deal in deals:
        created = datetime.fromisoformat(deal["created_at"])
        if deal["stage_id"] in ("won", "lost"):
            continue
        fires_at = created + timedelta(days=7)
        if fires_at <= NOW < fires_at + timedelta(days=7):
            counter = expected.setdefault(deal["owner_id"], Counter())
            counter["add_contact_to_deal"] += 1
            if deal["stage_id"] == "prospecting":
                counter["initial_outreach_needed"] += 1
    return expected


class TestMavenCrm:
    """examples/maven_crm.py over the public Maven CRM export."""

    def test_counts_per_agent_are_positive(
        self, run: tuple[dict[str, Counter[str]], dict[str, object]]
    ) -> None:
        """Every agent listed has at least one action of each rule it names, and both fire."""
        counts, _ = run
        assert counts
        assert all(n > 0 for by_rule in counts.values() for n in by_rule.values())
        fired = set().union(*(set(by_rule) for by_rule in counts.values()))
        assert fired == {"add_contact_to_deal", "initial_outreach_needed"}

    def test_counts_match_the_rule_table(
        self, run: tuple[dict[str, Counter[str]], dict[str, object]]
    ) -> None:
        """Per agent, the counts are those the rule table gives for the exported deals."""
        counts, document = run
        assert counts == _expected_counts(document)

    def test_export_loads(self, run: tuple[dict[str, Counter[str]], dict[str, object]]) -> None:
        """The exported document is a valid snapshot holding the whole export."""
        _, document = run
        snapshot = Snapshot.from_dict(document)
        assert len(snapshot.users()) == 35
        assert len(snapshot.records("companies")) == 85
        assert len(snapshot.records("deals")) == 8800

    def test_export_is_as_of_now(
        self, run: tuple[dict[str, Counter[str]], dict[str, object]]
    ) -> None:
        """No deal of the document is closed after now: it was still open then."""
        _, document = run
        deals = document["deals"]
        assert isinstance(deals, list)
        closed = [d for d in deals if "closed_at" in d]
        assert closed
        assert all(datetime.fromisoformat(d["closed_at"]) <= NOW for d in closed)
        assert all(d["stage_id"] in ("won", "lost") for d in closed)

    @pytest.mark.parametrize(
        ("row", "stage", "closed_at"),
        [
            ({"deal_stage": "Won", "engage_date": "2017-01-02", "close_date": "2017-03-01"},
             "won", "2017-03-01T00:00:00+00:00"),
            ({"deal_stage": "Lost", "engage_date": "2017-01-02", "close_date": "2017-06-30"},
             "lost", "2017-06-30T00:00:00+00:00"),
            ({"deal_stage": "Won", "engage_date": "2017-01-02", "close_date": "2017-07-01"},
             "engaging", None),
            ({"deal_stage": "Engaging", "engage_date": "2017-06-20", "close_date": ""},
             "engaging", None),
            ({"deal_stage": "Prospecting", "engage_date": "", "close_date": ""},
             "prospecting", None),
        ],
    )  # fmt: skip
    def test_deal_state_at_now(
        self, maven: ModuleType, row: dict[str, str], stage: str, closed_at: str | None
    ) -> None:
        """An opportunity closed after now is still engaging at now; one closed by now is closed."""
        full = {"opportunity_id": "o1", "sales_agent": "Ada Lovelace", "account": "", **row}
        deal = maven.deal_from(full, NOW, timedelta(days=10))
        assert deal["stage_id"] == stage
        assert deal.get("closed_at") == closed_at
        assert deal["owner_id"] == "ada-lovelace"

    def test_undated_prospecting_created_before_now(self, maven: ModuleType) -> None:
        """An undated Prospecting opportunity is assumed created --prospecting-age days ago."""
        row = {
            "opportunity_id": "o1",
            "sales_agent": "Ada Lovelace",
            "account": "Acme Corporation",
            "deal_stage": "Prospecting",
            "engage_date": "",
            "close_date": "",
        }
        deal = maven.deal_from(row, NOW, timedelta(days=10))
        assert deal["created_at"] == "2017-06-20T17:00:00+00:00"
        assert deal["company_ids"] == ["acme-corporation"]

    def test_users_by_office(self, maven: ModuleType) -> None:
        """Agents get an email derived from their name and their office's time zone."""
        users = maven.users_from(
            [{"sales_agent": "Versie Hillebrand", "manager": "M", "regional_office": "West"}]
        )
        assert users == [
            {
                "id": "versie-hillebrand",
                "email": "versie.hillebrand@maven-crm.example",
                "timezone": "America/Los_Angeles",
                "team_ids": ["west"],
            }
        ]


# -- examples/live-crm: a live loop over SQLite ---------------------------------------------------


def _load_live() -> ModuleType:
    path = ROOT / "examples" / "live-crm" / "live_crm.py"
    spec = importlib.util.spec_from_file_location("live_crm", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def live() -> ModuleType:
    return _load_live()


def test_the_live_example_runs_and_checks_itself(live: ModuleType, tmp_path: Path) -> None:
    """The example ends by comparing its stored keys with a fresh evaluation (it raises
    ``SystemExit`` when they differ); every kind of event and reason it sets out to show occurs."""
    counts = live.main(["--db", str(tmp_path / "live.sqlite"), "--days", "3"])
    assert counts["types"]["created"] > 0
    assert counts["types"]["expired"] > 0
    assert {"criterion", "dismissed", "time_limit"} <= set(counts["reasons"])
    # Only the reps a change concerns are evaluated for it: fewer than every rep per change.
    assert 0 < counts["evaluated"]["by changes"] < 4 * 2
    assert counts["evaluated"]["by wake-ups"] > 0


def test_the_live_loop_stores_what_replay_gives(live: ModuleType) -> None:
    """Differential: the events the loop stores for each rep (changes applied as they come,
    wake-ups at ``next_change_at``) are the events ``replay`` yields for that rep over the same
    period with the same timed changes, id for id; and a change handled twice stores nothing new."""
    import sqlite3

    from guided_actions import replay
    from guided_actions.synthetic import generate

    start = live.START
    end = start + timedelta(days=2)
    snapshot = Snapshot.from_dict(generate(users=3, contacts_per_user=12, seed=7, now=start))
    db = sqlite3.connect(":memory:")
    loop = live.LiveActions(db, snapshot, start)
    timed = live.webhook_changes(snapshot, loop.results)
    assert len(timed) == 2
    for at, change in timed:
        loop.handle(change, at)
    loop.advance(end)
    stored: dict[str, set[str]] = {}
    for user_id, event_id in db.execute("SELECT user_id, id FROM events"):
        stored.setdefault(user_id, set()).add(event_id)
    replayed = {
        u.id: {e.to_cloudevent()["id"] for e in replay(snapshot, u.id, start, end, changes=timed)}
        for u in snapshot.users()
    }
    assert {u: ids for u, ids in replayed.items() if ids} == stored
    assert sum(map(len, stored.values())) > 0

    # A retried publication: the same events published again store no second copy (the
    # CloudEvents id is the primary key), and the screens stay as they are.
    rows = db.execute("SELECT count(*) FROM events").fetchone()[0]
    with db:
        for u in snapshot.users():
            again = list(replay(snapshot, u.id, start, end, changes=timed))
            loop._store(u.id, loop.results[u.id], again)
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == rows

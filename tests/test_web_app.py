"""examples/web-app: the FastAPI service over SQLite, tested through the HTTP stack.

Most tests use FastAPI's ``TestClient`` over a temporary SQLite file seeded with the demo CRM;
the concurrency test runs a real uvicorn server on a free port of localhost.
"""

from __future__ import annotations

import importlib
import json
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, settings
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from guided_actions import (
    Dismissal,
    Feedback,
    Snapshot,
    evaluate,
    explain,
    feedback_summary,
    summarize,
)
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_document
from guided_actions.rules import BUILTIN_RULES
from guided_actions.synthetic import generate
from strategies import snapshots

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "web-app"
sys.path.insert(0, str(EXAMPLE))
web = importlib.import_module("crm_web.app")
cache_module = importlib.import_module("crm_web.cache")
convert = importlib.import_module("crm_web.convert")
models = importlib.import_module("crm_web.models")
seed_module = importlib.import_module("crm_web.seed")

NOW = DEMO_NOW
ADMIN = "u-priya"  # the demo's super admin
COLLEAGUE = "u-marcus"


def _seeded(tmp_path: Path, document: dict[str, Any], name: str = "crm.sqlite") -> str:
    url = f"sqlite:///{tmp_path / name}"
    seed_module.seed(url, document)
    return url


def _app(url: str, now: datetime = NOW) -> FastAPI:
    app: FastAPI = web.create_app(url)
    app.dependency_overrides[web.clock] = lambda: now
    return app


@pytest.fixture
def url(tmp_path: Path) -> str:
    return _seeded(tmp_path, demo_document())


@pytest.fixture
def client(url: str) -> Iterator[TestClient]:
    with TestClient(_app(url)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def demo() -> Snapshot:
    return Snapshot.from_dict(demo_document())


def _plain(value: Any) -> Any:
    """``value`` as it comes back from JSON."""
    return json.loads(json.dumps(value))


def _count(url: str, row: type[Any]) -> int:
    with Session(models.connect(url)) as session:
        return int(session.scalar(select(func.count()).select_from(row)) or 0)


def _keys(client: TestClient, user: str = DEMO_USER) -> list[str]:
    response = client.get(f"/users/{user}/actions")
    assert response.status_code == 200
    return [a["key"] for a in response.json()]


class TestActions:
    """GET /users/{id}/actions."""

    def test_the_actions_are_evaluate_to_dicts(self, client: TestClient, demo: Snapshot) -> None:
        """The body is exactly ``evaluate(...).to_dicts()`` of the same CRM."""
        response = client.get(f"/users/{DEMO_USER}/actions")
        assert response.status_code == 200
        assert response.json() == _plain(evaluate(demo, NOW, DEMO_USER).to_dicts())

    def test_every_built_in_rule_fires_from_the_tables(self, client: TestClient) -> None:
        """The tables hold enough of the CRM for every built-in rule to fire."""
        rules = {a["rule"] for a in client.get(f"/users/{DEMO_USER}/actions").json()}
        assert rules == {cls.id for cls in BUILTIN_RULES}

    def test_french(self, client: TestClient, demo: Snapshot) -> None:
        """``?locale=fr`` gives ``to_dicts("fr")``: French titles and reasons."""
        english = client.get(f"/users/{DEMO_USER}/actions").json()
        french = client.get(f"/users/{DEMO_USER}/actions", params={"locale": "fr"}).json()
        assert french == _plain(evaluate(demo, NOW, DEMO_USER).to_dicts("fr"))
        assert [a["key"] for a in french] == [a["key"] for a in english]
        assert all(f["title"] != e["title"] for f, e in zip(french, english, strict=True))

    def test_unknown_user_is_404(self, client: TestClient) -> None:
        """An id that is no user is a 404 naming it; a known one is a 200."""
        response = client.get("/users/nobody/actions")
        assert response.status_code == 404
        assert response.json()["error"] == "unknown_user"
        assert "'nobody'" in response.json()["detail"]
        assert client.get(f"/users/{COLLEAGUE}/actions").status_code == 200

    def test_viewers(self, client: TestClient, demo: Snapshot) -> None:
        """A colleague may not look (403); a super admin may, and sees meetings as private."""
        path = f"/users/{DEMO_USER}/actions"
        refused = client.get(path, headers={"X-Viewer-Id": COLLEAGUE})
        assert refused.status_code == 403
        assert refused.json()["error"] == "forbidden"
        admin = client.get(path, headers={"X-Viewer-Id": ADMIN})
        assert admin.status_code == 200
        assert admin.json() == _plain(evaluate(demo, NOW, DEMO_USER, viewer=ADMIN).to_dicts())
        assert admin.json() != client.get(path).json()  # meeting titles are hidden
        assert (
            client.get(path, headers={"X-Viewer-Id": DEMO_USER}).json() == client.get(path).json()
        )

    def test_the_clock_decides(self, url: str, demo: Snapshot) -> None:
        """The endpoints evaluate at the injected ``now``, not at the machine's time."""
        later = NOW + timedelta(days=40)
        with TestClient(_app(url, later)) as other:
            body = other.get(f"/users/{DEMO_USER}/actions").json()
        assert body == _plain(evaluate(demo, later, DEMO_USER).to_dicts())
        assert body != _plain(evaluate(demo, NOW, DEMO_USER).to_dicts())


class TestWorkspace:
    """GET /users/{id}/workspace."""

    def test_the_workspace_is_the_summary(self, client: TestClient, demo: Snapshot) -> None:
        """The body is ``summarize(...).to_dict()``, in English or in French."""
        path = f"/users/{DEMO_USER}/workspace"
        assert client.get(path).json() == _plain(summarize(demo, NOW, DEMO_USER).to_dict())
        french = client.get(path, params={"locale": "fr"}).json()
        assert french == _plain(summarize(demo, NOW, DEMO_USER).to_dict("fr"))
        assert french != client.get(path).json()

    def test_unknown_user_and_viewer(self, client: TestClient) -> None:
        """404 for an unknown user, 403 for a viewer who may not look."""
        assert client.get("/users/nobody/workspace").status_code == 404
        forbidden = client.get(f"/users/{DEMO_USER}/workspace", headers={"X-Viewer-Id": COLLEAGUE})
        assert forbidden.status_code == 403


class TestWhyNot:
    """GET /users/{id}/why-not?kind=&id=."""

    @pytest.mark.parametrize(("kind", "rid"), [("deal", "d-harborview"), ("contact", "c-sophie")])
    def test_the_answer_is_explain(
        self, client: TestClient, demo: Snapshot, kind: str, rid: str
    ) -> None:
        """The body is ``explain(...).to_dict()`` of the subject, in English or in French."""
        path = f"/users/{DEMO_USER}/why-not"
        body = client.get(path, params={"kind": kind, "id": rid}).json()
        assert body == _plain(explain(demo, NOW, DEMO_USER, (kind, rid)).to_dict())
        french = client.get(path, params={"kind": kind, "id": rid, "locale": "fr"}).json()
        assert french == _plain(explain(demo, NOW, DEMO_USER, (kind, rid)).to_dict("fr"))

    def test_unknown_kind_is_422_unknown_record_404(self, client: TestClient) -> None:
        """A kind the library does not know is refused; a record it does not hold is a 404."""
        path = f"/users/{DEMO_USER}/why-not"
        bad_kind = client.get(path, params={"kind": "dael", "id": "d-harborview"})
        assert bad_kind.status_code == 422
        assert "'dael'" in bad_kind.json()["detail"]
        missing = client.get(path, params={"kind": "deal", "id": "d-nowhere"})
        assert missing.status_code == 404
        assert missing.json()["error"] == "unknown_record"
        assert client.get(path, params={"kind": "deal"}).status_code == 422  # no id at all


class TestDismissals:
    """POST /users/{id}/dismissals."""

    def test_a_dismissal_hides_the_action_on_the_next_get(
        self, client: TestClient, url: str
    ) -> None:
        """The row is written, the answer echoes it, and the action is gone; the rest stay."""
        before = _keys(client)
        key = before[3]
        response = client.post(f"/users/{DEMO_USER}/dismissals", json={"action_key": key})
        assert response.status_code == 201
        assert response.json() == {"user_id": DEMO_USER, "action_key": key, "until": None}
        assert _keys(client) == [k for k in before if k != key]
        assert _count(url, models.DismissalRow) == 1

    def test_until_must_be_after_now(self, client: TestClient, url: str) -> None:
        """``until`` at ``now`` is refused; one microsecond later is a dismissal until then."""
        key = _keys(client)[0]
        path = f"/users/{DEMO_USER}/dismissals"
        at_now = client.post(path, json={"action_key": key, "until": NOW.isoformat()})
        assert at_now.status_code == 422
        assert _count(url, models.DismissalRow) == 0
        until = NOW + timedelta(microseconds=1)
        later = client.post(path, json={"action_key": key, "until": until.isoformat()})
        assert later.status_code == 201
        assert later.json()["until"] == until.isoformat()
        assert key not in _keys(client)
        with TestClient(_app(url, until)) as after:  # back once the dismissal ends
            assert key in _keys(after)

    def test_a_naive_until_is_refused_naming_the_field(self, client: TestClient, url: str) -> None:
        """A naive ``until`` is the library's problem, as a 422; nothing is written."""
        key = _keys(client)[0]
        response = client.post(
            f"/users/{DEMO_USER}/dismissals", json={"action_key": key, "until": "2030-01-01T00:00"}
        )
        assert response.status_code == 422
        body = response.json()
        assert body["error"] == "invalid_record"
        [problem] = body["problems"]
        assert problem["kind"] == "dismissals"
        assert problem["field"] == "until"
        assert "naive" in problem["message"]
        assert _count(url, models.DismissalRow) == 0
        assert key in _keys(client)

    def test_an_unknown_key_is_404(self, client: TestClient, url: str) -> None:
        """A key that is not (or no more) one of the rep's actions is a 404; nothing is written."""
        path = f"/users/{DEMO_USER}/dismissals"
        response = client.post(path, json={"action_key": "reply_to_email:nope"})
        assert response.status_code == 404
        assert response.json()["error"] == "unknown_action"
        key = _keys(client)[0]
        assert client.post(path, json={"action_key": key}).status_code == 201
        assert client.post(path, json={"action_key": key}).status_code == 404  # already hidden
        colleague_key = _keys(client, COLLEAGUE)[0]
        assert client.post(path, json={"action_key": colleague_key}).status_code == 404
        assert _count(url, models.DismissalRow) == 1

    def test_only_the_rep_writes(self, client: TestClient, url: str) -> None:
        """Even a super admin may not dismiss for the rep (403); the rep may."""
        key = _keys(client)[0]
        path = f"/users/{DEMO_USER}/dismissals"
        refused = client.post(path, json={"action_key": key}, headers={"X-Viewer-Id": ADMIN})
        assert refused.status_code == 403
        assert _count(url, models.DismissalRow) == 0
        mine = client.post(path, json={"action_key": key}, headers={"X-Viewer-Id": DEMO_USER})
        assert mine.status_code == 201

    @pytest.mark.parametrize(
        "body", [{}, {"action_key": 3}, {"action_key": "k", "until": "tomorrow"}, []]
    )
    def test_malformed_bodies_are_422(self, client: TestClient, url: str, body: Any) -> None:
        """A body that is not a dismissal is refused before anything is read or written."""
        assert client.post(f"/users/{DEMO_USER}/dismissals", json=body).status_code == 422
        assert _count(url, models.DismissalRow) == 0

    def test_unknown_user_is_404(self, client: TestClient) -> None:
        """Dismissing for a user who does not exist is a 404."""
        response = client.post("/users/nobody/dismissals", json={"action_key": "k:1"})
        assert response.status_code == 404


class TestFeedback:
    """POST /users/{id}/feedback."""

    @pytest.mark.parametrize("verdict", ["yes", "not_really"])
    def test_feedback_is_written_and_hides_nothing(
        self, client: TestClient, url: str, verdict: str
    ) -> None:
        """The row is written at ``now``, counted by ``feedback_summary``; the action stays."""
        before = _keys(client)
        key = before[0]
        response = client.post(
            f"/users/{DEMO_USER}/feedback", json={"action_key": key, "verdict": verdict}
        )
        assert response.status_code == 201
        assert response.json() == {
            "user_id": DEMO_USER,
            "action_key": key,
            "verdict": verdict,
            "at": NOW.isoformat(),
        }
        assert _keys(client) == before
        with Session(models.connect(url)) as session:
            written = convert.load_snapshot(session)
        rule = key.split(":")[0]
        assert feedback_summary(written).by_user[DEMO_USER][rule][verdict] == 1

    @pytest.mark.parametrize(
        ("body", "status"),
        [
            ({"action_key": "reply_to_email:nope", "verdict": "yes"}, 404),
            ({"action_key": "KEY", "verdict": "maybe"}, 422),
            ({"action_key": "KEY"}, 422),
        ],
    )
    def test_refused(self, client: TestClient, url: str, body: dict[str, str], status: int) -> None:
        """An unknown key (404), a verdict that is not one (422): nothing is written."""
        key = _keys(client)[0]
        payload = {k: (key if v == "KEY" else v) for k, v in body.items()}
        before = _count(url, models.FeedbackRow)
        assert client.post(f"/users/{DEMO_USER}/feedback", json=payload).status_code == status
        assert _count(url, models.FeedbackRow) == before


def _sql(url: str, statement: str, *params: Any) -> None:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        connection.execute(statement, params)


class TestBadRows:
    """Rows the library refuses are a 500 whose JSON body names record, field and value."""

    def test_bad_rows_are_reported_together(self, client: TestClient, url: str) -> None:
        """A naive instant and an unknown enum value: both problems, each fully named."""
        _sql(url, "UPDATE contacts SET created_at = '2025-05-01T10:00:00' WHERE id = 'c-tom'")
        _sql(url, "UPDATE emails SET direction = 'sideways' WHERE id = 'e-ines-intro'")
        _sql(url, "UPDATE crm_version SET version = version + 1")
        response = client.get(f"/users/{DEMO_USER}/actions")
        assert response.status_code == 500
        body = response.json()
        assert body["error"] == "invalid_snapshot"
        where = {(p["kind"], p["record_id"], p["field"]): p for p in body["problems"]}
        assert set(where) == {
            ("contacts", "c-tom", "created_at"),
            ("emails", "e-ines-intro", "direction"),
        }
        assert "'sideways'" in where["emails", "e-ines-intro", "direction"]["value"]
        assert "naive" in where["contacts", "c-tom", "created_at"]["message"]

    def test_a_broken_reference(self, client: TestClient, url: str) -> None:
        """A reference to no record is reported once every row is a record."""
        _sql(url, """UPDATE deals SET contact_ids = '["ghost"]' WHERE id = 'd-harborview'""")
        _sql(url, "UPDATE crm_version SET version = version + 1")
        response = client.get(f"/users/{DEMO_USER}/workspace")
        assert response.status_code == 500
        [problem] = response.json()["problems"]
        assert (problem["kind"], problem["record_id"], problem["field"]) == (
            "deals",
            "d-harborview",
            "contact_ids",
        )
        assert "ghost" in problem["value"]

    def test_hostile_values_stay_escaped_and_short(self, client: TestClient, url: str) -> None:
        """CRM text in an error is a short repr inside JSON: quotes and newlines escaped."""
        hostile = '</script><b>"x"\n' + "y" * 5000
        _sql(url, "UPDATE calls SET status = ? WHERE id = 'cl-tom-checkin'", hostile)
        _sql(url, "UPDATE crm_version SET version = version + 1")
        response = client.get(f"/users/{DEMO_USER}/actions")
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/json"
        assert "\n" not in response.text
        assert len(response.text) < 1000
        [problem] = response.json()["problems"]
        assert problem["value"].startswith('\'</script><b>"x"\\n')

    def test_many_problems_are_counted(self, client: TestClient, url: str) -> None:
        """At most 20 problems are listed; ``more`` counts the rest."""
        _sql(url, "UPDATE engagement_events SET kind = 'wave'")  # 5 rows
        _sql(url, "UPDATE emails SET direction = 'sideways'")  # 8 rows
        _sql(url, "UPDATE crm_version SET version = version + 1")
        body = client.get(f"/users/{DEMO_USER}/actions").json()
        assert len(body["problems"]) == 13
        assert body["more"] == 0
        _sql(url, "UPDATE tasks SET priority = 'urgent'")  # 10 rows
        _sql(url, "UPDATE crm_version SET version = version + 1")
        body = client.get(f"/users/{DEMO_USER}/actions").json()
        assert len(body["problems"]) == 20
        assert body["more"] == 3

    def test_a_write_that_breaks_the_snapshot_writes_nothing(self, url: str) -> None:
        """``SnapshotCache.write`` rolls back records that make an invalid snapshot."""
        cache = cache_module.SnapshotCache(models.connect(url))
        before = cache.get()
        with pytest.raises(ValueError, match="u-ghost"):
            cache.write([Dismissal(user_id="u-ghost", action_key="k:1")])
        assert cache.get() is before
        assert _count(url, models.DismissalRow) == 0

    def test_a_naive_instant_is_not_written(self, url: str) -> None:
        """The ``Instant`` column refuses a naive datetime; an aware one is stored in UTC."""
        engine = models.connect(url)
        with Session(engine) as session:
            naive = datetime(2030, 1, 1)
            session.add(models.DismissalRow(user_id=DEMO_USER, action_key="k:1", until=naive))
            with pytest.raises(StatementError, match="naive"):
                session.commit()
        paris = datetime.fromisoformat("2030-01-01T01:00:00+01:00")
        with Session(engine) as session, session.begin():
            session.add(models.DismissalRow(user_id=DEMO_USER, action_key="k:1", until=paris))
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            [(stored,)] = connection.execute("SELECT until FROM dismissals").fetchall()
        assert stored == "2030-01-01T00:00:00.000000+00:00"


class TestSnapshotFromRows:
    """The snapshot built from ORM rows is the snapshot of the same data as JSON."""

    @settings(max_examples=40)
    @given(case=snapshots())
    def test_rows_round_trip(self, case: tuple[Snapshot, datetime, str]) -> None:
        """Records to rows to records: the same content, and the same actions for every user."""
        snapshot, now, _ = case
        engine = models.connect("sqlite://")
        with Session(engine) as session, session.begin():
            convert.add_snapshot(session, snapshot)
        with Session(engine) as session:
            rebuilt = convert.load_snapshot(session)
        assert _canonical(rebuilt.to_dict()) == _canonical(snapshot.to_dict())
        for user in snapshot.users():
            assert (
                evaluate(rebuilt, now, user.id).to_dicts()
                == evaluate(snapshot, now, user.id).to_dicts()
            )

    def test_synthetic_crm_through_http(self, tmp_path: Path) -> None:
        """A synthetic CRM seeded to SQLite serves every rep the actions of its JSON snapshot."""
        now = datetime(2026, 2, 3, 10, 0, tzinfo=UTC)
        document = generate(users=4, contacts_per_user=15, seed=3, now=now)
        from_json = Snapshot.from_json(json.dumps(document))
        with TestClient(_app(_seeded(tmp_path, document), now)) as client:
            for user in from_json.users():
                body = client.get(f"/users/{user.id}/actions").json()
                assert body == _plain(evaluate(from_json, now, user.id).to_dicts())
                assert body


def _canonical(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with each list sorted: the database reads rows in primary-key order."""
    return {
        key: sorted(value, key=json.dumps) if isinstance(value, list) and key != "lifecycle_stages"
        else value
        for key, value in _plain(document).items()
    }  # fmt: skip


class TestSeed:
    """python -m crm_web.seed."""

    def test_from_a_document(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """``--from FILE`` writes the document; the same file twice is refused."""
        source = tmp_path / "demo.json"
        source.write_text(json.dumps(demo_document()), encoding="utf-8")
        database = tmp_path / "crm.sqlite"
        assert seed_module.main([str(database), "--from", str(source)]) == 0
        assert "users=3" in capsys.readouterr().out
        with Session(models.connect(f"sqlite:///{database}")) as session:
            assert _canonical(convert.load_snapshot(session).to_dict()) == _canonical(
                Snapshot.from_dict(demo_document()).to_dict()
            )
        with pytest.raises(SystemExit):
            seed_module.main([str(database), "--from", str(source)])

    def test_synthetic(self, tmp_path: Path) -> None:
        """Without ``--from``, a synthetic CRM around ``--now``."""
        database = tmp_path / "crm.sqlite"
        now = "2026-02-03T10:00:00+00:00"
        args = [str(database), "--users", "2", "--contacts-per-user", "5", "--now", now]
        assert seed_module.main(args) == 0
        expected = generate(users=2, contacts_per_user=5, seed=0, now=datetime.fromisoformat(now))
        with Session(models.connect(f"sqlite:///{database}")) as session:
            assert _canonical(convert.load_snapshot(session).to_dict()) == _canonical(
                Snapshot.from_dict(expected).to_dict()
            )

    def test_an_invalid_document_writes_nothing(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A document the library refuses: exit status 2, its problems printed, no rows."""
        document = demo_document()
        document["deals"][0]["stage_id"] = "nowhere"
        source = tmp_path / "bad.json"
        source.write_text(json.dumps(document), encoding="utf-8")
        database = tmp_path / "crm.sqlite"
        assert seed_module.main([str(database), "--from", str(source)]) == 2
        assert "stage_id" in capsys.readouterr().err
        assert _count(f"sqlite:///{database}", models.UserRow) == 0


class TestCache:
    """One snapshot shared by every request, rebuilt after each write."""

    def test_reads_share_one_snapshot(self, url: str) -> None:
        """Two reads without a write in between give the very same snapshot object."""
        cache = cache_module.SnapshotCache(models.connect(url))
        assert cache.get() is cache.get()

    def test_a_write_by_another_process_is_seen(self, client: TestClient, url: str) -> None:
        """A write that bumps ``crm_version`` (another worker, a job) is seen on the next read."""
        key = _keys(client)[0]
        other = cache_module.SnapshotCache(models.connect(url))  # as another process would
        other.write([Dismissal(user_id=DEMO_USER, action_key=key)])
        assert key not in _keys(client)

    def test_applied_writes_equal_a_rebuild(self, url: str, demo: Snapshot) -> None:
        """After writes, the cached snapshot (changes applied) is the database read again."""
        cache = cache_module.SnapshotCache(models.connect(url))
        keys = [a.key for a in evaluate(cache.get(), NOW, DEMO_USER)]
        for key in keys[:3]:
            cache.write([Dismissal(user_id=DEMO_USER, action_key=key)])
        verdict = Feedback(user_id=DEMO_USER, action_key=keys[4], verdict="yes", at=NOW)
        written = cache.write([verdict])
        assert cache.get() is written
        with Session(models.connect(url)) as session:
            rebuilt = convert.load_snapshot(session)
        assert _canonical(written.to_dict()) == _canonical(rebuilt.to_dict())
        assert evaluate(written, NOW, DEMO_USER) == evaluate(rebuilt, NOW, DEMO_USER)
        assert len(evaluate(written, NOW, DEMO_USER)) == len(keys) - 3

    def test_a_write_after_another_process_wrote_keeps_both(self, url: str) -> None:
        """When another process wrote since the cache was built, a write reads everything again."""
        mine = cache_module.SnapshotCache(models.connect(url))
        theirs = cache_module.SnapshotCache(models.connect(url))
        first, second = (a.key for a in evaluate(mine.get(), NOW, DEMO_USER)[:2])
        theirs.write([Dismissal(user_id=DEMO_USER, action_key=first)])
        snapshot = mine.write([Dismissal(user_id=DEMO_USER, action_key=second)])
        assert {d.action_key for d in snapshot.dismissals_of(DEMO_USER)} == {first, second}


@pytest.fixture
def server(url: str) -> Iterator[str]:
    """A real uvicorn server on a free port of localhost, serving the demo CRM."""
    config = uvicorn.Config(_app(url), host="127.0.0.1", port=0, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert thread.is_alive(), "the server stopped"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    port = running.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(30)


class TestConcurrency:
    """Requests in parallel on a real server never see a half-built state."""

    def test_reads_while_writing(self, server: str, url: str) -> None:
        """Each GET sees the actions after some prefix of the dismissals, never less or a mix."""
        with httpx.Client(base_url=server) as http:
            initial = http.get(f"/users/{DEMO_USER}/actions").json()
        keys = [a["key"] for a in initial]
        # Every state a reader may see: the actions after the first k dismissals.
        states = {
            json.dumps([a for a in initial if a["key"] not in keys[:k]]): k
            for k in range(len(keys) + 1)
        }
        done = threading.Event()

        def write() -> None:
            with httpx.Client(base_url=server) as http:
                for key in keys:
                    path = f"/users/{DEMO_USER}/dismissals"
                    assert http.post(path, json={"action_key": key}).status_code == 201
            done.set()

        def give_feedback() -> int:
            written = 0
            with httpx.Client(base_url=server) as http:
                while not done.is_set():
                    current = http.get(f"/users/{DEMO_USER}/actions").json()
                    if not current:
                        break
                    path = f"/users/{DEMO_USER}/feedback"
                    body = {"action_key": current[-1]["key"], "verdict": "yes"}
                    status = http.post(path, json=body).status_code
                    assert status in (201, 404)  # 404: dismissed in between
                    written += status == 201
            return written

        def read() -> list[int]:
            seen: list[int] = []
            with httpx.Client(base_url=server) as http:
                while True:
                    finished = done.is_set()  # before the read: then the read sees every write
                    response = http.get(f"/users/{DEMO_USER}/actions")
                    assert response.status_code == 200
                    body = json.dumps(response.json())
                    assert body in states, "a state no sequence of writes gives"
                    seen.append(states[body])
                    if finished:
                        return seen

        with ThreadPoolExecutor(max_workers=8) as pool:
            readers = [pool.submit(read) for _ in range(5)]
            feedback = pool.submit(give_feedback)
            pool.submit(write).result()
            sequences = [r.result() for r in readers]
            feedback_written = feedback.result()
        for seen in sequences:
            assert seen == sorted(seen), "a reader went back in time"
            assert seen[-1] == len(keys)
        assert _count(url, models.DismissalRow) == len(keys)
        demo_feedback = len(demo_document().get("feedback", []))
        assert _count(url, models.FeedbackRow) == demo_feedback + feedback_written
        with httpx.Client(base_url=server) as http:
            served = http.get(f"/users/{DEMO_USER}/workspace").json()
        with Session(models.connect(url)) as session:
            rebuilt = convert.load_snapshot(session)
        assert served == _plain(summarize(rebuilt, NOW, DEMO_USER).to_dict())

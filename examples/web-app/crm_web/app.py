"""The FastAPI application: a rep's guided actions, workspace and "why not", over SQLite.

Run it with ``uvicorn --factory crm_web.app:create_app`` (see the README). Endpoints:

- ``GET /users/{user_id}/actions?locale=fr``: ``evaluate(...).to_dicts(locale)``;
- ``GET /users/{user_id}/workspace?locale=fr``: ``summarize(...).to_dict(locale)``;
- ``GET /users/{user_id}/why-not?kind=deal&id=d1&locale=fr``: ``explain(...).to_dict(locale)``;
- ``POST /users/{user_id}/dismissals``: ``{"action_key", "until"}``, writes a dismissal;
- ``POST /users/{user_id}/feedback``: ``{"action_key", "verdict"}``, writes a feedback row.

``now`` comes from the :func:`clock` dependency (tests override it); who is looking from the
``X-Viewer-Id`` header, a stand-in for the CRM's authentication (absent: the rep themself).
"""

from __future__ import annotations

import os
import reprlib
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from crm_web.cache import SnapshotCache
from crm_web.models import connect
from guided_actions import (
    Dismissal,
    Feedback,
    Snapshot,
    evaluate,
    explain,
    summarize,
)
from guided_actions.errors import (
    InvalidSnapshotError,
    Problem,
    UnknownRecordError,
    UnknownUserError,
    ViewerPermissionError,
)

__all__ = ["DismissalIn", "FeedbackIn", "clock", "create_app"]

#: The most problems an error body lists; ``more`` counts the rest.
MAX_PROBLEMS = 20

_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60


class DismissalIn(BaseModel):
    """Hide the action ``action_key`` until ``until`` (ISO-8601 with an offset; null: for good)."""

    action_key: str
    until: datetime | None = None


class FeedbackIn(BaseModel):
    """The rep's verdict on the action ``action_key``."""

    action_key: str
    verdict: Literal["yes", "not_really"]


class ClientError(Exception):
    """A request the service refuses: its status, a short error code and a sentence."""

    def __init__(self, status: int, error: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail, self.extra = status, error, detail, extra


def clock() -> datetime:
    """The current instant: the service's only reading of the clock (override it in tests)."""
    return datetime.now(UTC)


def snapshot(request: Request) -> Snapshot:
    """The snapshot of the database as it is now, shared by every request."""
    cache: SnapshotCache = request.app.state.cache
    return cache.get()


def viewer(user_id: str, x_viewer_id: Annotated[str | None, Header()] = None) -> str:
    """Who is looking: the ``X-Viewer-Id`` header, or the rep themself."""
    return user_id if x_viewer_id is None else x_viewer_id


Now = Annotated[datetime, Depends(clock)]
Current = Annotated[Snapshot, Depends(snapshot)]
Viewer = Annotated[str, Depends(viewer)]


def _problem(problem: Problem) -> dict[str, Any]:
    # The value is CRM data: shown as a short repr, inside JSON, which escapes it.
    return {
        "kind": problem.kind,
        "record_id": problem.record_id,
        "field": problem.field,
        "value": _REPR.repr(problem.value),
        "message": problem.message,
    }


def _problems_body(error: str, exc: InvalidSnapshotError) -> dict[str, Any]:
    problems = exc.problems
    return {
        "error": error,
        "detail": f"{len(problems)} problem{'s' if len(problems) != 1 else ''}",
        "problems": [_problem(p) for p in problems[:MAX_PROBLEMS]],
        "more": max(0, len(problems) - MAX_PROBLEMS),
    }


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _current_action(current: Snapshot, now: datetime, user_id: str, key: str) -> None:
    """Refuse (404) a key that is not one of the rep's actions at ``now``."""
    if evaluate(current, now, user_id).get(key) is None:
        raise ClientError(
            404,
            "unknown_action",
            f"user {user_id!r} has no action {_REPR.repr(key)} at {now.isoformat()}",
        )


def _writer(user_id: str, looker: str) -> None:
    """Only the rep themself writes their dismissals and feedback."""
    if looker != user_id:
        raise ClientError(403, "forbidden", f"user {looker!r} may not write for user {user_id!r}")


def _record(build: Any, **fields: Any) -> Any:
    """A record built from a request: a field the library refuses is the client's error (422)."""
    try:
        return build(**fields)
    except InvalidSnapshotError as exc:
        body = _problems_body("invalid_record", exc)
        problems, more = body["problems"], body["more"]
        detail = str(exc.problems[0])
        raise ClientError(422, "invalid_record", detail, problems=problems, more=more) from None


def create_app(database_url: str | None = None, *, now: datetime | None = None) -> FastAPI:
    """The service over the database at ``database_url``.

    ``database_url`` defaults to the ``CRM_DATABASE_URL`` environment variable, else
    ``sqlite:///crm.sqlite``. ``now`` (else the ``CRM_NOW`` variable, an ISO-8601 instant) pins
    the clock, to serve a CRM seeded around a fixed instant.
    """
    url = database_url or os.environ.get("CRM_DATABASE_URL", "sqlite:///crm.sqlite")
    pinned = now or (
        datetime.fromisoformat(os.environ["CRM_NOW"]) if "CRM_NOW" in os.environ else None
    )
    app = FastAPI(title="CRM guided actions")
    cache = app.state.cache = SnapshotCache(connect(url))
    if pinned is not None:
        app.dependency_overrides[clock] = lambda: pinned

    @app.exception_handler(ClientError)
    def _client_error(request: Request, exc: ClientError) -> JSONResponse:
        body = {**exc.extra, "error": exc.error, "detail": exc.detail}
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(UnknownUserError)
    def _unknown_user(request: Request, exc: UnknownUserError) -> JSONResponse:
        return JSONResponse({"error": "unknown_user", "detail": str(exc)}, status_code=404)

    @app.exception_handler(UnknownRecordError)
    def _unknown_record(request: Request, exc: UnknownRecordError) -> JSONResponse:
        return JSONResponse({"error": "unknown_record", "detail": str(exc)}, status_code=404)

    @app.exception_handler(ViewerPermissionError)
    def _forbidden(request: Request, exc: ViewerPermissionError) -> JSONResponse:
        return JSONResponse({"error": "forbidden", "detail": str(exc)}, status_code=403)

    @app.exception_handler(InvalidSnapshotError)
    def _invalid_snapshot(request: Request, exc: InvalidSnapshotError) -> JSONResponse:
        # The database holds rows the library refuses: the service's fault, not the client's.
        return JSONResponse(_problems_body("invalid_snapshot", exc), status_code=500)

    @app.get("/users/{user_id}/actions")
    def actions(
        user_id: str, current: Current, now: Now, looker: Viewer, locale: str | None = None
    ) -> JSONResponse:
        result = evaluate(current, now, user_id, viewer=looker)
        return JSONResponse(result.to_dicts(locale))

    @app.get("/users/{user_id}/workspace")
    def workspace(
        user_id: str, current: Current, now: Now, looker: Viewer, locale: str | None = None
    ) -> JSONResponse:
        return JSONResponse(summarize(current, now, user_id, viewer=looker).to_dict(locale))

    @app.get("/users/{user_id}/why-not")
    def why_not(
        user_id: str,
        kind: str,
        id: str,
        current: Current,
        now: Now,
        looker: Viewer,
        locale: str | None = None,
    ) -> JSONResponse:
        try:
            answer = explain(current, now, user_id, (kind, id), viewer=looker)
        except ValueError as exc:  # a subject kind the library does not know, an empty id
            raise ClientError(422, "invalid_subject", str(exc)) from None
        return JSONResponse(answer.to_dict(locale))

    @app.post("/users/{user_id}/dismissals", status_code=201)
    def dismiss(
        user_id: str, body: DismissalIn, current: Current, now: Now, looker: Viewer
    ) -> JSONResponse:
        _writer(user_id, looker)
        record = _record(Dismissal, user_id=user_id, action_key=body.action_key, until=body.until)
        if record.until is not None and record.until <= now:
            raise ClientError(
                422,
                "invalid_record",
                f"until {record.until.isoformat()} is not after now ({now.isoformat()})",
            )
        _current_action(current, now, user_id, record.action_key)
        cache.write([record])
        body_out = {"user_id": user_id, "action_key": record.action_key}
        return JSONResponse({**body_out, "until": _instant(record.until)}, status_code=201)

    @app.post("/users/{user_id}/feedback", status_code=201)
    def feedback(
        user_id: str, body: FeedbackIn, current: Current, now: Now, looker: Viewer
    ) -> JSONResponse:
        _writer(user_id, looker)
        record = _record(
            Feedback, user_id=user_id, action_key=body.action_key, verdict=body.verdict, at=now
        )
        _current_action(current, now, user_id, record.action_key)
        cache.write([record])
        out = {"user_id": user_id, "action_key": record.action_key, "verdict": record.verdict}
        return JSONResponse({**out, "at": _instant(record.at)}, status_code=201)

    return app

"""A deterministic synthetic CRM, for benchmarks, demos at scale and property tests.

``generate(users=..., contacts_per_user=..., seed=..., now=...)`` returns an interchange document
(SPEC §4). The same arguments always give the same document, byte for byte once serialised. Ratios
per contact are those of a busy B2B sales team; timestamps are spread around ``now`` so that every
rule fires for some records.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from guided_actions._model.document import SCHEMA
from guided_actions._model.kinds import NAMES
from guided_actions._model.time import is_aware, utc_iso
from guided_actions._model.validation import MAX_YEAR, MIN_YEAR
from guided_actions.errors import short_repr

__all__ = ["generate", "iter_generate"]

_ZONES = ("Europe/Paris", "America/New_York", "UTC", "Asia/Kolkata", "America/Los_Angeles")
_LIFECYCLE = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
              "customer", "evangelist")  # fmt: skip
_DEAL_STAGES = ("appointment", "qualified", "proposal", "won", "lost")
_LEAD_STAGES = ("new", "attempting", "connected", "qualified", "disqualified")
_CALL_STATUSES = (None, "completed", "completed", "completed", "busy", "no_answer", "failed",
                  "canceled", "in_progress", "queued", "ringing")  # fmt: skip
_ENGAGEMENTS = ("email_open", "email_click", "email_reply", "form_submission", "meeting_booked",
                "page_view")  # fmt: skip
_PRIORITIES = ("none", "low", "medium", "high")
_STATUSES = ("not_started", "not_started", "in_progress", "waiting", "completed", "deferred")
_SEQUENCES = ("Inbound follow-up", "Outbound cold", "Event attendees", "Renewal", "Re-engage")

#: The lists the generator fills, in interchange order: all but the workspace's own state.
_LISTS = tuple(
    name
    for name in NAMES
    if name not in ("feedback", "dismissals", "snoozes", "issued_actions", "dashboards")
)

#: Offsets that land on the rules' thresholds, so boundaries are exercised at scale.
_EDGES = (timedelta(0), timedelta(hours=1), timedelta(hours=24), timedelta(days=7),
          timedelta(days=14), timedelta(days=30))  # fmt: skip


def _pipelines() -> list[dict[str, Any]]:
    def stages(ids: tuple[str, ...], won: str, lost: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for sid in ids:
            stage: dict[str, Any] = {"id": sid, "label": sid.capitalize()}
            if sid in (won, lost):
                stage["closed"] = True
            if sid == won:
                stage["won"] = True
            out.append(stage)
        return out

    return [
        {"id": "sales", "object": "deal", "stages": stages(_DEAL_STAGES, "won", "lost")},
        {"id": "prospecting", "object": "lead",
         "stages": stages(_LEAD_STAGES, "qualified", "disqualified")},
    ]  # fmt: skip


class _Clock:
    """Random instants around ``now``, some exactly on a rule threshold."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now

    def around(self, before: timedelta, after: timedelta = timedelta(0)) -> datetime:
        if self.rng.random() < 0.05:
            return self.now - self.rng.choice(_EDGES)
        span = (before + after).total_seconds()
        return (self.now - before + timedelta(seconds=self.rng.random() * span)).replace(
            microsecond=0
        )

    def iso(self, before: timedelta, after: timedelta = timedelta(0)) -> str:
        return utc_iso(self.around(before, after))


def iter_generate(
    *, users: int, contacts_per_user: int, seed: int = 0, now: datetime
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The records of :func:`generate` as ``(list key, record)`` pairs, a user's book at a time.

    The arguments are checked at the call, before the first record: ``now`` must be
    timezone-aware and lie within years ``MIN_YEAR + 1`` to ``MAX_YEAR - 1`` in UTC, so that
    every instant generated around it (months before, days after) is one a snapshot accepts.
    """
    if not isinstance(now, datetime) or not is_aware(now):
        raise ValueError(f"now must be a timezone-aware datetime, got {short_repr(now)}")
    if users < 1 or contacts_per_user < 0:
        raise ValueError("users must be at least 1 and contacts_per_user at least 0")
    try:
        year = now.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not MIN_YEAR + 1 <= year <= MAX_YEAR - 1:
        raise ValueError(
            f"now {now.isoformat()} is out of range for a synthetic CRM: it must lie within years "
            f"{MIN_YEAR + 1} to {MAX_YEAR - 1} in UTC"
        )
    return _records(users, contacts_per_user, seed, now.astimezone(UTC))


def _records(
    users: int, contacts_per_user: int, seed: int, now: datetime
) -> Iterator[tuple[str, dict[str, Any]]]:
    rng = random.Random(seed)
    clock = _Clock(rng, now)
    days = timedelta(days=1)
    width = len(str(users))
    yield from (("sequences", {"id": f"seq{i + 1}", "name": n}) for i, n in enumerate(_SEQUENCES))
    for p in _pipelines():
        yield ("pipelines", p)
    for u in range(users):
        uid = f"u{u + 1:0{width}d}"
        yield ("users", {"id": uid, "email": f"rep{u + 1}@acme-sales.test",
                         "timezone": _ZONES[u % len(_ZONES)], "super_admin": u == 0,
                         "team_ids": [f"team{u % 4 + 1}"]})  # fmt: skip
    for u in range(users):
        uid = f"u{u + 1:0{width}d}"
        address = f"rep{u + 1}@acme-sales.test"
        other = f"u{(u + 1) % users + 1:0{width}d}"
        n_companies = max(1, contacts_per_user // 4)
        companies = [f"{uid}-co{i + 1}" for i in range(n_companies)]
        for i, cid in enumerate(companies):
            yield ("companies", {"id": cid, "name": f"Company {uid}-{i + 1}",
                                 "domain": f"{cid}.example", "owner_id": uid,
                                 "target_account": rng.random() < 0.2})  # fmt: skip
        for c in range(contacts_per_user):
            yield from _contact_book(rng, clock, uid, address, other, companies, c, days)


def _contact_book(
    rng: random.Random,
    clock: _Clock,
    uid: str,
    address: str,
    other: str,
    companies: list[str],
    c: int,
    days: timedelta,
) -> Iterator[tuple[str, dict[str, Any]]]:
    chance: Callable[[float], bool] = lambda p: rng.random() < p  # noqa: E731
    cid = f"{uid}-c{c + 1}"
    company = rng.choice(companies)
    email_addr = f"person{c + 1}@{company}.example"
    created = clock.around(120 * days)
    contact: dict[str, Any] = {
        "id": cid, "email": email_addr, "owner_id": uid, "created_at": utc_iso(created),
        "lifecycle_stage": rng.choice(_LIFECYCLE), "company_ids": [company],
    }  # fmt: skip
    if chance(0.5):
        contact["owner_assigned_at"] = clock.iso(40 * days)
    yield ("contacts", contact)
    if chance(0.3):
        lead_stage = rng.choice(_LEAD_STAGES)
        lead: dict[str, Any] = {
            "id": f"{cid}-l1", "contact_id": cid, "owner_id": uid if chance(0.9) else other,
            "pipeline_id": "prospecting", "stage_id": lead_stage,
            "created_at": clock.iso(45 * days),
        }  # fmt: skip
        if chance(0.4):
            lead["owner_assigned_at"] = clock.iso(35 * days)
        if lead_stage != "new":
            lead["stage_changed_at"] = clock.iso(35 * days)
        yield ("leads", lead)
    deal_id = None
    if chance(0.25):
        deal_id = f"{cid}-d1"
        untouched = chance(0.2)  # no activity will list this deal
        deal: dict[str, Any] = {
            "id": deal_id, "owner_id": uid, "pipeline_id": "sales",
            "stage_id": rng.choice(_DEAL_STAGES), "created_at": clock.iso(25 * days),
            "contact_ids": [] if chance(0.15) else [cid], "company_ids": [company],
        }  # fmt: skip
        if chance(0.5):
            deal["next_step"] = "Send proposal"
            deal["next_step_updated_at"] = clock.iso(10 * days)
        yield ("deals", deal)
        if untouched:
            deal_id = None
    for e in range(rng.randint(0, 4)):
        eid = f"{cid}-e{e + 1}"
        out: dict[str, Any] = {
            "id": eid, "owner_id": uid, "direction": "outbound", "from_address": address,
            "to": [email_addr], "sent_at": clock.iso(20 * days, days),
            "contact_ids": [cid],
        }  # fmt: skip
        if deal_id is not None and chance(0.5):
            out["deal_ids"] = [deal_id]
        if chance(0.5):
            out["opened_at"] = clock.iso(10 * days)
        yield ("emails", out)
        if chance(0.35):
            yield ("emails", {
                "id": f"{eid}-r", "owner_id": uid, "direction": "inbound",
                "from_address": email_addr, "to": [address], "in_reply_to": eid,
                "sent_at": clock.iso(15 * days), "contact_ids": [cid],
            })  # fmt: skip
    if chance(0.2):
        yield ("emails", {
            "id": f"{cid}-in", "owner_id": uid, "direction": "inbound",
            "from_address": email_addr, "to": [address], "sent_at": clock.iso(16 * days),
        })  # fmt: skip
    if chance(0.6):
        started = clock.around(9 * days)
        call: dict[str, Any] = {
            "id": f"{cid}-k1", "owner_id": uid, "started_at": utc_iso(started),
            "status": rng.choice(_CALL_STATUSES), "builtin_calling": chance(0.5),
            "contact_ids": [cid], "company_ids": [company],
        }  # fmt: skip
        if chance(0.7):
            call["ended_at"] = utc_iso(started + timedelta(minutes=rng.randint(1, 40)))
        if chance(0.4):
            call["outcome"] = "Connected"
        if deal_id is not None and chance(0.5):
            call["deal_ids"] = [deal_id]
        yield ("calls", call)
    meeting_id = None
    if chance(0.3):
        meeting_id = f"{cid}-m1"
        start = clock.around(9 * days, 2 * days)
        meeting: dict[str, Any] = {
            "id": meeting_id, "owner_id": uid, "title": f"Call with {email_addr}",
            "start": utc_iso(start), "end": utc_iso(start + timedelta(minutes=30)),
            "contact_ids": [cid], "company_ids": [company],
        }  # fmt: skip
        if deal_id is not None:
            meeting["deal_ids"] = [deal_id]
        yield ("meetings", meeting)
    for t in range(rng.randint(0, 2)):
        status = rng.choice(_STATUSES)
        task: dict[str, Any] = {
            "id": f"{cid}-t{t + 1}", "owner_id": uid, "title": f"Task {t + 1} for {cid}",
            "created_at": clock.iso(20 * days), "due_at": clock.iso(3 * days, 3 * days),
            "priority": rng.choice(_PRIORITIES), "status": status, "contact_ids": [cid],
        }  # fmt: skip
        if status == "completed":
            task["completed_at"] = clock.iso(5 * days)
        if chance(0.4):
            task["sequence_id"] = f"seq{rng.randint(1, len(_SEQUENCES))}"
            task["sequence_step"] = rng.randint(1, 4)
        elif meeting_id is not None and chance(0.5):
            task["meeting_id"] = meeting_id
        yield ("tasks", task)
    if chance(0.4):
        note: dict[str, Any] = {
            "id": f"{cid}-n1",
            "owner_id": uid,
            "created_at": clock.iso(15 * days),
            "contact_ids": [cid],
        }
        if deal_id is not None:
            note["deal_ids"] = [deal_id]
        yield ("notes", note)
    for v in range(rng.randint(0, 3)):
        yield ("engagement_events", {
            "id": f"{cid}-v{v + 1}", "contact_id": cid, "kind": rng.choice(_ENGAGEMENTS),
            "occurred_at": clock.iso(35 * days),
        })  # fmt: skip


def generate(*, users: int, contacts_per_user: int, seed: int = 0, now: datetime) -> dict[str, Any]:
    """A synthetic CRM as an interchange document: ``users`` reps with ``contacts_per_user`` each.

    Deterministic: the same arguments give the same document. Every user's book has the same
    shape, so one rep's book stays the same size while the CRM grows with ``users``.
    """
    doc: dict[str, Any] = {"schema": SCHEMA}
    for key in _LISTS:
        doc[key] = []
    for key, record in iter_generate(
        users=users, contacts_per_user=contacts_per_user, seed=seed, now=now
    ):
        doc[key].append(record)
    return doc

"""The benchmarks of SPEC §10: every number a ratio of two things measured side by side.

Run from the repository root, after ``pip install -e '.[bench]'``::

    python benchmarks/run.py            # measurements 1-5 at full size (a few minutes)
    python benchmarks/run.py --quick    # the same at small sizes (about a minute)
    python benchmarks/run.py --size     # measurement 6 only: a million contacts (slow)
    python benchmarks/run.py --grid     # evaluate time per user by book size and CRM size
    python benchmarks/run.py --json results.json

Each ratio compares A and B in one process on the same data: the two are run alternately
(A B, B A, A B, …) and each side's median is taken, so that drift of the machine cancels out.
The synthetic CRM is :func:`guided_actions.synthetic.generate`: deterministic, every rep's book
the same shape, so one rep's book stays the same while the CRM grows.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import resource
import statistics
import sys
import time
import tracemalloc
import typing
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import guided_actions
from guided_actions import (
    Config,
    Contact,
    Email,
    Pipeline,
    Snapshot,
    Stage,
    evaluate,
    evaluate_all,
)
from guided_actions._model.kinds import BY_NAME
from guided_actions.rules.add_contact_to_deal import AddContactToDeal
from guided_actions.rules.log_call_outcomes import LogCallOutcomes
from guided_actions.rules.newly_assigned_contacts import NewlyAssignedContacts
from guided_actions.synthetic import _LISTS, generate, iter_generate

#: The instant every benchmark evaluates at (the generator spreads its timestamps around it).
NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)

#: The record lists of the interchange format that the generator fills, with their classes.
RECORD_CLASSES: dict[str, type[Any]] = {key: BY_NAME[key].cls for key in _LISTS}

THREE_RULES = (NewlyAssignedContacts, LogCallOutcomes, AddContactToDeal)
THREE_IDS = tuple(r.id for r in THREE_RULES)
UNGROUPED = Config(grouping=dict.fromkeys(THREE_IDS, False))


# -- timing ---------------------------------------------------------------------------------


#: The clock: CPU seconds of this process, so that other work on the machine does not count
#: (``--wall`` switches to wall-clock seconds).
CLOCK: Callable[[], float] = time.process_time


def _run(fn: Callable[[], object], number: int) -> float:
    """Seconds per call of ``fn``, over ``number`` calls (after a collection, gc left on)."""
    gc.collect()
    start = CLOCK()
    for _ in range(number):
        fn()
    return (CLOCK() - start) / number


def _calls_per_sample(fn: Callable[[], object], min_seconds: float) -> int:
    """How many calls make one sample last at least ``min_seconds`` (one call warms up)."""
    once = _run(fn, 1)
    if once >= min_seconds:
        return 1
    return max(1, int(min_seconds / max(once, 1e-7)) + 1)


def side_by_side(
    a: Callable[[], object],
    b: Callable[[], object],
    *,
    repeats: int,
    min_seconds: float,
) -> tuple[float, float]:
    """Median seconds per call of ``a`` and of ``b``, sampled alternately (A B, B A, A B…)."""
    na = _calls_per_sample(a, min_seconds)
    nb = _calls_per_sample(b, min_seconds)
    ta: list[float] = []
    tb: list[float] = []
    for i in range(repeats):
        if i % 2 == 0:
            ta.append(_run(a, na))
            tb.append(_run(b, nb))
        else:
            tb.append(_run(b, nb))
            ta.append(_run(a, na))
    return statistics.median(ta), statistics.median(tb)


# -- the documents and their records -----------------------------------------------------------


def _instant_fields(cls: type[Any]) -> frozenset[str]:
    hints = typing.get_type_hints(cls)
    return frozenset(
        name for name, tp in hints.items() if tp is datetime or datetime in typing.get_args(tp)
    )


_INSTANTS = {cls: _instant_fields(cls) for cls in RECORD_CLASSES.values()}
_parse = datetime.fromisoformat


def build_record(key: str, raw: dict[str, Any]) -> Any:
    """One record object from its interchange object, with the record classes alone."""
    cls = RECORD_CLASSES[key]
    instants = _INSTANTS[cls]
    kwargs = {
        name: (_parse(value) if name in instants and value is not None else value)
        for name, value in raw.items()
    }
    if cls is Pipeline:
        kwargs["stages"] = [Stage(**stage) for stage in kwargs["stages"]]
    return cls(**kwargs)


def build_records(doc: dict[str, Any]) -> list[Any]:
    """Every record of an interchange document, in document order."""
    return [build_record(key, raw) for key in RECORD_CLASSES for raw in doc.get(key, ())]


def make_doc(users: int, contacts_per_user: int) -> dict[str, Any]:
    return generate(users=users, contacts_per_user=contacts_per_user, seed=0, now=NOW)


def count_records(doc: dict[str, Any]) -> int:
    return sum(len(doc.get(key, ())) for key in RECORD_CLASSES)


def user_at(snapshot: Snapshot, position: int) -> str:
    return snapshot.users()[position].id


# -- reporting -------------------------------------------------------------------------------


def profile_of(fn: Callable[[], object], limit: int = 15) -> str:
    """cProfile of one call of ``fn``: the top ``limit`` functions by tottime and cumulative."""
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    fn()
    profile.disable()
    return _profile_text(profile, limit)


class Report:
    """The measurements taken, printed as they come and written as JSON on request."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.extra: dict[str, Any] = {}

    def ratio(
        self,
        number: str,
        name: str,
        a_label: str,
        a: float,
        b_label: str,
        b: float,
        *,
        target: tuple[str, float] | None,
        note: str = "",
    ) -> dict[str, Any]:
        ratio = a / b
        passed: bool | None = None
        if target is not None:
            op, bound = target
            passed = ratio <= bound if op == "<=" else ratio >= bound
        row = {
            "number": number,
            "name": name,
            "a": a_label,
            "a_seconds": a,
            "b": b_label,
            "b_seconds": b,
            "ratio": ratio,
            "target": None if target is None else f"{target[0]} {target[1]:g}x",
            "passed": passed,
            "note": note,
        }
        self.rows.append(row)
        verdict = "" if passed is None else ("PASS" if passed else "MISS")
        unit = _fmt_mib if number == "5" else _fmt_s
        target_text = row["target"] or "(no target)"
        print(
            f"[{number}] {name}\n"
            f"      A {a_label}: {unit(a)}\n"
            f"      B {b_label}: {unit(b)}\n"
            f"      A/B = {ratio:.3g}x   target {target_text}   {verdict}"
            + (f"\n      {note}" if note else ""),
            flush=True,
        )
        return row


def _fmt_mib(size: float) -> str:
    return f"{size / 2**20:.2f} MiB"


def _fmt_s(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds * 1e6:.2f} µs"


def machine() -> dict[str, Any]:
    mem_kb = 0
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1),
        "guided_actions": guided_actions.__version__,
    }


# -- 1. scale independence -------------------------------------------------------------------


def _book_size(snapshot: Snapshot, uid: str) -> dict[str, int]:
    return {
        "contacts": len(snapshot.contacts_owned_by(uid)),
        "companies": len(snapshot.companies_owned_by(uid)),
        "leads": len(snapshot.leads_owned_by(uid)),
        "deals": len(snapshot.deals_owned_by(uid)),
        "mailbox": len(snapshot.emails_in_mailbox(uid)),
        "calls": len(snapshot.calls_owned_by(uid)),
        "meetings": len(snapshot.meetings_owned_by(uid)),
        "tasks": len(snapshot.tasks_owned_by(uid)),
        "notes": len(snapshot.notes_owned_by(uid)),
    }


def _shape(result: guided_actions.Result) -> list[tuple[str, int, str]]:
    """The actions of a result without user ids (which differ by their zero padding)."""
    return [(a.rule, len(a.subjects), a.created_at.isoformat()) for a in result]


def bench_scale(report: Report, quick: bool, repeats: int, min_s: float) -> None:
    small_users, big_users, book = (10, 1000, 10) if quick else (20, 2000, 50)
    small = Snapshot.from_dict(make_doc(small_users, book))
    big = Snapshot.from_dict(make_doc(big_users, book))
    # The second rep: their book comes out of the generator identically in both CRMs (the
    # first rep's leads may go to the last rep, whose identity changes with the CRM's size).
    u_small, u_big = user_at(small, 1), user_at(big, 1)
    assert _book_size(small, u_small) == _book_size(big, u_big), "books differ"
    assert _shape(evaluate(small, NOW, u_small)) == _shape(evaluate(big, NOW, u_big))
    t_big, t_small = side_by_side(
        lambda: evaluate(big, NOW, u_big),
        lambda: evaluate(small, NOW, u_small),
        repeats=repeats,
        min_seconds=min_s,
    )
    size = _book_size(small, u_small)
    report.ratio(
        "1",
        "scale independence: evaluate one rep, CRM grown 100x, same book",
        f"evaluate {u_big} in {big_users} reps x {book} contacts",
        t_big,
        f"evaluate {u_small} in {small_users} reps x {book} contacts",
        t_small,
        target=("<=", 1.2),
        note=f"book: {size}",
    )


# -- 2. close to the limit -------------------------------------------------------------------


def bare_pass(snapshot: Snapshot) -> int:
    """The floor: read one field of every record of every list once."""
    n = 0
    for key in RECORD_CLASSES:
        for record in snapshot.records(key):
            if record.id:
                n += 1
    return n


def bench_limit(report: Report, quick: bool, repeats: int, min_s: float) -> Snapshot:
    users, book = (10, 20) if quick else (20, 100)
    snapshot = Snapshot.from_dict(make_doc(users, book))
    t_all, t_bare = side_by_side(
        lambda: evaluate_all(snapshot, NOW),
        lambda: bare_pass(snapshot),
        repeats=repeats,
        min_seconds=min_s,
    )
    records = bare_pass(snapshot)
    row = report.ratio(
        "2",
        "close to the limit: evaluate_all vs one bare pass over every record",
        f"evaluate_all, {users} reps x {book} contacts ({records} records)",
        t_all,
        "bare pass (read .id of every record)",
        t_bare,
        target=("<=", 5.0),
        note=f"per record: evaluate_all {_fmt_s(t_all / records)}, bare {_fmt_s(t_bare / records)}",
    )
    if row["passed"] is False:
        row["profile"] = profile_of(lambda: evaluate_all(snapshot, NOW))
        print(row["profile"], flush=True)
    return snapshot


# -- 3. index cost ---------------------------------------------------------------------------


def bench_index(report: Report, quick: bool, repeats: int, min_s: float) -> None:
    users, book = (10, 20) if quick else (20, 100)
    doc = make_doc(users, book)
    records = build_records(doc)
    t_index, t_records = side_by_side(
        lambda: Snapshot.from_records(records),
        lambda: build_records(doc),
        repeats=repeats,
        min_seconds=min_s,
    )
    report.ratio(
        "3a",
        "index cost: Snapshot.from_records(records) vs building those records",
        "Snapshot.from_records (checks + indexes)",
        t_index,
        f"build {len(records)} records from the document",
        t_records,
        target=("<=", 0.5),
    )
    text = json.dumps(doc)
    t_load, t_json = side_by_side(
        lambda: Snapshot.from_dict(json.loads(text)),
        lambda: json.loads(text),
        repeats=repeats,
        min_seconds=min_s,
    )
    report.ratio(
        "3b",
        "loading: Snapshot.from_dict(json.loads(text)) vs json.loads(text)",
        "json.loads + Snapshot.from_dict",
        t_load,
        f"json.loads of {len(text) / 1e6:.1f} MB",
        t_json,
        target=None,
    )


# -- 4. against what a developer would otherwise pick ----------------------------------------


def _ts(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _decision_table(name: str, inputs: list[tuple[str, str]]) -> dict[str, Any]:
    """A JDM graph: request -> one decision table (first hit) -> response ``{"fires": bool}``.

    Row 1 holds the rule's criteria, one input column each; row 2 (all blank) is the default.
    """
    columns = [
        {"id": f"in{i}", "name": f"in{i}", "type": "expression", "field": field}
        for i, (field, _cell) in enumerate(inputs)
    ]
    rows = [
        {"_id": "fires", **{f"in{i}": cell for i, (_f, cell) in enumerate(inputs)}, "out": "true"},
        {"_id": "default", **{f"in{i}": "" for i in range(len(inputs))}, "out": "false"},
    ]
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}},
            {
                "id": "table",
                "type": "decisionTableNode",
                "name": name,
                "position": {"x": 300, "y": 0},
                "content": {
                    "hitPolicy": "first",
                    "inputs": columns,
                    "outputs": [
                        {"id": "out", "name": "fires", "type": "expression", "field": "fires"}
                    ],
                    "rules": rows,
                },
            },
            {
                "id": "response",
                "type": "outputNode",
                "name": "Response",
                "position": {"x": 600, "y": 0},
            },
        ],
        "edges": [
            {"id": "e1", "sourceId": "request", "targetId": "table", "type": "edge"},
            {"id": "e2", "sourceId": "table", "targetId": "response", "type": "edge"},
        ],
    }


DAY = 86400.0

#: SPEC §5's three rules as decision tables over one record's context (times in epoch seconds).
ZEN_TABLES: dict[str, list[tuple[str, str]]] = {
    "newly_assigned_contacts": [
        ("createdAt <= now", "true"),
        (f"assignedAt <= now and now < assignedAt + {30 * DAY:.0f}", "true"),
        ('lifecycleStage in ["customer", "evangelist"]', "false"),
        ("none(dealCreated, # <= now)", "true"),
        ("some(outboundSent, # >= assignedAt and # <= now)", "false"),
        ("some(inboundSent, # >= assignedAt and # <= now)", "false"),
    ],
    "log_call_outcomes": [
        (f"startedAt + 3600 <= now and now < startedAt + {7 * DAY:.0f}", "true"),
        ('builtin ? status == "completed" : (status == "completed" or status == null)', "true"),
        ('outcome == null or outcome == ""', "true"),
    ],
    "add_contact_to_deal": [
        (f"createdAt + {7 * DAY:.0f} <= now and now < createdAt + {14 * DAY:.0f}", "true"),
        ("closed", "false"),
        ("none(contactCreated, # <= now)", "true"),
    ],
}


class ZenRules:
    """The three rules for zen-engine: one decision per rule, evaluated once per record.

    Preparing the contexts (each rep's records as JSON-ready dicts, with the timestamps of the
    emails, deals and contacts each rule needs) happens once per snapshot, untimed, like the
    snapshot's own indexes; the timed part is evaluating the decisions for a rep's records.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        import zen

        engine = zen.ZenEngine()
        self.decisions = {
            rule_id: engine.create_decision(json.dumps(_decision_table(rule_id, inputs)))
            for rule_id, inputs in ZEN_TABLES.items()
        }
        assert not snapshot.custom_lifecycle_stages
        self.contexts: dict[str, dict[str, list[tuple[str, dict[str, Any]]]]] = {
            u.id: {rule_id: [] for rule_id in ZEN_TABLES} for u in snapshot.users()
        }
        contacts = {c.id: c for c in snapshot.records("contacts")}
        deal_created: dict[str, list[float | None]] = {}
        for d in snapshot.records("deals"):
            for cid in d.contact_ids:
                deal_created.setdefault(cid, []).append(_ts(d.created_at))
        sent: dict[tuple[str, str, str], list[float | None]] = {}
        for e in snapshot.records("emails"):
            cids = set(e.contact_ids)
            addresses = [e.from_address] if e.direction == "inbound" else [*e.to, *e.cc]
            for address in addresses:
                cids.update(c.id for c in snapshot.contacts_with_email(address or ""))
            for cid in cids:
                sent.setdefault((e.owner_id, e.direction, cid), []).append(_ts(e.sent_at))
        for c in snapshot.records("contacts"):
            if c.owner_id is None:
                continue
            self.contexts[c.owner_id]["newly_assigned_contacts"].append(
                (
                    c.id,
                    {
                        "createdAt": _ts(c.created_at),
                        "assignedAt": _ts(c.owner_assigned_at or c.created_at),
                        "lifecycleStage": c.lifecycle_stage,
                        "dealCreated": deal_created.get(c.id, []),
                        "outboundSent": sent.get((c.owner_id, "outbound", c.id), []),
                        "inboundSent": sent.get((c.owner_id, "inbound", c.id), []),
                    },
                )
            )
        for k in snapshot.records("calls"):
            self.contexts[k.owner_id]["log_call_outcomes"].append(
                (
                    k.id,
                    {
                        "startedAt": _ts(k.started_at),
                        "status": k.status,
                        "builtin": k.builtin_calling,
                        "outcome": k.outcome,
                    },
                )
            )
        for d in snapshot.records("deals"):
            if d.owner_id is None:
                continue
            pipeline = snapshot.pipeline(d.pipeline_id)
            assert pipeline is not None
            stage = pipeline.stage(d.stage_id)
            assert stage is not None
            self.contexts[d.owner_id]["add_contact_to_deal"].append(
                (
                    d.id,
                    {
                        "createdAt": _ts(d.created_at),
                        "closed": stage.closed,
                        "contactCreated": [_ts(contacts[cid].created_at) for cid in d.contact_ids],
                    },
                )
            )

    def user(self, uid: str, now: datetime) -> set[tuple[str, str]]:
        ts = now.timestamp()
        fired: set[tuple[str, str]] = set()
        for rule_id, records in self.contexts[uid].items():
            decision = self.decisions[rule_id]
            for rid, ctx in records:
                ctx["now"] = ts
                if decision.evaluate(ctx)["result"]["fires"]:
                    fired.add((rule_id, rid))
        return fired

    def all(self, now: datetime) -> dict[str, set[tuple[str, str]]]:
        return {uid: self.user(uid, now) for uid in self.contexts}


def naive_user(snapshot: Snapshot, uid: str, now: datetime) -> set[tuple[str, str]]:
    """The three rules as a developer would first write them: comprehensions over every record."""
    contacts = snapshot.records("contacts")
    deals = snapshot.records("deals")
    emails = snapshot.records("emails")
    calls = snapshot.records("calls")
    live_contacts = {c.id for c in contacts if c.created_at <= now}
    dealt = {cid for d in deals if d.created_at <= now for cid in d.contact_ids}
    mail = [e for e in emails if e.owner_id == uid and e.sent_at <= now]
    out = [e for e in mail if e.direction == "outbound"]
    inbound = [e for e in mail if e.direction == "inbound"]

    def to(e: Email, c: Contact) -> bool:
        return c.id in e.contact_ids or (
            c.email is not None and c.email.casefold() in {a.casefold() for a in (*e.to, *e.cc)}
        )

    def frm(e: Email, c: Contact) -> bool:
        return c.id in e.contact_ids or (
            c.email is not None
            and e.from_address is not None
            and c.email.casefold() == e.from_address.casefold()
        )

    fired = {
        ("newly_assigned_contacts", c.id)
        for c in contacts
        if c.owner_id == uid
        and c.created_at <= now
        and (c.owner_assigned_at or c.created_at) <= now
        and now - (c.owner_assigned_at or c.created_at) < 30 * _DAY
        and c.lifecycle_stage not in ("customer", "evangelist")
        and c.id not in dealt
        and not any(e.sent_at >= (c.owner_assigned_at or c.created_at) and to(e, c) for e in out)
        and not any(
            e.sent_at >= (c.owner_assigned_at or c.created_at) and frm(e, c) for e in inbound
        )
    }
    fired |= {
        ("log_call_outcomes", k.id)
        for k in calls
        if k.owner_id == uid
        and k.started_at + _HOUR <= now < k.started_at + 7 * _DAY
        and (k.status == "completed" if k.builtin_calling else k.status in ("completed", None))
        and not k.outcome
    }
    closed = {(p.id, s.id) for p in snapshot.records("pipelines") for s in p.stages if s.closed}
    fired |= {
        ("add_contact_to_deal", d.id)
        for d in deals
        if d.owner_id == uid
        and d.created_at <= now
        and (d.pipeline_id, d.stage_id) not in closed
        and d.created_at + 7 * _DAY <= now < d.created_at + 14 * _DAY
        and not any(cid in live_contacts for cid in d.contact_ids)
    }
    return fired


def naive_all(snapshot: Snapshot, now: datetime) -> dict[str, set[tuple[str, str]]]:
    return {u.id: naive_user(snapshot, u.id, now) for u in snapshot.users()}


def ga_user(snapshot: Snapshot, uid: str, now: datetime) -> set[tuple[str, str]]:
    result = evaluate(snapshot, now, uid, rules=THREE_RULES, config=UNGROUPED)
    return {(a.rule, a.subjects[0][1]) for a in result}


def ga_all(snapshot: Snapshot, now: datetime) -> dict[str, set[tuple[str, str]]]:
    results = evaluate_all(snapshot, now, rules=THREE_RULES, config=UNGROUPED)
    return {uid: {(a.rule, a.subjects[0][1]) for a in r} for uid, r in results.items()}


def bench_alternatives(report: Report, quick: bool, repeats: int, min_s: float) -> None:
    users, book = (10, 20) if quick else (20, 100)
    snapshot = Snapshot.from_dict(make_doc(users, book))
    zen_rules = ZenRules(snapshot)
    expected = ga_all(snapshot, NOW)
    assert any(expected.values()), "the three rules should fire for some rep"
    assert zen_rules.all(NOW) == expected, "zen-engine disagrees with guided_actions"
    assert naive_all(snapshot, NOW) == expected, "the comprehensions disagree with guided_actions"
    uid = user_at(snapshot, 1)
    fired = {rule: sum(1 for r, _ in expected[uid] if r == rule) for rule in THREE_IDS}
    note = f"{users} reps x {book} contacts; {uid}'s actions: {fired}; all three agree"
    t_zen, t_ga = side_by_side(
        lambda: zen_rules.user(uid, NOW),
        lambda: ga_user(snapshot, uid, NOW),
        repeats=repeats,
        min_seconds=min_s,
    )
    row = report.ratio(
        "4a",
        "per rep: zen-engine decision tables vs guided_actions (3 rules)",
        "zen-engine, one rep",
        t_zen,
        "guided_actions evaluate, one rep",
        t_ga,
        target=(">=", 20.0),
        note=note,
    )
    if row["passed"] is False:
        row["profile"] = profile_of(lambda: [ga_user(snapshot, uid, NOW) for _ in range(20)])
        row["profile_zen"] = profile_of(lambda: [zen_rules.user(uid, NOW) for _ in range(20)])
        print(row["profile"], row["profile_zen"], flush=True)
    t_zen_all, t_ga_all = side_by_side(
        lambda: zen_rules.all(NOW),
        lambda: ga_all(snapshot, NOW),
        repeats=repeats,
        min_seconds=min_s,
    )
    report.ratio(
        "4b",
        "every rep: zen-engine decision tables vs guided_actions (3 rules)",
        "zen-engine, every rep",
        t_zen_all,
        "guided_actions evaluate_all",
        t_ga_all,
        target=(">=", 10.0),
    )
    t_naive, t_ga = side_by_side(
        lambda: naive_user(snapshot, uid, NOW),
        lambda: ga_user(snapshot, uid, NOW),
        repeats=repeats,
        min_seconds=min_s,
    )
    report.ratio(
        "4c",
        "per rep: naive comprehensions vs guided_actions (3 rules)",
        "comprehensions over every record, one rep",
        t_naive,
        "guided_actions evaluate, one rep",
        t_ga,
        target=None,
    )
    t_naive_all, t_ga_all = side_by_side(
        lambda: naive_all(snapshot, NOW),
        lambda: ga_all(snapshot, NOW),
        repeats=repeats,
        min_seconds=min_s,
    )
    report.ratio(
        "4d",
        "every rep: naive comprehensions vs guided_actions (3 rules)",
        "comprehensions over every record, every rep",
        t_naive_all,
        "guided_actions evaluate_all",
        t_ga_all,
        target=None,
    )


_DAY = NOW - NOW.replace(day=2)
_HOUR = _DAY / 24


# -- 5. memory -------------------------------------------------------------------------------


def _peak(fn: Callable[[], object]) -> int:
    """Peak bytes traced while ``fn`` runs (its result kept alive until the peak is read)."""
    gc.collect()
    tracemalloc.start()
    kept = fn()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del kept
    return peak


def bench_memory(report: Report, quick: bool) -> None:
    users, book = (10, 20) if quick else (20, 100)
    doc = make_doc(users, book)
    peaks_records: list[int] = []
    peaks_both: list[int] = []
    for _ in range(3):
        peaks_records.append(_peak(lambda: build_records(doc)))
        peaks_both.append(_peak(lambda: Snapshot.from_records(build_records(doc))))
    records, both = statistics.median(peaks_records), statistics.median(peaks_both)
    retained = []
    for _ in range(3):
        gc.collect()
        tracemalloc.start()
        recs = build_records(doc)
        records_only = tracemalloc.get_traced_memory()[0]
        snap = Snapshot.from_records(recs)
        retained.append((records_only, tracemalloc.get_traced_memory()[0]))
        top = tracemalloc.take_snapshot().statistics("lineno")
        tracemalloc.stop()
        del recs, snap
    kept_records, kept_both = sorted(retained)[1]
    row = report.ratio(
        "5",
        "memory: peak of records + snapshot vs records alone (tracemalloc)",
        "build records, then Snapshot.from_records",
        both,
        f"build {count_records(doc)} records",
        records,
        target=("<=", 1.5),
        note=f"peaks: records {records / 2**20:.1f} MiB, records + snapshot "
        f"{both / 2**20:.1f} MiB: indexes add {100 * (both / records - 1):.0f}% at the peak; "
        f"retained after construction: records {kept_records / 2**20:.1f} MiB, records + "
        f"snapshot {kept_both / 2**20:.1f} MiB (+{100 * (kept_both / kept_records - 1):.0f}%)",
    )
    row["unit"] = "bytes"
    row["retained_bytes"] = {"records": kept_records, "records_and_snapshot": kept_both}
    if row["passed"] is False:
        here = os.path.dirname(os.path.abspath(__file__))
        lines = [str(stat) for stat in top if here not in str(stat.traceback)][:12]
        row["allocations"] = lines
        print(
            "      largest live allocations after Snapshot.from_records:\n        "
            + "\n        ".join(lines),
            flush=True,
        )


# -- 6. size ---------------------------------------------------------------------------------


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _profile_text(profile: cProfile.Profile, limit: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs()
    for order in ("cumulative", "tottime"):
        out.write(f"\n--- top {limit} by {order} ---\n")
        stats.sort_stats(order).print_stats(limit)
    return out.getvalue()


class _Clocks:
    """CPU and wall-clock seconds since creation."""

    def __init__(self) -> None:
        self.cpu = time.process_time()
        self.wall = time.perf_counter()

    def lap(self, walls: list[float]) -> float:
        walls.append(time.perf_counter() - self.wall)
        return time.process_time() - self.cpu


def _stream_records(users: int, book: int) -> Iterator[Any]:
    for key, raw in iter_generate(users=users, contacts_per_user=book, seed=0, now=NOW):
        yield build_record(key, raw)


def bench_size(report: Report, contacts: int, book: int) -> None:
    users = max(1, contacts // book)
    print(f"[6] size: {users} reps x {book} contacts = {users * book:,} contacts", flush=True)
    timings: dict[str, float] = {}
    walls: list[float] = []

    clock = _Clocks()
    n = sum(1 for _ in iter_generate(users=users, contacts_per_user=book, seed=0, now=NOW))
    timings["generate (iter_generate, discarded)"] = clock.lap(walls)
    print(
        f"      generated {n:,} records in {timings['generate (iter_generate, discarded)']:.1f} s",
        flush=True,
    )

    rss_before = _maxrss_mib()
    clock = _Clocks()
    records = list(_stream_records(users, book))
    timings["generate + build records"] = clock.lap(walls)
    rss_records = _maxrss_mib()
    print(
        f"      built records in {timings['generate + build records']:.1f} s, "
        f"max RSS {rss_records:,.0f} MiB",
        flush=True,
    )

    clock = _Clocks()
    snapshot = Snapshot.from_records(records)
    timings["Snapshot.from_records"] = clock.lap(walls)
    rss_snapshot = _maxrss_mib()
    print(
        f"      from_records in {timings['Snapshot.from_records']:.1f} s, "
        f"max RSS {rss_snapshot:,.0f} MiB",
        flush=True,
    )

    clock = _Clocks()
    results = evaluate_all(snapshot, NOW)
    timings["evaluate_all"] = clock.lap(walls)
    rss_eval = _maxrss_mib()
    actions = sum(len(r.actions) for r in results.values())
    errors = sum(len(r.errors) for r in results.values())
    print(
        f"      evaluate_all in {timings['evaluate_all']:.1f} s ({actions:,} actions, "
        f"{errors} rule errors), max RSS {rss_eval:,.0f} MiB",
        flush=True,
    )
    del results

    # Where the time goes: evaluate_all over every tenth rep of this snapshot (the cost per rep
    # does not depend on the CRM's size), and loading a tenth of the CRM (loading is linear).
    sample = [u.id for u in snapshot.users()[::10]]
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    evaluate_all(snapshot, NOW, users=sample)
    profile.disable()
    eval_profile = _profile_text(profile, 15)
    del snapshot, records
    gc.collect()
    tenth = max(1, users // 10)
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    Snapshot.from_records(_stream_records(tenth, book))
    profile.disable()
    load_profile = _profile_text(profile, 15)
    print(f"      profile of evaluate_all over {len(sample)} reps:\n{eval_profile}")
    print(f"      profile of generating + loading {tenth} reps x {book} contacts:\n{load_profile}")

    report.extra["size"] = {
        "reps": users,
        "contacts_per_rep": book,
        "contacts": users * book,
        "records": n,
        "cpu_seconds": timings,
        "wall_seconds": dict(zip(timings, walls, strict=True)),
        "max_rss_mib": {
            "before": rss_before,
            "after records": rss_records,
            "after snapshot": rss_snapshot,
            "after evaluate_all": rss_eval,
        },
        "actions": actions,
        "rule_errors": errors,
        "profile_evaluate_all": eval_profile,
        "profile_load": load_profile,
    }


# -- grid: evaluate time per rep by book size and CRM size -----------------------------------


def bench_grid(report: Report, repeats: int, min_s: float) -> None:
    books = (20, 60, 180)
    crms = (3, 30, 300)
    grid: dict[str, dict[str, float]] = {}
    print(
        "[grid] evaluate for the second rep, seconds (rows: contacts per rep; "
        "columns: reps in the CRM)",
        flush=True,
    )
    for book in books:
        snapshots = [Snapshot.from_dict(make_doc(users, book)) for users in crms]
        fns = [(lambda s=s: evaluate(s, NOW, user_at(s, 1))) for s in snapshots]
        counts = [_calls_per_sample(fn, min_s) for fn in fns]
        samples: list[list[float]] = [[] for _ in fns]
        for i in range(repeats):
            order = range(len(fns)) if i % 2 == 0 else reversed(range(len(fns)))
            for j in order:
                samples[j].append(_run(fns[j], counts[j]))
        row = {str(users): statistics.median(s) for users, s in zip(crms, samples, strict=True)}
        grid[str(book)] = row
        print(
            f"      {book:>4} contacts/rep: "
            + "  ".join(
                f"{users} reps {_fmt_s(t)}" for users, t in zip(crms, row.values(), strict=True)
            ),
            flush=True,
        )
        del snapshots, fns
    report.extra["grid"] = {
        "rows_contacts_per_rep": list(books),
        "columns_reps": list(crms),
        "seconds": grid,
    }


# -- main ------------------------------------------------------------------------------------


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer repeats")
    parser.add_argument("--size", action="store_true", help="run only measurement 6 (slow)")
    parser.add_argument(
        "--quick-size-contacts",
        type=int,
        default=20_000,
        help="contacts in the size run with --quick (default 20,000)",
    )
    parser.add_argument(
        "--size-contacts",
        type=int,
        default=1_000_000,
        help="contacts in the size run (default 1,000,000)",
    )
    parser.add_argument(
        "--size-book",
        type=int,
        default=1000,
        help="contacts per rep in the size run (default 1000)",
    )
    parser.add_argument("--grid", action="store_true", help="also run the book x CRM grid")
    parser.add_argument(
        "--only", help="comma-separated measurement numbers to run (1-6; default: all six)"
    )
    parser.add_argument("--json", metavar="FILE", help="write the numbers as JSON")
    parser.add_argument("--wall", action="store_true", help="time wall-clock, not CPU, seconds")
    args = parser.parse_args(list(argv) if argv is not None else None)

    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    report = Report()
    info = machine()
    info["clock"] = "wall" if args.wall else "process CPU"
    info["load_average"] = os.getloadavg()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    repeats, min_s = (5, 0.02) if args.quick else (9, 0.1)
    only = {"6"} if args.size else set(args.only.split(",") if args.only else "123456")
    if only:
        if "1" in only:
            bench_scale(report, args.quick, repeats, min_s)
        if "2" in only:
            bench_limit(report, args.quick, repeats, min_s)
        if "3" in only:
            bench_index(report, args.quick, repeats, min_s)
        if "4" in only:
            bench_alternatives(report, args.quick, repeats, min_s)
        if "5" in only:
            bench_memory(report, args.quick)
        if "6" in only:
            contacts = args.quick_size_contacts if args.quick else args.size_contacts
            bench_size(report, contacts, min(args.size_book, contacts))
    if args.grid:
        bench_grid(report, 5 if args.quick else repeats, min_s)

    missed = [r for r in report.rows if r["passed"] is False]
    if report.rows:
        print(
            f"\n{len(report.rows) - len(missed)} of {len(report.rows)} rows without a MISS"
            + (": missed " + ", ".join(r["number"] for r in missed) if missed else "")
        )
    if args.json:
        payload = {
            "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
            "machine": info,
            "now": NOW.isoformat(),
            "measurements": report.rows,
            **report.extra,
        }
        with open(args.json, "w") as fh:
            json.dump(payload, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

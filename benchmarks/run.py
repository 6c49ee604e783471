"""The benchmarks of issue 12's six targets: every number a comparison measured side by side.

Run from the repository root, after ``pip install -e '.[bench]'``::

    python benchmarks/run.py --quick                  # targets 2-6 at small sizes (~2 minutes)
    python benchmarks/run.py --json results.json      # targets 2-6 on the benchmark CRM
    python benchmarks/run.py --million DIR            # target 1: a million contacts, from DIR
    python benchmarks/run.py --million DIR --contacts 20000   # the same pipeline, smaller

How a comparison is timed: A and B run alternately (A B, B A, A B, ...), each sample after a
garbage collection, and every sample records both its wall time (``time.perf_counter``) and the
CPU time of this process (``time.process_time``, every thread). Pairs are added until the ratio
A/B of the last five pairs is stable (their half-range at most 5 % of their median) on the clock
the verdict uses, with at least 5 and at most 15 pairs; the ratio reported is the median of the
pairs' ratios, with its min-max and each side's median and min-max. A comparison that reached 15
pairs (or its time budget) without being stable says so. The verdict uses CPU time where both
sides run on one thread of this process, and wall time where a side uses other threads or
processes (Parquet reading, zen-engine's runtime, worker processes, the million).

``--baseline REV`` (default ``55286bf``, the last commit before the fast paths) extracts that
revision's ``src/`` with ``git archive`` (or ``--baseline-path DIR`` uses a ``src`` directory
already there) and times the same loading and evaluation alternately in fresh subprocesses on
the baseline's ``src`` and on this checkout's.

Profiles use cProfile with its default timer (wall clock) and are printed for every MISS.
The CRM is ``guided_actions.synthetic.generate(users=..., contacts_per_user=500, seed=0,
now=NOW)``: 200 users are the benchmark CRM of 100,000 contacts (849,655 records).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import dataclasses
import gc
import inspect
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs

import guided_actions
from guided_actions import Config, Snapshot, evaluate, evaluate_all
from guided_actions._model.kinds import BY_NAME
from guided_actions.rules.add_contact_to_deal import AddContactToDeal
from guided_actions.rules.log_call_outcomes import LogCallOutcomes
from guided_actions.rules.newly_assigned_contacts import NewlyAssignedContacts
from guided_actions.synthetic import _LISTS, generate

#: The instant every benchmark evaluates at (the generator spreads its timestamps around it).
NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
#: Contacts per rep in every CRM of these benchmarks but the scale test's.
BOOK = 500
#: The last commit before the fast paths of issue 12: "today's" of targets 2 and 3.
BASELINE = "55286bf"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

THREE_RULES = (NewlyAssignedContacts, LogCallOutcomes, AddContactToDeal)
THREE_IDS = tuple(r.id for r in THREE_RULES)
UNGROUPED = Config(grouping=dict.fromkeys(THREE_IDS, False))

#: Per user, the set of ``(rule id, subject kind, subject id)`` of their actions.
Fired = dict[str, set[tuple[str, str, str]]]


def make_doc(users: int, book: int = BOOK) -> dict[str, Any]:
    return generate(users=users, contacts_per_user=book, seed=0, now=NOW)


def count_records(doc: dict[str, Any]) -> int:
    return sum(len(v) for v in doc.values() if isinstance(v, list))


# -- timing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """Seconds per call of one sample, on both clocks."""

    wall: float
    cpu: float

    def on(self, clock: str) -> float:
        return self.wall if clock == "wall" else self.cpu


def sample(fn: Callable[[], object], calls: int = 1) -> Sample:
    """Seconds per call of ``fn`` over ``calls`` calls (after a collection; the collector on)."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        fn()
    return Sample((time.perf_counter() - wall) / calls, (time.process_time() - cpu) / calls)


def calls_for(fn: Callable[[], object], min_seconds: float) -> int:
    """How many calls make a sample last ``min_seconds`` (one call, untimed, warms up)."""
    once = sample(fn).wall
    return 1 if once >= min_seconds else int(min_seconds / max(once, 1e-7)) + 1


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


@dataclass
class Comparison:
    """Samples of A and B taken alternately, and the ratios A/B of each pair."""

    a_label: str
    b_label: str
    clock: str
    a: list[Sample] = field(default_factory=list)
    b: list[Sample] = field(default_factory=list)
    stable: bool = False

    def ratios(self, clock: str) -> list[float]:
        return [x.on(clock) / y.on(clock) for x, y in zip(self.a, self.b, strict=True)]

    def ratio(self, clock: str | None = None) -> float:
        return statistics.median(self.ratios(clock or self.clock))

    def side(self, which: str, clock: str) -> dict[str, float]:
        return _spread([s.on(clock) for s in (self.a if which == "a" else self.b)])

    def as_dict(self) -> dict[str, Any]:
        return {
            "a": self.a_label,
            "b": self.b_label,
            "verdict_clock": self.clock,
            "pairs": len(self.a),
            "stable": self.stable,
            **{
                clock: {
                    "a_seconds": self.side("a", clock),
                    "b_seconds": self.side("b", clock),
                    "ratio": _spread(self.ratios(clock)),
                }
                for clock in ("wall", "cpu")
            },
        }

    def text(self) -> str:
        lines = []
        for clock in ("wall", "cpu"):
            a, b, r = self.side("a", clock), self.side("b", clock), _spread(self.ratios(clock))
            mark = "  <- verdict" if clock == self.clock else ""
            lines.append(
                f"      {clock:<4} A {_fmt_s(a['median'])} ({_fmt_s(a['min'])}-{_fmt_s(a['max'])})"
                f"  B {_fmt_s(b['median'])} ({_fmt_s(b['min'])}-{_fmt_s(b['max'])})"
                f"  A/B {r['median']:.3g}x ({r['min']:.3g}-{r['max']:.3g}){mark}"
            )
        state = "stable" if self.stable else "NOT stable"
        lines.append(f"      {len(self.a)} pairs, alternated, {state}")
        return "\n".join(lines)


def is_stable(ratios: list[float], tolerance: float = 0.05) -> bool:
    """The last five ratios' half-range is at most ``tolerance`` of their median."""
    if len(ratios) < 5:
        return False
    last = ratios[-5:]
    return (max(last) - min(last)) / 2 <= tolerance * statistics.median(last)


def compare(
    a_label: str,
    a: Callable[[], Sample],
    b_label: str,
    b: Callable[[], Sample],
    *,
    clock: str,
    min_pairs: int = 5,
    max_pairs: int = 15,
    budget: float | None = None,
) -> Comparison:
    """Sample ``a`` and ``b`` alternately (A B, B A, ...) until their ratio is stable.

    ``a`` and ``b`` each take one sample. At least ``min_pairs`` pairs, at most ``max_pairs``,
    and no new pair once ``budget`` wall seconds have passed.
    """
    result = Comparison(a_label, b_label, clock)
    start = time.perf_counter()
    for i in range(max_pairs):
        if i % 2 == 0:
            result.a.append(a())
            result.b.append(b())
        else:
            result.b.append(b())
            result.a.append(a())
        result.stable = is_stable(result.ratios(clock))
        if i + 1 >= min_pairs and (
            result.stable or (budget is not None and time.perf_counter() - start > budget)
        ):
            break
    return result


def compare_calls(
    a_label: str,
    a: Callable[[], object],
    b_label: str,
    b: Callable[[], object],
    *,
    clock: str,
    min_seconds: float,
    budget: float | None = None,
) -> Comparison:
    """:func:`compare` of two calls, each sample lasting at least ``min_seconds``."""
    na, nb = calls_for(a, min_seconds), calls_for(b, min_seconds)
    return compare(
        a_label, lambda: sample(a, na), b_label, lambda: sample(b, nb), clock=clock, budget=budget
    )


def _fmt_s(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} µs"


def profile_text(fn: Callable[[], object], limit: int = 15) -> str:
    """cProfile (its default timer, wall clock) of one call of ``fn``: the top by tottime."""
    profile = cProfile.Profile()
    profile.enable()
    fn()
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).strip_dirs().sort_stats("tottime").print_stats(limit)
    return out.getvalue()


# -- the report -------------------------------------------------------------------------------


@dataclass
class Target:
    """One target of issue 12: its bound, what was measured, and the verdict."""

    number: str
    name: str
    bound: str  # ">= 2" or "<= 1.5"
    value: float | None = None
    detail: str = ""
    comparison: Comparison | None = None
    profile: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool | None:
        if self.value is None or not self.bound:
            return None
        op, bound = self.bound.split()
        return self.value >= float(bound) if op == ">=" else self.value <= float(bound)

    @property
    def verdict(self) -> str:
        if not self.bound:
            return "-"
        return {True: "PASS", False: "MISS", None: "NOT RUN"}[self.passed]

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "target": self.bound,
            "value": self.value,
            "verdict": self.verdict,
            "detail": self.detail,
            "comparison": None if self.comparison is None else self.comparison.as_dict(),
            "profile": self.profile,
            **self.extra,
        }


class Report:
    def __init__(self) -> None:
        self.targets: list[Target] = []
        self.info: dict[str, Any] = {}

    def add(self, target: Target, profile: Callable[[], object] | None = None) -> Target:
        if target.passed is False and profile is not None:
            target.profile = profile_text(profile)
        self.targets.append(target)
        c = target.comparison
        print(f"[{target.number}] {target.name}", flush=True)
        if c is not None:
            print(f"      A: {c.a_label}\n      B: {c.b_label}\n{c.text()}", flush=True)
        value = "-" if target.value is None else f"{target.value:.3g}"
        print(
            f"      {value}  target {target.bound}  {target.verdict}  {target.detail}", flush=True
        )
        if target.profile:
            print(f"      profile (cProfile, default timer):\n{target.profile}", flush=True)
        return target

    def table(self) -> str:
        lines = [
            "",
            "| # | target | bound | measured | spread | verdict |",
            "|---|---|---|---|---|---|",
        ]
        for t in self.targets:
            c = t.comparison
            spread = ""
            if c is not None:
                r = _spread(c.ratios(c.clock))
                spread = f"{r['min']:.3g}-{r['max']:.3g} ({c.clock}, {len(c.a)} pairs"
                spread += ")" if c.stable else ", not stable)"
            value = "-" if t.value is None else f"{t.value:.3g}"
            lines.append(
                f"| {t.number} | {t.name} | {t.bound} | {value} | {spread} | {t.verdict} |"
            )
        return "\n".join(lines)


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cores": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "guided_actions": guided_actions.__version__,
    }
    with contextlib.suppress(OSError), open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                info["memory_gib"] = round(int(line.split()[1]) / 2**20, 1)
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    from importlib.metadata import PackageNotFoundError, version

    for dist in ("zen-engine", "pyarrow", "attrs"):
        with contextlib.suppress(PackageNotFoundError):
            info[dist] = version(dist)
    return info


# -- the floor: the three rules as a set-based plain-Python batch --------------------------------


_DAY = timedelta(days=1)


def floor_all(snapshot: Snapshot, now: datetime) -> Fired:
    """The three benchmark rules over every record, written by hand: sets and dicts, no keys,
    no reasons, no indexes of the snapshot (it builds its own from the record lists).

    Same criteria as ``NewlyAssignedContacts``, ``LogCallOutcomes`` and ``AddContactToDeal``
    (SPEC §3 and §5): records created and events stamped after ``now`` do not exist yet; "since"
    includes its instant; addresses compare case-folded.
    """
    fired: Fired = {u.id: set() for u in snapshot.records("users")}
    users = fired
    # Who may still have an action at all: the rules skip anyone else's records.
    contacts = [c for c in snapshot.records("contacts") if c.created_at <= now]
    by_address: dict[str, list[str]] = {}
    for c in contacts:
        if c.email:
            by_address.setdefault(c.email.casefold(), []).append(c.id)
    # The latest email each way between a mailbox's owner and each contact, sent by now.
    last_mail: dict[tuple[str, str, str], datetime] = {}
    for e in snapshot.records("emails"):
        if e.sent_at > now:
            continue
        inbound = e.direction == "inbound"
        cids = set(e.contact_ids)
        for address in (e.from_address,) if inbound else (*e.to, *e.cc):
            if address:
                cids.update(by_address.get(address.casefold(), ()))
        for cid in cids:
            key = (e.owner_id, e.direction, cid)
            if key not in last_mail or last_mail[key] < e.sent_at:
                last_mail[key] = e.sent_at
    deals = [d for d in snapshot.records("deals") if d.created_at <= now]
    listed = {cid for d in deals for cid in d.contact_ids}
    if snapshot.custom_lifecycle_stages:
        excluded: tuple[str, ...] = (snapshot.lifecycle_stages[-1],)
    else:
        excluded = ("customer", "evangelist")
    never = datetime.min.replace(tzinfo=UTC)
    for c in contacts:
        if c.owner_id not in users:
            continue
        since = c.owner_assigned_at or c.created_at
        if (
            since <= now < since + 30 * _DAY
            and c.lifecycle_stage not in excluded
            and c.id not in listed
            and last_mail.get((c.owner_id, "outbound", c.id), never) < since
            and last_mail.get((c.owner_id, "inbound", c.id), never) < since
        ):
            users[c.owner_id].add(("newly_assigned_contacts", "contact", c.id))
    for k in snapshot.records("calls"):
        if (
            k.owner_id in users
            and k.started_at + timedelta(hours=1) <= now < k.started_at + 7 * _DAY
            and (k.status == "completed" if k.builtin_calling else k.status in (None, "completed"))
            and not k.outcome
        ):
            users[k.owner_id].add(("log_call_outcomes", "call", k.id))
    closed = {(p.id, s.id) for p in snapshot.records("pipelines") for s in p.stages if s.closed}
    live = {c.id for c in contacts}
    for d in deals:
        if (
            d.owner_id in users
            and d.created_at + 7 * _DAY <= now < d.created_at + 14 * _DAY
            and (d.pipeline_id, d.stage_id) not in closed
            and not any(cid in live for cid in d.contact_ids)
        ):
            users[d.owner_id].add(("add_contact_to_deal", "deal", d.id))
    return fired


def library_all(snapshot: Snapshot, now: datetime) -> Fired:
    """``evaluate_all`` of the three rules, grouping off, as the floor's sets."""
    results = evaluate_all(snapshot, now, rules=THREE_RULES, config=UNGROUPED)
    return {
        uid: {(a.rule, kind, rid) for a in r for kind, rid in a.subjects}
        for uid, r in results.items()
    }


# -- the peer: zen-engine ------------------------------------------------------------------------


def _ts(value: datetime) -> float:
    return value.timestamp()


#: The three rules as ZEN expressions over a list of prepared rows (times in epoch seconds),
#: each giving the positions of the rows that fire.
ZEN_EXPRESSIONS = {
    "newly_assigned_contacts": (
        "map(filter(rows, #.since <= now and now < #.since + 2592000"
        ' and not (#.stage in ["customer", "evangelist"]) and not #.listed'
        " and (#.lastOutbound == null or #.lastOutbound < #.since)"
        " and (#.lastInbound == null or #.lastInbound < #.since)), #.i)"
    ),
    "log_call_outcomes": (
        "map(filter(rows, #.started + 3600 <= now and now < #.started + 604800"
        ' and (#.builtin ? #.status == "completed" : (#.status == null or #.status == "completed"))'
        ' and (#.outcome == null or #.outcome == "")), #.i)'
    ),
    "add_contact_to_deal": (
        "map(filter(rows, #.created + 604800 <= now and now < #.created + 1209600"
        " and not #.closed and none(#.contactCreated, # <= now)), #.i)"
    ),
}


class ZenExpressions:
    """The three rules for zen-engine at its best: each rule one expression, compiled once and
    evaluated once over all its rows; the rows (records as plain values, with the timestamps
    of the emails, deals and contacts each rule needs) are prepared in :meth:`__call__`, timed.
    """

    def __init__(self) -> None:
        import zen

        self.expressions = {k: zen.compile_expression(v) for k, v in ZEN_EXPRESSIONS.items()}

    def prepare(
        self, snapshot: Snapshot, now: datetime
    ) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
        """Per rule, the rows ``(owner, subject id, row)`` of its subjects' kind: what exists
        at ``now``, with the timestamps the rule compares."""
        assert not snapshot.custom_lifecycle_stages
        end = now.timestamp()
        users = {u.id for u in snapshot.records("users")}
        by_address: dict[str, list[str]] = {}
        for c in snapshot.records("contacts"):
            if c.email:
                by_address.setdefault(c.email.casefold(), []).append(c.id)
        created = {c.id: _ts(c.created_at) for c in snapshot.records("contacts")}
        deal_created: dict[str, list[float]] = {}
        for d in snapshot.records("deals"):
            for cid in d.contact_ids:
                deal_created.setdefault(cid, []).append(_ts(d.created_at))
        sent: dict[tuple[str, str, str], list[float]] = {}
        for e in snapshot.records("emails"):
            cids = set(e.contact_ids)
            inbound = e.direction == "inbound"
            for address in (e.from_address,) if inbound else (*e.to, *e.cc):
                if address:
                    cids.update(by_address.get(address.casefold(), ()))
            for cid in cids:
                sent.setdefault((e.owner_id, e.direction, cid), []).append(_ts(e.sent_at))
        rows: dict[str, list[tuple[str, str, dict[str, Any]]]] = {k: [] for k in ZEN_EXPRESSIONS}
        for c in snapshot.records("contacts"):
            if c.owner_id not in users or created[c.id] > end:
                continue
            outbound = [t for t in sent.get((c.owner_id, "outbound", c.id), ()) if t <= end]
            inbound = [t for t in sent.get((c.owner_id, "inbound", c.id), ()) if t <= end]
            row = {
                "since": _ts(c.owner_assigned_at or c.created_at),
                "stage": c.lifecycle_stage,
                "listed": any(t <= end for t in deal_created.get(c.id, ())),
                "lastOutbound": max(outbound, default=None),
                "lastInbound": max(inbound, default=None),
            }
            rows["newly_assigned_contacts"].append((c.owner_id, c.id, row))
        for k in snapshot.records("calls"):
            if k.owner_id in users:
                rows["log_call_outcomes"].append(
                    (
                        k.owner_id,
                        k.id,
                        {
                            "started": _ts(k.started_at),
                            "status": k.status,
                            "builtin": k.builtin_calling,
                            "outcome": k.outcome,
                        },
                    )
                )
        closed = {(p.id, s.id) for p in snapshot.records("pipelines") for s in p.stages if s.closed}
        for d in snapshot.records("deals"):
            if d.owner_id in users and _ts(d.created_at) <= end:
                rows["add_contact_to_deal"].append(
                    (
                        d.owner_id,
                        d.id,
                        {
                            "created": _ts(d.created_at),
                            "closed": (d.pipeline_id, d.stage_id) in closed,
                            "contactCreated": [created[c] for c in d.contact_ids],
                        },
                    )
                )
        return rows

    def __call__(self, snapshot: Snapshot, now: datetime) -> Fired:
        rows = self.prepare(snapshot, now)
        fired: Fired = {u.id: set() for u in snapshot.records("users")}
        kinds = {"newly_assigned_contacts": "contact", "log_call_outcomes": "call"}
        for rule_id, expression in self.expressions.items():
            table = rows[rule_id]
            context = {
                "now": now.timestamp(),
                "rows": [dict(r, i=i) for i, (_o, _s, r) in enumerate(table)],
            }
            for i in expression.evaluate(context):
                owner, subject, _row = table[int(i)]
                fired[owner].add((rule_id, kinds.get(rule_id, "deal"), subject))
        return fired


def _decision_table(name: str, inputs: list[tuple[str, str]]) -> dict[str, Any]:
    """A JDM graph: request -> one decision table (first hit) -> response ``{"fires": bool}``."""
    columns = [
        {"id": f"in{i}", "name": f"in{i}", "type": "expression", "field": f}
        for i, (f, _cell) in enumerate(inputs)
    ]
    rows = [
        {"_id": "fires", **{f"in{i}": cell for i, (_f, cell) in enumerate(inputs)}, "out": "true"},
        {"_id": "default", **{f"in{i}": "" for i in range(len(inputs))}, "out": "false"},
    ]
    table = {
        "hitPolicy": "first",
        "inputs": columns,
        "rules": rows,
        "outputs": [{"id": "out", "name": "fires", "type": "expression", "field": "fires"}],
    }
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}},
            {
                "id": "table",
                "type": "decisionTableNode",
                "name": name,
                "position": {"x": 300, "y": 0},
                "content": table,
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


#: The same three rules as decision tables over one prepared row (the expressions' rows).
ZEN_TABLES: dict[str, list[tuple[str, str]]] = {
    "newly_assigned_contacts": [
        ("since <= now and now < since + 2592000", "true"),
        ('stage in ["customer", "evangelist"]', "false"),
        ("listed", "false"),
        ("lastOutbound == null or lastOutbound < since", "true"),
        ("lastInbound == null or lastInbound < since", "true"),
    ],
    "log_call_outcomes": [
        ("started + 3600 <= now and now < started + 604800", "true"),
        ('builtin ? status == "completed" : (status == "completed" or status == null)', "true"),
        ('outcome == null or outcome == ""', "true"),
    ],
    "add_contact_to_deal": [
        ("created + 604800 <= now and now < created + 1209600", "true"),
        ("closed", "false"),
        ("none(contactCreated, # <= now)", "true"),
    ],
}


class ZenTables(ZenExpressions):
    """The decision-table form: one decision per rule, evaluated once per row (same rows)."""

    def __init__(self) -> None:
        import zen

        engine = zen.ZenEngine()
        self.decisions = {
            k: engine.create_decision(json.dumps(_decision_table(k, v)))
            for k, v in ZEN_TABLES.items()
        }

    def __call__(self, snapshot: Snapshot, now: datetime) -> Fired:
        rows = self.prepare(snapshot, now)
        fired: Fired = {u.id: set() for u in snapshot.records("users")}
        kinds = {"newly_assigned_contacts": "contact", "log_call_outcomes": "call"}
        ts = now.timestamp()
        for rule_id, decision in self.decisions.items():
            for owner, subject, row in rows[rule_id]:
                if decision.evaluate({**row, "now": ts})["result"]["fires"]:
                    fired[owner].add((rule_id, kinds.get(rule_id, "deal"), subject))
        return fired


# -- trusted construction: the records without validation ---------------------------------------


RECORD_CLASSES: dict[str, type[Any]] = {key: BY_NAME[key].cls for key in _LISTS}


def _is_instant(tp: Any) -> bool:
    return tp is datetime or datetime in typing.get_args(tp)


def _trusted_builder(cls: type[Any]) -> Callable[[dict[str, Any]], Any]:
    """Build a ``cls`` from its interchange object without any check: ``object.__new__`` and
    each slot's ``__set__``, with the field's converter (UTC instants, tuples) and default."""
    hints = typing.get_type_hints(cls)
    plan = []
    for f in attrs.fields(cls):
        default = f.default
        factory = default.factory if isinstance(default, attrs.Factory) else None  # type: ignore[arg-type]
        setter = getattr(cls, f.name).__set__
        plan.append((f.name, setter, f.converter, _is_instant(hints[f.name]), default, factory))

    def build(raw: dict[str, Any]) -> Any:
        obj = object.__new__(cls)
        for name, setter, converter, instant, default, factory in plan:
            if name in raw:
                value = raw[name]
                if instant and isinstance(value, str):
                    value = datetime.fromisoformat(value)
            else:
                value = factory() if factory is not None else default
            if converter is not None:
                value = converter(value)
            setter(obj, value)
        return obj

    return build


def trusted_records(doc: dict[str, Any]) -> dict[str, list[Any]]:
    """Every record of a document, built without validation, by list."""
    from guided_actions import Stage

    stage = _trusted_builder(Stage)
    lists: dict[str, list[Any]] = {}
    for key, cls in RECORD_CLASSES.items():
        build = _trusted_builder(cls)
        if key == "pipelines":
            lists[key] = [
                build({**raw, "stages": [stage(s) for s in raw["stages"]]}) for raw in doc[key]
            ]
        else:
            lists[key] = [build(raw) for raw in doc.get(key, ())]
    return lists


# -- the targets ----------------------------------------------------------------------------------


@dataclass
class Sizes:
    users: int  # the benchmark CRM: users x BOOK contacts
    table_users: int  # zen-engine's decision tables (one call per record: slow)
    scale: tuple[int, int, int]  # small CRM's users, large CRM's users, contacts per user
    memory_users: int
    min_seconds: float
    baseline_budget: float


FULL = Sizes(200, 10, (20, 2000, 50), 20, 0.2, 420.0)
QUICK = Sizes(10, 2, (10, 1000, 10), 4, 0.05, 60.0)


def _same_snapshot(a: Snapshot, b: Snapshot) -> bool:
    return all(a.records(key) == b.records(key) for key in RECORD_CLASSES)


def target_parquet(report: Report, snapshot: Snapshot, text: str, tmp: Path) -> None:
    from guided_actions.frames import read_parquet, write_parquet

    directory = tmp / "crm"
    write_parquet(snapshot, directory)
    if not _same_snapshot(read_parquet(directory), snapshot):
        raise SystemExit("read_parquet gives another snapshot than from_dict")
    size = sum(p.stat().st_size for p in directory.iterdir())
    c = compare(
        "Snapshot.from_dict(json.loads(text))",
        lambda: sample(lambda: Snapshot.from_dict(json.loads(text))),
        "guided_actions.frames.read_parquet(directory)",
        lambda: sample(lambda: read_parquet(directory)),
        clock="wall",
    )
    report.add(
        Target(
            "2a",
            "loading from Parquet vs json.loads + from_dict",
            ">= 10",
            c.ratio(),
            f"JSON {len(text) / 2**20:.0f} MiB, Parquet {size / 2**20:.0f} MiB; same records",
            c,
        ),
        lambda: read_parquet(directory),
    )


#: What a baseline subprocess runs: load the document, time ``from_dict`` and ``evaluate_all``.
_CHILD = """
import gc, json, sys, time
from datetime import datetime
import guided_actions
from guided_actions import Snapshot, evaluate_all
text = open(sys.argv[1]).read()
now = datetime.fromisoformat(sys.argv[2])
def timed(fn):
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
doc = json.loads(text)
snapshot, load = timed(lambda: Snapshot.from_dict(doc))
results, run = timed(lambda: evaluate_all(snapshot, now))
print(json.dumps({"from_dict": load, "evaluate_all": run, "file": guided_actions.__file__,
                  "actions": sum(len(r.actions) for r in results.values())}))
"""


def baseline_src(rev: str, path: str | None, tmp: Path) -> Path:
    """The ``src`` directory of the baseline: ``--baseline-path``, or ``git archive REV src``."""
    if path is not None:
        src = Path(path)
        return src if src.name == "src" else src / "src"
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
    return tmp / "src"


def _child(src: Path, doc_path: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(doc_path), NOW.isoformat()],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.splitlines()[-1])
    if not result["file"].startswith(str(src)):
        raise SystemExit(f"the subprocess imported {result['file']}, not the library in {src}")
    return result


def target_baseline(
    report: Report, snapshot: Snapshot, text: str, src: Path, rev: str, sizes: Sizes, tmp: Path
) -> None:
    doc_path = tmp / "crm.json"
    doc_path.write_text(text)
    here = ROOT / "src"
    runs: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}

    def run(side: str) -> None:
        runs[side].append(_child(src if side == "old" else here, doc_path))

    # One subprocess gives a sample of both measurements: pairs alternate old new, new old, ...
    loads = Comparison(f"from_dict, baseline {rev}", "from_dict, this checkout", "cpu")
    evals = Comparison(f"evaluate_all, baseline {rev}", "evaluate_all, this checkout", "cpu")
    start = time.perf_counter()
    for i in range(15):
        for side in ("old", "new") if i % 2 == 0 else ("new", "old"):
            run(side)
        for c, what in ((loads, "from_dict"), (evals, "evaluate_all")):
            c.a.append(Sample(**runs["old"][-1][what]))
            c.b.append(Sample(**runs["new"][-1][what]))
            c.stable = is_stable(c.ratios(c.clock))
        if i + 1 >= 5 and (
            (loads.stable and evals.stable) or time.perf_counter() - start > sizes.baseline_budget
        ):
            break
    counts = {side: {r["actions"] for r in rs} for side, rs in runs.items()}
    note = f"fresh subprocesses; actions old {counts['old']}, new {counts['new']}"
    report.add(
        Target("2b", f"from_dict vs today's ({rev})", ">= 2", loads.ratio(), note, loads),
        lambda: Snapshot.from_dict(json.loads(text)),
    )
    sample_users = [u.id for u in snapshot.users()[::10]]
    report.add(
        Target(
            "3a", f"evaluate_all, one core, vs today's ({rev})", ">= 2", evals.ratio(), note, evals
        ),
        lambda: evaluate_all(snapshot, NOW, users=sample_users),
    )


def _keys(results: guided_actions.Results) -> dict[str, list[str]]:
    return {uid: [a.key for a in r] for uid, r in results.items()}


def target_workers(report: Report, snapshot: Snapshot) -> None:
    name = "evaluate_all workers=2 vs workers=1"
    if "workers" not in inspect.signature(evaluate_all).parameters:
        report.add(Target("3b", name, ">= 1.7", None, "evaluate_all has no workers= here"))
        return
    run = typing.cast("Callable[..., guided_actions.Results]", evaluate_all)
    if _keys(run(snapshot, NOW, workers=2)) != _keys(run(snapshot, NOW, workers=1)):
        raise SystemExit("workers=2 gives other actions than workers=1")
    c = compare(
        "evaluate_all(workers=1)",
        lambda: sample(lambda: run(snapshot, NOW, workers=1)),
        "evaluate_all(workers=2)",
        lambda: sample(lambda: run(snapshot, NOW, workers=2)),
        clock="wall",
    )
    report.add(
        Target("3b", name, ">= 1.7", c.ratio(), f"{os.cpu_count()} cores; same actions", c),
        lambda: run(snapshot, NOW, workers=2),
    )


def target_floor(report: Report, snapshot: Snapshot, sizes: Sizes) -> None:
    expected = library_all(snapshot, NOW)
    if floor_all(snapshot, NOW) != expected:
        raise SystemExit("the floor disagrees with evaluate_all")
    fired = sum(len(v) for v in expected.values())
    c = compare_calls(
        "evaluate_all(rules=the three, grouping off)",
        lambda: library_all(snapshot, NOW),
        "the floor: the three rules as a set-based plain-Python batch",
        lambda: floor_all(snapshot, NOW),
        clock="cpu",
        min_seconds=sizes.min_seconds,
    )
    report.add(
        Target(
            "4",
            "evaluate_all of the three rules vs the floor",
            "<= 1.5",
            c.ratio(),
            f"{fired:,} actions, equal sets",
            c,
        ),
        lambda: library_all(snapshot, NOW),
    )


def target_zen(report: Report, snapshot: Snapshot, sizes: Sizes) -> None:
    expressions = ZenExpressions()
    expected = library_all(snapshot, NOW)
    if expressions(snapshot, NOW) != expected:
        raise SystemExit("zen-engine's expressions disagree with evaluate_all")
    c = compare_calls(
        "zen-engine: compiled expressions, preparation included",
        lambda: expressions(snapshot, NOW),
        "evaluate_all(rules=the three, grouping off)",
        lambda: library_all(snapshot, NOW),
        clock="wall",
        min_seconds=sizes.min_seconds,
    )
    report.add(
        Target(
            "5",
            "faster than zen-engine at its best (3 rules)",
            ">= 1",
            c.ratio(),
            "wall: zen-engine's runtime threads make CPU time unfair to it; equal sets",
            c,
        ),
        lambda: library_all(snapshot, NOW),
    )
    small = Snapshot.from_dict(make_doc(sizes.table_users))
    tables = ZenTables()
    if tables(small, NOW) != library_all(small, NOW):
        raise SystemExit("zen-engine's decision tables disagree with evaluate_all")
    c = compare_calls(
        f"zen-engine: decision tables, one call per record ({sizes.table_users} users)",
        lambda: tables(small, NOW),
        "evaluate_all(rules=the three, grouping off), same CRM",
        lambda: library_all(small, NOW),
        clock="wall",
        min_seconds=sizes.min_seconds,
    )
    report.add(
        Target(
            "5b",
            "beside it: zen-engine's decision-table form",
            "",
            c.ratio(),
            "no target: shows what the binding's per-call cost does",
            c,
        )
    )


def _book_size(snapshot: Snapshot, uid: str) -> dict[str, int]:
    return {
        "contacts": len(snapshot.contacts_owned_by(uid)),
        "deals": len(snapshot.deals_owned_by(uid)),
        "mailbox": len(snapshot.emails_in_mailbox(uid)),
        "calls": len(snapshot.calls_owned_by(uid)),
        "meetings": len(snapshot.meetings_owned_by(uid)),
        "tasks": len(snapshot.tasks_owned_by(uid)),
    }


def target_scale(report: Report, sizes: Sizes) -> None:
    small_users, big_users, book = sizes.scale
    small = Snapshot.from_dict(make_doc(small_users, book))
    big = Snapshot.from_dict(make_doc(big_users, book))
    # The second user: their book comes out of the generator the same in both CRMs.
    u_small, u_big = small.users()[1].id, big.users()[1].id
    if _book_size(small, u_small) != _book_size(big, u_big):
        raise SystemExit("the two books differ")
    c = compare_calls(
        f"evaluate {u_big} in {big_users} users x {book} contacts",
        lambda: evaluate(big, NOW, u_big),
        f"evaluate {u_small} in {small_users} users x {book} contacts",
        lambda: evaluate(small, NOW, u_small),
        clock="cpu",
        min_seconds=sizes.min_seconds,
    )
    report.add(
        Target(
            "6a",
            "scale independence: one book, CRM 100x larger",
            "<= 1.2",
            c.ratio(),
            f"book {_book_size(small, u_small)}",
            c,
        ),
        lambda: [evaluate(big, NOW, u_big) for _ in range(10)],
    )


def target_indexes(report: Report, sizes: Sizes) -> None:
    doc = make_doc(sizes.memory_users)
    lists = trusted_records(doc)
    if not _same_snapshot(Snapshot.from_records(**lists), Snapshot.from_dict(doc)):
        raise SystemExit("the trusted records differ from from_dict's")
    retained = []
    for _ in range(3):
        gc.collect()
        tracemalloc.start()
        built = trusted_records(doc)
        records_only = tracemalloc.get_traced_memory()[0]
        snapshot = Snapshot.from_records(**built)
        retained.append((records_only, tracemalloc.get_traced_memory()))
        tracemalloc.stop()
        del built, snapshot
    records_only, (both, peak) = sorted(retained)[1]
    added = (both - records_only) / records_only
    report.add(
        Target(
            "6b",
            "memory the snapshot adds to its records (tracemalloc)",
            "<= 0.5",
            added,
            f"records {records_only / 2**20:.1f} MiB, records + snapshot "
            f"{both / 2**20:.1f} MiB (peak {peak / 2**20:.1f} MiB), "
            f"{count_records(doc):,} records, retained after construction",
        )
    )
    c = compare_calls(
        "Snapshot.from_records(records): reference checks + indexes",
        lambda: Snapshot.from_records(**lists),
        "the same records built without validation (object.__new__ + slots)",
        lambda: trusted_records(doc),
        clock="cpu",
        min_seconds=sizes.min_seconds,
    )
    report.add(
        Target(
            "6c",
            "index cost: checks + indexes vs trusted construction",
            "",
            c.ratio(),
            "no target in issue 12: the time indexes cost, for the record",
            c,
        )
    )


# -- the million (target 1) ---------------------------------------------------------------------


def million(report: Report, cache: Path, contacts: int, workers: int) -> None:
    users = max(1, contacts // BOOK)
    directory = cache / f"crm-{users}x{BOOK}"
    done = directory / ".complete"
    if not done.exists():
        shutil.rmtree(directory, ignore_errors=True)
        cli = shutil.which("guided-actions") or "guided-actions"
        command = [
            cli,
            "generate",
            "--users",
            str(users),
            "--contacts-per-user",
            str(BOOK),
            "--now",
            "2025-03-03T12:00Z",
            "--format",
            "parquet",
            "-o",
            str(directory),
        ]
        start = time.perf_counter()
        made = subprocess.run(command, capture_output=True, text=True)
        if made.returncode != 0:
            if users * BOOK > 200_000:
                raise SystemExit(f"{' '.join(command)} failed:\n{made.stderr}")
            from guided_actions.frames import write_parquet

            print("      (generate --format parquet failed: written with write_parquet)")
            write_parquet(Snapshot.from_dict(make_doc(users)), directory)
        done.write_text(f"{time.perf_counter() - start:.1f} s\n")
        print(f"      generated {directory} in {done.read_text().strip()}", flush=True)
    with tempfile.TemporaryDirectory() as out:
        wall = time.perf_counter()
        child = subprocess.run(
            [
                sys.executable,
                str(HERE / "million.py"),
                str(directory),
                "--out",
                out,
                "--workers",
                str(workers),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - wall
    stages: dict[str, Any] = json.loads(child.stdout.splitlines()[-1])
    total = sum(stages["seconds"].values())
    parent, child_peak = stages["peak_rss_gib"]["parent"], stages["peak_rss_gib"]["workers"]
    bound = parent + stages["workers"] * child_peak
    detail = (
        ", ".join(f"{k} {v:.1f} s" for k, v in stages["seconds"].items())
        + f"; process {wall:.1f} s; peak RSS parent {parent:.2f} GiB, largest worker "
        f"{child_peak:.2f} GiB (bound {bound:.2f} GiB); {stages['actions']:,} actions"
    )
    name = f"{users * BOOK:,} contacts from Parquet, load + evaluate + write"
    report.add(Target("1", name + " (s)", "<= 120", total, detail, extra={"million": stages}))
    report.add(
        Target(
            "1m",
            "its peak memory, parent + workers x largest worker (GiB)",
            "<= 8",
            bound,
            "an upper bound: forked workers share pages",
        )
    )


# -- main -----------------------------------------------------------------------------------------


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small CRMs (about 2 minutes)")
    parser.add_argument("--users", type=int, help="users of the benchmark CRM (500 contacts each)")
    parser.add_argument("--only", help="targets to run, comma-separated (of 2,3,4,5,6)")
    parser.add_argument("--baseline", default=BASELINE, metavar="REV", help="today's revision")
    parser.add_argument("--baseline-path", metavar="DIR", help="today's src, already extracted")
    parser.add_argument("--million", metavar="DIR", help="run target 1 only; Parquet cached in DIR")
    parser.add_argument("--contacts", type=int, default=1_000_000, help="contacts for --million")
    parser.add_argument("--workers", type=int, default=2, help="workers for --million")
    parser.add_argument("--json", metavar="FILE", help="write every number as JSON")
    args = parser.parse_args(list(argv) if argv is not None else None)

    report = Report()
    info = machine()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    started = time.perf_counter()
    if args.million:
        cache = Path(args.million)
        cache.mkdir(parents=True, exist_ok=True)
        million(report, cache, args.contacts, args.workers)
    else:
        sizes = QUICK if args.quick else FULL
        if args.users:
            sizes = dataclasses.replace(sizes, users=args.users)
        only = set((args.only or "2,3,4,5,6").split(","))
        with tempfile.TemporaryDirectory() as name:
            tmp = Path(name)
            doc = make_doc(sizes.users)
            text = json.dumps(doc)
            info["benchmark_crm"] = {
                "users": sizes.users,
                "contacts": sizes.users * BOOK,
                "records": count_records(doc),
            }
            del doc
            snapshot = Snapshot.from_dict(json.loads(text))
            print(f"benchmark CRM: {info['benchmark_crm']}", flush=True)
            if "2" in only:
                target_parquet(report, snapshot, text, tmp)
            if "2" in only or "3" in only:
                src = baseline_src(args.baseline, args.baseline_path, tmp)
                target_baseline(report, snapshot, text, src, args.baseline, sizes, tmp)
            if "3" in only:
                target_workers(report, snapshot)
            del text
            if "4" in only:
                target_floor(report, snapshot, sizes)
            if "5" in only:
                target_zen(report, snapshot, sizes)
            del snapshot
            if "6" in only:
                target_scale(report, sizes)
                target_indexes(report, sizes)
    info["seconds"] = round(time.perf_counter() - started, 1)
    print(report.table())
    print(f"\n{info['seconds']:.0f} s in all")
    if args.json:
        payload = {
            "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
            "machine": info,
            "now": NOW.isoformat(),
            "targets": [t.as_dict() for t in report.targets],
        }
        Path(args.json).write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

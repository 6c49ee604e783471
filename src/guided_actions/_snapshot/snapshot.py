"""The snapshot: every record of a CRM, checked for consistency and indexed once.

Indexes are built in one pass over each record list (linear in the number of records), so that
evaluating one user touches only that user's book: what they own, what is in their mailbox or
addressed to them, and those records' associations.
"""

from __future__ import annotations

import typing
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from guided_actions._model.records import (
    Call,
    Company,
    Contact,
    Dashboard,
    Deal,
    Dismissal,
    Email,
    EngagementEvent,
    Feedback,
    IssuedAction,
    Lead,
    Meeting,
    Note,
    Pipeline,
    Record,
    Task,
    User,
)
from guided_actions._model.records import Sequence as SalesSequence
from guided_actions.errors import InvalidSnapshotError, Problem
from guided_actions.typing import Activity, ListedKind

__all__ = ["DEFAULT_LIFECYCLE_STAGES", "Snapshot"]

DEFAULT_LIFECYCLE_STAGES: tuple[str, ...] = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
)

#: The record lists of a snapshot, in interchange order: key -> record class.
RECORD_LISTS: dict[str, type[Record]] = {
    "users": User,
    "pipelines": Pipeline,
    "companies": Company,
    "contacts": Contact,
    "leads": Lead,
    "deals": Deal,
    "emails": Email,
    "calls": Call,
    "meetings": Meeting,
    "tasks": Task,
    "notes": Note,
    "sequences": SalesSequence,
    "engagement_events": EngagementEvent,
    "feedback": Feedback,
    "dismissals": Dismissal,
    "issued_actions": IssuedAction,
    "dashboards": Dashboard,
}

#: Lists whose records carry a unique ``id`` (``issued_actions`` are unique by ``key``).
_ID_FIELD: dict[str, str] = {
    key: ("key" if key == "issued_actions" else "id")
    for key in RECORD_LISTS
    if key not in ("feedback", "dismissals")
}

#: Which fields refer to which list. ``issued_actions``, ``team_ids`` and ``access`` name
#: records or teams that need not exist, so they are absent here.
REFERENCES: dict[str, dict[str, str]] = {
    "companies": {"owner_id": "users"},
    "contacts": {"owner_id": "users", "company_ids": "companies"},
    "leads": {"owner_id": "users", "contact_id": "contacts", "pipeline_id": "pipelines"},
    "deals": {
        "owner_id": "users",
        "pipeline_id": "pipelines",
        "contact_ids": "contacts",
        "company_ids": "companies",
    },
    "emails": {
        "owner_id": "users",
        "in_reply_to": "emails",
        "contact_ids": "contacts",
        "lead_ids": "leads",
        "deal_ids": "deals",
    },
    "calls": {
        "owner_id": "users",
        "contact_ids": "contacts",
        "company_ids": "companies",
        "deal_ids": "deals",
        "lead_ids": "leads",
    },
    "meetings": {
        "owner_id": "users",
        "contact_ids": "contacts",
        "company_ids": "companies",
        "deal_ids": "deals",
        "lead_ids": "leads",
    },
    "tasks": {
        "owner_id": "users",
        "sequence_id": "sequences",
        "meeting_id": "meetings",
        "contact_ids": "contacts",
        "deal_ids": "deals",
        "lead_ids": "leads",
    },
    "notes": {
        "owner_id": "users",
        "contact_ids": "contacts",
        "deal_ids": "deals",
        "lead_ids": "leads",
    },
    "engagement_events": {"contact_id": "contacts"},
    "feedback": {"user_id": "users"},
    "dismissals": {"user_id": "users"},
}

_EMPTY: tuple[Any, ...] = ()


def _record_label(record: Record, index: int, id_field: str | None) -> str:
    if id_field is not None:
        value = getattr(record, id_field, None)
        if isinstance(value, str) and value:
            return value
    return f"#{index}"


def consistency_problems(
    lists: Mapping[str, Sequence[Record]],
    lifecycle_stages: Sequence[str] | None,
    known_ids: Mapping[str, set[str]] | None = None,
) -> list[Problem]:
    """Every cross-record problem: duplicate ids, dangling references, stages, lifecycle.

    ``lifecycle_stages`` ``None`` leaves the contacts' lifecycle stages unchecked (used when the
    list itself is invalid).

    ``known_ids`` (by list key) are ids present in the input even if their record was invalid,
    so that one bad record does not make every reference to it look dangling too.
    """
    problems: list[Problem] = []
    ids: dict[str, set[str]] = {}
    for key, id_field in _ID_FIELD.items():
        seen: set[str] = set()
        for record in lists.get(key, ()):
            rid = getattr(record, id_field)
            if rid in seen:
                problems.append(
                    Problem(key, rid, id_field, rid, f"duplicate {id_field}: ids are unique")
                )
            seen.add(rid)
        if known_ids and known_ids.get(key):
            seen |= known_ids[key]
        ids[key] = seen  # one set per list, not a copy: this check runs on every load

    pipelines = {p.id: p for p in lists.get("pipelines", ()) if isinstance(p, Pipeline)}
    stages = set(lifecycle_stages) if lifecycle_stages is not None else None
    for key, refs in REFERENCES.items():
        for index, record in enumerate(lists.get(key, ())):
            rid = _record_label(record, index, _ID_FIELD.get(key))
            for field, target in refs.items():
                value = getattr(record, field)
                values = value if isinstance(value, tuple) else (value,)
                for ref in values:
                    if ref is not None and ref not in ids[target]:
                        problems.append(
                            Problem(key, rid, field, ref, f"no {target} record has this id")
                        )
            if isinstance(record, Lead | Deal):
                problems.extend(_stage_problems(key, rid, record, pipelines))
            if (
                isinstance(record, Contact)
                and lifecycle_stages is not None
                and stages is not None
                and record.lifecycle_stage is not None
                and record.lifecycle_stage not in stages
            ):
                problems.append(
                    Problem(
                        key,
                        rid,
                        "lifecycle_stage",
                        record.lifecycle_stage,
                        "not one of the lifecycle stages: " + ", ".join(lifecycle_stages),
                    )
                )
    return problems


def _stage_problems(
    key: str, rid: str, record: Lead | Deal, pipelines: Mapping[str, Pipeline]
) -> Iterable[Problem]:
    pipeline = pipelines.get(record.pipeline_id)
    if pipeline is None:
        return  # reported as a dangling reference already
    wanted = "lead" if isinstance(record, Lead) else "deal"
    if pipeline.object != wanted:
        yield Problem(
            key,
            rid,
            "pipeline_id",
            record.pipeline_id,
            f"pipeline is a {pipeline.object} pipeline, not a {wanted} pipeline",
        )
    if pipeline.stage(record.stage_id) is None:
        yield Problem(
            key,
            rid,
            "stage_id",
            record.stage_id,
            f"unknown stage of pipeline {pipeline.id!r} (stages: "
            + ", ".join(s.id for s in pipeline.stages)
            + ")",
        )


def _lifecycle_problems(stages: object) -> list[Problem]:
    if not isinstance(stages, list | tuple) or not stages:
        return [
            Problem(
                "snapshot",
                None,
                "lifecycle_stages",
                stages,
                "expected a non-empty list of stage ids",
            )
        ]
    problems = [
        Problem("snapshot", None, "lifecycle_stages", s, "stage ids are non-empty strings")
        for s in stages
        if not isinstance(s, str) or not s
    ]
    if not problems and len(set(stages)) != len(stages):
        problems.append(
            Problem("snapshot", None, "lifecycle_stages", stages, "stage ids are unique")
        )
    return problems


class Snapshot:
    """An immutable, indexed snapshot of CRM records; implements :class:`SnapshotReader`.

    Build it with :meth:`from_dict` (the JSON interchange format), :meth:`from_records` or
    keyword lists. Construction checks every cross-record reference and raises
    :class:`~guided_actions.errors.InvalidSnapshotError` listing every problem found.
    """

    __slots__ = (
        "_by_id",
        "_custom_lifecycle",
        "_idx",
        "_lifecycle_stages",
        "_lists",
    )

    def __init__(
        self,
        *,
        users: Iterable[User] = (),
        pipelines: Iterable[Pipeline] = (),
        companies: Iterable[Company] = (),
        contacts: Iterable[Contact] = (),
        leads: Iterable[Lead] = (),
        deals: Iterable[Deal] = (),
        emails: Iterable[Email] = (),
        calls: Iterable[Call] = (),
        meetings: Iterable[Meeting] = (),
        tasks: Iterable[Task] = (),
        notes: Iterable[Note] = (),
        sequences: Iterable[SalesSequence] = (),
        engagement_events: Iterable[EngagementEvent] = (),
        feedback: Iterable[Feedback] = (),
        dismissals: Iterable[Dismissal] = (),
        issued_actions: Iterable[IssuedAction] = (),
        dashboards: Iterable[Dashboard] = (),
        lifecycle_stages: Sequence[str] | None = None,
    ) -> None:
        given: dict[str, Iterable[Record]] = {
            "users": users,
            "pipelines": pipelines,
            "companies": companies,
            "contacts": contacts,
            "leads": leads,
            "deals": deals,
            "emails": emails,
            "calls": calls,
            "meetings": meetings,
            "tasks": tasks,
            "notes": notes,
            "sequences": sequences,
            "engagement_events": engagement_events,
            "feedback": feedback,
            "dismissals": dismissals,
            "issued_actions": issued_actions,
            "dashboards": dashboards,
        }
        self._init(given, lifecycle_stages, None)

    def _init(
        self,
        given: Mapping[str, Iterable[Record]],
        lifecycle_stages: Sequence[str] | None,
        known_ids: Mapping[str, set[str]] | None,
        check_only: bool = False,
    ) -> None:
        """Check the records; unless ``check_only``, become the snapshot they describe."""
        problems: list[Problem] = []
        lists: dict[str, tuple[Record, ...]] = {}
        for key, cls in RECORD_LISTS.items():
            records = tuple(given.get(key, ()))
            for index, record in enumerate(records):
                if not isinstance(record, cls):
                    problems.append(
                        Problem(
                            key,
                            f"#{index}",
                            None,
                            record,
                            f"expected a {cls.__name__} record",
                        )
                    )
            lists[key] = records
        custom = lifecycle_stages is not None
        records_ok = not problems
        lifecycle = _lifecycle_problems(lifecycle_stages) if lifecycle_stages is not None else []
        problems.extend(lifecycle)
        stages = (
            tuple(lifecycle_stages)
            if lifecycle_stages is not None and not lifecycle
            else DEFAULT_LIFECYCLE_STAGES
        )
        if records_ok:
            # A bad lifecycle list must not hide the other problems: check everything else,
            # leaving out only the contacts' lifecycle stages, which cannot be judged.
            problems.extend(consistency_problems(lists, None if lifecycle else stages, known_ids))
        if problems:
            raise InvalidSnapshotError(problems)
        if check_only:
            return
        self._lists = lists
        self._lifecycle_stages = stages
        # A list equal to the default one is the default: customer and evangelist stay excluded.
        self._custom_lifecycle = custom and stages != DEFAULT_LIFECYCLE_STAGES
        self._build_indexes()

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: object) -> Snapshot:
        """Load the JSON interchange format (an already-parsed object).

        Raises :class:`~guided_actions.errors.InvalidSnapshotError` listing every problem.
        """
        from guided_actions._adapters.interchange import load

        return load(data)

    @classmethod
    def from_records(
        cls,
        records: Iterable[Record] = (),
        *,
        lifecycle_stages: Sequence[str] | None = None,
        **lists: Iterable[Record],
    ) -> Snapshot:
        """Build a snapshot from records in any order, sorted into lists by their class.

        Keyword lists (``contacts=[...]``) may be given as well; they come after ``records``.
        """
        unknown = sorted(set(lists) - set(RECORD_LISTS))
        if unknown:
            raise TypeError(f"unknown record list(s): {', '.join(unknown)}")
        by_class = {cls_: key for key, cls_ in RECORD_LISTS.items()}
        given: dict[str, list[Record]] = {key: [] for key in RECORD_LISTS}
        problems: list[Problem] = []
        for index, record in enumerate(records):
            key = by_class.get(type(record))
            if key is None:
                problems.append(
                    Problem("records", f"#{index}", None, record, "not a guided_actions record")
                )
            else:
                given[key].append(record)
        if problems:
            raise InvalidSnapshotError(problems)
        for key, extra in lists.items():
            given[key].extend(extra)
        self = cls.__new__(cls)
        self._init(given, lifecycle_stages, None)
        return self

    def to_dict(self) -> dict[str, Any]:
        """The snapshot as a JSON-ready interchange document (``Snapshot.from_dict`` reads it)."""
        from guided_actions._adapters.interchange import dump

        return dump(self)

    def records(self, key: str) -> tuple[Record, ...]:
        """Every record of one list (``"contacts"``, ``"deals"``, …) in input order."""
        return self._lists[key]

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(v)}" for k, v in self._lists.items() if v)
        return f"<Snapshot {sizes or 'empty'}>"

    # -- indexes ------------------------------------------------------------------------

    def _build_indexes(self) -> None:
        lists = self._lists
        by_id: dict[str, dict[str, Any]] = {
            key: {getattr(r, field): r for r in lists[key]} for key, field in _ID_FIELD.items()
        }
        idx: defaultdict[str, defaultdict[str, Any]] = defaultdict(lambda: defaultdict(list))

        frozen: set[str] = set()

        def add(index: str, key: str | None, record: object) -> None:
            if key is not None:
                idx[index][key].append(record)

        def freeze() -> None:
            # Turn the lists of the tables just filled into tuples (callers cannot mutate them),
            # one list at a time, so the indexes never exist twice in memory.
            for name, table in idx.items():
                if name not in frozen:
                    frozen.add(name)
                    table.default_factory = None  # a missing key reads as absent, not as []
                    for k, v in table.items():
                        table[k] = tuple(v)

        for c in lists["contacts"]:
            assert isinstance(c, Contact)
            add("contacts_owned", c.owner_id, c)
            if c.email:
                add("contacts_email", c.email.casefold(), c)
            for company_id in c.company_ids:
                add("contacts_company", company_id, c)
        freeze()
        for co in lists["companies"]:
            assert isinstance(co, Company)
            add("companies_owned", co.owner_id, co)
        freeze()
        for lead in lists["leads"]:
            assert isinstance(lead, Lead)
            add("leads_owned", lead.owner_id, lead)
            add("leads_contact", lead.contact_id, lead)
        freeze()
        for d in lists["deals"]:
            assert isinstance(d, Deal)
            add("deals_owned", d.owner_id, d)
            for cid in d.contact_ids:
                add("deals_contact", cid, d)
        freeze()
        for e in lists["emails"]:
            assert isinstance(e, Email)
            add("mailbox", e.owner_id, e)
            if e.direction == "inbound":
                if e.to:
                    add("inbound_to", e.to[0].casefold(), e)
                add("replies", e.in_reply_to, e)
        freeze()
        for kind, key in (("calls", "calls_owned"), ("meetings", "meetings_owned")):
            for r in lists[kind]:
                add(key, r.owner_id, r)  # type: ignore[attr-defined]
        freeze()
        for t in lists["tasks"]:
            assert isinstance(t, Task)
            add("tasks_owned", t.owner_id, t)
            add("tasks_meeting", t.meeting_id, t)
        freeze()
        for n in lists["notes"]:
            assert isinstance(n, Note)
            add("notes_owned", n.owner_id, n)
        freeze()
        for ev in lists["engagement_events"]:
            assert isinstance(ev, EngagementEvent)
            add("engagements", ev.contact_id, ev)
        freeze()
        for dis in lists["dismissals"]:
            assert isinstance(dis, Dismissal)
            add("dismissals", dis.user_id, dis)

        freeze()
        meetings = by_id["meetings"]
        for kind in ("emails", "calls", "meetings", "notes", "tasks"):
            for a in lists[kind]:
                listed: dict[str, set[str]] = {
                    "contact": set(getattr(a, "contact_ids", ())),
                    "lead": set(getattr(a, "lead_ids", ())),
                    "deal": set(getattr(a, "deal_ids", ())),
                }
                if isinstance(a, Task) and a.meeting_id is not None:
                    m = meetings[a.meeting_id]
                    listed["contact"].update(m.contact_ids)
                    listed["lead"].update(m.lead_ids)
                    listed["deal"].update(m.deal_ids)
                for listed_kind, rids in listed.items():
                    for rid in sorted(rids):
                        add(f"listing_{listed_kind}", rid, a)

        freeze()
        idx.default_factory = None
        self._by_id = by_id
        self._idx = typing.cast("Mapping[str, Mapping[str, tuple[Any, ...]]]", idx)

    def _get(self, index: str, key: str) -> tuple[Any, ...]:
        table = self._idx.get(index)
        if table is None:
            return _EMPTY
        return table.get(key, _EMPTY)

    # -- SnapshotReader -----------------------------------------------------------------

    @property
    def lifecycle_stages(self) -> tuple[str, ...]:
        return self._lifecycle_stages

    @property
    def custom_lifecycle_stages(self) -> bool:
        return self._custom_lifecycle

    def user(self, user_id: str) -> User | None:
        return self._by_id["users"].get(user_id)

    def users(self) -> tuple[User, ...]:
        return self._lists["users"]  # type: ignore[return-value]

    def contact(self, contact_id: str) -> Contact | None:
        return self._by_id["contacts"].get(contact_id)

    def company(self, company_id: str) -> Company | None:
        return self._by_id["companies"].get(company_id)

    def lead(self, lead_id: str) -> Lead | None:
        return self._by_id["leads"].get(lead_id)

    def deal(self, deal_id: str) -> Deal | None:
        return self._by_id["deals"].get(deal_id)

    def email(self, email_id: str) -> Email | None:
        return self._by_id["emails"].get(email_id)

    def meeting(self, meeting_id: str) -> Meeting | None:
        return self._by_id["meetings"].get(meeting_id)

    def call(self, call_id: str) -> Call | None:
        return self._by_id["calls"].get(call_id)

    def task(self, task_id: str) -> Task | None:
        return self._by_id["tasks"].get(task_id)

    def pipeline(self, pipeline_id: str) -> Pipeline | None:
        return self._by_id["pipelines"].get(pipeline_id)

    def sequence(self, sequence_id: str) -> SalesSequence | None:
        return self._by_id["sequences"].get(sequence_id)

    def contacts_owned_by(self, user_id: str) -> tuple[Contact, ...]:
        return self._get("contacts_owned", user_id)

    def companies_owned_by(self, user_id: str) -> tuple[Company, ...]:
        return self._get("companies_owned", user_id)

    def leads_owned_by(self, user_id: str) -> tuple[Lead, ...]:
        return self._get("leads_owned", user_id)

    def deals_owned_by(self, user_id: str) -> tuple[Deal, ...]:
        return self._get("deals_owned", user_id)

    def emails_in_mailbox(self, user_id: str) -> tuple[Email, ...]:
        return self._get("mailbox", user_id)

    def calls_owned_by(self, user_id: str) -> tuple[Call, ...]:
        return self._get("calls_owned", user_id)

    def meetings_owned_by(self, user_id: str) -> tuple[Meeting, ...]:
        return self._get("meetings_owned", user_id)

    def tasks_owned_by(self, user_id: str) -> tuple[Task, ...]:
        return self._get("tasks_owned", user_id)

    def notes_owned_by(self, user_id: str) -> tuple[Note, ...]:
        return self._get("notes_owned", user_id)

    def contacts_with_email(self, address: str) -> tuple[Contact, ...]:
        return self._get("contacts_email", address.casefold())

    def contacts_of_company(self, company_id: str) -> tuple[Contact, ...]:
        return self._get("contacts_company", company_id)

    def leads_of_contact(self, contact_id: str) -> tuple[Lead, ...]:
        return self._get("leads_contact", contact_id)

    def deals_of_contact(self, contact_id: str) -> tuple[Deal, ...]:
        return self._get("deals_contact", contact_id)

    def inbound_emails_to(self, address: str) -> tuple[Email, ...]:
        return self._get("inbound_to", address.casefold())

    def replies_to(self, email_id: str) -> tuple[Email, ...]:
        return self._get("replies", email_id)

    def tasks_of_meeting(self, meeting_id: str) -> tuple[Task, ...]:
        return self._get("tasks_meeting", meeting_id)

    def activities_listing(self, kind: ListedKind, record_id: str) -> tuple[Activity, ...]:
        return self._get(f"listing_{kind}", record_id)

    def engagement_events_of(self, contact_id: str) -> tuple[EngagementEvent, ...]:
        return self._get("engagements", contact_id)

    def dismissals_of(self, user_id: str) -> tuple[Dismissal, ...]:
        return self._get("dismissals", user_id)

    def issued_action(self, key: str) -> IssuedAction | None:
        return self._by_id["issued_actions"].get(key)

    # -- plain lists (for adapters and the workspace) -----------------------------------

    @property
    def feedback(self) -> tuple[Feedback, ...]:
        return self._lists["feedback"]  # type: ignore[return-value]

    @property
    def dashboards(self) -> tuple[Dashboard, ...]:
        return self._lists["dashboards"]  # type: ignore[return-value]

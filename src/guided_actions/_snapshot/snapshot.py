"""The snapshot: every record of a CRM, checked for consistency and indexed once.

Indexes (:mod:`guided_actions._snapshot.indexes`) are built in one pass over each record list
(linear in the number of records), so that evaluating one user touches only that user's book: what
they own, what is in their mailbox or addressed to them, and those records' associations.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from operator import attrgetter
from typing import Any

from guided_actions._model.collector import paused
from guided_actions._model.document import Decoded, decode, encode
from guided_actions._model.jsontext import parse
from guided_actions._model.kinds import BY_CLASS, KINDS, NAMES, Kind
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
    Snooze,
    Task,
    User,
)
from guided_actions._model.records import Sequence as SalesSequence
from guided_actions._model.validation import shown_list
from guided_actions._snapshot import book as book_module
from guided_actions._snapshot import changes as changes_module
from guided_actions._snapshot import indexes
from guided_actions._text import html
from guided_actions.errors import InvalidSnapshotError, Problem, short_repr
from guided_actions.typing import Activity, ListedKind

__all__ = ["DEFAULT_LIFECYCLE_STAGES", "Snapshot", "load_json"]

DEFAULT_LIFECYCLE_STAGES: tuple[str, ...] = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
)

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
    input_ids: Mapping[str, Sequence[str]] | None = None,
) -> list[Problem]:
    """Every cross-record problem: duplicate ids, dangling references, stages, lifecycle.

    ``lifecycle_stages`` ``None`` leaves the contacts' lifecycle stages unchecked (used when the
    list itself is invalid).

    ``input_ids`` (by list name) are the ids of every record of the input, its record valid or
    not, in input order (the document decoder's): they are checked for duplicates instead of the
    valid records' ids, and one bad record does not make every reference to it look dangling.
    """
    problems: list[Problem] = []
    ids: dict[str, set[str]] = {}
    for kind in KINDS:
        id_field = kind.id_field
        if id_field is None:
            continue
        given: Sequence[str]
        if input_ids is not None:
            given = input_ids.get(kind.name, ())
        else:
            given = list(map(attrgetter(id_field), lists.get(kind.name, ())))
        seen = set(given)
        ids[kind.name] = seen
        if len(seen) < len(given):
            problems.extend(_duplicate_problems(kind.name, id_field, given))

    # Each check is made first on the set of values a list holds, and only when that finds
    # something are the records walked, to report each problem where it is, in list order.
    for kind in KINDS:
        key, refs = kind.name, kind.references
        records = lists.get(key, ())
        if refs and records and _dangling(records, refs, ids):
            problems.extend(_reference_problems(kind, records, ids))

    if lifecycle_stages is not None:
        contacts = lists.get("contacts", ())
        if not _known_stages(contacts, lifecycle_stages):
            problems.extend(_lifecycle_stage_problems(contacts, lifecycle_stages))
    pipelines = {p.id: _Stages(p) for p in lists.get("pipelines", ()) if isinstance(p, Pipeline)}
    for key in ("leads", "deals"):
        records = lists.get(key, ())
        if not _in_stages(key, records, pipelines):
            for index, record in enumerate(records):
                if isinstance(record, Lead | Deal):
                    rid = _record_label(record, index, "id")
                    problems.extend(_stage_problems(key, rid, record, pipelines))
    return problems


def _duplicate_problems(name: str, id_field: str, given: Iterable[str]) -> Iterable[Problem]:
    """One problem per id given more than once (however many copies), in input order."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for rid in given:
        if rid in seen and rid not in repeated:
            repeated.add(rid)
            yield Problem(name, rid, id_field, rid, f"duplicate {id_field}: ids are unique")
        seen.add(rid)


def _dangling(records: Sequence[Record], refs: Mapping[str, str], ids: dict[str, set[str]]) -> bool:
    """True when some record of the list names an id that its target list lacks."""
    for field, target in refs.items():
        values = list(map(attrgetter(field), records))
        held = set(map(type, values))
        if held <= {str, type(None)}:  # one id per record, or none
            named = set(values)
            named.discard(None)
        elif held <= {tuple}:  # a list of ids per record
            named = set(chain.from_iterable(values))
        else:
            return True  # walked one by one
        if not named <= ids[target]:
            return True
    return False


def _reference_problems(
    kind: Kind, records: Sequence[Record], ids: dict[str, set[str]]
) -> Iterable[Problem]:
    """A problem for every id a record names that its target list lacks, record by record."""
    key = kind.name
    for index, record in enumerate(records):
        rid = _record_label(record, index, kind.id_field)
        for field, target in kind.references.items():
            value = getattr(record, field)
            # Each id once: a list naming one missing id twice is one problem.
            for ref in dict.fromkeys(value) if isinstance(value, tuple) else (value,):
                if ref is not None and ref not in ids[target]:
                    yield Problem(key, rid, field, ref, f"no {target} record has this id")


def _known_stages(contacts: Sequence[Record], lifecycle_stages: Sequence[str]) -> bool:
    """True when every contact's lifecycle stage (if any) is one of ``lifecycle_stages``."""
    if not set(map(type, contacts)) <= {Contact}:
        return False  # walked one by one
    named = set(map(attrgetter("lifecycle_stage"), contacts))
    named.discard(None)
    return named <= set(lifecycle_stages)


def _lifecycle_stage_problems(
    contacts: Sequence[Record], lifecycle_stages: Sequence[str]
) -> Iterable[Problem]:
    stages = set(lifecycle_stages)
    # One message for every contact, its list of stages capped: however many contacts and
    # stages, the problems' texts grow with the document, not with their product.
    expected = "not one of the lifecycle stages: " + shown_list(lifecycle_stages)
    for index, contact in enumerate(contacts):
        stage = contact.lifecycle_stage if isinstance(contact, Contact) else None
        if stage is not None and stage not in stages:
            rid = _record_label(contact, index, "id")
            yield Problem("contacts", rid, "lifecycle_stage", stage, expected)


def _in_stages(key: str, records: Sequence[Record], pipelines: Mapping[str, _Stages]) -> bool:
    """True when every lead (or deal) of ``records`` is in a pipeline of its object and in one
    of its stages (or in no pipeline of the snapshot: a dangling reference, reported as such)."""
    cls, wanted = (Lead, "lead") if key == "leads" else (Deal, "deal")
    if not set(map(type, records)) <= {cls}:
        return False  # walked one by one
    pairs = set(map(attrgetter("pipeline_id", "stage_id"), records))
    for pipeline_id, stage_id in pairs:
        stages = pipelines.get(pipeline_id)
        if stages is not None and (stages.pipeline.object != wanted or stage_id not in stages.ids):
            return False
    return True


class _Stages:
    """A pipeline's stage ids as a set, and the message of a stage not among them, made once.

    However many stages a pipeline has and however many records name one it lacks, checking a
    record costs one look-up, and every such problem shares one short message.
    """

    __slots__ = ("_unknown", "ids", "pipeline")

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.ids = frozenset(stage.id for stage in pipeline.stages)
        self._unknown: str | None = None

    def unknown(self) -> str:
        if self._unknown is None:
            shown = shown_list([stage.id for stage in self.pipeline.stages])
            self._unknown = (
                f"unknown stage of pipeline {short_repr(self.pipeline.id)} (stages: {shown})"
            )
        return self._unknown


def _stage_problems(
    key: str, rid: str, record: Lead | Deal, pipelines: Mapping[str, _Stages]
) -> Iterable[Problem]:
    stages = pipelines.get(record.pipeline_id)
    if stages is None:
        return  # reported as a dangling reference already
    pipeline = stages.pipeline
    wanted = "lead" if isinstance(record, Lead) else "deal"
    if pipeline.object != wanted:
        yield Problem(
            key,
            rid,
            "pipeline_id",
            record.pipeline_id,
            f"pipeline is a {pipeline.object} pipeline, not a {wanted} pipeline",
        )
    if record.stage_id not in stages.ids:
        yield Problem(key, rid, "stage_id", record.stage_id, stages.unknown())


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


def _unpickle(
    cls: type[Snapshot], lists: Mapping[str, tuple[Record, ...]], stages: tuple[str, ...]
) -> Snapshot:
    """A snapshot of lists that were checked when it was first built: indexed, not checked."""
    self = cls.__new__(cls)
    self._become({name: tuple(lists.get(name, ())) for name in NAMES}, tuple(stages))
    return self


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
        "_order",
        "_refs",
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
        snoozes: Iterable[Snooze] = (),
        issued_actions: Iterable[IssuedAction] = (),
        dashboards: Iterable[Dashboard] = (),
        lifecycle_stages: Sequence[str] | None = None,
    ) -> None:
        # The keyword parameters are the record lists of ``KINDS``, spelt out for type checkers
        # (a test keeps them in step); read them by name rather than repeat the list.
        given = locals()
        self._init({name: given[name] for name in NAMES}, lifecycle_stages)

    def _init(
        self,
        given: Mapping[str, Iterable[Record]],
        lifecycle_stages: object,
        input_ids: Mapping[str, Sequence[str]] | None = None,
        earlier: Sequence[Problem] = (),
    ) -> None:
        """Check the records; raise every problem, or become the snapshot they describe.

        ``earlier`` are problems already found in the input (by the document decoder): they come
        first. ``input_ids`` are those of :func:`consistency_problems`.
        """
        problems: list[Problem] = list(earlier)
        lists: dict[str, tuple[Record, ...]] = {}
        records_ok = True
        for kind in KINDS:
            key, cls = kind.name, kind.cls
            records = tuple(given.get(key, ()))
            if all(issubclass(t, cls) for t in set(map(type, records))):
                lists[key] = records  # every one a record of the class
                continue
            for index, record in enumerate(records):
                if not isinstance(record, cls):
                    records_ok = False
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
        lifecycle = _lifecycle_problems(lifecycle_stages) if lifecycle_stages is not None else []
        problems.extend(lifecycle)
        stages = (
            tuple(typing.cast("Sequence[str]", lifecycle_stages))
            if lifecycle_stages is not None and not lifecycle
            else DEFAULT_LIFECYCLE_STAGES
        )
        if records_ok:
            # A bad lifecycle list must not hide the other problems: check everything else,
            # leaving out only the contacts' lifecycle stages, which cannot be judged.
            problems.extend(consistency_problems(lists, None if lifecycle else stages, input_ids))
        if problems:
            raise InvalidSnapshotError(problems)
        self._become(lists, stages)

    def _become(self, lists: dict[str, tuple[Record, ...]], stages: tuple[str, ...]) -> None:
        """Hold these checked lists and lifecycle stages, and index them (nothing is checked)."""
        self._lists = lists
        self._lifecycle_stages = stages
        # A list equal to the default one is the default: customer and evangelist stay excluded.
        self._custom_lifecycle = stages != DEFAULT_LIFECYCLE_STAGES
        self._by_id, self._idx = indexes.build(lists)
        # Built by ``apply`` when first needed, then carried to the snapshots it returns.
        self._refs: changes_module.ReferenceCounts | None = None
        self._order: dict[str, tuple[dict[str, int], int]] = {}

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: object) -> Snapshot:
        """Load the JSON interchange format (an already-parsed object).

        Raises :class:`~guided_actions.errors.InvalidSnapshotError` listing every problem: those
        of the document and its records, then those across records, all at once.
        """
        with paused():
            return cls._from_decoded(decode(data))

    @classmethod
    def from_json(cls, text: str | bytes) -> Snapshot:
        """Load the JSON interchange format from its text (``str``, or UTF-8 ``bytes``).

        Prefer it to ``from_dict(json.loads(text))``: ``json.loads`` keeps the last of a key
        given twice in one object (``"super_admin": false, "super_admin": true``), which this
        reports as a problem naming the key and where it is. A JSON integer of more than 4,300
        digits is a problem of its field. Text that is not JSON is a problem too (with its line
        and column), so every bad input raises
        :class:`~guided_actions.errors.InvalidSnapshotError` listing every problem at once.
        """
        if not isinstance(text, str | bytes | bytearray):
            raise TypeError(f"text must be a str or UTF-8 bytes, got {short_repr(text)}")
        value: object
        try:
            with paused():
                return load_json(text)
        except json.JSONDecodeError as exc:
            message = f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            value = exc.doc[exc.pos : exc.pos + 20]  # the text where reading stopped
        except UnicodeDecodeError as exc:
            message = f"not UTF-8 text: the byte at offset {exc.start} cannot be decoded"
            value = exc.object[exc.start : exc.start + 1]
        except RecursionError:
            message = "not valid JSON: nested too deeply"
            value = None
        raise InvalidSnapshotError([Problem("snapshot", None, None, value, message)]) from None

    @classmethod
    def _from_decoded(cls, decoded: Decoded, earlier: Sequence[Problem] = ()) -> Snapshot:
        """The snapshot of a decoded document; ``earlier`` problems (of its text) come first."""
        self = cls.__new__(cls)
        with paused():
            self._init(
                decoded.lists, decoded.lifecycle_stages, decoded.ids, (*earlier, *decoded.problems)
            )
        return self

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
        unknown = sorted(set(lists) - set(NAMES))
        if unknown:
            raise TypeError(f"unknown record list(s): {', '.join(unknown)}")
        given: dict[str, list[Record]] = {name: [] for name in NAMES}
        problems: list[Problem] = []
        for index, record in enumerate(records):
            kind = BY_CLASS.get(type(record))
            if kind is None:
                problems.append(
                    Problem("records", f"#{index}", None, record, "not a guided_actions record")
                )
            else:
                given[kind.name].append(record)
        if problems:
            raise InvalidSnapshotError(problems)
        for key, extra in lists.items():
            given[key].extend(extra)
        self = cls.__new__(cls)
        with paused():
            self._init(given, lifecycle_stages)
        return self

    def apply(self, changes: Mapping[str, Any]) -> Snapshot:
        """A new snapshot: this one with ``changes`` applied; this one is left as it was.

        ``changes`` is ``{"upsert": {list: [record, ...]}, "delete": {list: [...]}}`` (both keys
        optional; lists named as in the interchange format; records as records or interchange
        objects). In a list with a unique field (``id``; ``key`` for ``issued_actions``), an
        upserted record whose id is present replaces that record where it stands, a new one is
        appended in the order given, and ``delete`` names ids (an absent id is skipped). In
        ``feedback``, ``dismissals`` and ``snoozes``, ``delete`` gives records and removes every
        record equal to one of them, then ``upsert`` appends.

        The result equals ``Snapshot.from_dict`` of :meth:`to_dict` with the changes applied
        (:func:`guided_actions._snapshot.changes.apply_to_document`), or the same
        :class:`~guided_actions.errors.InvalidSnapshotError` is raised, listing the same problems
        in the same order. A change set that is itself invalid (an unknown key or list, the same
        id upserted twice, an id both upserted and deleted) raises its own problems.

        Cost follows the change, not the snapshot: only the upserted records are decoded, only
        what the change can break is checked, and every list, record table and index table it
        does not touch is shared with this snapshot. A touched list and its tables are copied (a
        copy of references) and updated key by key. The first delete of a record with an id
        counts, once, which records refer to each id (one pass over the records; kept and
        carried to the snapshots applied from this one). Redefining a pipeline's stages or
        object scans the leads and deals; deleting from a list without ids scans that list.
        When the change brings a problem, the changed document is rebuilt to report it exactly:
        that path costs as much as ``from_dict``.
        """
        return changes_module.apply(self, changes)

    def book(self, user_ids: Iterable[str]) -> Snapshot:
        """The book of these users: the smallest part of this snapshot on which their results
        are the same.

        For each of ``user_ids``, :func:`~guided_actions.evaluate`,
        :func:`~guided_actions.explain` (of the records their rules are about) and
        :func:`~guided_actions.summarize` give on the book what they give on this snapshot, at
        every ``now``, for every viewer and configuration. The book holds the records that
        concern those users (the concern relation, read forwards as
        :data:`guided_actions._snapshot.book.PLAN`), the records those reference (so that it is
        a valid snapshot), and the lists of :data:`~guided_actions._snapshot.book.WHOLE` whole
        (users, pipelines, sequences, issued actions, dashboards); each list in this snapshot's
        order, with its lifecycle stages. See the explanation page "Which records concern a
        user".

        An id that no user has raises :class:`~guided_actions.errors.UnknownUserError` (a
        :class:`LookupError`) naming it; a single ``str`` instead of an iterable of ids raises
        :class:`TypeError`. No user ids: the whole lists only.
        """
        book = type(self).__new__(type(self))
        book._become(book_module.book_lists(self, user_ids), self._lifecycle_stages)
        return book

    def to_dict(self) -> dict[str, Any]:
        """The snapshot as a JSON-ready interchange document (``Snapshot.from_dict`` reads it)."""
        return encode(self._lists, self._lifecycle_stages if self._custom_lifecycle else None)

    def records(self, key: str) -> tuple[Record, ...]:
        """Every record of one list (``"contacts"``, ``"deals"``, …) in input order."""
        return self._lists[key]

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(v)}" for k, v in self._lists.items() if v)
        return f"<Snapshot {sizes or 'empty'}>"

    def _repr_html_(self) -> str:
        """The notebook's display: how many records each list holds, every list in order."""
        total = sum(len(v) for v in self._lists.values())
        parts = [
            html.element("p", html.element("strong", "Snapshot"), f": {total:,} records"),
            html.table(("list", "records"), ([k, f"{len(v):,}"] for k, v in self._lists.items())),
        ]
        if self._custom_lifecycle:
            stages = ", ".join(self._lifecycle_stages)
            parts.append(html.element("p", "lifecycle stages: ", stages))
        return str(html.block(*parts))

    # -- pickling -----------------------------------------------------------------------

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the record lists and the lifecycle stages; unpickling re-indexes, unchecked."""
        lists = {name: records for name, records in self._lists.items() if records}
        return (_unpickle, (type(self), lists, self._lifecycle_stages))

    # -- indexes ------------------------------------------------------------------------

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

    def snoozes_of(self, user_id: str) -> tuple[Snooze, ...]:
        return self._get("snoozes", user_id)

    def issued_action(self, key: str) -> IssuedAction | None:
        return self._by_id["issued_actions"].get(key)

    # -- plain lists (for adapters and the workspace) -----------------------------------

    @property
    def feedback(self) -> tuple[Feedback, ...]:
        return self._lists["feedback"]  # type: ignore[return-value]

    @property
    def dashboards(self) -> tuple[Dashboard, ...]:
        return self._lists["dashboards"]  # type: ignore[return-value]


def load_json(text: str | bytes) -> Snapshot:
    """Load the JSON text of an interchange document: :meth:`Snapshot.from_dict` of the text
    parsed strictly (:mod:`guided_actions._model.jsontext`), so that a key given twice in one
    object is a problem, reported with all the others.

    Raises :class:`~guided_actions.errors.InvalidSnapshotError`, and for text that is not JSON
    :class:`json.JSONDecodeError` (or :class:`RecursionError`, nested too deeply).
    """
    parsed = parse(text)
    return Snapshot._from_decoded(decode(parsed.data), parsed.problems)

"""The CRM records: frozen, slotted attrs classes validated at construction.

Every instant must be timezone-aware and is stored in UTC (so that "N days" is always N x 24
hours, whatever zone the CRM handed in). Lists are stored as tuples. A record that fails
validation raises :class:`~guided_actions.errors.InvalidRecordError` listing every problem of
that record, each naming the record kind, id, field and value.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from guided_actions.errors import InvalidRecordError, Problem, short_repr

Direction = Literal["outbound", "inbound"]
CallStatus = Literal[
    "completed", "busy", "no_answer", "failed", "canceled", "in_progress", "queued", "ringing"
]
TaskPriority = Literal["none", "low", "medium", "high"]
TaskStatus = Literal["not_started", "in_progress", "waiting", "completed", "deferred"]
EngagementKind = Literal[
    "email_open", "email_click", "email_reply", "form_submission", "meeting_booked", "page_view"
]
PipelineObject = Literal["deal", "lead"]
Verdict = Literal["yes", "not_really"]

ENGAGEMENT_KINDS: tuple[str, ...] = typing.get_args(EngagementKind)


#: Instants must lie within these years (UTC), so that adding a rule's thresholds (days) to any
#: of them stays within what ``datetime`` can represent.
_MIN_YEAR, _MAX_YEAR = 2, 9998


def _utc(value: Any) -> Any:
    """Store aware instants in UTC; leave anything else for validation to report."""
    if isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None:
        try:
            return value.astimezone(UTC)
        except OverflowError:
            return value  # out of range in UTC: validation reports it
    return value


def _tuple(value: Any) -> Any:
    """Store lists as tuples; leave anything else (a lone string, say) for validation."""
    if isinstance(value, list):
        return tuple(value)
    return value


def instant() -> Any:
    return attrs.field(converter=_utc)


def optional_instant() -> Any:
    return attrs.field(default=None, converter=_utc)


def id_list() -> Any:
    return attrs.field(factory=tuple, converter=_tuple)


class Record:
    """Mixin of every record: validation of each field against its annotation."""

    __slots__ = ()
    record_kind: ClassVar[str]

    def __attrs_post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise InvalidRecordError(problems)

    def _record_id(self) -> str | None:
        rid = getattr(self, "id", None)
        if isinstance(rid, str):
            return rid
        key = getattr(self, "key", None)
        if isinstance(key, str):
            return key
        for name in ("user_id", "action_key"):
            v = getattr(self, name, None)
            if isinstance(v, str):
                return v
        return None

    def _problems(self) -> Iterable[Problem]:
        rid: str | None = None
        for name, check in field_checks(type(self)):
            value = getattr(self, name)
            message = check(value)
            if message is not None:
                rid = rid or self._record_id()
                yield Problem(self.record_kind, rid, name, value, message)
        rid = rid or self._record_id()
        yield from _nonempty_ids(self, rid, *id_fields(type(self)))
        yield from self._extra_problems(rid)

    def _extra_problems(self, rid: str | None) -> Iterable[Problem]:
        return ()


_FIELD_TYPES: dict[type, dict[str, Any]] = {}


def field_types(cls: type) -> dict[str, Any]:
    """The resolved annotation of every attrs field of a record class."""
    cached = _FIELD_TYPES.get(cls)
    if cached is None:
        hints = typing.get_type_hints(cls)
        cached = {f.name: hints[f.name] for f in attrs.fields(cls)}
        _FIELD_TYPES[cls] = cached
    return cached


_ID_FIELDS: dict[type, tuple[str, ...]] = {}


def id_fields(cls: type) -> tuple[str, ...]:
    """The fields of a record class that hold ids (non-empty strings): derived from the names."""
    cached = _ID_FIELDS.get(cls)
    if cached is None:
        cached = tuple(
            name
            for name in field_types(cls)
            if name in ("id", "key", "action_key", "in_reply_to") or name.endswith(("_id", "_ids"))
        )
        _ID_FIELDS[cls] = cached
    return cached


Check = Callable[[Any], "str | None"]
_FIELD_CHECKS: dict[type, tuple[tuple[str, Check], ...]] = {}


def field_checks(cls: type) -> tuple[tuple[str, Check], ...]:
    """One compiled check per field of a record class (built once per class)."""
    cached = _FIELD_CHECKS.get(cls)
    if cached is None:
        cached = tuple((name, compile_check(tp)) for name, tp in field_types(cls).items())
        _FIELD_CHECKS[cls] = cached
    return cached


def _aware(value: Any) -> str | None:
    if type(value) is datetime and value.tzinfo is UTC and _MIN_YEAR <= value.year <= _MAX_YEAR:
        return None  # the common case, stored in UTC by the converter
    return check_type(value, datetime)


def compile_check(tp: Any) -> Check:
    """A fast check for one annotation; same answers as :func:`check_type`."""
    if tp is str:
        return lambda v: None if type(v) is str else check_type(v, str)
    if tp is bool:
        return lambda v: None if type(v) is bool else "expected a boolean"
    if tp is datetime:
        return _aware
    if _is_union(tp) and type(None) in typing.get_args(tp):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(inner) == 1:
            check = compile_check(inner[0])
            return lambda v: None if v is None else check(v)
    if typing.get_origin(tp) is tuple and typing.get_args(tp)[0] is str:
        return lambda v: (
            None if type(v) is tuple and all(type(i) is str for i in v) else check_type(v, tp)
        )
    if typing.get_origin(tp) is Literal:
        allowed = frozenset(typing.get_args(tp))
        return lambda v: None if type(v) is str and v in allowed else check_type(v, tp)
    return lambda v: check_type(v, tp)


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (Union, types.UnionType)


def describe_type(tp: Any) -> str:
    """A reader's name for a type: ``"a string"``, ``"one of 'a', 'b'"``…"""
    if tp is type(None):
        return "null"
    if _is_union(tp):
        return " or ".join(describe_type(a) for a in typing.get_args(tp))
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin is tuple:
        return f"a list of {describe_type(typing.get_args(tp)[0]).removeprefix('a ')}s"
    return {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        datetime: "a timezone-aware instant",
    }.get(tp, f"a {getattr(tp, '__name__', tp)}")


def check_type(value: Any, tp: Any) -> str | None:
    """``None`` when ``value`` fits the annotation ``tp``, else what was expected."""
    if _is_union(tp):
        args = typing.get_args(tp)
        if any(check_type(value, a) is None for a in args):
            return None
        # Report the most specific message of a non-null alternative.
        non_null = [a for a in args if a is not type(None)]
        if len(non_null) == 1:
            inner = check_type(value, non_null[0])
            return inner if value is not None else f"expected {describe_type(tp)}"
        return f"expected {describe_type(tp)}"
    if tp is type(None):
        return None if value is None else "expected null"
    origin = typing.get_origin(tp)
    if origin is Literal:
        allowed = typing.get_args(tp)
        if isinstance(value, str) and value in allowed:
            return None
        return "unknown value; expected " + describe_type(tp)
    if origin is tuple:
        if not isinstance(value, tuple):
            return f"expected {describe_type(tp)}"
        (item_tp, _ellipsis) = typing.get_args(tp)
        for item in value:
            inner = check_type(item, item_tp)
            if inner is not None:
                return f"list item {short_repr(item)}: {inner}"
        return None
    if tp is datetime:
        if not isinstance(value, datetime):
            return "expected a timezone-aware instant"
        if value.tzinfo is None or value.utcoffset() is None:
            return "naive instant: a time zone offset is required"
        try:
            year = value.astimezone(UTC).year
        except OverflowError:
            year = 0
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            return f"instant out of the supported range (years {_MIN_YEAR} to {_MAX_YEAR} in UTC)"
        return None
    if tp is bool:
        return None if isinstance(value, bool) else "expected a boolean"
    if tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "expected an integer"
    if tp is str:
        return None if isinstance(value, str) else "expected a string"
    if isinstance(tp, type):
        return None if isinstance(value, tp) else f"expected {describe_type(tp)}"
    raise TypeError(f"unsupported annotation {tp!r}")  # pragma: no cover - a library bug


def _nonempty_id(rid: str | None, kind: str, field: str, value: object) -> Iterable[Problem]:
    if isinstance(value, str) and not value:
        yield Problem(kind, rid, field, value, "ids must be non-empty strings")


def _nonempty_ids(record: Any, rid: str | None, *fields: str) -> Iterable[Problem]:
    for field in fields:
        value = getattr(record, field)
        if isinstance(value, tuple):
            for item in value:
                yield from _nonempty_id(rid, record.record_kind, field, item)
        else:
            yield from _nonempty_id(rid, record.record_kind, field, value)


@attrs.frozen(kw_only=True)
class User(Record):
    """A sales rep (or admin) of the CRM. ``timezone`` is an IANA name; "today" is read in it."""

    record_kind: ClassVar[str] = "users"
    id: str
    email: str
    timezone: str = "UTC"
    super_admin: bool = False
    team_ids: tuple[str, ...] = id_list()

    def _extra_problems(self, rid: str | None) -> Iterable[Problem]:
        if isinstance(self.timezone, str):
            try:
                ZoneInfo(self.timezone)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                # OSError: a tzdata folder ("Europe") or a name too long for the file system.
                yield Problem(
                    self.record_kind, rid, "timezone", self.timezone, "unknown IANA time zone name"
                )

    @property
    def zone(self) -> ZoneInfo:
        """The user's time zone as a :class:`zoneinfo.ZoneInfo`."""
        return ZoneInfo(self.timezone)


@attrs.frozen(kw_only=True)
class Stage(Record):
    """One stage of a pipeline. A stage is open when not ``closed``."""

    record_kind: ClassVar[str] = "pipelines.stages"
    id: str
    label: str | None = None
    closed: bool = False
    won: bool = False

    def _extra_problems(self, rid: str | None) -> Iterable[Problem]:
        if self.won is True and self.closed is False:
            yield Problem(self.record_kind, rid, "won", self.won, "a won stage must also be closed")


def _stages(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@attrs.frozen(kw_only=True)
class Pipeline(Record):
    """An ordered list of stages for deals or for leads; ``stages[0]`` is the first stage."""

    record_kind: ClassVar[str] = "pipelines"
    id: str
    object: PipelineObject
    stages: tuple[Stage, ...] = attrs.field(converter=_stages)

    def _extra_problems(self, rid: str | None) -> Iterable[Problem]:
        if isinstance(self.stages, tuple):
            if not self.stages:
                yield Problem(
                    self.record_kind, rid, "stages", self.stages, "a pipeline needs a stage"
                )
            seen: set[str] = set()
            for index, stage in enumerate(self.stages):
                if isinstance(stage, Stage):
                    if stage.id in seen:
                        yield Problem(
                            self.record_kind,
                            rid,
                            f"stages[{index}].id",
                            stage.id,
                            "duplicate stage id",
                        )
                    seen.add(stage.id)

    def stage(self, stage_id: str) -> Stage | None:
        """The stage with that id, or ``None``."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        return None

    @property
    def first_stage(self) -> Stage:
        return self.stages[0]


@attrs.frozen(kw_only=True)
class Company(Record):
    """A company (account). ``target_account`` marks the accounts sales focus on."""

    record_kind: ClassVar[str] = "companies"
    id: str
    name: str | None = None
    domain: str | None = None
    owner_id: str | None = None
    target_account: bool = False


@attrs.frozen(kw_only=True)
class Contact(Record):
    """A person in the CRM."""

    record_kind: ClassVar[str] = "contacts"
    id: str
    created_at: datetime = instant()
    email: str | None = None
    owner_id: str | None = None
    owner_assigned_at: datetime | None = optional_instant()
    lifecycle_stage: str | None = None
    company_ids: tuple[str, ...] = id_list()


@attrs.frozen(kw_only=True)
class Lead(Record):
    """A lead: a contact being qualified in a lead pipeline."""

    record_kind: ClassVar[str] = "leads"
    id: str
    contact_id: str
    pipeline_id: str
    stage_id: str
    created_at: datetime = instant()
    owner_id: str | None = None
    owner_assigned_at: datetime | None = optional_instant()
    stage_changed_at: datetime | None = optional_instant()


@attrs.frozen(kw_only=True)
class Deal(Record):
    """A deal in a deal pipeline."""

    record_kind: ClassVar[str] = "deals"
    id: str
    pipeline_id: str
    stage_id: str
    created_at: datetime = instant()
    owner_id: str | None = None
    owner_assigned_at: datetime | None = optional_instant()
    closed_at: datetime | None = optional_instant()
    next_step: str | None = None
    next_step_updated_at: datetime | None = optional_instant()
    contact_ids: tuple[str, ...] = id_list()
    company_ids: tuple[str, ...] = id_list()


@attrs.frozen(kw_only=True)
class Email(Record):
    """An email in ``owner_id``'s mailbox: ``outbound`` they sent it, ``inbound`` they got it."""

    record_kind: ClassVar[str] = "emails"
    id: str
    owner_id: str
    direction: Direction
    sent_at: datetime = instant()
    from_address: str | None = None
    to: tuple[str, ...] = id_list()
    cc: tuple[str, ...] = id_list()
    opened_at: datetime | None = optional_instant()
    in_reply_to: str | None = None
    contact_ids: tuple[str, ...] = id_list()
    lead_ids: tuple[str, ...] = id_list()
    deal_ids: tuple[str, ...] = id_list()

    @property
    def primary_recipient(self) -> str | None:
        """``to[0]``, the primary recipient, or ``None``."""
        return self.to[0] if self.to else None


@attrs.frozen(kw_only=True)
class Call(Record):
    """A phone call. ``status`` ``None`` is blank; ``outcome`` ``None`` or ``""`` is blank."""

    record_kind: ClassVar[str] = "calls"
    id: str
    owner_id: str
    started_at: datetime = instant()
    ended_at: datetime | None = optional_instant()
    status: CallStatus | None = None
    outcome: str | None = None
    builtin_calling: bool = False
    contact_ids: tuple[str, ...] = id_list()
    company_ids: tuple[str, ...] = id_list()
    deal_ids: tuple[str, ...] = id_list()
    lead_ids: tuple[str, ...] = id_list()

    def _extra_problems(self, rid: str | None) -> Iterable[Problem]:
        s, e = self.started_at, self.ended_at
        if e is not None and _both_aware(s, e) and e < s:
            yield Problem(
                self.record_kind, rid, "ended_at", e, "a call cannot end before it starts"
            )


def _both_aware(a: Any, b: Any) -> bool:
    return all(isinstance(x, datetime) and x.tzinfo is not None for x in (a, b))


@attrs.frozen(kw_only=True)
class Meeting(Record):
    """A meeting on ``owner_id``'s calendar, from ``start`` to ``end``."""

    record_kind: ClassVar[str] = "meetings"
    id: str
    owner_id: str
    start: datetime = instant()
    end: datetime = instant()
    title: str | None = None
    contact_ids: tuple[str, ...] = id_list()
    company_ids: tuple[str, ...] = id_list()
    deal_ids: tuple[str, ...] = id_list()
    lead_ids: tuple[str, ...] = id_list()

    def _extra_problems(self, rid: str | None) -> Iterable[Problem]:
        if _both_aware(self.start, self.end) and self.end < self.start:
            yield Problem(
                self.record_kind, rid, "end", self.end, "a meeting cannot end before it starts"
            )


@attrs.frozen(kw_only=True)
class Task(Record):
    """A task. It is open while its status is not ``completed`` (so ``deferred`` is open)."""

    record_kind: ClassVar[str] = "tasks"
    id: str
    owner_id: str
    created_at: datetime = instant()
    title: str | None = None
    due_at: datetime | None = optional_instant()
    priority: TaskPriority = "none"
    status: TaskStatus = "not_started"
    completed_at: datetime | None = optional_instant()
    sequence_id: str | None = None
    sequence_step: int | None = None
    meeting_id: str | None = None
    contact_ids: tuple[str, ...] = id_list()
    deal_ids: tuple[str, ...] = id_list()
    lead_ids: tuple[str, ...] = id_list()

    def _extra_problems(self, rid: str | None) -> Iterable[Problem]:
        step = self.sequence_step
        if isinstance(step, int) and not isinstance(step, bool) and step < 1:
            yield Problem(
                self.record_kind, rid, "sequence_step", step, "a sequence step is at least 1"
            )


@attrs.frozen(kw_only=True)
class Note(Record):
    """A note logged on records."""

    record_kind: ClassVar[str] = "notes"
    id: str
    owner_id: str
    created_at: datetime = instant()
    contact_ids: tuple[str, ...] = id_list()
    deal_ids: tuple[str, ...] = id_list()
    lead_ids: tuple[str, ...] = id_list()


@attrs.frozen(kw_only=True)
class Sequence(Record):
    """A sales sequence (a cadence of tasks)."""

    record_kind: ClassVar[str] = "sequences"
    id: str
    name: str | None = None


@attrs.frozen(kw_only=True)
class EngagementEvent(Record):
    """A contact engaging: an email open or click, a reply, a form, a booked meeting, a visit."""

    record_kind: ClassVar[str] = "engagement_events"
    id: str
    contact_id: str
    kind: EngagementKind
    occurred_at: datetime = instant()


@attrs.frozen(kw_only=True)
class Feedback(Record):
    """A user's verdict on an action: was it useful (``yes``) or ``not_really``."""

    record_kind: ClassVar[str] = "feedback"
    user_id: str
    action_key: str
    verdict: Verdict
    at: datetime = instant()


@attrs.frozen(kw_only=True)
class Dismissal(Record):
    """A user hid the action with ``action_key`` until ``until`` (for good when ``None``)."""

    record_kind: ClassVar[str] = "dismissals"
    user_id: str
    action_key: str
    until: datetime | None = optional_instant()


@attrs.frozen(kw_only=True)
class IssuedAction(Record):
    """An action already shown: its associations are frozen to these."""

    record_kind: ClassVar[str] = "issued_actions"
    key: str
    contact_ids: tuple[str, ...] = id_list()
    company_ids: tuple[str, ...] = id_list()


def _access(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@attrs.frozen(kw_only=True)
class Dashboard(Record):
    """A dashboard added to the workspace, for ``everyone`` or for a list of team ids."""

    record_kind: ClassVar[str] = "dashboards"
    id: str
    access: Literal["everyone"] | tuple[str, ...] = attrs.field(converter=_access)
    name: str | None = None
    view_access_confirmed: bool = False


Activity = Email | Call | Meeting | Note | Task

RECORD_CLASSES: tuple[type[Record], ...] = (
    User, Pipeline, Company, Contact, Lead, Deal, Email, Call, Meeting, Task, Note,
    Sequence, EngagementEvent, Feedback, Dismissal, IssuedAction, Dashboard,
)  # fmt: skip

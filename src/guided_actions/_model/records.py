"""The CRM records: frozen, slotted attrs classes validated at construction.

Every instant must be timezone-aware and is stored in UTC (so that "N days" is always N x 24
hours, whatever zone the CRM handed in). Lists are stored as tuples. A record that fails
validation raises :class:`~guided_actions.errors.InvalidRecordError` listing every problem of
that record, each naming the record kind, id, field and value. The checks come from the field
annotations (:mod:`guided_actions._model.validation`); a class adds only what annotations cannot
say (a meeting cannot end before it starts…) in ``_extra_problems``.
"""

from __future__ import annotations

import functools
import typing
import zoneinfo
from collections.abc import Iterable, Mapping
from collections.abc import Sequence as PySequence
from datetime import UTC, datetime
from math import inf
from operator import lt
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from guided_actions._model.validation import field_checks, id_fields, id_problems
from guided_actions.errors import InvalidRecordError, Problem

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

#: Names a host's time zone folder may hold that are not zones of the IANA database, or whose
#: meaning depends on the host: its own local zone, the rules of POSIX TZ strings, tzdata's
#: placeholder zone, and whole copies of the database in the "posix" and "right" (counting leap
#: seconds) conventions.
HOST_ZONE_NAMES = frozenset({"localtime", "posixrules", "Factory"})
HOST_ZONE_FOLDERS = ("posix/", "right/")


@functools.cache
def _iana_zone_names() -> frozenset[str]:
    """The zone names this host knows, spelt exactly (a case-insensitive file system would
    also open ``europe/paris``), less those that are not canonical IANA names."""
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if name not in HOST_ZONE_NAMES and not name.startswith(HOST_ZONE_FOLDERS)
    )


def zone_name_problem(name: str) -> str | None:
    """``None`` when ``name`` is a canonical IANA time zone name, else what is wrong with it.

    Only the names of the IANA database are accepted, exactly as spelt there, so that a snapshot
    means the same on every host: not ``localtime`` and the other entries of a host's zone folder
    whose meaning depends on the host (:data:`HOST_ZONE_NAMES`, :data:`HOST_ZONE_FOLDERS`).
    """
    if name in HOST_ZONE_NAMES or name.startswith(HOST_ZONE_FOLDERS):
        return "a host-dependent name, not an IANA time zone name (use one such as Europe/Paris)"
    if name not in _iana_zone_names():
        return "unknown IANA time zone name"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return "unknown IANA time zone name"  # listed, but its file cannot be read
    return None


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
        cls = type(self)
        rid: str | None = None
        for name, check in field_checks(cls):
            value = getattr(self, name)
            message = check(value)
            if message is not None:
                rid = rid or self._record_id()
                yield Problem(self.record_kind, rid, name, value, message)
        rid = rid or self._record_id()
        yield from id_problems(self, self.record_kind, rid, id_fields(cls))
        yield from self._extra_problems(rid)

    def _extra_problems(self, rid: str | None) -> Iterable[Problem]:
        return ()

    @classmethod
    def _extra_fine(cls, columns: Mapping[str, PySequence[Any]], n_rows: int) -> bool | None:
        """Whether no record of these columns has a problem of ``_extra_problems``: the same
        checks made a column at a time, on valid values as they are stored (instants in UTC,
        lists as tuples, every field given). ``None``: this class checks record by record."""
        return None


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
            message = zone_name_problem(self.timezone)
            if message is not None:
                yield Problem(self.record_kind, rid, "timezone", self.timezone, message)

    @classmethod
    def _extra_fine(cls, columns: Mapping[str, PySequence[Any]], n_rows: int) -> bool | None:
        return all(zone_name_problem(zone) is None for zone in set(columns["timezone"]))

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

    @classmethod
    def _extra_fine(cls, columns: Mapping[str, PySequence[Any]], n_rows: int) -> bool | None:
        return (True, False) not in set(zip(columns["won"], columns["closed"], strict=True))


@attrs.frozen(kw_only=True)
class Pipeline(Record):
    """An ordered list of stages for deals or for leads; ``stages[0]`` is the first stage."""

    record_kind: ClassVar[str] = "pipelines"
    id: str
    object: PipelineObject
    stages: tuple[Stage, ...] = attrs.field(converter=_tuple)

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

    @classmethod
    def _extra_fine(cls, columns: Mapping[str, PySequence[Any]], n_rows: int) -> bool | None:
        return all(
            stages and len({stage.id for stage in stages}) == len(stages)
            for stages in columns["stages"]
        )

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
    """A deal in a deal pipeline.

    ``amount`` is the deal's size (its value, in the CRM's currency): a finite number, ``int`` or
    ``float``, at least 0; ``None`` when unknown. Only the ranking reads it.
    """

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
    amount: float | None = None

    def _extra_problems(self, rid: str | None) -> Iterable[Problem]:
        amount = self.amount
        # A negative number; an infinity is reported by the type check already.
        if isinstance(amount, int | float) and not isinstance(amount, bool) and -inf < amount < 0:
            yield Problem(self.record_kind, rid, "amount", amount, "an amount cannot be negative")

    @classmethod
    def _extra_fine(cls, columns: Mapping[str, PySequence[Any]], n_rows: int) -> bool | None:
        return min(filter(_is_not_none, columns["amount"]), default=0) >= 0


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

    @classmethod
    def _extra_fine(cls, columns: Mapping[str, PySequence[Any]], n_rows: int) -> bool | None:
        ended = columns["ended_at"]
        return not any(
            e is not None and e < s for e, s in zip(ended, columns["started_at"], strict=True)
        )


def _is_not_none(value: object) -> bool:
    return value is not None


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

    @classmethod
    def _extra_fine(cls, columns: Mapping[str, PySequence[Any]], n_rows: int) -> bool | None:
        return not any(map(lt, columns["end"], columns["start"]))


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

    @classmethod
    def _extra_fine(cls, columns: Mapping[str, PySequence[Any]], n_rows: int) -> bool | None:
        return min(filter(_is_not_none, columns["sequence_step"]), default=1) >= 1


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
class Snooze(Record):
    """A user snoozed the action with ``action_key`` until ``until``: it is hidden until then
    and comes back by itself.

    ``subject_ids`` are the ids of a card's members when it was snoozed (empty for an action
    about one record): while the card has a member not among them (a new member joined), the
    snooze does not hide it. They may name records deleted since.
    """

    record_kind: ClassVar[str] = "snoozes"
    user_id: str
    action_key: str
    until: datetime = instant()
    subject_ids: tuple[str, ...] = id_list()


@attrs.frozen(kw_only=True)
class IssuedAction(Record):
    """An action already shown: its associations are frozen to these."""

    record_kind: ClassVar[str] = "issued_actions"
    key: str
    contact_ids: tuple[str, ...] = id_list()
    company_ids: tuple[str, ...] = id_list()


@attrs.frozen(kw_only=True)
class Dashboard(Record):
    """A dashboard added to the workspace, for ``everyone`` or for a list of team ids."""

    record_kind: ClassVar[str] = "dashboards"
    id: str
    access: Literal["everyone"] | tuple[str, ...] = attrs.field(converter=_tuple)
    name: str | None = None
    view_access_confirmed: bool = False

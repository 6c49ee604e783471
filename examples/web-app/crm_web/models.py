"""The CRM's tables: one per list of the ``guided_actions`` interchange format.

Each table's columns carry the record's field names, so that a row converts to its record by
name (:mod:`crm_web.convert`). Two choices hold for every table:

- **Lists of ids are JSON columns** (``contact_ids``, an email's ``to`` and ``cc``, …). They keep
  their order (an email's first recipient is its primary one) and map one to one to the records'
  tuples. The library builds its own indexes over the snapshot, so the database needs no
  association tables to answer "which deals list this contact".
- **No foreign keys.** The library checks every reference when it builds the snapshot and reports
  every broken one at once, naming the record, the field and the id; a JSON list of ids could not
  carry a foreign key anyway.

Instants are stored as ISO-8601 text in UTC with microseconds (:class:`Instant`): SQLite has no
time zone type, and SQLAlchemy's ``DateTime`` would hand back naive datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Dialect,
    Engine,
    ForeignKey,
    Integer,
    String,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Base",
    "CallRow",
    "CompanyRow",
    "ContactRow",
    "DashboardRow",
    "DealRow",
    "DismissalRow",
    "EmailRow",
    "EngagementEventRow",
    "FeedbackRow",
    "Instant",
    "IssuedActionRow",
    "LeadRow",
    "LifecycleStageRow",
    "MeetingRow",
    "NoteRow",
    "PipelineRow",
    "SequenceRow",
    "SnoozeRow",
    "StageRow",
    "TaskRow",
    "UserRow",
    "VersionRow",
    "connect",
]


class Instant(TypeDecorator[datetime]):
    """A timezone-aware instant, stored as ISO-8601 text in UTC with microseconds.

    The fixed width keeps text order and time order the same. Writing a naive datetime is refused.
    Reading gives back what the column holds, parsed when it can be: a naive or unreadable value
    written by another program reaches the record, whose validation names the row and the field.
    """

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()!r}: give it a time zone")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value


def _ids() -> Mapped[list[str]]:
    return mapped_column(JSON, default=list)


class Base(DeclarativeBase):
    """The declarative base of every table."""


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    email: Mapped[str]
    timezone: Mapped[str] = mapped_column(default="UTC")
    super_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    team_ids: Mapped[list[str]] = _ids()


class LifecycleStageRow(Base):
    """The CRM's own ordered lifecycle stages; none at all means the library's default list."""

    __tablename__ = "lifecycle_stages"
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(unique=True)


class PipelineRow(Base):
    __tablename__ = "pipelines"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    object: Mapped[str]
    stages: Mapped[list[StageRow]] = relationship(
        order_by="StageRow.position", cascade="all, delete-orphan", lazy="selectin"
    )


class StageRow(Base):
    """One stage of a pipeline, at its ``position`` (0 is the first stage)."""

    __tablename__ = "pipeline_stages"
    pipeline_id: Mapped[str] = mapped_column(ForeignKey("pipelines.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str]
    label: Mapped[str | None]
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    won: Mapped[bool] = mapped_column(Boolean, default=False)


class CompanyRow(Base):
    __tablename__ = "companies"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str | None]
    domain: Mapped[str | None]
    owner_id: Mapped[str | None]
    target_account: Mapped[bool] = mapped_column(Boolean, default=False)


class ContactRow(Base):
    __tablename__ = "contacts"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Instant)
    email: Mapped[str | None]
    owner_id: Mapped[str | None]
    owner_assigned_at: Mapped[datetime | None] = mapped_column(Instant)
    lifecycle_stage: Mapped[str | None]
    company_ids: Mapped[list[str]] = _ids()


class LeadRow(Base):
    __tablename__ = "leads"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    contact_id: Mapped[str]
    pipeline_id: Mapped[str]
    stage_id: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(Instant)
    owner_id: Mapped[str | None]
    owner_assigned_at: Mapped[datetime | None] = mapped_column(Instant)
    stage_changed_at: Mapped[datetime | None] = mapped_column(Instant)


class DealRow(Base):
    __tablename__ = "deals"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    pipeline_id: Mapped[str]
    stage_id: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(Instant)
    owner_id: Mapped[str | None]
    owner_assigned_at: Mapped[datetime | None] = mapped_column(Instant)
    closed_at: Mapped[datetime | None] = mapped_column(Instant)
    next_step: Mapped[str | None]
    next_step_updated_at: Mapped[datetime | None] = mapped_column(Instant)
    contact_ids: Mapped[list[str]] = _ids()
    company_ids: Mapped[list[str]] = _ids()
    amount: Mapped[float | None]


class EmailRow(Base):
    __tablename__ = "emails"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    owner_id: Mapped[str]
    direction: Mapped[str]
    sent_at: Mapped[datetime] = mapped_column(Instant)
    from_address: Mapped[str | None]
    to: Mapped[list[str]] = _ids()
    cc: Mapped[list[str]] = _ids()
    opened_at: Mapped[datetime | None] = mapped_column(Instant)
    in_reply_to: Mapped[str | None]
    contact_ids: Mapped[list[str]] = _ids()
    lead_ids: Mapped[list[str]] = _ids()
    deal_ids: Mapped[list[str]] = _ids()


class CallRow(Base):
    __tablename__ = "calls"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    owner_id: Mapped[str]
    started_at: Mapped[datetime] = mapped_column(Instant)
    ended_at: Mapped[datetime | None] = mapped_column(Instant)
    status: Mapped[str | None]
    outcome: Mapped[str | None]
    builtin_calling: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_ids: Mapped[list[str]] = _ids()
    company_ids: Mapped[list[str]] = _ids()
    deal_ids: Mapped[list[str]] = _ids()
    lead_ids: Mapped[list[str]] = _ids()


class MeetingRow(Base):
    __tablename__ = "meetings"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    owner_id: Mapped[str]
    start: Mapped[datetime] = mapped_column(Instant)
    end: Mapped[datetime] = mapped_column(Instant)
    title: Mapped[str | None]
    contact_ids: Mapped[list[str]] = _ids()
    company_ids: Mapped[list[str]] = _ids()
    deal_ids: Mapped[list[str]] = _ids()
    lead_ids: Mapped[list[str]] = _ids()


class TaskRow(Base):
    __tablename__ = "tasks"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    owner_id: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(Instant)
    title: Mapped[str | None]
    due_at: Mapped[datetime | None] = mapped_column(Instant)
    priority: Mapped[str] = mapped_column(default="none")
    status: Mapped[str] = mapped_column(default="not_started")
    completed_at: Mapped[datetime | None] = mapped_column(Instant)
    sequence_id: Mapped[str | None]
    sequence_step: Mapped[int | None]
    meeting_id: Mapped[str | None]
    contact_ids: Mapped[list[str]] = _ids()
    deal_ids: Mapped[list[str]] = _ids()
    lead_ids: Mapped[list[str]] = _ids()


class NoteRow(Base):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    owner_id: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(Instant)
    contact_ids: Mapped[list[str]] = _ids()
    deal_ids: Mapped[list[str]] = _ids()
    lead_ids: Mapped[list[str]] = _ids()


class SequenceRow(Base):
    __tablename__ = "sequences"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str | None]


class EngagementEventRow(Base):
    __tablename__ = "engagement_events"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    contact_id: Mapped[str]
    kind: Mapped[str]
    occurred_at: Mapped[datetime] = mapped_column(Instant)


class FeedbackRow(Base):
    """A rep's verdict on an action; ``row_id`` is the table's own key, not the library's."""

    __tablename__ = "feedback"
    row_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(index=True)
    action_key: Mapped[str]
    verdict: Mapped[str]
    at: Mapped[datetime] = mapped_column(Instant)


class DismissalRow(Base):
    """A rep hid an action until ``until`` (for good when null)."""

    __tablename__ = "dismissals"
    row_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(index=True)
    action_key: Mapped[str]
    until: Mapped[datetime | None] = mapped_column(Instant)


class SnoozeRow(Base):
    __tablename__ = "snoozes"
    row_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(index=True)
    action_key: Mapped[str]
    until: Mapped[datetime] = mapped_column(Instant)
    subject_ids: Mapped[list[str]] = _ids()


class IssuedActionRow(Base):
    __tablename__ = "issued_actions"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    contact_ids: Mapped[list[str]] = _ids()
    company_ids: Mapped[list[str]] = _ids()


class DashboardRow(Base):
    """A dashboard; ``access`` is ``"everyone"`` or a JSON list of team ids."""

    __tablename__ = "dashboards"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    access: Mapped[Any] = mapped_column(JSON)
    name: Mapped[str | None]
    view_access_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)


class VersionRow(Base):
    """One row: how many writes the database has seen (:mod:`crm_web.cache`)."""

    __tablename__ = "crm_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


def connect(url: str) -> Engine:
    """An engine for the database at ``url`` (``sqlite:///crm.sqlite``), its tables created.

    SQLite is put in write-ahead-log mode, so that requests keep reading while one writes, and
    its connections may move between the threads of the pool that serves requests.
    """
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _wal(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    Base.metadata.create_all(engine)
    return engine

"""ORM rows to ``guided_actions`` records and a snapshot, and records back to rows.

One mechanism for every table: a row's columns carry its record's field names
(:mod:`crm_web.models`), so a row becomes its record field by field, and a record becomes its row
the same way. Only a pipeline's stages, a table of their own, are handled apart.
"""

from __future__ import annotations

from typing import Any

import attrs
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_web.models import (
    Base,
    CallRow,
    CompanyRow,
    ContactRow,
    DashboardRow,
    DealRow,
    DismissalRow,
    EmailRow,
    EngagementEventRow,
    FeedbackRow,
    IssuedActionRow,
    LeadRow,
    LifecycleStageRow,
    MeetingRow,
    NoteRow,
    PipelineRow,
    SequenceRow,
    SnoozeRow,
    StageRow,
    TaskRow,
    UserRow,
)
from guided_actions import (
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
    Sequence,
    Snapshot,
    Snooze,
    Stage,
    Task,
    User,
)
from guided_actions.errors import InvalidSnapshotError, Problem

__all__ = ["TABLES", "add_snapshot", "load_snapshot", "record_from_row", "row_from_record"]

#: Every table, with the record class its rows become, in the interchange format's order.
TABLES: tuple[tuple[type[Base], type[Any]], ...] = (
    (UserRow, User),
    (PipelineRow, Pipeline),
    (CompanyRow, Company),
    (ContactRow, Contact),
    (LeadRow, Lead),
    (DealRow, Deal),
    (EmailRow, Email),
    (CallRow, Call),
    (MeetingRow, Meeting),
    (TaskRow, Task),
    (NoteRow, Note),
    (SequenceRow, Sequence),
    (EngagementEventRow, EngagementEvent),
    (FeedbackRow, Feedback),
    (DismissalRow, Dismissal),
    (SnoozeRow, Snooze),
    (IssuedActionRow, IssuedAction),
    (DashboardRow, Dashboard),
)
_ROW_OF: dict[type[Any], type[Base]] = {record: row for row, record in TABLES}


def record_from_row(row: Base, cls: type[Any]) -> Any:
    """The record of class ``cls`` that ``row`` holds.

    A null column is the field's default where the field has one, as an absent or null field is in
    the interchange format. Raises :class:`~guided_actions.errors.InvalidRecordError` (an
    :class:`~guided_actions.errors.InvalidSnapshotError`) naming the record, field and value.
    """
    values: dict[str, Any] = {}
    for field in attrs.fields(cls):
        value = getattr(row, field.name)
        if value is None and field.default is not attrs.NOTHING:
            continue
        values[field.name] = value
    if cls is Pipeline:
        values["stages"] = [record_from_row(stage, Stage) for stage in values["stages"]]
    return cls(**values)


def load_snapshot(session: Session) -> Snapshot:
    """The snapshot of every row of the database, read in ``session``'s transaction.

    Rows are read in primary-key order. Each row becomes its record; when some cannot,
    :class:`~guided_actions.errors.InvalidSnapshotError` lists the problems of every such row at
    once. Then :meth:`Snapshot.from_records` checks the references between records, and raises
    the same error listing every broken one.
    """
    records: list[Any] = []
    problems: list[Problem] = []
    for row_cls, cls in TABLES:
        order = row_cls.__table__.primary_key.columns  # type: ignore[attr-defined]
        for row in session.scalars(select(row_cls).order_by(*order)):
            try:
                records.append(record_from_row(row, cls))
            except InvalidSnapshotError as exc:
                problems.extend(exc.problems)
    if problems:
        raise InvalidSnapshotError(problems)
    stages = session.scalars(select(LifecycleStageRow.id).order_by(LifecycleStageRow.position))
    return Snapshot.from_records(records, lifecycle_stages=list(stages) or None)


def _column(value: Any) -> Any:
    """A record's field value as its column holds it: tuples become JSON lists."""
    return list(value) if isinstance(value, tuple) else value


def row_from_record(record: Any) -> Base:
    """The row that holds ``record`` (a pipeline's row holds its stages' rows)."""
    cls = type(record)
    values = {f.name: _column(getattr(record, f.name)) for f in attrs.fields(cls)}
    if cls is Pipeline:
        values["stages"] = [
            StageRow(position=position, **attrs.asdict(stage))
            for position, stage in enumerate(record.stages)
        ]
    return _ROW_OF[cls](**values)


def add_snapshot(session: Session, snapshot: Snapshot) -> None:
    """Add every record of ``snapshot`` to ``session`` as rows, and its lifecycle stages."""
    for _row_cls, cls in TABLES:
        for record in snapshot.records(cls.record_kind):
            session.add(row_from_record(record))
    if snapshot.custom_lifecycle_stages:
        for position, stage in enumerate(snapshot.lifecycle_stages):
            session.add(LifecycleStageRow(position=position, id=stage))

"""Small snapshots in a few lines, for tests of rules (built-in or from a plugin).

Every builder fills the required fields with sensible defaults, so a test states only what
matters to it::

    from guided_actions.testing import NOW, at, build, contact, deal, run_rule

    snapshot = build(deal("d1", created_at=at(days=-8)))
    actions = run_rule(AddContactToDeal, snapshot, NOW)
    assert [a.subjects for a in actions] == [(("deal", "d1"),)]

``build`` adds the users ``u1`` (``rep@acme.test``, the user evaluated by default) and ``u2``
(``other@acme.test``), a super admin ``admin``, a deal pipeline ``deals`` (stages ``new``,
``proposal``, ``won``, ``lost``) and a lead pipeline ``leads`` (stages ``new``, ``working``,
``qualified``, ``disqualified``) unless the test gives its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from guided_actions._engine.actions import Action, Result
from guided_actions._engine.config import Config
from guided_actions._engine.evaluate import evaluate
from guided_actions._engine.explain import RuleExplanation, explain
from guided_actions._model.records import (
    Call,
    Company,
    Contact,
    Deal,
    Dismissal,
    Email,
    EngagementEvent,
    IssuedAction,
    Lead,
    Meeting,
    Note,
    Pipeline,
    Record,
    Snooze,
    Stage,
    Task,
    User,
)
from guided_actions._model.records import (
    Sequence as SalesSequence,
)
from guided_actions._rules.rule import Rule
from guided_actions._snapshot.snapshot import Snapshot

__all__ = [
    "NOW",
    "at",
    "build",
    "call",
    "company",
    "contact",
    "deal",
    "dismissal",
    "email",
    "explain_rule",
    "engagement",
    "inbound_email",
    "issued",
    "lead",
    "meeting",
    "note",
    "outbound_email",
    "run_rule",
    "subjects_of",
    "sequence",
    "snooze",
    "task",
    "user",
]

#: A fixed instant tests evaluate at: Thursday 2026-11-26 12:00 UTC.
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def at(
    *,
    days: float = 0,
    hours: float = 0,
    minutes: float = 0,
    seconds: float = 0,
    microseconds: float = 0,
    base: datetime = NOW,
) -> datetime:
    """``base`` (``NOW`` by default) shifted by the given amount; negative is the past."""
    return base + timedelta(
        days=days, hours=hours, minutes=minutes, seconds=seconds, microseconds=microseconds
    )


def user(id: str = "u1", email: str | None = None, **fields: Any) -> User:
    return User(id=id, email=email or f"{id}@acme.test", **fields)


def company(id: str = "co1", **fields: Any) -> Company:
    return Company(id=id, **fields)


def contact(id: str = "c1", *, owner_id: str | None = "u1", **fields: Any) -> Contact:
    fields.setdefault("created_at", at(days=-60))
    fields.setdefault("email", f"{id}@client.test")
    return Contact(id=id, owner_id=owner_id, **fields)


def lead(
    id: str = "l1",
    *,
    contact_id: str = "c1",
    owner_id: str | None = "u1",
    stage_id: str = "new",
    pipeline_id: str = "leads",
    **fields: Any,
) -> Lead:
    fields.setdefault("created_at", at(days=-20))
    return Lead(
        id=id,
        contact_id=contact_id,
        owner_id=owner_id,
        pipeline_id=pipeline_id,
        stage_id=stage_id,
        **fields,
    )


def deal(
    id: str = "d1",
    *,
    owner_id: str | None = "u1",
    stage_id: str = "new",
    pipeline_id: str = "deals",
    **fields: Any,
) -> Deal:
    fields.setdefault("created_at", at(days=-20))
    return Deal(id=id, owner_id=owner_id, pipeline_id=pipeline_id, stage_id=stage_id, **fields)


def email(
    id: str = "e1",
    *,
    owner_id: str = "u1",
    direction: Any = "outbound",
    sent_at: datetime | None = None,
    **fields: Any,
) -> Email:
    return Email(
        id=id, owner_id=owner_id, direction=direction, sent_at=sent_at or at(days=-1), **fields
    )


def inbound_email(id: str = "e1", **fields: Any) -> Email:
    """An inbound email in ``u1``'s mailbox from ``c1@client.test`` to ``rep@acme.test``."""
    fields.setdefault("from_address", "c1@client.test")
    fields.setdefault("to", ("rep@acme.test",))
    return email(id, direction="inbound", **fields)


def outbound_email(id: str = "r1", **fields: Any) -> Email:
    """An outbound email of ``u1``'s to ``c1`` (``c1@client.test``)."""
    fields.setdefault("to", ("c1@client.test",))
    return email(id, direction="outbound", **fields)


def call(id: str = "k1", *, owner_id: str = "u1", **fields: Any) -> Call:
    fields.setdefault("started_at", at(hours=-2))
    return Call(id=id, owner_id=owner_id, **fields)


def meeting(
    id: str = "m1",
    *,
    owner_id: str = "u1",
    start: datetime | None = None,
    end: datetime | None = None,
    **fields: Any,
) -> Meeting:
    start = start or at(hours=2)
    return Meeting(
        id=id, owner_id=owner_id, start=start, end=end or start + timedelta(hours=1), **fields
    )


def task(id: str = "t1", *, owner_id: str = "u1", **fields: Any) -> Task:
    fields.setdefault("created_at", at(days=-1))
    return Task(id=id, owner_id=owner_id, **fields)


def note(id: str = "n1", *, owner_id: str = "u1", **fields: Any) -> Note:
    fields.setdefault("created_at", at(days=-1))
    return Note(id=id, owner_id=owner_id, **fields)


def sequence(id: str = "s1", name: str | None = "Outbound", **fields: Any) -> SalesSequence:
    return SalesSequence(id=id, name=name, **fields)


def engagement(
    id: str = "ev1", *, contact_id: str = "c1", kind: Any = "email_open", **fields: Any
) -> EngagementEvent:
    fields.setdefault("occurred_at", at(hours=-1))
    return EngagementEvent(id=id, contact_id=contact_id, kind=kind, **fields)


def dismissal(action_key: str, *, user_id: str = "u1", until: datetime | None = None) -> Dismissal:
    return Dismissal(user_id=user_id, action_key=action_key, until=until)


def snooze(
    action_key: str,
    *,
    user_id: str = "u1",
    until: datetime | None = None,
    subject_ids: Sequence[str] = (),
) -> Snooze:
    """A snooze of ``user_id`` (``u1``) until ``until`` (an hour after ``NOW`` by default)."""
    return Snooze(
        user_id=user_id,
        action_key=action_key,
        until=until if until is not None else at(hours=1),
        subject_ids=tuple(subject_ids),
    )


def issued(
    key: str, *, contact_ids: Sequence[str] = (), company_ids: Sequence[str] = ()
) -> IssuedAction:
    return IssuedAction(key=key, contact_ids=tuple(contact_ids), company_ids=tuple(company_ids))


def _default_pipelines() -> list[Pipeline]:
    return [
        Pipeline(
            id="deals",
            object="deal",
            stages=(
                Stage(id="new"),
                Stage(id="proposal"),
                Stage(id="won", closed=True, won=True),
                Stage(id="lost", closed=True),
            ),
        ),
        Pipeline(
            id="leads",
            object="lead",
            stages=(
                Stage(id="new"),
                Stage(id="working"),
                Stage(id="qualified", closed=True, won=True),
                Stage(id="disqualified", closed=True),
            ),
        ),
    ]


def build(*records: Record, lifecycle_stages: Sequence[str] | None = None) -> Snapshot:
    """A snapshot of ``records`` plus the default users and pipelines they do not replace.

    Contacts referenced by leads, deals, emails, calls, meetings, tasks, notes or engagement
    events are *not* added automatically: list them.
    """
    given = list(records)
    user_ids = {r.id for r in given if isinstance(r, User)}
    pipeline_ids = {r.id for r in given if isinstance(r, Pipeline)}
    extra: list[Record] = [
        u
        for u in (
            user("u1", "rep@acme.test"),
            user("u2", "other@acme.test"),
            user("admin", "admin@acme.test", super_admin=True),
        )
        if u.id not in user_ids
    ]
    extra += [p for p in _default_pipelines() if p.id not in pipeline_ids]
    return Snapshot.from_records([*extra, *given], lifecycle_stages=lifecycle_stages)


def _alone(
    rule: type[Rule] | Rule,
    grouped: bool | None,
    thresholds: dict[str, timedelta],
    config: Config | None = None,
) -> tuple[Rule, Config]:
    """The rule instance, and ``config`` or else one setting its grouping and thresholds."""
    instance = rule() if isinstance(rule, type) else rule
    if config is None:
        config = Config(
            thresholds={instance.id: thresholds} if thresholds else {},
            grouping={instance.id: grouped} if grouped is not None else {},
        )
    return instance, config


def run_rule(
    rule: type[Rule] | Rule,
    snapshot: Snapshot,
    now: datetime = NOW,
    user: str = "u1",
    *,
    config: Config | None = None,
    grouped: bool | None = None,
    **thresholds: timedelta,
) -> list[Action]:
    """Evaluate one rule alone and return its actions (strictly: a rule error raises).

    ``grouped`` turns the rule's grouping on or off; ``thresholds`` override its thresholds.
    """
    instance, config = _alone(rule, grouped, thresholds, config)
    result: Result = evaluate(snapshot, now, user, config=config, rules=[instance], strict=True)
    return list(result)


def explain_rule(
    rule: type[Rule] | Rule,
    snapshot: Snapshot,
    subject: tuple[str, str] | str,
    now: datetime = NOW,
    user: str = "u1",
    *,
    grouped: bool | None = None,
    **thresholds: timedelta,
) -> RuleExplanation:
    """Explain one rule alone for one record: its status, window, key and every check.

    ``grouped`` and ``thresholds`` are those of :func:`run_rule`.
    """
    instance, config = _alone(rule, grouped, thresholds)
    explanation = explain(snapshot, now, user, subject, config=config, rules=[instance])
    (entry,) = explanation.rules
    return entry


def subjects_of(actions: Iterable[Action]) -> list[tuple[str, str]]:
    """Every subject of the actions, in order (flattening grouped cards)."""
    return [s for a in actions for s in a.subjects]

"""Events: what changed between two results of one user, and why an action went.

:func:`diff` compares two results of the same user (the earlier first) by action key:

- ``created``: a key in the later result that the earlier one does not have;
- ``updated``: a key in both whose action changed members (``subjects``) or associations
  (``contact_ids``, ``company_ids``);
- ``expired``: a key in the earlier result that the later one does not have, with its reason,
  decided in this order: ``time_limit`` (the later instant is at or after the action's
  ``expires_at``), ``dismissed`` (a dismissal of its key is in force at the later instant, or a
  snooze hides it), ``subject_deleted`` (the later snapshot holds none of its subjects), else
  ``criterion``, with the id of the first condition that no longer holds, read as
  :func:`~guided_actions.explain` reads it.

Each event carries the instant it happened (``at``): the action's ``created_at`` for an action
that appeared by time alone at that instant (its ``created_at`` is after the earlier instant and
the action was already there at it, on the later result's snapshot), its ``expires_at`` for an
expiry by ``time_limit``, the later result's ``now`` otherwise. So a replay and a poller that
compare results at other instants name a time-driven event by the same instant, and give it the
same CloudEvents ``id``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, get_args

import attrs

from guided_actions._engine.actions import CATEGORIES, PRIORITY_RANK, Action, Origin, Result
from guided_actions._engine.evaluate import (
    active_dismissals,
    active_snoozes,
    context_for,
    snoozed_by,
)
from guided_actions._engine.explain import RuleExplanation, explain_rule, unproposed_check
from guided_actions._model.records import Dismissal, Snooze
from guided_actions._model.time import is_aware, parse_instant, utc_iso
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.rule import Rule
from guided_actions._text.checks import Check, Criterion
from guided_actions.errors import short_repr
from guided_actions.typing import SUBJECT_KINDS, Subject

__all__ = [
    "EVENT_SOURCE_PREFIX",
    "EVENT_TYPE_PREFIX",
    "EVENT_TYPES",
    "EXPIRY_REASONS",
    "Event",
    "EventType",
    "ExpiryReason",
    "diff",
]

EventType = Literal["created", "updated", "expired"]
ExpiryReason = Literal["time_limit", "dismissed", "subject_deleted", "criterion"]
#: The event types, in the order :func:`diff` gives events of one instant.
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
#: Why an action expired, in the order :func:`diff` decides it.
EXPIRY_REASONS: tuple[ExpiryReason, ...] = get_args(ExpiryReason)
#: A CloudEvent's ``type`` is this prefix and the event type: ``io.guided-actions.action.created``.
EVENT_TYPE_PREFIX = "io.guided-actions.action."
#: A CloudEvent's ``source`` is this prefix and the user id: ``urn:guided-actions:user:u1``.
EVENT_SOURCE_PREFIX = "urn:guided-actions:user:"
_SPECVERSION = "1.0"
_CONTENT_TYPE = "application/json"
#: The criterion of the reasons of an action read back from JSON, where they are text.
_REPORTED = Criterion("reported_reason", met="{text}", unmet="{text}")


def _check_type(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in EVENT_TYPES:
        raise ValueError(f"event type must be one of {', '.join(EVENT_TYPES)}, got {value!r}")


def _check_at(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, datetime) or not is_aware(value):
        raise ValueError(f"event at must be a timezone-aware datetime, got {short_repr(value)}")


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if isinstance(value, datetime) and is_aware(value) else value


@attrs.frozen(kw_only=True)
class Event:
    """Something that happened to one action of one user: it was ``created``, ``updated`` or
    ``expired`` at ``at`` (UTC).

    ``action`` is the action as it is after the event (for ``expired``, as it was last seen).
    ``reason`` says why an action expired (``None`` for the other types); ``criterion`` is the id
    of the criterion that stopped holding when the reason is ``criterion`` (``None`` when every
    criterion still holds: the subject's action was replaced by one with another key).
    """

    type: EventType = attrs.field(validator=_check_type)
    action: Action = attrs.field(validator=attrs.validators.instance_of(Action))
    at: datetime = attrs.field(converter=_to_utc, validator=_check_at)
    reason: ExpiryReason | None = None
    criterion: str | None = None
    user_id: str

    def __attrs_post_init__(self) -> None:
        if self.type == "expired":
            if self.reason not in EXPIRY_REASONS:
                raise ValueError(
                    f"an expired event needs a reason, one of {', '.join(EXPIRY_REASONS)}; "
                    f"got {short_repr(self.reason)}"
                )
        elif self.reason is not None:
            raise ValueError(f"only an expired event has a reason; {self.type} has none")
        if self.criterion is not None and self.reason != "criterion":
            raise ValueError("criterion is only given when the reason is 'criterion'")
        if self.action.user_id != self.user_id:
            raise ValueError(
                f"event of user {self.user_id!r} about an action of user {self.action.user_id!r}"
            )

    @property
    def key(self) -> str:
        """The action's key."""
        return self.action.key

    @property
    def id(self) -> str:
        """The deterministic id: the hex SHA-256 of the key, the event type and the instant, so
        that a consumer told the same event twice (by a retry, by a replay and a poller) can
        drop the second."""
        payload = json.dumps([self.action.key, self.type, utc_iso(self.at)], separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()

    def to_cloudevent(self) -> dict[str, Any]:
        """The event as a CloudEvents 1.0 structured JSON object (``docs/reference/events.md``):
        ``specversion``, ``id``, ``source`` (``urn:guided-actions:user:<user id>``), ``type``
        (``io.guided-actions.action.<type>``), ``subject`` (the action key), ``time`` (RFC 3339
        in UTC), ``datacontenttype`` (``application/json``) and ``data``: the action's
        :meth:`~guided_actions.Action.to_dict` with ``reason`` and ``criterion`` added."""
        return {
            "specversion": _SPECVERSION,
            "id": self.id,
            "source": EVENT_SOURCE_PREFIX + self.user_id,
            "type": EVENT_TYPE_PREFIX + self.type,
            "subject": self.action.key,
            "time": _rfc3339(self.at),
            "datacontenttype": _CONTENT_TYPE,
            "data": {**self.action.to_dict(), "reason": self.reason, "criterion": self.criterion},
        }

    @classmethod
    def from_cloudevent(cls, event: Mapping[str, Any]) -> Event:
        """The event :meth:`to_cloudevent` wrote. The action comes back with what the JSON
        carries: its reasons as text (each a check of criterion ``reported_reason``), no card
        members; its :meth:`to_cloudevent` is the one read. Raises ``ValueError`` naming the
        field that is missing or wrong, including an ``id`` that is not the event's."""
        if not isinstance(event, Mapping):
            raise ValueError(f"a CloudEvent must be a JSON object, got {short_repr(event)}")
        if event.get("specversion") != _SPECVERSION:
            raise ValueError(
                f"specversion must be {_SPECVERSION!r}, got {short_repr(event.get('specversion'))}"
            )
        kind = _text(event, "type")
        if not kind.startswith(EVENT_TYPE_PREFIX) or kind[len(EVENT_TYPE_PREFIX) :] not in (
            EVENT_TYPES
        ):
            raise ValueError(
                f"type must be {EVENT_TYPE_PREFIX}<created|updated|expired>, got {kind!r}"
            )
        data = event.get("data")
        if not isinstance(data, Mapping):
            raise ValueError(f"data must be a JSON object, got {short_repr(data)}")
        action = _action(data)
        source = _text(event, "source")
        if source != EVENT_SOURCE_PREFIX + action.user_id:
            raise ValueError(
                f"source {source!r} is not {EVENT_SOURCE_PREFIX + action.user_id!r}, the "
                "action's user"
            )
        if _text(event, "subject") != action.key:
            raise ValueError(f"subject {event['subject']!r} is not the action key {action.key!r}")
        if event.get("datacontenttype", _CONTENT_TYPE) != _CONTENT_TYPE:
            raise ValueError(f"datacontenttype must be {_CONTENT_TYPE!r}")
        reason = data.get("reason")
        criterion = data.get("criterion")
        if criterion is not None and not isinstance(criterion, str):
            raise ValueError(
                f"data.criterion must be a string or null, got {short_repr(criterion)}"
            )
        made = cls(
            type=kind[len(EVENT_TYPE_PREFIX) :],  # type: ignore[arg-type]
            action=action,
            at=_instant(event, "time"),
            reason=reason,
            criterion=criterion,
            user_id=action.user_id,
        )
        if event.get("id") != made.id:
            raise ValueError(
                f"id {short_repr(event.get('id'))} is not the event's ({made.id}): "
                "the key, type or time was changed"
            )
        return made


def _rfc3339(instant: datetime) -> str:
    """RFC 3339 in UTC with ``Z``: ``2024-05-01T10:00:00Z``."""
    return utc_iso(instant).removesuffix("+00:00") + "Z"


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {short_repr(value)}")
    return value


def _instant(data: Mapping[str, Any], name: str) -> datetime:
    text = _text(data, name)
    try:
        value = parse_instant(text)
    except ValueError:
        raise ValueError(f"{name} {short_repr(text)} is not an ISO-8601 instant") from None
    if not is_aware(value):
        raise ValueError(f"{name} {short_repr(text)} has no offset: write Z or +00:00")
    return value.astimezone(UTC)


def _ids(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = data.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"data.{name} must be a list of strings, got {short_repr(value)}")
    return tuple(value)


def _action(data: Mapping[str, Any]) -> Action:
    """The action of a CloudEvent's ``data``: :meth:`Action.to_dict` read back."""
    category, priority = data.get("category"), data.get("priority")
    if category not in CATEGORIES:
        raise ValueError(f"data.category must be one of {', '.join(CATEGORIES)}")
    if priority not in PRIORITY_RANK:
        raise ValueError(f"data.priority must be one of {', '.join(PRIORITY_RANK)}")
    subjects: list[Subject] = []
    raw_subjects = data.get("subjects")
    if not isinstance(raw_subjects, list) or not raw_subjects:
        raise ValueError(f"data.subjects must be a non-empty list, got {short_repr(raw_subjects)}")
    for item in raw_subjects:
        if (
            not isinstance(item, Mapping)
            or item.get("kind") not in SUBJECT_KINDS
            or not isinstance(item.get("id"), str)
        ):
            raise ValueError(f"data.subjects holds {short_repr(item)}, not a {{kind, id}} object")
        subjects.append((item["kind"], item["id"]))
    expires = None if data.get("expires_at") is None else _instant(data, "expires_at")
    reasons = _ids(data, "reasons")
    links = data.get("calls_to_action", [])
    if not isinstance(links, list):
        raise ValueError(f"data.calls_to_action must be a list, got {short_repr(links)}")
    try:
        calls = tuple(
            CallToAction(id=c["id"], label=c["label"], opens=c["opens"])
            for c in links
            if isinstance(c, Mapping)
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"data.calls_to_action is invalid: {exc}") from None
    if len(calls) != len(links):
        raise ValueError("data.calls_to_action must hold {id, label, opens} objects")
    return Action(
        key=_text(data, "key"),
        rule=_text(data, "rule"),
        title=_text(data, "title"),
        user_id=_text(data, "user_id"),
        category=category,
        priority=priority,
        subjects=tuple(subjects),
        created_at=_instant(data, "created_at"),
        expires_at=expires,
        contact_ids=_ids(data, "contact_ids"),
        company_ids=_ids(data, "company_ids"),
        checks=tuple(_REPORTED.check(True, text=r) for r in reasons),
        calls_to_action=calls,
    )


def diff(before: Result, after: Result) -> tuple[Event, ...]:
    """The events that take ``before``'s actions to ``after``'s: one per key created, updated
    or expired (see the module documentation), ordered by instant, then type (``created``,
    ``updated``, ``expired``), then key.

    Both results are of the same user (else ``ValueError``) and ``before.now <= after.now``
    (else ``ValueError``). The reason of an expiry other than ``time_limit`` is read from the
    snapshot, viewer, configuration and rules ``after`` was evaluated with: a result read back
    from a pickle has none, and ``diff`` then raises ``ValueError`` rather than guess.
    """
    for name, result in (("before", before), ("after", after)):
        if not isinstance(result, Result):
            raise TypeError(f"{name} must be a Result, got {short_repr(result)}")
    if before.user_id != after.user_id:
        raise ValueError(
            f"diff compares results of one user: before is {before.user_id!r}'s, after is "
            f"{after.user_id!r}'s"
        )
    if after.now < before.now:
        raise ValueError(
            f"before ({utc_iso(before.now)}) must not be later than after ({utc_iso(after.now)})"
        )
    old = {a.key: a for a in before.actions}
    new = {a.key: a for a in after.actions}
    events: list[Event] = []
    user_id = after.user_id
    for key, action in new.items():
        previous = old.get(key)
        if previous is None:
            at = after.now
            if before.now < action.created_at < after.now and _there_at(action, after):
                at = action.created_at
            events.append(Event(type="created", action=action, at=at, user_id=user_id))
        elif (previous.subjects, previous.contact_ids, previous.company_ids) != (
            action.subjects,
            action.contact_ids,
            action.company_ids,
        ):
            events.append(Event(type="updated", action=action, at=after.now, user_id=user_id))
    for key, action in old.items():
        if key not in new:
            events.append(_expired(action, after))
    rank = {t: i for i, t in enumerate(EVENT_TYPES)}
    return tuple(sorted(events, key=lambda e: (e.at, rank[e.type], e.action.key)))


def _expired(action: Action, after: Result) -> Event:
    """The ``expired`` event of ``action``, absent from ``after``, with its reason."""
    if action.expires_at is not None and after.now >= action.expires_at:
        return Event(
            type="expired",
            action=action,
            at=action.expires_at,
            reason="time_limit",
            user_id=after.user_id,
        )
    origin = after._origin
    if origin is None:
        raise ValueError(
            f"cannot tell why action {action.key!r} expired: the later result carries no "
            "snapshot (it was read back from a pickle); diff results of evaluate"
        )
    reason, criterion = _reason(action, after.now, origin)
    return Event(
        type="expired",
        action=action,
        at=after.now,
        reason=reason,
        criterion=criterion,
        user_id=after.user_id,
    )


def _there_at(action: Action, after: Result) -> bool:
    """Whether ``action``, in ``after``, was already there at its ``created_at``: then it
    appeared by time alone at that instant. An action can open later than its ``created_at``
    (a record it needs is stamped later, a dismissal hid it): then it appeared at ``after.now``.
    Read as :func:`~guided_actions.explain` reads the action's first (earliest) subject; a
    result without its snapshot (unpickled) is taken at its ``created_at``."""
    origin = after._origin
    if origin is None:
        return True
    snapshot, prepared = origin.snapshot, origin.prepared
    kind, rid = action.subjects[0]
    record = getattr(snapshot, kind)(rid)
    rule = next((r for r in prepared.rules if r.id == action.rule), None)
    if record is None or rule is None:
        return False
    verdict = _verdict(origin, rule, action.created_at, (kind, rid), record)
    return verdict.status == "active" and verdict.key == action.key


def _verdict(
    origin: Origin,
    rule: Rule,
    now: datetime,
    subject: Subject,
    record: object,
    hidden: tuple[Mapping[str, Dismissal], Mapping[str, Sequence[Snooze]]] | None = None,
) -> RuleExplanation:
    """:func:`~guided_actions.explain`'s verdict of ``rule`` on ``subject`` at ``now``."""
    prepared = origin.prepared
    ctx = context_for(
        origin.snapshot, now, origin.user, origin.private, prepared.config, focus=subject
    )
    dismissals, snoozes = hidden if hidden is not None else _hidden(ctx)
    return explain_rule(
        rule,
        ctx,
        unproposed_check(ctx, record),
        dismissals,
        snoozes,
        grouped=prepared.config.grouped(rule),
        plugin=prepared.origins.get(rule.id),
    )


def _hidden(ctx: RuleContext) -> tuple[dict[str, Dismissal], dict[str, list[Snooze]]]:
    """The user's dismissals and snoozes in force at the context's ``now``."""
    return active_dismissals(ctx), active_snoozes(ctx)


def _reason(action: Action, now: datetime, origin: Origin) -> tuple[ExpiryReason, str | None]:
    """Why ``action`` is not in the result ``origin`` gave at ``now`` (its time limit aside)."""
    snapshot, prepared = origin.snapshot, origin.prepared
    ctx = context_for(snapshot, now, origin.user, origin.private, prepared.config)
    dismissals, snoozes = _hidden(ctx)
    # A snooze is a dismissal that ends: the action comes back (``created``) when it does.
    if action.key in dismissals or snoozed_by(action.key, action.subjects, snoozes) is not None:
        return "dismissed", None
    # Every subject kind names a lookup of SnapshotReader: snapshot.deal(id), .contact(id)…
    held = ((kind, rid, getattr(snapshot, kind)(rid)) for kind, rid in action.subjects)
    present = [(kind, rid, record) for kind, rid, record in held if record is not None]
    if not present:
        return "subject_deleted", None
    rule = next((r for r in prepared.rules if r.id == action.rule), None)
    if rule is None:
        return "criterion", None
    for kind, rid, record in present:
        verdict = _verdict(origin, rule, now, (kind, rid), record, (dismissals, snoozes))
        stopped = _first_unmet(verdict.checks)
        if stopped is not None:
            return "criterion", stopped
    return "criterion", None


def _first_unmet(checks: tuple[Check, ...]) -> str | None:
    """The id of the first condition that does not hold, else of the first check of any role
    (a wait or a limit) that does not hold."""
    unmet = [c for c in checks if not c.met]
    first = next((c for c in unmet if c.role == "condition"), unmet[0] if unmet else None)
    return None if first is None else first.id

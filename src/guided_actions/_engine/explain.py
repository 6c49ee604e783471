"""``explain``: why a record has an action, or why not, rule by rule.

For one record and every rule whose subject kind is the record's kind, the engine runs the rule
focused on that record (every criterion evaluated, none skipped) and shapes its proposal as
``evaluate`` does (the same time window, key, card, dismissals and snoozes):

- ``active``: the action is in ``evaluate``'s result (alone or as a member of a card);
- ``pending``: every condition holds and only time has to pass: it appears at ``created_at``;
- ``expired``: every condition holds but its time limit has passed (``expires_at <= now``), or
  its window closes before it opens (``expires_at <= created_at``, which thresholds can make);
- ``unmet``: at least one condition fails; every criterion is listed, met or not;
- ``dismissed``: it would be active, but a dismissal of the user hides it (whether or not a
  snooze hides it too);
- ``snoozed``: it would be active, but a snooze of the user hides it until ``until``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import attrs

from guided_actions._engine import display
from guided_actions._engine.actions import Action
from guided_actions._engine.config import Config
from guided_actions._engine.evaluate import (
    RuleSetLike,
    actions_of_rule,
    active_dismissals,
    active_snoozes,
    check_now,
    context_for,
    prepare,
    proposal_key,
    resolve_viewer,
    run_rule,
    snoozed_by,
)
from guided_actions._engine.settings import Settings
from guided_actions._engine.tables import explanation_table, to_pandas, to_polars
from guided_actions._model.records import Dismissal, Snooze, User
from guided_actions._model.time import utc_iso
from guided_actions._rules.context import RuleContext
from guided_actions._rules.rule import Proposal, Rule
from guided_actions._text.checks import Check, Criterion
from guided_actions._text.i18n import SOURCE_LOCALE, resolve_locale, translate
from guided_actions._text.render import render_check
from guided_actions.errors import UnknownRecordError, short_repr
from guided_actions.typing import SUBJECT_KINDS, SnapshotReader, Subject

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    import pyarrow as pa  # type: ignore[import-untyped]

__all__ = ["Explanation", "RuleExplanation", "Status", "explain", "parse_subject"]

Status = Literal["active", "pending", "expired", "unmet", "dismissed", "snoozed"]

#: The engine's own criteria, for what no rule says.
EXISTS = Criterion(
    "exists_at_now",
    met="{record} exists at {now}",
    unmet="{record} does not exist yet at {now}",
)
PROPOSED = Criterion(
    "considered_by_rule",
    met="the rule considers {record}",
    unmet="the rule does not consider {record}",
)
RULE_RAN = Criterion(
    "rule_ran",
    met="the rule ran",
    unmet="the rule failed: {error}",
)
NOT_DISMISSED = Criterion(
    "not_dismissed",
    met="you have not dismissed the action",
    unmet="you dismissed the action until {until}",
)
NOT_DISMISSED_FOR_GOOD = Criterion(
    "not_dismissed",
    met="you have not dismissed the action",
    unmet="you dismissed the action for good",
)
NOT_SNOOZED = Criterion(
    "not_snoozed",
    met="you have not snoozed the action",
    unmet="you snoozed the action until {until}",
)


@attrs.frozen(kw_only=True)
class RuleExplanation:
    """One rule's verdict on the record: its status, the action's key and window, its checks."""

    rule: str
    title: str
    status: Status
    key: str | None
    created_at: datetime | None
    expires_at: datetime | None
    checks: tuple[Check, ...]

    @property
    def unmet(self) -> tuple[Check, ...]:
        """The checks that do not hold."""
        return tuple(c for c in self.checks if not c.met)

    def localized_title(self, locale: str | None = SOURCE_LOCALE) -> str:
        """The rule's title in ``locale``'s language; :attr:`title` stays the English one."""
        return translate(locale, self.title)

    def localized_status(self, locale: str | None = SOURCE_LOCALE) -> str:
        """The status as a reader is shown it in ``locale``'s language (``status`` stays the
        id: ``"active"``, ``"pending"``…)."""
        return translate(locale, self.status, "status")

    def to_dict(self, locale: str | None = SOURCE_LOCALE) -> dict[str, Any]:
        """The plain-dict form: JSON-serialisable, instants in UTC. ``locale`` translates the
        texts (``title``, each check's ``text``); keys, ids and statuses stay as they are."""
        lang = resolve_locale(locale)
        return {
            "rule": self.rule,
            "title": self.localized_title(lang),
            "status": self.status,
            "key": self.key,
            "created_at": utc_iso(self.created_at) if self.created_at else None,
            "expires_at": utc_iso(self.expires_at) if self.expires_at else None,
            "checks": [
                {"criterion": c.id, "met": c.met, "text": render_check(c, lang)}
                for c in self.checks
            ],
        }


@attrs.frozen(kw_only=True, repr=False)
class Explanation:
    """Why a record has, or has not, an action of each rule of its kind, for one user at ``now``.

    Iterating gives one :class:`RuleExplanation` per rule, in rule-set order.
    """

    subject: Subject
    user_id: str
    now: datetime
    rules: tuple[RuleExplanation, ...]

    def __iter__(self) -> Iterator[RuleExplanation]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __repr__(self) -> str:
        return display.explanation_repr(self)

    def _repr_html_(self) -> str:
        """The notebook's display: a row per rule with its status, the checks folded."""
        return display.explanation_html(self)

    def get(self, rule_id: str) -> RuleExplanation | None:
        """The explanation of one rule."""
        return next((r for r in self.rules if r.rule == rule_id), None)

    def with_status(self, *statuses: Status) -> tuple[RuleExplanation, ...]:
        """The rules in one of these statuses."""
        return tuple(r for r in self.rules if r.status in statuses)

    def to_arrow(self, locale: str | None = SOURCE_LOCALE) -> pa.Table:
        """One row per rule and check, in rule order then check order: ``rule, title, status,
        created_at, expires_at, key, criterion, role, met, text`` (``docs/reference/frames.md``),
        texts in ``locale``'s language. Needs pyarrow (``guided-actions[frames]``)."""
        return explanation_table(self, locale, "Explanation.to_arrow()")

    def to_pandas(self, locale: str | None = SOURCE_LOCALE) -> pd.DataFrame:
        """:meth:`to_arrow` as a pandas ``DataFrame``. Needs pyarrow and pandas."""
        purpose = "Explanation.to_pandas()"
        return to_pandas(explanation_table(self, locale, purpose), purpose)

    def to_polars(self, locale: str | None = SOURCE_LOCALE) -> pl.DataFrame:
        """:meth:`to_arrow` as a polars ``DataFrame``. Needs pyarrow and polars."""
        purpose = "Explanation.to_polars()"
        return to_polars(explanation_table(self, locale, purpose), purpose)

    def to_dict(self, locale: str | None = SOURCE_LOCALE) -> dict[str, Any]:
        """``{"subject": {"kind", "id"}, "user_id", "now", "rules": [...]}``, the texts in
        ``locale``'s language (see :meth:`RuleExplanation.to_dict`)."""
        kind, rid = self.subject
        lang = resolve_locale(locale)
        return {
            "subject": {"kind": kind, "id": rid},
            "user_id": self.user_id,
            "now": utc_iso(self.now),
            "rules": [r.to_dict(lang) for r in self.rules],
        }


def parse_subject(subject: object) -> Subject:
    """A ``(kind, id)`` pair from ``(kind, id)`` or ``"kind:id"``; ``ValueError`` otherwise."""
    if isinstance(subject, str):
        kind, sep, rid = subject.partition(":")
        if not sep:
            raise ValueError(f"subject {short_repr(subject)} must be written KIND:ID, e.g. deal:d1")
        pair: tuple[object, object] = (kind, rid)
    elif isinstance(subject, tuple) and len(subject) == 2:
        pair = subject
    else:
        raise ValueError(
            f"subject must be a (kind, id) pair or 'kind:id', got {short_repr(subject)}"
        )
    kind_, rid_ = pair
    if kind_ not in SUBJECT_KINDS:
        raise ValueError(
            f"unknown subject kind {short_repr(kind_)}; expected one of {', '.join(SUBJECT_KINDS)}"
        )
    if not isinstance(rid_, str) or not rid_:
        raise ValueError(f"subject id must be a non-empty string, got {short_repr(rid_)}")
    return kind_, rid_


def explain(
    snapshot: SnapshotReader,
    now: datetime,
    user: str | User,
    subject: Subject | tuple[str, str] | str,
    *,
    viewer: str | User | None = None,
    config: Config | Settings | None = None,
    rules: RuleSetLike | None = None,
) -> Explanation:
    """Why ``subject`` has, or has not, an action of each rule of its kind for ``user`` at ``now``.

    ``subject`` is a ``(kind, id)`` pair or ``"kind:id"``. ``viewer``, ``config`` and ``rules``
    are those of :func:`~guided_actions.evaluate`, and the statuses agree with it: a rule is
    ``active`` exactly when ``evaluate`` gives an action about the record. Raises
    :class:`~guided_actions.errors.UnknownRecordError` when the snapshot holds no such record.
    """
    now_utc = check_now(now)
    kind, rid = parse_subject(subject)
    # Every subject kind names a lookup of SnapshotReader: snapshot.deal(id), .contact(id)…
    record: object = getattr(snapshot, kind)(rid)
    if record is None:
        raise UnknownRecordError(kind, rid)
    target, _looker, private = resolve_viewer(snapshot, user, viewer)
    prepared = prepare(rules, config, target)
    ctx = context_for(snapshot, now_utc, target, private, prepared.config, focus=(kind, rid))
    unproposed = unproposed_check(ctx, record)
    dismissals = active_dismissals(ctx)
    snoozes = active_snoozes(ctx)
    # Rules are independent: a rule's actions about the record are the same whether the other
    # rules run or not, so only the rules of its kind run, each focused on the record.
    entries = [
        explain_rule(
            rule,
            ctx,
            unproposed,
            dismissals,
            snoozes,
            grouped=prepared.config.grouped(rule),
            plugin=prepared.origins.get(rule.id),
        )
        for rule in prepared.rules
        if rule.subject_kind == kind
    ]
    return Explanation(subject=(kind, rid), user_id=target.id, now=now_utc, rules=tuple(entries))


def unproposed_check(ctx: RuleContext, record: object) -> Check:
    """What a rule that proposes nothing about the focused record is told: the record is not
    there yet at ``now``, or the rule does not consider it."""
    assert ctx.focus is not None
    ref = ctx.ref(record)
    if ctx.record(*ctx.focus) is None:
        return EXISTS.check(False, record=ref, now=ctx.local(ctx.now))
    return PROPOSED.check(False, record=ref)


def explain_rule(
    rule: Rule,
    ctx: RuleContext,
    unproposed: Check,
    dismissals: Mapping[str, Dismissal],
    snoozes: Mapping[str, Sequence[Snooze]],
    *,
    grouped: bool,
    plugin: str | None,
) -> RuleExplanation:
    """One rule focused on the record, its proposal read as ``evaluate`` reads it."""
    assert ctx.focus is not None
    subject = ctx.focus

    def entry(
        status: Status,
        checks: Iterable[Check],
        key: str | None = None,
        window: Proposal | Action | None = None,
    ) -> RuleExplanation:
        return RuleExplanation(
            rule=rule.id,
            title=rule.title,
            status=status,
            key=key,
            created_at=window.created_at if window is not None else None,
            expires_at=window.expires_at if window is not None else None,
            checks=tuple(checks),
        )

    proposals, failure = run_rule(rule, ctx, strict=False, plugin=plugin)
    if failure is not None:
        return entry("unmet", [RULE_RAN.check(False, error=failure.message)])
    found = next((p for p in proposals if p.subject == subject), None)
    if found is None:
        return entry("unmet", [unproposed])
    # The action (or the card) the proposal makes at ``now``, shaped as evaluate shapes it.
    made = actions_of_rule(rule, [found], ctx, grouped)
    if made:
        (action,) = made
        own = action.members[0] if action.members else action
        dismissal = dismissals.get(action.key)
        snoozed = _snoozed(rule, ctx, action, snoozes, grouped, plugin)
        hidden = (
            [] if snoozed is None else [NOT_SNOOZED.check(False, until=ctx.local(snoozed.until))]
        )
        if dismissal is not None:
            hidden.append(
                NOT_DISMISSED_FOR_GOOD.check(False)
                if dismissal.until is None
                else NOT_DISMISSED.check(False, until=ctx.local(dismissal.until))
            )
            return entry("dismissed", (*found.checks, *hidden), action.key, found)
        if snoozed is not None:
            return entry("snoozed", (*found.checks, *hidden), action.key, found)
        return entry("active", found.checks, action.key, own)
    if not found.conditions_met or found.created_at is None:
        return entry("unmet", found.checks, window=found)
    key = proposal_key(rule.id, ctx.user.id, found, grouped)
    # Every condition holds, yet no action at ``now``: its window is not open. A window that
    # closes before it opens (thresholds configured so) never will: that is expired too.
    opens = found.expires_at is None or found.created_at < found.expires_at
    status: Status = "pending" if ctx.now < found.created_at and opens else "expired"
    return entry(status, found.checks, key, found)


def _snoozed(
    rule: Rule,
    ctx: RuleContext,
    action: Action,
    snoozes: Mapping[str, Sequence[Snooze]],
    grouped: bool,
    plugin: str | None,
) -> Snooze | None:
    """The snooze that hides ``action`` (made from the focused record alone) in ``evaluate``'s
    result, or ``None``.

    A card comes back early when any of its members is new to the snooze, so when the focused
    member is not new the card's other members decide: the rule then runs unfocused, as
    ``evaluate`` runs it, to find them (only in that case, which is rare).
    """
    snoozed = snoozed_by(action.key, action.subjects, snoozes)
    if snoozed is None or not grouped or not snoozed.subject_ids:
        return snoozed
    whole = RuleContext(
        snapshot=ctx.snapshot,
        now=ctx.now,
        user=ctx.user,
        engagement_kinds=ctx.engagement_kinds,
        private_meetings=ctx.private_meetings,
    )
    proposals, failure = run_rule(rule, whole.about(rule.subject_kind), False, plugin)
    if failure is not None:
        return snoozed
    card = next(
        (a for a in actions_of_rule(rule, proposals, whole, True) if a.key == action.key), None
    )
    return snoozed if card is None else snoozed_by(card.key, card.subjects, snoozes)

"""``evaluate``: run the rules for one user at one instant and shape their proposals into actions.

The engine is where the shared mechanics live, so that no rule repeats them: the time window
(``created_at <= now < expires_at``), keys, associations (and their freezing by
``issued_actions``), grouping into cards, per-user dismissals, the viewer check and meeting
privacy, ordering, and isolation of failing rules.
"""

from __future__ import annotations

import hashlib
import json
import typing
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

import attrs

from guided_actions._engine.actions import Action, Result, RuleFailure
from guided_actions._engine.config import Config
from guided_actions._engine.ruleset import RuleSet, builtin_rules
from guided_actions._model.records import Dismissal, User
from guided_actions._model.time import is_aware, utc_iso
from guided_actions._rules.context import RuleContext, in_window
from guided_actions._rules.rule import Proposal, Rule
from guided_actions._text.checks import Check
from guided_actions.errors import (
    InvalidConfigError,
    RuleError,
    UnknownUserError,
    ViewerPermissionError,
)
from guided_actions.typing import SUBJECT_KINDS, SnapshotReader, Subject

__all__ = ["action_key", "associations_of", "evaluate", "evaluate_all", "resolve_viewer"]

#: What ``rules=`` accepts: a rule set from the plugin loader, or rule instances or classes.
RuleSetLike = RuleSet | Iterable[Rule | type[Rule]]
T = typing.TypeVar("T")


def action_key(
    rule_id: str,
    user_id: str,
    *,
    subject: Subject | None = None,
    created_at: datetime | None = None,
    group: str | None = None,
) -> str:
    """The stable key of an action: ``"<rule id>:<digest>"``.

    An ungrouped action's digest covers the user, the subject and ``created_at`` in UTC; a
    card's covers the user and the group, so the card keeps its key while members change.
    """
    if group is not None:
        payload: list[object] = [user_id, "group", group]
    else:
        assert subject is not None
        assert created_at is not None
        payload = [user_id, subject[0], subject[1], utc_iso(created_at)]
    digest = hashlib.blake2b(
        json.dumps(payload, separators=(",", ":")).encode(), digest_size=10
    ).hexdigest()
    return f"{rule_id}:{digest}"


def associations_of(
    snapshot: SnapshotReader, subject: Subject
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(contact_ids, company_ids)`` of an action's primary record (SPEC §6), each sorted."""
    kind, rid = subject
    contacts: set[str] = set()
    companies: set[str] = set()

    def add_contacts(ids: Iterable[str]) -> None:
        for cid in ids:
            contacts.add(cid)
            contact = snapshot.contact(cid)
            if contact is not None:
                companies.update(contact.company_ids)

    if kind == "contact":
        add_contacts([rid])
    elif kind == "lead":
        lead = snapshot.lead(rid)
        if lead is not None:
            add_contacts([lead.contact_id])
    elif kind == "deal":
        deal = snapshot.deal(rid)
        if deal is not None:
            contacts.update(deal.contact_ids)
            companies.update(deal.company_ids)
    elif kind == "meeting":
        meeting = snapshot.meeting(rid)
        if meeting is not None:
            contacts.update(meeting.contact_ids)
            companies.update(meeting.company_ids)
    elif kind == "call":
        call = snapshot.call(rid)
        if call is not None:
            contacts.update(call.contact_ids)
            companies.update(call.company_ids)
    elif kind == "task":
        task = snapshot.task(rid)
        if task is not None:
            add_contacts(task.contact_ids)
    elif kind == "company":
        companies.add(rid)
    elif kind == "email":
        email = snapshot.email(rid)
        if email is not None:
            add_contacts(email.contact_ids)
    return tuple(sorted(contacts)), tuple(sorted(companies))


def _resolve_user(snapshot: SnapshotReader, user: str | User, role: str) -> User:
    user_id = user.id if isinstance(user, User) else user
    if not isinstance(user_id, str):
        raise TypeError(f"{role} must be a user id or a User record, got {user!r}")
    found = snapshot.user(user_id)
    if found is None:
        raise UnknownUserError(user_id, role)
    return found


def resolve_viewer(
    snapshot: SnapshotReader, user: str | User, viewer: str | User | None
) -> tuple[User, User, bool]:
    """``(user, viewer, private_meetings)``; raises when the viewer may not look (SPEC §7)."""
    target = _resolve_user(snapshot, user, "user")
    if viewer is None:
        return target, target, False
    looker = _resolve_user(snapshot, viewer, "viewer")
    if looker.id == target.id:
        return target, looker, False
    if not looker.super_admin:
        raise ViewerPermissionError(looker.id, target.id)
    return target, looker, True


def check_now(now: object) -> datetime:
    if not isinstance(now, datetime):
        raise TypeError(f"now must be a timezone-aware datetime, got {now!r}")
    if not is_aware(now):
        raise InvalidConfigError(
            f"now is a naive datetime ({now.isoformat()}): pass a timezone-aware instant"
        )
    return now.astimezone(UTC)


def _validate(rule: Rule, proposal: object, snapshot: SnapshotReader) -> str | None:
    """What is wrong with a proposal, or ``None``."""
    if not isinstance(proposal, Proposal):
        return f"returned {type(proposal).__name__} {proposal!r}, not a Proposal"
    subject = proposal.subject
    if (
        not isinstance(subject, tuple)
        or len(subject) != 2
        or subject[0] not in SUBJECT_KINDS
        or not isinstance(subject[1], str)
    ):
        return f"proposal has an invalid subject {subject!r}"
    if not proposal.checks or not all(isinstance(c, Check) for c in proposal.checks):
        return "proposal needs at least one check (a criteria.Check)"
    for name in ("created_at", "expires_at"):
        value = getattr(proposal, name)
        if value is None and (name == "expires_at" or not proposal.conditions_met):
            continue
        if not isinstance(value, datetime) or not is_aware(value):
            return f"proposal {name} must be a timezone-aware datetime, got {value!r}"
    # Every subject kind names a lookup of SnapshotReader: snapshot.deal(id), .contact(id)…
    if getattr(snapshot, subject[0])(subject[1]) is None:
        return f"proposal is about {subject[0]} {subject[1]!r}, which the snapshot does not hold"
    return None


def run_rule(
    rule: Rule, ctx: RuleContext, strict: bool, plugin: str | None = None
) -> tuple[list[Proposal], RuleFailure | None]:
    try:
        proposals = list(rule.propose(ctx))
        for proposal in proposals:
            problem = _validate(rule, proposal, ctx.snapshot)
            if problem is not None:
                raise RuleError(rule.id, problem, plugin)
    except RuleError as exc:
        if strict:
            raise
        return [], RuleFailure(rule_id=rule.id, message=exc.message, exception=exc, plugin=plugin)
    except Exception as exc:
        if strict:
            raise RuleError(rule.id, f"{type(exc).__name__}: {exc}", plugin) from exc
        return [], RuleFailure(
            rule_id=rule.id, message=f"{type(exc).__name__}: {exc}", exception=exc, plugin=plugin
        )
    return proposals, None


def _union(values: Iterable[Iterable[T]]) -> tuple[T, ...]:
    seen: dict[T, None] = {}
    for group in values:
        for v in group:
            seen.setdefault(v, None)
    return tuple(seen)


def card_of(proposal: Proposal) -> str:
    """The card a proposal joins when its rule groups: its ``group``, else the single ``"all"``."""
    return proposal.group if proposal.group is not None else "all"


def proposal_key(rule_id: str, user_id: str, proposal: Proposal, grouped: bool) -> str:
    """The key the proposal's action has (its card's key when the rule groups)."""
    if grouped:
        return action_key(rule_id, user_id, group=card_of(proposal))
    assert proposal.created_at is not None
    return action_key(rule_id, user_id, subject=proposal.subject, created_at=proposal.created_at)


def active_dismissals(ctx: RuleContext) -> dict[str, Dismissal]:
    """The user's dismissals in force at ``now`` (``now < until``, or for good), by key."""
    return {
        d.action_key: d
        for d in ctx.snapshot.dismissals_of(ctx.user.id)
        if d.until is None or ctx.now < d.until
    }


def actions_of_rule(
    rule: Rule,
    proposals: Sequence[Proposal],
    ctx: RuleContext,
    grouped: bool,
) -> list[Action]:
    """Keep the proposals active at ``now`` and shape them into actions (or cards).

    ``explain`` shapes the one proposal about its record with it, so both read a proposal alike.
    """
    snapshot, now, user_id = ctx.snapshot, ctx.now, ctx.user.id
    singles: list[tuple[str, Action]] = []
    for p in proposals:
        if p.created_at is None or not p.conditions_met:
            continue
        created = p.created_at.astimezone(UTC)
        expires = p.expires_at.astimezone(UTC) if p.expires_at is not None else None
        if not in_window(now, created, expires):
            continue
        key = proposal_key(rule.id, user_id, p, grouped=False)
        private = ctx.private_meetings and p.subject[0] == "meeting"
        issued = None if grouped or private else snapshot.issued_action(key)
        if private:
            contact_ids: tuple[str, ...] = ()
            company_ids: tuple[str, ...] = ()
        elif issued is not None:
            # Shown before: the associations frozen then win (SPEC §6).
            contact_ids = tuple(sorted(issued.contact_ids))
            company_ids = tuple(sorted(issued.company_ids))
        else:
            contact_ids, company_ids = associations_of(snapshot, p.subject)
        action = Action(
            key=key,
            rule=rule.id,
            title=rule.title,
            category=rule.category,
            priority=rule.priority,
            user_id=user_id,
            subjects=(p.subject,),
            created_at=created,
            expires_at=expires,
            contact_ids=contact_ids,
            company_ids=company_ids,
            checks=p.checks,
        )
        singles.append((card_of(p), action))
    if not grouped:
        return [action for _group, action in singles]
    cards: dict[str, list[Action]] = defaultdict(list)
    for group, action in singles:
        cards[group].append(action)
    result = []
    for group, members in cards.items():
        members.sort(key=lambda m: (m.created_at, m.subjects[0][1], m.subjects[0][0]))
        expiries = [m.expires_at for m in members]
        result.append(
            Action(
                key=action_key(rule.id, user_id, group=group),
                rule=rule.id,
                title=rule.title,
                category=rule.category,
                priority=rule.priority,
                user_id=user_id,
                subjects=tuple(m.subjects[0] for m in members),
                created_at=members[0].created_at,
                expires_at=None
                if any(e is None for e in expiries)
                else max(e for e in expiries if e is not None),
                contact_ids=tuple(sorted(set().union(*(m.contact_ids for m in members)))),
                company_ids=tuple(sorted(set().union(*(m.company_ids for m in members)))),
                checks=_union(m.checks for m in members),
                group=group,
                members=tuple(members),
            )
        )
    return result


def evaluate(
    snapshot: SnapshotReader,
    now: datetime,
    user: str | User,
    *,
    viewer: str | User | None = None,
    config: Config | None = None,
    rules: RuleSetLike | None = None,
    strict: bool = False,
) -> Result:
    """The guided actions of ``user`` at ``now``, in SPEC §6 order.

    - ``now`` must be timezone-aware; the library never reads the clock.
    - ``viewer``: who is looking; the user themself (the default) or a super admin, who sees
      meetings as private. Anyone else: :class:`~guided_actions.errors.ViewerPermissionError`.
    - ``config``: thresholds, grouping, engagement kinds, disabled rules (:class:`Config`).
    - ``rules``: the rules to run: a :class:`RuleSet` from :func:`load_rules` (built-ins and
      plugins; its ``config`` applies unless ``config`` is given), or rule instances or classes.
      The 18 built-ins by default.
    - ``strict``: re-raise a failing rule's error instead of reporting it on ``result.errors``.
    """
    now_utc = check_now(now)
    target, _looker, private = resolve_viewer(snapshot, user, viewer)
    return evaluate_prepared(snapshot, now_utc, target, private, prepare(rules, config), strict)


@attrs.frozen
class _Prepared:
    """What does not depend on the user: the configured rules and where each came from."""

    rules: tuple[Rule, ...]
    config: Config
    origins: Mapping[str, str]


def prepare(rules: RuleSetLike | None, config: Config | None) -> _Prepared:
    if rules is None:
        rules = builtin_rules()
    if isinstance(rules, RuleSet):
        origins: Mapping[str, str] = rules.origins
        if config is None:
            config = rules.config
        chosen: tuple[Rule, ...] = rules.rules
    else:
        origins = {}
        chosen = tuple(r() if isinstance(r, type) else r for r in rules)
    config = config if config is not None else Config()
    for r in chosen:
        if not isinstance(r, Rule):
            raise TypeError(f"rules must be Rule instances or classes, got {r!r}")
    return _Prepared(rules=tuple(config.apply(chosen)), config=config, origins=origins)


def context_for(
    snapshot: SnapshotReader,
    now_utc: datetime,
    target: User,
    private: bool,
    config: Config,
    focus: Subject | None = None,
) -> RuleContext:
    """The rule context of one user at ``now`` (focused on one record when explaining)."""
    return RuleContext(
        snapshot=snapshot,
        now=now_utc,
        user=target,
        engagement_kinds=config.engagement_kinds,
        private_meetings=private,
        focus=focus,
    )


def evaluate_prepared(
    snapshot: SnapshotReader,
    now_utc: datetime,
    target: User,
    private: bool,
    prepared: _Prepared,
    strict: bool,
) -> Result:
    config = prepared.config
    ctx = context_for(snapshot, now_utc, target, private, config)
    actions: list[Action] = []
    failures: list[RuleFailure] = []
    for rule in prepared.rules:
        proposals, failure = run_rule(rule, ctx, strict, prepared.origins.get(rule.id))
        if failure is not None:
            failures.append(failure)
            continue
        actions.extend(actions_of_rule(rule, proposals, ctx, config.grouped(rule)))
    dismissed = active_dismissals(ctx)
    kept = sorted((a for a in actions if a.key not in dismissed), key=Action.sort_key)
    return Result(user_id=target.id, now=now_utc, actions=tuple(kept), errors=tuple(failures))


def evaluate_all(
    snapshot: SnapshotReader,
    now: datetime,
    *,
    config: Config | None = None,
    rules: RuleSetLike | None = None,
    strict: bool = False,
    users: Iterable[str | User] | None = None,
) -> dict[str, Result]:
    """Every user's result at ``now`` in one pass: ``{user_id: Result}``, in snapshot order.

    Equal to calling :func:`evaluate` for each user (each user viewing their own actions), but
    the rules, their configuration and the checks of ``now`` are prepared once. ``users``
    restricts the pass to some users.
    """
    now_utc = check_now(now)
    prepared = prepare(rules, config)
    targets = (
        list(snapshot.users())
        if users is None
        else [_resolve_user(snapshot, u, "user") for u in users]
    )
    return {u.id: evaluate_prepared(snapshot, now_utc, u, False, prepared, strict) for u in targets}

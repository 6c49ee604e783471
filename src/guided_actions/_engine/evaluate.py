"""``evaluate``: run the rules for one user at one instant and shape their proposals into actions.

The engine is where the shared mechanics live, so that no rule repeats them: the time window
(``created_at <= now < expires_at``), keys, associations (and their freezing by
``issued_actions``), grouping into cards, per-user dismissals and snoozes, the viewer check and
meeting privacy, ordering, and isolation of failing rules.
"""

from __future__ import annotations

import functools
import hashlib
import json
import string
import typing
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import attrs

from guided_actions._engine.actions import (
    Action,
    NextChange,
    Origin,
    Result,
    RuleFailure,
    describe_exception,
    make_action,
)
from guided_actions._engine.config import Config
from guided_actions._engine.ranking import Ranker, RankingData, deal_amount
from guided_actions._engine.ruleset import (
    RuleSet,
    build_rule,
    builtin_rules,
    check_rules,
    plugin_of,
)
from guided_actions._engine.tables import Results
from guided_actions._model.collector import paused
from guided_actions._model.records import (
    Call,
    Company,
    Contact,
    Deal,
    Dismissal,
    Email,
    IssuedAction,
    Lead,
    Meeting,
    Snooze,
    Task,
    User,
)
from guided_actions._model.time import EARLIEST, LATEST, is_aware, utc_iso
from guided_actions._model.validation import MAX_YEAR, MIN_YEAR
from guided_actions._rules.context import RuleContext, in_window
from guided_actions._rules.rule import Proposal, Rule
from guided_actions._text.checks import Check, Criterion, Ref
from guided_actions.errors import (
    InvalidConfigError,
    RuleError,
    UnknownUserError,
    ViewerPermissionError,
    short_repr,
)
from guided_actions.typing import SUBJECT_KINDS, SnapshotReader, Subject

if typing.TYPE_CHECKING:
    # Settings resolve through their ``config_of`` (see ``user_config``): the settings module
    # builds on this one.
    from guided_actions._engine.settings import Settings

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
        payload = key_payload((user_id, "group", group))
    else:
        assert subject is not None
        assert created_at is not None
        payload = key_payload((user_id, subject[0], subject[1], utc_iso(created_at)))
    return f"{rule_id}:{_blake2b(payload, digest_size=10).hexdigest()}"


_blake2b = hashlib.blake2b


def key_payload(parts: tuple[str, ...]) -> bytes:
    """The bytes a key's digest covers: ``json.dumps(list(parts), separators=(",", ":"))``,
    encoded, and exactly those bytes for every input (keys are persisted).

    Strings that JSON writes as they are (printable ASCII without ``"`` or ``\\``: the ids of
    nearly every CRM) are joined directly; any other string gives the payload to
    ``json.dumps``, which escapes it.
    """
    for part in parts:
        if (
            type(part) is not str
            or not (part.isascii() and part.isprintable())
            or '"' in part
            or "\\" in part
        ):
            return json.dumps(list(parts), separators=(",", ":")).encode()
    return ('["' + '","'.join(parts) + '"]').encode()


def associations_of(
    ctx: RuleContext, subject: Subject, issued: IssuedAction | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(contact_ids, company_ids)`` of an action's primary record (SPEC §6), each sorted.

    The records are read through the rule context, "as of now" as the rules read them: a
    contact created after ``now`` is not there yet, and neither are the companies reached only
    through it (companies carry no creation stamp: one listed directly is there). ``issued``,
    the action's issued record when it was shown before, freezes them: its associations win,
    except a contact that the snapshot holds but that does not exist yet at ``now`` (a contact
    deleted since stays). A meeting the viewer sees as busy has none, frozen or not.
    """
    kind, rid = subject
    record = ctx.record(kind, rid)
    if ctx.busy(record):
        return (), ()
    contacts: set[str] = set()
    companies: set[str] = set()

    def add_contacts(ids: Iterable[str], *, theirs: bool = True) -> None:
        """The contacts that exist at ``now``, and (``theirs``) their companies."""
        for cid in ids:
            contact = ctx.contact(cid)
            if contact is not None:
                contacts.add(cid)
                if theirs:
                    companies.update(contact.company_ids)

    if issued is not None:
        # Shown before: the associations frozen then win (SPEC §6), as of now (SPEC §11).
        contacts.update(
            c
            for c in issued.contact_ids
            if ctx.snapshot.contact(c) is None or ctx.contact(c) is not None
        )
        companies.update(issued.company_ids)
    elif isinstance(record, Contact):
        add_contacts([record.id])
    elif isinstance(record, Lead):
        add_contacts([record.contact_id])
    elif isinstance(record, Deal | Meeting | Call):
        add_contacts(record.contact_ids, theirs=False)
        companies.update(record.company_ids)
    elif isinstance(record, Task | Email):
        add_contacts(record.contact_ids)
    elif isinstance(record, Company):
        companies.add(record.id)
    return tuple(sorted(contacts)), tuple(sorted(companies))


def _resolve_user(snapshot: SnapshotReader, user: str | User, role: str) -> User:
    user_id = user.id if isinstance(user, User) else user
    if not isinstance(user_id, str):
        raise TypeError(f"{role} must be a user id or a User record, got {short_repr(user)}")
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
    """``now`` in UTC, checked as an instant of the data is: timezone-aware, and within years
    ``MIN_YEAR`` to ``MAX_YEAR`` in UTC (so that calendar days and thresholds around it exist)."""
    if not isinstance(now, datetime):
        raise TypeError(f"now must be a timezone-aware datetime, got {short_repr(now)}")
    if not is_aware(now):
        raise InvalidConfigError(
            f"now is a naive datetime ({now.isoformat()}): pass a timezone-aware instant"
        )
    try:
        utc = now.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not MIN_YEAR <= utc.year <= MAX_YEAR:
        raise InvalidConfigError(
            f"now is out of the supported range ({now.isoformat()}): it must lie within years "
            f"{MIN_YEAR} to {MAX_YEAR} in UTC"
        )
    return utc


_PLAIN_SCALARS = frozenset({str, bool, date, timedelta, type(None)})
#: The time zones an instant in a check may carry: the fixed offsets and the IANA zones.
_PLAIN_ZONES = frozenset({timezone, ZoneInfo, type(None)})
#: Integers in a check must print: ``str()`` refuses integers of more than 4,300 digits.
_INT_LIMIT = 10**4000


def _plain(value: object) -> bool:
    """Plain data of exactly the types a check's parameters may hold, which render, hash and
    compare the same every time (a subclass could override any of that)."""
    kind = type(value)
    if kind in _PLAIN_SCALARS:
        return True
    if kind is Ref:
        ref = typing.cast("Ref", value)
        return (
            type(ref.kind) is str
            and (ref.id is None or type(ref.id) is str)
            and (ref.detail is None or type(ref.detail) is str)
            and type(ref.private) is bool
        )
    if kind is datetime:
        return type(typing.cast("datetime", value).tzinfo) in _PLAIN_ZONES
    if kind is int:
        return -_INT_LIMIT < typing.cast("int", value) < _INT_LIMIT
    if kind is tuple:
        return all(_plain(v) for v in typing.cast("tuple[object, ...]", value))
    return False


@functools.lru_cache(maxsize=1024)
def _template_problem(template: str) -> str | None:
    """What makes a criterion's template fail to render with plain text parameters, or
    ``None``: each field must be a bare name, with no format spec (``{n:d}``), attribute or
    index (``{n.x}``, ``{n[0]}``), whatever the parameters hold."""
    for _text, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion not in (None, "r", "s", "a"):
            return f"template field {short_repr(name)} must be a bare name, as in {{name}}"
    return None


#: The verdict of :func:`_criterion_problem` by ``(id(criterion), parameter names)``, with the
#: criterion kept so that its id cannot be another's: checks share a few criteria, and hashing
#: a criterion costs more than the check itself.
_CRITERIA_SEEN: dict[tuple[int, tuple[str, ...]], tuple[Criterion, str | None]] = {}


def _check_problem(check: object) -> str | None:
    """What is wrong with one check of a proposal, or ``None``.

    Its criterion, its outcome and every parameter are of exactly the types the renderer
    reads, and its templates name only parameters it has: so its text, its hash and its
    comparisons cannot fail later (in an action's reasons, its card, ``to_dicts``, the command
    line), when the failure could no longer be blamed on the rule.
    """
    if type(check) is not Check or type(check.criterion) is not Criterion:
        return f"proposal needs at least one check, each a criteria.Check: got {short_repr(check)}"
    criterion = check.criterion
    if type(check.met) is not bool:
        return f"check {criterion.id!r}: met must be True or False, got {short_repr(check.met)}"
    names, values = check._names, check._values
    for value in values:
        if type(value) not in _PLAIN_SCALARS and not _plain(value):
            name = next(n for n, v in zip(names, values, strict=True) if v is value)
            return (
                f"check {criterion.id!r}: parameter {name!r} must be plain data (str, int, bool, "
                f"date, datetime, timedelta, Ref, a tuple of those, None), got {short_repr(value)}"
            )
    key = (id(criterion), names)
    seen = _CRITERIA_SEEN.get(key)
    if seen is None or seen[0] is not criterion:
        if len(_CRITERIA_SEEN) >= 4096:
            _CRITERIA_SEEN.clear()
        seen = (criterion, _criterion_problem(criterion, names))
        _CRITERIA_SEEN[key] = seen
    return seen[1]


def _criterion_problem(criterion: Criterion, names: tuple[str, ...]) -> str | None:
    """What keeps a criterion's templates from rendering with parameters of these names."""
    if not criterion.fields.issubset(names):
        missing = ", ".join(sorted(criterion.fields.difference(names)))
        return f"check {criterion.id!r} lacks the parameter(s) its texts name: {missing}"
    for template in (criterion.met, criterion.unmet):
        problem = _template_problem(template)
        if problem is not None:
            return f"check {criterion.id!r}: {problem}"
    return None


def _instant_problem(name: str, value: object) -> str | None:
    if not isinstance(value, datetime) or not is_aware(value):
        return f"proposal {name} must be a timezone-aware datetime, got {short_repr(value)}"
    if not EARLIEST <= value <= LATEST:
        return (
            f"proposal {name} {value.isoformat()} is out of the supported range "
            f"({EARLIEST.isoformat()} to {LATEST.isoformat()})"
        )
    return None


def _validate(rule: Rule, proposal: object, snapshot: SnapshotReader) -> str | None:
    """What is wrong with a proposal, or ``None``.

    Everything the engine later reads from the proposal is checked here, inside the rule's
    guard, so that nothing downstream (keys, cards, ordering, texts, ``to_dicts``, the command
    line) can fail on it: the subject, the window, the group and every check.
    """
    if type(proposal) is not Proposal:
        return f"returned {type(proposal).__name__} {short_repr(proposal)}, not a Proposal"
    subject = proposal.subject
    if (
        type(subject) is not tuple
        or len(subject) != 2
        or type(subject[0]) is not str
        or subject[0] not in SUBJECT_KINDS
        or type(subject[1]) is not str
        or not subject[1]
    ):
        return f"proposal has an invalid subject {short_repr(subject)}"
    if subject[0] != rule.subject_kind:
        return (
            f"proposal is about a {subject[0]}, but the rule's subject_kind is "
            f"{rule.subject_kind!r}"
        )
    if proposal.group is not None and type(proposal.group) is not str:
        return f"proposal group must be a str or None, got {short_repr(proposal.group)}"
    checks = proposal.checks
    if type(checks) is not tuple or not checks:
        return "proposal needs at least one check (a criteria.Check), in a tuple"
    for check in checks:
        problem = _check_problem(check)
        if problem is not None:
            return problem
    for name in ("created_at", "expires_at"):
        value = getattr(proposal, name)
        if value is None and (name == "expires_at" or not proposal.conditions_met):
            continue
        problem = _instant_problem(name, value)
        if problem is not None:
            return problem
    # Every subject kind names a lookup of SnapshotReader: snapshot.deal(id), .contact(id)…
    if getattr(snapshot, subject[0])(subject[1]) is None:
        return (
            f"proposal is about {subject[0]} {short_repr(subject[1])}, "
            "which the snapshot does not hold"
        )
    return None


@functools.cache
def _trusted_classes() -> frozenset[type[Rule]]:
    """The classes of the library's own rules, whose proposals need no checking."""
    return frozenset(type(r) for r in builtin_rules().rules)


def trusted(rule: Rule, strict: bool) -> bool:
    """True when ``rule``'s proposals are taken as they are: a built-in rule (its very class,
    not a subclass), outside ``strict``. Their checks are built by the library's criteria from
    validated records, so checking them again would only find what their tests already prove;
    ``strict`` checks every proposal, built-in ones included."""
    return not strict and type(rule) in _trusted_classes()


def run_rule(
    rule: Rule, ctx: RuleContext, strict: bool, plugin: str | None = None
) -> tuple[list[Proposal], RuleFailure | None]:
    """Run one rule, guarded: what it raises, and what is wrong with what it returns, is its
    failure (raised as :class:`RuleError` when ``strict``), never the evaluation's. The
    proposals of a built-in rule are not checked again, outside ``strict`` (:func:`trusted`)."""
    try:
        proposals = list(rule.propose(ctx))
        seen: set[Subject] = set()
        problem = None
        for proposal in () if trusted(rule, strict) else proposals:
            problem = _validate(rule, proposal, ctx.snapshot)
            if problem is None and proposal.subject in seen:
                problem = f"proposes {proposal.subject[0]} {short_repr(proposal.subject[1])} twice"
            if problem is not None:
                break
            seen.add(proposal.subject)
    except RuleError as exc:
        if strict:
            raise
        message = describe_exception(exc)
        return [], RuleFailure(rule_id=rule.id, message=message, exception=exc, plugin=plugin)
    except Exception as exc:
        message = describe_exception(exc)
        if strict:
            raise RuleError(rule.id, message, plugin) from exc
        return [], RuleFailure(rule_id=rule.id, message=message, exception=exc, plugin=plugin)
    if problem is not None:
        error = RuleError(rule.id, problem, plugin)
        if strict:
            raise error
        return [], RuleFailure(rule_id=rule.id, message=problem, exception=error, plugin=plugin)
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


def active_snoozes(ctx: RuleContext) -> dict[str, list[Snooze]]:
    """The user's snoozes in force at ``now`` (``now < until``), by key, in input order.

    A reader without ``snoozes_of`` (written before snoozes existed) has no snoozes.
    """
    snoozes_of = getattr(ctx.snapshot, "snoozes_of", None)
    found: dict[str, list[Snooze]] = {}
    if snoozes_of is None:
        return found
    for s in snoozes_of(ctx.user.id):
        if ctx.now < s.until:
            found.setdefault(s.action_key, []).append(s)
    return found


def snoozed_by(
    key: str, subjects: Iterable[Subject], snoozes: Mapping[str, Sequence[Snooze]]
) -> Snooze | None:
    """The snooze in force that hides the action with that key and subjects, or ``None``.

    A snooze that names ``subject_ids`` (a card's members when it was snoozed) does not hide
    the action while one of its subjects is not among them: a new member joined the card. Of
    several snoozes that hide it, the one that lasts longest.
    """
    candidates = snoozes.get(key)
    if not candidates:
        return None
    ids = {rid for _kind, rid in subjects}
    hiding = [s for s in candidates if not s.subject_ids or ids.issubset(s.subject_ids)]
    return max(hiding, key=lambda s: s.until, default=None)


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
    rule_id, title, category, priority = rule.id, rule.title, rule.category, rule.priority
    calls_to_action = rule.calls_to_action
    singles: list[tuple[str, Action]] = []
    for p in proposals:
        if p.created_at is None or not p.conditions_met:
            continue
        created = p.created_at
        if created.tzinfo is not UTC:
            created = created.astimezone(UTC)
        expires = p.expires_at
        if expires is not None and expires.tzinfo is not UTC:
            expires = expires.astimezone(UTC)
        if not in_window(now, created, expires):
            continue
        key = action_key(rule_id, user_id, subject=p.subject, created_at=created)
        issued = None if grouped else snapshot.issued_action(key)
        contact_ids, company_ids = associations_of(ctx, p.subject, issued)
        action = make_action(
            key,
            rule_id,
            title,
            category,
            priority,
            user_id,
            (p.subject,),
            created,
            expires,
            contact_ids,
            company_ids,
            p.checks,
            calls_to_action,
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
                calls_to_action=rule.calls_to_action,
            )
        )
    return result


def evaluate(
    snapshot: SnapshotReader,
    now: datetime,
    user: str | User,
    *,
    viewer: str | User | None = None,
    config: Config | Settings | None = None,
    rules: RuleSetLike | None = None,
    strict: bool = False,
) -> Result:
    """The guided actions of ``user`` at ``now``, in SPEC §6 order.

    - ``now`` must be timezone-aware; the library never reads the clock.
    - ``viewer``: who is looking; the user themself (the default) or a super admin, who sees
      meetings as private. Anyone else: :class:`~guided_actions.errors.ViewerPermissionError`.
    - ``config``: thresholds, grouping, engagement kinds, disabled rules (:class:`Config`), or
      :class:`Settings` in layers, resolved for the user (``settings.config_for``).
    - ``rules``: the rules to run: a :class:`RuleSet` from :func:`load_rules` (built-ins and
      plugins; its ``config`` applies unless ``config`` is given), or rule instances or classes.
      The 18 built-ins by default.
    - ``strict``: re-raise a failing rule's error instead of reporting it on ``result.errors``.
    """
    now_utc = check_now(now)
    target, _looker, private = resolve_viewer(snapshot, user, viewer)
    prepared = prepare(rules, config, target)
    return evaluate_prepared(snapshot, now_utc, target, private, prepared, strict)


@attrs.frozen
class _Prepared:
    """What does not depend on the user: the configured rules and where each came from."""

    rules: tuple[Rule, ...]
    config: Config
    origins: Mapping[str, str]
    #: The rule set's ranker and the plugin that provided it, for ``Result.ranked``.
    ranker: Ranker | None = None
    ranker_plugin: str | None = None


@attrs.frozen
class _Chosen:
    """The rules to run before any configuration, where each came from, and their rule set."""

    rules: tuple[Rule, ...]
    origins: Mapping[str, str]
    ruleset: RuleSet | None


def choose_rules(rules: RuleSetLike | None) -> _Chosen:
    """The rules ``rules=`` names, checked: the built-ins by default."""
    if rules is None:
        rules = builtin_rules()
    if isinstance(rules, RuleSet):
        return _Chosen(rules=rules.rules, origins=rules.origins, ruleset=rules)
    # Rules given one by one are checked here, as a RuleSet checks its own (once, when it is
    # built); a failure is blamed on the module of the rule's class.
    chosen = tuple(
        build_rule(r, plugin_of(r)) if isinstance(r, type) and issubclass(r, Rule) else r
        for r in rules
    )
    check_rules(chosen)
    return _Chosen(rules=chosen, origins={}, ruleset=None)


def user_config(
    config: Config | Settings | None, chosen: _Chosen, user: User | None
) -> Config | None:
    """The ``Config`` of one user: ``config`` itself, or what ``Settings`` resolve for them."""
    if config is None or isinstance(config, Config):
        return config
    config_of = getattr(config, "config_of", None)
    if config_of is None:
        raise TypeError(f"config must be a Config or Settings, got {short_repr(config)}")
    if user is None:
        raise TypeError("Settings resolve a configuration per user: name the user")
    resolved: Config = config_of(user, chosen.rules)
    return resolved


def configure(chosen: _Chosen, config: Config | None) -> _Prepared:
    """The chosen rules with ``config`` applied (the rule set's own when ``None``)."""
    ruleset = chosen.ruleset
    if config is None:
        config = ruleset.config if ruleset is not None else Config()
    return _Prepared(
        rules=tuple(config.apply(chosen.rules)),
        config=config,
        origins=chosen.origins,
        ranker=ruleset.ranker if ruleset is not None else None,
        ranker_plugin=ruleset.ranker_plugin if ruleset is not None else None,
    )


def prepare(
    rules: RuleSetLike | None, config: Config | Settings | None, user: User | None = None
) -> _Prepared:
    """The rules to run for ``user``, configured: :class:`Settings` are resolved for them."""
    chosen = choose_rules(rules)
    return configure(chosen, user_config(config, chosen, user))


def context_for(
    snapshot: SnapshotReader,
    now_utc: datetime,
    target: User,
    private: bool,
    config: Config,
    focus: Subject | None = None,
    *,
    ahead: bool = False,
) -> RuleContext:
    """The rule context of one user at ``now`` (focused on one record when explaining, looking
    ahead for the next change with ``ahead``)."""
    return RuleContext(
        snapshot=snapshot,
        now=now_utc,
        user=target,
        engagement_kinds=config.engagement_kinds,
        private_meetings=private,
        focus=focus,
        ahead=ahead,
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
        # Each rule names records as an action about its subject kind may (private meetings).
        about = ctx.about(getattr(rule, "subject_kind", None))
        proposals, failure = run_rule(rule, about, strict, prepared.origins.get(rule.id))
        if failure is not None:
            failures.append(failure)
            continue
        actions.extend(actions_of_rule(rule, proposals, ctx, config.grouped(rule)))
    dismissed = active_dismissals(ctx)
    snoozed = active_snoozes(ctx)
    kept = sorted(
        (
            a
            for a in actions
            if a.key not in dismissed and snoozed_by(a.key, a.subjects, snoozed) is None
        ),
        key=Action.sort_key,
    )
    # What ``Result.ranked`` reads, as of now: each action's deal amount (SPEC §11).
    amounts = {a.key: amount for a in kept if (amount := deal_amount(ctx, a.subjects)) is not None}
    ranking = RankingData(
        weights=config.ranking,
        amounts=amounts,
        ranker=prepared.ranker,
        ranker_plugin=prepared.ranker_plugin,
    )
    return Result(
        user_id=target.id,
        now=now_utc,
        actions=tuple(kept),
        errors=tuple(failures),
        _ranking=ranking,
        _origin=Origin(snapshot, target, private, prepared),
        _next_change=NextChange(
            functools.partial(next_change, snapshot, now_utc, target, private, prepared)
        ),
    )


#: The last instant ``evaluate`` accepts as ``now`` (the end of year ``MAX_YEAR`` in UTC): a
#: change later than it is none that ``evaluate`` could show.
LAST_NOW = datetime(MAX_YEAR, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)

#: What an action is, for telling whether the actions changed between two instants at which
#: the rules read the same data: its key and its subjects (a card's members).
_Shown = frozenset[tuple[str, frozenset[Subject]]]


@attrs.frozen
class _Ahead:
    """What the rules propose at one instant, looking ahead: every window to come.

    ``windows`` holds, per proposal whose conditions hold and whose window has not closed, the
    key of its action (its card's when grouped), its subject and its window. ``revisit`` is the
    earliest instant after ``now`` at which what the rules read would read otherwise
    (:meth:`RuleContext.revisit_at`): until then, the rules' proposals are these.
    """

    windows: tuple[tuple[str, Subject, datetime, datetime | None], ...]
    dismissals: tuple[Dismissal, ...]
    snoozes: tuple[Snooze, ...]
    revisit: datetime | None

    def shown(self, instant: datetime) -> _Shown:
        """The actions ``evaluate`` shows at ``instant`` (from ``now`` to ``revisit``)."""
        members: dict[str, set[Subject]] = {}
        for key, subject, created, expires in self.windows:
            if created <= instant and (expires is None or instant < expires):
                members.setdefault(key, set()).add(subject)
        dismissed = {d.action_key for d in self.dismissals if d.until is None or instant < d.until}
        snoozed: dict[str, list[Snooze]] = {}
        for z in self.snoozes:
            if instant < z.until:
                snoozed.setdefault(z.action_key, []).append(z)
        return frozenset(
            (key, frozenset(subjects))
            for key, subjects in members.items()
            if key not in dismissed and snoozed_by(key, subjects, snoozed) is None
        )

    def instants(self, after: datetime) -> list[datetime]:
        """Every instant after ``after`` at which :meth:`shown` may change, in order."""
        found: set[datetime] = set()
        for _key, _subject, created, expires in self.windows:
            found.add(created)
            if expires is not None:
                found.add(expires)
        found.update(d.until for d in self.dismissals if d.until is not None)
        found.update(z.until for z in self.snoozes)
        return sorted(t for t in found if t > after)


def look_ahead(
    snapshot: SnapshotReader, now_utc: datetime, target: User, private: bool, prepared: _Prepared
) -> _Ahead:
    """Run the rules looking ahead at ``now``: the windows of every proposal that is or will be
    an action while the data read stay the same, and when they stop staying the same. A rule
    that fails proposes nothing here, as in ``evaluate``."""
    config = prepared.config
    ctx = context_for(snapshot, now_utc, target, private, config, ahead=True)
    windows: list[tuple[str, Subject, datetime, datetime | None]] = []
    for rule in prepared.rules:
        about = ctx.about(getattr(rule, "subject_kind", None))
        proposals, failure = run_rule(rule, about, False)
        if failure is not None:
            continue
        grouped = config.grouped(rule)
        for p in proposals:
            if p.created_at is None or not p.conditions_met:
                continue
            expires = p.expires_at.astimezone(UTC) if p.expires_at is not None else None
            if expires is not None and expires <= now_utc:
                continue
            key = proposal_key(rule.id, target.id, p, grouped)
            windows.append((key, p.subject, p.created_at.astimezone(UTC), expires))
            # The associations read records too (a contact created later joins them then).
            issued = None if grouped else snapshot.issued_action(key)
            associations_of(ctx, p.subject, issued)
    snoozes_of = getattr(snapshot, "snoozes_of", None)
    return _Ahead(
        windows=tuple(windows),
        dismissals=tuple(snapshot.dismissals_of(target.id)),
        snoozes=tuple(snoozes_of(target.id)) if snoozes_of is not None else (),
        revisit=ctx.revisit,
    )


def next_change(
    snapshot: SnapshotReader, now_utc: datetime, target: User, private: bool, prepared: _Prepared
) -> datetime | None:
    """The earliest instant after ``now`` at which ``evaluate`` with the same inputs gives other
    actions, or ``None``: ``Result.next_change_at`` (``docs/explanation/time.md``, "When to look
    again").

    The rules run once looking ahead: every window to come, every dismissal and snooze, and the
    instant (``revisit``) until which the data they read stay the same. The actions shown are
    simulated at each instant where a window opens or closes or a dismissal or snooze ends, in
    order, without running the rules again; the first at which they differ from those at
    ``now`` is the answer. At ``revisit`` the rules run again: the actions there are compared in
    full (associations and reasons too), and the search goes on from there.
    """
    state = look_ahead(snapshot, now_utc, target, private, prepared)
    shown = state.shown(now_utc)
    at = now_utc
    actions: tuple[Action, ...] | None = None
    while True:
        revisit = state.revisit
        for instant in state.instants(at):
            if instant > LAST_NOW or (revisit is not None and instant >= revisit):
                break
            if state.shown(instant) != shown:
                return instant
        if revisit is None or revisit > LAST_NOW:
            return None
        if actions is None:
            actions = evaluate_prepared(snapshot, now_utc, target, private, prepared, False).actions
        later = evaluate_prepared(snapshot, revisit, target, private, prepared, False).actions
        if later != actions:
            return revisit
        at = revisit
        state = look_ahead(snapshot, revisit, target, private, prepared)


def evaluate_all(
    snapshot: SnapshotReader,
    now: datetime,
    *,
    config: Config | Settings | None = None,
    rules: RuleSetLike | None = None,
    strict: bool = False,
    users: Iterable[str | User] | None = None,
    workers: int | None = 1,
) -> Results:
    """Every user's result at ``now`` in one pass: ``{user_id: Result}``, in snapshot order (a
    :class:`Results`, the ``dict`` that also gives them as tables).

    Equal to calling :func:`evaluate` for each user (each user viewing their own actions), but
    the rules, their configuration and the checks of ``now`` are prepared once (with
    :class:`Settings`, once per distinct effective configuration). ``users`` restricts the pass
    to some users.

    ``workers``: how many processes evaluate the users, ``1`` (this process) by default;
    ``None`` is one per processor this process may use. The result is equal to that of
    ``workers=1``, and so is the error when a user's evaluation raises (the first such user in
    snapshot order). A number below 1 is a :class:`ValueError`, anything but a whole number or
    ``None`` a :class:`TypeError`. See the how-to "Use every core".
    """
    now_utc = check_now(now)
    chosen = choose_rules(rules)
    targets = (
        list(snapshot.users())
        if users is None
        else [_resolve_user(snapshot, u, "user") for u in users]
    )
    if type(workers) is not int or workers != 1:
        # Runs of users in worker processes, each run evaluated by this function.
        from guided_actions._engine import parallel

        return parallel.evaluate_all(
            evaluate_all,
            snapshot,
            now_utc,
            targets,
            chosen,
            config=config,
            strict=strict,
            workers=workers,
        )
    # One preparation per distinct configuration: one in all without Settings.
    prepared: dict[Config | None, _Prepared] = {}
    if config is None or isinstance(config, Config):
        prepared[config] = configure(chosen, config)
    results: dict[str, Result] = {}
    ran: set[str] = set()
    # The results made here are kept: the cyclic collector would walk them again and again
    # while finding nothing to free (see ``_model/collector.py``).
    with paused():
        for u in targets:
            own = user_config(config, chosen, u)
            if own not in prepared:
                prepared[own] = configure(chosen, own)
            results[u.id] = evaluate_prepared(snapshot, now_utc, u, False, prepared[own], strict)
            ran.update(r.id for r in prepared[own].rules)
    # The rules that ran for some user, in rule-set order (Settings may disable some per user).
    return Results(results, rule_ids=[r.id for r in chosen.rules if r.id in ran])

"""Ranking, caps and collapse: what a rep's small screen shows, and why in that order.

SPEC §6's order (priority, expiry, creation, key) stays the default. Beside it:

- :meth:`Result.ranked <guided_actions.Result.ranked>` scores every action with a *ranker*, a
  callable ``(action, facts) -> Score``, and orders them by score, highest first; equal scores
  keep SPEC §6's order. A :class:`Score` is a total and the parts it is the sum of, so a screen
  can show why an action is first. :func:`default_ranker` scores four parts, each between 0 and
  its weight in :class:`RankingWeights` (``Config.ranking``); a plugin's
  ``guided_actions_ranker`` hook replaces it.
- :meth:`Result.top <guided_actions.Result.top>` and :meth:`Ranking.top` keep the first ``n``
  actions, at most ``per_category`` of each category.
- :meth:`Result.collapse <guided_actions.Result.collapse>` and :meth:`Ranking.collapse` give one
  entry per record: its best action, the others attached to it.

The engine computes the facts a ranker reads (:func:`deal_amount`) when it builds a result.
Nothing here imports the result or the action classes, which import this module.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import attrs

from guided_actions._model.frozen import FrozenDict
from guided_actions._model.records import Call, Deal, Email, Meeting, Task
from guided_actions._rules.context import RuleContext
from guided_actions.errors import InvalidConfigError, short_repr
from guided_actions.typing import Subject

if TYPE_CHECKING:
    from guided_actions._engine.actions import Action

__all__ = [
    "FRESHNESS_HORIZON",
    "MAX_WEIGHT",
    "PARTS",
    "PRIORITY_SHARE",
    "URGENCY_HORIZON",
    "Collapsed",
    "RankedAction",
    "Ranker",
    "Ranking",
    "RankingData",
    "RankingFacts",
    "RankingWeights",
    "Score",
    "capped",
    "collapsed",
    "deal_amount",
    "default_ranker",
    "ranker_name",
    "ranking_weights",
]

#: The parts of the default ranker's score, in the order its ``parts`` list them.
PARTS = ("priority", "urgency", "amount", "age")
#: The share of the priority weight each rule priority earns.
PRIORITY_SHARE: Mapping[str, float] = FrozenDict({"high": 1.0, "normal": 0.5, "low": 0.0})
#: Urgency is the full weight when the action expires now, none with this much time left or more.
URGENCY_HORIZON = timedelta(days=7)
#: Freshness is the full weight for an action created now, none for one this old or older.
FRESHNESS_HORIZON = timedelta(days=7)
#: The largest weight a part may have.
MAX_WEIGHT = 1_000_000
#: How far a score's total may be from the sum of its parts (relative): rounding, no more.
_SUM_TOLERANCE = 1e-9

T = TypeVar("T")


def _number_problem(value: object) -> str | None:
    """What keeps ``value`` from being a finite real number (an int or a float, not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "must be a number"
    if isinstance(value, float) and not math.isfinite(value):
        return "must be finite"
    return None


def _weight(value: object, field: attrs.Attribute[Any]) -> float:
    """A weight, checked and stored as a float."""
    problem = _number_problem(value)
    if problem is None and not 0 <= typing.cast(float, value) <= MAX_WEIGHT:
        problem = f"must lie between 0 and {MAX_WEIGHT:,}"
    if problem is not None:
        raise InvalidConfigError(
            f"ranking weight {field.name!r} {problem}, got {short_repr(value)}"
        )
    return float(typing.cast(float, value))


def _weight_field(default: float) -> Any:
    return attrs.field(default=default, converter=attrs.Converter(_weight, takes_field=True))


@attrs.frozen(kw_only=True)
class RankingWeights:
    """How much each part of the default ranker's score can weigh: ``Config.ranking``.

    Each part of a score lies between 0 and its weight; a weight of 0 removes the part. The
    defaults put the rule's priority first (3: one priority level is 1.5), then what is at stake
    and what cannot wait (amount and urgency, 2 each), and freshness last (1): freshness alone
    never lifts an action above one of a higher priority, the amount or the urgency alone can
    lift it one level, and two levels take more than one of them. Each weight is a number from 0
    to :data:`MAX_WEIGHT`; anything else is an :class:`~guided_actions.errors.InvalidConfigError`
    naming the weight.
    """

    priority: float = _weight_field(3.0)
    urgency: float = _weight_field(2.0)
    amount: float = _weight_field(2.0)
    age: float = _weight_field(1.0)


def ranking_weights(value: object) -> RankingWeights:
    """``Config.ranking`` from a :class:`RankingWeights` or a mapping of weight name to number
    (``{"amount": 4}``; the others keep their defaults)."""
    if isinstance(value, RankingWeights):
        return value
    if not isinstance(value, Mapping):
        raise InvalidConfigError(
            "ranking must be RankingWeights or a mapping of weight name to number, "
            f"got {short_repr(value)}"
        )
    unknown = sorted(short_repr(k) for k in value if k not in PARTS)
    if unknown:
        raise InvalidConfigError(
            f"ranking names unknown weight(s) {', '.join(unknown)}; known: {', '.join(PARTS)}"
        )
    return RankingWeights(**value)


@attrs.frozen(kw_only=True)
class RankingFacts:
    """What a ranker knows besides the action: computed by the engine, "as of now".

    - ``now``: the instant of the evaluation;
    - ``weights``: ``Config.ranking``;
    - ``amount``: the largest ``amount`` among the open deals the action touches (see
      :func:`deal_amount`), ``None`` when none of them has one;
    - ``largest_amount``: the largest ``amount`` among all the actions of the evaluated result
      (the scale of the default ranker's amount part), ``None`` when none has one. A filtered or
      capped result keeps the scale of the result it came from.
    """

    now: datetime
    weights: RankingWeights = attrs.field(factory=RankingWeights)
    amount: float | None = None
    largest_amount: float | None = None


def _parts(value: object) -> FrozenDict[str, float]:
    if not isinstance(value, Mapping):
        raise TypeError(f"score parts must be a mapping of name to number, got {short_repr(value)}")
    parts: dict[str, float] = {}
    for name, number in value.items():
        if type(name) is not str:
            raise TypeError(f"a score part's name must be a str, got {short_repr(name)}")
        problem = _number_problem(number)
        if problem is not None:
            raise ValueError(f"score part {name!r} {problem}, got {short_repr(number)}")
        try:
            parts[name] = float(number)
        except OverflowError:
            raise ValueError(
                f"score part {name!r} is too large, got {short_repr(number)}"
            ) from None
    return FrozenDict(parts)


def _number(value: object) -> float:
    problem = _number_problem(value)
    if problem is not None:
        raise ValueError(f"score total {problem}, got {short_repr(value)}")
    try:
        return float(typing.cast(float, value))
    except OverflowError:
        raise ValueError(f"score total is too large, got {short_repr(value)}") from None


@attrs.frozen
class Score:
    """A ranker's score of one action: ``total`` and the ``parts`` it is the sum of.

    ``parts`` maps a name (``"priority"``, ``"urgency"``…) to a finite number; ``total`` must
    equal their sum (to within rounding): a score that does not add up is a ``ValueError``, so
    the parts a screen shows always explain the total. :meth:`of` adds them up for you.
    """

    total: float = attrs.field(converter=_number)
    parts: Mapping[str, float] = attrs.field(converter=_parts)

    def __attrs_post_init__(self) -> None:
        expected = math.fsum(self.parts.values())
        if not math.isclose(self.total, expected, rel_tol=_SUM_TOLERANCE, abs_tol=_SUM_TOLERANCE):
            raise ValueError(
                f"score total {self.total!r} is not the sum of its parts ({expected!r}): "
                + ", ".join(f"{k} {v!r}" for k, v in self.parts.items())
            )

    @classmethod
    def of(cls, parts: Mapping[str, float]) -> Score:
        """The score whose total is the sum of ``parts``."""
        checked = _parts(parts)
        return cls(sum(checked.values(), 0.0), checked)

    def __str__(self) -> str:
        terms = " + ".join(f"{name} {value:.2f}" for name, value in self.parts.items())
        return f"{self.total:.2f} = {terms}" if terms else f"{self.total:.2f}"


@attrs.frozen
class RankedAction:
    """An action and its score: ``.action`` is the action (its title, subjects, reasons…),
    ``.score`` the :class:`Score`, ``.total`` and ``.parts`` the score's."""

    action: Action
    score: Score

    @property
    def total(self) -> float:
        return self.score.total

    @property
    def parts(self) -> Mapping[str, float]:
        return self.score.parts

    def to_dict(self) -> dict[str, Any]:
        """``{"action": <the action's pinned dict>, "score": {"total": …, "parts": {…}}}``."""
        return {
            "action": self.action.to_dict(),
            "score": {"total": self.total, "parts": dict(self.parts)},
        }


class Ranker(Protocol):
    """Scores one action: ``ranker(action, facts) -> Score``. Any callable of that shape is one:
    a function, or an object with ``__call__``. It must not depend on the other actions (the
    facts carry the scale); it may raise, which :meth:`Result.ranked` reports as a
    :class:`~guided_actions.errors.RankerError` naming it."""

    def __call__(self, action: Action, facts: RankingFacts, /) -> Score: ...


def _nearness(span: timedelta, horizon: timedelta) -> float:
    """1 for a span of 0 (or less), falling linearly to 0 at ``horizon`` and beyond."""
    return min(1.0, max(0.0, 1.0 - span / horizon))


def _amount_share(amount: float | None, largest: float | None) -> float:
    """``amount`` on a log scale relative to ``largest``: ``log(1 + amount) / log(1 + largest)``,
    0 without an amount or a positive scale, at most 1."""
    if amount is None or largest is None or largest <= 0 or amount <= 0:
        return 0.0
    if amount >= largest:
        return 1.0
    # math.log takes ints of any size; +1 keeps an amount of 0 at 0 and the ratio in [0, 1].
    return math.log(amount + 1) / math.log(largest + 1)


def default_ranker(action: Action, facts: RankingFacts) -> Score:
    """The default score: four parts, each between 0 and its weight (``facts.weights``).

    - ``priority``: the rule's priority, high 1, normal 0.5, low 0 (times the weight);
    - ``urgency``: 1 when the action expires now, falling linearly to 0 with
      :data:`URGENCY_HORIZON` (7 days) or more left; 0 for an action with no time limit;
    - ``amount``: the largest amount of the open deals the action touches, on a log scale
      relative to the largest amount among the result's actions (``log(1 + amount) /
      log(1 + largest)``); 0 without one;
    - ``age``: fresh first: 1 for an action created now, falling linearly to 0 at
      :data:`FRESHNESS_HORIZON` (7 days) old.
    """
    weights = facts.weights
    expires = action.expires_at
    urgency = 0.0 if expires is None else _nearness(expires - facts.now, URGENCY_HORIZON)
    return Score.of(
        {
            "priority": weights.priority * PRIORITY_SHARE[action.priority],
            "urgency": weights.urgency * urgency,
            "amount": weights.amount * _amount_share(facts.amount, facts.largest_amount),
            "age": weights.age * _nearness(facts.now - action.created_at, FRESHNESS_HORIZON),
        }
    )


def ranker_name(ranker: object) -> str:
    """How an error names a ranker: ``module.qualname`` of a function, else its class's."""
    named = ranker if hasattr(ranker, "__qualname__") else type(ranker)
    module = getattr(named, "__module__", None)
    qualname = getattr(named, "__qualname__", None)
    if type(qualname) is not str:
        return short_repr(ranker)
    return f"{module}.{qualname}" if type(module) is str else qualname


def _frozen_amounts(value: Mapping[str, float]) -> FrozenDict[str, float]:
    return FrozenDict(value)


@attrs.frozen(kw_only=True)
class RankingData:
    """What the engine attaches to a result for :meth:`Result.ranked`: the weights, each
    action's deal amount by key (only those with one), and the rule set's ranker."""

    weights: RankingWeights = attrs.field(factory=RankingWeights)
    amounts: Mapping[str, float] = attrs.field(factory=dict, converter=_frozen_amounts)
    ranker: Ranker | None = None
    ranker_plugin: str | None = None

    def facts(self, now: datetime) -> Callable[[Action], RankingFacts]:
        """The facts of each action, by the action."""
        largest = max(self.amounts.values(), default=None)
        base = RankingFacts(now=now, weights=self.weights, largest_amount=largest)
        amounts = self.amounts
        return lambda action: (
            attrs.evolve(base, amount=amounts[action.key]) if action.key in amounts else base
        )


class Ranking(tuple[RankedAction, ...]):
    """The ranked actions, best first: a tuple of :class:`RankedAction`, which can be capped
    (:meth:`top`) and collapsed (:meth:`collapse`) like a result."""

    __slots__ = ()

    def top(self, n: int, *, per_category: int | None = None) -> Ranking:
        """The first ``n`` ranked actions, at most ``per_category`` of each category."""
        return Ranking(capped(self, n, per_category, lambda r: r.action.category))

    def collapse(self) -> tuple[Collapsed[RankedAction], ...]:
        """One entry per record, its best-ranked action first (see ``Result.collapse``)."""
        return collapsed(self, lambda r: r.action)


@attrs.frozen
class Collapsed(Generic[T]):
    """One record's entry: its ``best`` action and the ``others`` about it, in order.

    ``subject`` is the record, ``(kind, id)``; a card (an action grouping several records) is an
    entry of its own, with ``subject`` ``None`` and no others.
    """

    subject: Subject | None
    best: T
    others: tuple[T, ...] = ()

    @property
    def actions(self) -> tuple[T, ...]:
        """``best`` then ``others``."""
        return (self.best, *self.others)


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {short_repr(value)}")
    if value < 0:
        raise ValueError(f"{name} must be at least 0, got {value}")
    return value


def capped(
    items: Iterable[T], n: int, per_category: int | None, category_of: Callable[[T], str]
) -> tuple[T, ...]:
    """The first ``n`` items in order, skipping those of a category that already has
    ``per_category`` (when given)."""
    most = _count(n, "n")
    per = None if per_category is None else _count(per_category, "per_category")
    kept: list[T] = []
    seen: dict[str, int] = {}
    for item in items:
        if len(kept) >= most:
            break
        if per is not None:
            category = category_of(item)
            if seen.get(category, 0) >= per:
                continue
            seen[category] = seen.get(category, 0) + 1
        kept.append(item)
    return tuple(kept)


def collapsed(items: Iterable[T], action_of: Callable[[T], Action]) -> tuple[Collapsed[T], ...]:
    """One entry per record, in the order of each entry's first (best) item; the others in
    order. An action about one record joins that record's entry; a card is its own entry."""
    entries: dict[Hashable, list[T]] = {}
    subjects: dict[Hashable, Subject | None] = {}
    for item in items:
        action = action_of(item)
        key: Hashable
        subject: Subject | None
        if action.group is None and len(action.subjects) == 1:
            subject = action.subjects[0]
            key = ("record", subject)
        else:
            subject, key = None, ("card", action.key)
        entries.setdefault(key, []).append(item)
        subjects.setdefault(key, subject)
    return tuple(
        Collapsed(subjects[key], first, tuple(rest)) for key, (first, *rest) in entries.items()
    )


# -- the facts the engine computes --------------------------------------------------------------


def _deals_touched(ctx: RuleContext, subject: Subject) -> Iterable[Deal]:
    """The deals a record touches, as the snapshot holds them: a deal itself; the deals listing
    a contact, or a lead's contact; the deals a meeting, call, task or email lists (none for a
    meeting the viewer sees as busy). :func:`deal_amount` keeps those open at ``now``."""
    kind, rid = subject
    snapshot = ctx.snapshot
    if kind == "contact":
        return snapshot.deals_of_contact(rid)
    if kind == "deal":
        found = snapshot.deal(rid)
        return () if found is None else (found,)
    if kind == "lead":
        lead = snapshot.lead(rid)
        return () if lead is None else snapshot.deals_of_contact(lead.contact_id)
    if kind in ("meeting", "call", "task", "email"):
        record: Meeting | Call | Task | Email | None = getattr(snapshot, kind)(rid)
        if record is None or ctx.busy(record):
            return ()
        return [d for d in map(snapshot.deal, record.deal_ids) if d is not None]
    return ()


def deal_amount(ctx: RuleContext, subjects: Sequence[Subject]) -> float | None:
    """The largest ``amount`` among the open deals an action's subjects touch (see
    :func:`_deals_touched`; a card: all its members'), or ``None`` when none has one. A deal is
    open at ``now`` when it exists by then (``created_at <= now``) and its stage is not closed.

    Called for every action of every evaluation: a deal without an amount is passed over before
    anything else is looked up.
    """
    largest: float | None = None
    for subject in subjects:
        for deal in _deals_touched(ctx, subject):
            amount = deal.amount
            if amount is None or (largest is not None and amount <= largest):
                continue
            if ctx.exists(deal) and not ctx.stage_of(deal)[1]:
                largest = amount
    return largest

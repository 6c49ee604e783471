"""Actions and the evaluation result."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, get_args, overload

import attrs

from guided_actions._engine import display
from guided_actions._engine.ranking import (
    Collapsed,
    RankedAction,
    Ranker,
    Ranking,
    RankingData,
    Score,
    capped,
    collapsed,
    default_ranker,
    ranker_name,
)
from guided_actions._engine.tables import actions_table, to_pandas, to_polars
from guided_actions._model.time import utc_iso
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._text.checks import Check, Ref
from guided_actions._text.i18n import N_, SOURCE_LOCALE, resolve_locale, translate
from guided_actions._text.render import format_instant, format_value, render_check, render_template
from guided_actions.errors import RankerError, short_repr
from guided_actions.typing import Category, Priority, Subject, SubjectKind

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    import pyarrow as pa  # type: ignore[import-untyped]

__all__ = [
    "ALL_ACTIONS",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "PRIORITY_LABELS",
    "Action",
    "Result",
    "RuleFailure",
]

#: The categories of actions, in the order of their declaration (and of the workspace's views).
CATEGORIES: tuple[Category, ...] = get_args(Category)
PRIORITY_RANK: dict[str, int] = {"high": 0, "normal": 1, "low": 2}
#: What a reader is shown for each category (message context ``"category"``; the product's
#: views: "deal-associated", "prospecting-associated"), and for all of them.
CATEGORY_LABELS: dict[Category, str] = {
    "deal": "Deal",
    "prospecting": "Prospecting",
    "general": "General",
}
ALL_ACTIONS = "All actions"
#: What a reader is shown for each priority (messages, no context).
PRIORITY_LABELS: dict[Priority, str] = {
    "high": N_("high priority"),
    "normal": N_("normal priority"),
    "low": N_("low priority"),
}
#: The lines of :meth:`Action.explain`, each a message.
_EXPLAIN_HEAD = N_("{title} [{rule}; {category}, {priority}]")
_EXPLAIN_FOR = N_("for user {user}, about {subjects}")
_EXPLAIN_WINDOW = N_("active from {start} until {end}")
_NO_TIME_LIMIT = N_("no time limit")
_EXPLAIN_ASSOCIATED = N_("associated with {records}")
_EXPLAIN_BECAUSE = N_("because:")
_EXPLAIN_KEY = N_("key: {key}")


def _utc(instant: datetime, lang: str) -> str:
    """An instant in UTC: ISO 8601 in English (as ``to_dict`` writes it), else the language's
    date and time."""
    if lang == SOURCE_LOCALE:
        return utc_iso(instant)
    return format_instant(instant.astimezone(UTC), lang)


@attrs.frozen(kw_only=True, repr=False)
class Action:
    """A guided action: what to do next, about which records, since when, until when, and why.

    ``checks`` are the rule's criteria as evaluated (structured: criterion id, met, the data
    that decided it); ``reasons`` is their text, rendered when asked. ``members`` holds the
    individual actions merged into a grouped card (empty otherwise); ``group`` names the card
    (the sequence and step, the local date, ``"all"``). ``calls_to_action`` are the links the
    card offers, its rule's declared ones, the queue of the work first.
    """

    key: str
    rule: str
    title: str
    category: Category
    priority: Priority
    user_id: str
    subjects: tuple[Subject, ...]
    created_at: datetime
    expires_at: datetime | None
    contact_ids: tuple[str, ...]
    company_ids: tuple[str, ...]
    checks: tuple[Check, ...]
    group: str | None = None
    members: tuple[Action, ...] = ()
    calls_to_action: tuple[CallToAction, ...] = ()

    def __repr__(self) -> str:
        return display.action_repr(self)

    def _repr_html_(self) -> str:
        """The notebook's display: a row per attribute, the reasons folded."""
        return display.action_html(self)

    @property
    def reasons(self) -> tuple[str, ...]:
        """The text of each check, in order, each text once (in English)."""
        return tuple(dict.fromkeys(render_check(c) for c in self.checks))

    def localized_reasons(self, locale: str | None = SOURCE_LOCALE) -> tuple[str, ...]:
        """:attr:`reasons` in ``locale``'s language (English for one the library does not
        ship)."""
        return tuple(dict.fromkeys(render_check(c, locale) for c in self.checks))

    def localized_title(self, locale: str | None = SOURCE_LOCALE) -> str:
        """The rule's title in ``locale``'s language; :attr:`title` stays the English one."""
        return translate(locale, self.title)

    @property
    def grouped(self) -> bool:
        """True for a card merging several subjects' actions."""
        return self.group is not None

    def active_at(self, instant: datetime) -> bool:
        """``created_at <= instant < expires_at``: the action's own time window."""
        return self.created_at <= instant and (self.expires_at is None or instant < self.expires_at)

    def about(self, kind: SubjectKind, record_id: str) -> bool:
        """True when the action is about that record."""
        return (kind, record_id) in self.subjects

    def explain(self, locale: str | None = SOURCE_LOCALE) -> str:
        """A human-readable account: the action, its window, and each criterion that was met,
        in ``locale``'s language (the rule and category ids and the key stay as they are)."""
        lang = resolve_locale(locale)

        def line(template: str, **params: object) -> str:
            return render_template(template, params, lang)

        # The subjects and associations are records without a detail: "contact c1, deal d2".
        subjects = format_value(tuple(Ref(kind, rid) for kind, rid in self.subjects), lang)
        until = _utc(self.expires_at, lang) if self.expires_at else line(_NO_TIME_LIMIT)
        lines = [
            line(
                _EXPLAIN_HEAD,
                title=self.localized_title(lang),
                rule=self.rule,
                category=self.category,
                priority=line(PRIORITY_LABELS[self.priority]),
            ),
            "  " + line(_EXPLAIN_FOR, user=self.user_id, subjects=subjects),
            "  " + line(_EXPLAIN_WINDOW, start=_utc(self.created_at, lang), end=until),
        ]
        if self.contact_ids or self.company_ids:
            records = (
                *(Ref("contact", c) for c in self.contact_ids),
                *(Ref("company", c) for c in self.company_ids),
            )
            lines.append("  " + line(_EXPLAIN_ASSOCIATED, records=format_value(records, lang)))
        lines.append("  " + line(_EXPLAIN_BECAUSE))
        lines.extend(f"    - {reason}" for reason in self.localized_reasons(lang))
        lines.append("  " + line(_EXPLAIN_KEY, key=self.key))
        return "\n".join(lines)

    def to_dict(self, locale: str | None = SOURCE_LOCALE) -> dict[str, Any]:
        """The pinned plain-dict form (SPEC §2, extended by §11 with ``priority`` and
        ``calls_to_action``): JSON-serialisable, instants in UTC. ``locale`` translates the
        texts (``title``, ``reasons``, the calls to action's ``label``); keys, ids and every
        other value are the same in every language."""
        lang = resolve_locale(locale)
        if lang != SOURCE_LOCALE:
            return {
                **self.to_dict(),
                "title": self.localized_title(lang),
                "reasons": list(self.localized_reasons(lang)),
                "calls_to_action": [
                    {**c.to_dict(), "label": translate(lang, c.label)} for c in self.calls_to_action
                ],
            }
        return {
            "key": self.key,
            "rule": self.rule,
            "title": self.title,
            "category": self.category,
            "priority": self.priority,
            "user_id": self.user_id,
            "subjects": [{"kind": kind, "id": rid} for kind, rid in self.subjects],
            "created_at": utc_iso(self.created_at),
            "expires_at": utc_iso(self.expires_at) if self.expires_at else None,
            "contact_ids": list(self.contact_ids),
            "company_ids": list(self.company_ids),
            "reasons": list(self.reasons),
            "calls_to_action": [c.to_dict() for c in self.calls_to_action],
        }

    def sort_key(self) -> tuple[int, int, datetime, datetime, str]:
        """SPEC §6 order: priority, expiry (soonest first, none last), creation, key."""
        expires = self.expires_at
        return (
            PRIORITY_RANK[self.priority],
            0 if expires is not None else 1,
            expires if expires is not None else self.created_at,
            self.created_at,
            self.key,
        )


_new = object.__new__
(
    _set_key,
    _set_rule,
    _set_title,
    _set_category,
    _set_priority,
    _set_user_id,
    _set_subjects,
    _set_created_at,
    _set_expires_at,
    _set_contact_ids,
    _set_company_ids,
    _set_checks,
    _set_group,
    _set_members,
    _set_calls_to_action,
) = (Action.__dict__[f.name].__set__ for f in attrs.fields(Action))


def make_action(
    key: str,
    rule: str,
    title: str,
    category: Category,
    priority: Priority,
    user_id: str,
    subjects: tuple[Subject, ...],
    created_at: datetime,
    expires_at: datetime | None,
    contact_ids: tuple[str, ...],
    company_ids: tuple[str, ...],
    checks: tuple[Check, ...],
    calls_to_action: tuple[CallToAction, ...],
) -> Action:
    """An ungrouped :class:`Action` of these fields, equal to ``Action(key=key, ...)``, made
    without the frozen class's ``__setattr__`` guard: the engine makes one per proposal kept,
    hundreds of thousands in a batch."""
    action = _new(Action)
    _set_key(action, key)
    _set_rule(action, rule)
    _set_title(action, title)
    _set_category(action, category)
    _set_priority(action, priority)
    _set_user_id(action, user_id)
    _set_subjects(action, subjects)
    _set_created_at(action, created_at)
    _set_expires_at(action, expires_at)
    _set_contact_ids(action, contact_ids)
    _set_company_ids(action, company_ids)
    _set_checks(action, checks)
    _set_group(action, None)
    _set_members(action, ())
    _set_calls_to_action(action, calls_to_action)
    return action


#: How long the description of a rule's exception may be: a message is read on one line.
FAILURE_TEXT_LIMIT = 300


def describe_exception(exc: BaseException) -> str:
    """``"<type>: <message>"`` of an exception a rule or a plugin raised, for a failure message:
    never raises (an exception whose ``__str__`` raises is described by its type) and is at
    most :data:`FAILURE_TEXT_LIMIT` characters."""
    kind = type(exc).__name__
    try:
        message = str(exc)
    except Exception:
        message = "<its message cannot be shown: str() raised>"
    if type(message) is not str:  # a __str__ returning a str subclass
        message = "<its message cannot be shown>"
    text = f"{kind}: {message}" if message else kind
    return text if len(text) <= FAILURE_TEXT_LIMIT else text[: FAILURE_TEXT_LIMIT - 1] + "…"


@attrs.frozen(kw_only=True, eq=False)
class RuleFailure:
    """A rule that raised or returned something invalid; the other rules' actions still count."""

    rule_id: str
    message: str
    exception: BaseException | None = None
    plugin: str | None = None

    def __str__(self) -> str:
        origin = f" (plugin {self.plugin!r})" if self.plugin else ""
        return f"rule {self.rule_id!r}{origin} failed: {self.message}"


def _dropped() -> None:
    """What an :class:`Origin` unpickles as: nothing (a result travels without its snapshot)."""
    return None


@attrs.frozen(eq=False, repr=False)
class Origin:
    """What a result was evaluated from, for :func:`~guided_actions.diff`: the snapshot, the
    user, whether meetings were private to the viewer, and the prepared rules. Never pickled: a
    result comes back from a pickle without it."""

    snapshot: Any
    user: Any
    private: bool
    prepared: Any

    def __reduce__(self) -> tuple[Any, ...]:
        return (_dropped, ())


def _known_change(known: tuple[datetime | None, ...]) -> NextChange:
    """What a :class:`NextChange` unpickles as: its value if it was computed, and no way to
    compute it (a result travels without its snapshot)."""
    change = NextChange(None)
    change._known = known
    return change


class NextChange:
    """``Result.next_change_at``, computed on first use by ``compute`` (the engine's) and kept."""

    __slots__ = ("_compute", "_known")

    def __init__(self, compute: Callable[[], datetime | None] | None) -> None:
        self._compute = compute
        self._known: tuple[datetime | None, ...] = ()

    def get(self) -> datetime | None:
        if not self._known:
            if self._compute is None:
                raise ValueError(
                    "this result does not know its next change: it was not made by evaluate, "
                    "or was pickled before next_change_at was read"
                )
            self._known = (self._compute(),)
        return self._known[0]

    def __reduce__(self) -> tuple[Any, ...]:
        return (_known_change, (self._known,))


@attrs.frozen(kw_only=True, repr=False)
class Result:
    """The ordered guided actions of one user at one instant.

    Iterates in SPEC §6 order; ``errors`` lists rules that failed (see ``strict``).
    :meth:`ranked`, :meth:`top` and :meth:`collapse` shape it for a small screen.
    """

    user_id: str
    now: datetime
    actions: tuple[Action, ...]
    errors: tuple[RuleFailure, ...] = ()
    #: What :meth:`ranked` reads, attached by the engine (weights, deal amounts, the rule set's
    #: ranker); kept by :meth:`filter`, :meth:`top`…, and not part of equality.
    _ranking: RankingData | None = attrs.field(default=None, eq=False, repr=False, alias="_ranking")
    #: What the result was evaluated from (:class:`Origin`), for ``diff``; not part of equality,
    #: the repr or a pickle.
    _origin: Origin | None = attrs.field(default=None, eq=False, repr=False, alias="_origin")
    #: How the engine computes :attr:`next_change_at`, and its value once computed (shared by
    #: the results :meth:`filter`, :meth:`top`… make, and kept by a pickle); not part of
    #: equality.
    _next_change: NextChange = attrs.field(
        factory=lambda: NextChange(None), eq=False, repr=False, alias="_next_change"
    )

    @property
    def next_change_at(self) -> datetime | None:
        """When to look again: the earliest instant after :attr:`now` at which
        :func:`~guided_actions.evaluate` with the same snapshot, user, viewer, config and rules
        gives other actions (an action appears or expires, a card gains or loses a member, a
        local day's card rolls over, a dismissal or a snooze ends), in UTC; ``None`` when time
        alone changes nothing (up to the last instant ``evaluate`` accepts, the end of year
        9998).

        Exact for the built-in rules: the actions are the same at every instant from
        :attr:`now` up to it, and differ at it. It is computed on first use (the rules run once
        more, looking ahead) and kept; it belongs to the whole evaluation, so the results of
        :meth:`filter` and :meth:`top` give the same. It is not part of equality: two results
        of the same inputs have the same. A result made by hand, or unpickled before it was
        computed, does not know it: :class:`ValueError`.
        """
        return self._next_change.get()

    def __iter__(self) -> Iterator[Action]:
        return iter(self.actions)

    def __len__(self) -> int:
        return len(self.actions)

    def __repr__(self) -> str:
        return display.result_repr(self)

    def _repr_html_(self) -> str:
        """The notebook's display: a row per action (the first
        :data:`~guided_actions._engine.display.HTML_ROWS`), the reasons folded."""
        return display.result_html(self)

    @overload
    def __getitem__(self, index: int) -> Action: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Action, ...]: ...
    def __getitem__(self, index: int | slice) -> Action | tuple[Action, ...]:
        return self.actions[index]

    def filter(self, *, category: Category | None = None, rule: str | None = None) -> Result:
        """The actions of one category (``"deal"``, ``"prospecting"``, ``"general"``) or rule."""
        if category is not None and category not in CATEGORIES:
            *first, last = map(repr, CATEGORIES)
            raise ValueError(
                f"unknown category {short_repr(category)}; expected {', '.join(first)} or {last}"
            )
        kept = tuple(
            a
            for a in self.actions
            if (category is None or a.category == category) and (rule is None or a.rule == rule)
        )
        return attrs.evolve(self, actions=kept)

    def about(self, kind: SubjectKind, record_id: str) -> Result:
        """The actions about one record (grouped cards included when it is a member)."""
        return attrs.evolve(
            self, actions=tuple(a for a in self.actions if a.about(kind, record_id))
        )

    def get(self, key: str) -> Action | None:
        """The action with that key, if active."""
        return next((a for a in self.actions if a.key == key), None)

    def to_dicts(self, locale: str | None = SOURCE_LOCALE) -> list[dict[str, Any]]:
        """Every action as its pinned plain dict, in order, its texts in ``locale``'s language
        (see :meth:`Action.to_dict`)."""
        return [a.to_dict(locale) for a in self.actions]

    def to_arrow(self, locale: str | None = SOURCE_LOCALE) -> pa.Table:
        """The tidy table of the actions, one row per action, in order: the columns of
        :data:`~guided_actions._engine.tables.ACTION_COLUMNS` (``docs/reference/frames.md``),
        texts in ``locale``'s language. Needs pyarrow (``guided-actions[frames]``)."""
        return actions_table(self.actions, locale, "Result.to_arrow()")

    def to_pandas(self, locale: str | None = SOURCE_LOCALE) -> pd.DataFrame:
        """:meth:`to_arrow` as a pandas ``DataFrame``: instants ``datetime64[us, UTC]``, texts
        ``string[pyarrow]``, lists Arrow-backed. Needs pyarrow and pandas."""
        purpose = "Result.to_pandas()"
        return to_pandas(actions_table(self.actions, locale, purpose), purpose)

    def to_polars(self, locale: str | None = SOURCE_LOCALE) -> pl.DataFrame:
        """:meth:`to_arrow` as a polars ``DataFrame``. Needs pyarrow and polars."""
        purpose = "Result.to_polars()"
        return to_polars(actions_table(self.actions, locale, purpose), purpose)

    def ranked(self, ranker: Ranker | None = None) -> Ranking:
        """The actions scored by ``ranker``, highest score first; equal scores keep SPEC §6
        order. Without ``ranker``: the rule set's (a plugin's ``guided_actions_ranker``), else
        :func:`~guided_actions.default_ranker`. A ranker that raises or returns something
        other than a :class:`~guided_actions.Score` is a
        :class:`~guided_actions.errors.RankerError` naming it."""
        data = self._ranking if self._ranking is not None else RankingData()
        plugin = None
        if ranker is None:
            ranker, plugin = data.ranker, data.ranker_plugin
        if ranker is None:
            ranker = default_ranker
        elif not callable(ranker):
            raise TypeError(f"ranker must be a callable, got {short_repr(ranker)}")
        facts_of = data.facts(self.now)
        scored = []
        for action in self.actions:
            try:
                score: object = ranker(action, facts_of(action))
            except Exception as exc:
                raise RankerError(
                    ranker_name(ranker), f"raised {describe_exception(exc)}", plugin
                ) from exc
            if type(score) is not Score:
                raise RankerError(
                    ranker_name(ranker),
                    f"returned {short_repr(score)} for action {action.key!r}, not a Score",
                    plugin,
                )
            scored.append(RankedAction(action, score))
        return Ranking(sorted(scored, key=lambda r: -r.total))

    def top(self, n: int, *, per_category: int | None = None) -> Result:
        """The first ``n`` actions, in order, at most ``per_category`` of each category when
        given; ``n`` and ``per_category`` are integers of at least 0."""
        return attrs.evolve(
            self, actions=capped(self.actions, n, per_category, lambda a: a.category)
        )

    def count_by_category(self) -> dict[Category, int]:
        """How many actions each category has (every category, in declaration order): the
        "View all (N)" of a capped screen."""
        counts = dict.fromkeys(CATEGORIES, 0)
        for action in self.actions:
            counts[action.category] += 1
        return counts

    def collapse(self) -> tuple[Collapsed[Action], ...]:
        """One entry per record: the first action about it, in order, and the others about it
        attached (``others``, in order); entries in the order of their first action. A card is
        an entry of its own (``subject`` ``None``)."""
        return collapsed(self.actions, lambda a: a)

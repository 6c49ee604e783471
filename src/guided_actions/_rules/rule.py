"""The rule base class and what a rule returns.

A rule is a frozen attrs class. Its identity (id, title, category, priority, subject kind, grouping,
criteria, calls to action) is declared as class data; its thresholds are attrs fields with defaults,
so that ``config`` can change them (``attrs.evolve``) and the docs and ``guided-actions rules`` can
render them. ``propose(ctx)`` yields a :class:`Proposal` per subject it considers: the checks of its
criteria and the window the action would have. The engine keeps, for ``evaluate``, the proposals
whose conditions hold and whose window is open at ``now`` (``created_at <= now < expires_at``),
builds keys and associations, groups, applies dismissals and orders; ``explain`` reads the same
proposals to say why a record has no action, or when it will have one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar, get_args

import attrs

from guided_actions._model.time import duration_problem
from guided_actions._rules.call_to_action import CallToAction, call_to_action_problem
from guided_actions._rules.context import RuleContext, in_window
from guided_actions._text.checks import Check, Criterion
from guided_actions._text.i18n import SOURCE_LOCALE, translate
from guided_actions.errors import short_repr
from guided_actions.typing import SUBJECT_KINDS, Category, Priority, Subject, SubjectKind

__all__ = ["TEXT", "Proposal", "Rule", "rule_problem", "threshold"]

#: The criterion of a reason a plugin rule gives as plain text (its text is the parameter).
TEXT = Criterion("text", met="{text}", unmet="{text}")


@attrs.frozen(kw_only=True)
class Proposal:
    """One subject a rule considered: its checks and the window its action would have.

    ``checks`` are the rule's criteria evaluated for the subject (at least one). The proposal is
    an action at ``now`` when every check of role ``condition`` holds and ``created_at <= now <
    expires_at``; before ``created_at`` it is pending, from ``expires_at`` on it has expired.
    ``created_at`` is ``None`` only when a condition fails and no window can be derived (no reply
    to date an action from, say). ``group`` names the card the proposal joins when its rule
    groups (``None``: the rule's single card).

    The window is also how ``Result.next_change_at`` learns when the action appears and goes:
    a proposal should depend on ``now`` only through its window and its checks of role
    ``wait`` and ``limit`` (see :class:`Rule`).
    """

    subject: Subject
    created_at: datetime | None
    expires_at: datetime | None
    checks: tuple[Check, ...]
    group: str | None = None

    @property
    def conditions_met(self) -> bool:
        """Every check of role ``condition`` holds (waits and limits are the window's)."""
        return all(c.met or c.criterion.role != "condition" for c in self.checks)


def _positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    problem = duration_problem(value)
    if problem is not None:
        error = TypeError if not isinstance(value, timedelta) else ValueError
        raise error(f"threshold {attribute.name!r} {problem}")


def threshold(default: timedelta, doc: str) -> Any:
    """Declare a rule threshold: a ``timedelta`` field with a one-line description, greater than
    zero and at most :data:`~guided_actions._model.time.MAX_DURATION` (36,525 days)."""
    return attrs.field(default=default, validator=_positive, metadata={"doc": doc})


@attrs.frozen
class Rule:
    """Base class of every rule, built-in or from a plugin.

    Subclasses set the class data below, declare thresholds with :func:`threshold`, and implement
    :meth:`propose`. The class docstring is the rule's specification in the docs.

    For ``Result.next_change_at`` to be exact, a rule reads the snapshot only through its
    context (which notes what is stamped after ``now``), says how time matters through its
    proposals' windows and its ``wait`` and ``limit`` criteria, skips subjects with
    ``ctx.wants`` (which keeps pending ones while the engine looks ahead,
    ``ctx.looking_ahead``), and calls ``ctx.revisit_at(instant)`` wherever it compares an
    instant with ``ctx.now`` itself. A rule that does not still evaluates as before, but the
    engine does not see its actions coming.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    category: ClassVar[Category]
    priority: ClassVar[Priority]
    subject_kind: ClassVar[SubjectKind]
    #: True when the rule merges its actions into cards by default (``config`` can override).
    grouped: ClassVar[bool] = False
    #: How the cards are formed, for the docs: "all in one card", "per sequence and step"…
    grouping: ClassVar[str] = "one action per subject"
    #: The ``created_at`` column of the rule table, for the docs.
    created_at_doc: ClassVar[str] = ""
    #: The expiry column of the rule table, for the docs.
    expires_doc: ClassVar[str] = ""
    #: The criteria the rule evaluates, in the order it lists them: its specification as data.
    criteria: ClassVar[tuple[Criterion, ...]] = ()
    #: The links its cards offer, the queue of the work first (the contract refuses a queue link
    #: after a records link): ids unique within the rule.
    calls_to_action: ClassVar[tuple[CallToAction, ...]] = ()

    def propose(self, ctx: RuleContext) -> Iterable[Proposal]:
        """Yield a proposal for every subject whose criteria hold at ``ctx.now`` (and, while
        ``ctx.looking_ahead``, for those whose window is still to open)."""
        raise NotImplementedError

    @classmethod
    def localized_title(cls, locale: str | None = SOURCE_LOCALE) -> str:
        """The title in ``locale``'s language, from the library's catalogues or the plugin's
        (``title`` stays the English one, the message id)."""
        return translate(locale, cls.title)

    def thresholds(self) -> dict[str, timedelta]:
        """The rule's thresholds, by name (its attrs fields)."""
        return {f.name: getattr(self, f.name) for f in attrs.fields(type(self))}

    @classmethod
    def threshold_docs(cls) -> dict[str, str]:
        """One line per threshold, for the docs."""
        return {f.name: str(f.metadata.get("doc", "")) for f in attrs.fields(cls)}

    @staticmethod
    def active_at(now: datetime, created_at: datetime, expires_at: datetime | None) -> bool:
        """``created_at <= now < expires_at``: the engine's time window (one implementation,
        :func:`~guided_actions._rules.context.in_window`, which ``ctx.wants`` applies too)."""
        return in_window(now, created_at, expires_at)

    def proposal(
        self,
        subject_id: str,
        *,
        created_at: datetime | None,
        expires_at: datetime | None,
        checks: Iterable[Check | str] = (),
        reasons: Iterable[Check | str] = (),
        group: str | None = None,
    ) -> Proposal:
        """A proposal about ``(self.subject_kind, subject_id)``.

        ``checks`` are :class:`~guided_actions.criteria.Check` values; a plain string is
        accepted as a reason of its own (criterion ``text``, always met) for plugin rules that
        have no criteria of their own yet. ``reasons`` is the name this argument had before
        criteria were data; it is still accepted, and adds to ``checks``.
        """
        if type(checks) is tuple and not reasons and all(type(c) is Check for c in checks):
            # The usual case: the tuple of checks ``ctx.criteria`` gives, kept as it is.
            made: tuple[Check, ...] = checks
        else:
            made = tuple(
                c if isinstance(c, Check) else TEXT.check(True, text=str(c))
                for c in (*checks, *reasons)
            )
        return Proposal(
            subject=(self.subject_kind, subject_id),
            created_at=created_at,
            expires_at=expires_at,
            checks=made,
            group=group,
        )


#: A rule id: it starts every action key (``"<id>:<digest>"``, read back up to the first colon),
#: names the rule in ``Config`` and on the command line.
RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")

#: The class data of the Rule contract: each name, and what its value must be.
_ONE_OF: dict[str, tuple[str, ...]] = {
    "category": get_args(Category),
    "priority": get_args(Priority),
    "subject_kind": SUBJECT_KINDS,
}
_TEXTS = ("grouping", "created_at_doc", "expires_doc")


def _expectation(name: str, value: object) -> str | None:
    """What one attribute of the Rule contract must be, when ``value`` is not that."""
    if name == "id":
        if type(value) is str and RULE_ID.fullmatch(value):
            return None
        return "1 to 100 ASCII letters, digits, '_', '.' or '-', starting with a letter or digit"
    if name == "title":
        if type(value) is str and value.strip() and value.isprintable():
            return None
        return "a non-empty, printable, one-line str"
    if name in _ONE_OF:
        allowed = _ONE_OF[name]
        if type(value) is str and value in allowed:
            return None
        return "one of " + ", ".join(map(repr, allowed))
    if name == "grouped":
        return None if type(value) is bool else "True or False"
    if name == "criteria":
        if type(value) is tuple and all(isinstance(c, Criterion) for c in value):
            return None
        return "a tuple of Criterion"
    if name == "calls_to_action":
        return _calls_to_action_expectation(value)
    return None if type(value) is str else "a str"


def _calls_to_action_expectation(value: object) -> str | None:
    """What ``calls_to_action`` must be, with the first item that is not that, or ``None``."""
    expected = "a tuple of CallToAction with unique ids"
    if type(value) is not tuple:
        return expected
    seen: set[str] = set()
    records_from: int | None = None
    for i, item in enumerate(value):
        problem = call_to_action_problem(item)
        if problem is None and item.id in seen:
            problem = f"id {item.id!r} is declared twice"
        if problem is None and item.opens == "records" and records_from is None:
            records_from = i
        if problem is None and item.opens == "queue" and records_from is not None:
            problem = (
                "a link that opens the queue comes before those that open records "
                f"(item {records_from})"
            )
        if problem is not None:
            return f"{expected} (item {i}: {problem})"
        seen.add(item.id)
    return None


def rule_problem(rule: Rule | type[Rule]) -> str | None:
    """What makes a rule class (or instance) break the Rule contract, or ``None``.

    The one check of every way rules reach the engine (``load_rules``, ``RuleSet``,
    ``evaluate(rules=...)``): its class data have their declared types and values, it
    implements :meth:`Rule.propose`, and, for an instance, every threshold is a duration
    within bounds. The message names the class, the attribute and the value.
    """
    cls = rule if isinstance(rule, type) else type(rule)
    if not (isinstance(cls, type) and issubclass(cls, Rule)):
        return f"{short_repr(rule)} is not a Rule subclass"
    name = cls.__name__
    for attribute in ("id", "title", *_ONE_OF, "grouped", *_TEXTS, "criteria", "calls_to_action"):
        try:
            value = getattr(rule, attribute)
        except AttributeError:
            return f"rule class {name}: attribute {attribute!r} is not declared"
        except Exception as exc:  # a property that raises, say
            return f"rule class {name}: reading attribute {attribute!r} raised {type(exc).__name__}"
        expected = _expectation(attribute, value)
        if expected is not None:
            return (
                f"rule class {name}: attribute {attribute!r} must be {expected}, "
                f"got {short_repr(value)}"
            )
    if not callable(getattr(cls, "propose", None)) or cls.propose is Rule.propose:
        return f"rule class {name}: it does not implement propose(ctx)"
    for field in attrs.fields(cls):
        doc = field.metadata.get("doc", "")
        if type(doc) is not str:
            return f"rule class {name}: threshold {field.name!r} has a doc that is not a str"
    if not isinstance(rule, type):
        for field in attrs.fields(cls):
            problem = duration_problem(getattr(rule, field.name))
            if problem is not None:
                return f"rule class {name}: threshold {field.name!r} {problem}"
    return None

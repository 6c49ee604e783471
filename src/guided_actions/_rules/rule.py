"""The rule base class and what a rule returns.

A rule is a frozen attrs class. Its identity (id, title, category, priority, subject kind,
grouping, criteria) is declared as class data; its thresholds are attrs fields with defaults, so
that ``config`` can change them (``attrs.evolve``) and the docs and ``guided-actions rules`` can
render them. ``propose(ctx)`` yields a :class:`Proposal` per subject it considers: the checks of
its criteria and the window the action would have. The engine keeps, for ``evaluate``, the
proposals whose conditions hold and whose window is open at ``now`` (``created_at <= now <
expires_at``), builds keys and associations, groups, applies dismissals and orders; ``explain``
reads the same proposals to say why a record has no action, or when it will have one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar

import attrs

from guided_actions._rules.context import RuleContext, in_window
from guided_actions._text.checks import Check, Criterion
from guided_actions.typing import Category, Priority, Subject, SubjectKind

__all__ = ["TEXT", "Proposal", "Rule", "threshold"]

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
    """

    subject: Subject
    created_at: datetime | None
    expires_at: datetime | None
    checks: tuple[Check, ...]
    group: str | None = None

    @property
    def conditions_met(self) -> bool:
        """Every check of role ``condition`` holds (waits and limits are the window's)."""
        return all(c.met for c in self.checks if c.role == "condition")


def _positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta):
        raise TypeError(f"threshold {attribute.name!r} must be a timedelta, got {value!r}")
    if value <= timedelta(0):
        raise ValueError(f"threshold {attribute.name!r} must be positive, got {value!r}")


def threshold(default: timedelta, doc: str) -> Any:
    """Declare a rule threshold: a positive ``timedelta`` field with a one-line description."""
    return attrs.field(default=default, validator=_positive, metadata={"doc": doc})


@attrs.frozen
class Rule:
    """Base class of every rule, built-in or from a plugin.

    Subclasses set the class data below, declare thresholds with :func:`threshold`, and implement
    :meth:`propose`. The class docstring is the rule's specification in the docs.
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

    def propose(self, ctx: RuleContext) -> Iterable[Proposal]:
        """Yield a proposal for every subject whose criteria hold at ``ctx.now``."""
        raise NotImplementedError

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
        given = (*checks, *reasons)
        return Proposal(
            subject=(self.subject_kind, subject_id),
            created_at=created_at,
            expires_at=expires_at,
            checks=tuple(
                c if isinstance(c, Check) else TEXT.check(True, text=str(c)) for c in given
            ),
            group=group,
        )

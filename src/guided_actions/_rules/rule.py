"""The rule base class and what a rule returns.

A rule is a frozen attrs class. Its identity (id, title, category, priority, subject kind,
grouping) is declared as class data; its thresholds are attrs fields with defaults, so that
``config`` can change them (``attrs.evolve``) and the docs and ``guided-actions rules`` can render
them. ``propose(ctx)`` yields a :class:`Proposal` for every subject whose criteria hold at
``ctx.now``; the engine keeps those active at ``now`` (``created_at <= now < expires_at``), builds
keys and associations, groups, applies dismissals and orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar

import attrs

from guided_actions._rules.context import RuleContext
from guided_actions._rules.criteria import Check
from guided_actions.typing import Category, Priority, Subject, SubjectKind

__all__ = ["Proposal", "Rule", "threshold"]


@attrs.frozen(kw_only=True)
class Proposal:
    """One candidate action proposed by a rule, before the engine keeps, groups and orders it.

    ``group`` names the card the proposal joins when its rule groups (``None``: the rule's single
    card). ``reasons`` says, criterion by criterion, why the rule fired; at least one, each a
    string or a :class:`~guided_actions.criteria.Check` (turned into text only for the proposals
    that become actions).
    """

    subject: Subject
    created_at: datetime
    expires_at: datetime | None
    reasons: tuple[str | Check, ...]
    group: str | None = None


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
        """``created_at <= now < expires_at``: the engine's time window, for rules to test first.

        The engine drops a proposal outside its window anyway; a rule that knows its window
        before checking its criteria calls this to skip the subject early, which keeps the cost
        of a rule proportional to what can still be an action.
        """
        return created_at <= now and (expires_at is None or now < expires_at)

    def proposal(
        self,
        subject_id: str,
        *,
        created_at: datetime,
        expires_at: datetime | None,
        reasons: Iterable[object],
        group: str | None = None,
    ) -> Proposal:
        """A proposal about ``(self.subject_kind, subject_id)``; reasons are text or checks."""
        return Proposal(
            subject=(self.subject_kind, subject_id),
            created_at=created_at,
            expires_at=expires_at,
            reasons=tuple(r if isinstance(r, Check) else str(r) for r in reasons),
            group=group,
        )

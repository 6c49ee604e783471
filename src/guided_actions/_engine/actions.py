"""Actions and the evaluation result."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, get_args, overload

import attrs

from guided_actions._model.time import utc_iso
from guided_actions._text.checks import Check
from guided_actions._text.render import render_check
from guided_actions.errors import short_repr
from guided_actions.typing import Category, Priority, Subject, SubjectKind

__all__ = ["CATEGORIES", "Action", "Result", "RuleFailure"]

#: The categories of actions, in the order of their declaration (and of the workspace's views).
CATEGORIES: tuple[Category, ...] = get_args(Category)
PRIORITY_RANK: dict[str, int] = {"high": 0, "normal": 1, "low": 2}


@attrs.frozen(kw_only=True)
class Action:
    """A guided action: what to do next, about which records, since when, until when, and why.

    ``checks`` are the rule's criteria as evaluated (structured: criterion id, met, the data
    that decided it); ``reasons`` is their text, rendered when asked. ``members`` holds the
    individual actions merged into a grouped card (empty otherwise); ``group`` names the card
    (the sequence and step, the local date, ``"all"``).
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

    @property
    def reasons(self) -> tuple[str, ...]:
        """The text of each check, in order, each text once."""
        return tuple(dict.fromkeys(render_check(c) for c in self.checks))

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

    def explain(self) -> str:
        """A human-readable account: the action, its window, and each criterion that was met."""
        subjects = ", ".join(f"{kind} {rid}" for kind, rid in self.subjects)
        until = utc_iso(self.expires_at) if self.expires_at else "no time limit"
        lines = [
            f"{self.title} [{self.rule}; {self.category}, {self.priority} priority]",
            f"  for user {self.user_id}, about {subjects}",
            f"  active from {utc_iso(self.created_at)} until {until}",
        ]
        if self.contact_ids or self.company_ids:
            lines.append(
                "  associated with "
                + ", ".join(
                    [
                        *(f"contact {c}" for c in self.contact_ids),
                        *(f"company {c}" for c in self.company_ids),
                    ]
                )
            )
        lines.append("  because:")
        lines.extend(f"    - {reason}" for reason in self.reasons)
        lines.append(f"  key: {self.key}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The pinned plain-dict form (SPEC §2): JSON-serialisable, instants in UTC."""
        return {
            "key": self.key,
            "rule": self.rule,
            "title": self.title,
            "category": self.category,
            "user_id": self.user_id,
            "subjects": [{"kind": kind, "id": rid} for kind, rid in self.subjects],
            "created_at": utc_iso(self.created_at),
            "expires_at": utc_iso(self.expires_at) if self.expires_at else None,
            "contact_ids": list(self.contact_ids),
            "company_ids": list(self.company_ids),
            "reasons": list(self.reasons),
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


@attrs.frozen(kw_only=True)
class Result:
    """The ordered guided actions of one user at one instant.

    Iterates in SPEC §6 order; ``errors`` lists rules that failed (see ``strict``).
    """

    user_id: str
    now: datetime
    actions: tuple[Action, ...]
    errors: tuple[RuleFailure, ...] = ()

    def __iter__(self) -> Iterator[Action]:
        return iter(self.actions)

    def __len__(self) -> int:
        return len(self.actions)

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

    def to_dicts(self) -> list[dict[str, Any]]:
        """Every action as its pinned plain dict, in order."""
        return [a.to_dict() for a in self.actions]

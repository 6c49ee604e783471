"""The exceptions ``guided_actions`` raises.

Every error the library raises on purpose derives from :class:`GuidedActionsError`, and each
also subclasses the built-in exception a caller would naturally catch::

    GuidedActionsError
    ├── InvalidSnapshotError (ValueError)      bad input: carries every Problem found
    │   └── InvalidRecordError                 one record built by hand failed validation
    ├── InvalidConfigError (ValueError)        bad configuration, settings, weights or now
    ├── UnknownUserError (LookupError)         a user or viewer id not in the snapshot
    ├── UnknownRecordError (LookupError)       a record explained that the snapshot does not hold
    ├── ViewerPermissionError (PermissionError) a viewer who may not look at this user
    ├── RuleError                              a rule raised or returned garbage (strict mode)
    ├── RankerError                            a ranker raised or returned something not a Score
    └── PluginError                            a plugin could not be loaded or broke its hook
        ├── PluginConflictError                two plugins claim the same rule id
        └── RankerConflictError                two plugins both provide a ranker
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

__all__ = [
    "GuidedActionsError",
    "InvalidConfigError",
    "InvalidRecordError",
    "InvalidSnapshotError",
    "PluginConflictError",
    "PluginError",
    "Problem",
    "RankerConflictError",
    "RankerError",
    "RuleError",
    "UnknownRecordError",
    "UnknownUserError",
    "ViewerPermissionError",
]


@attrs.frozen
class Problem:
    """One thing wrong with the input: which record, which field, which value, and why.

    ``kind`` is the interchange key of the record list (``"contacts"``, ``"deals"``, …) or
    ``"snapshot"`` for the document itself; ``record_id`` is the record's id (or its position,
    ``"#3"``, when it has no usable id); ``field`` is ``None`` when the problem is the whole record.
    """

    kind: str
    record_id: str | None
    field: str | None
    value: object
    message: str

    def __str__(self) -> str:
        # Every part is bounded, whatever the input held: a line stays short however long the
        # id, the key or the value, and printing a problem never raises.
        where = clip(str(self.kind), _MAX_MESSAGE)
        if self.record_id is not None:
            where += f" {short_repr(self.record_id)}"
        if self.field is not None:
            where += f", field {short_repr(self.field)}"
        message = clip(str(self.message), _MAX_MESSAGE)
        return f"{where}: {message} (got {short_repr(self.value)})"


#: The most problems an error's text lists; the rest are counted (``.problems`` keeps them all).
MAX_LISTED_PROBLEMS = 20
#: The longest message text a problem prints (the messages the library writes are shorter).
_MAX_MESSAGE = 300
#: Integers of more bits than this are described by their size, never converted to digits:
#: converting a huge integer to text raises ``ValueError`` (beyond 4,300 digits) or takes
#: quadratic time, and only about 40 of its digits would be shown anyway.
_MAX_INT_BITS = 256


class _ShortRepr(reprlib.Repr):
    """``reprlib.Repr`` that never raises: a huge integer is described by its size, and a value
    whose ``repr`` fails is named by its type."""

    def repr1(self, x: Any, level: int) -> str:
        try:
            return super().repr1(x, level)
        except Exception:  # a __repr__ that raises, whatever it raises
            return f"<{clip(type(x).__name__, 40)} object>"

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > _MAX_INT_BITS:
            return f"<integer of about {integer_digits(x):,} digits>"
        return super().repr_int(x, level)


_REPR = _ShortRepr()  # keyword arguments arrive only in Python 3.12
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict = 3, 60, 60, 5, 5
_REPR.maxlong = 40


def integer_digits(value: int) -> int:
    """The number of decimal digits of ``value``, from its size in bits (exact or one more)."""
    return int(abs(value).bit_length() * 0.30102999566398120) + 1


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, the cut marked with ``…``."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_repr(value: object, limit: int = 80) -> str:
    """A bounded repr for messages: a huge or deeply nested input stays short and printable, and
    any value gives a text (a huge integer, an object whose ``repr`` raises)."""
    return clip(_REPR.repr(value), limit)


def problem_lines(problems: Sequence[Problem], limit: int = MAX_LISTED_PROBLEMS) -> list[str]:
    """One ``  - …`` line per problem, at most ``limit`` of them, then ``  ... and N more``."""
    lines = [f"  - {p}" for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"  ... and {len(problems) - limit} more")
    return lines


def _rebuild(cls: type[GuidedActionsError], args: tuple[object, ...]) -> GuidedActionsError:
    """Unpickle an error without calling its ``__init__`` (see ``GuidedActionsError``)."""
    error = cls.__new__(cls)
    error.args = args
    return error


class GuidedActionsError(Exception):
    """Base class of every error raised by ``guided_actions``.

    Every one pickles, so an error raised in a worker process reaches the parent as the same
    type with the same attributes and text. Unpickling does not call the class's ``__init__``
    (whose arguments differ from ``args``, the message): it restores ``args`` and the attributes
    as they were, which works for any subclass, a plugin's own included.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args), self.__dict__ or None)


class InvalidSnapshotError(GuidedActionsError, ValueError):
    """The input does not describe a valid snapshot.

    ``problems`` lists every problem found, not just the first; ``str()`` prints the first
    :data:`MAX_LISTED_PROBLEMS` and counts the rest, so that the text of an error grows with the
    input, never with the number of its problems times their size.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        head = f"invalid snapshot: {count} problem{'s' if count != 1 else ''}"
        super().__init__("\n".join([head, *problem_lines(self.problems)]))


class InvalidRecordError(InvalidSnapshotError):
    """A record constructed in Python failed validation (wrong type, naive instant, …)."""


class InvalidConfigError(GuidedActionsError, ValueError):
    """The ``config`` names an unknown rule, threshold or engagement kind, or a bad value."""


class UnknownUserError(GuidedActionsError, LookupError):
    """A user or viewer id that the snapshot does not hold."""

    def __init__(self, user_id: str, role: str = "user") -> None:
        self.user_id = user_id
        self.role = role
        super().__init__(
            f"unknown {role} {short_repr(user_id)}: no user with that id in the snapshot"
        )


class ViewerPermissionError(GuidedActionsError, PermissionError):
    """A viewer who is neither the user nor a super admin asked to see the user's actions."""

    def __init__(self, viewer_id: str, user_id: str) -> None:
        self.viewer_id = viewer_id
        self.user_id = user_id
        super().__init__(
            f"user {short_repr(viewer_id)} may not view the workspace of user "
            f"{short_repr(user_id)}: "
            "only the user themself or a super admin may"
        )


class RuleError(GuidedActionsError):
    """A rule raised, or returned something that is not a valid proposal.

    Raised by ``evaluate(..., strict=True)``; otherwise the same information is reported on
    ``result.errors`` as :class:`~guided_actions.RuleFailure` entries.
    """

    def __init__(self, rule_id: str, message: str, plugin: str | None = None) -> None:
        self.rule_id = rule_id
        self.plugin = plugin
        self.message = message
        origin = f" (plugin {short_repr(plugin)})" if plugin else ""
        super().__init__(f"rule {short_repr(rule_id)}{origin}: {message}")


class RankerError(GuidedActionsError):
    """A ranker raised, or returned something that is not a ``Score``, in ``Result.ranked``.

    ``ranker`` names it (``module.qualname``), ``plugin`` the plugin that provided it, if any.
    """

    def __init__(self, ranker: str, message: str, plugin: str | None = None) -> None:
        self.ranker = ranker
        self.plugin = plugin
        self.message = message
        origin = f" (plugin {short_repr(plugin)})" if plugin else ""
        super().__init__(f"ranker {short_repr(ranker)}{origin}: {message}")


class PluginError(GuidedActionsError):
    """A plugin could not be loaded, or returned something that is not what its hook promises."""

    def __init__(self, plugin: str, message: str) -> None:
        self.plugin = plugin
        self.message = message
        super().__init__(f"plugin {short_repr(plugin)}: {message}")


class PluginConflictError(PluginError):
    """Two plugins claim the same rule id."""

    def __init__(self, rule_id: str, plugins: tuple[str, str]) -> None:
        self.rule_id = rule_id
        self.plugins = plugins
        first, second = plugins
        GuidedActionsError.__init__(
            self,
            f"plugins {short_repr(first)} and {short_repr(second)} both provide a rule with id "
            f"{short_repr(rule_id)}: "
            "uninstall one, or disable one plugin's rule",
        )
        self.plugin = second
        self.message = str(self)


class UnknownRecordError(GuidedActionsError, LookupError):
    """A record asked about (``explain``'s subject) that the snapshot does not hold."""

    def __init__(self, kind: str, record_id: str) -> None:
        self.kind = kind
        self.record_id = record_id
        super().__init__(f"unknown {kind} {short_repr(record_id)}: no such record in the snapshot")


class RankerConflictError(PluginError):
    """Two plugins both provide a ranker (``guided_actions_ranker``); ``plugins`` names them."""

    def __init__(self, plugins: tuple[str, str]) -> None:
        self.plugins = plugins
        first, second = plugins
        GuidedActionsError.__init__(
            self,
            f"plugins {short_repr(first)} and {short_repr(second)} both provide a ranker: "
            "uninstall one, or load the rules without one of them",
        )
        self.plugin = second
        self.message = str(self)

"""The exceptions ``guided_actions`` raises.

Every error the library raises on purpose derives from :class:`GuidedActionsError`, and each
also subclasses the built-in exception a caller would naturally catch::

    GuidedActionsError
    ├── InvalidSnapshotError (ValueError)      bad input: carries every Problem found
    │   └── InvalidRecordError                 one record built by hand failed validation
    ├── InvalidConfigError (ValueError)        an unknown rule, threshold or engagement kind
    ├── UnknownUserError (LookupError)         a user or viewer id not in the snapshot
    ├── UnknownRecordError (LookupError)       a record explained that the snapshot does not hold
    ├── ViewerPermissionError (PermissionError) a viewer who may not look at this user
    ├── RuleError                              a rule raised or returned garbage (strict mode)
    └── PluginError                            a plugin could not be loaded or broke its hook
        └── PluginConflictError                two plugins claim the same rule id
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable
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
        where = self.kind
        if self.record_id is not None:
            where += f" {self.record_id!r}"
        if self.field is not None:
            where += f", field {self.field!r}"
        return f"{where}: {self.message} (got {short_repr(self.value)})"


_REPR = reprlib.Repr()  # keyword arguments arrive only in Python 3.12
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict = 3, 60, 60, 5, 5


def short_repr(value: object, limit: int = 80) -> str:
    """A bounded repr for messages: a huge or deeply nested input stays short and printable."""
    text = _REPR.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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

    ``problems`` lists every problem found, not just the first; ``str()`` prints them all.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        head = f"invalid snapshot: {count} problem{'s' if count != 1 else ''}"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


class InvalidRecordError(InvalidSnapshotError):
    """A record constructed in Python failed validation (wrong type, naive instant, …)."""


class InvalidConfigError(GuidedActionsError, ValueError):
    """The ``config`` names an unknown rule, threshold or engagement kind, or a bad value."""


class UnknownUserError(GuidedActionsError, LookupError):
    """A user or viewer id that the snapshot does not hold."""

    def __init__(self, user_id: str, role: str = "user") -> None:
        self.user_id = user_id
        self.role = role
        super().__init__(f"unknown {role} {user_id!r}: no user with that id in the snapshot")


class ViewerPermissionError(GuidedActionsError, PermissionError):
    """A viewer who is neither the user nor a super admin asked to see the user's actions."""

    def __init__(self, viewer_id: str, user_id: str) -> None:
        self.viewer_id = viewer_id
        self.user_id = user_id
        super().__init__(
            f"user {viewer_id!r} may not view the workspace of user {user_id!r}: "
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
        origin = f" (plugin {plugin!r})" if plugin else ""
        super().__init__(f"rule {rule_id!r}{origin}: {message}")


class PluginError(GuidedActionsError):
    """A plugin could not be loaded, or returned something that is not what its hook promises."""

    def __init__(self, plugin: str, message: str) -> None:
        self.plugin = plugin
        self.message = message
        super().__init__(f"plugin {plugin!r}: {message}")


class PluginConflictError(PluginError):
    """Two plugins claim the same rule id."""

    def __init__(self, rule_id: str, plugins: tuple[str, str]) -> None:
        self.rule_id = rule_id
        self.plugins = plugins
        first, second = plugins
        GuidedActionsError.__init__(
            self,
            f"plugins {first!r} and {second!r} both provide a rule with id {rule_id!r}: "
            "uninstall one, or disable one plugin's rule",
        )
        self.plugin = second
        self.message = str(self)


class UnknownRecordError(GuidedActionsError, LookupError):
    """A record asked about (``explain``'s subject) that the snapshot does not hold."""

    def __init__(self, kind: str, record_id: str) -> None:
        self.kind = kind
        self.record_id = record_id
        super().__init__(f"unknown {kind} {record_id!r}: no such record in the snapshot")

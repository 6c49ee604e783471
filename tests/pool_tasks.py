"""Functions run in worker processes by the pickling tests, and the errors they raise.

They live in a module of their own, importable by name from ``tests/`` (on ``sys.path``), so
that a worker started with the ``spawn`` method finds them: test modules, imported by pytest in
importlib mode, cannot be imported again by name.
"""

from __future__ import annotations

from typing import Any

from guided_actions import Result, evaluate
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_snapshot
from guided_actions.errors import (
    GuidedActionsError,
    InvalidConfigError,
    InvalidRecordError,
    InvalidSnapshotError,
    PluginConflictError,
    PluginError,
    Problem,
    RankerConflictError,
    RankerError,
    RuleError,
    UnknownRecordError,
    UnknownUserError,
    ViewerPermissionError,
)

PROBLEMS = (
    Problem("contacts", "c1", "email", 42, "must be a string"),
    Problem("deals", "#3", None, {"id": None}, "has no id"),
)


class SubjectError(RuleError):
    """A subclass, as a plugin might define one, whose constructor differs from its base's."""

    def __init__(self, subject: str) -> None:
        super().__init__("stale_deals", f"cannot read {subject}", plugin="stale-deals")
        self.subject = subject


def errors() -> list[tuple[GuidedActionsError, dict[str, Any]]]:
    """One error of each kind (some twice), with the documented attributes it must keep."""
    return [
        (GuidedActionsError("something went wrong"), {}),
        (InvalidSnapshotError(PROBLEMS), {"problems": PROBLEMS}),
        (InvalidSnapshotError([]), {"problems": ()}),
        (InvalidRecordError(PROBLEMS[:1]), {"problems": PROBLEMS[:1]}),
        (InvalidConfigError("unknown threshold 'x'"), {}),
        (UnknownUserError("u9"), {"user_id": "u9", "role": "user"}),
        (UnknownUserError("u9", "viewer"), {"user_id": "u9", "role": "viewer"}),
        (UnknownRecordError("deal", "d9"), {"kind": "deal", "record_id": "d9"}),
        (ViewerPermissionError("u2", "u1"), {"viewer_id": "u2", "user_id": "u1"}),
        (RuleError("email_replies", "boom"), {"rule_id": "email_replies", "message": "boom"}),
        (
            RuleError("stale_deals", "returned 3", "stale-deals"),
            {"rule_id": "stale_deals", "message": "returned 3", "plugin": "stale-deals"},
        ),
        (PluginError("stale-deals", "no hook"), {"plugin": "stale-deals", "message": "no hook"}),
        (
            PluginConflictError("stale_deals", ("first", "second")),
            {"rule_id": "stale_deals", "plugins": ("first", "second"), "plugin": "second"},
        ),
        (SubjectError("d1"), {"subject": "d1", "rule_id": "stale_deals", "plugin": "stale-deals"}),
        (
            RankerError("mine.rank", "returned 3, not a Score", "ranking"),
            {"ranker": "mine.rank", "message": "returned 3, not a Score", "plugin": "ranking"},
        ),
        (
            RankerConflictError(("first", "second")),
            {"plugins": ("first", "second"), "plugin": "second"},
        ),
    ]


def raise_error(index: int) -> None:
    """Raise the ``index``-th of :func:`errors`."""
    error, _ = errors()[index]
    raise error


def add(a: int, b: int) -> int:
    return a + b


def demo_result() -> Result:
    """The demo rep's actions at the demo instant."""
    return evaluate(demo_snapshot(), DEMO_NOW, DEMO_USER)

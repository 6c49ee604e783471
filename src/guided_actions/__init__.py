"""guided_actions: which next actions should this sales rep take, given everything the CRM knows?

Build a :class:`Snapshot` of CRM records, then call :func:`evaluate` with an instant and a user::

    from guided_actions import Snapshot, evaluate

    snapshot = Snapshot.from_dict(data)
    for action in evaluate(snapshot, now, "u1"):
        print(action.title, action.subjects, action.reasons)

and :func:`explain` to ask why a record has, or has not, an action of each rule.

The rule classes live in :mod:`guided_actions.rules`, the shared criteria in
:mod:`guided_actions.criteria`, the errors in :mod:`guided_actions.errors` and the contract between
the engine and a rule in :mod:`guided_actions.typing`.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from guided_actions._engine.actions import Action, Result, RuleFailure
from guided_actions._engine.config import Config
from guided_actions._engine.evaluate import evaluate, evaluate_all
from guided_actions._engine.events import Event, diff
from guided_actions._engine.explain import Explanation, RuleExplanation, explain
from guided_actions._engine.ranking import (
    Collapsed,
    RankedAction,
    Ranker,
    Ranking,
    RankingFacts,
    RankingWeights,
    Score,
    default_ranker,
)
from guided_actions._engine.replay import replay
from guided_actions._engine.settings import Bound, Settings
from guided_actions._engine.snooze import snooze, snooze_until
from guided_actions._engine.tables import Results
from guided_actions._model.records import (
    Call,
    Company,
    Contact,
    Dashboard,
    Deal,
    Dismissal,
    Email,
    EngagementEvent,
    Feedback,
    IssuedAction,
    Lead,
    Meeting,
    Note,
    Pipeline,
    Sequence,
    Snooze,
    Stage,
    Task,
    User,
)
from guided_actions._plugins.loader import RuleSet, load_rules
from guided_actions._rules.call_to_action import CallToAction
from guided_actions._rules.context import RuleContext
from guided_actions._rules.rule import Proposal, Rule, threshold
from guided_actions._snapshot.concern import affected_users
from guided_actions._snapshot.snapshot import DEFAULT_LIFECYCLE_STAGES, Snapshot
from guided_actions._workspace.summary import (
    FeedbackSummary,
    FeedEntry,
    SequenceCard,
    Summary,
    feedback_summary,
    summarize,
    visible_dashboards,
)
from guided_actions.hookspecs import hookimpl

__all__ = [
    "DEFAULT_LIFECYCLE_STAGES",
    "Action",
    "Bound",
    "Call",
    "CallToAction",
    "Collapsed",
    "Company",
    "Config",
    "Contact",
    "Dashboard",
    "Deal",
    "Dismissal",
    "Email",
    "EngagementEvent",
    "Event",
    "Explanation",
    "FeedEntry",
    "Feedback",
    "FeedbackSummary",
    "IssuedAction",
    "Lead",
    "Meeting",
    "Note",
    "Pipeline",
    "Proposal",
    "RankedAction",
    "Ranker",
    "Ranking",
    "RankingFacts",
    "RankingWeights",
    "Result",
    "Results",
    "Rule",
    "RuleContext",
    "RuleExplanation",
    "RuleFailure",
    "RuleSet",
    "Score",
    "Sequence",
    "SequenceCard",
    "Settings",
    "Snapshot",
    "Snooze",
    "Stage",
    "Summary",
    "Task",
    "User",
    "__version__",
    "affected_users",
    "default_ranker",
    "diff",
    "evaluate",
    "evaluate_all",
    "explain",
    "feedback_summary",
    "hookimpl",
    "load_rules",
    "replay",
    "snooze",
    "snooze_until",
    "summarize",
    "visible_dashboards",
    "threshold",
]

try:
    __version__ = _version("guided-actions")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

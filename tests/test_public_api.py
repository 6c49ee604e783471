"""The public surface: what ``guided_actions`` and ``guided_actions.rules`` export."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import attrs
import pytest

import guided_actions
import guided_actions.rules
from guided_actions import Rule
from guided_actions.rules import BUILTIN_RULES

RECORDS = {
    "User",
    "Company",
    "Contact",
    "Lead",
    "Deal",
    "Pipeline",
    "Stage",
    "Email",
    "Call",
    "Meeting",
    "Task",
    "Note",
    "Sequence",
    "EngagementEvent",
    "Feedback",
    "Dismissal",
    "IssuedAction",
    "Dashboard",
}

CORE = RECORDS | {
    "evaluate",
    "Snapshot",
    "Config",
    "Action",
    "Result",
    "Rule",
    "Proposal",
    "RuleContext",
    "RuleFailure",
    "Stage",
    "threshold",
    "DEFAULT_LIFECYCLE_STAGES",
    "__version__",
}

#: SPEC section 7 (the workspace) and section 8 (plugins).
WORKSPACE = {
    "summarize",
    "Summary",
    "SequenceCard",
    "FeedEntry",
    "feedback_summary",
    "FeedbackSummary",
    "visible_dashboards",
}
PLUGINS = {"RuleSet", "load_rules", "hookimpl"}
SCALE = {"evaluate_all"}
#: "Why is there no action?": one record explained, rule by rule.
EXPLAIN = {"explain", "Explanation", "RuleExplanation"}
#: The rep's screen (issue 16): snoozing an action.
SNOOZE = {"Snooze", "snooze", "snooze_until"}
#: The rep's screen (issue 16): the links a card offers, declared by each rule.
CALLS_TO_ACTION = {"CallToAction"}
#: The rep's screen (issue 16): the ranked order, explained; caps and collapse.
RANKING = {
    "Collapsed",
    "RankedAction",
    "Ranker",
    "Ranking",
    "RankingFacts",
    "RankingWeights",
    "Score",
    "default_ranker",
}
#: The rep's screen (issue 16): settings per organisation, team and rep.
SETTINGS = {"Settings", "Bound"}
#: Data teams (issue 11): what ``evaluate_all`` returns, a dict that also gives tables.
FRAMES = {"Results"}
#: Live CRMs (issue 14): events between two results, and their replay.
EVENTS = {"Event", "diff", "replay"}
#: Live CRMs (issue 14): who a change concerns.
AFFECTED = {"affected_users"}
PUBLIC = (
    CORE
    | WORKSPACE
    | PLUGINS
    | SCALE
    | EXPLAIN
    | SNOOZE
    | CALLS_TO_ACTION
    | RANKING
    | SETTINGS
    | FRAMES
    | EVENTS
    | AFFECTED
)

#: SPEC section 5's table, in order.
RULE_IDS = [
    "newly_assigned_contacts",
    "newly_assigned_leads",
    "reengaged_contacts",
    "sequence_activity",
    "email_replies",
    "meeting_follow_up",
    "log_call_outcomes",
    "contacts_awaiting_reply",
    "reply_to_email",
    "leads_awaiting_reply",
    "prepare_next_meeting",
    "priority_tasks_due_today",
    "target_account_activity",
    "recently_engaged_leads",
    "update_next_steps",
    "add_contact_to_deal",
    "initial_outreach_needed",
    "buyer_follow_up",
]

SUBJECT_KINDS = [
    "contact",
    "lead",
    "contact",
    "task",
    "contact",
    "meeting",
    "call",
    "contact",
    "contact",
    "lead",
    "meeting",
    "task",
    "contact",
    "lead",
    "deal",
    "deal",
    "deal",
    "deal",
]

RULES_DIR = Path(guided_actions.rules.__file__).parent


def test_all_is_the_documented_surface() -> None:
    """guided_actions.__all__ is exactly the documented public names, without duplicates."""
    assert len(guided_actions.__all__) == len(set(guided_actions.__all__))
    assert set(guided_actions.__all__) == PUBLIC


def test_section_2_names_are_exported() -> None:
    """Every name SPEC section 2 pins is in __all__."""
    assert set(guided_actions.__all__) >= CORE


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_name_importable(name: str) -> None:
    """Every public name can be imported from guided_actions."""
    namespace: dict[str, object] = {}
    exec(f"from guided_actions import {name}", namespace)
    assert namespace[name] is getattr(guided_actions, name)


def test_version_is_a_string() -> None:
    """__version__ is a non-empty version string."""
    assert isinstance(guided_actions.__version__, str)
    assert guided_actions.__version__[0].isdigit()


@pytest.mark.parametrize("name", sorted(RECORDS | {"Snooze"}))
def test_records_are_frozen_slotted_attrs(name: str) -> None:
    """Every record is an attrs class, frozen, with slots."""
    cls = getattr(guided_actions, name)
    assert attrs.has(cls)
    assert "__slots__" in cls.__dict__
    assert cls.__setattr__ is not object.__setattr__


def test_evaluate_signature() -> None:
    """evaluate(snapshot, now, user, *, viewer=None, config=None, rules=None, strict=False)."""
    params = inspect.signature(guided_actions.evaluate).parameters
    assert list(params) == ["snapshot", "now", "user", "viewer", "config", "rules", "strict"]
    kinds = [p.kind for p in params.values()]
    assert kinds[:3] == [inspect.Parameter.POSITIONAL_OR_KEYWORD] * 3
    assert kinds[3:] == [inspect.Parameter.KEYWORD_ONLY] * 4
    defaults = {n: p.default for n, p in params.items() if n in ("viewer", "config", "rules")}
    assert defaults == {"viewer": None, "config": None, "rules": None}
    assert params["strict"].default is False


def test_explain_signature() -> None:
    """explain(snapshot, now, user, subject, *, viewer=None, config=None, rules=None)."""
    params = inspect.signature(guided_actions.explain).parameters
    assert list(params) == ["snapshot", "now", "user", "subject", "viewer", "config", "rules"]
    kinds = [p.kind for p in params.values()]
    assert kinds[:4] == [inspect.Parameter.POSITIONAL_OR_KEYWORD] * 4
    assert kinds[4:] == [inspect.Parameter.KEYWORD_ONLY] * 3
    assert all(params[n].default is None for n in ("viewer", "config", "rules"))


@pytest.mark.parametrize("name", ["Explanation", "RuleExplanation"])
def test_explanations_are_frozen_attrs(name: str) -> None:
    """The explanation types are frozen attrs classes (values, safe to share)."""
    cls = getattr(guided_actions, name)
    assert attrs.has(cls)
    assert cls.__setattr__ is not object.__setattr__


class TestRulesPackage:
    def test_rules_all(self) -> None:
        """guided_actions.rules.__all__ holds the 18 classes, BUILTIN_RULES and Rule."""
        expected = {cls.__name__ for cls in BUILTIN_RULES} | {"BUILTIN_RULES", "Rule"}
        assert len(BUILTIN_RULES) == 18
        assert set(guided_actions.rules.__all__) == expected
        assert len(guided_actions.rules.__all__) == 20
        assert guided_actions.rules.Rule is Rule
        for name in guided_actions.rules.__all__:
            assert hasattr(guided_actions.rules, name)

    def test_builtin_rule_ids_in_table_order(self) -> None:
        """BUILTIN_RULES ids are SPEC section 5's 18 ids, in table order."""
        assert [cls.id for cls in BUILTIN_RULES] == RULE_IDS

    def test_builtin_subject_kinds_in_table_order(self) -> None:
        """Each built-in rule declares the subject kind SPEC section 5 gives it."""
        assert [cls.subject_kind for cls in BUILTIN_RULES] == SUBJECT_KINDS

    @pytest.mark.parametrize("cls", BUILTIN_RULES, ids=lambda c: c.id)
    def test_rule_module_named_after_id(self, cls: type[Rule]) -> None:
        """Each built-in rule lives in guided_actions.rules.<its id>."""
        assert issubclass(cls, Rule)
        assert cls.__module__ == f"guided_actions.rules.{cls.id}"
        module = importlib.import_module(cls.__module__)
        assert getattr(module, cls.__name__) is cls

    def test_one_module_per_rule(self) -> None:
        """The rules package holds exactly one module per built-in rule."""
        modules = {p.stem for p in RULES_DIR.glob("*.py")} - {"__init__"}
        assert modules == set(RULE_IDS)

    @pytest.mark.parametrize("rule_id", RULE_IDS)
    def test_no_rule_module_imports_another(self, rule_id: str) -> None:
        """A rule module imports no other rule module, in any import form."""
        path = RULES_DIR / f"{rule_id}.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        others = set(RULE_IDS) - {rule_id}
        imported: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level == 1:
                    base = "guided_actions.rules"
                elif node.level == 2:
                    base = "guided_actions"
                else:
                    base = ""
                module = ".".join(p for p in (base, node.module or "") if p)
                imported.add(module)
                imported.update(f"{module}.{alias.name}" for alias in node.names)
        rule_modules = {f"guided_actions.rules.{other}" for other in others}
        assert not imported & rule_modules
        assert "guided_actions.rules" not in imported

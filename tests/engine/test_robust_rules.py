"""A rule that returns garbage fails alone (SPEC §8), whatever the garbage.

Everything a rule returns is checked while its failure can still be blamed on it: the subject,
the window, the group and every check of every proposal, and what it raises. So a plugin rule
with an unhashable group, an instant at the edge of ``datetime``, a reason that cannot be
printed or an exception that cannot be printed lands on ``result.errors``, and every other
rule's actions come out exactly as without it: in ``evaluate``, ``evaluate_all``, ``explain``,
``summarize``, ``to_dicts`` and each action's ``explain()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from guided_actions import (
    Proposal,
    Rule,
    RuleContext,
    evaluate,
    evaluate_all,
    explain,
    hookimpl,
    load_rules,
    summarize,
)
from guided_actions.criteria import Check, Criterion, Ref
from guided_actions.errors import RuleError
from guided_actions.rules import BUILTIN_RULES
from guided_actions.testing import NOW, at, build, contact, deal

SNAPSHOT = build(
    contact("c1", owner_assigned_at=at(days=-1)),
    deal("d1", created_at=at(days=-8)),
    deal("d2", owner_id="u2", created_at=at(days=-8)),
)
#: A reason any rule may give.
FINE = Criterion("fine", met="it holds", unmet="it does not hold")
SAYS = Criterion("says", met="{text}", unmet="{text}")


class Unprintable(str):
    """A string whose ``str()`` raises: a plugin's lazy translation gone wrong, say."""

    def __str__(self) -> str:
        raise RuntimeError("no text for you")


class UnprintableError(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no message for you")


@attrs.frozen
class SneakyProposal(Proposal):
    """A Proposal subclass whose ``conditions_met`` raises when the engine reads it."""

    @property
    def conditions_met(self) -> bool:
        raise RuntimeError("read me later")


def _ok(rule: Rule, subject_id: str = "d1", **changes: Any) -> Proposal:
    fields: dict[str, Any] = {
        "created_at": at(days=-1),
        "expires_at": None,
        "checks": (FINE.check(True),),
    }
    fields.update(changes)
    return rule.proposal(subject_id, **fields)


def _raise(error: BaseException) -> Callable[[Rule], object]:
    def make(rule: Rule) -> object:
        raise error

    return make


#: Each way a rule's output can be malformed: ``(grouped, what it yields after a good proposal)``.
CASES: dict[str, tuple[bool, Callable[[Rule], object]]] = {
    "group_unhashable": (True, lambda r: _ok(r, "d2", group=["a", "b"])),
    "group_not_json": (True, lambda r: _ok(r, "d2", group=object())),
    "group_not_str": (True, lambda r: _ok(r, "d2", group=3)),
    "created_at_min_in_a_zone": (
        False,
        lambda r: _ok(
            r, "d2", created_at=datetime.min.replace(tzinfo=timezone(timedelta(hours=5)))
        ),
    ),
    "expires_at_max_in_a_zone": (
        False,
        lambda r: _ok(
            r, "d2", expires_at=datetime.max.replace(tzinfo=timezone(timedelta(hours=-5)))
        ),
    ),
    "created_at_min_utc": (
        False,
        lambda r: _ok(r, "d2", created_at=datetime.min.replace(tzinfo=UTC)),
    ),
    "expires_at_max_utc": (
        False,
        lambda r: _ok(r, "d2", expires_at=datetime.max.replace(tzinfo=UTC)),
    ),
    "reason_str_raises": (
        False,
        lambda r: _ok(r, "d2", checks=(SAYS.check(True, text=Unprintable("hi")),)),
    ),
    "reason_huge_int": (
        False,
        lambda r: _ok(r, "d2", checks=(SAYS.check(True, text=10**5000),)),
    ),
    "reason_template_attribute": (
        False,
        lambda r: _ok(
            r, "d2", checks=(Criterion("odd", met="{text.nope}", unmet="no").check(True, text="a"),)
        ),
    ),
    "reason_template_spec": (
        False,
        lambda r: _ok(
            r, "d2", checks=(Criterion("odd", met="{text:d}", unmet="no").check(True, text="a"),)
        ),
    ),
    "check_missing_parameter": (
        False,
        lambda r: _ok(r, "d2", checks=(Check(Criterion("who", met="{who}", unmet="{who}"), True),)),
    ),
    "check_met_not_bool": (
        False,
        lambda r: _ok(r, "d2", checks=(Check(FINE, "yes"),)),  # type: ignore[arg-type]
    ),
    "ref_id_unprintable": (
        False,
        lambda r: _ok(r, "d2", checks=(SAYS.check(True, text=Ref("deal", Unprintable("d2"))),)),
    ),
    "checks_in_a_list": (
        False,
        lambda r: Proposal(
            subject=("deal", "d2"),
            created_at=at(days=-1),
            expires_at=None,
            checks=[FINE.check(True)],  # type: ignore[arg-type]
        ),
    ),
    "subject_id_unprintable": (
        False,
        lambda r: Proposal(
            subject=("deal", Unprintable("d2")),
            created_at=at(days=-1),
            expires_at=None,
            checks=(FINE.check(True),),
        ),
    ),
    "subject_of_another_kind": (
        False,
        lambda r: attrs.evolve(_ok(r, "d2"), subject=("contact", "c1")),
    ),
    "same_subject_twice": (False, lambda r: _ok(r, "d1", created_at=at(days=-2))),
    "proposal_subclass": (
        False,
        lambda r: SneakyProposal(
            subject=("deal", "d2"),
            created_at=at(days=-1),
            expires_at=None,
            checks=(FINE.check(True),),
        ),
    ),
    "exception_str_raises": (False, _raise(UnprintableError())),
    "exception_huge_message": (False, _raise(ValueError("x" * 1_000_000))),
    "generator_raises_midway": (False, _raise(KeyError("midway"))),
}


def sloppy(case: str) -> type[Rule]:
    """A deal rule that proposes deal d1 properly, then yields the case's garbage."""
    grouped, make = CASES[case]

    def propose(self: Rule, ctx: RuleContext) -> Iterator[Any]:
        yield _ok(self)
        yield make(self)

    namespace = {
        "id": "sloppy",
        "title": "Sloppy",
        "category": "deal",
        "priority": "high",
        "subject_kind": "deal",
        "grouped": grouped,
        "propose": propose,
    }
    return attrs.frozen(type(f"Sloppy_{case}", (Rule,), namespace))


def _strings(result: Any) -> list[str]:
    """Every text an action shows: what the command line and to_dicts() print."""
    return [a.explain() for a in result] + [r for a in result for r in a.reasons]


@pytest.fixture(scope="module")
def clean() -> dict[str, Any]:
    """The built-in rules alone: what every case must give, besides its failure."""
    return {
        "evaluate": evaluate(SNAPSHOT, NOW, "u1").to_dicts(),
        "all": {u: r.to_dicts() for u, r in evaluate_all(SNAPSHOT, NOW).items()},
        "explain": explain(SNAPSHOT, NOW, "u1", "deal:d1").to_dict()["rules"],
        "summary": summarize(SNAPSHOT, NOW, "u1").to_dict(),
    }


@pytest.mark.parametrize("case", sorted(CASES))
class TestAMalformedRuleFailsAlone:
    def test_evaluate(self, case: str, clean: dict[str, Any]) -> None:
        """The bad rule is on result.errors with a short message; the other rules' actions are
        exactly those of a run without it, and every text of them prints."""
        result = evaluate(SNAPSHOT, NOW, "u1", rules=[*BUILTIN_RULES, sloppy(case)])
        [failure] = result.errors
        assert failure.rule_id == "sloppy"
        assert 0 < len(failure.message) <= 300
        assert "sloppy" in str(failure)
        assert result.to_dicts() == clean["evaluate"]
        assert _strings(result)

    def test_strict(self, case: str) -> None:
        """strict=True raises RuleError naming the rule, with the same short message."""
        with pytest.raises(RuleError) as info:
            evaluate(SNAPSHOT, NOW, "u1", rules=[*BUILTIN_RULES, sloppy(case)], strict=True)
        assert info.value.rule_id == "sloppy"
        assert len(info.value.message) <= 300
        assert "sloppy" in str(info.value)

    def test_evaluate_all(self, case: str, clean: dict[str, Any]) -> None:
        """Every user's result is the clean one, with the failure reported."""
        results = evaluate_all(SNAPSHOT, NOW, rules=[*BUILTIN_RULES, sloppy(case)])
        assert {u: r.to_dicts() for u, r in results.items()} == clean["all"]
        assert [f.rule_id for f in results["u1"].errors] == ["sloppy"]

    def test_explain(self, case: str, clean: dict[str, Any]) -> None:
        """explain says the rule failed; every other rule's entry is the clean one."""
        explanation = explain(SNAPSHOT, NOW, "u1", "deal:d1", rules=[*BUILTIN_RULES, sloppy(case)])
        entry = explanation.get("sloppy")
        assert entry is not None
        assert entry.status == "unmet"
        assert [c.id for c in entry.checks] == ["rule_ran"]
        rules = explanation.to_dict()["rules"]
        assert [r for r in rules if r["rule"] != "sloppy"] == clean["explain"]

    def test_summarize(self, case: str, clean: dict[str, Any]) -> None:
        """The workspace shows the clean actions."""
        summary = summarize(SNAPSHOT, NOW, "u1", rules=[*BUILTIN_RULES, sloppy(case)])
        assert summary.to_dict() == clean["summary"]
        assert [f.rule_id for f in summary.result.errors] == ["sloppy"]


def test_the_failure_names_the_plugin() -> None:
    """Loaded from a plugin, the failure names the plugin too."""

    def guided_actions_rules() -> list[type[Rule]]:
        return [sloppy("group_unhashable")]

    carrier = type(
        "carrier", (), {"guided_actions_rules": staticmethod(hookimpl(guided_actions_rules))}
    )
    rules = load_rules([carrier()], entry_points=False)
    [failure] = evaluate(SNAPSHOT, NOW, "u1", rules=rules).errors
    assert (failure.rule_id, failure.plugin) == ("sloppy", "carrier")
    assert "group must be a str or None" in failure.message


def test_messages_say_what_was_wrong() -> None:
    """The message names what was wrong and shows the value, shortly."""
    messages = {
        case: evaluate(SNAPSHOT, NOW, "u1", rules=[sloppy(case)]).errors[0].message
        for case in CASES
    }
    assert "group must be a str or None, got ['a', 'b']" in messages["group_unhashable"]
    assert "out of the supported range" in messages["created_at_min_utc"]
    assert "parameter 'text' must be plain data" in messages["reason_str_raises"]
    assert "bare name" in messages["reason_template_attribute"]
    assert "lacks the parameter(s) its texts name: who" in messages["check_missing_parameter"]
    assert "rule's subject_kind is 'deal'" in messages["subject_of_another_kind"]
    assert "proposes deal 'd1' twice" in messages["same_subject_twice"]
    assert messages["exception_str_raises"].startswith("UnprintableError")
    assert messages["exception_huge_message"].endswith("…")
    assert messages["generator_raises_midway"] == "KeyError: 'midway'"


@pytest.mark.parametrize(
    "instant",
    [
        datetime(1, 1, 2, tzinfo=UTC),
        datetime(9999, 12, 30, 23, 59, 59, 999_999, tzinfo=UTC),
    ],
)
def test_instants_at_the_ends_of_the_range_are_accepted(instant: datetime) -> None:
    """The other side of the boundary: the earliest and latest instants a rule's arithmetic
    can reach are accepted, and the action they make prints in any zone."""

    @attrs.frozen
    class Edge(Rule):
        id = "edge"
        title = "Edge"
        category = "deal"
        priority = "low"
        subject_kind = "deal"

        def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
            early = instant.year == 1
            yield self.proposal(
                "d1",
                created_at=instant if early else at(days=-1),
                expires_at=None if early else instant,
                checks=(FINE.check(True),),
            )

    result = evaluate(SNAPSHOT, NOW, "u1", rules=[Edge], strict=True)
    [action] = result
    assert instant in (action.created_at, action.expires_at)
    assert result.to_dicts()[0]["rule"] == "edge"
    assert "Edge" in action.explain()
    # Why these bounds: an instant between them is shown in any zone (offsets under a day).
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        assert instant.astimezone(ZoneInfo(zone)).astimezone(UTC) == instant

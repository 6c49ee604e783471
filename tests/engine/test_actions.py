"""Action and Result: iteration, filters, lookups, the pinned dict form and explanations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import attrs
import pytest

from guided_actions import Action, CallToAction, Proposal, Result, Rule, RuleContext, evaluate
from guided_actions.criteria import Check, Criterion, Ref
from guided_actions.rules import BUILTIN_RULES
from guided_actions.testing import NOW, at, build, call, company, contact, deal

#: SPEC §2's keys, in the order ``to_dict()`` writes them.
SPEC_KEYS = [
    "key",
    "rule",
    "title",
    "category",
    "user_id",
    "subjects",
    "created_at",
    "expires_at",
    "contact_ids",
    "company_ids",
    "reasons",
]
#: The two keys SPEC §11 (issue 16) adds, and nothing else.
ADDED_KEYS = ["priority", "calls_to_action"]
PINNED_KEYS = {*SPEC_KEYS, *ADDED_KEYS}
#: The order of the keys: ``priority`` beside ``category``, the calls to action last.
KEY_ORDER = [*SPEC_KEYS[:4], "priority", *SPEC_KEYS[4:], "calls_to_action"]

TOKYO = ZoneInfo("Asia/Tokyo")

BECAUSE = Criterion("because", met="because", unmet="not because")
STALE = Criterion(
    "stale_for",
    met="{deal} saw nothing for {idle}, since {last}",
    unmet="{deal} saw activity at {last}, less than {idle} ago",
    role="wait",
)


def an_action(instant: datetime = NOW, **fields: Any) -> Action:
    """An action about contact c1 at ``instant``, for one day; ``fields`` override."""
    values: dict[str, Any] = {
        "key": "r:1",
        "rule": "r",
        "title": "R",
        "category": "general",
        "priority": "low",
        "user_id": "u1",
        "subjects": (("contact", "c1"),),
        "created_at": instant,
        "expires_at": instant + timedelta(days=1),
        "contact_ids": ("c1",),
        "company_ids": (),
        "checks": (BECAUSE.check(True),),
    }
    values.update(fields)
    return Action(**values)


@attrs.frozen
class NoLimit(Rule):
    """Contact c2, since a day ago (given in Tokyo time), no time limit, two reasons."""

    id = "no_limit"
    title = "No limit at all"
    category = "general"
    priority = "high"
    subject_kind = "contact"
    reasons: ClassVar[tuple[str, ...]] = ("first reason: data one", "second reason: data two")

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        yield self.proposal(
            "c2", created_at=at(days=-1).astimezone(TOKYO), expires_at=None, reasons=self.reasons
        )


def _snapshot() -> Any:
    return build(
        company("co1"),
        contact("c1", owner_assigned_at=at(days=-2), company_ids=("co1",)),
        contact("c2", owner_assigned_at=at(days=-3)),
        deal("d1", created_at=at(days=-8), company_ids=("co1",)),
        call("k1", started_at=at(hours=-2), status="completed", contact_ids=("c1",)),
        call("k2", started_at=at(hours=-3), status="completed"),
    )


@pytest.fixture(scope="module")
def result() -> Result:
    rules = [
        "newly_assigned_contacts",
        "log_call_outcomes",
        "add_contact_to_deal",
        "initial_outreach_needed",
    ]
    chosen = [cls for cls in BUILTIN_RULES if cls.id in rules]
    return evaluate(_snapshot(), NOW, "u1", rules=[*chosen, NoLimit], strict=True)


class TestResult:
    def test_fixture_covers_every_category(self, result: Result) -> None:
        """The sample result holds deal, prospecting and general actions."""
        assert {a.category for a in result} == {"deal", "prospecting", "general"}
        assert result.errors == ()

    def test_iterates_in_order(self, result: Result) -> None:
        """Iterating gives the actions in SPEC order: priority, then expiry."""
        actions = list(result)
        assert actions == list(result.actions)
        assert [a.rule for a in actions][:2] == ["no_limit", "log_call_outcomes"]
        assert actions == sorted(actions, key=Action.sort_key)

    def test_len_and_indexing(self, result: Result) -> None:
        """len counts the actions; indexing and slicing follow the order."""
        actions = list(result)
        assert len(result) == len(actions) == 5
        assert result[0] == actions[0]
        assert result[-1] == actions[-1]
        assert tuple(result[1:3]) == tuple(actions[1:3])

    @pytest.mark.parametrize(
        ("category", "rules"),
        [
            ("deal", {"add_contact_to_deal", "initial_outreach_needed"}),
            ("prospecting", {"newly_assigned_contacts"}),
            ("general", {"log_call_outcomes", "no_limit"}),
        ],
    )
    def test_filter_by_category(self, result: Result, category: str, rules: set[str]) -> None:
        """filter(category=) keeps exactly that category's actions, in order."""
        kept = result.filter(category=category)  # type: ignore[arg-type]
        assert {a.rule for a in kept} == rules
        assert list(kept) == [a for a in result if a.category == category]
        assert isinstance(kept, Result)

    def test_filter_unknown_category(self, result: Result) -> None:
        """An unknown category raises ValueError."""
        with pytest.raises(ValueError, match="sales"):
            result.filter(category="sales")  # type: ignore[arg-type]

    def test_filter_by_rule(self, result: Result) -> None:
        """filter(rule=) keeps exactly that rule's actions."""
        kept = result.filter(rule="add_contact_to_deal")
        assert [a.rule for a in kept] == ["add_contact_to_deal"]
        assert len(result.filter(rule="no_such_rule")) == 0

    def test_filter_without_arguments_keeps_all(self, result: Result) -> None:
        """filter() with no criterion keeps every action."""
        assert list(result.filter()) == list(result)

    def test_about(self, result: Result) -> None:
        """about(kind, id) finds actions about a record, grouped cards included."""
        about_c1 = result.about("contact", "c1")
        assert [a.rule for a in about_c1] == ["newly_assigned_contacts"]
        assert {a.rule for a in result.about("contact", "c2")} == {
            "newly_assigned_contacts",
            "no_limit",
        }
        assert [a.rule for a in result.about("call", "k2")] == ["log_call_outcomes"]
        assert len(result.about("deal", "d1")) == 2
        assert len(result.about("deal", "c1")) == 0

    def test_get(self, result: Result) -> None:
        """get(key) returns the action with that key, None for an unknown key."""
        for action in result:
            assert result.get(action.key) is action
        assert result.get("no_limit:nothing") is None


class TestToDicts:
    def test_exact_keys(self, result: Result) -> None:
        """Every dict has exactly SPEC §2's keys and the two §11 adds, in a fixed order."""
        dicts = result.to_dicts()
        assert len(dicts) == len(result)
        assert len(PINNED_KEYS) == len(SPEC_KEYS) + 2
        for d in dicts:
            assert set(d) == PINNED_KEYS
            assert list(d) == KEY_ORDER

    def test_priority_and_calls_to_action(self, result: Result) -> None:
        """``priority`` is the action's (its rule's); ``calls_to_action`` its rule's links as
        ``{"id", "label", "opens"}`` dicts, in order; ``[]`` for a rule that declares none."""
        every: list[type[Rule]] = [*BUILTIN_RULES, NoLimit]
        rules = {cls.id: cls for cls in every}
        dicts = result.to_dicts()
        assert {d["priority"] for d in dicts} == {"high", "normal", "low"}
        for action, d in zip(result, dicts, strict=True):
            cls = rules[action.rule]
            assert d["priority"] == action.priority == cls.priority
            assert action.calls_to_action == cls.calls_to_action
            assert d["calls_to_action"] == [
                {"id": c.id, "label": c.label, "opens": c.opens} for c in cls.calls_to_action
            ]
        [no_limit] = result.filter(rule="no_limit").to_dicts()
        assert no_limit["calls_to_action"] == []
        [card] = result.filter(rule="log_call_outcomes").to_dicts()
        assert card["calls_to_action"] == [
            {"id": "log_outcomes", "label": "Log outcomes", "opens": "queue"},
            {"id": "view_calls", "label": "View calls", "opens": "records"},
        ]

    def test_an_action_made_without_links_has_none(self) -> None:
        """``Action(...)`` without ``calls_to_action`` (as before issue 16) carries none; with
        them, its dict lists them in order."""
        assert an_action().calls_to_action == ()
        assert an_action().to_dict()["calls_to_action"] == []
        links = (
            CallToAction("view_contact", "View contact", "records"),
            CallToAction("reply", "Reply", "queue"),
        )
        d = an_action(calls_to_action=links, priority="high").to_dict()
        assert d["priority"] == "high"
        assert [c["id"] for c in d["calls_to_action"]] == ["view_contact", "reply"]

    def test_json_round_trip(self, result: Result) -> None:
        """to_dicts() is JSON-serialisable and survives a round trip unchanged."""
        dicts = result.to_dicts()
        assert json.loads(json.dumps(dicts)) == dicts

    def test_instants_in_utc(self, result: Result) -> None:
        """created_at and expires_at are ISO-8601 in UTC ending with +00:00 (or null)."""
        for d in result.to_dicts():
            assert d["created_at"].endswith("+00:00")
            parsed = datetime.fromisoformat(d["created_at"])
            assert parsed == result.get(d["key"]).created_at  # type: ignore[union-attr]
            if d["expires_at"] is not None:
                assert d["expires_at"].endswith("+00:00")

    def test_expires_null_when_none(self, result: Result) -> None:
        """An action with no time limit has expires_at null."""
        [d] = result.filter(rule="no_limit").to_dicts()
        assert d["expires_at"] is None
        assert d["created_at"] == "2026-11-25T12:00:00+00:00"

    def test_fields(self, result: Result) -> None:
        """The dict mirrors the action: subjects as kind/id dicts, ids and reasons as lists."""
        for action, d in zip(result, result.to_dicts(), strict=True):
            assert d["key"] == action.key
            assert d["rule"] == action.rule
            assert d["title"] == action.title
            assert d["category"] == action.category
            assert d["user_id"] == "u1"
            assert d["subjects"] == [{"kind": k, "id": i} for k, i in action.subjects]
            assert d["contact_ids"] == list(action.contact_ids)
            assert d["company_ids"] == list(action.company_ids)
            assert d["reasons"] == list(action.reasons)
            assert d["reasons"]
            assert all(isinstance(r, str) for r in d["reasons"])

    def test_grouped_subjects(self, result: Result) -> None:
        """A grouped card lists every subject as a kind/id dict, in member order."""
        [d] = result.filter(rule="log_call_outcomes").to_dicts()
        assert d["subjects"] == [{"kind": "call", "id": "k2"}, {"kind": "call", "id": "k1"}]
        assert d["contact_ids"] == ["c1"]

    @pytest.mark.parametrize(
        "instant",
        [
            datetime(2026, 11, 25, 21, 0, tzinfo=TOKYO),
            datetime(2026, 11, 25, 7, 0, tzinfo=timezone(timedelta(hours=-5))),
            datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
        ],
    )
    def test_action_to_dict_normalises_any_zone(self, instant: datetime) -> None:
        """Action.to_dict writes any zone's instant in UTC with +00:00."""
        action = an_action(instant)
        d = action.to_dict()
        assert d["created_at"] == "2026-11-25T12:00:00+00:00"
        assert d["expires_at"] == "2026-11-26T12:00:00+00:00"
        assert d["reasons"] == ["because"]


class TestExplain:
    def test_mentions_title_reasons_and_key(self, result: Result) -> None:
        """explain() mentions the title, every reason and the key."""
        for action in result:
            text = action.explain()
            assert action.title in text
            assert action.key in text
            for reason in action.reasons:
                assert reason in text

    def test_no_limit_reasons(self, result: Result) -> None:
        """explain() lists a rule's own reasons verbatim."""
        [action] = result.filter(rule="no_limit")
        text = action.explain()
        assert "No limit at all" in text
        assert "first reason: data one" in text
        assert "second reason: data two" in text


class TestChecks:
    def test_reasons_are_the_checks_rendered(self) -> None:
        """``reasons`` is each check's text, its met or unmet template filled in, in order."""
        d1 = Ref("deal", "d1")
        last = datetime(2026, 11, 6, 21, 0, tzinfo=TOKYO)
        checks = (
            BECAUSE.check(True),
            STALE.check(True, deal=d1, idle=timedelta(days=14), last=last),
            STALE.check(False, deal=d1, idle=timedelta(hours=36), last=last),
            BECAUSE.check(False),
        )
        action = an_action(checks=checks)
        assert action.checks == checks
        assert action.reasons == (
            "because",
            "deal d1 saw nothing for 14 days, since 2026-11-06T21:00+09:00",
            "deal d1 saw activity at 2026-11-06T21:00+09:00, less than 36 hours ago",
            "not because",
        )
        assert action.to_dict()["reasons"] == list(action.reasons)

    def test_identical_texts_show_once(self) -> None:
        """A text that two checks give is one reason, where it first appears; checks stay."""
        same = Criterion("other", met="because", unmet="never")
        checks = (
            BECAUSE.check(True),
            Check(Criterion("x", met="x", unmet="not x"), True),
            BECAUSE.check(True),
            same.check(True),
            BECAUSE.check(False),
        )
        action = an_action(checks=checks)
        assert len(action.checks) == 5
        assert action.reasons == ("because", "x", "not because")
        assert action.to_dict()["reasons"] == ["because", "x", "not because"]
        assert "    - because\n    - x\n    - not because\n  key: r:1" in action.explain()

    def test_evaluated_actions_carry_their_checks(self, result: Result) -> None:
        """Every action of ``evaluate`` carries met checks, and its reasons are their texts."""
        for action in result:
            assert action.checks
            assert all(isinstance(c, Check) and c.met for c in action.checks)
            assert action.reasons == tuple(dict.fromkeys(str(c) for c in action.checks))

    def test_shared_criteria_are_named_by_id(self, result: Result) -> None:
        """A built-in rule's checks name the shared criteria by their stable ids."""
        [action] = result.filter(rule="add_contact_to_deal")
        ids = [c.id for c in action.checks]
        assert ids[:2] == ["owned_by_you", "deal_open"]
        assert "created_more_than" in ids
        assert {c.role for c in action.checks} <= {"condition", "wait", "limit"}

    def test_a_card_unites_its_members_checks(self, result: Result) -> None:
        """A grouped card's checks are its members' checks, each once, in member order."""
        [card] = result.filter(rule="log_call_outcomes")
        assert card.members
        expected = tuple(dict.fromkeys(c for m in card.members for c in m.checks))
        assert card.checks == expected
        texts = [r for m in card.members for r in m.reasons]
        assert list(card.reasons) == list(dict.fromkeys(texts))

    def test_plain_text_reasons_become_text_checks(self, result: Result) -> None:
        """A rule passing ``reasons=`` strings gets checks of criterion ``text``, always met."""
        [action] = result.filter(rule="no_limit")
        assert [(c.id, c.met, c.role) for c in action.checks] == [
            ("text", True, "condition"),
            ("text", True, "condition"),
        ]
        assert action.reasons == NoLimit.reasons

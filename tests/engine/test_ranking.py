"""Ranking, explained; caps and collapse; deal amounts (the rep's screen, issue 16).

The ranked order is scored by a ranker whose score parts add up to its total; equal scores keep
SPEC §6 order, and so do ``top`` and ``collapse``. ``Deal.amount`` is new and optional: a
document without it loads, evaluates and writes back exactly as before.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import pickle
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from guided_actions import (
    Action,
    Collapsed,
    Config,
    Deal,
    RankedAction,
    Ranking,
    RankingFacts,
    RankingWeights,
    Result,
    RuleSet,
    Score,
    Snapshot,
    default_ranker,
    evaluate,
    evaluate_all,
    hookimpl,
    load_rules,
)
from guided_actions._engine.actions import CATEGORIES
from guided_actions._engine.ranking import (
    FRESHNESS_HORIZON,
    MAX_WEIGHT,
    PARTS,
    URGENCY_HORIZON,
)
from guided_actions._model.validation import check_type, describe_type
from guided_actions.criteria import Criterion
from guided_actions.errors import (
    InvalidConfigError,
    InvalidRecordError,
    InvalidSnapshotError,
    PluginError,
    RankerConflictError,
    RankerError,
)
from guided_actions.testing import (
    NOW,
    at,
    build,
    call,
    company,
    contact,
    deal,
    engagement,
    inbound_email,
    lead,
    meeting,
    task,
)
from strategies import snapshots

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "src" / "guided_actions" / "_adapters" / "demo" / "demo.json"
BECAUSE = Criterion("because", met="because", unmet="not because")
MICRO = timedelta(microseconds=1)
#: Deal actions only: one action per deal.
ADD_CONTACT_ONLY = Config(disabled_rules={"initial_outreach_needed"})


# -- helpers ------------------------------------------------------------------------------------


def an_action(
    key: str = "r:1",
    *,
    priority: str = "low",
    category: str = "general",
    subject: tuple[str, str] = ("contact", "c1"),
    created_at: datetime = NOW,
    expires_at: datetime | None = None,
    **fields: Any,
) -> Action:
    """A hand-built action; only what a test names differs."""
    values: dict[str, Any] = {
        "key": key,
        "rule": key.split(":")[0],
        "title": "R",
        "category": category,
        "priority": priority,
        "user_id": "u1",
        "subjects": (subject,),
        "created_at": created_at,
        "expires_at": expires_at,
        "contact_ids": (),
        "company_ids": (),
        "checks": (BECAUSE.check(True),),
    }
    values.update(fields)
    return Action(**values)


def a_result(*actions: Action) -> Result:
    return Result(user_id="u1", now=NOW, actions=tuple(actions))


def facts(**fields: Any) -> RankingFacts:
    return RankingFacts(now=NOW, **fields)


def score_of(action: Action, **fields: Any) -> Score:
    return default_ranker(action, facts(**fields))


def only(part: str) -> Any:
    """A ranker keeping one part of the default score."""

    def ranker(action: Action, facts: RankingFacts) -> Score:
        return Score.of({part: default_ranker(action, facts).parts[part]})

    return ranker


def recorded_facts(result: Result) -> dict[str, RankingFacts]:
    """The facts the engine gives a ranker, by action key."""
    seen: dict[str, RankingFacts] = {}

    def recorder(action: Action, facts: RankingFacts) -> Score:
        seen[action.key] = facts
        return Score.of({})

    result.ranked(recorder)
    return seen


def amounts_by_rule(result: Result) -> dict[str, float | None]:
    seen = recorded_facts(result)
    return {a.rule: seen[a.key].amount for a in result}


@st.composite
def with_amounts(draw: st.DrawFn) -> tuple[Snapshot, datetime, str]:
    """A generated snapshot whose deals have amounts (or not): ints, floats, zeros."""
    snapshot, now, user_id = draw(snapshots())
    document = snapshot.to_dict()
    for record in document.get("deals", []):
        amount = draw(
            st.none()
            | st.integers(0, 10**9)
            | st.floats(0, 1e12, allow_nan=False, allow_infinity=False)
        )
        if amount is not None:
            record["amount"] = amount
    return Snapshot.from_dict(document), now, user_id


weights_st = st.builds(
    RankingWeights,
    priority=st.floats(0, 10),
    urgency=st.floats(0, 10),
    amount=st.floats(0, 10),
    age=st.floats(0, 10),
)


# -- Deal.amount: the interchange format -----------------------------------------------------------


def doc(*deals: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": "guided-actions/1",
        "users": [{"id": "u1", "email": "rep@acme.test"}],
        "pipelines": [{"id": "p", "object": "deal", "stages": [{"id": "s"}]}],
        "deals": list(deals),
    }


def a_deal(**fields: Any) -> dict[str, Any]:
    return {
        "id": "d1",
        "pipeline_id": "p",
        "stage_id": "s",
        "created_at": "2026-11-01T00:00:00Z",
        **fields,
    }


class TestDealAmount:
    @pytest.mark.parametrize("amount", [0, 1, 5000, 12.5, 0.0, -0.0, 10**400, 1.7e308])
    def test_loads_and_round_trips_as_given(self, amount: float) -> None:
        """A finite number of at least 0, int or float, loads and is written back as given."""
        snapshot = Snapshot.from_dict(doc(a_deal(amount=amount)))
        [record] = snapshot.records("deals")
        assert isinstance(record, Deal)
        assert record.amount == amount
        assert type(record.amount) is type(amount)
        written = snapshot.to_dict()["deals"][0]["amount"]
        assert written == amount
        assert type(written) is type(amount)

    def test_absent_or_null_is_unknown_and_not_written(self) -> None:
        """No amount (absent or null) is None, and to_dict leaves it out: an existing document
        comes back unchanged."""
        for record in (a_deal(), a_deal(amount=None)):
            snapshot = Snapshot.from_dict(doc(record))
            assert snapshot.deal("d1").amount is None  # type: ignore[union-attr]
            assert "amount" not in snapshot.to_dict()["deals"][0]

    @pytest.mark.parametrize(
        ("amount", "message"),
        [
            (-1, "an amount cannot be negative"),
            (-0.001, "an amount cannot be negative"),
            (-(10**400), "an amount cannot be negative"),
            (float("nan"), "expected a finite number"),
            (float("inf"), "expected a finite number"),
            (float("-inf"), "expected a finite number"),
            (True, "expected a number"),
            (False, "expected a number"),
            ("5000", "expected a number"),
            ([5000], "expected a number"),
            ({"value": 1}, "expected a number"),
        ],
    )
    def test_refused_with_the_usual_problem(self, amount: object, message: str) -> None:
        """A bad amount is one problem naming the deal, the field and the value, from a
        document and from Python alike."""
        with pytest.raises(InvalidSnapshotError) as info:
            Snapshot.from_dict(doc(a_deal(amount=amount)))
        [problem] = info.value.problems
        assert (problem.kind, problem.record_id, problem.field, problem.message) == (
            "deals",
            "d1",
            "amount",
            message,
        )
        assert problem.value is amount
        with pytest.raises(InvalidRecordError) as direct:
            deal("d1", amount=amount)
        assert [(p.field, p.message) for p in direct.value.problems] == [("amount", message)]

    def test_json_text(self) -> None:
        """From JSON text: NaN and overflowing exponents are refused, an integer too long to read
        is reported by its length."""
        base = '{"schema": "guided-actions/1", "pipelines": [{"id": "p", "object": "deal", '
        base += '"stages": [{"id": "s"}]}], "deals": [{"id": "d1", "pipeline_id": "p", '
        base += '"stage_id": "s", "created_at": "2026-11-01T00:00:00Z", "amount": %s}]}'
        assert Snapshot.from_json(base % "250").deal("d1").amount == 250  # type: ignore[union-attr]
        for text, gist in [
            ("NaN", "finite"),
            ("1e400", "finite"),
            ("9" * 5000, "integer too long"),
        ]:
            with pytest.raises(InvalidSnapshotError) as info:
                Snapshot.from_json(base % text)
            [problem] = info.value.problems
            assert problem.field == "amount"
            assert gist in problem.message

    def test_float_annotation_reads_as_a_number(self) -> None:
        """The type checker reads ``float`` as a number: an int or a float, not a bool."""
        assert describe_type(float) == "a number"
        assert describe_type(float | None) == "a number or null"
        assert check_type(3, float) is None
        assert check_type(3.5, float | None) is None
        assert check_type(None, float | None) is None
        assert check_type(True, float) == "expected a number"
        assert check_type(math.nan, float) == "expected a finite number"

    def test_existing_documents_unchanged(self) -> None:
        """The demo document, which has no amounts, writes back without any."""
        snapshot = Snapshot.from_json(DEMO.read_text(encoding="utf-8"))
        assert snapshot.records("deals")
        assert all("amount" not in d for d in snapshot.to_dict().get("deals", []))
        assert Snapshot.from_dict(snapshot.to_dict()).to_dict() == snapshot.to_dict()

    @given(with_amounts())
    def test_amounts_change_no_action(self, case: tuple[Snapshot, datetime, str]) -> None:
        """Only the ranking reads amounts: the same snapshot without them gives an equal result
        and the same dicts, and the document round-trips."""
        snapshot, now, user_id = case
        document = snapshot.to_dict()
        assert Snapshot.from_dict(document).to_dict() == document
        for record in document.get("deals", []):
            record.pop("amount", None)
        bare = Snapshot.from_dict(document)
        with_, without = evaluate(snapshot, now, user_id), evaluate(bare, now, user_id)
        assert with_ == without
        assert with_.to_dicts() == without.to_dicts()


# -- Score, weights, facts ------------------------------------------------------------------------


class TestScore:
    def test_of_adds_up_the_parts(self) -> None:
        score = Score.of({"a": 1.5, "b": 2})
        assert score.total == 3.5
        assert score.parts == {"a": 1.5, "b": 2.0}
        assert list(score.parts) == ["a", "b"]
        assert str(score) == "3.50 = a 1.50 + b 2.00"
        assert Score.of({}) == Score(0, {})

    def test_a_total_that_is_not_the_sum_is_refused(self) -> None:
        """The parts must add up to the total: within rounding, and no further."""
        assert Score(0.1 + 0.2, {"a": 0.1, "b": 0.2}).total == pytest.approx(0.3)
        assert Score(0.3, {"a": 0.1, "b": 0.2}).total == 0.3
        with pytest.raises(ValueError, match="is not the sum of its parts"):
            Score(3.0, {"a": 1.0, "b": 1.0})
        with pytest.raises(ValueError, match="is not the sum of its parts"):
            Score(1.0 + 1e-6, {"a": 1.0})

    @pytest.mark.parametrize(
        ("parts", "error"),
        [
            ({"a": math.nan}, ValueError),
            ({"a": math.inf}, ValueError),
            ({"a": True}, ValueError),
            ({"a": "1"}, ValueError),
            ({"a": 10**400}, ValueError),
            ({1: 1.0}, TypeError),
            ([("a", 1.0)], TypeError),
        ],
    )
    def test_bad_parts(self, parts: Any, error: type[Exception]) -> None:
        with pytest.raises(error):
            Score.of(parts)

    @pytest.mark.parametrize("total", [math.nan, math.inf, True, "1"])
    def test_bad_total(self, total: Any) -> None:
        with pytest.raises(ValueError, match="score total"):
            Score(total, {})

    def test_frozen_equal_and_pickles(self) -> None:
        score = Score.of({"priority": 1.0, "urgency": 0.25})
        assert pickle.loads(pickle.dumps(score)) == score
        assert hash(score) == hash(Score.of({"priority": 1.0, "urgency": 0.25}))
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            score.total = 2.0  # type: ignore[misc]


class TestWeights:
    def test_defaults(self) -> None:
        """Priority 3, urgency 2, amount 2, age 1: Config().ranking."""
        weights = RankingWeights()
        assert attrs.asdict(weights) == {"priority": 3.0, "urgency": 2.0, "amount": 2.0, "age": 1.0}
        assert Config().ranking == weights

    def test_config_takes_a_mapping(self) -> None:
        """A mapping sets some weights; the others keep their defaults; ints become floats."""
        config = Config(ranking={"amount": 4, "age": 0})
        assert config.ranking == RankingWeights(amount=4.0, age=0.0)
        assert type(config.ranking.amount) is float
        assert config == Config(ranking=RankingWeights(amount=4, age=0))
        assert hash(config) == hash(Config(ranking=RankingWeights(amount=4, age=0)))
        assert pickle.loads(pickle.dumps(config)) == config

    @pytest.mark.parametrize("value", [0, 0.0, MAX_WEIGHT, 0.5])
    def test_bounds_accepted(self, value: float) -> None:
        assert RankingWeights(urgency=value).urgency == value

    @pytest.mark.parametrize(
        ("value", "gist"),
        [
            (-1, "between 0 and 1,000,000"),
            (-1e-9, "between 0 and 1,000,000"),
            (MAX_WEIGHT + 1, "between 0 and 1,000,000"),
            (math.nan, "finite"),
            (math.inf, "finite"),
            (True, "a number"),
            ("2", "a number"),
            (None, "a number"),
        ],
    )
    def test_bad_weight_names_the_weight(self, value: object, gist: str) -> None:
        with pytest.raises(InvalidConfigError) as info:
            Config(ranking={"urgency": value})
        assert "ranking weight 'urgency'" in str(info.value)
        assert gist in str(info.value)

    @pytest.mark.parametrize(
        ("value", "gist"),
        [
            ({"size": 1}, "unknown weight(s) 'size'"),
            (3, "ranking must be RankingWeights or a mapping"),
            ("amount", "ranking must be RankingWeights or a mapping"),
        ],
    )
    def test_bad_ranking(self, value: object, gist: str) -> None:
        with pytest.raises(InvalidConfigError, match=gist.replace("(", r"\(").replace(")", r"\)")):
            Config(ranking=value)  # type: ignore[arg-type]


# -- the default ranker: each part, its direction and its bounds -----------------------------------


class TestDefaultRanker:
    def test_parts_in_order_add_up(self) -> None:
        action = an_action(priority="high", created_at=at(days=-1), expires_at=at(days=2))
        score = score_of(action, amount=100, largest_amount=10_000)
        assert tuple(score.parts) == PARTS
        assert score.total == sum(score.parts.values())
        assert score.parts["priority"] == 3.0
        assert score.parts["urgency"] == pytest.approx(2.0 * (1 - 2 / 7))
        assert score.parts["amount"] == pytest.approx(2.0 * math.log(101) / math.log(10_001))
        assert score.parts["age"] == pytest.approx(1.0 * (1 - 1 / 7))

    @pytest.mark.parametrize(("priority", "share"), [("high", 1.0), ("normal", 0.5), ("low", 0.0)])
    def test_priority(self, priority: str, share: float) -> None:
        """High earns the whole weight, normal half, low none."""
        action = an_action(priority=priority)
        assert score_of(action).parts["priority"] == 3.0 * share

    @pytest.mark.parametrize(
        ("left", "share"),
        [
            (timedelta(0), 1.0),
            (MICRO, 1.0 - MICRO / URGENCY_HORIZON),
            (URGENCY_HORIZON / 2, 0.5),
            (
                URGENCY_HORIZON - MICRO,
                MICRO / URGENCY_HORIZON,
            ),
            (URGENCY_HORIZON, 0.0),
            (URGENCY_HORIZON + MICRO, 0.0),
            (timedelta(days=300), 0.0),
        ],
    )
    def test_urgency_scale(self, left: timedelta, share: float) -> None:
        """Urgency falls linearly from the whole weight at expiry to 0 at 7 days left."""
        part = score_of(an_action(expires_at=NOW + left)).parts["urgency"]
        assert part == pytest.approx(2.0 * share, abs=1e-12)
        assert (part > 0) == (left < URGENCY_HORIZON)

    def test_no_time_limit_is_not_urgent(self) -> None:
        assert score_of(an_action(expires_at=None)).parts["urgency"] == 0.0

    @pytest.mark.parametrize(
        ("age", "share"),
        [
            (timedelta(0), 1.0),
            (FRESHNESS_HORIZON / 4, 0.75),
            (
                FRESHNESS_HORIZON - MICRO,
                MICRO / FRESHNESS_HORIZON,
            ),
            (FRESHNESS_HORIZON, 0.0),
            (timedelta(days=90), 0.0),
        ],
    )
    def test_freshness_scale(self, age: timedelta, share: float) -> None:
        """Fresh first: the whole weight for an action created now, none at 7 days old."""
        part = score_of(an_action(created_at=NOW - age)).parts["age"]
        assert part == pytest.approx(1.0 * share, abs=1e-12)
        assert (part > 0) == (age < FRESHNESS_HORIZON)

    @pytest.mark.parametrize(
        ("amount", "largest", "share"),
        [
            (None, None, 0.0),
            (None, 5000, 0.0),
            (0, 5000, 0.0),
            (0, 0, 0.0),
            (5000, 5000, 1.0),
            (5000.0, 5000, 1.0),
            (1, 5000, math.log(2) / math.log(5001)),
            (4999, 5000, math.log(5000) / math.log(5001)),
            (10**300, 10**400, 0.75),
        ],
    )
    def test_amount_scale(self, amount: float | None, largest: float | None, share: float) -> None:
        """log(1 + amount) / log(1 + largest): the largest gets the whole weight, none gets 0,
        integers of any size work."""
        part = score_of(an_action(), amount=amount, largest_amount=largest).parts["amount"]
        assert part == pytest.approx(2.0 * share, rel=1e-6)

    @pytest.mark.parametrize(
        ("better", "worse"),
        [
            ({"priority": "high"}, {"priority": "normal"}),
            ({"priority": "normal"}, {"priority": "low"}),
            ({"expires_at": at(days=1)}, {"expires_at": at(days=2)}),
            ({"expires_at": at(days=6)}, {"expires_at": None}),
            ({"created_at": at(days=-1)}, {"created_at": at(days=-2)}),
        ],
    )
    def test_direction_of_each_part(self, better: dict[str, Any], worse: dict[str, Any]) -> None:
        """Higher priority, closer expiry and fresher rank higher, everything else equal; the
        two sides swapped rank the other way."""
        common = {"created_at": at(days=-3), "expires_at": at(days=3)}
        first = an_action("a:1", **{**common, **better})
        second = an_action("b:1", **{**common, **worse})
        assert score_of(first).total > score_of(second).total
        for pair in ((first, second), (second, first)):
            ranked = a_result(*pair).ranked()
            assert [r.action for r in ranked] == [first, second]

    @pytest.mark.parametrize(("d1", "d2"), [(1_000, 90_000), (90_000, 1_000)])
    def test_larger_amount_ranks_higher(self, d1: int, d2: int) -> None:
        """The action on the larger deal comes first, whichever is first in SPEC §6 order (two
        deals alike but for their amount: by key there)."""
        snapshot = build(
            deal("d1", created_at=at(days=-8), amount=d1),
            deal("d2", created_at=at(days=-8), amount=d2),
        )
        result = evaluate(snapshot, NOW, "u1", config=ADD_CONTACT_ONLY)
        larger, smaller = ("d1", "d2") if d1 > d2 else ("d2", "d1")
        ranked = result.ranked()
        assert [r.action.subjects[0][1] for r in ranked] == [larger, smaller]
        assert ranked[0].parts["amount"] == 2.0
        assert 0 < ranked[1].parts["amount"] < 2.0
        assert {p: v for p, v in ranked[0].parts.items() if p != "amount"} == {
            p: v for p, v in ranked[1].parts.items() if p != "amount"
        }

    @given(with_amounts(), weights_st)
    def test_parts_add_up_and_stay_within_their_weights(
        self, case: tuple[Snapshot, datetime, str], weights: RankingWeights
    ) -> None:
        """For every action of every result: the total is the sum of the parts, each part lies
        between 0 and its weight, and the ranked order is by total, highest first."""
        snapshot, now, user_id = case
        result = evaluate(snapshot, now, user_id, config=Config(ranking=weights))
        ranked = result.ranked()
        assert sorted(r.action.key for r in ranked) == sorted(a.key for a in result)
        for entry in ranked:
            assert entry.total == sum(entry.parts.values())
            assert tuple(entry.parts) == PARTS
            for name, value in entry.parts.items():
                assert 0 <= value <= getattr(weights, name)
        totals = [r.total for r in ranked]
        assert totals == sorted(totals, reverse=True)

    @given(with_amounts(), st.sampled_from(PARTS))
    def test_a_zero_weight_removes_its_part(
        self, case: tuple[Snapshot, datetime, str], part: str
    ) -> None:
        snapshot, now, user_id = case
        config = Config(ranking={part: 0})
        for entry in evaluate(snapshot, now, user_id, config=config).ranked():
            assert entry.parts[part] == 0

    @given(with_amounts())
    def test_all_weights_zero_is_spec_order(self, case: tuple[Snapshot, datetime, str]) -> None:
        """With every weight 0 all scores tie: the ranked order is SPEC §6's."""
        snapshot, now, user_id = case
        config = Config(ranking=dict.fromkeys(PARTS, 0))
        result = evaluate(snapshot, now, user_id, config=config)
        assert [r.action for r in result.ranked()] == list(result.actions)

    @given(with_amounts())
    def test_ties_keep_spec_order(self, case: tuple[Snapshot, datetime, str]) -> None:
        """Among equal totals, actions keep their SPEC §6 order (default weights, with a ranker
        that ties often: priority alone)."""
        snapshot, now, user_id = case
        result = evaluate(snapshot, now, user_id)
        position = {a.key: i for i, a in enumerate(result)}
        for ranking in (
            result.ranked(),
            result.ranked(only("priority")),
        ):
            for first, second in itertools.pairwise(ranking):
                assert first.total >= second.total
                if first.total == second.total:
                    assert position[first.action.key] < position[second.action.key]


# -- the facts: deal amounts, as of now ------------------------------------------------------------


class TestDealAmounts:
    def test_a_deal_its_own_amount_and_the_scale(self) -> None:
        """A deal action's amount is the deal's; the scale is the largest among the result."""
        snapshot = build(
            deal("d1", created_at=at(days=-8), amount=700),
            deal("d2", created_at=at(days=-9), amount=2_500.5),
            deal("d3", created_at=at(days=-10)),
        )
        result = evaluate(snapshot, NOW, "u1", config=ADD_CONTACT_ONLY)
        seen = recorded_facts(result)
        by_deal = {a.subjects[0][1]: seen[a.key] for a in result}
        assert {d: f.amount for d, f in by_deal.items()} == {"d1": 700, "d2": 2_500.5, "d3": None}
        assert {f.largest_amount for f in by_deal.values()} == {2_500.5}
        assert {f.now for f in by_deal.values()} == {NOW}
        assert {f.weights for f in by_deal.values()} == {RankingWeights()}

    def test_no_amount_anywhere(self) -> None:
        result = evaluate(build(deal("d1", created_at=at(days=-8))), NOW, "u1")
        assert {(f.amount, f.largest_amount) for f in recorded_facts(result).values()} == {
            (None, None)
        }

    def test_a_contact_the_open_deals_listing_it(self) -> None:
        """A contact touches the open deals that list it, existing at now: not a closed one,
        nor one created after now, however large."""
        snapshot = build(
            contact("c1"),
            inbound_email("e1", contact_ids=("c1",), sent_at=at(hours=-2)),
            deal("d1", contact_ids=("c1",), amount=300, owner_id="u2"),
            deal("d2", contact_ids=("c1",), amount=800, owner_id="u2"),
            deal("won", contact_ids=("c1",), amount=10**6, stage_id="won", owner_id="u2"),
            deal("later", contact_ids=("c1",), amount=10**7, created_at=at(hours=1)),
            deal("other", amount=10**5, owner_id="u2"),
        )
        result = evaluate(snapshot, NOW, "u1")
        assert amounts_by_rule(result) == {"contacts_awaiting_reply": 800}
        assert {f.largest_amount for f in recorded_facts(result).values()} == {800}

    def test_a_lead_the_deals_listing_its_contact(self) -> None:
        """A lead touches the deals of its contact; a card (newly assigned leads) all its
        members'."""
        snapshot = build(
            contact("c1"),
            contact("c2"),
            lead("l1", contact_id="c1", owner_assigned_at=at(days=-1)),
            lead("l2", contact_id="c2", owner_assigned_at=at(days=-2)),
            deal("d1", contact_ids=("c1",), amount=40, owner_id="u2"),
            deal("d2", contact_ids=("c2",), amount=60, owner_id="u2"),
        )
        result = evaluate(snapshot, NOW, "u1").filter(rule="newly_assigned_leads")
        assert [set(a.subjects) for a in result] == [{("lead", "l1"), ("lead", "l2")}]
        assert amounts_by_rule(result) == {"newly_assigned_leads": 60}

    def test_a_meeting_its_deals_unless_private(self) -> None:
        """A meeting touches the deals it lists; a super admin, who sees it as busy, gets no
        amount for it."""
        snapshot = build(
            meeting("m1", start=at(days=-1), deal_ids=("d1", "d2")),
            deal("d1", amount=90, owner_id="u2"),
            deal("d2", amount=30, owner_id="u2"),
        )
        mine = evaluate(snapshot, NOW, "u1").filter(rule="meeting_follow_up")
        assert amounts_by_rule(mine) == {"meeting_follow_up": 90}
        seen = evaluate(snapshot, NOW, "u1", viewer="admin").filter(rule="meeting_follow_up")
        assert amounts_by_rule(seen) == {"meeting_follow_up": None}

    def test_a_card_of_tasks_open_deals_existing_at_now(self) -> None:
        """A task touches the deals it lists: not a closed one, nor one created after now."""
        snapshot = build(
            task("t1", priority="high", due_at=at(hours=2), deal_ids=("d1", "lost")),
            task("t2", priority="high", due_at=at(hours=3), deal_ids=("later",)),
            deal("d1", amount=50, owner_id="u2"),
            deal("lost", amount=500, stage_id="lost", owner_id="u2"),
            deal("later", amount=5000, created_at=at(microseconds=1), owner_id="u2"),
        )
        result = evaluate(snapshot, NOW, "u1").filter(rule="priority_tasks_due_today")
        assert len(result[0].subjects) == 2
        assert amounts_by_rule(result) == {"priority_tasks_due_today": 50}
        at_its_creation = evaluate(snapshot, at(microseconds=1), "u1").filter(
            rule="priority_tasks_due_today"
        )
        assert amounts_by_rule(at_its_creation) == {"priority_tasks_due_today": 5000}

    def test_a_card_of_calls_the_largest_of_its_members(self) -> None:
        snapshot = build(
            call("k1", status="completed", deal_ids=("d1",)),
            call("k2", status="completed", started_at=at(hours=-3), deal_ids=("d2",)),
            deal("d1", amount=5, owner_id="u2"),
            deal("d2", amount=7, owner_id="u2"),
        )
        result = evaluate(snapshot, NOW, "u1").filter(rule="log_call_outcomes")
        assert len(result[0].subjects) == 2
        assert amounts_by_rule(result) == {"log_call_outcomes": 7}

    def test_the_scale_is_the_whole_results(self) -> None:
        """filter, about and top keep the facts: an action scores the same in every view."""
        snapshot = build(
            deal("d1", created_at=at(days=-8), amount=100),
            deal("d2", created_at=at(days=-9), amount=10_000),
        )
        result = evaluate(snapshot, NOW, "u1")
        full = {r.action.key: r.score for r in result.ranked()}
        for view in (
            result.filter(rule="add_contact_to_deal"),
            result.about("deal", "d1"),
            result.top(1),
            result.top(3, per_category=2),
        ):
            assert len(view) < len(result)
            assert all(full[r.action.key] == r.score for r in view.ranked())

    def test_evaluate_all_gives_the_same_facts(self) -> None:
        snapshot = build(deal("d1", created_at=at(days=-8), amount=100))
        assert evaluate_all(snapshot, NOW)["u1"].ranked() == evaluate(snapshot, NOW, "u1").ranked()


# -- Result.ranked: choosing the ranker, errors, equality and pickling ----------------------------


def by_age(action: Action, facts: RankingFacts) -> Score:
    """Oldest first: a module-level ranker, so that it pickles."""
    return Score.of({"age": (facts.now - action.created_at) / timedelta(days=1)})


class AgeRanking:
    """A plugin providing :func:`by_age`."""

    @staticmethod
    @hookimpl
    def guided_actions_ranker() -> Any:
        return by_age


class NoRanker:
    @staticmethod
    @hookimpl
    def guided_actions_ranker() -> Any:
        return None


TWO_DEALS = build(
    deal("d1", created_at=at(days=-8), amount=90_000),
    deal("d2", created_at=at(days=-13), amount=10),
)


class TestRanked:
    def test_ranked_actions_expose_action_score_parts(self) -> None:
        result = evaluate(TWO_DEALS, NOW, "u1")
        ranking = result.ranked()
        assert isinstance(ranking, Ranking)
        assert isinstance(ranking, tuple)
        first = ranking[0]
        assert isinstance(first, RankedAction)
        assert first.action in result.actions
        assert first.total == first.score.total
        assert first.parts == first.score.parts
        assert first.to_dict() == {
            "action": first.action.to_dict(),
            "score": {"total": first.total, "parts": dict(first.parts)},
        }

    def test_an_explicit_ranker_wins(self) -> None:
        result = evaluate(TWO_DEALS, NOW, "u1")
        default = [r.action.subjects[0][1] for r in result.ranked()]
        oldest = [r.action.subjects[0][1] for r in result.ranked(by_age)]
        assert default == ["d1", "d1", "d2", "d2"]
        assert oldest == ["d2", "d2", "d1", "d1"]

    def test_a_plugin_ranker_replaces_the_default(self) -> None:
        """A real pluggy plugin's guided_actions_ranker becomes the rule set's ranker, used by
        every result evaluated with it, unless a ranker is passed."""
        ruleset = load_rules([NoRanker, AgeRanking], entry_points=False)
        assert ruleset.ranker is by_age
        assert ruleset.ranker_plugin == "AgeRanking"
        result = evaluate(TWO_DEALS, NOW, "u1", rules=ruleset)
        assert [r.action.subjects[0][1] for r in result.ranked()] == ["d2", "d2", "d1", "d1"]
        assert result.ranked() == result.ranked(by_age)
        assert result.ranked(default_ranker) == evaluate(TWO_DEALS, NOW, "u1").ranked()
        assert evaluate_all(TWO_DEALS, NOW, rules=ruleset)["u1"].ranked() == result.ranked()

    def test_without_a_plugin_ranker(self) -> None:
        ruleset = load_rules([NoRanker], entry_points=False)
        assert (ruleset.ranker, ruleset.ranker_plugin) == (None, None)
        assert load_rules(entry_points=False).ranker is None
        result = evaluate(TWO_DEALS, NOW, "u1", rules=ruleset)
        assert result.ranked() == result.ranked(default_ranker)

    def test_two_plugin_rankers_conflict(self) -> None:
        class Other(AgeRanking):
            pass

        with pytest.raises(RankerConflictError) as info:
            load_rules([AgeRanking, NoRanker, Other], entry_points=False)
        assert info.value.plugins == ("AgeRanking", "Other")
        assert isinstance(info.value, PluginError)
        assert "'AgeRanking' and 'Other' both provide a ranker" in str(info.value)

    @pytest.mark.parametrize(
        ("returned", "gist"),
        [(3, "returned 3, not a callable or None"), ("by_age", "not a callable")],
    )
    def test_a_plugin_returning_no_callable(self, returned: object, gist: str) -> None:
        class Bad:
            @staticmethod
            @hookimpl
            def guided_actions_ranker() -> Any:
                return returned

        with pytest.raises(PluginError, match=gist) as info:
            load_rules([Bad], entry_points=False)
        assert info.value.plugin == "Bad"

    def test_a_plugin_hook_that_raises(self) -> None:
        class Raising:
            @staticmethod
            @hookimpl
            def guided_actions_ranker() -> Any:
                raise KeyError("no ranker here")

        with pytest.raises(PluginError, match="guided_actions_ranker raised KeyError") as info:
            load_rules([Raising], entry_points=False)
        assert isinstance(info.value.__cause__, KeyError)

    def test_a_ranker_that_raises(self) -> None:
        """RankerError names the ranker (and its plugin); the exception is its cause."""

        def broken(action: Action, facts: RankingFacts) -> Score:
            raise ZeroDivisionError("no score")

        result = evaluate(TWO_DEALS, NOW, "u1")
        with pytest.raises(RankerError) as info:
            result.ranked(broken)
        error = info.value
        assert error.ranker.endswith("test_a_ranker_that_raises.<locals>.broken")
        assert error.plugin is None
        assert error.message == "raised ZeroDivisionError: no score"
        assert isinstance(error.__cause__, ZeroDivisionError)

        class Broken:
            @staticmethod
            @hookimpl
            def guided_actions_ranker() -> Any:
                return broken

        plugged = evaluate(TWO_DEALS, NOW, "u1", rules=load_rules([Broken], entry_points=False))
        with pytest.raises(RankerError, match=r"\(plugin 'Broken'\): raised ZeroDivisionError"):
            plugged.ranked()

    @pytest.mark.parametrize("returned", [1.0, None, {"total": 1.0, "parts": {}}])
    def test_a_ranker_that_returns_no_score(self, returned: object) -> None:
        result = evaluate(TWO_DEALS, NOW, "u1")
        with pytest.raises(RankerError, match="not a Score") as info:
            result.ranked(lambda action, facts: returned)  # type: ignore[arg-type,return-value]
        assert result[0].key in info.value.message

    def test_a_score_that_does_not_add_up_is_the_rankers_error(self) -> None:
        result = evaluate(TWO_DEALS, NOW, "u1")
        with pytest.raises(RankerError, match="not the sum of its parts"):
            result.ranked(lambda action, facts: Score(1.0, {"a": 2.0}))

    def test_not_a_callable(self) -> None:
        with pytest.raises(TypeError, match="ranker must be a callable"):
            evaluate(TWO_DEALS, NOW, "u1").ranked(3)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="ranker must be a callable"):
            RuleSet(rules=(), origins={}, ranker=3)  # type: ignore[arg-type]

    def test_an_empty_result(self) -> None:
        assert evaluate(build(), NOW, "u1").ranked() == ()

    def test_a_hand_built_result_ranks_without_facts(self) -> None:
        """No amounts, the default weights."""
        action = an_action(priority="high", expires_at=at(days=1))
        [entry] = a_result(action).ranked()
        assert entry.score == default_ranker(action, RankingFacts(now=NOW))
        assert entry.parts["amount"] == 0

    def test_equality_and_hash_unchanged(self) -> None:
        """The facts are not part of a result's equality: a result equals one built from its
        fields, whatever the weights or ranker."""
        result = evaluate(TWO_DEALS, NOW, "u1")
        plain = Result(
            user_id=result.user_id, now=result.now, actions=result.actions, errors=result.errors
        )
        assert result == plain
        assert hash(result) == hash(plain)
        weighted = evaluate(TWO_DEALS, NOW, "u1", config=Config(ranking={"amount": 0}))
        assert weighted == result
        assert weighted.ranked() != result.ranked()
        assert "ranking" not in repr(result)

    def test_pickles_with_its_facts_and_ranker(self) -> None:
        ruleset = load_rules([AgeRanking], entry_points=False)
        assert pickle.loads(pickle.dumps(ruleset)) == ruleset
        for result in (
            evaluate(TWO_DEALS, NOW, "u1"),
            evaluate(TWO_DEALS, NOW, "u1", rules=ruleset, config=Config(ranking={"age": 5})),
        ):
            copy = pickle.loads(pickle.dumps(result))
            assert copy == result
            assert copy.ranked() == result.ranked()
            ranking = pickle.loads(pickle.dumps(result.ranked()))
            assert type(ranking) is Ranking
            assert ranking == result.ranked()
            assert pickle.loads(pickle.dumps(ranking.collapse())) == ranking.collapse()


# -- top and count_by_category ------------------------------------------------------------------


def mixed_result() -> Result:
    """Actions of every category, in SPEC §6 order."""
    actions = [
        an_action("a:1", priority="high", category="deal"),
        an_action("b:1", priority="high", category="general"),
        an_action("c:1", priority="normal", category="deal"),
        an_action("d:1", priority="normal", category="deal"),
        an_action("e:1", priority="normal", category="prospecting"),
        an_action("f:1", priority="low", category="general"),
    ]
    return a_result(*sorted(actions, key=Action.sort_key))


def keys(actions: Sequence[Action] | Result) -> list[str]:
    return [a.key for a in actions]


class TestTop:
    @pytest.mark.parametrize(
        ("n", "expected"),
        [
            (0, []),
            (1, ["a:1"]),
            (2, ["a:1", "b:1"]),
            (5, ["a:1", "b:1", "c:1", "d:1", "e:1"]),
            (6, ["a:1", "b:1", "c:1", "d:1", "e:1", "f:1"]),
            (7, ["a:1", "b:1", "c:1", "d:1", "e:1", "f:1"]),
            (10**6, ["a:1", "b:1", "c:1", "d:1", "e:1", "f:1"]),
        ],
    )
    def test_first_n(self, n: int, expected: list[str]) -> None:
        result = mixed_result()
        top = result.top(n)
        assert isinstance(top, Result)
        assert keys(top) == expected
        assert (top.user_id, top.now, top.errors) == (result.user_id, result.now, result.errors)

    @pytest.mark.parametrize(
        ("n", "per_category", "expected"),
        [
            (6, 0, []),
            (6, 1, ["a:1", "b:1", "e:1"]),
            (6, 2, ["a:1", "b:1", "c:1", "e:1", "f:1"]),
            (6, 3, ["a:1", "b:1", "c:1", "d:1", "e:1", "f:1"]),
            (2, 1, ["a:1", "b:1"]),
            (3, 2, ["a:1", "b:1", "c:1"]),
            (0, 2, []),
        ],
    )
    def test_per_category(self, n: int, per_category: int, expected: list[str]) -> None:
        assert keys(mixed_result().top(n, per_category=per_category)) == expected

    @pytest.mark.parametrize(
        ("n", "per_category", "error", "gist"),
        [
            (-1, None, ValueError, "n must be at least 0, got -1"),
            (3, -1, ValueError, "per_category must be at least 0, got -1"),
            (True, None, TypeError, "n must be an integer"),
            (2.0, None, TypeError, "n must be an integer"),
            (None, None, TypeError, "n must be an integer"),
            (3, 1.5, TypeError, "per_category must be an integer"),
            (3, False, TypeError, "per_category must be an integer"),
        ],
    )
    def test_bad_counts(self, n: Any, per_category: Any, error: type[Exception], gist: str) -> None:
        with pytest.raises(error, match=gist):
            mixed_result().top(n, per_category=per_category)

    def test_count_by_category(self) -> None:
        """Every category, zeros included, in declaration order: the "View all (N)" numbers."""
        result = mixed_result()
        assert result.count_by_category() == {"deal": 3, "prospecting": 1, "general": 2}
        assert list(result.count_by_category()) == list(CATEGORIES)
        assert a_result().count_by_category() == {"deal": 0, "prospecting": 0, "general": 0}
        top = result.top(6, per_category=1)
        left_out = {
            c: result.count_by_category()[c] - top.count_by_category()[c] for c in CATEGORIES
        }
        assert left_out == {"deal": 2, "prospecting": 0, "general": 1}

    def test_ranking_top(self) -> None:
        """The same caps over the ranked order."""
        ranking = evaluate(TWO_DEALS, NOW, "u1").ranked()
        assert ranking.top(3) == ranking[:3]
        assert isinstance(ranking.top(3), Ranking)
        assert [r.action.subjects[0][1] for r in ranking.top(4, per_category=1)] == ["d1"]
        assert ranking.top(0) == ()
        with pytest.raises(ValueError, match="n must be at least 0"):
            ranking.top(-1)

    @given(with_amounts(), st.integers(0, 8), st.none() | st.integers(0, 3))
    def test_top_is_the_capped_prefix(
        self, case: tuple[Snapshot, datetime, str], n: int, per_category: int | None
    ) -> None:
        """top keeps SPEC §6 order, at most n actions and at most per_category of each
        category, and leaves out an action only when one of those caps was reached."""
        snapshot, now, user_id = case
        result = evaluate(snapshot, now, user_id)
        top = result.top(n, per_category=per_category)
        kept = list(top)
        assert kept == [a for a in result if a in kept]  # a subsequence, in order
        assert len(kept) <= n
        counts = top.count_by_category()
        if per_category is not None:
            assert all(c <= per_category for c in counts.values())
        if len(kept) < n:
            for action in result:
                if action not in kept:
                    assert per_category is not None
                    assert counts[action.category] == per_category


# -- collapse -----------------------------------------------------------------------------------


class TestCollapse:
    def test_one_entry_per_record_best_first(self) -> None:
        """The first action about a record is its best; the others follow in order; entries
        come in the order of their best action."""
        actions = [
            an_action("a:1", priority="high", subject=("contact", "c1")),
            an_action("b:1", priority="high", subject=("deal", "d1")),
            an_action("c:1", priority="normal", subject=("contact", "c1")),
            an_action("d:1", priority="normal", subject=("contact", "c2")),
            an_action("e:1", priority="low", subject=("contact", "c1")),
            an_action("f:1", priority="low", subject=("lead", "c1")),  # another kind, same id
        ]
        result = a_result(*actions)
        entries = result.collapse()
        assert [(e.subject, e.best.key, keys(e.others)) for e in entries] == [
            (("contact", "c1"), "a:1", ["c:1", "e:1"]),
            (("deal", "d1"), "b:1", []),
            (("contact", "c2"), "d:1", []),
            (("lead", "c1"), "f:1", []),
        ]
        assert isinstance(entries[0], Collapsed)
        assert keys(entries[0].actions) == ["a:1", "c:1", "e:1"]

    def test_a_card_is_an_entry_of_its_own(self) -> None:
        """A card is about several records: it stands alone, even when one of its members is
        the subject of another action."""
        card = an_action(
            "card:1",
            priority="high",
            subjects=(("contact", "c1"), ("contact", "c2")),
            group="all",
        )
        single_card = an_action("card:2", priority="high", subject=("contact", "c1"), group="all")
        single = an_action("s:1", subject=("contact", "c1"))
        entries = a_result(card, single_card, single).collapse()
        assert [(e.subject, e.best.key, keys(e.others)) for e in entries] == [
            (None, "card:1", []),
            (None, "card:2", []),
            (("contact", "c1"), "s:1", []),
        ]

    def test_empty(self) -> None:
        assert a_result().collapse() == ()

    def test_evaluated(self) -> None:
        """Several rules on one contact collapse into one entry; the best by SPEC §6 order."""
        snapshot = build(
            company("co1", target_account=True),
            contact("c1", owner_assigned_at=at(days=-1), company_ids=("co1",)),
            contact("c2", owner_assigned_at=at(days=-1)),
            engagement("ev1", contact_id="c1"),
        )
        ungrouped = Config(grouping={"newly_assigned_contacts": False})
        result = evaluate(snapshot, NOW, "u1", config=ungrouped)
        assert sorted((a.rule, a.subjects[0][1]) for a in result) == [
            ("newly_assigned_contacts", "c1"),
            ("newly_assigned_contacts", "c2"),
            ("target_account_activity", "c1"),
        ]
        entries = result.collapse()
        assert [(e.subject, e.best.rule, [a.rule for a in e.others]) for e in entries] == [
            (("contact", "c1"), "target_account_activity", ["newly_assigned_contacts"]),
            (("contact", "c2"), "newly_assigned_contacts", []),
        ]

    def test_ranking_collapse_puts_the_best_ranked_first(self) -> None:
        """Over the ranked order, an entry's best is its best-ranked action."""
        low = an_action("low:1", priority="low", expires_at=at(minutes=5))
        high = an_action("high:1", priority="high", expires_at=at(days=30))
        result = a_result(high, low)
        assert result.collapse()[0].best == high
        urgent = result.ranked(only("urgency"))
        [entry] = urgent.collapse()
        assert isinstance(entry.best, RankedAction)
        assert (entry.best.action, [r.action for r in entry.others]) == (low, [high])

    @given(with_amounts())
    def test_collapse_partitions_the_result_in_order(
        self, case: tuple[Snapshot, datetime, str]
    ) -> None:
        """Every action is in exactly one entry; entries keep SPEC §6 order (by their best),
        and so do the actions inside each; an entry holds every single-record action about its
        record, and a card alone."""
        snapshot, now, user_id = case
        result = evaluate(snapshot, now, user_id)
        position = {a.key: i for i, a in enumerate(result)}
        entries = result.collapse()
        flat = [a for e in entries for a in e.actions]
        assert sorted(keys(flat)) == sorted(keys(result))
        firsts = [position[e.best.key] for e in entries]
        assert firsts == sorted(firsts)
        for entry in entries:
            inside = [position[a.key] for a in entry.actions]
            assert inside == sorted(inside)
            if entry.subject is None:
                assert entry.others == ()
                assert entry.best.grouped or len(entry.best.subjects) > 1
            else:
                about = [a for a in result if not a.grouped and a.subjects == (entry.subject,)]
                assert list(entry.actions) == about


# -- the Maven CRM example: close_value and list prices as amounts ---------------------------------


def _maven() -> ModuleType:
    spec = importlib.util.spec_from_file_location("maven_crm", ROOT / "examples" / "maven_crm.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def maven() -> ModuleType:
    return _maven()


class TestMavenAmounts:
    NOW = datetime.fromisoformat("2017-06-30T17:00:00+00:00")
    PRICES: ClassVar[dict[str, int]] = {"gtxpro": 4821, "mgspecial": 55}

    def row(self, **fields: str) -> dict[str, str]:
        return {
            "opportunity_id": "o1",
            "sales_agent": "Ada Lovelace",
            "account": "",
            "product": "GTXPro",
            "close_value": "",
            **fields,
        }

    @pytest.mark.parametrize(
        ("fields", "amount"),
        [
            # Closed by now: the price agreed, 0 when lost.
            ({"deal_stage": "Won", "engage_date": "2017-01-02", "close_date": "2017-03-01",
              "close_value": "4514"}, 4514),
            ({"deal_stage": "Lost", "engage_date": "2017-01-02", "close_date": "2017-06-30",
              "close_value": "0"}, 0),
            # Open at now: the list price, even when the export knows the price agreed later.
            ({"deal_stage": "Won", "engage_date": "2017-01-02", "close_date": "2017-07-01",
              "close_value": "4514"}, 4821),
            ({"deal_stage": "Lost", "engage_date": "2017-01-02", "close_date": "2017-07-01",
              "close_value": "0"}, 4821),
            ({"deal_stage": "Engaging", "engage_date": "2017-06-20", "close_date": ""}, 4821),
            ({"deal_stage": "Prospecting", "engage_date": "", "close_date": "",
              "product": "MG Special"}, 55),
            ({"deal_stage": "Prospecting", "engage_date": "", "close_date": "",
              "product": "Unknown"}, None),
        ],
    )  # fmt: skip
    def test_amount_as_of_now(
        self, maven: ModuleType, fields: dict[str, str], amount: int | None
    ) -> None:
        deal_ = maven.deal_from(self.row(**fields), self.NOW, timedelta(days=10), self.PRICES)
        assert deal_.get("amount") == amount

    def test_prices_match_products_without_spaces(self, maven: ModuleType) -> None:
        prices = maven.prices_from(
            [
                {"product": "GTX Pro", "series": "GTX", "sales_price": "4821"},
                {"product": "MG Special", "series": "MG", "sales_price": "55"},
            ]
        )
        assert prices == {"gtxpro": 4821, "mgspecial": 55}
        assert maven.product_key("GTXPro") == maven.product_key("GTX Pro")

    def test_every_deal_of_the_export_has_an_amount(self, maven: ModuleType) -> None:
        document = maven.build_document(self.NOW)
        snapshot = Snapshot.from_dict(document)
        deals = snapshot.records("deals")
        assert len(deals) == 8800
        assert all(isinstance(d, Deal) and d.amount is not None for d in deals)
        ranked = evaluate_all(snapshot, self.NOW)["darcel-schlecht"].ranked()
        assert ranked
        assert max(r.parts["amount"] for r in ranked) == RankingWeights().amount

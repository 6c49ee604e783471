"""Settings in layers (issue 16): organisation, teams, reps within the admin's bounds; the
effective Config of a user, the layer each value came from, and evaluation with Settings."""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guided_actions import (
    Bound,
    Config,
    Settings,
    Snapshot,
    evaluate,
    evaluate_all,
    explain,
    hookimpl,
    load_rules,
    summarize,
)
from guided_actions._adapters.demo import DEMO_NOW, demo_snapshot
from guided_actions._engine import evaluate as evaluate_module
from guided_actions._engine.settings import (
    DEFAULT,
    ORGANISATION,
    duration_text,
    parse_duration,
    setting_values,
)
from guided_actions._model.time import MAX_DURATION
from guided_actions.errors import InvalidConfigError
from guided_actions.rules import BUILTIN_RULES, AddContactToDeal
from guided_actions.synthetic import generate
from guided_actions.testing import NOW, at, build, deal, user

AGE = "thresholds.add_contact_to_deal.age"
RULES = [cls() for cls in BUILTIN_RULES]
#: u1 in teams a then b, u2 in no team, u3 in b then a; each owns a deal 8 days old without
#: contacts, which add_contact_to_deal proposes after ``age`` (7 days by default).
SNAP = build(
    user("u1", team_ids=["a", "b"]),
    user("u2"),
    user("u3", team_ids=["b", "a"]),
    deal("d1", owner_id="u1", created_at=at(days=-8)),
    deal("d2", owner_id="u2", created_at=at(days=-8)),
    deal("d3", owner_id="u3", created_at=at(days=-8)),
)
DEFAULTS = setting_values(Config(), RULES)


def days(n: float) -> timedelta:
    return timedelta(days=n)


def other_value(value: object) -> object:
    """A valid value different from ``value``, of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, timedelta):
        return value + timedelta(hours=1)
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 0.5
    raise AssertionError(f"no other value for {value!r}")


def refused(match: str, **layers: Any) -> InvalidConfigError:
    with pytest.raises(InvalidConfigError) as info:
        Settings(**layers)
    assert match in str(info.value), str(info.value)
    return info.value


class TestSettingPaths:
    def test_every_config_field_has_settings(self) -> None:
        """Each field of Config (colleagues' new ones too) is named by at least one path."""
        for field in attrs.fields(Config):
            assert any(p == field.name or p.startswith(f"{field.name}.") for p in DEFAULTS), (
                field.name
            )

    def test_paths_of_the_rules(self) -> None:
        """Every threshold of every rule, and every rule's grouping and switch, is a setting."""
        for rule in RULES:
            for name, value in rule.thresholds().items():
                assert DEFAULTS[f"thresholds.{rule.id}.{name}"] == value
            assert DEFAULTS[f"grouping.{rule.id}"] is type(rule).grouped
            assert DEFAULTS[f"disabled_rules.{rule.id}"] is False
        assert DEFAULTS["engagement_kinds.page_view"] is True
        assert DEFAULTS["feed_limit"] == 50
        assert DEFAULTS["ranking.priority"] == Config().ranking.priority

    @pytest.mark.parametrize("path", sorted(DEFAULTS))
    def test_every_setting_is_layered(self, path: str) -> None:
        """A team changing any one setting changes exactly that value, and provenance names
        the team for it and nothing else."""
        value = other_value(DEFAULTS[path])
        s = Settings(teams={"a": {path: value}})
        effective = s.effective(SNAP, "u1")
        assert effective[path] == value
        assert {p: v for p, v in effective.items() if p != path} == {
            p: v for p, v in DEFAULTS.items() if p != path
        }
        layers = s.provenance(SNAP, "u1")
        assert layers[path] == "team:a"
        assert {p for p, layer in layers.items() if layer != DEFAULT} == {path}
        assert setting_values(s.config_for(SNAP, "u1"), RULES) == effective

    @pytest.mark.parametrize(
        "path",
        [
            "nope",
            "feed_limit.x",
            "thresholds",
            "thresholds.add_contact_to_deal",
            "thresholds..age",
            "thresholds.add_contact_to_deal.2age",
            "grouping",
            "grouping.",
            "grouping.bad id",
            "engagement_kinds",
            "engagement_kinds.",
            "ranking",
            "ranking.speed",
            "",
        ],
    )
    def test_malformed_path(self, path: str) -> None:
        """A path that names no setting is refused, naming the layer and the path."""
        error = refused("team 'a'", teams={"a": {path: 1}})
        assert repr(path) in str(error)

    def test_unknown_setting_lists_the_settings(self) -> None:
        """The message lists how every setting is written."""
        error = refused("unknown setting 'nope'", organisation={"nope": 1})
        text = str(error)
        assert text.startswith("organisation: unknown setting 'nope'; the settings are ")
        for pattern in ("thresholds.<rule id>.<threshold>", "grouping.<rule id>", "feed_limit"):
            assert pattern in text


class TestResolution:
    def test_order_and_provenance(self) -> None:
        """default < organisation < team < rep, each setting from the last layer setting it."""
        s = Settings(
            organisation={AGE: "9d", "feed_limit": 20, "feed_window": "3d"},
            teams={"a": {AGE: "10d", "feed_limit": 30}},
            reps={"u1": {AGE: "5d"}},
            bounds={AGE: Bound(low="3d", high="14d")},
        )
        config = s.config_for(SNAP, "u1")
        assert config.thresholds["add_contact_to_deal"]["age"] == days(5)
        assert config.feed_limit == 30
        assert config.feed_window == days(3)
        assert config.snooze_high == Config().snooze_high
        layers = s.provenance(SNAP, "u1")
        assert layers[AGE] == "rep:u1"
        assert layers["feed_limit"] == "team:a"
        assert layers["feed_window"] == ORGANISATION
        assert layers["snooze_high"] == DEFAULT
        assert layers == {
            p: {AGE: "rep:u1", "feed_limit": "team:a", "feed_window": ORGANISATION}.get(p, DEFAULT)
            for p in DEFAULTS
        }
        # u2 is in no team and has no overrides: the organisation's values.
        assert s.config_for(SNAP, "u2") == s.organisation
        assert s.provenance(SNAP, "u2")[AGE] == ORGANISATION

    def test_later_team_overrides_an_earlier_one(self) -> None:
        """Teams apply in User.team_ids order: u1 is in a then b, u3 in b then a."""
        s = Settings(teams={"a": {AGE: "10d", "feed_limit": 5}, "b": {AGE: "12d"}})
        assert s.config_for(SNAP, "u1").thresholds["add_contact_to_deal"]["age"] == days(12)
        assert s.config_for(SNAP, "u3").thresholds["add_contact_to_deal"]["age"] == days(10)
        assert s.provenance(SNAP, "u1")[AGE] == "team:b"
        assert s.provenance(SNAP, "u3")[AGE] == "team:a"
        # A setting only one team gives comes from it, whatever the order.
        assert s.provenance(SNAP, "u1")["feed_limit"] == "team:a"
        assert s.provenance(SNAP, "u3")["feed_limit"] == "team:a"

    def test_user_as_record_or_id(self) -> None:
        """config_for takes a user id or a User; the snapshot's record gives the teams."""
        s = Settings(teams={"a": {"feed_limit": 5}})
        u1 = SNAP.user("u1")
        assert u1 is not None
        assert s.config_for(SNAP, u1) == s.config_for(SNAP, "u1")
        assert s.config_for(SNAP, "u1").feed_limit == 5

    def test_organisation_value_equal_to_the_default_is_default(self) -> None:
        """The organisation is a whole Config: a value equal to the default is "default"."""
        s = Settings(organisation=Config(feed_limit=50, feed_window=days(8)))
        layers = s.provenance(SNAP, "u2")
        assert layers["feed_limit"] == DEFAULT
        assert layers["feed_window"] == ORGANISATION

    def test_a_team_setting_the_inherited_value_is_named(self) -> None:
        """A team or rep layer is named for every setting it lists, even an unchanged value."""
        s = Settings(teams={"a": {"feed_limit": 50}})
        assert s.provenance(SNAP, "u1")["feed_limit"] == "team:a"

    def test_sets_layer_member_by_member(self) -> None:
        """A team adds or removes one member; the others keep the value below."""
        s = Settings(
            organisation={
                "engagement_kinds.page_view": False,
                "disabled_rules.buyer_follow_up": True,
            },
            teams={
                "a": {
                    "engagement_kinds.email_open": False,
                    "disabled_rules.buyer_follow_up": False,
                },
                "b": {"disabled_rules.reply_to_email": True},
            },
        )
        config = s.config_for(SNAP, "u1")
        assert "page_view" not in config.engagement_kinds
        assert "email_open" not in config.engagement_kinds
        assert "email_reply" in config.engagement_kinds
        assert config.disabled_rules == {"reply_to_email"}
        assert s.config_for(SNAP, "u2").disabled_rules == {"buyer_follow_up"}
        layers = s.provenance(SNAP, "u1")
        assert layers["engagement_kinds.page_view"] == ORGANISATION
        assert layers["engagement_kinds.email_open"] == "team:a"
        assert layers["disabled_rules.buyer_follow_up"] == "team:a"
        assert layers["disabled_rules.reply_to_email"] == "team:b"

    def test_teams_and_reps_not_in_the_snapshot_are_ignored(self) -> None:
        """Settings are not tied to a snapshot: unknown teams and reps apply to nobody."""
        s = Settings(
            teams={"elsewhere": {"feed_limit": 3}},
            reps={"ghost": {"feed_limit": 4}},
            bounds={"feed_limit": Bound()},
        )
        assert s.config_for(SNAP, "u1") == Config()

    def test_unknown_user(self) -> None:
        """A user the snapshot does not hold is a LookupError, as for evaluate."""
        with pytest.raises(LookupError, match="ghost"):
            Settings().config_for(SNAP, "ghost")


#: A few settings of each kind, and the values the property test draws for them.
POOL: dict[str, st.SearchStrategy[Any]] = {
    AGE: st.integers(1, 30).map(days),
    "feed_limit": st.integers(1, 200),
    "grouping.log_call_outcomes": st.booleans(),
    "engagement_kinds.page_view": st.booleans(),
    "disabled_rules.buyer_follow_up": st.booleans(),
    "ranking.amount": st.integers(0, 40).map(lambda n: n / 4),
    "snooze_high": st.integers(1, 48).map(lambda h: timedelta(hours=h)),
}
#: How each pooled setting reads on a Config, written here independently of the library.
READ: dict[str, Callable[[Config], object]] = {
    AGE: lambda c: c.thresholds.get("add_contact_to_deal", {}).get("age", AddContactToDeal().age),
    "feed_limit": lambda c: c.feed_limit,
    "grouping.log_call_outcomes": lambda c: c.grouping.get("log_call_outcomes", True),
    "engagement_kinds.page_view": lambda c: "page_view" in c.engagement_kinds,
    "disabled_rules.buyer_follow_up": lambda c: "buyer_follow_up" in c.disabled_rules,
    "ranking.amount": lambda c: c.ranking.amount,
    "snooze_high": lambda c: c.snooze_high,
}


@st.composite
def layers(draw: st.DrawFn) -> dict[str, Any]:
    def layer() -> dict[str, object]:
        paths = draw(st.lists(st.sampled_from(sorted(POOL)), unique=True))
        return {p: draw(POOL[p]) for p in paths}

    team_ids = draw(st.lists(st.sampled_from(["a", "b", "c"]), unique=True))
    return {
        "organisation": layer(),
        "teams": {t: layer() for t in draw(st.lists(st.sampled_from("abcd"), unique=True))},
        "rep": layer(),
        "team_ids": team_ids,
    }


class TestLayeringProperty:
    @settings(max_examples=150, deadline=None)
    @given(layers())
    def test_last_layer_wins_and_is_named(self, drawn: dict[str, Any]) -> None:
        """For random layers, each pooled setting's effective value is the last layer's that
        sets it (organisation, the user's teams in order, the rep), and provenance names it."""
        s = Settings(
            organisation=drawn["organisation"],
            teams=drawn["teams"],
            reps={"u1": drawn["rep"]},
            bounds={p: Bound() for p in POOL},
        )
        snapshot = build(user("u1", team_ids=drawn["team_ids"]))
        config = s.config_for(snapshot, "u1")
        layers_found = s.provenance(snapshot, "u1")
        stack = [(f"team:{t}", drawn["teams"][t]) for t in drawn["team_ids"] if t in drawn["teams"]]
        stack.append(("rep:u1", drawn["rep"]))
        for path, read in READ.items():
            expected_value = read(Config())
            expected_layer = DEFAULT
            if path in drawn["organisation"]:
                expected_value = drawn["organisation"][path]
                if expected_value != read(Config()):
                    expected_layer = ORGANISATION
            for layer, overrides in stack:
                if path in overrides:
                    expected_value, expected_layer = overrides[path], layer
            assert read(config) == expected_value, path
            assert layers_found[path] == expected_layer, path
        for path in set(DEFAULTS) - set(POOL):
            assert layers_found[path] == DEFAULT, path


class TestBounds:
    BOUNDS: Mapping[str, Bound] = {AGE: Bound(low="3d", high="14d")}

    @pytest.mark.parametrize(
        "value",
        [days(3), days(14), days(8), "3d", "P14D", "336h"],
        ids=["low", "high", "inside", "low as text", "high as ISO", "high in hours"],
    )
    def test_within_bounds_is_accepted(self, value: object) -> None:
        """A rep may set a bounded setting anywhere between low and high, both included."""
        s = Settings(reps={"u2": {AGE: value}}, bounds=self.BOUNDS)
        age = s.config_for(SNAP, "u2").thresholds["add_contact_to_deal"]["age"]
        assert days(3) <= age <= days(14)
        assert s.provenance(SNAP, "u2")[AGE] == "rep:u2"

    @pytest.mark.parametrize(
        ("value", "shown"),
        [
            (days(3) - timedelta(microseconds=1), "259199999999 microseconds"),
            (days(14) + timedelta(seconds=1), "1209601 seconds"),
            ("2d", "2 days"),
            ("15d", "15 days"),
        ],
        ids=["just below low", "just above high", "below", "above"],
    )
    def test_outside_bounds_is_refused(self, value: object, shown: str) -> None:
        """Just outside either end is refused: the message names the layer, the setting, the
        value and the bounds."""
        error = refused("rep 'u2'", reps={"u2": {AGE: value}}, bounds=self.BOUNDS)
        text = str(error)
        assert text.startswith(f"rep 'u2' may not set '{AGE}' to {shown}")
        assert text.endswith("the admin's bounds are 3 days to 14 days")

    @pytest.mark.parametrize(
        ("bound", "ok", "bad", "shown"),
        [
            (Bound(low=10, high=100), [10, 100], [9, 101], "10 to 100"),
            (Bound(low=10), [10, 10**6], [9], "at least 10"),
            (Bound(high=100), [1, 100], [101], "at most 100"),
            (Bound(allowed=[20, 50]), [20, 50], [21, 49], "one of 20, 50"),
            (Bound(), [1, 10**6], [], "any value"),
        ],
        ids=["low and high", "low", "high", "allowed", "any"],
    )
    def test_number_bounds(self, bound: Bound, ok: list[int], bad: list[int], shown: str) -> None:
        """Whole numbers are bounded the same way, at each end and by a list of values."""
        for value in ok:
            s = Settings(reps={"u1": {"feed_limit": value}}, bounds={"feed_limit": bound})
            assert s.config_for(SNAP, "u1").feed_limit == value
        for value in bad:
            error = refused(shown, reps={"u1": {"feed_limit": value}}, bounds={"feed_limit": bound})
            assert f"'feed_limit' to {value}:" in str(error)

    def test_allowed_switch(self) -> None:
        """A true-or-false setting is bounded by its allowed values."""
        bounds = {"grouping.log_call_outcomes": Bound(allowed=[False])}
        s = Settings(reps={"u1": {"grouping.log_call_outcomes": False}}, bounds=bounds)
        assert s.config_for(SNAP, "u1").grouping == {"log_call_outcomes": False}
        refused(
            "the admin's bounds are one of false",
            reps={"u1": {"grouping.log_call_outcomes": True}},
            bounds=bounds,
        )

    def test_unbounded_setting_is_refused(self) -> None:
        """A rep may change only what the admin bounded; the message lists what is allowed."""
        error = refused(
            "rep 'u1' may not change 'feed_limit'",
            reps={"u1": {"feed_limit": 20}},
            bounds={AGE: Bound(low="3d"), "feed_window": Bound()},
        )
        assert str(error) == (
            f"rep 'u1' may not change 'feed_limit'; the admin allows: 'feed_window', '{AGE}'"
        )
        error = refused("rep 'u1'", reps={"u1": {"feed_limit": 20}})
        assert "the admin has bounded no setting, so reps may change none" in str(error)

    def test_teams_are_not_bounded(self) -> None:
        """Teams are set by admins: a team value outside the reps' bounds is accepted."""
        s = Settings(teams={"a": {AGE: "30d"}}, bounds=self.BOUNDS)
        assert s.config_for(SNAP, "u1").thresholds["add_contact_to_deal"]["age"] == days(30)

    @pytest.mark.parametrize(
        ("bounds", "match"),
        [
            ({AGE: Bound(low="14d", high="3d")}, "low is above high (14 days to 3 days)"),
            ({AGE: Bound(low="0d")}, "must be positive"),
            ({"grouping.log_call_outcomes": Bound(low=False)}, "give the allowed values"),
            ({"feed_limit": Bound(low=1.5)}, "must be a whole number, got 1.5"),
            ({"feed_limit": Bound(allowed=[0])}, "feed_limit must be a positive integer"),
            ({"nope": Bound()}, "bounds: unknown setting 'nope'"),
            ({"feed_limit": (1, 5)}, "must be a Bound, got (1, 5)"),
            ([AGE], "bounds must be a mapping"),
        ],
        ids=[
            "low above high",
            "invalid low",
            "no order",
            "wrong kind",
            "invalid allowed",
            "unknown path",
            "not a Bound",
            "not a mapping",
        ],
    )
    def test_invalid_bounds(self, bounds: object, match: str) -> None:
        """Bounds are read as their settings are, and refused naming the setting."""
        refused(match, bounds=bounds)

    @pytest.mark.parametrize(
        ("arguments", "match"),
        [
            ({"low": 1, "allowed": [1]}, "either low and high, or allowed"),
            ({"allowed": []}, "may not be empty"),
            ({"allowed": "ab"}, "must be a collection of values"),
            ({"allowed": [[1]]}, "must hold plain values"),
            ({"low": "3x"}, "'3x': not a duration"),
            ({"high": "P1Y"}, "'P1Y': not a duration"),
        ],
    )
    def test_bound_itself(self, arguments: dict[str, Any], match: str) -> None:
        """A Bound gives either an order or a list of values, never an empty list; an end given
        as text is a duration."""
        with pytest.raises(InvalidConfigError, match=re.escape(match)):
            Bound(**arguments)

    def test_a_bound_of_durations_as_text_admits_durations(self) -> None:
        """``Bound(low="3d")`` compares durations as built, before any Settings reads it."""
        bound = Bound(low="3d", high="P14D")
        assert (bound.low, bound.high) == (days(3), days(14))
        assert bound.admits(days(3))
        assert bound.admits(days(14))
        assert not bound.admits(days(3) - timedelta(microseconds=1))
        assert not bound.admits(days(14) + timedelta(microseconds=1))


class TestValidation:
    @pytest.mark.parametrize(
        ("path", "value", "match"),
        [
            (AGE, 7, "must be a duration (write 7d, 36h, 90m, 30s, or ISO-8601"),
            (AGE, "7", "'7' is not a duration"),
            (AGE, "0s", "must be positive"),
            (AGE, "36526d", "must be at most 36525 days"),
            ("feed_limit", True, "must be a whole number, got True"),
            ("feed_limit", 2.0, "must be a whole number, got 2.0"),
            ("feed_limit", 0, "feed_limit must be a positive integer"),
            ("grouping.log_call_outcomes", 1, "must be true or false, got 1"),
            ("engagement_kinds.page_view", "no", "must be true or false"),
            ("engagement_kinds.fax", True, "unknown engagement kind(s) 'fax'"),
            ("engagement_kinds.fax", False, "unknown engagement kind(s) 'fax'"),
            ("ranking.amount", float("nan"), "must be a finite number, got nan"),
            ("ranking.amount", -1, "ranking weight 'amount'"),
            ("ranking.amount", "1", "must be a finite number"),
        ],
    )
    def test_wrong_values(self, path: str, value: object, match: str) -> None:
        """A value of the wrong kind, or out of Config's own range, names layer and setting."""
        for layers, where in (
            ({"organisation": {path: value}}, "organisation"),
            ({"teams": {"a": {path: value}}}, "team 'a'"),
            ({"reps": {"u1": {path: value}}, "bounds": {path: Bound()}}, "rep 'u1'"),
        ):
            error = refused(match, **layers)
            assert str(error).startswith(f"{where}, setting {path!r}: "), str(error)

    @pytest.mark.parametrize(
        ("layers", "match"),
        [
            ({"teams": {"a": [("feed_limit", 1)]}}, "team 'a' must be a mapping of setting"),
            ({"teams": {"": {}}}, "teams: an id must be a non-empty str, got ''"),
            ({"reps": {1: {}}}, "reps: an id must be a non-empty str, got 1"),
            ({"teams": [{"feed_limit": 1}]}, "teams must be a mapping of id to overrides"),
            ({"teams": {"a": {1: 1}}}, "team 'a': a setting is named by a str, got 1"),
            ({"organisation": 3}, "organisation must be a mapping of setting to value, got 3"),
        ],
    )
    def test_wrong_shapes(self, layers: dict[str, Any], match: str) -> None:
        """Layers of the wrong shape are refused, naming what is wrong."""
        refused(match, **layers)

    def test_unknown_rule_names_are_checked_against_the_rules_evaluated(self) -> None:
        """Rule ids and threshold names depend on the rules: they are checked where the
        settings meet them, naming the layer; users the layer does not reach are unaffected."""
        s = Settings(teams={"a": {"thresholds.nope.age": "3d"}})
        with pytest.raises(InvalidConfigError) as info:
            evaluate(SNAP, NOW, "u1", config=s)
        assert (
            str(info.value)
            == "team 'a', setting 'thresholds.nope.age': no rule 'nope' is evaluated"
        )
        assert evaluate(SNAP, NOW, "u2", config=s) == evaluate(SNAP, NOW, "u2")
        with pytest.raises(InvalidConfigError, match="team 'a'"):
            s.check()
        s = Settings(teams={"b": {"thresholds.add_contact_to_deal.days": "3d"}})
        with pytest.raises(
            InvalidConfigError, match="has no threshold 'days'; its thresholds: age"
        ):
            s.config_for(SNAP, "u3")

    @pytest.mark.parametrize(
        "settings_",
        [
            Settings(reps={"u9": {"grouping.nope": True}}, bounds={"grouping.nope": Bound()}),
            Settings(bounds={"disabled_rules.nope": Bound()}),
            Settings(organisation={"disabled_rules.nope": True}),
            Settings(organisation=Config(thresholds={"nope": {"age": days(1)}})),
        ],
        ids=["rep", "bounds", "organisation", "organisation config"],
    )
    def test_check_reads_every_layer(self, settings_: Settings) -> None:
        """check() refuses an unknown rule id in any layer or bound, built-ins by default."""
        with pytest.raises(InvalidConfigError, match="'nope'"):
            settings_.check()
        settings_.check([_Nope()])  # a rule set with a rule 'nope' accepts them

    def test_nothing_is_mutated(self) -> None:
        """The mappings given are copied, not changed, whether the settings build or not."""
        teams = {"a": {AGE: "10d"}}
        reps = {"u1": {AGE: "1d"}}
        bounds = {AGE: Bound(low="3d")}
        before = (repr(teams), repr(reps), repr(bounds))
        with pytest.raises(InvalidConfigError):
            Settings(teams=teams, reps=reps, bounds=bounds)
        s = Settings(teams=teams)
        teams["a"][AGE] = "1d"
        assert (repr(teams), repr(reps), repr(bounds)) != before  # our change, not theirs
        assert s.teams["a"][AGE] == days(10)
        with pytest.raises(TypeError):
            s.teams["a"][AGE] = days(1)  # type: ignore[index]

    def test_value_semantics(self) -> None:
        """Settings compare, hash and pickle."""
        a = Settings(
            organisation={"feed_limit": 20},
            teams={"a": {AGE: "10d"}},
            reps={"u1": {AGE: "5d"}},
            bounds={AGE: Bound(low="3d", high="14d")},
        )
        b = Settings(
            organisation=Config(feed_limit=20),
            teams={"a": {AGE: days(10)}},
            reps={"u1": {AGE: timedelta(hours=120)}},
            bounds={AGE: Bound(low=days(3), high="P14D")},
        )
        assert a == b
        assert hash(a) == hash(b)
        assert pickle.loads(pickle.dumps(a)) == a
        assert a != Settings(organisation={"feed_limit": 21})


@attrs.frozen
class _Nope(AddContactToDeal):
    id = "nope"


class TestDurations:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("7d", days(7)),
            ("36h", timedelta(hours=36)),
            ("90m", timedelta(minutes=90)),
            ("30s", timedelta(seconds=30)),
            (" 7 D ", days(7)),
            ("P7D", days(7)),
            ("PT36H", timedelta(hours=36)),
            ("P1DT12H", timedelta(hours=36)),
            ("P2W", days(14)),
            ("PT1H30M", timedelta(minutes=90)),
            ("PT0.5S", timedelta(milliseconds=500)),
            ("PT1,25S", timedelta(seconds=1.25)),
            ("pt90m", timedelta(minutes=90)),
            ("0d", timedelta(0)),
        ],
    )
    def test_parse(self, text: str, expected: timedelta) -> None:
        """A number and a unit, or ISO-8601 in weeks, days, hours, minutes and seconds."""
        assert parse_duration(text) == expected

    @pytest.mark.parametrize(
        ("text", "match"),
        [
            ("", "is not a duration"),
            ("7", "is not a duration"),
            ("7x", "is not a duration"),
            ("d", "is not a duration"),
            ("-1d", "is not a duration"),
            ("1.5d", "is not a duration"),
            ("P", "is not a duration"),
            ("PT", "is not a duration"),
            ("P1DT", "is not a duration"),
            ("P1.5D", "is not a duration"),
            ("P1M", "years and months have no fixed length"),
            ("P1Y2D", "years and months have no fixed length"),
            ("P999999999999W", "too long a duration"),
        ],
    )
    def test_refused(self, text: str, match: str) -> None:
        """Anything else is a ValueError saying what is accepted."""
        with pytest.raises(ValueError, match=match):
            parse_duration(text)

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (days(2), "2d"),
            (timedelta(hours=48), "2d"),
            (timedelta(hours=36), "36h"),
            (timedelta(minutes=90), "90m"),
            (timedelta(seconds=61), "61s"),
            (timedelta(seconds=1.5), "PT1.5S"),
            (timedelta(days=1, microseconds=1), "PT86400.000001S"),
            (timedelta(0), "0d"),
        ],
    )
    def test_text(self, value: timedelta, text: str) -> None:
        """The text of a duration is in the largest unit that measures it exactly."""
        assert duration_text(value) == text

    @given(st.timedeltas(min_value=timedelta(0), max_value=MAX_DURATION))
    def test_round_trip(self, value: timedelta) -> None:
        """Every duration a setting may hold reads back from its text."""
        assert parse_duration(duration_text(value)) == value


class TestFromDocument:
    TOML = """
        [organisation]
        thresholds.add_contact_to_deal.age = "7d"
        feed_limit = 20
        feed_window = "P3D"
        "ranking.amount" = 4
        engagement_kinds.page_view = false

        [teams.a]
        "thresholds.add_contact_to_deal.age" = "10d"
        grouping.log_call_outcomes = false

        [teams.b.ranking]
        age = 0.5

        [reps.u1]
        thresholds.add_contact_to_deal.age = "PT120H"

        [bounds]
        thresholds.add_contact_to_deal.age = { low = "3d", high = "14d" }
        feed_limit = { allowed = [20, 50] }

        [bounds.grouping]
        log_call_outcomes = {}
    """

    def test_every_value_type(self) -> None:
        """Durations (short and ISO), whole numbers, numbers and true or false, as dotted keys,
        quoted dotted keys or nested tables, give the settings built in Python."""
        s = Settings.from_toml(self.TOML)
        assert s == Settings(
            organisation=Config(
                thresholds={"add_contact_to_deal": {"age": days(7)}},
                feed_limit=20,
                feed_window=days(3),
                ranking={"amount": 4.0},
                engagement_kinds={
                    "email_open",
                    "email_click",
                    "email_reply",
                    "form_submission",
                    "meeting_booked",
                },
            ),
            teams={
                "a": {AGE: days(10), "grouping.log_call_outcomes": False},
                "b": {"ranking.age": 0.5},
            },
            reps={"u1": {AGE: days(5)}},
            bounds={
                AGE: Bound(low=days(3), high=days(14)),
                "feed_limit": Bound(allowed=[20, 50]),
                "grouping.log_call_outcomes": Bound(),
            },
        )

    def test_base(self) -> None:
        """The organisation's settings apply to ``base``: what they do not set, it keeps."""
        base = Config(disabled_rules={"buyer_follow_up"}, feed_limit=7)
        s = Settings.from_toml("[organisation]\nfeed_limit = 9\n", base=base)
        assert s.organisation == Config(disabled_rules={"buyer_follow_up"}, feed_limit=9)
        s = Settings.from_toml(
            '[organisation]\n"disabled_rules.buyer_follow_up" = false\n', base=base
        )
        assert s.organisation.disabled_rules == frozenset()
        assert Settings.from_toml("", base=base).organisation == base

    def test_empty_document(self) -> None:
        """An empty document is the library's defaults, with no team, rep or bound."""
        assert Settings.from_toml("") == Settings()
        assert Settings.from_dict({}) == Settings()

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (
                "[organization]\nfeed_limit = 1",
                "unknown table 'organization'; the tables are organisation, teams.<team id>, "
                "reps.<user id> and bounds",
            ),
            ("teams = 3", "teams must be a table of team ids, got 3"),
            ("[teams]\na = 3", "team 'a' must be a table of settings, got 3"),
            ('[organisation]\nfeed_limit = 1\n"feed_limit" = 2', "Cannot overwrite a value"),
            (
                '[organisation]\n"grouping.log_call_outcomes" = true\n'
                "grouping.log_call_outcomes = false",
                "organisation: setting 'grouping.log_call_outcomes' is given twice",
            ),
            (
                "[organisation]\nfeed_window = 07:00:00",
                "organisation, setting 'feed_window': must be a duration",
            ),
            (
                '[organisation]\nfeed_limit = "20"',
                "organisation, setting 'feed_limit': must be a whole number, got '20'",
            ),
            ("[reps.u1]\nfeed_limit = 20", "rep 'u1' may not change 'feed_limit'"),
            (
                "[bounds]\nfeed_limit = 5",
                "bounds, setting 'feed_limit': must be a table such as { low = ..., high = ... } "
                "or { allowed = [...] }, got 5",
            ),
            (
                "[bounds]\nfeed_limit = { lo = 5 }",
                "bounds, setting 'feed_limit': unknown key 'lo'; a bound has low and high, or "
                "allowed",
            ),
            (
                "[bounds]\nfeed_limit = { allowed = 5 }",
                "bounds, setting 'feed_limit': allowed must be a list, got 5",
            ),
            (
                "[bounds]\nfeed_limit = { allowed = [] }",
                "bounds, setting 'feed_limit': a Bound's allowed values may not be empty",
            ),
            ("bounds = 5", "bounds must be a table, got 5"),
            ("[organisation\nfeed_limit = 1", "not valid TOML: "),
        ],
        ids=[
            "unknown table",
            "teams not a table",
            "team not a table",
            "TOML duplicate",
            "dotted duplicate",
            "a time",
            "a string",
            "unbounded rep",
            "bound not a table",
            "bound key",
            "allowed not a list",
            "allowed empty",
            "bounds not a table",
            "syntax",
        ],
    )
    def test_errors(self, text: str, message: str) -> None:
        """Each problem of a document is one InvalidConfigError naming the table and key."""
        with pytest.raises(InvalidConfigError) as info:
            Settings.from_toml(text)
        assert message in str(info.value)
        assert "\n" not in str(info.value)

    def test_syntax_error_gives_the_line(self) -> None:
        """A TOML syntax error says where it is."""
        with pytest.raises(InvalidConfigError, match=r"at line 3, column"):
            Settings.from_toml("[organisation]\nfeed_limit = 1\nfeed_window = \n")

    def test_from_dict_refuses_a_non_table(self) -> None:
        """The document itself must be a table."""
        with pytest.raises(InvalidConfigError, match="settings must be a table, got"):
            Settings.from_dict(["organisation"])


class _Counting:
    """Counts the engine's preparations of a configuration."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.configs: list[Config | None] = []
        real = evaluate_module.configure

        def configure(chosen: Any, config: Config | None) -> Any:
            self.configs.append(config)
            return real(chosen, config)

        monkeypatch.setattr(evaluate_module, "configure", configure)


class TestEvaluation:
    SETTINGS = Settings(
        organisation={"engagement_kinds.page_view": False},
        teams={"a": {AGE: "10d"}, "b": {AGE: "5d", "feed_limit": 3}},
        reps={"u3": {"grouping.log_call_outcomes": False}},
        bounds={"grouping.log_call_outcomes": Bound()},
    )

    def test_settings_change_what_each_user_sees(self) -> None:
        """u1 (teams a then b: 5 days) and u2 (no team: 7) see their deal; u3 (b then a: 10
        days) does not yet."""
        for uid, shown in (("u1", True), ("u2", True), ("u3", False)):
            result = evaluate(SNAP, NOW, uid, config=self.SETTINGS)
            assert bool(result.filter(rule="add_contact_to_deal")) is shown, uid

    @pytest.mark.parametrize("uid", ["u1", "u2", "u3"])
    def test_evaluate_equals_config_for(self, uid: str) -> None:
        """evaluate, explain and summarize with Settings are those with the user's Config."""
        config = self.SETTINGS.config_for(SNAP, uid)
        assert evaluate(SNAP, NOW, uid, config=self.SETTINGS) == evaluate(
            SNAP, NOW, uid, config=config
        )
        subject = ("deal", f"d{uid[1]}")
        assert explain(SNAP, NOW, uid, subject, config=self.SETTINGS) == explain(
            SNAP, NOW, uid, subject, config=config
        )
        assert summarize(SNAP, NOW, uid, config=self.SETTINGS) == summarize(
            SNAP, NOW, uid, config=config
        )

    def test_demo_and_synthetic_crm(self) -> None:
        """On the demo and on a synthetic CRM, every user's result with Settings equals the
        one with their Config, one by one and in one pass."""
        synthetic = Snapshot.from_dict(generate(users=8, contacts_per_user=6, seed=3, now=NOW))
        teams = {
            "emea": {
                "thresholds.email_replies.lifetime": "3d",
                "disabled_rules.sequence_activity": True,
            },
            "americas": {"engagement_kinds.email_open": False},
            **{
                f"team{n}": {"thresholds.reengaged_contacts.lifetime": f"{n}d"} for n in range(1, 5)
            },
            "team2": {"grouping.newly_assigned_contacts": False, "feed_limit": 2},
        }
        s = Settings(
            teams=teams,
            reps={"u-claire": {"thresholds.email_replies.lifetime": "20d"}},
            bounds={"thresholds.email_replies.lifetime": Bound(low="1d", high="30d")},
        )
        for snapshot, now in ((demo_snapshot(), DEMO_NOW), (synthetic, NOW)):
            everyone = evaluate_all(snapshot, now, config=s)
            assert list(everyone) == [u.id for u in snapshot.users()]
            for u in snapshot.users():
                mine = evaluate(snapshot, now, u.id, config=s.config_for(snapshot, u))
                assert everyone[u.id] == mine
                assert evaluate(snapshot, now, u.id, config=s) == mine

    def test_evaluate_all_prepares_once_per_distinct_config(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Users with the same effective configuration share one preparation."""
        snapshot = build(
            user("u1", team_ids=["a"]), user("u2", team_ids=["a"]), user("u3"), user("u4")
        )
        counting = _Counting(monkeypatch)
        evaluate_all(snapshot, NOW, config=Settings(teams={"a": {"feed_limit": 3}}))
        assert len(counting.configs) == 2
        assert {c.feed_limit for c in counting.configs if c is not None} == {3, 50}
        counting.configs.clear()
        evaluate_all(snapshot, NOW, config=Config(feed_limit=4))
        assert len(counting.configs) == 1

    def test_settings_replace_the_rule_sets_configuration(self) -> None:
        """Like a Config, Settings replace what plugins configured; from_toml(base=...) keeps
        it (the command line does)."""

        class Quiet:
            @staticmethod
            @hookimpl
            def guided_actions_configure(config: Config) -> Config:
                return attrs.evolve(config, disabled_rules={"add_contact_to_deal"})

        rules = load_rules([Quiet()], entry_points=False)
        assert not evaluate(SNAP, NOW, "u2", rules=rules).filter(rule="add_contact_to_deal")
        replaced = evaluate(SNAP, NOW, "u2", rules=rules, config=Settings())
        assert replaced.filter(rule="add_contact_to_deal")
        kept = Settings.from_toml("[organisation]\nfeed_limit = 2\n", base=rules.config)
        assert not evaluate(SNAP, NOW, "u2", rules=rules, config=kept).filter(
            rule="add_contact_to_deal"
        )
        assert kept.provenance(SNAP, "u2", rules=rules)["disabled_rules.add_contact_to_deal"] == (
            ORGANISATION
        )

    def test_config_of_the_wrong_type(self) -> None:
        """config= is a Config, Settings or None."""
        with pytest.raises(TypeError, match="config must be a Config or Settings, got"):
            evaluate(SNAP, NOW, "u1", config={"feed_limit": 3})  # type: ignore[arg-type]

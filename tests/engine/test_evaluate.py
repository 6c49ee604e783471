"""The engine: time window, keys, grouping, ordering, associations, dismissals, viewer, failures."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from guided_actions import Action, Config, Proposal, Result, Rule, RuleContext, evaluate
from guided_actions.criteria import Criterion
from guided_actions.errors import (
    GuidedActionsError,
    RuleError,
    UnknownUserError,
    ViewerPermissionError,
)
from guided_actions.rules import NewlyAssignedContacts
from guided_actions.testing import (
    NOW,
    at,
    build,
    call,
    company,
    contact,
    deal,
    dismissal,
    issued,
    lead,
    meeting,
    task,
    user,
)

# -- a rule that proposes exactly what a test tells it to ---------------------------------


@attrs.frozen
class Spec:
    """One proposal a fixed rule makes."""

    subject_id: str
    created_at: datetime
    expires_at: datetime | None = None
    reasons: tuple[str, ...] = ("it holds",)
    group: str | None = None


def fixed_rule(
    *specs: Spec,
    rule_id: str = "fixed",
    kind: str = "contact",
    priority: str = "normal",
    category: str = "general",
    grouped: bool = False,
) -> type[Rule]:
    """A rule class proposing ``specs`` for whoever is evaluated."""

    def propose(self: Rule, ctx: RuleContext) -> Iterator[Proposal]:
        for s in specs:
            yield self.proposal(
                s.subject_id,
                created_at=s.created_at,
                expires_at=s.expires_at,
                reasons=s.reasons,
                group=s.group,
            )

    namespace = {
        "id": rule_id,
        "title": f"Title of {rule_id}",
        "category": category,
        "priority": priority,
        "subject_kind": kind,
        "grouped": grouped,
        "propose": propose,
    }
    return attrs.frozen(type(f"Fixed_{rule_id}", (Rule,), namespace))


def contacts(*ids: str, **fields: Any) -> list[Any]:
    return [contact(i, **fields) for i in ids]


SNAP = build(*contacts("c1", "c2", "c3", "c4"))


def run(*rules: type[Rule] | Rule, snapshot: Any = SNAP, now: datetime = NOW, **kw: Any) -> Result:
    kw.setdefault("strict", True)
    return evaluate(snapshot, now, kw.pop("user", "u1"), rules=list(rules), **kw)


def keys(result: Result) -> list[str]:
    return [a.key for a in result]


# -- time window --------------------------------------------------------------------------


class TestTimeWindow:
    @pytest.mark.parametrize(
        ("created", "expires", "active"),
        [
            (at(days=-1), None, True),
            (NOW, None, True),
            (at(microseconds=1), None, False),
            (at(days=-1), at(microseconds=1), True),
            (at(days=-1), NOW, False),
            (at(days=-1), at(microseconds=-1), False),
            (NOW, at(microseconds=1), True),
            (at(days=1), at(days=2), False),
        ],
    )
    def test_active_iff_created_le_now_lt_expires(
        self, created: datetime, expires: datetime | None, active: bool
    ) -> None:
        """A proposal is an action exactly when created_at <= now < expires_at (None: no limit)."""
        result = run(fixed_rule(Spec("c1", created, expires)))
        assert len(result) == (1 if active else 0)

    def test_naive_now_is_rejected(self) -> None:
        """A naive now raises a ValueError naming now and its value."""
        naive = datetime(2026, 11, 26, 12, 0)
        with pytest.raises(ValueError, match="now") as info:
            run(fixed_rule(Spec("c1", at(days=-1))), now=naive)
        assert isinstance(info.value, GuidedActionsError)
        assert "2026-11-26T12:00:00" in str(info.value)

    def test_now_not_a_datetime_is_rejected(self) -> None:
        """A now that is not a datetime raises TypeError."""
        with pytest.raises(TypeError):
            run(fixed_rule(Spec("c1", at(days=-1))), now="2026-11-26T12:00:00+00:00")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "zone",
        [ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York"), timezone(timedelta(hours=-5))],
    )
    def test_now_in_another_zone_gives_same_result(self, zone: Any) -> None:
        """The same instant expressed in another zone gives exactly the UTC result."""
        rule = fixed_rule(
            Spec("c1", NOW, at(days=1)),
            Spec("c2", at(days=-1), NOW),
            Spec("c3", at(microseconds=1)),
            Spec("c4", at(days=-2), at(microseconds=1)),
        )
        utc = run(rule).to_dicts()
        local = run(rule, now=NOW.astimezone(zone)).to_dicts()
        assert local == utc
        assert [d["subjects"][0]["id"] for d in utc] == ["c4", "c1"]

    def test_now_in_another_zone_gives_same_result_for_builtin_rules(self) -> None:
        """The built-in rules give the same actions whatever zone now is expressed in."""
        snap = _meeting_snapshot(
            user("u1", "rep@acme.test", timezone="America/Los_Angeles"),
            contact("c1", owner_assigned_at=at(days=-1)),
        )
        utc = evaluate(snap, NOW, "u1", strict=True).to_dicts()
        assert {d["rule"] for d in utc} >= {"priority_tasks_due_today", "meeting_follow_up"}
        for zone in ("Asia/Tokyo", "Pacific/Kiritimati", "America/Los_Angeles"):
            local = NOW.astimezone(ZoneInfo(zone))
            assert evaluate(snap, local, "u1", strict=True).to_dicts() == utc

    def test_result_now_is_utc(self) -> None:
        """result.now is the evaluation instant in UTC."""
        result = run(fixed_rule(), now=NOW.astimezone(ZoneInfo("Asia/Tokyo")))
        assert result.now == NOW
        assert result.now.utcoffset() == timedelta(0)


# -- keys ---------------------------------------------------------------------------------


class TestKeys:
    def test_key_starts_with_rule_id(self) -> None:
        """Every key starts with its rule id and a colon."""
        result = run(
            fixed_rule(Spec("c1", at(days=-1)), rule_id="alpha"),
            fixed_rule(Spec("c1", at(days=-1)), rule_id="beta"),
        )
        assert sorted(a.key.split(":", 1)[0] for a in result) == ["alpha", "beta"]
        assert all(a.key.startswith(a.rule + ":") for a in result)
        assert all(len(a.key) > len(a.rule) + 1 for a in result)

    def test_same_input_same_key(self) -> None:
        """The same situation gives the same key on every evaluation, from a rebuilt snapshot."""
        rule = fixed_rule(Spec("c1", at(days=-1)))
        first = keys(run(rule))
        again = keys(run(rule, snapshot=build(*contacts("c1", "c2", "c3", "c4"))))
        later = keys(run(rule, now=at(hours=5)))
        assert first == again == later
        assert len(first) == 1

    def test_key_does_not_depend_on_hash_seed(self) -> None:
        """Keys are the same in separate processes with different hash seeds."""
        code = (
            "from guided_actions import evaluate\n"
            "from guided_actions.testing import NOW, at, build, contact\n"
            "s = build(contact('c1', owner_assigned_at=at(days=-2)))\n"
            "print([a.key for a in evaluate(s, NOW, 'u1')])\n"
        )
        outputs = set()
        for seed in ("1", "2", "3"):
            env = {**os.environ, "PYTHONHASHSEED": seed}
            proc = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            )
            outputs.add(proc.stdout)
        assert len(outputs) == 1
        assert "newly_assigned_contacts:" in outputs.pop()

    def test_created_at_is_normalised_to_utc(self) -> None:
        """The same created_at instant in another zone gives the same key."""
        created = at(days=-1)
        utc = keys(run(fixed_rule(Spec("c1", created))))
        tokyo = keys(run(fixed_rule(Spec("c1", created.astimezone(ZoneInfo("Asia/Tokyo"))))))
        assert utc == tokyo

    def test_new_created_at_gives_new_key(self) -> None:
        """A new situation (another created_at) gives another key."""
        one = keys(run(fixed_rule(Spec("c1", at(days=-1)))))
        two = keys(run(fixed_rule(Spec("c1", at(days=-1, microseconds=1)))))
        assert one != two

    def test_other_user_gives_new_key(self) -> None:
        """The same subject and created_at for another user gives another key."""
        rule = fixed_rule(Spec("c1", at(days=-1)))
        assert keys(run(rule, user="u1")) != keys(run(rule, user="u2"))

    def test_other_subject_gives_new_key(self) -> None:
        """Two subjects with the same created_at get different keys."""
        result = run(fixed_rule(Spec("c1", at(days=-1)), Spec("c2", at(days=-1))))
        assert len(set(keys(result))) == 2

    def test_grouped_key_survives_members_coming_and_going(self) -> None:
        """A grouped card keeps its key while members join and leave."""
        specs = [Spec(c, at(days=-i - 1), group="g") for i, c in enumerate(["c1", "c2", "c3"])]
        one = run(fixed_rule(specs[0], grouped=True))
        three = run(fixed_rule(*specs, grouped=True))
        two = run(fixed_rule(*specs[1:], grouped=True))
        assert [len(a.subjects) for a in (*one, *three, *two)] == [1, 3, 2]
        assert keys(one) == keys(three) == keys(two)

    def test_builtin_grouped_key_survives_new_member(self) -> None:
        """newly_assigned_contacts keeps its card key when a second contact is assigned."""
        first = contact("c1", owner_assigned_at=at(days=-5))
        second = contact("c2", owner_assigned_at=at(days=-1))
        before = evaluate(build(first), NOW, "u1", rules=[NewlyAssignedContacts])
        after = evaluate(build(first, second), NOW, "u1", rules=[NewlyAssignedContacts])
        assert [a.subjects for a in before] == [(("contact", "c1"),)]
        assert [a.subjects for a in after] == [(("contact", "c1"), ("contact", "c2"))]
        assert keys(before) == keys(after)

    def test_distinct_groups_get_distinct_keys(self) -> None:
        """Two cards of one rule have different keys."""
        result = run(
            fixed_rule(
                Spec("c1", at(days=-1), group="a"), Spec("c2", at(days=-1), group="b"), grouped=True
            )
        )
        assert len(set(keys(result))) == 2


# -- grouping -----------------------------------------------------------------------------


class TestGrouping:
    def test_card_shape(self) -> None:
        """A card orders subjects by member created_at then id; earliest created, latest expiry."""
        rule = fixed_rule(
            Spec("c3", at(days=-3), at(days=3), ("r3",)),
            Spec("c1", at(days=-1), at(days=9), ("r1", "shared")),
            Spec("c2", at(days=-3), at(days=1), ("r2", "shared")),
            grouped=True,
        )
        [card] = run(rule)
        assert card.subjects == (("contact", "c2"), ("contact", "c3"), ("contact", "c1"))
        assert card.created_at == at(days=-3)
        assert card.expires_at == at(days=9)
        assert set(card.reasons) == {"r1", "r2", "r3", "shared"}
        assert card.reasons.count("shared") == 1
        assert card.contact_ids == ("c1", "c2", "c3")
        assert card.grouped

    def test_card_expires_none_when_any_member_has_none(self) -> None:
        """A card has no expiry when any member has none."""
        rule = fixed_rule(
            Spec("c1", at(days=-1), at(days=9)), Spec("c2", at(days=-2), None), grouped=True
        )
        [card] = run(rule)
        assert card.expires_at is None

    def test_card_associations_are_the_union(self) -> None:
        """A card's contact and company ids are the sorted union of its members'."""
        snap = build(
            company("co1"),
            company("co2"),
            company("co3"),
            contact("c1", company_ids=("co3", "co1")),
            contact("c2", company_ids=("co2", "co1")),
        )
        rule = fixed_rule(Spec("c2", at(days=-2)), Spec("c1", at(days=-1)), grouped=True)
        [card] = run(rule, snapshot=snap)
        assert card.contact_ids == ("c1", "c2")
        assert card.company_ids == ("co1", "co2", "co3")

    def test_members_are_the_ungrouped_actions(self) -> None:
        """A card's members are the actions the rule gives with grouping off, in subject order."""
        specs = (Spec("c2", at(days=-1), at(days=2)), Spec("c1", at(days=-2), at(days=1)))
        [card] = run(fixed_rule(*specs, grouped=True))
        ungrouped = run(fixed_rule(*specs, grouped=False))
        assert [m.subjects[0] for m in card.members] == list(card.subjects)
        assert {m.key for m in card.members} == set(keys(ungrouped))
        assert all(not m.members and len(m.subjects) == 1 for m in card.members)
        assert all(not a.members for a in ungrouped)

    def test_members_outside_their_window_are_left_out(self) -> None:
        """Only members active at now join the card."""
        rule = fixed_rule(
            Spec("c1", at(days=-1)),
            Spec("c2", at(days=1)),
            Spec("c3", at(days=-5), at(days=-1)),
            grouped=True,
        )
        [card] = run(rule)
        assert card.subjects == (("contact", "c1"),)
        assert card.created_at == at(days=-1)

    def test_no_card_without_members(self) -> None:
        """A grouped rule with no active member gives no card."""
        assert len(run(fixed_rule(Spec("c1", at(days=1)), grouped=True))) == 0

    def test_groups_by_proposal_group(self) -> None:
        """Proposals with different groups make different cards, with their own members."""
        rule = fixed_rule(
            Spec("c1", at(days=-1), group="a"),
            Spec("c2", at(days=-2), group="b"),
            Spec("c3", at(days=-3), group="a"),
            grouped=True,
        )
        result = run(rule)
        assert sorted(a.subjects for a in result) == [
            (("contact", "c2"),),
            (("contact", "c3"), ("contact", "c1")),
        ]

    def test_config_turns_grouping_off(self) -> None:
        """grouping={rule: False} gives one action per member of a grouped rule."""
        snap = build(
            contact("c1", owner_assigned_at=at(days=-2)),
            contact("c2", owner_assigned_at=at(days=-1)),
        )
        config = Config(grouping={"newly_assigned_contacts": False})
        result = evaluate(snap, NOW, "u1", rules=[NewlyAssignedContacts], config=config)
        assert [a.subjects for a in result] == [(("contact", "c1"),), (("contact", "c2"),)]
        assert all(not a.grouped and not a.members for a in result)

    def test_config_turns_grouping_on(self) -> None:
        """grouping={rule: True} merges an ungrouped rule's actions into one card."""
        rule = fixed_rule(Spec("c1", at(days=-1)), Spec("c2", at(days=-2)))
        assert len(run(rule)) == 2
        [card] = run(rule, config=Config(grouping={"fixed": True}))
        assert card.subjects == (("contact", "c2"), ("contact", "c1"))
        assert len(card.members) == 2


# -- ordering -----------------------------------------------------------------------------


class TestOrdering:
    def test_priority_first(self) -> None:
        """High before normal before low, whatever the expiry and creation."""
        result = run(
            fixed_rule(Spec("c1", at(days=-9), at(days=1)), rule_id="low", priority="low"),
            fixed_rule(Spec("c1", at(days=-5), at(days=5)), rule_id="normal"),
            fixed_rule(Spec("c1", at(days=-1), None), rule_id="high", priority="high"),
        )
        assert [a.rule for a in result] == ["high", "normal", "low"]

    def test_then_expiry_soonest_first_none_last(self) -> None:
        """Within a priority, the soonest expiry comes first and no expiry comes last."""
        rule = fixed_rule(
            Spec("c1", at(days=-9), None),
            Spec("c2", at(days=-1), at(days=5)),
            Spec("c3", at(days=-2), at(days=1)),
            Spec("c4", at(days=-3), at(days=1, microseconds=1)),
        )
        assert [a.subjects[0][1] for a in run(rule)] == ["c3", "c4", "c2", "c1"]

    @pytest.mark.parametrize("expires", [None, at(days=3)])
    def test_then_created_at(self, expires: datetime | None) -> None:
        """With the same priority and expiry, the earlier created_at comes first."""
        one = run(fixed_rule(Spec("c1", at(days=-1), expires), Spec("c2", at(days=-2), expires)))
        two = run(fixed_rule(Spec("c1", at(days=-2), expires), Spec("c2", at(days=-1), expires)))
        assert [a.subjects[0][1] for a in one] == ["c2", "c1"]
        assert [a.subjects[0][1] for a in two] == ["c1", "c2"]

    def test_then_key(self) -> None:
        """With everything else equal, actions are ordered by key."""
        specs = [Spec(c, at(days=-1), at(days=1)) for c in ("c1", "c2", "c3", "c4")]
        forward = run(fixed_rule(*specs))
        backward = run(fixed_rule(*reversed(specs)))
        assert keys(forward) == sorted(keys(forward)) == keys(backward)

    def test_order_ignores_rule_order(self) -> None:
        """The order does not depend on the order the rules are given in."""
        rules = [
            fixed_rule(Spec("c1", at(days=-1), at(days=2)), rule_id="a", priority="low"),
            fixed_rule(Spec("c2", at(days=-1), at(days=1)), rule_id="b", priority="high"),
            fixed_rule(Spec("c3", at(days=-1), None), rule_id="c", priority="high"),
            fixed_rule(Spec("c4", at(days=-1), at(days=1)), rule_id="d"),
        ]
        assert keys(run(*rules)) == keys(run(*reversed(rules)))
        assert [a.rule for a in run(*rules)] == ["b", "c", "d", "a"]


# -- associations -------------------------------------------------------------------------


def _assoc_snapshot(*extra: Any) -> Any:
    return build(
        company("co1"),
        company("co2"),
        company("co3"),
        company("co4"),
        contact("c1", company_ids=("co2", "co1")),
        contact("c2", company_ids=("co3",)),
        contact("c3"),
        lead("l1", contact_id="c2"),
        deal("d1", contact_ids=("c3", "c1"), company_ids=("co4", "co3")),
        meeting("m1", contact_ids=("c2", "c1"), company_ids=("co4",)),
        call("k1", contact_ids=("c3", "c2"), company_ids=("co2", "co1")),
        task("t1", contact_ids=("c2", "c1")),
        *extra,
    )


class TestAssociations:
    @pytest.mark.parametrize(
        ("kind", "rid", "contact_ids", "company_ids"),
        [
            ("contact", "c1", ("c1",), ("co1", "co2")),
            ("contact", "c3", ("c3",), ()),
            ("lead", "l1", ("c2",), ("co3",)),
            ("deal", "d1", ("c1", "c3"), ("co3", "co4")),
            ("meeting", "m1", ("c1", "c2"), ("co4",)),
            ("call", "k1", ("c2", "c3"), ("co1", "co2")),
            ("task", "t1", ("c1", "c2"), ("co1", "co2", "co3")),
        ],
    )
    def test_associations_by_subject_kind(
        self, kind: str, rid: str, contact_ids: tuple[str, ...], company_ids: tuple[str, ...]
    ) -> None:
        """Each subject kind takes the contacts and companies SPEC section 6 gives it, sorted."""
        [action] = run(fixed_rule(Spec(rid, at(days=-1)), kind=kind), snapshot=_assoc_snapshot())
        assert action.contact_ids == contact_ids
        assert action.company_ids == company_ids

    def test_issued_action_freezes_associations(self) -> None:
        """When issued_actions holds the key, its stored associations win (sorted)."""
        rule = fixed_rule(Spec("c1", at(days=-1)))
        [fresh] = run(rule, snapshot=_assoc_snapshot())
        frozen = _assoc_snapshot(
            issued(fresh.key, contact_ids=("gone", "c3"), company_ids=("co9",))
        )
        [action] = run(rule, snapshot=frozen)
        assert action.key == fresh.key
        assert action.contact_ids == ("c3", "gone")
        assert action.company_ids == ("co9",)

    def test_issued_action_for_another_key_changes_nothing(self) -> None:
        """An issued action with another key leaves live associations alone."""
        rule = fixed_rule(Spec("c1", at(days=-1)))
        snap = _assoc_snapshot(issued("fixed:other", contact_ids=("c3",)))
        [action] = run(rule, snapshot=snap)
        assert action.contact_ids == ("c1",)
        assert action.company_ids == ("co1", "co2")

    def test_issued_action_does_not_freeze_a_card(self) -> None:
        """A grouped card's associations are its current members', even when issued."""
        rule = fixed_rule(Spec("c1", at(days=-1)), Spec("c2", at(days=-2)), grouped=True)
        [card] = run(rule, snapshot=_assoc_snapshot())
        snap = _assoc_snapshot(issued(card.key, contact_ids=("c3",)))
        [again] = run(rule, snapshot=snap)
        assert again.key == card.key
        assert again.contact_ids == ("c1", "c2")
        assert again.company_ids == ("co1", "co2", "co3")


# -- dismissals ---------------------------------------------------------------------------


def _with_dismissals(*dismissals: Any) -> Any:
    return build(*contacts("c1", "c2"), *dismissals)


class TestDismissals:
    RULE = fixed_rule(Spec("c1", at(days=-1)), Spec("c2", at(days=-2)))

    def _keys(self) -> dict[str, str]:
        return {a.subjects[0][1]: a.key for a in run(self.RULE, snapshot=_with_dismissals())}

    @pytest.mark.parametrize(
        ("until", "hidden"),
        [
            (None, True),
            (at(microseconds=1), True),
            (at(days=30), True),
            (NOW, False),
            (at(microseconds=-1), False),
            (at(days=-3), False),
        ],
    )
    def test_until_boundary(self, until: datetime | None, hidden: bool) -> None:
        """A dismissal hides its key while now < until, for good when until is null."""
        k = self._keys()
        result = run(self.RULE, snapshot=_with_dismissals(dismissal(k["c1"], until=until)))
        expected = ["c2"] if hidden else ["c1", "c2"]
        assert sorted(a.subjects[0][1] for a in result) == expected

    def test_dismissal_shown_again_once_until_passes(self) -> None:
        """The same dismissal hides at until - 1 microsecond and shows at until."""
        k = self._keys()
        until = at(days=1)
        snap = _with_dismissals(dismissal(k["c1"], until=until))
        assert k["c1"] not in keys(
            run(self.RULE, snapshot=snap, now=until - timedelta(microseconds=1))
        )
        assert k["c1"] in keys(run(self.RULE, snapshot=snap, now=until))

    def test_another_users_dismissal_does_not_hide(self) -> None:
        """u2 dismissing u1's key leaves u1's action in place."""
        k = self._keys()
        result = run(self.RULE, snapshot=_with_dismissals(dismissal(k["c1"], user_id="u2")))
        assert k["c1"] in keys(result)

    def test_dismissal_is_for_that_user_only(self) -> None:
        """u1's dismissals do not hide u2's actions."""
        k = self._keys()
        snap = _with_dismissals(dismissal(k["c1"]), dismissal(k["c2"]))
        assert len(run(self.RULE, snapshot=snap, user="u1")) == 0
        assert len(run(self.RULE, snapshot=snap, user="u2")) == 2

    def test_dismissed_card_stays_hidden_when_a_member_joins(self) -> None:
        """Dismissing a card hides it, future members included."""
        one = fixed_rule(Spec("c1", at(days=-2)), grouped=True)
        two = fixed_rule(Spec("c1", at(days=-2)), Spec("c2", at(days=-1)), grouped=True)
        [card] = run(one, snapshot=_with_dismissals())
        snap = _with_dismissals(dismissal(card.key))
        assert len(run(one, snapshot=snap)) == 0
        assert len(run(two, snapshot=snap)) == 0
        assert len(run(two, snapshot=_with_dismissals())) == 1

    def test_dismissing_a_member_key_does_not_hide_the_card(self) -> None:
        """A dismissal keyed on an ungrouped action does not hide the card that holds it."""
        specs = (Spec("c1", at(days=-2)), Spec("c2", at(days=-1)))
        [single, _] = run(fixed_rule(*specs), snapshot=_with_dismissals())
        result = run(
            fixed_rule(*specs, grouped=True), snapshot=_with_dismissals(dismissal(single.key))
        )
        assert [len(a.subjects) for a in result] == [2]


# -- viewer -------------------------------------------------------------------------------

SECRETS = (
    "Secret pricing talk",
    "Board review",
    "cm1",
    "cm2",
    "com-secret",
    "attendee@hidden.test",
    "Hidden Corp",
)


def _meeting_snapshot(*extra: Any) -> Any:
    return build(
        company("com-secret", name="Hidden Corp"),
        contact("cm1", owner_id="u2", email="attendee@hidden.test", company_ids=("com-secret",)),
        contact("cm2", owner_id="u2", email=None),
        deal("d1", created_at=at(days=-20)),
        meeting(
            "m1",
            start=at(days=-3),
            end=at(days=-3, hours=1),
            title="Secret pricing talk",
            contact_ids=("cm1",),
            company_ids=("com-secret",),
            deal_ids=("d1",),
        ),
        meeting(
            "m2",
            start=at(hours=2),
            title="Board review",
            contact_ids=("cm2", "cm1"),
            company_ids=("com-secret",),
        ),
        task("t1", title="Send proposal", meeting_id="m1", priority="high", due_at=at(hours=3)),
        *extra,
    )


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


class TestViewer:
    def test_self_view_is_the_default(self) -> None:
        """viewer equal to the user gives the same result as no viewer."""
        snap = _meeting_snapshot()
        assert (
            evaluate(snap, NOW, "u1", viewer="u1").to_dicts()
            == evaluate(snap, NOW, "u1").to_dicts()
        )

    def test_self_view_shows_meeting_details(self) -> None:
        """The user themself sees meeting titles and attendees."""
        result = evaluate(_meeting_snapshot(), NOW, "u1", strict=True)
        text = "\n".join(_strings(result.to_dicts()))
        assert "Secret pricing talk" in text
        assert "Board review" in text
        meeting_actions = [a for a in result if a.subjects[0][0] == "meeting"]
        assert {a.rule for a in meeting_actions} == {"meeting_follow_up", "prepare_next_meeting"}
        assert any("cm1" in a.contact_ids for a in meeting_actions)

    def test_super_admin_sees_meetings_as_private(self) -> None:
        """A super admin viewing another user sees no meeting title, attendee or association."""
        snap = _meeting_snapshot()
        own = evaluate(snap, NOW, "u1", strict=True)
        meeting_keys = [a.key for a in own if a.subjects[0][0] == "meeting"]
        frozen = _meeting_snapshot(
            *(issued(k, contact_ids=("cm1",), company_ids=("com-secret",)) for k in meeting_keys)
        )
        seen = evaluate(frozen, NOW, "u1", viewer="admin", strict=True)
        assert keys(seen) == keys(own)
        assert seen.user_id == "u1"
        texts = [*_strings(seen.to_dicts()), *(a.explain() for a in seen)]
        for secret in SECRETS:
            assert not any(secret in t for t in texts), secret
        for a in seen:
            if a.subjects[0][0] == "meeting":
                assert a.contact_ids == ()
                assert a.company_ids == ()
                assert any("Busy" in r for r in a.reasons)

    def test_super_admin_sees_everything_else_unchanged(self) -> None:
        """Non-meeting actions look the same to a super admin as to the user."""
        snap = _meeting_snapshot(contact("c1", owner_assigned_at=at(days=-1)))
        own = [a for a in evaluate(snap, NOW, "u1") if a.subjects[0][0] != "meeting"]
        seen = [
            a for a in evaluate(snap, NOW, "u1", viewer="admin") if a.subjects[0][0] != "meeting"
        ]
        own_dicts = [a.to_dict() for a in own if a.rule != "update_next_steps"]
        seen_dicts = [a.to_dict() for a in seen if a.rule != "update_next_steps"]
        assert own_dicts == seen_dicts
        assert any(d["rule"] == "newly_assigned_contacts" for d in seen_dicts)

    def test_super_admin_viewing_themself_sees_meetings(self) -> None:
        """A super admin looking at their own actions sees meeting titles and attendees."""
        snap = build(
            contact("cm1", owner_id="u2"),
            meeting("m9", owner_id="admin", title="Admin offsite", contact_ids=("cm1",)),
        )
        [action] = evaluate(snap, NOW, "admin", viewer="admin", strict=True)
        assert any("Admin offsite" in r for r in action.reasons)
        assert action.contact_ids == ("cm1",)

    @pytest.mark.parametrize(("target", "viewer"), [("u1", "u2"), ("admin", "u1"), ("u2", "u1")])
    def test_non_admin_may_not_view_another_user(self, target: str, viewer: str) -> None:
        """A viewer who is neither the user nor a super admin gets ViewerPermissionError."""
        with pytest.raises(ViewerPermissionError) as info:
            evaluate(_meeting_snapshot(), NOW, target, viewer=viewer)
        assert isinstance(info.value, PermissionError)
        assert isinstance(info.value, GuidedActionsError)
        assert viewer in str(info.value)

    @pytest.mark.parametrize(("target", "viewer"), [("nobody", None), ("u1", "nobody")])
    def test_unknown_user_or_viewer(self, target: str, viewer: str | None) -> None:
        """An unknown user or viewer id raises UnknownUserError, also a LookupError."""
        with pytest.raises(UnknownUserError, match="nobody") as info:
            evaluate(_meeting_snapshot(), NOW, target, viewer=viewer)
        assert isinstance(info.value, LookupError)

    def test_user_and_viewer_as_records(self) -> None:
        """A User record works as user and as viewer, like its id."""
        snap = _meeting_snapshot()
        u1, admin = snap.user("u1"), snap.user("admin")
        assert u1 is not None
        assert admin is not None
        assert evaluate(snap, NOW, u1).to_dicts() == evaluate(snap, NOW, "u1").to_dicts()
        assert (
            evaluate(snap, NOW, u1, viewer=admin).to_dicts()
            == evaluate(snap, NOW, "u1", viewer="admin").to_dicts()
        )

    def test_unknown_user_record(self) -> None:
        """A User record that the snapshot does not hold is an unknown user."""
        with pytest.raises(UnknownUserError):
            evaluate(_meeting_snapshot(), NOW, user("stranger"))


# -- failure isolation --------------------------------------------------------------------


class Boom(Exception):
    pass


@attrs.frozen
class Exploding(Rule):
    id = "exploding"
    title = "Exploding"
    category = "general"
    priority = "high"
    subject_kind = "contact"

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        yield self.proposal("c1", created_at=at(days=-1), expires_at=None, reasons=["ok"])
        raise Boom("kaboom")


def _bad_rule(rule_id: str, make: Any) -> type[Rule]:
    def propose(self: Rule, ctx: RuleContext) -> Iterator[Any]:
        yield self.proposal("c2", created_at=at(days=-1), expires_at=None, reasons=["fine"])
        yield make(self)

    namespace = {
        "id": rule_id,
        "title": rule_id,
        "category": "general",
        "priority": "normal",
        "subject_kind": "contact",
        "propose": propose,
    }
    return attrs.frozen(type(rule_id, (Rule,), namespace))


NAIVE = datetime(2026, 11, 20, 12, 0)
BAD_RULES = {
    "not_a_proposal": _bad_rule("not_a_proposal", lambda r: {"subject": ("contact", "c1")}),
    "naive_created": _bad_rule(
        "naive_created",
        lambda r: r.proposal("c1", created_at=NAIVE, expires_at=None, reasons=["x"]),
    ),
    "naive_expires": _bad_rule(
        "naive_expires",
        lambda r: r.proposal("c1", created_at=at(days=-1), expires_at=NAIVE, reasons=["x"]),
    ),
    "bad_kind": _bad_rule(
        "bad_kind",
        lambda r: Proposal(
            subject=("planet", "c1"),  # type: ignore[arg-type]
            created_at=at(days=-1),
            expires_at=None,
            checks=(Criterion("text", met="{text}", unmet="{text}").check(True, text="x"),),
        ),
    ),
    "unknown_subject": _bad_rule(
        "unknown_subject",
        lambda r: r.proposal("nobody", created_at=at(days=-1), expires_at=None, reasons=["x"]),
    ),
    "no_reasons": _bad_rule(
        "no_reasons",
        lambda r: r.proposal("c1", created_at=at(days=-1), expires_at=None, reasons=[]),
    ),
}


class TestFailureIsolation:
    GOOD = fixed_rule(Spec("c1", at(days=-1)), rule_id="good")

    def test_raising_rule_is_reported(self) -> None:
        """A rule that raises: the other rules' actions are returned and errors names it."""
        result = run(Exploding, self.GOOD, strict=False)
        assert [a.rule for a in result] == ["good"]
        [failure] = result.errors
        assert failure.rule_id == "exploding"
        assert isinstance(failure.exception, Boom)
        assert "kaboom" in failure.message
        assert "exploding" in str(failure)

    def test_strict_raises_rule_error_from_original(self) -> None:
        """strict=True raises RuleError chained from the rule's own exception."""
        with pytest.raises(RuleError, match="kaboom") as info:
            run(Exploding, self.GOOD, strict=True)
        assert isinstance(info.value.__cause__, Boom)
        assert info.value.rule_id == "exploding"

    def test_no_errors_when_all_rules_succeed(self) -> None:
        """A clean evaluation reports no errors."""
        assert run(self.GOOD, strict=False).errors == ()

    @pytest.mark.parametrize("rule_id", sorted(BAD_RULES))
    def test_invalid_proposal_is_reported(self, rule_id: str) -> None:
        """A rule returning an invalid proposal is reported like a rule that raises."""
        result = run(BAD_RULES[rule_id], self.GOOD, strict=False)
        assert [a.rule for a in result] == ["good"]
        [failure] = result.errors
        assert failure.rule_id == rule_id
        assert failure.message

    @pytest.mark.parametrize("rule_id", sorted(BAD_RULES))
    def test_invalid_proposal_strict_raises(self, rule_id: str) -> None:
        """With strict=True an invalid proposal raises RuleError naming the rule."""
        with pytest.raises(RuleError) as info:
            run(BAD_RULES[rule_id], self.GOOD, strict=True)
        assert info.value.rule_id == rule_id
        assert rule_id in str(info.value)

    def test_every_failing_rule_is_reported(self) -> None:
        """Several failing rules are all reported, in the order they ran."""
        result = run(Exploding, BAD_RULES["no_reasons"], self.GOOD, strict=False)
        assert [f.rule_id for f in result.errors] == ["exploding", "no_reasons"]
        assert len(result) == 1


def test_action_type() -> None:
    """evaluate returns a Result of Action records."""
    result = run(fixed_rule(Spec("c1", at(days=-1))))
    assert isinstance(result, Result)
    assert all(isinstance(a, Action) for a in result)

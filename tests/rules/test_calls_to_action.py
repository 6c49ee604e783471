"""Calls to action: the links a card offers, declared by each rule as data (issue 16).

Each built-in rule declares its links (the queue of the work first, then the records one by
one); the table below pins them, so that a change is deliberate. ``CallToAction`` refuses a bad
field when it is made; the Rule contract refuses a bad declaration where rules enter the engine,
with a ``PluginError`` naming the attribute. Every action and card carries its rule's links.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Iterator, Sequence
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from guided_actions import (
    CallToAction,
    Config,
    Proposal,
    Rule,
    RuleContext,
    RuleSet,
    evaluate,
    hookimpl,
    load_rules,
)
from guided_actions.errors import PluginError
from guided_actions.rules import BUILTIN_RULES, LogCallOutcomes, ReplyToEmail
from guided_actions.testing import NOW, at, build, call, contact, deal, email, run_rule

#: Each built-in rule's calls to action, ``(id, label, opens)``, in order. Taken from the
#: product article where it names them ("Start tasks", "Enroll new contacts in a sequence"),
#: our reading elsewhere (docs/reference/rule-api.md lists which is which).
PINNED: dict[str, list[tuple[str, str, str]]] = {
    "newly_assigned_contacts": [
        ("enroll_in_sequence", "Enroll new contacts in a sequence", "queue"),
        ("view_contacts", "View contacts", "records"),
    ],
    "newly_assigned_leads": [
        ("reach_out", "Reach out", "queue"),
        ("view_leads", "View leads", "records"),
    ],
    "reengaged_contacts": [
        ("create_lead", "Create lead", "queue"),
        ("view_contact", "View contact", "records"),
    ],
    "sequence_activity": [
        ("start_tasks", "Start tasks", "queue"),
        ("view_tasks", "View tasks", "records"),
    ],
    "email_replies": [("reply", "Reply", "queue"), ("view_contact", "View contact", "records")],
    "meeting_follow_up": [
        ("follow_up", "Follow up", "queue"),
        ("view_meeting", "View meeting", "records"),
    ],
    "log_call_outcomes": [
        ("log_outcomes", "Log outcomes", "queue"),
        ("view_calls", "View calls", "records"),
    ],
    "contacts_awaiting_reply": [
        ("reply", "Reply", "queue"),
        ("view_contact", "View contact", "records"),
    ],
    "reply_to_email": [("reply", "Reply", "queue"), ("view_contact", "View contact", "records")],
    "leads_awaiting_reply": [("reply", "Reply", "queue"), ("view_lead", "View lead", "records")],
    "prepare_next_meeting": [
        ("prepare_meeting", "Prepare for meeting", "queue"),
        ("view_meeting", "View meeting", "records"),
    ],
    "priority_tasks_due_today": [
        ("start_tasks", "Start tasks", "queue"),
        ("view_tasks", "View tasks", "records"),
    ],
    "target_account_activity": [
        ("reach_out", "Reach out", "queue"),
        ("view_contact", "View contact", "records"),
    ],
    "recently_engaged_leads": [
        ("reach_out", "Reach out", "queue"),
        ("view_lead", "View lead", "records"),
    ],
    "update_next_steps": [
        ("update_next_step", "Update next step", "queue"),
        ("view_deal", "View deal", "records"),
    ],
    "add_contact_to_deal": [
        ("add_contact", "Add contact", "queue"),
        ("view_deal", "View deal", "records"),
    ],
    "initial_outreach_needed": [
        ("reach_out", "Reach out", "queue"),
        ("view_deal", "View deal", "records"),
    ],
    "buyer_follow_up": [("follow_up", "Follow up", "queue"), ("view_deal", "View deal", "records")],
}

#: lower_snake_case, as the tests read it (independently of the library's pattern).
SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
START = CallToAction("start_tasks", "Start tasks", "queue")
VIEW = CallToAction("view_deals", "View deals", "records")


def _propose(self: Rule, ctx: RuleContext) -> Iterator[Proposal]:
    for d in ctx.deals_owned():
        yield self.proposal(d.id, created_at=d.created_at, expires_at=None, reasons=["idle"])


def rule_class(name: str = "Linked", **data: Any) -> type[Rule]:
    """A well-formed deal rule (id ``linked``), its class data overridden by ``data``."""
    namespace: dict[str, Any] = {
        "id": "linked",
        "title": "Linked",
        "category": "deal",
        "priority": "normal",
        "subject_kind": "deal",
        "propose": _propose,
        "__module__": __name__,
        **data,
    }
    return attrs.frozen(type(name, (Rule,), namespace))


def plugin(name: str, *classes: type[Rule]) -> object:
    def guided_actions_rules() -> Sequence[type[Rule]]:
        return classes

    return type(name, (), {"guided_actions_rules": staticmethod(hookimpl(guided_actions_rules))})()


def forged(**fields: object) -> CallToAction:
    """A CallToAction whose fields were changed after its checks (as ``object.__setattr__``
    can): the Rule contract must not trust the type alone."""
    cta = CallToAction("ok", "OK", "queue")
    for name, value in fields.items():
        object.__setattr__(cta, name, value)
    return cta


SNAPSHOT = build(deal("d1", created_at=at(days=-8)), deal("d2", created_at=at(days=-3)))


# -- the built-in rules' declarations ------------------------------------------------------------


class TestBuiltInDeclarations:
    def test_the_table_covers_every_built_in_rule(self) -> None:
        """The pinned table has exactly the 18 rules, in the rule-table order."""
        assert list(PINNED) == [cls.id for cls in BUILTIN_RULES]

    @pytest.mark.parametrize("cls", BUILTIN_RULES, ids=lambda c: c.id)
    def test_declares_the_pinned_links(self, cls: type[Rule]) -> None:
        """Each rule declares exactly its pinned links, in order, as CallToAction values."""
        declared = cls.calls_to_action
        assert type(declared) is tuple
        assert all(type(c) is CallToAction for c in declared)
        assert [(c.id, c.label, c.opens) for c in declared] == PINNED[cls.id]

    @pytest.mark.parametrize("cls", BUILTIN_RULES, ids=lambda c: c.id)
    def test_first_opens_the_queue_ids_unique_and_snake_case(self, cls: type[Rule]) -> None:
        """At least one link; the first opens the queue; ids are unique lower_snake_case; at
        most one link of each kind; labels are one-line English text."""
        declared = cls.calls_to_action
        assert declared
        assert declared[0].opens == "queue"
        ids = [c.id for c in declared]
        assert len(set(ids)) == len(ids)
        assert all(SNAKE.fullmatch(i) for i in ids)
        assert len({c.opens for c in declared}) == len(declared)
        assert all(c.label.isascii() and c.label.isprintable() and c.label for c in declared)

    def test_the_article_s_two_links_are_where_the_article_puts_them(self) -> None:
        """ "Start tasks" opens the task cards' queues; "Enroll new contacts in a sequence" the
        newly assigned contacts'."""
        firsts = {cls.id: cls.calls_to_action[0].label for cls in BUILTIN_RULES}
        assert [r for r, label in firsts.items() if label == "Start tasks"] == [
            "sequence_activity",
            "priority_tasks_due_today",
        ]
        assert firsts["newly_assigned_contacts"] == "Enroll new contacts in a sequence"


# -- CallToAction --------------------------------------------------------------------------------


class TestCallToAction:
    def test_fields_and_dict(self) -> None:
        """The three fields, and ``to_dict()`` with exactly ``id``, ``label``, ``opens``."""
        assert (START.id, START.label, START.opens) == ("start_tasks", "Start tasks", "queue")
        assert START.to_dict() == {"id": "start_tasks", "label": "Start tasks", "opens": "queue"}
        assert list(START.to_dict()) == ["id", "label", "opens"]

    def test_a_frozen_value(self) -> None:
        """It compares by value, hashes, pickles, and cannot be changed."""
        assert CallToAction("start_tasks", "Start tasks", "queue") == START
        assert START != VIEW
        assert len({START, CallToAction("start_tasks", "Start tasks", "queue"), VIEW}) == 2
        assert pickle.loads(pickle.dumps(START)) == START
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            START.label = "Go"  # type: ignore[misc]

    @pytest.mark.parametrize(
        ("fields", "error", "named"),
        [
            ({"id": "Start"}, ValueError, "id"),
            ({"id": "1st"}, ValueError, "id"),
            ({"id": "start-tasks"}, ValueError, "id"),
            ({"id": "start__tasks"}, ValueError, "id"),
            ({"id": "start_"}, ValueError, "id"),
            ({"id": ""}, ValueError, "id"),
            ({"id": "x" * 101}, ValueError, "id"),
            ({"id": "démarrer"}, ValueError, "id"),
            ({"id": 3}, TypeError, "id"),
            ({"label": ""}, ValueError, "label"),
            ({"label": " Start"}, ValueError, "label"),
            ({"label": "Start "}, ValueError, "label"),
            ({"label": "Start\ntasks"}, ValueError, "label"),
            ({"label": "\x1b]0;pwned\x07"}, ValueError, "label"),
            ({"label": "x" * 101}, ValueError, "label"),
            ({"label": None}, TypeError, "label"),
            ({"opens": "page"}, ValueError, "opens"),
            ({"opens": "Queue"}, ValueError, "opens"),
            ({"opens": "records "}, ValueError, "opens"),
            ({"opens": ("queue",)}, TypeError, "opens"),
        ],
    )
    def test_a_bad_field_is_refused_naming_it(
        self, fields: dict[str, object], error: type[Exception], named: str
    ) -> None:
        """A bad field is a TypeError (not a str) or ValueError naming the field and value."""
        values: dict[str, object] = {"id": "start_tasks", "label": "Start tasks", "opens": "queue"}
        values.update(fields)
        with pytest.raises(error) as info:
            CallToAction(**values)  # type: ignore[arg-type]
        message = str(info.value)
        assert message.startswith(f"call to action {named} must be ")
        assert repr(fields[named])[:12] in message
        assert len(message) < 250

    def test_a_str_subclass_is_not_a_str_here(self) -> None:
        """As for the rule's class data, a str subclass is refused (it could render otherwise)."""

        class Shouting(str):
            pass

        with pytest.raises(TypeError, match="call to action opens"):
            CallToAction("start_tasks", "Start tasks", Shouting("queue"))  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("cta_id", "label"),
        [("x" * 100, "x" * 100), ("a", "A"), ("a1_2b", "Relancer l'acheteur")],
    )
    def test_the_limits_themselves_are_accepted(self, cta_id: str, label: str) -> None:
        """100 characters of id and of label are fine; a label may be in any language."""
        assert CallToAction(cta_id, label, "records").to_dict()["label"] == label

    @given(st.text(max_size=110), st.sampled_from(["queue", "records"]))
    def test_an_id_is_accepted_exactly_when_it_is_short_snake_case(
        self, cta_id: str, opens: str
    ) -> None:
        """Any text: accepted exactly when it is lower_snake_case of at most 100 characters."""
        valid = len(cta_id) <= 100 and SNAKE.fullmatch(cta_id) is not None
        try:
            made = CallToAction(cta_id, "Go", opens)  # type: ignore[arg-type]
        except ValueError:
            assert not valid
        else:
            assert valid
            assert CallToAction(**made.to_dict()) == made  # type: ignore[arg-type]

    @given(st.from_regex(SNAKE, fullmatch=True).filter(lambda s: len(s) <= 100), st.text())
    def test_a_label_is_accepted_exactly_when_it_is_one_printable_line(
        self, cta_id: str, label: str
    ) -> None:
        """Any id of the pattern and any text as label: accepted exactly when the label is a
        non-empty, printable line of at most 100 characters without surrounding spaces."""
        valid = 0 < len(label) <= 100 and label.isprintable() and label == label.strip()
        try:
            CallToAction(cta_id, label, "queue")
        except ValueError:
            assert not valid
        else:
            assert valid


# -- the Rule contract ---------------------------------------------------------------------------


#: ``(case, calls_to_action, words in the message)``: every way a declaration is refused.
BAD_DECLARATIONS: list[tuple[str, object, str]] = [
    ("a list", [START], "got [CallToAction"),
    ("a dict", {"id": "start_tasks", "label": "Start tasks", "opens": "queue"}, "got {'id'"),
    ("a tuple of tuples", (("start_tasks", "Start tasks", "queue"),), "item 0: expected a Call"),
    ("a tuple of dicts", (START.to_dict(),), "item 0: expected a CallToAction, got {'id'"),
    ("a lone value", START, "got CallToAction"),
    ("a duplicate id", (START, VIEW, attrs.evolve(VIEW, label="Again")), "item 2: id 'view_deals'"),
    ("a bad opens", (START, forged(opens="page")), "item 1: opens must be one of 'queue', "),
    ("the queue after the records", (VIEW, START), "item 1: a link that opens the queue comes"),
    ("a bad id", (forged(id="Bad Id"),), "item 0: id must be ASCII lower_snake_case"),
    ("a bad label", (forged(label="two\nlines"),), "item 0: label must be a non-empty"),
    ("None", None, "got None"),
]


class TestRuleContract:
    def test_a_rule_may_declare_none(self) -> None:
        """The default is none; such a rule loads, and its actions carry none."""
        plain = rule_class()
        assert Rule.calls_to_action == () == plain.calls_to_action
        ruleset = load_rules([plugin("plain", plain)], entry_points=False)
        result = evaluate(SNAPSHOT, NOW, "u1", rules=ruleset.rules, strict=True)
        mine = result.filter(rule="linked")
        assert len(mine) == 2
        assert all(a.calls_to_action == () for a in mine)
        assert all(d["calls_to_action"] == [] for d in mine.to_dicts())

    @pytest.mark.parametrize(
        ("declared", "words"),
        [case[1:] for case in BAD_DECLARATIONS],
        ids=[case[0] for case in BAD_DECLARATIONS],
    )
    def test_a_bad_declaration_is_refused_by_the_loader(self, declared: object, words: str) -> None:
        """Refused at load time with a PluginError naming the plugin, class, attribute, item."""
        bad = rule_class("Sloppy", calls_to_action=declared)
        with pytest.raises(PluginError) as info:
            load_rules([plugin("sloppy_plugin", bad)], entry_points=False)
        error = info.value
        assert error.plugin == "sloppy_plugin"
        assert "rule class Sloppy: attribute 'calls_to_action' must be a tuple of Call" in (
            error.message
        )
        assert words in error.message
        assert len(str(error)) < 400

    @pytest.mark.parametrize(
        "declared", [case[1] for case in BAD_DECLARATIONS], ids=[c[0] for c in BAD_DECLARATIONS]
    )
    def test_a_bad_declaration_is_refused_by_every_entry(self, declared: object) -> None:
        """``rules=`` (class or instance) and ``RuleSet`` refuse it too, before any rule runs."""
        bad = rule_class("Sloppy", calls_to_action=declared)
        for attempt in (
            lambda: evaluate(SNAPSHOT, NOW, "u1", rules=[bad]),
            lambda: evaluate(SNAPSHOT, NOW, "u1", rules=[bad()]),
            lambda: RuleSet(rules=(bad(),), origins={}),
        ):
            with pytest.raises(PluginError, match="attribute 'calls_to_action'"):
                attempt()

    def test_a_property_that_raises_is_refused(self) -> None:
        """Reading the attribute must not fail later, in an action or the catalogue."""

        def boom(self: object) -> tuple[CallToAction, ...]:
            raise RuntimeError("no links")

        bad = rule_class("Sloppy", calls_to_action=property(boom))
        with pytest.raises(PluginError, match="reading attribute 'calls_to_action' raised"):
            evaluate(SNAPSHOT, NOW, "u1", rules=[bad()])

    def test_two_rules_may_share_an_id_of_link(self) -> None:
        """Ids are unique within a rule, not across rules: "reply" is three rules' link."""
        mine = rule_class(calls_to_action=(CallToAction("reply", "Reply", "queue"),))
        result = evaluate(SNAPSHOT, NOW, "u1", rules=[mine, ReplyToEmail], strict=True)
        assert result.errors == ()
        assert {c.id for c in mine.calls_to_action} <= {c.id for c in ReplyToEmail.calls_to_action}


# -- actions and cards carry their rule's links ----------------------------------------------------


class TestCarried:
    def test_every_action_of_a_plugin_rule_carries_its_links(self) -> None:
        """A plugin rule's declared links are on each of its actions, and in to_dicts."""
        linked = rule_class(calls_to_action=(START, VIEW))
        result = evaluate(SNAPSHOT, NOW, "u1", rules=[linked], strict=True)
        assert len(result) == 2
        for action, d in zip(result, result.to_dicts(), strict=True):
            assert action.calls_to_action == (START, VIEW)
            assert d["calls_to_action"] == [START.to_dict(), VIEW.to_dict()]

    def test_a_replacement_rule_brings_its_own_links(self) -> None:
        """Links come from the rule that ran: a plugin replacing a built-in by id brings its
        own, not the built-in's."""
        replacement = rule_class(
            "MyReplyToEmail", id="reply_to_email", calls_to_action=(START,), subject_kind="deal"
        )
        ruleset = load_rules([plugin("mine", replacement)], entry_points=False)
        result = evaluate(SNAPSHOT, NOW, "u1", rules=ruleset, strict=True)
        mine = result.filter(rule="reply_to_email")
        assert len(mine) == 2
        assert all(a.calls_to_action == (START,) for a in mine)

    def test_a_card_and_its_members_carry_the_rule_s_links(self) -> None:
        """A grouped card carries its rule's links, as each of its members does; ungrouped,
        each action does."""
        snapshot = build(
            call("k1", started_at=at(hours=-2), status="completed"),
            call("k2", started_at=at(hours=-3), status="completed"),
        )
        [card] = run_rule(LogCallOutcomes, snapshot)
        assert len(card.members) == 2
        assert card.calls_to_action == LogCallOutcomes.calls_to_action
        assert all(m.calls_to_action == LogCallOutcomes.calls_to_action for m in card.members)
        singles = run_rule(LogCallOutcomes, snapshot, grouped=False)
        assert len(singles) == 2
        assert all(a.calls_to_action == LogCallOutcomes.calls_to_action for a in singles)

    def test_configured_thresholds_keep_the_links(self) -> None:
        """A rule whose thresholds a Config changed keeps its class's links."""
        snapshot = build(
            contact("c1", email="c1@client.test"),
            deal("d1", contact_ids=["c1"]),
            email("e1", direction="inbound", from_address="c1@client.test", sent_at=at(days=-2)),
        )
        config = Config(thresholds={"reply_to_email": {"lifetime": at(days=3) - NOW}})
        result = evaluate(snapshot, NOW, "u1", config=config, rules=[ReplyToEmail], strict=True)
        [action] = result
        assert action.calls_to_action == ReplyToEmail.calls_to_action

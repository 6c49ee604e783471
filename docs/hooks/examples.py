"""The worked example of each built-in rule: the smallest snapshot where it fires, and a near miss.

One place for the examples: ``docs/hooks/rule_pages.py`` executes them when the site is built and
shows their code and results on each rule's page, and tests/test_site.py checks that each fires
exactly its rule's action and that each near miss does not.

An example's records are ``guided_actions.testing`` builder calls, as source text, so that the
page shows exactly the code that ran (``build`` adds the users ``u1``, ``u2`` and ``admin`` and
the pipelines ``deals`` and ``leads``). The near miss is the same snapshot with one record
rebuilt with one field changed; ``unmet`` is the criterion that then does not hold. Everything is
evaluated at ``guided_actions.testing.NOW``, Thursday 2026-11-26 12:00 UTC, for ``u1``.
"""

from __future__ import annotations

from typing import Any

import attrs

import guided_actions.testing
from guided_actions import Action, Snapshot
from guided_actions._engine.explain import RuleExplanation
from guided_actions.rules import BUILTIN_RULES, Rule
from guided_actions.testing import NOW, build, explain_rule, run_rule


@attrs.frozen
class Example:
    """One rule's worked example."""

    rule: str
    #: The record the action is about, as ``"kind:id"``.
    subject: str
    #: The records, each a ``guided_actions.testing`` builder call.
    records: tuple[str, ...]
    #: Which record the near miss rebuilds (an index into ``records``), and how.
    changed: int
    near_miss: str
    #: The criterion the near miss fails.
    unmet: str

    @property
    def rule_class(self) -> type[Rule]:
        [cls] = [cls for cls in BUILTIN_RULES if cls.id == self.rule]
        return cls

    @property
    def near_miss_records(self) -> tuple[str, ...]:
        records = list(self.records)
        records[self.changed] = self.near_miss
        return tuple(records)

    def snapshot(self, near_miss: bool = False) -> Snapshot:
        return build(*(record(source) for source in self._sources(near_miss)))

    def actions(self, near_miss: bool = False) -> list[Action]:
        """The rule's actions, the rule run alone at ``NOW`` for ``u1``."""
        return run_rule(self.rule_class, self.snapshot(near_miss), NOW)

    def explanation(self, near_miss: bool = False) -> RuleExplanation:
        """The rule's explanation of the example's subject."""
        return explain_rule(self.rule_class, self.snapshot(near_miss), self.subject, NOW)

    def _sources(self, near_miss: bool) -> tuple[str, ...]:
        return self.near_miss_records if near_miss else self.records


def record(source: str) -> Any:
    """One builder call evaluated with the names of ``guided_actions.testing``."""
    namespace = {
        name: getattr(guided_actions.testing, name) for name in guided_actions.testing.__all__
    }
    return eval(source, namespace)


def source(records: tuple[str, ...]) -> str:
    """The ``build(...)`` call of some records, one per line."""
    return "build(\n" + "".join(f"    {r},\n" for r in records) + ")"


EXAMPLES: tuple[Example, ...] = (
    Example(
        rule="newly_assigned_contacts",
        subject="contact:c1",
        records=('contact("c1", owner_assigned_at=at(days=-1))',),
        changed=0,
        near_miss='contact("c1", owner_assigned_at=at(days=-1), owner_id="u2")',
        unmet="owned_by_you",
    ),
    Example(
        rule="newly_assigned_leads",
        subject="lead:l1",
        records=('contact("c1")', 'lead("l1", owner_assigned_at=at(days=-1))'),
        changed=1,
        near_miss='lead("l1", owner_assigned_at=at(days=-1), stage_id="working")',
        unmet="first_stage",
    ),
    Example(
        rule="reengaged_contacts",
        subject="contact:c1",
        records=(
            'contact("c1")',
            'lead("l1", stage_id="disqualified", stage_changed_at=at(days=-10))',
            'engagement("ev1", occurred_at=at(days=-2))',
        ),
        changed=2,
        near_miss='engagement("ev1", occurred_at=at(days=-12))',
        unmet="engaged_after_disqualification",
    ),
    Example(
        rule="sequence_activity",
        subject="task:t1",
        records=('sequence("s1", "Outbound")', 'task("t1", sequence_id="s1", sequence_step=1)'),
        changed=1,
        near_miss='task("t1", sequence_id="s1", sequence_step=1, status="completed")',
        unmet="task_open",
    ),
    Example(
        rule="email_replies",
        subject="contact:c1",
        records=(
            'contact("c1")',
            'outbound_email("e1", sent_at=at(days=-3), contact_ids=["c1"])',
            'email("r1", direction="inbound", sent_at=at(days=-2), in_reply_to="e1",'
            ' contact_ids=["c1"])',
        ),
        changed=0,
        near_miss='contact("c1", owner_id="u2")',
        unmet="owned_by_you",
    ),
    Example(
        rule="meeting_follow_up",
        subject="meeting:m1",
        records=('meeting("m1", start=at(hours=-3))',),
        changed=0,
        near_miss='meeting("m1", start=at(hours=-3), owner_id="u2")',
        unmet="owned_by_you",
    ),
    Example(
        rule="log_call_outcomes",
        subject="call:k1",
        records=('call("k1", status="completed", started_at=at(hours=-2))',),
        changed=0,
        near_miss='call("k1", status="completed", started_at=at(hours=-2), outcome="Connected")',
        unmet="call_outcome_blank",
    ),
    Example(
        rule="contacts_awaiting_reply",
        subject="contact:c1",
        records=('contact("c1")', 'inbound_email("e1", sent_at=at(days=-1))'),
        changed=1,
        near_miss='inbound_email("e1", sent_at=at(days=-1), to=["other@acme.test"])',
        unmet="emailed_your_address",
    ),
    Example(
        rule="reply_to_email",
        subject="contact:c1",
        records=(
            'contact("c1")',
            'deal("d1", contact_ids=["c1"])',
            'inbound_email("e1", sent_at=at(days=-1))',
        ),
        changed=1,
        near_miss='deal("d1", contact_ids=["c1"], stage_id="won")',
        unmet="on_open_deal_of_yours",
    ),
    Example(
        rule="leads_awaiting_reply",
        subject="lead:l1",
        records=('contact("c1")', 'lead("l1")', 'inbound_email("e1", sent_at=at(days=-1))'),
        changed=1,
        near_miss='lead("l1", stage_id="disqualified")',
        unmet="lead_open",
    ),
    Example(
        rule="prepare_next_meeting",
        subject="meeting:m1",
        records=('meeting("m1", start=at(hours=2))',),
        changed=0,
        near_miss='meeting("m1", start=at(hours=2), owner_id="u2")',
        unmet="owned_by_you",
    ),
    Example(
        rule="priority_tasks_due_today",
        subject="task:t1",
        records=('task("t1", priority="high", due_at=at(hours=4))',),
        changed=0,
        near_miss='task("t1", priority="medium", due_at=at(hours=4))',
        unmet="task_high_priority",
    ),
    Example(
        rule="target_account_activity",
        subject="contact:c1",
        records=(
            'company("co1", owner_id="u1", target_account=True)',
            'contact("c1", company_ids=["co1"])',
            'engagement("ev1", occurred_at=at(days=-1))',
        ),
        changed=0,
        near_miss='company("co1", owner_id="u1", target_account=False)',
        unmet="at_target_account_of_yours",
    ),
    Example(
        rule="recently_engaged_leads",
        subject="lead:l1",
        records=('contact("c1")', 'lead("l1")', 'engagement("ev1", occurred_at=at(days=-1))'),
        changed=1,
        near_miss='lead("l1", stage_id="disqualified")',
        unmet="lead_open",
    ),
    Example(
        rule="update_next_steps",
        subject="deal:d1",
        records=('deal("d1")', 'meeting("m1", start=at(days=-3), deal_ids=["d1"])'),
        changed=0,
        near_miss='deal("d1", next_step_updated_at=at(days=-1))',
        unmet="next_step_not_updated_since",
    ),
    Example(
        rule="add_contact_to_deal",
        subject="deal:d1",
        records=('deal("d1", created_at=at(days=-8))',),
        changed=0,
        near_miss='deal("d1", created_at=at(days=-8), stage_id="won")',
        unmet="deal_open",
    ),
    Example(
        rule="initial_outreach_needed",
        subject="deal:d1",
        records=('deal("d1", created_at=at(days=-8))',),
        changed=0,
        near_miss='deal("d1", created_at=at(days=-8), stage_id="proposal")',
        unmet="first_stage",
    ),
    Example(
        rule="buyer_follow_up",
        subject="deal:d1",
        records=(
            'contact("c1")',
            'deal("d1", contact_ids=["c1"])',
            'outbound_email("e1", sent_at=at(days=-8), opened_at=at(days=-5), deal_ids=["d1"])',
        ),
        changed=2,
        near_miss=(
            'outbound_email("e1", sent_at=at(days=-6), opened_at=at(days=-5), deal_ids=["d1"])'
        ),
        unmet="email_sent_more_than",
    ),
)

BY_RULE: dict[str, Example] = {example.rule: example for example in EXAMPLES}

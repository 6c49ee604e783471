"""A user's book: ``evaluate``, ``explain`` and ``summarize`` on it equal the whole snapshot's;
it holds no more than the plan reaches; the plan is derived from the concern declaration; and
``record_keys`` computes the keys the snapshot's indexes file each record under.
"""

from __future__ import annotations

import typing
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guided_actions import (
    Config,
    Dismissal,
    IssuedAction,
    Snapshot,
    Snooze,
    evaluate,
    explain,
    summarize,
)
from guided_actions._model.document import record_to_dict
from guided_actions._model.kinds import BY_NAME, NAMES
from guided_actions._model.records import Record, User
from guided_actions._snapshot import book as book_module
from guided_actions._snapshot import indexes
from guided_actions._snapshot.book import ARCS, PLAN, WHOLE, Step, key_names, record_keys
from guided_actions._snapshot.indexes import ACTION_KEYS, CONCERN, INDEXES, Join, Listed
from guided_actions.errors import InvalidRecordError, UnknownUserError
from guided_actions.rules import BUILTIN_RULES
from guided_actions.testing import build, company, contact, deal, inbound_email, user
from strategies import snapshots

UNGROUPED = Config(grouping={rule.id: False for rule in BUILTIN_RULES})
THRESHOLDS = Config(
    grouping={rule.id: False for rule in BUILTIN_RULES[::2]},
    thresholds={"email_replies": {"lifetime": timedelta(days=2)}},
)
OFFSETS = tuple(
    sign * step
    for step in (timedelta(0), timedelta(microseconds=1), timedelta(hours=24), timedelta(days=7))
    for sign in (1, -1)
)
#: The kinds ``explain`` takes a subject of.
EXPLAINED = ("contacts", "leads", "deals", "emails", "calls", "meetings", "tasks")


def instants(snapshot: Snapshot) -> list[datetime]:
    return [
        value
        for name in NAMES
        for record in snapshot.records(name)
        for field in attrs.fields(typing.cast(Any, type(record)))
        if isinstance(value := getattr(record, field.name), datetime)
    ]


@st.composite
def cases(draw: st.DrawFn) -> tuple[Snapshot, list[datetime], list[str]]:
    """A generated CRM (cross-owner contacts, companies and mailboxes) with dismissals, snoozes
    and issued actions of some of its action keys; instants around its records' stamps; and a
    subset of its users."""
    snapshot, now, _user = draw(snapshots())
    extra: list[Record] = []
    contacts = [typing.cast(Any, c).id for c in snapshot.records("contacts")] or ["nobody"]
    for u in snapshot.users():
        for action in evaluate(snapshot, now, u.id, config=UNGROUPED).actions:
            choice = draw(st.sampled_from(("none", "none", "issue", "dismiss", "snooze")))
            if choice == "issue" and not any(
                a.key == action.key for a in extra if isinstance(a, IssuedAction)
            ):
                named = draw(st.lists(st.sampled_from(contacts), max_size=2))
                extra.append(IssuedAction(key=action.key, contact_ids=tuple(named)))
            elif choice == "dismiss":
                extra.append(Dismissal(user_id=u.id, action_key=action.key))
            elif choice == "snooze":
                subjects = tuple(rid for _kind, rid in action.subjects)
                until = now + timedelta(days=1)
                extra.append(
                    Snooze(user_id=u.id, action_key=action.key, until=until, subject_ids=subjects)
                )
    if extra:
        lists = {name: list(snapshot.records(name)) for name in NAMES}
        for record in extra:
            lists[typing.cast(Any, record).record_kind].append(record)
        stages = snapshot.lifecycle_stages if snapshot.custom_lifecycle_stages else None
        snapshot = Snapshot.from_records(lifecycle_stages=stages, **lists)
    anchors = [now, *instants(snapshot)]
    probes = {now} | {
        draw(st.sampled_from(anchors)) + draw(st.sampled_from(OFFSETS)) for _ in range(3)
    }
    ids = [u.id for u in snapshot.users()]
    chosen = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True))
    return snapshot, sorted(probes), chosen


def subjects_of(snapshot: Snapshot, user_id: str, probes: list[datetime]) -> set[tuple[str, str]]:
    """The records ``user_id``'s rules are about: the subjects of their actions at the probes,
    and every record of an explained kind they own or hold in their mailbox."""
    found: set[tuple[str, str]] = {
        subject
        for now in probes
        for config in (None, UNGROUPED)
        for action in evaluate(snapshot, now, user_id, config=config).actions
        for subject in action.subjects
    }
    for name in EXPLAINED:
        kind = BY_NAME[name].cls.__name__.lower()
        for record in snapshot.records(name):
            if getattr(record, "owner_id", None) == user_id:
                found.add((kind, typing.cast(Any, record).id))
    return found


def super_admin(snapshot: Snapshot) -> Snapshot:
    """The snapshot with one more user, a super admin who views the others."""
    stages = snapshot.lifecycle_stages if snapshot.custom_lifecycle_stages else None
    lists = {name: snapshot.records(name) for name in NAMES}
    admin = User(id="admin", email="admin@acme.test", timezone="UTC", super_admin=True)
    return Snapshot.from_records(
        lifecycle_stages=stages, **{**lists, "users": (*lists["users"], admin)}
    )


class TestTheBookGivesTheSameResults:
    @settings(max_examples=60, deadline=None)
    @given(cases())
    def test_evaluate_explain_and_summarize_on_the_book_equal_the_whole_snapshot(
        self, case: tuple[Snapshot, list[datetime], list[str]]
    ) -> None:
        """For each chosen user, at instants around the records' stamps, with and without a
        super-admin viewer and a configuration (grouping off, other thresholds): the same
        actions and errors, the same explanations of every record their rules are about, the
        same workspace."""
        snapshot, probes, chosen = case
        snapshot = super_admin(snapshot)
        book = snapshot.book(chosen)
        assert Snapshot.from_dict(book.to_dict()).to_dict() == book.to_dict()  # a valid one
        for user_id in chosen:
            subjects = sorted(subjects_of(snapshot, user_id, probes))
            for now in probes:
                for viewer in (None, "admin"):
                    for config in (None, UNGROUPED, THRESHOLDS):
                        args: dict[str, Any] = {"viewer": viewer, "config": config}
                        assert evaluate(book, now, user_id, **args) == evaluate(
                            snapshot, now, user_id, **args
                        )
                        assert summarize(book, now, user_id, **args) == summarize(
                            snapshot, now, user_id, **args
                        )
                    for subject in subjects:
                        args = {"viewer": viewer}
                        assert explain(book, now, user_id, subject, **args) == explain(
                            snapshot, now, user_id, subject, **args
                        ), subject

    @settings(max_examples=40, deadline=None)
    @given(cases())
    def test_the_book_of_several_users_is_the_union_of_their_books(
        self, case: tuple[Snapshot, list[datetime], list[str]]
    ) -> None:
        """A record is in the book of a set of users exactly when it is in one of their books,
        and each list keeps the snapshot's order."""
        snapshot, _probes, chosen = case
        together = snapshot.book(chosen)
        for name in NAMES:
            ones = [set(map(id, snapshot.book([u]).records(name))) for u in chosen]
            union = set().union(*ones)
            assert [id(r) for r in together.records(name)] == [
                id(r) for r in snapshot.records(name) if id(r) in union
            ]


def crm(*records: Record) -> Snapshot:
    return build(user("u1"), user("u2"), user("u3"), *records)


def holds(snapshot: Snapshot) -> dict[str, list[str]]:
    return {
        name: [typing.cast(Any, r).id for r in snapshot.records(name)]
        for name in NAMES
        if name not in WHOLE and BY_NAME[name].id_field is not None and snapshot.records(name)
    }


class TestTheBookIsSmall:
    def test_a_user_who_owns_nothing_has_only_the_whole_lists(self) -> None:
        snapshot = crm(
            company("co1", owner_id="u2"),
            contact("c1", owner_id="u2", company_ids=("co1",)),
            deal("d1", owner_id="u2", contact_ids=("c1",)),
            inbound_email("e1", owner_id="u2", contact_ids=("c1",), to=("u2@acme.test",)),
        )
        book = snapshot.book(["u3"])
        assert holds(book) == {}
        for name in WHOLE:
            assert book.records(name) == snapshot.records(name)
        assert snapshot.book([]).to_dict() == book.to_dict()
        assert holds(snapshot.book(["u2"])) == holds(snapshot)

    def test_another_user_s_record_that_concerns_nobody_in_the_set_is_left_out(self) -> None:
        """u1's book holds u1's contact and the deal on it (u2's), with that deal's other
        contact (a reference); not u2's other deal nor u2's contact elsewhere."""
        snapshot = crm(
            contact("c1", owner_id="u1"),
            contact("c2", owner_id="u2"),
            contact("c3", owner_id="u2"),
            deal("d1", owner_id="u2", contact_ids=("c1", "c2")),
            deal("d2", owner_id="u2", contact_ids=("c3",)),
        )
        assert holds(snapshot.book(["u1"])) == {"contacts": ["c1", "c2"], "deals": ["d1"]}
        assert holds(snapshot.book(["u2"])) == {
            "contacts": ["c1", "c2", "c3"],
            "deals": ["d1", "d2"],
        }
        assert holds(snapshot.book(["u3"])) == {}

    def test_an_email_to_your_address_brings_its_sender_and_the_thread_it_replies_to(
        self,
    ) -> None:
        """An inbound email to u1 in u2's mailbox is in u1's book, with the contact that sent
        it, and every email of the thread it replies to (a reference, however long)."""
        snapshot = crm(
            contact("c1", owner_id="u2"),
            inbound_email("e1", owner_id="u2", contact_ids=("c1",), to=("x@other.test",)),
            inbound_email(
                "e2", owner_id="u2", contact_ids=("c1",), to=("x@other.test",), in_reply_to="e1"
            ),
            inbound_email(
                "e3", owner_id="u2", contact_ids=("c1",), to=("u1@acme.test",), in_reply_to="e2"
            ),
            inbound_email("e4", owner_id="u2", contact_ids=("c1",), to=("x@other.test",)),
        )
        assert holds(snapshot.book(["u1"])) == {
            "contacts": ["c1"],
            "emails": ["e1", "e2", "e3"],
        }

    def test_an_unknown_user_is_a_lookup_error_naming_it(self) -> None:
        snapshot = crm()
        with pytest.raises(UnknownUserError, match="'nobody'") as caught:
            snapshot.book(["u1", "nobody"])
        assert isinstance(caught.value, LookupError)
        assert caught.value.user_id == "nobody"
        with pytest.raises(TypeError, match="not one str"):
            snapshot.book("u1")


def steps_of(joins: tuple[Join, ...], source: str) -> list[tuple[str, str, str, str]]:
    out = []
    for join in joins:
        out.append((source, join.source_key, join.target, join.target_key))
        out.extend(steps_of(join.then, join.target))
    return out


class TestThePlanIsDerivedFromTheDeclaration:
    def test_every_join_of_the_declaration_is_a_step(self) -> None:
        """Each join of CONCERN (but those to a whole list) is a step of the plan, joining the
        same lists on the same keys."""
        planned = {(s.source, s.source_key, s.target, s.target_key) for s in PLAN}
        for source, skey, target, tkey in steps_of(CONCERN, "users"):
            if target in WHOLE:
                continue
            if source == "issued_actions" or skey != ACTION_KEYS:
                assert (source, skey, target, tkey) in planned

    def test_changing_the_declaration_changes_the_plan(self, monkeypatch: Any) -> None:
        """One more join in CONCERN is one more step (with its references), derived again."""
        extra = Join("notes", "id", "notes_owned_by_test")
        monkeypatch.setattr(book_module, "CONCERN", (*CONCERN, extra))
        monkeypatch.setattr(
            book_module,
            "_INDEX",
            {
                **book_module._INDEX,
                "notes_owned_by_test": indexes.Index("x", "notes", key="owner_id"),
            },
        )
        plan = book_module._derive()
        added = [s for s in plan if s not in PLAN]
        assert added[0] == Step(
            "notes[id=notes_owned_by_test]", None, "users", "id", "notes", "notes_owned_by_test"
        )
        assert {s.target for s in added} >= {"notes", "contacts", "deals", "leads"}

    def test_steps_come_after_their_parent_and_names_are_unique(self) -> None:
        seen: set[str] = set()
        for step in PLAN:
            assert step.parent is None or step.parent in seen
            if step.parent is None:
                assert step.source == "users" or step.source in WHOLE
            assert step.name not in seen
            seen.add(step.name)

    def test_a_task_s_meeting_is_a_step_of_its_own(self) -> None:
        """What a task's meeting lists is reached through the meeting: from a deal to the tasks
        of the meetings listing it, and from a task to the deals its meeting lists."""
        by_name = {s.name: s for s in PLAN}
        deal_meetings = by_name["deals[id=deals_owned] > meetings[id=listing_deal]"]
        assert by_name[f"{deal_meetings.name} > tasks[id=tasks_meeting]"].parent == (
            deal_meetings.name
        )
        own = "tasks[id=tasks_owned] > meetings[tasks_meeting=id]"
        assert f"{own} > deals[listing_deal=id]" in by_name

    def test_a_self_reference_repeats(self) -> None:
        repeated = [s for s in PLAN if s.repeat]
        assert repeated
        assert all(
            (s.source, s.source_key, s.target) == ("emails", "in_reply_to", "emails")
            for s in repeated
        )


def run_steps(roots: Any, keys: Any, lookup: Any) -> dict[str, dict[Any, None]]:
    """PLAN step by step, each from what its parent reached: the plan's own reading, against
    which the merged graph (ARCS) is checked."""
    reached: dict[str, dict[Any, None]] = {}
    by_step: dict[str, dict[Any, None]] = {}
    for step in PLAN:
        sources = roots(step.source) if step.parent is None else by_step[step.parent]
        found: dict[Any, None] = {}
        level = list(sources)
        while level:
            new = []
            for item in level:
                for value in keys(step.source, item).get(step.source_key, ()):
                    for target in lookup(step.target, step.target_key, value):
                        if target not in found:
                            found[target] = None
                            new.append(target)
            level = new if step.repeat else []
        by_step[step.name] = found
        reached.setdefault(step.target, {}).update(found)
    return reached


class TestTheMergedPlan:
    @settings(max_examples=60, deadline=None)
    @given(cases())
    def test_the_nodes_reach_what_the_steps_reach(
        self, case: tuple[Snapshot, list[datetime], list[str]]
    ) -> None:
        """The book the merged graph gives is the book PLAN's steps give, one by one."""
        snapshot, _probes, chosen = case
        merged = snapshot.book(chosen).to_dict()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(book_module, "interpret", run_steps)
            assert snapshot.book(chosen).to_dict() == merged

    def test_a_few_dozen_nodes_stand_for_the_steps(self) -> None:
        """Steps that reach the same list and go on the same way are one node: a contact reached
        as owned, on an owned company or as a lead's is one node, not three."""
        nodes = {arc.node for arc in ARCS}
        assert len(nodes) < len(PLAN) / 10
        owned = {a.node for a in ARCS if a.parent is None and a.target_key == "contacts_owned"}
        of_companies = {a.node for a in ARCS if a.target_key == "contacts_company"}
        of_leads = {a.node for a in ARCS if a.source_key == "leads_contact"}
        assert owned == of_companies == of_leads
        assert len(owned) == 1

    def test_arcs_follow_the_steps_joins_and_a_thread_repeats(self) -> None:
        """Every arc is a join of a step; every join of a step is an arc's; the email an email
        replies to is reached by a node that goes on to itself."""
        joins = {(a.source, a.source_key, a.target, a.target_key) for a in ARCS}
        assert joins == {(s.source, s.source_key, s.target, s.target_key) for s in PLAN}
        again = [a for a in ARCS if a.parent == a.node]
        assert again
        assert all((a.source_key, a.target) == ("in_reply_to", "emails") for a in again)
        roots = {(a.source, a.target, a.target_key) for a in ARCS if a.parent is None}
        assert roots == {(s.source, s.target, s.target_key) for s in PLAN if s.parent is None}


def record_dicts(snapshot: Snapshot, name: str) -> list[tuple[Record, dict[str, Any]]]:
    return [(r, record_to_dict(r)) for r in snapshot.records(name)]


class TestRecordKeys:
    @settings(max_examples=60, deadline=None)
    @given(snapshots())
    def test_the_keys_of_a_record_are_those_the_indexes_file_it_under(
        self, case: tuple[Snapshot, datetime, str]
    ) -> None:
        """For every record of every list and every index the plan uses on it, record_keys
        gives the keys the snapshot's index files it under (a task's listing keys: its own,
        without its meeting's, which the plan reaches through the meeting)."""
        snapshot = case[0]
        for name in NAMES:
            for record, data in record_dicts(snapshot, name):
                keys = record_keys(name, data)
                assert set(keys) == set(key_names(name))
                for key, values in keys.items():
                    assert len(set(values)) == len(values)
                    if key == "id":
                        assert values == (
                            getattr(record, typing.cast(str, BY_NAME[name].id_field)),
                        )
                        continue
                    index = next((i for i in INDEXES if i.name == key), None)
                    if index is None:  # a reference field
                        value = getattr(record, key)
                        expected = value if isinstance(value, tuple) else (value,)
                        assert set(values) == {v for v in expected if v is not None}
                        continue
                    filed = {
                        k
                        for k, records in snapshot._idx[key].items()
                        if any(r is record for r in records)
                    }
                    if isinstance(index.keys, Listed) and name == "tasks":
                        own = set(getattr(record, index.keys.field))
                        assert set(values) == own <= filed
                    else:
                        assert set(values) == filed, (name, key)

    def test_an_invalid_record_is_an_error_naming_its_field(self) -> None:
        with pytest.raises(InvalidRecordError, match="owner_id"):
            record_keys("contacts", {"id": "c1", "owner_id": 3})
        with pytest.raises(ValueError, match="unknown record list"):
            record_keys("people", {"id": "c1"})

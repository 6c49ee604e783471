"""The concern relation and ``affected_users``: a change concerns exactly the users it can touch.

A user outside ``affected_users`` has the same result before and after the change, at every
instant (the property, on generated CRMs and change sets); the simple cases give exactly the
expected users (so "every user" fails); and every record a user's evaluation reads concerns that
user per the declaration (the test that keeps the declaration honest when a rule changes).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from guided_actions import (
    Config,
    Dismissal,
    IssuedAction,
    Pipeline,
    Result,
    Snapshot,
    Snooze,
    Stage,
    affected_users,
    evaluate,
)
from guided_actions._model.document import record_to_dict
from guided_actions._model.kinds import BY_CLASS, BY_NAME, NAMES
from guided_actions._model.records import Record
from guided_actions._snapshot.concern import nodes_of, users_concerned_by
from guided_actions._snapshot.indexes import CONCERN, INDEXES, Join
from guided_actions.errors import InvalidSnapshotError
from guided_actions.rules import BUILTIN_RULES
from guided_actions.testing import (
    at,
    build,
    company,
    contact,
    deal,
    dismissal,
    inbound_email,
    issued,
    outbound_email,
    user,
)
from strategies import (
    CALL_STATUSES,
    ENGAGEMENT_KINDS,
    TASK_PRIORITIES,
    TASK_STATUSES,
    ZONES,
    snapshots,
)

Case = tuple[Snapshot, datetime, str]
Changes = dict[str, dict[str, list[Any]]]

UNGROUPED = Config(grouping={rule.id: False for rule in BUILTIN_RULES})
#: Where windows open and close, from a record's own instants: the rules' thresholds.
OFFSETS = tuple(
    sign * step
    for step in (
        timedelta(0),
        timedelta(microseconds=1),
        timedelta(minutes=10),
        timedelta(hours=1),
        timedelta(hours=24),
        timedelta(days=7),
        timedelta(days=14),
        timedelta(days=30),
    )
    for sign in (1, -1)
)
TINY = (timedelta(0), timedelta(microseconds=1), timedelta(microseconds=-1), timedelta(days=7))
ADDRESSES = (
    "rep@acme.test",
    "REP@acme.test",
    "other@acme.test",
    "u3@partner.test",
    "c1@client.test",
    "C2@Client.Test",
    "shared@client.test",
    "someone@other.test",
)
#: Values of the fields that take one of a few words.
WORDS: dict[str, tuple[Any, ...]] = {
    "direction": ("inbound", "outbound"),
    "priority": TASK_PRIORITIES,
    "kind": ENGAGEMENT_KINDS,
    "timezone": ZONES,
    "outcome": (None, "", "Connected"),
    "title": (None, "Demo", "Call back"),
    "name": (None, "Acme", "Outbound"),
    "next_step": (None, "Send proposal"),
    "domain": (None, "client.test", "acme.test"),
    "sequence_step": (None, 1, 2),
    "amount": (None, 100, 5000.5),
    "verdict": ("yes", "not_really"),
}
#: Fields left as they are: they name teams, or decide nothing the rules read.
FIXED = {"team_ids", "access", "view_access_confirmed"}


def instants_of(records: Iterable[Record]) -> list[datetime]:
    return [
        value
        for record in records
        for field in attrs.fields(typing.cast(Any, type(record)))
        if isinstance(value := getattr(record, field.name), datetime)
    ]


@attrs.frozen
class Pools:
    """What a generated change draws its values from: the snapshot's ids, instants, words."""

    ids: Mapping[str, tuple[str, ...]]
    instants: tuple[datetime, ...]
    lifecycle: tuple[str, ...]
    keys: tuple[tuple[str, str, tuple[str, ...]], ...]  # (user, action key, subject ids)

    @classmethod
    def of(cls, snapshot: Snapshot, now: datetime) -> Pools:
        ids = {
            name: tuple(getattr(r, kind.id_field) for r in snapshot.records(name))
            for name in NAMES
            if (kind := BY_NAME[name]).id_field is not None
        }
        records = [r for name in NAMES for r in snapshot.records(name)]
        keys = tuple(
            (u.id, a.key, tuple(rid for _kind, rid in a.subjects))
            for u in snapshot.users()
            for a in evaluate(snapshot, now, u.id).actions
        )
        return cls(ids, (now, *instants_of(records)), snapshot.lifecycle_stages, keys)


def stage_ids(snapshot: Snapshot, record: Any) -> tuple[str, ...]:
    pipeline = snapshot.pipeline(record.pipeline_id)
    return tuple(s.id for s in pipeline.stages) if pipeline is not None else ("new",)


def field_values(
    draw: st.DrawFn, snapshot: Snapshot, pools: Pools, record: Record, name: str
) -> Any:
    """Another value for one field of a record, of its type, from the pools."""
    kind = BY_CLASS[type(record)]
    value = getattr(record, name)
    target = kind.references.get(name)
    if target is not None:
        choices = pools.ids[target]
        if not choices:
            return value
        if isinstance(value, tuple):
            return tuple(draw(st.lists(st.sampled_from(choices), max_size=2, unique=True)))
        return draw(st.sampled_from((*choices, None) if name != "contact_id" else choices))
    if name in WORDS:
        return draw(st.sampled_from(WORDS[name]))
    if name == "status":
        return draw(st.sampled_from(CALL_STATUSES if kind.name == "calls" else TASK_STATUSES))
    if name == "stage_id":
        return draw(st.sampled_from(stage_ids(snapshot, record)))
    if name == "lifecycle_stage":
        return draw(st.sampled_from((None, *pools.lifecycle)))
    if name in ("email", "from_address"):
        return draw(st.sampled_from(ADDRESSES))
    if name in ("to", "cc", "subject_ids"):
        pool = (
            ADDRESSES if name != "subject_ids" else tuple(x for v in pools.ids.values() for x in v)
        )
        return tuple(draw(st.lists(st.sampled_from(pool), max_size=2)))
    if name == "stages":
        stages = list(value)
        i = draw(st.integers(0, len(stages) - 1))
        choice = draw(st.sampled_from(("flip", "label", "rotate")))
        if choice == "flip":
            stages[i] = attrs.evolve(stages[i], closed=not stages[i].closed, won=False)
        elif choice == "label":
            stages[i] = attrs.evolve(stages[i], label=f"Renamed {i}")
        else:
            stages = [*stages[i:], *stages[:i]]
        return tuple(stages)
    if isinstance(value, bool):
        return not value
    if isinstance(value, datetime) or (value is None and name.endswith("_at")):
        return draw(st.sampled_from(pools.instants)) + draw(st.sampled_from(TINY))
    if name in ("until", "start", "end", "at", "sent_at", "opened_at"):
        return draw(st.sampled_from(pools.instants)) + draw(st.sampled_from(TINY))
    return value


@st.composite
def changed_record(
    draw: st.DrawFn, snapshot: Snapshot, pools: Pools, record: Record, new_id: str | None = None
) -> Record:
    """``record`` with one to three fields changed (and a new id, when given)."""
    kind = BY_CLASS[type(record)]
    fields = [
        f.name
        for f in attrs.fields(typing.cast(Any, type(record)))
        if f.name != kind.id_field and f.name not in FIXED
    ]
    changes: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True)):
        changes[name] = field_values(draw, snapshot, pools, record, name)
    if new_id is not None:
        assert kind.id_field is not None
        changes[kind.id_field] = new_id
    try:
        return typing.cast(Record, attrs.evolve(typing.cast(Any, record), **changes))
    except (ValueError, TypeError):
        return record  # a combination the record refuses (an end before its start…)


@st.composite
def one_change(draw: st.DrawFn, snapshot: Snapshot, pools: Pools, n: int) -> Changes:
    """One upsert or delete of a record of any list, or a dismissal, snooze or issued action."""
    lists = [name for name in NAMES if snapshot.records(name)]
    what = draw(st.sampled_from(("modify", "modify", "add", "delete", "hide", "issue")))
    if what == "hide" or (what == "issue" and pools.keys):
        if not pools.keys:
            return {}
        user_id, key, subjects = draw(st.sampled_from(pools.keys))
        until = draw(st.sampled_from(pools.instants)) + draw(st.sampled_from(OFFSETS))
        if what == "issue":
            contacts = draw(st.lists(st.sampled_from(pools.ids["contacts"] or ("c1",)), max_size=2))
            record: Record = IssuedAction(key=key, contact_ids=tuple(contacts))
        elif draw(st.booleans()):
            record = Dismissal(
                user_id=user_id, action_key=key, until=draw(st.sampled_from((None, until)))
            )
        else:
            record = Snooze(user_id=user_id, action_key=key, until=until, subject_ids=subjects)
        return {"upsert": {BY_CLASS[type(record)].name: [record]}}
    if not lists:
        return {}
    name = draw(st.sampled_from(lists))
    kind = BY_NAME[name]
    old = draw(st.sampled_from(snapshot.records(name)))
    if what == "delete":
        gone: Any = old if kind.id_field is None else getattr(old, kind.id_field)
        return {"delete": {name: [gone]}}
    new_id = f"new{n}" if what == "add" and kind.id_field is not None else None
    new = draw(changed_record(snapshot, pools, old, new_id))
    return {"upsert": {name: [new]}}


def merged(parts: Iterable[Changes]) -> Changes:
    out: Changes = {}
    for part in parts:
        for top, lists in part.items():
            for name, items in lists.items():
                out.setdefault(top, {}).setdefault(name, []).extend(items)
    return out


@st.composite
def changed_cases(draw: st.DrawFn) -> tuple[Snapshot, datetime, Changes, Snapshot]:
    """A generated CRM, a valid change set of one to three changes, and the changed CRM."""
    snapshot, now, _user = draw(snapshots())
    pools = Pools.of(snapshot, now)
    kept: list[Changes] = []
    after = snapshot
    for n in range(draw(st.integers(1, 3))):
        candidate = merged([*kept, draw(one_change(snapshot, pools, n))])
        try:
            after = snapshot.apply(candidate)
        except InvalidSnapshotError:
            continue  # a change the CRM would refuse: leave it out
        kept = [candidate]
    return snapshot, now, merged(kept), after


def outcome(result: Result) -> tuple[object, ...]:
    """What the guarantee is about: the actions, and which rule failed with what."""
    return (result.actions, tuple((e.rule_id, e.message) for e in result.errors))


def touched(before: Snapshot, after: Snapshot, changes: Changes) -> list[Record]:
    """The records a change set brings or takes away (both versions of a replaced one)."""
    out: list[Record] = []
    for lists in changes.values():
        for name, items in lists.items():
            id_field = BY_NAME[name].id_field
            for item in items:
                if isinstance(item, Record):
                    out.append(item)
                if id_field is not None:
                    rid = item if isinstance(item, str) else getattr(item, id_field)
                    out.extend(
                        r
                        for r in (before._by_id[name].get(rid), after._by_id[name].get(rid))
                        if r is not None
                    )
    return out


class TestUnaffectedUsersKeepTheirResults:
    @settings(max_examples=150)
    @given(changed_cases(), st.data())
    def test_a_user_outside_the_set_has_the_same_result_at_every_probed_instant(
        self, case: tuple[Snapshot, datetime, Changes, Snapshot], data: st.DataObject
    ) -> None:
        """For every user not in ``affected_users``, ``evaluate`` before and after the change
        gives the same actions and errors, at ``now`` and around the changed records' own
        instants (where their windows open and close), grouped and ungrouped."""
        before, now, changes, after = case
        affected = affected_users(before, changes)
        users = [u.id for u in before.users() if u.id not in affected]
        event(f"unaffected users: {len(users)} of {len(before.users())}")
        anchors = sorted({now, *instants_of(touched(before, after, changes))})
        probes = {now} | {
            data.draw(st.sampled_from(anchors)) + data.draw(st.sampled_from(OFFSETS))
            for _ in range(6)
        }
        for user_id in users:
            assert after.user(user_id) is not None, user_id  # a deleted user is affected
            for instant in sorted(probes):
                assert outcome(evaluate(before, instant, user_id)) == outcome(
                    evaluate(after, instant, user_id)
                ), (user_id, instant, changes)
            assert outcome(evaluate(before, now, user_id, config=UNGROUPED)) == outcome(
                evaluate(after, now, user_id, config=UNGROUPED)
            ), (user_id, changes)

    @settings(max_examples=50)
    @given(changed_cases())
    def test_the_set_is_that_of_the_changed_document(
        self, case: tuple[Snapshot, datetime, Changes, Snapshot]
    ) -> None:
        """The same change gives the same set on the snapshot and on its rebuilt copy: the set
        depends on the records, not on how the snapshot was built (incremental or not)."""
        before, _now, changes, _after = case
        copy = Snapshot.from_dict(before.to_dict())
        assert affected_users(before, changes) == affected_users(copy, changes)


# -- the simple cases: exactly the expected users ----------------------------------------------


def crm(*records: Record) -> Snapshot:
    """The default users (u1 rep@acme.test, u2 other@acme.test, admin) and ``records``."""
    return build(user("u3", "u3@partner.test"), *records)


class TestExactlyTheseUsers:
    def test_an_empty_change_concerns_nobody(self) -> None:
        """``{}`` changes nothing: nobody is affected."""
        assert affected_users(crm(contact()), {}) == frozenset()

    def test_a_dismissal_concerns_its_user_only(self) -> None:
        """Adding or removing a dismissal of u1 concerns u1 alone."""
        snapshot = crm(contact(), dismissal("newly_assigned_contacts:x"))
        given = {"upsert": {"dismissals": [dismissal("email_replies:y")]}}
        assert affected_users(snapshot, given) == {"u1"}
        gone = {"delete": {"dismissals": [dismissal("newly_assigned_contacts:x")]}}
        assert affected_users(snapshot, gone) == {"u1"}

    def test_an_email_in_a_mailbox_concerns_that_mailbox_s_owner(self) -> None:
        """An outbound email in u2's mailbox, to nobody's user address, concerns u2 only."""
        snapshot = crm(contact("c1", owner_id="u1"))
        sent = outbound_email("e9", owner_id="u2", to=("someone@other.test",))
        assert affected_users(snapshot, {"upsert": {"emails": [sent]}}) == {"u2"}

    def test_an_inbound_email_concerns_its_mailbox_and_its_primary_recipient(self) -> None:
        """An inbound email in u2's mailbox whose ``to[0]`` is u1's address (in another case)
        concerns u2 and u1; a cc to u3 concerns nobody more."""
        snapshot = crm(contact("c1", owner_id=None))
        received = inbound_email(
            "e9", owner_id="u2", to=("REP@acme.test",), cc=("u3@partner.test",)
        )
        assert affected_users(snapshot, {"upsert": {"emails": [received]}}) == {"u1", "u2"}

    def test_a_reassigned_contact_concerns_its_old_and_new_owner(self) -> None:
        """A contact moving from u1 to u2 concerns both; u3 owns nothing of it."""
        snapshot = crm(contact("c1", owner_id="u1"))
        moved = contact("c1", owner_id="u2", owner_assigned_at=at(days=-1))
        assert affected_users(snapshot, {"upsert": {"contacts": [moved]}}) == {"u1", "u2"}

    def test_a_contact_s_new_address_reaches_who_it_wrote_to(self) -> None:
        """A contact changing its address concerns its owner, the user its old address wrote to
        (u2) and the one its new address wrote to (u3): the relation is followed on both
        sides of the change."""
        snapshot = crm(
            contact("c1", owner_id="u1", email="old@client.test"),
            inbound_email(
                "e1", owner_id="u2", from_address="old@client.test", to=("other@acme.test",)
            ),
            inbound_email(
                "e2", owner_id="u3", from_address="NEW@client.test", to=("u3@partner.test",)
            ),
        )
        new = contact("c1", owner_id="u1", email="new@client.test")
        assert affected_users(snapshot, {"upsert": {"contacts": [new]}}) == {"u1", "u2", "u3"}

    def test_a_contact_on_a_company_concerns_the_company_s_owner(self) -> None:
        """A contact of a company u2 owns concerns u2 (and its own owner, u1)."""
        snapshot = crm(company("co1", owner_id="u2", target_account=True))
        added = contact("c9", owner_id="u1", company_ids=("co1",))
        assert affected_users(snapshot, {"upsert": {"contacts": [added]}}) == {"u1", "u2"}

    def test_a_company_concerns_the_owners_of_its_contacts(self) -> None:
        """A company becoming a target account concerns u1, whose contact is on it (the rules
        read a contact's companies), though u1 does not own the company."""
        snapshot = crm(company("co1", owner_id=None), contact("c1", company_ids=("co1",)))
        target = company("co1", owner_id=None, target_account=True)
        assert affected_users(snapshot, {"upsert": {"companies": [target]}}) == {"u1"}

    def test_a_deal_concerns_its_owner_and_the_owners_of_deals_of_its_contacts(self) -> None:
        """A new deal of u1 listing c1 concerns u1, and u2 whose deal lists c1 (the deals of
        its contacts are named in u2's checks); not u3."""
        snapshot = crm(
            contact("c1", owner_id=None),
            deal("d2", owner_id="u2", contact_ids=("c1",)),
        )
        added = deal("d1", owner_id="u1", contact_ids=("c1",))
        assert affected_users(snapshot, {"upsert": {"deals": [added]}}) == {"u1", "u2"}

    def test_renaming_a_stage_concerns_nobody_but_closing_one_concerns_its_deals(self) -> None:
        """A pipeline is read for its stages' order and flags: a new label concerns nobody, a
        stage that closes concerns the owners of the deals in the pipeline."""
        snapshot = crm(deal("d1", owner_id="u2"))
        pipeline = typing.cast(Pipeline, snapshot.pipeline("deals"))
        stages = pipeline.stages
        renamed = attrs.evolve(
            pipeline, stages=(attrs.evolve(stages[0], label="New!"), *stages[1:])
        )
        assert affected_users(snapshot, {"upsert": {"pipelines": [renamed]}}) == frozenset()
        closed = attrs.evolve(
            pipeline, stages=(*stages[:1], Stage(id=stages[1].id, closed=True), *stages[2:])
        )
        assert affected_users(snapshot, {"upsert": {"pipelines": [closed]}}) == {"u2"}

    def test_a_user_added_or_deleted_is_affected(self) -> None:
        """A new user's evaluation did not exist before; a deleted one's does not after."""
        snapshot = crm()
        assert affected_users(snapshot, {"upsert": {"users": [user("u9")]}}) == {"u9"}
        assert affected_users(snapshot, {"delete": {"users": ["u3"]}}) == {"u3"}

    def test_a_user_changing_address_concerns_that_user_only(self) -> None:
        """u1's new address brings the emails to it into u1's evaluation, nobody else's."""
        snapshot = crm(inbound_email("e1", owner_id="u2", to=("new@acme.test",)))
        moved = user("u1", "new@acme.test")
        assert affected_users(snapshot, {"upsert": {"users": [moved]}}) == {"u1"}

    def test_an_unchanged_upsert_concerns_nobody(self) -> None:
        """Upserting a record equal to the one held changes nothing."""
        snapshot = crm(contact("c1", owner_id="u1"))
        same = snapshot.contact("c1")
        assert affected_users(snapshot, {"upsert": {"contacts": [same]}}) == frozenset()

    def test_an_issued_action_concerns_every_user(self) -> None:
        """An issued action's key does not say whose action it is: every user."""
        snapshot = crm(contact("c1"))
        given = {"upsert": {"issued_actions": [issued("email_replies:abc", contact_ids=("c1",))]}}
        assert affected_users(snapshot, given) == {u.id for u in snapshot.users()}

    def test_a_contact_named_by_an_issued_action_concerns_everyone_only_when_it_comes(
        self,
    ) -> None:
        """A contact an issued action names is looked up for its creation stamp: creating it
        concerns every user; changing its address concerns its owner only."""
        snapshot = crm(issued("email_replies:abc", contact_ids=("c1", "c2")), contact("c2"))
        created = contact("c1", owner_id=None, created_at=at(days=1))
        everyone = {u.id for u in snapshot.users()}
        assert affected_users(snapshot, {"upsert": {"contacts": [created]}}) == everyone
        readdressed = contact("c2", email="c2@elsewhere.test")
        assert affected_users(snapshot, {"upsert": {"contacts": [readdressed]}}) == {"u1"}

    def test_an_invalid_change_raises_what_apply_raises(self) -> None:
        """An invalid change set raises apply's error, with the same problems."""
        snapshot = crm(contact("c1"))
        bad = {"upsert": {"deals": [deal("d1", contact_ids=("nobody",))]}, "oops": {}}
        with pytest.raises(InvalidSnapshotError) as expected:
            snapshot.apply(bad)
        with pytest.raises(InvalidSnapshotError) as raised:
            affected_users(snapshot, bad)
        assert raised.value.problems == expected.value.problems


# -- the declaration covers every look-up the rules make ---------------------------------------


class Recording:
    """A reader that hands every call to a snapshot and notes every record it returns."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self.read: list[Record] = []

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._snapshot, name)
        if not callable(found):
            return found

        def call(*args: Any, **kwargs: Any) -> Any:
            answer = found(*args, **kwargs)
            if isinstance(answer, Record):
                self.read.append(answer)
            elif isinstance(answer, tuple | list):
                self.read.extend(r for r in answer if isinstance(r, Record))
            return answer

        return call


@st.composite
def read_cases(draw: st.DrawFn) -> tuple[Snapshot, list[datetime]]:
    """A generated CRM with dismissals, snoozes and issued actions of its actions' keys, and
    instants around its records' own."""
    snapshot, now, _user = draw(snapshots())
    pools = Pools.of(snapshot, now)
    extra: list[Record] = []
    for user_id, key, subjects in pools.keys:
        choice = draw(st.sampled_from(("none", "issue", "dismiss", "snooze")))
        if choice == "issue":
            contacts = draw(st.lists(st.sampled_from(pools.ids["contacts"] or ("c1",)), max_size=2))
            extra.append(IssuedAction(key=key, contact_ids=tuple(contacts)))
        elif choice == "dismiss":
            extra.append(Dismissal(user_id=user_id, action_key=key))
        elif choice == "snooze":
            until = now + draw(st.sampled_from(OFFSETS[2::2]))
            extra.append(Snooze(user_id=user_id, action_key=key, until=until, subject_ids=subjects))
    issued_keys = {r.key for r in extra if isinstance(r, IssuedAction)}
    extra = [r for r in extra if not isinstance(r, IssuedAction) or r.key in issued_keys]
    unique = {BY_CLASS[type(r)].name + repr(r): r for r in extra}
    changes = merged({"upsert": {BY_CLASS[type(r)].name: [r]}} for r in unique.values())
    with_state = snapshot.apply(changes)
    anchors = [now, *instants_of(r for name in NAMES for r in snapshot.records(name))]
    probes = {now} | {
        draw(st.sampled_from(anchors)) + draw(st.sampled_from(OFFSETS)) for _ in range(3)
    }
    return with_state, sorted(probes)


class TestTheDeclarationCoversEveryRead:
    @settings(max_examples=100)
    @given(read_cases())
    def test_every_record_a_user_s_evaluation_reads_concerns_that_user(
        self, case: tuple[Snapshot, list[datetime]]
    ) -> None:
        """Every record any look-up returns while evaluating a user (grouped and ungrouped, at
        several instants) concerns that user per CONCERN, or concerns every user."""
        snapshot, probes = case
        for u in snapshot.users():
            concerned: dict[int, frozenset[str] | None] = {}
            for instant, config in [(t, None) for t in probes] + [(probes[0], UNGROUPED)]:
                reader = Recording(snapshot)
                evaluate(typing.cast(Any, reader), instant, u.id, config=config)
                for record in reader.read:
                    if id(record) not in concerned:
                        concerned[id(record)] = users_concerned_by(snapshot, record)
                    users = concerned[id(record)]
                    assert users is None or u.id in users, (u.id, record)

    def test_a_reader_that_missed_a_look_up_would_be_caught(self) -> None:
        """The instrumented check fails for a record the declaration leaves out: a contact of
        a deal u2 owns concerns u2; the same contact with nothing of u2's around it does not."""
        snapshot = crm(contact("c1", owner_id="u1"), deal("d2", owner_id="u2", contact_ids=("c1",)))
        record = typing.cast(Record, snapshot.contact("c1"))
        assert users_concerned_by(snapshot, record) == frozenset({"u1", "u2"})
        alone = crm(contact("c1", owner_id="u1"))
        assert users_concerned_by(alone, typing.cast(Record, alone.contact("c1"))) == frozenset(
            {"u1"}
        )


class TestTheDeclaration:
    def test_every_join_key_names_an_index_of_its_list(self) -> None:
        """Each step joins on a list's unique field or on an index that reads that list."""
        names = {index.name: index for index in INDEXES}

        def check(joins: Iterable[Join], source: str) -> None:
            for join in joins:
                for list_name, key in ((source, join.source_key), (join.target, join.target_key)):
                    if key not in ("id", "action_keys"):
                        assert list_name in names[key].reads, (join, list_name)
                check(join.then, join.target)

        check(CONCERN, "users")

    def test_lists_no_rule_reads_concern_nobody(self) -> None:
        """Feedback and dashboards are never read by an evaluation: no step leads to them."""
        assert nodes_of("feedback") == ()
        assert nodes_of("dashboards") == ()
        snapshot = crm()
        added: Callable[[str], Mapping[str, Any]] = lambda name: {  # noqa: E731
            "upsert": {name: [{"id": "db1", "name": "Pipeline", "access": "everyone"}]}
        }
        assert affected_users(snapshot, added("dashboards")) == frozenset()

    def test_a_step_that_reads_some_fields_ends_its_path(self) -> None:
        """A step narrowed to some fields cannot go on: what follows would read others."""
        with pytest.raises(TypeError, match="ends a path"):
            Join(
                "contacts",
                "id",
                "contacts_owned",
                reads=("email",),
                then=(Join("deals", "id", "deals_contact"),),
            )


def test_an_email_record_is_the_same_whether_given_as_record_or_dict() -> None:
    """Records and their interchange objects give the same set."""
    snapshot = crm()
    sent = inbound_email("e9", owner_id="u2", to=("rep@acme.test",))
    as_dict = {"upsert": {"emails": [record_to_dict(sent)]}}
    assert affected_users(snapshot, {"upsert": {"emails": [sent]}}) == affected_users(
        snapshot, as_dict
    )

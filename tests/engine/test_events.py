"""Events: ``diff`` of two results (created, updated, expired with its reason), their instants,
and their CloudEvents form, checked against the published JSON Schema."""

from __future__ import annotations

import itertools
import json
import pickle
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from guided_actions import Config, Event, Result, Snapshot, diff, evaluate
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_snapshot
from guided_actions._engine.events import EVENT_TYPES
from guided_actions._model.time import utc_iso
from guided_actions.rules import AddContactToDeal, LogCallOutcomes
from guided_actions.testing import (
    NOW,
    at,
    build,
    call,
    contact,
    deal,
    dismissal,
)
from guided_actions.testing import snooze as snooze_record
from strategies import snapshots

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs/reference/events.schema.json").read_text()
)
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
US = timedelta(microseconds=1)
DAY = timedelta(days=1)

#: A deal without contacts for 10 days: add_contact_to_deal, from 3 days ago until 4 days on.
DEAL = deal("d1", created_at=at(days=-10))
EXPIRES = at(days=4)
CREATED = at(days=-3)


def conforming(events: Iterable[Event]) -> list[Event]:
    """The events, each checked against the schema (so every test's events are)."""
    events = list(events)
    for event in events:
        VALIDATOR.validate(event.to_cloudevent())
    return events


def run(snapshot: Snapshot, now: datetime, rule: Any = AddContactToDeal, **kw: Any) -> Result:
    """u1's result with one rule (all the built-ins with ``rule=None``)."""
    rules = None if rule is None else [rule]
    return evaluate(snapshot, now, "u1", rules=rules, strict=True, **kw)


def events(before: Result, after: Result) -> list[Event]:
    return conforming(diff(before, after))


def one(before: Result, after: Result) -> Event:
    (event,) = events(before, after)
    return event


def key_of(result: Result) -> str:
    (action,) = result.actions
    return action.key


class TestCreated:
    def test_by_time_alone_at_its_created_at(self) -> None:
        """An action that opens between the two instants is created at its created_at."""
        snapshot = build(DEAL)
        event = one(run(snapshot, CREATED - DAY), run(snapshot, CREATED + DAY))
        assert (event.type, event.at, event.reason) == ("created", CREATED, None)
        assert event.action == run(snapshot, CREATED + DAY).actions[0]

    def test_opening_exactly_at_the_later_instant(self) -> None:
        """At exactly created_at the action is there; one microsecond before, it is not."""
        snapshot = build(DEAL)
        assert events(run(snapshot, CREATED - DAY), run(snapshot, CREATED - US)) == []
        assert one(run(snapshot, CREATED - DAY), run(snapshot, CREATED)).at == CREATED

    def test_by_a_change_at_the_later_instant(self) -> None:
        """An action that was already due but appears by a change of data is created at now."""
        event = one(run(build(), NOW), run(build(DEAL), NOW + DAY))
        assert (event.type, event.at) == ("created", NOW + DAY)


class TestUpdated:
    def test_a_card_gaining_a_member(self) -> None:
        """A card whose members change keeps its key: updated, at the later instant."""
        before = run(build(call("k1")), NOW, LogCallOutcomes)
        after = run(build(call("k1"), call("k2")), NOW + US, LogCallOutcomes)
        event = one(before, after)
        assert (event.type, event.at, event.key) == ("updated", NOW + US, key_of(before))
        assert event.action.subjects == (("call", "k1"), ("call", "k2"))

    def test_associations_changing(self) -> None:
        """A card whose contacts change is updated."""
        people = [contact("c1")]
        before = run(build(*people, call("k1")), NOW, LogCallOutcomes)
        after = run(build(*people, call("k1", contact_ids=("c1",))), NOW, LogCallOutcomes)
        event = one(before, after)
        assert event.type == "updated"
        assert event.action.contact_ids == ("c1",)

    def test_nothing_changed_gives_no_event(self) -> None:
        """The same actions later (only the reasons' instants may differ): no event."""
        snapshot = build(DEAL, call("k1"))
        assert events(run(snapshot, NOW, None), run(snapshot, NOW + DAY, None)) == []


class TestExpiredReasons:
    def test_time_limit_at_its_expires_at(self) -> None:
        """Gone at expires_at by time: time_limit, at expires_at even when seen later."""
        snapshot = build(DEAL)
        before = run(snapshot, NOW)
        for later in (EXPIRES, EXPIRES + DAY):
            event = one(before, run(snapshot, later))
            assert (event.type, event.reason, event.at) == ("expired", "time_limit", EXPIRES)
            assert event.criterion is None
        assert events(before, run(snapshot, EXPIRES - US)) == []

    def test_dismissed(self) -> None:
        """A dismissal of the key in force at the later instant: dismissed, at that instant."""
        before = run(build(DEAL), NOW)
        after = run(build(DEAL, dismissal(key_of(before))), NOW + DAY)
        event = one(before, after)
        assert (event.type, event.reason, event.at) == ("expired", "dismissed", NOW + DAY)

    def test_a_dismissal_that_ended_hides_nothing(self) -> None:
        """A dismissal that ended before the later instant leaves the action: no event."""
        before = run(build(DEAL), NOW)
        after = run(build(DEAL, dismissal(key_of(before), until=NOW + DAY)), NOW + DAY)
        assert events(before, after) == []

    def test_snoozed_reads_as_dismissed(self) -> None:
        """A snooze is a dismissal that ends: the reason is dismissed, and the action comes
        back as created when the snooze ends."""
        before = run(build(DEAL), NOW)
        snoozed = build(DEAL, snooze_record(key_of(before), until=NOW + DAY))
        event = one(before, run(snoozed, NOW + US))
        assert (event.reason, event.criterion) == ("dismissed", None)
        back = one(run(snoozed, NOW + US), run(snoozed, NOW + DAY))
        assert (back.type, back.key, back.at) == ("created", key_of(before), NOW + DAY)

    def test_subject_deleted(self) -> None:
        """The snapshot no longer holds the subject: subject_deleted."""
        before = run(build(DEAL), NOW)
        event = one(before, run(build(), NOW))
        assert (event.reason, event.criterion, event.at) == ("subject_deleted", None, NOW)

    def test_criterion_names_the_condition_that_stopped_holding(self) -> None:
        """The subject is there but a condition failed: criterion, with its id."""
        before = run(build(DEAL), NOW)
        with_contact = attrs.evolve(DEAL, contact_ids=("c1",))
        event = one(before, run(build(contact("c1"), with_contact), NOW + DAY))
        assert (event.reason, event.criterion) == ("criterion", "deal_has_no_contact")
        closed = attrs.evolve(DEAL, stage_id="won", closed_at=at(hours=1))
        event = one(before, run(build(closed), NOW + DAY))
        assert (event.reason, event.criterion) == ("criterion", "deal_open")

    def test_a_card_keeping_one_subject_is_updated_not_expired(self) -> None:
        """One member of two deleted: the card is updated; both deleted: subject_deleted."""
        both = run(build(call("k1"), call("k2")), NOW, LogCallOutcomes)
        assert one(both, run(build(call("k1")), NOW, LogCallOutcomes)).type == "updated"
        event = one(both, run(build(), NOW, LogCallOutcomes))
        assert event.reason == "subject_deleted"
        assert event.action.subjects == both.actions[0].subjects

    def test_order_of_the_reasons(self) -> None:
        """time_limit before dismissed before subject_deleted before criterion."""
        before = run(build(DEAL), NOW)
        key = key_of(before)
        assert one(before, run(build(dismissal(key)), EXPIRES)).reason == "time_limit"
        assert one(before, run(build(dismissal(key)), NOW)).reason == "dismissed"
        closed = attrs.evolve(DEAL, stage_id="won", closed_at=at(hours=1))
        assert one(before, run(build(closed, dismissal(key)), NOW)).reason == "dismissed"
        assert one(before, run(build(), NOW)).reason == "subject_deleted"

    def test_with_a_config_the_reasons_are_read_with_it(self) -> None:
        """The expiry is explained with after's configuration: a longer lifetime keeps the
        action, so a later expiry by a changed condition is criterion, not time_limit."""
        config = Config(thresholds={"add_contact_to_deal": {"lifetime": timedelta(days=30)}})
        before = run(build(DEAL), NOW, config=config)
        assert events(before, run(build(DEAL), EXPIRES, config=config)) == []
        closed = attrs.evolve(DEAL, stage_id="won", closed_at=at(days=5))
        event = one(before, run(build(closed), EXPIRES, config=config))
        assert (event.reason, event.criterion, event.at) == ("criterion", "deal_open", EXPIRES)

    def test_a_private_viewer_gets_the_same_reasons(self) -> None:
        """A super admin looking gets the same events as the rep."""
        before = run(build(DEAL), NOW, viewer="admin")
        after = run(build(), NOW, viewer="admin")
        assert one(before, after).reason == "subject_deleted"


class TestDiffArguments:
    def test_results_of_two_users(self) -> None:
        """diff compares one user's results."""
        snapshot = build(DEAL)
        with pytest.raises(ValueError, match="one user"):
            diff(run(snapshot, NOW), evaluate(snapshot, NOW, "u2"))

    def test_after_earlier_than_before(self) -> None:
        """The later result comes second; equal instants are fine."""
        snapshot = build(DEAL)
        with pytest.raises(ValueError, match="must not be later"):
            diff(run(snapshot, NOW + US), run(snapshot, NOW))
        assert diff(run(snapshot, NOW), run(snapshot, NOW)) == ()

    def test_not_results(self) -> None:
        with pytest.raises(TypeError, match="before must be a Result"):
            diff([], run(build(), NOW))  # type: ignore[arg-type]

    def test_unpickled_later_result(self) -> None:
        """A result from a pickle has no snapshot: what time alone explains works, an expiry
        that needs the data raises a clear ValueError."""
        snapshot = build(DEAL)
        before = pickle.loads(pickle.dumps(run(snapshot, NOW)))
        late = pickle.loads(pickle.dumps(run(snapshot, EXPIRES)))
        assert late == run(snapshot, EXPIRES)
        assert one(before, late).reason == "time_limit"
        gone = pickle.loads(pickle.dumps(run(build(), NOW)))
        with pytest.raises(ValueError, match="carries no snapshot"):
            diff(before, gone)

    def test_order_is_instant_then_type_then_key(self) -> None:
        """Events come in order of instant, then created, updated, expired, then key."""
        snapshot = demo_snapshot()
        found = events(
            evaluate(snapshot, DEMO_NOW - 3 * DAY, DEMO_USER),
            evaluate(snapshot, DEMO_NOW + 4 * DAY, DEMO_USER),
        )
        assert {e.type for e in found} == set(EVENT_TYPES)
        rank = EVENT_TYPES.index
        assert found == sorted(found, key=lambda e: (e.at, rank(e.type), e.key))


class TestEventRecord:
    def action(self) -> Any:
        return run(build(DEAL), NOW).actions[0]

    def test_reason_only_for_expired(self) -> None:
        action = self.action()
        with pytest.raises(ValueError, match="needs a reason"):
            Event(type="expired", action=action, at=NOW, user_id="u1")
        with pytest.raises(ValueError, match="only an expired event"):
            Event(type="created", action=action, at=NOW, reason="dismissed", user_id="u1")
        with pytest.raises(ValueError, match="criterion is only given"):
            Event(
                type="expired",
                action=action,
                at=NOW,
                reason="dismissed",
                criterion="deal_open",
                user_id="u1",
            )

    def test_checked_fields(self) -> None:
        action = self.action()
        with pytest.raises(ValueError, match="event type"):
            Event(type="moved", action=action, at=NOW, user_id="u1")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="timezone-aware"):
            Event(type="created", action=action, at=NOW.replace(tzinfo=None), user_id="u1")
        with pytest.raises(ValueError, match="about an action of user"):
            Event(type="created", action=action, at=NOW, user_id="u2")

    def test_at_is_kept_in_utc(self) -> None:
        from datetime import timezone

        local = NOW.astimezone(timezone(timedelta(hours=5)))
        event = Event(type="created", action=self.action(), at=local, user_id="u1")
        assert event.at == NOW
        assert event.at.utcoffset() == timedelta(0)


class TestCloudEvents:
    def all_events(self) -> list[Event]:
        snapshot = demo_snapshot()
        instants = [DEMO_NOW + n * DAY for n in range(-12, 40, 3)]
        results = [evaluate(snapshot, t, DEMO_USER) for t in instants]
        found = [e for a, b in itertools.pairwise(results) for e in diff(a, b)]
        gone = evaluate(
            Snapshot.from_dict(
                {
                    "schema": "guided-actions/1",
                    "users": [
                        {"id": DEMO_USER, "email": snapshot.user(DEMO_USER).email}  # type: ignore[union-attr]
                    ],
                }
            ),
            DEMO_NOW,
            DEMO_USER,
        )
        found += diff(results[4], gone)
        return conforming(found)

    def test_fields(self) -> None:
        """The structured form: the pinned attributes, the action's dict as data."""
        event = one(run(build(DEAL), NOW), run(build(), NOW + DAY))
        cloud = event.to_cloudevent()
        assert cloud == {
            "specversion": "1.0",
            "id": event.id,
            "source": "urn:guided-actions:user:u1",
            "type": "io.guided-actions.action.expired",
            "subject": event.key,
            "time": utc_iso(NOW + DAY).replace("+00:00", "Z"),
            "datacontenttype": "application/json",
            "data": {**event.action.to_dict(), "reason": "subject_deleted", "criterion": None},
        }
        assert json.loads(json.dumps(cloud)) == cloud

    def test_round_trip(self) -> None:
        """from_cloudevent reads back what to_cloudevent wrote, over every kind of event."""
        found = self.all_events()
        assert {e.reason for e in found} >= {None, "time_limit", "subject_deleted"}
        for event in found:
            cloud = event.to_cloudevent()
            back = Event.from_cloudevent(json.loads(json.dumps(cloud)))
            assert back.to_cloudevent() == cloud
            assert (back.type, back.at, back.reason, back.criterion, back.user_id) == (
                event.type,
                event.at,
                event.reason,
                event.criterion,
                event.user_id,
            )
            assert attrs.evolve(back.action, checks=event.action.checks) == attrs.evolve(
                event.action, members=(), group=None
            )

    def test_ids_are_deterministic_and_distinct(self) -> None:
        """The same event has the same id on every run; ids differ by key, type or instant."""
        first = self.all_events()
        assert [e.id for e in first] == [e.id for e in self.all_events()]
        assert len({e.id for e in first}) == len(first)
        event = next(e for e in first if e.type == "created")
        variants = {
            attrs.evolve(event, at=event.at + US).id,
            attrs.evolve(event, type="updated").id,
            Event(
                type="expired",
                action=event.action,
                at=event.at,
                reason="criterion",
                user_id=event.user_id,
            ).id,
            event.id,
        }
        assert len(variants) == 4
        # The reason is not part of the id: the same expiry explained otherwise is one event.
        assert (
            Event(
                type="expired",
                action=event.action,
                at=event.at,
                reason="dismissed",
                user_id=event.user_id,
            ).id
            == Event(
                type="expired",
                action=event.action,
                at=event.at,
                reason="time_limit",
                user_id=event.user_id,
            ).id
        )

    def test_same_time_driven_event_same_id_from_any_poll(self) -> None:
        """Pollers that compare results at different instants name an expiry by time alone by
        the same instant, so by the same id."""
        snapshot = build(DEAL)
        ids = {
            one(run(snapshot, start), run(snapshot, end)).id
            for start in (NOW, CREATED, EXPIRES - US)
            for end in (EXPIRES, EXPIRES + DAY)
        }
        assert len(ids) == 1

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"specversion": "0.3"}, "specversion"),
            ({"type": "io.guided-actions.action.moved"}, "type must be"),
            ({"source": "urn:guided-actions:user:u2"}, "source"),
            ({"subject": "other:1"}, "subject"),
            ({"time": "2026-11-30T12:00:00"}, "no offset"),
            ({"time": "yesterday"}, "not an ISO-8601 instant"),
            ({"id": "0" * 64}, "is not the event's"),
            ({"data": []}, "data must be a JSON object"),
            ({"datacontenttype": "text/plain"}, "datacontenttype"),
        ],
    )
    def test_from_cloudevent_refuses_broken_events(
        self, change: dict[str, Any], message: str
    ) -> None:
        """A broken event is a ValueError naming what is wrong; the schema refuses it too."""
        cloud = {**one(run(build(DEAL), NOW), run(build(), NOW)).to_cloudevent(), **change}
        with pytest.raises(ValueError, match=message):
            Event.from_cloudevent(cloud)

    @pytest.mark.parametrize(
        ("data_change", "message"),
        [
            ({"reason": "gone"}, "reason"),
            ({"category": "misc"}, "category"),
            ({"priority": "urgent"}, "priority"),
            ({"subjects": []}, "subjects"),
            ({"subjects": [{"kind": "planet", "id": "x"}]}, "subjects"),
            ({"contact_ids": "c1"}, "contact_ids"),
            ({"reasons": [1]}, "reasons"),
            ({"criterion": 3}, "criterion"),
            ({"calls_to_action": [{"id": "x"}]}, "calls_to_action"),
        ],
    )
    def test_from_cloudevent_refuses_broken_data(
        self, data_change: dict[str, Any], message: str
    ) -> None:
        cloud = one(run(build(DEAL), NOW), run(build(), NOW)).to_cloudevent()
        cloud["data"] = {**cloud["data"], **data_change}
        with pytest.raises(ValueError, match=message):
            Event.from_cloudevent(cloud)
        assert not VALIDATOR.is_valid(cloud)

    def test_not_a_mapping(self) -> None:
        with pytest.raises(ValueError, match="JSON object"):
            Event.from_cloudevent([])  # type: ignore[arg-type]


class TestSchema:
    def valid(self) -> dict[str, Any]:
        return one(run(build(DEAL), NOW), run(build(), NOW)).to_cloudevent()

    def test_is_a_draft_2020_12_schema(self) -> None:
        assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(SCHEMA)
        assert VALIDATOR.is_valid(self.valid())

    @pytest.mark.parametrize(
        "broken",
        [
            lambda e: e.pop("id"),
            lambda e: e.update(id="not-hex"),
            lambda e: e.update(specversion="0.3"),
            lambda e: e.update(type="io.guided-actions.action.moved"),
            lambda e: e.update(time="2026-11-30T12:00:00+02:00"),
            lambda e: e.update(source="u1"),
            lambda e: e.update(extra=1),
            lambda e: e["data"].pop("key"),
            lambda e: e["data"].update(reason=None),
            lambda e: e["data"].update(criterion="deal_open"),
            lambda e: e["data"].update(created_at="2026-11-30T12:00:00Z"),
            lambda e: e["data"].update(reasons=[]),
            lambda e: e["data"].update(unknown="x"),
            lambda e: e.update(type="io.guided-actions.action.created"),
        ],
    )
    def test_refuses_broken_events(self, broken: Any) -> None:
        """Each broken event (missing or wrong attribute, a reason where none belongs, a
        created event with a reason) fails validation."""
        event = self.valid()
        event["data"] = dict(event["data"])
        broken(event)
        assert not VALIDATOR.is_valid(event)


@settings(max_examples=60)
@given(case=snapshots(), later=st.timedeltas(timedelta(0), timedelta(days=40)))
def test_events_take_before_keys_to_after_keys(
    case: tuple[Snapshot, datetime, str], later: timedelta
) -> None:
    """Applying the events of diff(before, after) to before's keys gives after's keys; every
    event conforms to the schema and its instant lies between the two results'."""
    snapshot, now, user = case
    before = evaluate(snapshot, now, user)
    after = evaluate(snapshot, now + later, user)
    keys = {a.key for a in before}
    for event in conforming(diff(before, after)):
        assert before.now <= event.at <= after.now
        if event.type == "created":
            assert event.key not in keys
            keys.add(event.key)
        elif event.type == "expired":
            keys.remove(event.key)
        else:
            assert event.key in keys
            assert event.action == after.get(event.key)
    assert keys == {a.key for a in after}

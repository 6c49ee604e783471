"""``replay``: the event stream between two instants, from one change to the next, with timed
change sets applied on the way; checked against evaluating at every instant it skips."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import guided_actions._engine.replay as replay_module
from guided_actions import Config, Event, Snapshot, diff, evaluate, replay
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_snapshot
from guided_actions._model.document import record_to_dict
from guided_actions.errors import InvalidSnapshotError
from guided_actions.rules import AddContactToDeal
from guided_actions.testing import NOW, at, build, deal, dismissal, outbound_email
from strategies import snapshots

US = timedelta(microseconds=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
#: add_contact_to_deal: from 3 days ago until 4 days from now.
DEAL = deal("d1", created_at=at(days=-10))
CREATED, EXPIRES = at(days=-3), at(days=4)
Timed = list[tuple[datetime, Mapping[str, Any]]]


def keys_after(start_keys: Iterable[str], events: Iterable[Event]) -> set[str]:
    """The keys the events take ``start_keys`` to (and each event applies to its state)."""
    keys = set(start_keys)
    for event in events:
        if event.type == "created":
            assert event.key not in keys
            keys.add(event.key)
        elif event.type == "expired":
            keys.remove(event.key)
        else:
            assert event.key in keys
    return keys


def snapshot_at(snapshot: Snapshot, changes: Timed, instant: datetime) -> Snapshot:
    """The snapshot with every change set stamped at or before ``instant`` applied."""
    for stamp, change in changes:
        if stamp <= instant:
            snapshot = snapshot.apply(change)
    return snapshot


class Counting:
    """Counts replay's evaluations (and records their instants) by wrapping the engine's."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.instants: list[datetime] = []
        self.results: list[Any] = []
        real = replay_module.evaluate_prepared

        def counted(snapshot: Any, now: datetime, *args: Any, **kw: Any) -> Any:
            result = real(snapshot, now, *args, **kw)
            self.instants.append(now)
            self.results.append(result)
            return result

        monkeypatch.setattr(replay_module, "evaluate_prepared", counted)


class TestStream:
    def test_no_evaluation_where_nothing_changes(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Over a month of the demo with no change set, every evaluation after the first is at
        an instant where the actions change, and the events take start's keys to end's."""
        counting = Counting(monkeypatch)
        start, end = DEMO_NOW - 3 * DAY, DEMO_NOW + 30 * DAY
        snapshot = demo_snapshot()
        events = list(replay(snapshot, DEMO_USER, start, end))
        assert counting.instants[0] == start
        # Each evaluation is at a distinct instant where the actions differ from the last
        # (an event, or a change events do not report: a reason's data).
        assert counting.instants == sorted(set(counting.instants))
        for previous, result in itertools.pairwise(counting.results):
            assert result.actions != previous.actions
        assert {e.at for e in events} <= set(counting.instants[1:])
        assert len(counting.instants) < 2 * len({e.at for e in events})
        assert keys_after((a.key for a in evaluate(snapshot, start, DEMO_USER)), events) == {
            a.key for a in evaluate(snapshot, end, DEMO_USER)
        }

    def test_agrees_with_polling(self) -> None:
        """A poller every hour sees a subset of the replay's created and time-limit events,
        with the same ids (time-driven events carry their own instant)."""
        snapshot = demo_snapshot()
        start, end = DEMO_NOW - 2 * DAY, DEMO_NOW + 5 * DAY
        replayed = {e.id for e in replay(snapshot, DEMO_USER, start, end)}
        polls = [evaluate(snapshot, start + n * HOUR, DEMO_USER) for n in range(7 * 24 + 1)]
        polled = [
            e
            for a, b in itertools.pairwise(polls)
            for e in diff(a, b)
            if e.type == "created" or e.reason == "time_limit"
        ]
        assert polled
        assert {e.id for e in polled} <= replayed

    def test_end_is_inclusive_start_exclusive(self) -> None:
        """An expiry exactly at end is in the stream; one a microsecond later is not; an
        action opening exactly at start is part of the state at start."""
        snapshot = build(DEAL)
        rules = [AddContactToDeal]
        (gone,) = replay(snapshot, "u1", NOW, EXPIRES, rules=rules)
        assert (gone.type, gone.reason, gone.at) == ("expired", "time_limit", EXPIRES)
        assert list(replay(snapshot, "u1", NOW, EXPIRES - US, rules=rules)) == []
        assert [e.type for e in replay(snapshot, "u1", CREATED - US, EXPIRES, rules=rules)] == [
            "created",
            "expired",
        ]
        assert [e.type for e in replay(snapshot, "u1", CREATED, EXPIRES, rules=rules)] == [
            "expired"
        ]
        assert list(replay(snapshot, "u1", NOW, NOW, rules=rules)) == []

    def test_viewer_and_config_are_used(self) -> None:
        """The same viewer, config and rules as evaluate: a longer lifetime moves the expiry."""
        config = Config(thresholds={"add_contact_to_deal": {"lifetime": timedelta(days=9)}})
        (gone,) = replay(
            build(DEAL),
            "u1",
            NOW,
            NOW + 30 * DAY,
            rules=[AddContactToDeal],
            config=config,
            viewer="admin",
        )
        assert gone.at == CREATED + 9 * DAY


class TestChanges:
    def test_changes_are_applied_at_their_instant(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A change set is applied at its instant, which is evaluated (even when it changes
        nothing), and the expiry it causes is explained."""
        counting = Counting(monkeypatch)
        reply = outbound_email("r1", sent_at=NOW + HOUR, deal_ids=("d1",))
        timed: Timed = [
            (NOW + HOUR, {"upsert": {"emails": [reply]}}),
            (NOW + 2 * HOUR, {}),
        ]
        (first,) = replay(build(DEAL), "u1", NOW, NOW + DAY, changes=timed)
        assert (first.type, first.at, first.reason) == ("expired", NOW + HOUR, "criterion")
        assert first.action.rule == "initial_outreach_needed"
        assert first.criterion == "no_activity_lists_deal"
        assert counting.instants == [NOW, NOW + HOUR, NOW + 2 * HOUR]

    def test_same_instant_applied_in_order_and_evaluated_once(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Change sets sharing an instant are applied in order, then evaluated once."""
        counting = Counting(monkeypatch)
        key = evaluate(build(DEAL), NOW, "u1", rules=[AddContactToDeal]).actions[0].key
        mark = dismissal(key)
        timed: Timed = [
            (NOW + HOUR, {"upsert": {"dismissals": [mark]}}),
            (NOW + HOUR, {"delete": {"dismissals": [mark]}}),
            (NOW + 2 * HOUR, {"upsert": {"dismissals": [record_to_dict(mark)]}}),
        ]
        events = list(
            replay(build(DEAL), "u1", NOW, NOW + DAY, changes=timed, rules=[AddContactToDeal])
        )
        assert [(e.type, e.at, e.reason) for e in events] == [
            ("expired", NOW + 2 * HOUR, "dismissed")
        ]
        assert counting.instants == [NOW, NOW + HOUR, NOW + 2 * HOUR]

    def test_changes_at_or_before_start_make_the_state_at_start(self) -> None:
        """A change set stamped at or before start is applied before the first evaluation and
        gives no event; one after end is not applied."""
        timed: Timed = [
            (NOW - DAY, {"upsert": {"deals": [DEAL]}}),
            (NOW, {"delete": {"deals": ["missing"]}}),
            (EXPIRES + DAY, {"upsert": {"deals": [{"id": "broken"}]}}),
        ]
        events = list(replay(build(), "u1", NOW, EXPIRES, changes=timed, rules=[AddContactToDeal]))
        assert [(e.type, e.reason) for e in events] == [("expired", "time_limit")]

    def test_out_of_order(self) -> None:
        timed: Timed = [(NOW + HOUR, {}), (NOW, {})]
        with pytest.raises(ValueError, match=r"changes\[1\] .* is earlier than"):
            list(replay(build(DEAL), "u1", NOW - DAY, NOW + DAY, changes=timed))

    @pytest.mark.parametrize(
        ("item", "error", "message"),
        [
            ("nope", ValueError, "must be an"),
            ((NOW, {}, 1), ValueError, "must be an"),
            ((NOW.replace(tzinfo=None), {}), ValueError, "is naive"),
            (("2026-01-01", {}), TypeError, "must be a timezone-aware datetime"),
        ],
    )
    def test_bad_pairs(self, item: Any, error: type[Exception], message: str) -> None:
        with pytest.raises(error, match=rf"changes\[0\]:? .*{message}"):
            list(replay(build(DEAL), "u1", NOW - DAY, NOW + DAY, changes=[item]))

    def test_an_invalid_change_raises_when_reached(self) -> None:
        """The events before an invalid change set come out; then its error is raised."""
        timed: Timed = [(EXPIRES + HOUR, {"upsert": {"deals": [{"id": "broken"}]}})]
        stream = replay(
            build(DEAL), "u1", NOW, EXPIRES + DAY, changes=timed, rules=[AddContactToDeal]
        )
        assert next(stream).reason == "time_limit"
        with pytest.raises(InvalidSnapshotError):
            next(stream)

    def test_a_snapshot_that_cannot_apply(self) -> None:
        """A reader of the snapshot protocol without apply replays time, not changes."""

        class Reader:
            """Every read of the snapshot, and no apply."""

            def __getattr__(self, name: str) -> Any:
                if name == "apply":
                    raise AttributeError(name)
                return getattr(snapshot, name)

        snapshot = build(DEAL)
        reader: Any = Reader()
        rules = [AddContactToDeal]
        (gone,) = replay(reader, "u1", NOW, EXPIRES, rules=rules)
        assert gone.reason == "time_limit"
        stream = replay(reader, "u1", NOW, NOW + DAY, changes=[(NOW + HOUR, {})], rules=rules)
        with pytest.raises(TypeError, match="applies them"):
            list(stream)


class TestArguments:
    def test_end_before_start(self) -> None:
        with pytest.raises(ValueError, match="earlier than start"):
            replay(build(), "u1", NOW, NOW - US)

    def test_naive_and_unknown(self) -> None:
        from guided_actions.errors import InvalidConfigError, UnknownUserError

        with pytest.raises(InvalidConfigError, match="naive"):
            replay(build(), "u1", NOW.replace(tzinfo=None), NOW)
        with pytest.raises(UnknownUserError):
            replay(build(), "nobody", NOW, NOW)


def _deleting(name: str) -> Callable[[str], Mapping[str, Any]]:
    """The change set deleting one record of the list ``name``."""
    return lambda rid: {"delete": {name: [rid]}}


def _change_sets(snapshot: Snapshot, user: str, now: datetime) -> st.SearchStrategy[Timed]:
    """Timed change sets that keep the snapshot valid: deleting calls, notes, tasks and
    engagement events, emailing a contact, dismissing or snoozing an action of the user."""
    document = snapshot.to_dict()

    def ids(name: str) -> list[str]:
        return [record["id"] for record in document.get(name, [])]

    contacts = ids("contacts")
    keys = [a.key for a in evaluate(snapshot, now, user)]
    hours = st.one_of(st.integers(-2, 48), st.integers(-2, 20 * 24))
    instants = hours.map(lambda h: now + h * HOUR)
    options: list[st.SearchStrategy[Mapping[str, Any]]] = [st.just({})]
    for name in ("calls", "notes", "tasks", "engagement_events"):
        if ids(name):
            options.append(st.sampled_from(ids(name)).map(_deleting(name)))
    if contacts:
        options.append(
            st.tuples(st.sampled_from(contacts), st.integers(0, 10**6)).map(
                lambda pair: {
                    "upsert": {
                        "emails": [
                            {
                                "id": f"replayed-{pair[1]}",
                                "owner_id": user,
                                "direction": "outbound",
                                "sent_at": (now - 3 * DAY).isoformat(),
                                "contact_ids": [pair[0]],
                            }
                        ]
                    }
                }
            )
        )
    if keys:
        options.append(
            st.tuples(st.sampled_from(keys), st.sampled_from([None, 5, 30])).map(
                lambda pair: {
                    "upsert": {
                        "dismissals": [
                            {
                                "user_id": user,
                                "action_key": pair[0],
                                "until": None
                                if pair[1] is None
                                else (now + pair[1] * HOUR).isoformat(),
                            }
                        ]
                    }
                }
            )
        )
        options.append(
            st.tuples(st.sampled_from(keys), st.integers(1, 60)).map(
                lambda pair: {
                    "upsert": {
                        "snoozes": [
                            {
                                "user_id": user,
                                "action_key": pair[0],
                                "until": (now + pair[1] * HOUR).isoformat(),
                            }
                        ]
                    }
                }
            )
        )
    return st.lists(st.tuples(instants, st.one_of(options)), max_size=4).map(
        lambda items: sorted(items, key=lambda item: item[0])
    )


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(case=snapshots(), data=st.data())
def test_replayed_events_give_the_keys_at_every_instant(
    case: tuple[Snapshot, datetime, str], data: st.DataObject
) -> None:
    """For random snapshots and change lists, the events up to any probed instant take the
    keys at start to the keys of evaluate at that instant (on the snapshot with the changes
    up to it applied): at the events' instants, a microsecond before them, at the changes'
    instants and at the end."""
    snapshot, now, user = case
    timed = data.draw(_change_sets(snapshot, user, now))
    end = now + 15 * DAY
    events = list(replay(snapshot, user, now, end, changes=timed))
    start_keys = [a.key for a in evaluate(snapshot_at(snapshot, timed, now), now, user)]
    probes = {end, *(e.at for e in events), *(e.at - US for e in events)}
    probes |= {t for t, _ in timed if now < t <= end}
    for probe in sorted(p for p in probes if now <= p <= end):
        expected = evaluate(snapshot_at(snapshot, timed, probe), probe, user)
        got = keys_after(start_keys, (e for e in events if e.at <= probe))
        assert got == {a.key for a in expected}, probe

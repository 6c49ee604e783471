"""Instants at the edges of the supported range (years 2 to 9998 in UTC) break nothing.

``now`` is checked as a record instant is: outside the range it is refused with a clear
``InvalidConfigError`` (one line from the command line, status 2), inside it every entry point
works. Durations are at most 36,525 days. And the arithmetic ``instant ± duration`` of rules,
criteria and the workspace saturates (``shift``), so that records and ``now`` anywhere in the
range, with thresholds up to the bound, evaluate without a failure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strategies as gen
from guided_actions import (
    Call,
    Config,
    Contact,
    Deal,
    Meeting,
    Snapshot,
    Task,
    evaluate,
    evaluate_all,
    explain,
    summarize,
)
from guided_actions import Sequence as SalesSequence
from guided_actions._adapters.cli import EXIT_BAD_INPUT, EXIT_OK, main
from guided_actions.errors import GuidedActionsError, InvalidConfigError
from guided_actions.rules import BUILTIN_RULES
from guided_actions.testing import build, call, contact, deal, meeting, task

#: The first and last instants of the supported range, and the longest duration.
FIRST = datetime(2, 1, 1, tzinfo=UTC)
LAST = datetime(9998, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
LONGEST = timedelta(days=36_525)
MICRO = timedelta(microseconds=1)

#: A snapshot with records at both ends of the range and in the middle.
EDGES = build(
    contact("c_first", created_at=FIRST, owner_assigned_at=FIRST),
    contact("c_last", created_at=LAST, owner_assigned_at=LAST),
    deal("d_first", created_at=FIRST),
    deal("d_last", created_at=LAST),
    meeting("m_first", start=FIRST, end=FIRST),
    meeting("m_last", start=LAST, end=LAST),
    call("k_first", started_at=FIRST, status="completed"),
    call("k_last", started_at=LAST, status="completed"),
    task("t_last", created_at=FIRST, due_at=LAST, priority="high"),
)

ENTRIES: dict[str, Callable[[datetime], object]] = {
    "evaluate": lambda now: evaluate(EDGES, now, "u1"),
    "evaluate_all": lambda now: evaluate_all(EDGES, now),
    "explain": lambda now: explain(EDGES, now, "u1", "deal:d_last"),
    "summarize": lambda now: summarize(EDGES, now, "u1"),
}

REFUSED = {
    "year_1": datetime(1, 6, 1, tzinfo=UTC),
    "just_before_year_2": FIRST - MICRO,
    "first_of_datetime": datetime.min.replace(tzinfo=UTC),
    "year_2_in_utc_plus_1_is_year_1": datetime(2, 1, 1, tzinfo=timezone(timedelta(hours=1))),
    "year_1_beyond_datetime_in_utc": datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
    "just_after_year_9998": LAST + MICRO,
    "year_9999": datetime(9999, 6, 1, tzinfo=UTC),
    "last_of_datetime": datetime.max.replace(tzinfo=UTC),
    "beyond_datetime_in_utc": datetime.max.replace(tzinfo=timezone(timedelta(hours=-5))),
}
ACCEPTED = {
    "first": FIRST,
    "last": LAST,
    "year_1_in_utc_minus_1_is_year_2": datetime(
        1, 12, 31, 23, tzinfo=timezone(-timedelta(hours=1))
    ),
    "middle": datetime(2026, 11, 26, 12, tzinfo=UTC),
}


def _errors(outcome: object) -> list[object]:
    """Every rule failure an entry point's outcome reports."""
    if isinstance(outcome, dict):
        return [e for r in outcome.values() for e in r.errors]
    result = getattr(outcome, "result", outcome)
    return list(getattr(result, "errors", ()))


class TestNow:
    @pytest.mark.parametrize("entry", sorted(ENTRIES))
    @pytest.mark.parametrize("name", sorted(REFUSED))
    def test_outside_the_range_is_refused(self, entry: str, name: str) -> None:
        """now in year 1 or 9999 (in UTC) is an InvalidConfigError naming it and the range."""
        now = REFUSED[name]
        with pytest.raises(InvalidConfigError) as info:
            ENTRIES[entry](now)
        message = str(info.value)
        assert "now" in message
        assert now.isoformat() in message
        assert "years 2 to 9998 in UTC" in message
        assert "\n" not in message
        assert isinstance(info.value, GuidedActionsError)
        assert isinstance(info.value, ValueError)

    @pytest.mark.parametrize("entry", sorted(ENTRIES))
    @pytest.mark.parametrize("name", sorted(ACCEPTED))
    def test_inside_the_range_is_accepted(self, entry: str, name: str) -> None:
        """now at the first and last instants of years 2 and 9998 works, without a failure."""
        outcome = ENTRIES[entry](ACCEPTED[name])
        assert _errors(outcome) == []
        assert json.dumps(getattr(outcome, "to_dict", lambda: {})())

    def test_actions_at_the_ends(self) -> None:
        """At the last instant, the actions about the last records are there, and print."""
        result = evaluate(EDGES, LAST, "u1")
        assert result.errors == ()
        subjects = {s for a in result for s in a.subjects}
        assert ("deal", "d_last") not in subjects  # 7 days old only after the range ends
        assert ("contact", "c_last") in subjects
        assert ("meeting", "m_last") in subjects
        assert all(a.explain() for a in result)
        assert json.dumps(result.to_dicts())


class TestCommandLine:
    @pytest.fixture
    def snapshot_file(self, tmp_path: Path) -> Path:
        path = tmp_path / "edges.json"
        path.write_text(json.dumps(EDGES.to_dict()), encoding="utf-8")
        return path

    @pytest.mark.parametrize(
        "command",
        [
            ["evaluate", "--user", "u1"],
            ["evaluate", "--all"],
            ["workspace", "--user", "u1"],
            ["explain", "--user", "u1", "--subject", "deal:d_last"],
        ],
        ids=lambda c: " ".join(c[:2]),
    )
    @pytest.mark.parametrize("now", ["0001-01-01T00:00:00+00:00", "9999-12-31T00:00:00+00:00"])
    def test_now_outside_the_range(
        self, capsys: pytest.CaptureFixture[str], snapshot_file: Path, command: list[str], now: str
    ) -> None:
        """--now in year 1 or 9999: status 2 and one line, no traceback."""
        code = main(["--no-plugins", command[0], str(snapshot_file), *command[1:], "--now", now])
        out, err = capsys.readouterr()
        assert code == EXIT_BAD_INPUT
        assert out == ""
        assert len(err.strip().splitlines()) == 1
        assert "years 2 to 9998" in err
        assert "Traceback" not in err

    @pytest.mark.parametrize("now", [FIRST.isoformat(), LAST.isoformat()])
    def test_now_at_the_ends_of_the_range(
        self, capsys: pytest.CaptureFixture[str], snapshot_file: Path, now: str
    ) -> None:
        """--now at the first and last instants of the range works."""
        for command in (["evaluate", "--user", "u1"], ["workspace", "--user", "u1"]):
            code = main(
                ["--no-plugins", command[0], str(snapshot_file), *command[1:], "--now", now]
            )
            out, err = capsys.readouterr()
            assert (code, err) == (EXIT_OK, "")
            assert out


# -- the arithmetic: saturating, and exact wherever it is compared with a supported now --------

EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, 23, 59, 59, 999_999, tzinfo=UTC)
ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=12)), timezone(MICRO)]
)


def _exact(instant: datetime, delta: timedelta) -> int:
    """``instant + delta`` in microseconds from EARLIEST, with Python's unbounded integers."""
    return (instant - EARLIEST) // MICRO + delta // MICRO


@given(
    instant=st.datetimes(timezones=ZONES),
    delta=st.timedeltas(),
    now=st.datetimes(min_value=FIRST.replace(tzinfo=None), max_value=LAST.replace(tzinfo=None)),
)
def test_shift_saturates_and_keeps_every_comparison_with_now(
    instant: datetime, delta: timedelta, now: datetime
) -> None:
    """shift(instant, delta) is the exact sum held within [EARLIEST, LATEST], never an
    OverflowError; so it compares with any supported now as the exact sum does."""
    from guided_actions._model.time import shift

    moved = shift(instant, delta)
    exact = _exact(instant, delta)
    span = (LATEST - EARLIEST) // MICRO
    assert moved.tzinfo is UTC
    assert (moved - EARLIEST) // MICRO == min(max(exact, 0), span)
    at = (now.replace(tzinfo=UTC) - EARLIEST) // MICRO
    assert (moved <= now.replace(tzinfo=UTC)) == (exact <= at)
    assert (now.replace(tzinfo=UTC) < moved) == (at < exact)


def test_the_bounds_are_the_documented_ones() -> None:
    """The constants the docs name."""
    from guided_actions._model import time

    assert (time.EARLIEST, time.LATEST, time.MAX_DURATION) == (EARLIEST, LATEST, LONGEST)


# -- the property: anywhere in the range, with thresholds up to the bound ---------------------

#: Records are drawn around anchors 72 days inside the range (the strategies move at most 30
#: days and 40 days from an anchor), so that every record instant is a supported one.
INNER_FIRST = FIRST + timedelta(days=72)
INNER_LAST = LAST - timedelta(days=72)
EDGE_NOWS = (FIRST, FIRST + MICRO, LAST, LAST - MICRO, INNER_FIRST, INNER_LAST)
EDGE_ZONES = ("UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/New_York")
DURATIONS = (MICRO, timedelta(days=365), LONGEST - MICRO, LONGEST)
THRESHOLDS = tuple((cls.id, tuple(cls().thresholds())) for cls in BUILTIN_RULES)


@st.composite
def edge_cases(draw: st.DrawFn) -> tuple[Snapshot, datetime, str, Config]:
    """A snapshot drawn with the strategies' builders near an end of the range (or both),
    ``now`` at or near an end, and every threshold drawn up to the bound."""
    now = draw(
        st.sampled_from(EDGE_NOWS)
        | st.datetimes(
            FIRST.replace(tzinfo=None), LAST.replace(tzinfo=None), timezones=st.just(UTC)
        )
    )
    inner = min(max(now, INNER_FIRST), INNER_LAST)
    zone = draw(st.sampled_from(EDGE_ZONES))
    the_users = [attrs.evolve(u, timezone=zone) if u.id == "u1" else u for u in draw(gen.users())]
    frame = gen.Frame(
        now=inner,
        anchors=(inner, inner, INNER_FIRST, INNER_LAST, *gen.local_midnights(inner, zone)),
        steps=tuple(sorted(draw(gen.STEP_SETS))),
        moments=(),
        user_ids=gen.USER_IDS,
        owners=("u1", "u1", "u1", "u2", None),
        mailboxes=("u1", "u1", "u2"),
        contact_ids=gen.CONTACT_IDS,
        company_ids=gen.COMPANY_IDS,
        addresses=("rep@acme.test", "c1@client.test", "c2@client.test", "other@acme.test"),
        me="u1",
        my_address=next(u.email for u in the_users if u.id == "u1"),
    )
    frame = attrs.evolve(frame, moments=tuple(draw(gen.instants(frame)) for _ in range(3)))
    pipelines = draw(gen.pipelines())
    lead_pipelines = [p for p in pipelines if p.object == "lead"]
    the_contacts = draw(gen.contacts(frame, gen.CUSTOM_LIFECYCLE))
    the_leads = draw(gen.leads(frame, lead_pipelines, the_contacts))
    the_deals = draw(gen.deals(frame, [p for p in pipelines if p.object == "deal"]))
    lead_ids, deal_ids = [x.id for x in the_leads], [d.id for d in the_deals]
    the_meetings = draw(gen.meetings(frame, lead_ids, deal_ids))
    # And records at the very ends of the range, which no anchor reaches.
    edge = draw(st.sampled_from((FIRST, LAST)))
    ends = [
        Contact(id="c_end", created_at=edge, owner_id="u1", owner_assigned_at=edge),
        Deal(id="d_end", pipeline_id="deals", stage_id="new", created_at=edge, owner_id="u1"),
        Meeting(id="m_end", owner_id="u1", start=edge, end=edge),
        Call(id="k_end", owner_id="u1", started_at=edge, status="completed"),
        Task(id="t_end", owner_id="u1", created_at=edge, due_at=edge, priority="high"),
    ]
    records = [
        *the_users,
        *pipelines,
        *draw(gen.companies(frame)),
        *the_contacts,
        *the_leads,
        *the_deals,
        *draw(gen.emails(frame, lead_ids, deal_ids)),
        *draw(gen.calls(frame, lead_ids, deal_ids)),
        *the_meetings,
        *draw(gen.tasks(frame, lead_ids, deal_ids, [m.id for m in the_meetings])),
        *draw(gen.notes(frame, lead_ids, deal_ids)),
        *[SalesSequence(id=sid, name=sid) for sid in gen.SEQUENCE_IDS],
        *draw(gen.engagement_events(frame)),
        *draw(gen.scenarios(frame, the_contacts, tuple(pipelines))),
        *ends,
    ]
    snapshot = Snapshot.from_records(records, lifecycle_stages=gen.CUSTOM_LIFECYCLE)
    thresholds: dict[str, dict[str, timedelta]] = {}
    for rule_id, names in THRESHOLDS:
        changed: bool = draw(st.booleans())
        if names and changed:
            thresholds[rule_id] = {name: draw(st.sampled_from(DURATIONS)) for name in names}
    config = Config(thresholds=thresholds, feed_window=draw(st.sampled_from(DURATIONS)))
    return snapshot, now, "u1", config


def _deals(snapshot: Snapshot) -> list[Deal]:
    return [d for d in snapshot.records("deals") if isinstance(d, Deal)]


@given(edge_cases())
def test_anywhere_in_the_range_nothing_fails(case: tuple[Snapshot, datetime, str, Config]) -> None:
    """Records and now anywhere in the supported range, thresholds up to the bound: evaluate,
    evaluate_all, explain and summarize never raise, and no rule fails."""
    snapshot, now, user, config = case
    result = evaluate(snapshot, now, user, config=config)
    assert result.errors == ()
    assert json.dumps(result.to_dicts())
    assert all(a.explain() for a in result)
    everyone = evaluate_all(snapshot, now, config=config)
    assert [e for r in everyone.values() for e in r.errors] == []
    for subject in ("deal:d_end", "contact:c_end", "meeting:m_end", "call:k_end", "task:t_end"):
        explanation = explain(snapshot, now, user, subject, config=config)
        assert json.dumps(explanation.to_dict())
        assert all(r.checks for r in explanation)
    for deal_record in _deals(snapshot):
        assert json.dumps(
            explain(snapshot, now, user, ("deal", deal_record.id), config=config).to_dict()
        )
    summary = summarize(snapshot, now, user, config=config)
    assert summary.result.errors == ()
    assert json.dumps(summary.to_dict())


def test_the_strategy_reaches_the_ends() -> None:
    """The property above is not vacuous: its records sit at the ends, its now too."""
    seen: set[tuple[int, int]] = set()

    @settings(max_examples=40, database=None)
    @given(edge_cases())
    def collect(case: tuple[Snapshot, datetime, str, Config]) -> None:
        snapshot, now, _user, _config = case
        deal_end = next(d for d in _deals(snapshot) if d.id == "d_end")
        seen.add((deal_end.created_at.year, now.year))

    collect()
    assert {year for year, _ in seen} == {2, 9998}
    assert {2, 9998} <= {year for _, year in seen}

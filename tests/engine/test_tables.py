"""Results as tables (issue 11): the tidy table of actions in Arrow, pandas and polars, the
``Results`` of ``evaluate_all`` and its counts, and the frame forms of an explanation and a
workspace."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st

from guided_actions import (
    Bound,
    Config,
    Explanation,
    Result,
    Results,
    RuleExplanation,
    Settings,
    evaluate,
    evaluate_all,
    explain,
    summarize,
)
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_snapshot
from guided_actions._engine import tables
from guided_actions._text.i18n import translate
from guided_actions.rules import BUILTIN_RULES
from strategies import snapshots

RULE_IDS = [cls.id for cls in BUILTIN_RULES]
COLUMNS = [
    "key",
    "user_id",
    "rule",
    "title",
    "category",
    "priority",
    "subject_kind",
    "subject_ids",
    "created_at",
    "expires_at",
    "contact_ids",
    "company_ids",
    "reasons",
    "group",
]
STRING, STRINGS, INSTANT = pa.string(), pa.list_(pa.string()), pa.timestamp("us", tz="UTC")
#: The pinned Arrow schema: names, order, types, and which columns may be null.
SCHEMA = pa.schema(
    [
        pa.field("key", STRING, nullable=False),
        pa.field("user_id", STRING, nullable=False),
        pa.field("rule", STRING, nullable=False),
        pa.field("title", STRING, nullable=False),
        pa.field("category", STRING, nullable=False),
        pa.field("priority", STRING, nullable=False),
        pa.field("subject_kind", STRING, nullable=False),
        pa.field("subject_ids", STRINGS, nullable=False),
        pa.field("created_at", INSTANT, nullable=False),
        pa.field("expires_at", INSTANT, nullable=True),
        pa.field("contact_ids", STRINGS, nullable=False),
        pa.field("company_ids", STRINGS, nullable=False),
        pa.field("reasons", STRINGS, nullable=False),
        pa.field("group", STRING, nullable=True),
    ]
)
LISTS = {"subject_ids", "contact_ids", "company_ids", "reasons"}
INSTANTS = {"created_at", "expires_at"}
POLARS_SCHEMA = {
    name: pl.List(pl.String)
    if name in LISTS
    else pl.Datetime("us", "UTC")
    if name in INSTANTS
    else pl.String
    for name in COLUMNS
}


@pytest.fixture(scope="module")
def results() -> Results:
    """The demo at its own instant: u-claire has an action of every built-in rule (cards and
    open-ended ones among them), u-marcus a few, u-priya none."""
    found = evaluate_all(demo_snapshot(), DEMO_NOW)
    assert {a.rule for a in found[DEMO_USER]} == set(RULE_IDS)
    assert len(found["u-priya"]) == 0
    return found


@pytest.fixture(scope="module")
def full(results: Results) -> Result:
    return results[DEMO_USER]


@pytest.fixture(scope="module")
def empty(results: Results) -> Result:
    return results["u-priya"]


def check_pandas_dtypes(frame: pd.DataFrame) -> None:
    """Instants ``datetime64[us, UTC]``, texts the nullable ``string[pyarrow]``, lists
    Arrow-backed lists of strings."""
    assert list(frame.columns) == COLUMNS
    for name, dtype in frame.dtypes.items():
        if name in INSTANTS:
            assert isinstance(dtype, pd.DatetimeTZDtype), name
            assert (dtype.unit, str(dtype.tz)) == ("us", "UTC"), name
        elif name in LISTS:
            assert dtype == pd.ArrowDtype(STRINGS), name
        else:
            assert dtype == pd.StringDtype("pyarrow"), name


# -- the tidy table -------------------------------------------------------------------------


def test_arrow_schema_on_every_rule_and_on_no_action(full: Result, empty: Result) -> None:
    """Both have exactly the pinned columns, order, types and nullability; the empty one has
    no row."""
    table = full.to_arrow()
    assert table.schema.equals(SCHEMA)
    assert table.num_rows == len(full)
    assert set(table.column("rule").to_pylist()) == set(RULE_IDS)
    none = empty.to_arrow()
    assert none.schema.equals(SCHEMA)
    assert none.num_rows == 0


def test_pandas_dtypes_on_every_rule_and_on_no_action(full: Result, empty: Result) -> None:
    frame = full.to_pandas()
    check_pandas_dtypes(frame)
    assert len(frame) == len(full)
    check_pandas_dtypes(empty.to_pandas())
    assert len(empty.to_pandas()) == 0


def test_pandas_values(full: Result) -> None:
    """Cells are Python lists of str; absent values are pandas' missing values (``NaT``,
    ``NA``), never the string ``"None"``; instants keep their microseconds."""
    frame = full.to_pandas()
    for i, action in enumerate(full):
        row = frame.iloc[i]
        assert row["subject_ids"] == [rid for _kind, rid in action.subjects]
        assert type(row["reasons"]) is list
        assert row["reasons"] == list(action.reasons)
        assert row["created_at"].to_pydatetime() == action.created_at
        if action.expires_at is None:
            assert row["expires_at"] is pd.NaT
        else:
            assert row["expires_at"].to_pydatetime() == action.expires_at
        if action.group is None:
            assert row["group"] is pd.NA
        else:
            assert row["group"] == action.group
    assert frame["expires_at"].isna().sum() == sum(a.expires_at is None for a in full)
    assert frame["group"].notna().sum() == sum(a.group is not None for a in full) > 0


def test_polars_schema_on_every_rule_and_on_no_action(full: Result, empty: Result) -> None:
    frame = full.to_polars()
    assert isinstance(frame, pl.DataFrame)
    assert dict(frame.schema) == POLARS_SCHEMA
    assert frame.height == len(full)
    assert frame["expires_at"].null_count() == sum(a.expires_at is None for a in full) > 0
    none = empty.to_polars()
    assert dict(none.schema) == POLARS_SCHEMA
    assert none.height == 0


def expected_rows(result: Result, locale: str) -> list[dict[str, Any]]:
    """The tidy rows read off ``to_dicts()`` (and ``Action.group``, which it does not carry)."""
    rows = []
    for action, d in zip(result, result.to_dicts(locale), strict=True):
        kinds = {s["kind"] for s in d["subjects"]}
        assert len(kinds) == 1  # one kind per action
        rows.append(
            {
                "key": d["key"],
                "user_id": d["user_id"],
                "rule": d["rule"],
                "title": d["title"],
                "category": d["category"],
                "priority": d["priority"],
                "subject_kind": kinds.pop(),
                "subject_ids": [s["id"] for s in d["subjects"]],
                "created_at": datetime.fromisoformat(d["created_at"]),
                "expires_at": d["expires_at"] and datetime.fromisoformat(d["expires_at"]),
                "contact_ids": d["contact_ids"],
                "company_ids": d["company_ids"],
                "reasons": d["reasons"],
                "group": action.group,
            }
        )
    return rows


def pandas_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A pandas frame's rows as plain Python values (``NaT``/``NA`` as ``None``)."""
    rows = []
    for record in frame.to_dict("records"):
        row: dict[str, Any] = {}
        for name, value in record.items():
            if value is pd.NaT or value is pd.NA:
                row[str(name)] = None
            elif isinstance(value, pd.Timestamp):
                row[str(name)] = value.to_pydatetime()
            else:
                row[str(name)] = value
        rows.append(row)
    return rows


def assert_same_rows(actual: Sequence[dict[str, Any]], expected: Sequence[dict[str, Any]]) -> None:
    """Equal values, and every instant aware (an aware and a naive datetime never compare
    equal, but ``None == None`` would hide a lost zone)."""
    assert list(actual) == list(expected)
    for row in actual:
        assert row["created_at"].utcoffset() is not None


@given(case=snapshots(), locale=st.sampled_from(["en", "fr"]))
def test_rows_equal_to_dicts(case: Any, locale: str) -> None:
    """Differential: the Arrow, pandas and polars rows are the values of ``to_dicts()``, in
    order, in the same language, over generated snapshots."""
    snapshot, now, user_id = case
    result = evaluate(snapshot, now, user_id)
    expected = expected_rows(result, locale)
    assert_same_rows(result.to_arrow(locale=locale).to_pylist(), expected)
    assert_same_rows(pandas_rows(result.to_pandas(locale=locale)), expected)
    assert_same_rows(result.to_polars(locale=locale).to_dicts(), expected)


def test_french_texts(full: Result) -> None:
    """``locale`` translates the title and the reasons, nothing else."""
    english, french = full.to_arrow().to_pylist(), full.to_arrow(locale="fr").to_pylist()
    assert [r["title"] for r in french] == [a.localized_title("fr") for a in full]
    assert [r["title"] for r in french] != [r["title"] for r in english]
    assert [r["reasons"] for r in french] == [list(a.localized_reasons("fr")) for a in full]
    for en, fr in zip(english, french, strict=True):
        assert {k: v for k, v in en.items() if k not in ("title", "reasons")} == {
            k: v for k, v in fr.items() if k not in ("title", "reasons")
        }


# -- Results --------------------------------------------------------------------------------


def test_results_is_the_dict_it_was(results: Results) -> None:
    """A dict subclass, in snapshot order, equal to the plain dict of the same items (and to
    calling evaluate per user)."""
    assert isinstance(results, dict)
    assert type(results) is Results
    assert list(results) == ["u-claire", "u-marcus", "u-priya"]
    snapshot = demo_snapshot()
    plain = {u.id: evaluate(snapshot, DEMO_NOW, u.id) for u in snapshot.users()}
    assert results == plain
    assert plain == results
    assert results != {**plain, "u-claire": plain["u-marcus"]}


def test_results_table_is_every_users_table_in_order(results: Results) -> None:
    """Differential: ``Results.to_arrow()`` is the users' ``to_arrow()`` one after the other, in
    user order; pandas and polars hold the same rows."""
    table = results.to_arrow()
    assert table.schema.equals(SCHEMA)
    each = pa.concat_tables([r.to_arrow() for r in results.values()])
    assert table.equals(each)
    assert table.column("user_id").to_pylist() == [
        uid for uid, r in results.items() for _ in r.actions
    ]
    check_pandas_dtypes(results.to_pandas())
    assert pandas_rows(results.to_pandas()) == table.to_pylist()
    assert results.to_polars().to_dicts() == table.to_pylist()
    french = results.to_arrow(locale="fr").column("title").to_pylist()
    assert french == [a.localized_title("fr") for r in results.values() for a in r]


def test_counts_keep_every_user_and_every_rule(results: Results) -> None:
    """One row per user and rule that ran, zeros included, in user order then rule order; int64."""
    counts = results.counts()
    assert counts.schema.equals(
        pa.schema(
            [
                pa.field("user_id", STRING, nullable=False),
                pa.field("rule", STRING, nullable=False),
                pa.field("count", pa.int64(), nullable=False),
            ]
        )
    )
    rows = counts.to_pylist()
    assert [(r["user_id"], r["rule"]) for r in rows] == [
        (uid, rule) for uid in results for rule in RULE_IDS
    ]
    for row in rows:
        assert row["count"] == len(results[row["user_id"]].filter(rule=row["rule"]))
    assert [r["count"] for r in rows if r["user_id"] == "u-priya"] == [0] * len(RULE_IDS)
    assert all(r["count"] >= 1 for r in rows if r["user_id"] == DEMO_USER)


@given(case=snapshots())
def test_counts_total_the_actions_of_each_user(case: Any) -> None:
    """Over generated snapshots: each user's counts add up to their number of actions, every
    user has a row for every rule, and the table holds every action once."""
    snapshot, now, _user = case
    found = evaluate_all(snapshot, now)
    rows = found.counts().to_pylist()
    assert len(rows) == len(found) * len(RULE_IDS)
    for uid, result in found.items():
        mine = [r for r in rows if r["user_id"] == uid]
        assert [r["rule"] for r in mine] == RULE_IDS
        assert sum(r["count"] for r in mine) == len(result)
    assert found.to_arrow().num_rows == sum(len(r) for r in found.values())


def test_counts_name_the_rules_that_ran() -> None:
    """A rule disabled for everyone did not run: no row. Disabled for one rep only, it ran for
    the others: that rep has a zero."""
    snapshot = demo_snapshot()
    off = evaluate_all(snapshot, DEMO_NOW, config=Config(disabled_rules={"reply_to_email"}))
    assert off.rule_ids == tuple(r for r in RULE_IDS if r != "reply_to_email")
    assert "reply_to_email" not in off.counts().column("rule").to_pylist()
    settings = Settings(
        reps={DEMO_USER: {"disabled_rules.reply_to_email": True}},
        bounds={"disabled_rules.reply_to_email": Bound()},
    )
    some = evaluate_all(snapshot, DEMO_NOW, config=settings)
    assert some.rule_ids == tuple(RULE_IDS)
    counts = {(r["user_id"], r["rule"]): r["count"] for r in some.counts().to_pylist()}
    assert counts[(DEMO_USER, "reply_to_email")] == 0
    assert len(counts) == 3 * len(RULE_IDS)


def test_no_user_gives_empty_tables() -> None:
    """No user evaluated: no rule ran, and every table has its columns and no row."""
    none = evaluate_all(demo_snapshot(), DEMO_NOW, users=[])
    assert none == {}
    assert none.rule_ids == ()  # no rule ran
    assert none.to_arrow().schema.equals(SCHEMA)
    assert none.to_arrow().num_rows == 0
    assert none.counts().num_rows == 0
    assert list(none.to_pandas().columns) == COLUMNS


def test_results_built_by_hand(results: Results) -> None:
    """Without ``rule_ids``, the counts name the rules the actions come from, in the order of
    their first action; other rules given are kept, zeros included."""
    marcus = results["u-marcus"]
    plain = Results({"u-marcus": marcus, "u-priya": results["u-priya"]})
    rules = list(dict.fromkeys(a.rule for a in marcus))
    rows = plain.counts().to_pylist()
    assert [(r["user_id"], r["rule"]) for r in rows] == [
        (uid, rule) for uid in ("u-marcus", "u-priya") for rule in rules
    ]
    extra = Results([("u-priya", results["u-priya"])], rule_ids=["x"])
    assert extra.counts().to_pylist() == [{"user_id": "u-priya", "rule": "x", "count": 0}]


def test_results_repr_is_short() -> None:
    """It names the users and their action counts, at most eight of them, whatever the size."""
    found = evaluate_all(demo_snapshot(), DEMO_NOW)
    assert (
        repr(found) == "Results(3 users, 27 actions; 'u-claire': 21, 'u-marcus': 6, 'u-priya': 0)"
    )
    many = Results({f"u{i}-" + "x" * 500: found["u-claire"] for i in range(1000)})
    text = repr(many)
    assert len(text) < 1000
    assert text.startswith("Results(1000 users, 21000 actions; ")
    assert text.endswith("… 992 more)")
    assert repr(Results()) == "Results(0 users, 0 actions)"


def test_results_pickle_and_copy(results: Results) -> None:
    again = pickle.loads(pickle.dumps(results))
    assert type(again) is Results
    assert again == results
    assert again.rule_ids == results.rule_ids


# -- explanation and workspace --------------------------------------------------------------

EXPLANATION_SCHEMA = pa.schema(
    [
        pa.field("rule", STRING, nullable=False),
        pa.field("title", STRING, nullable=False),
        pa.field("status", STRING, nullable=False),
        pa.field("created_at", INSTANT, nullable=True),
        pa.field("expires_at", INSTANT, nullable=True),
        pa.field("key", STRING, nullable=True),
        pa.field("criterion", STRING, nullable=True),
        pa.field("role", STRING, nullable=True),
        pa.field("met", pa.bool_(), nullable=True),
        pa.field("text", STRING, nullable=True),
    ]
)


@pytest.mark.parametrize("locale", ["en", "fr"])
@pytest.mark.parametrize(
    "subject", ["deal:d-bluefin-expansion", "contact:c-tom", "task:t-qbr-deck"]
)
def test_explanation_rows_equal_to_dict(subject: str, locale: str) -> None:
    """Differential: one row per rule and check, the values of ``to_dict()`` plus each check's
    role, in rule order then check order."""
    explanation = explain(demo_snapshot(), DEMO_NOW, DEMO_USER, subject)
    table = explanation.to_arrow(locale=locale)
    assert table.schema.equals(EXPLANATION_SCHEMA)
    expected = [
        {
            "rule": r["rule"],
            "title": r["title"],
            "status": r["status"],
            "created_at": r["created_at"] and datetime.fromisoformat(r["created_at"]),
            "expires_at": r["expires_at"] and datetime.fromisoformat(r["expires_at"]),
            "key": r["key"],
            "criterion": c["criterion"],
            "role": check.role,
            "met": c["met"],
            "text": c["text"],
        }
        for entry, r in zip(explanation, explanation.to_dict(locale)["rules"], strict=True)
        for check, c in zip(entry.checks, r["checks"], strict=True)
    ]
    assert table.to_pylist() == expected
    assert {row["status"] for row in expected} >= {"unmet"}
    frame = explanation.to_pandas(locale=locale)
    assert frame["met"].dtype == pd.BooleanDtype()
    assert pandas_rows(frame) == expected
    assert explanation.to_polars(locale=locale).to_dicts() == expected


def test_a_rule_without_checks_keeps_a_row() -> None:
    """No rule vanishes from the table: one without checks has one row, its check columns
    null."""
    entry = RuleExplanation(
        rule="r", title="R", status="unmet", key=None, created_at=None, expires_at=None, checks=()
    )
    explanation = Explanation(subject=("deal", "d1"), user_id="u1", now=DEMO_NOW, rules=(entry,))
    assert explanation.to_arrow().to_pylist() == [
        {
            "rule": "r",
            "title": "R",
            "status": "unmet",
            "created_at": None,
            "expires_at": None,
            "key": None,
            "criterion": None,
            "role": None,
            "met": None,
            "text": None,
        }
    ]
    empty = Explanation(subject=("deal", "d1"), user_id="u1", now=DEMO_NOW, rules=())
    assert empty.to_arrow().schema.equals(EXPLANATION_SCHEMA)
    assert empty.to_arrow().num_rows == 0


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_summary_parts_equal_to_dict(locale: str) -> None:
    """Each part holds what ``to_dict()`` holds: the actions (the tidy table), the task views
    (completed today included), the schedule (a busy meeting's title translated) and the
    feed."""
    snapshot = demo_snapshot()
    summary = summarize(snapshot, DEMO_NOW, DEMO_USER, viewer="u-priya")
    d = summary.to_dict(locale)
    assert summary.to_arrow(locale=locale).equals(summary.result.to_arrow(locale=locale))
    tasks = summary.to_arrow("tasks", locale=locale).to_pylist()
    views = [
        *d["tasks"].items(),
        ("completed_today", d["insights"]["tasks_completed_today"]["ids"]),
    ]
    assert tasks == [{"view": view, "task_id": tid} for view, ids in views for tid in ids]
    assert {row["view"] for row in tasks} == {
        "due_today",
        "overdue",
        "due_tomorrow",
        "completed_today",
    }
    schedule = summary.to_arrow("schedule", locale=locale).to_pylist()
    assert schedule == [
        {
            "meeting_id": e["meeting_id"],
            "title": e["title"],
            "start": datetime.fromisoformat(e["start"]),
            "end": datetime.fromisoformat(e["end"]),
        }
        for e in d["schedule"]
    ]
    assert schedule
    assert {e["title"] for e in schedule} == {translate(locale, "Busy")}
    feed = summary.to_arrow("feed", locale=locale).to_pylist()
    assert feed == [{**e, "at": datetime.fromisoformat(e["at"])} for e in d["feed"]]
    assert feed
    for part in ("actions", "tasks", "schedule", "feed"):
        arrow = summary.to_arrow(part, locale=locale)  # type: ignore[arg-type]
        assert pandas_rows(summary.to_pandas(part, locale=locale)) == arrow.to_pylist()  # type: ignore[arg-type]
        assert summary.to_polars(part, locale=locale).to_dicts() == arrow.to_pylist()  # type: ignore[arg-type]


def test_summary_schedule_titles_as_the_viewer_sees_them() -> None:
    """The rep sees their meetings' titles (nullable column); a super admin sees "Busy"."""
    own = summarize(demo_snapshot(), DEMO_NOW, DEMO_USER).to_arrow("schedule")
    assert own.schema.field("title").nullable
    titles = own.column("title").to_pylist()
    assert titles
    assert "Busy" not in titles
    assert all(titles)


def test_summary_unknown_part() -> None:
    summary = summarize(demo_snapshot(), DEMO_NOW, DEMO_USER)
    with pytest.raises(
        ValueError, match=r"unknown part 'sequences'.*'actions', 'tasks', 'schedule' or 'feed'"
    ):
        summary.to_arrow("sequences")  # type: ignore[arg-type]


# -- optional libraries ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("missing", "call", "message"),
    [
        (
            "pyarrow",
            lambda r: r.to_arrow(),
            r"Result\.to_arrow\(\) needs pyarrow: pip install 'guided-actions\[frames\]'",
        ),
        ("pyarrow", lambda r: r.to_pandas(), r"Result\.to_pandas\(\) needs pyarrow: .*\[frames\]"),
        (
            "pandas",
            lambda r: r.to_pandas(),
            r"Result\.to_pandas\(\) needs pandas: pip install pandas",
        ),
        (
            "polars",
            lambda r: r.to_polars(),
            r"Result\.to_polars\(\) needs polars: pip install polars",
        ),
    ],
)
def test_a_missing_library_is_named(
    missing: str, call: Any, message: str, full: Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing library is an ImportError saying what needs it and how to install it."""
    monkeypatch.setitem(sys.modules, missing, None)
    with pytest.raises(ImportError, match=message) as caught:
        call(full)
    assert caught.value.name == missing


def test_a_broken_library_is_not_reported_as_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module that is installed but fails to import raises its own error."""
    (tmp_path / "half_installed_lib.py").write_text("import no_such_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as caught:
        tables.require("half_installed_lib", "something")
    assert caught.value.name == "no_such_dependency_xyz"
    assert "needs" not in str(caught.value)


def test_importing_the_library_imports_no_frame_library() -> None:
    """``import guided_actions`` and an evaluation (with its repr and dicts) import none of
    pyarrow, pandas, polars or matplotlib: they load when a table or a plot is asked for."""
    code = textwrap.dedent(
        """
        import sys
        import guided_actions
        from guided_actions._adapters.demo import DEMO_NOW, demo_snapshot
        results = guided_actions.evaluate_all(demo_snapshot(), DEMO_NOW)
        repr(results), [r.to_dicts() for r in results.values()]
        heavy = ("pyarrow", "pandas", "polars", "matplotlib")
        print(sorted(m for m in sys.modules if m.partition(".")[0] in heavy))
        results.to_arrow()
        print("pyarrow" in sys.modules)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines() == ["[]", "True"]

"""guided_actions.frames: frames and Parquet in.

The same data built from pandas, polars, pyarrow and the JSON document gives the same snapshot and
the same actions; bad frames give one error listing every problem, as the JSON loader words them;
a snapshot written to Parquet reads back exactly.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
import tempfile
import typing
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guided_actions import (
    DEFAULT_LIFECYCLE_STAGES,
    Dashboard,
    Deal,
    Dismissal,
    Feedback,
    IssuedAction,
    Snapshot,
    Snooze,
    Task,
    evaluate_all,
)
from guided_actions import frames as gaf
from guided_actions._adapters.frames import reading
from guided_actions._model.kinds import BY_NAME, NAMES
from guided_actions._model.records import Record
from guided_actions.errors import InvalidSnapshotError, Problem
from guided_actions.synthetic import generate
from strategies import snapshots

ROOT = Path(__file__).resolve().parents[3]
MAVEN_DATA = ROOT / "examples" / "maven-crm"
NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
MAVEN_NOW = datetime(2017, 6, 30, 17, 0, tzinfo=UTC)
PROSPECTING_AGE = timedelta(days=10)

Document = dict[str, Any]
Frames = dict[str, Any]


def scaled(count: int) -> int:
    """``count`` examples on the default profile (200), proportionally more on "thorough"."""
    return max(10, count * settings().max_examples // 200)


def instant_fields(name: str) -> list[str]:
    """The fields of a list that hold instants, read from the record class's annotations."""
    hints = typing.get_type_hints(BY_NAME[name].cls)
    return [f for f, tp in hints.items() if tp is datetime or datetime in typing.get_args(tp)]


def record_lists(document: Document) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    for name in NAMES:
        if document.get(name):
            yield name, document[name]


def columns_of(records: list[dict[str, Any]]) -> list[str]:
    """Every key of the records, in the order first seen."""
    return list(dict.fromkeys(k for r in records for k in r))


# -- the same document as pandas, polars and pyarrow frames, with native types ---------------


def pandas_frames(document: Document) -> Frames:
    """Each list as a pandas DataFrame: instants as tz-aware datetimes, absent values NaN/NaT."""
    out: Frames = {}
    for name, records in record_lists(document):
        frame = pd.DataFrame(records)
        for field in instant_fields(name):
            if field in frame:
                frame[field] = pd.to_datetime(frame[field], utc=True, format="ISO8601")
        out[name] = frame
    return out


def polars_frames(document: Document) -> Frames:
    """Each list as a polars DataFrame: instants as Datetime("us", "UTC"), absent values null."""
    out: Frames = {}
    for name, records in record_lists(document):
        frame = pl.DataFrame(records, infer_schema_length=None)
        present = [f for f in instant_fields(name) if f in frame.columns]
        out[name] = frame.with_columns(
            [pl.col(f).str.to_datetime(time_zone="UTC", time_unit="us") for f in present]
        )
    return out


def arrow_frames(document: Document) -> Frames:
    """Each list as a pyarrow Table: instants as aware timestamps, absent values null."""
    out: Frames = {}
    for name, records in record_lists(document):
        instants = set(instant_fields(name))
        columns = {}
        for field in columns_of(records):
            values = [r.get(field) for r in records]
            if field in instants:
                values = [None if v is None else datetime.fromisoformat(v) for v in values]
                columns[field] = pa.array(values, type=pa.timestamp("us", tz="UTC"))
            else:
                columns[field] = pa.array(values)
        out[name] = pa.table(columns)
    return out


BUILDERS: dict[str, Callable[[Document], Frames]] = {
    "pandas": pandas_frames,
    "polars": polars_frames,
    "pyarrow": arrow_frames,
}


def problems_of(call: Callable[[], object]) -> list[tuple[Any, ...]]:
    with pytest.raises(InvalidSnapshotError) as info:
        call()
    return [(p.kind, p.record_id, p.field, p.value, p.message) for p in info.value.problems]


def where(problems: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Each problem without its value: (kind, id, field, message)."""
    return [(k, i, f, m) for k, i, f, _, m in problems]


def actions(snapshot: Snapshot, now: datetime) -> dict[str, list[dict[str, Any]]]:
    return {uid: result.to_dicts() for uid, result in evaluate_all(snapshot, now).items()}


# -- workspace state, which the synthetic CRM does not generate ------------------------------

STATE: Document = {
    "feedback": [
        {"user_id": "u1", "action_key": "k:1", "verdict": "yes", "at": "2025-03-01T09:00:00+00:00"}
    ],
    "dismissals": [
        {"user_id": "u1", "action_key": "k:2"},
        {"user_id": "u2", "action_key": "k:3", "until": "2025-03-10T00:00:00+00:00"},
    ],
    "snoozes": [
        {
            "user_id": "u1",
            "action_key": "k:4",
            "until": "2025-03-05T08:00:00+00:00",
            "subject_ids": ["gone", "u1-c1"],
        },
    ],
    "issued_actions": [{"key": "k:5", "contact_ids": ["u1-c1"]}, {"key": "k:6"}],
    "dashboards": [
        {"id": "db1", "name": "Pipeline", "access": ["team1"], "view_access_confirmed": True},
        {"id": "db2", "access": []},
    ],
}


@pytest.fixture(scope="module")
def synthetic() -> Document:
    document = generate(users=3, contacts_per_user=12, seed=4, now=NOW)
    document.update(STATE)
    document["lifecycle_stages"] = [*DEFAULT_LIFECYCLE_STAGES, "partner"]
    return document


class TestSameSnapshotFromEveryLibrary:
    @pytest.mark.parametrize("library", BUILDERS)
    def test_synthetic_crm(self, synthetic: Document, library: str) -> None:
        """Every list of a synthetic CRM (nested stages, list columns, every kind of field) as
        frames of each library gives the snapshot of the document, and the same actions."""
        expected = Snapshot.from_dict(synthetic)
        got = gaf.snapshot(
            BUILDERS[library](synthetic), lifecycle_stages=synthetic["lifecycle_stages"]
        )
        assert got.to_dict() == expected.to_dict()
        assert got.custom_lifecycle_stages
        assert actions(got, NOW) == actions(expected, NOW)

    def test_the_fixture_covers_every_list(self, synthetic: Document) -> None:
        """The synthetic document fills every list, so the test above reads every record class."""
        assert [name for name in NAMES if not synthetic.get(name)] == []


# -- the Maven CRM export, mapped natively by each library -----------------------------------


def _load_maven() -> ModuleType:
    spec = importlib.util.spec_from_file_location("maven_crm", ROOT / "examples" / "maven_crm.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def maven() -> ModuleType:
    return _load_maven()


def maven_pandas(maven: ModuleType, now: datetime) -> Frames:
    """The Maven export read and mapped with pandas, as a data team would."""
    teams = pd.read_csv(MAVEN_DATA / "sales_teams.csv")
    accounts = pd.read_csv(MAVEN_DATA / "accounts.csv")
    products = pd.read_csv(MAVEN_DATA / "products.csv")
    opportunities = pd.read_csv(MAVEN_DATA / "sales_pipeline.csv")
    agent = teams["sales_agent"].map(maven.slug)
    users = pd.DataFrame(
        {
            "id": agent,
            "email": agent.str.replace("-", ".") + "@" + maven.MAIL_DOMAIN,
            "timezone": teams["regional_office"].map(maven.OFFICE_TIMEZONES),
            "team_ids": teams["regional_office"].map(lambda office: [maven.slug(office)]),
        }
    )
    companies = pd.DataFrame(
        {"id": accounts["account"].map(maven.slug), "name": accounts["account"]}
    )
    engaged = pd.to_datetime(opportunities["engage_date"]).dt.tz_localize("UTC")
    closed = pd.to_datetime(opportunities["close_date"]).dt.tz_localize("UTC")
    closed_by_now = closed.notna() & (closed <= now)
    stage = np.where(
        closed_by_now,
        opportunities["deal_stage"].str.lower(),
        np.where(engaged.notna(), "engaging", "prospecting"),
    )
    closed_at = closed.where(closed_by_now | engaged.isna())
    prices = {
        maven.product_key(p): v
        for p, v in zip(products["product"], products["sales_price"], strict=True)
    }
    price = opportunities["product"].map(lambda p: prices.get(maven.product_key(p)))
    value = opportunities["close_value"]
    amount = value.where(closed_at.notna() & value.notna(), price).astype("Int64")
    deals = pd.DataFrame(
        {
            "id": opportunities["opportunity_id"],
            "owner_id": opportunities["sales_agent"].map(maven.slug),
            "pipeline_id": "sales",
            "stage_id": stage,
            "created_at": engaged.fillna(pd.Timestamp(now - PROSPECTING_AGE)),
            "closed_at": closed_at,
            "company_ids": opportunities["account"].map(
                lambda a: [maven.slug(a)] if isinstance(a, str) else None
            ),
            "amount": amount,
        }
    )
    pipelines = pd.DataFrame([maven.PIPELINE])
    return {"users": users, "pipelines": pipelines, "companies": companies, "deals": deals}


def maven_polars(maven: ModuleType, now: datetime) -> Frames:
    """The Maven export read and mapped with polars."""
    teams = pl.read_csv(MAVEN_DATA / "sales_teams.csv")
    accounts = pl.read_csv(MAVEN_DATA / "accounts.csv")
    products = pl.read_csv(MAVEN_DATA / "products.csv")
    opportunities = pl.read_csv(MAVEN_DATA / "sales_pipeline.csv", try_parse_dates=True)
    slug = pl.col("sales_agent").map_elements(maven.slug, return_dtype=pl.String)
    users = teams.select(
        slug.alias("id"),
        (slug.str.replace_all("-", ".") + "@" + maven.MAIL_DOMAIN).alias("email"),
        pl.col("regional_office").replace_strict(maven.OFFICE_TIMEZONES).alias("timezone"),
        pl.concat_list(
            pl.col("regional_office").map_elements(maven.slug, return_dtype=pl.String)
        ).alias("team_ids"),
    )
    companies = accounts.select(
        pl.col("account").map_elements(maven.slug, return_dtype=pl.String).alias("id"),
        pl.col("account").alias("name"),
    )
    prices = {
        maven.product_key(p): v
        for p, v in zip(products["product"], products["sales_price"], strict=True)
    }
    utc = pl.Datetime("us", "UTC")
    engaged = pl.col("engage_date").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    closed = pl.col("close_date").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    closed_by_now = closed.is_not_null() & (closed <= now)
    closed_at = pl.when(closed_by_now | engaged.is_null()).then(closed).otherwise(None)
    price = pl.col("product").map_elements(
        lambda p: prices.get(maven.product_key(p)), return_dtype=pl.Int64
    )
    deals = opportunities.select(
        pl.col("opportunity_id").alias("id"),
        pl.col("sales_agent").map_elements(maven.slug, return_dtype=pl.String).alias("owner_id"),
        pl.lit("sales").alias("pipeline_id"),
        pl.when(closed_by_now)
        .then(pl.col("deal_stage").str.to_lowercase())
        .when(engaged.is_not_null())
        .then(pl.lit("engaging"))
        .otherwise(pl.lit("prospecting"))
        .alias("stage_id"),
        engaged.fill_null(pl.lit(now - PROSPECTING_AGE).cast(utc)).alias("created_at"),
        closed_at.alias("closed_at"),
        pl.when(pl.col("account").is_not_null())
        .then(pl.concat_list(pl.col("account").map_elements(maven.slug, return_dtype=pl.String)))
        .alias("company_ids"),
        pl.when(closed_at.is_not_null() & pl.col("close_value").is_not_null())
        .then(pl.col("close_value").cast(pl.Int64))
        .otherwise(price)
        .alias("amount"),
    )
    pipelines = pl.DataFrame([maven.PIPELINE])
    return {"users": users, "pipelines": pipelines, "companies": companies, "deals": deals}


def maven_arrow(maven: ModuleType, now: datetime) -> Frames:
    """The Maven export read with pyarrow.csv and mapped with pyarrow.compute."""

    def read(name: str, **types: Any) -> Any:
        options = pa_csv.ConvertOptions(column_types=types, strings_can_be_null=True)
        return pa_csv.read_csv(MAVEN_DATA / name, convert_options=options)

    def slugs(column: Any) -> Any:
        return pa.array([None if v is None else maven.slug(v) for v in column.to_pylist()])

    teams = read("sales_teams.csv")
    accounts = read("accounts.csv")
    products = read("products.csv")
    opportunities = read(
        "sales_pipeline.csv",
        engage_date=pa.timestamp("us"),
        close_date=pa.timestamp("us"),
        close_value=pa.int64(),
    )
    agent = slugs(teams["sales_agent"])
    users = pa.table(
        {
            "id": agent,
            "email": pc.binary_join_element_wise(
                pc.replace_substring(agent, "-", "."), maven.MAIL_DOMAIN, "@"
            ),
            "timezone": pa.array(
                [maven.OFFICE_TIMEZONES[o] for o in teams["regional_office"].to_pylist()]
            ),
            "team_ids": pa.array([[maven.slug(o)] for o in teams["regional_office"].to_pylist()]),
        }
    )
    companies = pa.table({"id": slugs(accounts["account"]), "name": accounts["account"]})
    engaged = pc.assume_timezone(opportunities["engage_date"], "UTC")
    closed = pc.assume_timezone(opportunities["close_date"], "UTC")
    now_scalar = pa.scalar(now, type=pa.timestamp("us", tz="UTC"))
    closed_by_now = pc.fill_null(pc.less_equal(closed, now_scalar), False)
    is_engaged = pc.is_valid(engaged)
    stage = pc.if_else(
        closed_by_now,
        pc.utf8_lower(opportunities["deal_stage"]),
        pc.if_else(is_engaged, "engaging", "prospecting"),
    )
    closed_at = pc.if_else(pc.or_(closed_by_now, pc.invert(is_engaged)), closed, None)
    prices = {
        maven.product_key(p): v
        for p, v in zip(
            products["product"].to_pylist(), products["sales_price"].to_pylist(), strict=True
        )
    }
    price = pa.array(
        [prices.get(maven.product_key(p)) for p in opportunities["product"].to_pylist()]
    )
    close_value = opportunities["close_value"]
    amount = pc.if_else(
        pc.and_(pc.is_valid(closed_at), pc.is_valid(close_value)), close_value, price
    )
    created = pc.fill_null(engaged, pa.scalar(now - PROSPECTING_AGE, engaged.type))
    deals = pa.table(
        {
            "id": opportunities["opportunity_id"],
            "owner_id": slugs(opportunities["sales_agent"]),
            "pipeline_id": pa.array(["sales"] * opportunities.num_rows),
            "stage_id": stage,
            "created_at": created,
            "closed_at": closed_at,
            "company_ids": pa.array(
                [
                    None if a is None else [maven.slug(a)]
                    for a in opportunities["account"].to_pylist()
                ]
            ),
            "amount": amount,
        }
    )
    pipelines = pa.Table.from_pylist([maven.PIPELINE])
    return {"users": users, "pipelines": pipelines, "companies": companies, "deals": deals}


MAVEN_MAPPINGS: dict[str, Callable[[ModuleType, datetime], Frames]] = {
    "pandas": maven_pandas,
    "polars": maven_polars,
    "pyarrow": maven_arrow,
}


@pytest.fixture(scope="module")
def maven_json(maven: ModuleType) -> tuple[Snapshot, dict[str, list[dict[str, Any]]]]:
    snapshot = Snapshot.from_dict(maven.build_document(MAVEN_NOW, prospecting_age=PROSPECTING_AGE))
    return snapshot, actions(snapshot, MAVEN_NOW)


class TestMavenCrm:
    @pytest.mark.parametrize("library", MAVEN_MAPPINGS)
    def test_same_actions_as_the_json_document(
        self,
        maven: ModuleType,
        maven_json: tuple[Snapshot, dict[str, list[dict[str, Any]]]],
        library: str,
    ) -> None:
        """The Maven export mapped with pandas, polars or pyarrow gives the snapshot that
        examples/maven_crm.py builds as JSON, and the same actions for every rep."""
        expected, expected_actions = maven_json
        got = gaf.snapshot(MAVEN_MAPPINGS[library](maven, MAVEN_NOW))
        assert got.to_dict() == expected.to_dict()
        assert actions(got, MAVEN_NOW) == expected_actions
        assert sum(len(a) for a in expected_actions.values()) > 50
        assert len(got.records("deals")) == 8800


# -- one error listing every problem ---------------------------------------------------------

USERS = [{"id": "u1", "email": "u1@acme.test"}]
PIPELINE = {
    "id": "sales",
    "object": "deal",
    "stages": [{"id": "open"}, {"id": "won", "closed": True, "won": True}],
}
T1 = datetime(2025, 3, 1, 9, 0)


#: The same bad CRM in every library: a naive ``contacts.created_at``, an unknown column, a
#: dangling owner and a dangling contact id.
BAD_CONTACTS = {
    "id": ["c1", "c2"],
    "created_at": [T1, T1],
    "colour": ["red", "blue"],
    "owner_id": ["u1", "nobody"],
}
BAD_DEALS = {
    "id": ["d1"],
    "pipeline_id": ["sales"],
    "stage_id": ["open"],
    "created_at": [T1.replace(tzinfo=UTC)],
    "contact_ids": [["c1", "ghost"]],
}


def _bad(
    from_rows: Callable[[list[dict[str, Any]]], Any], from_columns: Callable[[Any], Any]
) -> Callable[[], Frames]:
    def make() -> Frames:
        return {
            "users": from_rows(USERS),
            "pipelines": from_rows([PIPELINE]),
            "contacts": from_columns(BAD_CONTACTS),
            "deals": from_columns(BAD_DEALS),
        }

    return make


_bad_pandas = _bad(pd.DataFrame, pd.DataFrame)
_bad_polars = _bad(pl.DataFrame, pl.DataFrame)
_bad_arrow = _bad(pa.Table.from_pylist, pa.table)


class TestEveryProblemAtOnce:
    @pytest.mark.parametrize("bad", [_bad_pandas, _bad_polars, _bad_arrow], ids=BUILDERS)
    def test_naive_column_unknown_column_dangling_id(self, bad: Callable[[], Frames]) -> None:
        """Naive timestamps are one problem naming the list and the column (not one per row);
        an unknown column is one problem; dangling ids are the JSON loader's problems, in the
        frame with the naive column too (its values are read as UTC to check the rest); all in
        one error."""
        problems = problems_of(lambda: gaf.snapshot(bad()))
        assert where(problems) == [
            ("contacts", None, "created_at", reading.NAIVE_COLUMN),
            ("contacts", None, "colour", reading.UNKNOWN_COLUMN),
            ("contacts", "c2", "owner_id", "no users record has this id"),
            ("deals", "d1", "contact_ids", "no contacts record has this id"),
        ]
        assert [v for *_, v, _ in problems] == [T1, "red", "nobody", "ghost"]

    def test_the_error_is_a_value_error_and_prints_every_problem(self) -> None:
        with pytest.raises(ValueError, match="4 problems") as info:
            gaf.snapshot(_bad_pandas())
        text = str(info.value)
        assert "contacts, field 'created_at': naive timestamps" in text
        assert "contacts, field 'colour': unknown column" in text
        assert "deals 'd1', field 'contact_ids': no contacts record has this id" in text

    def test_naive_optional_column_is_one_problem(self) -> None:
        """A naive column of an optional field is one problem too."""
        frame = pd.DataFrame(
            {
                "id": ["c1", "c2", "c3"],
                "created_at": pd.to_datetime([T1] * 3).tz_localize("UTC"),
                "owner_assigned_at": [T1, pd.NaT, T1],
            }
        )
        problems = problems_of(lambda: gaf.snapshot({"contacts": frame}))
        assert where(problems) == [("contacts", None, "owner_assigned_at", reading.NAIVE_COLUMN)]

    def test_aware_column_in_any_zone_is_the_same_instant(self) -> None:
        """A column in Europe/Paris gives the instants it holds, stored in UTC."""
        local = pd.to_datetime(["2025-03-01 10:00"]).tz_localize("Europe/Paris")
        snapshot = gaf.snapshot({"contacts": pd.DataFrame({"id": ["c1"], "created_at": local})})
        contact = snapshot.contact("c1")
        assert contact is not None
        assert contact.created_at == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def test_nanoseconds_are_cut_to_microseconds(self) -> None:
        """Python datetimes hold microseconds: a pandas timestamp's nanoseconds are dropped."""
        stamp = pd.Timestamp("2025-03-01 09:00:00.123456789", tz="UTC")
        snapshot = gaf.snapshot({"contacts": pd.DataFrame({"id": ["c1"], "created_at": [stamp]})})
        contact = snapshot.contact("c1")
        assert contact is not None
        assert contact.created_at == datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)

    def test_date_column_is_one_problem(self) -> None:
        """A date column is one problem; the rest of its rows is still checked (a missing
        required date is missing)."""
        table = pa.table(
            {"id": ["c1", "c2", "c3"], "created_at": [None, date(2025, 3, 1), date(2025, 3, 2)]}
        )
        problems = problems_of(lambda: gaf.snapshot({"contacts": table}))
        assert problems == [
            ("contacts", None, "created_at", date(2025, 3, 1), reading.DATE_COLUMN),
            ("contacts", "c1", "created_at", None, "missing required field"),
        ]

    @pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
    def test_every_timestamp_unit(self, unit: str) -> None:
        """Seconds, milliseconds, microseconds and nanoseconds give the same instant."""
        stamp = datetime(2025, 3, 1, 9, 0, 1, tzinfo=UTC)
        table = pa.table({"id": ["c1"], "created_at": pa.array([stamp], pa.timestamp(unit, "UTC"))})
        contact = gaf.snapshot({"contacts": table}).contact("c1")
        assert contact is not None
        assert contact.created_at == stamp

    def test_timestamps_beyond_datetime_are_problems_of_their_rows(self) -> None:
        """An instant past year 9999 (Arrow holds it in seconds) is no instant, as in JSON; the
        other rows are read."""
        table = pa.table(
            {
                "id": ["c1", "c2"],
                "created_at": pa.array([10**12, 0], pa.timestamp("s", tz="UTC")),
            }
        )
        problems = problems_of(lambda: gaf.snapshot({"contacts": table}))
        assert where(problems) == [("contacts", "c1", "created_at", "not an ISO-8601 instant")]

    def test_iso_text_columns_are_read_as_the_json_loader_reads_them(self) -> None:
        """Instants as text: offsets and Z accepted; a naive one is a problem of its row, as in
        JSON (a text column is not known to be naive until each value is read)."""
        frame = pd.DataFrame(
            {
                "id": ["c1", "c2", "c3"],
                "created_at": ["2025-03-01T09:00:00Z", "2025-03-01T10:00:00+01:00", "2025-03-01"],
            }
        )
        problems = problems_of(lambda: gaf.snapshot({"contacts": frame}))
        assert where(problems) == [
            ("contacts", "c3", "created_at", "naive instant: add an offset such as Z or +02:00")
        ]

    def test_column_given_twice(self) -> None:
        table = pa.Table.from_arrays(
            [pa.array(["u1"]), pa.array(["a@x.test"]), pa.array(["b@x.test"])],
            names=["id", "email", "email"],
        )
        problems = problems_of(lambda: gaf.snapshot({"users": table}))
        assert where(problems) == [("users", None, "email", reading.DUPLICATE_COLUMN)]

    def test_unknown_list_and_not_a_frame(self) -> None:
        """An unknown list name (lifecycle_stages is a keyword argument, not a list) and a value
        that is no frame are problems of the document, reported with the others."""
        problems = problems_of(
            lambda: gaf.snapshot(
                {
                    "users": pd.DataFrame(USERS),
                    "contact": pd.DataFrame({"id": ["c1"]}),
                    "lifecycle_stages": pd.DataFrame({"id": ["a"]}),
                    "deals": [{"id": "d1"}],
                }
            )
        )
        assert where(problems) == [
            ("snapshot", None, "contact", reading.UNKNOWN_LIST),
            ("snapshot", None, "lifecycle_stages", reading.UNKNOWN_LIST),
            ("snapshot", None, "deals", reading.NOT_A_FRAME),
        ]

    def test_tables_must_be_a_mapping(self) -> None:
        with pytest.raises(TypeError, match="must map list names to frames"):
            gaf.snapshot([pd.DataFrame(USERS)])  # type: ignore[arg-type]


# -- the problems are the JSON loader's -------------------------------------------------------

BAD_DOCUMENT: Document = {
    "schema": "guided-actions/1",
    "users": [
        {"id": "u1", "email": "u1@acme.test", "timezone": "Mars/Olympus", "super_admin": "yes"},
        {"id": "u2"},
        {"id": "u1", "email": "again@acme.test"},
    ],
    "pipelines": [PIPELINE],
    "contacts": [
        {"id": "c1", "created_at": "2025-03-01T09:00:00Z", "lifecycle_stage": "customerish"},
        {"created_at": "2025-03-01T09:00:00"},
    ],
    "deals": [
        {
            "id": "d1",
            "pipeline_id": "sales",
            "stage_id": "nope",
            "created_at": "2025-03-01T09:00:00Z",
            "company_ids": ["co9"],
            "amount": -3,
        },
    ],
    "tasks": [
        {
            "id": "t1",
            "owner_id": "u1",
            "created_at": "2025-03-01T09:00:00Z",
            "priority": "urgent",
            "sequence_step": 0,
        },
    ],
    "feedback": [{"user_id": "u9", "action_key": "k", "verdict": "maybe", "at": "soon"}],
}


@pytest.mark.parametrize("library", BUILDERS)
def test_problems_are_those_of_the_json_loader(library: str) -> None:
    """Frames of a bad document (instants as text, every other field native) give exactly the
    problems of ``Snapshot.from_dict``: kind, id or row number, field, value and message."""
    expected = problems_of(lambda: Snapshot.from_dict(BAD_DOCUMENT))
    assert len(expected) >= 12
    if library == "pandas":
        tables: Frames = {n: pd.DataFrame(r) for n, r in record_lists(BAD_DOCUMENT)}
    elif library == "polars":
        # polars needs one type per column: the mixed super_admin column is left to pandas.
        document = json.loads(json.dumps(BAD_DOCUMENT))
        document["users"][0]["super_admin"] = None
        expected = problems_of(lambda: Snapshot.from_dict(document))
        tables = {n: pl.DataFrame(r, infer_schema_length=None) for n, r in record_lists(document)}
    else:
        tables = {
            n: pa.table({f: [x.get(f) for x in r] for f in columns_of(r)})
            for n, r in record_lists(BAD_DOCUMENT)
        }
    assert problems_of(lambda: gaf.snapshot(tables)) == expected


# -- absent values ---------------------------------------------------------------------------


def _contacts_doc(*contacts: dict[str, Any]) -> Document:
    return {"schema": "guided-actions/1", "users": USERS, "contacts": list(contacts)}


class TestAbsentValues:
    def test_pandas_nat_nan_none(self) -> None:
        """NaT, NaN and None are absent values: the record is the one of a document without
        those fields."""
        frame = pd.DataFrame(
            {
                "id": ["c1", "c2", "c3"],
                "created_at": pd.to_datetime([T1] * 3).tz_localize("UTC"),
                "owner_id": ["u1", None, np.nan],
                "owner_assigned_at": pd.DatetimeIndex([T1, pd.NaT, pd.NaT]).tz_localize("UTC"),
                "email": [np.nan, "c2@x.test", None],
                "company_ids": [np.nan, None, []],
            }
        )
        got = gaf.snapshot({"users": pd.DataFrame(USERS), "contacts": frame})
        created = "2025-03-01T09:00:00+00:00"
        expected = Snapshot.from_dict(
            _contacts_doc(
                {"id": "c1", "created_at": created, "owner_id": "u1", "owner_assigned_at": created},
                {"id": "c2", "created_at": created, "email": "c2@x.test"},
                {"id": "c3", "created_at": created},
            )
        )
        assert got.to_dict() == expected.to_dict()

    def test_polars_null_and_nan(self) -> None:
        """polars keeps NaN apart from null: both are absent."""
        deals = pl.DataFrame(
            {
                "id": ["d1", "d2", "d3"],
                "pipeline_id": ["sales"] * 3,
                "stage_id": ["open"] * 3,
                "created_at": [T1.replace(tzinfo=UTC)] * 3,
                "amount": [float("nan"), None, 12.5],
            }
        )
        got = gaf.snapshot(
            {"users": pl.DataFrame(USERS), "pipelines": pl.DataFrame([PIPELINE]), "deals": deals}
        )
        assert [d.amount for d in typing.cast(tuple[Deal, ...], got.records("deals"))] == [
            None,
            None,
            12.5,
        ]

    def test_arrow_nan_is_absent(self) -> None:
        table = pa.table(
            {
                "id": ["d1"],
                "pipeline_id": ["sales"],
                "stage_id": ["open"],
                "created_at": pa.array([T1], pa.timestamp("s", tz="UTC")),
                "amount": pa.array([math.nan]),
            }
        )
        got = gaf.snapshot(
            {
                "users": pa.Table.from_pylist(USERS),
                "pipelines": pa.Table.from_pylist([PIPELINE]),
                "deals": table,
            }
        )
        deal = got.deal("d1")
        assert deal is not None
        assert deal.amount is None
        assert deal.created_at == T1.replace(tzinfo=UTC)

    @pytest.mark.parametrize("library", ["pandas", "polars"])
    def test_nan_in_a_required_field_is_a_missing_field(self, library: str) -> None:
        """A required field that is NaN/null is missing, as a JSON null is."""
        data = {"id": ["u1", None], "email": ["a@x.test", "b@x.test"]}
        frame = pd.DataFrame(data) if library == "pandas" else pl.DataFrame(data)
        problems = problems_of(lambda: gaf.snapshot({"users": frame}))
        assert problems == [("users", "#1", "id", None, "missing required field")]

    def test_whole_floats_of_an_integer_field_are_integers(self) -> None:
        """pandas stores an integer column with missing values as floats: 2.0 is step 2, NaN is
        absent, and 1.5 is the problem it is in JSON."""
        base = {"owner_id": "u1", "created_at": pd.Timestamp(T1, tz="UTC")}
        frame = pd.DataFrame(
            [
                {"id": "t1", **base, "sequence_step": 2},
                {"id": "t2", **base},
            ]
        )
        assert frame["sequence_step"].dtype == np.float64
        got = gaf.snapshot({"users": pd.DataFrame(USERS), "tasks": frame})
        steps = [t.sequence_step for t in typing.cast(tuple[Task, ...], got.records("tasks"))]
        assert steps == [2, None]
        assert type(steps[0]) is int
        half = frame.assign(sequence_step=[1.5, np.nan])
        problems = problems_of(lambda: gaf.snapshot({"users": pd.DataFrame(USERS), "tasks": half}))
        assert problems == [("tasks", "t1", "sequence_step", 1.5, "expected an integer")]

    def test_decimal_amounts_are_numbers(self) -> None:
        """A decimal column (from a database) gives float amounts."""
        table = pa.table(
            {
                "id": ["d1"],
                "pipeline_id": ["sales"],
                "stage_id": ["open"],
                "created_at": pa.array([T1], pa.timestamp("us", tz="UTC")),
                "amount": pa.array([Decimal("1234.50")], pa.decimal128(10, 2)),
            }
        )
        got = gaf.snapshot(
            {
                "users": pa.Table.from_pylist(USERS),
                "pipelines": pa.Table.from_pylist([PIPELINE]),
                "deals": table,
            }
        )
        deal = got.deal("d1")
        assert deal is not None
        assert deal.amount == 1234.5


# -- list columns, nested stages, and pandas' own shapes ---------------------------------------


class TestShapes:
    def test_polars_list_columns_and_nested_stages(self) -> None:
        """List columns for ids and addresses, a list of structs for a pipeline's stages."""
        emails = pl.DataFrame(
            {
                "id": ["e1", "e2"],
                "owner_id": ["u1", "u1"],
                "direction": ["inbound", "outbound"],
                "to": [["u1@acme.test", "x@y.test"], None],
                "cc": [[], ["c@y.test"]],
                "sent_at": [T1.replace(tzinfo=UTC)] * 2,
                "contact_ids": [["c1"], []],
            }
        )
        contacts = pl.DataFrame(
            {"id": ["c1"], "created_at": [T1.replace(tzinfo=UTC)], "company_ids": [None]},
            schema_overrides={"company_ids": pl.List(pl.String)},
        )
        got = gaf.snapshot(
            {
                "users": pl.DataFrame(USERS),
                "pipelines": pl.DataFrame([PIPELINE]),
                "contacts": contacts,
                "emails": emails,
            }
        )
        e1, e2 = got.email("e1"), got.email("e2")
        assert e1 is not None
        assert e2 is not None
        assert (e1.to, e1.cc, e1.contact_ids) == (("u1@acme.test", "x@y.test"), (), ("c1",))
        assert (e2.to, e2.cc) == ((), ("c@y.test",))
        pipeline = got.pipeline("sales")
        assert pipeline is not None
        assert [(s.id, s.closed, s.won) for s in pipeline.stages] == [
            ("open", False, False),
            ("won", True, True),
        ]

    def test_stage_problems_name_the_stage(self) -> None:
        """A nested stage with an unknown field or a missing id is reported as in JSON."""
        stages = [{"id": "a", "colour": "red"}, {"label": "no id"}]
        pipelines = [{"id": "p", "object": "deal", "stages": stages}]
        expected = problems_of(
            lambda: Snapshot.from_dict({"schema": "guided-actions/1", "pipelines": pipelines})
        )
        assert problems_of(lambda: gaf.snapshot({"pipelines": pd.DataFrame(pipelines)})) == expected
        assert [p[2] for p in expected] == ["stages[0].colour", "stages[1].id"]

    def test_pandas_mixed_column_dashboard_access(self) -> None:
        """A column Arrow cannot type (``"everyone"`` in one row, a list in another) is read
        value by value."""
        dashboards = pd.DataFrame({"id": ["a", "b", "c"], "access": ["everyone", ["emea"], []]})
        got = gaf.snapshot({"dashboards": dashboards})
        assert [d.access for d in got.dashboards] == ["everyone", ("emea",), ()]

    def test_a_named_index_with_a_columns_name_is_that_column_twice(self) -> None:
        """An index named like a column is not dropped in silence: the column is given twice."""
        users = pd.DataFrame(USERS)
        renamed = users.set_index(pd.Index(["u9"] * len(users), name="id"))
        problems = problems_of(lambda: gaf.snapshot({"users": renamed}))
        assert [(kind, rid, field) for kind, rid, field, *_ in problems] == [("users", None, "id")]
        assert "given twice" in problems[0][-1]

    def test_pandas_named_index_is_a_column_unnamed_is_not(self) -> None:
        """``set_index("id")`` keeps the ids; the labels of a filtered frame are not a column,
        and a row is named by its position, as in JSON."""
        users = pd.DataFrame([*USERS, {"id": "u2", "email": "u2@acme.test"}]).set_index("id")
        frame = pd.DataFrame(
            {
                "user_id": ["u1", "u2", "u1"],
                "action_key": ["k1", "k2", "k3"],
                "verdict": ["yes", "no", "not_really"],
                "at": pd.to_datetime([T1] * 3).tz_localize("UTC"),
            }
        )
        filtered = frame[frame["action_key"] != "k1"]
        assert list(filtered.index) == [1, 2]
        problems = problems_of(lambda: gaf.snapshot({"users": users, "feedback": filtered}))
        assert problems == [
            (
                "feedback",
                "#0",
                "verdict",
                "no",
                "unknown value; expected one of 'yes', 'not_really'",
            )
        ]

    def test_categorical_and_string_view_columns(self) -> None:
        """pandas categoricals (Arrow dictionaries) and polars' string views read as text."""
        tasks = pd.DataFrame(
            {
                "id": ["t1", "t2"],
                "owner_id": pd.Categorical(["u1", "u1"]),
                "created_at": pd.to_datetime([T1] * 2).tz_localize("UTC"),
                "priority": pd.Categorical(["high", "low"]),
            }
        )
        got = gaf.snapshot({"users": pl.DataFrame(USERS), "tasks": tasks})
        assert [t.priority for t in typing.cast(tuple[Task, ...], got.records("tasks"))] == [
            "high",
            "low",
        ]

    def test_every_arrow_form_is_accepted(self) -> None:
        """A Table, a RecordBatch, a RecordBatchReader, a polars LazyFrame and any object with
        ``__arrow_c_stream__`` give the same snapshot."""
        table = pa.Table.from_pylist(USERS)

        class Stream:
            def __arrow_c_stream__(self, requested_schema: object = None) -> object:
                return table.__arrow_c_stream__(requested_schema)

        forms = [
            table,
            table.to_batches()[0],
            pa.RecordBatchReader.from_batches(table.schema, table.to_batches()),
            pl.DataFrame(USERS).lazy(),
            Stream(),
        ]
        expected = Snapshot.from_dict({"schema": "guided-actions/1", "users": USERS}).to_dict()
        for form in forms:
            assert gaf.snapshot({"users": form}).to_dict() == expected

    def test_empty_frames_and_no_frames(self) -> None:
        """No frame, or frames with no rows, give an empty snapshot."""
        assert gaf.snapshot({}).to_dict() == {"schema": "guided-actions/1"}
        empty = pd.DataFrame({"id": pd.Series([], dtype=str), "email": pd.Series([], dtype=str)})
        assert gaf.snapshot({"users": empty}).to_dict() == {"schema": "guided-actions/1"}

    def test_rows_without_columns_are_records_without_fields(self) -> None:
        """A frame whose every column is unknown still has its rows, each missing its fields."""
        problems = problems_of(lambda: gaf.snapshot({"sequences": pd.DataFrame({"x": [1, 2]})}))
        assert where(problems) == [
            ("sequences", None, "x", reading.UNKNOWN_COLUMN),
            ("sequences", "#0", "id", "missing required field"),
            ("sequences", "#1", "id", "missing required field"),
        ]


class TestLifecycleStages:
    def test_custom_list(self) -> None:
        contacts = pd.DataFrame(
            {"id": ["c1"], "created_at": [pd.Timestamp(T1, tz="UTC")], "lifecycle_stage": ["b"]}
        )
        got = gaf.snapshot({"contacts": contacts}, lifecycle_stages=pd.Series(["a", "b"]))
        assert got.lifecycle_stages == ("a", "b")
        assert got.to_dict()["lifecycle_stages"] == ["a", "b"]

    def test_bad_list_is_a_problem_with_the_others(self) -> None:
        contacts = pd.DataFrame({"id": ["c1"], "created_at": [pd.Timestamp(T1, tz="UTC")]})
        problems = problems_of(
            lambda: gaf.snapshot(
                {"contacts": contacts, "users": pd.DataFrame({"id": ["u1"]})},
                lifecycle_stages="subscriber",
            )
        )
        assert where(problems) == [
            ("users", "u1", "email", "missing required field"),
            ("snapshot", None, "lifecycle_stages", "expected a non-empty list of stage ids"),
        ]


class TestNoMutation:
    def test_frames_are_left_as_they_were(self) -> None:
        """Neither a load nor a failed load changes the frames it read."""
        good = pandas_frames(generate(users=2, contacts_per_user=4, now=NOW))
        copies = {name: frame.copy(deep=True) for name, frame in good.items()}
        gaf.snapshot(good)
        bad = _bad_pandas()
        bad_copies = {name: frame.copy(deep=True) for name, frame in bad.items()}
        with pytest.raises(InvalidSnapshotError):
            gaf.snapshot(bad)
        for frames, before in ((good, copies), (bad, bad_copies)):
            for name, frame in frames.items():
                pd.testing.assert_frame_equal(frame, before[name])


# -- Parquet ---------------------------------------------------------------------------------


def all_records(snapshot: Snapshot) -> list[Record]:
    return [r for name in NAMES for r in snapshot.records(name)]


#: Any text, lone surrogates (which UTF-8, hence an Arrow string, cannot hold) included.
_CHARACTERS = st.characters(categories=["Cs"]) | st.characters()
_TEXT = st.text(_CHARACTERS, max_size=6)
_INSTANTS = st.datetimes(
    min_value=datetime(2, 1, 1),
    max_value=datetime(9998, 12, 31, 23, 59, 59, 999999),
    timezones=st.just(UTC),
)
_AMOUNTS = st.one_of(
    st.none(),
    st.integers(0, 2**62),
    st.integers(2**63, 2**80),  # beyond int64
    st.floats(0, 1e15, allow_nan=False, allow_infinity=False),
)


@st.composite
def workspace_state(draw: st.DrawFn, snapshot: Snapshot) -> Snapshot:
    """``snapshot`` with deal amounts and the lists the generator leaves empty: dashboards for
    everyone or for teams, feedback, dismissals, snoozes, issued actions; text of any code point
    (lone surrogates too) and instants at the ends of the range."""
    user_ids = [u.id for u in snapshot.users()]
    keys = st.text(_CHARACTERS, min_size=1, max_size=4)
    ids = st.lists(st.text(_CHARACTERS, min_size=1, max_size=3), max_size=3).map(tuple)
    mixed_amounts = draw(st.booleans())
    records = [
        attrs.evolve(d, amount=draw(_AMOUNTS if mixed_amounts else st.none()))
        if isinstance(d, Deal)
        else d
        for d in all_records(snapshot)
    ]
    n = draw(st.integers(0, 3))
    records += [
        Dashboard(
            id=f"db{i}",
            access=draw(st.one_of(st.just("everyone"), ids)),
            name=draw(st.none() | _TEXT),
            view_access_confirmed=draw(st.booleans()),
        )
        for i in range(n)
    ]
    if user_ids:
        user = st.sampled_from(user_ids)
        records += draw(
            st.lists(
                st.builds(
                    Feedback,
                    user_id=user,
                    action_key=keys,
                    verdict=st.sampled_from(["yes", "not_really"]),
                    at=_INSTANTS,
                ),
                max_size=2,
            )
        )
        records += draw(
            st.lists(
                st.builds(Dismissal, user_id=user, action_key=keys, until=st.none() | _INSTANTS),
                max_size=2,
            )
        )
        records += draw(
            st.lists(
                st.builds(Snooze, user_id=user, action_key=keys, until=_INSTANTS, subject_ids=ids),
                max_size=2,
            )
        )
    records += [
        IssuedAction(key=key, contact_ids=draw(ids), company_ids=draw(ids))
        for key in draw(st.lists(keys, max_size=2, unique=True))
    ]
    return Snapshot.from_records(
        records,
        lifecycle_stages=snapshot.lifecycle_stages if snapshot.custom_lifecycle_stages else None,
    )


def round_trip(snapshot: Snapshot, directory: Path) -> Snapshot:
    gaf.write_parquet(snapshot, directory)
    return gaf.read_parquet(directory)


class TestParquet:
    @settings(max_examples=scaled(40), suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def test_round_trip_is_exact(self, data: st.DataObject) -> None:
        """Any snapshot written and read back gives the same document, value for value
        (whole amounts stay integers, unless a list mixes them with decimal ones)."""
        snapshot, _, _ = data.draw(snapshots())
        snapshot = data.draw(workspace_state(snapshot))
        with tempfile.TemporaryDirectory() as tmp:
            again = round_trip(snapshot, Path(tmp) / "crm")
        assert again.to_dict() == snapshot.to_dict()
        assert again.lifecycle_stages == snapshot.lifecycle_stages
        amounts = [d.amount for d in snapshot.records("deals") if isinstance(d, Deal)]
        if all(type(a) is int for a in amounts if a is not None):
            assert json.dumps(again.to_dict()) == json.dumps(snapshot.to_dict())

    @pytest.mark.parametrize("seed", [0, 1])
    def test_round_trip_of_a_synthetic_crm(self, tmp_path: Path, seed: int) -> None:
        snapshot = Snapshot.from_dict(generate(users=4, contacts_per_user=15, seed=seed, now=NOW))
        again = round_trip(snapshot, tmp_path / "crm")
        assert json.dumps(again.to_dict()) == json.dumps(snapshot.to_dict())
        assert actions(again, NOW) == actions(snapshot, NOW)

    def test_layout(self, tmp_path: Path, synthetic: Document) -> None:
        """One file per list with records, the lifecycle stages when custom, typed columns."""
        snapshot = Snapshot.from_dict({**synthetic, "notes": []})
        gaf.write_parquet(snapshot, tmp_path / "crm")
        files = sorted(p.name for p in (tmp_path / "crm").iterdir())
        assert files == sorted(
            [f"{n}.parquet" for n in NAMES if n != "notes"] + ["lifecycle_stages.parquet"]
        )
        deals = pq.read_table(tmp_path / "crm" / "deals.parquet")
        types = {f.name: str(f.type) for f in deals.schema}
        assert types["created_at"] == "timestamp[us, tz=UTC]"
        assert types["closed_at"] == "timestamp[us, tz=UTC]"
        assert types["contact_ids"].startswith("list<")
        assert types["amount"] == "double"  # no amount at all: the annotation's float
        assert deals.schema.metadata[b"guided_actions.schema"] == b"guided-actions/1"
        stages = pq.read_table(tmp_path / "crm" / "pipelines.parquet").schema.field("stages")
        assert str(stages.type.value_type) == (
            "struct<id: string, label: string, closed: bool, won: bool>"
        )
        lifecycle = pq.read_table(tmp_path / "crm" / "lifecycle_stages.parquet")
        assert lifecycle.column("id").to_pylist() == synthetic["lifecycle_stages"]
        # The files are plain Parquet: pandas reads them with native types.
        frame = pd.read_parquet(tmp_path / "crm" / "contacts.parquet")
        assert str(frame["created_at"].dtype) == "datetime64[us, UTC]"

    def test_default_lifecycle_writes_no_file(self, tmp_path: Path) -> None:
        snapshot = Snapshot.from_dict({"schema": "guided-actions/1", "users": USERS})
        gaf.write_parquet(snapshot, tmp_path / "crm")
        assert sorted(p.name for p in (tmp_path / "crm").iterdir()) == ["users.parquet"]

    def test_what_no_arrow_type_holds_is_json_text(self, tmp_path: Path) -> None:
        """Dashboards for everyone beside dashboards for teams, an amount beyond int64, a lone
        surrogate: written as JSON text (a marked column) and read back as they were."""
        document: Document = {
            "schema": "guided-actions/1",
            "users": [{"id": "u1", "email": "u1@x.test", "team_ids": ["t\ud800"]}],
            "pipelines": [PIPELINE],
            "deals": [
                {
                    "id": "d1",
                    "pipeline_id": "sales",
                    "stage_id": "open",
                    "created_at": "2025-03-01T09:00:00+00:00",
                    "amount": 2**70,
                },
                {
                    "id": "d2",
                    "pipeline_id": "sales",
                    "stage_id": "open",
                    "created_at": "2025-03-01T09:00:00+00:00",
                    "amount": 0.5,
                },
            ],
            "dashboards": [
                {"id": "a", "access": "everyone"},
                {"id": "b", "access": ["emea"]},
                {"id": "c", "access": []},
            ],
        }
        snapshot = Snapshot.from_dict(document)
        again = round_trip(snapshot, tmp_path / "crm")
        assert json.dumps(again.to_dict()) == json.dumps(snapshot.to_dict())
        for name, column in (("dashboards", "access"), ("deals", "amount"), ("users", "team_ids")):
            field = pq.read_table(tmp_path / "crm" / f"{name}.parquet").schema.field(column)
            assert field.type == pa.string()
            assert field.metadata == {b"guided_actions.encoding": b"json"}
        # Without the mix, the natural types.
        plain = Snapshot.from_dict({**document, "dashboards": document["dashboards"][1:]})
        gaf.write_parquet(plain, tmp_path / "plain")
        access = pq.read_table(tmp_path / "plain" / "dashboards.parquet").schema.field("access")
        assert str(access.type).startswith("list<")
        assert not access.metadata

    @pytest.mark.parametrize(
        ("amounts", "arrow_type"),
        [([5000, None, 0], "int64"), ([5000, 0.5, None], "double"), ([0.5, 2.25], "double")],
    )
    def test_amounts(self, tmp_path: Path, amounts: list[Any], arrow_type: str) -> None:
        """Whole amounts are an int64 column and read back as integers; amounts mixing 5000 and
        0.5 are a float64 column, and 5000 reads back as 5000.0, an equal value."""
        deals = [
            {
                "id": f"d{i}",
                "pipeline_id": "sales",
                "stage_id": "open",
                "created_at": "2025-03-01T09:00:00+00:00",
                "amount": amount,
            }
            for i, amount in enumerate(amounts)
        ]
        snapshot = Snapshot.from_dict(
            {"schema": "guided-actions/1", "pipelines": [PIPELINE], "deals": deals}
        )
        again = round_trip(snapshot, tmp_path / "crm")
        assert again.to_dict() == snapshot.to_dict()
        read = [d.amount for d in typing.cast(tuple[Deal, ...], again.records("deals"))]
        assert [type(a) for a in read] == [
            type(None) if a is None else int if arrow_type == "int64" else float for a in amounts
        ]
        schema = pq.read_table(tmp_path / "crm" / "deals.parquet").schema
        assert str(schema.field("amount").type) == arrow_type

    def test_replaces_a_snapshot_it_wrote(self, tmp_path: Path) -> None:
        """Writing over a directory this function wrote replaces it: a list now empty has no
        file left."""
        target = tmp_path / "crm"
        gaf.write_parquet(
            Snapshot.from_dict(generate(users=2, contacts_per_user=3, now=NOW)), target
        )
        smaller = Snapshot.from_dict({"schema": "guided-actions/1", "users": USERS})
        gaf.write_parquet(smaller, target)
        assert sorted(p.name for p in target.iterdir()) == ["users.parquet"]
        assert gaf.read_parquet(target).to_dict() == smaller.to_dict()
        assert [p.name for p in tmp_path.iterdir()] == ["crm"]  # nothing left beside it

    def test_an_empty_directory_is_filled(self, tmp_path: Path) -> None:
        (tmp_path / "crm").mkdir()
        gaf.write_parquet(
            Snapshot.from_dict({"schema": "guided-actions/1", "users": USERS}), tmp_path / "crm"
        )
        assert [p.name for p in (tmp_path / "crm").iterdir()] == ["users.parquet"]

    def test_refuses_a_directory_with_other_files(self, tmp_path: Path) -> None:
        target = tmp_path / "crm"
        target.mkdir()
        (target / "notes.txt").write_text("mine", encoding="utf-8")
        (target / "users.parquet").write_bytes(b"old")
        with pytest.raises(FileExistsError, match=r"notes\.txt"):
            gaf.write_parquet(Snapshot.from_dict({"schema": "guided-actions/1"}), target)
        assert sorted(p.name for p in target.iterdir()) == ["notes.txt", "users.parquet"]
        assert (target / "users.parquet").read_bytes() == b"old"
        file = tmp_path / "file"
        file.write_text("x", encoding="utf-8")
        with pytest.raises(FileExistsError, match="not a directory"):
            gaf.write_parquet(Snapshot.from_dict({"schema": "guided-actions/1"}), file)

    @pytest.mark.parametrize("existing", [False, True])
    def test_whole_or_nothing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool
    ) -> None:
        """A failure while writing the third file leaves the target as it was (absent, or the
        previous snapshot) and no temporary directory behind."""
        target = tmp_path / "crm"
        before = Snapshot.from_dict({"schema": "guided-actions/1", "users": USERS})
        if existing:
            gaf.write_parquet(before, target)
        real = pq.write_table
        calls = []

        def failing(table: Any, where: Any, **kwargs: Any) -> None:
            calls.append(where)
            if len(calls) == 3:
                raise OSError("disk full")
            real(table, where, **kwargs)

        monkeypatch.setattr(pq, "write_table", failing)
        bigger = Snapshot.from_dict(generate(users=2, contacts_per_user=3, now=NOW))
        with pytest.raises(OSError, match="disk full"):
            gaf.write_parquet(bigger, target)
        assert len(calls) == 3
        assert [p.name for p in tmp_path.iterdir()] == (["crm"] if existing else [])
        if existing:
            assert gaf.read_parquet(target).to_dict() == before.to_dict()

    def test_write_takes_a_snapshot(self, tmp_path: Path) -> None:
        with pytest.raises(TypeError, match="takes a Snapshot"):
            gaf.write_parquet({"schema": "guided-actions/1"}, tmp_path / "x")  # type: ignore[arg-type]
        assert not (tmp_path / "x").exists()


class TestReadParquet:
    def test_problems_of_files(self, tmp_path: Path) -> None:
        """An unknown list, an unreadable file, another schema and a malformed lifecycle file
        are problems of the document, with those of the records, in one error; files that are
        not Parquet are left alone."""
        pq.write_table(pa.Table.from_pylist([{"id": "u1"}]), tmp_path / "users.parquet")
        pq.write_table(pa.Table.from_pylist([{"id": "x"}]), tmp_path / "contact.parquet")
        (tmp_path / "deals.parquet").write_bytes(b"not parquet")
        other = pa.Table.from_pylist([{"id": "s1"}]).replace_schema_metadata(
            {b"guided_actions.schema": b"guided-actions/9"}
        )
        pq.write_table(other, tmp_path / "sequences.parquet")
        pq.write_table(pa.table({"stage": ["a"]}), tmp_path / "lifecycle_stages.parquet")
        (tmp_path / "README.txt").write_text("ignored", encoding="utf-8")
        problems = problems_of(lambda: gaf.read_parquet(tmp_path))
        assert [(k, i, f) for k, i, f, _, _ in problems] == [
            ("snapshot", None, "deals"),
            ("snapshot", None, "sequences"),
            ("snapshot", None, "lifecycle_stages"),
            ("snapshot", None, "contact"),
            ("users", "u1", "email"),
        ]
        messages = [m for *_, m in problems]
        assert messages[0].startswith("not a readable Parquet file")
        assert messages[1] == "unsupported schema; expected 'guided-actions/1'"
        assert messages[2] == "expected one column, id: the lifecycle stage ids in order"

    def test_files_written_by_others_are_read(self, tmp_path: Path) -> None:
        """A data team's own Parquet files (pandas.to_parquet) read as frames do."""
        pandas_frames(generate(users=2, contacts_per_user=3, now=NOW))["contacts"].to_parquet(
            tmp_path / "contacts.parquet"
        )
        document = generate(users=2, contacts_per_user=3, now=NOW)
        for name, frame in pandas_frames(document).items():
            frame.to_parquet(tmp_path / f"{name}.parquet")
        assert gaf.read_parquet(tmp_path).to_dict() == Snapshot.from_dict(document).to_dict()

    def test_not_a_directory(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError):
            gaf.read_parquet(tmp_path / "missing")
        (tmp_path / "f").write_text("", encoding="utf-8")
        with pytest.raises(NotADirectoryError):
            gaf.read_parquet(tmp_path / "f")


# -- pyarrow is optional ---------------------------------------------------------------------


class TestWithoutPyarrow:
    @pytest.mark.parametrize(
        "call",
        [
            lambda p: gaf.snapshot({}),
            lambda p: gaf.read_parquet(p),
            lambda p: gaf.write_parquet(Snapshot.from_dict({"schema": "guided-actions/1"}), p),
        ],
        ids=["snapshot", "read_parquet", "write_parquet"],
    )
    def test_error_names_the_extra(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, call: Callable[[Path], object]
    ) -> None:
        """Without pyarrow, each function raises an ImportError that says what to install."""
        for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
            monkeypatch.setitem(sys.modules, name, None)
        with pytest.raises(ImportError, match=r"pip install 'guided-actions\[frames\]'") as info:
            call(tmp_path)
        assert isinstance(info.value, ModuleNotFoundError)
        assert info.value.name == "pyarrow"
        assert not list(tmp_path.iterdir())

    def test_importing_frames_imports_no_frame_library(self) -> None:
        """``import guided_actions.frames`` imports neither pyarrow, pandas nor polars."""
        code = (
            "import sys, guided_actions.frames; "
            "print(sorted(m for m in ('pyarrow', 'pandas', 'polars') if m in sys.modules))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        assert out.strip() == "[]"


def test_frames_module_surface() -> None:
    """guided_actions.frames exports exactly the three functions."""
    assert sorted(gaf.__all__) == ["read_parquet", "snapshot", "write_parquet"]
    assert isinstance(gaf.snapshot({}), Snapshot)


def test_problem_type() -> None:
    """Column problems are ordinary Problems, with a short text."""
    with pytest.raises(InvalidSnapshotError) as info:
        gaf.snapshot({"users": pd.DataFrame({"id": ["u1"], "email": ["e"], "x" * 500: [1]})})
    (problem,) = info.value.problems
    assert isinstance(problem, Problem)
    assert len(str(problem)) < 200

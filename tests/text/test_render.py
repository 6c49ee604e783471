"""Rendering: the table of exact types gives the text the full tests give, in every language."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from guided_actions._text import render
from guided_actions._text.checks import Ref, make_check
from guided_actions._text.render import render_check, render_template

ZONES = st.sampled_from([UTC, ZoneInfo("Europe/Paris"), timezone(timedelta(hours=-3))])
REFS = st.builds(
    Ref,
    kind=st.sampled_from(["contact", "deal", "meeting", "email", "widget"]),
    id=st.none() | st.text(min_size=1, max_size=5),
    detail=st.none() | st.text(max_size=8),
    private=st.booleans(),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.text(max_size=10),
    st.datetimes(timezones=ZONES),
    st.dates(),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
    REFS,
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3).map(tuple), max_leaves=6)


class Text(str):
    """A subclass: not in the table, so formatted by the full tests."""


@given(VALUES, st.sampled_from(["en", "fr"]))
def test_the_table_of_types_gives_the_full_tests_text(value: Any, lang: str) -> None:
    assert render._format(value, lang) == render._format_any(value, lang)


@given(st.text(max_size=10), st.sampled_from(["en", "fr"]))
def test_a_subclass_is_formatted_by_the_full_tests(text: str, lang: str) -> None:
    assert render._format(Text(text), lang) == str(Text(text))


def test_a_datetime_subclass_is_not_taken_for_a_date() -> None:
    at = datetime(2025, 5, 14, 9, 30, tzinfo=UTC)
    assert render._format(at, "en") == "2025-05-14T09:30+00:00"
    assert render._format(date(2025, 5, 14), "en") == "2025-05-14"


@given(
    st.dictionaries(st.sampled_from(["a", "b", "c"]), VALUES, min_size=1),
    st.booleans(),
    st.sampled_from(["en", "fr", None]),
)
def test_a_check_renders_as_its_template_filled_in(
    params: dict[str, Any], met: bool, locale: str | None
) -> None:
    """The English shortcut of ``render_check`` gives what ``render_template`` gives."""
    from guided_actions._text.checks import Criterion

    names = tuple(sorted(params))
    criterion = Criterion(
        id="probe",
        met=" / ".join("{" + n + "}" for n in names) + " met",
        unmet=" / ".join("{" + n + "}" for n in names) + " unmet",
    )
    check = make_check(criterion, met, names, tuple(params[n] for n in names))
    template = criterion.met if met else criterion.unmet
    assert render_check(check, locale) == render_template(template, dict(params), locale)


@given(REFS, st.sampled_from(["en", "fr"]))
def test_a_ref_is_formatted_as_a_record_reference(ref: Ref, lang: str) -> None:
    assert Ref in render._BY_TYPE
    assert render._format(ref, lang) == render._format_any(ref, lang)

"""The notebook display (``_repr_html_``) and the short ``repr`` of results, actions,
explanations, workspaces and snapshots: well-formed HTML, escaped data, truncated tables, reprs
under 1,000 characters whatever the size."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guided_actions import (
    Action,
    Explanation,
    Result,
    Results,
    RuleExplanation,
    RuleFailure,
    Snapshot,
    evaluate,
    evaluate_all,
    explain,
    summarize,
)
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_snapshot
from guided_actions._engine.display import HTML_ITEMS, HTML_ROWS, REPR_LIMIT
from guided_actions._model.kinds import NAMES
from guided_actions._text.html import visible
from guided_actions.criteria import Criterion
from guided_actions.rules import BUILTIN_RULES
from guided_actions.synthetic import generate
from guided_actions.testing import NOW, at, build, contact, deal, task

#: Every tag the display writes; none is void, so every one is closed.
TAGS = frozenset(
    {
        "div",
        "p",
        "strong",
        "small",
        "code",
        "span",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "details",
        "summary",
        "ul",
        "li",
    }
)
#: Every attribute it writes: inline styles and tooltips (no link, no script, no handler).
ATTRIBUTES = frozenset({"style", "title"})
#: The characters a reader cannot see (or that cannot be encoded), never in the output.
HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "&lt;b&gt; &amp;",
    "\x1b[31mred\x1b[0m\r\nforged line\x00",
    "abc\u202edcba\u2066",
    "lone \ud800 surrogate",
)

RULE_IDS = [cls.id for cls in BUILTIN_RULES]
FACT = Criterion("fact", met="{x}", unmet="not {x}")


class Page(HTMLParser):
    """The tags, attributes and text of a display, read as a browser would read them."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.texts: list[str] = []
        self.wrong: list[str] = []
        self.rows = 0
        self.feed(markup)
        self.close()
        if self.open:
            self.wrong.append(f"never closed: {self.open}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(tag)
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.wrong.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.wrong.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    def handle_comment(self, data: str) -> None:
        self.wrong.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.wrong.append(f"declaration {decl!r}")

    def unknown_decl(self, data: str) -> None:
        self.wrong.append(f"declaration {data!r}")

    def handle_pi(self, data: str) -> None:
        self.wrong.append(f"processing instruction {data!r}")

    @property
    def text(self) -> str:
        return "".join(self.texts)

    @property
    def shown(self) -> str:
        """Everything a reader sees: the text and the tooltips."""
        return self.text + "".join(v or "" for _, v in self.attributes)

    def count(self, tag: str) -> int:
        return self.tags.count(tag)


def page(markup: str) -> Page:
    """``markup`` parsed and checked: well formed, our tags and attributes only, no hidden
    character, encodable."""
    assert isinstance(markup, str)
    parsed = Page(markup)
    assert parsed.wrong == []
    assert set(parsed.tags) <= TAGS, set(parsed.tags) - TAGS
    assert {name for name, _ in parsed.attributes} <= ATTRIBUTES
    assert [c for c in markup if unicodedata.category(c) in HIDDEN] == []
    markup.encode("utf-8")  # no lone surrogate
    return parsed


def an_action(number: int = 0, **fields: Any) -> Action:
    """Action ``number`` about contact c<number>, created ``number`` minutes before NOW."""
    created = NOW - timedelta(minutes=number)
    values: dict[str, Any] = {
        "key": f"r:{number:020x}",
        "rule": "r",
        "title": f"Title {number}",
        "category": "general",
        "priority": "normal",
        "user_id": "u1",
        "subjects": (("contact", f"c{number}"),),
        "created_at": created,
        "expires_at": created + timedelta(days=1),
        "contact_ids": (f"c{number}",),
        "company_ids": (),
        "checks": (FACT.check(True, x=f"reason {number}"),),
    }
    values.update(fields)
    return Action(**values)


def a_result(count: int, **fields: Any) -> Result:
    return Result(
        user_id="u1", now=NOW, actions=tuple(an_action(i) for i in range(count)), **fields
    )


@pytest.fixture(scope="module")
def demo() -> Snapshot:
    return demo_snapshot()


@pytest.fixture(scope="module")
def every_rule(demo: Snapshot) -> Result:
    """The demo rep's result: an action of every built-in rule."""
    result = evaluate(demo, DEMO_NOW, DEMO_USER)
    assert {a.rule for a in result} == set(RULE_IDS)
    return result


@pytest.fixture(scope="module")
def hostile() -> Snapshot:
    """A CRM whose ids and titles are hostile: a deal, a contact and a task of each text."""
    records = []
    for i, text in enumerate(HOSTILE):
        records += [
            deal(f"{text}d{i}", created_at=at(days=-8)),
            contact(f"{text}c{i}", email=f"c{i}@example.com", created_at=at(days=-3)),
            task(f"{text}t{i}", title=text, due_at=at(hours=2), created_at=at(days=-1)),
            task(
                f"{text}done{i}",
                title=text,
                status="completed",
                completed_at=at(hours=-1),
                created_at=at(days=-1),
            ),
        ]
    return build(*records, lifecycle_stages=["lead", *HOSTILE])


def ids(snapshot: Snapshot, name: str) -> list[str]:
    """The ids of one list's records, in order."""
    return [record["id"] for record in snapshot.to_dict().get(name, [])]


def assert_shows(parsed: Page, texts: Sequence[str]) -> None:
    for text in texts:
        assert visible(text) in parsed.shown


class TestResult:
    def test_every_rule_is_well_formed_with_each_title_and_reason(self, every_rule: Result) -> None:
        """One row per action, each title, subject, priority and (folded) reason shown."""
        parsed = page(every_rule._repr_html_())
        assert parsed.count("tr") == len(every_rule) + 1  # the header, then one per action
        for action in every_rule:
            assert action.title in parsed.text
            assert action.subjects[0][1] in parsed.text
            assert_shows(parsed, action.reasons)
        assert parsed.count("details") >= len(every_rule)  # every action's reasons folded
        assert "21 actions (deal 5, prospecting 12, general 4)" in parsed.text
        assert "Result for user u-claire at 2025-05-14 07:30" in parsed.text

    def test_instants_in_utc_with_the_full_form_as_tooltip(self) -> None:
        """Created and expires to the minute in UTC; no time limit said in words."""
        paris = datetime(2026, 11, 26, 13, 5, 59, tzinfo=UTC).astimezone()
        action = an_action(created_at=paris, expires_at=None)
        parsed = page(Result(user_id="u1", now=NOW, actions=(action,))._repr_html_())
        assert "2026-11-26 13:05" in parsed.text
        assert ("title", "2026-11-26T13:05:59+00:00") in parsed.attributes
        assert "no time limit" in parsed.text

    @pytest.mark.parametrize(
        ("count", "more"),
        [
            (0, None),
            (1, None),
            (HTML_ROWS, None),
            (HTML_ROWS + 1, "1 more action"),
            (117, "67 more actions"),
        ],
    )
    def test_long_results_are_cut_and_say_how_many_more(self, count: int, more: str | None) -> None:
        """At most HTML_ROWS rows, then "… and N more actions"; no such line up to HTML_ROWS."""
        result = a_result(count)
        parsed = page(result._repr_html_())
        shown = min(count, HTML_ROWS)
        assert parsed.count("tr") == (shown + 1 if count else 0)
        assert f"Title {shown - 1}" in parsed.text if count else "0 actions" in parsed.text
        assert f"Title {shown}<" not in result._repr_html_()
        if more is None:
            assert "more action" not in parsed.text
        else:
            assert f"… and {more}" in parsed.text

    @pytest.mark.parametrize("count", [HTML_ITEMS, HTML_ITEMS + 1, 500])
    def test_a_card_folds_its_subjects_and_reasons_and_cuts_them(self, count: int) -> None:
        """A card's subjects and reasons are folded, at most HTML_ITEMS of each shown."""
        card = an_action(
            subjects=tuple(("contact", f"c{i}") for i in range(count)),
            checks=tuple(FACT.check(True, x=f"why {i}") for i in range(count)),
            group="all",
        )
        parsed = page(Result(user_id="u1", now=NOW, actions=(card,))._repr_html_())
        assert f"{count} subjects" in parsed.text
        assert f"{count} reasons" in parsed.text
        assert f"why {HTML_ITEMS - 1}" in parsed.text
        assert (f"why {HTML_ITEMS}" in parsed.text) is False
        hidden = count - HTML_ITEMS
        if hidden:
            assert f"… and {hidden:,} more subject{'s' if hidden > 1 else ''}" in parsed.text
            assert f"… and {hidden:,} more reason{'s' if hidden > 1 else ''}" in parsed.text
        else:
            assert "more subject" not in parsed.text

    def test_failed_rules_are_listed_escaped(self) -> None:
        failure = RuleFailure(rule_id="<b>bad</b>", message="<script>x</script>")
        parsed = page(a_result(1, errors=(failure,))._repr_html_())
        assert "1 rule failed" in parsed.text
        assert "rule '<b>bad</b>' failed: <script>x</script>" in parsed.text

    def test_hostile_crm_data_is_text(self, hostile: Snapshot) -> None:
        """Ids and titles holding markup, quotes, escapes and bidi overrides stay text."""
        result = evaluate(hostile, NOW, "u1")
        markup = result._repr_html_()
        parsed = page(markup)
        assert "<script>" not in markup
        assert "<img" not in markup
        assert "&lt;script&gt;" in markup
        for action in result:
            assert_shows(parsed, [action.subjects[0][1], *action.reasons[:HTML_ITEMS]])
        assert "\\x1b[31mred" in parsed.text  # a control character shown as its escape
        assert "\\u202e" in parsed.text


texts = st.text(min_size=1, max_size=30) | st.sampled_from(HOSTILE)


@settings(max_examples=150)
@given(
    title=texts,
    rule=texts,
    user=texts,
    subject=texts,
    key=texts,
    reason=texts,
    group=st.none() | texts,
    contact_ids=st.lists(texts, max_size=5),
)
def test_no_text_from_the_data_is_markup(
    title: str,
    rule: str,
    user: str,
    subject: str,
    key: str,
    reason: str,
    group: str | None,
    contact_ids: list[str],
) -> None:
    """Whatever the texts, the display's tags and attributes are ours, nothing is hidden, and
    each text reads as itself (its hidden characters as their escapes)."""
    action = an_action(
        title=title,
        rule=rule,
        user_id=user,
        subjects=(("deal", subject),),
        key=key,
        checks=(FACT.check(True, x=reason),),
        group=group,
        contact_ids=tuple(contact_ids),
    )
    result = Result(user_id=user, now=NOW, actions=(action,))
    explanation = Explanation(
        subject=("deal", subject),
        user_id=user,
        now=NOW,
        rules=(
            RuleExplanation(
                rule=rule,
                title=title,
                status="active",
                key=key,
                created_at=NOW,
                expires_at=None,
                checks=(FACT.check(False, x=reason),),
            ),
        ),
    )
    results = Results({user: result})
    shown = (
        (result._repr_html_(), [title, rule, user, subject, key, reason]),
        (action._repr_html_(), [title, rule, user, subject, key, reason, *contact_ids]),
        (explanation._repr_html_(), [title, rule, user, subject, key, f"not {reason}"]),
        (results._repr_html_(), [user, title]),
    )
    for markup, texts in shown:
        parsed = page(markup)
        assert_shows(parsed, texts)
        # Only the display's own markup: every "<" of the data was escaped.
        assert markup.count("<") == len(parsed.tags) * 2
    for value in (result, action, explanation, results):
        assert len(repr(value)) < REPR_LIMIT


class TestAction:
    def test_a_row_per_attribute_its_reasons_folded(self, every_rule: Result) -> None:
        for action in every_rule:
            parsed = page(action._repr_html_())
            assert parsed.count("th") == 0  # a row per attribute, no header
            assert parsed.count("tr") == 12 + (action.group is not None) + bool(
                action.calls_to_action
            )
            for shown in (action.title, action.rule, action.key, action.user_id, action.priority):
                assert shown in parsed.text
            assert_shows(parsed, action.reasons)
            assert parsed.count("details") >= 1
            if action.group is not None:
                assert f"{len(action.members)} member" in parsed.text

    def test_associations_listed_or_folded(self) -> None:
        few = page(an_action(contact_ids=("c1", "c2", "c3"))._repr_html_())
        assert "c1, c2, c3" in few.text
        many = page(an_action(contact_ids=tuple(f"c{i}" for i in range(4)))._repr_html_())
        assert "4 contacts" in many.text
        assert "c1, c2" not in many.text


class TestExplanation:
    def test_a_row_per_rule_with_status_and_folded_checks(self, demo: Snapshot) -> None:
        for deal_id in ids(demo, "deals"):
            explanation = explain(demo, DEMO_NOW, DEMO_USER, ("deal", deal_id))
            parsed = page(explanation._repr_html_())
            assert parsed.count("tr") == len(explanation) + 1
            for rule in explanation:
                assert rule.title in parsed.text
                assert rule.status in parsed.text
                unmet = len(rule.unmet)
                label = f"{len(rule.checks)} check{'s' if len(rule.checks) != 1 else ''}"
                assert label + (f", {unmet} unmet" if unmet else "") in parsed.text
                for check in rule.checks:
                    assert ("✓ " if check.met else "✗ ") + str(check) in parsed.text

    def test_hostile_ids_stay_text(self, hostile: Snapshot) -> None:
        for i, text in enumerate(HOSTILE):
            explanation = explain(hostile, NOW, "u1", ("deal", f"{text}d{i}"))
            markup = explanation._repr_html_()
            parsed = page(markup)
            assert_shows(parsed, [f"deal {text}d{i}"])
            assert "<script" not in markup
            assert len(repr(explanation)) < REPR_LIMIT


class TestSummary:
    def test_counts_schedule_feed_and_actions(self, demo: Snapshot) -> None:
        summary = summarize(demo, DEMO_NOW, DEMO_USER)
        parsed = page(summary._repr_html_())
        assert f"tasks due today{len(summary.due_today)}" in parsed.text
        assert f"overdue tasks{len(summary.overdue)}" in parsed.text
        for entry in summary.schedule:
            assert entry["title"] in parsed.text
        for card in summary.sequences:
            assert (card.name or card.sequence_id) in parsed.text
        assert f"{len(summary.feed)} feed entries" in parsed.text
        for action in summary.actions:
            assert action.title in parsed.text
        assert f"Guided actions: {len(summary.actions)} actions" in parsed.text

    def test_a_viewer_is_named(self, demo: Snapshot) -> None:
        admin = next(u for u in demo.users() if u.super_admin)
        summary = summarize(demo, DEMO_NOW, DEMO_USER, viewer=admin.id)
        assert f"viewed by {admin.id}" in page(summary._repr_html_()).text
        assert f"viewed by {admin.id!r}" in repr(summary)

    def test_hostile_titles_stay_text(self, hostile: Snapshot) -> None:
        summary = summarize(hostile, NOW, "u1")
        markup = summary._repr_html_()
        parsed = page(markup)
        assert "<script" not in markup
        assert_shows(parsed, [e.text for e in summary.feed[:HTML_ITEMS]])


class TestSnapshot:
    def test_a_row_per_list_with_its_count(self, demo: Snapshot) -> None:
        parsed = page(demo._repr_html_())
        assert parsed.count("tr") == len(NAMES) + 1
        for name in NAMES:
            assert f"{name}{len(demo.records(name)):,}" in parsed.text
        total = sum(len(demo.records(name)) for name in NAMES)
        assert f"Snapshot: {total} records" in parsed.text
        assert "lifecycle stages" not in parsed.text

    def test_empty_and_custom_lifecycle_stages(self, hostile: Snapshot) -> None:
        assert "Snapshot: 0 records" in page(Snapshot()._repr_html_()).text
        parsed = page(hostile._repr_html_())
        assert "lifecycle stages: lead, " in parsed.text
        assert_shows(parsed, HOSTILE)


class TestResults:
    def test_a_row_per_user_those_without_actions_too(self, demo: Snapshot) -> None:
        results = evaluate_all(demo, DEMO_NOW)
        parsed = page(results._repr_html_())
        assert parsed.count("tr") == len(results) + 1
        for user_id, result in results.items():
            first = result.actions[0].title if result.actions else ""
            counts = "".join(str(n) for n in result.count_by_category().values())
            assert f"{user_id}{len(result)}{counts}{first}" in parsed.text
        assert any(len(r) == 0 for r in results.values())

    @pytest.mark.parametrize(
        ("users", "more"), [(HTML_ROWS, None), (HTML_ROWS + 2, "2 more users")]
    )
    def test_many_users_are_cut(self, users: int, more: str | None) -> None:
        results = Results(
            {f"u{i}": attrs.evolve(a_result(1), user_id=f"u{i}") for i in range(users)}
        )
        parsed = page(results._repr_html_())
        assert parsed.count("tr") == min(users, HTML_ROWS) + 1
        assert (f"… and {more}" in parsed.text) if more else ("more user" not in parsed.text)
        assert f"{users} users, {users} actions" in parsed.text

    def test_no_user(self) -> None:
        parsed = page(Results()._repr_html_())
        assert "Results: 0 users, 0 actions" in parsed.text
        assert parsed.count("table") == 0


class TestRepr:
    def test_says_what_and_how_many(self, every_rule: Result, demo: Snapshot) -> None:
        """Each repr names its object and counts what it holds, on one line."""
        assert repr(every_rule) == (
            "<Result for user 'u-claire' at 2025-05-14T07:30:00+00:00:"
            " 21 actions (deal 5, prospecting 12, general 4)>"
        )
        assert repr(a_result(0)) == "<Result for user 'u1' at 2026-11-26T12:00:00+00:00: 0 actions>"
        failed = a_result(1, errors=(RuleFailure(rule_id="x", message="m"),) * 2)
        assert repr(failed).endswith("1 action (general 1), 2 rules failed>")
        card = an_action(subjects=(("contact", "c1"), ("contact", "c2"), ("contact", "c3")))
        assert repr(card) == (
            "<Action 'r:00000000000000000000' 'Title 0' about contact 'c1' and 2 more,"
            " from 2026-11-26T12:00:00+00:00 until 2026-11-27T12:00:00+00:00>"
        )
        assert repr(an_action(expires_at=None)).endswith("until no time limit>")
        deal_id = ids(demo, "deals")[0]
        assert repr(explain(demo, DEMO_NOW, DEMO_USER, ("deal", deal_id))) == (
            f"<Explanation of deal {deal_id!r} for user 'u-claire' at 2025-05-14T07:30:00+00:00:"
            " 4 rules (pending 1, unmet 3)>"
        )
        summary = summarize(demo, DEMO_NOW, DEMO_USER)
        assert repr(summary) == (
            "<Summary of user 'u-claire' at 2025-05-14T07:30:00+00:00: 4 tasks due today,"
            " 2 overdue, 1 due tomorrow, 2 meetings today, 21 actions>"
        )
        for shown in (every_rule, summary, card):
            assert "\n" not in repr(shown)

    def test_equality_is_unchanged(self, every_rule: Result) -> None:
        """The short repr leaves ``==`` as it was: field by field."""
        again = attrs.evolve(every_rule)
        assert again == every_rule
        assert attrs.evolve(every_rule, actions=every_rule.actions[1:]) != every_rule
        assert every_rule.actions[0] == attrs.evolve(every_rule.actions[0])
        assert every_rule.actions[0] != attrs.evolve(every_rule.actions[0], title="other")

    def test_every_rule_every_record(self, every_rule: Result, demo: Snapshot) -> None:
        """A result of every built-in rule, each action, each explanation, the workspace, the
        snapshot and every user's results: each repr under the limit."""
        shown: list[object] = [every_rule, *every_rule, demo, evaluate_all(demo, DEMO_NOW)]
        shown.append(summarize(demo, DEMO_NOW, DEMO_USER))
        for kind in ("contacts", "deals", "leads", "meetings", "tasks"):
            for record_id in ids(demo, kind):
                shown.append(explain(demo, DEMO_NOW, DEMO_USER, (kind[:-1], record_id)))
        for value in shown:
            assert len(repr(value)) < REPR_LIMIT, type(value)


@settings(max_examples=30)
@given(
    actions=st.integers(0, 3_000),
    subjects=st.integers(1, 3_000),
    id_length=st.integers(1, 5_000),
    failures=st.integers(0, 50),
)
def test_reprs_stay_short_whatever_the_size(
    actions: int, subjects: int, id_length: int, failures: int
) -> None:
    """However many actions, subjects, failures, and however long the ids, texts and keys."""
    long = "x" * id_length
    card = an_action(
        key=long,
        title=long,
        user_id=long,
        subjects=tuple(("contact", f"{long}{i}") for i in range(subjects)),
        contact_ids=tuple(f"c{i}" for i in range(subjects)),
        checks=tuple(FACT.check(True, x=f"{long}{i}") for i in range(min(subjects, 50))),
        group=long,
    )
    errors = tuple(RuleFailure(rule_id=long, message=long) for _ in range(failures))
    result = Result(user_id=long, now=NOW, actions=(card,) * actions, errors=errors)
    results = Results({f"{long}{i}": result for i in range(min(actions, 40))})
    for value in (card, result, results):
        assert len(repr(value)) < REPR_LIMIT


@pytest.fixture(scope="module")
def large() -> Callable[[int, int], dict[str, Any]]:
    cache: dict[tuple[int, int], dict[str, Any]] = {}

    def make(users: int, contacts: int) -> dict[str, Any]:
        if (users, contacts) not in cache:
            now = datetime(2026, 11, 26, 12, tzinfo=UTC)
            cache[users, contacts] = generate(users=users, contacts_per_user=contacts, now=now)
        return cache[users, contacts]

    return make


@settings(max_examples=6)
@given(users=st.integers(1, 12), contacts=st.sampled_from([1, 40, 300]))
def test_a_large_synthetic_crm_shows_short(
    large: Callable[[int, int], dict[str, Any]], users: int, contacts: int
) -> None:
    """A synthetic CRM of up to 3,600 contacts: every repr short, every display well formed."""
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    snapshot = Snapshot.from_dict(large(users, contacts))
    results = evaluate_all(snapshot, now)
    first = snapshot.users()[0].id
    summary = summarize(snapshot, now, first)
    shown: tuple[Any, ...] = (snapshot, results, summary, *results.values())
    for value in shown:
        assert len(repr(value)) < REPR_LIMIT
        page(value._repr_html_())
    biggest = max(results.values(), key=len)
    assert page(biggest._repr_html_()).count("tr") == min(len(biggest), HTML_ROWS) + (
        1 if len(biggest) else 0
    )


def test_escaping_matches_html_escape() -> None:
    """A printable text is shown exactly as ``html.escape`` writes it, quotes included."""
    text = "Q&A <draft> \"quoted\" 'single'"
    markup = an_action(title=text)._repr_html_()
    assert html.escape(text, quote=True) in markup

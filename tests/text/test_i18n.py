"""Localisation: locales resolved, values formatted and texts translated per language, plugins'
catalogues consulted first, keys and ids the same in every language."""

from __future__ import annotations

import gettext
import json
import types
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from babel.messages.catalog import Catalog
from hypothesis import given

import guided_actions
from french_titles import FRENCH_TITLES
from guided_actions import (
    CallToAction,
    Config,
    Proposal,
    Rule,
    RuleContext,
    Snapshot,
    evaluate,
    explain,
    load_rules,
    summarize,
)
from guided_actions._text import catalogue, i18n
from guided_actions._text.checks import Criterion, Ref
from guided_actions._text.i18n import resolve_locale, translate, translate_plural, translations
from guided_actions._text.render import (
    format_duration,
    format_instant,
    format_value,
    render_check,
    render_template,
)
from guided_actions.errors import PluginError
from guided_actions.rules import BUILTIN_RULES, AddContactToDeal, ReplyToEmail
from guided_actions.testing import NOW, at, build, contact, deal, inbound_email, meeting, task
from strategies import snapshots

#: What may change with the locale in an action's dict: its texts, nothing else.
TEXT_KEYS = {"title", "reasons"}
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plugins' catalogues added by a test are forgotten after it."""
    monkeypatch.setattr(i18n, "_registry", ())


class TestResolveLocale:
    @pytest.mark.parametrize(
        "locale",
        ["fr", "FR", "fr_FR", "fr-FR", "fr_CA", "fr-ca", "fr_FR.UTF-8", "fr_FR@euro", " fr "],
    )
    def test_french_in_every_spelling(self, locale: str) -> None:
        """A French locale, whatever its territory, case, separator or codeset, is French."""
        assert resolve_locale(locale) == "fr"

    @pytest.mark.parametrize(
        "locale",
        [
            *(None, "en", "en_US", "en-GB", "de", "de_DE.UTF-8", "C", "POSIX", "zz", "", "  "),
            *("!!", "fr_", "_FR", "1", "x" * 100, "fr" + "_FR" * 30, "\x00fr"),
        ],
    )
    def test_english_otherwise_without_error(self, locale: str | None) -> None:
        """A locale the library does not ship, or a string that is no locale, is English."""
        assert resolve_locale(locale) == "en"

    @pytest.mark.parametrize("locale", [1, b"fr", ["fr"], 1.0])
    def test_not_a_string_is_a_type_error(self, locale: object) -> None:
        with pytest.raises(TypeError, match="locale must be a str"):
            resolve_locale(locale)  # type: ignore[arg-type]

    def test_the_shipped_locales(self) -> None:
        assert i18n.shipped_locales() == ("en", "fr")

    def test_translations_are_cached_per_language(self) -> None:
        """Every spelling of French gives the same catalogue chain; English has none."""
        assert translations("fr_CA") is translations("fr-FR") is translations("fr")
        assert type(translations("de")) is gettext.NullTranslations
        assert isinstance(translations("fr"), gettext.GNUTranslations)


class TestDurations:
    @pytest.mark.parametrize(
        ("value", "english", "french"),
        [
            (timedelta(days=1), "1 day", "1 jour"),
            (timedelta(days=2), "2 days", "2 jours"),
            (timedelta(days=10), "10 days", "10 jours"),
            (timedelta(hours=1), "1 hour", "1 heure"),
            (timedelta(hours=36), "36 hours", "36 heures"),
            (timedelta(minutes=1), "1 minute", "1 minute"),
            (timedelta(minutes=90), "90 minutes", "90 minutes"),
            (timedelta(seconds=1), "1 second", "1 seconde"),
            (timedelta(seconds=61), "61 seconds", "61 secondes"),
            (timedelta(microseconds=1), "1 microsecond", "1 microseconde"),
            (timedelta(days=1000), "1000 days", "1 000 jours"),
        ],
    )
    def test_cldr_units_and_plurals(self, value: timedelta, english: str, french: str) -> None:
        """French durations take CLDR's unit names and plural rule; English is unchanged."""
        assert format_duration(value) == english
        assert format_duration(value, "en") == english
        assert format_duration(value, "de") == english
        assert format_duration(value, "fr") == french

    def test_plain_spaces(self) -> None:
        """CLDR's non-breaking spaces are written as plain spaces."""
        text = format_duration(timedelta(days=12345), "fr")
        assert text == "12 345 jours"
        assert text.isascii() or set(text) - set("0123456789 jours") == set()


class TestInstants:
    def test_french_date_in_the_zone_it_carries(self) -> None:
        summer = datetime(2025, 5, 14, 9, 30, tzinfo=PARIS)
        assert format_instant(summer, "fr") == "14 mai 2025 09:30 CEST"
        assert format_instant(summer.replace(month=1), "fr") == "14 janvier 2025 09:30 CET"
        assert format_instant(summer.astimezone(UTC), "fr") == "14 mai 2025 07:30 UTC"
        fixed = summer.replace(tzinfo=timezone(timedelta(hours=2)))
        assert format_instant(fixed, "fr") == "14 mai 2025 09:30 UTC+02:00"

    def test_english_is_iso_8601(self) -> None:
        summer = datetime(2025, 5, 14, 9, 30, tzinfo=PARIS)
        assert format_instant(summer) == "2025-05-14T09:30+02:00"
        assert format_value(summer, "de") == "2025-05-14T09:30+02:00"

    def test_the_ends_of_the_range(self) -> None:
        assert format_instant(datetime(2, 1, 1, tzinfo=UTC), "fr") == "1 janvier 2 00:00 UTC"
        end = datetime(9998, 12, 31, 23, 59, tzinfo=UTC)
        assert format_instant(end, "fr") == "31 décembre 9998 23:59 UTC"


class TestValues:
    def test_the_renderer_words(self) -> None:
        """Every word of the renderer has its French; English is as before."""
        cases: list[tuple[Any, str, str]] = [
            (None, "none", "néant"),
            (True, "yes", "oui"),
            (False, "no", "non"),
            ((), "none", "néant"),
            (1234, "1234", "1 234"),
            (date(2025, 5, 14), "2025-05-14", "14 mai 2025"),
            (date(2, 1, 1), "0002-01-01", "1 janvier 2"),
            ("d1", "d1", "d1"),
            (Ref("deal", "d1"), "deal d1", "transaction d1"),
            (Ref("company", "co1", "Acme"), "company co1 (Acme)", "entreprise co1 (Acme)"),
            (Ref("task", "t1", "Call back"), "task t1 'Call back'", "tâche t1 'Call back'"),
            (Ref.unnamed(), "an activity", "une activité"),
            (Ref("email", None), "an email", "un e-mail"),
            (
                (Ref("deal", "d1"), Ref("contact", "c1", "a@x.test")),
                "deal d1, contact c1 (a@x.test)",
                "transaction d1, contact c1 (a@x.test)",
            ),
        ]
        for value, english, french in cases:
            assert (format_value(value), format_value(value, "fr")) == (english, french)

    def test_a_private_meeting_is_busy_in_french(self) -> None:
        busy = translate("fr", "Busy")
        assert busy not in ("", "Busy")
        private = Ref("meeting", "m1", "Board", private=True)
        assert format_value(private) == "meeting m1 (Busy)"
        assert format_value(private, "fr") == f"réunion m1 ({busy})"

    def test_a_kind_the_renderer_does_not_know_is_shown_as_it_is(self) -> None:
        assert format_value(Ref("widget", "w1"), "fr") == "widget w1"
        assert format_value(Ref("widget", None), "fr") == "a widget"


class TestTemplates:
    def test_a_template_is_its_message_id(self) -> None:
        template = "{record} was created more than {wait} ago, at {since}"
        params = {
            "record": Ref("deal", "d1"),
            "wait": timedelta(days=10),
            "since": datetime(2025, 5, 1, 8, 0, tzinfo=PARIS),
        }
        english = render_template(template, params)
        assert english == "deal d1 was created more than 10 days ago, at 2025-05-01T08:00+02:00"
        french = render_template(template, params, "fr")
        assert "transaction d1" in french
        assert "plus de 10 jours" in french
        assert "1 mai 2025 08:00 CEST" in french

    def test_an_unknown_template_stays_english_with_french_values(self) -> None:
        text = render_template("{deal} for {idle}", {"deal": Ref("deal", "d1"), "idle": None}, "fr")
        assert text == "transaction d1 for néant"


def _evaluate(days: int | None, age: int | None = None) -> Any:
    """The add_contact_to_deal actions of a deal ``age`` days old (three days past the
    threshold by default), the threshold configured to ``days`` (default 7)."""
    threshold = 7 if days is None else days
    snapshot = build(deal("d1", created_at=at(days=-(threshold + 3 if age is None else age))))
    config = (
        None
        if days is None
        else Config(thresholds={"add_contact_to_deal": {"age": timedelta(days=days)}})
    )
    return evaluate(snapshot, NOW, "u1", config=config).filter(rule="add_contact_to_deal")


class TestConfigurationFollowsTheText:
    @pytest.mark.parametrize("days", [None, 10, 19])
    def test_the_configured_threshold_is_in_both_languages(self, days: int | None) -> None:
        """The age a deal must reach shows as configured, in English and in French."""
        shown = 7 if days is None else days
        [action] = _evaluate(days)
        english = " ".join(action.reasons)
        french = " ".join(action.localized_reasons("fr"))
        assert f"more than {shown} days ago" in english
        assert f"plus de {shown} jours" in french
        for other in {7, 10, 19} - {shown}:
            assert f"more than {other} days" not in english
            assert f"plus de {other} jours" not in french

    @pytest.mark.parametrize("days", [10, 19])
    def test_both_sides_of_the_configured_threshold(self, days: int) -> None:
        """A deal exactly as old as the threshold has the action; a day younger, not yet."""
        assert len(_evaluate(days, age=days)) == 1
        assert len(_evaluate(days, age=days - 1)) == 0

    def test_explain_says_when_in_french(self) -> None:
        """A pending action's unmet wait names the configured threshold in French."""
        snapshot = build(deal("d1", created_at=at(days=-3)))
        config = Config(thresholds={"add_contact_to_deal": {"age": timedelta(days=10)}})
        entry = explain(snapshot, NOW, "u1", "deal:d1", config=config).get("add_contact_to_deal")
        assert entry is not None
        assert entry.status == "pending"
        texts = [c["text"] for c in entry.to_dict("fr")["checks"]]
        assert any("moins de 10 jours" in t for t in texts), texts
        assert any("less than 10 days" in c["text"] for c in entry.to_dict()["checks"])


class TestTitles:
    def test_the_products_french_titles(self) -> None:
        """The 18 titles are the article's, and no French title is the English one."""
        assert [cls.localized_title("fr") for cls in BUILTIN_RULES] == list(FRENCH_TITLES)
        assert [cls.localized_title("fr_CA") for cls in BUILTIN_RULES] == list(FRENCH_TITLES)
        assert [cls.localized_title() for cls in BUILTIN_RULES] == [
            cls.title for cls in BUILTIN_RULES
        ]
        assert [cls.localized_title("de") for cls in BUILTIN_RULES] == [
            cls.title for cls in BUILTIN_RULES
        ]

    def test_an_action_keeps_its_english_title(self) -> None:
        [action] = _evaluate(None)
        assert action.title == AddContactToDeal.title
        assert action.localized_title("fr") == "Ajouter un contact à une transaction"
        assert action.to_dict("fr")["title"] == "Ajouter un contact à une transaction"
        assert action.to_dict()["title"] == "Add contact to deal"


def _without_texts(entry: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in entry.items() if k not in TEXT_KEYS}
    kept["calls_to_action"] = [
        {k: v for k, v in c.items() if k != "label"} for c in entry["calls_to_action"]
    ]
    return kept


class TestSameKeysInEveryLanguage:
    @given(snapshots())
    def test_only_texts_change(self, case: tuple[Snapshot, datetime, str]) -> None:
        """``to_dicts(locale="fr")`` is ``to_dicts()`` but for titles, reasons and labels, with
        the keys in the same order; an unknown locale is English exactly."""
        snapshot, now, user = case
        result = evaluate(snapshot, now, user)
        english, french = result.to_dicts(), result.to_dicts(locale="fr")
        assert [list(e) for e in french] == [list(e) for e in english]
        assert [_without_texts(e) for e in french] == [_without_texts(e) for e in english]
        for action, entry in zip(result, french, strict=True):
            assert entry["title"] == translate("fr", action.title)
            assert entry["reasons"] == [
                *dict.fromkeys(render_check(c, "fr") for c in action.checks)
            ]
            assert entry["title"] != action.title
        assert result.to_dicts(locale="de_DE") == english == result.to_dicts(locale="en")
        assert result.to_dicts(locale="fr_CA") == french
        assert json.dumps(french)

    def test_calls_to_action_labels_are_translated(self) -> None:
        snapshot = build(
            contact("c1", email="ada@client.test"),
            deal("d1", contact_ids=["c1"], created_at=at(days=-3)),
            inbound_email("e1", contact_ids=["c1"], sent_at=at(hours=-2)),
        )
        [action] = evaluate(snapshot, NOW, "u1").filter(rule="reply_to_email")
        english = action.to_dict()["calls_to_action"]
        french = action.to_dict("fr")["calls_to_action"]
        assert [c["id"] for c in french] == [c["id"] for c in english]
        assert [c["label"] for c in english] == [c.label for c in ReplyToEmail.calls_to_action]
        assert all(f["label"] != e["label"] for f, e in zip(french, english, strict=True))


class TestExplainInFrench:
    def test_action_explain(self) -> None:
        [action] = _evaluate(None)
        english = action.explain()
        assert (
            english.splitlines()[0]
            == "Add contact to deal [add_contact_to_deal; deal, low priority]"
        )
        french = action.explain(locale="fr").splitlines()
        assert french[0] == (
            "Ajouter un contact à une transaction [add_contact_to_deal ; deal, priorité basse]"
        )
        assert french[1] == "  pour l'utilisateur u1, à propos de transaction d1"
        assert french[2] == (
            "  active depuis le 23 novembre 2026 12:00 UTC, échéance : 30 novembre 2026 12:00 UTC"
        )
        assert french[-1] == f"  clé : {action.key}"
        assert action.explain("de") == english

    def test_explanation_to_dict(self) -> None:
        snapshot = build(deal("d1", created_at=at(days=-3)))
        explanation = explain(snapshot, NOW, "u1", "deal:d1")
        english, french = explanation.to_dict(), explanation.to_dict(locale="fr")
        assert french["subject"] == english["subject"]
        assert [r["status"] for r in french["rules"]] == [r["status"] for r in english["rules"]]
        assert [[c["criterion"] for c in r["checks"]] for r in french["rules"]] == [
            [c["criterion"] for c in r["checks"]] for r in english["rules"]
        ]
        assert {r["title"] for r in french["rules"]} <= set(FRENCH_TITLES)
        for fr_rule, en_rule in zip(french["rules"], english["rules"], strict=True):
            for fr_check, en_check in zip(fr_rule["checks"], en_rule["checks"], strict=True):
                assert fr_check["text"] != en_check["text"]
        assert explanation.to_dict(locale="xx") == english

    def test_statuses_have_their_words(self) -> None:
        snapshot = build(deal("d1", created_at=at(days=-3)))
        entry = explain(snapshot, NOW, "u1", "deal:d1").get("add_contact_to_deal")
        assert entry is not None
        assert entry.localized_status() == "pending"
        assert entry.localized_status("fr") not in ("", "pending")


class TestWorkspaceInFrench:
    def _snapshot(self) -> Snapshot:
        return build(
            contact("c1", email="ada@client.test"),
            meeting("m1", start=at(hours=1), end=at(hours=2), title="Board"),
            meeting("m0", start=at(hours=-2), end=at(hours=-1)),
            task("t1", title="Call back", status="completed", completed_at=at(hours=-3)),
            inbound_email(
                "e1", contact_ids=["c1"], from_address="ada@client.test", sent_at=at(hours=-4)
            ),
        )

    def test_feed_and_actions(self) -> None:
        summary = summarize(self._snapshot(), NOW, "u1")
        english, french = summary.to_dict(), summary.to_dict("fr")
        assert list(french) == list(english)
        assert [(e["kind"], e["id"], e["at"]) for e in french["feed"]] == [
            (e["kind"], e["id"], e["at"]) for e in english["feed"]
        ]
        texts = {e["id"]: e["text"] for e in english["feed"]}
        assert texts == {
            "e1": "Email received from ada@client.test",
            "m0": "Meeting started",
            "t1": "Task 'Call back' completed",
        }
        assert [e.text for e in summary.feed] == [e["text"] for e in english["feed"]]
        for en, fr in zip(english["feed"], french["feed"], strict=True):
            assert fr["text"] != en["text"]
        assert "ada@client.test" in {e["id"]: e["text"] for e in french["feed"]}["e1"]
        assert french["actions"] == summary.result.to_dicts("fr")
        assert french["schedule"] == english["schedule"]  # a title of the data stays as it is
        assert summary.to_dict("de") == english

    def test_a_busy_meeting_is_busy_in_french(self) -> None:
        summary = summarize(self._snapshot(), NOW, "u1", viewer="admin")
        english, french = summary.to_dict(), summary.to_dict("fr")
        assert [m["title"] for m in english["schedule"]] == ["Busy", "Busy"]
        assert [m["title"] for m in french["schedule"]] == [translate("fr", "Busy")] * 2
        assert "Meeting (Busy) started" in [e["text"] for e in english["feed"]]
        assert "Meeting (Busy) started" not in [e["text"] for e in french["feed"]]

    def test_verdict_labels(self) -> None:
        from guided_actions._workspace.summary import verdict_label

        assert verdict_label("yes") == "Yes, keep it up"
        assert verdict_label("not_really") == "Not really"
        assert verdict_label("yes", "fr") != "Yes, keep it up"


class TestPlurals:
    def test_english_rule(self) -> None:
        assert [translate_plural("en", "{n} task", "{n} tasks", n) for n in (0, 1, 2)] == [
            "{n} tasks",
            "{n} task",
            "{n} tasks",
        ]

    def test_french_rule_from_a_catalogue(self, tmp_path: Path, registry: None) -> None:
        """French says "0 tâche, 1 tâche, 2 tâches" (n > 1), as its Plural-Forms states."""
        directory = _compile(
            tmp_path, "plurals", {("{n} task", "{n} tasks"): ("{n} tâche", "{n} tâches")}
        )
        i18n.add_catalogues([i18n.Catalogue(directory, "plurals")])
        forms = [
            translate_plural("fr", "{n} task", "{n} tasks", n).format(n=n) for n in (0, 1, 2, 10)
        ]
        assert forms == ["0 tâche", "1 tâche", "2 tâches", "10 tâches"]
        assert translate_plural("fr", "{n} day", "{n} days", 2) == "{n} days"


# -- plugins' catalogues -------------------------------------------------------------------

WAITS = Criterion("deal_waits", met="{deal} waits since {since}", unmet="{deal} does not wait")


@attrs.frozen
class WaitingDeals(Rule):
    """Every open deal of yours, waiting (a rule for these tests)."""

    id = "waiting_deals"
    title = "Waiting deals"
    category = "deal"
    priority = "low"
    subject_kind = "deal"
    criteria = (WAITS,)
    calls_to_action = (CallToAction("nudge", "Nudge", "queue"),)

    def propose(self, ctx: RuleContext) -> Iterator[Proposal]:
        for d in ctx.candidates("deal", ctx.deals_owned):
            yield self.proposal(
                d.id,
                created_at=d.created_at,
                expires_at=None,
                checks=[WAITS.check(True, deal=ctx.ref(d), since=ctx.local(d.created_at))],
            )


def _compile(
    root: Path, domain: str, messages: dict[Any, Any], lang: str = "fr", data: bytes | None = None
) -> Path:
    """A directory holding ``<lang>/LC_MESSAGES/<domain>.mo`` with ``messages``."""
    target = root / domain / lang / "LC_MESSAGES" / f"{domain}.mo"
    target.parent.mkdir(parents=True)
    if data is None:
        catalog = Catalog(locale=lang, domain=domain)
        # The plural rule of gettext's French, as the shipped catalogue states it.
        catalog.mime_headers = [("Plural-Forms", "nplurals=2; plural=(n > 1);")]
        for msgid, msgstr in messages.items():
            context = None
            if isinstance(msgid, tuple) and len(msgid) == 3:
                context, *rest = msgid
                msgid = rest[0]
            catalog.add(msgid, msgstr, context=context)
        data = catalogue.compile_catalogue(catalog)
    target.write_bytes(data)
    return root / domain


def _plugin(name: str, catalogues: object, rules: tuple[type[Rule], ...] = ()) -> Any:
    plugin = types.ModuleType(name)

    @guided_actions.hookimpl
    def guided_actions_rules() -> list[type[Rule]]:
        return list(rules)

    @guided_actions.hookimpl
    def guided_actions_catalogues() -> object:
        return catalogues

    plugin.guided_actions_rules = guided_actions_rules  # type: ignore[attr-defined]
    plugin.guided_actions_catalogues = guided_actions_catalogues  # type: ignore[attr-defined]
    return plugin


class TestPluginCatalogues:
    def test_a_plugins_rule_speaks_its_catalogue(self, tmp_path: Path, registry: None) -> None:
        """The plugin's catalogue translates its rule's title, label and criteria; the library's
        still translates the values."""
        directory = _compile(
            tmp_path,
            "waiting",
            {
                "Waiting deals": "Transactions en attente",
                "Nudge": "Relancer",
                "{deal} waits since {since}": "{deal} attend depuis le {since}",
            },
        )
        ruleset = load_rules(
            [_plugin("waiting", (directory, "waiting"), (WaitingDeals,))], entry_points=False
        )
        assert [(str(c.directory), c.domain) for c in ruleset.catalogues] == [
            (str(directory), "waiting")
        ]
        assert WaitingDeals.localized_title("fr") == "Transactions en attente"
        snapshot = build(deal("d1", created_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC)))
        [action] = evaluate(snapshot, NOW, "u1", rules=ruleset).filter(rule="waiting_deals")
        shown = action.to_dict(locale="fr")
        assert shown["title"] == "Transactions en attente"
        assert shown["calls_to_action"] == [{"id": "nudge", "label": "Relancer", "opens": "queue"}]
        assert shown["reasons"] == ["transaction d1 attend depuis le 1 novembre 2026 09:00 UTC"]
        assert action.to_dict()["reasons"] == ["deal d1 waits since 2026-11-01T09:00+00:00"]
        # The library's own texts are still translated, by the library's catalogue.
        assert ReplyToEmail.localized_title("fr") == "Répondre à l'e-mail"

    def test_plugins_first_then_the_library(self, tmp_path: Path, registry: None) -> None:
        """A plugin's catalogue is consulted before the library's, in plugin order."""
        first = _compile(tmp_path, "first", {"Reply to email": "Répondre (premier)"})
        second = _compile(
            tmp_path, "second", {"Reply to email": "Répondre (second)", "Nudge": "Pousser"}
        )
        load_rules(
            [_plugin("first", (first, "first")), _plugin("second", (str(second), "second"))],
            entry_points=False,
        )
        assert ReplyToEmail.localized_title("fr") == "Répondre (premier)"
        assert translate("fr", "Nudge") == "Pousser"
        assert ReplyToEmail.localized_title() == "Reply to email"

    def test_a_translation_that_breaks_its_template_is_not_used(
        self, tmp_path: Path, registry: None
    ) -> None:
        """A translation naming a field the check lacks falls back to the English template."""
        directory = _compile(
            tmp_path, "broken", {"{deal} waits since {since}": "{deal} attend {oops}"}
        )
        ruleset = load_rules(
            [_plugin("broken", (directory, "broken"), (WaitingDeals,))], entry_points=False
        )
        snapshot = build(deal("d1", created_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC)))
        [action] = evaluate(snapshot, NOW, "u1", rules=ruleset).filter(rule="waiting_deals")
        assert action.localized_reasons("fr") == (
            "transaction d1 waits since 1 novembre 2026 09:00 UTC",
        )

    def test_a_language_the_library_does_not_ship_is_english(
        self, tmp_path: Path, registry: None
    ) -> None:
        directory = _compile(tmp_path, "german", {"Waiting deals": "Wartende Deals"}, lang="de")
        load_rules([_plugin("german", (directory, "german"), (WaitingDeals,))], entry_points=False)
        assert WaitingDeals.localized_title("de") == "Waiting deals"

    @pytest.mark.parametrize(
        ("returned", "message"),
        [
            ("stale_deals", "not a pair (directory, domain) or None"),
            (("only",), "not a pair"),
            ((Path("x"), "not an identifier"), "catalogue domain must be a non-empty identifier"),
            ((Path("x"), ""), "catalogue domain"),
            ((42, "domain"), "a catalogue directory must be a path"),
            ([Path("x"), "domain"], "not a pair"),
        ],
    )
    def test_a_wrong_return_is_a_plugin_error(
        self, returned: object, message: str, registry: None
    ) -> None:
        with pytest.raises(PluginError, match="guided_actions_catalogues returned") as info:
            load_rules([_plugin("wrong", returned)], entry_points=False)
        assert info.value.plugin == "wrong"
        assert message in str(info.value)
        assert i18n.plugin_catalogues() == ()

    def test_an_unreadable_catalogue_is_a_plugin_error(
        self, tmp_path: Path, registry: None
    ) -> None:
        directory = _compile(tmp_path, "corrupt", {}, data=b"not a compiled catalogue")
        with pytest.raises(PluginError, match=r"corrupt\.mo cannot be read") as info:
            load_rules([_plugin("corrupt", (directory, "corrupt"))], entry_points=False)
        assert info.value.plugin == "corrupt"
        assert i18n.plugin_catalogues() == ()

    def test_a_hook_that_raises_is_a_plugin_error(self, registry: None) -> None:
        plugin = types.ModuleType("raising")

        @guided_actions.hookimpl
        def guided_actions_catalogues() -> object:
            raise RuntimeError("boom")

        plugin.guided_actions_catalogues = guided_actions_catalogues  # type: ignore[attr-defined]
        with pytest.raises(PluginError, match="guided_actions_catalogues raised RuntimeError"):
            load_rules([plugin], entry_points=False)

    def test_no_catalogue_and_a_missing_language_are_fine(
        self, tmp_path: Path, registry: None
    ) -> None:
        """``None`` adds nothing; a directory with no French is English for its texts."""
        assert load_rules([_plugin("none", None)], entry_points=False).catalogues == ()
        empty = tmp_path / "empty"
        empty.mkdir()
        ruleset = load_rules(
            [_plugin("empty", (empty, "empty"), (WaitingDeals,))], entry_points=False
        )
        assert len(ruleset.catalogues) == 1
        assert WaitingDeals.localized_title("fr") == "Waiting deals"
        assert ReplyToEmail.localized_title("fr") == "Répondre à l'e-mail"

    def test_adding_the_same_catalogue_twice_adds_it_once(
        self, tmp_path: Path, registry: None
    ) -> None:
        directory = _compile(tmp_path, "twice", {"Nudge": "Relancer"})
        plugin = _plugin("twice", (directory, "twice"))
        load_rules([plugin], entry_points=False)
        load_rules([plugin], entry_points=False)
        assert len(i18n.plugin_catalogues()) == 1


def test_each_rule_page_shows_its_french_title() -> None:
    """The generated reference page of every rule names its French title."""
    import importlib.util

    hook = Path(__file__).resolve().parents[2] / "docs" / "hooks" / "rule_pages.py"
    spec = importlib.util.spec_from_file_location("rule_pages_i18n", hook)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for cls, french in zip(BUILTIN_RULES, FRENCH_TITLES, strict=True):
        page = module.render_rule(cls)
        assert f"| title in French | {french} |" in page
        assert page.startswith(f"# {cls.title}\n")


def test_a_rule_set_with_catalogues_pickles(tmp_path: Path, registry: None) -> None:
    """A rule set keeps its catalogues through pickling, equal to the original."""
    import pickle

    directory = _compile(tmp_path, "pickled", {"Nudge": "Relancer"})
    ruleset = load_rules([_plugin("pickled", (directory, "pickled"))], entry_points=False)
    again = pickle.loads(pickle.dumps(ruleset))
    assert again.catalogues == ruleset.catalogues
    assert again.catalogues[0] == i18n.Catalogue(str(directory), "pickled")
    assert again.catalogues[0] != i18n.Catalogue(str(directory), "other")

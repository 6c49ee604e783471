"""The command line in French, and in every other locale (issue 15).

``--locale`` (on the program and on every sub-command) or, without it, the environment
(``LC_ALL``, then ``LC_MESSAGES``, then ``LANG``) chooses the language of everything the program
writes: its own words, the library's texts, dates and plurals. JSON keys and ids never change.
"""

from __future__ import annotations

import io
import json
import os
import re
import string
import subprocess
import sys
import types
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from babel.dates import get_month_names
from hypothesis import given
from hypothesis import strategies as st

from french_titles import FRENCH_TITLES
from guided_actions import Rule, evaluate, evaluate_all, explain, hookimpl, load_rules, summarize
from guided_actions._adapters.cli import main, reading
from guided_actions._adapters.cli.catalogue import catalogue
from guided_actions._adapters.cli.language import (
    ENVIRONMENT,
    cli_locale,
    environment_locale,
    local_time,
    ngettext,
    number,
    speaking,
    tenths,
    utc_time,
)
from guided_actions._adapters.cli.parsing import build_parser, requested_locale
from guided_actions._adapters.cli.render import table
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_document, demo_snapshot
from guided_actions._adapters.messages import library_entries
from guided_actions._text.i18n import shipped_locales, translate
from guided_actions.rules import BUILTIN_RULES

NOW = DEMO_NOW.isoformat()
RULE_IDS = [cls.id for cls in BUILTIN_RULES]
#: The keys whose values are texts for a reader: the only values a locale may change.
TEXT_KEYS = frozenset({"title", "reasons", "label", "text", "default", "doc"})
#: The texts of the rule catalogue's entries besides (its docs).
CATALOGUE_TEXT_KEYS = TEXT_KEYS | {"grouping", "created_at", "expires"}


@pytest.fixture(autouse=True)
def _builtin_rules(monkeypatch) -> None:
    """The built-in rules only, whatever plugins this environment has. (No locale is in the
    environment unless a test sets one: see ``conftest.py``.)"""

    def builtins_only(plugins=(), *, entry_points=True, config=None):
        return load_rules(plugins, entry_points=False, config=config)

    monkeypatch.setattr(reading, "load_rules", builtins_only)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def output(capsys, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, ""), err
    return out


@pytest.fixture
def snapshot_file(tmp_path: Path) -> Path:
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(demo_document()), encoding="utf-8")
    return path


def flat(text: str) -> str:
    """``text`` with every run of white space as one space: wrapped lines read as one."""
    return " ".join(text.split())


def test_french_is_shipped() -> None:
    """The installed package has its French catalogue: without it every test below is moot."""
    assert "fr" in shipped_locales()


# -- choosing the language -------------------------------------------------------------------


class TestCliLocale:
    @pytest.mark.parametrize(
        ("option", "environ", "expected"),
        [
            (None, {}, "en"),
            (None, {"LANG": "fr_FR.UTF-8"}, "fr"),
            (None, {"LANG": "fr_FR"}, "fr"),
            (None, {"LANG": "fr_FR@euro"}, "fr"),
            (None, {"LANG": "fr_CA.UTF-8"}, "fr"),
            (None, {"LANG": "fr"}, "fr"),
            (None, {"LANG": "C"}, "en"),
            (None, {"LANG": "C.UTF-8"}, "en"),
            (None, {"LANG": "POSIX"}, "en"),
            (None, {"LANG": "de_DE.UTF-8"}, "en"),
            (None, {"LANG": "not a locale!"}, "en"),
            # LC_ALL wins over LC_MESSAGES, which wins over LANG...
            (None, {"LC_ALL": "C", "LANG": "fr_FR.UTF-8"}, "en"),
            (None, {"LC_ALL": "fr_FR.UTF-8", "LANG": "C"}, "fr"),
            (None, {"LC_MESSAGES": "fr_FR.UTF-8", "LANG": "en_US.UTF-8"}, "fr"),
            (None, {"LC_MESSAGES": "POSIX", "LANG": "fr_FR.UTF-8"}, "en"),
            (None, {"LC_ALL": "fr", "LC_MESSAGES": "C", "LANG": "C"}, "fr"),
            # ... but only when set and not empty.
            (None, {"LC_ALL": "", "LANG": "fr_FR.UTF-8"}, "fr"),
            (None, {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "fr_FR.UTF-8"}, "fr"),
            (None, {"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}, "en"),
            # Other variables do not count.
            (None, {"LC_TIME": "fr_FR.UTF-8", "LANGUAGE": "fr", "LC_CTYPE": "fr_FR"}, "en"),
            # --locale wins over the environment, whatever it says.
            ("fr", {"LC_ALL": "C"}, "fr"),
            ("en", {"LC_ALL": "fr_FR.UTF-8"}, "en"),
            ("C", {"LANG": "fr_FR.UTF-8"}, "en"),
            ("de", {"LANG": "fr_FR.UTF-8"}, "en"),
            ("fr_CA", {}, "fr"),
            ("fr-FR", {}, "fr"),
            ("FR", {}, "fr"),
            ("", {"LANG": "fr_FR.UTF-8"}, "en"),
        ],
    )
    def test_choice(self, option: str | None, environ: dict[str, str], expected: str) -> None:
        """``--locale`` first, then the first non-empty of LC_ALL, LC_MESSAGES, LANG; C and POSIX
        and what the library does not ship are English."""
        assert cli_locale(option, environ) == expected

    @given(
        st.fixed_dictionaries(
            {},
            optional={
                name: st.sampled_from(["", "C", "POSIX", "C.UTF-8", "fr_FR.UTF-8", "fr", "de_DE"])
                for name in ENVIRONMENT
            },
        )
    )
    def test_first_non_empty_variable_decides(self, environ: dict[str, str]) -> None:
        """The language is that of the first non-empty variable in POSIX order (a model)."""
        chosen = next((environ[n] for n in ENVIRONMENT if environ.get(n)), None)
        assert environment_locale(environ) == chosen
        expected = "fr" if chosen is not None and chosen.startswith("fr") else "en"
        assert cli_locale(None, environ) == expected

    @given(st.text(max_size=80), st.text(max_size=80))
    def test_any_text_is_a_shipped_language(self, option: str, lang: str) -> None:
        """Whatever the option or the environment holds (control characters, surrogates, a
        very long string), the choice is a shipped language, never an error."""
        assert cli_locale(option, {}) in shipped_locales()
        assert cli_locale(None, {"LANG": lang}) in shipped_locales()

    def test_reads_the_process_environment(self, monkeypatch) -> None:
        """Without a mapping, the process's environment is read."""
        assert environment_locale() is None
        monkeypatch.setenv("LANG", "fr_FR.UTF-8")
        assert (environment_locale(), cli_locale(None)) == ("fr_FR.UTF-8", "fr")
        monkeypatch.setenv("LC_ALL", "C")
        assert (environment_locale(), cli_locale(None)) == ("C", "en")


class TestRequestedLocale:
    @pytest.mark.parametrize(
        ("argv", "expected"),
        [
            (["demo"], None),
            (["demo", "--locale", "fr"], "fr"),
            (["--locale", "fr", "demo"], "fr"),
            (["--locale=fr_CA", "demo"], "fr_CA"),
            (["demo", "--loc", "fr"], "fr"),  # argparse's abbreviations
            (["demo", "--l=fr"], "fr"),
            (["--locale", "de", "demo", "--locale", "fr"], "fr"),  # the last one
            (["demo", "--locale"], None),
            (["evaluate", "-", "--", "--locale", "fr"], None),  # after --, an argument
            (["demo", "-l", "fr"], None),
            (["demo", "--long", "fr"], None),
        ],
    )
    def test_examples(self, argv: list[str], expected: str | None) -> None:
        assert requested_locale(argv) == expected

    @given(
        st.lists(
            st.sampled_from(
                [
                    ["--locale", "fr"],
                    ["--locale", "de"],
                    ["--locale=fr_CA"],
                    ["--loc", "en"],
                    ["--l=fr"],
                    ["--no-plugins"],
                    ["--format", "json"],
                    ["--user", "u1"],
                ]
            ),
            max_size=4,
        ),
        st.booleans(),
    )
    def test_agrees_with_the_parser(self, options: list[list[str]], before: bool) -> None:
        """What is read before the parser exists is what the parser reads (differential)."""
        tail = [arg for option in options for arg in option]
        argv = ["--locale", "fr", "demo", *tail] if before else ["demo", *tail]
        args = build_parser().parse_args(argv)
        assert requested_locale(argv) == args.locale


# -- the demo in French ----------------------------------------------------------------------


class TestDemoInFrench:
    def test_every_french_title_and_no_english_one(self, capsys) -> None:
        """``demo --locale fr`` shows the 18 French titles of the issue, and no English one; the
        demo fires every rule (each id is there), so every title is checked."""
        out = output(capsys, "demo", "--locale", "fr")
        for cls, french in zip(BUILTIN_RULES, FRENCH_TITLES, strict=True):
            assert cls.id in out, cls.id
            assert french in out, cls.id
            assert cls.title not in out, cls.title

    def test_lang_in_the_environment(self, capsys, monkeypatch) -> None:
        """``LANG=fr_FR.UTF-8`` gives exactly the output of ``--locale fr``."""
        french = output(capsys, "demo", "--locale", "fr")
        monkeypatch.setenv("LANG", "fr_FR.UTF-8")
        assert output(capsys, "demo") == french

    def test_lc_all_overrides_lang(self, capsys, monkeypatch) -> None:
        """``LC_ALL`` wins over ``LANG`` both ways; ``LC_ALL=C`` is the English output."""
        english = output(capsys, "demo")
        french = output(capsys, "demo", "--locale", "fr")
        monkeypatch.setenv("LANG", "fr_FR.UTF-8")
        monkeypatch.setenv("LC_ALL", "C")
        assert output(capsys, "demo") == english
        monkeypatch.setenv("LANG", "C")
        monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")
        assert output(capsys, "demo") == french
        monkeypatch.setenv("LC_ALL", "")  # empty: not set
        monkeypatch.setenv("LC_MESSAGES", "fr_FR.UTF-8")
        assert output(capsys, "demo") == french

    def test_option_overrides_the_environment(self, capsys, monkeypatch) -> None:
        """``--locale en`` is English whatever the environment says."""
        english = output(capsys, "demo")
        monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")
        assert output(capsys, "demo", "--locale", "en") == english
        assert output(capsys, "--locale", "en", "demo") == english

    def test_option_before_or_after_the_command(self, capsys) -> None:
        """``--locale`` before the sub-command works; after it, it wins."""
        french = output(capsys, "demo", "--locale", "fr")
        assert output(capsys, "--locale", "fr", "demo") == french
        assert output(capsys, "--locale", "de", "demo", "--locale", "fr") == french
        assert output(capsys, "--locale", "fr", "demo", "--locale", "en") == output(capsys, "demo")

    def test_unknown_locale_is_english(self, capsys) -> None:
        """``--locale de`` (not shipped) and a string that is no locale: English, no error."""
        english = output(capsys, "demo")
        assert output(capsys, "demo", "--locale", "de") == english
        assert output(capsys, "demo", "--locale", "!!") == english
        assert output(capsys, "demo", "--locale", "C") == english

    def test_regional_french_is_french(self, capsys) -> None:
        """``--locale fr_CA`` is French."""
        assert output(capsys, "demo", "--locale", "fr_CA") == output(
            capsys, "demo", "--locale", "fr"
        )

    def test_table_words_and_dates(self, capsys) -> None:
        """The table's own words, the categories and dates are French: ``14 mai 2025 09:30
        CEST`` in the rep's zone."""
        out = output(capsys, "demo", "--locale", "fr")
        count = len(evaluate(demo_snapshot(), DEMO_NOW, DEMO_USER))
        assert out.splitlines()[0] == (
            f"{count} actions guidées pour {DEMO_USER} le 14 mai 2025 09:30 CEST (Europe/Paris)"
        )
        assert "création  12 mai 2025 10:15 CEST    expiration  19 mai 2025 10:15 CEST" in out
        assert "  [haute] Répondre à l'e-mail" in out
        assert "      objet     contact:c-sophie" in out
        assert "      pourquoi  - " in out
        for english in ("created", "expires", "because", "about"):
            assert english not in out, english
        for line in out.splitlines():
            if line.startswith("      création  "):
                assert "2025-" not in line  # no ISO date: the table's own dates are French

    def test_reasons_are_the_librarys_french(self, capsys) -> None:
        """Each action's reasons are the library's French ones (``localized_reasons``)."""
        out = flat(output(capsys, "demo", "--locale", "fr"))
        for action in evaluate(demo_snapshot(), DEMO_NOW, DEMO_USER):
            for reason in action.localized_reasons("fr"):
                assert flat(reason) in out

    def test_fits_in_100_columns(self, capsys) -> None:
        """The French table, and the French workspace, are no wider than the English ones."""
        for argv in (("demo",), ("demo", "--workspace"), ("rules",)):
            out = output(capsys, *argv, "--locale", "fr")
            assert max(len(line) for line in out.splitlines()) <= 100, argv

    def test_other_zone(self, capsys, snapshot_file: Path) -> None:
        """Dates are in the zone of the user evaluated: New York's ``EDT`` for u-marcus."""
        out = output(
            capsys, "evaluate", str(snapshot_file), "--user", "u-marcus", "--now", NOW,
            "--locale", "fr",
        )  # fmt: skip
        assert " le 14 mai 2025 03:30 EDT (America/New_York)" in out.splitlines()[0]


# -- no English sentence in the French output ------------------------------------------------


def english_phrases() -> set[str]:
    """The fixed parts of every message of the English catalogue (the template the extractor
    writes) that have three words or more: none may appear in a French output."""
    phrases: set[str] = set()
    for entry in library_entries():
        for text in (entry.id, entry.plural):
            if not text:
                continue
            try:
                literals = [literal for literal, *_ in string.Formatter().parse(text)]
            except ValueError:
                literals = [text]
            for literal in literals:
                words = [w for w in literal.split() if any(c.isalpha() for c in w)]
                if len(words) >= 3:
                    phrases.add(" ".join(literal.split()))
    return phrases


ENGLISH = english_phrases()


def test_the_phrases_are_many() -> None:
    """The check below has something to check: rule criteria, the CLI's own messages."""
    assert len(ENGLISH) > 200
    assert "is not a valid snapshot (" in ENGLISH  # the program's own messages are in it
    assert "guided actions for" in ENGLISH


@pytest.mark.parametrize(
    "argv",
    [
        ("demo",),
        ("demo", "--workspace"),
        ("demo", "--user", "u-marcus", "--workspace"),
        ("evaluate", "SNAPSHOT", "--all", "--now", NOW),
        ("evaluate", "SNAPSHOT", "--user", DEMO_USER, "--viewer", "u-priya", "--now", NOW),
        ("workspace", "SNAPSHOT", "--user", DEMO_USER, "--viewer", "u-priya", "--now", NOW),
        ("explain", "SNAPSHOT", "--user", DEMO_USER, "--now", NOW, "--subject", "contact:c-sophie"),
        ("explain", "SNAPSHOT", "--user", DEMO_USER, "--now", NOW, "--subject", "company:co-acme"),
        ("settings", "SNAPSHOT", "--user", DEMO_USER),
        ("rules",),
        ("demo", "--help"),
        ("evaluate", "--help"),
        ("generate", "--help"),
    ],
    ids=lambda argv: "-".join(a for a in argv if a.isalpha() or a.startswith("--"))[:60],
)
def test_no_english_sentence(capsys, snapshot_file: Path, argv: tuple[str, ...]) -> None:
    """The French output holds no phrase of three words or more of the English catalogue."""
    args = [str(snapshot_file) if a == "SNAPSHOT" else a for a in argv]
    code, out, err = run(capsys, *args, "--locale", "fr")
    assert code == 0, err
    text = flat(out + err)
    found = sorted(phrase for phrase in ENGLISH if phrase in text)
    assert found == []


# -- JSON: texts translated, keys and ids never --------------------------------------------


def skeleton(value: Any, keys: frozenset[str] = TEXT_KEYS) -> Any:
    """``value`` with the texts (values of ``keys``) blanked out: what no locale may change."""
    if isinstance(value, dict):
        return {k: None if k in keys else skeleton(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [skeleton(v, keys) for v in value]
    return value


def texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in TEXT_KEYS and isinstance(v, str):
                yield v
            elif k in TEXT_KEYS and isinstance(v, list):
                yield from (x for x in v if isinstance(x, str))
            else:
                yield from texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from texts(v)


class TestJson:
    def json_of(self, capsys, *argv: str) -> Any:
        return json.loads(output(capsys, *argv))

    @pytest.mark.parametrize(
        "argv",
        [
            ("demo", "--format", "json"),
            ("demo", "--workspace", "--format", "json"),
            ("evaluate", "SNAPSHOT", "--all", "--now", NOW, "--format", "json"),
            (
                "explain",
                "SNAPSHOT",
                "--user",
                DEMO_USER,
                "--now",
                NOW,
                "--subject",
                "deal:d-acme-renewal",
                "--format",
                "json",
            ),
            ("rules", "--format", "json"),
            ("settings", "SNAPSHOT", "--user", DEMO_USER, "--format", "json"),
        ],
        ids=["demo", "workspace", "evaluate-all", "explain", "rules", "settings"],
    )
    def test_keys_and_ids_are_the_same(self, capsys, snapshot_file: Path, argv) -> None:
        """Every key, id and value but the texts is the same in English and in French; the
        texts of French output are French (none is left as its English self, bar a few)."""
        args = [str(snapshot_file) if a == "SNAPSHOT" else a for a in argv]
        english = self.json_of(capsys, *args)
        french = self.json_of(capsys, *args, "--locale", "fr")
        keys = CATALOGUE_TEXT_KEYS if argv[0] == "rules" else TEXT_KEYS
        assert skeleton(french, keys) == skeleton(english, keys)
        assert self.json_of(capsys, *args, "--locale", "de") == english
        en_texts, fr_texts = list(texts(english)), list(texts(french))
        assert len(en_texts) == len(fr_texts)
        if en_texts:
            changed = sum(e != f for e, f in zip(en_texts, fr_texts, strict=True))
            assert changed >= len(en_texts) * 0.9

    def test_evaluate_is_to_dicts_in_french(self, capsys, snapshot_file: Path) -> None:
        """``evaluate --format json --locale fr`` is exactly ``result.to_dicts(locale="fr")``
        (differential: the CLI adds nothing of its own)."""
        data = self.json_of(
            capsys, "evaluate", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--format", "json", "--locale", "fr",
        )  # fmt: skip
        result = evaluate(demo_snapshot(), DEMO_NOW, DEMO_USER)
        assert data == result.to_dicts(locale="fr")
        assert [d["title"] for d in data] == [a.localized_title("fr") for a in result]
        assert set(FRENCH_TITLES) == {d["title"] for d in data}

    def test_workspace_explain_and_all(self, capsys, snapshot_file: Path) -> None:
        """The other commands' JSON is the library's ``to_dict(locale="fr")``."""
        snap = demo_snapshot()
        data = self.json_of(capsys, "demo", "--workspace", "--format", "json", "--locale", "fr")
        assert data == summarize(snap, DEMO_NOW, DEMO_USER).to_dict(locale="fr")
        data = self.json_of(
            capsys, "explain", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--subject", "contact:c-sophie", "--format", "json", "--locale", "fr",
        )  # fmt: skip
        expected = explain(snap, DEMO_NOW, DEMO_USER, "contact:c-sophie").to_dict(locale="fr")
        assert data == expected
        data = self.json_of(
            capsys, "evaluate", str(snapshot_file), "--all", "--now", NOW, "--format", "json",
            "--locale", "fr",
        )  # fmt: skip
        assert data == {
            uid: r.to_dicts(locale="fr") for uid, r in evaluate_all(snap, DEMO_NOW).items()
        }

    def test_rules_json_titles(self, capsys) -> None:
        """``rules --format json --locale fr``: the French titles, labels and durations."""
        data = self.json_of(capsys, "rules", "--format", "json", "--locale", "fr")
        assert [d["title"] for d in data] == list(FRENCH_TITLES)
        assert data == catalogue(load_rules(entry_points=False), "fr")
        lifetimes = {t["default"] for d in data for t in d["thresholds"] if t["name"] == "lifetime"}
        assert "30 jours" in lifetimes


# -- the rule catalogue's own texts -----------------------------------------------------------


def rule_docs(cls: type[Rule]) -> list[str]:
    """The documentation texts of a rule that ``rules`` shows: its grouping, ``created_at`` and
    expiry, and each threshold's doc (an empty one is not shown as a text)."""
    texts = [cls.grouping, cls.created_at_doc, cls.expires_doc, *cls.threshold_docs().values()]
    return [text for text in texts if text]


BUILTIN_DOCS = sorted({doc for cls in BUILTIN_RULES for doc in rule_docs(cls)})
#: A few docs as the French catalogue words them.
FRENCH_DOCS = {
    "one action per subject": "une action par sujet",
    "one card per sequence and step": "une carte par séquence et par étape",
    "the deal's `created_at` + 7 days": "le `created_at` de la transaction + 7 jours",
    "lives 7 days": "au bout de 7 jours",
    "no time limit": "sans limite de temps",
    "how long the action lives": "durée de vie de l'action",
    "time without a reply before it fires": "délai sans réponse à partir duquel l'action apparaît",
}


class TestRuleDocsInFrench:
    def test_every_doc_has_french(self) -> None:
        """Every documentation text of a built-in rule is a message the French catalogue
        translates (the extractor lists them: a new doc without French fails here)."""
        assert len(BUILTIN_DOCS) > 40
        assert [doc for doc in BUILTIN_DOCS if translate("fr", doc) == doc] == []
        assert {en: translate("fr", en) for en in FRENCH_DOCS} == FRENCH_DOCS

    def test_table_has_the_french_docs_and_no_english_one(self, capsys) -> None:
        """``rules --locale fr`` shows the French of every doc and none of the English."""
        out = flat(output(capsys, "rules", "--locale", "fr"))
        assert [doc for doc in BUILTIN_DOCS if doc in out] == []
        assert [doc for doc in BUILTIN_DOCS if translate("fr", doc) not in out] == []
        assert "lifetime = 30 jours : durée de vie de l'action" in out
        assert "délai sans réponse à partir duquel l'action apparaît" in out
        english = flat(output(capsys, "rules"))
        assert [doc for doc in BUILTIN_DOCS if doc not in english] == []

    def test_json_docs_are_the_french(self, capsys) -> None:
        """``rules --format json --locale fr``: each doc is the French of the rule's own."""
        data = json.loads(output(capsys, "rules", "--format", "json", "--locale", "fr"))
        for entry, cls in zip(data, BUILTIN_RULES, strict=True):
            english = [cls.grouping, cls.created_at_doc, cls.expires_doc]
            assert [entry["grouping"], entry["created_at"], entry["expires"]] == [
                translate("fr", text) for text in english
            ]
            docs = cls.threshold_docs()
            assert {t["name"]: t["doc"] for t in entry["thresholds"]} == {
                name: translate("fr", doc) for name, doc in docs.items()
            }
        shown = [
            text
            for entry in data
            for text in (
                entry["grouping"],
                entry["created_at"],
                entry["expires"],
                *(t["doc"] for t in entry["thresholds"]),
            )
        ]
        assert set(shown).isdisjoint(BUILTIN_DOCS)


# -- dates, numbers and plurals --------------------------------------------------------------


class TestWords:
    @given(
        st.datetimes(
            min_value=datetime(1970, 1, 2),
            max_value=datetime(2200, 12, 30),
            timezones=st.just(UTC),
        ),
        st.sampled_from(["Europe/Paris", "America/New_York", "Asia/Kolkata", "UTC"]),
    )
    def test_french_dates(self, instant: datetime, zone_name: str) -> None:
        """A French date in the table is the local day, month name, year, time and zone
        abbreviation; English stays ``YYYY-MM-DD HH:MM ZONE``."""
        zone = ZoneInfo(zone_name)
        shown = instant.astimezone(zone)
        month = get_month_names("wide", locale="fr")[shown.month]
        with speaking("fr"):
            french = local_time(instant, zone)
        assert french == f"{shown.day} {month} {shown.year} {shown:%H:%M} {shown.tzname()}"
        assert local_time(instant, zone) == f"{shown:%Y-%m-%d %H:%M} {shown.tzname()}"

    def test_utc_times(self) -> None:
        """The explanation's instants are in UTC: ISO 8601 in English, French words in French."""
        instant = datetime(2025, 5, 14, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))
        assert utc_time(instant) == "2025-05-14T07:30:00+00:00"
        with speaking("fr_CA"):
            assert utc_time(instant) == "14 mai 2025 07:30 UTC"

    @pytest.mark.parametrize(
        ("lang", "whole", "decimal"),
        [("en", "1,234,567", "0.0 1.2 1234.6"), ("fr", "1 234 567", "0,0 1,2 1 234,6")],
    )
    def test_numbers(self, lang: str, whole: str, decimal: str) -> None:
        """Numbers of the messages (sizes, seconds) with the language's separators, plain
        spaces only."""
        with speaking(lang):
            assert number(1_234_567) == whole
            assert " ".join(tenths(v) for v in (0.04, 1.24, 1234.56)) == decimal

    @pytest.mark.parametrize(
        ("lang", "n", "expected"),
        [
            ("en", 0, "0 open tasks"),
            ("en", 1, "1 open task"),
            ("en", 2, "2 open tasks"),
            ("fr", 0, "0 tâche ouverte"),  # French: the singular for 0 and 1
            ("fr", 1, "1 tâche ouverte"),
            ("fr", 2, "2 tâches ouvertes"),
            ("fr", 1000, "1000 tâches ouvertes"),
        ],
    )
    def test_plurals(self, lang: str, n: int, expected: str) -> None:
        """Plurals follow each language's CLDR rule (French: n > 1 is plural)."""
        with speaking(lang):
            assert ngettext("{count} open task", "{count} open tasks", n).format(count=n) == (
                expected
            )

    def test_table_header_plural(self) -> None:
        """The header says ``1 action guidée`` and ``21 actions guidées`` (and 0 is singular)."""
        snap = demo_snapshot()
        user = snap.user(DEMO_USER)
        assert user is not None
        result = evaluate(snap, DEMO_NOW, DEMO_USER)
        with speaking("fr"):
            many = table(user, DEMO_NOW, result, None)[0]
            one = table(user, DEMO_NOW, result.filter(rule="reply_to_email"), None)[0]
            none = table(user, DEMO_NOW, result.filter(rule="no_such_rule"), None)[0]
        assert many.startswith(f"{len(result)} actions guidées pour u-claire le ")
        assert one.startswith("1 action guidée pour u-claire le ")
        assert none.startswith("0 action guidée pour u-claire le ")

    def test_workspace_plurals_and_sections(self, capsys) -> None:
        """The workspace's sections are the product's words (Programme, Informations, Flux);
        its counts and task priorities French."""
        out = output(capsys, "demo", "--workspace", "--locale", "fr")
        lines = out.splitlines()
        headings = [lines[i - 1] for i, ln in enumerate(lines) if ln and set(ln) == {"="}]
        summary = summarize(demo_snapshot(), DEMO_NOW, DEMO_USER)
        assert headings == [
            "Tâches",
            f"Séquences ({len(summary.sequences)})",
            f"Programme ({len(summary.schedule)})",
            "Informations",
            f"Flux ({len(summary.feed)})",
            f"Actions guidées ({len(summary.result)})",
        ]
        assert lines[0] == (
            f"Espace de travail de {DEMO_USER} le 14 mai 2025 09:30 CEST (Europe/Paris)"
        )
        assert "  Q2 outbound: operations leaders  [seq-q2-outbound]  3 tâches ouvertes" in lines
        assert "    Étape 1 (2)" in lines
        assert "  14 mai 2025 12:00 CEST  haute    Finish the QBR deck  [t-qbr-deck]" in lines
        assert "À faire aujourd'hui (4)" in lines

    def test_busy_meetings_in_french(self, capsys, snapshot_file: Path) -> None:
        """Viewed by a super admin, the schedule's private meetings are the library's French
        "Busy", never a title."""
        out = output(
            capsys, "workspace", str(snapshot_file), "--user", DEMO_USER, "--viewer", "u-priya",
            "--now", NOW, "--locale", "fr",
        )  # fmt: skip
        busy = summarize(demo_snapshot(), DEMO_NOW, DEMO_USER, viewer="u-priya").to_dict("fr")
        words = {entry["title"] for entry in busy["schedule"]}
        assert len(words) == 1
        assert "Busy" not in words
        [word] = words
        assert f"  14:00-15:00 CEST  {word}  [m-acme-qbr]" in out.splitlines()
        assert ", vu par u-priya le " in out.splitlines()[0]
        for meeting in demo_document()["meetings"]:
            assert meeting["title"] not in out


# -- messages, help and progress -------------------------------------------------------------


class TestMessages:
    def test_errors_in_french(self, capsys, tmp_path: Path) -> None:
        """A bad input's message is French, its fixed words only; exit status 2 as in English."""
        missing = tmp_path / "missing.json"
        code, out, err = run(
            capsys, "evaluate", str(missing), "--user", "u1", "--now", NOW, "--locale", "fr"
        )
        assert (code, out) == (2, "")
        assert (
            err == f"guided-actions: erreur : impossible de lire {missing} : fichier introuvable\n"
        )
        code, _out, err = run(
            capsys, "evaluate", "-", "--user", "u1", "--now", "x", "--locale", "fr"
        )
        assert code == 2
        assert "n'est pas un instant ISO 8601" in err

    def test_sizes_in_french(self, capsys, snapshot_file: Path) -> None:
        """A snapshot over ``--max-input-size``: its size with French digit grouping and the
        French plural of "byte"."""
        size = snapshot_file.stat().st_size
        assert size >= 1000
        code, _out, err = run(
            capsys, "evaluate", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--max-input-size", "1000", "--locale", "fr",
        )  # fmt: skip
        assert code == 2
        grouped = f"{size:,}".replace(",", " ")
        assert f"{snapshot_file} ({grouped} octets) dépasse 1KB, le maximum que lit" in err
        code, _out, err = run(
            capsys, "evaluate", str(snapshot_file), "--user", DEMO_USER, "--now", NOW,
            "--max-input-size", "1000",
        )  # fmt: skip
        assert f"{snapshot_file} ({size:,} bytes) is larger than 1KB, the most" in err

    def test_invalid_snapshot_counts_in_french(self, capsys, tmp_path: Path) -> None:
        """The head of an invalid snapshot's problems is French, with the French plural."""
        bad = tmp_path / "bad.json"
        for users, pattern in (
            (["u"], r"\(1 problème\) :"),
            (["u", "v"], r"\([2-9] problèmes\) :"),
        ):
            document = {"schema": "guided-actions/1", "users": [{"id": u} for u in users]}
            bad.write_text(json.dumps(document), encoding="utf-8")
            code, _out, err = run(
                capsys, "evaluate", str(bad), "--user", "u", "--now", NOW, "--locale", "fr"
            )
            assert code == 2
            head = err.splitlines()[0]
            assert head.startswith(f"guided-actions: erreur : {bad} n'est pas un instantané ")
            assert re.search(pattern + "$", head), head

    def test_usage_and_help_in_french(self, capsys) -> None:
        """Usage errors and the help are French (argparse's own error texts aside)."""
        code, out, err = run(capsys, "evaluate", "--locale", "fr")
        assert (code, out) == (2, "")
        assert err.startswith("usage : guided-actions evaluate")
        assert "guided-actions: erreur : " in err
        code, out, _err = run(capsys, "--locale", "fr", "demo", "--help")
        assert code == 0
        assert out.startswith("usage : guided-actions demo")
        assert "afficher cette aide et quitter" in out
        assert "la langue de la sortie" in out
        code, out, _err = run(capsys, "demo", "--help")
        assert "show this help message and exit" in out
        assert "the language of the output" in out

    def test_rules_table_in_french(self, capsys) -> None:
        """``rules --locale fr``: the French titles and the table's own words; a title too long
        to share its line with the category and priority leaves them the next line."""
        out = output(capsys, "rules", "--locale", "fr")
        lines = out.splitlines()
        assert lines[0] == "18 règles intégrées"
        for cls, french in zip(BUILTIN_RULES, FRENCH_TITLES, strict=True):
            [i] = [n for n, ln in enumerate(lines) if ln.startswith(f"{cls.id}  ")]
            assert lines[i].startswith(f"{cls.id}  {french}")
            block = lines[i : i + 4]
            assert "  extension    intégrée" in block
            assert any(
                ln.lstrip().endswith(("priorité haute", "priorité normale", "priorité basse"))
                for ln in block[:2]
            )
        assert "  seuils       aucun" in lines  # sequence_activity has no threshold
        assert "  lifetime = 30 jours : " in out
        assert max(len(line) for line in lines) <= 100

    def test_every_command_takes_the_option(self, capsys) -> None:
        """``--locale`` is an option of every sub-command."""
        parser = build_parser()
        commands = next(a for a in parser._actions if a.dest == "command")
        assert isinstance(commands.choices, dict)
        for name, sub in commands.choices.items():
            assert "--locale" in sub._option_string_actions, name

    def test_generate_progress_in_french(self, monkeypatch, tmp_path: Path) -> None:
        """``generate`` on a terminal reports in French, its plurals and decimal comma too."""

        class FakeTerminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        fake = FakeTerminal()
        monkeypatch.setattr("sys.stderr", fake)
        target = tmp_path / "crm.json"
        argv = [
            "generate", "--users", "2", "--contacts-per-user", "1", "--now", NOW,
            "-o", str(target), "--locale", "fr",
        ]  # fmt: skip
        assert main(argv) == 0
        text = fake.getvalue()
        # A bar follows the text; its time left in French words.
        assert text.startswith("\rgénération : 1 enregistrement ")
        assert re.search(r" 0 % -:-- restant", text), text
        final = text.rsplit("\r", 1)[1]
        assert re.fullmatch(
            rf"\d+ enregistrements écrits dans {re.escape(str(target))} en \d+,\d s\n", final
        )

    def test_rule_failure_in_french(self, capsys, monkeypatch) -> None:
        """A failing rule is reported with French fixed words; its exception text as it is."""

        @attrs.frozen
        class Broken(Rule):
            id = "broken"
            title = "Broken"
            category = "general"
            priority = "low"
            subject_kind = "contact"

            def propose(self, ctx):
                raise RuntimeError("boom")

        plugin = types.ModuleType("broken_plugin")
        plugin.guided_actions_rules = hookimpl(lambda: [Broken])  # type: ignore[attr-defined]
        monkeypatch.setattr(
            reading,
            "load_rules",
            lambda plugins=(), *, entry_points=True, config=None: load_rules(
                [plugin], entry_points=False, config=config
            ),
        )
        code, out, err = run(capsys, "demo", "--locale", "fr")
        assert (code, err) == (0, "")
        tail = out.split("\nRègles en échec :\n", 1)[1].splitlines()
        assert tail == [
            "  - la règle 'broken' (extension 'broken_plugin') a échoué : RuntimeError: boom"
        ]
        code, _out, err = run(capsys, "demo", "--format", "json", "--locale", "fr")
        assert err == (
            "guided-actions: avertissement : la règle 'broken' (extension 'broken_plugin') a "
            "échoué : RuntimeError: boom\n"
        )


def test_installed_program_reads_lang() -> None:
    """The installed program, run with ``LANG=fr_FR.UTF-8`` and no option, speaks French."""
    env = {k: v for k, v in os.environ.items() if k not in (*ENVIRONMENT, "LANGUAGE")}
    env |= {"LANG": "fr_FR.UTF-8", "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "guided_actions", "--no-plugins", "demo"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for french in FRENCH_TITLES:
        assert french in proc.stdout
    env["LC_ALL"] = "C"
    proc = subprocess.run(
        [sys.executable, "-m", "guided_actions", "--no-plugins", "demo"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert " guided actions for u-claire at 2025-05-14 09:30 CEST " in proc.stdout

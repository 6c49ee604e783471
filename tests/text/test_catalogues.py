"""The message catalogues: the template follows the library, every shipped language translates
every message, the compiled catalogues are those of their sources, and the tooling that keeps
them so (extract, merge, check, compile) works."""

from __future__ import annotations

import gettext
import io
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from guided_actions import evaluate, explain, summarize
from guided_actions._adapters import messages
from guided_actions._adapters.demo import DEMO_NOW, DEMO_USER, demo_snapshot
from guided_actions._text import catalogue
from guided_actions._text.catalogue import Entry
from guided_actions._text.i18n import shipped_locales
from guided_actions.criteria import CREATED_MORE_THAN, DEAL_OPEN
from guided_actions.rules import BUILTIN_RULES

LOCALE_DIR = messages.PACKAGE_DIR / "locale"
POT = LOCALE_DIR / "guided_actions.pot"
SOURCES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/guided_actions.po"))


def _read(path: Path) -> Catalog:
    return catalogue.read_catalogue(path.read_bytes(), path.parent.parent.name)


def _signatures(catalog: Catalog) -> list[object]:
    return [catalogue.signature(m) for m in catalog if m.id]


class TestShippedCatalogues:
    def test_the_template_is_what_extraction_gives(self) -> None:
        """The committed template is what ``extract`` makes from the library now: a message
        added to, changed in or removed from the library without ``extract`` fails here."""
        extracted = catalogue.template(messages.library_entries())
        assert _signatures(catalogue.read_catalogue(POT.read_bytes())) == _signatures(extracted)
        assert messages.main(["extract", "--check"]) == 0

    def test_french_is_shipped(self) -> None:
        assert [p.parent.parent.name for p in SOURCES] == ["fr"]
        assert shipped_locales() == ("en", "fr")

    @pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.parent.parent.name)
    def test_every_message_is_translated(self, source: Path) -> None:
        """Every message of the template has a translation, not fuzzy, with the same fields,
        and every plural form; nothing in the catalogue is outside the template."""
        pot = catalogue.read_catalogue(POT.read_bytes())
        po = _read(source)
        assert catalogue.problems(po, pot) == []
        wanted = {(m.context, catalogue.signature(m)[1][0]) for m in pot if m.id}
        extra = [
            m.id for m in po if m.id and (m.context, catalogue.signature(m)[1][0]) not in wanted
        ]
        assert extra == []

    @pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.parent.parent.name)
    def test_the_compiled_catalogue_is_its_source(self, source: Path) -> None:
        """The ``.mo`` beside the ``.po`` (compiled by the build) holds exactly its
        translations: run ``python -m guided_actions._adapters.messages compile`` (or install
        again) after editing a ``.po``."""
        compiled = source.with_suffix(".mo")
        assert compiled.is_file(), f"{compiled} is missing: the build compiles it"
        with compiled.open("rb") as fp:
            installed = gettext.GNUTranslations(fp)
        fresh = gettext.GNUTranslations(io.BytesIO(catalogue.compile_catalogue(_read(source))))
        assert installed._catalog == fresh._catalog  # type: ignore[attr-defined]


def _literal_phrases(template: str) -> set[str]:
    """The runs of two words or more of a template's own text (its fields left out)."""
    found = set()
    for literal, *_ in string.Formatter().parse(template):
        for run in re.findall(r"[A-Za-z']+(?:[ -][A-Za-z']+)+", literal):
            found.add(run)
    return found


def test_the_french_demo_has_no_english_sentence() -> None:
    """Everything the demo shows in French (titles, reasons, labels, explanations, the
    workspace) contains no phrase of the English messages."""
    snapshot = demo_snapshot()
    result = evaluate(snapshot, DEMO_NOW, DEMO_USER)
    assert len(result) >= 5
    texts: list[str] = []
    for action in result:
        entry = action.to_dict(locale="fr")
        texts += [
            entry["title"],
            *entry["reasons"],
            *(c["label"] for c in entry["calls_to_action"]),
        ]
        texts.append(action.explain(locale="fr"))
    summary = summarize(snapshot, DEMO_NOW, DEMO_USER).to_dict(locale="fr")
    texts += [e["text"] for e in summary["feed"]]
    for kind, rid in {s for a in result for s in a.subjects}:
        explanation = explain(snapshot, DEMO_NOW, DEMO_USER, (kind, rid)).to_dict(locale="fr")
        texts += [c["text"] for r in explanation["rules"] for c in r["checks"]]
        texts += [r["title"] for r in explanation["rules"]]
    pot = catalogue.read_catalogue(POT.read_bytes())
    # The data's own words (titles, addresses) are shown as they are: leave them out.
    data = {"quarterly business review", "the renewal quote", "Send Acme", "Finish the"}
    phrases = {
        phrase
        for m in pot
        if m.id and m.context != "date and time pattern (CLDR)"
        for text in catalogue.signature(m)[1]
        for phrase in _literal_phrases(text)
    }
    found = sorted(
        (phrase, text)
        for text in texts
        for phrase in phrases
        if re.search(rf"\b{re.escape(phrase)}\b", text)
        and not any(phrase in d or d in phrase for d in data)
    )
    assert found == []


class TestExtraction:
    def test_every_criterion_and_its_variants(self) -> None:
        """The rules' criteria, the shared ones' variants and the engine's own are messages."""
        ids = {e.id for e in messages.library_entries()}
        for cls in BUILTIN_RULES:
            assert cls.title in ids
            assert {c.label for c in cls.calls_to_action} <= ids
            for criterion in cls.criteria:
                assert {criterion.met, criterion.unmet} <= ids
        assert {DEAL_OPEN.met, CREATED_MORE_THAN.unmet} <= ids
        assert "{record} is not yours: it has no owner" in ids  # a variant
        assert "you dismissed the action for good" in ids  # the engine's own
        assert "the rule failed: {error}" in ids
        assert "{text}" not in ids  # nothing but a field: nothing to translate

    def test_marked_strings_of_the_source(self) -> None:
        """Strings marked with N_() in the source are messages, with their file."""
        entries = {e.id: e for e in messages.source_entries()}
        assert entries["Email sent to {recipients}"].location == (
            "guided_actions/_workspace/summary.py"
        )
        assert entries["no time limit"].location == "guided_actions/_engine/actions.py"

    def test_the_renderer_words_have_contexts(self) -> None:
        pot = catalogue.template(messages.library_entries())
        assert pot.get("deal", "record kind") is not None
        assert pot.get("an activity", "unnamed record") is not None
        assert pot.get("Deal", "category") is not None
        assert pot.get("pending", "status") is not None

    def test_a_template_names_where_and_why(self) -> None:
        pot = catalogue.template(
            [
                Entry("{deal} is open", comment="criterion deal_open (condition), when met"),
                Entry("{deal} is open", comment="criterion other (condition), when met"),
                Entry("Busy", location="guided_actions/x.py"),
                Entry("Busy", location="guided_actions/x.py"),
            ]
        )
        [deal_open, busy] = [m for m in pot if m.id]
        assert deal_open.flags == {catalogue.BRACE_FLAG}
        assert len(deal_open.auto_comments) == 2
        assert busy.flags == set()
        assert busy.locations == [("guided_actions/x.py", None)]


def _french(pot: Catalog, **translations: str | tuple[str, ...]) -> Catalog:
    po = catalogue.new_catalogue(pot, "fr")
    for message in po:
        if message.id:
            key = message.id if isinstance(message.id, str) else message.id[0]
            if key in translations:
                message.string = translations[key]
    return po


class TestProblems:
    POT = catalogue.template(
        [Entry("{deal} is open"), Entry("Busy"), Entry("{n} task", plural="{n} tasks")]
    )

    def test_complete(self) -> None:
        po = _french(
            self.POT,
            **{"{deal} is open": "{deal} est ouverte", "Busy": "occupé"},
            **{"{n} task": ("{n} tâche", "{n} tâches", "{n} tâches")},
        )
        assert catalogue.problems(po, self.POT) == []

    def test_untranslated_missing_fuzzy_and_wrong_fields(self) -> None:
        po = _french(self.POT, **{"{deal} is open": "{record} est ouverte"})
        po.delete("Busy")
        problems = catalogue.problems(po, self.POT)
        assert problems == [
            "fr: message '{deal} is open' is translated with fields ['record'], not ['deal']: "
            "'{record} est ouverte'",
            "fr: message 'Busy' has no entry",
            "fr: message '{n} task' is not translated",
        ]
        message = po.get("{deal} is open")
        assert message is not None
        message.string = "{deal} est ouverte"
        message.flags.add("fuzzy")
        assert catalogue.problems(po, self.POT)[0] == "fr: message '{deal} is open' is fuzzy"

    def test_every_plural_form(self) -> None:
        po = _french(
            self.POT,
            **{"{deal} is open": "{deal} est ouverte", "Busy": "occupé"},
            **{"{n} task": ("{n} tâche", "{n} tâches")},
        )
        assert catalogue.problems(po, self.POT) == [
            f"fr: message '{{n}} task' has 2 plural form(s), the language has {po.num_plurals}"
        ]

    def test_merge_keeps_translations_and_adds_the_new(self) -> None:
        po = _french(self.POT, **{"Busy": "occupé"})
        newer = catalogue.template([Entry("Busy"), Entry("Snoozed")])
        merged = catalogue.read_catalogue(catalogue.po_bytes(catalogue.merge(po, newer)), "fr")
        busy, snoozed = merged.get("Busy"), merged.get("Snoozed")
        assert busy is not None
        assert snoozed is not None
        assert (busy.string, snoozed.string) == ("occupé", "")
        assert merged.get("{deal} is open") is None
        assert catalogue.problems(merged, newer) == ["fr: message 'Snoozed' is not translated"]


def test_the_commands_on_a_directory_of_their_own(tmp_path: Path) -> None:
    """extract, init, update, compile and check, end to end, on a copy of the template."""
    root = tmp_path / "locale"
    assert messages.main(["--locale-dir", str(root), "extract"]) == 0
    assert messages.main(["--locale-dir", str(root), "extract", "--check"]) == 0
    assert messages.main(["--locale-dir", str(root), "init", "de"]) == 0
    assert messages.main(["--locale-dir", str(root), "init", "de"]) == 1
    po = root / "de" / "LC_MESSAGES" / "guided_actions.po"
    assert messages.main(["--locale-dir", str(root), "check"]) == 1
    catalog = catalogue.read_catalogue(po.read_bytes(), "de")
    for message in catalog:
        if message.id:
            message.string = (
                message.id
                if isinstance(message.id, str)
                else (message.id[0],) * catalog.num_plurals
            )
    po.write_bytes(catalogue.po_bytes(catalog))
    assert messages.main(["--locale-dir", str(root), "update"]) == 0
    assert messages.main(["--locale-dir", str(root), "check"]) == 0
    assert messages.main(["--locale-dir", str(root), "compile"]) == 0
    with (po.with_suffix(".mo")).open("rb") as fp:
        assert gettext.GNUTranslations(fp).gettext("Reply to email") == "Reply to email"
    (root / "guided_actions.pot").write_text("", encoding="utf-8")
    assert messages.main(["--locale-dir", str(root), "extract", "--check"]) == 1

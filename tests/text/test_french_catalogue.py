"""The French catalogue's content: it parses, every text the library shows a rep has a French
translation that keeps the English placeholders, and its French follows the catalogue's rules.

The catalogue (``locale/fr/LC_MESSAGES/guided_actions.po``) is keyed by the English texts
verbatim. The texts that must be there are read from the library itself, not listed here: every
criterion template (``met`` and ``unmet``, variants included) of the modules that define the
built-in rules, the shared criteria and the engine's own criteria, every rule title and every
call-to-action label. A new criterion without French fails here.
"""

from __future__ import annotations

import io
import re
import string
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import get_args

import pytest
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract
from babel.messages.pofile import read_po

import guided_actions
import guided_actions.criteria
from french_titles import FRENCH_TITLES
from guided_actions._engine.actions import ALL_ACTIONS, CATEGORY_LABELS
from guided_actions._engine.explain import Status
from guided_actions._text.checks import Criterion
from guided_actions._workspace import summary
from guided_actions.rules import BUILTIN_RULES

PO = Path(guided_actions.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "guided_actions.po"


def read_catalogue(path: Path = PO) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale="fr", domain="guided_actions")


CATALOGUE = read_catalogue()
#: Every message but the header.
MESSAGES: list[Message] = [m for m in CATALOGUE if m.id]


def forms(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """A message's id or string as a tuple of forms (one, or one per plural form)."""
    if text is None:
        return ()
    return (text,) if isinstance(text, str) else tuple(text)


def fields(template: str) -> Counter[str]:
    """The placeholder names of a brace template, counted (``ValueError`` if malformed)."""
    return Counter(
        name.split(".")[0].split("[")[0]
        for _text, name, _spec, _conv in string.Formatter().parse(template)
        if name is not None
    )


# -- the texts the library shows, read from the library --------------------------------------


def _criteria(value: object) -> Iterator[Criterion]:
    if isinstance(value, Criterion):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _criteria(item)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _criteria(item)


def criterion_modules() -> list[ModuleType]:
    """The modules that define criteria: each built-in rule's, the one behind the public
    ``guided_actions.criteria`` (found through its functions) and the engine's ``explain``."""
    names = {rule.__module__ for rule in BUILTIN_RULES}
    names.update(
        getattr(guided_actions.criteria, name).__module__
        for name in guided_actions.criteria.__all__
        if callable(getattr(guided_actions.criteria, name))
        and hasattr(getattr(guided_actions.criteria, name), "__module__")
    )
    names.add(guided_actions.explain.__module__)
    return [sys.modules[name] for name in sorted(names) if name.startswith("guided_actions.")]


def library_criteria() -> list[Criterion]:
    """Every criterion the library renders: module-level criteria and variants (also in dicts),
    the public shared criteria and each built-in rule's declared ``criteria``."""
    found: list[Criterion] = []
    for module in criterion_modules():
        for value in vars(module).values():
            found.extend(_criteria(value))
    for name in guided_actions.criteria.__all__:
        found.extend(_criteria(getattr(guided_actions.criteria, name)))
    for rule in BUILTIN_RULES:
        found.extend(_criteria(rule.criteria))
    return found


def templates_of(criteria: Iterable[Criterion]) -> set[str]:
    """The templates to translate: ``met`` and ``unmet``, except a bare placeholder (``{text}``,
    a plugin's own text passed through), which has nothing to translate."""
    return {
        template
        for c in criteria
        for template in (c.met, c.unmet)
        if not re.fullmatch(r"\{\w+\}", template)
    }


#: A message's key in a catalogue: its context (``None``: none) and its English id.
Key = tuple[str | None, str]


def untranslated(keys: Iterable[Key], catalogue: Catalog) -> set[Key]:
    """The messages with no non-fuzzy, non-empty French in ``catalogue``."""
    missing = set()
    for context, text in keys:
        message = catalogue.get(text, context)
        strings = forms(message.string) if message is not None else ()
        if message is None or message.fuzzy or not strings or not all(strings):
            missing.add((context, text))
    return missing


def french_of(context: str | None, text: str) -> tuple[str, ...]:
    """The French forms of one message of the catalogue (which must hold it)."""
    message = CATALOGUE.get(text, context)
    assert message is not None, (context, text)
    return forms(message.string)


def plain(texts: Iterable[str]) -> set[Key]:
    """Messages without a context."""
    return {(None, text) for text in texts}


def workspace_texts() -> set[str]:
    """The workspace's texts: those it marks in its source (``N_("...")``, ``translate(locale,
    "...")``), read as the extractor reads them, and those it makes per call status and
    engagement kind."""
    source = Path(summary.__file__).read_bytes()
    marked = {
        message
        for _line, message, _comments, _context in extract(
            "python", io.BytesIO(source), keywords={"N_": None, "translate": (2,)}
        )
        if isinstance(message, str)
    }
    return marked | set(summary.WORKSPACE_MESSAGES) | set(summary.VERDICT_LABELS.values())


TEMPLATES = templates_of(library_criteria())
TITLES = {rule.title for rule in BUILTIN_RULES}
LABELS = {cta.label for rule in BUILTIN_RULES for cta in rule.calls_to_action}
WORKSPACE = workspace_texts()
CATEGORIES = {("category", label) for label in (*CATEGORY_LABELS.values(), ALL_ACTIONS)}
STATUSES = {("status", status) for status in get_args(Status)}
#: Every text the library shows a rep: criteria, titles, links, categories, statuses and the
#: workspace's texts (the command line's and the renderer's words are their own).
REP_TEXTS: set[Key] = plain(TEMPLATES | TITLES | LABELS | WORKSPACE) | CATEGORIES | STATUSES
REP_MESSAGES: list[Message] = [m for m in MESSAGES if (m.context, forms(m.id)[0]) in REP_TEXTS]


# -- the file ---------------------------------------------------------------------------------


def test_the_catalogue_is_french_with_french_plural_forms() -> None:
    assert CATALOGUE.locale == Locale("fr")
    assert CATALOGUE.num_plurals == 2
    assert CATALOGUE.plural_expr == "(n > 1)"
    assert CATALOGUE.charset == "utf-8"
    headers = dict(CATALOGUE.mime_headers)
    assert headers["Language"] == "fr"
    assert headers["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    assert not CATALOGUE.fuzzy


def test_every_message_has_a_french_string_that_is_not_fuzzy() -> None:
    assert MESSAGES
    empty = [m.id for m in MESSAGES if not forms(m.string) or not all(forms(m.string))]
    fuzzy = [m.id for m in MESSAGES if m.fuzzy]
    assert empty == []
    assert fuzzy == []


def test_a_plural_message_has_the_two_french_forms() -> None:
    for message in MESSAGES:
        if message.pluralizable:
            assert len(forms(message.string)) == 2, message.id


def test_every_french_string_keeps_the_english_placeholders() -> None:
    """Same names, each as many times as in the English (of every form of a plural message)."""
    wrong = []
    for message in MESSAGES:
        english = forms(message.id)
        for i, french in enumerate(forms(message.string)):
            if fields(french) != fields(english[min(i, len(english) - 1)]):
                wrong.append((message.id, french))
    assert wrong == []


def test_every_french_string_formats_with_the_english_fields() -> None:
    """No stray brace, no format spec the English lacks: filled with the English fields'
    values, nothing of the template is left."""
    for message in MESSAGES:
        for english, french in zip(forms(message.id), forms(message.string), strict=False):
            values = {name: f"<{name}>" for name in fields(english)}
            text = french.format_map(values)
            assert "{" not in text, french
            assert "}" not in text, french
            assert all(value in text for value in values.values()), french


# -- completeness: read from the library -----------------------------------------------------


def test_the_library_criteria_are_read_variants_included() -> None:
    """The walk finds the declared criteria and the variants only the modules hold."""
    declared = templates_of(c for rule in BUILTIN_RULES for c in rule.criteria)
    assert declared < TEMPLATES
    # Variants, which no rule declares: of a shared criterion (in a dict), of a rule's own,
    # and the engine's own criteria.
    assert "you have not emailed {contact}" in TEMPLATES
    assert "{task} is completed" in TEMPLATES
    assert "{call} has no status (made with built-in calling: {builtin})" in TEMPLATES
    assert "you snoozed the action until {until}" in TEMPLATES
    assert "{text}" not in TEMPLATES


def test_every_criterion_template_has_french() -> None:
    assert untranslated(plain(TEMPLATES), CATALOGUE) == set()


def test_a_new_criterion_without_french_is_reported() -> None:
    new = Criterion("deal_is_shiny", met="{deal} is shiny", unmet="{deal} is dull")
    found = untranslated(plain(templates_of([*library_criteria(), new])), CATALOGUE)
    assert found == {(None, "{deal} is shiny"), (None, "{deal} is dull")}


def test_a_fuzzy_or_empty_translation_counts_as_missing() -> None:
    catalogue = read_catalogue()
    catalogue["{record} is yours"].flags.add("fuzzy")
    catalogue["{record} is not yours (owner: {owner})"].string = ""
    assert untranslated(plain(TEMPLATES), catalogue) == {
        (None, "{record} is yours"),
        (None, "{record} is not yours (owner: {owner})"),
    }


def test_a_message_of_another_context_does_not_count() -> None:
    """A status is looked up with its context: the same word without it is another message."""
    catalogue = read_catalogue()
    catalogue.delete("active", context="status")
    catalogue.add("active", "active")
    assert untranslated(STATUSES, catalogue) == {("status", "active")}


def test_the_rule_titles_are_the_products_own() -> None:
    assert len(BUILTIN_RULES) == len(FRENCH_TITLES)
    french = {rule.title: CATALOGUE[rule.title].string for rule in BUILTIN_RULES}
    assert french == dict(zip((rule.title for rule in BUILTIN_RULES), FRENCH_TITLES, strict=True))


def test_every_call_to_action_label_has_french() -> None:
    assert "Enroll new contacts in a sequence" in LABELS
    assert untranslated(plain(LABELS), CATALOGUE) == set()
    # The article's own words for its first links.
    assert CATALOGUE["Start tasks"].string == "Commencer les tâches"
    assert (
        CATALOGUE["Enroll new contacts in a sequence"].string
        == "Inscrire de nouveaux contacts dans une séquence"
    )


def test_every_category_status_and_workspace_text_has_french() -> None:
    assert len(CATEGORIES) == 4
    assert len(STATUSES) == 6
    # Read from the source (marked), made per value (feed), and the verdicts.
    assert {"Meeting {title} started", "Call (no_answer)", "Not really", "Busy"} <= WORKSPACE
    assert untranslated(CATEGORIES | STATUSES | plain(WORKSPACE), CATALOGUE) == set()


def test_the_articles_words_are_the_french() -> None:
    """Views, feedback and a busy meeting are worded as the product's French article words
    them."""
    french = {
        key: french_of(*key)
        for key in [
            ("category", "Deal"),
            ("category", "Prospecting"),
            ("category", "All actions"),
            (None, "Yes, keep it up"),
            (None, "Not really"),
            (None, "Busy"),
        ]
    }
    assert french == {
        ("category", "Deal"): ("Associées à une transaction",),
        ("category", "Prospecting"): ("Associées à la prospection",),
        ("category", "All actions"): ("Toutes les actions",),
        (None, "Yes, keep it up"): ("Oui, continuez",),
        (None, "Not really"): ("Pas vraiment",),
        (None, "Busy"): ("occupé",),
    }


def test_the_statuses_are_distinct() -> None:
    """Six statuses, six French words: a reader tells them apart."""
    assert len({french_of(context, status) for context, status in STATUSES}) == len(STATUSES)


# -- the French itself (of the texts shown to a rep) -----------------------------------------------

#: English words that have no business in a French sentence (none of them is a French word).
ENGLISH_WORDS = frozenset(
    re.findall(
        r"\w+",
        """the is are was were has have had not you your yours of at by from since after until no
        and or which it its this that with without there been being yet still ago more less than
        before every none own stage deal deals email emails meeting task tasks call calls""",
    )
)


def words(text: str) -> set[str]:
    """The words of a text, placeholders left out."""
    return set(re.findall(r"[^\W\d_]+", re.sub(r"\{[^}]*\}", " ", text).lower()))


def test_no_english_word_is_left_in_the_french() -> None:
    leaks = {
        french: sorted(words(french) & ENGLISH_WORDS)
        for message in REP_MESSAGES
        for french in forms(message.string)
        if words(french) & ENGLISH_WORDS
    }
    assert leaks == {}
    assert len(REP_MESSAGES) == len(REP_TEXTS)


def test_the_english_words_check_sees_english() -> None:
    assert words("{deal} is in open stage {stage}") & ENGLISH_WORDS == {"is", "stage"}
    assert words("{deal} est en phase {stage}, une phase ouverte") & ENGLISH_WORDS == set()


def test_one_typography_throughout() -> None:
    """Straight apostrophes; a space before and after ``:`` and ``;`` (French punctuation),
    none before ``,``; no doubled or surrounding space."""
    for message in REP_MESSAGES:
        for french in forms(message.string):
            assert "\u2019" not in french, french
            assert french == french.strip(), french
            assert "  " not in french, french
            assert not re.search(r"[^ ][:;]|[:;][^ ]", french), french
            assert " ," not in french, french


def test_a_sentence_starts_as_its_english_does() -> None:
    """A title or label starts with a capital, a reason in lower case or with a placeholder (it
    reads as an item of a list): the French starts as its English does. "Busy" is the
    exception: it is mostly read inside a sentence ("réunion m1 (occupé)"), in lower case as
    the article writes it."""
    for message in REP_MESSAGES:
        for english, french in zip(forms(message.id), forms(message.string), strict=False):
            if english == "Busy":
                assert french == "occupé"
            elif english[0].isupper():
                assert french[0].isupper(), french
            else:
                assert french[0] == "{" or french[0].islower(), french


#: Placeholders whose text may start with a vowel in French (un e-mail, un appel, une activité,
#: une entreprise, un engagement…): a word that elides before a vowel must not precede them.
VOWEL_PLACEHOLDERS = ("activity", "activities", "email", "sender", "event", "engagement")
ELIDING = ("de", "que", "le", "la", "ne", "se", "ce", "jusque", "lorsque", "puisque")


@pytest.mark.parametrize("name", VOWEL_PLACEHOLDERS)
def test_no_elision_is_missed_before_a_record_that_may_start_with_a_vowel(name: str) -> None:
    pattern = re.compile(rf"\b(?:{'|'.join(ELIDING)}) \{{{name}\}}", re.IGNORECASE)
    assert [f for m in MESSAGES for f in forms(m.string) if pattern.search(f)] == []


def test_the_elision_check_sees_a_missed_elision() -> None:
    pattern = re.compile(rf"\b(?:{'|'.join(ELIDING)}) \{{activity\}}", re.IGNORECASE)
    assert pattern.search("depuis la fin de {activity}")
    assert not pattern.search("{activity} a pris fin le {end}")

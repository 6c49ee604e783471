"""MkDocs hook: one reference page per built-in rule, generated from the rule's declared data.

Nothing about a rule is written by hand in the docs: the title (and its translation in each
shipped language, from the library's catalogues), id, category, priority, subject kind,
grouping, ``created_at`` and expiry columns, the thresholds (defaults read from the class's
attrs defaults, descriptions from ``threshold_docs()``), the calls to action and the
specification (the class docstring) all come from ``guided_actions.rules.BUILTIN_RULES``. A rule
that changes changes its page.

``on_config`` adds the generated pages to the ``Reference > Rules`` section of the nav;
``on_files`` adds them to the build as virtual files (``File.generated``, MkDocs 1.6+).
"""

from __future__ import annotations

import inspect
from datetime import timedelta
from typing import Any

from babel import Locale

from guided_actions._text.i18n import SOURCE_LOCALE, shipped_locales
from guided_actions._text.render import format_duration, render_template
from guided_actions.rules import BUILTIN_RULES, Rule

RULES_DIR = "reference/rules"
RULES_SECTION = "Rules"


def page_path(cls: type[Rule]) -> str:
    return f"{RULES_DIR}/{cls.id}.md"


def criterion_text(template: str, fields: frozenset[str], defaults: dict[str, timedelta]) -> str:
    """A criterion's template with the rule's default thresholds filled in, other data shown
    as its placeholder (``{deal}``), in code style."""
    return render_template(template, {name: defaults.get(name, f"`{{{name}}}`") for name in fields})


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def calls_to_action_table(cls: type[Rule]) -> list[str]:
    """The links the rule's cards offer, in order, as a table (every action carries them)."""
    if not cls.calls_to_action:
        return ["This rule declares no calls to action."]
    return [
        "The links every card of this rule offers, in order, as `calls_to_action` carries them: "
        "a `queue` link launches a queue of the card's work, a `records` link opens its records "
        "one by one. The label is the English text a translation catalogue translates.",
        "",
        "| id | label | opens |",
        "|---|---|---|",
        *(f"| `{c.id}` | {_cell(c.label)} | `{c.opens}` |" for c in cls.calls_to_action),
    ]


def render_rule(cls: type[Rule]) -> str:
    """The Markdown page of one rule."""
    defaults = cls().thresholds()
    docs = cls.threshold_docs()
    grouping = (
        f"grouped by default: {cls.grouping}"
        if cls.grouped
        else f"not grouped by default ({cls.grouping})"
    )
    lines = [
        f"# {cls.title}",
        "",
        "<!-- Generated from the rule class by docs/hooks/rule_pages.py: edit the class. -->",
        "",
        "| | |",
        "|---|---|",
        *(
            f"| title in {Locale.parse(lang).english_name} | {_cell(cls.localized_title(lang))} |"
            for lang in shipped_locales()
            if lang != SOURCE_LOCALE
        ),
        f"| id | `{cls.id}` |",
        f"| class | `guided_actions.rules.{cls.__name__}` |",
        f"| category | `{cls.category}` |",
        f"| priority | `{cls.priority}` |",
        f"| subject kind | `{cls.subject_kind}` |",
        f"| grouping | {_cell(grouping)} |",
        f"| `created_at` | {_cell(cls.created_at_doc)} |",
        f"| expires | {_cell(cls.expires_doc)} |",
        "",
        "## Thresholds",
        "",
    ]
    if defaults:
        lines += ["| name | default | description |", "|---|---|---|"]
        lines += [
            f"| `{name}` | {format_duration(value)} | {_cell(docs.get(name, ''))} |"
            for name, value in defaults.items()
        ]
        lines += [
            "",
            "Change them with `Config(thresholds={"
            f'"{cls.id}": {{"{next(iter(defaults))}": timedelta(...)}}}})`.',
        ]
    else:
        lines.append("This rule has no thresholds.")
    lines += ["", "## Calls to action", ""]
    lines += calls_to_action_table(cls)
    lines += ["", "## Criteria", ""]
    lines += [
        "Every criterion the rule evaluates, by stable id, with its text at the default "
        "thresholds (a `{placeholder}` stands for the records and instants of each case). "
        "A *condition* needs the data to change; a *wait* only needs time to pass (the "
        "action is pending until then); a *limit* holds until the action's time limit "
        "(then it has expired).",
        "",
        "| criterion | role | when met | when not met |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{c.id}` | {c.role} | {_cell(criterion_text(c.met, c.fields, defaults))} "
        f"| {_cell(criterion_text(c.unmet, c.fields, defaults))} |"
        for c in cls.criteria
    ]
    lines += ["", "## Specification", "", inspect.getdoc(cls) or "", ""]
    return "\n".join(lines)


def render_index() -> str:
    """The rules catalogue: one row per rule, in the order of the rule table."""
    lines = [
        "# Rules",
        "",
        "<!-- Generated from guided_actions.rules.BUILTIN_RULES by docs/hooks/rule_pages.py. -->",
        "",
        f"The {len(BUILTIN_RULES)} built-in rules, in the order of the product's rule table. "
        "Each page is generated from the rule class itself: its declared data and its docstring.",
        "",
        "| rule | id | category | priority | subject | grouped | thresholds | calls to action |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for cls in BUILTIN_RULES:
        thresholds = ", ".join(
            f"`{name}` {format_duration(value)}" for name, value in cls().thresholds().items()
        )
        links = ", ".join(f"{c.label} ({c.opens})" for c in cls.calls_to_action)
        lines.append(
            f"| [{cls.title}]({cls.id}.md) | `{cls.id}` | {cls.category} | {cls.priority} "
            f"| {cls.subject_kind} | {'yes' if cls.grouped else 'no'} | {thresholds or '—'} "
            f"| {_cell(links) or '—'} |"
        )
    lines.append("")
    return "\n".join(lines)


def generated_pages() -> dict[str, str]:
    """Every generated page, by its path under ``docs/``."""
    pages = {f"{RULES_DIR}/index.md": render_index()}
    pages.update({page_path(cls): render_rule(cls) for cls in BUILTIN_RULES})
    return pages


def _rules_section(nav: list[Any]) -> list[Any] | None:
    for item in nav:
        if isinstance(item, dict):
            for title, value in item.items():
                if title == RULES_SECTION and isinstance(value, list):
                    return value
                if isinstance(value, list):
                    found = _rules_section(value)
                    if found is not None:
                        return found
    return None


def on_config(config: Any) -> Any:
    section = _rules_section(config["nav"] or [])
    if section is None:
        raise ValueError(f"mkdocs.yml nav needs a {RULES_SECTION!r} section for the rule pages")
    section[:] = [f"{RULES_DIR}/index.md"] + [{cls.title: page_path(cls)} for cls in BUILTIN_RULES]
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    for path, content in generated_pages().items():
        files.append(File.generated(config, path, content=content))
    return files

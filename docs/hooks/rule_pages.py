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
from typing import Any

from babel import Locale

from guided_actions._rules.facts import RuleFacts, rule_facts
from guided_actions._text.render import format_duration  # noqa: F401  (the pages' durations)
from guided_actions.rules import BUILTIN_RULES, Rule

RULES_DIR = "reference/rules"
RULES_SECTION = "Rules"


def page_path(cls: type[Rule]) -> str:
    return f"{RULES_DIR}/{cls.id}.md"


def facts(cls: type[Rule]) -> RuleFacts:
    """The rule's facts in English, as the ``rules`` command lists them: a criterion's text with
    the rule's default thresholds filled in, other data shown as its placeholder (``{deal}``),
    in code style."""
    return rule_facts(cls, show_field=lambda name: f"`{{{name}}}`")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def calls_to_action_table(cls: type[Rule]) -> list[str]:
    """The links the rule's cards offer, in order, as a table (every action carries them)."""
    calls = facts(cls).calls_to_action
    if not calls:
        return ["This rule declares no calls to action."]
    return [
        "The links every card of this rule offers, in order, as `calls_to_action` carries them: "
        "a `queue` link launches a queue of the card's work, a `records` link opens its records "
        "one by one. The label is the English text a translation catalogue translates.",
        "",
        "| id | label | opens |",
        "|---|---|---|",
        *(f"| `{c.id}` | {_cell(c.label)} | `{c.opens}` |" for c in calls),
    ]


def render_rule(cls: type[Rule]) -> str:
    """The Markdown page of one rule."""
    rule = facts(cls)
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
            f"| title in {Locale.parse(lang).english_name} | {_cell(title)} |"
            for lang, title in rule.titles.items()
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
    if rule.thresholds:
        lines += ["| name | default | description |", "|---|---|---|"]
        lines += [f"| `{t.name}` | {t.default_text} | {_cell(t.doc)} |" for t in rule.thresholds]
        lines += [
            "",
            "Change them with `Config(thresholds={"
            f'"{cls.id}": {{"{rule.thresholds[0].name}": timedelta(...)}}}})`.',
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
    lines += [f"| `{c.id}` | {c.role} | {_cell(c.met)} | {_cell(c.unmet)} |" for c in rule.criteria]
    lines += worked_example(cls)
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
        rule = facts(cls)
        thresholds = ", ".join(f"`{t.name}` {t.default_text}" for t in rule.thresholds)
        links = ", ".join(f"{c.label} ({c.opens})" for c in rule.calls_to_action)
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


# -- The worked example of each rule (its data: docs/hooks/examples.py) -----------------------


def _examples() -> Any:
    """The examples module, loaded from its file next to this hook (hooks are not a package)."""
    import importlib.util
    import sys
    from pathlib import Path

    name = "guided_actions_docs_examples"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("examples.py"))
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _run_example(code: str) -> str:
    """Execute a page's example code and return what it prints."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<worked example>", "exec"), {"__name__": "worked_example"})
    return out.getvalue()


def worked_example(cls: type[Rule]) -> list[str]:
    """The page's worked example: the example's code and what it printed when the site was
    built, the action as a dict, and the near miss with ``explain``'s answer. A rule without an
    example (a plugin's) gets no section."""
    import json
    import re

    import guided_actions.testing

    examples = _examples()
    example = examples.BY_RULE.get(cls.id)
    if example is None:
        return []
    used = set(re.findall(r"\b(\w+)\(", " ".join((*example.records, example.near_miss))))
    builders = sorted((used | {"build"}) & set(guided_actions.testing.__all__))
    imports = (
        f"from guided_actions.rules import {cls.__name__}\n"
        "from guided_actions.testing import "
        + ", ".join(["NOW", *builders, "explain_rule", "run_rule"])
        + "\n\n"
    )
    fires = (
        f"snapshot = {examples.source(example.records)}\n"
        f"[action] = run_rule({cls.__name__}, snapshot, NOW)\n"
        "print(action.title)\n"
        "for reason in action.reasons:\n"
        '    print("-", reason)\n'
    )
    near_miss = (
        f"near_miss = {examples.source(example.near_miss_records)}\n"
        f"print(run_rule({cls.__name__}, near_miss, NOW))\n"
        f'why = explain_rule({cls.__name__}, near_miss, "{example.subject}", NOW)\n'
        "print(why.status)\n"
        "for check in why.checks:\n"
        '    print("yes" if check.met else "NO ", check)\n'
    )
    printed = _run_example(imports + fires + near_miss)
    [action] = example.actions()
    shown, missed = printed.split("[]\n", 1)
    return [
        "",
        "## Worked example",
        "",
        "The smallest snapshot where the rule fires, built with "
        "[`guided_actions.testing`](../api/guided_actions.testing.md) (`build` adds the users "
        "`u1`, `u2` and `admin` and the pipelines `deals` and `leads`) and evaluated for `u1` at "
        "`NOW`, Thursday 2026-11-26 12:00 UTC. This code ran when this page was built:",
        "",
        "```python",
        (imports + fires).rstrip("\n"),
        "```",
        "",
        "<!-- output -->",
        "```text",
        shown.rstrip("\n"),
        "```",
        "",
        "The action, as `action.to_dict()` gives it:",
        "",
        "```json",
        json.dumps(action.to_dict(), indent=2, ensure_ascii=False),
        "```",
        "",
        "### Why not: a near miss",
        "",
        f"The same snapshot with `{example.near_miss}` instead of "
        f"`{example.records[example.changed]}`: the rule gives no action, and "
        f"[`explain`](../../how-to/why-no-action.md) says which criterion does not hold "
        f"(`{example.unmet}`):",
        "",
        "```python",
        near_miss.rstrip("\n"),
        "```",
        "",
        "<!-- output -->",
        "```text",
        ("[]\n" + missed).rstrip("\n"),
        "```",
    ]


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

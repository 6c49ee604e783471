"""The docs site's hooks and the rule pages' worked examples, as plain functions.

The built site itself is checked in a real browser by ``docs/checks/test_site_in_browser.py``,
which needs the system's Chromium and the ``docs`` extra: ``.ci/run`` installs both and runs it
(``python -m pytest docs/checks``).
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from pathlib import Path
from typing import Any

import attrs
import pytest

import guided_actions
from guided_actions.rules import BUILTIN_RULES

ROOT = Path(__file__).resolve().parent.parent
HOOKS = ROOT / "docs" / "hooks"


def _hook(name: str) -> Any:
    """A module of docs/hooks/, loaded from its file (the hooks are not a package)."""
    module_name = f"guided_actions_docs_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, HOOKS / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


# -- reST docstrings as Markdown (docs/hooks/rest_roles.py) -----------------------------------


class TestRestRoles:
    def convert(self, text: str, known: dict[str, str] | None = None) -> str:
        return str(_hook("rest_roles").rest_to_markdown(text, (known or {}).get))

    @pytest.mark.parametrize("role", ["class", "func", "meth", "data", "attr", "mod", "exc"])
    def test_a_role_is_a_cross_reference_to_the_resolved_name(self, role: str) -> None:
        """Each role links to the object its target resolves to, and shows the target."""
        got = self.convert(f"see :{role}:`Snapshot` here", {"Snapshot": "guided_actions.Snapshot"})
        assert got == (
            'see <autoref identifier="guided_actions.Snapshot" optional>'
            "<code>Snapshot</code></autoref> here"
        )

    def test_dotted_targets_and_tilde(self) -> None:
        """``~a.b.c`` shows ``c``; a dotted target is resolved by its first part."""
        rest_roles = _hook("rest_roles")
        got = rest_roles.rest_to_markdown(
            ":meth:`~Result.filter` and :meth:`Result.top`",
            lambda target: {"Result.filter": "pkg.Result.filter", "Result.top": "pkg.Result.top"}[
                target
            ],
        )
        assert got == (
            '<autoref identifier="pkg.Result.filter" optional><code>filter</code></autoref> and '
            '<autoref identifier="pkg.Result.top" optional><code>Result.top</code></autoref>'
        )

    def test_titled_role(self) -> None:
        """``title <target>`` shows the title, links the target."""
        got = self.convert(":func:`the evaluator <evaluate>`", {"evaluate": "ga.evaluate"})
        assert (
            got == '<autoref identifier="ga.evaluate" optional><code>the evaluator</code></autoref>'
        )

    def test_an_unresolved_name_keeps_its_target_and_is_escaped(self) -> None:
        """A name the resolver does not know stays as written (an optional link: plain code when
        the site does not document it), HTML-escaped."""
        got = self.convert(":class:`dict[str, <x>]`")
        assert got == (
            '<autoref identifier="dict[str, &lt;x&gt;]" optional>'
            "<code>dict[str, &lt;x&gt;]</code></autoref>"
        )

    def test_literals(self) -> None:
        """``x`` becomes `x`; single backticks (already Markdown code) are kept."""
        assert self.convert('a ``None`` and `x` and ``"kind:id"``') == (
            'a `None` and `x` and `"kind:id"`'
        )

    def test_literal_block_of_python(self) -> None:
        """``text::`` ends with a colon and its indented block is fenced as Python."""
        text = "Build one::\n\n    snapshot = build()\n    print(snapshot)\n\nThen more."
        assert self.convert(text) == (
            "Build one:\n\n```python\nsnapshot = build()\nprint(snapshot)\n```\n\nThen more."
        )

    def test_literal_block_of_text(self) -> None:
        """A block that is not Python is fenced as text; a bare ``::`` line disappears."""
        text = "Hierarchy:\n\n::\n\n    Error\n    ├── ValueError (x)\n"
        assert self.convert(text) == "Hierarchy:\n\n\n```text\nError\n├── ValueError (x)\n```\n"

    def test_text_without_markup_is_unchanged(self) -> None:
        text = "Plain *text* with a list:\n\n- one\n- two"
        assert self.convert(text) == text

    def test_resolver_uses_the_docstring_scope(self) -> None:
        """The extension resolves a name as the module that wrote it imports it."""
        import griffe

        rest_roles = _hook("rest_roles")
        package = griffe.load("guided_actions", search_paths=[str(ROOT / "src")])
        resolve = rest_roles.resolver(package)
        assert resolve("Snapshot") == "guided_actions._snapshot.snapshot.Snapshot"
        assert resolve("Result.filter") == "guided_actions._engine.actions.Result.filter"
        assert resolve("no_such_name") is None


# -- Output blocks (docs/hooks/output_blocks.py) ----------------------------------------------


class TestOutputBlocks:
    def test_a_block_after_the_marker_is_labelled(self) -> None:
        label = _hook("output_blocks").label_outputs
        text = "```python\nprint(1)\n```\n\n<!-- output -->\n```text\n1\n```\n"
        assert label(text) == (
            '```python\nprint(1)\n```\n\n<!-- output -->\n``` { .text .output title="Output" }\n'
            "1\n```\n"
        )

    def test_other_blocks_are_not(self) -> None:
        """Code, and a text block without the marker, stay as they are."""
        label = _hook("output_blocks").label_outputs
        text = "```python\nprint(1)\n```\n\n```text\n1\n```\n<!-- no-test -->\n```python\nx\n```\n"
        assert label(text) == text

    def test_indented_blocks_keep_their_indent(self) -> None:
        """A block in a list item or an admonition is labelled at its own indent."""
        label = _hook("output_blocks").label_outputs
        text = "1. Run:\n\n    <!-- output -->\n    ```text\n    1\n    ```\n"
        assert label(text) == (
            "1. Run:\n\n    <!-- output -->\n"
            '    ``` { .text .output title="Output" }\n    1\n    ```\n'
        )


# -- The generated API pages (docs/hooks/api_pages.py) ----------------------------------------


class TestApiPages:
    def test_the_public_modules(self) -> None:
        """Public submodules are those without a leading underscore that declare __all__: the
        documented ones at least, alphabetically, and never a private one."""
        modules = _hook("api_pages").public_modules()
        known = ["criteria", "errors", "frames", "hookspecs", "plot", "rules", "synthetic"]
        known += ["testing", "typing"]
        assert {f"guided_actions.{name}" for name in known} <= set(modules)
        assert modules == sorted(modules)
        for name in modules:
            assert not name.split(".")[1].startswith("_")
            assert hasattr(importlib.import_module(name), "__all__")
        assert "guided_actions.hookspecs" in modules
        assert not any(name.startswith("guided_actions._") for name in modules)

    def test_the_package_page_documents_every_public_name(self) -> None:
        """One directive per name of ``guided_actions.__all__``, each once."""
        page = _hook("api_pages").generated_pages()["reference/api/guided_actions.md"]
        directives = re.findall(r"^::: guided_actions\.(\w+)$", page, re.MULTILINE)
        assert sorted(directives) == sorted(guided_actions.__all__)

    def test_a_name_added_to_all_appears_without_an_edit(self) -> None:
        """The page follows ``__all__``: a new name gets its directive, in its group."""
        api_pages = _hook("api_pages")
        module = types.ModuleType("guided_actions.example")

        def replay() -> None:
            """A function."""

        class Event:
            """A class."""

        module.replay = replay  # type: ignore[attr-defined]
        module.Event = Event  # type: ignore[attr-defined]
        module.LIMIT = 3  # type: ignore[attr-defined]
        module.__all__ = ["LIMIT", "Event", "replay"]  # type: ignore[attr-defined]
        page = api_pages.render_module(module)
        sections = re.split(r"^## ", page, flags=re.MULTILINE)
        assert [s.splitlines()[0] for s in sections[1:]] == ["Functions", "Classes", "Data"]
        assert "::: guided_actions.example.replay" in sections[1]
        assert "::: guided_actions.example.Event" in sections[2]
        assert "::: guided_actions.example.LIMIT" in sections[3]

    def test_records_are_grouped_apart(self) -> None:
        api_pages = _hook("api_pages")
        assert api_pages.group_of(guided_actions.Deal) == "Records"
        assert api_pages.group_of(guided_actions.Snapshot) == "Classes"
        assert api_pages.group_of(guided_actions.evaluate) == "Functions"
        assert api_pages.group_of(guided_actions.DEFAULT_LIFECYCLE_STAGES) == "Data"


# -- Worked examples (docs/hooks/examples.py, shown by docs/hooks/rule_pages.py) --------------


def _examples() -> Any:
    return _hook("rule_pages")._examples()


def test_every_built_in_rule_has_one_example() -> None:
    assert [e.rule for e in _examples().EXAMPLES] == [cls.id for cls in BUILTIN_RULES]


@pytest.mark.parametrize("cls", BUILTIN_RULES, ids=lambda c: c.id)
class TestWorkedExample:
    def test_the_example_fires_exactly_its_rules_action(
        self, cls: type[guided_actions.Rule]
    ) -> None:
        """Run alone, the rule gives one action, about the example's subject; explained, that
        record is active and every check holds."""
        example = _examples().BY_RULE[cls.id]
        [action] = example.actions()
        kind, _, rid = example.subject.partition(":")
        assert (action.rule, action.subjects) == (cls.id, ((kind, rid),))
        explanation = example.explanation()
        assert explanation.status == "active"
        assert all(check.met for check in explanation.checks)

    def test_the_near_miss_does_not_fire(self, cls: type[guided_actions.Rule]) -> None:
        """With one field changed, no action, and exactly the named criterion fails."""
        example = _examples().BY_RULE[cls.id]
        assert example.actions(near_miss=True) == []
        explanation = example.explanation(near_miss=True)
        assert explanation.status != "active"
        assert [c.id for c in explanation.checks if not c.met] == [example.unmet]

    def test_the_near_miss_changes_one_field(self, cls: type[guided_actions.Rule]) -> None:
        """The near miss rebuilds one record of the example with exactly one field changed."""
        examples = _examples()
        example = examples.BY_RULE[cls.id]
        before = examples.record(example.records[example.changed])
        after = examples.record(example.near_miss)
        assert type(before) is type(after)
        changed = [
            f.name
            for f in attrs.fields(type(before))
            if getattr(before, f.name) != getattr(after, f.name)
        ]
        assert len(changed) == 1, changed

    def test_the_page_shows_the_example_as_it_ran(self, cls: type[guided_actions.Rule]) -> None:
        """The rule's page has the worked example: the code, its output (the title and reasons),
        the action's dict and the near miss's explanation."""
        example = _examples().BY_RULE[cls.id]
        page = _hook("rule_pages").render_rule(cls)
        section = page.split("\n## Worked example\n", 1)[1].split("\n## Specification\n", 1)[0]
        [action] = example.actions()
        assert f'"key": "{action.key}"' in section
        assert f"[action] = run_rule({cls.__name__}, snapshot, NOW)" in section
        shown = "\n".join([action.title, *(f"- {r}" for r in action.reasons)])
        assert f"<!-- output -->\n```text\n{shown}\n```" in section
        why = example.explanation(near_miss=True)
        lines = "\n".join(f"{'yes' if c.met else 'NO '} {c}" for c in why.checks)
        assert f"```text\n[]\n{why.status}\n{lines}\n```" in section
        assert example.near_miss in section

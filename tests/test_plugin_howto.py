"""The plugin docs cannot drift from the code they describe.

- ``docs/how-to/write-a-plugin.md`` shows the example plugin's module verbatim: the python blocks
  after a ``<!-- source: PATH -->`` line, joined by two blank lines, are the file ``PATH``; a block
  after an ``<!-- excerpt: PATH -->`` line is a verbatim piece of ``PATH``;
- ``docs/reference/hooks.md`` documents every hook with its signature, and ``load_rules`` and
  ``RuleSet`` in full;
- ``docs/reference/rule-api.md`` names every member of the plugin contract;
- ``docs/explanation/workspace.md`` explains every key of ``Summary.to_dict()``.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import re
import tomllib
from pathlib import Path
from typing import Any, get_type_hints

import attrs
import pytest

import guided_actions
from guided_actions import (
    Proposal,
    Rule,
    RuleContext,
    RuleSet,
    criteria,
    hookspecs,
    load_rules,
    summarize,
    testing,
)
from guided_actions import typing as ga_typing
from guided_actions._plugins.loader import ENTRY_POINT_GROUP
from guided_actions.testing import NOW, at, build, meeting, sequence, task

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
HOWTO = DOCS / "how-to" / "write-a-plugin.md"
HOOKS = DOCS / "reference" / "hooks.md"
RULE_API = DOCS / "reference" / "rule-api.md"
WORKSPACE = DOCS / "explanation" / "workspace.md"
EXAMPLE = ROOT / "examples" / "plugin-stale-deals"
EXAMPLE_MODULE = "examples/plugin-stale-deals/src/stale_deals/__init__.py"

_MARKED = re.compile(
    r"^<!-- (?P<kind>source|excerpt): (?P<path>\S+) -->\n```(?P<lang>\w*)\n(?P<body>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)


def marked_blocks(page: Path, kind: str) -> dict[str, list[str]]:
    """The bodies of the blocks marked ``kind`` on the page, by the path they name, in order."""
    found: dict[str, list[str]] = {}
    for m in _MARKED.finditer(page.read_text(encoding="utf-8")):
        if m["kind"] == kind:
            found.setdefault(m["path"], []).append(m["body"])
    return found


def _named(text: str, name: str) -> bool:
    """``name`` appears in backticks, alone or as the start of a call or attribute."""
    return re.search(rf"`(?:[\w.]+\.)?{re.escape(name)}\b", text) is not None


class TestHowTo:
    """The how-to shows the real example plugin."""

    def test_the_module_is_shown_in_full(self) -> None:
        """The source blocks of the how-to, joined by two blank lines, are the plugin's module."""
        sources = marked_blocks(HOWTO, "source")
        assert set(sources) == {EXAMPLE_MODULE}
        shown = "\n\n".join(sources[EXAMPLE_MODULE])
        assert shown == (ROOT / EXAMPLE_MODULE).read_text(encoding="utf-8")

    def test_excerpts_are_verbatim(self) -> None:
        """Every excerpt block is a verbatim piece of the file it names (test and pyproject)."""
        excerpts = marked_blocks(HOWTO, "excerpt")
        assert set(excerpts) == {
            "examples/plugin-stale-deals/pyproject.toml",
            "examples/plugin-stale-deals/tests/test_stale_deals.py",
        }
        for path, bodies in excerpts.items():
            text = (ROOT / path).read_text(encoding="utf-8")
            for body in bodies:
                assert body in text, f"{path}: not a verbatim excerpt:\n{body}"

    def test_the_example_registers_in_the_documented_group(self) -> None:
        """The example's pyproject declares its module in the entry-point group the docs name."""
        project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
        assert project["project"]["entry-points"][ENTRY_POINT_GROUP] == {
            "stale_deals": "stale_deals"
        }
        assert f"entry-point group `{ENTRY_POINT_GROUP}`" in HOWTO.read_text(encoding="utf-8")

    def test_rules_listing_shown_is_what_the_program_prints(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The `guided-actions rules` lines shown for the installed example are the real ones."""
        from guided_actions._adapters.cli import main, reading

        monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
        plugin = importlib.import_module("stale_deals")
        monkeypatch.setattr(
            reading,
            "load_rules",
            lambda entry_points=True: load_rules([plugin], entry_points=False),
        )
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["rules"]) == 0
        printed = out.getvalue().splitlines()
        text = HOWTO.read_text(encoding="utf-8")
        shown = text.split("guided-actions rules\n```\n\n```text\n", 1)[1].split("```", 1)[0]
        lines = [line for line in shown.splitlines() if line != "…"]
        assert len(lines) >= 5
        assert all(line in printed for line in lines), (lines, printed)


class TestHowToForAReader:
    """What a reader does in order works: tests/test_plugin_kit_venv.py does it; these checks
    need no environment."""

    @staticmethod
    def _fences(text: str) -> list[tuple[str | None, str, str]]:
        """``(marker, lang, body)`` of every fenced block, in order."""
        return [
            (m["marker"], m["lang"], m["body"])
            for m in re.finditer(
                r"(?:^<!-- (?P<marker>[\w-]+)[^\n]*-->\n)?^```(?P<lang>\w*)\n(?P<body>.*?)^```$",
                text,
                re.MULTILINE | re.DOTALL,
            )
        ]

    def test_pytest_is_installed_before_it_is_imported(self) -> None:
        """The first block to run is the set-up, installing the library and pytest; every
        `import pytest` comes after it."""
        fences = [f for f in self._fences(HOWTO.read_text(encoding="utf-8")) if f[1] != "text"]
        marker, lang, body = fences[0]
        assert (marker, lang) == (None, "bash")
        assert "python -m pip install guided-actions pytest\n" in body
        assert any("import pytest" in b for _, lang, b in fences[1:] if lang == "python")

    def test_the_module_is_the_blocks_the_page_names(self) -> None:
        """Every python block of sections 1 and 2, and the first of section 10, is a block of
        the module; no other block is."""
        text = HOWTO.read_text(encoding="utf-8")
        sections = re.split(r"^## (?=\d+\. )", text, flags=re.MULTILINE)[1:]
        by_number = {int(s.split(".", 1)[0]): s for s in sections}
        for number, section in by_number.items():
            python = [(m, b) for m, lang, b in self._fences(section) if lang == "python"]
            sources = [m == "source" for m, _ in python]
            if number in (1, 2):
                assert sources, number
                assert all(sources), number
            elif number == 10:
                assert sources[0], number
                assert not any(sources[1:]), number
            else:
                assert not any(sources), number


def _hook_names() -> list[str]:
    return [
        name
        for name, value in vars(hookspecs).items()
        if callable(value) and hasattr(value, f"{hookspecs.PROJECT_NAME}_spec")
    ]


def _signature(func: Any) -> str:
    return str(inspect.signature(func)).replace("'", "")


class TestHooksReference:
    """The hooks page covers every hook, load_rules and RuleSet."""

    def test_every_hook_has_a_section_with_its_signature(self) -> None:
        """Each hookspec has its own section, opening with its exact signature."""
        text = HOOKS.read_text(encoding="utf-8")
        names = _hook_names()
        assert names == [
            "guided_actions_rules",
            "guided_actions_configure",
            "guided_actions_ranker",
            "guided_actions_catalogues",
        ]
        for name in names:
            section = text.split(f"\n## `{name}`\n", 1)[1]
            first_line = section.strip().splitlines()[0]
            assert first_line == f"`{name}{_signature(getattr(hookspecs, name))}`"

    def test_no_section_for_a_hook_that_does_not_exist(self) -> None:
        """Every hook-named section of the page is a declared hook."""
        text = HOOKS.read_text(encoding="utf-8")
        documented = re.findall(r"^## `(guided_actions_\w+)`$", text, re.MULTILINE)
        assert sorted(documented) == sorted(_hook_names())

    def test_load_rules_parameters_and_defaults(self) -> None:
        """The documented call of load_rules has every parameter with its default."""
        text = HOOKS.read_text(encoding="utf-8")
        params = []
        for p in inspect.signature(load_rules).parameters.values():
            if p.kind is inspect.Parameter.KEYWORD_ONLY and "*" not in params:
                params.append("*")
            params.append(f"{p.name}={p.default!r}")
        assert f"`load_rules({', '.join(params)}) -> RuleSet`" in text

    def test_ruleset_fields_and_methods(self) -> None:
        """Every field and public method of RuleSet has its row."""
        text = HOOKS.read_text(encoding="utf-8")
        section = text.split("\n## `RuleSet`\n", 1)[1].split("\n## ", 1)[0]
        names = [f.name for f in attrs.fields(RuleSet)]
        names += [n for n, v in vars(RuleSet).items() if callable(v) and not n.startswith("_")]
        assert {"plugin_of", "get"} <= set(names)
        missing = [n for n in names if not re.search(rf"^\| `{n}\b", section, re.MULTILINE)]
        assert not missing, missing

    def test_every_plugin_error_is_listed(self) -> None:
        """The errors table names every error a plugin author meets."""
        text = HOOKS.read_text(encoding="utf-8")
        for name in ("PluginError", "PluginConflictError", "InvalidConfigError", "RuleError"):
            assert f"| `{name}`" in text, name


def _public(cls: type) -> list[str]:
    return [n for n in dir(cls) if not n.startswith("_")]


class TestRuleApiReference:
    """The rule API page names every member of the plugin contract."""

    @pytest.mark.parametrize(
        ("what", "names"),
        [
            ("RuleContext", _public(RuleContext)),
            ("SnapshotReader", _public(ga_typing.SnapshotReader)),
            ("guided_actions.criteria", criteria.__all__),
            ("guided_actions.testing", testing.__all__),
            ("guided_actions.typing", ga_typing.__all__),
            ("Proposal", [f.name for f in attrs.fields(Proposal)]),
            ("Rule", [*get_type_hints(Rule), "propose", "proposal", "thresholds"]),
            ("Rule", ["threshold_docs", "threshold"]),
        ],
    )
    def test_names_every_member(self, what: str, names: list[str]) -> None:
        """Every public member of the unit is named on the page."""
        text = RULE_API.read_text(encoding="utf-8")
        assert names
        missing = [n for n in names if not _named(text, n)]
        assert not missing, (what, missing)

    def test_rule_class_data_defaults(self) -> None:
        """The class-data table shows each optional class attribute's real default."""
        text = RULE_API.read_text(encoding="utf-8")
        for name in ("grouped", "grouping", "created_at_doc", "expires_doc"):
            default = getattr(Rule, name)
            shown = repr(default).replace("'", '"')
            assert re.search(rf"^\| `{name}` \| `[^`]+` \| `{re.escape(shown)}` \|", text, re.M), (
                name
            )


class TestWorkspaceExplanation:
    """The workspace page explains every key of Summary.to_dict()."""

    @staticmethod
    def _keys(value: object, parent: str = "") -> set[tuple[str, str]]:
        keys: set[tuple[str, str]] = set()
        if isinstance(value, dict):
            for key, child in value.items():
                keys.add((parent, key))
                keys |= TestWorkspaceExplanation._keys(child, key)
        elif isinstance(value, list):
            for child in value:
                keys |= TestWorkspaceExplanation._keys(child, parent)
        return keys

    def test_every_key_is_explained(self) -> None:
        """Each key of a full summary (every list non-empty) is named in the table."""
        snapshot = build(
            sequence("s1"),
            task("t1", due_at=at(hours=1), sequence_id="s1", sequence_step=1),
            task("t2", due_at=at(days=-2)),
            task("t3", due_at=at(days=1)),
            task("t4", status="completed", completed_at=at(minutes=-5)),
            meeting("m1", start=at(minutes=30), title="Demo"),
            meeting("m0", start=at(hours=-1), title="Standup"),
        )
        data = summarize(snapshot, NOW, "u1").to_dict()
        assert all(data[k] for k in ("sequences", "schedule", "feed", "actions"))
        keys = self._keys({k: v for k, v in data.items() if k != "actions"})
        text = WORKSPACE.read_text(encoding="utf-8")
        table = text.split("## What `to_dict()` holds", 1)[1].split("\n## ", 1)[0]
        rows = re.findall(r"^\| (.+?) \|", table, re.MULTILINE)
        for key in data:
            assert f"`{key}`" in rows, key
        missing = [
            (parent, key)
            for parent, key in sorted(keys)
            if not re.search(rf"[`.\"]{re.escape(key)}[`\"]", table)
        ]
        assert not missing, missing

    def test_every_public_workspace_name_is_on_the_page(self) -> None:
        """summarize, visible_dashboards, feedback_summary and the Summary parts are named."""
        text = WORKSPACE.read_text(encoding="utf-8")
        for name in ("summarize", "visible_dashboards", "feedback_summary", "Summary"):
            assert name in guided_actions.__all__
            assert _named(text, name), name

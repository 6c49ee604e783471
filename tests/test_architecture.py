"""The layers of ``src/guided_actions`` hold: no import cycle, no import against the flow.

The flow is errors → records → typing → text → snapshot → rules → engine → workspace; plugins,
adapters, the hook specifications, ``testing`` and ``synthetic`` sit at the edge and may import
anything, as may the package's ``__init__`` on top; the core imports none of them. Read from the
code's own imports (every ``import`` statement, including those inside functions).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "guided_actions"

#: Lower layers first; a module may import its own layer and the layers before it.
LAYERS = [
    "errors",
    "_model",
    "typing",
    "_text",
    "_snapshot",
    "_rules",
    "rules",
    "_engine",
    "_workspace",
]
#: At the edge: may import anything; the core imports none of it.
EDGE = ["_plugins", "_adapters", "hookspecs", "testing", "pytest_plugin", "synthetic", "__main__"]
#: The package itself (its ``__init__``), on top of everything.
TOP = "__init__"
#: Top-level modules that belong to another layer: the public face of ``_rules``, and of the
#: adapters (``plot``, ``frames``, ``spark``, ``dask``).
SAME_LAYER = {
    "criteria": "_rules",
    "plot": "_adapters",
    "frames": "_adapters",
    "spark": "_adapters",
    "dask": "_adapters",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


#: Every module of the package by name, read once.
MODULES: dict[str, Path] = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(path: Path, name: str) -> set[str]:
    """Every guided_actions module ``path`` imports (absolute or relative, at any depth)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            submodules = {f"{target}.{a.name}" for a in node.names} & MODULES.keys()
            if len(submodules) < len(node.names):
                found.add(target)  # names defined in the module itself
            found.update(submodules)
    return {m for m in found if m in MODULES and m != name}


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:`` (imports for the type checker only)."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        out.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                todo.extend(child.orelse)
                continue
            todo.append(child)
    return out


def graph() -> dict[str, set[str]]:
    return {name: imports_of(path, name) for name, path in MODULES.items()}


def layer_of(name: str) -> str | None:
    parts = name.split(".")
    if len(parts) == 1:
        return TOP
    first = SAME_LAYER.get(parts[1], parts[1])
    return first if first in LAYERS + EDGE else None


def test_every_module_has_a_layer() -> None:
    """A new module is placed in a layer (or at the edge) before the layer test can pass."""
    assert [name for name in MODULES if layer_of(name) is None] == []


def test_no_import_cycle() -> None:
    g = graph()
    # Importing a package runs its __init__; an edge to a submodule implies one to its parents
    # only through __init__ files, which are read as modules of their own here.
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(g[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(g):
        if node not in state:
            visit(node)


def test_layers_only_import_downwards() -> None:
    wrong = []
    for name, targets in graph().items():
        here = layer_of(name)
        if here not in LAYERS:
            continue  # the edge and the top may import anything
        for target in targets:
            there = layer_of(target)
            if there not in LAYERS or LAYERS.index(there) > LAYERS.index(here):
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_the_engine_does_not_import_the_plugin_loader() -> None:
    g = graph()
    engine = [n for n in g if layer_of(n) == "_engine"]
    assert engine
    assert not [(n, t) for n in engine for t in g[n] if t.startswith("guided_actions._plugins")]


def test_no_rule_imports_another_rule() -> None:
    g = graph()
    rules = [n for n in g if n.startswith("guided_actions.rules.")]
    assert len(rules) == 18
    assert not [(n, t) for n in rules for t in g[n] if t.startswith("guided_actions.rules.")]


def test_built_in_rules_read_only_the_time_filtered_view() -> None:
    """No built-in rule reaches past the rule context to the raw snapshot."""
    offenders = [
        p.name
        for p in (PACKAGE / "rules").glob("*.py")
        if re.search(r"ctx\.snapshot\b|\._snapshot\b", p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_public_import_paths_stay() -> None:
    import importlib

    for name in (
        "guided_actions",
        "guided_actions.rules",
        "guided_actions.criteria",
        "guided_actions.errors",
        "guided_actions.typing",
        "guided_actions.hookspecs",
        "guided_actions.testing",
        "guided_actions.synthetic",
        "guided_actions.frames",
        "guided_actions.spark",
        "guided_actions.dask",
    ):
        assert importlib.import_module(name).__name__ == name

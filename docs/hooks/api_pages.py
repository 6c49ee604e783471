"""MkDocs hook: the generated API reference, one page per public module.

Nothing in these pages is listed by hand. The objects of ``reference/api/guided_actions.md`` are
the names of ``guided_actions.__all__``; the public submodules are the modules and packages of
``guided_actions`` whose name does not start with an underscore and that declare ``__all__``
(``rules``, ``criteria``, ``errors``, ``typing``, ``testing``, ``hookspecs``, ``frames``,
``plot``, ``synthetic``), each a page of the names of its own ``__all__``. A name added to an
``__all__`` appears in the reference at the next build, its signature and docstring rendered by
mkdocstrings (griffe reads the source; ``docs/hooks/rest_roles.py`` turns the docstrings' reST
into Markdown).

On a page the names are grouped by what they are (functions, classes, records, data), each
group in ``__all__`` order. ``on_config`` fills the ``API by module`` section of the nav,
``on_files`` adds the pages to the build as virtual files.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType
from typing import Any

import guided_actions

PACKAGE = "guided_actions"
API_DIR = "reference/api"
API_SECTION = "API by module"
RECORDS_MODULE = "guided_actions._model.records"

#: Group titles, in page order.
GROUPS = ("Functions", "Classes", "Records", "Data")


def public_modules() -> list[str]:
    """The public submodules of the package, by full name, alphabetically."""
    names = []
    for info in pkgutil.iter_modules(guided_actions.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{PACKAGE}.{info.name}")
        if hasattr(module, "__all__"):
            names.append(module.__name__)
    return sorted(names)


def group_of(value: object) -> str:
    """The group a public object is listed in."""
    if inspect.isclass(value):
        return "Records" if value.__module__ == RECORDS_MODULE else "Classes"
    if inspect.isfunction(value) or inspect.isbuiltin(value):
        return "Functions"
    return "Data"


def page_path(module: str) -> str:
    return f"{API_DIR}/{module}.md"


def render_module(module: ModuleType) -> str:
    """The Markdown page of one public module: its docstring, then a directive per name."""
    name = module.__name__
    exported: list[str] = list(module.__all__)
    groups: dict[str, list[str]] = {group: [] for group in GROUPS}
    for export in exported:
        groups[group_of(getattr(module, export))].append(export)
    lines = [
        f"<!-- Generated from {name}.__all__ by docs/hooks/api_pages.py. -->",
        "",
        f"::: {name}",
        "    options:",
        "      heading_level: 1",
        "      show_root_full_path: true",
        "      members: false",
        "",
    ]
    for group, members in groups.items():
        if not members:
            continue
        lines += [f"## {group}", ""]
        for member in members:
            lines += [f"::: {name}.{member}", ""]
    return "\n".join(lines)


def generated_pages() -> dict[str, str]:
    """Every generated page, by its path under ``docs/``: the package first."""
    modules = [PACKAGE, *public_modules()]
    return {page_path(m): render_module(importlib.import_module(m)) for m in modules}


def _section(nav: list[Any], title: str) -> list[Any] | None:
    for item in nav:
        if isinstance(item, dict):
            for key, value in item.items():
                if key == title and isinstance(value, list):
                    return value
                if isinstance(value, list):
                    found = _section(value, title)
                    if found is not None:
                        return found
    return None


def on_config(config: Any) -> Any:
    section = _section(config["nav"] or [], API_SECTION)
    if section is None:
        raise ValueError(f"mkdocs.yml nav needs an {API_SECTION!r} section for the API pages")
    section[:] = [{path.rsplit("/", 1)[1][:-3]: path} for path in generated_pages()]
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    for path, content in generated_pages().items():
        files.append(File.generated(config, path, content=content))
    return files

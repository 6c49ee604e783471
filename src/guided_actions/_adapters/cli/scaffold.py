"""The ``new-plugin`` sub-command: a new plugin package, from the template shipped as package data.

``guided-actions new-plugin NAME [--dir DIR]`` writes, in ``DIR`` (``./NAME`` by default)::

    pyproject.toml              the entry point of the group ``guided_actions``, a test extra
    README.md
    src/NAME/__init__.py        one rule, id NAME, and the hook that returns it
    tests/test_NAME.py          its tests, written with the fixtures of the pytest plugin

The files are ``plugin_template/*.tmpl`` beside this module, filled with :class:`string.Template`
(their ``${name}`` fields; a rule's ``{field}`` templates are left alone). ``NAME`` must be a
lower-case Python identifier (it is the module, the plugin and the rule id) that does not hide a
module of the standard library or the library itself. Everything is written in a hidden
directory beside ``DIR``, then renamed into place: the package is there whole, or not at all.
"""

from __future__ import annotations

import argparse
import keyword
import os
import re
import secrets
import shlex
import shutil
import sys
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from string import Template

from guided_actions._adapters.cli.diagnostics import CliError
from guided_actions._adapters.cli.language import _
from guided_actions._adapters.cli.terminal import write_lines

__all__ = ["TEMPLATE_FILES", "check_name", "new_plugin", "run_new_plugin"]

#: Template file -> the path it becomes in the package (``{name}`` is the plugin's name).
TEMPLATE_FILES: Mapping[str, str] = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "module.py.tmpl": "src/{name}/__init__.py",
    "test_module.py.tmpl": "tests/test_{name}.py",
}

_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
#: Names a plugin's module may not take: it would hide the library, or what its tests need.
_TAKEN = frozenset({"guided_actions", "pytest", "tests", "conftest"})


def check_name(name: str) -> None:
    """Raise :class:`CliError` unless ``name`` can name a plugin: its module and its rule."""
    if not _NAME.fullmatch(name) or keyword.iskeyword(name):
        raise CliError(
            _(
                "{name!r} is not a plugin name: use a Python identifier in lower case, "
                "at most 64 letters, digits and underscores, such as stale_deals"
            ).format(name=name)
        )
    if name in _TAKEN or name in sys.stdlib_module_names:
        raise CliError(
            _("{name!r} would hide the module of the same name: pick another name").format(
                name=name
            )
        )


def _fields(name: str) -> dict[str, str]:
    return {
        "name": name,
        "class_name": "".join(part.capitalize() for part in name.split("_") if part),
        "title": name.replace("_", " ").strip().capitalize(),
        "dist": "guided-actions-" + name.replace("_", "-").strip("-"),
    }


def _rendered(name: str) -> dict[str, str]:
    """The package's files, by relative path, filled in for ``name``."""
    template_dir = files("guided_actions._adapters.cli") / "plugin_template"
    fields = _fields(name)
    return {
        target.format(name=name): Template(
            (template_dir / source).read_text(encoding="utf-8")
        ).substitute(fields)
        for source, target in TEMPLATE_FILES.items()
    }


def new_plugin(name: str, directory: Path | None = None) -> tuple[Path, list[str]]:
    """Write the package of the plugin ``name`` in ``directory`` (``./name`` by default): the
    directory and the files written, relative to it. Raises :class:`CliError` for a bad name, a
    directory that exists and is not empty (or is not a directory), a parent directory that does
    not exist, or a failed write, having written nothing."""
    check_name(name)
    target = Path(name) if directory is None else directory
    shown = os.fspath(target)
    if target.exists() or target.is_symlink():
        if not target.is_dir() or target.is_symlink():
            raise CliError(_("{path} exists and is not a directory").format(path=shown))
        if any(target.iterdir()):
            raise CliError(_("directory {path} is not empty").format(path=shown))
    parent = target.absolute().parent
    if not parent.is_dir():
        raise CliError(_("directory {path} does not exist").format(path=os.fspath(parent)))
    contents = _rendered(name)
    staging = parent / f".{target.name}.new-plugin-{secrets.token_hex(4)}"
    try:
        staging.mkdir()
        for relative, text in contents.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        if target.is_dir():
            target.rmdir()  # empty: checked above
        staging.rename(target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise CliError(
            _("cannot write {path}: {reason}").format(path=shown, reason=exc.strerror or exc)
        ) from exc
    return target, sorted(contents)


def run_new_plugin(args: argparse.Namespace) -> int:
    directory = None if args.dir is None else Path(args.dir)
    target, written = new_plugin(args.name, directory)
    shown = os.fspath(target)
    write_lines(
        [
            _("Created the plugin {name} in {path}:").format(name=args.name, path=shown),
            *(f"  {path}" for path in written),
            _("Next, install it with its tests' requirements and run them:"),
            f"  cd {shlex.quote(shown)}",
            "  python -m pip install -e '.[test]'",
            "  python -m pytest",
        ]
    )
    return 0

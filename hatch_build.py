"""Hatch build hook: compile the message catalogues (``.po`` → ``.mo``) for every build.

Wheels, sdists and editable installs all run it, so a fresh ``pip install .`` (or ``-e .``) has
the compiled catalogues and renders in every shipped language without a manual step. The
``.mo`` files are written beside their ``.po`` in the source tree, where they are ignored by git
and included in the build as artifacts (``[tool.hatch.build] artifacts`` in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LOCALE_DIR = Path("src/guided_actions/locale")


def compile_catalogues(locale_dir: Path) -> list[Path]:
    """Compile every ``<lang>/LC_MESSAGES/*.po`` under ``locale_dir`` to the ``.mo`` beside it
    (fuzzy translations left out); the ``.mo`` files written."""
    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        written.append(mo)
    return written


class CustomBuildHook(BuildHookInterface):
    """Compiles the catalogues before hatchling collects the files of any target."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        compiled = compile_catalogues(Path(self.root) / LOCALE_DIR)
        self.app.display_info(f"compiled {len(compiled)} message catalogue(s)")

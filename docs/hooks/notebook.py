"""MkDocs hook: the executed example notebook, ``examples/maven-crm.ipynb``, as a docs page.

The notebook lives with the examples (next to the export it reads, where the test suite executes
it) and is committed with its outputs. This hook adds it to the build at its repository path,
``examples/maven-crm.ipynb`` (so its page is ``examples/maven-crm/``), and the ``mkdocs-jupyter``
plugin renders it as it is, outputs included, without running it again. The hook runs before the
plugin (``event_priority``: hooks otherwise come after the configured plugins), so that the
plugin finds the notebook among the files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "examples/maven-crm.ipynb"


@event_priority(100)
def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    files.append(
        File(
            NOTEBOOK,
            src_dir=str(ROOT),
            dest_dir=config["site_dir"],
            use_directory_urls=config["use_directory_urls"],
        )
    )
    return files

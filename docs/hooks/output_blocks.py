"""MkDocs hook: output shown after an example is labelled, so it does not look like code.

The docs mark a block of output with an ``<!-- output -->`` line before it (tests/test_docs.py
checks that the block is exactly what the example before it prints). This hook gives each such
block the title "Output" and the CSS class ``output`` (styled in ``docs/stylesheets/extra.css``)
when the page is built; the Markdown sources stay as the tests read them.
"""

from __future__ import annotations

import re
from typing import Any

MARKER = "<!-- output -->"
TITLE = "Output"

_OUTPUT_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)" + re.escape(MARKER) + r"\n(?P=indent)(?P<fence>`{3,})(?P<lang>\w*)\n",
    re.MULTILINE,
)


def label_outputs(markdown: str) -> str:
    """Every fenced block right after an output marker, with the title and the class added."""

    def label(match: re.Match[str]) -> str:
        lang = match["lang"] or "text"
        indent, fence = match["indent"], match["fence"]
        return f'{indent}{MARKER}\n{indent}{fence} {{ .{lang} .output title="{TITLE}" }}\n'

    return _OUTPUT_FENCE.sub(label, markdown)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    return label_outputs(markdown)

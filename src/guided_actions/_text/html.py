"""The bricks of the notebook display (``_repr_html_``): escaped text, tables, folded lists.

CRM data is not ours: a title, an id or a reason may hold ``<script>``, a quote that closes an
attribute, or characters a reader cannot see. Every text goes through :func:`text`, which escapes
``<``, ``>``, ``&`` and both quotes (``html.escape``) and replaces each control, format or
surrogate character by a visible escape (``\\x1b``, ``\\u202e``), as the command line does: a
bidirectional override cannot reorder what the reader sees, and a lone surrogate cannot stop the
notebook from saving its output. The markup is built only here and in the modules that call
these functions, from :class:`Markup` values, so nothing from the data is ever markup.

The output is self-contained: inline styles only, no script, no stylesheet, no link, no image.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from guided_actions._model.time import utc_iso
from guided_actions._text.visible import visible

__all__ = [
    "Markup",
    "block",
    "details",
    "element",
    "instant",
    "join",
    "more",
    "plural",
    "table",
    "text",
    "visible",
]

#: The styles of the display, inline (a notebook's own style sheet does the rest).
_CELL = "text-align:left;vertical-align:top"
_STYLES = {
    "table": "border-collapse:collapse;margin:4px 0",
    "th": _CELL + ";font-weight:bold",
    "td": _CELL,
    "p": "margin:4px 0",
    "ul": "margin:0;padding-left:1.2em",
    "summary": "cursor:pointer",
    "small": "color:#666",
}


class Markup(str):
    """Text that is already HTML: made by the functions of this module, never from the data."""

    __slots__ = ()


def text(value: object) -> Markup:
    """Any value as HTML text: markup passes through, anything else is shown escaped."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(visible(str(value)), quote=True))


def join(parts: Iterable[object], separator: str = "") -> Markup:
    """The parts (each escaped unless markup) one after the other."""
    return Markup(text(separator).join(text(p) for p in parts))


def element(tag: str, *content: object, title: str | None = None) -> Markup:
    """``<tag>content</tag>`` with the tag's inline style; ``title`` (escaped) is the tooltip."""
    attributes = ""
    style = _STYLES.get(tag)
    if style is not None:
        attributes += f' style="{style}"'
    if title is not None:
        attributes += f' title="{text(title)}"'
    return Markup(f"<{tag}{attributes}>{join(content)}</{tag}>")


def instant(value: datetime | None, absent: str = "") -> Markup:
    """An instant in UTC to the minute (``2025-05-14 09:30``), its full ISO-8601 form as the
    tooltip; ``None`` gives ``absent``."""
    if value is None:
        return text(absent)
    return element("span", f"{value.astimezone(UTC):%Y-%m-%d %H:%M}", title=utc_iso(value))


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 action``, ``2 actions``, ``1,000 actions`` (``many``: the plural, when it is not
    ``noun`` and an s)."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"


def _and_more(count: int, noun: str, many: str | None) -> Markup:
    return element("small", f"… and {count:,} more {noun if count == 1 else many or noun + 's'}")


def more(count: int, noun: str, many: str | None = None) -> Markup:
    """``… and N more <noun>s``, the line of what a display leaves out (``noun`` singular,
    ``many`` its plural as in :func:`plural`)."""
    return element("p", _and_more(count, noun, many))


def details(
    label: object, items: Sequence[object], limit: int, noun: str, many: str | None = None
) -> Markup:
    """A folded list: ``label`` shown, ``items`` (at most ``limit``, then ``… and N more
    <noun>s``) unfolded on a click. No items: ``label`` alone."""
    if not items:
        return text(label)
    shown = [element("li", item) for item in items[:limit]]
    if len(items) > limit:
        shown.append(element("li", _and_more(len(items) - limit, noun, many)))
    return element("details", element("summary", label), element("ul", *shown))


def table(header: Sequence[object] | None, rows: Iterable[Sequence[object]]) -> Markup:
    """A table: one header row (none for ``None``), then one row per sequence of cells."""
    head = (
        ""
        if header is None
        else element("thead", element("tr", *(element("th", h) for h in header)))
    )
    body = element("tbody", *(element("tr", *(element("td", c) for c in row)) for row in rows))
    return element("table", head, body)


def block(*content: object) -> Markup:
    """The whole display of one object: a ``<div>`` around its parts."""
    return element("div", *content)

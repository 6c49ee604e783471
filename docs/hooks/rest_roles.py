"""Griffe extension: the library's reST docstrings as the Markdown mkdocstrings renders.

The docstrings are written for Python's ``help()`` and Sphinx conventions: ``:class:`Snapshot```
roles, ``` ``literal`` ``` text, and literal blocks introduced by ``::``. mkdocstrings renders
Markdown, where those would show as raw markup, so this extension rewrites each docstring once,
when griffe has loaded the package:

- a role (``:class:``, ``:func:``, ``:meth:``, ``:data:``, ``:attr:``, ``:mod:``, ``:exc:``,
  ``:obj:``) becomes a cross-reference to the object, its name resolved in the docstring's own
  scope as Python would resolve it (``:class:`Snapshot``` in a module that imports ``Snapshot``
  links to that class); ``~a.b.c`` shows ``c``, ``title <target>`` shows the title. The link is
  *optional*: a name the site does not document (a private helper, the standard library) shows as
  code, without a broken link;
- ``` ``literal`` ``` becomes ``` `literal` ```;
- ``text::`` followed by an indented block becomes ``text:`` and a fenced block, Python when it
  parses as Python, plain text otherwise.

``rest_to_markdown`` is the whole conversion (tested in tests/test_site.py); ``RestRoles`` applies
it to every docstring of the loaded package. mkdocs.yml enables it with
``extensions: [docs/hooks/rest_roles.py:RestRoles]``.
"""

from __future__ import annotations

import ast
import html
import re
import textwrap
from collections.abc import Callable
from typing import Any

import griffe

ROLES = ("class", "func", "meth", "data", "attr", "mod", "exc", "obj")

_ROLE = re.compile(
    r":(?:py:)?(?P<role>" + "|".join(ROLES) + r"):`(?P<body>[^`]+)`",
)
_LITERAL = re.compile(r"``(?P<text>[^`]+?)``")
_TITLED = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^>]+)>$")


def _role(match: re.Match[str], resolve: Callable[[str], str | None]) -> str:
    body = match["body"].strip()
    titled = _TITLED.match(body)
    if titled:
        title, target = titled["title"], titled["target"].strip()
    else:
        target = body.lstrip("~")
        title = target.rsplit(".", 1)[-1] if body.startswith("~") else target
    identifier = resolve(target.lstrip("~")) or target.lstrip("~")
    return (
        f'<autoref identifier="{html.escape(identifier)}" optional>'
        f"<code>{html.escape(title)}</code></autoref>"
    )


def _inline(text: str, resolve: Callable[[str], str | None]) -> str:
    text = _ROLE.sub(lambda m: _role(m, resolve), text)
    return _LITERAL.sub(lambda m: f"`{m['text']}`", text)


def _fence(block: list[str]) -> list[str]:
    code = textwrap.dedent("\n".join(block)).strip("\n")
    try:
        ast.parse(code)
        lang = "python"
    except SyntaxError:
        lang = "text"
    return [f"```{lang}", *code.splitlines(), "```"]


def rest_to_markdown(text: str, resolve: Callable[[str], str | None] = lambda _: None) -> str:
    """One docstring's reST markup as Markdown; ``resolve`` maps a role's target to the full
    identifier of the object it names (``None``: leave the target as written)."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.rstrip().endswith("::") and not line.lstrip().startswith(".."):
            stripped = line.rstrip()[:-2].rstrip()
            if stripped:
                out.append(_inline(stripped + ":", resolve))
            i += 1
            block: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i][:1] in " \t"):
                block.append(lines[i])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            if block:
                out += ["", *_fence(block), ""]
            continue
        out.append(_inline(line, resolve))
        i += 1
    return "\n".join(out)


def resolver(obj: griffe.Object | griffe.Alias) -> Callable[[str], str | None]:
    """Resolve a role's target in ``obj``'s scope: its first part as Python would (an import, a
    member of the module or of an enclosing class), the rest appended."""

    def resolve(target: str) -> str | None:
        first, _, rest = target.partition(".")
        try:
            base = obj.resolve(first)
        except (griffe.NameResolutionError, AttributeError):
            try:
                base = obj.module.resolve(first)
            except (griffe.NameResolutionError, AttributeError):
                return None
        return f"{base}.{rest}" if rest else base

    return resolve


class RestRoles(griffe.Extension):
    """Rewrite every docstring of the loaded package from reST to Markdown."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        seen: set[int] = set()
        self._rewrite(pkg, seen)

    def _rewrite(self, obj: griffe.Object, seen: set[int]) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if obj.docstring is not None:
            obj.docstring.value = rest_to_markdown(obj.docstring.value, resolver(obj))
        for member in obj.members.values():
            if not member.is_alias:
                assert isinstance(member, griffe.Object)
                self._rewrite(member, seen)

"""The library's messages: extracted from the library itself, merged, compiled and checked.

``python -m guided_actions._adapters.messages COMMAND``:

- ``extract``: write the template ``locale/guided_actions.pot`` from :func:`library_entries`
  (``--check``: write nothing, exit 1 when the file differs);
- ``init LANG``: start ``locale/LANG/LC_MESSAGES/guided_actions.po`` from the template;
- ``update``: merge the template into every language's ``.po``: new messages untranslated,
  changed ones fuzzy, gone ones dropped;
- ``compile``: compile every ``.po`` to the ``.mo`` beside it (the build does this too);
- ``check``: list every message a language lacks, leaves fuzzy or translates with other
  ``{fields}``; exit 1 when there is one.

``--locale-dir DIR`` works on another directory than the package's ``locale``.

The messages are read from the library, not only from its source: the rule titles, calls to
action and documentation texts (grouping, ``created_at``, expiry, thresholds) of the built-in
rules, every :class:`~guided_actions.criteria.Criterion` any module of the package holds (the
rules', the shared ones and their variants, the engine's own), the categories, priorities and
statuses, the renderer's words, and the strings marked in the source
(``N_("...")``, ``_()``, ``ngettext()``, ``pgettext()``, ``translate(locale, "...")``) with
Babel's Python extractor.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import string
import sys
import typing
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

import guided_actions
from guided_actions._engine.actions import ALL_ACTIONS, CATEGORY_LABELS
from guided_actions._engine.explain import Status
from guided_actions._rules.rule import Rule
from guided_actions._text import catalogue
from guided_actions._text.catalogue import Entry
from guided_actions._text.checks import Criterion
from guided_actions._text.i18n import DOMAIN
from guided_actions._text.render import RENDERER_MESSAGES
from guided_actions._workspace.summary import WORKSPACE_MESSAGES

__all__ = [
    "KEYWORDS",
    "criteria_entries",
    "library_entries",
    "main",
    "rule_entries",
    "source_entries",
]

#: The functions whose string arguments are messages: Babel's, and ours.
KEYWORDS: dict[str, typing.Any] = {
    **DEFAULT_KEYWORDS,
    "translate": (2,),
    "translate_plural": (2, 3),
}
PACKAGE_DIR = Path(guided_actions.__file__).resolve().parent


def _words(template: str) -> bool:
    """Whether a template has text of its own to translate (``"{text}"`` has none)."""
    try:
        literal = "".join(text for text, *_ in string.Formatter().parse(template))
    except ValueError:
        return True
    return any(ch.isalpha() for ch in literal)


def criteria_entries(criteria: Iterable[Criterion]) -> Iterator[Entry]:
    """The ``met`` and ``unmet`` templates of ``criteria``, each with a note naming its
    criterion; a template that is nothing but fields (``"{text}"``) is no message."""
    for criterion in criteria:
        for side, text in (("met", criterion.met), ("unmet", criterion.unmet)):
            if _words(text):
                yield Entry(
                    text,
                    comment=f"criterion {criterion.id} ({criterion.role}), when {side}",
                )


def rule_entries(rules: Iterable[type[Rule]]) -> Iterator[Entry]:
    """The texts of rule classes (a plugin's too): title, calls to action, the documentation
    texts of the rule catalogue (``guided-actions rules``, which translates them as they are
    declared, without a context: grouping, ``created_at`` and expiry, each threshold's doc) and
    criteria. An empty doc is no message."""
    for cls in rules:
        where = _location(cls)
        yield Entry(cls.title, location=where, comment=f"title of the rule {cls.id}")
        for cta in cls.calls_to_action:
            yield Entry(
                cta.label,
                location=where,
                comment=f"call to action {cta.id} of the rule {cls.id} (opens the {cta.opens})",
            )
        docs = [
            (cls.grouping, f"how the cards of the rule {cls.id} are formed (its grouping)"),
            (cls.created_at_doc, f"when an action of the rule {cls.id} starts (its created_at)"),
            (cls.expires_doc, f"when an action of the rule {cls.id} ends (its expiry)"),
            *(
                (doc, f"what the threshold {name} of the rule {cls.id} is (its description)")
                for name, doc in cls.threshold_docs().items()
            ),
        ]
        for text, comment in docs:
            if text.strip():
                yield Entry(text, location=where, comment=comment)
        yield from criteria_entries(cls.criteria)


def _location(obj: object) -> str | None:
    try:
        path = Path(inspect.getfile(obj))  # type: ignore[arg-type]
    except (TypeError, OSError):
        return None
    try:
        return path.resolve().relative_to(PACKAGE_DIR.parent).as_posix()
    except ValueError:
        return path.name


def _module_criteria() -> Iterator[Criterion]:
    """Every criterion held by a module of the package (constants, and those in a dict or
    tuple constant: the variants a function picks), module by module in name order."""
    names = sorted(
        m.name
        for m in pkgutil.walk_packages(guided_actions.__path__, "guided_actions.")
        if "._adapters" not in m.name and not m.name.endswith("__main__")
    )
    for name in names:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, Criterion):
                yield value
            elif isinstance(value, dict | tuple | list):
                items = value.values() if isinstance(value, dict) else value
                yield from (v for v in items if isinstance(v, Criterion))


def _package_directory(path: str) -> bool:
    name = Path(path).name
    return not name.startswith(".") and name != "__pycache__"


def source_entries(directory: Path = PACKAGE_DIR) -> Iterator[Entry]:
    """The strings marked in the source under ``directory`` (Babel's Python extractor)."""
    for filename, _lineno, message, comments, context in extract_from_dir(
        directory,
        keywords=KEYWORDS,
        comment_tags=("Translators:",),
        strip_comment_tags=True,
        # Every package directory, those starting with "_" too (Babel skips them by default).
        directory_filter=_package_directory,
    ):
        location = f"{directory.name}/{Path(filename).as_posix()}"
        comment = " ".join(comments) or None
        if isinstance(message, tuple):
            singular, plural = message[0], message[1]
            if singular:
                yield Entry(singular, plural, context, location, comment)
        elif message:
            yield Entry(message, None, context, location, comment)


def library_entries() -> list[Entry]:
    """Every message of the library, in a stable order."""
    from guided_actions.rules import BUILTIN_RULES

    entries: list[Entry] = [*rule_entries(BUILTIN_RULES)]
    entries += [
        *(
            Entry(label, context="category", comment=f"the category {cid}, as a view is named")
            for cid, label in CATEGORY_LABELS.items()
        ),
        Entry(ALL_ACTIONS, context="category", comment="the view of every category"),
        *(
            Entry(status, context="status", comment="a rule's verdict in an explanation")
            for status in typing.get_args(Status)
        ),
        *(
            Entry(text, context=context, comment="a word of the renderer")
            for context, text in RENDERER_MESSAGES
        ),
        *(Entry(text, comment="an activity feed entry") for text in WORKSPACE_MESSAGES),
    ]
    entries += criteria_entries(_module_criteria())
    entries += source_entries()
    return entries


# -- files ----------------------------------------------------------------------------------


def _pot_path(root: Path) -> Path:
    return root / f"{DOMAIN}.pot"


def _po_paths(root: Path) -> list[Path]:
    return sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def _read(path: Path, lang: str | None = None) -> Catalog:
    return catalogue.read_catalogue(path.read_bytes(), lang)


def _same(one: Catalog, other: Catalog) -> bool:
    return [catalogue.signature(m) for m in one if m.id] == [
        catalogue.signature(m) for m in other if m.id
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m guided_actions._adapters.messages",
        description="Extract, merge, compile and check the library's message catalogues.",
    )
    parser.add_argument("--locale-dir", type=Path, default=PACKAGE_DIR / "locale")
    commands = parser.add_subparsers(dest="command", required=True)
    extract = commands.add_parser("extract", help="write the template (.pot)")
    extract.add_argument("--check", action="store_true", help="only check it is up to date")
    init = commands.add_parser("init", help="start a language's catalogue (.po)")
    init.add_argument("lang")
    commands.add_parser("update", help="merge the template into every .po")
    commands.add_parser("compile", help="compile every .po to .mo")
    commands.add_parser("check", help="list untranslated, fuzzy or mistranslated messages")
    args = parser.parse_args(argv)
    root: Path = args.locale_dir
    pot_path = _pot_path(root)

    if args.command == "extract":
        pot = catalogue.template(library_entries())
        if args.check:
            current = pot_path.is_file() and _same(_read(pot_path), pot)
            if not current:
                print(f"{pot_path} is out of date: run extract", file=sys.stderr)
            return 0 if current else 1
        root.mkdir(parents=True, exist_ok=True)
        pot_path.write_bytes(catalogue.po_bytes(pot))
        print(f"wrote {pot_path} ({sum(1 for m in pot if m.id)} messages)")
        return 0
    if args.command == "init":
        target = root / args.lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if target.exists():
            print(f"{target} exists: run update instead", file=sys.stderr)
            return 1
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(catalogue.po_bytes(catalogue.new_catalogue(_read(pot_path), args.lang)))
        print(f"wrote {target}")
        return 0
    if args.command == "update":
        pot = _read(pot_path)
        for path in _po_paths(root):
            lang = path.parent.parent.name
            path.write_bytes(catalogue.po_bytes(catalogue.merge(_read(path, lang), pot)))
            print(f"updated {path}")
        return 0
    if args.command == "compile":
        for path in _po_paths(root):
            lang = path.parent.parent.name
            mo = path.with_suffix(".mo")
            mo.write_bytes(catalogue.compile_catalogue(_read(path, lang)))
            print(f"compiled {mo}")
        return 0
    # check
    pot = _read(pot_path)
    found = [
        problem
        for path in _po_paths(root)
        for problem in catalogue.problems(_read(path, path.parent.parent.name), pot)
    ]
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

"""Results as tables: the tidy table of actions, counts per user and rule, and the frame forms of
an explanation and of a workspace.

Arrow is the common currency. Every table is built once, as a ``pyarrow.Table`` of declared
columns (:data:`ACTION_COLUMNS` for actions), and its pandas and polars forms are converted from
it, so the three always hold the same rows. pyarrow, pandas and polars are optional third-party
libraries: each is imported when a table is asked for, never when ``guided_actions`` is imported,
and a missing one is a :class:`ModuleNotFoundError` saying what to install.

The rows themselves are plain Python (:func:`action_rows`), which is what the command line's CSV
is written from: it needs no pyarrow.
"""

from __future__ import annotations

import importlib
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

from guided_actions._engine import display
from guided_actions._text.i18n import SOURCE_LOCALE, resolve_locale
from guided_actions._text.render import render_check
from guided_actions.errors import short_repr

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    import pyarrow as pa  # type: ignore[import-untyped]

    # The engine's classes, for the type checker only: tables.py sits below them, and they
    # call it.
    from guided_actions._engine.actions import Action, Result
    from guided_actions._engine.explain import Explanation

__all__ = [
    "ACTION_COLUMNS",
    "FRAMES_INSTALL",
    "Column",
    "ColumnType",
    "Results",
    "action_rows",
    "actions_table",
    "arrow_table",
    "count_rows",
    "counts_table",
    "explanation_table",
    "require",
    "to_pandas",
    "to_polars",
]

#: What to install for the Arrow, pandas and polars forms.
FRAMES_INSTALL = "pip install 'guided-actions[frames]'"

#: The kinds of column a table holds: text, a list of texts, an instant in UTC, a truth value,
#: a whole number. Each has one Arrow type (:func:`arrow_type`).
ColumnType = Literal["string", "strings", "timestamp", "bool", "int64"]
#: A column: its name, its kind, and whether it may hold nulls.
Column = tuple[str, ColumnType, bool]

#: The tidy table of actions, pinned (issue 11): one row per action, these columns in this order.
ACTION_COLUMNS: tuple[Column, ...] = (
    ("key", "string", False),
    ("user_id", "string", False),
    ("rule", "string", False),
    ("title", "string", False),
    ("category", "string", False),
    ("priority", "string", False),
    ("subject_kind", "string", False),
    ("subject_ids", "strings", False),
    ("created_at", "timestamp", False),
    ("expires_at", "timestamp", True),
    ("contact_ids", "strings", False),
    ("company_ids", "strings", False),
    ("reasons", "strings", False),
    ("group", "string", True),
)

#: ``Results.counts()``: one row per user and rule.
COUNT_COLUMNS: tuple[Column, ...] = (
    ("user_id", "string", False),
    ("rule", "string", False),
    ("count", "int64", False),
)

#: ``Explanation.to_arrow()``: one row per rule and check.
EXPLANATION_COLUMNS: tuple[Column, ...] = (
    ("rule", "string", False),
    ("title", "string", False),
    ("status", "string", False),
    ("created_at", "timestamp", True),
    ("expires_at", "timestamp", True),
    ("key", "string", True),
    ("criterion", "string", True),
    ("role", "string", True),
    ("met", "bool", True),
    ("text", "string", True),
)


# -- the optional libraries -----------------------------------------------------------------


def require(module: str, purpose: str, install: str | None = None) -> ModuleType:
    """``module``, imported now; when it is not installed, a :class:`ModuleNotFoundError`
    (an :class:`ImportError`) saying that ``purpose`` needs it and how to install it (``install``,
    else ``pip install <module>``). A module that is installed but fails to import raises its
    own error."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        how = install if install is not None else f"pip install {module}"
        raise ModuleNotFoundError(f"{purpose} needs {module}: {how}", name=module) from exc


def _pyarrow(purpose: str) -> ModuleType:
    return require("pyarrow", purpose, FRAMES_INSTALL)


def arrow_type(arrow: ModuleType, kind: ColumnType) -> Any:
    """The Arrow type of a kind of column (``arrow`` is the pyarrow module)."""
    if kind == "string":
        return arrow.string()
    if kind == "strings":
        return arrow.list_(arrow.string())
    if kind == "timestamp":
        return arrow.timestamp("us", tz="UTC")
    if kind == "bool":
        return arrow.bool_()
    return arrow.int64()


def arrow_table(
    columns: Sequence[Column], rows: Iterable[Sequence[object]], purpose: str
) -> pa.Table:
    """A ``pyarrow.Table`` of ``columns`` holding ``rows`` (each a sequence of Python values in
    column order: ``str``, a sequence of ``str``, an aware ``datetime``, ``bool``, ``int`` or
    ``None``). With no rows: the same columns and types, empty."""
    arrow = _pyarrow(purpose)
    fields = [
        arrow.field(name, arrow_type(arrow, kind), nullable=null) for name, kind, null in columns
    ]
    values = list(zip(*rows, strict=True)) or [() for _ in columns]
    arrays = [arrow.array(v, type=f.type) for v, f in zip(values, fields, strict=True)]
    return arrow.Table.from_arrays(arrays, schema=arrow.schema(fields))


def to_pandas(table: pa.Table, purpose: str) -> pd.DataFrame:
    """The pandas form of a table built here: instants as ``datetime64[us, UTC]``, texts as the
    nullable ``string[pyarrow]``, lists of texts as Arrow-backed lists (each cell a Python
    ``list``), truth values as the nullable ``boolean``, whole numbers as ``int64``."""
    arrow = _pyarrow(purpose)
    pandas = require("pandas", purpose)
    strings = arrow.list_(arrow.string())
    mapping = {
        arrow.string(): pandas.StringDtype("pyarrow"),
        strings: pandas.ArrowDtype(strings),
        arrow.bool_(): pandas.BooleanDtype(),
    }
    frame: pd.DataFrame = table.to_pandas(types_mapper=mapping.get)
    return frame


def to_polars(table: pa.Table, purpose: str) -> pl.DataFrame:
    """The polars form of a table built here: ``String``, ``List(String)``,
    ``Datetime("us", "UTC")``, ``Boolean``, ``Int64``."""
    _pyarrow(purpose)
    polars = require("polars", purpose)
    frame: pl.DataFrame = polars.from_arrow(table)
    return frame


# -- actions --------------------------------------------------------------------------------


def action_row(action: Action, lang: str) -> tuple[object, ...]:
    """One action as a row of :data:`ACTION_COLUMNS`: Python values, texts in ``lang``."""
    # Every subject of an action is of its rule's kind (a card's members too).
    kind = action.subjects[0][0] if action.subjects else None
    return (
        action.key,
        action.user_id,
        action.rule,
        action.localized_title(lang),
        action.category,
        action.priority,
        kind,
        [rid for _kind, rid in action.subjects],
        action.created_at,
        action.expires_at,
        list(action.contact_ids),
        list(action.company_ids),
        list(action.localized_reasons(lang)),
        action.group,
    )


def action_rows(
    actions: Iterable[Action], locale: str | None = SOURCE_LOCALE
) -> Iterator[tuple[object, ...]]:
    """The rows of the tidy table, in order: what the Arrow table and the command line's CSV
    hold."""
    lang = resolve_locale(locale)
    return (action_row(a, lang) for a in actions)


def actions_table(
    actions: Iterable[Action], locale: str | None = SOURCE_LOCALE, purpose: str = "to_arrow()"
) -> pa.Table:
    """The tidy table of ``actions``: :data:`ACTION_COLUMNS`, one row per action, in order."""
    return arrow_table(ACTION_COLUMNS, action_rows(actions, locale), purpose)


# -- every user's results -------------------------------------------------------------------

#: How many users ``repr(results)`` names before "…".
_REPR_USERS = 8


class Results(dict[str, "Result"]):
    """Every user's :class:`~guided_actions.Result`, by user id, in user order: what
    :func:`~guided_actions.evaluate_all` returns.

    A ``dict`` (it compares equal to a plain dict of the same items), with the tables of all
    users' actions (:meth:`to_arrow`, :meth:`to_pandas`, :meth:`to_polars`) and the counts per
    user and rule (:meth:`counts`). ``rule_ids`` are the rules that ran, in rule-set order.
    """

    __slots__ = ("rule_ids",)

    def __init__(
        self,
        results: Mapping[str, Result] | Iterable[tuple[str, Result]] = (),
        /,
        *,
        rule_ids: Iterable[str] = (),
    ) -> None:
        super().__init__(results)
        self.rule_ids: tuple[str, ...] = tuple(rule_ids)

    def __repr__(self) -> str:
        total = sum(len(r) for r in self.values())
        shown = [
            f"{short_repr(uid, 40)}: {len(r)}"
            for uid, r in itertools.islice(self.items(), _REPR_USERS)
        ]
        if len(self) > _REPR_USERS:
            shown.append(f"… {len(self) - _REPR_USERS} more")
        users = "user" if len(self) == 1 else "users"
        actions = "action" if total == 1 else "actions"
        listing = f"; {', '.join(shown)}" if shown else ""
        return f"Results({len(self)} {users}, {total} {actions}{listing})"

    def _repr_html_(self) -> str:
        """The notebook's display: a row per user (the first
        :data:`~guided_actions._engine.display.HTML_ROWS`), the counts by category."""
        return display.results_html(self)

    def _actions(self) -> Iterator[Action]:
        """Every user's actions, in user order then action order."""
        return itertools.chain.from_iterable(r.actions for r in self.values())

    def to_arrow(self, locale: str | None = SOURCE_LOCALE) -> pa.Table:
        """All users' actions in one tidy table (the columns of ``Result.to_arrow()``), in user
        order then action order; texts in ``locale``'s language."""
        return actions_table(self._actions(), locale, "Results.to_arrow()")

    def to_pandas(self, locale: str | None = SOURCE_LOCALE) -> pd.DataFrame:
        """:meth:`to_arrow` as a pandas ``DataFrame`` (see ``Result.to_pandas()``)."""
        purpose = "Results.to_pandas()"
        return to_pandas(actions_table(self._actions(), locale, purpose), purpose)

    def to_polars(self, locale: str | None = SOURCE_LOCALE) -> pl.DataFrame:
        """:meth:`to_arrow` as a polars ``DataFrame``."""
        purpose = "Results.to_polars()"
        return to_polars(actions_table(self._actions(), locale, purpose), purpose)

    def counts(self) -> pa.Table:
        """How many actions each user has of each rule: columns ``user_id``, ``rule``,
        ``count`` (int64), one row for every user and every rule that ran, zeros included, in
        user order then rule order. Rules are :attr:`rule_ids`, then any other rule an action
        comes from, in the order of its first action."""
        return counts_table(self, "Results.counts()")


def count_rows(results: Results) -> Iterator[tuple[str, str, int]]:
    """The rows of :meth:`Results.counts` as plain Python ``(user_id, rule, count)`` (what
    ``guided_actions.plot`` draws, without pyarrow)."""
    per_user = {uid: Counter(a.rule for a in r.actions) for uid, r in results.items()}
    rules = dict.fromkeys(results.rule_ids)
    for action in results._actions():
        rules.setdefault(action.rule)
    return ((uid, rule, counts[rule]) for uid, counts in per_user.items() for rule in rules)


def counts_table(results: Results, purpose: str) -> pa.Table:
    """The counts of :meth:`Results.counts`."""
    return arrow_table(COUNT_COLUMNS, count_rows(results), purpose)


# -- an explanation -------------------------------------------------------------------------


def explanation_rows(explanation: Explanation, lang: str) -> Iterator[tuple[object, ...]]:
    """One row per rule and check, in rule order then check order; a rule without checks has
    one row whose check columns are null (no rule is left out)."""
    for entry in explanation.rules:
        head = (
            entry.rule,
            entry.localized_title(lang),
            entry.status,
            entry.created_at,
            entry.expires_at,
            entry.key,
        )
        if not entry.checks:
            yield (*head, None, None, None, None)
        for check in entry.checks:
            yield (*head, check.id, check.role, check.met, render_check(check, lang))


def explanation_table(explanation: Explanation, locale: str | None, purpose: str) -> pa.Table:
    """The table of ``Explanation.to_arrow()``: :data:`EXPLANATION_COLUMNS`."""
    rows = explanation_rows(explanation, resolve_locale(locale))
    return arrow_table(EXPLANATION_COLUMNS, rows, purpose)

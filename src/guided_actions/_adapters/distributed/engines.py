"""What the Spark and Dask runners share: the plan of a book as rounds of joins that an engine
runs, and the problems of bad records carried as rows.

An engine runs :data:`~guided_actions._snapshot.book.ARCS` (the plan's steps merged into a few
dozen nodes) in two parts, with joins of integers.

First the *links*: every pair of records one join of the plan connects, once, as ``(rid, join,
target_rid)`` (records by their handle, ``core.record_handle``; joins by their number in
:data:`JOINS`): the keys of the join's source list under its source key meet the keys of its
target list under its target key, in one join of the keys with themselves.

Then rounds over a *frontier* of ``(owner, node, rid)`` rows: the records each node reached in
the last round, for each user (``owner``: the user's own handle). A round joins the frontier
to :func:`edges` (which nodes go on from each node, by which join: the arcs, a repeating
step's node to itself among them), then to the links. What a node reached before is taken out,
so a repeating node (an email thread) stops when it reaches nothing new, and so does the whole:
the rounds end when the frontier is empty. A record reached along several paths of the plan to
the same node is one row, not one per path, and no round reads a text.

The first frontier is the roots of the plan: each user's own record (the arcs without a parent
whose source is ``"users"``), and the whole lists the other arcs without a parent start from,
owned by :data:`EVERYONE`: what they reach is in every book, as the lists of
:data:`~guided_actions._snapshot.book.WHOLE` are.

Bad records are found in the tasks that read the input. A task does not raise (its engine
would stop at the first one and wrap the error in its own): it writes its problems as one row of
the list :data:`PROBLEMS` (:func:`rows_or_problems`), and the runner raises every problem of
every task together (:func:`problems_error`), as one
:class:`~guided_actions.errors.InvalidSnapshotError`, before anything is evaluated.
"""

from __future__ import annotations

import base64
import pickle
from collections.abc import Iterable
from typing import Any

import attrs

from guided_actions._adapters.distributed import core
from guided_actions._adapters.frames.arrow import pyarrow
from guided_actions._adapters.frames.parquet import LIFECYCLE_STAGES
from guided_actions._snapshot.book import ARCS, WHOLE
from guided_actions.errors import InvalidSnapshotError, Problem

__all__ = [
    "EDGE_COLUMNS",
    "EVERYONE",
    "JOINS",
    "JOIN_COLUMNS",
    "NO_USERS",
    "PROBLEMS",
    "USER_ROOT",
    "WHOLE",
    "Edge",
    "edges",
    "joins",
    "lifecycle_problem",
    "problems_error",
    "root_of",
    "roots",
    "rows_or_problems",
]

#: The list name of a row that carries problems instead of a record (no list has this name).
PROBLEMS = ""
#: The problem of an input without users (every book starts from one).
NO_USERS = "no users list: every book starts from a user"

#: The owner of the records every book holds (no record has this handle).
EVERYONE = -1
#: The node number of the first frontier's rows of a user's own record.
USER_ROOT = -1


def root_of(list_name: str) -> int:
    """The node number of the first frontier's rows of a whole list an arc starts from."""
    return -2 - WHOLE.index(list_name)


#: The joins of the plan's arcs, each once: ``(source, source_key, target, target_key)``; an
#: edge names its join by its number here.
JOINS: tuple[tuple[str, str, str, str], ...] = tuple(
    dict.fromkeys((a.source, a.source_key, a.target, a.target_key) for a in ARCS)
)
#: The columns of a table of :data:`JOINS`: the number, then the join.
JOIN_COLUMNS = ("join", "source", "source_key", "target", "target_key")


def joins() -> list[tuple[int, str, str, str, str]]:
    """The rows of a table of :data:`JOINS` (:data:`JOIN_COLUMNS`)."""
    return [(number, *join) for number, join in enumerate(JOINS)]


@attrs.frozen
class Edge:
    """An arc of :data:`~guided_actions._snapshot.book.ARCS` as an engine joins it: node
    ``node`` goes on, by the join numbered ``join`` in :data:`JOINS`, from the records node
    ``parent`` (or a root: :data:`USER_ROOT`, :func:`root_of`) reached."""

    parent: int
    node: int
    join: int


#: The columns of an edge table, in :class:`Edge`'s order.
EDGE_COLUMNS = ("parent", "node", "join")


def edges() -> list[Edge]:
    """Every arc of :data:`~guided_actions._snapshot.book.ARCS`, its roots and its join
    numbered."""
    number = {join: i for i, join in enumerate(JOINS)}
    found: list[Edge] = []
    for arc in ARCS:
        if arc.parent is not None:
            parent = arc.parent
        elif arc.source == "users":
            parent = USER_ROOT
        else:
            parent = root_of(arc.source)
        join = number[(arc.source, arc.source_key, arc.target, arc.target_key)]
        found.append(Edge(parent, arc.node, join))
    return found


def roots() -> dict[str, int]:
    """The whole lists arcs start from, each with its root's node number."""
    return {a.source: root_of(a.source) for a in ARCS if a.parent is None and a.source != "users"}


def rows_or_problems(list_name: str, table: Any, first_pos: int) -> Any:
    """``core.rows_of(list_name, table, first_pos)``, or, when the table has bad records, one
    row of the list :data:`PROBLEMS` whose ``json`` holds its problems."""
    try:
        rows: Any = core.rows_of(list_name, table, first_pos)
        return rows
    except InvalidSnapshotError as exc:
        pa = pyarrow()
        text = base64.b64encode(pickle.dumps(exc.problems)).decode("ascii")
        columns = {
            "list": [PROBLEMS],
            "id": [list_name],
            "pos": [first_pos],
            "json": [text],
            "rid": [-1],
            "keys": [[]],
        }
        return pa.table(columns, schema=core.READ_SCHEMA)


def problems_error(texts: Iterable[str]) -> InvalidSnapshotError:
    """One error holding the problems of every problem row (their ``json``)."""
    problems: list[Problem] = []
    for text in texts:
        problems.extend(pickle.loads(base64.b64decode(text)))  # written by rows_or_problems
    return InvalidSnapshotError(problems)


def lifecycle_problem(columns: object) -> Problem:
    """The problem of lifecycle stages given in other columns than one, ``id``."""
    message = "expected one column, id: the lifecycle stage ids in order"
    return Problem("snapshot", None, LIFECYCLE_STAGES, columns, message)

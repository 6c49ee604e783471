"""What the Spark and Dask runners share: the plan of a book as rounds of joins that an engine
runs, and the problems of bad records carried as rows.

An engine runs :data:`~guided_actions._snapshot.book.ARCS` (the plan's steps merged into a few
dozen nodes) in rounds, all arcs in the same joins (a few joins per round, whatever the number
of arcs), over a *frontier* of ``(owner, node, list, id)`` rows: the records each node reached
in the last round, for each user (``owner``). A record reached along several paths of the plan
to the same node is one row, not one per path.

A round joins the frontier to :func:`edges` (which nodes go on from each node: the arcs, a
repeating step's node to itself among them), then to the keys of the records it holds
(``source_key``), then to the records of the target list with one of those values under
``target_key``. What a node reached before is taken out, so a repeating node (an email thread)
stops when it reaches nothing new, and so does the whole: the rounds end when the frontier is
empty.

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
from collections.abc import Iterable, Iterator
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
    "NO_USERS",
    "PROBLEMS",
    "USER_ROOT",
    "WHOLE",
    "Edge",
    "edges",
    "lifecycle_problem",
    "problems_error",
    "root_of",
    "rows_or_problems",
]

#: The list name of a row that carries problems instead of a record (no list has this name).
PROBLEMS = ""
#: The problem of an input without users (every book starts from one).
NO_USERS = "no users list: every book starts from a user"

#: The owner of the records every book holds (no user has it: ids are not empty).
EVERYONE = ""
#: The node number of the first frontier's rows of a user's own record.
USER_ROOT = -1


def root_of(list_name: str) -> int:
    """The node number of the first frontier's rows of a whole list an arc starts from."""
    return -2 - WHOLE.index(list_name)


@attrs.frozen
class Edge:
    """An arc of :data:`~guided_actions._snapshot.book.ARCS` as an engine joins it: node
    ``node`` goes on from the records node ``parent`` (or a root: :data:`USER_ROOT`,
    :func:`root_of`) reached."""

    parent: int
    node: int
    source: str
    source_key: str
    target: str
    target_key: str


#: The columns of an edge table, in :class:`Edge`'s order.
EDGE_COLUMNS = ("parent", "node", "source", "source_key", "target", "target_key")


def edges() -> Iterator[Edge]:
    """Every arc of :data:`~guided_actions._snapshot.book.ARCS`, its roots numbered."""
    for arc in ARCS:
        if arc.parent is not None:
            parent = arc.parent
        elif arc.source == "users":
            parent = USER_ROOT
        else:
            parent = root_of(arc.source)
        yield Edge(parent, arc.node, arc.source, arc.source_key, arc.target, arc.target_key)


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

"""The engine-agnostic core of the fan-out: interchange tables to rows and keys, every user's book
as Arrow joins, and one user's book to their action table.

A distributed runner reads each list's table into *rows* (:data:`READ_SCHEMA`: one record as
compact JSON of its interchange object, with its list, id and position, and its keys: every key
:data:`~guided_actions._snapshot.book.PLAN` joins on, from
:func:`~guided_actions._snapshot.book.keys_of_record`), explodes the keys into a table of
their own (:data:`KEY_SCHEMA`: :func:`keys_of`, or the engine's own explode), runs the plan as
its own joins, and hands each user's rows (:data:`ROW_SCHEMA`) to :func:`evaluate_book`.
:func:`fan_out_local` is the reference interpreter of the plan as pyarrow joins: what a runner
must produce, user by user.

A column that no Arrow type holds (a dashboard ``access`` that is ``"everyone"`` in one row and
a list of teams in another) is written as JSON text marked as such in the column's metadata
(:data:`~guided_actions._adapters.frames.arrow.JSON_COLUMN`); an engine's Parquet reader or its
Arrow conversion drops that marker (Spark's does, and so does pandas). :func:`rows_of` therefore
puts it back from the record fields themselves (:func:`json_text_fields`): a text column where
the field holds no text, or holds a shape no plain text column can (a value of ``access`` other
than ``"everyone"``), is JSON text when each of its values is.

:func:`partition_of` places the users' books in partitions by size, heavy books alone: both
runners shuffle the books through it.

pyarrow is imported when first needed (the ``frames`` extra); no engine is imported here.
The schemas are attributes computed on first access.
"""

from __future__ import annotations

import heapq
import json
import sys
import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from guided_actions._adapters.frames.arrow import JSON_COLUMN, pyarrow
from guided_actions._adapters.frames.reading import fast_records, interchange_rows
from guided_actions._engine.config import Config
from guided_actions._engine.evaluate import RuleSetLike, evaluate
from guided_actions._engine.settings import Settings
from guided_actions._engine.tables import ACTION_COLUMNS, arrow_type
from guided_actions._model.document import SCHEMA, _RecordLoader, record_to_dict
from guided_actions._model.kinds import BY_NAME, NAMES
from guided_actions._model.records import Record
from guided_actions._model.validation import field_types, is_union
from guided_actions._snapshot.book import PLAN, WHOLE, keys_of_record
from guided_actions._snapshot.snapshot import Snapshot
from guided_actions.errors import InvalidSnapshotError, Problem, short_repr

if typing.TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

__all__ = [
    "ACTIONS_SCHEMA",
    "BOOK_SCHEMA",
    "KEY_SCHEMA",
    "READ_SCHEMA",
    "ROW_SCHEMA",
    "evaluate_book",
    "fan_out_local",
    "json_text_fields",
    "keys_of",
    "partition_of",
    "record_handle",
    "row_id",
    "rows_of",
]

_NONE = type(None)

#: The order of the lists in a document: a book's rows are sorted by list, then position.
LIST_ORDER: Mapping[str, int] = {name: i for i, name in enumerate(NAMES)}


def _schemas(pa: Any) -> dict[str, Any]:
    row = [
        pa.field("list", pa.string(), nullable=False),
        pa.field("id", pa.string(), nullable=False),
        pa.field("pos", pa.int64(), nullable=False),
        pa.field("json", pa.string(), nullable=False),
    ]
    key = pa.struct(
        [
            pa.field("key", pa.string(), nullable=False),
            pa.field("value", pa.string(), nullable=False),
        ]
    )
    return {
        "ROW_SCHEMA": pa.schema(row),
        "READ_SCHEMA": pa.schema(
            [
                *row,
                pa.field("rid", pa.int64(), nullable=False),
                pa.field("keys", pa.list_(pa.field("item", key, nullable=False)), False),
            ]
        ),
        "KEY_SCHEMA": pa.schema(
            [
                pa.field("list", pa.string(), nullable=False),
                pa.field("rid", pa.int64(), nullable=False),
                pa.field("key", pa.string(), nullable=False),
                pa.field("value", pa.string(), nullable=False),
            ]
        ),
        "BOOK_SCHEMA": pa.schema([pa.field("user_id", pa.string(), nullable=False), *row]),
        "ACTIONS_SCHEMA": pa.schema(
            [pa.field(n, arrow_type(pa, kind), nullable=null) for n, kind, null in ACTION_COLUMNS]
        ),
    }


_SCHEMAS: dict[str, Any] = {}

#: A row: one record as compact JSON of its interchange object (``json``), its list, its id
#: (:func:`row_id`) and its position in its input list (``pos``).
ROW_SCHEMA: pa.Schema
#: A row as read (:func:`rows_of`): :data:`ROW_SCHEMA` with the record's handle (``rid``:
#: :func:`record_handle`) and its keys, ``(key, value)`` pairs, in ``keys``.
READ_SCHEMA: pa.Schema
#: A key of a row: one value (``value``) of one key name (``key``) the plan joins on, after
#: the row's list and handle.
KEY_SCHEMA: pa.Schema
#: A row of a user's book: :data:`ROW_SCHEMA` with the user's id first.
BOOK_SCHEMA: pa.Schema
#: The tidy table of actions: the columns of ``ACTION_COLUMNS``.
ACTIONS_SCHEMA: pa.Schema


def __getattr__(name: str) -> Any:
    """``ROW_SCHEMA``, ``READ_SCHEMA``, ``KEY_SCHEMA``, ``BOOK_SCHEMA``, ``ACTIONS_SCHEMA``:
    made on first use."""
    if name in ("ROW_SCHEMA", "READ_SCHEMA", "KEY_SCHEMA", "BOOK_SCHEMA", "ACTIONS_SCHEMA"):
        if not _SCHEMAS:
            _SCHEMAS.update(_schemas(pyarrow()))
        return _SCHEMAS[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _schema(name: str) -> Any:
    return __getattr__(name)


def row_id(list_name: str, record: Mapping[str, Any], pos: int) -> str:
    """A row's id: its record's unique field (``id``; ``key`` for ``issued_actions``), or
    ``"#<pos>"`` in a list without one (feedback, dismissals, snoozes)."""
    id_field = BY_NAME[list_name].id_field
    if id_field is None:
        return f"#{pos}"
    return typing.cast(str, record[id_field])


#: Positions are below this: a record's handle holds its list and its position.
POSITIONS = 1 << 48


def record_handle(list_name: str, pos: int) -> int:
    """The handle of the record at position ``pos`` of the list ``list_name``: one integer for
    its list and its position, unique in the input, that the engines join on instead of texts.
    ``pos`` is below :data:`POSITIONS`."""
    return LIST_ORDER[list_name] * POSITIONS + pos


def json_text_fields(list_name: str) -> dict[str, frozenset[str] | None]:
    """The fields of ``list_name`` whose text column may be JSON text written by
    ``write_parquet``, each with the texts a plain column of the field may hold instead
    (``None``: none, the field holds no text).

    A field that may hold free text, an instant (ISO text) or a flag is never one: its text
    column is read as it is. A field of lists, records or numbers holds no text; a field that
    is a text of a few values or another shape (``access``: ``"everyone"`` or a list of teams)
    holds those values as plain text.
    """
    found: dict[str, frozenset[str] | None] = {}
    for name, tp in field_types(BY_NAME[list_name].cls).items():
        arms = [a for a in (typing.get_args(tp) if is_union(tp) else (tp,)) if a is not _NONE]
        if any(a is str or a is bool or a is datetime for a in arms):
            continue
        literals = [a for a in arms if typing.get_origin(a) is Literal]
        if len(literals) == len(arms):
            continue  # a text of a few values, and nothing else
        found[name] = frozenset(v for a in literals for v in typing.get_args(a)) or None
    return found


def _is_json_text(values: Iterable[Any], plain: frozenset[str] | None) -> bool:
    """Whether a text column of these values is JSON text: some value is no plain text of the
    field, and every value is a JSON text."""
    present = [v for v in values if v is not None]
    if not present or (plain is not None and all(v in plain for v in present)):
        return False
    for value in present:
        try:
            json.loads(value)
        except (TypeError, ValueError):
            return False
    return True


def _marked(list_name: str, table: Any) -> Any:
    """``table`` (Arrow or pandas) with the JSON text columns an engine left unmarked marked
    again (Arrow) or decoded (pandas), as :func:`json_text_fields` tells them."""
    fields = json_text_fields(list_name)
    pa = pyarrow()
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    if isinstance(table, pa.Table):
        for i, field in enumerate(table.schema):
            if (
                field.name in fields
                and (pa.types.is_string(field.type) or pa.types.is_large_string(field.type))
                and not field.metadata
                and _is_json_text(table.column(i).to_pylist(), fields[field.name])
            ):
                table = table.set_column(i, field.with_metadata(JSON_COLUMN), table.column(i))
        return table
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(table, pandas.DataFrame):
        decoded = {}
        for label in table.columns:
            if label not in fields:
                continue
            values = [None if _missing(pandas, v) else v for v in table[label].tolist()]
            if all(isinstance(v, str | None) for v in values) and _is_json_text(
                values, fields[label]
            ):
                decoded[label] = pandas.Series(
                    [None if v is None else json.loads(v) for v in values],
                    index=table.index,
                    dtype=object,
                )
        if decoded:
            table = table.assign(**decoded)
    return table


def _missing(pandas: Any, value: object) -> bool:
    """A pandas value that stands for a missing one (``None``, ``NaN``, ``NA``)."""
    if isinstance(value, float):
        return value != value
    return value is None or value is pandas.NA or value is pandas.NaT


def rows_of(list_name: str, table: pa.Table | pa.RecordBatch, first_pos: int) -> pa.Table:
    """The rows (:data:`READ_SCHEMA`) of an Arrow table of the list ``list_name`` in the
    interchange columns (as :func:`guided_actions.frames.write_parquet` writes them), the
    first at position ``first_pos``.

    Each row is decoded as :func:`guided_actions.frames.snapshot` decodes it (by column when
    every column passes its checks as a whole, else record by record); its ``json`` is its
    record's interchange object (``Snapshot.to_dict``'s form) as compact JSON, its ``keys`` the
    record's keys (:func:`~guided_actions._snapshot.book.keys_of_record`). A column of JSON
    text whose marker the engine dropped is read as JSON text (:func:`json_text_fields`); a
    pandas frame is taken too. A bad column or row raises
    :class:`~guided_actions.errors.InvalidSnapshotError` listing every problem, each naming the
    list, the row (its id, or ``#<position>``) and the field.
    """
    kind = BY_NAME.get(list_name) if isinstance(list_name, str) else None
    if kind is None:
        raise InvalidSnapshotError(
            [Problem("snapshot", None, None, short_repr(list_name), "unknown record list")]
        )
    table = _marked(list_name, table)
    records = fast_records(list_name, table)
    if records is None:
        records = _checked_records(list_name, table, first_pos)
    return _read_rows(list_name, records, first_pos)


def _checked_records(list_name: str, table: Any, first_pos: int) -> tuple[Record, ...]:
    """The records of a table, decoded record by record: every problem raised together."""
    kind = BY_NAME[list_name]
    objects, problems = interchange_rows(list_name, table)
    loader = _RecordLoader(problems)
    records: list[Record] = []
    for offset, raw in enumerate(objects):
        label = raw.get(kind.id_field) if kind.id_field else None
        label = label if isinstance(label, str) and label else f"#{first_pos + offset}"
        record = loader.load(list_name, kind.cls, raw, label)
        if record is not None:
            records.append(record)
    if problems:
        raise InvalidSnapshotError(problems)
    return tuple(records)


def _read_rows(list_name: str, records: Sequence[Record], first_pos: int) -> pa.Table:
    """The rows (:data:`READ_SCHEMA`) of valid records, the first at ``first_pos``."""
    pa = pyarrow()
    n = len(records)
    if first_pos < 0 or first_pos + n > POSITIONS:
        raise ValueError(f"positions {first_pos} to {first_pos + n} are not below {POSITIONS}")
    ids: list[str] = []
    texts: list[str] = []
    offsets = [0]
    names: list[str] = []
    values: list[str] = []
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    for pos, record in enumerate(records, first_pos):
        obj = record_to_dict(record)
        ids.append(row_id(list_name, obj, pos))
        texts.append(dumps(obj))
        for key, found in keys_of_record(list_name, record).items():
            names.extend([key] * len(found))
            values.extend(found)
        offsets.append(len(names))
    schema = _schema("READ_SCHEMA")
    handle = record_handle(list_name, first_pos)
    pairs = pa.StructArray.from_arrays(
        [pa.array(names, pa.string()), pa.array(values, pa.string())],
        fields=list(schema.field("keys").type.value_type),
    )
    return pa.Table.from_arrays(
        [
            pa.array([list_name] * n, pa.string()),
            pa.array(ids, pa.string()),
            pa.array(range(first_pos, first_pos + n), pa.int64()),
            pa.array(texts, pa.string()),
            pa.array(range(handle, handle + n), pa.int64()),
            pa.ListArray.from_arrays(
                pa.array(offsets, pa.int32()), pairs, type=schema.field("keys").type
            ),
        ],
        schema=schema,
    )


def keys_of(rows: pa.Table) -> pa.Table:
    """The keys (:data:`KEY_SCHEMA`) of rows (:data:`READ_SCHEMA`): one row per key of each
    row's ``keys``, after its list and handle, in the rows' order."""
    pa = pyarrow()
    pc = pa.compute
    rows = rows.select(["list", "rid", "keys"]).combine_chunks()
    keys = rows.column("keys")
    keys = keys.chunk(0) if keys.num_chunks else pa.array([], keys.type)
    parents = pc.list_parent_indices(keys)
    pairs = pc.list_flatten(keys)
    return pa.Table.from_arrays(
        [
            rows.column("list").take(parents),
            rows.column("rid").take(parents),
            pairs.field("key"),
            pairs.field("value"),
        ],
        schema=_schema("KEY_SCHEMA"),
    )


def _pairs(pa: Any, user_ids: Sequence[str], rids: Sequence[int]) -> Any:
    return pa.table({"user_id": pa.array(user_ids, pa.string()), "rid": pa.array(rids, pa.int64())})


def _distinct(table: Any) -> Any:
    return table.group_by(table.column_names, use_threads=False).aggregate([])


def _step_keys(pa: Any, keys: Any, list_name: str, key: str) -> Any:
    """The ``(rid, value)`` pairs of one list under one key name."""
    pc = pa.compute
    mask = pc.and_(pc.equal(keys["list"], list_name), pc.equal(keys["key"], key))
    return keys.filter(mask).select(["rid", "value"])


def fan_out_local(tables: Mapping[str, pa.Table]) -> pa.Table:
    """Every user's book rows (:data:`BOOK_SCHEMA`), with pyarrow joins: the reference
    interpreter of :data:`~guided_actions._snapshot.book.PLAN` over tables.

    ``tables`` maps list names to Arrow tables in the interchange columns. Each step is an
    equi-join of its sources' keys with its targets' keys (a repeated step again, until it
    reaches nothing new); a step from a whole list is run once, for every user. The rows of
    user ``u`` are those of ``snapshot.book([u])``, sorted by user, list (in interchange order)
    and position.
    """
    pa = pyarrow()
    pc = pa.compute
    rows = pa.concat_tables(
        [rows_of(name, table, 0) for name, table in tables.items()]
        or [_schema("READ_SCHEMA").empty_table()]
    )
    keys = keys_of(rows)
    user_rows = rows.filter(pc.equal(rows["list"], "users"))
    users, user_rids = user_rows["id"].to_pylist(), user_rows["rid"].to_pylist()
    everyone = "\x00"  # the user of what a step from a whole list reaches: every user
    by_step: dict[str, Any] = {}
    reached: list[Any] = []
    for step in PLAN:
        if step.parent is not None:
            sources = by_step[step.parent]
        elif step.source == "users":
            sources = _pairs(pa, users, user_rids)
        else:
            rids = rows.filter(pc.equal(rows["list"], step.source))["rid"].to_pylist()
            sources = _pairs(pa, [everyone] * len(rids), rids)
        source_keys = _step_keys(pa, keys, step.source, step.source_key)
        target_keys = _step_keys(pa, keys, step.target, step.target_key)
        found = _pairs(pa, [], [])
        level = sources
        while level.num_rows:
            values = level.join(source_keys, "rid", join_type="inner").select(["user_id", "value"])
            targets = values.join(target_keys, "value", join_type="inner")
            new = _distinct(targets.select(["user_id", "rid"]))
            if found.num_rows:
                new = new.join(found, ["user_id", "rid"], join_type="left anti")
            found = pa.concat_tables([found, new.select(["user_id", "rid"])])
            level = new if step.repeat else _pairs(pa, [], [])
        by_step[step.name] = found
        reached.append(found)
    for name in WHOLE:
        rids = rows.filter(pc.equal(rows["list"], name))["rid"].to_pylist()
        reached.append(_pairs(pa, [everyone] * len(rids), rids))
    pairs = _distinct(pa.concat_tables(reached))
    shared = pairs.filter(pc.equal(pairs["user_id"], everyone)).drop_columns("user_id")
    own = pairs.filter(pc.not_equal(pairs["user_id"], everyone))
    users_table = pa.table({"user_id": pa.array(users, pa.string())})
    crossed = users_table.append_column("k", pa.array([0] * len(users), pa.int8())).join(
        shared.append_column("k", pa.array([0] * shared.num_rows, pa.int8())), "k"
    )
    pairs = _distinct(pa.concat_tables([own, crossed.select(["user_id", "rid"])]))
    book = pairs.join(rows.drop_columns("keys"), "rid", join_type="inner")
    book = book.sort_by([("user_id", "ascending"), ("rid", "ascending")])
    return book.select(["user_id", "list", "id", "pos", "json"]).cast(_schema("BOOK_SCHEMA"))


def partition_of(sizes: Mapping[str, int], partitions: int) -> dict[str, int]:
    """Each user's partition (``0`` to ``partitions - 1``), for books of ``sizes`` rows: the
    largest book first, each to the partition that holds the fewest rows so far (greedy
    longest-first bin packing). A book larger than an even share of the rows is therefore
    alone in its partition, or with small ones, and no partition holds more than 4/3 of the
    larger of the largest book and an even share. Ties go by user id: the same sizes give the
    same partitions."""
    heap = [(0, p) for p in range(partitions)]
    placed: dict[str, int] = {}
    for user, size in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        load, partition = heapq.heappop(heap)
        placed[user] = partition
        heapq.heappush(heap, (load + size, partition))
    return placed


def book_document(rows: pa.Table, lifecycle_stages: Iterable[str] | None = None) -> dict[str, Any]:
    """The interchange document of book rows (:data:`ROW_SCHEMA`, any order): each list's
    records in position order, lists in interchange order."""
    columns = rows.select(["list", "pos", "json"]).to_pydict()
    ordered = sorted(
        zip(columns["list"], columns["pos"], columns["json"], strict=True),
        key=lambda row: (LIST_ORDER[row[0]], row[1]),
    )
    document: dict[str, Any] = {"schema": SCHEMA}
    if lifecycle_stages is not None:
        document["lifecycle_stages"] = list(lifecycle_stages)
    for list_name, _pos, text in ordered:
        document.setdefault(list_name, []).append(json.loads(text))
    return document


def evaluate_book(
    user_id: str,
    rows: pa.Table,
    now: datetime,
    *,
    config: Config | Settings | None = None,
    rules: RuleSetLike | None = None,
    lifecycle_stages: Iterable[str] | None = None,
) -> pa.Table:
    """One user's action table (:data:`ACTIONS_SCHEMA`) from their book's rows
    (:data:`ROW_SCHEMA`, any order): the document of the rows, ordered by list then position,
    :meth:`Snapshot.from_dict`, :func:`~guided_actions.evaluate` and
    :meth:`Result.to_arrow <guided_actions.Result.to_arrow>`. ``lifecycle_stages``: the CRM's
    own, when it has some (``None``: the default list)."""
    snapshot = Snapshot.from_dict(book_document(rows, lifecycle_stages))
    result = evaluate(snapshot, now, user_id, config=config, rules=rules)
    return result.to_arrow().cast(_schema("ACTIONS_SCHEMA"))

"""A failed load costs in proportion to the document, never to a product of its parts.

Thousands of contacts on a stage that a list of thousands of lifecycle stages lacks (or deals on
a stage that a pipeline of thousands of stages lacks) once gave each problem the whole list of
stages: a 0.5 MB document made a 720 MB message and took 2 GB. The message, and the memory of
the failed load, must stay within a fixed multiple of the document's size.
"""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest

from guided_actions import Snapshot
from guided_actions.errors import InvalidSnapshotError

T = "2026-01-05T09:00:00Z"
#: A failed load may take this many times the document's size in memory, at the most (about 8
#: to 22 times is measured: the parsed JSON, the records, the problems).
MEMORY_FACTOR = 40
#: The problems an error's text lists; a line of it is short whatever the document holds.
LISTED, LONGEST_LINE = 20, 700


def document(kind: str, stages: int, records: int) -> dict[str, Any]:
    """``records`` contacts (or deals) on a stage missing from a list of ``stages`` stages."""
    doc: dict[str, Any] = {"schema": "guided-actions/1"}
    names = [f"stage-{i:05d}" for i in range(stages)]
    if kind == "lifecycle":
        doc["lifecycle_stages"] = names
        doc["contacts"] = [
            {"id": f"c{i}", "created_at": T, "lifecycle_stage": "unknown"} for i in range(records)
        ]
    else:
        doc["pipelines"] = [{"id": "sales", "object": "deal", "stages": [{"id": n} for n in names]}]
        doc["deals"] = [
            {"id": f"d{i}", "pipeline_id": "sales", "stage_id": "unknown", "created_at": T}
            for i in range(records)
        ]
    return doc


def failed_load(text: str) -> tuple[InvalidSnapshotError, str, int]:
    """The error of loading ``text``, its message and the peak memory taken meanwhile."""
    tracemalloc.start()
    try:
        with pytest.raises(InvalidSnapshotError) as info:
            Snapshot.from_dict(json.loads(text))
        message = str(info.value)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return info.value, message, peak


@pytest.mark.parametrize("kind", ["lifecycle", "pipeline"])
@pytest.mark.parametrize(("stages", "records"), [(5_000, 1_000), (50, 5_000), (20_000, 10)])
def test_error_and_memory_grow_with_the_document(kind: str, stages: int, records: int) -> None:
    """Every record is reported, in a message of a few lines, with memory in proportion."""
    text = json.dumps(document(kind, stages, records))
    error, message, peak = failed_load(text)
    field = "lifecycle_stage" if kind == "lifecycle" else "stage_id"
    assert [p.field for p in error.problems] == [field] * records  # all kept
    assert len(message) <= 2 * len(text)
    lines = message.splitlines()
    assert len(lines) == 1 + min(records, LISTED) + (records > LISTED)
    assert max(map(len, lines)) <= LONGEST_LINE
    assert peak <= MEMORY_FACTOR * len(text), (peak, len(text))


@pytest.mark.parametrize("kind", ["lifecycle", "pipeline"])
def test_the_message_names_the_first_stages_and_counts_the_rest(kind: str) -> None:
    """A problem names the stages allowed, ten of them, and says how many more there are."""
    text = json.dumps(document(kind, 20_000, 2))
    error, _message, _peak = failed_load(text)
    first = str(error.problems[0])
    assert "stage-00000, stage-00001" in first
    assert "stage-00009, … and 19,990 more" in first
    assert "stage-00010" not in first
    assert len(first) < 400


@pytest.mark.parametrize("kind", ["lifecycle", "pipeline"])
def test_a_short_list_of_stages_is_shown_whole(kind: str) -> None:
    """With ten stages or fewer, the message lists them all, as before."""
    text = json.dumps(document(kind, 10, 1))
    error, _message, _peak = failed_load(text)
    (problem,) = error.problems
    assert ", ".join(f"stage-{i:05d}" for i in range(10)) in problem.message
    assert "more" not in problem.message


def test_huge_ids_do_not_multiply_either() -> None:
    """One record with a 100,000-character id and 2,000 unknown fields: each problem names the
    record, but the text stays short and the memory in proportion."""
    record: dict[str, Any] = {"id": "x" * 100_000, "created_at": T}
    record.update({f"f{i}": i for i in range(2_000)})
    text = json.dumps({"schema": "guided-actions/1", "contacts": [record]})
    error, message, peak = failed_load(text)
    assert len(error.problems) == 2_000
    assert all(p.record_id == record["id"] for p in error.problems)
    assert len(message) < LISTED * LONGEST_LINE
    assert peak <= MEMORY_FACTOR * len(text)

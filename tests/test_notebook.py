"""examples/maven-crm.ipynb runs on a real Jupyter kernel and shows what it promises.

The notebook is executed once per session by nbclient on the ``python3`` kernel, from a clean
copy (its outputs removed) in a temporary directory holding the export, as a reader who opens it
next to ``maven-crm/`` would. A last cell, added to the copy only, writes what the kernel built
(the snapshot, every result, the rep it chose…) to a file, so that the tests compare it with the
plain-Python example (``examples/maven_crm.py``) of the same export: two mappings of the same CSV
files, one with pandas and ``guided_actions.frames``, one with the standard library, must give the
same snapshot and the same actions. The committed notebook is checked against the fresh run.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode

from guided_actions import Snapshot, evaluate_all, explain

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
NOTEBOOK = EXAMPLES / "maven-crm.ipynb"
NOW = datetime(2017, 6, 30, 17, 0, tzinfo=UTC)

#: Added to the executed copy only: what the kernel built, for the tests to compare.
CHECK_CELL = """
import json as _json
from pathlib import Path as _Path

_Path("kernel-state.json").write_text(
    _json.dumps(
        {
            "snapshot": snapshot.to_dict(),
            "results": {user_id: r.to_dicts() for user_id, r in results.items()},
            "rep": rep,
            "top": top.to_dict(),
            "deal_id": deal_id,
            "why": why.to_dict(),
        }
    ),
    encoding="utf-8",
)
"""

#: How to bring the committed outputs up to date after a change the notebook shows.
REFRESH = "refresh it: jupyter execute --inplace examples/maven-crm.ipynb"

#: Outputs that depend on the machine's libraries (pandas' HTML, PNG bytes) are not compared;
#: these are: what the cells print, and the library's own displays.
TEXT_TYPES = ("text/plain", "text/html")


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("maven_crm", EXAMPLES / "maven_crm.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _as_json(value: object) -> Any:
    """``value`` as it comes back from JSON (tuples become lists)."""
    return json.loads(json.dumps(value))


def _tags(cell: NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _code_cells(nb: NotebookNode) -> list[NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code" and "test-only" not in _tags(c)]


def _cell(nb: NotebookNode, marker: str) -> NotebookNode:
    """The one code cell whose source holds ``marker``."""
    [cell] = [c for c in _code_cells(nb) if marker in c.source]
    return cell


def _stdout(cell: NotebookNode) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def _displayed(cell: NotebookNode, mime: str) -> list[str]:
    """The ``mime`` data of the cell's displays and result, in order."""
    return [
        o.data[mime]
        for o in cell.outputs
        if o.output_type in ("display_data", "execute_result") and mime in o.data
    ]


def _text_outputs(cell: NotebookNode) -> list[tuple[str, str]]:
    """The cell's outputs that must not change between runs: streams and text displays."""
    shown: list[tuple[str, str]] = []
    for o in cell.outputs:
        if o.output_type == "stream" and o.name == "stdout":
            shown.append((o.name, o.text))
        elif o.output_type in ("display_data", "execute_result"):
            shown += [(mime, o.data[mime]) for mime in TEXT_TYPES if mime in o.data]
    return shown


def _kinds(cell: NotebookNode) -> list[tuple[str, ...]]:
    """The shape of the cell's outputs: each output's type and mime types (or stream name)."""
    return [
        (o.output_type, o.name) if o.output_type == "stream" else (o.output_type, *sorted(o.data))
        for o in cell.outputs
        if not (o.output_type == "stream" and o.name == "stderr")
    ]


@pytest.fixture(scope="module")
def committed() -> NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[NotebookNode, dict[str, Any]]:
    """The notebook executed from a clean copy, and the state its kernel wrote."""
    workdir = tmp_path_factory.mktemp("notebook")
    shutil.copytree(EXAMPLES / "maven-crm", workdir / "maven-crm")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    check = nbformat.v4.new_code_cell(CHECK_CELL.strip())
    check.metadata["tags"] = ["test-only"]
    nb.cells.append(check)
    nbformat.write(nb, workdir / NOTEBOOK.name)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    )
    with pytest.MonkeyPatch.context() as mp:
        # The kernel draws inline, as in Jupyter, whatever backend the test run is given.
        mp.delenv("MPLBACKEND", raising=False)
        client.execute()
    state = json.loads((workdir / "kernel-state.json").read_text(encoding="utf-8"))
    return nb, state


@pytest.fixture(scope="module")
def example_snapshot() -> Snapshot:
    """The same export mapped by the plain-Python example."""
    return Snapshot.from_dict(_example().build_document(NOW))


class TestExecution:
    """The notebook runs on a real kernel from a clean copy and says what the export holds."""

    def test_every_cell_runs(self, executed: tuple[NotebookNode, dict[str, Any]]) -> None:
        """Every code cell ran, in order, and none shows an error."""
        nb, _ = executed
        cells = _code_cells(nb)
        assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))
        assert not [o for c in cells for o in c.outputs if o.output_type == "error"]

    def test_reads_the_whole_export(self, executed: tuple[NotebookNode, dict[str, Any]]) -> None:
        """The CSV files are read whole, from the export next to the notebook."""
        nb, _ = executed
        assert _stdout(_cell(nb, "pd.read_csv")) == (
            "35 sales agents, 85 accounts, 7 products, 8800 opportunities\n"
        )

    def test_snapshot_equals_the_example_document(
        self, executed: tuple[NotebookNode, dict[str, Any]], example_snapshot: Snapshot
    ) -> None:
        """The pandas mapping through ``frames.snapshot`` gives the snapshot the standard-library
        example gives through ``Snapshot.from_dict``: every user, company and deal, field by
        field (ids, stages as of now, dates, amounts)."""
        _, state = executed
        expected = _as_json(example_snapshot.to_dict())
        assert state["snapshot"] == expected
        assert len(state["snapshot"]["deals"]) == 8800

    def test_every_rep_is_evaluated(
        self, executed: tuple[NotebookNode, dict[str, Any]], example_snapshot: Snapshot
    ) -> None:
        """``evaluate_all`` in the kernel gives every rep the actions the example's snapshot
        gives them, and the cell reports the reps and actions it has."""
        nb, state = executed
        expected = {u: r.to_dicts() for u, r in evaluate_all(example_snapshot, NOW).items()}
        assert state["results"] == _as_json(expected)
        total = sum(len(dicts) for dicts in expected.values())
        assert total > 0
        assert _stdout(_cell(nb, "results = evaluate_all")) == f"35 reps, {total} actions\n"

    def test_counts_keep_every_rep(
        self, executed: tuple[NotebookNode, dict[str, Any]], example_snapshot: Snapshot
    ) -> None:
        """Every rep is in the counts, those without an action too, and they are named."""
        nb, _ = executed
        results = evaluate_all(example_snapshot, NOW)
        quiet = sorted(u for u, r in results.items() if not r.actions)
        assert quiet, "the export has reps without an action: the test would be vacuous"
        assert _stdout(_cell(nb, "results.counts()")) == (
            f"35 reps in the counts, {len(quiet)} with no action: {', '.join(quiet)}\n"
        )

    def test_top_action_of_the_busiest_rep(
        self, executed: tuple[NotebookNode, dict[str, Any]], example_snapshot: Snapshot
    ) -> None:
        """The rep is the one with the most actions (the first in user order on a tie); the
        action explained is the first of their ranking, and its explanation is printed."""
        nb, state = executed
        results = evaluate_all(example_snapshot, NOW)
        most = max(len(r.actions) for r in results.values())
        rep = next(u for u, r in results.items() if len(r.actions) == most)
        assert state["rep"] == rep
        top = results[rep].ranked()[0].action
        assert state["top"] == _as_json(top.to_dict())
        assert state["top"]["rule"] == "add_contact_to_deal"
        assert _stdout(_cell(nb, "print(top.explain())")) == top.explain() + "\n"

    def test_missing_action_is_explained(
        self, executed: tuple[NotebookNode, dict[str, Any]], example_snapshot: Snapshot
    ) -> None:
        """The deal explained is an open deal of the rep with no action: no rule is active for
        it, the statuses printed are ``explain``'s, and its frame is displayed."""
        nb, state = executed
        rep, deal_id = state["rep"], state["deal_id"]
        deal = example_snapshot.deal(deal_id)
        assert deal is not None
        assert deal.owner_id == rep
        assert deal.stage_id in ("prospecting", "engaging")
        why = explain(example_snapshot, NOW, rep, f"deal:{deal_id}")
        assert state["why"] == _as_json(why.to_dict())
        statuses = {entry.rule: entry.status for entry in why}
        assert "active" not in statuses.values()
        # What the notebook's text says of it: the deal is too young for its first action.
        assert statuses["add_contact_to_deal"] == "pending"
        cell = _cell(nb, "why = explain(")
        assert _stdout(cell) == f"{deal_id} {statuses}\n"
        assert _displayed(cell, "text/html")

    def test_mapping_mistakes_are_reported_together(
        self, executed: tuple[NotebookNode, dict[str, Any]]
    ) -> None:
        """The broken mapping's one error lists its three problems: the naive column, the
        unknown column and the unknown owner, each with its table, column and value."""
        nb, _ = executed
        lines = _stdout(_cell(nb, "except InvalidSnapshotError")).splitlines()
        assert lines[0] == "invalid snapshot: 3 problems"
        assert lines[1].startswith("  - deals, field 'closed_at': naive timestamps")
        assert lines[2].startswith("  - deals, field 'close_value': unknown column")
        assert lines[3] == (
            "  - deals 'EC4QE1BX', field 'owner_id': no users record has this id (got 'nobody')"
        )

    def test_the_library_displays_itself_as_html(
        self, executed: tuple[NotebookNode, dict[str, Any]]
    ) -> None:
        """The snapshot and the rep's result are shown by their own HTML display."""
        nb, state = executed
        [snapshot_html] = _displayed(_cell(nb, "snapshot = frames.snapshot(tables)"), "text/html")
        [result_html] = _displayed(_cell(nb, "result = results[rep]"), "text/html")
        assert "<table" in snapshot_html
        assert "<table" in result_html
        assert state["rep"] in result_html

    def test_figures_are_drawn(self, executed: tuple[NotebookNode, dict[str, Any]]) -> None:
        """Both plot cells show one figure, as an image."""
        nb, _ = executed
        figures = [c for c in _code_cells(nb) if "figure" in _tags(c)]
        assert [c.source.split("(")[0] for c in figures] == [
            "ax = plot.actions_per_rep",
            "ax = plot.timeline",
        ]
        for cell in figures:
            assert len(_displayed(cell, "image/png")) == 1

    def test_parquet_round_trip(self, executed: tuple[NotebookNode, dict[str, Any]]) -> None:
        """The snapshot written to Parquet reads back equal, one file per table."""
        nb, _ = executed
        files, equal = _stdout(_cell(nb, "frames.write_parquet")).splitlines()
        assert equal == "True"
        names = ast.literal_eval(files)
        assert names
        assert all(name.endswith(".parquet") for name in names)


class TestCommitted:
    """The notebook in the repository is committed executed, with the outputs of a fresh run."""

    def test_committed_with_outputs(self, committed: NotebookNode) -> None:
        """A valid nbformat 4 notebook on the python3 kernel, every code cell executed in
        order, and no error shown."""
        nbformat.validate(committed)
        assert committed.nbformat == 4
        assert committed.metadata.kernelspec.name == "python3"
        cells = _code_cells(committed)
        assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))
        assert all(c.outputs for c in cells if "pinned" in _tags(c) or "figure" in _tags(c))
        assert not [o for c in cells for o in c.outputs if o.output_type == "error"]

    def test_same_outputs_as_a_fresh_run(
        self, committed: NotebookNode, executed: tuple[NotebookNode, dict[str, Any]]
    ) -> None:
        """Cell by cell, the committed outputs have the fresh run's shape; the pinned cells'
        printed text and the library's displays are the fresh run's, exactly."""
        nb, _ = executed
        old, new = _code_cells(committed), _code_cells(nb)
        assert [c.source for c in old] == [c.source for c in new]
        for before, after in zip(old, new, strict=True):
            assert _kinds(before) == _kinds(after), (REFRESH, before.source)
            tags = _tags(before)
            if "pinned" in tags:
                assert _text_outputs(before) == _text_outputs(after), (REFRESH, before.source)
            elif "pinned-stdout" in tags:
                assert _stdout(before) == _stdout(after), (REFRESH, before.source)

    def test_pins_cover_the_key_outputs(self, committed: NotebookNode) -> None:
        """The cells whose outputs are compared are the ones that carry the story."""
        pinned = [c for c in _code_cells(committed) if {"pinned", "pinned-stdout"} & set(_tags(c))]
        assert len(pinned) >= 7
        for marker in ("pd.read_csv", "results = evaluate_all", "results.counts()", "top.explain"):
            assert _cell(committed, marker) in pinned

"""Notebook helpers shared by the pipeline and the tests (plain JSON/nbformat, no kernel)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Iterator

import nbformat

HIDDEN_RE = re.compile(r"[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.S)
SOLUTION_RE = re.compile(r"### BEGIN SOLUTION|### END SOLUTION")


def read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook (as_version=4). Raises on invalid JSON."""
    return nbformat.read(str(path), as_version=4)


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata; ``{}`` when absent or malformed (not a dict)."""
    meta = cell.get("metadata", {})
    meta = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return meta if isinstance(meta, dict) else {}


def grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def is_answer(cell) -> bool:
    """An autograded answer cell (solution, not a graded test)."""
    m = nbgrader_meta(cell)
    return bool(m.get("solution")) and not m.get("grade") and cell.cell_type == "code"


def is_test(cell) -> bool:
    """An autograder test cell (graded, not a solution)."""
    m = nbgrader_meta(cell)
    return bool(m.get("grade")) and not m.get("solution") and cell.cell_type == "code"


def points(cell) -> float:
    return float(nbgrader_meta(cell).get("points", 0) or 0)


def graded_cells(nb) -> Iterator:
    return (c for c in nb.cells if nbgrader_meta(c).get("grade"))


def strip_outputs(nb) -> nbformat.NotebookNode:
    """Copy without outputs and execution counts (what source/ and release/ commit)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.get("metadata", {}).pop("execution", None)
    return nb


def remove_hidden_tests(source: str) -> str:
    return HIDDEN_RE.sub("", source)


def canonical(nb, keep_outputs: bool = False) -> str:
    """A stable text form for comparing notebooks, ignoring volatile fields.

    Ignored: outputs and execution counts (unless ``keep_outputs``), execution timing
    metadata, cell ids, and the notebook-level language_info/widget metadata.
    """
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.pop("id", None)
        cell.get("metadata", {}).pop("execution", None)
        cell.get("metadata", {}).pop("collapsed", None)
        if cell.cell_type == "code" and not keep_outputs:
            cell.outputs = []
            cell.execution_count = None
    for key in ("language_info", "widgets", "colab", "accelerator"):
        nb.metadata.pop(key, None)
    return json.dumps(nb, sort_keys=True, ensure_ascii=False, indent=1)


def cell_seconds(nb) -> float:
    """Seconds the notebook's cells took to run, summed from their execution metadata
    (``iopub.execute_input`` .. ``shell.execute_reply``; kernel start not included)."""
    import datetime as dt
    total = 0.0
    for cell in nb.cells:
        ex = cell.get("metadata", {}).get("execution", {})
        t0, t1 = ex.get("iopub.execute_input"), ex.get("shell.execute_reply")
        if t0 and t1:
            total += (dt.datetime.fromisoformat(t1.replace("Z", "+00:00"))
                      - dt.datetime.fromisoformat(t0.replace("Z", "+00:00"))).total_seconds()
    return total


"""Unit tests of autograder.repair: matching a damaged submission back to the release copy."""

from __future__ import annotations

import copy
import json
import random

import nbformat
import pytest

from autograder import nbtools, pipeline, repair
from conftest import ASSIGNMENTS, REPO

A = "week01_tensors"
pytestmark = pytest.mark.skipif(A not in ASSIGNMENTS, reason="week 1 missing")


@pytest.fixture(scope="module")
def release():
    return nbtools.read(REPO / "release" / A / f"{A}.ipynb")


@pytest.fixture(scope="module")
def solution():
    return pipeline.solution_notebook(A)


def _gids(nb):
    return [nbtools.grade_id(c) for c in nb.cells if nbtools.grade_id(c)]


def test_intact_submission_is_ok_and_unchanged(release, solution):
    prep = repair.prepare(solution, release)
    assert prep.status == "ok" and not prep.notes
    assert _gids(prep.notebook) == _gids(release)
    assert [c.source for c in prep.notebook.cells] == [c.source for c in solution.cells]


def test_stripped_metadata_and_new_ids_are_restored(release, solution):
    nb = copy.deepcopy(solution)
    for i, cell in enumerate(nb.cells):
        cell.metadata = {}
        cell["id"] = f"colab{i:03d}"
    prep = repair.prepare(nb, release)
    assert prep.status == "repaired"
    assert _gids(prep.notebook) == _gids(release)
    answers = [c for c in prep.notebook.cells if nbtools.is_answer(c)]
    assert all("### BEGIN SOLUTION" in c.source for c in answers)  # the student's code kept


def test_reordered_cells_are_put_back_in_release_order(release, solution):
    nb = copy.deepcopy(solution)
    cells = nb.cells[2:]
    random.Random(0).shuffle(cells)
    nb.cells = nb.cells[:2] + cells
    prep = repair.prepare(nb, release)
    assert prep.status == "repaired" and any("순서" in n for n in prep.notes)
    assert _gids(prep.notebook) == _gids(release)


def test_duplicated_grade_cells_are_deduplicated(release, solution):
    nb = copy.deepcopy(solution)
    test_idx = next(i for i, c in enumerate(nb.cells) if nbtools.is_test(c))
    nb.cells.insert(test_idx + 1, copy.deepcopy(nb.cells[test_idx]))
    nb.cells[test_idx + 1]["id"] = "twin"
    prep = repair.prepare(nb, release)
    gids = _gids(prep.notebook)
    assert len(gids) == len(set(gids)) == len(_gids(release))


def test_deleted_test_cell_is_reinserted_and_marked(release, solution):
    nb = copy.deepcopy(solution)
    victim = next(c for c in nb.cells if nbtools.is_test(c))
    nb.cells.remove(victim)
    prep = repair.prepare(nb, release)
    assert prep.deleted_tests == [nbtools.grade_id(victim)]
    assert _gids(prep.notebook) == _gids(release)


def test_test_cell_turned_into_markdown_is_restored(release, solution):
    nb = copy.deepcopy(solution)
    k = next(i for i, c in enumerate(nb.cells) if nbtools.is_test(c))
    nb.cells[k] = nbformat.v4.new_markdown_cell(nb.cells[k].source, metadata=nb.cells[k].metadata)
    prep = repair.prepare(nb, release)
    assert prep.status == "repaired"
    assert prep.notebook.cells[k].cell_type == "code" and nbtools.is_test(prep.notebook.cells[k])


def test_edited_test_cell_is_reported(release, solution):
    nb = copy.deepcopy(solution)
    k = next(i for i, c in enumerate(nb.cells) if nbtools.is_test(c))
    nb.cells[k].source = "pass"
    prep = repair.prepare(nb, release)
    assert prep.status == "repaired" and any("수정된 테스트" in n for n in prep.notes)


def test_other_notebook_needs_manual(release):
    other = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hi')")])
    assert repair.prepare(other, release).status == "needs_manual"


@pytest.mark.parametrize("data,reason", [(b"", "빈 파일"), (b"{not json", "JSON"),
                                         (b'{"cells": 3}', "cells"), (b"[1, 2]", "cells")])
def test_unreadable_files_are_corrupt(tmp_path, data, reason):
    p = tmp_path / "x.ipynb"
    p.write_bytes(data)
    nb, why = repair.load_submission(p)
    assert nb is None and reason in why


def test_scan_tampering_finds_patched_helpers():
    cells = ["checks.check_close = lambda *a, **k: None", "import torch as T\nT.allclose = f",
             "setattr(checks, 'check_equal', print)", "import sys\nsys.modules['x'] = y",
             "model.fc = nn.Linear(2, 3)\nx = torch.zeros(3)"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    found = repair.scan_tampering(nb)
    assert len(found) == 4 and not any("model.fc" in f for f in found)

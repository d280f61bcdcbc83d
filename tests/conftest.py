"""Shared fixtures. The repository's own tests run offline and with one thread."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

os.environ.setdefault("DLCOURSE_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

from autograder import course  # noqa: E402

ASSIGNMENTS = course.assignments(REPO)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


# --- Scheduling for `make test` (pytest-xdist: --dist loadscope --no-loadscope-reorder) -----
# xdist's scope is a test file, or a test class: tests/test_grading_truth.py keeps the
# real-nbgrader class (one module fixture) in its module and puts each week's mutation tests
# in a class of their own (they share a per-process cache). Scopes are handed to the workers in
# the order of the items, so the longest ones (measured in CI: docs/BENCHMARKS.md) go first
# and no worker is left running a 10-minute file alone at the end; xdist's default order (by
# number of tests) put the one-test ordinary-user run last. (`--dist loadgroup` with
# xdist_group marks did not group anything with pytest 9.2 / xdist 3.8: measured.)
LONGEST_FIRST = [
    "tests/test_as_ordinary_user.py", "tests/test_grading_truth.py", "tests/test_redteam.py",
    "mutants-week06_bert", "mutants-week07_rag", "tests/test_site.py", "tests/test_postgres.py",
    "mutants-week03_cnn", "tests/test_pipeline_demo.py", "mutants-week04_lstm",
    "tests/test_sandbox.py", "mutants-week02_dnn", "mutants-week05_attention",
]


def xdist_scope_of(item) -> str:
    """The xdist scope of a test, named as in :data:`LONGEST_FIRST`."""
    week = getattr(getattr(item, "cls", None), "a", None)
    if week and item.cls.__name__.startswith("TestMutations_"):
        return f"mutants-{week}"
    return item.nodeid.split("::")[0]


def pytest_collection_modifyitems(config, items):
    rank = {g: i for i, g in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda it: rank.get(xdist_scope_of(it), len(rank)))   # stable: the rest keep their order

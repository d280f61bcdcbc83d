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


# --- Scheduling for `make test` (pytest-xdist: --dist loadgroup --no-loadscope-reorder) -----
# Every test goes into one xdist group: its file, except tests/test_grading_truth.py, which is
# split into the real-nbgrader class ("truth", one module fixture) and one group per week of
# mutation tests (they share a per-process cache). Groups are handed to the workers in the
# order of the items, so the longest groups (measured in CI: docs/BENCHMARKS.md) go first
# and no worker is left running a 10-minute group alone at the end. xdist's own default
# orders groups by their number of tests, which put the one-test ordinary-user run last.
LONGEST_FIRST = [
    "tests/test_as_ordinary_user.py", "truth", "tests/test_redteam.py", "mutants-week06_bert",
    "mutants-week07_rag", "tests/test_site.py", "tests/test_postgres.py", "mutants-week03_cnn",
    "tests/test_pipeline_demo.py", "mutants-week04_lstm", "tests/test_sandbox.py",
    "mutants-week02_dnn", "mutants-week05_attention",
]


def xdist_group_of(item) -> str:
    path = item.nodeid.split("::")[0]
    if path.endswith("test_grading_truth.py"):
        if "graded_class" in item.fixturenames:
            return "truth"
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "a" in params:
            return f"mutants-{params['a']}"
    return path


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    groups = {}
    for item in items:
        groups[item.nodeid] = xdist_group_of(item)
        item.add_marker(pytest.mark.xdist_group(groups[item.nodeid]))
    rank = {g: i for i, g in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda it: rank.get(groups[it.nodeid], len(rank)))   # stable: the rest keep their order

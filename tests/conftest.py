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

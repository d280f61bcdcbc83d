"""Building graded notebooks from Python (an alternative to nbgrader's Jupyter toolbar).

A week's graded notebook is a list of cells with nbgrader metadata. These helpers produce
cells with the right metadata so that a build script stays short and readable::

    from autograder import authoring as A
    nb = A.notebook([
        A.title("week01_tensors", "# 1주차 …", checkpoints=["파이토치 텐서"]),
        A.setup(),
        A.md("## Part A — … (10점)"),
        A.answer("answer_make_grid", "def make_grid(n, m):\\n    ### BEGIN SOLUTION\\n    ...\\n    ### END SOLUTION"),
        A.test("make_grid_values", 10, '\"\"\"Check …\"\"\"\\n…', checkpoints=["파이토치 텐서"]),
    ])
    A.save(nb, "source/week01_tensors/week01_tensors.ipynb")

Checkpoint topics are cell tags ``checkpoint:<topic>``; ``python -m autograder checkpoints``
reads them into docs/CHECKPOINTS.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

__all__ = ["notebook", "md", "code", "answer", "test", "readonly", "title", "setup", "save",
           "SETUP_SOURCE"]


def _tags(checkpoints: Iterable[str] = ()) -> list[str]:
    return [f"checkpoint:{c}" for c in checkpoints]


def _nbgrader(grade_id: str, *, grade: bool, solution: bool, locked: bool,
              points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def md(text: str, checkpoints: Sequence[str] = ()):
    """A plain markdown cell (editable by students, ungraded)."""
    cell = new_markdown_cell(text.strip("\n"))
    if checkpoints:
        cell.metadata["tags"] = _tags(checkpoints)
    return cell


def code(source: str):
    """A plain code cell where the student may experiment (ungraded)."""
    return new_code_cell(source.strip("\n"))


def readonly(grade_id: str, source: str, kind: str = "markdown",
             checkpoints: Sequence[str] = ()):
    """A locked cell (title, setup, instructions) that autograding restores."""
    cell = (new_markdown_cell if kind == "markdown" else new_code_cell)(source.strip("\n"))
    cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=False, solution=False, locked=True)
    cell.metadata["editable"] = False
    cell.metadata["deletable"] = False
    if checkpoints:
        cell.metadata["tags"] = _tags(checkpoints)
    return cell


def answer(grade_id: str, source: str):
    """An answer cell: the solution between ``### BEGIN SOLUTION``/``### END SOLUTION``."""
    if "### BEGIN SOLUTION" not in source:
        raise ValueError(f"{grade_id}: an answer cell needs ### BEGIN/END SOLUTION markers")
    cell = new_code_cell(source.strip("\n"))
    cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=False, solution=True, locked=False)
    return cell


def test(grade_id: str, points: float, source: str, checkpoints: Sequence[str] = ()):
    """A locked, graded test cell (visible checks, then ``### BEGIN HIDDEN TESTS``)."""
    if not source.lstrip().startswith('"""'):
        raise ValueError(f"{grade_id}: a test cell opens with a one-line docstring")
    cell = new_code_cell(source.strip("\n"))
    cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=True, solution=False, locked=True,
                                          points=points)
    cell.metadata["editable"] = False
    cell.metadata["deletable"] = False
    if checkpoints:
        cell.metadata["tags"] = _tags(checkpoints)
    return cell


def title(assignment: str, text: str, checkpoints: Sequence[str] = ()):
    """The read-only title cell with an "Open in Colab" badge (URL filled by `make release`)."""
    badge = (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
             f"(@@COLAB_URL:{assignment}@@)")
    return readonly(f"{assignment}_title", text.strip("\n") + "\n\n" + badge,
                    checkpoints=checkpoints)


SETUP_SOURCE = '''\
# 설정(setup) 셀 — 수정하지 말고 그대로 실행하세요. 여러 번 실행해도 안전합니다.
# Colab에서는 코스 패키지(autograder)만 설치합니다. Colab의 torch는 건드리지 않습니다.
import os
import sys
import subprocess

COURSE_REPOSITORY = "@@REPOSITORY@@"
COURSE_VERSION = "@@VERSION@@"
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    f"dlcourse-autograder @ git+{COURSE_REPOSITORY}@{COURSE_VERSION}"],
                   check=True)

import torch
from autograder import checks
from autograder.utils import get_device, limit_threads, set_seed

limit_threads()  # one CPU thread per notebook: fastest on small machines and when grading
set_seed(42)
device = get_device()
print(f"torch {torch.__version__} | device: {device}")'''


def setup(assignment: str, extra_imports: str = "", colab_pip: Sequence[str] = (),
          colab_pip_nodeps: Sequence[str] = ()):
    """The locked setup cell shared by every graded notebook.

    ``colab_pip`` / ``colab_pip_nodeps``: the week's extra packages, installed on Colab only
    (``pip install`` and ``pip install --no-deps``) after the course package.
    """
    source = SETUP_SOURCE
    extra = []
    if colab_pip:
        extra.append(f"    subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"-q\", "
                     f"*{list(colab_pip)!r}], check=True)")
    if colab_pip_nodeps:
        extra.append(f"    subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"-q\", "
                     f"\"--no-deps\", *{list(colab_pip_nodeps)!r}], check=True)")
    if extra:
        anchor = "                   check=True)\n"
        assert source.count(anchor) == 1
        source = source.replace(anchor, anchor + "\n".join(extra) + "\n").replace(
            "코스 패키지(autograder)만 설치합니다", "코스 패키지(autograder)와 이번 주에 필요한 패키지만 설치합니다")
    source += ("\n" + extra_imports.strip("\n") if extra_imports else "")
    return readonly(f"{assignment}_setup", source, kind="code")


def notebook(cells: Sequence) -> nbformat.NotebookNode:
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    return nb


def save(nb: nbformat.NotebookNode, path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))

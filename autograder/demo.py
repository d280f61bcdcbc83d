"""``make demo``: a simulated class graded end to end in a throw-away course root.

Builds ``build/demo/`` (never the real gradebook), releases one week (week 1 unless
``make demo A=weekNN_...``), writes a zip of
submissions made from the solution and release copies — a perfect student, an untouched
release copy, a partial one and broken ones — then collects, autogrades, writes feedback
and a CSV, and prints the table student / score / status.
"""

from __future__ import annotations

import copy
import json
import shutil
import time
import uuid
import zipfile
from pathlib import Path

import nbformat

from . import course, nbtools, pipeline
from .course import REPO_ROOT

ASSIGNMENT = "week01_tensors"
DEMO_ROOT = REPO_ROOT / "build" / "demo"

#: student id → expected status (the tests assert these).
EXPECTED = {
    "s01_perfect": "ok",
    "s02_untouched": "ok",
    "s03_partial": "ok",
    "s04_corrupt_json": "corrupt",
    "s05_metadata_stripped": "repaired",
    "s06_deleted_test": "repaired",
    "s07_duplicated_cell": "repaired",
    "s08_infinite_loop": "timeout",
    "s09_kernel_crash": "kernel_died",
    "s10_missing": "missing",
}


def _answers(nb) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if nbtools.is_answer(c)]


def make_students(assignment: str = ASSIGNMENT, release_root: Path = REPO_ROOT) -> dict[str, bytes]:
    """Return ``{student: notebook bytes}`` made from the solution and the release copy."""
    solution = pipeline.solution_notebook(assignment)
    release = nbtools.read(release_root / "release" / assignment / f"{assignment}.ipynb")
    dump = lambda nb: nbformat.writes(nb).encode("utf-8")  # noqa: E731
    students: dict[str, bytes] = {}
    students["s01_perfect"] = dump(solution)
    students["s02_untouched"] = dump(release)

    partial = copy.deepcopy(release)
    for i in _answers(release)[:3]:
        partial.cells[i] = copy.deepcopy(solution.cells[i])
    students["s03_partial"] = dump(partial)

    students["s04_corrupt_json"] = dump(solution)[:5000]

    stripped = copy.deepcopy(solution)          # as after editing in another tool
    for cell in stripped.cells:
        cell.metadata.pop("nbgrader", None)
        cell.metadata.pop("editable", None)
        cell.metadata.pop("deletable", None)
        cell["id"] = uuid.uuid4().hex[:8]
    students["s05_metadata_stripped"] = dump(stripped)

    deleted = copy.deepcopy(solution)
    first_test = next(i for i, c in enumerate(deleted.cells) if nbtools.is_test(c))
    del deleted.cells[first_test]
    students["s06_deleted_test"] = dump(deleted)

    dup = copy.deepcopy(solution)
    k = _answers(dup)[1]
    twin = copy.deepcopy(dup.cells[k])
    twin["id"] = "dup0cell"
    dup.cells.insert(k + 1, twin)
    students["s07_duplicated_cell"] = dump(dup)

    loop = copy.deepcopy(solution)
    loop.cells[_answers(loop)[0]].source = "while True:\n    pass"
    students["s08_infinite_loop"] = dump(loop)

    crash = copy.deepcopy(solution)
    crash.cells[_answers(crash)[2]].source = "import os\nos._exit(1)"
    students["s09_kernel_crash"] = dump(crash)
    return students


def build_class(demo_root: Path, assignment: str = ASSIGNMENT) -> Path:
    """Fresh demo root with the assignment released and a zip of submissions; returns the zip."""
    if demo_root.exists():
        shutil.rmtree(demo_root)
    demo_root.mkdir(parents=True)
    pipeline.release([assignment], demo_root / "release")
    zip_path = demo_root / "incoming" / "submissions.zip"
    zip_path.parent.mkdir(parents=True)
    with zipfile.ZipFile(zip_path, "w") as zf:
        for student, data in make_students(assignment, demo_root).items():
            zf.writestr(f"{student}_{assignment}.ipynb", data)
    (demo_root / "roster.txt").write_text("\n".join(EXPECTED) + "\n", encoding="utf-8")
    return zip_path


def run_demo(demo_root: Path = DEMO_ROOT, jobs: int | None = None, sandbox: bool | None = None,
             cell_timeout: int = 30, assignment: str = ASSIGNMENT) -> list[dict]:
    """Simulate one class of ``assignment`` (``make demo A=week03_cnn``); prints the table."""
    if assignment not in course.assignments():
        raise SystemExit(f"demo: no assignment {assignment!r}; one of: {', '.join(course.assignments())}")
    start = time.perf_counter()
    zip_path = build_class(demo_root, assignment)
    pipeline.collect(zip_path, demo_root)
    pipeline.autograde(demo_root, [assignment], jobs=jobs, cell_timeout=cell_timeout,
                       sandbox=sandbox)
    from .feedback import generate_all
    generate_all(demo_root)
    roster = (demo_root / "roster.txt").read_text().split()
    pipeline.export(demo_root, demo_root / "grades.csv", roster)
    rows = pipeline.grade_table(demo_root, roster)
    try:
        from .report import build_report
        build_report(demo_root, demo_root / "report", roster=roster)
    except ImportError:
        pass
    print()
    pipeline.print_table(rows)
    elapsed = time.perf_counter() - start
    print(f"\ndemo: {len(rows)} rows in {elapsed:.0f} s — course root {demo_root}")
    (demo_root / "demo_summary.json").write_text(json.dumps(
        {"seconds": round(elapsed, 1), "rows": rows}, ensure_ascii=False, indent=1))
    return rows

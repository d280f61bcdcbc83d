"""Release and solutions: student copies (``release/``), executed worked solutions
(``solutions/``), the gradebook's record of an assignment, and the reference solution's
measured grading time (which sets each submission's wall-clock budget).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from . import course, nbtools
from .config import log, make_api
from .course import REPO_ROOT
from .status import write_json_atomic


def _staged_source(assignment: str, dest_root: Path, root: Path = REPO_ROOT) -> Path:
    """Copy source/<assignment> into dest_root/source with release tokens filled in."""
    src_dir = root / "source" / assignment
    dst_dir = dest_root / "source" / assignment
    shutil.copytree(src_dir, dst_dir, ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
                    dirs_exist_ok=True)
    for nb_path in dst_dir.glob("*.ipynb"):
        nb_path.write_text(course.fill_tokens(nb_path.read_text(encoding="utf-8"), root),
                           encoding="utf-8")
    return dst_dir


def _generate(assignment: str, course_root: Path, root: Path = REPO_ROOT) -> Path:
    """Run nbgrader generate_assignment in course_root; return the release folder."""
    _staged_source(assignment, course_root, root)
    api = make_api(course_root, db_url=f"sqlite:///{course_root / 'gradebook.db'}")
    res = api.generate_assignment(assignment, force=True, create=True)
    if not res.get("success"):
        raise RuntimeError(f"generate_assignment {assignment} failed:\n{res.get('log', '')}\n"
                           f"{res.get('error', '')}")
    return course_root / "release" / assignment


def release(assignments: list[str] | None = None, out: Path | None = None,
            root: Path = REPO_ROOT) -> list[Path]:
    """Generate student copies into ``out`` (default ``release/``) without outputs."""
    out = Path(out or root / "release")
    written = []
    for a in assignments or course.assignments(root):
        with tempfile.TemporaryDirectory(prefix="dlc-release-") as tmp:
            rel = _generate(a, Path(tmp), root)
            dest = out / a
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(rel, dest)
        for nb_path in dest.glob("*.ipynb"):
            nb = nbtools.strip_outputs(nbtools.read(nb_path))
            nbtools.write(nb, nb_path)
            written.append(nb_path)
        log(f"release: {dest}")
    return written


def solution_notebook(assignment: str, root: Path = REPO_ROOT):
    """Source with tokens filled and hidden tests removed (not executed)."""
    text = course.fill_tokens(course.notebook_path("source", assignment, root)
                              .read_text(encoding="utf-8"), root)
    import nbformat
    nb = nbtools.strip_outputs(nbformat.reads(text, as_version=4))
    for cell in nb.cells:
        if nbtools.nbgrader_meta(cell).get("grade"):
            cell.source = nbtools.remove_hidden_tests(cell.source).rstrip("\n")
    return nb


def execute_notebook(nb, cwd: Path, timeout: int = 600):
    """Execute a notebook with the grading environment (one thread, offline)."""
    from nbclient import NotebookClient
    env_backup = dict(os.environ)
    os.environ.update(course.GRADING_ENV)
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(cwd)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    return nb


def solutions(assignments: list[str] | None = None, out: Path | None = None,
              root: Path = REPO_ROOT, execute: bool = True) -> list[Path]:
    """Worked solutions: source without hidden tests, executed, into ``solutions/``."""
    out = Path(out or root / "solutions")
    written = []
    for a in assignments or course.assignments(root):
        nb = solution_notebook(a, root)
        if execute:
            with tempfile.TemporaryDirectory(prefix="dlc-solution-") as tmp:
                start = time.perf_counter()
                execute_notebook(nb, Path(tmp))
                log(f"solutions: {a} executed in {time.perf_counter() - start:.1f} s")
        for cell in nb.cells:
            cell.get("metadata", {}).pop("execution", None)
        path = out / a / f"{a}.ipynb"
        nbtools.write(nb, path)
        written.append(path)
    return written


def sync_gradebook(root: Path, assignment: str) -> None:
    """Record the assignment's cells in ``root``'s gradebook (what autograde grades against)."""
    with tempfile.TemporaryDirectory(prefix="dlc-sync-") as tmp:
        _staged_source(assignment, Path(tmp), REPO_ROOT)
        src_dir = Path(root) / "source" / assignment
        if src_dir.resolve() != (REPO_ROOT / "source" / assignment).resolve():
            shutil.copytree(Path(tmp) / "source" / assignment, src_dir, dirs_exist_ok=True)
            source_root = root
        else:
            source_root = Path(tmp)
        api = make_api(root, extra_config={"CourseDirectory": {
            "source_directory": str(Path(source_root) / "source"),
            "release_directory": str(Path(tmp) / "release")}})
        res = api.generate_assignment(assignment, force=True, create=True)
        if not res.get("success"):
            raise RuntimeError(f"gradebook sync for {assignment} failed:\n{res.get('log', '')}"
                               f"\n{res.get('error', '')}")



#: bump when the reference record changes shape (older records are measured again)
REFERENCE_VERSION = 2
_FIRST_CELL = "import sys as _dlc_sys\n_dlc_modules_before = set(_dlc_sys.modules)"
_LAST_CELL = ("print(__import__('autograder.warm').warm.imported_since(_dlc_modules_before), "
              "end='')")


def reference_path(root: Path, assignment: str) -> Path:
    """Where the reference solution's measurement of ``assignment`` is kept."""
    return Path(root) / "grading" / "reference" / f"{assignment}.json"


def _reference_source(assignment: str) -> tuple[str, str]:
    """The source notebook's text (tokens filled) and its SHA-256."""
    src = course.notebook_path("source", assignment, REPO_ROOT)
    text = course.fill_tokens(src.read_text(encoding="utf-8"), REPO_ROOT)
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def reference_digest(assignment: str) -> str:
    """SHA-256 of the source notebook (tokens filled): a cached measurement is valid for it."""
    return _reference_source(assignment)[1]


def cached_reference(root: Path, assignment: str, digest: str | None = None) -> dict | None:
    """The kept measurement (``seconds``, ``preload``) if it is for the current source."""
    digest = digest or reference_digest(assignment)
    try:
        rec = json.loads(reference_path(root, assignment).read_text(encoding="utf-8"))
        if rec.get("sha256") == digest and rec.get("version") == REFERENCE_VERSION and \
                float(rec["seconds"]) > 0:
            return rec
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return None


def reference_seconds(root: Path, assignment: str) -> float:
    """Wall time of the reference solution graded here: the source notebook (solutions and
    hidden tests) executed once, unsandboxed (it is the instructor's own code). Cached in
    ``grading/reference/<assignment>.json`` by the source's SHA-256, with the modules the
    run imported (a grading worker's spare kernels import them in advance:
    :mod:`autograder.warm`). 0.0 when the reference fails to run."""
    text, digest = _reference_source(assignment)
    rec = cached_reference(root, assignment, digest)
    if rec:
        return float(rec["seconds"])
    import nbformat
    with tempfile.TemporaryDirectory(prefix="dlc-reference-") as tmp:
        staged = _staged_source(assignment, Path(tmp), REPO_ROOT)
        nb = nbtools.strip_outputs(nbformat.reads(text, as_version=4))
        nb.cells.insert(0, nbformat.v4.new_code_cell(_FIRST_CELL))
        nb.cells.append(nbformat.v4.new_code_cell(_LAST_CELL))
        start = time.perf_counter()
        try:
            execute_notebook(nb, staged, timeout=600)
        except Exception as exc:  # noqa: BLE001 - a broken reference must not stop grading
            log(f"reference run of {assignment} failed ({type(exc).__name__}); "
                "the wall-clock budget uses the configured submission_timeout")
            return 0.0
        wall = time.perf_counter() - start
        last = nb.cells.pop()
        nb.cells.pop(0)
        try:
            preload = json.loads("".join(o.get("text", "") for o in last.get("outputs", [])
                                         if o.get("output_type") == "stream"))
        except ValueError:
            preload = []
        seconds = nbtools.cell_seconds(nb) or wall      # the cells' own time: kernel start is
                                                 # in the budget's constant
    write_json_atomic(reference_path(root, assignment),
                      {"sha256": digest, "version": REFERENCE_VERSION,
                       "seconds": round(seconds, 2), "preload": preload})
    log(f"reference solution of {assignment}: {seconds:.1f} s, {len(preload)} modules")
    return seconds

"""Warm kernels (autograder/warm.py): the next kernel starts while a notebook runs.

A spare must behave exactly like a freshly started kernel once adopted: the notebook's
folder (and nothing else) next to it, no name bound by the pre-imports, one kernel per
notebook; and the pipeline must really adopt them (else they only cost CPU).
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
from pathlib import Path

import nbformat
import pytest

from autograder import course, pipeline
from autograder.sandbox import KERNEL_NAME, Sandbox, SandboxLimits, sandbox_available
from autograder.warm import WarmKernels, _run, _wait_reply, stop_kernel

pytestmark = pytest.mark.slow
needs_sandbox = pytest.mark.skipif(not sandbox_available() and os.environ.get("CI") != "true",
                                   reason="bubblewrap not available")
PROBE = ("import json, os\n"
         "print('PROBE', json.dumps({'names': sorted(n for n in dir() if not n.startswith('_')),"
         " 'files': sorted(os.listdir('.')), 'data': open('extra.txt').read(),"
         " 'home': os.environ.get('HOME') == os.getcwd()}))")


def _execute(km, code: str) -> str:
    kc = km.client()
    kc.start_channels()
    try:
        _run(kc._async_wait_for_ready, timeout=60)
        msg_id = kc.execute(code)
        out = []
        while True:
            msg = _run(kc._async_get_iopub_msg, timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append("ERROR " + msg["content"]["ename"])
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        assert _run(_wait_reply, kc, msg_id, 60)
        return "".join(out)
    finally:
        kc.stop_channels()


def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "autograded" / "s1" / "a"
    d.mkdir(parents=True)
    (d / "a.ipynb").write_text("{}")
    (d / "extra.txt").write_text("data next to the notebook")
    return d


def _check_adopted(warm: WarmKernels, folder: Path) -> None:
    warm.start_spare()
    assert warm.spare is not None, "no spare kernel started"
    km = warm.take(str(folder))
    assert km is not None and warm.adopted == 1 and warm.fallbacks == 0
    try:
        out = _execute(km, PROBE)
        assert "PROBE" in out, out
        import json
        probe = json.loads(out.split("PROBE", 1)[1])
        # the pre-imports (torch, numpy, …) bind no name: a notebook that forgets
        # `import torch` still fails with NameError
        assert not {"torch", "numpy", "np", "autograder"} & set(probe["names"]), probe["names"]
        assert probe["data"] == "data next to the notebook"
        assert {"a.ipynb", "extra.txt"} <= set(probe["files"])
        assert "NameError" in _execute(km, "torch.ones(1)")
    finally:
        _run(stop_kernel, km)
    assert not _run(km.is_alive)


def test_unsandboxed_spare_moves_into_the_notebook_folder(tmp_path, monkeypatch):
    for k, v in course.GRADING_ENV.items():
        monkeypatch.setenv(k, v)
    warm = WarmKernels(None)
    try:
        _check_adopted(warm, _folder(tmp_path))
    finally:
        warm.close()


@needs_sandbox
def test_sandboxed_spare_gets_a_private_copy_of_the_folder(tmp_path, monkeypatch):
    for k, v in course.GRADING_ENV.items():
        monkeypatch.setenv(k, v)
    rt = Path(tempfile.mkdtemp(prefix="dlw", dir="/tmp"))
    slots = [Sandbox(rt / t, SandboxLimits(), kernel_name=f"{KERNEL_NAME}-t{t}") for t in "ab"]
    for s in slots:
        monkeypatch.setenv("JUPYTER_PATH", s.env()["JUPYTER_PATH"])
        os.environ.update(s.env())
    warm = WarmKernels(slots)
    folder = _folder(tmp_path)
    try:
        _check_adopted(warm, folder)
        # the kernel worked on its own copy: nothing it could write reached the host folder
        assert sorted(p.name for p in folder.iterdir()) == ["a.ipynb", "extra.txt"]
    finally:
        warm.close()
        for s in slots:
            s.close()


def test_a_dead_spare_falls_back_to_an_ordinary_kernel(tmp_path, monkeypatch):
    for k, v in course.GRADING_ENV.items():
        monkeypatch.setenv(k, v)
    warm = WarmKernels(None)
    try:
        warm.start_spare()
        _run(warm.spare.km.shutdown_kernel, now=True)
        assert warm.take(str(_folder(tmp_path))) is None
        assert warm.fallbacks == 1 and warm.adopted == 0 and warm.spare is None
    finally:
        warm.close()


A = "week01_tensors"


@pytest.mark.parametrize("sandbox", [False, pytest.param(True, marks=needs_sandbox)])
def test_the_pipeline_adopts_spares_and_grades_as_before(tmp_path, sandbox):
    """3 students at JOBS=1: every kernel is a spare (the first starts with the worker).
    The notebooks need a data file the course ships next to them (nbgrader copies
    ``source/<assignment>/`` files into every graded folder): a spare that missed the folder
    would cost points."""
    root = tmp_path / "course"
    pipeline.release([A], root / "release")
    (root / "source" / A).mkdir(parents=True)
    (root / "source" / A / "extra.txt").write_text("ok")
    sol = pipeline.solution_notebook(A)
    needs_file = copy.deepcopy(sol)
    answer = next(i for i, c in enumerate(needs_file.cells) if "def to_float_tensor" in c.source)
    needs_file.cells.insert(answer + 1, nbformat.v4.new_code_cell(
        "try:\n    _ok = open('extra.txt').read() == 'ok'\nexcept OSError:\n    _ok = False\n"
        "if not _ok:\n    to_float_tensor = None"))
    for i, nb in enumerate([needs_file, needs_file, needs_file]):
        d = root / "submitted" / f"s{i}" / A
        d.mkdir(parents=True)
        (d / f"{A}.ipynb").write_text(nbformat.writes(nb))
    recs = pipeline.autograde(root, [A], jobs=1, sandbox=sandbox, progress=False)
    assert [r["status"] for r in recs] == ["ok"] * 3, recs
    scores = {r["student"]: r["score"] for r in pipeline.grade_table(root)}
    assert scores == {"s0": 100.0, "s1": 100.0, "s2": 100.0}, scores
    log = (root / "grading" / "logs" / "worker-0.log").read_text()
    m = re.search(r"warm kernels: (\d+) adopted, (\d+) fell back", log)
    assert m and (int(m[1]), int(m[2])) == (3, 0), log[-2000:]
    assert len(re.findall(r"timing s\d/week01_tensors: .* = warm kernel", log)) == 3, log[-2000:]
    # the reference solution was measured while the class was graded, and it recorded
    # what the spares of the next run import
    import json
    ref = json.loads((root / "grading" / "reference" / f"{A}.json").read_text())
    assert ref["seconds"] > 0 and "torch" in ref["preload"], ref
    assert not [m for m in ref["preload"] if m.startswith(("__main__", "IPython", "ipykernel"))]


def test_a_spare_imports_what_the_reference_imported_and_still_binds_no_name(tmp_path,
                                                                            monkeypatch):
    for k, v in course.GRADING_ENV.items():
        monkeypatch.setenv(k, v)
    warm = WarmKernels(None)
    warm.extra = ["colorsys", "autograder.data", "no_such_module_dlc"]   # one cannot import
    try:
        _check_adopted(warm, _folder(tmp_path))   # (no name bound, NameError for torch)
    finally:
        warm.close()
    warm = WarmKernels(None)
    warm.extra = ["colorsys", "autograder.data"]
    try:
        warm.start_spare()
        km = warm.take(str(_folder(tmp_path / "2")))
        out = _execute(km, "import sys; print('MODS', 'colorsys' in sys.modules, "
                           "'autograder.data' in sys.modules, 'colorsys' in dir())")
        assert "MODS True True False" in out, out
        _run(stop_kernel, km)
    finally:
        warm.close()


def test_only_installed_modules_are_recorded_for_spares(tmp_path, monkeypatch):
    """A module from the notebook's own folder is never imported into a spare (it would
    run before the student's code could even be read); installed ones are, in order."""
    import json
    import sys
    from autograder.warm import imported_since, reference_preload
    (tmp_path / "student_helper_dlc.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules) - {"colorsys"}
    import colorsys  # noqa: F401
    import student_helper_dlc  # noqa: F401
    names = json.loads(imported_since(before))
    assert "colorsys" in names and "student_helper_dlc" not in names, names
    rec = tmp_path / "course" / "grading" / "reference"
    rec.mkdir(parents=True)
    (rec / "a.json").write_text(json.dumps({"preload": ["torch", "colorsys", "x; import os"]}))
    (rec / "b.json").write_text(json.dumps({"preload": ["colorsys", "numpy"]}))
    assert reference_preload(tmp_path / "course", ["a", "b", "missing"]) == \
        ["torch", "colorsys", "numpy"]


def test_a_pending_budget_is_resolved_from_the_reference_measurement(tmp_path):
    """Jobs sent while the reference solution is still measured get the same budget as
    the jobs after it: the worker reads the measurement, the pool tightens its kill."""
    import json
    import time
    from types import SimpleNamespace
    from autograder.grading import resolve_pending_budget
    from autograder.pool import WorkerPool
    from autograder.release import REFERENCE_VERSION
    file = tmp_path / "grading" / "reference" / "a.json"
    pending = {"file": str(file), "sha256": "abc", "factor": 10.0, "base": 60.0, "cap": 1200.0}
    assert resolve_pending_budget(pending) is None               # not measured yet
    file.parent.mkdir(parents=True)
    file.write_text(json.dumps({"sha256": "old", "version": REFERENCE_VERSION, "seconds": 2}))
    assert resolve_pending_budget(pending) is None               # another source's
    file.write_text(json.dumps({"sha256": "abc", "version": REFERENCE_VERSION, "seconds": 3}))
    assert resolve_pending_budget(pending) == 90.0
    file.write_text(json.dumps({"sha256": "abc", "version": REFERENCE_VERSION, "seconds": 500}))
    assert resolve_pending_budget(pending) == 1200.0             # never above the cap

    pool = WorkerPool(tmp_path, 1, 1200.0, None, cell_timeout=30)
    running = SimpleNamespace(assignment="a", budget=1200.0, pending=pending)
    waiting = SimpleNamespace(assignment="a", budget=1200.0, pending=pending)
    other = SimpleNamespace(assignment="b", budget=1200.0, pending=None)
    now = time.monotonic()
    pool.workers = [{"job": running, "sent": now, "deadline": now + 1200 + 30 + 60}]
    pool.pending = [waiting, other]
    pool.set_budget("a", 90.0)
    assert (running.budget, running.pending, waiting.budget, waiting.pending) == \
        (90.0, None, 90.0, None)
    assert pool.workers[0]["deadline"] == pytest.approx(now + 90 + 30 + 60)
    assert other.budget == 1200.0

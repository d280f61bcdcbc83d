"""The grading worker: one long-lived process that autogrades many submissions.

``python -m autograder _worker --root R`` reads one JSON job per line on stdin and writes
one JSON result per line on the original stdout (anything else the process prints goes to
stderr, which the pool sends to a log file). Importing nbgrader and its database layer
once per worker, instead of once per notebook, is what keeps the fixed cost per
submission low. The pool (``autograder.pool``) kills and replaces a worker whose job
exceeds its wall-clock limit, so one notebook can never stall the class.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

from . import nbtools

from .config import STAGED_DIR  # noqa: F401 - re-exported (older imports)
from .preprocessors import MAX_OUTPUT_CHARS, autograde_preprocessors  # noqa: F401


def _execution_status(autograded: Path, error: str, log: str) -> tuple[str | None, str]:
    """Status implied by how execution went: timeout, kernel_died, memory_exceeded or None."""
    text = f"{error}\n{log}"
    if "CellTimeoutError" in text or "Timeout waiting for" in text:
        return "timeout", ("셀 실행 시간 제한을 넘었고 커널이 응답하지 않습니다 (cell timeout, "
                           "unresponsive kernel): 무한 루프나 프로세스 폭주(fork)를 확인하세요.")
    if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text:
        return "kernel_died", "커널이 종료되었습니다 (kernel died: os._exit, segfault 또는 메모리 초과)."
    if autograded.exists() and not autograded.is_symlink():
        try:
            nb = nbtools.read(autograded)
        except Exception:  # noqa: BLE001
            return None, ""
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") != "error":
                    continue
                if out.get("ename") == "SubmissionTimeoutError":
                    return "timeout", ("노트북 전체 실행 시간 예산을 넘어 남은 셀을 실행하지 않았습니다 "
                                       "(submission wall-clock budget spent): 이미 채점된 부분의 점수는 유지됩니다.")
                if out.get("ename") == "CellTimeoutError":
                    return "timeout", "셀 실행 시간 제한을 넘었습니다 (cell timeout): 무한 루프를 확인하세요."
                if out.get("ename") == "MemoryError":
                    return "memory_exceeded", "메모리 제한을 넘었습니다 (MemoryError)."
    if error:
        return "needs_manual", "채점 중 오류 (grading error); 로그를 확인하세요."
    return None, ""


def resolve_pending_budget(pending: dict) -> float | None:
    """The budget of a job whose reference solution was still being measured when it was
    sent (:class:`autograder.autograde.ReferenceRun`): known once the measurement for the
    same source is on disk, else None."""
    from .autograde import budget_from_reference
    from .release import REFERENCE_VERSION
    try:
        rec = json.loads(Path(pending["file"]).read_text(encoding="utf-8"))
        if rec.get("sha256") != pending["sha256"] or rec.get("version") != REFERENCE_VERSION:
            return None
        return budget_from_reference(float(rec["seconds"]), pending)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def grade_one(api, root: Path, job: dict, sandbox=None) -> dict:
    """Autograde one staged submission with the nbgrader API; return a result dict."""
    student, assignment = job["student"], job["assignment"]
    scratch = root / "autograded" / student / assignment
    if sandbox is not None:
        sandbox.prepare(scratch)
    from .preprocessors import make_classes
    execute_cls = make_classes()["BudgetExecute"]
    start = time.perf_counter()
    budget = float(job.get("budget") or 0)
    execute_cls.deadline = time.monotonic() + budget if budget > 0 else None
    pending = job.get("budget_pending")
    execute_cls.pending = dict(pending, start=time.monotonic()) \
        if isinstance(pending, dict) else None
    execute_cls.warm_next = bool(job.get("more"))
    if execute_cls.warm is not None:       # the next spare imports what the next job's
        from .warm import reference_preload     # week's reference solution imported
        execute_cls.warm.extra = reference_preload(root, [job.get("next") or assignment])
    try:
        result = api.autograde(assignment, student, force=True, create=True)
    finally:
        execute_cls.deadline = None
        execute_cls.pending = None
        execute_cls.warm_next = False
    elapsed = time.perf_counter() - start
    t = dict(execute_cls.timing or {})
    execute_cls.timing = {}
    if t:
        known = t["wait_for_spare"] + t["start_next"] + t["execute"] + t["stop"]
        print(f"timing {student}/{assignment}: {elapsed:.2f} s = "
              f"{'warm' if t['warm'] else 'cold'} kernel {t['wait_for_spare']:.2f} + start next "
              f"{t['start_next']:.2f} + execute {t['execute']:.2f} (cells {t['cells']:.2f}) + "
              f"stop {t['stop']:.2f} + nbgrader's other steps {elapsed - known:.2f}",
              file=sys.stderr, flush=True)
    _keep_only_notebook(scratch, assignment)
    log = result.get("log", "") or ""
    error = "" if result.get("success") else (result.get("error", "") or "nbgrader failed")
    status, detail = _execution_status(scratch / f"{assignment}.ipynb", error, log)
    log_path = Path(job["log"])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text(f"{log}\n{error}", encoding="utf-8")
    return {"student": student, "assignment": assignment, "status": status, "detail": detail,
            "seconds": round(elapsed, 3)}


def _keep_only_notebook(folder: Path, assignment: str) -> None:
    """After grading, ``autograded/<student>/<assignment>/`` holds the graded notebook and
    its timestamp only: anything a kernel (or a child it left behind) created goes, and
    symlinks are removed, never followed."""
    import shutil
    if not folder.is_dir() or folder.is_symlink():
        return
    keep = {f"{assignment}.ipynb", "timestamp.txt"}
    for entry in os.scandir(folder):
        if entry.name in keep and entry.is_file(follow_symlinks=False):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            pass


def worker_main(root: Path) -> int:
    """Serve grading jobs read from stdin until EOF (sandbox settings in DLCOURSE_SANDBOX)."""
    sandbox_settings = json.loads(os.environ.get("DLCOURSE_SANDBOX") or "null")
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)                     # stray prints must not corrupt the protocol
    sys.stdout = sys.stderr
    sandbox = None
    slots: list = []
    from .sandbox import _OFF
    warm_on = os.environ.get("DLCOURSE_WARM", "1").strip().lower() not in _OFF
    if sandbox_settings:
        from .sandbox import KERNEL_NAME, Sandbox, SandboxLimits
        # one runtime dir per worker: kernels' ipc socket names must not collide
        base = Path(sandbox_settings["runtime_dir"])
        limits = SandboxLimits(**sandbox_settings["limits"])
        hide = [Path(p) for p in sandbox_settings["hide"]]
        sandbox = Sandbox(base / f"w{os.getpid()}", limits, hide=hide)
        # (as root it leases its own verified-unused uid for the worker's lifetime)
        os.environ.update(sandbox.env())
        if warm_on:               # three more slots (own uid, ipc, kernelspec) for spares
            for tag in "abc":
                slot = Sandbox(base / f"w{os.getpid()}{tag}", limits, hide=hide,
                               kernel_name=f"{KERNEL_NAME}-{tag}")
                os.environ.update(slot.env())
                slots.append(slot)
    warm = None
    if warm_on:
        from .warm import WarmKernels, reference_preload
        warm = WarmKernels(slots or None)
        warm.extra = reference_preload(
            root, [a for a in os.environ.get("DLCOURSE_ASSIGNMENTS", "").split(",") if a])
        # the pool spawns a worker only when it has jobs: the first notebook's kernel starts
        # now, while this worker imports nbgrader and the pool syncs the gradebook
        warm.start_spare()
    from .config import make_api      # heavy imports happen once, here
    if sandbox is None:
        from .sandbox import UNSANDBOXED_CONFIG   # nbgrader_config.py selects the sandbox
        api = make_api(root, grading=True, extra_config=UNSANDBOXED_CONFIG)
    else:
        api = make_api(root, grading=True, extra_config=sandbox.traitlets_config())
    if warm is not None:
        from .preprocessors import make_classes
        make_classes()["BudgetExecute"].warm = warm
    proto.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        try:
            res = grade_one(api, root, job, sandbox)
        except Exception as exc:  # noqa: BLE001 - report, keep serving
            res = {"student": job.get("student"), "assignment": job.get("assignment"),
                   "status": "error",
                   "detail": f"채점기 오류 (grader error: {type(exc).__name__}: {str(exc)[:200]})",
                   "error": traceback.format_exc(), "seconds": 0}
        proto.write(json.dumps(res, ensure_ascii=False) + "\n")
    if warm is not None:
        warm.close()
        print(f"warm kernels: {warm.adopted} adopted, {warm.fallbacks} fell back", file=sys.stderr)
    for sb in [*slots, sandbox]:
        if sb is not None:
            sb.close()                # kill left-overs, give the uid back
    return 0


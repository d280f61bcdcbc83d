"""The grading worker: one long-lived process that autogrades many submissions.

``python -m autograder _worker --root R`` reads one JSON job per line on stdin and writes
one JSON result per line on the original stdout (anything else the process prints goes to
stderr, which the pool sends to a log file). Importing nbgrader and its database layer
once per worker, instead of once per notebook, is what keeps the fixed cost per
submission low. The pool (``autograder.pipeline``) kills and replaces a worker whose job
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

STAGED_DIR = "grading/staged"   # repaired copies nbgrader grades (submitted/ is never touched)
MAX_OUTPUT_CHARS = 20_000       # per output: a print of 100 MB must not reach the gradebook


def _limit_output_class():
    """nbgrader's LimitOutput counts lines only; also cap characters and payload size."""
    from nbgrader.preprocessors import LimitOutput

    class LimitOutputSize(LimitOutput):
        def preprocess_cell(self, cell, resources, cell_index):
            cell, resources = super().preprocess_cell(cell, resources, cell_index)
            if cell.cell_type != "code":
                return cell, resources
            for out in cell.outputs:
                if out.get("output_type") == "stream" and len(out.get("text", "")) > MAX_OUTPUT_CHARS:
                    n = len(out.text)
                    out.text = out.text[:MAX_OUTPUT_CHARS] + f"\n... 출력이 너무 길어 잘렸습니다 ({n:,}자, output truncated) ...\n"
                data = out.get("data")
                if data:
                    for mime, value in list(data.items()):
                        if len(str(value)) > 50 * MAX_OUTPUT_CHARS:
                            data[mime] = "... output too large, removed ..." if mime.startswith("text") else ""
                            if not mime.startswith("text"):
                                del data[mime]
            return cell, resources

    return LimitOutputSize


def autograde_preprocessors() -> list:
    """nbgrader's autograde preprocessors with LimitOutput replaced by LimitOutputSize."""
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import LimitOutput
    size = _limit_output_class()
    return [size if pp is LimitOutput else pp for pp in Autograde.class_traits()["autograde_preprocessors"].default()]


def _execution_status(autograded: Path, error: str, log: str) -> tuple[str | None, str]:
    """Status implied by how execution went: timeout, kernel_died, memory_exceeded or None."""
    text = f"{error}\n{log}"
    if "CellTimeoutError" in text or "Timeout waiting for" in text:
        return "timeout", ("셀 실행 시간 제한을 넘었고 커널이 응답하지 않습니다 (cell timeout, "
                           "unresponsive kernel): 무한 루프나 프로세스 폭주(fork)를 확인하세요.")
    if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text:
        return "kernel_died", "커널이 종료되었습니다 (kernel died: os._exit, segfault 또는 메모리 초과)."
    if autograded.exists():
        try:
            nb = nbtools.read(autograded)
        except Exception:  # noqa: BLE001
            return None, ""
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") != "error":
                    continue
                if out.get("ename") == "CellTimeoutError":
                    return "timeout", "셀 실행 시간 제한을 넘었습니다 (cell timeout): 무한 루프를 확인하세요."
                if out.get("ename") == "MemoryError":
                    return "memory_exceeded", "메모리 제한을 넘었습니다 (MemoryError)."
    if error:
        return "needs_manual", "채점 중 오류 (grading error); 로그를 확인하세요."
    return None, ""


def grade_one(api, root: Path, job: dict, sandbox=None) -> dict:
    """Autograde one staged submission with the nbgrader API; return a result dict."""
    student, assignment = job["student"], job["assignment"]
    scratch = root / "autograded" / student / assignment
    if sandbox is not None:
        sandbox.prepare(scratch)
    start = time.perf_counter()
    result = api.autograde(assignment, student, force=True, create=True)
    elapsed = time.perf_counter() - start
    log = result.get("log", "") or ""
    error = "" if result.get("success") else (result.get("error", "") or "nbgrader failed")
    status, detail = _execution_status(scratch / f"{assignment}.ipynb", error, log)
    log_path = Path(job["log"])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text(f"{log}\n{error}", encoding="utf-8")
    return {"student": student, "assignment": assignment, "status": status, "detail": detail,
            "seconds": round(elapsed, 3)}


def worker_main(root: Path) -> int:
    """Serve grading jobs read from stdin until EOF (sandbox settings in DLCOURSE_SANDBOX)."""
    sandbox_settings = json.loads(os.environ.get("DLCOURSE_SANDBOX") or "null")
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)                     # stray prints must not corrupt the protocol
    sys.stdout = sys.stderr
    from .pipeline import make_api    # heavy imports happen once, here
    sandbox = None
    if not sandbox_settings:
        api = make_api(root, grading=True)
    else:
        from .sandbox import Sandbox, SandboxLimits
        # one runtime dir per worker: kernels' ipc socket names must not collide
        sandbox = Sandbox(Path(sandbox_settings["runtime_dir"]) / f"w{os.getpid()}",
                          SandboxLimits(**sandbox_settings["limits"]),
                          hide=[Path(p) for p in sandbox_settings["hide"]],
                          # one uid per worker (the process limit counts per uid), and
                          # per grading run, so two runs never reap each other's kernels
                          uid=int(os.environ.get("DLCOURSE_SANDBOX_UID", "60000")))
        os.environ.update(sandbox.env())
        api = make_api(root, grading=True, extra_config=sandbox.traitlets_config())
    proto.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        try:
            res = grade_one(api, root, job, sandbox)
        except Exception:  # noqa: BLE001 - report, keep serving
            res = {"student": job.get("student"), "assignment": job.get("assignment"),
                   "status": "needs_manual", "detail": "채점기 오류 (grader error)",
                   "error": traceback.format_exc(), "seconds": 0}
        proto.write(json.dumps(res, ensure_ascii=False) + "\n")
    return 0

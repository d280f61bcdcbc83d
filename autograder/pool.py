"""The worker pool: N long-lived grading processes (``python -m autograder _worker``).

- Every worker has its own start deadline, counted from its own spawn, so a respawn late
  in a run (after a timeout or a crash) is given the same time to start as the first.
- A job over its wall-clock limit kills its worker; a worker that dies (busy or idle) is
  replaced. A slot whose worker fails to start three times in a row is given up; when no
  worker is left, the remaining jobs end with status ``error`` and the reason.
- Ctrl-C (KeyboardInterrupt) kills every worker and reports the unfinished jobs through
  ``on_interrupted`` before re-raising, so they can be marked ``interrupted``.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import course
from .course import REPO_ROOT

START_SECONDS = 300          # per worker, from its own spawn
MAX_START_FAILURES = 3       # per slot, in a row


class WorkerPool:
    """N grading worker processes; a job over its wall-clock limit kills its worker."""

    def __init__(self, root: Path, jobs: int, timeout: float, sandbox: dict | None,
                 cell_timeout: int | None = None, assignments: list[str] | None = None):
        self.root, self.n, self.timeout, self.sandbox = Path(root), jobs, timeout, sandbox
        self.cell_timeout = cell_timeout
        # (a worker's spare kernels import what these assignments' reference solutions did)
        self.assignments = list(assignments or [])
        self.pending: list = []          # jobs not yet sent (set_budget may update them)
        self.logs = self.root / "grading" / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.sel = selectors.DefaultSelector()
        self.workers: list[dict] = []
        self.start_failures: dict[int, int] = {}
        self.start_seconds = START_SECONDS
        self._any_ready = False

    def _spawn(self, idx: int) -> dict:
        cmd = [sys.executable, "-m", "autograder", "_worker", "--root", str(self.root)]
        env = course.grading_env()
        # (each worker's Sandbox leases its own verified-unused uid: see autograder.sandbox)
        if self.cell_timeout:
            env["DLCOURSE_CELL_TIMEOUT"] = str(int(self.cell_timeout))
        if self.sandbox:
            env["DLCOURSE_SANDBOX"] = json.dumps(self.sandbox)
        if self.assignments:
            env["DLCOURSE_ASSIGNMENTS"] = ",".join(self.assignments)
        err = open(self.logs / f"worker-{idx}.log", "a", encoding="utf-8")
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                env=env, text=True, start_new_session=True, bufsize=1,
                                cwd=str(REPO_ROOT))
        w = {"idx": idx, "proc": proc, "err": err, "job": None, "deadline": None,
             "ready": False, "start_deadline": time.monotonic() + self.start_seconds,
             "dead": False}
        self.sel.register(proc.stdout, selectors.EVENT_READ, w)
        return w

    def _kill(self, w: dict) -> None:
        try:
            self.sel.unregister(w["proc"].stdout)
        except (KeyError, ValueError):
            pass
        try:
            os.killpg(w["proc"].pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        w["proc"].wait()
        w["err"].close()

    def _log_tail(self, idx: int) -> str:
        try:
            return (self.logs / f"worker-{idx}.log").read_text(encoding="utf-8")[-3000:]
        except OSError:
            return ""

    def _replace(self, i: int, w: dict, started: bool) -> None:
        """Replace worker slot ``i`` (its process is already gone)."""
        if started:
            self.start_failures[w["idx"]] = 0
        else:
            self.start_failures[w["idx"]] = self.start_failures.get(w["idx"], 0) + 1
        if self.start_failures[w["idx"]] >= MAX_START_FAILURES:
            self.workers[i] = dict(w, dead=True, job=None)
            return
        self.workers[i] = self._spawn(w["idx"])

    def start(self, n_jobs: int) -> "WorkerPool":
        """Spawn the workers now: they import nbgrader while the caller prepares jobs."""
        self.workers = [self._spawn(i) for i in range(min(self.n, max(n_jobs, 1)))]
        return self

    def _kill_deadline(self, sent: float, budget: float) -> float:
        return sent + budget + (self.cell_timeout or 180) + 60      # the worker stops at budget

    def set_budget(self, assignment: str, budget: float) -> None:
        """The budget of ``assignment``'s jobs is now known (they started with the cap)."""
        for job in self.pending:
            if job.assignment == assignment:
                job.budget, job.pending = budget, None
        for w in self.workers:
            job = w.get("job")
            if job is not None and job.assignment == assignment and \
                    getattr(job, "pending", None):
                job.budget, job.pending = budget, None
                w["deadline"] = min(w["deadline"], self._kill_deadline(w["sent"], budget))

    def run(self, jobs: list, on_result, on_interrupted=None, on_tick=None) -> None:
        """Grade ``jobs``; ``on_tick(pool)`` is called about twice a second (it may call
        :meth:`set_budget`)."""
        self.pending = pending = list(jobs)
        if not self.workers:
            self.start(len(jobs))
        try:
            while pending or any(w["job"] for w in self.workers):
                if on_tick is not None:
                    on_tick(self)
                alive = [w for w in self.workers if not w["dead"]]
                if not alive:
                    reason = ("채점 프로세스를 시작할 수 없습니다 (grading worker failed to start "
                              f"{MAX_START_FAILURES} times); see grading/logs/worker-*.log:\n"
                              + self._log_tail(self.workers[0]["idx"]))
                    if not self._any_ready:
                        raise RuntimeError(reason)      # fail fast: nothing could ever run
                    for job in pending:
                        on_result(job, {"status": "error", "seconds": None, "detail": reason[:500]})
                    pending.clear()
                    break
                for w in alive:
                    if w["ready"] and w["job"] is None and pending:
                        job = pending.pop(0)
                        budget = getattr(job, "budget", None) or self.timeout
                        w["job"], w["sent"] = job, time.monotonic()
                        w["deadline"] = self._kill_deadline(w["sent"], budget)
                        msg = {"student": job.student, "assignment": job.assignment,
                               "budget": budget, "more": bool(pending),
                               # (what the next spare should pre-import for)
                               "next": pending[0].assignment if pending else None,
                               "log": str(self.logs / job.assignment / f"{job.student}.log")}
                        if getattr(job, "pending", None):
                            msg["budget_pending"] = job.pending
                        w["proc"].stdin.write(json.dumps(msg) + "\n")
                        w["proc"].stdin.flush()
                for key, _ in self.sel.select(timeout=0.5):
                    w = key.data
                    line = w["proc"].stdout.readline()
                    i = self.workers.index(w)
                    if not line:                      # the worker itself died
                        job = w["job"]
                        self._kill(w)
                        if job:
                            on_result(job, {"status": "kernel_died", "seconds": None,
                                            "detail": "채점 프로세스가 종료되었습니다 (grader process died)."})
                        self._replace(i, w, started=w["ready"])
                        continue
                    try:
                        msg = json.loads(line)
                    except ValueError:
                        continue
                    if msg.get("ready"):
                        w["ready"] = True
                        self._any_ready = True
                        self.start_failures[w["idx"]] = 0
                        continue
                    job, w["job"] = w["job"], None
                    if job is not None:
                        on_result(job, msg)
                now = time.monotonic()
                for i, w in enumerate(self.workers):
                    if w["dead"]:
                        continue
                    if w["job"] and now > w["deadline"]:
                        job = w["job"]
                        self._kill(w)
                        on_result(job, {"status": "timeout", "seconds": job_budget(job, self.timeout),
                                        "detail": f"노트북 전체 실행 시간 제한 {job_budget(job, self.timeout):g}초 초과 "
                                                  "(submission wall-clock timeout)."})
                        self._replace(i, w, started=True)
                    elif not w["ready"] and now > w["start_deadline"]:
                        self._kill(w)
                        self._replace(i, w, started=False)
        except KeyboardInterrupt:
            unfinished = [w["job"] for w in self.workers if w.get("job")] + pending
            for w in self.workers:
                if not w["dead"]:
                    self._kill(w)
                    w["dead"] = True
            if on_interrupted:
                for job in unfinished:
                    on_interrupted(job)
            raise
        finally:
            self.close()

    def close(self) -> None:
        for w in self.workers:
            if w["dead"]:
                continue
            try:
                w["proc"].stdin.close()
                w["proc"].wait(timeout=10)
                w["err"].close()
            except Exception:  # noqa: BLE001 - whatever happened, the worker must go
                self._kill(w)
        self.workers = []


def job_budget(job, default: float) -> float:
    return float(getattr(job, "budget", None) or default)

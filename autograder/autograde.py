"""Autograde orchestration: pre-check and repair every submission, grade the rest in the
worker pool (sandboxed), and leave one status per submission.

Every per-submission step is guarded: an exception while loading, repairing, scanning or
grading one notebook gives that notebook a status (``error`` with the reason, or the
status the failure implies) and the others continue. Ctrl-C stops the workers and marks
what was not finished ``interrupted``; ``autograde(resume=True)`` (CLI ``--resume``) then
grades only what has no final status or changed since.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

from . import nbtools
from .collect import DUPLICATES, valid_student_id
from .config import STAGED_DIR, course_settings, log, missing_entry, open_gradebook
from .course import REPO_ROOT
from .pool import WorkerPool
from .status import GOOD, read_statuses, write_status
from .utils import sha256_file as _sha256


@dataclass
class Job:
    student: str
    assignment: str
    status: str                     # status after pre-checks (ok/repaired/…)
    notes: list
    deleted_tests: list
    tampering: bool = False         # graded, but flagged needs_manual
    sha256: str = ""
    budget: float = 0.0             # wall-clock seconds for the whole notebook
    pending: dict | None = None     # budget not known yet: ReferenceRun.pending()



def _find_notebook(sub_dir: Path, assignment: str) -> tuple[Path | None, str]:
    expected = sub_dir / f"{assignment}.ipynb"
    if expected.is_file() and not expected.is_symlink():
        return expected, ""
    found = sorted(p for p in sub_dir.glob("*.ipynb") if p.is_file() and not p.is_symlink())
    if len(found) == 1:
        return found[0], f"노트북 이름이 '{found[0].name}'이어서 '{expected.name}'로 채점 (renamed)"
    if len(found) > 1:
        return None, ("노트북이 여러 개라 어느 것을 채점할지 알 수 없습니다 (several notebooks, "
                      "none named " + expected.name + "): " + ", ".join(p.name for p in found[:5]))
    return None, ""


def precheck(root: Path, student: str, assignment: str) -> Job:
    """Validate and repair one submission; write the staged copy nbgrader will grade."""
    from . import repair
    sub_dir = Path(root) / "submitted" / student / assignment
    staged_dir = Path(root) / STAGED_DIR / student / assignment
    if staged_dir.exists():
        shutil.rmtree(staged_dir)
    path, note = _find_notebook(sub_dir, assignment)
    if path is None:
        if note:
            return Job(student, assignment, "needs_manual", [note], [])
        return Job(student, assignment, "missing", ["제출된 노트북이 없습니다 (no .ipynb)"], [])
    digest = _sha256(path)
    nb, reason = repair.load_submission(path)
    if nb is None:
        return Job(student, assignment, "corrupt", [reason], [], sha256=digest)
    release_nb = nbtools.read(Path(root) / "release" / assignment / f"{assignment}.ipynb")
    prep = repair.prepare(nb, release_nb)
    notes = ([note] if note else []) + prep.notes
    status = "repaired" if (note and prep.status == "ok") else prep.status
    tampering = repair.scan_tampering(prep.notebook) if prep.notebook is not None else []
    flagged = bool(tampering)
    if tampering:
        notes.append("테스트 도구나 실행 환경을 바꾸는 코드가 있어 수동 확인 필요 (possible tampering "
                     "with test helpers or the kernel): " + "; ".join(tampering[:3]))
    dup = sub_dir / DUPLICATES
    if dup.is_file() and not dup.is_symlink():
        names = dup.read_text(encoding="utf-8", errors="replace").split("\n")
        notes.append("한 과제에 파일이 여러 개 제출되어 수동 확인 필요 (duplicate submissions): "
                     + ", ".join(n for n in names if n)[:300])
        flagged = True
    if prep.notebook is not None:
        staged_dir.mkdir(parents=True, exist_ok=True)
        nbtools.write(prep.notebook, staged_dir / f"{assignment}.ipynb")
        ts = sub_dir / "timestamp.txt"
        if ts.is_file() and not ts.is_symlink():
            shutil.copy2(ts, staged_dir / "timestamp.txt")
    return Job(student, assignment, status, notes, prep.deleted_tests, flagged, sha256=digest)


def _sandbox_settings(root: Path, settings: dict, use_sandbox: bool | None,
                      self_test: bool = True) -> dict | None:
    """The grading workers' sandbox settings, or None (unsandboxed). ``self_test=False``:
    the caller runs :class:`SelfTest` itself (``autograde`` does, while workers start)."""
    from .sandbox import SandboxUnavailable, limits_mode, require_sandbox, sandbox_wanted
    # unsandboxed only when asked for: --no-sandbox, SANDBOX=off or c.DLCourse.sandbox = False
    if not sandbox_wanted(settings.get("sandbox", True), use_sandbox):
        log("경고(WARNING): 샌드박스 없이 채점합니다 (sandbox: off) — 학생 코드가 채점자 권한으로 실행됩니다.")
        return None
    try:
        require_sandbox()             # missing/broken sandbox: an error naming the fix
    except SandboxUnavailable as exc:
        raise SystemExit(str(exc)) from None
    warning = limits_mode()[1]
    if warning:
        log(warning)
    root = Path(root).resolve()
    hide = [root / "gradebook.db", root / "source", root / "solutions", root / "submitted",
            root / "autograded", root / "feedback", root / "archive", root / "grading",
            REPO_ROOT / "source", REPO_ROOT / "solutions", REPO_ROOT / "build",
            REPO_ROOT / "gradebook.db"]
    limits = {k: int(settings[k]) for k in ("memory_mb", "cpu_seconds", "max_processes",
                                            "max_file_mb", "max_open_files", "scratch_mb",
                                            "tmp_mb", "shm_mb") if k in settings}
    runtime = Path(tempfile.gettempdir()) / f"dlcourse-sandbox-{os.getuid()}-{os.getpid()}"
    settings_out = {"runtime_dir": str(runtime), "limits": limits,
                    "hide": [str(p) for p in dict.fromkeys(hide)]}
    if self_test:
        _fail_on_self_test(sandbox_self_test(settings_out))
    return settings_out


def _fail_on_self_test(problem: str) -> None:
    if problem:
        raise SystemExit(
            "ERROR: the grading sandbox cannot start a kernel here, so every notebook would "
            f"score 0 as kernel_died.\n{problem}\nFix the sandbox, or grade unsandboxed with "
            "`--no-sandbox` (c.DLCourse.sandbox = False).")


class SelfTest:
    """:func:`sandbox_self_test` in a child process, so that the workers start and the
    gradebook is synced meanwhile (it is 1.7-2.0 s of a sandboxed run's fixed set-up);
    :meth:`check` waits for it and raises ``SystemExit`` if the sandbox failed. No job
    reaches a worker before that."""

    def __init__(self, settings: dict):
        import subprocess
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "autograder", "_selftest", json.dumps(settings)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, cwd=str(REPO_ROOT), start_new_session=True)

    def check(self) -> None:
        out, err = self.proc.communicate()
        # (the kernel inherits the child's stdout: only the marked line is the answer)
        lines = [ln for ln in out.splitlines() if ln.startswith("SELFTEST ")]
        try:
            problem = json.loads(lines[-1][len("SELFTEST "):])
        except (IndexError, ValueError):
            problem = (f"the self-test exited with {self.proc.returncode}: "
                       f"{(err.strip() or out.strip())[-1500:]}")
        _fail_on_self_test(str(problem))

    def kill(self) -> None:
        import signal
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.communicate()


def sandbox_self_test(settings: dict) -> str:
    """Evaluate ``1 + 1`` in a sandboxed kernel; return "" on success or what went wrong.

    The request is queued as soon as the kernel is launched and the answer comes back in
    the reply (``user_expressions``), so no ready-handshake polling; the kernel is stopped
    with SIGTERM (:func:`warm.stop_kernel`). 1.7-2.0 s here, against 3.1 s through nbclient."""
    from .sandbox import Sandbox, SandboxLimits
    from .warm import _run, _wait_reply, sandbox_kernel_manager, stop_kernel
    with tempfile.TemporaryDirectory(prefix="dlc-selftest-") as tmp:
        scratch = Path(tmp) / "scratch"
        scratch.mkdir()
        sb = Sandbox(Path(tmp) / "rt", SandboxLimits(**settings["limits"]),
                     hide=[Path(p) for p in settings["hide"]])   # leases a free uid
        sb.prepare(scratch)
        old = dict(os.environ)
        os.environ.update(sb.env())
        km = kc = None
        try:
            km = sandbox_kernel_manager(sb)
            _run(km.start_kernel, cwd=str(scratch))
            kc = km.client()
            kc.start_channels()
            msg_id = kc.execute("", silent=True, store_history=False,
                                user_expressions={"two": "1 + 1"})
            reply = _run(_wait_reply, kc, msg_id, 60.0)
            if reply is None:
                alive = _run(km.is_alive)
                return ("no reply from the sandboxed kernel within 60 s"
                        + ("" if alive else " (the kernel exited)"))
            value = (reply["content"].get("user_expressions", {}).get("two") or {})
            out = (value.get("data") or {}).get("text/plain", "")
        except Exception as exc:  # noqa: BLE001 - any failure is reported
            return f"{type(exc).__name__}: {exc}"
        finally:
            if km is not None:
                with contextlib.suppress(Exception):
                    _run(stop_kernel, km, kc)
            os.environ.clear()
            os.environ.update(old)
            sb.close()
        return "" if out.strip() == "2" else f"unexpected output: {out!r} ({value})"


def budget_rule(settings: dict) -> dict:
    """How a notebook's wall-clock budget follows from the reference solution's seconds."""
    return {"factor": float(settings.get("submission_timeout_factor", 10)),
            "base": float(settings.get("submission_timeout_base", 60)),
            "cap": float(settings.get("submission_timeout", 1200))}


def budget_from_reference(ref: float, rule: dict) -> float:
    """``factor`` × ``ref`` + ``base``, never above ``cap``; ``cap`` when there is no ``ref``."""
    if ref <= 0:
        return rule["cap"]
    return min(rule["cap"], rule["factor"] * ref + rule["base"])


def submission_budget(root: Path, assignment: str, settings: dict,
                      timeout: float | None = None) -> float:
    """Wall-clock seconds for one notebook: ``timeout`` if given, else
    ``submission_timeout_factor`` × the reference solution's measured time +
    ``submission_timeout_base`` (never above ``submission_timeout``)."""
    if timeout:
        return float(timeout)
    from .release import reference_seconds
    return budget_from_reference(reference_seconds(root, assignment), budget_rule(settings))


class ReferenceRun:
    """The reference solution of one assignment, measured in a child process while the
    class is already being graded (it took 11.5 s of a week-2 run before grading began).

    Several are measured one after the other (:meth:`start` when the previous is done): at
    once they would fight the workers for the cores and for memory.

    Until it is done, its assignment's jobs carry a *pending* budget: the grading worker
    starts them with the cap and, before each cell, looks for the measurement
    (:func:`autograder.grading.resolve_pending_budget`); the pool tightens its own kill
    deadline the same way. So a notebook gets the same budget whether it was graded
    before or after the measurement finished."""

    def __init__(self, root: Path, assignment: str, settings: dict):
        from .release import reference_digest, reference_path
        self.root, self.assignment, self.rule = Path(root), assignment, budget_rule(settings)
        self.file, self.sha256 = reference_path(root, assignment), reference_digest(assignment)
        self.proc = None
        self._log = None

    def start(self) -> "ReferenceRun":
        import subprocess
        if self.proc is None:
            logs = self.root / "grading" / "logs"
            logs.mkdir(parents=True, exist_ok=True)
            self._log = open(logs / f"reference-{self.assignment}.log", "w", encoding="utf-8")
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "autograder", "_reference", "--root", str(self.root),
                 self.assignment],
                stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                cwd=str(REPO_ROOT), start_new_session=True)
            log(f"autograde: measuring the reference solution of {self.assignment} "
                "while grading")
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def pending(self) -> dict:
        """What a job carries while the measurement runs (see ``resolve_pending_budget``)."""
        return {"file": str(self.file), "sha256": self.sha256, **self.rule}

    def poll(self) -> float | None:
        """The budget once the child has finished (the cap if the reference failed)."""
        if self.proc is None or self.proc.poll() is None:
            return None
        self._log.close()
        from .grading import resolve_pending_budget
        return resolve_pending_budget(self.pending()) or self.rule["cap"]

    def wait(self) -> None:
        """Let the measurement finish (it is kept for the next run) unless interrupted."""
        try:
            self.start().proc.wait()
        finally:
            self.kill()

    def kill(self) -> None:
        import signal
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._log.close()


def autograde(root: Path = REPO_ROOT, assignments: list[str] | None = None,
              students: list[str] | None = None, jobs: int | None = None,
              timeout: float | None = None, cell_timeout: int | None = None,
              sandbox: bool | None = None, progress: bool = True,
              resume: bool = False, settings: dict | None = None, sync: bool = True) -> list[dict]:
    """Grade every submission under ``root/submitted``; return one record per submission.

    ``timeout`` (seconds per notebook) overrides the budget derived from the reference
    solution (:func:`submission_budget`); ``settings`` overrides ``c.DLCourse`` keys.
    """
    from .sandbox import course_lock
    root = Path(root).resolve()
    with course_lock(root):           # one grading run per course root (CourseBusy)
        return _autograde_locked(root, assignments, students, jobs, timeout, cell_timeout,
                                 sandbox, progress, resume, settings, sync)


def _autograde_locked(root, assignments, students, jobs, timeout, cell_timeout, sandbox,
                      progress, resume, settings, sync=True) -> list[dict]:
    from .release import sync_gradebook
    settings = {**course_settings(), **(settings or {})}
    jobs = jobs or os.cpu_count() or 1
    submitted = root / "submitted"
    all_assign = assignments or sorted({p.name for p in submitted.glob("*/*") if p.is_dir()})
    for a in all_assign:
        if not (root / "release" / a / f"{a}.ipynb").exists():
            raise SystemExit(f"release/{a} is missing in {root}: run `make release` first")
    records: list[dict] = []
    pairs = []
    for s in sorted(submitted.iterdir()) if submitted.exists() else []:
        if not s.is_dir() or s.is_symlink():
            continue
        for a in all_assign:
            if not (s / a).is_dir():
                continue
            why = valid_student_id(s.name)
            if why:       # nbgrader reads the id as a glob: never pass it on
                log(f"autograde: submitted/{s.name!r} skipped: {why}")
                records.append({"student": s.name, "assignment": a, "status": "error",
                                "detail": why, "seconds": 0})
                continue
            pairs.append((s.name, a))
    if students:
        pairs = [(s, a) for s, a in pairs if s in students]
        records = [r for r in records if r["student"] in students]
    if resume:
        done = read_statuses(root)
        keep = []
        for s, a in pairs:
            st = done.get((s, a))
            path, _ = _find_notebook(submitted / s / a, a)
            if st and st.get("status") not in ("interrupted", "error") and path and \
                    st.get("sha256") == _sha256(path):
                continue
            keep.append((s, a))
        log(f"autograde --resume: {len(pairs) - len(keep)} already graded, {len(keep)} to grade")
        pairs = keep
    sb = _sandbox_settings(root, settings, sandbox, self_test=False) if pairs else None
    selftest = SelfTest(sb) if sb else None
    budgets: dict[str, float] = {}
    refs: dict[str, ReferenceRun] = {}
    if pairs:
        from .release import cached_reference
        for a in dict.fromkeys(a for _, a in pairs):        # (in grading order)
            rec = None if timeout else cached_reference(root, a)
            if timeout:
                budgets[a] = float(timeout)
            elif rec:
                budgets[a] = budget_from_reference(float(rec["seconds"]), budget_rule(settings))
            else:               # measured in a child process while the class is graded
                refs[a] = ReferenceRun(root, a, settings)
        if refs:
            next(iter(refs.values())).start()
    # workers start importing nbgrader while the gradebook is synced and submissions checked
    pool = WorkerPool(root, jobs, float(settings.get("submission_timeout", 1200)), sb,
                      cell_timeout, assignments=list(dict.fromkeys(a for _, a in pairs[:jobs]))
                      ).start(len(pairs)) if pairs else None     # (the first jobs' weeks)
    to_run: list[Job] = []
    MissingEntry = missing_entry()

    def finish(s, a, status, detail, seconds=0, sha=""):
        rec = {"student": s, "assignment": a, "status": status, "detail": detail,
               "seconds": seconds, "sandbox": "on" if sb else "off", "sha256": sha}
        write_status(root, s, a, rec)
        records.append(rec)

    try:
        for a in all_assign if sync else ():      # sync=False: a driver synced it (distributed)
            sync_gradebook(root, a)
        with open_gradebook(root) as gb:
            for s in sorted({s for s, _ in pairs}):
                # created here, once: two workers grading one student's two assignments
                # would otherwise race to insert the same student row
                gb.update_or_create_student(s)
            for s, a in pairs:
                try:
                    job = precheck(root, s, a)
                except Exception as exc:  # noqa: BLE001 - one notebook never stops the class
                    log(f"autograde: pre-check of {s}/{a} failed:\n{traceback.format_exc()}")
                    job = Job(s, a, "error", [f"사전 검사 중 오류 (pre-check failed: "
                                              f"{type(exc).__name__}: {str(exc)[:200]})"], [])
                try:                                # no stale score from an earlier run
                    gb.remove_submission(a, s)
                except MissingEntry:
                    pass
                if job.status in GOOD:
                    if a in refs:
                        job.budget, job.pending = refs[a].rule["cap"], refs[a].pending()
                    else:
                        job.budget = budgets[a]
                    to_run.append(job)
                    continue
                finish(s, a, job.status, "; ".join(job.notes), sha=job.sha256)
        if selftest is not None:          # no job reaches a worker before the sandbox works
            selftest.check()
    except KeyboardInterrupt:
        if pool:
            pool.close()
        if selftest is not None:
            selftest.kill()
        for ref in refs.values():
            ref.kill()
        done = {(r["student"], r["assignment"]) for r in records}
        for s, a in pairs:
            if (s, a) not in done:
                finish(s, a, "interrupted", "채점이 중단되었습니다 (interrupted); --resume으로 이어서 채점")
        raise
    except BaseException:
        if pool:
            pool.close()
        if selftest is not None:
            selftest.kill()
        for ref in refs.values():
            ref.kill()
        raise

    bar = None
    if progress and to_run:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(to_run), desc="autograde", unit="nb", file=sys.stderr)

    def on_result(job: Job, msg: dict) -> None:
        status = msg.get("status") or ("needs_manual" if job.tampering else job.status)
        notes = list(job.notes) + ([msg["detail"]] if msg.get("detail") else [])
        if job.deleted_tests and status not in ("corrupt", "missing", "interrupted", "error"):
            try:
                _zero_grades(root, job)
            except Exception as exc:  # noqa: BLE001 - the status says it
                status = "error"
                notes.append(f"삭제된 테스트 0점 처리 실패 (could not zero deleted tests: {exc})")
        finish(job.student, job.assignment, status, "; ".join(notes), msg.get("seconds"),
               job.sha256)
        if bar:
            bar.update(1)
            bar.set_postfix_str(f"{job.student}: {status}")

    def on_interrupted(job: Job) -> None:
        finish(job.student, job.assignment, "interrupted",
               "채점이 중단되었습니다 (interrupted); `autograde --resume`으로 이어서 채점", 0,
               job.sha256)

    def on_tick(pool: WorkerPool) -> None:
        for a, ref in list(refs.items()):
            budget = ref.poll()
            if budget is not None:
                del refs[a]
                pool.set_budget(a, budget)
        if refs and not any(r.running for r in refs.values()):
            next(iter(refs.values())).start()       # one at a time

    try:
        if pool:        # (closes the workers when done)
            pool.run(to_run, on_result, on_interrupted, on_tick=on_tick if refs else None)
        for ref in refs.values():       # kept for the next run; done long before, mostly
            ref.wait()
    except BaseException:
        for ref in refs.values():
            ref.kill()
        raise
    finally:
        if bar:
            bar.close()
    return sorted(records, key=lambda r: (r["assignment"], r["student"]))


def _zero_grades(root: Path, job: Job) -> None:
    """Deleted test cells count as failed: manual score 0 overrides the autograde."""
    MissingEntry = missing_entry()
    with open_gradebook(root) as gb:
        for gid in job.deleted_tests:
            try:
                grade = gb.find_grade(gid, job.assignment, job.assignment, job.student)
            except MissingEntry:
                continue
            grade.manual_score = 0.0
        gb.db.commit()

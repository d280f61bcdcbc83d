"""Grading on Dask distributed, for classes that outgrow one machine (issue 14).

``python -m autograder autograde --engine dask [--scheduler tcp://host:8786]`` (or
``make autograde ENGINE=dask SCHEDULER=…``) grades every submission as one Dask task. Without
a scheduler address (nor ``SCHEDULER`` in the environment) a ``LocalCluster`` of ``--jobs``
worker processes on loopback is started; ``dask-jobqueue`` clusters (Slurm, PBS) work the
same way: start the cluster, pass its scheduler address (docs/INSTRUCTOR.md).

How a task grades — the same sandboxed grading as the local pool:

1. The driver (this process) syncs the gradebook once per assignment and fixes each
   assignment's time budget (from the reference solution, measured once here), so tasks never
   write the assignment rows concurrently and never re-run the solution.
2. Each task receives the submission's files and the release copy as bytes, builds a
   throw-away course root on its worker, and runs ``python -m autograder autograde --jobs 1
   --no-sync`` there: repair, sandboxed kernel, nbgrader, status. The gradebook is the shared
   server database of ``DLCOURSE_DB_URL`` (PostgreSQL; a per-worker SQLite file would be
   lost), passed to the task explicitly so remote workers need not have it set.
3. The task returns the status record and the autograded files; the driver writes them under
   its own ``autograded/`` and ``grading/status/``, so feedback, export and report work as
   after a local run.

Every worker machine needs what a grading host needs: the same course checkout and venv at
the same path, bubblewrap, the data packages.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .config import DB_URL_ENV, course_settings, log

__all__ = ["autograde_dask", "grade_one"]


def _files(folder: Path) -> dict[str, str]:
    """Every regular file under ``folder`` (no symlinks) as base64 text, by relative path."""
    out = {}
    for p in sorted(Path(folder).rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[p.relative_to(folder).as_posix()] = base64.b64encode(p.read_bytes()).decode()
    return out


def _write_files(folder: Path, files: dict[str, str]) -> None:
    for rel, data in files.items():
        target = (folder / rel).resolve()
        if not str(target).startswith(str(folder.resolve()) + os.sep):
            raise ValueError(f"refusing to write outside {folder}: {rel!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(data))


def grade_one(student: str, assignment: str, submission: dict[str, str], release: dict[str, str],
              db_url: str, timeout: float, cell_timeout: int | None,
              sandbox: bool | None) -> dict:
    """One Dask task: grade ``student``'s ``assignment`` in a throw-away course root.

    Returns ``{"record": status record, "autograded": {relative path: base64}, "log": tail}``.
    """
    from .course import REPO_ROOT
    from .status import read_status, status_dir
    work = Path(tempfile.mkdtemp(prefix="dlc-dask-"))
    try:
        _write_files(work / "submitted" / student / assignment, submission)
        _write_files(work / "release" / assignment, release)
        cmd = [sys.executable, "-m", "autograder", "autograde", "--root", str(work),
               "--assignment", assignment, "--student", student, "--jobs", "1", "--no-sync",
               "--timeout", str(timeout)]
        if cell_timeout:
            cmd += ["--cell-timeout", str(int(cell_timeout))]
        if sandbox is False:
            cmd.append("--no-sandbox")
        env = {**os.environ, DB_URL_ENV: db_url}
        proc = subprocess.run(cmd, cwd=str(REPO_ROOT), env=env, capture_output=True, text=True,
                              timeout=timeout + 600)
        status_file = status_dir(work, assignment) / f"{student}.json"
        record = read_status(status_file) if status_file.is_file() else None
        if record is None:
            record = {"student": student, "assignment": assignment, "status": "error",
                      "detail": f"분산 채점 작업이 상태를 남기지 않았습니다 (the Dask task left no "
                                f"status; exit {proc.returncode}): {proc.stderr[-500:]}",
                      "seconds": 0}
        out_dir = work / "autograded" / student / assignment
        return {"record": record, "autograded": _files(out_dir) if out_dir.is_dir() else {},
                "log": (proc.stderr or "")[-2000:]}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _client(scheduler: str | None, n_workers: int):
    from dask.distributed import Client, LocalCluster
    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None, silence_logs=40)
    return Client(cluster), cluster


def autograde_dask(root: Path, assignments: list[str] | None = None,
                   students: list[str] | None = None, scheduler: str | None = None,
                   n_workers: int | None = None, timeout: float | None = None,
                   cell_timeout: int | None = None, sandbox: bool | None = None) -> list[dict]:
    """Grade ``root/submitted`` on a Dask cluster into the shared gradebook; one record each."""
    from .autograde import submission_budget
    from .release import sync_gradebook
    from .sandbox import course_lock
    from .status import shared_db_url, write_status
    root = Path(root).resolve()
    db_url = shared_db_url(root)
    if db_url is None:
        raise SystemExit("autograde --engine dask needs a server gradebook every worker reaches: "
                         f"set {DB_URL_ENV}=postgresql+psycopg2://… (docs/INSTRUCTOR.md)")
    settings = course_settings()
    submitted = root / "submitted"
    all_assign = assignments or sorted({p.name for p in submitted.glob("*/*") if p.is_dir()})
    with course_lock(root):
        pairs = [(s.name, a) for s in sorted(submitted.iterdir()) if s.is_dir() and not s.is_symlink()
                 for a in all_assign if (s / a).is_dir() and (not students or s.name in students)]
        budgets = {}
        for a in all_assign:
            if not (root / "release" / a / f"{a}.ipynb").exists():
                raise SystemExit(f"release/{a} is missing in {root}: run `make release` first")
            sync_gradebook(root, a)
            budgets[a] = submission_budget(root, a, settings, timeout)
        releases = {a: _files(root / "release" / a) for a in all_assign}
        client, cluster = _client(scheduler, n_workers or os.cpu_count() or 1)
        records = []
        try:
            futures = {client.submit(grade_one, s, a, _files(submitted / s / a), releases[a], db_url,
                                     budgets[a], cell_timeout, sandbox,
                                     key=f"grade-{a}-{s}", pure=False, retries=0): (s, a)
                       for s, a in pairs}
            from dask.distributed import as_completed
            for fut in as_completed(list(futures)):
                s, a = futures[fut]
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker is this submission's error
                    res = {"record": {"student": s, "assignment": a, "status": "error",
                                      "detail": f"분산 채점 작업 실패 (Dask task failed: "
                                                f"{type(exc).__name__}: {exc})", "seconds": 0},
                           "autograded": {}}
                out_dir = root / "autograded" / s / a
                if res["autograded"]:
                    shutil.rmtree(out_dir, ignore_errors=True)
                    _write_files(out_dir, res["autograded"])
                write_status(root, s, a, res["record"])
                records.append(res["record"])
                log(f"dask: {s}/{a}: {res['record'].get('status')}")
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    return records

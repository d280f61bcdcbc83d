"""The instructor pipeline behind the Makefile: release, solutions, collect, autograde,
feedback, export. ``python -m autograder --help`` lists the verbs.

A *course root* is a folder with nbgrader's layout (``source/``, ``release/``,
``submitted/``, ``autograded/``, ``feedback/``, ``gradebook.db``). The repository itself is
the default root; ``make demo`` uses a throw-away root under ``build/demo``. nbgrader is the
engine and its gradebook the record; this module adds what nbgrader lacks: repair of
damaged submissions, an explicit status per submission, isolation and parallel workers,
and feedback that never shows hidden tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import course, nbtools
from .course import REPO_ROOT

STATUSES = ("ok", "repaired", "corrupt", "kernel_died", "timeout", "memory_exceeded",
            "missing", "needs_manual")


# nbgrader runs the `alembic` executable (found on PATH) every time it opens a gradebook:
# make sure this interpreter's bin/ is on PATH, and ask alembic once per process.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent),
                                      os.environ.get("PATH", "")])


def _patch_nbgrader() -> None:
    import functools
    import nbgrader.api
    if not hasattr(nbgrader.api.get_alembic_version, "cache_info"):
        nbgrader.api.get_alembic_version = functools.lru_cache(maxsize=1)(
            nbgrader.api.get_alembic_version)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- config / API
def load_config(root: Path, grading: bool = False, extra: dict | None = None):
    """The repository's nbgrader_config.py with the course root (and gradebook) set."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(REPO_ROOT)).load_config()
    cfg.CourseDirectory.root = str(root)
    if "db_url" not in cfg.CourseDirectory or "sqlite" in str(cfg.CourseDirectory.db_url):
        cfg.CourseDirectory.db_url = f"sqlite:///{Path(root) / 'gradebook.db'}"
    cfg.IgnorePattern.enabled = True
    if grading:
        from .grading import STAGED_DIR
        cfg.CourseDirectory.submitted_directory = STAGED_DIR
        from .grading import autograde_preprocessors
        cfg.Autograde.autograde_preprocessors = autograde_preprocessors()
        if os.environ.get("DLCOURSE_CELL_TIMEOUT"):
            cfg.Execute.timeout = int(os.environ["DLCOURSE_CELL_TIMEOUT"])
    if extra:
        cfg.merge(Config(extra))
    return cfg


def course_settings(cfg=None) -> dict:
    """The ``c.DLCourse`` block of nbgrader_config.py."""
    cfg = cfg or load_config(REPO_ROOT)
    return dict(cfg.get("DLCourse", {}) or {})


def make_api(root: Path, grading: bool = False, extra_config: dict | None = None, db_url=None):
    import logging
    from nbgrader.apps import NbGraderAPI
    _patch_nbgrader()
    from nbgrader.coursedir import CourseDirectory
    cfg = load_config(root, grading=grading, extra=extra_config)
    if db_url:
        cfg.CourseDirectory.db_url = db_url
    coursedir = CourseDirectory(config=cfg)
    api = NbGraderAPI(coursedir=coursedir, config=cfg)
    api.log.setLevel(logging.WARNING)
    return api


# --------------------------------------------------------------------------- release
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


# --------------------------------------------------------------------------- collect
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _split_name(name: str, assignments: list[str]) -> tuple[str, str] | None:
    stem = Path(name).stem
    for a in sorted(assignments, key=len, reverse=True):
        if stem.endswith("_" + a) and len(stem) > len(a) + 1:
            return stem[: -len(a) - 1], a
    return None


def collect(src: Path, root: Path = REPO_ROOT) -> list[dict]:
    """Import submissions from a folder or zip of ``<student>_<assignment>.ipynb`` files,
    a ``submitted``-style tree (``<student>/<assignment>/*.ipynb``) or an nbgrader exchange
    ``inbound/`` folder (``<student>+<assignment>+<timestamp>/*.ipynb``, newest last).

    Every original is archived untouched under ``archive/<timestamp>/`` with its SHA-256 in
    ``archive/manifest.csv``; a newer file from the same student never overwrites an older
    archive. The newest file per student × assignment is copied to ``submitted/``.
    """
    src = Path(src)
    root = Path(root)
    assignments = course.assignments(REPO_ROOT)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    archive = root / "archive" / stamp
    archive.mkdir(parents=True, exist_ok=False)
    if src.is_file() and zipfile.is_zipfile(src):
        unpacked = Path(tempfile.mkdtemp(prefix="dlc-collect-"))
        with zipfile.ZipFile(src) as zf:
            for info in zf.infolist():
                target = (unpacked / info.filename).resolve()
                if not str(target).startswith(str(unpacked.resolve())):
                    continue  # zip-slip: skip entries that escape the folder
                if not info.is_dir():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(zf.read(info))
        src = unpacked
    entries: list[tuple[Path, str | None, str | None]] = []
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        rel = path.relative_to(src)
        if any(part.startswith(".") or part == "__MACOSX" for part in rel.parts):
            continue
        inbound = rel.parts[-2].split("+") if len(rel.parts) >= 2 else []
        if len(rel.parts) >= 3 and rel.parts[-2] in assignments:      # submitted/ layout
            entries.append((path, rel.parts[-3].split("+")[-1], rel.parts[-2]))
        elif len(inbound) >= 3 and inbound[1] in assignments:         # nbgrader inbound/
            entries.append((path, inbound[0], inbound[1]))            # student+assignment+time
        elif path.suffix == ".ipynb":
            parsed = _split_name(path.name, assignments)
            entries.append((path, *(parsed or (None, None))))
        else:
            entries.append((path, None, None))
    records = []
    manifest = root / "archive" / "manifest.csv"
    new_manifest = not manifest.exists()
    with open(manifest, "a", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        if new_manifest:
            writer.writerow(["collected_at", "original", "archived_as", "sha256", "student",
                             "assignment", "action"])
        for path, student, assignment in entries:
            arch = archive / path.relative_to(src)
            arch.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, arch)
            digest = _sha256(arch)
            action = "skipped: name not <student>_<assignment>.ipynb"
            if student and assignment:
                dest_dir = root / "submitted" / student / assignment
                dest_dir.mkdir(parents=True, exist_ok=True)
                if path.suffix == ".ipynb":
                    for old in dest_dir.glob("*.ipynb"):
                        old.unlink()
                    shutil.copy2(path, dest_dir / f"{assignment}.ipynb")
                    (dest_dir / "timestamp.txt").write_text(
                        dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
                elif path.name != "timestamp.txt":
                    shutil.copy2(path, dest_dir / path.name)
                action = "submitted"
            writer.writerow([stamp, str(path.relative_to(src)), str(arch.relative_to(root)),
                             digest, student or "", assignment or "", action])
            records.append({"file": str(path.relative_to(src)), "student": student,
                            "assignment": assignment, "sha256": digest, "action": action})
    log(f"collect: {sum(r['action'] == 'submitted' for r in records)} submissions, "
        f"{len(records)} files archived in {archive}")
    return records


# --------------------------------------------------------------------------- autograde
@dataclass
class Job:
    student: str
    assignment: str
    status: str                     # status after pre-checks (ok/repaired/…)
    notes: list
    deleted_tests: list
    tampering: bool = False         # graded, but flagged needs_manual


def _status_dir(root: Path, assignment: str) -> Path:
    return Path(root) / "grading" / "status" / assignment


def write_status(root: Path, student: str, assignment: str, record: dict) -> None:
    path = _status_dir(root, assignment) / f"{student}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")


def read_statuses(root: Path) -> dict[tuple[str, str], dict]:
    out = {}
    base = Path(root) / "grading" / "status"
    for path in base.glob("*/*.json"):
        out[(path.stem, path.parent.name)] = json.loads(path.read_text(encoding="utf-8"))
    return out


def _find_notebook(sub_dir: Path, assignment: str) -> tuple[Path | None, str]:
    expected = sub_dir / f"{assignment}.ipynb"
    if expected.exists():
        return expected, ""
    found = sorted(sub_dir.glob("*.ipynb"))
    if len(found) == 1:
        return found[0], f"노트북 이름이 '{found[0].name}'이어서 '{expected.name}'로 채점 (renamed)"
    return None, ""


def precheck(root: Path, student: str, assignment: str) -> Job:
    """Validate and repair one submission; write the staged copy nbgrader will grade."""
    from . import repair
    from .grading import STAGED_DIR
    sub_dir = Path(root) / "submitted" / student / assignment
    staged_dir = Path(root) / STAGED_DIR / student / assignment
    if staged_dir.exists():
        shutil.rmtree(staged_dir)
    path, rename_note = _find_notebook(sub_dir, assignment)
    if path is None:
        return Job(student, assignment, "missing", ["제출된 노트북이 없습니다 (no .ipynb)"], [])
    nb, reason = repair.load_submission(path)
    if nb is None:
        return Job(student, assignment, "corrupt", [reason], [])
    release_nb = nbtools.read(Path(root) / "release" / assignment / f"{assignment}.ipynb")
    prep = repair.prepare(nb, release_nb)
    notes = ([rename_note] if rename_note else []) + prep.notes
    status = "repaired" if (rename_note and prep.status == "ok") else prep.status
    tampering = repair.scan_tampering(prep.notebook) if prep.notebook is not None else []
    if tampering:
        notes.append("테스트 도구를 바꾸는 코드가 있어 수동 확인 필요 (possible tampering with "
                     "test helpers): " + "; ".join(tampering[:3]))
    if prep.notebook is not None:
        staged_dir.mkdir(parents=True, exist_ok=True)
        nbtools.write(prep.notebook, staged_dir / f"{assignment}.ipynb")
        ts = sub_dir / "timestamp.txt"
        if ts.exists():
            shutil.copy2(ts, staged_dir / "timestamp.txt")
    return Job(student, assignment, status, notes, prep.deleted_tests, bool(tampering))


class WorkerPool:
    """N grading worker processes; a job over its wall-clock limit kills its worker."""

    def __init__(self, root: Path, jobs: int, timeout: float, sandbox: dict | None,
                 cell_timeout: int | None = None):
        self.root, self.n, self.timeout, self.sandbox = Path(root), jobs, timeout, sandbox
        self.cell_timeout = cell_timeout
        self.logs = self.root / "grading" / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.sel = selectors.DefaultSelector()
        self.workers: list[dict] = []

    def _spawn(self, idx: int) -> dict:
        cmd = [sys.executable, "-m", "autograder", "_worker", "--root", str(self.root)]
        env = course.grading_env()
        # a dedicated sandbox uid per worker and per grading run (see Sandbox's docstring)
        env["DLCOURSE_SANDBOX_UID"] = str(100_000 + (os.getpid() % 10_000) * 64 + idx % 64)
        if self.cell_timeout:
            env["DLCOURSE_CELL_TIMEOUT"] = str(int(self.cell_timeout))
        if self.sandbox:
            env["DLCOURSE_SANDBOX"] = json.dumps(self.sandbox)
        err = open(self.logs / f"worker-{idx}.log", "a", encoding="utf-8")
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                env=env, text=True, start_new_session=True, bufsize=1,
                                cwd=str(REPO_ROOT))
        w = {"idx": idx, "proc": proc, "err": err, "job": None, "deadline": None, "ready": False}
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

    def start(self, n_jobs: int) -> "WorkerPool":
        """Spawn the workers now: they import nbgrader while the caller prepares jobs."""
        self.workers = [self._spawn(i) for i in range(min(self.n, max(n_jobs, 1)))]
        return self

    def run(self, jobs: list[Job], on_result) -> None:
        pending = list(jobs)
        if not self.workers:
            self.start(len(jobs))
        start_deadline = time.monotonic() + 300
        try:
            while pending or any(w["job"] for w in self.workers):
                for w in self.workers:
                    if w["ready"] and w["job"] is None and pending:
                        job = pending.pop(0)
                        w["job"], w["deadline"] = job, time.monotonic() + self.timeout
                        w["proc"].stdin.write(json.dumps({
                            "student": job.student, "assignment": job.assignment,
                            "log": str(self.logs / job.assignment / f"{job.student}.log")}) + "\n")
                        w["proc"].stdin.flush()
                for key, _ in self.sel.select(timeout=0.5):
                    w = key.data
                    line = w["proc"].stdout.readline()
                    if not line:                      # the worker itself died
                        job = w["job"]
                        self._kill(w)
                        if not w["ready"]:
                            log_file = self.logs / f"worker-{w['idx']}.log"
                            raise RuntimeError(
                                f"grading worker {w['idx']} failed to start:\n"
                                + log_file.read_text(encoding="utf-8")[-3000:])
                        if job:
                            on_result(job, {"status": "kernel_died", "seconds": None,
                                            "detail": "채점 프로세스가 종료되었습니다 (grader process died)."})
                        self.workers[self.workers.index(w)] = self._spawn(w["idx"])
                        continue
                    msg = json.loads(line)
                    if msg.get("ready"):
                        w["ready"] = True
                        continue
                    job, w["job"] = w["job"], None
                    on_result(job, msg)
                now = time.monotonic()
                for i, w in enumerate(self.workers):
                    if w["job"] and now > w["deadline"]:
                        job = w["job"]
                        self._kill(w)
                        on_result(job, {"status": "timeout", "seconds": self.timeout,
                                        "detail": f"노트북 전체 실행 시간 제한 {self.timeout:g}초 초과 "
                                                  "(submission wall-clock timeout)."})
                        self.workers[i] = self._spawn(w["idx"])
                    elif not w["ready"] and now > start_deadline:
                        raise RuntimeError(f"grading worker {w['idx']} did not start; see "
                                           f"{self.logs / ('worker-%d.log' % w['idx'])}")
        finally:
            self.close()

    def close(self) -> None:
        for w in self.workers:
            try:
                w["proc"].stdin.close()
                w["proc"].wait(timeout=10)
                w["err"].close()
            except Exception:  # noqa: BLE001
                self._kill(w)
        self.workers = []


def open_gradebook(root: Path):
    _patch_nbgrader()
    from nbgrader.api import Gradebook
    return Gradebook(str(load_config(root).CourseDirectory.db_url))


def _sandbox_settings(root: Path, settings: dict, use_sandbox: bool | None) -> dict | None:
    want = settings.get("sandbox", True) if use_sandbox is None else use_sandbox
    if not want:
        log("경고(WARNING): 샌드박스 없이 채점합니다 (sandbox: off) — 학생 코드가 채점자 권한으로 실행됩니다.")
        return None
    try:
        from .sandbox import sandbox_available
    except ImportError:
        sandbox_available = None
    if sandbox_available is None or not sandbox_available():
        log("경고(WARNING): bubblewrap(bwrap)을 찾지 못해 샌드박스 없이 채점합니다 (sandbox: off). "
            "Debian/Ubuntu: sudo apt-get install bubblewrap")
        return None
    root = Path(root).resolve()
    hide = [root / "gradebook.db", root / "source", root / "solutions", root / "submitted",
            root / "autograded", root / "feedback", root / "archive", root / "grading",
            REPO_ROOT / "source", REPO_ROOT / "solutions", REPO_ROOT / "build",
            REPO_ROOT / "gradebook.db"]
    limits = {k: int(settings[k]) for k in ("memory_mb", "cpu_seconds", "max_processes",
                                            "max_file_mb", "max_open_files") if k in settings}
    runtime = Path(tempfile.gettempdir()) / f"dlcourse-sandbox-{os.getuid()}-{os.getpid()}"
    settings_out = {"runtime_dir": str(runtime), "limits": limits,
                    "hide": [str(p) for p in dict.fromkeys(hide)]}
    problem = sandbox_self_test(settings_out)
    if problem:
        raise SystemExit(
            "ERROR: the grading sandbox cannot start a kernel here, so every notebook would "
            f"score 0 as kernel_died.\n{problem}\nFix the sandbox, or grade unsandboxed with "
            "`--no-sandbox` (c.DLCourse.sandbox = False).")
    return settings_out


def sandbox_self_test(settings: dict) -> str:
    """Run ``1 + 1`` in a sandboxed kernel; return "" on success or what went wrong."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook
    from traitlets.config import Config

    from .sandbox import Sandbox, SandboxLimits
    with tempfile.TemporaryDirectory(prefix="dlc-selftest-") as tmp:
        scratch = Path(tmp) / "scratch"
        scratch.mkdir()
        sb = Sandbox(Path(tmp) / "rt", SandboxLimits(**settings["limits"]),
                     hide=[Path(p) for p in settings["hide"]], uid=60999)
        sb.prepare(scratch)
        nb = new_notebook(cells=[new_code_cell("print(1 + 1)")])
        old = dict(os.environ)
        os.environ.update(sb.env())
        try:
            cfg = Config(sb.traitlets_config())
            client = NotebookClient(nb, timeout=60, config=cfg,
                                    kernel_name=sb.traitlets_config()["Execute"]["kernel_name"],
                                    resources={"metadata": {"path": str(scratch)}})
            client.execute()
        except Exception as exc:  # noqa: BLE001 - any failure is reported
            return f"{type(exc).__name__}: {exc}"
        finally:
            os.environ.clear()
            os.environ.update(old)
        out = "".join(o.get("text", "") for o in nb.cells[0].outputs)
        return "" if out.strip() == "2" else f"unexpected output: {out!r}"


def autograde(root: Path = REPO_ROOT, assignments: list[str] | None = None,
              students: list[str] | None = None, jobs: int | None = None,
              timeout: float | None = None, cell_timeout: int | None = None,
              sandbox: bool | None = None, progress: bool = True) -> list[dict]:
    """Grade every submission under ``root/submitted``; return one record per submission."""
    root = Path(root).resolve()
    settings = course_settings()
    jobs = jobs or os.cpu_count() or 1
    timeout = float(timeout or settings.get("submission_timeout", 1200))
    submitted = root / "submitted"
    all_assign = assignments or sorted({p.name for p in submitted.glob("*/*") if p.is_dir()})
    for a in all_assign:
        if not (root / "release" / a / f"{a}.ipynb").exists():
            raise SystemExit(f"release/{a} is missing in {root}: run `make release` first")
    pairs = sorted((s.name, a) for s in submitted.iterdir() if s.is_dir()
                   for a in all_assign if (s / a).is_dir()) if submitted.exists() else []
    if students:
        pairs = [(s, a) for s, a in pairs if s in students]
    sb = _sandbox_settings(root, settings, sandbox) if pairs else None
    # workers start importing nbgrader while the gradebook is synced and submissions checked
    pool = WorkerPool(root, jobs, timeout, sb, cell_timeout).start(len(pairs)) if pairs else None
    records: list[dict] = []
    to_run: list[Job] = []
    try:
        for a in all_assign:
            sync_gradebook(root, a)
        with open_gradebook(root) as gb:
            for s in sorted({s for s, _ in pairs}):
                # created here, once: two workers grading one student's two assignments
                # would otherwise race to insert the same student row
                gb.update_or_create_student(s)
            for s, a in pairs:
                job = precheck(root, s, a)
                if job.status in ("ok", "repaired"):
                    to_run.append(job)
                    continue
                try:
                    gb.remove_submission(a, s)      # no stale score from an earlier submission
                except Exception:  # noqa: BLE001 - MissingEntry
                    pass
                rec = {"student": s, "assignment": a, "status": job.status,
                       "detail": "; ".join(job.notes), "seconds": 0}
                write_status(root, s, a, rec)
                records.append(rec)
    except BaseException:
        if pool:
            pool.close()
        raise

    bar = None
    if progress and to_run:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(to_run), desc="autograde", unit="nb", file=sys.stderr)

    def on_result(job: Job, msg: dict) -> None:
        status = msg.get("status") or ("needs_manual" if job.tampering else job.status)
        notes = list(job.notes) + ([msg["detail"]] if msg.get("detail") else [])
        if job.deleted_tests and status in ("ok", "repaired"):
            _zero_grades(root, job)
        rec = {"student": job.student, "assignment": job.assignment, "status": status,
               "detail": "; ".join(notes), "seconds": msg.get("seconds"),
               "sandbox": "on" if sb else "off"}
        write_status(root, job.student, job.assignment, rec)
        records.append(rec)
        if bar:
            bar.update(1)
            bar.set_postfix_str(f"{job.student}: {status}")

    if pool:
        pool.run(to_run, on_result)     # closes the workers when done
    if bar:
        bar.close()
    return sorted(records, key=lambda r: (r["assignment"], r["student"]))


def _zero_grades(root: Path, job: Job) -> None:
    """Deleted test cells count as failed: manual score 0 overrides the autograde."""
    with open_gradebook(root) as gb:
        for gid in job.deleted_tests:
            try:
                grade = gb.find_grade(gid, job.assignment, job.assignment, job.student)
            except Exception:  # noqa: BLE001 - MissingEntry
                continue
            grade.manual_score = 0.0
        gb.db.commit()


# --------------------------------------------------------------------------- export
def grade_table(root: Path = REPO_ROOT, roster: list[str] | None = None) -> list[dict]:
    """One row per student × assignment: score, max_score, status, detail."""
    root = Path(root)
    statuses = read_statuses(root)
    rows = []
    with open_gradebook(root) as gb:
        assignments = [a.name for a in gb.assignments]
        students = sorted({s.id for s in gb.students} | set(roster or [])
                          | {s for s, _ in statuses})
        for a in sorted(set(assignments) | {a for _, a in statuses}):
            try:
                max_score = float(gb.find_assignment(a).max_score)
            except Exception:  # noqa: BLE001
                max_score = 0.0
            for s in students:
                st = statuses.get((s, a))
                score = 0.0
                try:
                    sub = gb.find_submission(a, s)
                    score = float(sub.score)
                except Exception:  # noqa: BLE001 - MissingEntry: never submitted
                    sub = None
                if st is None:
                    st = {"status": "missing" if sub is None else "needs_manual",
                          "detail": "제출 없음 (no submission)" if sub is None else
                                    "채점 상태 기록 없음 (no grading record)"}
                rows.append({"student": s, "assignment": a, "score": round(score, 2),
                             "max_score": round(max_score, 2), "status": st["status"],
                             "detail": st.get("detail", ""),
                             "sandbox": st.get("sandbox", "")})
    return rows


def export(root: Path = REPO_ROOT, out: Path | None = None,
           roster: list[str] | None = None) -> Path:
    """Write grades.csv (one row per student × assignment, with a status column)."""
    out = Path(out or Path(root) / "grades.csv")
    rows = grade_table(root, roster)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["student", "assignment", "score", "max_score",
                                                "status", "detail", "sandbox"])
        writer.writeheader()
        writer.writerows(rows)
    log(f"export: {len(rows)} rows → {out}")
    return out


def print_table(rows: list[dict]) -> str:
    """The demo's summary table: student, score/max, status."""
    lines = [f"{'student':<22} {'assignment':<16} {'score':>11}  status", "-" * 64]
    for r in rows:
        lines.append(f"{r['student']:<22} {r['assignment']:<16} "
                     f"{r['score']:>5.1f}/{r['max_score']:<5.1f}  {r['status']}")
    text = "\n".join(lines)
    print(text)
    return text

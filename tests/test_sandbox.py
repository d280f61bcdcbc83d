"""Tests for autograder.sandbox: kernels run by nbclient / nbgrader inside bubblewrap.

The canary tests plant a secret in every place student code must not reach (the course
root's ``.git``, ``source/``, ``solutions/``, gradebook, ``incoming/``, another student's
``submitted/``, ``grades.csv``, ``report/``, the grader's ``$HOME`` and environment), run a
probe in the sandboxed kernel and assert it finds none of them and can write nowhere but
its scratch; the same probe against a deliberately weakened sandbox (``weaken=``) must find
every one, which proves each canary can fail.

The course root lives under ``build/`` of the repository (or ``DLCOURSE_TEST_BUILD``), never
under ``/tmp``: a course root in ``/tmp`` would be invisible for a trivial reason.

Without a working sandbox these tests skip, except with ``CI=true``: then they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from autograder import sandbox as sbx
from autograder.sandbox import Sandbox, SandboxLimits, pids_of_uid, sandbox_problem

AS_ROOT = os.geteuid() == 0
REPO = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("DLCOURSE_TEST_BUILD") or REPO / "build" / "test-sandbox")
SECRET = "CANARY-7f3a"
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
NO_SANDBOX_NEEDED = {"test_one_grading_run_per_course_root", "test_sandbox_switches",
                     "test_missing_bwrap_is_an_error_that_names_the_fix",
                     "test_namespace_failure_message_says_what_to_change"}


@pytest.fixture(autouse=True)
def _need_sandbox(request):
    if request.node.name in NO_SANDBOX_NEEDED:
        return
    problem = sandbox_problem()
    if problem:
        if CI:
            pytest.fail(f"CI=true and the sandbox does not work here:\n{problem}")
        pytest.skip(f"bubblewrap sandbox unavailable: {problem}")


# -- helpers ------------------------------------------------------------------------------

def _text(cell) -> str:
    """stdout/stderr/results/errors of a cell as one string."""
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            parts.append(out["text"])
        elif out["output_type"] in ("execute_result", "display_data"):
            parts.append(out["data"].get("text/plain", ""))
        elif out["output_type"] == "error":
            parts.append(f"{out['ename']}: {out['evalue']}")
    return "".join(parts)


def _snapshot(*dirs: Path) -> dict:
    snap = {}
    for d in dirs:
        for p in sorted(d.rglob("*")):
            st = p.lstat()
            snap[str(p)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return snap


CANARIES = {               # name -> path relative to the course root ("~/" = grader's HOME)
    "git": ".git/config",
    "source": "source/ps1/ps1.ipynb",
    "solutions": "solutions/ps1/ps1.ipynb",
    "gradebook": "gradebook.db",
    "incoming": "incoming/bob_ps1.ipynb",
    "other_submitted": "submitted/bob/ps1/ps1.ipynb",
    "grades_csv": "grades.csv",
    "report": "report/lms.csv",
    "home": "~/.ssh/id_rsa",
}


class Course:
    """A fake course root with a secret in every forbidden place, plus a sandbox for it."""

    def __init__(self, base: Path, runtime: Path, monkeypatch, limits: SandboxLimits,
                 weaken=()):
        self.root = base / "course"
        self.home = base / "home"
        self.paths = {}
        for name, rel in CANARIES.items():
            p = self.home / rel[2:] if rel.startswith("~/") else self.root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(f"{SECRET}-{name}\n")
            self.paths[name] = p
        self.scratch = self.root / "autograded" / "alice" / "ps1"
        self.scratch.mkdir(parents=True)
        (self.scratch / "data.txt").write_text("alice's data")
        monkeypatch.setenv("HOME", str(self.home))
        monkeypatch.setenv("HF_TOKEN", f"{SECRET}-env")
        self.sandbox = Sandbox(runtime, limits, weaken=weaken)
        for key, value in self.sandbox.env().items():
            monkeypatch.setenv(key, value)
        self.sandbox.prepare(self.scratch)

    def run(self, *cells: str, timeout: int = 30, **client_kw):
        """Execute code cells with nbclient in the sandbox; return the notebook."""
        from nbclient import NotebookClient

        nb = new_notebook(cells=[new_code_cell(textwrap.dedent(c)) for c in cells])
        client = NotebookClient(
            nb, config=Config(self.sandbox.traitlets_config()), timeout=timeout,
            allow_errors=True, resources={"metadata": {"path": str(self.scratch)}},
            **client_kw)
        client.execute()
        return nb


@pytest.fixture
def make_course(tmp_path, monkeypatch):
    BUILD.mkdir(parents=True, exist_ok=True)
    assert not str(BUILD.resolve()).startswith("/tmp/"), "course root must be outside /tmp"
    made: list[Course] = []

    def make(weaken=(), **limits) -> Course:
        base = BUILD / uuid.uuid4().hex[:10]
        rt = Path("/tmp") / f"dlc-t-{uuid.uuid4().hex[:8]}"
        c = Course(base, rt, monkeypatch, SandboxLimits(**limits), weaken)
        made.append(c)
        return c

    yield make
    for c in made:
        c.sandbox.close()
        shutil.rmtree(c.root.parent, ignore_errors=True)
        shutil.rmtree(c.sandbox.runtime_dir, ignore_errors=True)


PROBE = """
import json, os
paths = json.loads({paths!r})
secret = {secret!r}
seen = {{}}
for name, path in paths.items():
    try:
        seen[name] = secret in open(path).read()
    except OSError:
        seen[name] = os.path.exists(path)
seen["env"] = any(secret in v for v in os.environ.values())
# anything else on the whole visible filesystem (Python's installation aside)
skip = ("/proc", "/sys", "/dev", "/usr") + tuple(json.loads({prefixes!r}))
leaks = []
for top, dirs, files in (os.walk("/") if {walk!r} else ()):
    if top.startswith(skip):
        dirs[:] = []
        continue
    for f in files:
        p = os.path.join(top, f)
        try:
            if os.path.getsize(p) < 1_000_000 and secret in open(p, errors="replace").read():
                leaks.append(p)
        except OSError:
            pass
seen["walk"] = leaks
print(json.dumps(seen))
"""


def _probe(course: Course, walk: bool = True) -> dict:
    prefixes = [p for p in sbx._python_paths(sys.executable)]
    nb = course.run(PROBE.format(paths=json.dumps({k: str(v) for k, v in course.paths.items()}),
                                 secret=SECRET, prefixes=json.dumps(prefixes), walk=walk),
                    timeout=60)
    return json.loads(_text(nb.cells[0]).strip().splitlines()[-1])


@pytest.fixture(scope="module")
def canary_results(tmp_path_factory):
    """The probe, once in the real sandbox and once in a weakened one (two kernels)."""
    mp = pytest.MonkeyPatch()
    out = {}
    made = []
    try:
        BUILD.mkdir(parents=True, exist_ok=True)
        for label in ("sandbox", "weakened", "ro_course"):
            base = BUILD / uuid.uuid4().hex[:10]
            weaken = {"sandbox": (), "weakened": ("ro_root", "keep_env"),
                      "ro_course": (f"ro:{base / 'course'}",)}[label]
            c = Course(base, Path("/tmp") / f"dlc-t-{uuid.uuid4().hex[:8]}", mp,
                       SandboxLimits(), weaken)
            made.append(c)
            # the whole-host view of "weakened" is too big to read through
            out[label] = _probe(c, walk=label != "weakened")
            c.sandbox.close()
    finally:
        mp.undo()
        for c in made:
            shutil.rmtree(c.root.parent, ignore_errors=True)
            shutil.rmtree(c.sandbox.runtime_dir, ignore_errors=True)
    return out


# -- canaries -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [*CANARIES, "env"])
def test_canary_unreachable(canary_results, name):
    assert canary_results["sandbox"][name] is False, f"student code reached the {name} secret"


@pytest.mark.parametrize("name", [*CANARIES, "env"])
def test_canary_fails_against_weakened_sandbox(canary_results, name):
    """The same probe finds the secret once its protection is removed: the canary can fail."""
    assert canary_results["weakened"][name] is True, f"probe cannot detect {name}"


def test_no_secret_anywhere_on_the_visible_filesystem(canary_results):
    assert canary_results["sandbox"]["walk"] == []
    assert len(canary_results["ro_course"]["walk"]) == len(CANARIES) - 1, \
        "the filesystem walk finds the course root's secrets once it is bound"


WRITE_PROBE = """
import json, os
targets = json.loads({targets!r})
wrote = []
for t in targets:
    try:
        with open(os.path.join(t, "probe-written.txt"), "w") as fh:
            fh.write("x")
        wrote.append(t)
    except OSError:
        pass
open("result.txt", "w").write("written in scratch")
os.symlink("/etc/passwd", "link-to-host")
print(json.dumps(wrote))
"""


def _write_targets(course: Course) -> list[str]:
    return [str(p) for p in [course.root, *{p.parent for p in course.paths.values()},
                             course.home, REPO, REPO / "autograder", Path(sys.prefix),
                             course.scratch.parent, "/", "/usr", "/etc", "/work", "/root"]]


def _open_up(course: Course) -> None:
    """World-writable targets: only the sandbox's mounts can stop the writes."""
    for d in [course.root, course.home, *{p.parent for p in course.paths.values()}]:
        d.chmod(0o777)


def test_writes_nowhere_but_scratch(make_course):
    course = make_course()
    _open_up(course)
    before = _snapshot(course.root)
    nb = course.run(WRITE_PROBE.format(targets=json.dumps(_write_targets(course))),
                    "print(open('result.txt').read(), os.path.islink('link-to-host'))")
    assert json.loads(_text(nb.cells[0]).strip()) == []
    assert _text(nb.cells[1]).strip() == "written in scratch True"   # scratch is writable
    # ... but a private copy: nothing the kernel wrote reaches the host's autograded folder
    assert _snapshot(course.root) == before
    assert not list(course.home.rglob("probe-written.txt"))
    assert not (REPO / "probe-written.txt").exists()


def test_write_canary_fails_against_weakened_sandbox(make_course, tmp_path):
    course = make_course()
    _open_up(course)
    course2 = make_course(weaken=(f"rw:{course.root}",))
    nb = course2.run(WRITE_PROBE.format(targets=json.dumps([str(course.root)])))
    assert json.loads(_text(nb.cells[0]).strip()) == [str(course.root)]
    assert (course.root / "probe-written.txt").exists()


def test_proc_1_cmdline_shows_no_sandbox_configuration(make_course):
    course = make_course()
    nb = course.run("print(open('/proc/1/cmdline').read().replace('\\0', ' '))",
                    "import os; print(sorted(p for p in os.listdir('/proc') if p.isdigit()))")
    cmdline = _text(nb.cells[0])
    assert "--args" in cmdline
    for leak in ("--ro-bind", "--bind", "--tmpfs", str(course.root), "HF_TOKEN", SECRET):
        assert leak not in cmdline
    assert len(json.loads(_text(nb.cells[1]).replace("'", '"'))) <= 6   # own processes only


def test_plain_code_torch_and_identity(make_course):
    course = make_course()
    nb = course.run(
        "import os; print(os.getcwd()); print(open('data.txt').read())",
        "import torch; print(torch.ones(3).sum().item())",
        "import os; print(os.environ['HOME'] == os.getcwd(), os.getuid(), os.getgroups())",
    )
    assert _text(nb.cells[0]).splitlines() == [str(course.scratch), "alice's data"]
    assert _text(nb.cells[1]).strip() == "3.0"
    home_is_cwd, uid, groups = _text(nb.cells[2]).strip().split(" ", 2)
    assert home_is_cwd == "True"
    assert int(uid) == (course.sandbox.uid if AS_ROOT else os.getuid())
    if AS_ROOT:
        assert groups == "[]"          # setpriv --clear-groups


def test_no_network(make_course):
    course = make_course()
    with socket.socket() as server:              # reachable from the host, not the sandbox
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        nb = course.run(f"""
            import socket
            print(sorted(name for _, name in socket.if_nameindex()))
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=3)
                print("CONNECTED")
            except OSError as e:
                print("blocked", type(e).__name__)
        """)
    out = _text(nb.cells[0])
    assert "CONNECTED" not in out and "blocked" in out and "['lo']" in out


def test_tmpfs_and_file_size_limits(make_course):
    course = make_course(max_file_mb=4, scratch_mb=8, tmp_mb=2)
    nb = course.run(
        """
        def fill(path, mb):
            try:
                with open(path, 'wb') as f:
                    for _ in range(mb):
                        f.write(b'0' * 1024 * 1024)
                return 'WROTE'
            except OSError as e:
                return e.errno
        print(fill('big.bin', 6), fill('/tmp/big.bin', 3))
        import os
        n = [fill(f'part{i}.bin', 3) for i in range(4)]
        print(n)
        """,
    )
    big, tmp = _text(nb.cells[0]).splitlines()[0].split()
    assert big == "27"               # EFBIG: RLIMIT_FSIZE
    assert tmp == "28"               # ENOSPC: /tmp is a 2 MB tmpfs
    assert "28" in _text(nb.cells[0]).splitlines()[1]      # scratch full at 8 MB


def test_memory_limit_raises_memory_error(make_course):
    """An allocation beyond the kernel's address space (memory_mb - tmpfs + 4 GB mapped-only
    overhead) is a clean MemoryError and the kernel lives on."""
    course = make_course(memory_mb=1600)
    assert course.sandbox.limits.address_space_mb < 8 * 1024
    nb = course.run(
        """
        try:
            block = bytearray(8 * 1024 ** 3)
            print('ALLOCATED')
        except MemoryError:
            print('MemoryError')
        """,
        "print('kernel still alive')",
    )
    assert _text(nb.cells[0]).strip() == "MemoryError"
    assert _text(nb.cells[1]).strip() == "kernel still alive"


def test_torch_kernel_can_use_its_memory_budget(make_course):
    """torch maps gigabytes of address space it never makes resident: an honest kernel that
    imports torch must still be able to fill about half of memory_mb with tensors. (With
    RLIMIT_AS = memory_mb - tmpfs this failed: a week 3 solution lost points in CI.)"""
    course = make_course(memory_mb=2000)
    nb = course.run(
        """
        import torch
        x = torch.ones(200, 1024, 1024)   # 800 MB, every page written
        print(float(x.sum()))
        """,
    )
    assert _text(nb.cells[0]).strip() == str(float(200 * 1024 * 1024)), _text(nb.cells[0])


def test_limits_mode_is_stated():
    mode, warning = sbx.limits_mode()
    assert mode in ("cgroup2", "cgroup1", "rlimit")
    assert (mode == "rlimit") == bool(warning)
    if warning:
        assert "RLIMIT_AS" in warning and "DLCOURSE_CGROUP" in warning


@pytest.mark.skipif(not AS_ROOT, reason="RLIMIT_NPROC is per uid; only a root grader can "
                                        "give the kernel a uid of its own")
def test_fork_bomb_is_contained_and_cleaned_up(make_course):
    from nbclient.exceptions import CellTimeoutError

    course = make_course(max_processes=32)
    started = time.monotonic()
    with pytest.raises(CellTimeoutError):
        course.run("""
            import os
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
        """, timeout=2)
    assert time.monotonic() - started < 30
    assert subprocess.run(["true"]).returncode == 0
    deadline = time.monotonic() + 10
    while pids_of_uid(course.sandbox.uid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pids_of_uid(course.sandbox.uid) == [], "fork bomb survived the kernel"


def test_kernel_is_the_oom_killers_first_choice(make_course):
    """If the host runs out of memory, a sandboxed process dies before the grader does."""
    course = make_course()
    nb = course.run("print(open('/proc/self/oom_score_adj').read().strip())")
    assert _text(nb.cells[0]).strip() == "1000"


def test_memory_limit_covers_all_of_a_kernels_processes(make_course):
    """Eight forked children dirtying 400 MB each (3.2 GB) under a 2 GB kernel budget: with a
    cgroup the budget holds for the kernel as a whole (the kernel's memory cgroup kills
    children, never the host's grader). Per-process rlimits cannot do this: as an ordinary
    user without a delegated cgroup the test skips (docs/INSTRUCTOR.md); as root in CI a
    cgroup (v2, or v1 here) must exist."""
    mode, _ = sbx.limits_mode()
    delegated = [k for k in ("DLCOURSE_CGROUP", "DLCOURSE_CGROUP1_MEMORY") if os.environ.get(k)]
    if mode == "rlimit":
        if CI and AS_ROOT:
            pytest.fail("CI=true as root, and no cgroup with memory+pids can be created")
        if delegated:
            pytest.fail(f"{delegated} delegated, yet no cgroup with memory+pids can be used")
        pytest.skip("no cgroup here: kernel memory is limited per process only")
    course = make_course(memory_mb=2000)
    nb = course.run("""
        import os, time
        kids = []
        for _ in range(8):
            pid = os.fork()
            if pid == 0:
                try:
                    block = bytearray(400 * 2**20)      # zero-filled: every page is dirty
                except MemoryError:
                    os._exit(3)
                time.sleep(3)
                os._exit(0)
            kids.append(pid)
        statuses = [os.waitpid(k, 0)[1] for k in kids]
        held = sum(os.WIFEXITED(s) and os.WEXITSTATUS(s) == 0 for s in statuses)
        refused = sum(os.WIFEXITED(s) and os.WEXITSTATUS(s) == 3 for s in statuses)
        print('held', held, 'refused', refused)
    """, timeout=60)
    out = _text(nb.cells[0])
    assert out.startswith("held "), out
    held, refused = int(out.split()[1]), int(out.split()[3])
    assert refused == 0, f"a single 400 MB allocation was refused (rlimit too small): {out}"
    assert held <= 5, f"2 GB budget, yet {held} children held 400 MB each at once: {out}"


def test_cpu_limit_kills_kernel(make_course):
    from nbclient.exceptions import DeadKernelError

    course = make_course(cpu_seconds=1)
    with pytest.raises(DeadKernelError):
        course.run("while True: pass", timeout=20)


def test_nbgrader_execute_with_sandbox_config(make_course):
    """The traitlets config reaches the kernel manager nbgrader's Execute creates, and
    nbgrader's interrupt-on-timeout works through bwrap."""
    from nbgrader.preprocessors import Execute

    course = make_course()
    nb = new_notebook(cells=[new_code_cell("import os; print(os.getcwd())"),
                             new_code_cell("while True: pass"),
                             new_code_cell("print('after interrupt')")])
    config = Config(course.sandbox.traitlets_config())
    config.Execute.timeout = 3
    executor = Execute(config=config)
    assert executor.kernel_name == course.sandbox.kernel_name
    executor.preprocess(nb, {"metadata": {"path": str(course.scratch)}})
    assert _text(nb.cells[0]).strip() == str(course.scratch)
    assert "KeyboardInterrupt" in _text(nb.cells[1])
    assert _text(nb.cells[2]).strip() == "after interrupt"
    nbformat.validate(nb)


def test_killing_the_grader_kills_the_sandbox(make_course, tmp_path):
    course = make_course()
    marker = f"sleeper-{uuid.uuid4().hex[:8]}"
    script = tmp_path / "grader.py"
    script.write_text(textwrap.dedent(f"""
        import os, sys, time
        from traitlets.config import Config
        from jupyter_client.manager import KernelManager
        km = KernelManager(kernel_name={course.sandbox.kernel_name!r},
                           config=Config({course.sandbox.traitlets_config()!r}))
        km.start_kernel(cwd={str(course.scratch)!r})
        kc = km.client(); kc.start_channels(); kc.wait_for_ready(timeout=30)
        kc.execute("import subprocess; ps = [subprocess.Popen(['sh', '-c', 'sleep 120', "
                   "'{marker}'], start_new_session=True) for _ in range(3)]",
                   reply=True, timeout=30)
        print('ready', flush=True)
        time.sleep(120)
    """))
    grader = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                              text=True, env=os.environ.copy())

    def sleepers() -> list[str]:
        out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
        return [line for line in out.splitlines() if marker in line]
    try:
        assert grader.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 10
        while len(sleepers()) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(sleepers()) == 3
    finally:
        grader.kill()
        grader.wait()
    deadline = time.monotonic() + 10
    while sleepers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sleepers() == [], "sandbox outlived its grader"


# -- uids, cgroups, locks, switches (no kernel) -------------------------------------------

@pytest.mark.skipif(not AS_ROOT, reason="uids are leased by root graders only")
def test_uids_are_verified_unused_and_never_shared(tmp_path, monkeypatch):
    boxes = [Sandbox(tmp_path / f"rt{i}") for i in range(5)]
    try:
        uids = [b.uid for b in boxes]
        assert len(set(uids)) == 5
        for uid in uids:
            assert sbx.uid_problem(uid) == ""
            assert uid >= sbx.UID_BASE
        # an explicitly requested uid that is a user, or inside a subuid range, is refused
        with pytest.raises(sbx.SandboxUnavailable):
            Sandbox(tmp_path / "rtx", uid=0)
        monkeypatch.setattr(sbx, "_sub_ranges", lambda: [(sbx.UID_BASE, sbx.UID_BASE + 10)])
        assert "subordinate" in sbx.uid_problem(sbx.UID_BASE + 3)
        b = Sandbox(tmp_path / "rty")
        assert b.uid >= sbx.UID_BASE + 10 and b.uid not in uids
        b.close()
        # a uid leased by one grader is not handed to another (lock file)
        with pytest.raises(sbx.SandboxUnavailable):
            Sandbox(tmp_path / "rtz", uid=uids[0])
    finally:
        for b in boxes:
            b.close()
    with pytest.raises(ValueError):
        sbx.reap_uid(os.getuid())


def test_one_grading_run_per_course_root(tmp_path):
    with sbx.course_lock(tmp_path / "a"):
        with pytest.raises(sbx.CourseBusy, match="another grading run"), \
                sbx.course_lock(tmp_path / "a"):
            pass
        with sbx.course_lock(tmp_path / "b"):       # another root: independent
            pass
    with sbx.course_lock(tmp_path / "a"):           # released
        pass


def test_sandbox_switches(monkeypatch):
    monkeypatch.delenv("SANDBOX", raising=False)
    assert sbx.sandbox_wanted(True, None) is True
    assert sbx.sandbox_wanted(None, None) is True
    assert sbx.sandbox_wanted(False, None) is False
    assert sbx.sandbox_wanted(True, False) is False
    monkeypatch.setenv("SANDBOX", "off")
    assert sbx.sandbox_wanted(True, None) is False
    monkeypatch.setenv("SANDBOX", "on")
    assert sbx.sandbox_wanted(False, None) is True


def test_missing_bwrap_is_an_error_that_names_the_fix(monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(sbx.shutil, "which", lambda n, *a, **k: None if n == "bwrap"
                        else real_which(n, *a, **k))
    sbx._problem.cache_clear()
    sbx.bwrap_path.cache_clear()
    try:
        assert "apt-get install -y bubblewrap" in sbx.sandbox_problem()
        with pytest.raises(sbx.SandboxUnavailable, match="SANDBOX=off"):
            sbx.require_sandbox()
    finally:
        monkeypatch.undo()
        sbx._problem.cache_clear()
        sbx.bwrap_path.cache_clear()


def test_namespace_failure_message_says_what_to_change(monkeypatch):
    files = {"/proc/sys/kernel/apparmor_restrict_unprivileged_userns": "1",
             "/proc/sys/user/max_user_namespaces": "0"}
    monkeypatch.setattr(sbx, "_read", lambda p: files.get(p, ""))
    msg = sbx._namespace_fix("bwrap: setting up uid map: Permission denied")
    assert "apparmor_restrict_unprivileged_userns=0" in msg
    assert "user.max_user_namespaces" in msg
    assert "Permission denied" in msg


def test_kernel_env_is_explicit(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    env = sbx.kernel_env("/s")
    assert env["HOME"] == "/s" and env["MPLCONFIGDIR"].startswith("/s/")
    assert env["HF_HUB_OFFLINE"] == env["DLCOURSE_OFFLINE"] == "1"
    assert "HF_TOKEN" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert set(env) <= set(sbx.kernel_env("/s", base={})) | set(sbx._PASS_ENV)


def test_prepare_writes_a_launcher_kernelspec(tmp_path):
    sandbox = Sandbox(tmp_path / "rt")
    try:
        kernel_dir = tmp_path / "rt" / "kernels" / sandbox.kernel_name
        for student in ("alice", "bob"):
            scratch = tmp_path / "autograded" / student / "ps1"
            sandbox.prepare(scratch)
            spec = json.loads((kernel_dir / "kernel.json").read_text())
            assert spec["interrupt_mode"] == "message"
            assert spec["argv"][1:4] == ["-m", "autograder.sandbox", "launch"]
            assert json.loads((kernel_dir / "sandbox.json").read_text())["scratch"] == str(scratch)
            opts, _ = sandbox.bwrap_args(scratch)
            assert "--clearenv" in opts and "--unshare-net" in opts and "--unshare-pid" in opts
            assert not any(opts[i:i + 3] == ["--ro-bind", "/", "/"] for i in range(len(opts)))
            assert opts[opts.index("--chdir") + 1] == str(scratch)
        assert sandbox.traitlets_config()["KernelManager"]["transport"] == "ipc"
    finally:
        sandbox.close()


# -- plain nbgrader ------------------------------------------------------------------------

HOSTILE = """
import os, json
root = os.path.dirname(os.path.dirname(os.path.dirname(os.getcwd())))
found = {}
for rel in ("gradebook.db", "source/ps1/ps1.ipynb", "submitted/bob/ps1/ps1.ipynb"):
    p = os.path.join(root, rel)
    try:
        found[rel] = open(p, errors="replace").read()[:40]
    except OSError as e:
        found[rel] = type(e).__name__
found["env"] = sorted(k for k in os.environ if "TOKEN" in k)
found["root_listing"] = os.path.exists(root) and sorted(os.listdir(root))
print("PROBE", json.dumps(found))
"""


def test_plain_nbgrader_autograde_uses_the_sandbox(tmp_path):
    """`nbgrader autograde ps1` in a course using the repository's nbgrader_config.py
    grades in the sandbox kernel: a hostile submission sees no gradebook, no hidden tests,
    no other student, no token."""
    from nbgrader.apps import NbGraderAPI  # noqa: F401 - nbgrader must be installed

    kernels = Path(sys.prefix) / "share" / "jupyter" / "kernels" / sbx.KERNEL_NAME
    if not (kernels / "kernel.json").exists():
        sbx.install_kernelspec(sys.prefix)      # what `make install` does
    base = BUILD / f"nbg-{uuid.uuid4().hex[:8]}"
    try:
        root = base / "course"
        (root / "source" / "ps1").mkdir(parents=True)
        (root / "nbgrader_config.py").write_text(
            f"c = get_config()\nload_subconfig({str(REPO / 'nbgrader_config.py')!r})\n"
            "c.CourseDirectory.root = " + repr(str(root)) + "\n"
            "c.CourseDirectory.db_url = " + repr(f"sqlite:///{root / 'gradebook.db'}") + "\n")
        src = new_notebook(cells=[
            new_code_cell("x = 1", metadata={"nbgrader": {
                "grade": False, "solution": True, "locked": False, "grade_id": "answer",
                "schema_version": 3}}),
            new_code_cell(f"assert x == 1\n### BEGIN HIDDEN TESTS\nassert '{SECRET}'\n"
                          "### END HIDDEN TESTS", metadata={"nbgrader": {
                              "grade": True, "solution": False, "locked": True, "points": 1,
                              "grade_id": "test_x", "schema_version": 3}})])
        src.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}
        nbformat.write(src, root / "source" / "ps1" / "ps1.ipynb")
        env = {**os.environ, "HF_TOKEN": f"{SECRET}-env", "SANDBOX": ""}
        env.pop("SANDBOX")
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        nbg = [sys.executable, "-m", "nbgrader"]
        run = {"cwd": root, "env": env, "capture_output": True, "text": True, "timeout": 240}
        r = subprocess.run(nbg + ["generate_assignment", "ps1", "--force"], **run)
        assert r.returncode == 0, r.stderr[-2000:]
        for student, code in (("bob", "x = 1"), ("mallory", HOSTILE + "x = 1")):
            nb = nbformat.read(root / "release" / "ps1" / "ps1.ipynb", as_version=4)
            nb.cells[0].source = code
            (root / "submitted" / student / "ps1").mkdir(parents=True)
            nbformat.write(nb, root / "submitted" / student / "ps1" / "ps1.ipynb")
        r = subprocess.run(nbg + ["autograde", "ps1", "--student", "mallory", "--force"], **run)
        assert r.returncode == 0, r.stderr[-3000:]
        graded = nbformat.read(root / "autograded" / "mallory" / "ps1" / "ps1.ipynb",
                               as_version=4)
        out = _text(graded.cells[0])
        probe = json.loads(out.split("PROBE ", 1)[1].splitlines()[0])
        assert probe["gradebook.db"] == probe["source/ps1/ps1.ipynb"] == "FileNotFoundError"
        assert probe["submitted/bob/ps1/ps1.ipynb"] == "FileNotFoundError"
        assert probe["env"] == [] and probe["root_listing"] == ["autograded"]
        assert SECRET not in out
    finally:
        shutil.rmtree(base, ignore_errors=True)

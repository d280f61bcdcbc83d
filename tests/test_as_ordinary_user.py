"""The sandbox tests once more, as an ordinary (non-root) user.

Instructors usually grade as themselves, not as root: the sandbox then runs bwrap
unprivileged (user namespaces) and the kernel keeps the grader's uid. When the suite runs
as root (CI), this test creates a throw-away user with ``useradd`` and re-runs
the sandbox tests (``tests/test_sandbox.py``) as that user through ``runuser``. Where the
interpreter lives under a directory others cannot enter (pyenv under ``/root``, mode
0700), the run happens in a private mount namespace in which that directory is an empty
tmpfs with only the interpreter bound back (nothing on the host changes).

Run as an ordinary user already, there is nothing to add: skipped.
``DLCOURSE_ORDINARY_USER_TESTS`` (space-separated) chooses the re-run. The default is
``tests/test_sandbox.py tests/test_redteam.py``: the canaries, limits and cleanup, and the
whole red-team batch. Its memory and fork bombs need a cgroup: without one they count only
against per-process RLIMIT_AS and the one per-user process limit, and on a host without
cgroup v2 such a run drove the host out of memory (docs/INSTRUCTOR.md). So the test
delegates one: on a cgroup v2 host the throw-away user gets a group of its own
(``DLCOURSE_CGROUP``), on a legacy v1 host (this machine, CI) a memory and a pids group
chowned to it (``DLCOURSE_CGROUP1_MEMORY``/``_PIDS``), the way an administrator would set
up a grading account. Each group also caps the user's whole run (memory, tasks).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TOOLS = ("useradd", "userdel", "runuser", "bwrap")


DEFAULT_TESTS = "tests/test_sandbox.py tests/test_redteam.py"


def _delegate_cgroups(name: str, uid: int) -> tuple[dict[str, str], list[str]]:
    """Groups for the throw-away user (environment, directories to remove afterwards)."""
    from autograder import sandbox as sbx

    mounts = sbx._cgroup1_mounts()
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    made: list[str] = []
    if {"memory", "pids"} <= set(mounts):
        env = {}
        for c in ("memory", "pids"):
            d = os.path.join(mounts[c], (sbx._own_cgroup(c) or "/").lstrip("/"), f"dlct-{name}")
            os.makedirs(d, exist_ok=True)
            made.append(d)
            limit = ("memory.limit_in_bytes", str(int(total * 0.75))) if c == "memory" \
                else ("pids.max", "4096")
            with open(os.path.join(d, limit[0]), "w") as fh:
                fh.write(limit[1])
            for f in [d, *(os.path.join(d, x) for x in ("cgroup.procs", "tasks"))]:
                os.chown(f, uid, uid)
            env[f"DLCOURSE_CGROUP1_{c.upper()}"] = d
        return env, made
    base, full = sbx._cgroup_base()
    if full:
        d = os.path.join(base, f"dlct-{name}")
        os.makedirs(d, exist_ok=True)
        made.append(d)
        for f in [d, *(os.path.join(d, x) for x in ("cgroup.procs", "cgroup.subtree_control",
                                                     "cgroup.threads"))]:
            with contextlib.suppress(FileNotFoundError):
                os.chown(f, uid, uid)
        return {"DLCOURSE_CGROUP": d}, made
    return {}, made


def _remove_cgroups(dirs: list[str]) -> None:
    from autograder import sandbox as sbx

    for d in reversed(dirs):
        for sub in sorted((p for p in Path(d).glob("**/") if p != Path(d)), reverse=True):
            sbx._kill_cgroup(str(sub))
        sbx._kill_cgroup(d)


def _closed_ancestors(paths) -> list[str]:
    """Outermost directories on the way to ``paths`` that others cannot enter."""
    found = set()
    for p in paths:
        parts = Path(p).parts
        for i in range(2, len(parts) + 1):
            anc = os.path.join(*parts[:i])
            if os.path.isdir(anc) and not os.stat(anc).st_mode & stat.S_IXOTH:
                found.add(anc)
                break
    return sorted(found)


@pytest.mark.skipif(os.geteuid() != 0, reason="already running as an ordinary user")
def test_redteam_and_sandbox_as_ordinary_user():
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        msg = f"cannot create a test user: {missing} missing (apt-get install passwd util-linux)"
        pytest.fail(msg) if CI else pytest.skip(msg)
    name = f"dlct{os.getpid() % 100000}"
    work = REPO / "build" / f"ordinary-user-{name}"
    subprocess.run(["useradd", "-M", "-d", str(work / "home"), "-s", "/usr/sbin/nologin",
                    "-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0", name], check=True)
    uid = None
    groups: list[str] = []
    try:
        (work / "home").mkdir(parents=True, exist_ok=True)
        uid = int(subprocess.run(["id", "-u", name], capture_output=True, text=True,
                                 check=True).stdout)
        for d in (work, work / "home"):
            os.chown(d, uid, uid)
        delegated, groups = _delegate_cgroups(name, uid)
        tests = os.environ.get("DLCOURSE_ORDINARY_USER_TESTS", DEFAULT_TESTS).split()
        if "tests/test_redteam.py" in tests and not delegated:
            msg = "no cgroup to delegate: the red team as an ordinary user would run on rlimits"
            if CI:
                pytest.fail(msg)
            tests.remove("tests/test_redteam.py")
        env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
               "HOME": str(work / "home"), "LANG": "C.UTF-8", "CI": os.environ.get("CI", ""),
               "DLCOURSE_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1",
               "PYTHONDONTWRITEBYTECODE": "1", "DLCOURSE_TEST_BUILD": str(work / "sandbox"),
               **delegated}
        cmd = ["runuser", "-u", name, "--", "env", "-i",
               *[f"{k}={v}" for k, v in env.items()],
               sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
               *tests]
        needed = [sys.executable, os.path.realpath(sys.executable), sys.prefix,
                  sys.base_prefix, str(REPO)]
        closed = _closed_ancestors(needed)
        if closed:
            wrap = ["bwrap", "--bind", "/", "/", "--dev-bind", "/dev", "/dev"]
            for c in closed:
                wrap += ["--tmpfs", c]
            for p in sorted({os.path.realpath(p) for p in needed}):
                if any(p.startswith(c + "/") for c in closed):
                    for anc in reversed(Path(p).parents[:-1]):   # 0755, not bwrap's 0700
                        if any(str(anc).startswith(c + "/") for c in closed):
                            wrap += ["--dir", str(anc)]
                    wrap += ["--ro-bind", p, p]
            cmd = wrap + ["--die-with-parent", "--"] + cmd
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=3600)
        assert proc.returncode == 0, (
            f"as user {name} (uid {uid}):\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}")
    finally:
        from autograder.sandbox import pids_of_uid
        for _ in range(100):                              # that throw-away user's only
            pids = pids_of_uid(uid) if uid else []
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)
        _remove_cgroups(groups)
        subprocess.run(["userdel", name], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)

"""Run a student notebook's Jupyter kernel inside a bubblewrap (``bwrap``) sandbox.

Public API (kept stable for the grading pipeline; see also ``docs/INSTRUCTOR.md``,
"Trust boundary / sandbox"):

* :class:`SandboxLimits` - per-kernel limits (memory budget incl. tmpfs, processes, ...).
* :class:`Sandbox` ``(runtime_dir, limits, hide=(), python, kernel_name, uid=None)`` - one per
  grading worker: ``env()``, ``traitlets_config()``, ``prepare(scratch)`` before each kernel,
  ``close()`` at the end; ``kernel_argv``/``bwrap_args`` show the command.
* :func:`sandbox_problem` - ``""`` when the sandbox works here, else what is wrong and the
  command that fixes it; :func:`sandbox_available` is ``not sandbox_problem()``;
  :func:`require_sandbox` raises :class:`SandboxUnavailable` with that message.
* :func:`sandbox_wanted` ``(config_value, cli_value)`` - False only for an explicit
  ``SANDBOX=off`` / ``--no-sandbox`` / ``c.DLCourse.sandbox = False``.
* :func:`limits_mode` - how the limits are enforced here (``cgroup2``, ``cgroup1`` or ``rlimit``) and the
  warning to print when only rlimits are available.
* :func:`course_lock` ``(root)`` - context manager: one grading run per course root.
* :func:`install_kernelspec` ``(prefix)`` - the ``dlcourse-sandbox`` kernelspec for plain
  ``nbgrader autograde`` (``python -m autograder.sandbox install-kernelspec``).
* :data:`UNSANDBOXED_CONFIG` - traitlets config for an explicitly unsandboxed run.
* :func:`bwrap_path`, :func:`pids_of_uid`, :func:`reap_uid` - helpers.

What a kernel sees (an allow-list)
----------------------------------
bwrap starts from an empty root. Bound read-only: ``/usr`` (and the ``/bin``, ``/lib*``,
``/sbin`` links), a few files of ``/etc`` (the dynamic linker cache, time zone, fonts), the
Python installation and venv the kernel runs on, the installed course package directory
(only that directory, never the repository around it), and the data directories named in
``data_dirs`` (the course's offline data under ``/usr/share`` and ``site-packages`` is
already inside those). Nothing else of the host exists: not the course root (``.git``,
``source/``, ``solutions/``, the gradebook, ``incoming/``, other students' folders, grades,
reports), not ``$HOME``, not ``/root``, ``/home``, ``/run``, ``/var`` or ``/tmp``.

Writable, all private ``tmpfs`` mounts of fixed size that vanish with the kernel: the
scratch folder (a copy of the student's autograded folder made when the kernel starts; the
kernel's cwd and ``HOME``; files a kernel creates never reach the host's ``autograded/``),
``/tmp`` and ``/dev/shm`` (PyTorch DataLoader workers need it). The one host directory the
kernel can write is its own ipc socket directory (unix sockets to talk to the grader).

Namespaces: no network (``--unshare-net``: only a down loopback; the grader talks to the
kernel over unix sockets, ``KernelManager.transport = "ipc"``), own PID namespace with a
fresh ``/proc`` (the kernel sees only its own processes; when the kernel's bwrap goes, all
of them die), own IPC/UTS/cgroup namespaces, ``--new-session``, ``--die-with-parent``. The
bwrap arguments travel on a pipe (``--args FD``), so ``/proc/1/cmdline`` shows only
``bwrap --args N``. The environment is cleared (``--clearenv``) and rebuilt from an explicit
list (:func:`kernel_env`): no ``HF_TOKEN``, API keys or other grader variables.

Root and non-root graders
-------------------------
As root, bwrap keeps every capability inside the sandbox, so the kernel is started through
``setpriv`` as an unprivileged uid with no capabilities and ``no_new_privs``. Each sandbox
gets its own uid from a range that is verified unused (not in ``/etc/passwd``/``group``,
not inside any ``/etc/subuid``/``/etc/subgid`` range, no running process) and leased with
a lock file for as long as the worker lives, so no two kernels on the machine - at any
``JOBS``, in any number of concurrent runs - share a uid. ``RLIMIT_NPROC`` then counts only
that kernel's tasks. As an ordinary user, bwrap runs unprivileged (user namespace) and the
kernel keeps the caller's uid (there is no other uid it could use).

Limits (:class:`SandboxLimits`) are enforced with a cgroup v2 per kernel where one can be
created with the memory and pids controllers (root on a cgroup-v2 host, or a delegated
cgroup named by ``DLCOURSE_CGROUP``): ``memory.max`` covers the whole kernel incl. its
tmpfs pages, ``pids.max`` all its tasks, and ``cgroup.kill`` removes everything the kernel
left. A root grader on a host with the legacy (v1) memory and pids hierarchies gets the same
per kernel from ``memory.limit_in_bytes`` and ``pids.max`` (groups below the grader's own),
and so does any grader given a v1 group in each hierarchy (``DLCOURSE_CGROUP1_MEMORY``,
``DLCOURSE_CGROUP1_PIDS``, created and chowned to it by root).
Otherwise per-process rlimits are used and :func:`limits_mode` says so. In every mode the
kernel's processes have ``oom_score_adj`` 1000: if the host runs out of memory, the kernel
is killed, not the grader (a fork bomb whose copy-on-write children each dirty ~0.4 GB
OOM-killed the grader's pytest on a 24 GB host before this).

How the caller uses it
----------------------
::

    sandbox = Sandbox(runtime_dir, SandboxLimits())
    os.environ.update(sandbox.env())                 # once, before any kernel starts
    config = Config(sandbox.traitlets_config())      # merged into nbgrader's config
    for each submission:
        sandbox.prepare(scratch)                     # rewrites the kernelspec
        ... nbgrader Execute / nbclient runs the notebook with cwd = scratch ...
    sandbox.close()

The kernelspec runs ``python -m autograder.sandbox launch SPEC {connection_file}``: a small
launcher that leases a uid (plain nbgrader), creates the kernel's cgroup, starts bwrap and,
when the kernel ends, kills what is left in the cgroup. It uses ``interrupt_mode:
"message"``: a SIGINT to the process group would kill bwrap and the kernel with it.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import grp
import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

__all__ = [
    "KERNEL_NAME",
    "UNSANDBOXED_CONFIG",
    "CourseBusy",
    "Sandbox",
    "SandboxLimits",
    "SandboxUnavailable",
    "bwrap_path",
    "course_lock",
    "install_kernelspec",
    "kernel_env",
    "limits_mode",
    "pids_of_uid",
    "reap_uid",
    "require_sandbox",
    "sandbox_available",
    "sandbox_problem",
    "sandbox_wanted",
]

MB = 1024 * 1024
KERNEL_NAME = "dlcourse-sandbox"
# Unix socket paths are limited to 108 bytes; the ipc endpoints are "<RT>/ipc/kernel-<port>".
_MAX_SOCKET_PATH = 100
_CONNECTION_FILE = "/run/sandbox/connection.json"   # inside the sandbox
_SUBMISSION_RO = "/run/submission"                   # inside: the host scratch, read-only
#: uids for sandboxed kernels (root graders): above login.defs' SUB_UID_MAX and systemd's
#: container range; every uid is checked before use (see _lease_uid).
UID_BASE = int(os.environ.get("DLCOURSE_SANDBOX_UID_BASE") or 0x7000_0000)
UID_COUNT = 4096
#: traitlets config for an explicitly unsandboxed run (nbgrader_config.py selects the
#: sandbox kernel by default).
UNSANDBOXED_CONFIG = {"Execute": {"kernel_name": "python3"},
                      "NotebookClient": {"kernel_name": "python3"},
                      "KernelManager": {"transport": "tcp", "ip": "127.0.0.1"}}
_OFF = {"off", "0", "false", "no", "none"}
_ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "fonts",
              "mime.types", "nsswitch.conf", "alternatives")
#: grader variables passed through (when set) after the fixed ones; nothing else is.
_PASS_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "MALLOC_ARENA_MAX")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run here; the message names the fix."""


class CourseBusy(RuntimeError):
    """Another grading run holds this course root's lock."""


# Address space that torch, transformers and their shared libraries map without using it
# (see SandboxLimits.memory_mb); added to every kernel process's RLIMIT_AS.
VM_OVERHEAD_MB = 4096


@dataclass
class SandboxLimits:
    """Per-kernel limits. ``memory_mb`` is the kernel's whole budget, tmpfs included.

    memory_mb: with a cgroup, ``memory.max`` of the kernel's group: every process and every
        tmpfs page (scratch, /tmp, /dev/shm) it writes; swap 0. Every process also gets
        ``RLIMIT_AS = memory_mb - (scratch_mb + tmp_mb + shm_mb) + VM_OVERHEAD_MB`` (virtual
        memory, per process): without a cgroup that is the only memory limit; with one it
        keeps a single huge allocation a clean ``MemoryError``. The overhead is address space
        that libraries map but never make resident. Measured: an idle kernel maps ~0.7 GB,
        ``import torch, transformers`` ~3.9 GB; the week 3 reference solution peaks at
        5.3 GB of address space with 1.7 GB resident, so a plain ``memory_mb - tmpfs``
        (5.6 GB) made honest allocations fail at random (CI stop 17: a solution scored 93).
    cpu_seconds: ``RLIMIT_CPU`` per process; at the limit the kernel is killed.
    max_processes: ``pids.max`` of the kernel's cgroup, and ``RLIMIT_NPROC`` (as root: tasks
        of the kernel's own uid; as an ordinary user without a cgroup: all tasks of that
        user. An ordinary user with a cgroup gets ``pids.max`` only: a per-user limit would
        let one kernel's fork bomb stop the grader and every other kernel from forking).
    max_file_mb: ``RLIMIT_FSIZE``: a larger write fails with ``OSError(EFBIG)``.
    max_open_files: ``RLIMIT_NOFILE``.
    scratch_mb, tmp_mb, shm_mb: sizes of the scratch, ``/tmp`` and ``/dev/shm`` tmpfs.
    nice: niceness added to the kernel (0: as the grader). A positive value makes a fork
        bomb spinning up to ``max_processes`` tasks slow the grader less, but also gives
        honest kernels less CPU on a busy machine (more timeouts), hence off by default.
    """

    memory_mb: int = 6144
    cpu_seconds: int = 900
    max_processes: int = 256
    max_file_mb: int = 200
    max_open_files: int = 1024
    scratch_mb: int = 256
    tmp_mb: int = 64
    shm_mb: int = 256
    nice: int = 0

    @classmethod
    def from_dict(cls, d: dict | None) -> SandboxLimits:
        names = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in (d or {}).items() if k in names})

    @property
    def tmpfs_mb(self) -> int:
        return self.scratch_mb + self.tmp_mb + self.shm_mb

    @property
    def address_space_mb(self) -> int:
        return max(self.memory_mb - self.tmpfs_mb, 256) + VM_OVERHEAD_MB


# --------------------------------------------------------------------------- availability

@functools.cache
def _tool(name: str) -> str | None:
    return shutil.which(name) or next(
        (p for p in (f"/usr/bin/{name}", f"/bin/{name}", f"/usr/sbin/{name}")
         if os.access(p, os.X_OK)), None)


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            return fh.read().strip()
    except OSError:
        return ""


def _namespace_fix(stderr: str) -> str:
    """Why bwrap could not create namespaces here, and what to change."""
    lines = [f"bwrap said: {stderr.strip() or '(nothing)'}"]
    if _read("/proc/sys/user/max_user_namespaces") == "0":
        lines.append("user namespaces are disabled: sudo sysctl -w user.max_user_namespaces=15000")
    if _read("/proc/sys/kernel/unprivileged_userns_clone") == "0":
        lines.append("unprivileged user namespaces are off (Debian): "
                     "sudo sysctl -w kernel.unprivileged_userns_clone=1")
    if _read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1":
        lines.append("Ubuntu >= 23.10 AppArmor blocks unprivileged user namespaces: "
                     "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or add an "
                     "AppArmor profile for /usr/bin/bwrap with `userns,`)")
    if os.path.exists("/.dockerenv") or "docker" in _read("/proc/1/cgroup"):
        lines.append("inside Docker the default seccomp profile blocks namespaces: run the "
                     "container with --security-opt seccomp=unconfined --security-opt "
                     "apparmor=unconfined (or grade on the host)")
    if len(lines) == 1:
        lines.append("bwrap needs user/mount/pid/net namespaces (a Linux kernel with user "
                     "namespaces enabled, not a restricted container)")
    return "\n".join(lines)


@functools.cache
def _problem() -> str:
    if sys.platform != "linux":
        return (f"the grading sandbox needs Linux (bubblewrap); this is {sys.platform}. "
                "Grade on a Linux machine, or explicitly unsandboxed with SANDBOX=off "
                "(student code then runs with your rights).")
    path = shutil.which("bwrap")
    if path is None:
        cmd = "apt-get install -y bubblewrap" if os.geteuid() == 0 else \
            "sudo apt-get install -y bubblewrap"
        return (f"bubblewrap (bwrap) is not installed. Install it: `{cmd}` (Fedora: dnf install "
                "bubblewrap; Arch: pacman -S bubblewrap), or grade explicitly unsandboxed "
                "with SANDBOX=off.")
    try:
        proc = subprocess.run([path, "--unshare-all", *_system_mounts(), "--dev", "/dev",
                               "--proc", "/proc", "--die-with-parent", "--", "/usr/bin/true"],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bwrap ({path}) could not run: {exc}"
    if proc.returncode != 0:
        return ("bubblewrap is installed but cannot create the sandbox's namespaces here.\n"
                + _namespace_fix(proc.stderr))
    if os.geteuid() == 0 and _tool("setpriv") is None:
        return "setpriv (util-linux) is missing: apt-get install -y util-linux"
    return ""


def _system_mounts() -> list[str]:
    """``/usr`` read-only and the merged-/usr links (or directories) next to it."""
    ops = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        p = f"/{name}"
        if os.path.islink(p):
            ops += ["--symlink", os.readlink(p), p]
        elif os.path.isdir(p):
            ops += ["--ro-bind", p, p]
    return ops


def sandbox_problem() -> str:
    """``""`` when sandboxed kernels can run here, else what is wrong and how to fix it.

    The self-test (about 10 ms) runs once per process; the result is cached.
    """
    return _problem()


def sandbox_available() -> bool:
    """True when bwrap works here and the helpers the sandbox needs are installed."""
    return not _problem()


def require_sandbox() -> None:
    """Raise :class:`SandboxUnavailable` (message names the fix) when the sandbox can't run."""
    problem = _problem()
    if problem:
        raise SandboxUnavailable(
            "ERROR: the grading sandbox is not available, so grading stops here (it never "
            "falls back to unsandboxed grading silently).\n" + problem +
            "\nTo grade without the sandbox anyway (student code runs with your rights, "
            "every row is marked `sandbox: off`): SANDBOX=off, --no-sandbox or "
            "c.DLCourse.sandbox = False.")


@functools.cache
def bwrap_path() -> str | None:
    """Path of a ``bwrap`` that can actually create the namespaces we use, else ``None``."""
    return shutil.which("bwrap") if not _problem() else None


def sandbox_wanted(config_value: bool | None = True, cli_value: bool | None = None) -> bool:
    """Whether to grade sandboxed: False only when explicitly switched off.

    ``cli_value`` (``--no-sandbox`` -> False) wins, then ``SANDBOX`` in the environment
    (``off``/``0``/``false``/``no`` -> False, ``on``/``1`` -> True), then the config value.
    """
    if cli_value is not None:
        return bool(cli_value)
    env = os.environ.get("SANDBOX", "").strip().lower()
    if env:
        return env not in _OFF
    return True if config_value is None else bool(config_value)


# --------------------------------------------------------------------------- processes

def pids_of_uid(uid: int) -> list[int]:
    """PIDs on this machine whose real uid is ``uid``."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(entry))
                        break
        except OSError:
            continue
    return pids


def reap_uid(uid: int, timeout: float = 15.0) -> int:
    """SIGKILL every process of ``uid`` and wait until none is left; return how many there were.

    Only ever called for a uid this process leased (verified unused, see :func:`_lease_uid`).
    """
    if uid in (0, os.getuid()) or uid < UID_BASE:
        raise ValueError(f"refusing to reap uid {uid}: not a leased sandbox uid")
    first = pids_of_uid(uid)
    deadline = time.monotonic() + timeout
    pids = first
    while pids and time.monotonic() < deadline:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        time.sleep(0.05)
        pids = pids_of_uid(uid)
    return len(first)


def _lock_dir() -> Path:
    for d in ("/run/lock", tempfile.gettempdir()):
        if os.access(d, os.W_OK):
            p = Path(d) / "dlcourse-sandbox-uids"
            p.mkdir(mode=0o755, exist_ok=True)
            st = p.lstat()
            if stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid():
                return p
    raise SandboxUnavailable("no writable lock directory for sandbox uids (/run/lock, /tmp)")


def _sub_ranges() -> list[tuple[int, int]]:
    ranges = []
    for f in ("/etc/subuid", "/etc/subgid"):
        try:
            for line in Path(f).read_text(encoding="utf-8", errors="replace").splitlines():
                parts = line.strip().split(":")
                if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                    ranges.append((int(parts[1]), int(parts[1]) + int(parts[2])))
        except OSError:
            pass
    return ranges


def uid_problem(uid: int) -> str:
    """Why ``uid`` must not be used for a sandboxed kernel ("" when it is free)."""
    for lookup, what in ((pwd.getpwuid, "a user in /etc/passwd"), (grp.getgrgid, "a group")):
        try:
            lookup(uid)
            return f"uid {uid} is {what}"
        except KeyError:
            pass
    for lo, hi in _sub_ranges():
        if lo <= uid < hi:
            return f"uid {uid} lies in a subordinate id range ({lo}-{hi - 1}, /etc/subuid|subgid)"
    if pids_of_uid(uid):
        return f"uid {uid} has running processes"
    return ""


class _UidLease:
    """An exclusive, verified-unused uid, held through a lock file until :meth:`release`."""

    def __init__(self, uid: int | None = None) -> None:
        lock_dir = _lock_dir()
        candidates = [uid] if uid is not None else range(UID_BASE, UID_BASE + UID_COUNT)
        subs = _sub_ranges()
        for cand in candidates:
            if any(lo <= cand < hi for lo, hi in subs):
                continue
            fd = os.open(lock_dir / f"{cand}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            if uid_problem(cand):
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self.uid, self._fd = cand, fd
            return
        what = f"uid {uid}: {uid_problem(uid) or 'leased by another grader'}" if uid is not None \
            else f"range {UID_BASE}-{UID_BASE + UID_COUNT - 1}"
        raise SandboxUnavailable(f"no free sandbox uid ({what}); set DLCOURSE_SANDBOX_UID_BASE "
                                 "to an unused range")

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


# --------------------------------------------------------------------------- cgroups

def _cgroup_mounts() -> list[tuple[str, str, set[str]]]:
    """(filesystem type, mount point, super options) of every cgroup / cgroup2 mount."""
    out = []
    try:
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            left, _, right = line.partition(" - ")
            parts = right.split()
            if parts and parts[0] in ("cgroup", "cgroup2"):
                opts = set(parts[2].split(",")) if len(parts) >= 3 else set()
                out.append((parts[0], left.split()[4], opts))
    except OSError:
        pass
    return out


def _cgroup2_mount() -> str | None:
    return next((m for fs, m, _ in _cgroup_mounts() if fs == "cgroup2"), None)


def _own_cgroup(controller: str = "") -> str | None:
    """The grader's own group: in the v2 hierarchy (``controller=""``) or in the v1
    hierarchy that has ``controller``."""
    for line in _read("/proc/self/cgroup").splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3 and (parts[1] == "" if not controller
                                else controller in parts[1].split(",")):
            return parts[2]
    return None


@functools.cache
def _cgroup_base() -> tuple[str | None, bool]:
    """(directory under which per-kernel cgroups are created, limits-capable?)."""
    mount = _cgroup2_mount()
    if mount is None:
        return None, False
    candidates = []
    if os.environ.get("DLCOURSE_CGROUP"):
        candidates.append(os.environ["DLCOURSE_CGROUP"])
    own = _own_cgroup()
    if os.geteuid() == 0 and own == "/":
        candidates.append(os.path.join(mount, "dlcourse"))
    for base in candidates:
        try:
            os.makedirs(base, exist_ok=True)
            parent = os.path.dirname(base.rstrip("/"))
            if os.path.samefile(parent, mount) or os.path.exists(base + "/cgroup.subtree_control"):
                avail = set(_read(os.path.join(parent, "cgroup.controllers")).split())
                want = [c for c in ("memory", "pids") if c in avail]
                for d in (parent, base):
                    try:
                        if want:
                            with open(os.path.join(d, "cgroup.subtree_control"), "w") as fh:
                                fh.write(" ".join("+" + c for c in want))
                    except OSError:
                        pass
            got = set(_read(os.path.join(base, "cgroup.subtree_control")).split())
            probe = os.path.join(base, f"probe-{os.getpid()}")
            os.mkdir(probe)
            os.rmdir(probe)
            return base, {"memory", "pids"} <= got
        except OSError:
            continue
    return None, False


def _cgroup1_mounts() -> dict[str, str]:
    """{controller: mount point} of the cgroup v1 hierarchies with memory / pids."""
    out: dict[str, str] = {}
    for fs, mount, opts in _cgroup_mounts():
        for c in ("memory", "pids"):
            if fs == "cgroup" and c in opts:
                out.setdefault(c, mount)
    return out


@functools.cache
def _cgroup1_bases() -> dict[str, str] | None:
    """{"memory": dir, "pids": dir} under which per-kernel cgroup v1 groups are made, or None.

    Delegated: ``DLCOURSE_CGROUP1_MEMORY`` and ``DLCOURSE_CGROUP1_PIDS`` name one group in
    each legacy hierarchy that an administrator created and chowned to the grader (any uid).
    Otherwise root only, on hosts with the legacy hierarchies: the groups go below the
    grader's own group of each hierarchy, so a limit placed on the grader still applies."""
    delegated = {c: os.environ.get(f"DLCOURSE_CGROUP1_{c.upper()}", "")
                 for c in ("memory", "pids")}
    if any(delegated.values()):
        return delegated if all(map(_can_make_group, delegated.values())) else None
    if os.geteuid() != 0 or os.environ.get("DLCOURSE_CGROUP"):
        return None
    mounts = _cgroup1_mounts()
    if not {"memory", "pids"} <= set(mounts):
        return None
    bases: dict[str, str] = {}
    for c in ("memory", "pids"):
        mount = mounts[c]
        for cand in (os.path.join(mount, (_own_cgroup(c) or "/").lstrip("/"), "dlcourse"),
                     os.path.join(mount, "dlcourse")):
            with contextlib.suppress(OSError):
                os.makedirs(cand, exist_ok=True)
            if _can_make_group(cand):
                bases[c] = cand
                break
        else:
            return None
    return bases


def _can_make_group(path: str) -> bool:
    probe = os.path.join(path, f"probe-{os.getpid()}")
    try:
        os.mkdir(probe)
        os.rmdir(probe)
        return True
    except OSError:
        return False


def limits_mode() -> tuple[str, str]:
    """(``"cgroup2"`` | ``"cgroup1"`` | ``"rlimit"``, warning text or "")."""
    base, full = _cgroup_base()
    if full:
        return "cgroup2", ""
    if _cgroup1_bases():
        return "cgroup1", ""
    why = ("no cgroup (v2, or v1 as root) with the memory and pids controllers can be created "
           "here" + ("" if base else " (and none for cleanup either)"))
    return "rlimit", (
        f"경고(WARNING): {why}: kernel limits are per-process rlimits only (RLIMIT_AS per "
        "process: memory_mb - tmpfs + 4 GB of mapped-only address space; RLIMIT_NPROC per "
        "uid), so a kernel with many processes can use more memory than memory_mb. Fix: "
        "run the grader as root on a cgroup host, or give it a delegated cgroup v2 "
        "(systemd-run --user --scope -p Delegate=yes ..., then DLCOURSE_CGROUP=<that "
        "cgroup's directory>) or, on a cgroup v1 host, a memory and a pids group chowned "
        "to the grader (DLCOURSE_CGROUP1_MEMORY=<dir> DLCOURSE_CGROUP1_PIDS=<dir>).")


def _kernel_cgroup(limits: SandboxLimits) -> _KernelCgroup | None:
    """The cgroup(s) for one kernel: v2 where it has the controllers, else v1 as root, else
    a v2 group for cleanup only (no limits), else None."""
    base, full = _cgroup_base()
    try:
        if full:
            return _KernelCgroup([base], limits, "v2")
        v1 = _cgroup1_bases()
        if v1:
            return _KernelCgroup([v1["memory"], v1["pids"]], limits, "v1")
        if base:
            return _KernelCgroup([base], limits, "")
    except OSError:
        pass
    return None


class _KernelCgroup:
    """One cgroup per kernel (v2: one directory; v1: one in the memory and one in the pids
    hierarchy): limits, membership (joined by the launcher's child), kill."""

    def __init__(self, bases: list[str], limits: SandboxLimits, version: str) -> None:
        name = f"k{os.getpid()}-{time.monotonic_ns() % 10**9}"
        self.version = version
        delegated = os.environ.get("DLCOURSE_CGROUP1_MEMORY")
        self.bases = bases if version == "v1" and not delegated else []
        self.paths: list[str] = []
        try:
            for b in bases:
                if version == "v1":        # another kernel's kill may have removed it
                    os.makedirs(b, exist_ok=True)
                os.mkdir(os.path.join(b, name))
                self.paths.append(os.path.join(b, name))
            if version == "v2":
                self._write(0, "memory.max", str(limits.memory_mb * MB))
                self._write(0, "memory.swap.max", "0", optional=True)
                self._write(0, "pids.max", str(limits.max_processes))
            elif version == "v1":
                self._write(0, "memory.limit_in_bytes", str(limits.memory_mb * MB))
                self._write(0, "memory.memsw.limit_in_bytes", str(limits.memory_mb * MB),
                            optional=True)
                self._write(1, "pids.max", str(limits.max_processes))
        except OSError:
            self.kill()
            raise

    def _write(self, i: int, name: str, value: str, optional: bool = False) -> None:
        try:
            with open(os.path.join(self.paths[i], name), "w") as fh:
                fh.write(value)
        except OSError:
            if not optional:
                raise

    def join_self(self) -> None:           # runs in the child between fork and exec
        for path in self.paths:
            with open(os.path.join(path, "cgroup.procs"), "w") as fh:
                fh.write(str(os.getpid()))

    def procs(self) -> list[int]:
        return sorted({int(p) for path in self.paths
                       for p in _read(os.path.join(path, "cgroup.procs")).split()})

    def kill(self, timeout: float = 10.0) -> None:
        """Kill everything in the group (only processes the kernel started) and remove it."""
        for path in self.paths:
            _kill_cgroup(path, timeout)
        for b in self.bases:               # v1: leave no empty dlcourse/ in the grader's group
            with contextlib.suppress(OSError):   # (EBUSY while other kernels use it)
                os.rmdir(b)


def _kill_cgroup(path: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while os.path.isdir(path) and time.monotonic() < deadline:
        try:
            with open(os.path.join(path, "cgroup.kill"), "w") as fh:
                fh.write("1")
        except OSError:                   # cgroup v1, kernels before 5.14: one by one
            for pid in _read(os.path.join(path, "cgroup.procs")).split():
                with contextlib.suppress(OSError):
                    os.kill(int(pid), signal.SIGKILL)
        try:
            os.rmdir(path)
            return
        except OSError:
            time.sleep(0.02)


def _sweep_cgroups() -> None:
    """Remove per-kernel cgroups whose launcher is gone (a SIGKILLed grader)."""
    bases = [_cgroup_base()[0], *(_cgroup1_bases() or {}).values()]
    for base in bases:
        if not base or not os.path.isdir(base):
            continue
        for entry in os.listdir(base):
            if entry.startswith("k") and "-" in entry:
                pid = entry[1:].split("-", 1)[0]
                if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                    _kill_cgroup(os.path.join(base, entry), timeout=2)


# --------------------------------------------------------------------------- course lock

@contextlib.contextmanager
def course_lock(root: Path) -> Iterator[Path]:
    """Hold ``<root>/grading/.lock`` for one grading run; :class:`CourseBusy` if taken.

    Runs on different course roots use different locks, runtime dirs and uids, so they never
    interfere; two runs on one root would delete each other's staging and statuses.
    """
    lock = Path(root) / "grading" / ".lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            raise CourseBusy(f"another grading run (pid {holder}) is using the course root "
                             f"{root}; wait for it to finish (lock: {lock})") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield lock
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- mounts

@functools.cache
def _python_paths(python: str) -> tuple[str, ...]:
    """What the kernel's interpreter needs: its prefixes and its ``sys.path`` directories,
    except directories that merely contain the course package (an editable install of a
    checkout): for those only the package directory itself is returned."""
    code = ("import json, sys, sysconfig; print(json.dumps([sys.prefix, sys.base_prefix,"
            " sys.exec_prefix, sys.base_exec_prefix] + [p for p in sys.path if p] +"
            " list(sysconfig.get_paths().values())))")
    if os.path.realpath(python) == os.path.realpath(sys.executable) and sys.flags.isolated == 0:
        import sysconfig  # this interpreter: no subprocess (launcher speed)
        cwd = os.getcwd()
        found = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                 *[p for p in sys.path if p and os.path.realpath(p) != os.path.realpath(cwd)],
                 *sysconfig.get_paths().values()]
        out = json.dumps(found)
    else:
        out = subprocess.run([python, "-c", code], stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=60, check=True,
                             cwd="/").stdout
    pkg = str(Path(__file__).resolve().parent)
    checkout = os.path.dirname(pkg)
    paths = {os.path.realpath(python), os.path.abspath(python), pkg}
    found = json.loads(out)
    prefixes = [os.path.realpath(p) for p in found[:4]]
    for p in found:
        rp = os.path.realpath(p)
        if _is_under(checkout, rp):
            continue                 # the repository or an ancestor: only the package dir
        if _is_under(rp, checkout) and not any(_is_under(rp, q) for q in prefixes):
            continue                 # tests/, tools/ ... of the checkout (a venv inside: kept)
        paths.add(p)
        paths.add(rp)
    keep = sorted(p for p in paths if os.path.isabs(p) and os.path.exists(p)
                  and not _is_under(p, "/usr"))
    return tuple(p for p in keep if not any(q != p and _is_under(p, q) for q in keep))


def _is_under(path: str, root: str) -> bool:
    root = root.rstrip("/") or "/"
    return path == root or root == "/" or path.startswith(root + "/")


class _Mounts:
    """Collects bwrap mount operations. Each is preceded by ``--dir`` for the ancestors of
    its destination (mode 0755; implicit mount points get 0700, which an unprivileged
    kernel could not traverse). Ancestors already declared are not repeated."""

    def __init__(self) -> None:
        self.args: list[str] = []
        self._dirs: set[str] = set()

    def add(self, *op: str) -> None:
        dest = op[-1]
        for anc in reversed(Path(dest).parents[:-1]):   # /a, /a/b, ... (not "/")
            if str(anc) not in self._dirs:
                self.args += ["--dir", str(anc)]
                self._dirs.add(str(anc))
        self.args += list(op)
        self._dirs = {d for d in self._dirs if not _is_under(d, dest)}
        self._dirs.add(dest)


def kernel_env(scratch: str, python: str = sys.executable, extra: dict | None = None,
               base: dict | None = None) -> dict[str, str]:
    """The kernel's whole environment (nothing else of the grader's passes)."""
    base = os.environ if base is None else base
    env = {
        "PATH": os.pathsep.join(dict.fromkeys([os.path.dirname(os.path.abspath(python)),
                                               "/usr/local/bin", "/usr/bin", "/bin"])),
        "HOME": scratch, "USER": "student", "LOGNAME": "student",
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": "/tmp",
        "MPLCONFIGDIR": os.path.join(scratch, ".config", "matplotlib"),
        "XDG_CACHE_HOME": os.path.join(scratch, ".cache"),
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
        # ipykernel polls its parent pid; in the PID namespace the parent is bwrap's init.
        "JPY_PARENT_PID": "1",
    }
    for k in _PASS_ENV:
        if base.get(k):
            env[k] = base[k]
    try:
        from .course import GRADING_ENV  # offline, one thread, Agg, no tqdm/warnings
    except ImportError:                     # run as a script
        GRADING_ENV = {}
    env.update(GRADING_ENV)
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
                "DLCOURSE_OFFLINE": "1"})
    env.update(extra or {})
    return env


class Sandbox:
    """Kernelspec factory for sandboxed kernels; one instance per grading worker.

    runtime_dir: a directory owned by the grader (created if missing) for the kernelspec
        (``RT/kernels/<kernel_name>/``) and the kernel's ipc sockets (``RT/ipc``); its path
        must be short (unix socket paths are limited to 108 bytes).
    limits: see :class:`SandboxLimits`.
    hide: extra paths to cover if they ever fall inside a bound directory (the allow-list
        already leaves the course root out).
    python: interpreter that runs ``ipykernel_launcher`` (needs ipykernel installed).
    uid: root graders only: a specific uid (still verified unused); ``None`` leases one.
    data_dirs: extra read-only directories (e.g. ``DLCOURSE_DATA``), bound at their path.
    weaken: TESTS ONLY - removes protections to prove the canary tests can fail:
        ``"ro_root"`` (bind the whole host read-only underneath), ``"keep_env"`` (pass the
        grader's environment), ``"rw:<path>"`` / ``"ro:<path>"`` (bind ``path`` writable / read-only).
    """

    def __init__(self, runtime_dir: Path, limits: SandboxLimits | None = None,
                 hide: Sequence[Path] = (), python: str = sys.executable,
                 kernel_name: str = KERNEL_NAME, uid: int | None = None,
                 data_dirs: Sequence[Path] = (), weaken: Sequence[str] = ()) -> None:
        self.runtime_dir = Path(runtime_dir).absolute()
        self.limits = limits or SandboxLimits()
        self.hide = [Path(p).absolute() for p in hide]
        self.python = python
        self.kernel_name = kernel_name
        self.as_root = os.geteuid() == 0
        self.data_dirs = [os.path.realpath(p) for p in data_dirs if os.path.isdir(p)]
        self.weaken = list(weaken)
        self._lease = _UidLease(uid) if self.as_root else None
        self.uid = self._lease.uid if self._lease else None
        self.ipc_dir = self.runtime_dir / "ipc"
        self.kernel_dir = self.runtime_dir / "kernels" / kernel_name
        if len(str(self.ipc_dir / "kernel-99999")) > _MAX_SOCKET_PATH:
            raise ValueError(f"runtime_dir path too long for unix sockets: {self.runtime_dir}")

    # -- public API -------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """Environment the grader process must have before nbclient starts a kernel
        (``JUPYTER_PATH`` with ``runtime_dir`` first, so the kernelspec is found by name)."""
        old = os.environ.get("JUPYTER_PATH", "")
        parts = [str(self.runtime_dir)] + [p for p in old.split(os.pathsep)
                                           if p and p != str(self.runtime_dir)]
        return {"JUPYTER_PATH": os.pathsep.join(parts)}

    def traitlets_config(self) -> dict:
        """Nested dict for ``traitlets.config.Config``: kernel name plus ipc transport."""
        return {
            "Execute": {"kernel_name": self.kernel_name},
            "NotebookClient": {"kernel_name": self.kernel_name},
            "KernelManager": {"transport": "ipc", "ip": str(self.ipc_dir / "kernel")},
        }

    def prepare(self, scratch: Path) -> None:
        """(Re)write the kernelspec so the next kernel runs on a copy of ``scratch``.

        ``scratch`` need not exist yet (nbgrader recreates the autograded folder right
        before it starts the kernel). Also empties ``RT/ipc`` and kills whatever a previous
        kernel of this sandbox left (its uid is leased by this sandbox alone).
        """
        require_sandbox()
        if self.as_root and pids_of_uid(self.uid):
            reap_uid(self.uid)
        _sweep_cgroups()
        self.runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.ipc_dir.is_symlink() or self.ipc_dir.is_file():
            self.ipc_dir.unlink()
        elif self.ipc_dir.exists():
            shutil.rmtree(self.ipc_dir)
        self.ipc_dir.mkdir(mode=0o700)
        if self.as_root:
            os.chown(self.ipc_dir, self.uid, self.uid)
        self.kernel_dir.mkdir(parents=True, exist_ok=True)
        spec_file = self.kernel_dir / "sandbox.json"
        tmp = self.kernel_dir / "sandbox.json.tmp"
        tmp.write_text(json.dumps(self._spec(scratch)), encoding="utf-8")
        os.replace(tmp, spec_file)
        _write_kernel_json(self.kernel_dir, self.kernel_argv(scratch))

    def close(self) -> None:
        """Kill what is left of this sandbox's kernels and give its uid back."""
        if self._lease:
            if pids_of_uid(self.uid):
                reap_uid(self.uid)
            self._lease.release()
            self._lease = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            if self._lease:
                self._lease.release()

    # -- command construction ---------------------------------------------------------------

    def _spec(self, scratch: Path | None) -> dict:
        return {"scratch": None if scratch is None else os.path.realpath(scratch),
                "limits": asdict(self.limits), "uid": self.uid, "python": self.python,
                "hide": [str(p) for p in self.hide], "data_dirs": self.data_dirs,
                "weaken": self.weaken, "ipc_dir": str(self.ipc_dir)}

    def kernel_argv(self, scratch: Path) -> list[str]:
        """Kernelspec argv: the launcher, this sandbox's spec and the connection file."""
        return [sys.executable, "-m", "autograder.sandbox", "launch",
                str(self.kernel_dir / "sandbox.json"), "{connection_file}"]

    def bwrap_args(self, scratch: Path, uid: int | None = None, etc_dir: str | None = None,
                   conn_fd: int = 3) -> tuple[list[str], list[str]]:
        """(bwrap options, command): mount order matters, later mounts win."""
        scratch = os.path.realpath(scratch)
        ipc = os.path.realpath(self.ipc_dir)
        lim = self.limits
        m = _Mounts()
        if "ro_root" in self.weaken:
            m.add("--ro-bind", "/", "/")
            m.add("--tmpfs", "/run")
        ops = _system_mounts() if "ro_root" not in self.weaken else []
        while ops:
            n = 3
            m.add(*ops[:n])
            ops = ops[n:]
        for name in _ETC_FILES if "ro_root" not in self.weaken else ():
            if os.path.exists(f"/etc/{name}"):
                m.add("--ro-bind", f"/etc/{name}", f"/etc/{name}")
        if etc_dir and "ro_root" not in self.weaken:
            for name in ("passwd", "group", "hostname"):
                m.add("--ro-bind", os.path.join(etc_dir, name), f"/etc/{name}")
        m.add("--dev", "/dev")
        m.add("--proc", "/proc")
        m.add("--perms", "1777", "--size", str(lim.tmp_mb * MB), "--tmpfs", "/tmp")
        m.add("--perms", "1777", "--size", str(lim.shm_mb * MB), "--tmpfs", "/dev/shm")
        readable = list(dict.fromkeys(list(_python_paths(self.python)) + self.data_dirs))
        for p in readable:
            m.add("--ro-bind", p, p)
        for h in self.hide:                  # only where a bind could have made it visible
            real = os.path.realpath(h)
            if "ro_root" not in self.weaken and not any(_is_under(real, q) for q in readable):
                continue
            if os.path.isdir(real):
                m.add("--tmpfs", real)
            elif os.path.exists(real) and etc_dir:
                m.add("--ro-bind", os.path.join(etc_dir, "empty"), real)
        for w in self.weaken:
            if w.startswith("rw:"):
                m.add("--bind", w[3:], w[3:])
            elif w.startswith("ro:"):
                m.add("--ro-bind", w[3:], w[3:])
        m.add("--bind", ipc, ipc)
        # the student's folder: a size-limited tmpfs, filled from the host copy at start
        m.add("--ro-bind", scratch, _SUBMISSION_RO)
        m.add("--perms", "0755", "--size", str(lim.scratch_mb * MB), "--tmpfs", scratch)
        m.add("--perms", "0444", "--file", str(conn_fd), _CONNECTION_FILE)
        # the sandbox's own root is an unlimited tmpfs that an unprivileged grader's kernel
        # would own: read-only from here on (the sized tmpfs mounts above stay writable)
        m.args += ["--remount-ro", "/"]
        env = kernel_env(scratch, self.python)
        if "keep_env" in self.weaken:
            env = {**os.environ, **env}
        args = m.args + ["--chdir", scratch, "--unshare-net", "--unshare-pid", "--unshare-ipc",
                         "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
                         "--die-with-parent", "--new-session", "--clearenv"]
        for k, v in sorted(env.items()):
            args += ["--setenv", k, v]
        kernel = [self.python, "-m", "ipykernel_launcher", "-f", _CONNECTION_FILE,
                  "--HistoryManager.hist_file=:memory:"]
        # runs inside, before the kernel: fill the scratch tmpfs from the host copy, hand it
        # to the kernel's uid (root graders) and drop every privilege
        init = f"cp -a {_SUBMISSION_RO}/. . 2>/dev/null; "
        if uid is not None:
            init += (f"chown -R {uid}:{uid} . || exit 1; exec {_tool('setpriv') or 'setpriv'} "
                     f"--reuid={uid} --regid={uid} --clear-groups --inh-caps=-all "
                     "--bounding-set=-all --no-new-privs -- \"$@\"")
        else:
            init += 'exec "$@"'
        # bwrap reads the options from a pipe (--args) but wants the command on its argv,
        # which is all /proc/1/cmdline shows inside: no paths of the host besides Python's
        return args + ["--"], ["/bin/sh", "-c", init, "init", *kernel]


def _write_kernel_json(kernel_dir: Path, argv: list[str]) -> None:
    spec = {"argv": argv, "display_name": "Python 3 (sandbox)", "language": "python",
            "interrupt_mode": "message", "metadata": {"debugger": False}}
    tmp = kernel_dir / "kernel.json.tmp"
    tmp.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    os.replace(tmp, kernel_dir / "kernel.json")


# --------------------------------------------------------------------------- the launcher

def _course_limits() -> SandboxLimits:
    """Limits from ``c.DLCourse`` in the repository's nbgrader_config.py (plain nbgrader)."""
    try:
        from traitlets.config.loader import PyFileConfigLoader

        from .course import REPO_ROOT
        cfg = PyFileConfigLoader("nbgrader_config.py", path=str(REPO_ROOT)).load_config()
        return SandboxLimits.from_dict(dict(cfg.get("DLCourse", {}) or {}))
    except Exception:  # noqa: BLE001 - defaults are safe
        return SandboxLimits()


_LAUNCHED_BY: list[int] = []


def _launch(spec_path: str, connection_file: str) -> int:
    """Start one sandboxed kernel and wait for it; clean up after it (kernelspec argv)."""
    _LAUNCHED_BY.append(os.getppid())
    if spec_path == "-":                 # plain nbgrader: the installed kernelspec
        spec = {"scratch": os.path.realpath(os.getcwd()), "limits": None, "uid": None,
                "python": sys.executable, "hide": [], "data_dirs": [], "weaken": []}
        limits = _course_limits()
    else:
        spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
        limits = SandboxLimits.from_dict(spec["limits"])
    problem = _problem()
    if problem:
        print(f"dlcourse-sandbox: {problem}", file=sys.stderr)
        return 2
    conn = json.loads(Path(connection_file).read_text(encoding="utf-8"))
    if conn.get("transport") != "ipc":
        print("dlcourse-sandbox: the kernel has no network; set c.KernelManager.transport = "
              "'ipc' (nbgrader_config.py in the course repository does)", file=sys.stderr)
        return 2
    ipc_dir = os.path.dirname(os.path.abspath(conn["ip"]))
    with tempfile.TemporaryDirectory(prefix="dlc-launch-") as rt:
        os.chmod(rt, 0o755)
        sb = Sandbox.__new__(Sandbox)
        sb.runtime_dir, sb.limits, sb.python = Path(rt), limits, spec["python"]
        sb.hide = [Path(p) for p in spec["hide"]]
        sb.data_dirs, sb.weaken = spec["data_dirs"], spec["weaken"]
        sb.as_root, sb.kernel_name, sb.ipc_dir = os.geteuid() == 0, KERNEL_NAME, Path(ipc_dir)
        lease = None
        if sb.as_root:
            if spec["uid"] is None:
                lease = _UidLease()
                uid = lease.uid
            else:
                uid = int(spec["uid"])
            _prepare_ipc(ipc_dir, uid)
        else:
            uid = None
            _prepare_ipc(ipc_dir, None)
        sb._lease, sb.uid = None, uid
        return _run_kernel(sb, spec["scratch"], connection_file, uid, lease, rt)


def _sandbox_pidns(info_fd: int) -> int | None:
    """Inode of the sandbox's PID namespace, from bwrap's ``--info-fd`` report."""
    try:
        data = os.read(info_fd, 65536)
        child = int(json.loads(data.decode())["child-pid"])
        ino = os.stat(f"/proc/{child}/ns/pid").st_ino
        # never our own namespace: reaping it would touch every process of the machine
        return ino if ino != os.stat("/proc/self/ns/pid").st_ino else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _pids_in_pidns(ino: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}/ns/pid").st_ino == ino:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def _reap_pidns(ino: int, timeout: float = 15.0) -> None:
    """Wait until every process of the kernel's PID namespace is gone (SIGKILL stragglers).

    The kernel dies with the namespace's init, but hundreds of fork-bomb children die
    asynchronously; as an ordinary grader they count against the next kernel's
    ``RLIMIT_NPROC``. Only processes inside that namespace are touched."""
    deadline = time.monotonic() + timeout
    while (pids := _pids_in_pidns(ino)) and time.monotonic() < deadline:
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def _prepare_ipc(ipc_dir: str, uid: int | None) -> None:
    try:
        os.mkdir(ipc_dir, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(ipc_dir)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid not in (os.geteuid(), uid):
        raise SandboxUnavailable(f"ipc directory {ipc_dir} is not a directory of ours")
    if uid is not None:
        os.chown(ipc_dir, uid, uid)
        os.chmod(ipc_dir, 0o700)


def _run_kernel(sb: Sandbox, scratch: str, connection_file: str, uid: int | None,
                lease: _UidLease | None, rt: str) -> int:
    lim = sb.limits
    uid_, gid_ = (uid, uid) if uid is not None else (os.getuid(), os.getgid())
    files = {
        "passwd": (f"root:x:0:0::/root:/usr/sbin/nologin\n"
                   f"student:x:{uid_}:{gid_}::{scratch}:/usr/sbin/nologin\n"
                   "nobody:x:65534:65534::/:/usr/sbin/nologin\n"),
        "group": f"root:x:0:\nstudent:x:{gid_}:\nnogroup:x:65534:\n",
        "hostname": "sandbox\n",
        "empty": "",
    }
    for name, text in files.items():
        Path(rt, name).write_text(text)
        os.chmod(Path(rt, name), 0o444)
    cg = _kernel_cgroup(lim)
    conn_fd = os.open(connection_file, os.O_RDONLY)
    r, w = os.pipe()
    info_r, info_w = os.pipe()
    args, command = sb.bwrap_args(scratch, uid=uid, etc_dir=rt, conn_fd=conn_fd)
    args = args[:-1] + ["--info-fd", str(info_w), "--"]
    payload = b"".join(a.encode() + b"\0" for a in args)
    nofile = max(lim.max_open_files, 64)

    def preexec() -> None:
        import resource
        if cg is not None:
            cg.join_self()
        # under memory pressure the host's OOM killer takes sandboxed processes first
        with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as fh:
            fh.write("1000")
        resource.setrlimit(resource.RLIMIT_AS, (lim.address_space_mb * MB,) * 2)
        resource.setrlimit(resource.RLIMIT_CPU, (lim.cpu_seconds,) * 2)
        if uid is not None or cg is None or not cg.version:
            # per uid: as root the kernel's own uid; as an ordinary user without a pids
            # cgroup, all of the grader's tasks (the only process limit there is)
            resource.setrlimit(resource.RLIMIT_NPROC, (lim.max_processes,) * 2)
        resource.setrlimit(resource.RLIMIT_FSIZE, (lim.max_file_mb * MB,) * 2)
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if lim.nice > 0:
            os.nice(lim.nice)

    bwrap = shutil.which("bwrap") or "bwrap"
    proc = None
    pidns = None
    try:
        proc = subprocess.Popen([bwrap, "--args", str(r), *command],
                                pass_fds=(r, conn_fd, info_w),
                                # the launcher has a single thread: preexec_fn is safe here
                                preexec_fn=preexec,  # noqa: PLW1509
                                stdin=subprocess.DEVNULL, cwd="/")
        os.close(r)
        r = -1
        with os.fdopen(w, "wb") as fh:
            w = -1
            fh.write(payload)
        os.close(conn_fd)
        conn_fd = -1
        os.close(info_w)
        info_w = -1
        pidns = _sandbox_pidns(info_r)

        def forward(signum, _frame):
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signum)
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGQUIT):
            signal.signal(s, forward)
        # the grader may die without a word (SIGKILL): then take the kernel down too.
        # (PR_SET_PDEATHSIG would fire when the grader's *thread* that started us exits.)
        parent = _LAUNCHED_BY[0] if _LAUNCHED_BY else os.getppid()
        while True:
            try:
                return proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                if os.getppid() != parent:
                    proc.kill()
            except InterruptedError:
                continue
    finally:
        for fd in (r, w, conn_fd, info_r, info_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        if pidns:
            _reap_pidns(pidns)
        if cg is not None:
            cg.kill()
        if lease is not None:
            if pids_of_uid(lease.uid):
                reap_uid(lease.uid)
            lease.release()


# --------------------------------------------------------------------------- kernelspec

def install_kernelspec(prefix: str | Path = sys.prefix, python: str = sys.executable) -> Path:
    """Install ``share/jupyter/kernels/dlcourse-sandbox`` under ``prefix`` (the venv).

    nbgrader_config.py selects it (``c.Execute.kernel_name``), so plain ``nbgrader autograde``
    run in this repository grades in the same sandbox as ``make autograde``.
    """
    kdir = Path(prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME
    kdir.mkdir(parents=True, exist_ok=True)
    _write_kernel_json(kdir, [python, "-m", "autograder.sandbox", "launch", "-",
                              "{connection_file}"])
    return kdir


def _main(argv: list[str]) -> int:
    if argv[:1] == ["launch"] and len(argv) == 3:
        return _launch(argv[1], argv[2])
    if argv[:1] == ["install-kernelspec"]:
        prefix = argv[2] if len(argv) > 2 and argv[1] == "--prefix" else sys.prefix
        print(f"installed kernelspec {install_kernelspec(prefix)}")
        return 0
    if argv[:1] == ["check"]:
        problem = _problem()
        mode, warning = limits_mode()
        print(problem or f"sandbox: ok (limits: {mode})")
        if warning and not problem:
            print(warning)
        return 1 if problem else 0
    print("usage: python -m autograder.sandbox {check | install-kernelspec [--prefix P] | "
          "launch SPEC CONNECTION_FILE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))

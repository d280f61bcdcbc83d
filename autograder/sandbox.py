"""Run a student notebook's Jupyter kernel inside a bubblewrap (``bwrap``) sandbox.

What the kernel sees
--------------------
* **No network**: ``--unshare-net`` (only a down loopback). The kernel talks to the grader
  over unix sockets (``KernelManager.transport = "ipc"``) in ``RT/ipc``, because TCP
  loopback is not shared across network namespaces and unix sockets are.
* **Read-only filesystem**: ``/`` is bound read-only. Writable: the per-submission
  ``scratch`` directory (the student's autograded folder, also the kernel's cwd), and small
  private tmpfs mounts for ``/tmp``, ``/var/tmp`` (= ``HOME``, ``TMPDIR``,
  ``MPLCONFIGDIR``) and ``/dev/shm`` (PyTorch ``DataLoader`` workers need it). ``/run`` is an
  empty tmpfs, so host sockets (docker, dbus, ...) are out of reach.
* **Hidden course paths**: every path in ``hide`` is covered, a directory by an empty
  tmpfs, a file by an empty read-only file. The scratch directory is mounted again
  afterwards, so hiding ``autograded/`` as a whole still leaves the current student's
  folder usable.
* **Own PID, IPC and UTS namespaces**: the kernel sees only its own processes, cannot
  signal anything outside, and when the kernel goes (shutdown, kill, grader death via
  ``--die-with-parent``) every process it started dies with it.
* **Resource limits** via ``prlimit`` (bwrap sets none): address space (``RLIMIT_AS``),
  CPU seconds, processes, file size, open files; see :class:`SandboxLimits`.
* **Environment**: inherited from the grader (so ``OMP_NUM_THREADS``, ``HF_HOME``, ... pass
  through), except ``HOME``/``TMPDIR``/``MPLCONFIGDIR``; keep secrets out of the grading
  worker's environment, since student code can print ``os.environ``.

Running as root (the grading machine)
-------------------------------------
bwrap started by root keeps *all* capabilities inside the sandbox, so a kernel left as root
could simply remount ``/`` read-write or unmount the tmpfs that hides ``gradebook.db``.
And Linux never applies ``RLIMIT_NPROC`` to uid 0 (``kernel/fork.c`` exempts the root
user, and any process holding ``CAP_SYS_ADMIN``/``CAP_SYS_RESOURCE``), so as root a fork
bomb would not be stopped. Therefore, when the grader runs as root, the kernel is started
through ``setpriv`` as an unprivileged uid (``uid``, default 65534 = ``nobody``) with no
capabilities, an empty bounding set and ``no_new_privs``. Then ``RLIMIT_NPROC`` works:
``fork``/thread creation fails with ``EAGAIN`` (``BlockingIOError`` / "can't start new
thread") once that uid has ``max_processes`` tasks. Consequences:

* ``RLIMIT_NPROC`` counts *all tasks (threads too) of that uid on the machine*. Give each
  concurrently running grading worker its own ``uid`` (e.g. ``60000 + worker_index``) and
  do not use a uid that other services run as. PyTorch starts one thread per core, so
  keep ``max_processes`` well above the core count.
* The kernel's launch command ``chown``\\ s the scratch directory (recursively, never
  following symlinks) to that uid right before starting bwrap, because nbgrader creates
  the autograded folder anew, owned by root, just before it starts the kernel.
* The interpreter, the venv and this package must be readable by that uid. If one of
  them lies under a directory others cannot enter (pyenv under ``/root``, mode 0700) that
  directory is replaced by an empty tmpfs with just the needed paths bound back
  read-only, so the rest of it stays out of sight.

When the grader is not root, bwrap runs unprivileged (user namespace) and the kernel keeps
the caller's uid; ``RLIMIT_NPROC`` then counts every process of the caller's user (this
mode is untested: the development machine runs everything as root).

How the caller uses it
----------------------
::

    sandbox = Sandbox(runtime_dir, SandboxLimits(), hide=[root / "gradebook.db", ...])
    os.environ.update(sandbox.env())                 # once, before any kernel starts
    config = Config(sandbox.traitlets_config())      # merged into nbgrader's config
    for each submission:
        sandbox.prepare(scratch)                     # rewrites the kernelspec
        ... nbgrader Execute / nbclient runs the notebook with cwd = scratch ...

``traitlets_config()`` sets ``Execute.kernel_name`` (and ``NotebookClient.kernel_name``) to
the sandbox kernelspec, and ``KernelManager.transport``/``ip``; nbclient passes its own
``config`` to the ``AsyncKernelManager`` it creates, so these reach the kernel manager.
The kernelspec uses ``interrupt_mode: "message"``: the default SIGINT to the kernel's
process group kills bwrap, and with it the kernel (``DeadKernelError``), so interrupts
(nbgrader's ``interrupt_on_timeout``) travel as a control-channel message instead.
Call :meth:`prepare` only while no kernel of this sandbox is running (it resets ``RT/ipc``).
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

__all__ = ["SandboxLimits", "Sandbox", "bwrap_path", "sandbox_available"]

MB = 1024 * 1024
# Unix socket paths are limited to 108 bytes; the ipc endpoints are "<RT>/ipc/kernel-<port>".
_MAX_SOCKET_PATH = 100
_CONNECTION_FILE = "/run/sandbox/connection.json"   # inside the sandbox
_SANDBOX_HOME = "/var/tmp"


@dataclass
class SandboxLimits:
    """Per-kernel resource limits, applied with ``prlimit`` (soft = hard).

    memory_mb: address space (``RLIMIT_AS``: virtual memory, not RSS). Measured in a
        sandboxed kernel on a 2-core machine: an idle kernel maps ~0.7 GB (it does not
        start below ~768 MB), ``import torch, transformers`` ~3.9 GB, a small MLP/CNN
        training run with a 2-worker DataLoader ~4.4 GB (RSS only ~0.75 GB). 4096 fails
        that run, hence 6144. Every extra thread (PyTorch starts one per core) adds stack
        and malloc-arena reservations, so raise it on many-core machines or cap threads
        (``OMP_NUM_THREADS``, ``MALLOC_ARENA_MAX``) in the grader's environment. Over the
        limit the allocation fails: ``MemoryError`` (or a RuntimeError from torch) in the
        cell, never an OOM-killed host.
    cpu_seconds: ``RLIMIT_CPU`` per process; at the limit the kernel is killed (SIGXCPU),
        which the grader sees as a dead kernel.
    max_processes: ``RLIMIT_NPROC``: tasks (processes *and threads*) of the sandbox uid.
    max_file_mb: ``RLIMIT_FSIZE``: larger writes fail with ``OSError(EFBIG)``. The tmpfs
        mounts (/tmp, /var/tmp, /dev/shm) are each capped at ``4 * max_file_mb``.
    max_open_files: ``RLIMIT_NOFILE``.
    """

    memory_mb: int = 6144
    cpu_seconds: int = 900
    max_processes: int = 256
    max_file_mb: int = 200
    max_open_files: int = 1024


def _run_quiet(argv: Sequence[str], timeout: float = 20) -> bool:
    try:
        return subprocess.run(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=timeout).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@functools.lru_cache(maxsize=None)
def bwrap_path() -> str | None:
    """Path of a ``bwrap`` that can actually create the namespaces we use, else ``None``.

    The self-test (about 10 ms) runs once per process; the result is cached.
    """
    path = shutil.which("bwrap")
    if path is None:
        return None
    ok = _run_quiet([path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                     "--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent",
                     "--", "/bin/true"])
    return path if ok else None


@functools.lru_cache(maxsize=None)
def _tool(name: str) -> str | None:
    return shutil.which(name) or next(
        (p for p in (f"/usr/bin/{name}", f"/bin/{name}") if os.access(p, os.X_OK)), None)


def sandbox_available() -> bool:
    """True when bwrap works here and the helpers the sandbox needs are installed."""
    if bwrap_path() is None or _tool("prlimit") is None:
        return False
    return os.geteuid() != 0 or (_tool("setpriv") is not None and _tool("chown") is not None)


@functools.lru_cache(maxsize=None)
def _python_paths(python: str) -> tuple[str, ...]:
    """Prefixes and ``sys.path`` of ``python`` (what the kernel must be able to read)."""
    code = ("import json, sys; print(json.dumps([sys.prefix, sys.base_prefix, sys.exec_prefix,"
            " sys.base_exec_prefix] + [p for p in sys.path if p]))")
    out = subprocess.run([python, "-c", code], stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    paths = {os.path.realpath(python), os.path.dirname(os.path.realpath(python)),
             os.path.abspath(python)}
    paths.update(json.loads(out))
    paths.add(str(Path(__file__).resolve().parent))   # this package (editable installs)
    return tuple(sorted(p for p in paths if os.path.isabs(p) and os.path.exists(p)))


def _closed_ancestor(path: str) -> str | None:
    """The outermost ancestor of ``path`` that other users cannot enter (no o+x), if any."""
    parts = Path(path).parts
    for i in range(2, len(parts)):
        anc = os.path.join(*parts[:i])
        try:
            if not os.stat(anc).st_mode & stat.S_IXOTH:
                return anc
        except OSError:
            return None
    return None


def _is_under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


class _Mounts:
    """Collects bwrap mount operations. Each is preceded by ``--dir`` for the ancestors of
    its destination: mount points that bwrap creates implicitly on a tmpfs get mode 0700,
    which the unprivileged kernel could not traverse; ``--dir`` makes them 0755 (existing
    directories keep their mode). Ancestors already declared are not repeated, unless a
    later mount covered them.
    """

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

    Only for the dedicated sandbox uids (never a uid a person or service uses).
    """
    import signal
    import time
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
                os.waitpid(pid, os.WNOHANG)       # reap it if it is our own (zombie) child
            except ChildProcessError:
                pass
        time.sleep(0.05)
        pids = pids_of_uid(uid)
    return len(first)


class Sandbox:
    """Kernelspec factory for sandboxed kernels; one instance per grading worker.

    runtime_dir: a directory owned by the grader (created if missing) for the kernelspec
        (``RT/kernels/<kernel_name>/kernel.json``) and the kernel's ipc sockets
        (``RT/ipc``); its path must be short (unix socket paths are limited to 108 bytes).
    limits: resource limits, see :class:`SandboxLimits`.
    hide: paths the kernel must not see (``gradebook.db``, ``source/``, ``release/``,
        solutions, ``submitted/``, ``autograded/``, ...). Paths that do not exist when
        :meth:`prepare` runs are skipped.
    python: interpreter that runs ``ipykernel_launcher`` (needs ipykernel installed).
    kernel_name: name of the generated kernelspec.
    uid: when the grader runs as root, the unprivileged uid (and gid) the kernel runs as;
        ``None`` means 65534 (``nobody``). Use a distinct uid per concurrent worker, since
        ``max_processes`` counts all tasks of that uid. Ignored when not root.
    """

    def __init__(self, runtime_dir: Path, limits: SandboxLimits = SandboxLimits(),
                 hide: Sequence[Path] = (), python: str = sys.executable,
                 kernel_name: str = "dlcourse-sandbox", uid: int | None = None) -> None:
        self.runtime_dir = Path(runtime_dir).absolute()
        self.limits = limits
        self.hide = [Path(p).absolute() for p in hide]
        self.python = python
        self.kernel_name = kernel_name
        self.as_root = os.geteuid() == 0
        self.uid = (65534 if uid is None else int(uid)) if self.as_root else None
        self.ipc_dir = self.runtime_dir / "ipc"
        self.kernel_dir = self.runtime_dir / "kernels" / kernel_name
        # Hidden files are covered by this empty file (/dev/null would be unopenable on
        # bwrap's nodev bind mounts).
        self.empty_file = self.runtime_dir / "empty"
        if len(str(self.ipc_dir / "kernel-99999")) > _MAX_SOCKET_PATH:
            raise ValueError(f"runtime_dir path too long for unix sockets: {self.runtime_dir}")

    # -- public API -------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """Environment the grader process must have before nbclient starts a kernel.

        ``JUPYTER_PATH`` gets ``runtime_dir`` first, so ``jupyter_client`` finds the
        sandbox kernelspec by name.
        """
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
        """(Re)write the kernelspec so the next kernel runs with ``scratch`` writable.

        ``scratch`` need not exist yet (nbgrader recreates the autograded folder before it
        starts the kernel); the ``hide`` list is checked now. Also empties ``RT/ipc``, so
        nothing a previous student left there survives.
        """
        if bwrap_path() is None:
            raise RuntimeError("bubblewrap (bwrap) is not usable on this machine")
        if self.as_root:
            # Left-overs of the previous student (a fork bomb's children die asynchronously)
            # count against this uid's process limit: the next kernel could not even start
            # its threads. Kill them and wait until they are gone.
            reap_uid(self.uid)
        self.runtime_dir.mkdir(parents=True, exist_ok=True)
        if self.ipc_dir.is_symlink() or self.ipc_dir.is_file():
            self.ipc_dir.unlink()
        elif self.ipc_dir.exists():
            shutil.rmtree(self.ipc_dir)
        self.ipc_dir.mkdir(mode=0o700)
        if self.as_root:
            os.chown(self.ipc_dir, self.uid, self.uid)
        self.kernel_dir.mkdir(parents=True, exist_ok=True)
        if self.empty_file.is_symlink() or not self.empty_file.is_file() \
                or self.empty_file.stat().st_size:
            self.empty_file.unlink(missing_ok=True)
            self.empty_file.touch(mode=0o444)
        spec = {
            "argv": self.kernel_argv(scratch),
            "display_name": "Python 3 (sandbox)",
            "language": "python",
            "interrupt_mode": "message",
            "metadata": {"debugger": False},
        }
        tmp = self.kernel_dir / "kernel.json.tmp"
        tmp.write_text(json.dumps(spec, indent=1), encoding="utf-8")
        os.replace(tmp, self.kernel_dir / "kernel.json")

    # -- command construction ---------------------------------------------------------------

    def bwrap_args(self, scratch: Path) -> list[str]:
        """The bwrap options (mount order matters: later mounts win)."""
        scratch = os.path.realpath(scratch)
        ipc = os.path.realpath(self.ipc_dir)
        tmp_size = str(4 * self.limits.max_file_mb * MB)
        m = _Mounts()
        m.add("--ro-bind", "/", "/")
        m.add("--dev", "/dev")
        m.add("--proc", "/proc")
        scratch_dirs = ("/tmp", "/var/tmp", "/dev/shm", "/run")
        for d in scratch_dirs[:3]:
            m.add("--perms", "1777", "--size", tmp_size, "--tmpfs", d)
        m.add("--tmpfs", "/run")
        readable = list(_python_paths(self.python))
        # The interpreter, the venv and this package may live under /tmp (a CI clone):
        # bind them back, read-only, over the empty tmpfs.
        under = [p for p in readable if any(_is_under(p, d) for d in scratch_dirs)]
        for p in sorted(p for p in under if not any(p != q and _is_under(p, q) for q in under)):
            m.add("--ro-bind", p, p)
        if self.as_root:
            # Directories the sandbox uid cannot enter (pyenv under /root, mode 0700) but
            # whose contents the kernel needs: an empty tmpfs, then the needed paths.
            needed = readable + [scratch, ipc]
            closed = sorted({c for p in needed if (c := _closed_ancestor(p))})
            closed = [c for c in closed if not any(c != o and _is_under(c, o) for o in closed)]
            for c in closed:
                m.add("--tmpfs", c)
            binds = [p for p in readable if any(_is_under(p, c) for c in closed)]
            binds = [p for p in binds if not any(p != q and _is_under(p, q) for q in binds)]
            for p in binds:
                m.add("--ro-bind", p, p)
        for h in self.hide:
            real = os.path.realpath(h)      # a symlink is harmless once its target is hidden
            if os.path.isdir(real):
                m.add("--tmpfs", real)
            elif os.path.exists(real):
                m.add("--ro-bind", str(self.empty_file), real)
        m.add("--bind", ipc, ipc)
        m.add("--bind", scratch, scratch)
        args = m.args
        args += ["--chdir", scratch, "--unshare-net", "--unshare-pid", "--unshare-ipc",
                 "--unshare-uts", "--hostname", "sandbox", "--die-with-parent",
                 "--setenv", "HOME", _SANDBOX_HOME, "--setenv", "TMPDIR", _SANDBOX_HOME,
                 "--setenv", "MPLCONFIGDIR", _SANDBOX_HOME,
                 # ipykernel polls its parent pid and quits when it changes; in the new PID
                 # namespace the parent is bwrap's init (pid 1), which ipykernel treats as
                 # "no parent to watch". --die-with-parent does that job instead.
                 "--setenv", "JPY_PARENT_PID", "1",
                 "--perms", "0444", "--file", "3", _CONNECTION_FILE]
        return args

    def kernel_argv(self, scratch: Path) -> list[str]:
        """Kernelspec argv: ``sh -c 'chown scratch; exec prlimit … bwrap … python -m
        ipykernel_launcher'`` with the host connection file passed in on fd 3."""
        lim = self.limits
        prlimit = [_tool("prlimit") or "prlimit", f"--as={lim.memory_mb * MB}",
                   f"--cpu={lim.cpu_seconds}", f"--nproc={lim.max_processes}",
                   f"--fsize={lim.max_file_mb * MB}", f"--nofile={lim.max_open_files}", "--"]
        drop: list[str] = []
        if self.as_root:
            drop = [_tool("setpriv") or "setpriv", f"--reuid={self.uid}", f"--regid={self.uid}",
                    "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
                    "--no-new-privs"]
        kernel = [self.python, "-m", "ipykernel_launcher", "-f", _CONNECTION_FILE,
                  "--HistoryManager.hist_file=:memory:"]
        cmd = [*prlimit, bwrap_path() or "bwrap", *self.bwrap_args(scratch), "--", *drop, *kernel]
        script = 'c="$1"; shift; '
        if self.as_root:
            # nbgrader recreates the autograded folder (owned by root) right before it starts
            # the kernel, so ownership is handed over here, at launch. -P -h: never follow
            # symlinks a submission may contain.
            script += (f"{_tool('chown') or 'chown'} -RPh {self.uid}:{self.uid} -- "
                       f"{shlex.quote(os.path.realpath(scratch))} || exit 1; ")
        script += "exec " + shlex.join(cmd) + ' "$@" 3<"$c"'
        return ["/bin/sh", "-c", script, "dlcourse-sandbox", "{connection_file}"]

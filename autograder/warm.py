"""Warm kernels: a grading worker starts the next notebook's kernel while the current one runs.

A kernel start (bubblewrap, Python, ipykernel) plus ``import torch`` takes 2-2.5 s on a
2-core machine; a week-1 notebook's own cells take about 1 s. The grading worker
(:mod:`autograder.grading`) therefore keeps one *spare* kernel: it is started, and imports
the modules every notebook imports, while the current notebook executes on the other core.
When the next submission's ``BudgetExecute`` runs, it *adopts* the spare:

- Nothing of a student is in a spare kernel: it starts before the worker knows which
  submission comes next, runs exactly one notebook and is then killed. Module imports are
  the only thing done before adoption and they bind no name in the user namespace
  (``__import__`` in a silent, history-less execution), so a notebook that forgets
  ``import torch`` still fails with ``NameError``.
- Sandboxed, each spare runs in its own :class:`~autograder.sandbox.Sandbox` *slot* (its own
  leased uid as root, ipc directory and kernelspec). Three slots take turns, so neither the
  kernel that is still running nor the one still shutting down is reaped by the
  preparation of the next spare. A spare's folder is
  an empty *inbox* on the host, bound read-only inside; at adoption the worker copies the
  notebook's folder into the inbox and the kernel copies it into its private tmpfs and works
  there, exactly as a freshly started sandboxed kernel would.
- Unsandboxed, the spare starts in an empty folder and changes into the notebook's folder
  at adoption.
- Anything unexpected (the spare died, did not become ready, the copy failed) falls back to
  a kernel started the ordinary way: warm kernels only ever save time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

#: imported into every spare before adoption (each notebook and the run-token guard use them)
PRELOAD = ("numpy", "torch", "torch.nn", "torch.nn.functional", "autograder.kernel_guard",
           "autograder.checks")
READY_SECONDS = 30            # a spare that is not ready by then is given up


def imported_since(before) -> str:
    """Run in the reference solution's kernel at its end: a JSON list of the modules it
    imported since ``before`` (a set of module names), in import order, keeping only modules
    whose file is in the Python installation, the venv or this package. Never a module from
    the notebook's own folder: only these are ever imported into a spare."""
    import json
    import sys
    here = os.path.dirname(os.path.realpath(__file__))
    roots = tuple(sorted({os.path.realpath(p) + os.sep
                          for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, here)}))
    names = []
    for name, mod in list(sys.modules.items()):
        file = getattr(mod, "__file__", None)
        if name in before or name == "__main__" or not isinstance(file, str):
            continue
        if os.path.realpath(file).startswith(roots):
            names.append(name)
    return json.dumps(names)


def import_quietly(names) -> None:
    """Import ``names`` in a spare, in order, skipping any that fails (binds no name)."""
    import importlib
    for name in names:
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: BLE001 - a module that cannot be imported here is
            pass               # the notebook's problem later, not the spare's


def reference_preload(root: Path, assignments) -> list[str]:
    """The modules the assignments' reference solutions imported (``grading/reference``),
    in order and without repeats; empty until a reference run recorded them."""
    import json
    from .release import reference_path
    seen: dict[str, None] = {}
    for a in assignments:
        try:
            rec = json.loads(reference_path(root, a).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        names = rec.get("preload") if isinstance(rec, dict) else None
        for name in names if isinstance(names, list) else ():
            if isinstance(name, str) and name.replace(".", "").replace("_", "").isalnum():
                seen.setdefault(name, None)
    return list(seen)


def _log(msg: str) -> None:
    import sys
    print(msg, file=sys.stderr, flush=True)     # the worker's log file


def _run(coro_fn, *args, **kwargs):
    from jupyter_core.utils import run_sync
    return run_sync(coro_fn)(*args, **kwargs)


def _silent(kc, code: str) -> str:
    return kc.execute(code, silent=True, store_history=False, allow_stdin=False)


async def _wait_reply(kc, msg_id: str, timeout: float) -> dict | None:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = await kc._async_get_shell_msg(timeout=left)
        except Exception:  # noqa: BLE001 - queue.Empty or a closed channel
            return None
        if msg.get("parent_header", {}).get("msg_id") == msg_id:
            return msg
    return None


async def stop_kernel(km, kc=None, grace: float = 3.0, signal_first: bool = True) -> None:
    """End a kernel fast: SIGTERM to its launcher's process group, then SIGKILL.

    nbclient's graceful shutdown (a ``shutdown_request`` and waiting for Python to tear
    torch down) took 1.0 s unsandboxed and 2.6-3.5 s sandboxed per notebook here; once a
    notebook has run, nothing the kernel does on its way out matters. The sandbox launcher
    forwards SIGTERM to bubblewrap and still removes the kernel's namespace and cgroup.
    """
    from jupyter_client.utils import ensure_async
    try:
        if await ensure_async(km.is_alive()):
            if signal_first:        # (False: it was sent already, by WarmKernels.retire)
                with contextlib.suppress(Exception):
                    await ensure_async(km.signal_kernel(signal.SIGTERM))
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and await ensure_async(km.is_alive()):
                await asyncio.sleep(0.02)
            if await ensure_async(km.is_alive()):
                await ensure_async(km.shutdown_kernel(now=True))
    except RuntimeError as exc:
        if "No kernel is running" not in str(exc):
            raise
    finally:
        with contextlib.suppress(Exception):
            await ensure_async(km.cleanup_resources())
        if kc is not None:
            stop_client(kc)


def stop_client(kc) -> None:
    """Close a kernel client's sockets without lingering: the kernel is gone or unwanted,
    and zmq's default linger made ``stop_channels`` wait 0.4-0.7 s per notebook."""
    import zmq
    for name in ("_shell_channel", "_iopub_channel", "_stdin_channel", "_control_channel"):
        with contextlib.suppress(Exception):
            sock = getattr(getattr(kc, name, None), "socket", None)
            if sock is not None and not sock.closed:
                sock.setsockopt(zmq.LINGER, 0)
    with contextlib.suppress(Exception):
        kc.stop_channels()


def sandbox_kernel_manager(sb):
    """An (unstarted) AsyncKernelManager for ``sb``'s kernelspec, on its ipc sockets."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets.config import Config
    cfg = sb.traitlets_config()
    km = AsyncKernelManager(kernel_name=sb.kernel_name, config=Config(cfg))
    km.transport, km.ip = "ipc", cfg["KernelManager"]["ip"]
    return km


class _Spare:
    def __init__(self, km, kc, msg_id: str, slot, folder: Path, started: float):
        self.km, self.kc, self.msg_id, self.slot = km, kc, msg_id, slot
        self.folder, self.started = folder, started


class WarmKernels:
    """The spare kernel of one grading worker (see the module docstring).

    sandboxes: three :class:`~autograder.sandbox.Sandbox` slots, or ``None`` (unsandboxed).
    config: the traitlets config nbgrader's ``Execute`` gets (kernel name, transport).
    """

    def __init__(self, sandboxes=None, config=None, kernel_name: str = "python3",
                 preload=PRELOAD):
        self.sandboxes = list(sandboxes or [])
        self.config = config
        self.kernel_name = kernel_name
        self.preload = tuple(preload)
        #: modules recorded by the reference solution of the assignment being graded
        #: (:func:`reference_preload`), imported after :data:`PRELOAD`
        self.extra: list[str] = []
        self.spare: _Spare | None = None
        self.turn = 0
        self.adopted = 0
        self.fallbacks = 0
        #: sandboxed kernels told to stop whose exit nobody waited for: (km, slot, when)
        self.dying: list[tuple] = []
        self._tmp = Path(tempfile.mkdtemp(prefix="dlc-warm-"))

    # -- starting a spare -------------------------------------------------------------------

    def start_spare(self) -> None:
        """Start the next kernel now (it imports :data:`PRELOAD` in the background)."""
        if self.spare is not None:
            return
        try:
            self.spare = self._start()
        except Exception as exc:  # noqa: BLE001 - a spare is an optimisation only
            self.spare = None
            self.fallbacks += 1
            _log(f"warm kernel: could not start a spare ({type(exc).__name__}: {exc})")

    def _start(self) -> _Spare:
        from jupyter_client.manager import AsyncKernelManager
        from traitlets.config import Config
        slot = None
        if self.sandboxes:
            slot = self.sandboxes[self.turn % len(self.sandboxes)]
            self.turn += 1
            self.reap(slot)                   # this slot's last kernel must be gone first
            slot.runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            folder = slot.runtime_dir / "inbox"
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(mode=0o755)
            slot.prepare(folder)              # kills what this slot's last kernel left
            km = sandbox_kernel_manager(slot)
        else:
            folder = Path(tempfile.mkdtemp(dir=self._tmp))
            km = AsyncKernelManager(kernel_name=self.kernel_name,
                                    config=Config(self.config or {}))
        started = time.monotonic()
        # (the sandbox launcher puts the history in memory itself; it takes no extra argv)
        extra = [] if slot is not None else ["--HistoryManager.hist_file=:memory:"]
        _run(km.start_kernel, cwd=str(folder), extra_arguments=extra)
        kc = km.client()
        kc.start_channels()
        code = "; ".join(f"__import__({m!r})" for m in self.preload) or "pass"
        extra = [m for m in self.extra if m not in self.preload]
        if extra:       # (binds no name either: the package's attribute is reached inline)
            code += f"; __import__('autograder.warm').warm.import_quietly({extra!r})"
        return _Spare(km, kc, _silent(kc, code), slot, folder, started)

    # -- adopting it ------------------------------------------------------------------------

    def take(self, path: str | None):
        """The spare's kernel manager, moved into ``path`` (the notebook's folder), or None."""
        spare, self.spare = self.spare, None
        if spare is None or not path:
            if spare is not None:
                self._discard(spare)
            return None
        t0 = time.monotonic()
        try:
            if not _run(spare.km.is_alive):
                raise RuntimeError("spare kernel died")
            # a spare normally took 2-3 s; one not ready long after its start is given up
            # (the notebook then starts a kernel as usual)
            left = max(READY_SECONDS - (t0 - spare.started), 2.0)
            reply = _run(_wait_reply, spare.kc, spare.msg_id, left)
            if not reply or reply["content"].get("status") != "ok":
                age = time.monotonic() - spare.started
                raise RuntimeError(f"spare kernel not ready {age:.1f} s after its start "
                                   f"({reply and reply['content'].get('status')})")
            if spare.slot is not None:
                code = self._fill_inbox(spare, Path(path))
            else:
                code = f"__import__('os').chdir({os.path.realpath(path)!r})"
            reply = _run(_wait_reply, spare.kc, _silent(spare.kc, code), 60.0)
            if not reply or reply["content"].get("status") != "ok":
                raise RuntimeError("spare kernel could not take the notebook's folder")
        except Exception as exc:  # noqa: BLE001
            self._discard(spare)
            self.fallbacks += 1
            _log(f"warm kernel: spare not used ({type(exc).__name__}: {exc})")
            return None
        stop_client(spare.kc)                 # nbclient opens its own client
        self.adopted += 1
        spare.km._dlc_slot = spare.slot       # (retire() recognises it by this)
        return spare.km

    @staticmethod
    def _fill_inbox(spare: _Spare, path: Path) -> str:
        """Copy the notebook's folder into the inbox; the code that copies it inside."""
        from .sandbox import _SUBMISSION_RO
        for entry in os.scandir(path):
            if entry.is_symlink():
                continue
            dst = spare.folder / entry.name
            if entry.is_dir(follow_symlinks=False):
                shutil.copytree(entry.path, dst, symlinks=True)
            elif entry.is_file(follow_symlinks=False):
                shutil.copy2(entry.path, dst)
        for dirpath, dirnames, filenames in os.walk(spare.folder):
            os.chmod(dirpath, 0o755)
            for name in filenames:
                p = os.path.join(dirpath, name)
                if not os.path.islink(p):
                    os.chmod(p, 0o644)
        # (inside: the same best-effort copy as the launcher's ``cp -a`` at a cold start)
        return (f"__import__('subprocess').run(['/bin/sh', '-c', "
                f"'cp -a {_SUBMISSION_RO}/. . 2>/dev/null'])")

    # -- shutting down ----------------------------------------------------------------------

    def _discard(self, spare: _Spare) -> None:
        with contextlib.suppress(Exception):
            _run(stop_kernel, spare.km, spare.kc)

    async def retire(self, km, kc=None) -> bool:
        """Stop an adopted *sandboxed* kernel without waiting for it to exit; False (nothing
        done) for any other kernel, which the caller stops with :func:`stop_kernel`.

        A sandboxed kernel took 1.5-2.4 s to exit here (the launcher removes the kernel's
        namespace, cgroup and processes after it), all of it on the next notebook's path.
        Nothing of it matters to the grade: the kernel wrote only to its private tmpfs, and
        its slot is reused only after :meth:`reap` has seen it gone (or killed it)."""
        slot = getattr(km, "_dlc_slot", None)
        if slot is None or slot not in self.sandboxes:
            return False
        from jupyter_client.utils import ensure_async
        if kc is not None:
            stop_client(kc)
        with contextlib.suppress(Exception):
            await ensure_async(km.signal_kernel(signal.SIGTERM))
        self.dying.append((km, slot, time.monotonic()))
        return True

    def reap(self, slot=None) -> None:
        """Finish the stop of retired kernels: of ``slot`` (waiting for its exit, killing it
        after the grace time), or of every slot when ``slot`` is None."""
        keep = []
        for km, kslot, since in self.dying:
            if slot is None or kslot is slot:
                grace = max(0.0, 3.0 - (time.monotonic() - since))
                with contextlib.suppress(Exception):
                    _run(stop_kernel, km, None, grace, False)
            else:
                keep.append((km, kslot, since))
        self.dying = keep

    def close(self) -> None:
        if self.spare is not None:
            self._discard(self.spare)
            self.spare = None
        self.reap()
        shutil.rmtree(self._tmp, ignore_errors=True)
        for sb in self.sandboxes:
            with contextlib.suppress(Exception):
                shutil.rmtree(sb.runtime_dir / "inbox", ignore_errors=True)

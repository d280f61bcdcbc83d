"""Tests for autograder.sandbox: kernels run by nbclient / nbgrader inside bubblewrap.

Every test starts one or two real sandboxed kernels (about 0.6 s each) on tiny in-memory
notebooks. They are skipped when bwrap is not installed or cannot create namespaces here.

The fake course root lives under pytest's cache directory, not under tmp_path: the
sandbox replaces /tmp with an empty tmpfs, so a course root in /tmp would be invisible
anyway and the ``hide`` checks would prove nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
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

from autograder.sandbox import (Sandbox, SandboxLimits, bwrap_path, pids_of_uid,
                                sandbox_available)

pytestmark = pytest.mark.skipif(
    not sandbox_available(),
    reason="bubblewrap sandbox unavailable: needs `bwrap` that can create namespaces "
           "(apt-get install bubblewrap) plus prlimit/setpriv from util-linux",
)

AS_ROOT = os.geteuid() == 0
TEST_UID = 64123          # dedicated, so process counts and leftovers are ours alone
REPO = Path(__file__).resolve().parents[1]


# -- helpers ------------------------------------------------------------------------------


def _wait_no_processes(uid: int, seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := pids_of_uid(uid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _kill_uid(uid: int) -> None:
    for pid in pids_of_uid(uid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


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


class Course:
    """A fake course root with the paths the grader hides, plus a sandbox for it."""

    def __init__(self, root: Path, runtime: Path, monkeypatch, limits: SandboxLimits):
        self.root = root
        (root / "source" / "ps1").mkdir(parents=True)
        (root / "source" / "ps1" / "ps1.ipynb").write_text("SOLUTION")
        (root / "gradebook.db").write_text("GRADES")
        (root / "visible.txt").write_text("PUBLIC")
        (root / "submitted" / "bob" / "ps1").mkdir(parents=True)
        (root / "submitted" / "bob" / "ps1" / "ps1.ipynb").write_text("BOB")
        self.scratch = root / "autograded" / "alice" / "ps1"
        self.scratch.mkdir(parents=True)
        (self.scratch / "data.txt").write_text("alice's data")
        (root / "autograded" / "bob" / "ps1").mkdir(parents=True)
        (root / "autograded" / "bob" / "ps1" / "ps1.ipynb").write_text("BOB")
        self.sandbox = Sandbox(
            runtime, limits,
            hide=[root / "gradebook.db", root / "source", root / "submitted",
                  root / "autograded"],
            uid=TEST_UID)
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
def make_course(request, tmp_path, monkeypatch):
    cache = getattr(request.config, "cache", None)
    if cache is None:
        pytest.skip("needs pytest's cache directory for a course root outside /tmp")
    base = Path(cache.mkdir("sandbox-courses"))
    made: list[Path] = []

    def make(**limits) -> Course:
        root = base / uuid.uuid4().hex[:10]
        made.append(root)
        return Course(root, tmp_path / "rt", monkeypatch, SandboxLimits(**limits))

    yield make
    if AS_ROOT:
        _kill_uid(TEST_UID)
    for root in made:
        shutil.rmtree(root, ignore_errors=True)


# -- tests ----------------------------------------------------------------------------------

def test_bwrap_path_is_cached():
    assert bwrap_path() == bwrap_path() is not None


def test_plain_code_and_torch_import(make_course):
    course = make_course()
    nb = course.run(
        "import os; print(os.getcwd()); print(open('data.txt').read())",
        "import torch; print(torch.ones(3).sum().item())",
    )
    assert _text(nb.cells[0]).splitlines() == [str(course.scratch), "alice's data"]
    assert _text(nb.cells[1]).strip() == "3.0"
    if AS_ROOT:
        nb = course.run("import os; print(os.getuid(), os.getgid(), os.getgroups())")
        assert _text(nb.cells[0]).strip() == f"{TEST_UID} {TEST_UID} []"


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
    assert "CONNECTED" not in out
    assert "blocked" in out
    assert "['lo']" in out


def test_read_only_filesystem_except_scratch(make_course):
    course = make_course(max_file_mb=1)
    nb = course.run(
        "open('result.txt', 'w').write('written in scratch'); print('ok')",
        f"""
        for path in [{str(course.root / 'new.txt')!r}, {str(REPO / 'sandbox-probe.txt')!r},
                     '/etc/sandbox-probe', {str(course.root / 'visible.txt')!r}]:
            try:
                open(path, 'a').write('x')
                print('WROTE', path)
            except OSError as e:
                print('denied', type(e).__name__)
        """,
        """
        try:
            with open('big.bin', 'wb') as f:
                f.write(b'0' * (2 * 1024 * 1024))
            print('WROTE BIG')
        except OSError as e:
            print('too big', e.errno)
        """,
    )
    assert _text(nb.cells[0]).strip() == "ok"
    assert (course.scratch / "result.txt").read_text() == "written in scratch"
    assert "WROTE" not in _text(nb.cells[1])
    assert _text(nb.cells[1]).count("denied") == 4
    assert _text(nb.cells[2]).strip() == "too big 27"          # EFBIG from RLIMIT_FSIZE
    assert not (course.root / "new.txt").exists()
    assert (course.root / "visible.txt").read_text() == "PUBLIC"


def test_hidden_course_paths(make_course):
    course = make_course()
    nb = course.run(f"""
        import os
        root = {str(course.root)!r}
        try:
            print('visible:', open(os.path.join(root, 'visible.txt')).read())
        except OSError:
            print('visible: PUBLIC')  # course root under /tmp: the sandbox's /tmp is empty
        print('gradebook:', repr(open(os.path.join(root, 'gradebook.db')).read()))
        for d in ['source', 'submitted', 'autograded']:
            print(d, sorted(os.listdir(os.path.join(root, d))))
        print('alice', sorted(os.listdir(os.path.join(root, 'autograded', 'alice'))))
        print('bob', os.path.exists(os.path.join(root, 'autograded', 'bob', 'ps1', 'ps1.ipynb')))
    """)
    lines = _text(nb.cells[0]).splitlines()
    assert lines == [
        "visible: PUBLIC",
        "gradebook: ''",
        "source []",
        "submitted []",
        "autograded ['alice']",
        "alice ['ps1']",
        "bob False",
    ]


def test_memory_limit_raises_memory_error(make_course):
    course = make_course(memory_mb=1024)
    nb = course.run(
        """
        try:
            block = bytearray(2 * 1024 ** 3)
            print('ALLOCATED')
        except MemoryError:
            print('MemoryError')
        """,
        "print('kernel still alive')",
    )
    assert _text(nb.cells[0]).strip() == "MemoryError"
    assert _text(nb.cells[1]).strip() == "kernel still alive"


@pytest.mark.skipif(not AS_ROOT, reason="RLIMIT_NPROC is per uid; only a root grader can "
                                        "give the kernel a uid of its own")
def test_process_limit_stops_spawning(make_course):
    course = make_course(max_processes=48)
    nb = course.run("""
        import os, time
        children = []
        try:
            for _ in range(200):
                pid = os.fork()
                if pid == 0:
                    time.sleep(60)
                    os._exit(0)
                children.append(pid)
            print('NO LIMIT')
        except BlockingIOError:
            print('limited at', len(children))
        finally:
            for pid in children:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
    """)
    out = _text(nb.cells[0])
    assert "limited at" in out, out
    assert 0 < int(out.split()[-1]) < 48
    assert subprocess.run(["true"]).returncode == 0       # the host can still fork
    assert _wait_no_processes(TEST_UID) == []


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
    assert _wait_no_processes(TEST_UID) == [], "fork bomb survived the kernel"


def test_cpu_limit_kills_kernel(make_course):
    from nbclient.exceptions import DeadKernelError

    course = make_course(cpu_seconds=1)
    with pytest.raises(DeadKernelError):
        course.run("while True: pass", timeout=20)


def test_nbgrader_execute_with_sandbox_config(make_course):
    """The traitlets config reaches the kernel manager nbgrader's Execute creates (a TCP
    kernel could not be reached across the network namespace), and nbgrader's
    interrupt-on-timeout works through bwrap."""
    from nbgrader.preprocessors import Execute

    course = make_course()
    nb = new_notebook(cells=[
        new_code_cell("import os; print(os.getcwd())"),
        new_code_cell("while True: pass"),
        new_code_cell("print('after interrupt')"),
    ])
    config = Config(course.sandbox.traitlets_config())
    config.Execute.timeout = 3
    executor = Execute(config=config)
    assert executor.kernel_name == course.sandbox.kernel_name
    executor.preprocess(nb, {"metadata": {"path": str(course.scratch)}})
    assert _text(nb.cells[0]).strip() == str(course.scratch)
    assert "KeyboardInterrupt" in _text(nb.cells[1])
    assert _text(nb.cells[2]).strip() == "after interrupt"
    nbformat.validate(nb)


@pytest.mark.skipif(not AS_ROOT, reason="checks leftovers by the sandbox uid")
def test_killing_the_grader_kills_the_sandbox(make_course, tmp_path):
    course = make_course()
    script = tmp_path / "grader.py"
    script.write_text(textwrap.dedent(f"""
        import os, sys, time
        from traitlets.config import Config
        from jupyter_client.manager import KernelManager
        km = KernelManager(kernel_name={course.sandbox.kernel_name!r},
                           config=Config({course.sandbox.traitlets_config()!r}))
        km.start_kernel(cwd={str(course.scratch)!r})
        kc = km.client(); kc.start_channels(); kc.wait_for_ready(timeout=30)
        kc.execute("import subprocess; ps = [subprocess.Popen(['sleep', '120'], "
                   "start_new_session=True) for _ in range(3)]")
        kc.get_shell_msg(timeout=30)
        print('ready', flush=True)
        time.sleep(120)
    """))
    grader = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                              text=True, env=os.environ.copy())
    try:
        assert grader.stdout.readline().strip() == "ready"
        assert len(pids_of_uid(TEST_UID)) >= 4          # kernel + 3 sleepers
    finally:
        grader.kill()
        grader.wait()
    assert _wait_no_processes(TEST_UID) == [], "sandbox outlived its grader"


def test_prepare_rewrites_kernelspec_for_each_scratch(tmp_path):
    sandbox = Sandbox(tmp_path / "rt", hide=[tmp_path / "gradebook.db"])
    (tmp_path / "gradebook.db").write_text("x")
    kernel_json = tmp_path / "rt" / "kernels" / sandbox.kernel_name / "kernel.json"
    for student in ("alice", "bob"):
        scratch = tmp_path / "autograded" / student / "ps1"
        sandbox.prepare(scratch)
        spec = json.loads(kernel_json.read_text())
        script = spec["argv"][2]
        assert spec["interrupt_mode"] == "message"
        assert f"--bind {scratch} {scratch}" in script
        assert "--unshare-net" in script and "--unshare-pid" in script
        # later mounts win: the scratch bind comes after every hide
        assert script.index(f"--bind {scratch}") > script.index(str(tmp_path / "gradebook.db"))
    assert "alice" not in kernel_json.read_text()
    assert sandbox.traitlets_config()["KernelManager"]["transport"] == "ipc"

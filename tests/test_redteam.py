"""Red team: broken and hostile submissions graded in one batch.

Each case asserts its status (and score where it is defined), that nothing outside the
student's scratch folder was read or written, and that the control students in the same
batch still get exactly the right scores.
"""

from __future__ import annotations

import copy
import secrets

import nbformat
import pytest

from autograder import nbtools, pipeline
from autograder.sandbox import sandbox_available
from conftest import ASSIGNMENTS

A = "week01_tensors"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(A not in ASSIGNMENTS, reason="week 1 missing")]
SANDBOX = sandbox_available()
needs_sandbox = pytest.mark.skipif(not SANDBOX, reason="bubblewrap not available")
TOKEN = secrets.token_hex(8)


def _extra(nb, code: str, at: int = 2):
    """The solution with one extra (student scratch) cell."""
    nb = copy.deepcopy(nb)
    nb.cells.insert(at, nbformat.v4.new_code_cell(code))
    return nb


def _cases(sol, rel, root):
    first_test = next(i for i, c in enumerate(sol.cells) if nbtools.is_test(c))
    answers = [i for i, c in enumerate(sol.cells) if nbtools.is_answer(c)]
    cases = {}

    def case(name, nb_or_bytes, status, score=None, filename=None):
        data = nb_or_bytes if isinstance(nb_or_bytes, bytes) else \
            nbformat.writes(nb_or_bytes).encode()
        cases[name] = {"data": data, "status": status, "score": score,
                       "filename": filename or f"{A}.ipynb"}

    case("control_perfect", sol, "ok", 100)
    case("control_untouched", rel, "ok", 0)
    case("corrupt_json", nbformat.writes(sol).encode()[:3000], "corrupt", 0)
    case("empty_file", b"", "corrupt", 0)
    case("wrong_name", sol, "repaired", 100, filename="Untitled (1).ipynb")
    stripped = copy.deepcopy(sol)
    for i, c in enumerate(stripped.cells):
        c.metadata = {}
        c["id"] = f"vscode{i:02d}"
    case("metadata_stripped", stripped, "repaired", 100)
    reordered = copy.deepcopy(sol)
    reordered.cells[2:] = reordered.cells[2:][::-1]
    case("cells_reordered", reordered, "repaired", 100)
    dup = copy.deepcopy(sol)
    dup.cells.insert(first_test + 1, copy.deepcopy(dup.cells[first_test]))
    dup.cells[first_test + 1]["id"] = "twin"
    case("duplicated_test", dup, "repaired", 100)
    deleted = copy.deepcopy(sol)
    pts = nbtools.points(deleted.cells[first_test])
    del deleted.cells[first_test]
    case("deleted_test", deleted, "repaired", 100 - pts)
    edited = copy.deepcopy(sol)
    edited.cells[first_test].source = "pass  # I promise it works"
    edited_wrong = copy.deepcopy(edited)
    edited_wrong.cells[answers[0]].source = "def to_float_tensor(v):\n    return v\n\ndef make_grid(n, m):\n    return None"
    case("edited_test_with_wrong_answer", edited_wrong, "repaired", 100 - pts)
    md = copy.deepcopy(sol)
    md.cells[first_test] = nbformat.v4.new_markdown_cell(md.cells[first_test].source,
                                                         metadata=md.cells[first_test].metadata)
    case("test_turned_markdown", md, "repaired", 100)
    loop = copy.deepcopy(sol)
    loop.cells[answers[0]].source = "while True:\n    pass"
    case("infinite_loop", loop, "timeout", 100 - pts)
    case("sys_exit", _extra(sol, "import sys\nsys.exit(3)"), "ok", 100)
    case("os_exit", _extra(sol, "import os\nos._exit(1)"), "kernel_died", 0)
    patched = copy.deepcopy(edited_wrong)
    patched.cells[first_test].source = sol.cells[first_test].source
    patched.cells.insert(answers[0], nbformat.v4.new_code_cell(
        "from autograder import checks as _c\n_c.check_close = lambda *a, **k: None\n"
        "setattr(_c, 'check_dtype', lambda *a, **k: None)\n"
        "import torch\ntorch.allclose = lambda *a, **k: True"))
    case("monkeypatch_checks", patched, "needs_manual")
    if SANDBOX:
        case("memory_bomb", _extra(sol, "hog = bytearray(200 * 2**30)"), "memory_exceeded", 100)
        case("fork_bomb", _extra(sol, "import os\nwhile True:\n    os.fork()"), "timeout")
        case("huge_output", _extra(sol, "print('x' * 100_000_000)"), "ok", 100)
        case("huge_file", _extra(sol, "open('big.bin', 'wb').write(b'0' * 400 * 2**20)"), "ok", 100)
        case("socket", _extra(sol, "import socket\ns = socket.create_connection(('1.1.1.1', 80), timeout=3)\n"
                                   "print('CONNECTED')"), "ok", 100)
        case("read_gradebook", _extra(sol, f"print('GB', open({str(root / 'gradebook.db')!r}, 'rb').read()[:100])"),
             "ok", 100)
        case("read_source_and_others", _extra(sol, (
            "import glob\n"
            f"for p in glob.glob({str(root)!r} + '/**/*SECRET*', recursive=True):\n"
            "    print('LEAK', open(p).read())\n"
            f"for p in glob.glob({str(root / 'submitted')!r} + '/*/*/*.ipynb'):\n"
            "    print('LEAK', p)\n")), "ok", 100)
        case("write_outside_scratch", _extra(sol, (
            f"for p in [{str(root / 'release' / 'HACKED')!r}, {str(root / 'HACKED')!r}, '/work/HACKED']:\n"
            "    try:\n        open(p, 'w').write('x')\n    except OSError as e:\n        print('blocked', e)\n")),
            "ok", 100)
    return cases


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("redteam")
    pipeline.release([A], root / "release")
    # (files inside source/<assignment>/ are copied to every student by nbgrader, by
    # design — supporting data files; a secret elsewhere in the course root must not leak)
    (root / "source").mkdir(parents=True)
    (root / "source" / f"SECRET_{TOKEN}.txt").write_text(f"TOKEN {TOKEN}")
    sol = pipeline.solution_notebook(A)
    rel = nbtools.read(root / "release" / A / f"{A}.ipynb")
    cases = _cases(sol, rel, root)
    for name, c in cases.items():
        d = root / "submitted" / name / A
        d.mkdir(parents=True)
        (d / c["filename"]).write_bytes(c["data"])
    other = root / "submitted" / "control_perfect" / A / f"SECRET_{TOKEN}_other.txt"
    other.write_text(f"TOKEN {TOKEN}")
    pipeline.autograde(root, [A], jobs=2, cell_timeout=10, timeout=120, progress=False)
    rows = {r["student"]: r for r in pipeline.grade_table(root)}
    return {"root": root, "cases": cases, "rows": rows}


def _outputs(root, student) -> str:
    """What the student's code printed (stream outputs and error messages, no source)."""
    path = root / "autograded" / student / A / f"{A}.ipynb"
    if not path.exists():
        return ""
    parts = []
    for cell in nbtools.read(path).cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            elif out.get("output_type") == "error":
                parts.append(f"{out.get('ename')}: {out.get('evalue')}")
    return "\n".join(parts)


def test_there_are_at_least_20_hostile_cases(batch):
    hostile = [n for n in batch["cases"] if not n.startswith("control")]
    assert len(hostile) >= (20 if SANDBOX else 12)


def test_every_case_gets_its_status_and_score(batch):
    problems = []
    for name, case in batch["cases"].items():
        row = batch["rows"][name]
        if row["status"] != case["status"]:
            problems.append(f"{name}: status {row['status']} != {case['status']} ({row['detail']})")
        if case["score"] is not None and row["score"] != case["score"]:
            problems.append(f"{name}: score {row['score']} != {case['score']}")
    assert not problems, "\n".join(problems)


def test_controls_are_unaffected_by_the_rest_of_the_batch(batch):
    assert batch["rows"]["control_perfect"]["score"] == 100
    assert batch["rows"]["control_untouched"]["score"] == 0


def test_monkeypatching_is_flagged_not_rewarded_silently(batch):
    row = batch["rows"]["monkeypatch_checks"]
    assert row["status"] == "needs_manual" and "tampering" in row["detail"]


@needs_sandbox
def test_no_network_no_reading_no_writing_outside_scratch(batch):
    root = batch["root"]
    assert "CONNECTED" not in _outputs(root, "socket")
    gb = _outputs(root, "read_gradebook")
    assert "SQLite format" not in gb
    leak = _outputs(root, "read_source_and_others")
    assert TOKEN not in leak and "LEAK" not in leak
    assert not (root / "release" / "HACKED").exists() and not (root / "HACKED").exists()
    from pathlib import Path
    assert not Path("/work/HACKED").exists()
    assert "blocked" in _outputs(root, "write_outside_scratch")


@needs_sandbox
def test_resource_limits_hold(batch):
    root = batch["root"]
    assert "MemoryError" in _outputs(root, "memory_bomb")
    big = root / "autograded" / "huge_file" / A / "big.bin"
    assert not big.exists() or big.stat().st_size <= 200 * 2**20
    nb_path = root / "autograded" / "huge_output" / A / f"{A}.ipynb"
    assert nb_path.stat().st_size < 2_000_000, "100 MB of output must be truncated"

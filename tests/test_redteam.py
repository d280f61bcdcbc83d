"""Red team: broken and hostile submissions graded in ONE batch (issue 7).

Every case asserts its status and its score; honest controls in the same batch must score
exactly right and must not be flagged. Tampering cases pair a deliberately wrong answer
with the tampering, so a bypass that worked would show as a too-high score. Sandbox cases
(network, files, limits) run when bubblewrap works; with CI=true a missing sandbox fails.

The gradebook (issue 14): run as root (CI), the batch is graded with JOBS=2 into a PostgreSQL
server the fixture starts (autograder/pgserver.py); run as an ordinary user (the re-run in
tests/test_as_ordinary_user.py, and an instructor's own machine) into SQLite. Both runs assert
the same status and score for every case, so the two gradebooks give exactly the same
results. The PostgreSQL run adds a case that tries the server's socket from the kernel.
"""

from __future__ import annotations

import ast
import copy
import csv
import io
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import nbtools, pipeline
from autograder.sandbox import sandbox_available
from conftest import ASSIGNMENTS, REPO

A = "week01_tensors"
A2 = "week02_dnn"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(A not in ASSIGNMENTS, reason="week 1 missing")]
SANDBOX = sandbox_available()
if os.environ.get("CI") == "true" and not SANDBOX:
    raise RuntimeError("CI=true but the grading sandbox (bubblewrap) does not work here")
needs_sandbox = pytest.mark.skipif(not SANDBOX, reason="bubblewrap not available")
TOKEN = secrets.token_hex(8)
CELL_TIMEOUT = 30        # nbgrader's default; week 2's whole solution runs in ~15 s
SLEEP = 25                # just under the cell timeout, in every unlocked cell
BUDGET_BASE = 20          # c.DLCourse.submission_timeout_base for this batch (default 60)
BAD_IDS = ["*", "<img src=x onerror=alert(1)>", 'evil")']


def _extra(nb, code: str, at: int | None = 2):
    """The notebook with one extra (student scratch) cell; ``at=None`` appends it."""
    nb = copy.deepcopy(nb)
    cell = nbformat.v4.new_code_cell(code)
    if at is None:
        nb.cells.append(cell)
    else:
        nb.cells.insert(at, cell)
    return nb


def _functions(source: str) -> list[str]:
    return [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]


def _wrong_first(sol):
    """The solution whose first answer's functions return wrong values (off by one):
    only a working check can tell."""
    nb = copy.deepcopy(sol)
    k = next(i for i, c in enumerate(nb.cells) if nbtools.is_answer(c))
    lines = ["import torch as _t",
             "def _off(v):",
             "    if isinstance(v, _t.Tensor):",
             "        return v + 1 if v.dtype != _t.bool else ~v",
             "    if isinstance(v, tuple):",
             "        return tuple(_off(x) for x in v)",
             "    return v + 1 if isinstance(v, (int, float)) else v"]
    for name in _functions(nb.cells[k].source):
        lines += [f"_right_{name} = {name}",
                  f"def {name}(*a, **k):",
                  f"    return _off(_right_{name}(*a, **k))"]
    nb.cells[k].source += "\n\n" + "\n".join(lines) + "\n"
    return nb


def _tampered(sol, code: str, at: int = 2):
    return _extra(_wrong_first(sol), code, at)


CHECK_NAMES = ("check_close", "check_shape", "check_dtype", "check_type", "check_equal",
               "check_true", "check_false")
NOOP = "lambda *a, **k: None"


def _cases(sol, rel, root, sol2=None, pg_socket=None):
    first_test = next(i for i, c in enumerate(sol.cells) if nbtools.is_test(c))
    answers = [i for i, c in enumerate(sol.cells) if nbtools.is_answer(c)]
    pts = nbtools.points(sol.cells[first_test])
    cases = {}

    def case(name, nb_or_bytes, status, score=None, filename=None, assignment=A, files=None):
        data = nb_or_bytes if isinstance(nb_or_bytes, bytes) else \
            nbformat.writes(nb_or_bytes).encode()
        cases[name] = {"data": data, "status": status, "score": score, "assignment": assignment,
                       "filename": filename or f"{assignment}.ipynb", "files": files or {}}

    # --- honest controls: exact scores, never flagged
    case("control_perfect", sol, "ok", 100)
    case("control_untouched", rel, "ok", 0)
    case("control_wrong_first", _wrong_first(sol), "ok", "WRONG")
    case("control_set_seed_and_stdout", _extra(sol, (
        "import torch, sys, io\n"
        "torch.backends.cudnn.deterministic = True\ntorch.backends.cudnn.benchmark = False\n"
        "_buf = io.StringIO()\n_old = sys.stdout\nsys.stdout = _buf\nprint('quiet')\n"
        "sys.stdout = _old\n%time _x = sum(range(10))")), "ok", 100)
    stderr = copy.deepcopy(sol)
    k = answers[0]
    stderr.cells[k].source += "\n\n" + "\n".join(
        ["import sys as _sys, logging as _logging",
         "_logging.basicConfig(stream=_sys.stderr, level=_logging.INFO, force=True)"]
        + [f"_quiet_{n} = {n}\ndef {n}(*a, **k):\n    print('progress: working', file=_sys.stderr)\n"
           f"    _logging.info('step')\n    return _quiet_{n}(*a, **k)"
           for n in _functions(sol.cells[k].source)])
    case("control_stderr_logging", stderr, "ok", 100)
    case("control_tqdm", _extra(sol, "from tqdm.auto import tqdm\nfor _ in tqdm(range(3)):\n    pass"),
         "ok", 100)
    # --- broken files and damaged notebooks
    case("corrupt_json", nbformat.writes(sol).encode()[:3000], "corrupt", 0)
    case("empty_file", b"", "corrupt", 0)
    case("wrong_name", sol, "repaired", 100, filename="Untitled (1).ipynb")
    case("markup_file_name", sol, "repaired", 100,
         filename="<b onmouseover=alert(1)>=HYPERLINK(1).ipynb")
    stripped = copy.deepcopy(sol)
    for i, c in enumerate(stripped.cells):
        c.metadata = {}
        c["id"] = f"vscode{i:02d}"
    case("metadata_stripped", stripped, "repaired", 100)
    oops = copy.deepcopy(sol)
    oops.cells[first_test].metadata["nbgrader"] = "oops"
    oops.cells[answers[0]].metadata["nbgrader"] = ["oops"]
    case("metadata_malformed", oops, "repaired", 100)
    invented = _extra(sol, "print('free points')")
    invented.cells[2].metadata["nbgrader"] = {"grade": True, "points": 1000, "grade_id": "bonus",
                                              "locked": False, "solution": False}
    case("invented_grade_cell", invented, "repaired", 100)
    reordered = copy.deepcopy(sol)
    reordered.cells[2:] = reordered.cells[2:][::-1]
    case("cells_reordered", reordered, "repaired", 100)
    dup = copy.deepcopy(sol)
    dup.cells.insert(first_test + 1, copy.deepcopy(dup.cells[first_test]))
    dup.cells[first_test + 1]["id"] = "twin"
    case("duplicated_test", dup, "repaired", 100)
    deleted = copy.deepcopy(sol)
    del deleted.cells[first_test]
    case("deleted_test", deleted, "repaired", 100 - pts)
    edited = copy.deepcopy(_wrong_first(sol))
    edited.cells[first_test].source = "pass  # I promise it works"
    case("edited_test_with_wrong_answer", edited, "repaired", "WRONG")
    md = copy.deepcopy(sol)
    md.cells[first_test] = nbformat.v4.new_markdown_cell(md.cells[first_test].source,
                                                         metadata=md.cells[first_test].metadata)
    case("test_turned_markdown", md, "repaired", 100)
    case("two_notebooks_no_expected_name", sol, "needs_manual", 0, filename="copy1.ipynb",
         files={"copy2.ipynb": nbformat.writes(sol).encode()})
    # --- kernel misbehaviour
    loop = copy.deepcopy(sol)
    loop.cells[answers[0]].source = "while True:\n    pass"
    case("infinite_loop", loop, "timeout", "LOOP")
    case("sys_exit", _extra(sol, "import sys\nsys.exit(3)"), "ok", 100)
    case("os_exit", _extra(sol, "import os\nos._exit(1)"), "kernel_died", 0)
    sleepy = copy.deepcopy(sol)
    for c in sleepy.cells:
        if c.cell_type == "code" and not nbtools.nbgrader_meta(c).get("locked"):
            c.source = f"import time as _time\n_time.sleep({SLEEP})\n" + c.source
    case("sleep_in_every_cell", sleepy, "timeout", "SLEEPY")
    # the scan cannot analyse it (flagged), and the kernel cannot compile it: MemoryError
    case("pathological_expression", _extra(sol, "_x = " + "-" * 200_000 + "1"),
         "memory_exceeded", 100)
    case("deeply_nested_parens", _extra(sol, "_x = " + "(" * 50_000 + "1" + ")" * 50_000),
         "ok", 100)
    # --- tampering (each with a wrong first answer: a working bypass scores too high)
    checks_all = " = ".join(f"checks.{n}" for n in CHECK_NAMES)
    case("tamper_plain_assignment", _tampered(sol, f"{checks_all} = {NOOP}"), "needs_manual", "WRONG")
    case("tamper_time_magic_first_line", _tampered(sol, (
        f"%time [setattr(checks, _n, {NOOP}) for _n in dir(checks) if _n.startswith('check_')]")),
        "needs_manual", "WRONG")
    case("tamper_cell_magic", _tampered(sol, "%%time\n" + f"{checks_all} = {NOOP}"),
         "needs_manual", "WRONG")
    case("tamper_alias_checks", _tampered(sol, (
        "c = checks\n" + " = ".join(f"c.{n}" for n in CHECK_NAMES) + f" = {NOOP}")),
        "needs_manual", "WRONG")
    case("tamper_import_alias", _tampered(sol, (
        "import autograder.checks as _ck\n" + " = ".join(f"_ck.{n}" for n in CHECK_NAMES)
        + f" = {NOOP}")), "needs_manual", "WRONG")
    case("tamper_vars_write", _tampered(sol, (
        "for _n in list(vars(checks)):\n    if _n.startswith('check_'):\n"
        f"        vars(checks)[_n] = {NOOP}")), "needs_manual", "WRONG")
    case("tamper_exec_built_string", _tampered(sol, (
        "for _n in " + repr(list(CHECK_NAMES) + ["check_accuracy_at_least"]) + ":\n"
        "    exec('checks.' + _n + ' = lambda *a, **k: None')")), "needs_manual", "WRONG")
    case("tamper_code_swap_sys_modules", _tampered(sol, (
        "import sys\n_m = sys.modules['autograder' + '.checks']\n"
        "_noop = (lambda *a, **k: None).__code__\n"
        "for _n in dir(_m):\n    _f = getattr(_m, _n)\n"
        "    if _n.startswith('check_') and hasattr(_f, '__code__'):\n"
        "        try:\n            _f.__code__ = _noop\n        except ValueError:\n            pass")),
        "needs_manual", "WRONG")
    case("tamper_rebind_checks", _tampered(sol, (
        "class _Lenient:\n    def __getattr__(self, name):\n        return lambda *a, **k: None\n"
        "checks = _Lenient()")), "needs_manual", "WRONG")
    case("tamper_tensor_setattr", _tampered(sol, (
        "import torch\n"
        "type.__setattr__(torch.Tensor, '__gt__', lambda a, b: torch.zeros(torch.broadcast_shapes("
        "a.shape, getattr(b, 'shape', ())), dtype=torch.bool))\n"
        "torch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True")),
        "needs_manual", "WRONG")
    case("tamper_run_cell", _extra(sol, (
        "_ip = get_ipython()\n_orig = _ip.run_cell\n"
        "def _skip(raw_cell, *a, **k):\n"
        "    if 'checks' in raw_cell or 'BEGIN HIDDEN' in raw_cell:\n        raw_cell = 'pass'\n"
        "    return _orig(raw_cell, *a, **k)\n_ip.run_cell = _skip")), "needs_manual", 0)
    case("tamper_input_transformer", _extra(sol, (
        "def _blank(lines):\n    return ['pass\\n'] if any('checks' in l for l in lines) else lines\n"
        "get_ipython().input_transformers_cleanup.append(_blank)")), "needs_manual", 0)
    case("tamper_builtins", _tampered(sol, (
        "import builtins\n_real = builtins.isinstance\nbuiltins.AssertionError = type('X', (Exception,), {})")),
        "needs_manual", "WRONG")
    # --- leaking hidden tests into outputs (hence into feedback)
    case("leak_print_In", _extra(sol, "print(In)", at=None), "needs_manual", 100)
    case("leak_print_ih", _extra(sol, "print('\\n'.join(_ih))", at=None), "needs_manual", 100)
    leaky = copy.deepcopy(sol)
    leaky.cells[answers[0]].source += "\n\n" + "\n".join(
        [f"_plain_{n} = {n}\ndef {n}(*a, **k):\n    import inspect\n"
         f"    print(inspect.getsource(inspect.currentframe().f_back))\n    return _plain_{n}(*a, **k)"
         for n in _functions(sol.cells[answers[0]].source)])
    case("leak_caller_source", leaky, "needs_manual", 100)
    stack = copy.deepcopy(sol)
    stack.cells[answers[0]].source += "\n\n" + "\n".join(
        [f"_st_{n} = {n}\ndef {n}(*a, **k):\n    import traceback\n    traceback.print_stack()\n"
         f"    return _st_{n}(*a, **k)" for n in _functions(sol.cells[answers[0]].source)])
    case("leak_print_stack", stack, "ok", 100)
    case("symlinks_next_to_notebook", _extra(sol, (
        "import os\n"
        f"os.symlink({str(root / 'submitted' / 'control_perfect' / A / (A + '.ipynb'))!r}, 'other.ipynb')\n"
        f"os.symlink({str(root / 'gradebook.db')!r}, 'gradebook.db')\n"
        f"os.symlink({str(root / 'source')!r}, 'src')\n"
        "os.makedirs('made/deeper', exist_ok=True)\nopen('made/deeper/x.ipynb', 'w').write('{}')\n"
        "open('made.txt', 'w').write('x')")), "ok", 100)
    # --- output floods
    flood = copy.deepcopy(sol)
    flood.cells[answers[0]].source += "\n\n" + "\n".join(
        [f"_fl_{n} = {n}\ndef {n}(*a, **k):\n    import sys\n    print('y' * 3_000_000)\n"
         f"    print('z' * 3_000_000, file=sys.stderr)\n    return _fl_{n}(*a, **k)"
         for n in _functions(sol.cells[answers[0]].source)])
    case("megabytes_printed_in_hidden_tests", flood, "ok", 100)
    case("huge_error_value", _extra(sol, "raise ValueError('e' * 20_000_000)"), "ok", 100)
    case("many_small_prints", _extra(sol, "for _i in range(200_000):\n    print(_i)"), "ok", 100)
    # --- injection into instructor- and student-facing HTML
    xss = _extra(sol, ("from IPython.display import HTML, display\n"
                       "display(HTML('<img src=x onerror=alert(2)><script>alert(3)</script>'))\n"
                       "print('<script>alert(4)</script>')"))
    xss.cells.insert(2, nbformat.v4.new_markdown_cell(
        "<script>alert(1)</script> <img src=x onerror=alert(5)> [x](javascript:alert(6))"))
    case("html_injection", xss, "ok", 100)
    # --- resources (sandbox)
    if SANDBOX:
        case("memory_bomb", _extra(sol, "hog = bytearray(200 * 2**30)"), "memory_exceeded", 100)
        # contained by the kernel's cgroup (pids.max, memory) or rlimits: whichever limit
        # stops it first decides the status; it must be an explicit failure, never "ok"
        case("fork_bomb", _extra(sol, "import os\nwhile True:\n    os.fork()"),
             ("timeout", "kernel_died", "memory_exceeded"))
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
        if pg_socket:       # the gradebook server trusts its socket: it must be out of reach
            case("connect_gradebook_server", _extra(sol, (
                "import socket\ns = socket.socket(socket.AF_UNIX)\ntry:\n"
                f"    s.connect({pg_socket!r})\n    print('PGCONNECTED')\n"
                "except OSError as e:\n    print('blocked', e)\n")), "ok", 100)
        if sol2 is not None:
            case("w2_control_perfect", sol2, "ok", 100, assignment=A2)
            case("w2_memory_bomb", _extra(sol2, "hog = bytearray(200 * 2**30)"), "memory_exceeded",
                 100, assignment=A2)
    return cases


def _zip_cases(tmp: Path, sol) -> Path:
    """A zip with the collect-side attacks (ids, traversal, links, bombs, duplicates)."""
    data = nbformat.writes(sol).encode()
    path = tmp / "incoming.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"zip_ok_{A}.ipynb", data)
        for bad in BAD_IDS:
            zf.writestr(f"{bad}_{A}.ipynb", data)
        zf.writestr(f"../../traversal_{A}.ipynb", data)
        zf.writestr(f"/tmp/absolute_{TOKEN}_{A}.ipynb", data)
        link = zipfile.ZipInfo(f"zip_link_{A}.ipynb")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
        zf.writestr(f"zip_bomb_{A}.ipynb", b"0" * (300 * 2**20))
        zf.writestr(f"a/zip_dup_{A}.ipynb", data)
        zf.writestr(f"b/zip_dup_{A}.ipynb", data)
    return path


@pytest.fixture(scope="module")
def gradebook_server():
    """As root: the URL of a throw-away PostgreSQL gradebook (None: SQLite). See the module
    docstring; in CI a missing PostgreSQL fails."""
    if os.geteuid() != 0:
        yield None
        return
    from autograder.pgserver import PostgresUnavailable, temporary_postgres
    try:
        server = temporary_postgres("redteam")
        url = server.__enter__()
    except PostgresUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"red team as root needs PostgreSQL in CI: {exc}")
        yield None
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLCOURSE_DB_URL", url)
        try:
            yield url
        finally:
            server.__exit__(None, None, None)


def _pg_socket(url: str | None) -> str | None:
    m = re.search(r"host=([^&]+)", url or "")
    return f"{m[1]}/.s.PGSQL.5432" if m else None


@pytest.fixture(scope="module")
def batch(tmp_path_factory, gradebook_server):
    root = tmp_path_factory.mktemp("redteam")
    weeks = [A] + ([A2] if A2 in ASSIGNMENTS and SANDBOX else [])
    pipeline.release(weeks, root / "release")
    # (files inside source/<assignment>/ are copied to every student by nbgrader, by
    # design — supporting data files; a secret elsewhere in the course root must not leak)
    (root / "source").mkdir(parents=True)
    (root / "source" / f"SECRET_{TOKEN}.txt").write_text(f"TOKEN {TOKEN}")
    sol = pipeline.solution_notebook(A)
    sol2 = pipeline.solution_notebook(A2) if A2 in weeks else None
    rel = nbtools.read(root / "release" / A / f"{A}.ipynb")
    cases = _cases(sol, rel, root, sol2, _pg_socket(gradebook_server) if SANDBOX else None)
    for name, c in cases.items():
        d = root / "submitted" / name / c["assignment"]
        d.mkdir(parents=True)
        (d / c["filename"]).write_bytes(c["data"])
        for fname, data in c["files"].items():
            (d / fname).write_bytes(data)
    for bad in BAD_IDS:                       # ids that bypassed collect (copied by hand)
        d = root / "submitted" / bad / A
        d.mkdir(parents=True)
        (d / f"{A}.ipynb").write_bytes(nbformat.writes(sol).encode())
    other = root / "submitted" / "control_perfect" / A / f"SECRET_{TOKEN}_other.txt"
    other.write_text(f"TOKEN {TOKEN}")
    tmp_before = set(Path(tempfile.gettempdir()).glob("dlc-collect-*"))
    zip_records = pipeline.collect(_zip_cases(root, sol), root)
    tmp_after = set(Path(tempfile.gettempdir()).glob("dlc-collect-*"))
    records = pipeline.autograde(root, weeks, jobs=2, cell_timeout=CELL_TIMEOUT, progress=False,
                                 settings={"submission_timeout_base": BUDGET_BASE})
    rows = {(r["student"], r["assignment"]): r for r in pipeline.grade_table(root)}
    from autograder.feedback import generate_all
    generate_all(root)
    export = pipeline.export(root, root / "grades.csv")
    from autograder.report import build_report
    report = build_report(root, root / "report")
    return {"root": root, "cases": cases, "rows": rows, "records": records, "sol": sol,
            "zip_records": zip_records, "tmp_left": tmp_after - tmp_before,
            "export": export, "report": report,
            "budget": pipeline.submission_budget(root, A, {**pipeline.course_settings(),
                                                           "submission_timeout_base": BUDGET_BASE}),
            "db_url": gradebook_server}


def _row(batch, name, assignment=A):
    return batch["rows"][(name, assignment)]


def _outputs(root, student, assignment=A) -> str:
    """What the student's code printed (stream outputs and error messages, no source)."""
    path = root / "autograded" / student / assignment / f"{assignment}.ipynb"
    if not path.exists():
        return ""
    parts = []
    for cell in nbtools.read(path).cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            elif out.get("output_type") == "error":      # message only: the traceback
                parts.append(f"{out.get('ename')}: {out.get('evalue')}")   # shows source
            else:
                parts.append(json.dumps(out.get("data", {}), ensure_ascii=False))
    return "\n".join(parts)


def _hidden_lines():
    """Lines of hidden tests that appear nowhere in the release copy or the solution."""
    source = nbtools.read(REPO / "source" / A / f"{A}.ipynb")
    visible = "\n".join(c.source for c in pipeline.solution_notebook(A).cells)
    return {line.strip() for c in source.cells if nbtools.is_test(c)
            for block in re.findall(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", c.source, re.S)
            for line in block.splitlines() if len(line.strip()) > 20 and line.strip() not in visible}


def _feedback(root, student, assignment=A) -> str:
    path = root / "feedback" / student / assignment / f"{assignment}.html"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_there_are_at_least_45_cases(batch):
    hostile = [n for n in batch["cases"] if not n.startswith("control")]
    # + the collect-side cases (ids, traversal, link, bomb, duplicates) and the bad ids
    assert len(hostile) + 8 + len(BAD_IDS) >= 45, len(hostile)


def test_every_case_gets_its_status_and_score(batch):
    wrong = _row(batch, "control_wrong_first")["score"]
    assert 0 < wrong < 100, "the wrong first answer must lose points honestly"
    problems = []
    for name, case in batch["cases"].items():
        row = _row(batch, name, case["assignment"])
        allowed = case["status"] if isinstance(case["status"], tuple) else (case["status"],)
        if row["status"] not in allowed:
            problems.append(f"{name}: status {row['status']} != {case['status']} ({row['detail'][:300]})")
        expected = {"WRONG": wrong}.get(case["score"], case["score"])
        if case["score"] == "LOOP":
            ok = 0 < row["score"] < 100
        elif case["score"] == "SLEEPY":   # how many cells finish before the budget is timing
            ok = row["score"] < 100            # (partial credit on timeout: infinite_loop)
        else:
            ok = expected is None or row["score"] == expected
        if not ok:
            problems.append(f"{name}: score {row['score']} != {case['score']} ({expected})")
    assert not problems, "\n".join(problems)


def test_honest_controls_are_exact_and_not_flagged(batch):
    for name in [n for n in batch["cases"] if n.startswith("control")]:
        row = _row(batch, name)
        assert row["status"] == "ok", (name, row)
        assert "tampering" not in row["detail"] and "수동 확인" not in row["detail"], (name, row)
    assert _row(batch, "control_perfect")["score"] == 100
    assert _row(batch, "control_untouched")["score"] == 0
    assert _row(batch, "control_stderr_logging")["score"] == 100   # stderr never costs points


def test_tampering_is_flagged_with_the_reason(batch):
    for name in [n for n in batch["cases"] if n.startswith("tamper")]:
        row = _row(batch, name)
        assert row["status"] == "needs_manual" and "tampering" in row["detail"], (name, row)


def test_sleeping_student_does_not_hold_a_worker(batch):
    rec = next(r for r in batch["records"] if r["student"] == "sleep_in_every_cell")
    assert rec["seconds"] is not None and rec["seconds"] < batch["budget"] + CELL_TIMEOUT + 30, rec
    assert batch["budget"] < 600, batch["budget"]      # from the reference, not 1,200 s
    assert "budget" in rec["detail"]


def test_hidden_tests_never_reach_outputs_or_feedback(batch):
    root = batch["root"]
    hidden = _hidden_lines()
    assert hidden
    import html as html_mod
    for name in ("leak_print_In", "leak_print_ih", "leak_caller_source", "leak_print_stack",
                 "control_perfect", "edited_test_with_wrong_answer"):
        page = _feedback(root, name)
        assert page, name
        text = html_mod.unescape(re.sub(r"<[^>]+>", "", page))
        assert not [h for h in hidden if h in text], name
        assert "BEGIN HIDDEN" not in text, name
        graded = nbtools.read(root / "autograded" / name / A / f"{A}.ipynb")
        for cell in graded.cells:          # student cells' outputs (test cells keep their
            if nbtools.is_test(cell):      # tracebacks for the instructor; feedback drops them)
                continue
            text = "\n".join(json.dumps(o, ensure_ascii=False) for o in cell.get("outputs", []))
            assert not [h for h in hidden if json.dumps(h, ensure_ascii=False)[1:-1] in text], name
    assert "redacted" in _feedback(root, "leak_print_In")


def test_kernel_files_and_symlinks_never_reach_autograded_or_feedback(batch):
    root = batch["root"]
    folder = root / "autograded" / "symlinks_next_to_notebook" / A
    assert sorted(p.name for p in folder.iterdir()) in ([f"{A}.ipynb"], [f"{A}.ipynb", "timestamp.txt"])
    for path in (root / "autograded").rglob("*"):
        assert not path.is_symlink(), path
    for path in (root / "feedback").rglob("*"):
        assert not path.is_symlink() and (path.is_dir() or path.suffix == ".html"), path
    assert sorted(p.name for p in (root / "feedback" / "symlinks_next_to_notebook" / A).iterdir()) \
        == [f"{A}.html"]


def test_outputs_are_capped(batch):
    root = batch["root"]
    for name in ("megabytes_printed_in_hidden_tests", "huge_error_value", "many_small_prints"):
        path = root / "autograded" / name / A / f"{A}.ipynb"
        assert path.stat().st_size < 3_000_000, (name, path.stat().st_size)
    assert "truncated" in _outputs(root, "huge_error_value")


def test_html_is_escaped_and_sanitised(batch):
    root = batch["root"]
    pages = [_feedback(root, "html_injection"), _feedback(root, "markup_file_name"),
             batch["report"].read_text(encoding="utf-8")]
    for page in pages:
        assert page
        assert not re.search(r"<script[^>]*>[^<]*alert", page), page[:200]
        assert not re.search(r"<[a-z]+[^>]*\son(error|mouseover)\s*=", page, re.I)
        assert 'href="javascript:' not in page


def test_csv_neutralises_formulas(batch, tmp_path):
    root = batch["root"]
    for path in (batch["export"], root / "report" / "lms.csv", root / "archive" / "manifest.csv"):
        for row in csv.reader(open(path, encoding="utf-8-sig")):
            for value in row:
                assert not value.startswith(("=", "+", "@", "\t", "\r")), (path, value)
                assert not (value.startswith("-") and not re.fullmatch(r"-[\d.]+", value)), (path, value)
    assert pipeline.csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert pipeline.csv_safe("-1+1") == "'-1+1" and pipeline.csv_safe(3.0) == 3.0


def test_bad_student_ids_are_never_graded(batch):
    root = batch["root"]
    errors = {r["student"]: r for r in batch["records"] if r["status"] == "error"}
    for bad in BAD_IDS:
        assert bad in errors and "student id" in errors[bad]["detail"], bad
        assert (bad, A) not in batch["rows"]                      # no gradebook entry, no score
        assert not (root / "autograded" / bad).exists()
    rejected = [r for r in batch["zip_records"] if r["action"].startswith("rejected")]
    assert any("student id" in r["action"] for r in rejected)
    for bad in BAD_IDS:   # collect refused them: the folders above were made by hand
        assert not any(r["student"] == bad and r["action"] == "submitted" for r in batch["zip_records"])


def test_collect_rejects_traversal_links_and_bombs_and_cleans_up(batch):
    root = batch["root"]
    recs = {r["file"]: r["action"] for r in batch["zip_records"]}
    assert recs[f"../../traversal_{A}.ipynb"].startswith("rejected")
    assert recs[f"zip_link_{A}.ipynb"].startswith("rejected")
    assert recs[f"zip_bomb_{A}.ipynb"].startswith("rejected")
    assert not (root.parent / f"traversal_{A}.ipynb").exists()
    assert not Path(f"/tmp/absolute_{TOKEN}_{A}.ipynb").exists()
    assert not batch["tmp_left"], "temporary collect folders must be removed"
    assert _row(batch, "zip_ok")["status"] == "ok" and _row(batch, "zip_ok")["score"] == 100


def test_duplicate_submissions_are_flagged_not_replaced(batch):
    row = _row(batch, "zip_dup")
    assert row["status"] == "needs_manual" and "duplicate" in row["detail"] and row["score"] == 100
    assert "a/zip_dup" in row["detail"] and "b/zip_dup" in row["detail"]


def test_truncated_status_file_never_crashes_export_report_feedback(batch):
    root = batch["root"]
    path = root / "grading" / "status" / A / "control_perfect.json"
    saved = path.read_bytes()
    try:
        path.write_bytes(saved[: len(saved) // 2])
        rows = {r["student"]: r for r in pipeline.grade_table(root) if r["assignment"] == A}
        # (with a server gradebook the status record in the database is the one read: the
        # host's file is only a copy, so its damage changes nothing)
        expected = "ok" if batch["db_url"] else "error"
        assert rows["control_perfect"]["status"] == expected, rows["control_perfect"]
        assert rows["control_perfect"]["score"] == 100
        pipeline.export(root, root / "grades-truncated.csv")
        from autograder.feedback import generate_all
        from autograder.report import build_report
        assert generate_all(root, [A])
        build_report(root, root / "report-truncated")
    finally:
        path.write_bytes(saved)
    assert not list(path.parent.glob(".*.tmp")), "status files are written via a temporary file"


def test_resubmission_restoring_a_deleted_test_and_cli_exit_codes(batch):
    """Regrade two students through the CLI: the deleted test restored gets its points (no
    stale manual 0); the exit code is non-zero because corrupt_json is still corrupt."""
    root = batch["root"]
    sub = root / "submitted" / "deleted_test" / A / f"{A}.ipynb"
    sub.write_text(nbformat.writes(batch["sol"]), encoding="utf-8")
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-m", "autograder", "autograde", "--root", str(root),
                           "--assignment", A, "--student", "deleted_test,corrupt_json",
                           "--jobs", "1", "--cell-timeout", str(CELL_TIMEOUT)]
                          + ([] if SANDBOX else ["--no-sandbox"]),
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=600)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "1 of 2 submissions need attention" in proc.stderr and "corrupt: 1" in proc.stderr
    rows = {r["student"]: r for r in pipeline.grade_table(root) if r["assignment"] == A}
    assert rows["deleted_test"]["status"] == "ok" and rows["deleted_test"]["score"] == 100
    bad = subprocess.run([sys.executable, "-m", "autograder", "collect", "--root", str(root),
                          str(root / "no-such-folder.zip")], capture_output=True, text=True,
                         cwd=REPO, timeout=120)
    assert bad.returncode != 0


@needs_sandbox
def test_no_network_no_reading_no_writing_outside_scratch(batch):
    root = batch["root"]
    assert "CONNECTED" not in _outputs(root, "socket")
    gb = _outputs(root, "read_gradebook")
    assert "SQLite format" not in gb
    if batch["db_url"]:
        assert "PGCONNECTED" not in _outputs(root, "connect_gradebook_server")
        assert "blocked" in _outputs(root, "connect_gradebook_server")
    leak = _outputs(root, "read_source_and_others")
    assert TOKEN not in leak and "LEAK" not in leak
    assert not (root / "release" / "HACKED").exists() and not (root / "HACKED").exists()
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


def test_ctrl_c_marks_unfinished_interrupted_and_resume_finishes(batch):
    """SIGINT to `python -m autograder autograde`: exit 130, the workers are gone, what was
    not finished is `interrupted`; `--resume` grades exactly those."""
    import signal
    import time
    root = batch["root"]
    students = "infinite_loop,control_untouched"
    cmd = [sys.executable, "-m", "autograder", "autograde", "--root", str(root), "--assignment", A,
           "--student", students, "--jobs", "1", "--cell-timeout", "15"] \
        + ([] if SANDBOX else ["--no-sandbox"])
    staged = root / "grading" / "staged" / "control_untouched" / A / f"{A}.ipynb"
    staged.unlink(missing_ok=True)
    # (SIGINT back to its default in the child: a suite started in the background of a
    # non-interactive shell inherits it ignored, and so would the CLI)
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    while not staged.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.5)
    time.sleep(3)                               # the worker has the looping notebook now
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    statuses = pipeline.read_statuses(root)
    assert statuses[("infinite_loop", A)]["status"] == "interrupted"     # graded second, loops
    assert statuses[("control_untouched", A)]["status"] in ("interrupted", "ok")
    n_interrupted = sum(statuses[(s, A)]["status"] == "interrupted" for s in students.split(","))
    leftover = subprocess.run(["pgrep", "-f", f"_worker --root {root}"], capture_output=True, text=True)
    assert not leftover.stdout.strip(), "workers must stop with the run"
    done = subprocess.run(cmd + ["--resume"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert f"{n_interrupted} to grade" in done.stderr, done.stderr[-2000:]
    statuses = pipeline.read_statuses(root)
    assert statuses[("infinite_loop", A)]["status"] == "timeout"
    assert statuses[("control_untouched", A)]["status"] == "ok"
    again = subprocess.run(cmd + ["--resume"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert "0 to grade" in again.stderr, again.stderr[-2000:]


def test_the_gradebook_is_the_one_this_run_should_use(batch):
    """PostgreSQL as root, SQLite otherwise: no SQLite file next to a server gradebook, and
    the server really holds the batch's grades (see the module docstring)."""
    root = batch["root"]
    if not batch["db_url"]:
        assert (root / "gradebook.db").exists()
        return
    assert not (root / "gradebook.db").exists()
    import sqlalchemy
    engine = sqlalchemy.create_engine(batch["db_url"])
    with engine.connect() as conn:
        n = conn.execute(sqlalchemy.text("SELECT count(*) FROM submitted_notebook")).scalar()
        ids = set(conn.execute(sqlalchemy.text("SELECT id FROM student")).scalars())
    engine.dispose()
    assert n >= 20 and {"control_perfect", "control_untouched"} <= ids, (n, sorted(ids)[:10])

"""Mutation testing of graded notebooks, in process.

Run as a script (``python tests/mutants.py NOTEBOOK MUTANTS.json``) so the heavy work
happens outside the pytest process. It executes the notebook's cells once, in order, in
one namespace, recording which graded test cells pass (a cell passes when it raises
nothing, as in nbgrader). Then, for each mutant — one answer cell replaced by other source
(its release stub, or a plausible wrong answer) — it forks, re-executes the mutated cell
and only the later cells that can see a name it (transitively) defines, and records the
test cells that now fail. Cells a mutant cannot affect are not re-run, so a training cell
runs again only for mutants it depends on. Mutants run ``MUTANT_JOBS`` at a time (default:
one per core), each in its own forked child.

A mutant's ``kind`` is ``stub``, ``wrong`` (must lose points) or ``alternative`` (a correct
answer written another way: must lose nothing). A ``wrong`` mutant stops at its first failing
test cell (later cells, often a training run, need not run to show it loses points); stubs
and alternatives run every cell they can affect (stubs: to show that every test can fail).

Output (stdout, JSON): {"baseline": {test_id: passed}, "points": {test_id: points},
"mutants": [{"name", "cell", "failed": [test ids], "lost": points, "cell_error": error of the
mutated answer cell itself or null, "error"}]}.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

import nbformat


def _names(src: str) -> tuple[set[str], set[str]]:
    """(names a cell defines at top level, every name it reads anywhere)."""
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return set(), set()
    defined: set[str] = set()
    for node in tree.body:
        for sub in ast.walk(node) if not isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else [node]:
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.add(sub.name)
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
                defined.add(sub.id)
            elif isinstance(sub, (ast.Import, ast.ImportFrom)):
                for alias in sub.names:
                    defined.add((alias.asname or alias.name).split(".")[0])
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return defined, read


def _run(src: str, ns: dict) -> str | None:
    """Execute one cell; return an error summary or None."""
    try:
        code = compile(src, "<cell>", "exec")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(code, ns)  # noqa: S102 - executing the course's own notebooks
    except BaseException as exc:  # noqa: BLE001 - SystemExit too: it fails the cell
        if isinstance(exc, KeyboardInterrupt):
            raise
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def main(nb_path: str, mutants_path: str) -> int:
    nb = nbformat.read(nb_path, as_version=4)
    mutants = json.loads(Path(mutants_path).read_text(encoding="utf-8"))
    cells = [c for c in nb.cells if c.cell_type == "code"]
    meta = [c.metadata.get("nbgrader", {}) for c in cells]
    gid = [m.get("grade_id") for m in meta]
    is_test = [bool(m.get("grade")) and not m.get("solution") for m in meta]
    points = {g: float(m.get("points", 0)) for g, m, t in zip(gid, meta, is_test) if t}
    info = [_names(c.source) for c in cells]

    real_stdout = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    ns: dict = {"__name__": "__main__", "__builtins__": builtins}
    baseline: dict[str, bool] = {}
    errors: dict[str, str] = {}
    for i, cell in enumerate(cells):
        err = _run(cell.source, ns)
        if is_test[i]:
            baseline[gid[i]] = err is None
            if err:
                errors[gid[i]] = err

    jobs = max(1, int(os.environ.get("MUTANT_JOBS") or os.cpu_count() or 1))
    outdir = tempfile.mkdtemp(prefix="mutants-")
    results: list[dict | None] = [None] * len(mutants)
    running: dict[int, int] = {}                         # child pid -> mutant index

    def collect(pid: int) -> None:
        i = running.pop(pid)
        path = Path(outdir, f"{i}.json")
        out = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {
            "failed": [], "error": "the mutant's process died without a result"}
        lost = sum(points[g] for g in out.get("failed", []))
        results[i] = {**mutants[i], "source": None, **out, "lost": lost}

    for i, mut in enumerate(mutants):
        k = gid.index(mut["cell"]) if mut["cell"] in gid else None
        if k is None:
            results[i] = {**mut, "failed": [], "lost": 0.0, "error": "no such cell"}
            continue
        while len(running) >= jobs:                      # one mutant per core at a time
            pid, _ = os.waitpid(-1, 0)
            if pid in running:
                collect(pid)
        pid = os.fork()
        if pid == 0:                                     # child: mutate and re-run
            out = {"failed": [], "messages": {}}
            try:
                for name in info[k][0]:
                    ns.pop(name, None)
                tainted = set(info[k][0]) | _names(mut["source"])[0]
                out["cell_error"] = _run(mut["source"], ns)
                for j in range(k + 1, len(cells)):
                    defined, read = info[j]
                    if not (read & tainted):
                        continue
                    tainted |= defined
                    err = _run(cells[j].source, ns)
                    if is_test[j] and err is not None:
                        out["failed"].append(gid[j])
                        out["messages"][gid[j]] = err
                        if mut["kind"] == "wrong":     # it loses points: that is all we need
                            break
            except BaseException:  # noqa: BLE001
                out["error"] = traceback.format_exc()
            tmp = Path(outdir, f"{i}.part")
            tmp.write_text(json.dumps(out), encoding="utf-8")
            tmp.rename(Path(outdir, f"{i}.json"))
            os._exit(0)
        running[pid] = i
    while running:
        pid, _ = os.waitpid(-1, 0)
        if pid in running:
            collect(pid)
    shutil.rmtree(outdir, ignore_errors=True)

    os.write(real_stdout, json.dumps({"baseline": baseline, "points": points,
                                      "errors": errors, "mutants": results},
                                     ensure_ascii=False).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))

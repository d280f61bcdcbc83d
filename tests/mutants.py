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
answer written another way: must lose nothing). Stubs and wrong answers run one at a time
and stop at their first failing test cell (later cells, often a training run, need not run
to show that points are lost). One extra run replaces every answer cell by its stub at once
and runs everything: the test cells it makes fail are the ones that can fail at all.
Alternatives run in rounds, round r holding the r-th alternative of every answer cell (a
mixed correct notebook); a round that loses anything is re-run one alternative at a time.

Output (stdout, JSON): {"baseline": {test_id: passed}, "points": {test_id: points},
"mutants": [{"name", "cell", "failed": [test ids], "lost": points, "cell_error": error of the
mutated answer cell itself or null, "error", "seconds", "grouped_with"}],
"all_stubs_failed": [test ids that fail with every answer cell stubbed], "runs": n}.
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
import time
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
    index = {g: k for k, g in enumerate(gid) if g}
    results: list[dict | None] = [None] * len(mutants)

    # A run replaces one or more answer cells and re-executes what they can affect.
    # stubs, wrong answers: one run each, stopping at the first failing test (it loses points);
    # all stubs at once: one full run, which test cells can fail at all;
    # alternatives: one full run per round, round r holding the r-th alternative of every
    # cell (a mixed correct notebook, as students write them); a round that loses anything is
    # re-run one alternative at a time, so the report names the culprit.
    runs: list[dict] = []
    rounds: dict[int, dict] = {}
    per_cell: dict[int, int] = {}
    stub_subs: dict[int, str] = {}
    for i, mut in enumerate(mutants):
        k = index.get(mut["cell"])
        if k is None:
            results[i] = {**mut, "source": None, "failed": [], "lost": 0.0, "error": "no such cell"}
            continue
        if mut["kind"] == "alternative":
            r = per_cell.get(k, 0)
            per_cell[k] = r + 1
            rounds.setdefault(r, {"subs": {}, "members": {}, "early": False, "group": True})
            rounds[r]["subs"][k] = mut["source"]
            rounds[r]["members"][k] = i
        else:
            runs.append({"subs": {k: mut["source"]}, "members": {k: i}, "early": True})
            if mut["kind"] == "stub":
                stub_subs[k] = mut["source"]
    runs += [rounds[r] for r in sorted(rounds)]
    all_stubs: dict = {"failed": []}
    if stub_subs:
        runs.append({"subs": stub_subs, "members": {}, "early": False, "all_stubs": True})

    def child(run: dict) -> dict:
        subs = run["subs"]
        out: dict = {"failed": [], "messages": {}, "cell_errors": {}}
        tainted: set[str] = set()
        for j in range(min(subs), len(cells)):
            if j in subs:
                for name in info[j][0]:
                    ns.pop(name, None)
                tainted |= set(info[j][0]) | _names(subs[j])[0]
                out["cell_errors"][str(j)] = _run(subs[j], ns)
                continue
            defined, read = info[j]
            if not (read & tainted):
                continue
            tainted |= defined
            err = _run(cells[j].source, ns)
            if is_test[j] and err is not None:
                out["failed"].append(gid[j])
                out["messages"][gid[j]] = err
                if run["early"]:
                    break
        return out

    def finish(run: dict, out: dict) -> None:
        lost = sum(points[g] for g in out.get("failed", []))
        if run.get("all_stubs"):
            all_stubs.update(out)
            return
        bad = lost > 0 or out.get("error") or any(out.get("cell_errors", {}).values())
        if run.get("group") and bad and len(run["members"]) > 1:
            queue.extend({"subs": {k: run["subs"][k]}, "members": {k: i}, "early": False}
                         for k, i in run["members"].items())
            return
        for k, i in run["members"].items():
            results[i] = {**mutants[i], "source": None, "failed": out.get("failed", []),
                          "messages": out.get("messages", {}), "lost": lost,
                          "cell_error": out.get("cell_errors", {}).get(str(k)),
                          "error": out.get("error"), "seconds": out.get("seconds"),
                          "grouped_with": len(run["members"]) - 1}

    queue = list(runs)
    running: dict[int, tuple[int, dict]] = {}           # child pid -> (run number, run)
    n = 0

    def reap() -> None:
        pid, _ = os.waitpid(-1, 0)
        if pid not in running:
            return
        number, run = running.pop(pid)
        path = Path(outdir, f"{number}.json")
        out = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {
            "failed": [], "error": "the mutant's process died without a result"}
        finish(run, out)

    while queue or running:
        if not queue or len(running) >= jobs:          # one run per core at a time
            reap()
            continue
        run = queue.pop(0)
        n += 1
        pid = os.fork()
        if pid == 0:                                     # child: mutate and re-run
            t0 = time.perf_counter()
            try:
                out = child(run)
            except BaseException:  # noqa: BLE001
                out = {"failed": [], "error": traceback.format_exc()}
            out["seconds"] = round(time.perf_counter() - t0, 2)
            tmp = Path(outdir, f"{n}.part")
            tmp.write_text(json.dumps(out), encoding="utf-8")
            tmp.rename(Path(outdir, f"{n}.json"))
            os._exit(0)
        running[pid] = (n, run)
    shutil.rmtree(outdir, ignore_errors=True)

    os.write(real_stdout, json.dumps({"baseline": baseline, "points": points,
                                      "errors": errors, "mutants": results,
                                      "all_stubs_failed": all_stubs.get("failed", []),
                                      "all_stubs_error": all_stubs.get("error"), "runs": n},
                                     ensure_ascii=False).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))

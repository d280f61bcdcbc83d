"""``make bench``: measured timings and accuracy margins → docs/BENCHMARKS.md.

Measures, per week: the solution notebook's execution time, the autograde time per
submission and its fixed overhead (everything except the cells' own execution), and for
weeks with a training threshold the held-out metric on 3 seeds next to the threshold.
For the class pipeline: a class of 40 simulated students on week 1 graded with JOBS=1 and
JOBS=2, the same submissions through plain ``nbgrader autograde``, and the sandbox's
overhead. No test asserts on these numbers: machines differ; they are recorded here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import course, nbtools, pipeline
from .course import REPO_ROOT

#: Per week: code run after the solution notebook that prints "METRIC <name> <value>" lines,
#: the threshold the hidden test requires, and whether higher is better.
PROBES: dict[str, dict] = {
    "week01_tensors": {
        "code": (
            "_g = torch.Generator().manual_seed(2345)\n"
            "_w_true = torch.randn(4, generator=_g)\n"
            "_X = torch.randn(600, 4, generator=_g)\n"
            "_y = _X @ _w_true + 0.7 + 0.1 * torch.randn(600, generator=_g)\n"
            "_w, _b = fit_linear_regression(_X[:400], _y[:400], lr=0.1, num_epochs=200)\n"
            "print('METRIC heldout_mse', float(((_X[400:] @ _w + _b - _y[400:]) ** 2).mean()))\n"),
        "metric": "heldout_mse", "threshold": 0.02, "higher_is_better": False,
    },
    "week02_dnn": {
        "code": (
            "from autograder.data import load_mnist_5k\n"
            "from autograder.checks import accuracy as _accuracy\n"
            "_Xtr, _ytr, _Xte, _yte = load_mnist_5k(as_tensors=True)\n"
            "print('METRIC heldout_accuracy', _accuracy(model, (_Xte, _yte)))\n"),
        "metric": "heldout_accuracy", "threshold": 0.90, "higher_is_better": True,
    },
}



def solution_timing(assignment: str, seed: int | None = None, probe: bool = False,
                    hidden: bool = False) -> dict:
    """Execute the solution (optionally with its hidden tests, another seed and a probe
    cell) in the grading environment; return wall time, summed cell time and metrics."""
    import nbformat
    if hidden:
        text = course.fill_tokens(course.notebook_path("source", assignment).read_text("utf-8"))
        nb = nbtools.strip_outputs(nbformat.reads(text, as_version=4))
    else:
        nb = pipeline.solution_notebook(assignment)
    if seed is not None:
        for cell in nb.cells:
            cell.source = re.sub(r"set_seed\(\d+\)", f"set_seed({seed})", cell.source)
    spec = PROBES.get(assignment)
    if probe and spec:
        nb.cells.append(nbformat.v4.new_code_cell(spec["code"]))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        pipeline.execute_notebook(nb, Path(tmp))
        wall = time.perf_counter() - start
    metrics = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            for line in str(out.get("text", "")).splitlines():
                if line.startswith("METRIC "):
                    _, name, value = line.split()
                    metrics[name] = float(value)
    return {"wall": wall, "cells": nbtools.cell_seconds(nb), "metrics": metrics}


def _class_root(n: int, assignment: str, untouched_every: int = 2) -> Path:
    root = Path(tempfile.mkdtemp(prefix="dlc-bench-"))
    pipeline.release([assignment], root / "release")
    data = nbtools.read(root / "release" / assignment / f"{assignment}.ipynb")
    solution = pipeline.solution_notebook(assignment)
    for i in range(n):
        nb = data if untouched_every and i % untouched_every == 1 else solution
        nbtools.write(nb, root / "submitted" / f"student{i:03d}" / assignment / f"{assignment}.ipynb")
    return root


def _time_autograde(root: Path, assignment: str, jobs: int, sandbox: bool,
                    keep_gradebook: bool = False) -> tuple[float, list]:
    """``make autograde`` of the class; ``keep_gradebook``: the gradebook already knows the
    assignment (as for a plain nbgrader call), else it starts from nothing."""
    for sub in ("autograded", "grading") + (() if keep_gradebook else ("gradebook.db",)):
        p = root / sub
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    start = time.perf_counter()
    recs = pipeline.autograde(root, [assignment], jobs=jobs, sandbox=sandbox, progress=False)
    return time.perf_counter() - start, recs


def _nbgrader_env(sandbox: bool) -> dict:
    env = course.grading_env()
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    if not sandbox:
        env["SANDBOX"] = "off"
    return env


def _time_one_nbgrader_call(root: Path, assignment: str, sandbox: bool,
                            stock: bool = False) -> float:
    """``nbgrader autograde ASSIGNMENT`` once for the whole class, as an instructor runs it.

    ``stock=False``: from the course repository, so nbgrader reads ``nbgrader_config.py``
    (the course's preprocessors; the sandboxed kernel unless ``sandbox`` is False).
    ``stock=True``: nbgrader's own defaults (run outside the repository: stock preprocessors,
    the notebook's python3 kernel, graceful kernel shutdown)."""
    shutil.rmtree(root / "autograded", ignore_errors=True)
    cmd = [str(Path(sys.executable).parent / "nbgrader"), "autograde", assignment, "--create",
           "--force", f"--CourseDirectory.root={root}", "--log-level=ERROR"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root if stock else REPO_ROOT, env=_nbgrader_env(sandbox),
                          check=False, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader autograde failed:\n{proc.stderr[-3000:]}")
    return took


def _time_pipeline(root: Path, assignment: str, jobs: int, sandbox: bool) -> float:
    took, recs = _time_autograde(root, assignment, jobs, sandbox, keep_gradebook=True)
    bad = [r for r in recs if r["status"] != "ok"]
    if bad:
        raise RuntimeError(f"bench class graded with unexpected statuses: {bad[:3]}")
    return took


def class_comparison(assignment: str, n: int = 6, rounds: int = 3,
                     sandbox_modes=(True, False)) -> dict:
    """The pipeline against ONE ``nbgrader autograde`` call for the same class.

    n copies of the solution; every round runs each variant once, in an order that rotates
    from round to round (so drift in machine load hits every variant alike). Returns the
    seconds of every run per variant."""
    from .sandbox import sandbox_available
    root = _class_root(n, assignment, untouched_every=0)
    runs: dict[str, list[float]] = {}
    try:
        pipeline.autograde(root, [assignment], jobs=1, sandbox=False, progress=False,
                           students=["student000"])          # gradebook knows the assignment
        variants = []
        for sb in sandbox_modes:
            if sb and not sandbox_available():
                continue
            tag = "sandbox" if sb else "no sandbox"
            variants += [(f"pipeline JOBS={j}, {tag}",
                          lambda sb=sb, j=j: _time_pipeline(root, assignment, j, sb))
                         for j in (1, 2)]
            variants.append((f"one nbgrader call, course config, {tag}",
                             lambda sb=sb: _time_one_nbgrader_call(root, assignment, sb)))
        if False in sandbox_modes:
            variants.append(("one nbgrader call, nbgrader defaults (no sandbox)",
                             lambda: _time_one_nbgrader_call(root, assignment, False, stock=True)))
        for r in range(rounds):
            k = r % len(variants)
            for name, fn in variants[k:] + variants[:k]:
                runs.setdefault(name, []).append(fn())
                print(f"bench: {assignment} round {r}: {name}: {runs[name][-1]:.1f} s",
                      file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"n": n, "rounds": rounds, "runs": runs}


#: Everything below this line of docs/BENCHMARKS.md was measured by hand (weeks without a
#: probe here, `make test` durations) and survives `make bench`.
HAND_MARKER = "<!-- Measured by hand below this line: `make bench` keeps everything below it as it is. -->"


def keep_hand_sections(generated: str, old: str) -> str:
    """``generated`` followed by the part of ``old`` from :data:`HAND_MARKER` on (if any)."""
    if HAND_MARKER not in old:
        return generated
    return generated.rstrip("\n") + "\n\n" + HAND_MARKER + old.split(HAND_MARKER, 1)[1]


#: weeks whose whole class is graded by the pipeline and by one nbgrader call:
#: (students, rounds) — week 2 trains a network in every notebook (~15 s of cells)
CLASS_WEEKS = {"week01_tensors": (6, 3), "week02_dnn": (6, 2)}


def run_bench(out: Path | None = None, quick: bool = False, only: str | None = None,
              class_weeks: list[str] | None = None) -> Path:
    out = Path(out or REPO_ROOT / "docs" / "BENCHMARKS.md")
    results: dict = {"date": dt.date.today().isoformat(), "cores": os.cpu_count(),
                     "python": platform.python_version(), "weeks": {}, "class": {}}
    import torch
    results["torch"] = torch.__version__
    for a in course.assignments() if only != "class" else ():
        base = solution_timing(a)
        graded = solution_timing(a, hidden=True)   # what autograde executes
        seeds = {}
        if a in PROBES:
            for seed in (0, 1, 2):
                seeds[seed] = solution_timing(a, seed=seed, probe=True)["metrics"]
        root = _class_root(4, a, untouched_every=0)      # 4 copies of the solution
        wall, recs = _time_autograde(root, a, jobs=1, sandbox=False)
        per_nb = wall / 4
        results["weeks"][a] = {
            "solution_wall": base["wall"], "graded_cells": graded["cells"],
            "autograde_per_nb": per_nb, "overhead_per_nb": per_nb - graded["cells"],
            "seeds": seeds}
        shutil.rmtree(root, ignore_errors=True)
        print(f"bench: {a}: {results['weeks'][a]}", file=sys.stderr)
    js = out.parent / "benchmarks.json"
    last = json.loads(js.read_text()) if only == "class" and js.exists() else None
    if last is not None:                     # weeks not re-measured keep their last numbers
        results["class"] = {a: c for a, c in last.get("class", {}).items()
                            if isinstance(c, dict) and "runs" in c}
    weeks = [w for w in (class_weeks or CLASS_WEEKS) if w in course.assignments()]
    for a in weeks:
        n, rounds = (3, 1) if quick else CLASS_WEEKS.get(a, (4, 2))
        results["class"][a] = class_comparison(a, n=n, rounds=rounds)
        results["class"][a]["date"] = results["date"]
        results["class"][a]["cells"] = results["weeks"].get(a, {}).get("graded_cells") \
            or solution_timing(a, hidden=True)["cells"]
    if last is not None:                     # keep the per-week part of the last full run
        results["weeks"] = last.get("weeks", {})
        results["weeks_date"] = last.get("weeks_date") or last.get("date")
    js.write_text(json.dumps(results, indent=1))
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    out.write_text(keep_hand_sections(render(results), old), encoding="utf-8")
    print(f"bench: {out}")
    return out


def render(r: dict) -> str:
    lines = ["# Benchmarks", "",
             f"Measured by `make bench` on {r['date']}: {r['cores']} CPU cores, Python "
             f"{r['python']}, torch {r['torch']}, `OMP_NUM_THREADS=1`. Numbers vary between "
             "machines and runs; no test asserts on them.", "",
             "## Per week", ""]
    if r.get("weeks_date"):
        lines += [f"(This table is from the full `make bench` of {r['weeks_date']}; "
                  "`make bench ONLY=class` re-measured only the class comparisons below.)", ""]
    lines += [
             "| week | solution notebook (wall, `make solutions`) | graded cells incl. hidden "
             "tests | autograde per notebook (JOBS=1) | fixed overhead per notebook |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for a, w in r["weeks"].items():
        lines.append(f"| {a} | {w['solution_wall']:.1f} s | {w['graded_cells']:.1f} s | "
                     f"{w['autograde_per_nb']:.2f} s | {w['overhead_per_nb']:.2f} s |")
    lines += ["", "Fixed overhead = autograde wall time per notebook (4 copies of the solution, "
              "one worker, no sandbox) minus the summed execution time of the same cells "
              "(hidden tests included) run by nbclient. It covers the repair pass, nbgrader's "
              "sanitising and output processing, kernel start and the gradebook writes.", ""]
    margins = [(a, w) for a, w in r["weeks"].items() if w["seeds"]]
    if margins:
        lines += ["## Accuracy margins (hidden-test metric on held-out data, 3 seeds)", "",
                  "| week | metric | threshold | seed 0 | seed 1 | seed 2 | worst margin |",
                  "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
        for a, w in margins:
            spec = PROBES[a]
            vals = [w["seeds"][s].get(spec["metric"]) for s in w["seeds"]]
            vals = [v for v in vals if v is not None]
            if not vals:
                continue
            if spec["higher_is_better"]:
                worst = f"{(min(vals) - spec['threshold']) * 100:+.2f} pts"
                fmt = "{:.2%}".format
            else:
                worst = f"{spec['threshold'] - max(vals):+.4f}"
                fmt = "{:.4f}".format
            lines.append(f"| {a} | {spec['metric']} | {fmt(spec['threshold'])} | "
                         + " | ".join(fmt(v) for v in vals) + f" | {worst} |")
        lines.append("")
    for a, c in (r.get("class") or {}).items():
        if "runs" not in c:
            continue
        med = {k: statistics.median(v) for k, v in c["runs"].items()}
        lines += [f"## A class of {c['n']} on {a}: the pipeline vs one `nbgrader autograde` "
                  "call", "",
                  f"Measured {c.get('date', r['date'])}. "
                  f"{c['n']} copies of the solution, {c['rounds']} rounds; each round runs every "
                  "variant once, the order rotating between rounds. The pipeline run starts "
                  "from a gradebook that already knows the assignment, like the nbgrader call, "
                  "and measures the reference solution again, as at a week's first grading. "
                  "Median and range (min–max) of wall time; the ratio is nbgrader's median "
                  "over the row's median, in the same sandbox mode.", "",
                  "| run | median | range | per notebook | one nbgrader call ÷ this |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        for name, v in c["runs"].items():
            tag = name.rsplit(", ", 1)[-1]
            anchor = med.get(f"one nbgrader call, course config, {tag}")
            ratio = f"{anchor / med[name]:.2f}×" if anchor and name.startswith("pipeline") else ""
            lines.append(f"| {name} | {med[name]:.1f} s | {min(v):.1f}–{max(v):.1f} s | "
                         f"{med[name] / c['n']:.2f} s | {ratio} |")
        cells = c.get("cells")
        one = med.get("pipeline JOBS=1, sandbox") or med.get("pipeline JOBS=1, no sandbox")
        if cells and one:
            lines += ["", f"The graded notebook's cells take {cells:.1f} s in a freshly started "
                      f"kernel (the setup cell's `import torch` included); the pipeline at JOBS=1 "
                      f"spends {one / c['n']:.2f} s per notebook, fixed set-up included."]
        lines.append("")
    return "\n".join(lines)

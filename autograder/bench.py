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


def _time_autograde(root: Path, assignment: str, jobs: int, sandbox: bool) -> tuple[float, list]:
    for sub in ("autograded", "grading", "gradebook.db"):
        p = root / sub
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    start = time.perf_counter()
    recs = pipeline.autograde(root, [assignment], jobs=jobs, sandbox=sandbox, progress=False)
    return time.perf_counter() - start, recs


def _time_plain_nbgrader(root: Path, assignment: str) -> float:
    """Plain ``nbgrader autograde`` CLI (one process per student, as instructors run it)."""
    shutil.rmtree(root / "autograded", ignore_errors=True)
    env = course.grading_env()
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    students = sorted(p.name for p in (root / "submitted").iterdir())
    start = time.perf_counter()
    for s in students:
        subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "autograde", assignment,
                        "--student", s, "--force", "--create",
                        f"--CourseDirectory.root={root}", "--log-level=ERROR"],
                       cwd=REPO_ROOT, env=env, check=False, capture_output=True)
    return time.perf_counter() - start


#: Everything below this line of docs/BENCHMARKS.md was measured by hand (weeks without a
#: probe here, `make test` durations) and survives `make bench`.
HAND_MARKER = "<!-- Measured by hand below this line: `make bench` keeps everything below it as it is. -->"


def keep_hand_sections(generated: str, old: str) -> str:
    """``generated`` followed by the part of ``old`` from :data:`HAND_MARKER` on (if any)."""
    if HAND_MARKER not in old:
        return generated
    return generated.rstrip("\n") + "\n\n" + HAND_MARKER + old.split(HAND_MARKER, 1)[1]


def run_bench(out: Path | None = None, quick: bool = False) -> Path:
    out = Path(out or REPO_ROOT / "docs" / "BENCHMARKS.md")
    results: dict = {"date": dt.date.today().isoformat(), "cores": os.cpu_count(),
                     "python": platform.python_version(), "weeks": {}, "class": {}}
    import torch
    results["torch"] = torch.__version__
    for a in course.assignments():
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
    n = 8 if quick else 40
    a = "week01_tensors"
    root = _class_root(n, a, untouched_every=0)
    try:
        t1, _ = _time_autograde(root, a, jobs=1, sandbox=False)
        t2, _ = _time_autograde(root, a, jobs=2, sandbox=False)
        from .sandbox import sandbox_available
        t1s = _time_autograde(root, a, jobs=1, sandbox=True)[0] if sandbox_available() else None
        plain = _time_plain_nbgrader(root, a)
        results["class"] = {"n": n, "jobs1": t1, "jobs2": t2, "jobs1_sandbox": t1s,
                            "plain_nbgrader": plain,
                            "cells": results["weeks"][a]["graded_cells"]}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    (out.parent / "benchmarks.json").write_text(json.dumps(results, indent=1))
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    out.write_text(keep_hand_sections(render(results), old), encoding="utf-8")
    print(f"bench: {out}")
    return out


def render(r: dict) -> str:
    lines = ["# Benchmarks", "",
             f"Measured by `make bench` on {r['date']}: {r['cores']} CPU cores, Python "
             f"{r['python']}, torch {r['torch']}, `OMP_NUM_THREADS=1`. Numbers vary between "
             "machines and runs; no test asserts on them.", "",
             "## Per week", "",
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
    c = r.get("class") or {}
    if c:
        lines += [f"## A class of {c['n']} on week 1", "",
                  "| run | wall time | per notebook |", "| --- | ---: | ---: |",
                  f"| `make autograde JOBS=1` (no sandbox) | {c['jobs1']:.1f} s | {c['jobs1'] / c['n']:.2f} s |",
                  f"| `make autograde JOBS=2` (no sandbox) | {c['jobs2']:.1f} s | {c['jobs2'] / c['n']:.2f} s |"]
        if c.get("jobs1_sandbox"):
            lines.append(f"| `make autograde JOBS=1` (bubblewrap sandbox) | {c['jobs1_sandbox']:.1f} s "
                         f"| {c['jobs1_sandbox'] / c['n']:.2f} s |")
        lines += [f"| plain `nbgrader autograde`, one CLI call per student | {c['plain_nbgrader']:.1f} s "
                  f"| {c['plain_nbgrader'] / c['n']:.2f} s |", "",
                  f"Every student submitted the solution (all cells run). Speed-up JOBS=2 over "
                  f"JOBS=1: **{c['jobs1'] / c['jobs2']:.2f}×**. Fixed overhead per notebook "
                  f"(per-notebook time minus {c['cells']:.1f} s of cell execution): "
                  f"**{c['jobs1'] / c['n'] - c['cells']:.2f} s** here vs "
                  f"**{c['plain_nbgrader'] / c['n'] - c['cells']:.2f} s** with plain nbgrader."]
        if c.get("jobs1_sandbox"):
            lines.append(f"Sandbox overhead per notebook: "
                         f"**{(c['jobs1_sandbox'] - c['jobs1']) / c['n']:.2f} s**.")
        lines.append("")
    return "\n".join(lines)

"""``python -m autograder <verb>``: the instructor CLI behind the Makefile."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .course import REPO_ROOT


def _csv(value: str | None) -> list[str] | None:
    return [v for v in value.replace(",", " ").split() if v] if value else None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder",
                                description="Deep Learning Essentials course pipeline")
    sub = p.add_subparsers(dest="verb", required=True)

    def verb(name: str, help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("--root", type=Path, default=REPO_ROOT,
                        help="course root (default: the repository)")
        return sp

    sp = verb("release", "generate student copies into release/")
    sp.add_argument("--assignment", help="one or more ids (comma-separated); default all")
    sp.add_argument("--out", type=Path)
    sp = verb("solutions", "executed worked solutions into solutions/")
    sp.add_argument("--assignment")
    sp.add_argument("--out", type=Path)
    sp = verb("collect", "import a folder/zip of <student>_<assignment>.ipynb into submitted/")
    sp.add_argument("source", type=Path)
    sp.add_argument("--roster", type=Path, help="text file: one student id per line")
    sp = verb("autograde", "grade every submission (parallel, sandboxed)")
    sp.add_argument("--assignment")
    sp.add_argument("--student")
    sp.add_argument("--jobs", type=int, default=None, help="workers (default: core count)")
    sp.add_argument("--timeout", type=float, default=None, help="wall-clock limit per notebook")
    sp.add_argument("--cell-timeout", type=int, default=None)
    sp.add_argument("--no-sandbox", action="store_true")
    sp.add_argument("--resume", action="store_true",
                    help="grade only what is unfinished (interrupted) or changed since")
    sp.add_argument("--engine", choices=("local", "dask"), default="local",
                    help="local worker pool (default) or Dask distributed (docs/INSTRUCTOR.md)")
    sp.add_argument("--scheduler", default=None,
                    help="Dask scheduler address tcp://host:8786 (default: a LocalCluster)")
    sp.add_argument("--no-sync", action="store_true", help=argparse.SUPPRESS)
    sp = verb("feedback", "per-student HTML feedback (no hidden tests) into feedback/")
    sp.add_argument("--assignment")
    sp = verb("export", "grades CSV with a status column")
    sp.add_argument("--out", type=Path)
    sp.add_argument("--roster", type=Path, help="text file: one student id per line")
    sp = verb("report", "instructor report (HTML + PNG) and LMS CSV")
    sp.add_argument("--out", type=Path)
    sp = verb("checkpoints", "regenerate docs/CHECKPOINTS.md")
    sp.add_argument("--out", type=Path)
    sp = verb("demo", "simulated class: release → collect → autograde → feedback → report")
    sp.add_argument("--jobs", type=int, default=None)
    sp.add_argument("--assignment", default=None, help="the week to simulate (default week 1)")
    sp = verb("bench", "measure timings into docs/BENCHMARKS.md")
    sp.add_argument("--out", type=Path)
    sp.add_argument("--quick", action="store_true")
    sp.add_argument("--only", choices=["class"], help="only the class comparison (keeps the "
                    "per-week numbers of the last full run)")
    sp.add_argument("--week", action="append", help="class comparison for this week only "
                    "(repeatable; others keep their last numbers with --only class)")
    sp = verb("publish", "export the student course (public repository) into --dest")
    sp.add_argument("--dest", type=Path, required=True)
    sp.add_argument("--no-site", action="store_true", help="skip building the website")
    sp = verb("site", "build the student course website into build/site/html")
    sp.add_argument("--out", type=Path)
    sp.add_argument("--fresh", action="store_true", help="re-execute every lecture notebook")
    sp = verb("_worker", argparse.SUPPRESS)
    sp = verb("_reference", argparse.SUPPRESS)
    sp.add_argument("assignment")
    sp = verb("_selftest", argparse.SUPPRESS)
    sp.add_argument("settings")

    args = p.parse_args(argv)
    root = args.root.resolve()
    if args.verb == "_worker":
        from .grading import worker_main
        return worker_main(root)
    if args.verb == "_selftest":         # autograde tests the sandbox while workers start
        from .autograde import sandbox_self_test
        print("SELFTEST " + json.dumps(sandbox_self_test(json.loads(args.settings))), flush=True)
        return 0
    if args.verb == "_reference":        # autograde measures a reference while grading starts
        from .release import reference_seconds
        return 0 if reference_seconds(root, args.assignment) > 0 else 1
    if args.verb == "publish":
        from .publish import PublishError, export
        try:
            export(args.dest, root, site=not args.no_site)
        except PublishError as exc:
            print(f"publish: {exc}", file=sys.stderr)
            return 1
        return 0
    if args.verb == "site":
        from .site import build
        build(root=root, out=args.out, fresh=args.fresh)
        return 0
    try:
        return _dispatch(args, root)
    except KeyboardInterrupt:
        print("\ninterrupted: unfinished submissions are marked 'interrupted'; "
              "rerun with --resume", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the exit code says it; the traceback is logged
        import traceback
        traceback.print_exc()
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _roster(path: Path | None) -> list[str] | None:
    return path.read_text(encoding="utf-8").split() if path else None


def _dispatch(args, root: Path) -> int:
    from . import pipeline
    if args.verb == "release":
        pipeline.release(_csv(args.assignment), args.out, root)
    elif args.verb == "solutions":
        pipeline.solutions(_csv(args.assignment), args.out, root)
    elif args.verb == "collect":
        roster = _roster(args.roster)
        recs = pipeline.collect(args.source, root, roster=roster)
        rejected = [r for r in recs if r["action"].startswith("rejected")]
        if rejected:
            print(f"collect: {len(rejected)} file(s) rejected (see archive/manifest.csv)",
                  file=sys.stderr)
            return 1
    elif args.verb == "autograde":
        if args.engine == "dask":
            from .distributed import autograde_dask
            rows = autograde_dask(root, _csv(args.assignment), _csv(args.student),
                                  scheduler=args.scheduler or os.environ.get("SCHEDULER") or None,
                                  n_workers=args.jobs, timeout=args.timeout,
                                  cell_timeout=args.cell_timeout,
                                  sandbox=False if args.no_sandbox else None)
        else:
            rows = pipeline.autograde(root, _csv(args.assignment), _csv(args.student), args.jobs,
                                      args.timeout, args.cell_timeout,
                                      False if args.no_sandbox else None, resume=args.resume,
                                      sync=not args.no_sync)
        pipeline.print_table(pipeline.grade_table(root))
        bad = [r for r in rows if r["status"] not in pipeline.GOOD]
        if bad:
            counts = {}
            for r in bad:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
            print(f"autograde: {len(bad)} of {len(rows)} submissions need attention ("
                  + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + ")",
                  file=sys.stderr)
            return 1
    elif args.verb == "feedback":
        from .feedback import generate_all
        generate_all(root, _csv(args.assignment))
    elif args.verb == "export":
        pipeline.export(root, args.out, _roster(args.roster))
    elif args.verb == "report":
        from .report import build_report
        build_report(root, args.out)
    elif args.verb == "checkpoints":
        from .checkpoints import write_checkpoints
        write_checkpoints(args.out)
    elif args.verb == "demo":
        from .demo import run_demo
        from .demo import ASSIGNMENT
        run_demo(jobs=args.jobs, assignment=args.assignment or ASSIGNMENT)
    elif args.verb == "bench":
        from .bench import run_bench
        run_bench(args.out, quick=args.quick, only=args.only, class_weeks=args.week)
    return 0


if __name__ == "__main__":
    sys.exit(main())

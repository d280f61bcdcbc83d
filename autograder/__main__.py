"""``python -m autograder <verb>``: the instructor CLI behind the Makefile."""

from __future__ import annotations

import argparse
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
    sp = verb("autograde", "grade every submission (parallel, sandboxed)")
    sp.add_argument("--assignment")
    sp.add_argument("--student")
    sp.add_argument("--jobs", type=int, default=None, help="workers (default: core count)")
    sp.add_argument("--timeout", type=float, default=None, help="wall-clock limit per notebook")
    sp.add_argument("--cell-timeout", type=int, default=None)
    sp.add_argument("--no-sandbox", action="store_true")
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
    sp = verb("bench", "measure timings into docs/BENCHMARKS.md")
    sp.add_argument("--out", type=Path)
    sp.add_argument("--quick", action="store_true")
    sp = verb("_worker", argparse.SUPPRESS)

    args = p.parse_args(argv)
    root = args.root.resolve()
    if args.verb == "_worker":
        from .grading import worker_main
        return worker_main(root)
    from . import pipeline
    if args.verb == "release":
        pipeline.release(_csv(args.assignment), args.out, root)
    elif args.verb == "solutions":
        pipeline.solutions(_csv(args.assignment), args.out, root)
    elif args.verb == "collect":
        pipeline.collect(args.source, root)
    elif args.verb == "autograde":
        rows = pipeline.autograde(root, _csv(args.assignment), _csv(args.student), args.jobs,
                                  args.timeout, args.cell_timeout,
                                  False if args.no_sandbox else None)
        pipeline.print_table(pipeline.grade_table(root))
        return 0 if rows is not None else 1
    elif args.verb == "feedback":
        from .feedback import generate_all
        generate_all(root, _csv(args.assignment))
    elif args.verb == "export":
        roster = args.roster.read_text().split() if args.roster else None
        pipeline.export(root, args.out, roster)
    elif args.verb == "report":
        from .report import build_report
        build_report(root, args.out)
    elif args.verb == "checkpoints":
        from .checkpoints import write_checkpoints
        write_checkpoints(args.out)
    elif args.verb == "demo":
        from .demo import run_demo
        run_demo(jobs=args.jobs)
    elif args.verb == "bench":
        from .bench import run_bench
        run_bench(args.out, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())

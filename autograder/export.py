"""Export: one row per student × assignment (score, max, status, detail) and grades.csv."""

from __future__ import annotations

import csv
from pathlib import Path

from .config import log, missing_entry, open_gradebook
from .course import REPO_ROOT
from .status import read_statuses

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A spreadsheet never evaluates a cell: text starting like a formula gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow([csv_safe(h) for h in header])
        for row in rows:
            writer.writerow([csv_safe(v) for v in row])


def grade_table(root: Path = REPO_ROOT, roster: list[str] | None = None) -> list[dict]:
    """One row per student × assignment: score, max_score, status, detail."""
    root = Path(root)
    MissingEntry = missing_entry()
    statuses = read_statuses(root)
    rows = []
    with open_gradebook(root) as gb:
        assignments = [a.name for a in gb.assignments]
        students = sorted({s.id for s in gb.students} | set(roster or [])
                          | {s for s, _ in statuses})
        for a in sorted(set(assignments) | {a for _, a in statuses}):
            try:
                max_score = float(gb.find_assignment(a).max_score)
            except MissingEntry:
                max_score = 0.0
            for s in students:
                st = statuses.get((s, a))
                score = 0.0
                try:
                    sub = gb.find_submission(a, s)
                    score = float(sub.score)
                except MissingEntry:            # never submitted (or removed on failure)
                    sub = None
                if st is None:
                    st = {"status": "missing" if sub is None else "needs_manual",
                          "detail": "제출 없음 (no submission)" if sub is None else
                                    "채점 상태 기록 없음 (no grading record)"}
                rows.append({"student": s, "assignment": a, "score": round(score, 2),
                             "max_score": round(max_score, 2), "status": st["status"],
                             "detail": st.get("detail", ""),
                             "sandbox": st.get("sandbox", "")})
    return rows


FIELDS = ["student", "assignment", "score", "max_score", "status", "detail", "sandbox"]


def export(root: Path = REPO_ROOT, out: Path | None = None,
           roster: list[str] | None = None) -> Path:
    """Write grades.csv (one row per student × assignment, with a status column)."""
    out = Path(out or Path(root) / "grades.csv")
    rows = grade_table(root, roster)
    write_csv(out, FIELDS, [[r[k] for k in FIELDS] for r in rows])
    log(f"export: {len(rows)} rows → {out}")
    return out


def print_table(rows: list[dict]) -> str:
    """The demo's summary table: student, score/max, status."""
    lines = [f"{'student':<22} {'assignment':<16} {'score':>11}  status", "-" * 64]
    for r in rows:
        lines.append(f"{r['student']:<22} {r['assignment']:<16} "
                     f"{r['score']:>5.1f}/{r['max_score']:<5.1f}  {r['status']}")
    text = "\n".join(lines)
    print(text)
    return text

"""``make report``: the instructor report (HTML + PNG) and a CSV ready for LMS import.

- score distribution per week (histogram),
- per-test pass rates, hardest first (bar chart + table),
- status counts (ok / repaired / corrupt / kernel_died / timeout / …),
- students needing attention (any status other than ok/repaired, or a low score),
- ``lms.csv``: one row per student, one column per assignment, plus the total,
- class analytics (``autograder/analytics.py``): item analysis, submission similarity (evidence
  for a human, never a penalty) and the ``checks.record_metric`` leaderboard; a failing
  analysis shows "분석 실패: ..." and the rest of the report is still written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .config import log, open_gradebook
from .export import grade_table, write_csv
from .status import STATUSES

ATTENTION_SCORE = 50.0


def per_test_pass_rates(root: Path) -> list[dict]:
    """For every graded test cell: how many submissions got its full points."""
    rows = []
    with open_gradebook(root) as gb:
        for assignment in gb.assignments:
            for notebook in assignment.notebooks:
                for cell in notebook.grade_cells:
                    grades = [g for g in cell.grades]
                    if not grades:
                        continue
                    passed = sum(1 for g in grades if g.score is not None and
                                 float(g.score) >= float(cell.max_score))
                    rows.append({"assignment": assignment.name, "grade_id": cell.name,
                                 "points": float(cell.max_score), "submissions": len(grades),
                                 "pass_rate": passed / len(grades)})
    return sorted(rows, key=lambda r: (r["pass_rate"], r["assignment"], r["grade_id"]))


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _plots(out: Path, table: list[dict], tests: list[dict]) -> list[Path]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns
    try:
        import koreanize_matplotlib  # noqa: F401 - registers a Korean font
    except ImportError:  # pragma: no cover
        pass
    sns.set_theme(style="whitegrid", font=plt.rcParams.get("font.family", ["sans-serif"])[0])
    paths = []
    df = pd.DataFrame(table)
    graded = df[df["status"].isin(["ok", "repaired"])] if len(df) else df
    fig, ax = plt.subplots(figsize=(7, 3.5))
    if len(graded):
        sns.histplot(data=graded, x="score", hue="assignment", bins=10, binrange=(0, 100),
                     multiple="dodge", ax=ax)
    ax.set(title="주차별 점수 분포 (score distribution)", xlabel="점수 (score)", ylabel="학생 수")
    paths.append(_save(fig, out / "scores.png"))

    fig, ax = plt.subplots(figsize=(10, max(2.5, 0.32 * len(tests) + 1)))
    if tests:
        tdf = pd.DataFrame(tests)
        tdf["label"] = tdf["assignment"] + " › " + tdf["grade_id"]
        sns.barplot(data=tdf, y="label", x="pass_rate", hue="assignment", dodge=False,
                    legend=False, ax=ax)
        ax.set_xlim(0, 1)
    ax.set(title="테스트별 통과율 (per-test pass rate) — 어려운 순", xlabel="통과율", ylabel="")
    paths.append(_save(fig, out / "pass_rates.png"))

    fig, ax = plt.subplots(figsize=(7, 3))
    counts = df["status"].value_counts().reindex(list(STATUSES), fill_value=0) if len(df) else None
    if counts is not None:
        sns.barplot(x=counts.index, y=counts.values, ax=ax, color="#4c72b0")
        ax.tick_params(axis="x", rotation=30)
    ax.set(title="채점 상태 (status counts)", ylabel="제출 수")
    paths.append(_save(fig, out / "statuses.png"))
    return paths


def _lms_csv(path: Path, table: list[dict]) -> None:
    assignments = sorted({r["assignment"] for r in table})
    students = sorted({r["student"] for r in table})
    score = {(r["student"], r["assignment"]): r["score"] for r in table}
    rows = []
    for s in students:
        vals = [score.get((s, a), 0.0) for a in assignments]
        rows.append([s, *[f"{v:g}" for v in vals], f"{sum(vals):g}"])
    # BOM: Excel opens Korean; formula prefixes neutralised (see export.csv_safe)
    write_csv(path, ["student_id", *assignments, "total"], rows, encoding="utf-8-sig")


def _analytics(root: Path) -> dict:
    """The class analytics for the template; any failure becomes its "분석 실패" text."""
    try:
        from .analytics import class_analytics
        return class_analytics(root)
    except Exception as exc:          # noqa: BLE001 - analytics never break the report
        import traceback
        log(f"report: class analytics failed:\n{traceback.format_exc()}")
        return {"error": f"분석 실패: {type(exc).__name__}: {exc}"}


def build_report(root: Path, out: Path | None = None, roster: list[str] | None = None) -> Path:
    root = Path(root)
    out = Path(out or root / "report")
    out.mkdir(parents=True, exist_ok=True)
    table = grade_table(root, roster)
    tests = per_test_pass_rates(root)
    pngs = _plots(out, table, tests)
    _lms_csv(out / "lms.csv", table)
    attention = [r for r in table if r["status"] not in ("ok", "repaired")
                 or r["score"] < ATTENTION_SCORE]
    counts = [(s, sum(r["status"] == s for r in table)) for s in STATUSES]
    from .templates import render
    context = dict(generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"), n_rows=len(table),
                   root=str(root), pngs=pngs, attention=attention,
                   attention_score=ATTENTION_SCORE, counts=counts, tests=tests)
    try:
        page = render("report.html.j2", **context, analytics=_analytics(root))
    except Exception as exc:          # noqa: BLE001 - e.g. the analytics section fails to render
        log(f"report: analytics section failed to render: {type(exc).__name__}: {exc}")
        page = render("report.html.j2", **context,
                      analytics={"error": f"분석 실패: {type(exc).__name__}: {exc}"})
    (out / "index.html").write_text(page, encoding="utf-8")
    log(f"report: {out / 'index.html'}")
    return out / "index.html"

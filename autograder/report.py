"""``make report``: the instructor report (HTML + PNG) and a CSV ready for LMS import.

- score distribution per week (histogram),
- per-test pass rates, hardest first (bar chart + table),
- status counts (ok / repaired / corrupt / kernel_died / timeout / …),
- students needing attention (any status other than ok/repaired, or a low score),
- ``lms.csv``: one row per student, one column per assignment, plus the total.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
from pathlib import Path

from .pipeline import STATUSES, open_gradebook, grade_table, log

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
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:   # BOM: Excel opens Korean
        writer = csv.writer(fh)
        writer.writerow(["student_id", *assignments, "total"])
        for s in students:
            vals = [score.get((s, a), 0.0) for a in assignments]
            writer.writerow([s, *[f"{v:g}" for v in vals], f"{sum(vals):g}"])


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
    counts = {s: sum(r["status"] == s for r in table) for s in STATUSES}
    esc = html.escape
    rows_att = "".join(
        f"<tr><td>{esc(r['student'])}</td><td>{esc(r['assignment'])}</td>"
        f"<td>{r['score']:g}/{r['max_score']:g}</td><td>{esc(r['status'])}</td>"
        f"<td>{esc(r['detail'])}</td></tr>" for r in attention)
    rows_tests = "".join(
        f"<tr><td>{esc(t['assignment'])}</td><td><code>{esc(t['grade_id'])}</code></td>"
        f"<td>{t['points']:g}</td><td>{t['pass_rate']:.0%}</td><td>{t['submissions']}</td></tr>"
        for t in tests)
    rows_status = "".join(f"<tr><td>{s}</td><td>{n}</td></tr>" for s, n in counts.items())
    imgs = "".join(f'<p><img src="{p.name}" alt="{p.stem}"></p>' for p in pngs)
    page = f"""<!doctype html><html lang="ko"><head><meta charset="utf-8">
<title>채점 보고서 (grading report)</title>
<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 8px}}img{{max-width:100%}}</style></head><body>
<h1>채점 보고서 (grading report)</h1>
<p>생성: {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} · 제출 {len(table)}건 · 코스 루트 <code>{esc(str(root))}</code></p>
{imgs}
<h2>주의가 필요한 학생 (students needing attention)</h2>
<p>상태가 ok/repaired가 아니거나 점수가 {ATTENTION_SCORE:g}점 미만인 제출.</p>
<table><tr><th>학생</th><th>과제</th><th>점수</th><th>상태</th><th>설명</th></tr>{rows_att}</table>
<h2>채점 상태 (status counts)</h2><table><tr><th>status</th><th>건수</th></tr>{rows_status}</table>
<h2>테스트별 통과율 (hardest first)</h2>
<table><tr><th>과제</th><th>grade id</th><th>배점</th><th>통과율</th><th>제출 수</th></tr>{rows_tests}</table>
<p>LMS 업로드용 CSV: <a href="lms.csv">lms.csv</a></p>
</body></html>"""
    (out / "index.html").write_text(page, encoding="utf-8")
    log(f"report: {out / 'index.html'}")
    return out / "index.html"

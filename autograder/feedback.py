"""Student feedback HTML that never shows hidden tests.

nbgrader's own ``generate_feedback`` renders the autograded notebook as it is: the full
source of every test cell (hidden block included) and the traceback of every failing
assert, which prints the hidden lines. Here the autograded notebook is sanitised first:

- a test cell's source is cut back to its visible part;
- a test cell shows only the course's own check message (what was checked, expected vs
  got, a hint) — never the traceback, never what student code printed inside the test;
- every output anywhere that contains a line of a hidden test (printed from ``In[]``,
  ``_ih``, the history or a stack frame) is replaced by a note;
- a summary at the top (a Jinja2 template, autoescaped) lists each test with its points.

The page is rendered by nbconvert with ``sanitize_html`` on: markdown and outputs written
by the student cannot run scripts in the reader's browser. Only
``autograded/<student>/<assignment>/<assignment>.ipynb`` is read, never through a symlink.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

from . import nbtools
from .config import log, missing_entry, open_gradebook
from .preprocessors import REDACTED, hidden_lines, redact_notebook
from .status import read_statuses

HIDDEN_NOTE = "# (숨겨진 테스트는 피드백에 표시되지 않습니다 — hidden tests are not shown)"
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
OWN_MESSAGE_PREFIXES = ("[검사 실패]",)


def _message(out: dict, lines: list[str]) -> str:
    from .preprocessors import contains_hidden
    ename = str(out.get("ename", "Error"))[:80]
    evalue = ANSI_RE.sub("", str(out.get("evalue", "") or ""))[:2000]
    if contains_hidden(evalue, lines):
        return REDACTED.strip()
    if evalue.startswith(OWN_MESSAGE_PREFIXES):
        return evalue
    if ename == "NotImplementedError":
        return ("NotImplementedError: 답안 셀이 아직 비어 있습니다 — `raise NotImplementedError()`를 "
                "지우고 답을 작성하세요 (the answer cell still holds the stub).")
    if ename in ("SubmissionTimeoutError", "CellTimeoutError"):
        return f"{ename}: {evalue}".strip()
    if ename == "AssertionError":
        return evalue or "테스트 실패 (test failed)"
    return f"{ename}: {evalue}".strip()


def sanitize(nb: nbformat.NotebookNode, scores: dict[str, tuple[float, float]],
             status: dict | None = None, summary: bool = True) -> nbformat.NotebookNode:
    """Return a copy safe to show the student; ``scores``: grade_id → (score, max).

    The summary rows are stored in ``nb.metadata["dlcourse_summary"]`` (rendered by
    :func:`to_html` from a template); nothing student-written becomes markup.
    """
    nb = copy.deepcopy(nb)
    lines = hidden_lines(nb)
    redact_notebook(nb, lines, keep_test_tracebacks=False)
    rows = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = []         # shown as the message only
        if not nbtools.is_test(cell):
            continue
        gid = nbtools.grade_id(cell)
        cell.source = nbtools.remove_hidden_tests(cell.source).rstrip("\n")
        cell.source += "\n" + HIDDEN_NOTE
        message = ""
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                message = _message(out, lines)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                               text="❌ " + message + "\n")] if message else []
        score, max_score = scores.get(gid, (0.0, nbtools.points(cell)))
        rows.append({"gid": gid, "score": score, "max_score": max_score, "message": message})
    for r in rows:
        r["result"] = "통과 (passed)" if r["score"] >= r["max_score"] and r["max_score"] > 0 \
            else (r["message"].splitlines()[0] if r["message"] else "실패 (failed)")
    nb.metadata["dlcourse_summary"] = {
        "rows": rows, "total": sum(r["score"] for r in rows),
        "total_max": sum(r["max_score"] for r in rows),
        "status": {"status": str((status or {}).get("status", "")),
                   "detail": str((status or {}).get("detail", ""))[:1000]} if status else None}
    return nb


def summary_html(nb) -> str:
    from .templates import render
    s = nb.metadata.get("dlcourse_summary") or {"rows": [], "total": 0, "total_max": 0,
                                                "status": None}
    return render("feedback_summary.html.j2", rows=s["rows"], total=s["total"],
                  total_max=s["total_max"], status=s["status"])


def to_html(nb: nbformat.NotebookNode) -> str:
    from nbconvert import HTMLExporter
    summary = summary_html(nb)
    nb = copy.deepcopy(nb)
    nb.metadata.pop("dlcourse_summary", None)
    exporter = HTMLExporter(template_name="lab", sanitize_html=True)
    body, _ = exporter.from_notebook_node(nb)
    m = re.search(r"<main[^>]*>", body) or re.search(r"<body[^>]*>", body)
    return body[:m.end()] + summary + body[m.end():] if m else summary + body


def generate_all(root: Path, assignments: list[str] | None = None) -> list[Path]:
    """Write ``feedback/<student>/<assignment>/<assignment>.html`` for every graded notebook.

    One notebook that cannot be rendered is logged and skipped; the others are written.
    """
    root = Path(root)
    MissingEntry = missing_entry()
    statuses = read_statuses(root)
    written, failed = [], []
    base = root / "autograded"
    with open_gradebook(root) as gb:
        for student_dir in sorted(base.iterdir()) if base.is_dir() else []:
            if student_dir.is_symlink() or not student_dir.is_dir():
                continue
            for a_dir in sorted(student_dir.iterdir()):
                student, assignment = student_dir.name, a_dir.name
                nb_path = a_dir / f"{assignment}.ipynb"
                if a_dir.is_symlink() or nb_path.is_symlink() or not nb_path.is_file():
                    continue
                if assignments and assignment not in assignments:
                    continue
                try:
                    nb = nbtools.read(nb_path)
                    scores = {}
                    for cell in nb.cells:
                        gid = nbtools.grade_id(cell)
                        if gid and nbtools.is_test(cell):
                            try:
                                g = gb.find_grade(gid, nb_path.stem, assignment, student)
                                scores[gid] = (float(g.score), float(g.max_score))
                            except MissingEntry:
                                pass
                    out = root / "feedback" / student / assignment / f"{assignment}.html"
                    out.parent.mkdir(parents=True, exist_ok=True)
                    if out.is_symlink():
                        out.unlink()
                    out.write_text(to_html(sanitize(nb, scores, statuses.get((student, assignment)))),
                                   encoding="utf-8")
                    written.append(out)
                except Exception as exc:  # noqa: BLE001 - one notebook never stops the rest
                    failed.append(nb_path)
                    log(f"feedback: skipping {nb_path}: {type(exc).__name__}: {exc}")
    log(f"feedback: {len(written)} HTML files in {root / 'feedback'}"
        + (f", {len(failed)} failed" if failed else ""))
    return written

"""Student feedback HTML that never shows hidden tests.

nbgrader's own ``generate_feedback`` renders the autograded notebook as it is: the full
source of every test cell (hidden block included) and the traceback of every failing
assert, which prints the hidden lines. Here the autograded notebook is sanitised first:

- a test cell's source is cut back to its visible part;
- a test cell's error output keeps only the exception's message (our checks put what was
  checked, expected vs got and a hint there), never the traceback;
- a summary table at the top lists each test with its points and message.
"""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path

import nbformat

from . import nbtools
from .pipeline import open_gradebook, log, read_statuses

HIDDEN_NOTE = "# (숨겨진 테스트는 피드백에 표시되지 않습니다 — hidden tests are not shown)"
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _message(out: dict) -> str:
    ename = out.get("ename", "Error")
    evalue = ANSI_RE.sub("", str(out.get("evalue", "") or ""))
    if evalue.startswith("[검사 실패]"):
        return evalue
    if ename == "NotImplementedError":
        return ("NotImplementedError: 답안 셀이 아직 비어 있습니다 — `raise NotImplementedError()`를 "
                "지우고 답을 작성하세요 (the answer cell still holds the stub).")
    if ename == "AssertionError":
        return evalue or "테스트 실패 (test failed)"
    return f"{ename}: {evalue}".strip()


def sanitize(nb: nbformat.NotebookNode, scores: dict[str, tuple[float, float]],
             status: dict | None = None) -> nbformat.NotebookNode:
    """Return a copy safe to show the student; ``scores``: grade_id → (score, max)."""
    nb = copy.deepcopy(nb)
    rows = []
    for cell in nb.cells:
        gid = nbtools.grade_id(cell)
        if not nbtools.is_test(cell):
            continue
        cell.source = nbtools.remove_hidden_tests(cell.source).rstrip("\n")
        cell.source += "\n" + HIDDEN_NOTE
        message = ""
        new_outputs = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                message = _message(out)
                new_outputs.append(nbformat.v4.new_output(
                    "stream", name="stdout", text="❌ " + message + "\n"))
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                continue
            else:
                new_outputs.append(out)
        cell.outputs = new_outputs
        score, max_score = scores.get(gid, (0.0, nbtools.points(cell)))
        rows.append((gid, score, max_score, message))
    total = sum(r[1] for r in rows)
    total_max = sum(r[2] for r in rows)
    lines = ["## 채점 결과 (autograded feedback)", ""]
    if status:
        lines += [f"- 상태(status): **{status.get('status', '')}**"
                  + (f" — {status['detail']}" if status.get("detail") else ""), ""]
    lines += [f"**총점(total): {total:g} / {total_max:g}**", "",
              "| 테스트 (grade id) | 점수 | 결과 |", "| --- | ---: | --- |"]
    for gid, score, max_score, message in rows:
        result = "통과 (passed)" if score >= max_score and max_score > 0 else \
            (html.escape(message.splitlines()[0]) if message else "실패 (failed)")
        lines.append(f"| `{gid}` | {score:g} / {max_score:g} | {result} |")
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("\n".join(lines)))
    return nb


def to_html(nb: nbformat.NotebookNode) -> str:
    from nbconvert import HTMLExporter
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb)
    return body


def generate_all(root: Path, assignments: list[str] | None = None) -> list[Path]:
    """Write ``feedback/<student>/<assignment>/<assignment>.html`` for every graded notebook."""
    root = Path(root)
    statuses = read_statuses(root)
    written = []
    with open_gradebook(root) as gb:
        for nb_path in sorted((root / "autograded").glob("*/*/*.ipynb")):
            student, assignment = nb_path.parent.parent.name, nb_path.parent.name
            if assignments and assignment not in assignments:
                continue
            try:
                nb = nbtools.read(nb_path)
            except Exception as exc:  # noqa: BLE001
                log(f"feedback: skipping unreadable {nb_path}: {exc}")
                continue
            scores = {}
            for cell in nb.cells:
                gid = nbtools.grade_id(cell)
                if gid and nbtools.is_test(cell):
                    try:
                        g = gb.find_grade(gid, nb_path.stem, assignment, student)
                        scores[gid] = (float(g.score), float(g.max_score))
                    except Exception:  # noqa: BLE001 - MissingEntry
                        pass
            out = root / "feedback" / student / assignment / f"{assignment}.html"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(to_html(sanitize(nb, scores, statuses.get((student, assignment)))),
                           encoding="utf-8")
            written.append(out)
    log(f"feedback: {len(written)} HTML files in {root / 'feedback'}")
    return written

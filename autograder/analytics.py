"""Class analytics for the instructor report: item analysis, submission similarity and a
leaderboard — three things nbgrader does not compute.

1. **Item analysis** (:func:`item_analysis`): for every graded cell of an assignment, the
   pass rate (full points), the mean score fraction and the *discrimination*: the
   point-biserial (Pearson) correlation between the cell's score fraction and the rest of the
   student's score in that assignment (total minus this cell). A cell whose discrimination is
   below :data:`DISCRIMINATION_THRESHOLD`, or undefined (everyone passed, everyone failed),
   does not separate strong from weak work.
2. **Similarity** (:func:`similarity`): answer cells are normalised into Python token streams
   (comments, docstrings, whitespace, IPython magics and imports of the course's own modules
   dropped; names and literals kept), the release stub is removed, and k-token shingles
   (k = 5) are compared with the Jaccard index over the union of a student's answer cells.
   Shingles of the reference solution and shingles that a large part of the class shares are
   expected code and never count. Evidence for a human, never a penalty.
3. **Leaderboard** (:func:`leaderboard`): ``checks.record_metric`` lines printed to stdout by
   graded *test* cells, ranked per assignment and metric name; optionally pseudonymised.

The computing functions are pure (records or sources in, rows out); the ``read_*``/``scan_*``
functions read the gradebook and the notebooks of a course root. nbgrader is imported only by
:func:`grade_records`.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import hmac
import io
import json
import math
import re
import time
import tokenize
import traceback
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from . import nbtools
from .preprocessors import TRUNCATED

DISCRIMINATION_THRESHOLD = 0.2
SIMILARITY_THRESHOLD = 0.8
SHINGLE_K = 5
MIN_TOKENS = 10
#: A shingle found in more than max(COMMON_MIN, COMMON_FRACTION × students) submissions of an
#: assignment is expected code (a canonical answer), not evidence of copying.
COMMON_FRACTION = 0.2
COMMON_MIN = 10
#: Top-level modules of the course itself: importing them is boilerplate, not an answer.
COURSE_MODULES = frozenset({"autograder"})
METRIC_TAG = "[[dlcourse-metric]]"

SIMILARITY_NOTE = ("유사도(similarity)는 사람이 확인할 근거일 뿐, 감점 사유가 아닙니다. "
                   "비슷한 답은 같은 자료나 같은 풀이에서 나올 수 있으니 판단은 사람이 합니다.")


def _failed(part: str, exc: BaseException) -> str:
    from .config import log
    log(f"analytics: {part} failed:\n{traceback.format_exc()}")
    return f"분석 실패: {type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------------------------
# 1. Item analysis
# --------------------------------------------------------------------------------------------

def grade_records(root: Path) -> list[dict]:
    """One record per graded cell × submission in the gradebook of ``root``:
    ``{student, assignment, grade_id, score, max_score}``."""
    from nbgrader.api import (Assignment, Grade, GradeCell, Notebook, SubmittedAssignment,
                              SubmittedNotebook)
    from .config import open_gradebook
    with open_gradebook(Path(root)) as gb:
        rows = (gb.db.query(Assignment.name, GradeCell.name, GradeCell.max_score,
                            SubmittedAssignment.student_id, Grade.score)
                .select_from(Grade)
                .join(GradeCell, Grade.cell_id == GradeCell.id)
                .join(Notebook, GradeCell.notebook_id == Notebook.id)
                .join(Assignment, Notebook.assignment_id == Assignment.id)
                .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
                .join(SubmittedAssignment,
                      SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                .all())
    return [{"student": s, "assignment": a, "grade_id": g,
             "score": float(score or 0.0), "max_score": float(m or 0.0)}
            for a, g, m, s, score in rows]


def point_biserial(x: Iterable[float], y: Iterable[float]) -> float | None:
    """Pearson correlation of ``x`` and ``y`` (point-biserial when ``x`` is 0/1);
    ``None`` when undefined (fewer than 3 values or a constant variable)."""
    x, y = np.asarray(list(x), float), np.asarray(list(y), float)
    if len(x) < 3 or len(x) != len(y):
        return None
    dx, dy = x - x.mean(), y - y.mean()
    sx, sy = math.sqrt(float(dx @ dx)), math.sqrt(float(dy @ dy))
    if sx <= 1e-12 * max(1.0, len(x)) or sy <= 1e-12 * max(1.0, len(y)):
        return None
    return float(dx @ dy) / (sx * sy)


def item_analysis(records: Iterable[Mapping], threshold: float = DISCRIMINATION_THRESHOLD
                  ) -> list[dict]:
    """Per (assignment, grade_id): n, pass_rate, mean_fraction, discrimination, flagged.

    ``discrimination`` is the correlation between the cell's score fraction and the rest of
    the student's score in the assignment (the sum of the student's other cells), over the
    students with a record for that cell. ``flagged`` is true when it is below ``threshold``
    or undefined; ``reason`` says why (Korean, English term in parentheses).
    """
    scores: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    max_score: dict[tuple[str, str], float] = {}
    for r in records:
        a, g = str(r["assignment"]), str(r["grade_id"])
        scores[a][str(r["student"])][g] = float(r["score"] or 0.0)
        max_score[(a, g)] = max(max_score.get((a, g), 0.0), float(r["max_score"] or 0.0))
    rows = []
    for a in sorted(scores):
        by_student = scores[a]
        totals = {s: sum(cells.values()) for s, cells in by_student.items()}
        for g in sorted({g for cells in by_student.values() for g in cells}):
            m = max_score[(a, g)]
            if m <= 0:
                continue
            students = sorted(s for s, cells in by_student.items() if g in cells)
            own = np.array([by_student[s][g] for s in students])
            frac = own / m
            rest = np.array([totals[s] for s in students]) - own
            passed = own >= m - 1e-9
            r = point_biserial(frac, rest)
            if r is not None:
                reason = "" if r >= threshold else \
                    f"변별도(discrimination) {r:.2f} < {threshold:g}: 잘한 답과 못한 답을 가르지 못함"
            elif passed.all():
                reason = "모두 통과 (everyone passed): 잘한 답과 못한 답을 가르지 못함"
            elif not frac.any():
                reason = "모두 실패 (everyone failed): 잘한 답과 못한 답을 가르지 못함"
            else:
                reason = "변별도(discrimination) 정의 안 됨 (점수 분산 0 또는 학생 3명 미만)"
            rows.append({"assignment": a, "grade_id": g, "max_score": m, "n": len(students),
                         "pass_rate": float(passed.mean()),
                         "mean_fraction": float(frac.mean()),
                         "discrimination": r, "flagged": bool(reason), "reason": reason})
    return rows


# --------------------------------------------------------------------------------------------
# Reading notebooks (plain JSON: autograded notebooks may be large, only what is needed is kept)
# --------------------------------------------------------------------------------------------

def _cells(path: Path) -> list:
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    if int(nb.get("nbformat", 4)) < 4:
        nb = nbtools.read(path)
    from nbformat import NotebookNode
    return [NotebookNode(c) for c in nb.get("cells", []) if isinstance(c, dict)]


def _text(value) -> str:
    """A notebook string field (a string or a list of lines)."""
    return "".join(map(str, value)) if isinstance(value, list) else str(value or "")


def _source(cell) -> str:
    return _text(cell.get("source", ""))


def is_answer_code(cell) -> bool:
    """An answer cell for similarity: nbgrader ``solution`` set (graded or not), code."""
    return bool(nbtools.nbgrader_meta(cell).get("solution")) and cell.get("cell_type") == "code"


def answer_sources(cells) -> dict[str, str]:
    """grade_id → source of every code answer cell."""
    out = {}
    for c in cells:
        if is_answer_code(c) and nbtools.grade_id(c):
            out[str(nbtools.grade_id(c))] = _source(c)
    return out


def metric_lines(cells) -> dict[str, tuple[float, bool]]:
    """name → (value, higher_is_better) from the stdout of graded test cells only; the last
    line per name wins. Lines printed by any other cell are ignored, and so are the lines of
    a test cell that failed (an error output) or whose output was truncated: there the
    test's own line may be missing and a line printed by student code would stand."""
    found: dict[str, tuple[float, bool]] = {}
    for c in cells:
        if not nbtools.is_test(c):
            continue
        outputs = [o for o in c.get("outputs", []) or [] if isinstance(o, dict)]
        if any(o.get("output_type") == "error" for o in outputs):
            continue
        text = "".join(_text(o.get("text", "")) for o in outputs
                       if o.get("output_type") == "stream" and o.get("name") == "stdout")
        if TRUNCATED.strip() in text:
            continue
        for line in text.splitlines():
            line = line.strip()
            if not line.startswith(METRIC_TAG):
                continue
            try:
                d = json.loads(line[len(METRIC_TAG):])
                name, value = d["name"], d["value"]
            except (ValueError, KeyError, TypeError):
                continue
            if not isinstance(name, str) or isinstance(value, bool) or \
                    not isinstance(value, (int, float)) or not math.isfinite(value):
                continue
            found[name] = (float(value), bool(d.get("higher_is_better", True)))
    return found


def assignments_of(root: Path) -> list[str]:
    """Assignments with a release copy (``release/<a>/<a>.ipynb``)."""
    release = Path(root) / "release"
    if not release.is_dir():
        return []
    return sorted(p.name for p in release.iterdir() if (p / f"{p.name}.ipynb").is_file())


def scan_assignment(root: Path, assignment: str) -> dict:
    """Read what the analytics need from ``root`` for one assignment.

    Returns ``stubs`` and ``solutions`` (grade_id → source, from ``release/`` and, when
    present, ``source/``), ``answers`` (student → grade_id → source) and ``metrics``
    (student → name → (value, higher_is_better)) from ``autograded/<student>/<a>/<a>.ipynb``,
    and ``unreadable`` (student → error) for notebooks that could not be read.
    """
    root = Path(root)
    stubs = answer_sources(_cells(root / "release" / assignment / f"{assignment}.ipynb"))
    solutions = {}
    src = root / "source" / assignment / f"{assignment}.ipynb"
    if src.is_file():
        try:
            solutions = answer_sources(_cells(src))
        except (OSError, ValueError):
            solutions = {}
    answers, metrics, unreadable = {}, {}, {}
    base = root / "autograded"
    for path in sorted(base.glob(f"*/{assignment}/{assignment}.ipynb")) if base.is_dir() else []:
        student = path.parent.parent.name
        try:
            cells = _cells(path)
            mine, m = answer_sources(cells), metric_lines(cells)
        except Exception as exc:                  # noqa: BLE001 - one bad notebook, not all
            unreadable[student] = f"{type(exc).__name__}: {exc}"
            continue
        answers[student] = mine
        if m:
            metrics[student] = m
    return {"assignment": assignment, "stubs": stubs, "solutions": solutions,
            "answers": answers, "metrics": metrics, "unreadable": unreadable}


# --------------------------------------------------------------------------------------------
# 2. Similarity
# --------------------------------------------------------------------------------------------

_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
         tokenize.ENDMARKER}
_FALLBACK_TOKEN = re.compile(r"\w+|\"[^\"\n]*\"|'[^'\n]*'|[^\s\w]")


def _literal(tok: str) -> str:
    try:
        return repr(ast.literal_eval(tok))       # 'a' and "a" are the same literal
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return tok


def _logical_lines(source: str) -> list[list[tuple[int, str]]]:
    src = "\n".join(line for line in source.splitlines()
                    if not line.lstrip().startswith(("%", "!")))    # IPython magics, shell
    lines, cur = [], []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(src + "\n").readline):
            if tok.type == tokenize.NEWLINE:
                if cur:
                    lines.append(cur)
                cur = []
            elif tok.type not in _SKIP and tok.string.strip():
                cur.append((tok.type, tok.string))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        # not valid Python: a rough tokenisation, one line per physical line
        lines = []
        for line in src.splitlines():
            line = re.sub(r"#.*$", "", line)
            toks = [(tokenize.STRING if t[0] in "'\"" else tokenize.NAME, t)
                    for t in _FALLBACK_TOKEN.findall(line)]
            if toks:
                lines.append(toks)
        return lines
    if cur:
        lines.append(cur)
    return lines


def _course_import(line: list[tuple[int, str]]) -> bool:
    if len(line) < 2 or line[0][1] not in ("import", "from"):
        return False
    if line[0][1] == "from":
        return line[1][1] in COURSE_MODULES
    modules = [line[1][1]] + [line[i + 1][1] for i in range(1, len(line) - 1)
                              if line[i][1] == ","]
    return any(m in COURSE_MODULES for m in modules)


def normalise(source: str) -> list[str]:
    """The cell's code as a token stream: names and literals kept; comments, docstrings
    (string-only statements), whitespace, magics and imports of the course's modules dropped."""
    out = []
    for line in _logical_lines(source):
        if all(t == tokenize.STRING for t, _ in line) or _course_import(line):
            continue
        out.extend(_literal(s) if t == tokenize.STRING else s for t, s in line)
    return out


def strip_stub(tokens: list[str], stub: list[str], min_block: int = 3) -> list[str]:
    """``tokens`` without the runs (of at least ``min_block`` tokens, or the whole stub) that
    match the release stub: what the student wrote, not what they were given."""
    if not stub or not tokens:
        return list(tokens)
    keep = [True] * len(tokens)
    sm = difflib.SequenceMatcher(None, stub, tokens, autojunk=False)
    for _, j, size in sm.get_matching_blocks():
        if size and size >= min(min_block, len(stub)):
            keep[j:j + size] = [False] * size
    return [t for t, k in zip(tokens, keep) if k]


def shingles(tokens: list[str], key: str = "", k: int = SHINGLE_K) -> set[int]:
    """Hashes of the k-token windows of ``tokens`` (one window when shorter), keyed by cell."""
    if not tokens:
        return set()
    if len(tokens) <= k:
        return {hash((key, *tokens))}
    return {hash((key, *tokens[i:i + k])) for i in range(len(tokens) - k + 1)}


def jaccard(a: set, b: set) -> float:
    if not a and not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def similarity(stubs: Mapping[str, str], answers: Mapping[str, Mapping[str, str]],
               solutions: Mapping[str, str] | None = None,
               threshold: float = SIMILARITY_THRESHOLD, k: int = SHINGLE_K,
               min_tokens: int = MIN_TOKENS, common_fraction: float = COMMON_FRACTION,
               common_min: int = COMMON_MIN, max_pairs: int = 50, top_cells: int = 3) -> dict:
    """Pairs of students whose answer code is similar (Jaccard ≥ ``threshold``).

    ``stubs``: grade_id → release source; ``answers``: student → grade_id → source;
    ``solutions``: grade_id → reference solution (its shingles are expected code). A cell
    counts when at least ``min_tokens`` tokens remain after normalisation and stub removal;
    ``n_students`` counts the students with any code left to compare. ``threshold`` > 0.
    Returns ``{pairs, n_students, n_compared, n_above, threshold, ...}``; each pair lists its
    ``top_cells`` most similar cells with both sources (``max_pairs`` pairs at most).
    """
    stub_toks = {g: normalise(s) for g, s in stubs.items()}
    expected: dict[str, set[int]] = {
        g: shingles(strip_stub(normalise(s), stub_toks.get(g, [])), g, k)
        for g, s in (solutions or {}).items()}
    cells: dict[str, dict[str, set[int]]] = {}
    for student, by_gid in answers.items():
        mine = {}
        for g, src in by_gid.items():
            if g not in stub_toks:
                continue                  # not an answer cell of this assignment
            toks = strip_stub(normalise(src), stub_toks[g])
            if len(toks) < min_tokens:
                continue
            sh = shingles(toks, g, k) - expected.get(g, set())
            if sh:
                mine[g] = sh
        cells[student] = mine
    limit = max(common_min, common_fraction * sum(1 for c in cells.values() if c))
    df = Counter(h for c in cells.values() for sh in c.values() for h in sh)
    common = {h for h, n in df.items() if n > limit}
    whole: dict[str, set[int]] = {}
    for student, mine in cells.items():
        if common:
            mine = {g: sh - common for g, sh in mine.items()}
            mine = {g: sh for g, sh in mine.items() if sh}
            cells[student] = mine
        if mine:
            whole[student] = set().union(*mine.values())
    # Every pair is compared; an inverted index (shingle → students) counts the shared
    # shingles of the pairs that share any, in Σ df² steps (df is capped by the common
    # filter above) instead of one set intersection per pair.
    students = sorted(whole)
    sizes = [len(whole[s]) for s in students]
    index: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(students):
        for h in whole[s]:
            index[h].append(i)
    shared = Counter()
    for posting in index.values():
        if len(posting) > 1:
            shared.update(combinations(posting, 2))
    found = []
    for (i, j), inter in shared.items():
        sim = inter / (sizes[i] + sizes[j] - inter)
        if sim >= threshold:
            found.append((sim, students[i], students[j]))
    n_compared = len(students) * (len(students) - 1) // 2
    found.sort(key=lambda t: (-t[0], t[1], t[2]))
    pairs = []
    for sim, s1, s2 in found[:max_pairs]:
        both = sorted(set(cells[s1]) & set(cells[s2]))
        per_cell = sorted(((jaccard(cells[s1][g], cells[s2][g]), g) for g in both),
                          key=lambda t: (-t[0], t[1]))[:top_cells]
        pairs.append({"a": s1, "b": s2, "similarity": sim,
                      "cells": [{"grade_id": g, "similarity": cs,
                                 "source_a": answers[s1].get(g, ""),
                                 "source_b": answers[s2].get(g, "")} for cs, g in per_cell]})
    return {"pairs": pairs, "n_students": len(students), "n_compared": n_compared,
            "n_above": len(found), "threshold": threshold, "k": k, "min_tokens": min_tokens,
            "n_common": len(common)}


# --------------------------------------------------------------------------------------------
# 3. Leaderboard
# --------------------------------------------------------------------------------------------

def pseudonym(student: str, salt: str, length: int = 10) -> str:
    """A stable pseudonym: ``anon-`` + a prefix of HMAC-SHA256(salt, student id)."""
    if not salt:
        raise ValueError("pseudonymise needs a secret salt (an unsalted hash of a known "
                         "student id is easy to reverse)")
    digest = hmac.new(str(salt).encode(), str(student).encode(), hashlib.sha256).hexdigest()
    return "anon-" + digest[:length]


def leaderboard(metrics: Mapping[str, Mapping[str, Mapping[str, tuple[float, bool]]]],
                pseudonymise: bool = False, salt: str = "") -> list[dict]:
    """Rank students per (assignment, metric name).

    ``metrics``: assignment → student → name → (value, higher_is_better). Direction per metric
    is the majority of the students' lines. Ties share a rank (1, 2, 2, 4). With
    ``pseudonymise`` every id becomes :func:`pseudonym` (``salt`` required).
    """
    boards = []
    for a in sorted(metrics):
        values: dict[str, list[tuple[str, float, bool]]] = defaultdict(list)
        for student, by_name in metrics[a].items():
            for name, (value, hib) in by_name.items():
                values[name].append((student, float(value), bool(hib)))
        for name in sorted(values):
            entries = values[name]
            hib = sum(e[2] for e in entries) * 2 >= len(entries)
            entries.sort(key=lambda e: (-e[1] if hib else e[1], e[0]))
            rows, rank, prev = [], 0, None
            for pos, (student, value, _) in enumerate(entries, 1):
                if value != prev:
                    rank, prev = pos, value
                rows.append({"rank": rank, "value": value,
                             "student": pseudonym(student, salt) if pseudonymise else student})
            boards.append({"assignment": a, "name": name, "higher_is_better": hib,
                           "rows": rows})
    return boards


# --------------------------------------------------------------------------------------------
# All three, for the report
# --------------------------------------------------------------------------------------------

def class_analytics(root: Path, records: list[dict] | None = None,
                    assignments: list[str] | None = None,
                    discrimination_threshold: float = DISCRIMINATION_THRESHOLD,
                    similarity_threshold: float = SIMILARITY_THRESHOLD,
                    pseudonymise: bool = False, salt: str = "") -> dict:
    """The three analyses of ``root`` for the report template. ``records`` default to the
    gradebook's (:func:`grade_records`). A failing part gives its error text ("분석 실패: ...":
    ``item_analysis_error``, ``leaderboard_error``, ``error`` of one assignment's similarity)
    and the other parts are still computed."""
    root = Path(root)
    out = {"error": None, "item_analysis": [], "item_analysis_error": None, "similarity": [],
           "leaderboard": [], "leaderboard_error": None,
           "discrimination_threshold": discrimination_threshold,
           "similarity_threshold": similarity_threshold, "similarity_note": SIMILARITY_NOTE,
           "seconds": {}}
    t0 = time.perf_counter()
    try:
        out["item_analysis"] = item_analysis(
            grade_records(root) if records is None else records, discrimination_threshold)
    except Exception as exc:                      # noqa: BLE001 - never break the report
        out["item_analysis_error"] = _failed("item analysis", exc)
    out["seconds"]["item_analysis"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    metrics = {}
    for a in (assignments if assignments is not None else assignments_of(root)):
        t1 = time.perf_counter()
        try:
            scan = scan_assignment(root, a)
        except Exception as exc:                  # noqa: BLE001
            msg = _failed(f"reading {a}", exc)
            out["similarity"].append({"assignment": a, "error": msg, "pairs": []})
            out["leaderboard_error"] = msg
            continue
        if not scan["answers"] and not scan["unreadable"]:
            continue                              # released, nothing graded yet
        if scan["metrics"]:
            metrics[a] = scan["metrics"]
        try:
            sim = similarity(scan["stubs"], scan["answers"], scan["solutions"],
                             threshold=similarity_threshold)
            sim.update(assignment=a, error=None, unreadable=sorted(scan["unreadable"]),
                       seconds=time.perf_counter() - t1)
            out["similarity"].append(sim)
        except Exception as exc:                  # noqa: BLE001
            out["similarity"].append({"assignment": a, "error": _failed(f"similarity {a}", exc),
                                      "pairs": []})
    out["seconds"]["notebooks"] = time.perf_counter() - t0      # reading, similarity, metrics
    try:
        out["leaderboard"] = leaderboard(metrics, pseudonymise=pseudonymise, salt=salt)
    except Exception as exc:                      # noqa: BLE001
        out["leaderboard_error"] = _failed("leaderboard", exc)
    return out

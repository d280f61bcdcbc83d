"""Checking and repairing a submission before nbgrader sees it.

Editors such as Colab and VS Code may strip nbgrader's cell metadata, re-order or re-id
cells; students duplicate, delete or retype cells. nbgrader alone then gives a silent 0 or
aborts the whole batch (duplicated grade_id). Here each submitted cell is matched to the
release copy (cell id, then the source of a locked cell, then its position between locked
cells) and the metadata restored, so nbgrader grades what the student wrote.

The submitted file is never modified: :func:`prepare` returns a new notebook.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import nbtools


@dataclass
class Prepared:
    """Result of :func:`prepare`: the status so far, the notebook to grade and notes."""

    status: str                       # "ok", "repaired", "corrupt" or "needs_manual"
    notebook: nbformat.NotebookNode | None = None
    notes: list[str] = field(default_factory=list)
    deleted_tests: list[str] = field(default_factory=list)  # grade ids forced to 0 points


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def load_submission(path: Path) -> tuple[nbformat.NotebookNode | None, str]:
    """Parse a submitted file; return (notebook, "") or (None, reason)."""
    data = path.read_bytes()
    if not data.strip():
        return None, "빈 파일입니다 (empty file)."
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"JSON으로 읽을 수 없습니다 (corrupt JSON): {exc}"
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        return None, "노트북 형식이 아닙니다 (no 'cells' list)."
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises several types
        return None, f"노트북 형식 오류 (invalid notebook): {exc}"
    for cell in nb.cells:
        if cell.get("cell_type") not in ("code", "markdown", "raw"):
            return None, f"알 수 없는 셀 종류 (unknown cell type): {cell.get('cell_type')!r}"
        if not isinstance(cell.get("source", ""), str):
            cell.source = "".join(cell.source)
    return nb, ""


def prepare(submission: nbformat.NotebookNode, release: nbformat.NotebookNode) -> Prepared:
    """Match the submission's cells to the release copy and restore nbgrader metadata."""
    nb = copy.deepcopy(submission)
    notes: list[str] = []
    rel_cells = list(release.cells)
    rel_ids = {c.get("id"): i for i, c in enumerate(rel_cells) if c.get("id")}
    rel_by_gid = {nbtools.grade_id(c): i for i, c in enumerate(rel_cells) if nbtools.grade_id(c)}
    locked_src = {}
    for i, c in enumerate(rel_cells):
        m = nbtools.nbgrader_meta(c)
        if m.get("locked") and not m.get("solution"):
            locked_src.setdefault(_norm(c.source), i)

    # 1. Which release cell does each submitted cell correspond to?
    match: list[int | None] = [None] * len(nb.cells)
    used: set[int] = set()
    for k, cell in enumerate(nb.cells):
        gid = nbtools.grade_id(cell)
        if gid in rel_by_gid and rel_by_gid[gid] not in used:
            match[k] = rel_by_gid[gid]
        elif gid in rel_by_gid:
            notes.append(f"중복된 셀 '{gid}'의 복사본은 일반 셀로 채점에서 제외 (duplicated cell)")
            cell.metadata.pop("nbgrader", None)
        if match[k] is not None:
            used.add(match[k])
    stripped = 0
    for k, cell in enumerate(nb.cells):           # cell id, then locked source
        if match[k] is not None or nbtools.grade_id(cell):
            continue
        i = rel_ids.get(cell.get("id"))
        if i is None or i in used or not nbtools.grade_id(rel_cells[i]):
            i = locked_src.get(_norm(cell.source))
        if i is not None and i not in used and nbtools.grade_id(rel_cells[i]):
            match[k] = i
            used.add(i)
            stripped += 1
    # answer cells by position: the first unmatched code cell after the matched cell that
    # precedes the answer in the release copy
    pos_of = {i: k for k, i in enumerate(match) if i is not None}
    for i, c in enumerate(rel_cells):
        if i in used or not nbtools.is_answer(c):
            continue
        prev = max((j for j in pos_of if j < i), default=None)
        start = pos_of[prev] + 1 if prev is not None else 0
        nxt = min((pos_of[j] for j in pos_of if j > i), default=len(nb.cells))
        for k in range(start, nxt):
            if match[k] is None and nb.cells[k].cell_type == "code" and not nbtools.grade_id(nb.cells[k]):
                match[k] = i
                used.add(i)
                pos_of[i] = k
                stripped += 1
                break

    if not any(m is not None and nbtools.nbgrader_meta(rel_cells[m]).get("locked")
               for m in match):
        return Prepared("needs_manual", None, [
            "이 과제의 셀을 하나도 찾지 못했습니다: 다른 노트북을 제출했을 수 있습니다 "
            "(no cell of this assignment found)."])
    if stripped:
        notes.append(f"nbgrader 메타데이터가 지워진 셀 {stripped}개를 배포본과 맞춰 복원 "
                     "(metadata restored)")

    # 2. Restore metadata (and cell type) from the release cell.
    for k, i in enumerate(match):
        if i is None:
            continue
        rel = rel_cells[i]
        cell = nb.cells[k]
        if cell.cell_type != rel.cell_type:
            notes.append(f"셀 '{nbtools.grade_id(rel)}'의 종류가 {cell.cell_type}(으)로 바뀌어 "
                         f"{rel.cell_type}(으)로 되돌림 (cell type restored)")
            new = copy.deepcopy(rel)
            if rel.cell_type == "code":
                new.outputs, new.execution_count = [], None
            nb.cells[k] = new
            continue
        if nbtools.is_test(rel) and _norm(cell.source) != _norm(rel.source):
            notes.append(f"수정된 테스트 셀 '{nbtools.grade_id(rel)}'을(를) 원래대로 복원 "
                         "(edited test cell restored)")
        cell.metadata["nbgrader"] = copy.deepcopy(rel.metadata["nbgrader"])

    # 3. Re-order matched cells to the release order if needed (editors may move cells).
    order = [i for i in match if i is not None]
    if order != sorted(order):
        notes.append("셀 순서가 배포본과 달라 배포본 순서로 정렬 (cells re-ordered)")
        nb.cells = _reorder(nb.cells, match)
        match = _reorder(match, match)

    # 4. Re-insert deleted test (and locked) cells so they count — as failed.
    deleted: list[str] = []
    present = {i for i in match if i is not None}
    for i, rel in enumerate(rel_cells):
        if i in present or not nbtools.grade_id(rel):
            continue
        m = nbtools.nbgrader_meta(rel)
        if not (m.get("locked") or m.get("grade")):
            continue  # a deleted answer cell: the test after it fails by itself
        new = copy.deepcopy(rel)
        if new.cell_type == "code":
            new.outputs, new.execution_count = [], None
        prev = max((j for j, mi in enumerate(match) if mi is not None and mi < i), default=-1)
        nb.cells.insert(prev + 1, new)
        match.insert(prev + 1, i)
        if nbtools.is_test(rel):
            deleted.append(nbtools.grade_id(rel))
    if deleted:
        notes.append("삭제된 테스트 셀을 다시 넣고 0점 처리 (deleted test cells, scored 0): "
                     + ", ".join(deleted))
    nb.metadata["kernelspec"] = copy.deepcopy(release.metadata.get("kernelspec", {}))
    return Prepared("repaired" if notes else "ok", nb, notes, deleted)


def _reorder(items: list, match: list[int | None]) -> list:
    """Stable re-order: matched items by release index, unmatched ones stay after their predecessor."""
    keyed = []
    last = -1.0
    for k, (item, i) in enumerate(zip(items, match)):
        key = float(i) if i is not None else last + 1e-3 * (k + 1) / (len(items) + 1)
        if i is not None:
            last = float(i)
        keyed.append((key, k, item))
    return [item for _, _, item in sorted(keyed, key=lambda t: (t[0], t[1]))]


#: Modules whose attributes the hidden tests rely on; assigning to them fakes a pass.
PROTECTED_MODULES = {"checks", "autograder", "torch", "nn", "F", "np", "numpy", "builtins",
                     "math", "random", "sys", "importlib"}


def scan_tampering(nb: nbformat.NotebookNode) -> list[str]:
    """Find student code that patches what the tests use (``checks.check_close = …``,
    ``torch.allclose = …``, ``setattr(checks, …)``, ``sys.modules[...] = …``,
    ``builtins.*``). Returns one finding per offending line; only unlocked cells are read
    (locked cells are restored from the gradebook before grading)."""
    import ast
    findings = []
    for cell in nb.cells:
        if cell.cell_type != "code" or nbtools.nbgrader_meta(cell).get("locked"):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        aliases = set(PROTECTED_MODULES)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for a in node.names:
                    root = (node.module or a.name) if isinstance(node, ast.ImportFrom) else a.name
                    if root.split(".")[0] in PROTECTED_MODULES and a.asname:
                        aliases.add(a.asname)
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            elif isinstance(node, ast.Delete):
                targets = node.targets
            for t in targets:
                base = t
                while isinstance(base, (ast.Attribute, ast.Subscript)):
                    base = base.value
                if isinstance(base, ast.Name) and base.id in aliases and t is not base:
                    findings.append(f"line {getattr(node, 'lineno', '?')}: {ast.unparse(t)} = …")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in {"setattr", "delattr"} and node.args:
                first = node.args[0]
                while isinstance(first, ast.Attribute):
                    first = first.value
                if isinstance(first, ast.Name) and first.id in aliases:
                    findings.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
    return findings

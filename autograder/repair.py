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
    malformed = 0
    for cell in nb.cells:                # {"nbgrader": "oops"}, metadata: [] …
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = nbformat.NotebookNode()
        meta = cell.metadata.get("nbgrader")
        if meta is not None and (not isinstance(meta, dict) or not isinstance(
                meta.get("grade_id", ""), str)):
            cell.metadata.pop("nbgrader")
            malformed += 1
    if malformed:
        notes.append(f"형식이 잘못된 nbgrader 메타데이터 {malformed}개를 지우고 배포본과 맞춤 "
                     "(malformed nbgrader metadata removed)")
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

    # 2. Restore metadata (and cell type) from the release cell; a cell that matches none
    #    is the student's own and carries no nbgrader metadata (no invented points).
    for k, i in enumerate(match):
        if i is None:
            if nb.cells[k].metadata.pop("nbgrader", None):
                notes.append("배포본에 없는 nbgrader 셀의 메타데이터를 지움 (unknown nbgrader cell: "
                             "its metadata was removed)")
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


# --------------------------------------------------------------------------- tampering
#: Modules whose attributes the hidden tests rely on; writing to them fakes a pass.
PROTECTED_MODULES = {"checks", "autograder", "torch", "nn", "F", "np", "numpy", "builtins",
                     "math", "random", "sys", "importlib", "IPython", "inspect", "types",
                     "optim", "functools", "operator", "gc", "ctypes"}
#: Names whose use (call or read) needs a human look in a graded notebook.
SUSPICIOUS_NAMES = {
    "get_ipython": "get_ipython() (커널 내부 접근, IPython internals)",
    "exec": "exec", "eval": "eval", "compile": "compile", "__import__": "__import__",
    "globals": "globals()", "locals": "locals()", "vars": "vars()",
    "__builtins__": "__builtins__", "In": "In[] (입력 기록, input history)",
    "Out": "Out[]", "_ih": "_ih (입력 기록)", "_oh": "_oh", "_dh": "_dh",
    "breakpoint": "breakpoint",
}
#: Attribute names that reach code objects, frames and class internals.
SUSPICIOUS_ATTRS = {"__code__", "__globals__", "__closure__", "__builtins__", "__defaults__",
                    "__kwdefaults__", "__setattr__", "__delattr__", "__dict__", "__class__",
                    "__subclasses__", "__mro__", "__bases__", "f_back", "f_globals", "f_locals",
                    "f_code", "gi_frame", "tb_frame", "_getframe", "modules", "settrace",
                    "setprofile", "addaudithook", "excepthook", "displayhook", "meta_path",
                    "path_hooks", "currentframe", "stack", "getouterframes", "getsource",
                    "getsourcelines", "import_module", "reload", "events", "input_transformers_post",
                    "input_transformers_cleanup", "ast_transformers", "run_cell"}
#: ``module.attr`` pairs for which SUSPICIOUS_ATTRS is read only on these modules.
_MODULE_ONLY_ATTRS = {"modules": {"sys"}, "stack": {"inspect"}, "reload": {"importlib"},
                      "import_module": {"importlib"}, "events": set(), "run_cell": set(),
                      "getsource": {"inspect"}, "getsourcelines": {"inspect"},
                      "currentframe": {"inspect"}, "getouterframes": {"inspect"}}
#: Attribute writes the course itself does (set_seed) or that are ordinary.
ALLOWED_WRITES = ("torch.backends.cudnn.deterministic", "torch.backends.cudnn.benchmark",
                  "torch.backends.cudnn.enabled", "torch.backends.cuda.matmul.allow_tf32",
                  "torch.backends.cudnn.allow_tf32", "sys.stdout", "sys.stderr",
                  "np.random.seed", "torch.backends.mps")
#: Magics whose argument is Python code to scan; other magics are harmless to grading.
PYTHON_MAGICS = {"time", "timeit", "capture", "prun", "debug"}
HARMLESS_MAGICS = {"matplotlib", "pip", "config", "load_ext", "writefile", "bash", "sh",
                   "html", "HTML", "markdown", "latex", "javascript", "js", "svg", "system",
                   "who", "whos", "env", "pwd", "ls", "cd", "autoreload", "reload_ext"}


def _dotted(node) -> str:
    import ast
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _root_name(node):
    import ast
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _scan_source(src: str, aliases: set[str], depth: int = 0) -> list[str]:
    """Findings in one cell's code (IPython syntax: magics are transformed first)."""
    import ast
    from IPython.core.inputtransformer2 import TransformerManager
    if depth > 3:
        return ["line ?: 중첩된 매직 (nested magics)"]
    code = TransformerManager().transform_cell(src)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []             # the cell fails by itself when run: nothing can be patched
    findings: list[str] = []

    def add(node, what):
        findings.append(f"line {getattr(node, 'lineno', '?')}: {what}")

    magic_calls = set()
    for node in ast.walk(tree):     # get_ipython().run_line_magic('time', '…') from %time
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("run_line_magic", "run_cell_magic", "system", "getoutput") \
                and isinstance(node.func.value, ast.Call) and \
                isinstance(node.func.value.func, ast.Name) and \
                node.func.value.func.id == "get_ipython":
            args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                    for a in node.args]
            if node.func.attr in ("system", "getoutput") and all(a is not None for a in args):
                magic_calls.add(id(node.func.value.func))
                continue
            if not args or args[0] is None or any(a is None for a in args):
                continue
            name = args[0]
            if name in PYTHON_MAGICS:
                body = args[-1] if node.func.attr == "run_cell_magic" else args[1]
                if node.func.attr == "run_cell_magic" and len(args) >= 3 and args[1].strip():
                    body = args[1] + "\n" + body
                findings += _scan_source(body, aliases, depth + 1)
                magic_calls.add(id(node.func.value.func))
            elif name in HARMLESS_MAGICS:
                magic_calls.add(id(node.func.value.func))
    # aliases: import … as x, x = checks, x = torch.Tensor, x = sys.modules[…]
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                mod = (node.module or "") if isinstance(node, ast.ImportFrom) else a.name
                top = mod.split(".")[0]
                bound = a.asname or (a.name if isinstance(node, ast.ImportFrom) else top)
                if top in PROTECTED_MODULES or a.name in PROTECTED_MODULES:
                    if a.asname or isinstance(node, ast.ImportFrom):
                        aliases.add(bound)
                if bound == "checks" and not (isinstance(node, ast.ImportFrom) and
                                              node.module == "autograder" and a.name == "checks"):
                    add(node, "이름 checks를 다른 모듈로 바꿈 (rebinding `checks`)")
        elif isinstance(node, ast.Assign) and _root_name(node.value) in aliases and \
                isinstance(node.value, (ast.Name, ast.Attribute, ast.Subscript)):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    aliases.add(t.id)
                    if _root_name(node.value) in ("checks", "autograder"):
                        add(node, f"검사 모듈의 별칭 (aliasing the checks module): {t.id}")
    for node in ast.walk(tree):
        # rebinding the name `checks`
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            targets = [node.target]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            targets = [node.optional_vars]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and \
                node.name == "checks":
            add(node, "이름 checks를 다시 정의 (rebinding `checks`)")
        elif isinstance(node, (ast.Global, ast.Nonlocal)) and "checks" in node.names:
            add(node, "global checks")
        elif isinstance(node, ast.NamedExpr):
            targets = [node.target]
        flat = []
        for t in targets:
            flat += list(t.elts) if isinstance(t, (ast.Tuple, ast.List)) else [t]
        for t in flat:
            if isinstance(t, ast.Name) and t.id == "checks":
                add(node, "이름 checks를 다시 정의 (rebinding `checks`)")
            elif isinstance(t, ast.Name) and t.id in ("get_ipython", "__builtins__", "print"):
                add(node, f"{t.id} 재정의 (rebinding {t.id})")
            elif isinstance(t, (ast.Attribute, ast.Subscript)):
                dotted = _dotted(t)
                if dotted and dotted.startswith(ALLOWED_WRITES):
                    continue
                root = _root_name(t)
                if root in aliases:
                    add(node, f"{ast.unparse(t)[:80]} = … (테스트가 쓰는 모듈을 바꿈, patching)")
                elif isinstance(t, ast.Attribute) and t.attr.startswith("__") and \
                        t.attr.endswith("__"):
                    add(node, f"{ast.unparse(t)[:80]} = … (특수 속성 변경, dunder write)")
                elif isinstance(t, ast.Subscript) and isinstance(t.value, ast.Call) and \
                        isinstance(t.value.func, ast.Name) and \
                        t.value.func.id in ("vars", "globals", "locals"):
                    add(node, f"{ast.unparse(t)[:80]} = … (namespace write)")
        if isinstance(node, ast.Call):
            fn = node.func
            if isinstance(fn, ast.Name) and fn.id in ("setattr", "delattr") and node.args:
                first = node.args[0]
                if _root_name(first) in aliases or not isinstance(first, ast.Name):
                    add(node, ast.unparse(node)[:80])
                elif isinstance(first, ast.Name) and first.id[:1].isupper():
                    add(node, ast.unparse(node)[:80])       # setattr(SomeClass, …)
            if isinstance(fn, ast.Attribute) and fn.attr in ("update", "setdefault", "__setitem__",
                                                             "pop", "clear", "__delitem__") and \
                    isinstance(fn.value, ast.Call) and isinstance(fn.value.func, ast.Name) and \
                    fn.value.func.id in ("vars", "globals", "locals"):
                add(node, ast.unparse(node)[:80])
        if isinstance(node, ast.Name) and node.id in SUSPICIOUS_NAMES and \
                isinstance(node.ctx, ast.Load) and id(node) not in magic_calls:
            add(node, SUSPICIOUS_NAMES[node.id])
        if isinstance(node, ast.Attribute) and node.attr in SUSPICIOUS_ATTRS:
            only = _MODULE_ONLY_ATTRS.get(node.attr)
            base = _root_name(node.value)
            if only is None or (base in only) or (not only and base is not None
                                                 and base not in ("self", "model")):
                if node.attr in ("__dict__", "__class__") and isinstance(node.ctx, ast.Load) \
                        and not isinstance(getattr(node, "_parent_write", None), bool):
                    # reading __class__/__dict__ is common (type names in messages)
                    if node.attr == "__class__":
                        continue
                add(node, f".{node.attr}")
    return findings


def scan_tampering(nb: nbformat.NotebookNode) -> list[str]:
    """Find student code that patches what the tests use or reaches into the kernel.

    Flagged (needs_manual, still graded): writes to ``checks``/``torch``/``numpy``/… and
    their aliases (``c = checks``), rebinding the name ``checks``, ``setattr``/``delattr``
    on them or on classes, ``type.__setattr__``, ``__code__``/``__globals__``/frames,
    ``sys.modules``, ``vars()``/``globals()`` writes, ``exec``/``eval``/``compile``,
    ``get_ipython`` (run_cell, input transformers, event hooks), ``In``/``_ih`` history,
    ``inspect.stack`` and similar. Cells are read through IPython's own input
    transformation, so ``%time`` lines parse and ``%%time`` bodies are scanned too. Not
    flagged: the course's own ``set_seed`` settings (``torch.backends.cudnn.deterministic``)
    and ordinary ``sys.stdout = …`` redirection. A cell too deep or too large to analyse is
    itself a finding. Only unlocked cells are read (locked cells are restored from the
    gradebook before grading).
    """
    findings = []
    for cell in nb.cells:
        if cell.cell_type != "code" or nbtools.nbgrader_meta(cell).get("locked"):
            continue
        try:
            found = _scan_source(cell.source, set(PROTECTED_MODULES))
        except (RecursionError, MemoryError, ValueError, OverflowError) as exc:
            found = [f"분석할 수 없는 코드 (code too deep or large to analyse: {type(exc).__name__})"]
        except Exception as exc:  # noqa: BLE001 - a scanner bug is a finding, not a crash
            found = [f"분석 오류 (scan failed: {type(exc).__name__})"]
        findings += found
    return findings

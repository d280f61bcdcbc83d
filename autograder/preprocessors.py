"""The course's grading steps, shaped as nbgrader preprocessors.

nbgrader autogrades in two passes: a sanitising pass (``ClearOutput``, ``DeduplicateIds``,
``OverwriteKernelspec``, ``OverwriteCells`` — which restores every locked cell from the
gradebook — ``CheckCellMetadata``) and an autograde pass (``Execute``, ``IgnorePattern``,
``ClearMetadataPreprocessor``, ``LimitOutput``, ``SaveAutoGrades``, …). The steps here go
into the autograde pass (:func:`autograde_preprocessors`); ``nbgrader_config.py`` selects
the same list, so plain ``nbgrader autograde`` grades exactly as the course pipeline does.

- :class:`InjectRunToken` (before execution) snapshots the modules the tests rely on
  before any student code runs (:mod:`autograder.kernel_guard`), gives each test cell a
  prologue that restores them and rebinds ``checks`` to a freshly reloaded module (patched,
  rewritten or replaced checks do not survive into a test), and an epilogue that publishes
  a random per-run token. It also records what the notebook's folder holds.
- :class:`BudgetExecute` is nbgrader's ``Execute`` with outputs capped *as they arrive*
  (stream text, rich data, error ``evalue`` and traceback), so megabytes printed anywhere —
  inside hidden tests too — never pile up in the grader; and with a wall-clock budget per
  submission: once spent, the remaining cells are not run (they fail with
  ``SubmissionTimeoutError``) and the parts already graded keep their points.
- :class:`VerifyRunToken` removes the injected lines and tokens again; a test cell whose
  token did not arrive and that shows no error did not run to completion (its runner was
  replaced, its output swallowed, …) and gets an error output: 0 points.
- :class:`StderrToStdout` turns stderr in graded cells (logging, tqdm, ``print(...,
  file=sys.stderr)``) into stdout: nbgrader would score any stderr as a failure.
- :class:`RedactHiddenOutput` replaces any output that contains a line of a hidden test
  (printed from ``In[]``, ``_ih``, the history or a stack frame) before anything is saved.
- :class:`CleanScratch` deletes whatever the kernel created next to the notebook (files,
  folders, symlinks — never followed), so nothing of it reaches ``autograded/`` or feedback.
"""

from __future__ import annotations

import ast
import os
import re
import secrets
import shutil
import time

from nbformat.notebooknode import NotebookNode

from . import nbtools

TOKEN_MIME = "application/vnd.dlcourse.run+json"
MAX_OUTPUT_CHARS = 20_000        # one output (stream text or one rich value)
MAX_CELL_CHARS = 100_000         # all outputs of one cell
MAX_EVALUE_CHARS = 2_000
MAX_TRACEBACK_CHARS = 20_000
TRUNCATED = "\n... 출력이 너무 길어 잘렸습니다 (output truncated) ...\n"
REDACTED = "[출력 삭제: 숨겨진 테스트 내용이 들어 있습니다 (output redacted: it contains hidden-test source)]\n"
SNAPSHOT = "import autograder.kernel_guard as __dlc_guard; __dlc_guard.snapshot()  # dlcourse-run"
PROLOGUE = ("import autograder.kernel_guard as __dlc_guard; checks = __dlc_guard.restore()"
            "  # dlcourse-run")
EPILOGUE = ("__import__('IPython').display.publish_display_data("
            "{{'{mime}': {{'token': '{token}'}}}})  # dlcourse-run")
HIDDEN_BLOCK_RE = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.S)
MIN_HIDDEN_LINE = 12


def _pp_base():
    from nbgrader.preprocessors import NbGraderPreprocessor
    return NbGraderPreprocessor


def _is_graded_test(cell) -> bool:
    m = nbtools.nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


def _insert_epilogue(source: str, epilogue: str) -> str:
    """Append the epilogue; before a final expression (a partial-credit value) if any."""
    lines = source.rstrip("\n").split("\n")
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        tree = ast.parse(TransformerManager().transform_cell(source))
        last = tree.body[-1] if tree.body else None
    except Exception:  # noqa: BLE001 - unparsable: the cell fails by itself
        last = None
    if isinstance(last, ast.Expr) and not (isinstance(last.value, ast.Constant)
                                           and isinstance(last.value.value, str)) \
            and "get_ipython" not in ast.unparse(last.value)[:40]:
        k = last.lineno - 1
        indent = re.match(r"\s*", lines[k]).group(0)
        if not indent:
            return "\n".join(lines[:k] + [epilogue] + lines[k:])
    return "\n".join(lines + [epilogue])


def hidden_lines(nb) -> list[str]:
    """Stripped lines of every hidden-test block that appear nowhere visible in the notebook."""
    out = set()
    visible = "\n".join(HIDDEN_BLOCK_RE.sub("", c.source) for c in nb.cells)
    visible_lines = {line.strip() for line in visible.splitlines()}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for block in HIDDEN_BLOCK_RE.findall(cell.source):
            for line in block.splitlines():
                line = line.strip()
                if line in visible_lines or line in visible:   # also visible: no secret
                    continue
                if len(line) >= MIN_HIDDEN_LINE and not line.startswith("#") and \
                        re.search(r"[A-Za-z0-9가-힣]{3}", line):
                    out.add(line)
    return sorted(out, key=len, reverse=True)


def _variants(text: str) -> list[str]:
    """``text`` and the same with repr-escapes undone (``print(In)`` prints reprs)."""
    un = text.replace("\\n", "\n").replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")
    return [text, un] if un != text else [text]


_SQUASH = re.compile(r"[ \t]+")


def contains_hidden(text: str, lines: list[str]) -> bool:
    """Does ``text`` (or its repr-unescaped form) contain one of the hidden ``lines``?"""
    if not text or not lines:
        return False
    squashed_lines = _squashed(tuple(lines))
    for variant in _variants(text):
        squashed = _SQUASH.sub(" ", variant)
        if any(line in squashed for line in squashed_lines):
            return True
    return False


_SQUASHED_CACHE: dict = {}


def _squashed(lines: tuple) -> tuple:
    if lines not in _SQUASHED_CACHE:
        _SQUASHED_CACHE.clear()
        _SQUASHED_CACHE[lines] = tuple(dict.fromkeys(_SQUASH.sub(" ", x) for x in lines))
    return _SQUASHED_CACHE[lines]


def output_text(out) -> str:
    parts = []
    if out.get("output_type") == "stream":
        parts.append(str(out.get("text", "")))
    elif out.get("output_type") == "error":
        parts += [str(out.get("evalue", "")), *map(str, out.get("traceback", []) or [])]
    for value in (out.get("data") or {}).values():
        parts.append(value if isinstance(value, str) else str(value))
    return "\n".join(parts)


def cap_output(out, budget: int):
    """Cap one output (NotebookNode) in place to ``budget`` characters; return its size."""
    budget = max(0, min(budget, MAX_OUTPUT_CHARS))
    kind = out.get("output_type")
    if kind == "stream":
        text = out.get("text", "")
        if len(text) > budget:
            out["text"] = text[:budget] + TRUNCATED
        return len(out["text"])
    if kind == "error":
        ev = str(out.get("evalue", ""))
        if len(ev) > MAX_EVALUE_CHARS:
            out["evalue"] = ev[:MAX_EVALUE_CHARS] + TRUNCATED
        tb, size = [], 0
        for line in out.get("traceback", []) or []:
            line = str(line)
            if size + len(line) > MAX_TRACEBACK_CHARS:
                tb.append(TRUNCATED)
                break
            tb.append(line)
            size += len(line)
        out["traceback"] = tb
        return len(out["evalue"]) + size
    size = 0
    data = out.get("data") or {}
    for mime in list(data):
        value = data[mime]
        n = len(value) if isinstance(value, str) else len(str(value))
        if n > budget:
            if mime == "text/plain":
                data[mime] = str(value)[:budget] + TRUNCATED
                n = len(data[mime])
            else:
                del data[mime]
                n = 0
        size += n
    if data is not None and "data" in out and not data:
        out["data"] = {"text/plain": TRUNCATED}
    return size


def _scratch_listing(path: str | None) -> dict[str, bool] | None:
    if not path or not os.path.isdir(path):
        return None
    with os.scandir(path) as it:
        return {e.name: e.is_symlink() for e in it}


def clean_folder(path: str, keep: dict[str, bool]) -> list[str]:
    """Delete entries of ``path`` not in ``keep`` and every symlink (never followed)."""
    removed = []
    with os.scandir(path) as it:
        entries = list(it)
    for e in entries:
        if not e.is_symlink() and e.name in keep and not keep[e.name]:
            continue          # was there before the kernel started (and is no link)
        full = os.path.join(path, e.name)
        try:
            if e.is_dir(follow_symlinks=False):
                shutil.rmtree(full)
            else:
                os.unlink(full)
            removed.append(e.name)
        except OSError:
            pass
    return removed


def autograde_preprocessors() -> list:
    """nbgrader's autograde pass with the course's steps (see the module docstring)."""
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import Execute, IgnorePattern, LimitOutput
    classes = make_classes()
    out = []
    for pp in Autograde.class_traits()["autograde_preprocessors"].default():
        if pp is Execute:
            out += [classes["InjectRunToken"], classes["BudgetExecute"],
                    classes["VerifyRunToken"], classes["CleanScratch"]]
        elif pp is IgnorePattern:
            out += [pp, classes["StderrToStdout"], classes["RedactHiddenOutput"]]
        elif pp is LimitOutput:
            out.append(classes["LimitOutputSize"])
        else:
            out.append(pp)
    return out


_CLASSES: dict = {}


def make_classes() -> dict:
    """The preprocessor classes (built on first use: importing nbgrader is slow)."""
    if _CLASSES:
        return _CLASSES
    from nbclient.util import run_sync
    from traitlets import Integer
    from nbgrader.preprocessors import Execute, LimitOutput
    Base = _pp_base()

    class InjectRunToken(Base):
        """Prologue (fresh ``checks``) and run-token epilogue in every graded test cell."""

        def preprocess(self, nb, resources):
            state = resources.setdefault("dlcourse", {})
            state["tokens"], state["sources"] = {}, {}
            state["hidden"] = hidden_lines(nb)
            state["listing"] = _scratch_listing(
                (resources.get("metadata") or {}).get("path"))
            first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), None)
            for i, cell in enumerate(nb.cells):
                if i == first:
                    state["sources"][i] = cell.source
                    cell.source = SNAPSHOT + "\n" + cell.source
                if not _is_graded_test(cell):
                    continue
                token = secrets.token_hex(16)
                state["tokens"][i] = token
                state["sources"].setdefault(i, cell.source)
                body = _insert_epilogue(state["sources"][i], EPILOGUE.format(mime=TOKEN_MIME, token=token))
                cell.source = (SNAPSHOT + "\n" if i == first else "") + PROLOGUE + "\n" + body
            return nb, resources

    class BudgetExecute(Execute):
        """``Execute`` with outputs capped on arrival and a per-submission time budget."""

        #: monotonic time after which no further cell starts (set by the grading worker)
        deadline: float | None = None
        #: the budget is still being measured (:func:`grading.resolve_pending_budget`;
        #: ``start``: when the notebook's budget began), or None
        pending: dict | None = None
        # nbclient waits 4 s for a cell's last output after its reply, then fails the
        # whole notebook: far too short on a loaded 2-core grading machine
        iopub_timeout = Integer(30, allow_none=True).tag(config=True)

        #: the grading worker's spare kernels (:mod:`autograder.warm`), or None
        warm = None
        #: whether the worker expects another notebook after this one (start a spare)
        warm_next = False

        #: where the last notebook's time went (the grading worker logs it)
        timing: dict = {}

        def preprocess(self, nb, resources=None, km=None):
            self._dlc_sizes = {}
            self._dlc_full = set()
            warm = type(self).warm
            adopted = None
            t0 = t1 = t2 = time.monotonic()
            if warm is not None and km is None:
                path = ((resources or {}).get("metadata") or {}).get("path")
                adopted = km = warm.take(path)
                t1 = time.monotonic()
                if adopted is None:
                    # time spent waiting for a spare that was then not used is the
                    # grader's, not the submission's
                    if type(self).deadline is not None:
                        type(self).deadline += time.monotonic() - t0
                    if type(self).pending is not None:
                        type(self).pending["start"] += time.monotonic() - t0
                if type(self).warm_next:
                    warm.start_spare()    # the next kernel starts while this notebook runs
                t2 = time.monotonic()
            try:
                return super().preprocess(nb, resources, km)
            finally:
                t3 = time.monotonic()
                if adopted is not None:   # nbclient leaves a kernel it did not start running
                    self._cleanup_kernel()
                type(self).timing = {"wait_for_spare": t1 - t0, "start_next": t2 - t1,
                                     "execute": t3 - t2, "stop": time.monotonic() - t3,
                                     "cells": nbtools.cell_seconds(nb), "warm": bool(adopted)}

        async def _async_cleanup_kernel(self):
            """Stop the kernel at once (no graceful shutdown: see :func:`warm.stop_kernel`)."""
            from .warm import stop_kernel
            if self.km is None:
                return
            warm = type(self).warm
            if warm is None or not await warm.retire(self.km, getattr(self, "kc", None)):
                await stop_kernel(self.km, getattr(self, "kc", None))
            self.kc = None
            self.km = None

        _cleanup_kernel = run_sync(_async_cleanup_kernel)

        async def async_execute_cell(self, cell, cell_index, execution_count=None,
                                     store_history=True):
            pending = type(self).pending
            if pending is not None:      # is the reference solution's measurement there?
                from .grading import resolve_pending_budget
                budget = resolve_pending_budget(pending)
                if budget is not None:
                    type(self).deadline, type(self).pending = pending["start"] + budget, None
            limit = type(self).deadline
            if limit is not None and cell.cell_type == "code" and cell.source.strip() \
                    and time.monotonic() > limit:
                cell.outputs = [NotebookNode(
                    output_type="error", ename="SubmissionTimeoutError",
                    evalue=("노트북 전체 실행 시간 예산을 다 써서 이 셀은 실행하지 않았습니다 "
                            "(submission wall-clock budget spent; cell not run)."),
                    traceback=[])]
                return cell
            return await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)

        execute_cell = run_sync(async_execute_cell)

        def output(self, outs, msg, display_id, cell_index):
            sizes = getattr(self, "_dlc_sizes", None)
            if sizes is None:
                self._dlc_sizes, self._dlc_full, sizes = {}, set(), {}
            used = sizes.get(cell_index, 0)
            # the run token first: a cell whose outputs are already capped must still
            # count as completed (the kernel splits a long print into many stream
            # messages when it is busy, and those alone can fill the cell)
            content = msg.get("content") or {}
            if msg["msg_type"] == "display_data" and TOKEN_MIME in (content.get("data") or {}):
                return super().output(outs, msg, display_id, cell_index)
            if cell_index in self._dlc_full and msg["msg_type"] in ("stream", "display_data",
                                                                   "execute_result"):
                return None
            out = super().output(outs, msg, display_id, cell_index)
            if out is None:
                return None
            room = MAX_CELL_CHARS - used
            size = cap_output(out, room)
            sizes[cell_index] = used + size
            if sizes[cell_index] >= MAX_CELL_CHARS and out.get("output_type") != "error":
                self._dlc_full.add(cell_index)
                if out.get("output_type") == "stream":
                    out["text"] = out.get("text", "") + TRUNCATED
            # stream messages are merged only at the end of the cell: merge as they come
            if out.get("output_type") == "stream" and len(outs) >= 2:
                prev = outs[-2]
                if prev.get("output_type") == "stream" and prev.get("name") == out.get("name"):
                    prev["text"] = prev.get("text", "") + out["text"]
                    outs.pop()
                    return prev
            return out

    class VerifyRunToken(Base):
        """Every graded test cell must have published its run token (see module doc)."""

        def preprocess(self, nb, resources):
            state = resources.get("dlcourse") or {}
            tokens, sources = state.get("tokens", {}), state.get("sources", {})
            for i, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                seen = set()
                kept = []
                for out in cell.get("outputs", []):
                    data = out.get("data") or {}
                    if TOKEN_MIME in data:
                        value = data[TOKEN_MIME]
                        if isinstance(value, dict):
                            seen.add(str(value.get("token")))
                        continue
                    kept.append(out)
                cell.outputs = kept
                if i in sources:
                    cell.source = sources[i]
                if i not in tokens:
                    continue
                has_error = any(o.get("output_type") == "error" for o in kept)
                if tokens[i] not in seen and not has_error:
                    cell.outputs.append(NotebookNode(
                        output_type="error", ename="TestNotCompletedError",
                        evalue=("[검사 실패] 테스트 셀이 끝까지 실행되지 않았습니다 (the test cell did "
                                "not run to completion): 셀 실행 방식이나 출력을 바꾸는 코드를 지우세요."),
                        traceback=[]))
            return nb, resources

    class CleanScratch(Base):
        """Remove what the kernel created next to the notebook; symlinks always."""

        def preprocess(self, nb, resources):
            state = resources.get("dlcourse") or {}
            path = (resources.get("metadata") or {}).get("path")
            keep = state.get("listing")
            if path and keep is not None and os.path.isdir(path) and not os.path.islink(path):
                removed = clean_folder(path, keep)
                if removed:
                    state["removed"] = removed
                    self.log.warning("removed %d files the kernel created", len(removed))
            return nb, resources

    class StderrToStdout(Base):
        """stderr in graded cells becomes stdout: only errors fail a test."""

        def preprocess_cell(self, cell, resources, cell_index):
            if cell.cell_type == "code" and nbtools.nbgrader_meta(cell).get("grade"):
                for out in cell.get("outputs", []):
                    if out.get("output_type") == "stream" and out.get("name") == "stderr":
                        out["name"] = "stdout"
            return cell, resources

    class RedactHiddenOutput(Base):
        """Replace every output that contains a hidden-test line."""

        def preprocess(self, nb, resources):
            lines = (resources.get("dlcourse") or {}).get("hidden") or hidden_lines(nb)
            redact_notebook(nb, lines)
            return nb, resources

    class LimitOutputSize(LimitOutput):
        """nbgrader's LimitOutput (lines) plus a character cap on every output."""

        def preprocess_cell(self, cell, resources, cell_index):
            cell, resources = super().preprocess_cell(cell, resources, cell_index)
            if cell.cell_type == "code":
                for out in cell.outputs:
                    cap_output(out, MAX_OUTPUT_CHARS)
            return cell, resources

    for cls in (InjectRunToken, BudgetExecute, VerifyRunToken, CleanScratch, StderrToStdout,
                RedactHiddenOutput, LimitOutputSize):
        cls.__module__ = __name__
        _CLASSES[cls.__name__] = cls
        globals()[cls.__name__] = cls
    return _CLASSES


def redact_notebook(nb, lines: list[str], keep_test_tracebacks: bool = True) -> int:
    """Replace outputs that contain a hidden line; return how many were replaced."""
    n = 0
    if not lines:
        return 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        is_test = _is_graded_test(cell)
        new = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                if contains_hidden(str(out.get("evalue", "")), lines):
                    out["evalue"] = REDACTED.strip()
                    n += 1
                if not (is_test and keep_test_tracebacks) and \
                        contains_hidden("\n".join(map(str, out.get("traceback", []))), lines):
                    out["traceback"] = []
                    n += 1
                new.append(out)
            elif contains_hidden(output_text(out), lines):
                new.append(NotebookNode(output_type="stream", name="stdout", text=REDACTED))
                n += 1
            else:
                new.append(out)
        cell.outputs = new
    return n


def __getattr__(name):       # the classes by name, e.g. for nbgrader_config.py
    classes = make_classes()
    if name in classes:
        return classes[name]
    raise AttributeError(name)

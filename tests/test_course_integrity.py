"""Course integrity: nbgrader metadata, points, outputs, generated files up to date."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from autograder import checkpoints, nbtools, pipeline
from conftest import ASSIGNMENTS, REPO

pytestmark = pytest.mark.skipif(not ASSIGNMENTS, reason="no assignment in source/")


def _source(a):
    return nbtools.read(REPO / "source" / a / f"{a}.ipynb")


def test_every_week_is_present_in_all_generated_folders():
    for a in ASSIGNMENTS:
        for kind in ("source", "release", "solutions"):
            assert (REPO / kind / a / f"{a}.ipynb").exists(), f"{kind}/{a} missing: run make generate"


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_nbgrader_metadata_is_valid(a):
    from nbgrader.nbgraderformat import MetadataValidator
    nb = _source(a)
    nbformat.validate(nb)
    MetadataValidator().validate_nb(nb)
    ids = [nbtools.grade_id(c) for c in nb.cells if nbtools.grade_id(c)]
    dupes = {i for i in ids if ids.count(i) > 1}
    assert not dupes, f"duplicated grade_id {dupes}: nbgrader would abort the whole autograde run"
    assert all(re.fullmatch(r"[a-z0-9_]+", i) for i in ids), ids


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_points_sum_to_100_and_cells_follow_the_anatomy(a):
    nb = _source(a)
    tests = [c for c in nb.cells if nbtools.is_test(c)]
    answers = [c for c in nb.cells if nbtools.is_answer(c)]
    assert sum(nbtools.points(c) for c in tests) == 100
    assert answers and tests
    first = nb.cells[0]
    assert first.cell_type == "markdown" and nbtools.nbgrader_meta(first).get("locked")
    assert "@@COLAB_URL:" + a + "@@" in first.source, "title cell needs the Colab badge token"
    setup = nb.cells[1]
    assert setup.cell_type == "code" and nbtools.nbgrader_meta(setup).get("locked")
    assert "google.colab" in setup.source and "@@VERSION@@" in setup.source
    assert "install" in setup.source and "torch==" not in setup.source, \
        "the Colab setup cell must never reinstall torch"
    for c in answers:
        assert "### BEGIN SOLUTION" in c.source and "### END SOLUTION" in c.source
    for c in tests:
        gid = nbtools.grade_id(c)
        assert c.source.lstrip().startswith('"""'), f"{gid}: open with a one-line docstring"
        assert "### BEGIN HIDDEN TESTS" in c.source and "### END HIDDEN TESTS" in c.source, \
            f"{gid}: every test cell checks generalisation with hidden tests"
        assert nbtools.points(c) > 0
        assert not re.search(r"^\s*assert\s", c.source, re.M), \
            f"{gid}: use autograder.checks helpers, not bare asserts"
    for c in nb.cells:
        assert "!pip" not in c.source and not c.source.lstrip().startswith("%"), \
            "no IPython magics in graded notebooks (they run in-process in the tests)"


@pytest.mark.parametrize("kind", ["source", "notebooks", "release"])
def test_committed_notebooks_have_no_outputs(kind):
    paths = sorted((REPO / kind).rglob("*.ipynb"))
    assert paths
    for p in paths:
        nb = nbtools.read(p)
        for c in nb.cells:
            if c.cell_type == "code":
                assert not c.outputs and c.execution_count is None, f"{p} has outputs"


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_release_has_no_solution_or_hidden_test(a):
    text = (REPO / "release" / a / f"{a}.ipynb").read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
                   "@@REPOSITORY@@", "@@VERSION@@", "@@COLAB_URL"):
        assert marker not in text, f"release/{a} contains {marker!r}"
    nb = nbtools.read(REPO / "release" / a / f"{a}.ipynb")
    src = _source(a)
    for rel_cell, src_cell in zip(nb.cells, src.cells):
        if nbtools.is_answer(src_cell):
            assert "raise NotImplementedError()" in rel_cell.source
            assert "여기에 코드를 작성하세요" in rel_cell.source
    # the hidden blocks are gone but every hidden reference line too
    hidden = [line.strip() for c in src.cells if nbtools.is_test(c)
              for line in re.findall(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", c.source, re.S)[0].splitlines()
              if len(line.strip()) > 25]
    leaked = [h for h in hidden if h in text.replace("\\n", "\n")]
    assert not leaked, f"hidden test lines leaked into release/{a}: {leaked[:3]}"


def _first_diff(a: str, b: str) -> str:
    for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())):
        if x != y:
            return f"line {i}: committed {x[:120]!r} vs regenerated {y[:120]!r}"
    return "length differs"


def test_release_is_up_to_date(tmp_path):
    pipeline.release(ASSIGNMENTS, tmp_path)
    for a in ASSIGNMENTS:
        fresh = nbtools.canonical(nbtools.read(tmp_path / a / f"{a}.ipynb"))
        committed = nbtools.canonical(nbtools.read(REPO / "release" / a / f"{a}.ipynb"))
        assert fresh == committed, f"release/{a} is stale — run `make release`: " + \
            _first_diff(committed, fresh)


def test_solutions_are_up_to_date_and_executed(tmp_path):
    pipeline.solutions(ASSIGNMENTS, tmp_path, execute=False)
    for a in ASSIGNMENTS:
        path = REPO / "solutions" / a / f"{a}.ipynb"
        committed_nb = nbtools.read(path)
        fresh = nbtools.canonical(nbtools.read(tmp_path / a / f"{a}.ipynb"))
        committed = nbtools.canonical(committed_nb)
        assert fresh == committed, f"solutions/{a} is stale — run `make solutions`: " + \
            _first_diff(committed, fresh)
        code = [c for c in committed_nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), f"solutions/{a} is not executed"
        errors = [o for c in code for o in c.outputs if o.output_type == "error"]
        assert not errors, f"solutions/{a} has errors: {errors[0].get('ename')}"
        assert "BEGIN HIDDEN TESTS" not in path.read_text(encoding="utf-8")


def test_checkpoints_doc_is_up_to_date():
    committed = (REPO / "docs" / "CHECKPOINTS.md").read_text(encoding="utf-8")
    assert committed == checkpoints.render(REPO), "docs/CHECKPOINTS.md is stale — run `make checkpoints`"


def test_checkpoints_cover_every_topic_of_the_released_weeks():
    lectures, graded, unknown = checkpoints.collect(REPO)
    assert not unknown
    week_topics = {"week01_tensors": ["파이토치 텐서", "머신러닝 학습 절차", "머신러닝 학습 유형"],
                   "week02_dnn": ["심층신경망", "뉴런(퍼셉트론)", "손실함수", "최적화도구(optimizer)",
                                  "데이터로더", "DNN 모델 구성", "DNN 모델링", "과적합", "배치정규화"]}
    for a in ASSIGNMENTS:
        for topic in week_topics.get(a, []):
            assert lectures[topic], f"{topic}: no lecture section tagged"
            assert any(a in g for g in graded[topic]), f"{topic}: no graded cell in {a}"
    text = checkpoints.render(REPO)
    if any(not lectures[t] and not graded[t] for t in checkpoints.TOPICS):
        assert checkpoints.NOT_COVERED in text  # later weeks are listed as such


# ============================================================================================
# Anatomy v2 (docs/AUTHORING.md): every rule is a function ``rule(nb, assignment) -> [problems]``
# run on every week of source/, and proven able to fail on a synthetic v1-style notebook.
# ============================================================================================

import ast  # noqa: E402
import inspect  # noqa: E402

from autograder import checks as _checks  # noqa: E402

HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.S)
QUIZ_HELPERS = {"check_answer", "check_sequence_answer", "check_choice", "check_choices"}
VALUE_CHECKS = {"check_close", "check_equal", "check_true", "check_false", "check_at_least",
                "check_at_most", "check_param_count", "check_trainable_count",
                "check_accuracy_at_least", "check_answer_format"} | QUIZ_HELPERS
#: checks.* helpers that return None: allowed as a test cell's last statement.
NONE_RETURNING = {n for n, f in vars(_checks).items()
                  if (n.startswith("check_") or n == "record_metric") and callable(f)
                  and inspect.signature(f).return_annotation in (None, "None")}
QUIZ_NAME = re.compile(r"^q\d+(_|$)")
#: check_type against one of these proves nothing about the answer (any model is a Module)
GENERIC_TYPE = re.compile(r"^(nn\.Module|torch\.nn\.Module|torch\.Tensor|Tensor|np\.ndarray|object|"
                          r"\(?\s*(int|float)\s*(,\s*(int|float)\s*)?\)?)$")
#: ``# depends on: answer_x, answer_y`` in an end-to-end test cell (training to a threshold)
DEPENDS_ON = re.compile(r"^#\s*depends on:(.*)$", re.M)


def _parse(src: str):
    try:
        return ast.parse(src)
    except SyntaxError:
        return None


def _visible(src: str) -> str:
    return nbtools.remove_hidden_tests(src)


def _hidden(src: str) -> str:
    return "\n".join(HIDDEN_BLOCK.findall(src))


def _calls(tree) -> list[tuple[str, ast.Call]]:
    """(function name, call) for every call; ``checks.check_x(...)`` is named ``check_x``."""
    out = []
    for node in ast.walk(tree) if tree is not None else []:
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            out.append((name, node))
    return out


def _defined(tree) -> set[str]:
    """Top-level names a cell defines (functions, classes, assignments), imports excluded."""
    names: set[str] = set()
    for node in tree.body if tree is not None else []:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
                names.add(sub.id)
    return names


def _stored_anywhere(tree) -> set[str]:
    names = set()
    for n in ast.walk(tree) if tree is not None else []:
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            names.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.arg)):
            names.add(getattr(n, "name", None) or n.arg)
    return names


def _read(tree) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} \
        if tree is not None else set()


def _label(nb, i: int) -> str:
    return nbtools.grade_id(nb.cells[i]) or f"cell {i}"


def _code(nb):
    return [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def _is_quiz_test(cell) -> bool:
    names = {n for n, _ in _calls(_parse(cell.source))}
    return bool(names & (QUIZ_HELPERS | {"check_answer_format"}))


def rule_title_cell(nb, a):
    first = nb.cells[0] if nb.cells else None
    if first is None or first.cell_type != "markdown":
        return ["the first cell must be the markdown title cell"]
    text, out = first.source, []
    if not nbtools.nbgrader_meta(first).get("locked"):
        out.append("title cell must be read-only (nbgrader locked)")
    if "이 노트북을 마치면" not in text or "수 있습니다" not in text:
        out.append("title cell: learning goals '이 노트북을 마치면 … 할 수 있습니다'")
    if "소요 시간" not in text:
        out.append("title cell: time estimate '예상 소요 시간'")
    if f"@@COLAB_URL:{a}@@" not in text:
        out.append(f"title cell: Colab badge token @@COLAB_URL:{a}@@")
    if "체크포인트" not in text or not re.search(r"p\.\s?\d+|\d+\s?쪽", text):
        out.append("title cell: the checkpoints covered with the slide pages (e.g. '34–35쪽')")
    return out


def rule_summary_cell(nb, a):
    last = nb.cells[-1] if nb.cells else None
    if last is None or last.cell_type != "markdown":
        return ["the last cell must be the markdown summary cell"]
    out = []
    if not re.search(r"정리|요약", last.source):
        out.append("summary cell: a '## 정리' summary mirroring the goals")
    if "다음" not in last.source:
        out.append("summary cell: what comes next ('다음 주' …)")
    if not re.search(r"Restart|다시 시작", last.source):
        out.append("summary cell: the 'Restart & Run All' reminder")
    return out


def rule_try_cell_after_each_answer(nb, a):
    out = []
    code = _code(nb)
    for pos, (i, c) in enumerate(code):
        if not nbtools.is_answer(c):
            continue
        following = []
        for j, d in code[pos + 1:]:
            if nbtools.is_answer(d):
                break
            following.append((j, d))
        tests = [j for j, d in following if nbtools.is_test(d)]
        if not tests:
            out.append(f"{_label(nb, i)}: no graded test cell follows this answer cell")
            continue
        if all(_is_quiz_test(nb.cells[j]) for j in tests):
            continue  # quiz answers need no try cell
        tries = [j for j, d in following if j < tests[0] and not nbtools.nbgrader_meta(d).get("grade")
                 and not nbtools.nbgrader_meta(d).get("solution")]
        if not tries:
            out.append(f"{_label(nb, i)}: add a try cell (ungraded code cell) between the answer "
                       f"cell and its test cell {_label(nb, tests[0])}")
    return out


def rule_one_concept_per_test_cell(nb, a):
    out = []
    setup_names = _defined(_parse(nb.cells[1].source)) if len(nb.cells) > 1 else set()
    owner: dict[str, int] = {}
    callables: set[str] = set()
    for i, c in _code(nb):
        if nbtools.is_answer(c):
            tree = _parse(c.source)
            for name in _defined(tree) - setup_names:
                owner[name] = i
            callables |= {n.name for n in (tree.body if tree else [])
                          if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        elif nbtools.is_test(c):
            tree = _parse(c.source)
            if tree is None:
                out.append(f"{_label(nb, i)}: syntax error")
                continue
            used = _read(tree) - _stored_anywhere(tree)
            cells = {owner[n] for n in used if n in owner}
            declared = set(re.findall(r"answer_\w+", " ".join(DEPENDS_ON.findall(c.source))))
            if declared:  # an end-to-end test that says which answer cells it combines
                actual = {nbtools.grade_id(nb.cells[k]) for k in cells}
                if actual - declared:
                    out.append(f"{_label(nb, i)}: uses answer cells {sorted(actual - declared)} not "
                               "listed in its '# depends on:' line")
                continue
            if len(cells) > 1:
                names = sorted(n for n in used if n in owner)
                out.append(f"{_label(nb, i)}: uses names of {len(cells)} answer cells "
                           f"({', '.join(_label(nb, k) for k in sorted(cells))}: {names}); "
                           "one concept per test cell (build inputs with reference code, or, for "
                           "an end-to-end test, list them: '# depends on: answer_a, answer_b')")
            funcs = sorted(n for n in used if n in owner and n in callables)
            if len(cells) <= 1 and len(funcs) > 1:
                out.append(f"{_label(nb, i)}: tests {len(funcs)} functions/classes {funcs} in one "
                           "cell; give each its own test cell (one concept per test cell)")
            quiz = sorted({n.split("_")[0] for n in used if QUIZ_NAME.match(n)})
            if len(quiz) > 1:
                out.append(f"{_label(nb, i)}: checks {len(quiz)} quiz questions {quiz}; "
                           "one graded cell per question")
    return out


def rule_test_cell_docstring(nb, a):
    out = []
    for i, c in _code(nb):
        if not nbtools.is_test(c):
            continue
        tree = _parse(c.source)
        first = tree.body[0] if tree is not None and tree.body else None
        doc = first.value.value if isinstance(first, ast.Expr) and isinstance(
            getattr(first, "value", None), ast.Constant) and isinstance(first.value.value, str) else None
        if doc is None:
            out.append(f"{_label(nb, i)}: open the test cell with a docstring \"\"\"Check that …\"\"\"")
        elif "\n" in doc.strip():
            out.append(f"{_label(nb, i)}: the docstring is one line: {doc[:60]!r}")
        elif not doc.strip().startswith(("Check", "Evaluate")):
            out.append(f"{_label(nb, i)}: the docstring says what is checked: \"\"\"Check that …\"\"\" "
                       f"(or \"\"\"Evaluate …\"\"\" for a held-out score): {doc[:60]!r}")
    return out


def _last_has_value(tree) -> str | None:
    if tree is None or not tree.body:
        return "empty cell"
    last = tree.body[-1]
    if not isinstance(last, ast.Expr):
        return None
    v = last.value
    if isinstance(v, ast.Call):
        f = v.func
        if isinstance(f, ast.Name) and f.id in ({"print"} | NONE_RETURNING):
            return None
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and \
                f.value.id == "checks" and f.attr in NONE_RETURNING:
            return None
    return ast.unparse(v)[:60]


def rule_test_cell_ends_without_value(nb, a):
    out = []
    for i, c in _code(nb):
        if not nbtools.is_test(c):
            continue
        for part, src in (("", c.source), (" (visible part)", _visible(c.source))):
            bad = _last_has_value(_parse(src))
            if bad:
                out.append(f"{_label(nb, i)}{part}: the last statement `{bad}` leaves a value "
                           "(nbgrader would take a number as the score); end with print(...) or "
                           "a checks.* call")
                break
    return out


def rule_hidden_and_visible_checks(nb, a):
    out = []
    for i, c in _code(nb):
        if not nbtools.is_test(c):
            continue
        if "### BEGIN HIDDEN TESTS" not in c.source or "### END HIDDEN TESTS" not in c.source:
            out.append(f"{_label(nb, i)}: no hidden block (### BEGIN/END HIDDEN TESTS)")
        visible_calls = _calls(_parse(_visible(c.source)))
        visible = {n for n, _ in visible_calls}
        specific_type = any(n == "check_type" and len(call.args) > 1
                            and not GENERIC_TYPE.search(ast.unparse(call.args[1]))
                            for n, call in visible_calls)
        quiz = any(QUIZ_NAME.match(n) for n in _read(_parse(c.source)))
        if not (visible & (VALUE_CHECKS | {"check_dtype"}) or specific_type
                or (quiz and "check_type" in visible)):
            out.append(f"{_label(nb, i)}: the visible part checks no value (only type/shape?): "
                       f"call one of {sorted(VALUE_CHECKS - QUIZ_HELPERS)}, check_dtype, or "
                       "check_type with the specific class asked for")
        if not _parse(_hidden(c.source)) or not _parse(_hidden(c.source)).body:
            out.append(f"{_label(nb, i)}: the hidden block is empty")
        if re.search(r"^\s*assert\s", c.source, re.M):
            out.append(f"{_label(nb, i)}: bare assert; use autograder.checks helpers")
        if re.search(r"sys\.stderr|warnings\.warn|logging\.", c.source):
            out.append(f"{_label(nb, i)}: a test cell never writes to stderr (nbgrader scores it 0)")
    return out


def _str_consts(node) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def rule_quiz_one_question_hidden_answers(nb, a):
    out = []
    for i, c in _code(nb):
        if not nbtools.is_test(c):
            continue
        hidden_calls = [(n, call) for n, call in _calls(_parse(_hidden(c.source))) if n in QUIZ_HELPERS]
        visible_src = _visible(c.source)
        visible_calls = [n for n, _ in _calls(_parse(visible_src)) if n in QUIZ_HELPERS]
        if len(hidden_calls) > 1:
            out.append(f"{_label(nb, i)}: {len(hidden_calls)} quiz checks in one cell; "
                       "one graded cell per question")
        if visible_calls:
            out.append(f"{_label(nb, i)}: {visible_calls[0]} in the visible part reveals the "
                       "accepted answers; call check_answer_format there")
        for _, call in hidden_calls:
            accepted = call.args[1] if len(call.args) > 1 else next(
                (k.value for k in call.keywords if k.arg in ("accepted", "expected")), None)
            for s in _str_consts(accepted) if accepted is not None else []:
                if len(s.strip()) >= 2 and s.strip().casefold() in visible_src.casefold():
                    out.append(f"{_label(nb, i)}: the accepted answer {s!r} appears in the visible part")
    return out


def rule_no_exact_string_comparison(nb, a):
    out = []
    for i, c in _code(nb):
        if not nbtools.is_test(c):
            continue
        for name, call in _calls(_parse(c.source)):
            args = call.args[:2]
            quiz = bool(args) and any(QUIZ_NAME.match(n) for n in _read(args[0]))
            if name == "check_equal" and quiz and len(args) == 2 and _str_consts(args[1]) and \
                    not isinstance(args[1], ast.JoinedStr):
                out.append(f"{_label(nb, i)}: check_equal against text {ast.unparse(args[1])[:40]}; "
                           "use check_answer/check_sequence_answer/check_choice(s) (normalised)")
            if name in ("check_true", "check_false") and quiz and any(
                    isinstance(n, ast.Compare) and any(isinstance(x, ast.Constant) and isinstance(
                        x.value, str) for x in [n.left, *n.comparators]) for n in ast.walk(args[0])):
                out.append(f"{_label(nb, i)}: exact string comparison inside {name}; use the quiz helpers")
    return out


def rule_yes_no_checks_name_the_problem(nb, a):
    """Yes/no checks say which mistake they found, and can fail."""
    out = []
    for i, c in _code(nb):
        if not nbtools.is_test(c):
            continue
        for name, call in _calls(_parse(c.source)):
            args = call.args
            if name == "check_equal" and len(args) >= 2 and isinstance(args[1], ast.Constant) \
                    and isinstance(args[1].value, bool):
                out.append(f"{_label(nb, i)}: check_equal(…, {args[1].value}) is a yes/no check; use "
                           "checks.check_true/check_false(condition, '<the mistake, in words>', hint)")
            if name in ("check_true", "check_false"):
                problem = args[1] if len(args) > 1 else next(
                    (k.value for k in call.keywords if k.arg == "problem"), None)
                if not (isinstance(problem, (ast.Constant, ast.JoinedStr)) and
                        (not isinstance(problem, ast.Constant) or str(problem.value).strip())):
                    out.append(f"{_label(nb, i)}: {name} needs a message naming the mistake it detects")
                cond = args[0] if args else None
                if cond is not None and any(
                        isinstance(n, ast.BoolOp) and any(isinstance(v, ast.Constant) and bool(v.value) is (
                            isinstance(n.op, ast.Or)) for v in n.values) for n in ast.walk(cond)):
                    out.append(f"{_label(nb, i)}: `{ast.unparse(cond)[:50]}` cannot fail "
                               "(or True / and False): a check that cannot fail is a defect")
    return out


def rule_points_range(nb, a):
    out = []
    for i, c in _code(nb):
        if nbtools.is_test(c) and not 1 <= nbtools.points(c) <= 15:
            out.append(f"{_label(nb, i)}: {nbtools.points(c):g} points; every test cell is worth 1–15")
    total = sum(nbtools.points(c) for c in nb.cells if nbtools.is_test(c))
    if total != 100:
        out.append(f"points sum to {total:g}, not 100")
    return out


def _test_split_loaders() -> set[str]:
    """autograder.data loaders whose default ``split`` includes the held-out test rows."""
    from autograder import data
    names = set()
    for n in dir(data):
        f = getattr(data, n)
        if n.startswith("load_") and callable(f):
            try:
                p = inspect.signature(f).parameters.get("split")
            except (TypeError, ValueError):
                continue
            if p is not None and isinstance(p.default, str) and "test" in p.default:
                names.add(n)
    return names


def rule_no_test_split_outside_hidden(nb, a):
    out = []
    defaults = _test_split_loaders()
    for i, c in _code(nb):
        src = _visible(c.source) if nbtools.is_test(c) else c.source
        for name, call in _calls(_parse(src)):
            split = next((k.value for k in call.keywords if k.arg == "split"), None)
            why = None
            if re.fullmatch(r"load_\w*_test", name):
                why = f"{name}(...)"
            elif isinstance(split, ast.Constant) and isinstance(split.value, str) and "test" in split.value:
                why = f"split={split.value!r}"
            elif name in defaults and split is None:
                why = f"{name}() without split= (its default includes the test rows)"
            if why:
                out.append(f"{_label(nb, i)}: loads the held-out test data ({why}) outside a hidden "
                           "block; use split=\"train_val\" (see docs/AUTHORING.md §4)")
    return out


RULES = {f.__name__.removeprefix("rule_"): f for f in (
    rule_title_cell, rule_summary_cell, rule_try_cell_after_each_answer,
    rule_one_concept_per_test_cell, rule_test_cell_docstring, rule_test_cell_ends_without_value,
    rule_hidden_and_visible_checks, rule_quiz_one_question_hidden_answers,
    rule_no_exact_string_comparison, rule_yes_no_checks_name_the_problem, rule_points_range,
    rule_no_test_split_outside_hidden)}


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_anatomy_v2(a, rule):
    problems = RULES[rule](_source(a), a)
    assert not problems, f"{a} breaks anatomy v2 rule {rule!r} (docs/AUTHORING.md):\n  " + \
        "\n  ".join(problems)


# ---- the rules can fail: a synthetic v1-style notebook breaks every one of them ------------

def _nb(cells):
    from autograder import authoring as A
    return A.notebook(cells)


def _without_docstring(cell):
    cell.source = cell.source.split("\n", 1)[1]
    return cell


def _v1_notebook():
    """Week-1 style before anatomy v2: bundled cells, no try cell, value as the last statement,
    exact-string quiz in one cell, held-out data in an answer cell, broken bold."""
    from autograder import authoring as A
    return _nb([
        A.title("week99_demo", "# 99주차 과제\n\n**텐서(tensor)**라는 말과 **손실 함수** 는 …"),
        A.setup("week99_demo"),
        A.md("## Part A — 두 함수 (20점)"),
        A.answer("answer_two", "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n\n"
                               "def g(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"),
        A.test("two_functions", 20, '"""Check f and g."""\nchecks.check_shape(torch.zeros(2), (2,))\n'
                                    'checks.check_equal(bool(f(0) == g(0)), False, "f(0)와 g(0)이 같은가")\n'
                                    'checks.check_true(f(1) == 2 or True, "")\n'
                                    'score = f(1) + g(1)\nscore'),
        A.answer("answer_data", "from autograder.data import load_mnist_5k\n### BEGIN SOLUTION\n"
                                "X_train, y_train, X_test, y_test = load_mnist_5k()\n"
                                "Xt = load_mnist_5k(split=\"test\")\n### END SOLUTION"),
        _without_docstring(A.test("data_loaded", 0, '"""x"""\nchecks.check_equal(len(X_train), 4000)\n'
                                  '### BEGIN HIDDEN TESTS\ncheks = 1\n### END HIDDEN TESTS\nlen(X_train)')),
        A.answer("answer_quiz", "### BEGIN SOLUTION\nq1_type = \"자가 지도\"\nq2_order = \"BDAEC\"\n"
                                "### END SOLUTION"),
        A.test("checkpoint_quiz", 18,
               '"""Check the quiz."""\nchecks.check_answer(q1_type, "자가 지도")\n'
               'checks.check_equal(q2_order.strip(), "BDAEC")\n'
               '### BEGIN HIDDEN TESTS\nchecks.check_answer(q1_type, ["자가 지도", "자가지도"])\n'
               'checks.check_sequence_answer(q2_order, list("BDAEC"))\n### END HIDDEN TESTS'),
        A.code("print('끝')"),
    ])


def _v2_notebook():
    """The same exercises written to anatomy v2: every rule accepts it."""
    from autograder import authoring as A
    return _nb([
        A.title("week99_demo", "# 99주차 과제\n\n이 노트북을 마치면 텐서를 만들 수 있습니다.\n\n"
                               "- **예상 소요 시간**: 30분\n- **다루는 체크포인트**: 파이토치 텐서 (18, 20, 23, 26쪽)"),
        A.setup("week99_demo"),
        A.md("## Part A — f (10점)"),
        A.answer("answer_f", "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION"),
        A.code("print(f(1), '| 기대: 2')"),
        A.test("f_adds_one", 10, '"""Check that f adds one."""\nchecks.check_equal(f(1), 2, "f(1)")\n'
                                 'checks.check_false(f(0) == 0, "f(0)이 0입니다: 1을 더하지 않았습니다.", "x + 1")\n'
                                 '### BEGIN HIDDEN TESTS\nchecks.check_equal(f(41), 42, "f(41)")\n'
                                 '### END HIDDEN TESTS'),
        A.md("## Part B — g (80점)"),
        A.answer("answer_g", "from autograder.data import load_mnist_5k\n\ndef g(x):\n"
                             "    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n\n"
                             "split = load_mnist_5k(split=\"train_val\")"),
        A.code("print(g(1), '| 기대: 2')"),
        *[A.test(f"g_doubles_{k}", 10, f'"""Check that g doubles {k}."""\nchecks.check_equal(g({k}), {2 * k}, "g")\n'
                                       '### BEGIN HIDDEN TESTS\n_ref = load_mnist_5k(split="test")\n'
                                       f'checks.check_close(g({k} + 0.5), {2 * k + 1.0}, name="g")\n'
                                       '### END HIDDEN TESTS') for k in range(7)],
        A.test("f_and_g_end_to_end", 10, '"""Check that g(f(x)) doubles x + 1 end to end."""\n'
                                         '# depends on: answer_f, answer_g\n'
                                         'checks.check_equal(g(f(1)), 4, "g(f(1))")\n'
                                         '### BEGIN HIDDEN TESTS\nchecks.check_equal(g(f(5)), 12, "g(f(5))")\n'
                                         '### END HIDDEN TESTS'),
        A.md("## Part C — 퀴즈 (10점)"),
        A.answer("answer_quiz", "### BEGIN SOLUTION\nq1_type = \"자가 지도\"\nq2_order = \"B→D→A\"\n"
                                "### END SOLUTION"),
        A.test("q1_learning_type", 5, '"""Check the learning type of q1."""\n'
                                      'checks.check_answer_format(q1_type, "text", "q1_type")\n'
                                      '### BEGIN HIDDEN TESTS\nchecks.check_answer(q1_type, ["자가 지도", "self-supervised"], '
                                      '"q1_type", hint="강의 9절")\n### END HIDDEN TESTS'),
        A.test("q2_step_order", 5, '"""Check the order of q2."""\n'
                                   'checks.check_answer_format(q2_order, "sequence", "q2_order", n_items=3)\n'
                                   'print("형식 확인 완료")\n### BEGIN HIDDEN TESTS\n'
                                   'checks.check_sequence_answer(q2_order, ["B", "D", "A"], "q2_order", hint="강의 8절")\n'
                                   '### END HIDDEN TESTS'),
        A.readonly("week99_summary", "## 정리\n\n텐서를 만들었습니다.\n\n**다음 주**: DNN.\n\n"
                                     "제출 전 *Restart & Run All* 을 실행하세요."),
    ])


def test_record_metric_may_end_a_test_cell():
    """checks.record_metric prints and returns None: as a test cell's last statement it
    leaves no value for nbgrader to take as the score."""
    assert "record_metric" in NONE_RETURNING and "check_close" in NONE_RETURNING
    assert _checks.record_metric("x", 1.0) is None


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_rejects_a_v1_notebook_and_accepts_a_v2_one(rule):
    assert RULES[rule](_v1_notebook(), "week99_demo"), f"rule {rule!r} cannot fail on a v1 notebook"
    problems = RULES[rule](_v2_notebook(), "week99_demo")
    assert not problems, f"rule {rule!r} rejects a correct v2 notebook: {problems}"


def test_v1_notebook_fails_the_prose_lint_too():
    from test_prose_lint import lint_markdown
    problems = [p for c in _v1_notebook().cells if c.cell_type == "markdown"
                for p in lint_markdown(c.source)]
    kinds = {p.split(":")[0] for p in problems}
    assert {"broken-bold", "space-before-particle", "glossary"} <= kinds, problems


# ---- docs/CHECKPOINTS.md generator --------------------------------------------------------

def _checkpoint_course(root):
    from autograder import authoring as A
    A.save(_nb([A.md("# 강의"), A.md("## 1. 텐서", checkpoints=["파이토치 텐서"]),
                A.md("## 2. 어텐션", checkpoints=["어텐션"])]), root / "notebooks" / "week01_demo.ipynb")
    A.save(_nb([
        A.md("## 데이터 준비", checkpoints=["데이터로더"]),
        A.code("x = 1", ),
        A.md("## Part A — 텐서 (10점)", checkpoints=["파이토치 텐서"]),
        A.answer("answer_a", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"),
        A.test("a_values", 6, '"""Check a."""\nprint(1)', checkpoints=["파이토치 텐서", "머신러닝 학습 절차"]),
        A.test("a_more", 4, '"""Check a more."""\nprint(1)', checkpoints=["파이토치 텐서"]),
    ]), root / "source" / "week01_demo" / "week01_demo.ipynb")


def test_checkpoints_list_each_graded_cell_once_with_pages_and_state(tmp_path):
    _checkpoint_course(tmp_path)
    lectures, graded, unknown = checkpoints.collect(tmp_path)
    assert not unknown
    assert graded["파이토치 텐서"] == ["`week01_demo` › Part A — 텐서 › `a_values` (6점)",
                                   "`week01_demo` › Part A — 텐서 › `a_more` (4점)"]
    assert graded["데이터로더"] == []          # a tagged data section is not a graded cell
    text = checkpoints.render(tmp_path)
    assert text.count("`a_values` (6점)") == 2   # under each of its two topics, once each
    assert "Part A — 텐서 (10점)" not in text    # the Part heading is never listed as graded
    row = next(line for line in text.splitlines() if line.startswith("| [파이토치 텐서]"))
    assert "18, 20, 23, 26" in row and "Lab1 연습문제" in row and "10점" in row
    assert checkpoints.COVERED in row
    row = next(line for line in text.splitlines() if line.startswith("| [머신러닝 학습 절차]"))
    assert "34–35" in row and checkpoints.PARTIAL_GRADED in row        # tested, not taught
    row = next(line for line in text.splitlines() if line.startswith("| [데이터로더]"))
    assert checkpoints.NOT_COVERED in row
    assert "시험 범위 밖의 추가 주제" in text
    row = next(line for line in text.splitlines() if line.startswith("| [어텐션]"))
    assert checkpoints.PARTIAL_LECTURE in row
    for extra in ("셀프 어텐션", "멀티 헤드 어텐션", "위치 인코딩", "마스킹", "BERT", "미세 조정",
                  "LoRA", "지식 증류"):
        assert f"| [{extra}]" in text


def test_checkpoint_sources_match_the_class_notes_list():
    shared = REPO.parent / "shared" / "CHECKPOINT_SOURCES.md"
    if not shared.exists():
        pytest.skip("class notes list not available")
    rows = [line.strip("|").split("|") for line in shared.read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and not line.startswith("| topic") and not line.startswith("| ---")]
    assert [r[0].strip() for r in rows] == [t.replace("(optimizer)", "(optimizer)") for t in checkpoints.TOPICS]
    for topic, slides, practice in ((r[0].strip(), r[1].strip(), r[2].strip()) for r in rows):
        src = checkpoints.SOURCES[topic]
        assert slides.split(" (")[0] in src.slides, topic
        assert practice.split(" (")[0] in src.practice, topic

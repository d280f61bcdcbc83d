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
    assert "아직 다루지 않음 (not yet covered)" in text  # later weeks are listed as such

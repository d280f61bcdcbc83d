"""Grading truth: the solution gets 100, the untouched release copy 0, and every answer
cell matters — reverting it to its stub, or replacing it with a plausible wrong answer,
loses points. Every test cell fails for at least one stub (no test that cannot fail)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys

import nbformat
import pytest

from autograder import nbtools, pipeline
from conftest import ASSIGNMENTS, REPO

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not ASSIGNMENTS, reason="no assignment")]


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """Real nbgrader autograde of the solution and the release copy of every week."""
    root = tmp_path_factory.mktemp("truth")
    pipeline.release(ASSIGNMENTS, root / "release")
    for a in ASSIGNMENTS:
        nbtools.write(pipeline.solution_notebook(a), root / "submitted" / "solution" / a / f"{a}.ipynb")
        alternative = _alternative_submission(a)
        if alternative is not None:
            nbtools.write(alternative, root / "submitted" / "alternative" / a / f"{a}.ipynb")
        nbtools.write(nbtools.read(root / "release" / a / f"{a}.ipynb"),
                      root / "submitted" / "untouched" / a / f"{a}.ipynb")
    pipeline.autograde(root, ASSIGNMENTS, jobs=2, progress=False)
    rows = pipeline.grade_table(root)
    return {(r["student"], r["assignment"]): r for r in rows}


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_solution_scores_full_marks(graded_class, a):
    row = graded_class[("solution", a)]
    assert row["status"] == "ok", row
    assert row["score"] == row["max_score"] == 100.0, row


def _alternative_submission(a: str):
    """The solution with one alternative correct answer per answer cell (a stderr-writing one
    where there is one), graded through the real pipeline: nbgrader scores any stderr in a
    test cell as a failure unless the course's grading steps handle it."""
    alternatives = _alternative_answers(a)
    if not alternatives:
        return None
    nb = pipeline.solution_notebook(a)
    for cell in nb.cells:
        options = alternatives.get(nbtools.grade_id(cell)) if nbtools.is_answer(cell) else None
        if options:
            desc, source = next((o for o in options if "stderr" in o[0]), options[0])
            cell.source = source
    return nb


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_alternative_submission_scores_full_marks_through_nbgrader(graded_class, a):
    if ("alternative", a) not in graded_class:
        pytest.fail(f"tests/alternative_answers/{a}.py: add alternative correct answers")
    row = graded_class[("alternative", a)]
    assert row["status"] == "ok", row
    assert row["score"] == row["max_score"] == 100.0, row


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_untouched_release_scores_zero_without_crashing(graded_class, a):
    row = graded_class[("untouched", a)]
    assert row["status"] == "ok", row
    assert row["score"] == 0.0 and row["max_score"] == 100.0, row


MARKERS = re.compile(r"[ \t]*### (BEGIN|END) SOLUTION[ \t]*(\n|$)")


def _substitutions(a: str, folder: str, dict_name: str) -> dict[str, list[tuple[str, str]]]:
    """``{answer grade_id: [(description, full source), ...]}`` built from the substitutions
    in tests/<folder>/<a>.py (dict ``dict_name``) applied to the solution's answer cells."""
    path = REPO / "tests" / folder / f"{a}.py"
    if not path.exists():
        return {}
    spec = importlib.util.spec_from_file_location(f"{folder}_{a}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert hasattr(mod, dict_name), f"{path.name}: define {dict_name}"
    solution = {nbtools.grade_id(c): MARKERS.sub("", c.source).rstrip("\n") + "\n"
                for c in pipeline.solution_notebook(a).cells if nbtools.is_answer(c)}
    out: dict[str, list[tuple[str, str]]] = {}
    for cell, wrongs in getattr(mod, dict_name).items():
        assert cell in solution, f"{path.name}: no answer cell {cell!r}"
        for desc, subs in wrongs:
            text = solution[cell]
            for old, new in subs:
                assert text.count(old) == 1, f"{path.name} {cell} {desc!r}: {old!r} must occur once"
                text = text.replace(old, new)
            assert text != solution[cell], f"{path.name} {cell} {desc!r}: changes nothing"
            out.setdefault(cell, []).append((desc, text))
    return out


def _wrong_answers(a: str) -> dict[str, list[tuple[str, str]]]:
    """Plausible wrong answers (tests/wrong_answers/<a>.py, ``WRONG_ANSWERS``)."""
    return _substitutions(a, "wrong_answers", "WRONG_ANSWERS")


def _alternative_answers(a: str) -> dict[str, list[tuple[str, str]]]:
    """Alternative correct answers (tests/alternative_answers/<a>.py, ``ALTERNATIVE_ANSWERS``)."""
    return _substitutions(a, "alternative_answers", "ALTERNATIVE_ANSWERS")


_CACHE: dict[str, dict] = {}


def mutation_run(a: str, tmp_path_factory) -> dict:
    if a in _CACHE:
        return _CACHE[a]
    release = nbtools.read(REPO / "release" / a / f"{a}.ipynb")
    mutants = [{"kind": "stub", "name": f"stub:{nbtools.grade_id(c)}", "cell": nbtools.grade_id(c),
                "source": c.source} for c in release.cells if nbtools.is_answer(c)]
    for cell, wrongs in _wrong_answers(a).items():
        mutants += [{"kind": "wrong", "name": f"wrong:{cell}: {desc}", "cell": cell, "source": src}
                    for desc, src in wrongs]
    for cell, alts in _alternative_answers(a).items():
        mutants += [{"kind": "alternative", "name": f"alternative:{cell}: {desc}", "cell": cell,
                     "source": src} for desc, src in alts]
    tmp = tmp_path_factory.mktemp(f"mut-{a}")
    (tmp / "mutants.json").write_text(json.dumps(mutants, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(REPO / "tests" / "mutants.py"),
                           str(REPO / "source" / a / f"{a}.ipynb"), str(tmp / "mutants.json")],
                          capture_output=True, text=True, cwd=tmp, timeout=3600,
                          env={**__import__("os").environ, "OMP_NUM_THREADS": "1",
                               "DLCOURSE_OFFLINE": "1", "TQDM_DISABLE": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    _CACHE[a] = json.loads(proc.stdout)
    return _CACHE[a]


def _source_passes_every_test_in_process(a, tmp_path_factory):
    run = mutation_run(a, tmp_path_factory)
    failed = {g: run["errors"].get(g) for g, ok in run["baseline"].items() if not ok}
    assert not failed, failed


def _every_stub_loses_points_and_every_test_can_fail(a, tmp_path_factory):
    run = mutation_run(a, tmp_path_factory)
    stubs = [m for m in run["mutants"] if m["kind"] == "stub"]
    assert stubs
    no_loss = [m["name"] for m in stubs if m["lost"] <= 0 or m.get("error")]
    assert not no_loss, f"reverting these answer cells to the stub loses no points: {no_loss}"
    assert not run.get("all_stubs_error"), run["all_stubs_error"]
    never = sorted(set(run["points"]) - set(run["all_stubs_failed"]))
    assert not never, f"test cells that fail with no answer written (they cannot fail): {never}"


def _plausible_wrong_answers_lose_points(a, tmp_path_factory):
    wrong = _wrong_answers(a)
    assert wrong, f"tests/wrong_answers/{a}.py: add plausible wrong answers for {a}"
    release = nbtools.read(REPO / "release" / a / f"{a}.ipynb")
    answer_ids = {nbtools.grade_id(c) for c in release.cells if nbtools.is_answer(c)}
    assert answer_ids <= set(wrong), f"answer cells without a wrong answer: {answer_ids - set(wrong)}"
    run = mutation_run(a, tmp_path_factory)
    passed = [m["name"] for m in run["mutants"] if m["kind"] == "wrong" and m["lost"] <= 0]
    assert not passed, f"these wrong answers still get full marks: {passed}"


def _alternative_correct_answers_score_full_marks(a, tmp_path_factory):
    """Reasonable other ways to write a correct answer lose nothing (docs/AUTHORING.md §2).
    They run in rounds (one alternative per answer cell at once); a round that loses points is
    re-run one alternative at a time, so a failure names the alternative."""
    alternatives = _alternative_answers(a)
    assert alternatives, (f"tests/alternative_answers/{a}.py: add at least one alternative "
                          f"correct answer (ALTERNATIVE_ANSWERS) for {a}")
    run = mutation_run(a, tmp_path_factory)
    alts = [m for m in run["mutants"] if m["kind"] == "alternative"]
    assert alts
    broken = {m["name"]: m.get("cell_error") for m in alts if m.get("cell_error") or m.get("error")}
    assert not broken, f"these alternative answers raise in their own answer cell: {broken}"
    lost = {m["name"]: (m["lost"], m.get("messages")) for m in alts if m["lost"] > 0}
    assert not lost, f"these correct alternative answers lose points: {lost}"


def _part_of_cells(a: str) -> dict[str, str]:
    """grade_id -> the '## Part …' heading it stands under (source notebook order)."""
    part, out = "", {}
    for c in nbtools.read(REPO / "source" / a / f"{a}.ipynb").cells:
        if c.cell_type == "markdown":
            m = re.search(r"^##\s+(Part\s+\S+)", c.source, re.M)
            if m:
                part = m.group(1)
        gid = nbtools.grade_id(c)
        if gid:
            out[gid] = part
    return out


def _wrong_answers_lose_points_in_their_own_part(a, tmp_path_factory):
    """A plausible wrong answer must be caught by a test of its own Part (not only by a later
    accuracy check that happens to depend on it): the mutation runner stops at the first test
    cell that fails, and that cell must stand under the same '## Part' heading."""
    run = mutation_run(a, tmp_path_factory)
    part = _part_of_cells(a)
    elsewhere = {m["name"]: (part.get(m["cell"]), m["failed"][:1], part.get(m["failed"][0]))
                 for m in run["mutants"] if m["kind"] == "wrong" and m["failed"]
                 and part.get(m["failed"][0]) != part.get(m["cell"])}
    assert not elsewhere, f"wrong answers first caught outside their own Part: {elsewhere}"


class _MutationChecks:
    """The mutation checks of one week. One class per week (``TestMutations_<week>``): with
    ``pytest-xdist --dist loadscope`` a class runs on one worker, so the week's mutation run
    (cached per process) is computed once, while different weeks run on different workers."""

    a = ""

    def test_source_passes_every_test_in_process(self, tmp_path_factory):
        _source_passes_every_test_in_process(self.a, tmp_path_factory)

    def test_every_stub_loses_points_and_every_test_can_fail(self, tmp_path_factory):
        _every_stub_loses_points_and_every_test_can_fail(self.a, tmp_path_factory)

    def test_plausible_wrong_answers_lose_points(self, tmp_path_factory):
        _plausible_wrong_answers_lose_points(self.a, tmp_path_factory)

    def test_alternative_correct_answers_score_full_marks(self, tmp_path_factory):
        _alternative_correct_answers_score_full_marks(self.a, tmp_path_factory)

    def test_wrong_answers_lose_points_in_their_own_part(self, tmp_path_factory):
        _wrong_answers_lose_points_in_their_own_part(self.a, tmp_path_factory)


for _a in ASSIGNMENTS:
    globals()[f"TestMutations_{_a}"] = type(f"TestMutations_{_a}", (_MutationChecks,), {"a": _a})

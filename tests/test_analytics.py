"""Class analytics (autograder/analytics.py) on a synthetic class of 200 students × 2 weeks.

No kernel runs and nbgrader does not grade: grade records are generated with a designed
structure and checked against numpy; autograded notebooks are written with nbformat, their
nbgrader metadata copied from a small fake release notebook.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import statistics
import time

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from autograder import analytics, checks, report
from autograder.preprocessors import TRUNCATED
from autograder.templates import render

N_STUDENTS = 200
WEEKS = ("week01_fake", "week02_fake")
STUDENTS = [f"s{i:04d}" for i in range(N_STUDENTS)]
STUB = "# 여기에 코드를 작성하세요 (YOUR CODE HERE)\nraise NotImplementedError()"
FUNCS = ("f1", "f2", "f3")
SOLUTION = {  # reference solutions (source/), per function
    "f1": "x = torch.as_tensor(x, dtype=torch.float32)\n"
          "    return x.reshape(x.shape[0], -1).sum(dim=1)",
    "f2": "m = x.mean(dim=0, keepdim=True)\n    s = x.std(dim=0, unbiased=False, keepdim=True)\n"
          "    return (x - m) / (s + 1e-8)",
    "f3": "logits = x @ torch.ones(x.shape[1], 3)\n"
          "    return logits.argmax(dim=1).float().mean().item()",
}
QUIZ_SOLUTION = 'q1 = torch.int64\nq2 = (3, 1, 2)\nq3 = "지도 학습"\n'
QUIZ_POPULAR = "q1 = torch.float32\nq2 = (3, 2, 1)\nq3 = '비지도 학습'\n"   # a common wrong answer
NAMES = ("acc", "buf", "cur", "delta", "elem", "feat", "grad", "hid", "idx", "jit", "key", "lin",
         "mask", "node", "out", "prev", "quot", "res", "scale", "tmp", "upd", "val", "wgt", "xs")
OPS = ("sum", "mean", "relu", "sigmoid", "tanh", "exp", "abs", "sqrt", "cumsum", "flip")

COPY_PAIR = {"week01_fake": ("s0007", "s0142"), "week02_fake": ("s0051", "s0050")}
STUB_STUDENTS = ("s0010", "s0011", "s0012")       # left every stub (s0012 re-formatted it)
SOLUTION_STUDENTS = ("s0020", "s0021")            # wrote exactly the reference solution
NOT_SUBMITTED_WEEK2 = tuple(f"s{i:04d}" for i in range(190, 200))
METRIC = {"week01_fake": ("accuracy", True), "week02_fake": ("val_loss", False)}


# --------------------------------------------------------------------------------------------
# The synthetic class
# --------------------------------------------------------------------------------------------

def _meta(grade_id, solution=False, grade=False, locked=False, points=None):
    m = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
         "solution": solution, "task": False}
    if points is not None:
        m["points"] = points
    return {"nbgrader": m}


def _stub(f):
    body = STUB.replace("\n", "\n    ")
    return f'def {f}(x):\n    """Function {f} of the assignment."""\n    {body}'


def release_notebook(week):
    cells = [new_markdown_cell(f"# {week}", metadata=_meta(f"{week}_title", locked=True)),
             new_code_cell("import torch\nfrom autograder import checks",
                           metadata=_meta(f"{week}_setup", locked=True))]
    for f in FUNCS:
        cells.append(new_code_cell(_stub(f), metadata=_meta(f"answer_{f}", solution=True)))
        cells.append(new_code_cell(f'"""Check {f}."""\nchecks.check_true(callable({f}), "{f}")',
                                   metadata=_meta(f"test_{f}", grade=True, locked=True,
                                                  points=5)))
    cells.append(new_code_cell(STUB, metadata=_meta("answer_quiz", solution=True)))
    cells.append(new_code_cell('"""Check the quiz."""\nprint("ok")',
                               metadata=_meta("test_quiz", grade=True, locked=True, points=3)))
    return new_notebook(cells=cells)


def source_notebook(week):
    nb = release_notebook(week)
    for c in nb.cells:
        gid = c.metadata["nbgrader"]["grade_id"]
        if gid.startswith("answer_f"):
            f = gid.removeprefix("answer_")
            c.source = (f'def {f}(x):\n    """Function {f} of the assignment."""\n'
                        f"    ### BEGIN SOLUTION\n    {SOLUTION[f]}\n    ### END SOLUTION")
        elif gid == "answer_quiz":
            c.source = f"### BEGIN SOLUTION\n{QUIZ_SOLUTION}### END SOLUTION"
    return nb


def honest(rng, f):
    """A distinct, plausible answer: its own names, operations and constants."""
    v = rng.sample(NAMES, 4)
    return "\n".join([
        f'def {f}(x):',
        f'    """Function {f} of the assignment."""',
        f"    {v[0]} = x * {rng.randint(2, 99)} + {rng.randint(1, 999)}",
        f"    {v[1]} = torch.{rng.choice(OPS)}({v[0]}) - {rng.random():.3f}",
        f"    for {v[2]} in range({rng.randint(2, 50)}):",
        f"        {v[1]} = {v[1]} {rng.choice('+-*/')} {v[2]} ** {rng.randint(2, 9)}",
        f"    {v[3]} = torch.{rng.choice(OPS)}({v[1]}, dim={rng.randint(0, 3)})",
        f"    return {v[3]} {rng.choice('+-*')} {rng.randint(1, 999)}"])


def disguise(src):
    """What a copier does: other comments, blank lines and spacing, other quotes."""
    out = ["# 제가 직접 작성했습니다 </pre><script>alert(1)</script>"]
    for line in src.splitlines():
        if line.strip():
            line = line.replace(" = ", "=").replace(" + ", "+").replace(", ", ",")
            out.append(line.replace('"', "'") + "   # 설명")
            out.append("")
    return "\n".join(out)


def metric_output(name, value, higher_is_better):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        checks.record_metric(name, value, higher_is_better)
    return buf.getvalue()


def student_notebook(release, answers, outputs):
    """A copy of the release notebook with the student's answer sources and test outputs."""
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for c in nb.cells:
        gid = c.metadata["nbgrader"]["grade_id"]
        if gid in answers:
            c.source = answers[gid]
        if gid in outputs:
            c.outputs = [new_output("stream", name="stdout", text=t) for t in outputs[gid]]
    return nb


def grade_matrix(rng, week, students):
    """Designed scores: (cells, max points, scores students × cells)."""
    cells = ["easy", "hard_fail", "discriminating", "random", "body1", "body2", "body3", "body4"]
    maxp = np.array([2, 3, 5, 4, 10, 10, 10, 10], float)
    ability = np.array([rng.random() for _ in students])
    S = np.zeros((len(students), len(cells)))
    S[:, 0] = 2                                          # everyone passes
    S[:, 1] = 0                                          # everyone fails
    S[:, 2] = np.where(ability > 0.5, 5, 0)              # strong pass, weak fail
    S[:, 3] = [4 if rng.random() < 0.5 else 0 for _ in students]   # passed at random
    for j in range(4, 8):
        S[:, j] = [round(10 * min(1.0, max(0.0, a + rng.gauss(0, 0.15)))) for a in ability]
    return cells, maxp, S


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    rng = random.Random(20240901)
    root = tmp_path_factory.mktemp("course")
    records, matrices, metrics = [], {}, {}
    for week in WEEKS:
        students = [s for s in STUDENTS if not (week == WEEKS[1] and s in NOT_SUBMITTED_WEEK2)]
        cells, maxp, S = grade_matrix(rng, week, students)
        matrices[week] = (students, cells, maxp, S)
        records += [{"student": s, "assignment": week, "grade_id": g, "score": float(S[i, j]),
                     "max_score": float(maxp[j])}
                    for i, s in enumerate(students) for j, g in enumerate(cells)]

        release = release_notebook(week)
        for kind in ("release", "source"):
            (root / kind / week).mkdir(parents=True)
        nbformat.write(release, str(root / "release" / week / f"{week}.ipynb"))
        nbformat.write(source_notebook(week), str(root / "source" / week / f"{week}.ipynb"))
        name, hib = METRIC[week]
        values = {s: round(rng.uniform(0.5, 0.99), 3) for s in students}
        values[students[30]] = values[students[31]]                         # a tie
        metrics[week] = values
        stubs = {c.metadata["nbgrader"]["grade_id"]: c.source for c in release.cells}
        sources = {}
        for s in students:
            if s in STUB_STUDENTS:
                ans = {g: stubs[g] for g in stubs if g.startswith("answer_")}
                if s == "s0012":
                    ans = {g: "# 모르겠어요\n\n" + src.replace("()", "( )") for g, src in ans.items()}
            elif s in SOLUTION_STUDENTS:
                ans = {f"answer_{f}": source_notebook(week).cells[2 + 2 * k].source
                       for k, f in enumerate(FUNCS)}
                ans["answer_quiz"] = QUIZ_SOLUTION
            else:
                ans = {f"answer_{f}": honest(rng, f) for f in FUNCS}
                if rng.random() < 0.3:                  # a canonical answer: the solution
                    ans["answer_f1"] = source_notebook(week).cells[2].source
                u = rng.random()
                own = (f"q1 = torch.{rng.choice(NAMES)}\n"
                       f"q2 = ({rng.randint(0, 9)}, {rng.randint(0, 9)})\n"
                       f"q3 = '{rng.choice(NAMES)} 학습'")
                ans["answer_quiz"] = QUIZ_SOLUTION if u < 0.45 else QUIZ_POPULAR if u < 0.9 else own
            sources[s] = ans
        original, copier = COPY_PAIR[week]
        sources[copier] = {g: disguise(src) for g, src in sources[original].items()}
        sources["s0033"]["answer_f2"] = "def f2(x:\n    return (x - x.mean(  # broken\n"
        for s in students:
            outputs = {"test_f3": [metric_output(name, values[s], hib)]}
            if s == "s0003":   # a metric line printed by the student's own cell: ignored
                outputs["answer_f3"] = [metric_output(name, 1e9, hib),
                                        metric_output("bogus", 1, True)]
            if s == "s0004":   # student code printed a fake line first; the test's line is last
                outputs["test_f3"] = ["training...\n" + metric_output(name, 1e9, hib),
                                      "done\n", metric_output(name, values[s], hib)]
            if s == "s0006":   # the test failed after student code printed a fake line
                outputs["test_f3"] = [metric_output(name, 1e9, hib)]
            if s == "s0008":   # student code printed a fake line, then flooded the output
                outputs["test_f3"] = [metric_output(name, 1e9, hib) + "x" * 100 + TRUNCATED]
            if s == "s0005":   # a NaN metric is printed as null and left out
                outputs["test_f2"] = [metric_output("nan_metric", float("nan"), True)]
            path = root / "autograded" / s / week / f"{week}.ipynb"
            path.parent.mkdir(parents=True)
            nb = student_notebook(release, sources[s], outputs)
            if s == "s0006":
                test_f3 = next(c for c in nb.cells
                               if c.metadata["nbgrader"]["grade_id"] == "test_f3")
                test_f3.outputs.append(new_output("error", ename="CheckError",
                                                  evalue="[검사 실패] ...", traceback=[]))
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(nb, fh)
    broken = root / "autograded" / "s0099" / WEEKS[1] / f"{WEEKS[1]}.ipynb"
    broken.write_text("{not json", encoding="utf-8")    # unreadable: listed, not ranked
    del metrics[WEEKS[1]]["s0099"]
    for week in WEEKS:                                  # failed / truncated test cell: unranked
        del metrics[week]["s0006"], metrics[week]["s0008"]
    return {"root": root, "records": records, "matrices": matrices, "metrics": metrics}


@pytest.fixture(scope="module")
def result(klass):
    return analytics.class_analytics(klass["root"], records=klass["records"])


# --------------------------------------------------------------------------------------------
# 1. Item analysis
# --------------------------------------------------------------------------------------------

def test_item_analysis_matches_numpy(klass, result):
    assert result["item_analysis_error"] is None
    rows = {(r["assignment"], r["grade_id"]): r for r in result["item_analysis"]}
    for week, (students, cells, maxp, S) in klass["matrices"].items():
        total = S.sum(axis=1)
        for j, g in enumerate(cells):
            r = rows[(week, g)]
            assert r["n"] == len(students)
            assert r["pass_rate"] == pytest.approx(float(np.mean(S[:, j] >= maxp[j])))
            assert r["mean_fraction"] == pytest.approx(float(np.mean(S[:, j] / maxp[j])))
            x, rest = S[:, j] / maxp[j], total - S[:, j]
            if x.std() == 0:
                assert r["discrimination"] is None
            else:
                assert r["discrimination"] == pytest.approx(np.corrcoef(x, rest)[0, 1], abs=1e-9)


def test_item_analysis_flags_cells_that_do_not_separate(result):
    rows = {(r["assignment"], r["grade_id"]): r for r in result["item_analysis"]}
    for week in WEEKS:
        easy, fail = rows[(week, "easy")], rows[(week, "hard_fail")]
        assert easy["flagged"] and easy["discrimination"] is None and easy["pass_rate"] == 1
        assert "모두 통과" in easy["reason"]
        assert fail["flagged"] and fail["discrimination"] is None and "모두 실패" in fail["reason"]
        good = rows[(week, "discriminating")]
        assert good["discrimination"] > 0.6 and not good["flagged"] and good["reason"] == ""
        rand = rows[(week, "random")]
        assert abs(rand["discrimination"]) < 0.2 and rand["flagged"]
        assert all(not rows[(week, f"body{k}")]["flagged"] for k in range(1, 5))
    assert rows[(WEEKS[1], "easy")]["n"] == N_STUDENTS - len(NOT_SUBMITTED_WEEK2)


def test_point_biserial_undefined_and_small_cases():
    assert analytics.point_biserial([1, 1, 1], [1, 2, 3]) is None
    assert analytics.point_biserial([0, 1], [1, 2]) is None
    assert analytics.point_biserial([0, 1, 1, 0], [1, 5, 4, 2]) == pytest.approx(
        np.corrcoef([0, 1, 1, 0], [1, 5, 4, 2])[0, 1])


# --------------------------------------------------------------------------------------------
# 2. Similarity
# --------------------------------------------------------------------------------------------

def test_similarity_lists_the_copied_pair_only(result):
    sims = {s["assignment"]: s for s in result["similarity"]}
    for week in WEEKS:
        s = sims[week]
        assert s["error"] is None
        listed = {frozenset((p["a"], p["b"])) for p in s["pairs"]}
        assert listed == {frozenset(COPY_PAIR[week])}, s["pairs"][:3]
        pair = s["pairs"][0]
        assert pair["similarity"] == pytest.approx(1.0)
        original, copier = COPY_PAIR[week]
        cell = pair["cells"][0]
        src = {pair["a"]: cell["source_a"], pair["b"]: cell["source_b"]}
        assert "# 설명" in src[copier] and "# 설명" not in src[original]
        assert s["n_compared"] >= 150 * 149 // 2
    assert sims[WEEKS[1]]["unreadable"] == ["s0099"]


def test_stub_and_solution_answers_are_not_evidence(klass):
    scan = analytics.scan_assignment(klass["root"], WEEKS[0])
    sub = {s: scan["answers"][s] for s in STUB_STUDENTS + SOLUTION_STUDENTS}
    sim = analytics.similarity(scan["stubs"], sub, scan["solutions"], threshold=0.01)
    assert sim["pairs"] == [] and sim["n_students"] == 0
    # without the reference solution, identical correct answers would match (expected code)
    sim = analytics.similarity(scan["stubs"], sub, {}, threshold=0.8)
    assert {frozenset((p["a"], p["b"])) for p in sim["pairs"]} == {frozenset(SOLUTION_STUDENTS)}


def test_common_answers_do_not_count(klass):
    scan = analytics.scan_assignment(klass["root"], WEEKS[0])
    quiz_only = {s: {"answer_quiz": a["answer_quiz"]} for s, a in scan["answers"].items()}
    sim = analytics.similarity(scan["stubs"], quiz_only, {})
    assert sim["n_common"] > 0
    assert {frozenset((p["a"], p["b"])) for p in sim["pairs"]} <= {frozenset(COPY_PAIR[WEEKS[0]])}
    off = analytics.similarity(scan["stubs"], quiz_only, {}, common_fraction=1.0,
                               common_min=10 ** 6, max_pairs=10 ** 6)
    assert off["n_above"] > 1000           # the popular wrong answer matches everywhere


def test_normalise_drops_comments_docstrings_whitespace_and_course_imports():
    a = ('from autograder.utils import set_seed\nimport autograder\n%time y = 1\n'
         'def g(x):\n    """Doc."""\n    # note\n    return x+1  # end\n')
    b = "import torch\n\n\ndef g( x ) :\n    return (x +\n            1)\n"
    assert analytics.normalise(a) == ["def", "g", "(", "x", ")", ":", "return", "x", "+", "1"]
    assert analytics.normalise(b)[:2] == ["import", "torch"]
    assert analytics.normalise("s = 'a'") == analytics.normalise('s = "a"')
    assert analytics.normalise("def f(:\n  x = [1,\n") != []          # not Python: no crash
    stub = analytics.normalise(_stub("f1"))
    assert analytics.strip_stub(analytics.normalise(_stub("f1") + "\n\n# hm"), stub) == []


def test_similarity_is_fast_enough_for_a_week_of_200(klass):
    """Prints the median of 3 runs of the analytics part (reading 400 notebooks included)."""
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        res = analytics.class_analytics(klass["root"], records=klass["records"])
        times.append(time.perf_counter() - t0)
    assert all(s["error"] is None for s in res["similarity"])
    print(f"\nanalytics for {N_STUDENTS} students × {len(WEEKS)} weeks: median "
          f"{statistics.median(times):.2f} s over 3 runs {[round(t, 2) for t in times]}; "
          f"parts of the last run {({k: round(v, 2) for k, v in res['seconds'].items()})}")


# --------------------------------------------------------------------------------------------
# 3. Leaderboard
# --------------------------------------------------------------------------------------------

def test_record_metric_prints_one_json_line(capsys):
    assert checks.record_metric("정확도", 0.5) is None
    assert checks.record_metric("loss", float("inf"), higher_is_better=False) is None
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        '[[dlcourse-metric]] {"name": "정확도", "value": 0.5, "higher_is_better": true}',
        '[[dlcourse-metric]] {"name": "loss", "value": null, "higher_is_better": false}']
    assert "record_metric" in checks.__all__
    with pytest.raises(TypeError):
        checks.record_metric("", 1.0)


def test_leaderboard_order_from_test_cells_only(klass, result):
    assert result["leaderboard_error"] is None
    boards = {(b["assignment"], b["name"]): b for b in result["leaderboard"]}
    assert set(boards) == {(w, METRIC[w][0]) for w in WEEKS}    # no "bogus", no "nan_metric"
    for week in WEEKS:
        name, hib = METRIC[week]
        b = boards[(week, name)]
        assert b["higher_is_better"] is hib
        values = klass["metrics"][week]
        got = [(r["student"], r["value"]) for r in b["rows"]]
        assert sorted(v for _, v in got) == sorted(values.values())
        assert [v for _, v in got] == sorted(values.values(), reverse=hib)
        assert dict(got) == values            # fake lines of s0003, s0004, s0006, s0008 ignored
        ranks = [r["rank"] for r in b["rows"]]
        assert ranks[0] == 1 and all(r2 >= r1 for r1, r2 in zip(ranks, ranks[1:]))
        tied = [r["rank"] for r in b["rows"] if r["value"] == values["s0030"]]
        assert len(tied) >= 2 and len(set(tied)) == 1


def test_pseudonymised_leaderboard(klass):
    metrics = {w: {s: {METRIC[w][0]: (v, METRIC[w][1])} for s, v in klass["metrics"][w].items()}
               for w in WEEKS}
    plain = analytics.leaderboard(metrics)
    a = analytics.leaderboard(metrics, pseudonymise=True, salt="course-secret")
    b = analytics.leaderboard(metrics, pseudonymise=True, salt="course-secret")
    c = analytics.leaderboard(metrics, pseudonymise=True, salt="another-secret")
    assert a == b
    for bp, ba, bc in zip(plain, a, c):
        for rp, ra, rc in zip(bp["rows"], ba["rows"], bc["rows"]):
            assert rp["value"] == ra["value"] and rp["rank"] == ra["rank"]
            assert rp["student"] not in ra["student"] and ra["student"] != rc["student"]
            assert ra["student"] == analytics.pseudonym(rp["student"], "course-secret")
        assert len({r["student"] for r in ba["rows"]}) == len(ba["rows"])
    with pytest.raises(ValueError):
        analytics.leaderboard(metrics, pseudonymise=True)


# --------------------------------------------------------------------------------------------
# 4. The report section
# --------------------------------------------------------------------------------------------

def _page(analytics_result):
    return render("report.html.j2", generated="now", n_rows=0, root="/x", pngs=[], attention=[],
                  attention_score=50.0, counts=[], tests=[], analytics=analytics_result)


def test_report_section_is_escaped_and_says_never_a_penalty(result):
    page = _page(result)
    assert "유사도(similarity)는 사람이 확인할 근거일 뿐, 감점 사유가 아닙니다" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    assert page.count('<tr class="flag">') == sum(r["flagged"] for r in result["item_analysis"])
    assert "s0142" in page and "리더보드 (leaderboard)" in page and "분석 실패" not in page


def test_analytics_failures_do_not_break_the_report(klass, monkeypatch):
    res = analytics.class_analytics(klass["root"], records=[{"student": "s"}],
                                    assignments=[WEEKS[0], "week09_missing"])
    assert res["item_analysis_error"].startswith("분석 실패: KeyError")
    sims = {s["assignment"]: s for s in res["similarity"]}
    assert sims[WEEKS[0]]["error"] is None and sims[WEEKS[0]]["pairs"]
    assert sims["week09_missing"]["error"].startswith("분석 실패")
    page = _page(res)
    assert "분석 실패: KeyError" in page and "s0142" in page

    def boom(root):
        raise RuntimeError("no gradebook")
    monkeypatch.setattr(analytics, "class_analytics", boom)
    res = report._analytics(klass["root"])
    assert res == {"error": "분석 실패: RuntimeError: no gradebook"}
    assert "분석 실패: RuntimeError: no gradebook" in _page(res)

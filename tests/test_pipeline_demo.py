"""The simulated class end to end (`make demo`): statuses, scores, feedback that hides
hidden tests, archived originals, submitted/ never modified, CSV with a status column."""

from __future__ import annotations

import csv
import hashlib
import re
import zipfile
from pathlib import Path

import pytest

from autograder import demo, nbtools, pipeline
from conftest import REPO

pytestmark = pytest.mark.slow


def _hashes(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    zip_path = demo.build_class(root)
    pipeline.collect(zip_path, root)
    before = _hashes(root / "submitted")
    pipeline.autograde(root, [demo.ASSIGNMENT], jobs=2, cell_timeout=30, progress=False)
    after = _hashes(root / "submitted")
    from autograder.feedback import generate_all
    generate_all(root)
    roster = list(demo.EXPECTED)
    csv_path = pipeline.export(root, root / "grades.csv", roster)
    rows = {r["student"]: r for r in csv.DictReader(open(csv_path, encoding="utf-8"))}
    return {"root": root, "zip": zip_path, "rows": rows, "before": before, "after": after}


def test_every_student_has_the_expected_status(demo_run):
    got = {s: r["status"] for s, r in demo_run["rows"].items()}
    assert got == demo.EXPECTED


def test_scores(demo_run):
    score = {s: float(r["score"]) for s, r in demo_run["rows"].items()}
    assert score["s01_perfect"] == 100
    assert score["s02_untouched"] == 0
    assert 0 < score["s03_partial"] < 100
    assert score["s05_metadata_stripped"] == 100      # repaired, graded as written
    first_test = next(c for c in pipeline.solution_notebook(demo.ASSIGNMENT).cells
                      if nbtools.is_test(c))
    lost = first_test.metadata["nbgrader"]["points"]   # the deleted test counts as failed
    assert score["s06_deleted_test"] == 100 - lost
    assert score["s07_duplicated_cell"] == 100
    assert 0 < score["s08_infinite_loop"] < 100       # only the looping part is lost
    for s in ("s04_corrupt_json", "s09_kernel_crash", "s10_missing"):
        assert score[s] == 0
    assert all(r["max_score"] == "100.0" for r in demo_run["rows"].values())


def test_failures_are_explained_in_the_csv(demo_run):
    rows = demo_run["rows"]
    assert "JSON" in rows["s04_corrupt_json"]["detail"]
    assert "삭제된 테스트" in rows["s06_deleted_test"]["detail"]
    assert "timeout" in rows["s08_infinite_loop"]["detail"]
    assert "kernel died" in rows["s09_kernel_crash"]["detail"] or \
        "process died" in rows["s09_kernel_crash"]["detail"]
    with open(demo_run["root"] / "grades.csv", encoding="utf-8") as fh:
        header = fh.readline().strip().split(",")
    assert header[:5] == ["student", "assignment", "score", "max_score", "status"]


def test_submitted_files_are_never_modified_and_originals_are_archived(demo_run):
    assert demo_run["before"] == demo_run["after"]
    root = demo_run["root"]
    manifest = list(csv.DictReader(open(root / "archive" / "manifest.csv", encoding="utf-8")))
    with zipfile.ZipFile(demo_run["zip"]) as zf:
        originals = {n: hashlib.sha256(zf.read(n)).hexdigest() for n in zf.namelist()}
    archived = {m["original"]: m["sha256"] for m in manifest}
    assert archived == originals
    for m in manifest:
        assert hashlib.sha256((root / m["archived_as"]).read_bytes()).hexdigest() == m["sha256"]


def test_collect_never_overwrites_an_older_archive(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "kim_week01_tensors.ipynb").write_text('{"v": 1}')
    root = tmp_path / "course"
    pipeline.collect(src, root)
    (src / "kim_week01_tensors.ipynb").write_text('{"v": 2}')
    pipeline.collect(src, root)
    archived = sorted((root / "archive").glob("*/kim_week01_tensors.ipynb"))
    assert [p.read_text() for p in archived] == ['{"v": 1}', '{"v": 2}']
    assert (root / "submitted" / "kim" / "week01_tensors" / "week01_tensors.ipynb").read_text() == '{"v": 2}'
    (src / "notes.txt").write_text("hello")
    recs = pipeline.collect(src, root)
    assert any(r["action"].startswith("skipped") for r in recs)


def test_collect_reads_an_nbgrader_exchange_inbound_folder(tmp_path):
    inbound = tmp_path / "inbound"
    for stamp, v in (("2026-11-01 10:00:00.000000 UTC", 1), ("2026-11-02 10:00:00.000000 UTC", 2)):
        d = inbound / f"lee+week01_tensors+{stamp}+abc{v}"
        d.mkdir(parents=True)
        (d / "week01_tensors.ipynb").write_text(f'{{"v": {v}}}')
    root = tmp_path / "course"
    recs = pipeline.collect(inbound, root)
    actions = [r["action"] for r in recs]
    assert actions[0].startswith("superseded") and actions[1] == "submitted"
    sub = root / "submitted" / "lee" / "week01_tensors"
    assert (sub / "week01_tensors.ipynb").read_text() == '{"v": 2}'
    # the exchange timestamp is kept (late penalties), not replaced by the collection time
    assert (sub / "timestamp.txt").read_text() == "2026-11-02 10:00:00.000000 UTC"


def test_collect_flags_two_files_for_one_submission_and_checks_ids(tmp_path):
    src = tmp_path / "in"
    for folder in ("a", "b"):
        (src / folder).mkdir(parents=True)
        (src / folder / "kim_week01_tensors.ipynb").write_text(f'{{"v": "{folder}"}}')
    (src / "a" / "x*y_week01_tensors.ipynb").write_text("{}")
    root = tmp_path / "course"
    recs = pipeline.collect(src, root)
    dup = root / "submitted" / "kim" / "week01_tensors" / "DUPLICATES.txt"
    assert dup.read_text().split() == ["a/kim_week01_tensors.ipynb", "b/kim_week01_tensors.ipynb"]
    assert any(r["action"].startswith("rejected") and "student id" in r["action"] for r in recs)
    assert not (root / "submitted" / "x*y").exists()
    recs = pipeline.collect(src / "a", root, roster=["lee"])      # a roster decides
    assert all(r["action"].startswith("rejected") for r in recs)


def test_zip_traversal_links_and_bombs_are_rejected(tmp_path):
    import tempfile
    path = tmp_path / "in.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ok_week01_tensors.ipynb", "{}")
        zf.writestr("../../up_week01_tensors.ipynb", "{}")
        zf.writestr("a/../../up2_week01_tensors.ipynb", "{}")
        link = zipfile.ZipInfo("link_week01_tensors.ipynb")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("bomb_week01_tensors.ipynb", b"0" * (100 * 2**20))
    before = set(Path(tempfile.gettempdir()).glob("dlc-collect-*"))
    recs = {r["file"]: r["action"] for r in pipeline.collect(path, tmp_path / "course")}
    assert set(Path(tempfile.gettempdir()).glob("dlc-collect-*")) == before
    assert recs["ok_week01_tensors.ipynb"] == "submitted"
    for name in ("../../up_week01_tensors.ipynb", "a/../../up2_week01_tensors.ipynb",
                 "link_week01_tensors.ipynb", "bomb_week01_tensors.ipynb"):
        assert recs[name].startswith("rejected"), name
    assert not (tmp_path / "up_week01_tensors.ipynb").exists()


def test_feedback_shows_messages_but_never_hidden_tests(demo_run):
    root = demo_run["root"]
    source = nbtools.read(REPO / "source" / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.ipynb")
    visible = "\n".join(c.source for c in pipeline.solution_notebook(demo.ASSIGNMENT).cells)
    hidden_lines = {line.strip() for c in source.cells if nbtools.is_test(c)
                    for block in re.findall(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS",
                                            c.source, re.S)
                    for line in block.splitlines()
                    if len(line.strip()) > 20 and line.strip() not in visible}
    assert hidden_lines
    pages = sorted((root / "feedback").glob("*/*/*.html"))
    assert len(pages) >= 6
    import html as html_mod
    for page in pages:
        text = html_mod.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        leaked = [h for h in hidden_lines if h in text]
        assert not leaked, f"{page}: hidden test source leaked: {leaked[:2]}"
        assert "BEGIN HIDDEN" not in text, page
        assert "채점 결과" in text
    from autograder.feedback import sanitize
    for nb_path in sorted((root / "autograded").glob("*/*/*.ipynb")):
        clean = sanitize(nbtools.read(nb_path), {})
        for cell in clean.cells:
            if nbtools.is_test(cell):
                assert "BEGIN HIDDEN" not in cell.source
                for out in cell.outputs:
                    assert out.output_type != "error" and "Traceback" not in str(out), nb_path
    partial = html_mod.unescape(re.sub(r"<[^>]+>", "", (root / "feedback" / "s03_partial" /
                                demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.html").read_text(encoding="utf-8")))
    assert "NotImplementedError" in partial or "[검사 실패]" in partial   # the failing message is shown
    assert "통과 (passed)" in partial


def test_regrading_is_idempotent_and_serial_equals_parallel(demo_run):
    """Graded 3 times (parallel, serial, parallel): identical scores and statuses."""
    root = demo_run["root"]
    first = {(r["student"], r["score"], r["status"]) for r in pipeline.grade_table(root)}
    some = ["s01_perfect", "s03_partial", "s05_metadata_stripped", "s06_deleted_test"]
    for jobs in (1, 2):
        pipeline.autograde(root, [demo.ASSIGNMENT], students=some, jobs=jobs, cell_timeout=30,
                           progress=False)
        again = {(r["student"], r["score"], r["status"]) for r in pipeline.grade_table(root)}
        assert again == first, f"jobs={jobs}: {again ^ first}"


def test_grading_without_sandbox_still_works_and_says_so(demo_run, capsys):
    root = demo_run["root"]
    pipeline.autograde(root, [demo.ASSIGNMENT], students=["s01_perfect"], jobs=1,
                       sandbox=False, progress=False)
    row = next(r for r in pipeline.grade_table(root) if r["student"] == "s01_perfect")
    assert row["score"] == 100 and row["status"] == "ok" and row["sandbox"] == "off"
    assert "sandbox: off" in capsys.readouterr().err


def test_report_has_plots_attention_list_and_lms_csv(demo_run):
    from autograder.report import build_report
    root = demo_run["root"]
    index = build_report(root, root / "report", roster=list(demo.EXPECTED))
    for png in ("scores.png", "pass_rates.png", "statuses.png"):
        assert (root / "report" / png).stat().st_size > 1000
    page = index.read_text(encoding="utf-8")
    for student in ("s04_corrupt_json", "s09_kernel_crash", "s10_missing", "s02_untouched"):
        assert student in page                       # needs attention
    lms = list(csv.reader(open(root / "report" / "lms.csv", encoding="utf-8-sig")))
    assert lms[0] == ["student_id", demo.ASSIGNMENT, "total"]
    assert ["s01_perfect", "100", "100"] in lms and len(lms) == 1 + len(demo.EXPECTED)


def _tiny_course(root):
    """A one-exercise course whose correct answer writes to stderr (print, logging)."""
    import shutil
    import nbformat
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    meta = lambda **kw: {"nbgrader": {"schema_version": 3, **kw}}  # noqa: E731
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(
            "### BEGIN SOLUTION\ndef double(x):\n    import sys\n"
            "    print('working…', file=sys.stderr)\n    return 2 * x\n### END SOLUTION",
            metadata=meta(grade=False, solution=True, locked=False, grade_id="answer_double")),
        nbformat.v4.new_code_cell(
            '"""Check that double doubles (and may log to stderr)."""\n'
            "import logging, sys\nlogging.basicConfig(stream=sys.stderr, force=True)\n"
            "logging.getLogger('x').error('log line on stderr')\n"
            "assert double(2) == 4\nprint('progress 100%', file=sys.stderr)",
            metadata=meta(grade=True, solution=False, locked=True, points=5,
                          grade_id="double_ok")),
        nbformat.v4.new_code_cell(
            '"""Check a wrong expectation: errors still fail."""\nassert double(2) == 5, "기대값 5"',
            metadata=meta(grade=True, solution=False, locked=True, points=1,
                          grade_id="double_wrong")),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (root / "source" / "tiny").mkdir(parents=True)
    nbformat.write(nb, str(root / "source" / "tiny" / "tiny.ipynb"))
    return nb


def test_stderr_from_correct_code_costs_no_points_under_plain_nbgrader(tmp_path):
    """`nbgrader autograde` in a course using this repository's nbgrader_config.py: a test
    cell whose (correct) code logs and prints to stderr scores full marks; a failing
    assert still scores 0."""
    import shutil
    import subprocess
    import sys
    from nbgrader.api import Gradebook
    root = tmp_path / "course"
    root.mkdir()
    _tiny_course(root)
    nbgrader = [sys.executable, "-m", "nbgrader"]
    run = lambda *a: subprocess.run(nbgrader + list(a), cwd=root, capture_output=True,  # noqa: E731
                                    text=True, timeout=600)
    res = run("generate_assignment", "tiny", "--force", "--create")
    assert res.returncode == 0, res.stderr[-2000:]
    sub = root / "submitted" / "kim" / "tiny"
    sub.mkdir(parents=True)
    shutil.copy(root / "source" / "tiny" / "tiny.ipynb", sub / "tiny.ipynb")
    res = run("autograde", "tiny", "--force", "--create")
    assert res.returncode == 0, res.stderr[-3000:]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        assert gb.find_grade("double_ok", "tiny", "tiny", "kim").score == 5
        assert gb.find_grade("double_wrong", "tiny", "tiny", "kim").score == 0
    graded = nbtools.read(root / "autograded" / "kim" / "tiny" / "tiny.ipynb")
    text = "".join(o.get("text", "") for o in graded.cells[1].outputs)
    assert "log line on stderr" in text and "progress" in text     # still shown, as stdout
    assert "dlcourse-run" not in "".join(c.source for c in graded.cells)   # tokens removed

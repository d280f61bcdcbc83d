"""The student course export (`make publish DEST=…`, autograder/publish.py).

The export is what a public repository holds. These tests build it into a temporary folder
and prove, independently of publish.py's own checks: only allow-listed files; no line of a
hidden test and no solution body from source/; no source/, solutions/, gradebook,
submissions or .git; no instructor-only module; badges and setup cells that point at the
student course; and a package that imports, and installs with pip, on its own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from autograder import course, publish
from autograder.course import REPO_ROOT

INSTRUCTOR_ONLY = {"pipeline", "grading", "repair", "sandbox", "feedback", "report", "demo",
                   "bench", "authoring", "publish", "site", "nbtools", "checkpoints", "course",
                   "config", "collect", "autograde", "pool", "status", "export", "release",
                   "preprocessors", "kernel_guard", "__main__"}
NEVER = {"source", "solutions", "gradebook.db", "submitted", "autograded", "feedback",
         "incoming", "archive", "grading", "grades.csv", "report", ".git", "tests"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("student") / "course"
    publish.export(dest, site=False)
    return dest


def _files(dest: Path) -> list[str]:
    return sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())


def _cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"]]


def _between(text: str, begin: str, end: str) -> list[list[str]]:
    blocks, cur = [], None
    for line in text.splitlines():
        if begin in line:
            cur = []
        elif end in line and cur is not None:
            blocks.append(cur)
            cur = None
        elif cur is not None:
            cur.append(line.strip())
    return blocks


def _public_lines() -> set[str]:
    """Lines of what is meant to be public here: the release copies, the lecture notebooks
    and the package modules students import (a hidden-test line that is also one of these,
    such as ``with torch.no_grad():``, is not a secret)."""
    out: set[str] = set()
    notebooks = [*REPO_ROOT.glob("release/week*/*.ipynb"), *REPO_ROOT.glob("notebooks/*.ipynb")]
    for p in notebooks:
        for src in _cells(p):
            out.update(line.strip() for line in src.splitlines())
    modules = [REPO_ROOT / "autograder" / f for f in ("__init__.py", "checks.py", "utils.py")]
    for p in modules + sorted(REPO_ROOT.glob("autograder/data/*.py")):
        out.update(line.strip() for line in p.read_text("utf-8").splitlines())
    return out


def _secrets() -> tuple[set[str], list[list[str]]]:
    """(every non-trivial hidden-test or solution line of source/, every solution block)."""
    public = _public_lines()
    lines: set[str] = set()
    blocks: list[list[str]] = []
    for nb in sorted(REPO_ROOT.glob("source/week*/*.ipynb")):
        for src in _cells(nb):
            for begin, end in (("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"),
                               ("### BEGIN SOLUTION", "### END SOLUTION")):
                for block in _between(src, begin, end):
                    lines.update(s for s in block if len(s) >= 6 and s not in public)
                    if begin.endswith("SOLUTION") and sum(1 for s in block if s) >= 2:
                        blocks.append([s for s in block if s])
    return lines, blocks


def _leaks(dest: Path) -> list[str]:
    secret_lines, solution_blocks = _secrets()
    found = []
    for rel in _files(dest):
        path = dest / rel
        try:
            raw = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        texts = _cells(path) if rel.endswith(".ipynb") else [raw]
        present = {line.strip() for t in texts for line in t.splitlines()}
        hits = secret_lines & present
        if hits:
            found.append(f"{rel}: {sorted(hits)[:3]}")
        for t in texts:
            flat = "\n".join(s.strip() for s in t.splitlines() if s.strip())
            for block in solution_blocks:
                if "\n".join(block) in flat:
                    found.append(f"{rel}: a whole solution body: {block[0]!r} …")
        if "BEGIN HIDDEN TESTS" in raw or "BEGIN SOLUTION" in raw:
            found.append(f"{rel}: nbgrader marker")
    return found


def test_export_holds_only_the_allow_list(exported):
    """Check that every exported file is allow-listed or generated, nothing else."""
    files = _files(exported)
    expected = sorted(set(publish.student_files()) | set(publish.GENERATED))
    assert files == expected
    for rel in files:
        assert not NEVER.intersection(rel.split("/")), rel
    assert not (exported / ".git").exists()
    for name in ("source", "solutions", "gradebook.db", "submitted", "autograded", "feedback"):
        assert not (exported / name).exists(), name
    # every release copy and every lecture is there
    for nb in REPO_ROOT.glob("release/week*/*.ipynb"):
        assert (exported / nb.relative_to(REPO_ROOT)).is_file(), nb
    for nb in REPO_ROOT.glob("notebooks/week*.ipynb"):
        assert (exported / nb.relative_to(REPO_ROOT)).is_file(), nb


def test_no_instructor_only_module(exported):
    """Check that the exported package holds the student modules and no instructor one."""
    modules = {p.stem for p in (exported / "autograder").glob("*.py")}
    assert {"__init__", "checks", "utils"} <= modules
    assert (exported / "autograder" / "data" / "__init__.py").is_file()
    assert not modules & INSTRUCTOR_ONLY, modules & INSTRUCTOR_ONLY
    assert not (exported / "autograder" / "site_config").exists()
    assert not (exported / "autograder" / "templates").exists()
    # and the allow-list itself never names an instructor module
    for rel in publish.student_files():
        if rel.startswith("autograder/") and rel.endswith(".py"):
            assert Path(rel).stem not in INSTRUCTOR_ONLY - {"__init__"}, rel


def test_no_hidden_test_line_and_no_solution_body(exported):
    """Check that no line of a hidden test and no solution body of source/ is exported."""
    secret_lines, blocks = _secrets()
    assert len(secret_lines) > 100 and blocks, "the secret set is too small to mean anything"
    assert _leaks(exported) == []


def test_a_planted_hidden_line_is_caught(exported, tmp_path):
    """Check that both this test's scan and publish.verify catch a leaked hidden line."""
    copy = tmp_path / "leaky"
    shutil.copytree(exported, copy)
    secret = min(_secrets()[0])
    nb_path = next((copy / "release").glob("week*/*.ipynb"))
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    nb["cells"][-1]["source"] = f"{secret}\n"
    nb_path.write_text(json.dumps(nb), encoding="utf-8")
    assert _leaks(copy), "the scan missed a planted hidden-test line"
    with pytest.raises(publish.PublishError, match="line"):
        publish.verify(copy)
    (copy / "source").mkdir()
    (copy / "source" / "x.ipynb").write_text("{}")
    with pytest.raises(publish.PublishError, match="forbidden name"):
        publish.verify(copy)


def test_badges_and_setup_cells_point_at_the_student_course(exported):
    """Check that Colab badges, setup cells and README name the student course only."""
    s = course.settings()
    student, instructor = s["student_repository"], s["repository"]
    assert student != instructor
    slug = student.removeprefix("https://github.com/")
    for nb in sorted((exported / "release").glob("week*/*.ipynb")):
        text = "\n".join(_cells(nb))
        a = nb.parent.name
        assert (f"https://colab.research.google.com/github/{slug}/blob/{s['version']}/"
                f"release/{a}/{a}.ipynb") in text, f"{a}: badge"
        assert f'COURSE_REPOSITORY = "{student}"' in text, f"{a}: setup cell"
    for rel in _files(exported):
        raw = (exported / rel).read_text(encoding="utf-8", errors="replace")
        assert instructor not in raw, f"instructor repository named in {rel}"
        assert "@@REPOSITORY@@" not in raw and "@@COLAB_URL" not in raw, rel
    for nb in sorted((exported / "notebooks").glob("*.ipynb")):
        for src in _cells(nb):
            for word in src.split():
                if "git+" in word:
                    assert f"git+{student}" in word, f"{nb.name}: {word}"
    readme = (exported / "README.md").read_text(encoding="utf-8")
    assert "시작하기" in readme and "## English" in readme and "Open In Colab" in readme
    assert course.colab_url("week01_tensors").startswith(
        f"https://colab.research.google.com/github/{slug}/")


def _fresh_venv(tmp_path: Path) -> Path:
    """A venv that sees this checkout's third-party packages but not its editable course
    package (the parent site-packages is on the path; its .pth files are not processed)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = subprocess.run([py, "-c", where], check=True, capture_output=True,
                             text=True).stdout.strip()
    Path(purelib, "_parent_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return py


_PROBE = """
import importlib.util, json, sys
import autograder, autograder.checks, autograder.utils, autograder.data
print(json.dumps({"file": autograder.__file__,
                  "instructor": [m for m in %r
                                 if importlib.util.find_spec("autograder." + m) is not None],
                  "set_seed": callable(autograder.utils.set_seed)}))
"""


def test_package_imports_and_installs_on_its_own(exported, tmp_path):
    """Check the exported package in a fresh interpreter: from the tree, then pip-installed."""
    py = _fresh_venv(tmp_path)
    probe = _PROBE % sorted(INSTRUCTOR_ONLY - {"__main__"})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # 1. from the exported tree
    from_tree = f"import sys; sys.path.insert(0, {str(exported)!r})\n" + probe
    out = subprocess.run([py, "-c", from_tree],
                         cwd=tmp_path, env=env, check=True, capture_output=True, text=True)
    info = json.loads(out.stdout.strip().splitlines()[-1])
    assert info["file"].startswith(str(exported)), info
    assert info["instructor"] == [] and info["set_seed"]
    # 2. `pip install` of the exported tree (what `pip install git+<student repo>` does)
    tree = tmp_path / "checkout"
    shutil.copytree(exported, tree)
    pip = subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                          "--no-index", "--ignore-installed", str(tree)],
                         check=False, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr[-3000:]
    out = subprocess.run([py, "-c", probe], cwd=tmp_path, env=env, check=True,
                         capture_output=True, text=True)
    info = json.loads(out.stdout.strip().splitlines()[-1])
    assert str(tmp_path / "venv") in info["file"], info
    assert info["instructor"] == [] and info["set_seed"]
    installed = Path(info["file"]).parent
    got = sorted(p.relative_to(installed).as_posix() for p in installed.rglob("*.py"))
    want = sorted(rel.removeprefix("autograder/") for rel in publish.student_files()
                  if rel.startswith("autograder/") and rel.endswith(".py"))
    assert got == want


def test_publish_refuses_unsafe_destinations_and_updates_a_clone(exported, tmp_path):
    """Check DEST safety: never the instructor repo or a foreign folder; a re-export keeps
    the student repository's .git and replaces the rest."""
    with pytest.raises(publish.PublishError, match="inside"):
        publish.export(REPO_ROOT, site=False)
    with pytest.raises(publish.PublishError, match="inside"):
        publish.export(REPO_ROOT / "docs" / "x", site=False)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("keep me")
    with pytest.raises(publish.PublishError, match="not empty"):
        publish.export(foreign, site=False)
    assert (foreign / "thesis.tex").read_text() == "keep me"
    clone = tmp_path / "clone"
    shutil.copytree(exported, clone)
    (clone / ".git").mkdir()
    (clone / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (clone / "stale.txt").write_text("from an older export")
    publish.export(clone, site=False)
    assert (clone / ".git" / "HEAD").is_file() and not (clone / "stale.txt").exists()
    assert (clone / "release").is_dir()


def test_cli_publish(tmp_path):
    """Check `python -m autograder publish --dest … --no-site` (what `make publish` runs)."""
    dest = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "autograder", "publish", "--dest", str(dest),
                           "--no-site"], check=False, cwd=REPO_ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert (dest / "README.md").is_file() and (dest / "pyproject.toml").is_file()
    bad = subprocess.run([sys.executable, "-m", "autograder", "publish", "--dest",
                          str(REPO_ROOT)], check=False, cwd=REPO_ROOT, capture_output=True,
                         text=True)
    assert bad.returncode == 1 and "instructor course" in bad.stderr

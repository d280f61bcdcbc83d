"""A student's local set-up (docs/STUDENT.md): ``pip install -r requirements-student.txt`` in a
fresh virtual environment, then the course package and every release notebook's setup cell and
imports work.

Offline and fast: the fresh venv sees only the distributions that requirements-student.txt
asks for and what they depend on (symlinked from this checkout's .venv, found through their
metadata), pip runs with ``--no-index --no-build-isolation``, and the course package is installed
from a copy of the student-facing files, so nothing in the checkout changes. A requirement that
is missing from the file (or a dependency of it that is not installed) makes pip or an import
fail here.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from autograder import nbtools
from conftest import ASSIGNMENTS, REPO

pytestmark = pytest.mark.slow

STUDENT_REQ = REPO / "requirements-student.txt"
#: what a student course holds of this repository for `pip install -e .`
STUDENT_FILES = ["pyproject.toml", "README.md", "LICENSE", "autograder", "requirements-student.txt"]
GRADING_ONLY = {"nbgrader", "psycopg2-binary", "dask", "pytest", "pytest-xdist", "sphinx",
                "myst-nb", "sphinx-book-theme", "sphinx-mathjax-offline", "websocket-client",
                "notebook", "nbconvert", "nbclient", "nbformat"}


def _requirements(path: Path) -> list[Requirement]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            out.append(Requirement(line))
    return out


def _closure(reqs: list[Requirement]) -> dict[str, md.Distribution]:
    """Installed distributions needed by ``reqs`` (markers evaluated, extras followed)."""
    env = default_environment()
    found: dict[str, md.Distribution] = {}
    todo = [(r, frozenset(r.extras)) for r in reqs]
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        key = name + "[" + ",".join(sorted(extras)) + "]"
        if key in found:
            continue
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError:
            pytest.fail(f"{req} is not installed in .venv: requirements-student.txt asks for a "
                        "package the course does not use (or add it to requirements.txt)")
        found[key] = dist
        for spec in dist.requires or []:
            sub = Requirement(spec)
            if sub.marker is None or any(sub.marker.evaluate({**env, "extra": e})
                                         for e in (extras or {""})):
                todo.append((sub, frozenset(sub.extras)))
    return {k.split("[")[0]: d for k, d in found.items()}


def _expose(dists, site: Path, target: Path) -> None:
    """Symlink the files of ``dists`` (top-level entries of their RECORD) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for dist in dists:
        for f in dist.files or []:
            top = Path(f).parts[0]
            if top in ("..", "__pycache__") or top.endswith(".pth") or "__editable__" in top:
                continue
            src = site / top
            if src.exists() and not (target / top).exists():
                (target / top).symlink_to(src)


def _release_imports(nb_path: Path) -> tuple[str, str]:
    """(setup cell source, every top-level import statement of the other code cells)."""
    nb = nbtools.read(nb_path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    setup = code[0].source
    imports = []
    for c in code[1:]:
        try:
            tree = ast.parse(c.source)
        except SyntaxError:
            continue
        imports += [ast.unparse(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    return setup, "\n".join(dict.fromkeys(imports))


@pytest.fixture(scope="module")
def student_venv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("student")
    course = tmp / "course"
    course.mkdir()
    for name in STUDENT_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, course / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, course / name)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    py = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # what the student's pip would download: only requirements-student.txt and its dependencies
    site = Path(sysconfig.get_paths()["purelib"])
    tools = [md.distribution(n) for n in ("pip", "setuptools")]
    dists = list(_closure(_requirements(STUDENT_REQ)).values())
    wheels = tmp / "wheelhouse"
    _expose(dists + tools, site, wheels)
    venv_site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                    capture_output=True, text=True, check=True).stdout.strip())
    (venv_site / "_student_wheelhouse.pth").write_text(str(wheels) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update({"PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "DLCOURSE_OFFLINE": "1",
                "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"})
    proc = subprocess.run([str(py), "-m", "pip", "install", "--no-build-isolation", "-q",
                           "-r", "requirements-student.txt"], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600)
    return {"py": py, "env": env, "course": course, "install": proc, "tmp": tmp}


def test_requirements_file_is_plain_pip(student_venv):
    text = STUDENT_REQ.read_text(encoding="utf-8")
    assert "make " not in re.sub(r"#.*", "", text)
    torch_line = next(r for r in _requirements(STUDENT_REQ) if r.name == "torch")
    assert not any(s.operator == "==" for s in torch_line.specifier), \
        "torch must be a range so pip picks the wheel for Windows, macOS and Linux"
    assert "+cpu" not in str(torch_line) and "+cu" not in str(torch_line)


def test_student_requirements_cover_the_course_runtime():
    student = {canonicalize_name(r.name) for r in _requirements(STUDENT_REQ)}
    runtime = {canonicalize_name(r.name) for r in _requirements(REPO / "requirements.txt")}
    missing = runtime - student - {canonicalize_name(n) for n in GRADING_ONLY} - {"jupyterlab"}
    assert not missing, f"requirements.txt runtime packages missing from requirements-student.txt: {missing}"


def test_pip_install_in_a_fresh_venv_succeeds(student_venv):
    proc = student_venv["install"]
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    out = subprocess.run([str(student_venv["py"]), "-c",
                          "import autograder, json, torch, numpy, sklearn, matplotlib, mlxtend;"
                          "print(json.dumps([autograder.__file__, torch.__version__]))"],
                         env=student_venv["env"], capture_output=True, text=True, timeout=300,
                         cwd=student_venv["tmp"])
    assert out.returncode == 0, out.stderr[-3000:]
    package_file, _ = json.loads(out.stdout.strip().splitlines()[-1])
    assert str(student_venv["course"]) in package_file, \
        f"the course package must come from the student's folder, not {package_file}"


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_release_setup_cell_and_imports_run(student_venv, a):
    if student_venv["install"].returncode != 0:
        pytest.skip("install failed (see test_pip_install_in_a_fresh_venv_succeeds)")
    path = REPO / "release" / a / f"{a}.ipynb"
    assert path.exists(), f"release/{a} missing: run python -m autograder release --assignment {a}"
    setup, imports = _release_imports(path)
    script = setup + "\n" + imports + "\nprint('SETUP_OK')\n"
    out = subprocess.run([str(student_venv["py"]), "-c", script], env=student_venv["env"],
                         capture_output=True, text=True, timeout=300, cwd=student_venv["tmp"])
    assert out.returncode == 0 and "SETUP_OK" in out.stdout, \
        f"release/{a}: the setup cell or an import fails in a student's venv:\n{out.stderr[-3000:]}"


def test_student_doc_names_colab_menus_in_korean_and_every_os():
    text = (REPO / "docs" / "STUDENT.md").read_text(encoding="utf-8")
    for menu in ("런타임 → 런타임 유형 변경", "파일 → 드라이브에 사본 저장", "런타임 → 모두 실행",
                 "런타임 → 세션 다시 시작 및 모두 실행", "파일 → 다운로드"):
        assert menu in text, menu
    for os_name in ("Windows", "macOS", "Linux"):
        assert os_name in text
    assert "pip install -r requirements-student.txt" in text
    assert "make install" not in text

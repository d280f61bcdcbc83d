"""The student course: ``make publish DEST=…`` exports it as its own tree.

This repository is the instructor's course and stays private: ``source/`` holds the hidden
tests, ``solutions/`` the worked answers, and the grading code reads the gradebook and the
students' submissions. Students get a separate, public repository that holds only what
:data:`STUDENT_FILES` lists (the one allow-list of the student course), plus the files this
module writes for it (:data:`GENERATED`) and the built website (``site/``, see
:mod:`autograder.site`). The Colab badges and the setup cells of ``release/`` point at that
repository (``student_repository`` in ``[tool.dlcourse]``, pyproject.toml), so
``pip install git+<student repository>@<version>`` installs just the student package.

Before anything is written, and again after, the export is checked (:func:`verify`): every
file must come from the allow-list, and no line of a hidden test or a solution body from
``source/`` may appear in any file; a failed check raises :class:`PublishError` and the
export is not reported as done.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

from . import course
from .course import REPO_ROOT

#: The student course as an allow-list of instructor-repository paths (glob patterns; ``**``
#: crosses folders). Nothing else of this repository is ever exported. The package part is
#: what a student's notebook imports: the test helpers, ``set_seed``/``get_device`` and the
#: dataset loaders. Instructor-only modules (pipeline and the modules it is split into,
#: grading, repair, sandbox, feedback, report, demo, bench, authoring, publish, site, ...)
#: are absent by construction: a module is student-facing only once it is listed here.
STUDENT_FILES: tuple[str, ...] = (
    "LICENSE",
    "release/week*/**",            # student copies made by `make release` (no hidden tests)
    "notebooks/week*.ipynb",       # lecture notebooks
    "autograder/__init__.py",
    "autograder/checks.py",
    "autograder/utils.py",
    "autograder/data/*.py",
    "docs/STUDENT.md",
    "docs/GLOSSARY.md",
    "docs/CHECKPOINTS.md",
    "requirements-student.txt",    # a student's local install (docs/STUDENT.md)
    "requirements-nodeps.txt",     # data packages read by path (pip install --no-deps)
)

#: Files written by :func:`export` for the student course (not copied from here).
GENERATED: tuple[str, ...] = (
    "README.md",
    "pyproject.toml",
    ".gitignore",
    ".github/workflows/pages.yml",
    ".student-course.json",
)

#: The built website inside the export (served by GitHub Pages, see docs/INSTRUCTOR.md).
SITE_DIR = "site"

#: Names that must never appear as a path component of the export.
FORBIDDEN_NAMES = frozenset({
    "source", "solutions", "submitted", "autograded", "feedback", "incoming", "archive",
    "grading", "report", "gradebook.db", "grades.csv", ".git", "tests",
})

#: Planned weeks (README "Weeks"): shown as "준비 중" until their notebooks exist.
PLANNED_WEEKS = {
    1: "파이토치 텐서와 자동 미분", 2: "심층신경망(DNN)", 3: "합성곱 신경망(CNN)",
    4: "순환신경망과 LSTM", 5: "어텐션(attention)", 6: "BERT", 7: "RAG",
}

MARKER = ".student-course.json"
_SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints"}
_TOKEN_RE = re.compile(r"@@[A-Z_]+(?::[a-z0-9_]+)?@@")
_MIN_SECRET_LEN = 6


class PublishError(RuntimeError):
    """The student course could not be exported safely; the message lists every problem."""


def log(msg: str) -> None:
    print(f"[publish] {msg}", flush=True)


# --------------------------------------------------------------------------- allow-list


def _glob_re(pattern: str) -> re.Pattern:
    """``*`` within one folder, ``**`` across folders (like ``git``'s patterns)."""
    parts = re.split(r"(\*\*|\*|\?)", pattern)
    rx = "".join({"**": ".*", "*": "[^/]*", "?": "[^/]"}.get(p, re.escape(p)) for p in parts)
    return re.compile(rx + r"\Z")


_STUDENT_RES = tuple(_glob_re(p) for p in STUDENT_FILES)


def is_student_file(rel: str) -> bool:
    """True when ``rel`` (a POSIX path relative to the instructor repo) is in the allow-list."""
    parts = rel.split("/")
    if any(p in _SKIP_PARTS or p.endswith(".pyc") for p in parts):
        return False
    if parts[0] == "release" and (len(parts) < 3 or not course.ASSIGNMENT_RE.match(parts[1])):
        return False
    return any(rx.match(rel) for rx in _STUDENT_RES)


def student_files(root: Path = REPO_ROOT) -> list[str]:
    """Every allow-listed file of the instructor repository (relative POSIX paths), sorted."""
    found = []
    for top in sorted({p.split("/")[0] for p in STUDENT_FILES}):
        base = root / top
        paths = [base] if base.is_file() else sorted(base.rglob("*")) if base.is_dir() else []
        for path in paths:
            if path.is_file() and not path.is_symlink():
                rel = path.relative_to(root).as_posix()
                if is_student_file(rel):
                    found.append(rel)
    return sorted(found)


def student_packages(files: Iterable[str]) -> list[str]:
    """Python packages of the exported files (folders with an ``__init__.py``)."""
    return sorted(f.rsplit("/", 1)[0].replace("/", ".")
                  for f in files if f.endswith("/__init__.py"))


# --------------------------------------------------------------------------- secrets


def _cell_sources(path: Path) -> Iterator[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        src = cell.get("source", "")
        yield "".join(src) if isinstance(src, list) else src


def _split_blocks(text: str, begin: str, end: str) -> tuple[list[list[str]], list[str]]:
    """(blocks between ``begin``/``end`` markers, the lines outside them)."""
    blocks: list[list[str]] = []
    outside: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if begin in line:
            current = []
        elif end in line and current is not None:
            blocks.append(current)
            current = None
        elif current is not None:
            current.append(line)
        else:
            outside.append(line)
    return blocks, outside


def secret_lines(root: Path = REPO_ROOT) -> dict[str, set[str]]:
    """Lines of ``source/`` that must never be public, by kind (``hidden``, ``solution``).

    A line counts when, stripped, it has at least 6 characters and appears nowhere in the
    public inputs of the export (the release copies, the lecture notebooks and the
    allow-listed package modules as they are here): ``with torch.no_grad():`` is in the
    lectures, a hidden test's seeded reference is not.
    """
    public: set[str] = set()
    for rel in student_files(root):
        path = root / rel
        texts = (_cell_sources(path) if rel.endswith(".ipynb")
                 else [path.read_text(encoding="utf-8", errors="replace")])
        for text in texts:
            public.update(line.strip() for line in text.splitlines())
    out: dict[str, set[str]] = {"hidden": set(), "solution": set()}
    for nb_path in sorted((root / "source").glob("week*/*.ipynb")):
        for text in _cell_sources(nb_path):
            for kind, begin, end in (("hidden", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"),
                                     ("solution", "### BEGIN SOLUTION", "### END SOLUTION")):
                blocks, _ = _split_blocks(text, begin, end)
                for block in blocks:
                    out[kind].update(s for s in (line.strip() for line in block)
                                     if len(s) >= _MIN_SECRET_LEN and s not in public)
    return out


def _text_files(dest: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(dest.rglob("*")):
        rel = path.relative_to(dest).as_posix()
        if rel == ".git" or rel.startswith(".git/") or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:4096]:
            continue  # binary (PNG, fonts)
        text = data.decode("utf-8", errors="replace")
        if rel.endswith(".ipynb"):
            try:
                text = "\n".join(_cell_sources(path)) + "\n" + text
            except ValueError:
                pass
        yield rel, text


def verify(dest: Path, root: Path = REPO_ROOT) -> None:
    """Raise :class:`PublishError` unless ``dest`` is a clean student course.

    Checks: every path is allow-listed, generated or under ``site/``; no forbidden folder
    or file name (``source``, ``solutions``, gradebook, submissions, ``.git`` other than the
    student repository's own); no instructor-only Python module; no unfilled token; no
    address of the instructor repository; no secret line of ``source/``.
    """
    dest = Path(dest)
    problems: list[str] = []
    exported = set(student_files(root))
    allowed = exported | set(GENERATED)
    for path in sorted(dest.rglob("*")):
        rel = path.relative_to(dest).as_posix()
        if rel == ".git" or rel.startswith(".git/"):
            continue  # the student repository's own history (never ours: see export())
        if path.is_symlink():
            problems.append(f"symlink: {rel}")
        parts = rel.split("/")
        bad = FORBIDDEN_NAMES.intersection(parts[1:] if parts[0] == SITE_DIR else parts)
        if bad:
            problems.append(f"forbidden name {sorted(bad)}: {rel}")
        if path.is_file() and rel not in allowed and parts[0] != SITE_DIR:
            problems.append(f"not in the allow-list: {rel}")
        if (path.suffix == ".py" and parts[0] == "autograder"
                and rel not in exported):
            problems.append(f"instructor-only module: {rel}")
    settings = course.settings(root)
    instructor = settings["repository"].rstrip("/")
    secrets = secret_lines(root)
    for rel, text in _text_files(dest):
        if instructor in text:
            problems.append(f"instructor repository address in {rel}")
        if rel.split("/")[0] != SITE_DIR and _TOKEN_RE.search(text):
            problems.append(f"unfilled token {_TOKEN_RE.search(text).group(0)} in {rel}")
        if "### BEGIN HIDDEN TESTS" in text or "### BEGIN SOLUTION" in text:
            problems.append(f"nbgrader hidden/solution marker in {rel}")
        lines = {line.strip() for line in text.replace("\\n", "\n").splitlines()}
        for kind, found in secrets.items():
            hits = sorted(found & lines)
            if hits:
                problems.append(f"{len(hits)} {kind} line(s) of source/ in {rel}: {hits[0]!r}")
    if problems:
        raise PublishError("the student course export is not clean:\n  "
                           + "\n  ".join(problems))


# --------------------------------------------------------------------------- generated files


def _notebook_title(path: Path) -> str | None:
    for text in _cell_sources(path):
        for line in text.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return None


def _topic(title: str | None) -> str | None:
    if not title:
        return None
    return title.split("—", 1)[1].strip() if "—" in title else title


def weeks(dest: Path) -> list[dict]:
    """One row per week (1–7 and any week found): number, topic, lecture, assignments."""
    rows: dict[int, dict] = {n: {"week": n, "topic": t, "lecture": None, "assignments": []}
                             for n, t in PLANNED_WEEKS.items()}

    def row(n: int) -> dict:
        return rows.setdefault(n, {"week": n, "topic": f"{n}주차", "lecture": None,
                                   "assignments": []})

    for nb in sorted((dest / "notebooks").glob("week*.ipynb")):
        m = re.match(r"week(\d\d)_", nb.name)
        if m:
            r = row(int(m.group(1)))
            r["lecture"] = nb.relative_to(dest).as_posix()
            r["topic"] = _topic(_notebook_title(nb)) or r["topic"]
    for nb in sorted((dest / "release").glob("week*/*.ipynb")):
        m = re.match(r"week(\d\d)_", nb.parent.name)
        if m and nb.stem == nb.parent.name:
            row(int(m.group(1)))["assignments"].append(nb.parent.name)
    return [rows[n] for n in sorted(rows)]


def _readme(dest: Path, root: Path) -> str:
    s = course.settings(root)
    repo, version = course.student_repository(root), s["version"]
    name = repo.rstrip("/").rsplit("/", 1)[-1]
    badge = "https://colab.research.google.com/assets/colab-badge.svg"
    table = ["| 주차 | 주제 | 강의 (lecture) | 과제 (graded, 100점) | Colab |",
             "| --- | --- | --- | --- | --- |"]
    for w in weeks(dest):
        lecture = f"[{w['lecture']}]({w['lecture']})" if w["lecture"] else "준비 중"
        graded = ", ".join(f"[{a}](release/{a}/{a}.ipynb)" for a in w["assignments"]) or "준비 중"
        colab = " ".join(f"[![Open In Colab]({badge})]({course.colab_url(a, root)})"
                         for a in w["assignments"])
        table.append(f"| {w['week']} | {w['topic']} | {lecture} | {graded} | {colab} |")
    site = s.get("site_url", "")
    site_line = (f"강의 노트북을 실행 결과와 그림까지 함께 읽을 수 있는 웹사이트: <{site}>\n\n"
                 if site else "")
    return f"""# 딥러닝 핵심 (Deep Learning Essentials) — 학생용 코스

파이토치(PyTorch)로 딥러닝을 처음 배우는 한국어 학습자를 위한 7주 과정입니다. 매주 강의 노트북과
자동 채점(nbgrader) 과제 노트북이 있습니다. 과제의 보이는 테스트(visible tests)는 노트북 안에서 바로
실행해 볼 수 있고, 제출하면 숨겨진 테스트(hidden tests)가 새 입력으로 한 번 더 채점합니다.

{site_line}## 시작하기 — 두 가지 방법

**1. Colab (설치 없이)**: 아래 표의 "Open in Colab" 배지를 누르고, *드라이브에 사본 저장* 후 작업하세요.
노트북 맨 위의 설정(setup) 셀이 코스 패키지(`autograder`)만 설치하고, Colab의 torch는 그대로 둡니다.

**2. 내 컴퓨터 (로컬, Python ≥ 3.11)**: 자세한 설명(Windows, macOS, Linux)은 [학생 안내](docs/STUDENT.md)에 있습니다.

```bash
git clone {repo}.git
cd {name}
python -m venv .venv && source .venv/bin/activate   # Windows: .venv\\Scripts\\activate
python -m pip install -r requirements-student.txt
python -m pip install --no-deps -r requirements-nodeps.txt   # data files some weeks read
jupyter lab
```

코스 패키지만 필요하면: `pip install "dlcourse-autograder @ git+{repo}@{version}"`.

## 주차 (weeks)

{chr(10).join(table)}

## 문서

- [학생 안내](docs/STUDENT.md): 과제를 여는 법, 작업 방법, 제출
- [체크포인트 지도](docs/CHECKPOINTS.md): 시험 주제마다 그 주제를 다루는 강의 절과 과제 셀
- [용어집](docs/GLOSSARY.md): 코스 전체에서 쓰는 한국어 용어와 영어 용어

## English

An open seven-week PyTorch course for Korean learners (tensors, DNN, CNN, LSTM, attention,
BERT, RAG). Each week has a lecture notebook (`notebooks/`) and an auto-graded assignment
(`release/`); open an assignment on Colab with its badge above, or clone this repository,
`pip install -r requirements-student.txt` and run `jupyter lab`. The `autograder` package holds the
notebooks' test helpers (`checks`), `set_seed`/`get_device` (`utils`) and offline-first
dataset loaders (`data`). This repository is generated from the instructor's course by
`make publish`; version {version}.

## License

MIT (see [LICENSE](LICENSE)).
"""


def _toml(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _pyproject(files: list[str], root: Path) -> str:
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = [
        "# Generated by `make publish` in the instructor's course: the student package only.",
        "[build-system]",
        'requires = ["setuptools>=68"]',
        'build-backend = "setuptools.build_meta"',
        "",
        "[project]",
        f"name = {_toml(project['name'])}",
        f"version = {_toml(project['version'])}",
        ('description = "Deep Learning Essentials (PyTorch, Korean): test helpers, set_seed '
         'and offline-first data loaders for the course notebooks"'),
        'readme = "README.md"',
        f"license = {_toml(project.get('license', {'text': 'MIT'}))}",
        f"requires-python = {_toml(project.get('requires-python', '>=3.11'))}",
        "# No torch: on Colab the setup cell installs this package and must keep Colab's torch.",
        f"dependencies = {_toml(project.get('dependencies', []))}",
    ]
    extras = project.get("optional-dependencies")
    if extras:
        lines += ["", "[project.optional-dependencies]"]
        lines += [f"{k} = {_toml(v)}" for k, v in extras.items()]
    lines += ["", "[tool.setuptools]", f"packages = {_toml(student_packages(files))}", ""]
    return "\n".join(lines)


_GITIGNORE = """.venv/
__pycache__/
*.pyc
*.egg-info/
build/
.ipynb_checkpoints/
"""

_PAGES_WORKFLOW = """# Serves the prebuilt course website (site/, from `make publish`) on GitHub Pages.
# Settings → Pages → Source: "GitHub Actions". Nothing is built here: the site was built,
# with the lecture notebooks executed, on the instructor's machine.
name: pages
on:
  push:
    branches: [main]
  workflow_dispatch:
permissions:
  contents: read
  pages: write
  id-token: write
concurrency:
  group: pages
  cancel-in-progress: true
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/upload-pages-artifact@v3
        with:
          path: site
      - id: deployment
        uses: actions/deploy-pages@v4
"""


# --------------------------------------------------------------------------- export


def _prepare_dest(dest: Path, root: Path) -> None:
    """Refuse a destination that could hold anything but a previous student export."""
    dest = dest.resolve()
    root = root.resolve()
    if dest == root or root.is_relative_to(dest) or (
            dest.is_relative_to(root) and not dest.is_relative_to(root / "build")):
        raise PublishError(f"DEST={dest} is inside (or holds) the instructor course {root}; "
                           "publish to another folder (e.g. a clone of the student repository "
                           "beside this one) or under build/")
    if not dest.exists():
        dest.mkdir(parents=True)
        return
    entries = [p for p in dest.iterdir() if p.name != ".git"]
    if entries and not (dest / MARKER).is_file():
        raise PublishError(f"DEST={dest} is not empty and holds no {MARKER} of an earlier "
                           "`make publish`: refusing to overwrite it (use an empty folder or a "
                           "clone of the student repository)")
    for p in entries:  # an earlier export: replace it, keep the student repository's .git
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()


def export(dest: Path, root: Path = REPO_ROOT, site: bool = True,
           site_html: Path | None = None) -> Path:
    """Write the student course into ``dest``; return ``dest``.

    ``site=True`` builds the website from the export (:func:`autograder.site.build`) and
    copies it to ``dest/site``; ``site_html`` copies an already built site instead.
    """
    root = Path(root)
    dest = Path(dest)
    files = student_files(root)
    missing = [p for p in ("LICENSE", "autograder/__init__.py", "autograder/checks.py")
               if p not in files]
    if missing:
        raise PublishError(f"the instructor course lacks {missing}")
    _prepare_dest(dest, root)
    for rel in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".ipynb"):  # tokens → the student course's address and version
            target.write_text(course.fill_tokens((root / rel).read_text(encoding="utf-8"), root),
                              encoding="utf-8")
        else:
            shutil.copyfile(root / rel, target)
    s = course.settings(root)
    generated = {
        "README.md": _readme(dest, root),
        "pyproject.toml": _pyproject(files, root),
        ".gitignore": _GITIGNORE,
        ".github/workflows/pages.yml": _PAGES_WORKFLOW,
        MARKER: json.dumps({"course_id": s.get("course_id"), "version": s["version"],
                            "repository": course.student_repository(root),
                            "generated_by": "make publish"}, indent=2) + "\n",
    }
    assert set(generated) == set(GENERATED)
    for rel, text in generated.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(text, encoding="utf-8")
    verify(dest, root)
    if site or site_html:
        if site_html is None:
            from . import site as site_mod
            site_html = site_mod.build(export_dir=dest, root=root)
        shutil.copytree(site_html, dest / SITE_DIR, ignore=shutil.ignore_patterns(".buildinfo"))
        (dest / SITE_DIR / ".nojekyll").touch()
        verify(dest, root)
    log(f"student course: {dest} ({len(files)} files from the allow-list"
        f"{', site/' if (dest / SITE_DIR).is_dir() else ''})")
    return dest

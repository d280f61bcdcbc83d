"""``make site``: the student course website, built offline with Sphinx + MyST-NB.

The site is built from the student course export (:func:`autograder.publish.export`), never
from instructor material: ``build/site/export`` is a fresh export, ``build/site/src`` the
Sphinx project made from it (pages + ``autograder/site_config/``), ``build/site/html`` the
website. Pages:

- a Korean home page: the week table and the two ways to start (Colab, local);
- one page per lecture notebook, executed at build time with its figures and outputs.
  Outputs are cached by jupyter-cache in ``build/site/jupyter_cache``: a rebuild re-executes
  only a notebook whose code changed, so a rebuild without changes takes seconds;
- one page per graded assignment: the release copy, unexecuted, with its Colab badge;
- the checkpoint map (links to the exact lecture sections and assignment parts), the
  student guide, the glossary; Sphinx's search with a Korean (particle-aware) stemmer.

The lecture kernels import the exported student package (``PYTHONPATH`` = the export), run
offline (``DLCOURSE_OFFLINE=1``) and, where bubblewrap works, the whole build runs in a
network namespace with no network: a page that needed a download would fail the build.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import course, publish
from .course import REPO_ROOT

CONFIG_DIR = Path(__file__).resolve().parent / "site_config"
TITLE = "딥러닝 핵심 (Deep Learning Essentials)"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"

#: A local "Open in Colab" badge: the site loads no image from outside.
_BADGE_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="117" height="20" role="img" \
aria-label="Open in Colab"><title>Open in Colab</title><rect width="117" height="20" rx="3" \
fill="#555"/><rect x="20" width="97" height="20" rx="3" fill="#f9ab00"/><rect x="20" \
width="6" height="20" fill="#f9ab00"/><circle cx="7.5" cy="10" r="4.5" fill="none" \
stroke="#f9ab00" stroke-width="2.2"/><circle cx="13" cy="10" r="4.5" fill="none" \
stroke="#f9ab00" stroke-width="2.2"/><text x="68" y="14" fill="#fff" font-family="Verdana,\
DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">Open in Colab</text></svg>
"""


def log(msg: str) -> None:
    print(f"[site] {msg}", flush=True)


# --------------------------------------------------------------------------- pages


def _rel(from_doc: str, target: str) -> str:
    """Relative link from the page ``from_doc`` (a source path) to ``target``."""
    return os.path.relpath(target, os.path.dirname(from_doc) or ".").replace(os.sep, "/")


def home_page(export_dir: Path, root: Path = REPO_ROOT) -> str:
    s = course.settings(root)
    repo, version = course.student_repository(root), s["version"]
    name = repo.rstrip("/").rsplit("/", 1)[-1]
    rows = publish.weeks(export_dir)
    table = ["| 주차 | 주제 | 강의 (lecture) | 과제 (graded, 100점) | Colab |",
             "| --- | --- | --- | --- | --- |"]
    lectures, assignments = [], []
    for w in rows:
        if w["lecture"]:
            lectures.append(w["lecture"])
        assignments += [f"release/{a}/{a}.ipynb" for a in w["assignments"]]
        lecture = f"[{w['week']}주차 강의]({w['lecture']})" if w["lecture"] else "준비 중"
        graded = ", ".join(f"[{a}](release/{a}/{a}.ipynb)" for a in w["assignments"]) or "준비 중"
        colab = " ".join(f"[![Open In Colab](_static/colab-badge.svg)]({course.colab_url(a, root)})"
                         for a in w["assignments"])
        table.append(f"| {w['week']} | {w['topic']} | {lecture} | {graded} | {colab} |")

    def toctree(caption: str, docs: list[str]) -> str:
        if not docs:
            return ""
        body = "\n".join(d.removesuffix(".ipynb").removesuffix(".md") for d in docs)
        return f"```{{toctree}}\n:hidden:\n:caption: {caption}\n\n{body}\n```\n"

    return f"""# {TITLE}

파이토치(PyTorch)로 딥러닝을 처음 배우는 한국어 학습자를 위한 7주 과정입니다. 매주 **강의 노트북**과
**자동 채점 과제**(graded assignment)가 하나씩 있습니다. 이 사이트의 강의 페이지는 노트북을 실제로 실행한
결과라서, 코드를 돌려 보기 전에 출력과 그림을 먼저 읽어 볼 수 있습니다. 과제 페이지는 배포본 그대로
(실행하지 않은 상태)이며, 직접 풀려면 Colab이나 내 컴퓨터에서 여세요.

## 시작하는 두 가지 방법

### 1. Colab에서 바로 (설치 없이)

아래 표의 **Open in Colab** 배지를 누르고, 메뉴의 *드라이브에 사본 저장*으로 내 사본을 만든 뒤 작업하세요.
노트북 맨 위의 설정(setup) 셀이 코스 패키지(`autograder`)만 설치하고, Colab에 있는 torch는 그대로 둡니다.

### 2. 내 컴퓨터에서 (로컬, Python 3.11 이상)

```bash
git clone {repo}.git
cd {name}
python -m venv .venv && source .venv/bin/activate
python -m pip install -r requirements-student.txt
python -m pip install --no-deps -r requirements-nodeps.txt
jupyter lab
```

Windows(PowerShell)에서는 활성화 명령이 `.venv\\Scripts\\Activate.ps1`입니다. 자세한 설치 안내는
[학생 안내](docs/STUDENT.md)에 있습니다.

코스 패키지만 설치하려면 `pip install "dlcourse-autograder @ git+{repo}@{version}"` 입니다.

## 주차별 강의와 과제

{chr(10).join(table)}

과제를 푸는 방법과 제출 방법은 [학생 안내](docs/STUDENT.md)에, 시험 주제마다 그 주제를 다루는 강의
절과 과제 셀은 [체크포인트 지도](docs/CHECKPOINTS.md)에, 코스 전체에서 쓰는 용어는
[용어집](docs/GLOSSARY.md)에 있습니다. 소스: <{repo}> ({version})

{toctree("시작하기", ["docs/STUDENT.md"])}
{toctree("강의 (lectures)", lectures)}
{toctree("과제 (assignments)", assignments)}
{toctree("참고 자료", ["docs/CHECKPOINTS.md", "docs/GLOSSARY.md"])}
"""


_ENTRY_RE = re.compile(r"^`(week\d\d_[a-z0-9_]+)` › (.+)$")
_POINTS_RE = re.compile(r"\s*\(\d+(?:\.\d+)?점\)\s*$")
_LECTURE_LINK_RE = re.compile(
    r"\[(notebooks/[^\]]+?\.ipynb) — ([^\]]+)\]\(\.\./(notebooks/[^)#]+\.ipynb)(#[^)]*)?\)")


def _slug(heading: str) -> str:
    """The anchor MyST gives a heading: GitHub-style, math (``$…$``) left out."""
    from myst_parser.slugs import github_slugify

    text = re.sub(r"\$[^$]*\$", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [label](url) → label
    return github_slugify(text)


def sections(nb_path: Path) -> list[tuple[str, str]]:
    """(text, anchor) for every heading of a notebook, in order, plus the first line of every
    markdown cell without a heading, mapped to the section it sits in (checkpoint tags may
    sit on such cells)."""
    out: list[tuple[str, str]] = []
    used: set[str] = set()
    current = ""
    for cell in json.loads(nb_path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        headed = False
        for line in src.splitlines():
            m = re.match(r"^#{1,6} +(.+?)\s*#*\s*$", line)
            if m:
                base = slug = _slug(m.group(1))
                n = 1
                while slug in used:  # MyST numbers repeated headings: x, x-1, x-2
                    slug, n = f"{base}-{n}", n + 1
                used.add(slug)
                current, headed = slug, True
                out.append((m.group(1).strip(), slug))
        first = src.strip().splitlines()[0].strip() if src.strip() else ""
        if not headed and first and current:
            out.append((first, current))
    return out


def _find(entries: list[tuple[str, str]], label: str) -> str | None:
    label = _POINTS_RE.sub("", label).strip()
    for text, slug in entries:
        t = _POINTS_RE.sub("", text).strip()
        if t == label or (len(label) >= 20 and t.startswith(label)):
            return slug
    return None


def checkpoint_page(text: str, export_dir: Path) -> str:
    """docs/CHECKPOINTS.md for the site: every lecture link points at the real anchor of its
    section, every graded entry links to its assignment page and, where it names a part, to
    that part's section. A section that cannot be found links to the page (and is listed)."""
    cache: dict[Path, list[tuple[str, str]]] = {}

    def anchors(path: Path) -> list[tuple[str, str]]:
        if path not in cache:
            cache[path] = sections(path) if path.is_file() else []
        return cache[path]

    unresolved: list[str] = []

    def lecture(m: re.Match) -> str:
        label_nb, label, target = m.group(1), m.group(2), m.group(3)
        slug = _find(anchors(export_dir / target), label)
        if slug is None:
            unresolved.append(f"{target} — {label}")
        return f"[{label_nb} — {label}](../{target}{'#' + slug if slug else ''})"

    out = []
    for line in text.splitlines():
        line = _LECTURE_LINK_RE.sub(lecture, line)
        m = re.match(r"^(\s*- (?:과제 \(graded\): )?)(`week.*)$", line)
        if m:
            entries = []
            for entry in m.group(2).split("; "):
                e = _ENTRY_RE.match(entry)
                nb = export_dir / "release" / e.group(1) / f"{e.group(1)}.ipynb" if e else None
                if nb is not None and nb.is_file():
                    a, rest = e.groups()
                    target = f"../release/{a}/{a}.ipynb"
                    part = rest.split(" › ")[0]
                    slug = None if part.startswith("`") else _find(anchors(nb), part)
                    entry = f"[{entry}]({target}{'#' + slug if slug else ''})"
                entries.append(entry)
            line = m.group(1) + "; ".join(entries)
        out.append(line)
    if unresolved:
        log("checkpoint map: no such lecture section (linked to the page): "
            + "; ".join(unresolved))
    return "\n".join(out) + "\n"


def _site_notebook(text: str, doc: str) -> str:
    """A release copy for the site: the Colab badge image served from the site itself."""
    return text.replace(COLAB_BADGE, _rel(doc, "_static/colab-badge.svg"))


def source_files(export_dir: Path, root: Path, cache: Path) -> dict[str, bytes]:
    """Every file of the Sphinx project (relative path → content)."""
    export_dir = Path(export_dir)
    s = course.settings(root)
    files: dict[str, bytes] = {}
    for nb in sorted((export_dir / "notebooks").glob("week*.ipynb")):
        files[f"notebooks/{nb.name}"] = nb.read_bytes()
    for nb in sorted((export_dir / "release").glob("week*/*.ipynb")):
        rel = nb.relative_to(export_dir).as_posix()
        files[rel] = _site_notebook(nb.read_text(encoding="utf-8"), rel).encode()
    for name in ("STUDENT.md", "GLOSSARY.md", "CHECKPOINTS.md"):
        path = export_dir / "docs" / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if name == "CHECKPOINTS.md":
                text = checkpoint_page(text, export_dir)
            files[f"docs/{name}"] = text.encode()
    files["index.md"] = home_page(export_dir, root).encode()
    for path in sorted(CONFIG_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files[path.relative_to(CONFIG_DIR).as_posix()] = path.read_bytes()
    files["_static/colab-badge.svg"] = _BADGE_SVG.encode()
    files["_course.json"] = json.dumps({
        "title": TITLE, "version": s["version"], "repository": course.student_repository(root),
        "site_url": s.get("site_url", ""), "cache": str(cache),
        "footer": f"학생용 코스 {s['version']} · make site로 생성",
    }, ensure_ascii=False, indent=2).encode()
    return files


def sync(files: dict[str, bytes], src: Path) -> int:
    """Write ``files`` under ``src``, touching only changed files (Sphinx rebuilds by mtime);
    delete anything else. Returns the number of files written."""
    src.mkdir(parents=True, exist_ok=True)
    written = 0
    for rel, data in files.items():
        path = src / rel
        if path.is_file() and path.read_bytes() == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written += 1
    for path in sorted(src.rglob("*"), reverse=True):
        rel = path.relative_to(src).as_posix()
        if path.is_file() and rel not in files:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return written


# --------------------------------------------------------------------------- build


def _no_network_prefix() -> list[str]:
    """``bwrap`` arguments that run a command with no network (loopback only), or []."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return []
    prefix = [bwrap, "--dev-bind", "/", "/", "--unshare-net", "--die-with-parent", "--"]
    try:
        ok = subprocess.run(prefix + ["true"], check=False, capture_output=True,
                            timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return prefix if ok else []


#: IPython startup file of the lecture kernels: a static page cannot run widgets, so
#: ``tqdm.auto`` (which would draw an ipywidgets bar, frozen at 0% on the page) prints a
#: text bar, once, when the loop ends ("100%|██████████| 50/50 [00:01<00:00, 40it/s]").
_KERNEL_STARTUP = """\
import tqdm.auto as _auto, tqdm.std as _std


class _SiteTqdm(_std.tqdm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("delay", 1e9)  # no bar while the loop runs ...
        super().__init__(*args, **kwargs)

    def close(self):
        self.delay = 0  # ... and the finished bar once, at the end
        super().close()


_auto.tqdm = _SiteTqdm
_auto.trange = lambda *args, **kwargs: _SiteTqdm(range(*args), **kwargs)
del _auto, _std
"""


def kernel_env(export_dir: Path, work: Path) -> dict[str, str]:
    """Environment of the build and its lecture kernels: offline, one thread, the exported
    student package first on the path, inline figures (no forced Agg backend), text
    progress bars (an IPython profile under ``work``)."""
    ipython_dir = work / "ipython"
    startup = ipython_dir / "profile_default" / "startup" / "00-site.py"
    startup.parent.mkdir(parents=True, exist_ok=True)
    if not startup.is_file() or startup.read_text() != _KERNEL_STARTUP:
        startup.write_text(_KERNEL_STARTUP)
    env = dict(os.environ)
    env.update({"DLCOURSE_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
                "PYTHONPATH": str(Path(export_dir).resolve()),
                "IPYTHONDIR": str(ipython_dir.resolve())})
    for key in ("MPLBACKEND", "TQDM_DISABLE"):
        env.pop(key, None)
    return env


#: Executes the lectures that are not in the cache yet, one kernel per core (jupyter-cache's
#: parallel executor), before Sphinx reads them; Sphinx then finds every lecture cached. A
#: lecture that fails here is simply not cached: Sphinx runs it again and reports the error.
_PRE_EXECUTE = """\
import sys
from jupyter_cache import get_cache
from jupyter_cache.executors import load_executor

cache = get_cache(sys.argv[1])
todo = []
for uri in sys.argv[3:]:
    try:
        cache.match_cache_file(uri)
    except KeyError:
        todo.append(uri)
if len(todo) > 1:
    for uri in todo:
        cache.add_nb_to_project(uri)
    result = load_executor("local-parallel", cache).run_and_cache(
        filter_uris=todo, timeout=int(sys.argv[2]))
    print(f"executed {len(result.succeeded)} lecture(s) in parallel; "
          f"{len(result.excepted) + len(result.errored)} left to Sphinx")
"""


def _prune_cache(cache: Path) -> None:
    """Keep one executed copy per lecture (the newest): old versions only take space."""
    if not cache.is_dir():
        return
    from jupyter_cache import get_cache

    jc = get_cache(str(cache))
    newest: dict[str, object] = {}
    for rec in sorted(jc.list_cache_records(), key=lambda r: r.created):
        if rec.uri in newest:
            jc.remove_cache(newest[rec.uri].pk)
        newest[rec.uri] = rec


def build(export_dir: Path | None = None, out: Path | None = None, root: Path = REPO_ROOT,
          fresh: bool = False, work: Path | None = None, offline: bool = True) -> Path:
    """Build the website; return the HTML folder (``build/site/html`` by default).

    ``export_dir``: a student course export to build from (default: a fresh export into
    ``build/site/export``). ``fresh=True`` drops the execution cache and the Sphinx
    environment (every lecture re-executes). ``offline=True`` runs the build with no
    network where bubblewrap works (loopback only: kernels still talk to Sphinx).
    """
    root = Path(root)
    work = Path(work or root / "build" / "site")
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if export_dir is None:
        export_dir = publish.export(work / "export", root, site=False)
    cache, doctrees = work / "jupyter_cache", work / "doctrees"
    html = Path(out or work / "html")
    if fresh:
        for d in (cache, doctrees, html):
            shutil.rmtree(d, ignore_errors=True)
    src = work / "src"
    changed = sync(source_files(export_dir, root, cache.resolve()), src)
    prefix = _no_network_prefix() if offline else []
    cmd = prefix + [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going",
                    "-d", str(doctrees), str(src), str(html)]
    env = kernel_env(export_dir, work)
    lectures = sorted(str(p.resolve()) for p in (src / "notebooks").glob("week*.ipynb"))
    if len(lectures) > 1 and (os.cpu_count() or 1) > 1:
        pre = subprocess.run(prefix + [sys.executable, "-c", _PRE_EXECUTE, str(cache.resolve()),
                                       "600", *lectures],
                             check=False, env=env, cwd=src, text=True, capture_output=True)
        if pre.stdout.strip():
            log(pre.stdout.strip().splitlines()[-1])
    log(f"{changed} page/config file(s) changed; sphinx-build"
        f"{' (no network: bubblewrap)' if prefix else ''} → {html}")
    proc = subprocess.run(cmd, check=False, env=env, cwd=src,
                          text=True, capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"sphinx-build failed ({proc.returncode}):\n{proc.stdout[-4000:]}"
                           f"\n{proc.stderr[-8000:]}")
    noise = ("Kernel is running over TCP without encryption",)
    err = "\n".join(ln for ln in proc.stderr.splitlines()
                    if ln.strip() and not any(n in ln for n in noise))
    if err:
        print(err, file=sys.stderr)
    (html / ".nojekyll").touch()
    _prune_cache(cache)
    build.last_info = {"seconds": time.perf_counter() - t0, "isolated": bool(prefix),
                       "changed": changed}
    log(f"built in {build.last_info['seconds']:.1f} s: {html / 'index.html'}")
    return html


build.last_info = {}

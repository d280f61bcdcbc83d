"""Course-wide settings and paths: the repository root, assignments, nbgrader config."""

from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache
from pathlib import Path

#: The repository root (the folder holding pyproject.toml and source/).
REPO_ROOT = Path(__file__).resolve().parent.parent

ASSIGNMENT_RE = re.compile(r"^week\d\d_[a-z0-9_]+$")

#: Environment every grading kernel runs with (DESIGN.md §7, issue "course foundation").
GRADING_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "DLCOURSE_OFFLINE": "1",
    "DLCOURSE_DEVICE": "cpu",
    "MPLBACKEND": "Agg",
    "PYTHONHASHSEED": "0",
    "CUBLAS_WORKSPACE_CONFIG": ":4096:8",
    "TQDM_DISABLE": "1",
    "PYTHONWARNINGS": "ignore",
}


@lru_cache(maxsize=None)
def settings(root: Path = REPO_ROOT) -> dict:
    """``[tool.dlcourse]`` from pyproject.toml: repository URL, version, course id."""
    data = tomllib.loads((Path(root) / "pyproject.toml").read_text(encoding="utf-8"))
    return dict(data["tool"]["dlcourse"])


def assignments(root: Path = REPO_ROOT) -> list[str]:
    """Assignment ids found in ``source/`` (``weekNN_topic``), sorted."""
    src = Path(root) / "source"
    return sorted(p.name for p in src.iterdir() if p.is_dir() and ASSIGNMENT_RE.match(p.name))


def notebook_path(kind: str, assignment: str, root: Path = REPO_ROOT) -> Path:
    """``source``/``release``/``solutions`` copy of an assignment's notebook."""
    return Path(root) / kind / assignment / f"{assignment}.ipynb"


def grading_env(base: dict | None = None) -> dict:
    """``os.environ`` (or ``base``) plus the grading variables."""
    env = dict(os.environ if base is None else base)
    env.update(GRADING_ENV)
    return env


def student_repository(root: Path = REPO_ROOT) -> str:
    """The public student course (``make publish``): what badges and setup cells point at.

    Never the instructor repository (``repository``), which holds the hidden tests.
    """
    s = settings(root)
    if not s.get("student_repository"):
        raise ValueError("pyproject.toml [tool.dlcourse] has no student_repository: set it to the "
                         "public student course (make publish), never the instructor repository")
    return s["student_repository"]


def colab_url(assignment: str, root: Path = REPO_ROOT) -> str:
    """The "Open in Colab" address of an assignment's release copy in the student course."""
    s = settings(root)
    repo = student_repository(root).removeprefix("https://github.com/")
    return (f"https://colab.research.google.com/github/{repo}/blob/{s['version']}/"
            f"release/{assignment}/{assignment}.ipynb")


def fill_tokens(text: str, root: Path = REPO_ROOT) -> str:
    """Replace ``@@REPOSITORY@@``/``@@VERSION@@``/``@@COLAB_URL:<assignment>@@`` tokens.

    ``@@REPOSITORY@@`` is the student course (what ``pip install git+…`` clones on Colab).
    """
    s = settings(root)
    text = (text.replace("@@REPOSITORY@@", student_repository(root))
            .replace("@@VERSION@@", s["version"]))
    return re.sub(r"@@COLAB_URL:([a-z0-9_]+)@@", lambda m: colab_url(m.group(1), root), text)

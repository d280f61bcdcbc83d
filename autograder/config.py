"""Configuration: the repository's nbgrader_config.py, the ``c.DLCourse`` block, the
nbgrader API and gradebook for a course root.

A *course root* is a folder with nbgrader's layout (``source/``, ``release/``,
``submitted/``, ``autograded/``, ``feedback/``, ``gradebook.db``). The repository itself is
the default root; ``make demo`` uses a throw-away root under ``build/demo``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .course import REPO_ROOT

STAGED_DIR = "grading/staged"   # repaired copies nbgrader grades (submitted/ is never touched)

# nbgrader runs the `alembic` executable (found on PATH) every time it opens a gradebook:
# make sure this interpreter's bin/ is on PATH, and ask alembic once per process.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent),
                                      os.environ.get("PATH", "")])


def _patch_nbgrader() -> None:
    import functools
    import nbgrader.api
    if not hasattr(nbgrader.api.get_alembic_version, "cache_info"):
        nbgrader.api.get_alembic_version = functools.lru_cache(maxsize=1)(
            nbgrader.api.get_alembic_version)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


#: ``DLCOURSE_DB_URL=postgresql://…``: the gradebook (and the status records) in a database
#: server instead of ``<root>/gradebook.db``; grading workers inherit it.
DB_URL_ENV = "DLCOURSE_DB_URL"


def load_config(root: Path, grading: bool = False, extra: dict | None = None):
    """The repository's nbgrader_config.py with the course root (and gradebook) set."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(REPO_ROOT)).load_config()
    cfg.CourseDirectory.root = str(root)
    if os.environ.get(DB_URL_ENV):
        # a server gradebook (PostgreSQL) shared by several grading hosts: docs/INSTRUCTOR.md
        cfg.CourseDirectory.db_url = os.environ[DB_URL_ENV]
    elif "db_url" not in cfg.CourseDirectory or "sqlite" in str(cfg.CourseDirectory.db_url):
        cfg.CourseDirectory.db_url = f"sqlite:///{Path(root) / 'gradebook.db'}"
    cfg.IgnorePattern.enabled = True
    if grading:
        from .preprocessors import autograde_preprocessors
        cfg.CourseDirectory.submitted_directory = STAGED_DIR
        cfg.Autograde.autograde_preprocessors = autograde_preprocessors()
        if os.environ.get("DLCOURSE_CELL_TIMEOUT"):
            cfg.Execute.timeout = int(os.environ["DLCOURSE_CELL_TIMEOUT"])
    if extra:
        cfg.merge(Config(extra))
    return cfg


def course_settings(cfg=None) -> dict:
    """The ``c.DLCourse`` block of nbgrader_config.py."""
    cfg = cfg or load_config(REPO_ROOT)
    return dict(cfg.get("DLCourse", {}) or {})


def make_api(root: Path, grading: bool = False, extra_config: dict | None = None, db_url=None):
    import logging
    from nbgrader.apps import NbGraderAPI
    _patch_nbgrader()
    from nbgrader.coursedir import CourseDirectory
    cfg = load_config(root, grading=grading, extra=extra_config)
    if db_url:
        cfg.CourseDirectory.db_url = db_url
    coursedir = CourseDirectory(config=cfg)
    api = NbGraderAPI(coursedir=coursedir, config=cfg)
    api.log.setLevel(logging.WARNING)
    return api


def open_gradebook(root: Path):
    _patch_nbgrader()
    from nbgrader.api import Gradebook
    return Gradebook(str(load_config(root).CourseDirectory.db_url))


def missing_entry():
    """nbgrader's "no such entry" exception: the only database error read as "absent"."""
    from nbgrader.api import MissingEntry
    return MissingEntry

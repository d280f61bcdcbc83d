"""The instructor pipeline behind the Makefile, as one import: ``autograder.pipeline``.

This module is a facade: the work is done by one module per job (no import cycles):

- :mod:`autograder.config`     — nbgrader_config.py, the ``c.DLCourse`` block, API, gradebook
- :mod:`autograder.release`    — release copies, worked solutions, gradebook sync,
  the reference solution's measured time
- :mod:`autograder.collect`    — import submissions (ids, duplicates, timestamps, zip safety)
- :mod:`autograder.autograde`  — pre-check/repair, budgets, sandbox settings, orchestration
- :mod:`autograder.pool`       — the grading worker processes
- :mod:`autograder.grading`    — the worker itself; :mod:`autograder.preprocessors` its
  nbgrader steps
- :mod:`autograder.status`     — one atomic status record per submission
- :mod:`autograder.export`     — grade table and grades.csv
- :mod:`autograder.feedback`, :mod:`autograder.report` — student and instructor HTML

``python -m autograder --help`` lists the verbs.
"""

from __future__ import annotations

from .autograde import (Job, _find_notebook, _sandbox_settings, _zero_grades,  # noqa: F401
                        autograde, precheck, sandbox_self_test, submission_budget)
from .collect import ID_RE, collect, safe_unzip, valid_student_id  # noqa: F401
from .config import (STAGED_DIR, _patch_nbgrader, course_settings, load_config,  # noqa: F401
                     log, make_api, open_gradebook)
from .export import csv_safe, export, grade_table, print_table  # noqa: F401
from .pool import WorkerPool  # noqa: F401
from .release import (_generate, _staged_source, execute_notebook, reference_seconds,  # noqa: F401
                      release, solution_notebook, solutions, sync_gradebook)
from .status import GOOD, STATUSES, read_statuses, write_status  # noqa: F401

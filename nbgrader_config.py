"""nbgrader configuration for the course (read by `python -m autograder` and by nbgrader's CLI).

The pipeline (autograder/pipeline.py) loads this file and then sets the course root, the
gradebook and, when grading, the sandboxed kernel. Values here are the course defaults an
instructor may edit.
"""

c = get_config()  # noqa: F821 - provided by traitlets when this file is loaded

c.CourseDirectory.course_id = "dl-essentials"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.pt", "*.pth"]

# Korean stubs in the release copies (what replaces ### BEGIN/END SOLUTION).
c.ClearSolutions.code_stub = {
    "python": "# 여기에 코드를 작성하세요 (YOUR CODE HERE)\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "여기에 답을 작성하세요 (YOUR ANSWER HERE)"

# Per-cell timeout: a graded training cell takes <= 60 s for the reference solution on a
# 2-core CPU; give student code room without letting an infinite loop stall a class.
c.Execute.timeout = 180
c.Execute.interrupt_on_timeout = True
c.Execute.execute_retries = 0

# A test cell with any stderr output scores 0 in nbgrader. Warnings are not errors:
# drop them from outputs before grading.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"Warning|warnings\.warn"

# The course's grading steps (autograder/preprocessors.py), for plain `nbgrader autograde`
# exactly as for `make autograde`: only errors fail a test (stderr from logging/tqdm in a
# graded cell becomes stdout), each test cell must prove it ran to completion (run token),
# outputs are capped as they arrive, hidden-test lines are redacted from outputs, and
# files a kernel creates next to its notebook are removed.
try:
    from autograder.preprocessors import autograde_preprocessors as _dlc_preprocessors
    c.Autograde.autograde_preprocessors = _dlc_preprocessors()
except ImportError:  # the course package is not installed: nbgrader's defaults
    pass

# Keep huge printed outputs from bloating the gradebook and the feedback.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 100

# --- course pipeline settings (autograder.pipeline) -------------------------------------
# Sandboxed kernels (bubblewrap) and their limits; see docs/INSTRUCTOR.md.
c.DLCourse.sandbox = True             # False (or SANDBOX=off / --no-sandbox): unsandboxed,
                                      # every row marked `sandbox: off`
c.DLCourse.memory_mb = 6144          # whole budget per kernel, its tmpfs mounts included
c.DLCourse.scratch_mb = 256          # the kernel's private copy of its folder (tmpfs)
c.DLCourse.tmp_mb = 64               # /tmp (tmpfs)
c.DLCourse.shm_mb = 256              # /dev/shm (tmpfs; DataLoader workers)
c.DLCourse.cpu_seconds = 1800        # CPU time per notebook
c.DLCourse.max_processes = 512
c.DLCourse.max_file_mb = 200
c.DLCourse.max_open_files = 1024
c.DLCourse.submission_timeout = 1200  # upper bound for one whole notebook (seconds)
# A notebook's wall-clock budget: factor x the reference solution's measured cell time
# (graded once per source version on this machine) + base, at most submission_timeout.
c.DLCourse.submission_timeout_factor = 10
c.DLCourse.submission_timeout_base = 60

# --- plain `nbgrader autograde` / `nbgrader validate` in this repository ------------------
# Student code runs in the sandboxed kernel `dlcourse-sandbox` (installed into the venv by
# `make install`; autograder/sandbox.py). It has no network, so kernel and grader talk over
# unix sockets in a private directory of this process. SANDBOX=off selects the ordinary
# python3 kernel (student code then runs with your rights).
import os as _os  # noqa: E402

if _os.environ.get("SANDBOX", "").strip().lower() not in {"off", "0", "false", "no", "none"}:
    import atexit as _atexit
    import shutil as _shutil
    import tempfile as _tempfile

    _ipc = _tempfile.mkdtemp(prefix="dlc-ipc-")
    _atexit.register(_shutil.rmtree, _ipc, True)
    c.Execute.kernel_name = "dlcourse-sandbox"
    c.KernelManager.transport = "ipc"
    c.KernelManager.ip = _os.path.join(_ipc, "kernel")

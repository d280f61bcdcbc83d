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

# Keep huge printed outputs from bloating the gradebook and the feedback.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 100

# --- course pipeline settings (autograder.pipeline) -------------------------------------
# Sandboxed kernels (bubblewrap) and their limits; see docs/INSTRUCTOR.md.
c.DLCourse.sandbox = True             # False: grade unsandboxed (a loud warning is printed)
c.DLCourse.memory_mb = 6144          # address-space limit per kernel
c.DLCourse.cpu_seconds = 1800        # CPU time per notebook
c.DLCourse.max_processes = 512
c.DLCourse.max_file_mb = 200
c.DLCourse.max_open_files = 1024
c.DLCourse.submission_timeout = 1200  # wall-clock limit for one whole notebook (seconds)

"""Deep Learning Essentials course package.

Importing this package changes no global state: no seeding, no plot styles, no heavy
imports. Submodules:

- ``autograder.checks``: assertion helpers used by graded test cells.
- ``autograder.utils``: ``set_seed``, ``get_device`` and small helpers.
- ``autograder.data``: offline-first dataset loaders.
- ``autograder.pipeline``: the instructor CLI behind the Makefile (``python -m autograder``).
"""

__version__ = "0.1.0"

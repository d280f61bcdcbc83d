"""Run inside the grading kernel (injected by ``preprocessors.InjectRunToken``).

:func:`snapshot` runs before any student code (prepended to the first code cell) and
records the attributes of the modules and classes the tests rely on; :func:`restore` runs
at the start of every graded test cell: it puts back every attribute a student cell
replaced (``torch.allclose = …``, ``type.__setattr__(torch.Tensor, '__gt__', …)``,
``builtins.print = …``), removes attributes added to ``torch.Tensor``, and returns a freshly
reloaded ``autograder.checks`` (patched, ``exec``-rewritten or ``__code__``-swapped check
functions do not survive). Instructor-side only: students never need this module.
"""

from __future__ import annotations

_SNAP: list = []
_MISSING = object()


def _targets() -> list:
    import builtins
    import math

    import numpy
    import torch
    import torch.nn
    import torch.nn.functional
    return [builtins, math, numpy, torch, torch.Tensor, torch.nn, torch.nn.Module,
            torch.nn.functional]


def snapshot() -> None:
    _SNAP[:] = [(t, dict(vars(t))) for t in _targets()]


def restore():
    import importlib
    import sys
    for target, saved in _SNAP:
        current = vars(target)
        for key, value in saved.items():
            if current.get(key, _MISSING) is not value:
                try:
                    if isinstance(target, type):
                        type.__setattr__(target, key, value)
                    else:
                        setattr(target, key, value)
                except (AttributeError, TypeError):
                    pass
        if isinstance(target, type) and target.__name__ == "Tensor":
            for key in [k for k in current if k not in saved]:
                try:
                    type.__delattr__(target, key)
                except (AttributeError, TypeError):
                    pass
    module = sys.modules.get("autograder.checks") or importlib.import_module("autograder.checks")
    return importlib.reload(module)

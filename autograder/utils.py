"""Small helpers shared by notebooks: seeding, device selection, thread settings.

Nothing here runs at import time; every function changes global state only when called.
"""

from __future__ import annotations

import os
import random

__all__ = ["set_seed", "get_device", "limit_threads", "in_colab", "sha256_file"]


def set_seed(seed: int = 42, deterministic: bool = True) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) and set the cuDNN flags.

    With ``deterministic=True`` cuDNN picks deterministic kernels (``benchmark=False``), so
    the same code gives the same numbers on a GPU run after run.
    """
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    try:
        import numpy as np
        np.random.seed(seed)
    except ImportError:  # pragma: no cover - numpy is a hard dependency in practice
        pass
    import torch
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = deterministic
    torch.backends.cudnn.benchmark = not deterministic
    # warn_only: an op without a deterministic kernel warns instead of failing a student.
    # torch.use_deterministic_algorithms also imports torch._inductor (~900 modules, 1.6 s
    # here) to set torch.compile's flag; set the eager flag directly unless inductor is
    # already loaded, so every notebook's setup cell does not pay for a compiler it never uses.
    import sys
    setter = getattr(torch._C, "_set_deterministic_algorithms", None)
    if setter is None or "torch._inductor.config" in sys.modules:
        torch.use_deterministic_algorithms(deterministic, warn_only=True)
    else:
        setter(deterministic, warn_only=True)


def get_device(prefer: str | None = None):
    """Return the best available ``torch.device``: cuda, then mps, then cpu.

    ``prefer`` forces one (``"cpu"`` in grading), and so does the ``DLCOURSE_DEVICE``
    environment variable.
    """
    import torch
    name = prefer or os.environ.get("DLCOURSE_DEVICE")
    if name:
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def limit_threads(n: int | None = None) -> int:
    """Limit PyTorch's intra-op threads (``OMP_NUM_THREADS`` or 1 by default).

    On a small CPU, several grading kernels that each use every core slow each other
    down 10–20×; one thread per kernel is fastest. Returns the number set.
    """
    import torch
    n = n or int(os.environ.get("OMP_NUM_THREADS", "1") or 1)
    torch.set_num_threads(n)
    return n


def in_colab() -> bool:
    """True when running inside Google Colab."""
    import sys
    return "google.colab" in sys.modules


def sha256_file(path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks (checksums of data files and submissions)."""
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()

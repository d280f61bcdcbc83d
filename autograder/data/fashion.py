"""Fashion-MNIST: the 70,000 clothing images of Zalando Research (60k train + 10k test).

Week 3 trains a CNN on a fixed, stratified subset, so the data must be identical on Colab,
a laptop and the offline grading machine. :func:`load_fashion_mnist` reads the four IDX
files from, in order:

- the local cache (``DATA_HOME/FashionMNIST/raw/*.gz``, where the online path saves them);
- Debian's ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist/*.gz``;
  Debian recompressed the files, so the check is on the *decompressed* bytes, which are the
  same as torchvision's);
- torchvision's download of the same files (online only; skipped with DLCOURSE_OFFLINE=1).

Every file is checked against the SHA-256 of its decompressed content, so a corrupted or
different file is never used.

Splits: :func:`load_fashion_subset` takes the graded training and validation subsets (검증
데이터) from the 60k *train* file only. The held-out test subset (테스트 데이터) comes from the
10k *test* file through :func:`load_fashion_test`, which only the hidden tests call; the
module counts other calls in :data:`TEST_READS` so a grader can tell whether a notebook
looked at the test set.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from . import Source, first_available
from .mnist import fixed_order

__all__ = ["load_fashion_mnist", "load_fashion_subset", "load_fashion_test", "FashionSplit",
           "FASHION_CLASSES", "FASHION_SHA256", "DEBIAN_DIR", "TEST_READS"]

#: Debian ``dataset-fashion-mnist`` installs the files here.
DEBIAN_DIR = Path(os.environ.get("DLCOURSE_FASHION_DIR", "/usr/share/datasets/fashion-mnist"))

#: SHA-256 of each file's decompressed IDX bytes (the same for torchvision's and Debian's gz).
FASHION_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

#: Class names (index = label), English as in the dataset, Korean in parentheses.
FASHION_CLASSES = ["T-shirt/top (티셔츠)", "Trouser (바지)", "Pullover (스웨터)", "Dress (원피스)",
                   "Coat (코트)", "Sandal (샌들)", "Shirt (셔츠)", "Sneaker (운동화)", "Bag (가방)",
                   "Ankle boot (앵클부츠)"]

#: How many times :func:`load_fashion_test` was called by anyone but the grader.
TEST_READS = 0


class FashionSplit(NamedTuple):
    """Train / validation subsets. Unpacks as ``X_train, y_train, X_val, y_val``.

    ``X_*``: (N, 1, 28, 28) float32 in [0, 1]; ``y_*``: (N,) int64 in 0..9 (torch tensors,
    or NumPy arrays with ``as_tensors=False``).
    """

    X_train: Any
    y_train: Any
    X_val: Any
    y_val: Any


# --------------------------------------------------------------------------- files
def _data_home() -> Path:
    from . import DATA_HOME  # read at call time so tests can point it elsewhere
    return Path(DATA_HOME)


def _parse_idx(raw: bytes, name: str, where: str) -> np.ndarray:
    digest = hashlib.sha256(raw).hexdigest()
    if digest != FASHION_SHA256[name]:
        raise ValueError(f"{where}: SHA-256 {digest[:12]}… differs from {FASHION_SHA256[name][:12]}…")
    if name.endswith("images-idx3-ubyte"):
        n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
        return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, rows, cols)
    return np.frombuffer(raw, dtype=np.uint8, offset=8).astype(np.int64)


def _read_dir(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    prefix = "train" if split == "train" else "t10k"
    out = []
    for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
        name = f"{prefix}-{kind}"
        path = folder / f"{name}.gz"
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found")
        with gzip.open(path) as fh:
            out.append(_parse_idx(fh.read(), name, str(path)))
    images, labels = out
    if len(images) != len(labels):
        raise ValueError(f"{folder}: {len(images)} images but {len(labels)} labels")
    return images, labels


def _from_torchvision(split: str) -> tuple[np.ndarray, np.ndarray]:
    from torchvision.datasets import FashionMNIST
    FashionMNIST(str(_data_home()), train=(split == "train"), download=True)
    return _read_dir(_data_home() / "FashionMNIST" / "raw", split)


@lru_cache(maxsize=2)
def _raw(split: str, verbose: bool = False) -> tuple[np.ndarray, np.ndarray]:
    return first_available(f"Fashion-MNIST ({split})", [
        Source("로컬 캐시(local cache)", lambda: _read_dir(_data_home() / "FashionMNIST" / "raw", split)),
        Source("Debian 패키지 dataset-fashion-mnist", lambda: _read_dir(DEBIAN_DIR, split),
               install_hint="sudo apt-get install dataset-fashion-mnist"),
        Source("torchvision 다운로드(online)", lambda: _from_torchvision(split), online=True),
    ], verbose=verbose)


def load_fashion_mnist(split: str = "train", verbose: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The full split as NumPy arrays: images (N, 28, 28) uint8, labels (N,) int64.

    ``split`` is ``"train"`` (60,000) or ``"test"`` (10,000). Read-only arrays.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    return _raw(split, verbose)


# --------------------------------------------------------------------------- subsets
def _per_class_pick(labels: np.ndarray, per_class: int, seed: int, salt: str) -> list[np.ndarray]:
    """For every class, ``per_class`` indices in a fixed SHA-256 order (version independent)."""
    order = fixed_order(len(labels), seed, salt=salt)
    ordered_labels = labels[order]
    picks = []
    for c in range(10):
        members = order[ordered_labels == c]
        if len(members) < per_class:
            raise ValueError(f"class {c} has only {len(members)} images, {per_class} requested")
        picks.append(members[:per_class])
    return picks


def _mix(idx: np.ndarray, seed: int, salt: str) -> np.ndarray:
    return idx[fixed_order(len(idx), seed, salt=salt)]


def _to_output(images: np.ndarray, labels: np.ndarray, as_tensors: bool):
    X = (images.astype(np.float32) / np.float32(255.0))[:, None]  # (N, 1, 28, 28) in [0, 1]
    y = labels.astype(np.int64)
    if as_tensors:
        import torch
        return torch.from_numpy(np.ascontiguousarray(X)), torch.from_numpy(np.ascontiguousarray(y))
    return X, y


def load_fashion_subset(num_train: int = 6000, num_val: int = 1000, seed: int = 0,
                        as_tensors: bool = True, verbose: bool = False) -> FashionSplit:
    """A fixed, class-balanced training subset and validation subset of the 60k train file.

    Args:
        num_train: training images (a multiple of 10; default 6,000 = 600 per class).
        num_val: validation images (검증 데이터) for model selection (default 1,000).
        seed: selects the subset; the course always uses the default 0.
        as_tensors: torch tensors (default) or NumPy arrays.

    Returns:
        ``FashionSplit(X_train, y_train, X_val, y_val)``; X (N, 1, 28, 28) float32 in [0, 1],
        y (N,) int64. Identical on every machine, online or offline. The test file is not read.
    """
    if num_train % 10 or num_val % 10 or num_train <= 0 or num_val <= 0:
        raise ValueError("num_train and num_val must be positive multiples of 10")
    images, labels = load_fashion_mnist("train", verbose)
    n_tr, n_va = num_train // 10, num_val // 10
    picks = _per_class_pick(labels, n_tr + n_va, seed, "fashion-subset")
    train_idx = _mix(np.concatenate([p[:n_tr] for p in picks]), seed, "fashion-train-order")
    val_idx = _mix(np.concatenate([p[n_tr:] for p in picks]), seed, "fashion-val-order")
    return FashionSplit(*_to_output(images[train_idx], labels[train_idx], as_tensors),
                        *_to_output(images[val_idx], labels[val_idx], as_tensors))


def load_fashion_test(num_test: int = 2000, as_tensors: bool = True, *, grader: bool = False,
                      verbose: bool = False):
    """The held-out test subset (테스트 데이터) from the 10k test file: ``(X_test, y_test)``.

    Class-balanced, fixed. Only the hidden tests of a graded notebook should call this
    (``grader=True``); any other call is counted in :data:`TEST_READS`, because training or
    choosing a model on the test set makes its accuracy meaningless.
    """
    global TEST_READS
    if not grader:
        TEST_READS += 1
    if num_test % 10 or not 0 < num_test <= 10000:
        raise ValueError("num_test must be a positive multiple of 10, at most 10,000")
    images, labels = load_fashion_mnist("test", verbose)
    idx = _mix(np.concatenate(_per_class_pick(labels, num_test // 10, 0, "fashion-test")), 0,
               "fashion-test-order")
    return _to_output(images[idx], labels[idx], as_tensors)

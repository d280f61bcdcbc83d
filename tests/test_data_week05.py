"""Week 5 loader: Korean text for character-level language models (autograder.data.korean_corpus)."""

from __future__ import annotations

import hashlib

import pytest

from autograder import data
from autograder.data import korean_corpus as kc


@pytest.mark.parametrize("source", kc.SOURCES)
def test_splits_are_disjoint_deterministic_and_cover_every_unit(source):
    units = kc.korean_units(source)
    assert len(units) > 100
    parts = {s: data.load_korean_text(split=s, sources=source) for s in kc.SPLITS}
    assert parts == {s: data.load_korean_text(split=s, sources=source) for s in kc.SPLITS}
    got = [u for s in kc.SPLITS for u in parts[s].rstrip("\n").split("\n") if u]
    want = [line for u in units for line in u.split("\n") if line]
    assert sorted(got) == sorted(want)           # every line of every unit lands in one split
    n = len(units)
    held = max(1, round(n * 0.10))
    assigned = kc._split_of(n, 0, source)
    assert assigned.count("test") == held and assigned.count("validation") == held
    assert assigned.count("train") == n - 2 * held


def test_constitution_split_is_pinned():
    """The graded week-5 numbers depend on these exact characters: pin them by SHA-256."""
    sizes = {s: len(data.load_korean_text(split=s)) for s in kc.SPLITS}
    assert sizes == {"train": 14909, "validation": 1479, "test": 2109}
    digest = hashlib.sha256("".join(data.load_korean_text(split=s) for s in kc.SPLITS).encode()).hexdigest()
    assert digest == "62616f6460a9e6fae6e0e388ff311799aaaf2b86cddf07fdca7a1926f5cda5fd"
    train = data.load_korean_text(split="train")
    assert train.startswith("대한민국헌법\n")
    assert "제1조 ① 대한민국은 민주공화국이다." in "".join(data.load_korean_text(split=s) for s in kc.SPLITS)
    assert len(set(train)) == 374
    assert "\r" not in train and "  " not in train


def test_units_do_not_straddle_splits():
    """An article is never cut between splits (no near-duplicate text leaks into validation/test)."""
    train = data.load_korean_text(split="train")
    for split in ("validation", "test"):
        for unit in data.load_korean_text(split=split).rstrip("\n").split("\n"):
            if len(unit) > 30:
                assert unit not in train


def test_several_sources_concatenate_in_order():
    both = data.load_korean_text(split="validation", sources=("constitution", "chatterbot"))
    a = data.load_korean_text(split="validation", sources="constitution")
    b = data.load_korean_text(split="validation", sources="chatterbot")
    assert both == a + b


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="split"):
        data.load_korean_text(split="train_val")
    with pytest.raises(ValueError, match="source"):
        data.load_korean_text(sources=("constitution", "wikipedia"))


def test_missing_package_gives_a_clear_error(monkeypatch):
    """Offline and without konlpy: DataUnavailableError naming the package to install."""
    from autograder.data import text
    monkeypatch.setenv("DLCOURSE_OFFLINE", "1")
    monkeypatch.setattr(text, "package_file", lambda *a: (_ for _ in ()).throw(FileNotFoundError("konlpy is not installed")))
    monkeypatch.setattr(text, "_cache_path", lambda sha: text.Path("/nonexistent") / sha)
    kc._units.cache_clear()
    try:
        with pytest.raises(data.DataUnavailableError, match="konlpy"):
            data.load_korean_text(split="train")
    finally:
        kc._units.cache_clear()

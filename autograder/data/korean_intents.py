"""Korean utterances labelled by topic, for sentence classification (week 6).

Built from the Korean part of PyPI ``chatterbot-corpus`` (read and SHA-256-checked by
:func:`autograder.data.text.load_korean_chat`): the 11 categories with at least 45 utterances
(931 utterances; the 8 smaller categories are left out), labelled with Korean names
(:data:`INTENT_NAMES`). Both turns of every dialogue count as utterances of its category.

De-duplication: two utterances are the same text when they agree after NFKC, lower-casing and
removing spaces and punctuation (``"안녕하세요."`` = ``"안녕하세요?"``). Each text is kept once,
with the label most of its copies carry; a text whose copies are split evenly between two
categories is dropped (``"아니"``, ``"너는 좋지 않아"``, ``"저의 기분은 최상입니다."``).
That leaves 818 distinct texts, so no text appears in two splits.

Split by text, stratified by label and fixed (:func:`autograder.data.mnist.stratified_split`,
seeds 6 and 7; no random-number generator): 498 training, 100 validation (검증 데이터) and
220 test (테스트 데이터, 26.9 %) utterances. Per label (train / validation / test):

=====  ==========  ===========================
label  name        train / val / test
=====  ==========  ===========================
0      인공지능     31 / 6 / 14
1      컴퓨터       27 / 6 / 12
2      일상 대화    42 / 8 / 18
3      감정         148 / 30 / 66
4      인사         24 / 5 / 10
5      유머         18 / 3 / 8
6      문학         42 / 9 / 19
7      돈·경제      28 / 6 / 12
8      영화         27 / 5 / 12
9      심리         81 / 16 / 36
10     과학         30 / 6 / 13
=====  ==========  ===========================

Always predicting the majority class (감정) scores 66 / 220 = 30.0 % on the test split.

:func:`load_korean_intents` gives training and validation data; the test part comes only from
:func:`load_korean_intents_test`, which the hidden tests call with ``grader=True`` (other calls
are counted in :data:`TEST_READS`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from .mnist import stratified_split

__all__ = ["load_korean_intents", "load_korean_intents_test", "IntentSplit", "INTENT_CATEGORIES",
           "INTENT_NAMES", "INTENT_SIZES", "MIN_UTTERANCES", "TEST_READS"]

#: (chatterbot-corpus category, Korean label name); label = index.
INTENT_CATEGORIES = (("ai", "인공지능"), ("computers", "컴퓨터"), ("conversations", "일상 대화"),
                     ("emotion", "감정"), ("greetings", "인사"), ("humor", "유머"),
                     ("literature", "문학"), ("money", "돈·경제"), ("movies", "영화"),
                     ("psychology", "심리"), ("science", "과학"))
#: Korean label names, ``INTENT_NAMES[y]``.
INTENT_NAMES = tuple(name for _, name in INTENT_CATEGORIES)
#: A category is used when it has at least this many utterances (before de-duplication).
MIN_UTTERANCES = 45
#: Split sizes (818 distinct texts).
INTENT_SIZES = {"train": 498, "validation": 100, "test": 220}
TEST_READS = 0


class IntentSplit(NamedTuple):
    """Unpacks as ``texts_train, y_train, texts_val, y_val``: lists of str and (N,) int64
    labels in 0..10 (``INTENT_NAMES[y]``)."""

    texts_train: list
    y_train: Any
    texts_val: list
    y_val: Any


def _key(text: str) -> str:
    """Identity of a text for de-duplication: NFKC, lower case, no spaces or punctuation."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).lower())


@lru_cache(maxsize=1)
def _all_texts() -> tuple[tuple[str, ...], np.ndarray]:
    """All 818 distinct texts and their labels, in corpus order (before splitting)."""
    from .text import load_korean_chat
    index = {cat: i for i, (cat, _) in enumerate(INTENT_CATEGORIES)}
    copies: dict[str, list[tuple[str, int]]] = {}
    for u in load_korean_chat():
        if u.category in index:
            text = " ".join(u.text.split())
            copies.setdefault(_key(text), []).append((text, index[u.category]))
    texts, labels = [], []
    for group in copies.values():
        votes = Counter(label for _, label in group).most_common()
        if len(votes) > 1 and votes[0][1] == votes[1][1]:
            continue                                  # an even split: no clear label
        label = votes[0][0]
        texts.append(next(t for t, lab in group if lab == label))
        labels.append(label)
    return tuple(texts), np.asarray(labels, dtype=np.int64)


@lru_cache(maxsize=1)
def _indices() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    _, labels = _all_texts()
    rest, test = stratified_split(labels, INTENT_SIZES["test"], seed=6)
    tr, va = stratified_split(labels[rest], INTENT_SIZES["validation"], seed=7)
    return rest[tr], rest[va], test


def _part(idx: np.ndarray, as_tensors: bool) -> tuple[list, Any]:
    texts, labels = _all_texts()
    y = labels[idx].copy()
    if as_tensors:
        import torch
        y = torch.from_numpy(y)
    return [texts[i] for i in idx], y


def load_korean_intents(as_tensors: bool = True) -> IntentSplit:
    """Training (498) and validation (100) utterances with their labels.

    ``as_tensors=True``: labels as ``torch.int64`` tensors, otherwise NumPy arrays. The texts
    are lists of str (tokenize them with the model's tokenizer).
    """
    tr, va, _ = _indices()
    return IntentSplit(*_part(tr, as_tensors), *_part(va, as_tensors))


def load_korean_intents_test(as_tensors: bool = True, *, grader: bool = False):
    """The held-out test utterances (테스트 데이터, 220): ``(texts_test, y_test)``.

    Only hidden tests should call this (``grader=True``); other calls are counted in
    :data:`TEST_READS`.
    """
    global TEST_READS
    if not grader:
        TEST_READS += 1
    _, _, te = _indices()
    return _part(te, as_tensors)

"""Korean text for character-level language models (week 5), split for training.

The text comes from the week-4 loaders in :mod:`autograder.data.text`, which read the files
**by path** from the installed packages (konlpy and its Java are never imported) and verify
each against its SHA-256:

- ``constitution``: the Constitution of the Republic of Korea (konlpy ``kolaw``);
- ``bills``: ten bills of the National Assembly (konlpy ``kobill``);
- ``chatterbot``: 454 Korean conversations of ``chatterbot-corpus``.

:func:`load_korean_text` cuts every source into units (an article of the Constitution, a
paragraph of a bill, one conversation) and assigns them to ``train`` / ``validation`` /
``test`` (80/10/10 by unit) with a fixed SHA-256 order that depends on no random-number
generator. Graded notebooks train on ``train`` and select on ``validation``; only hidden
tests read ``test``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .mnist import fixed_order
from .text import load_korean_chat, load_korean_law

__all__ = ["load_korean_text", "korean_units", "SOURCES", "SPLITS"]

SPLITS = ("train", "validation", "test")
SOURCES = ("constitution", "bills", "chatterbot")


def _clean(text: str) -> str:
    """NFC, no carriage returns, no trailing spaces, runs of spaces collapsed."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(re.sub(r"[ \t\u3000]+", " ", line).strip() for line in text.split("\n"))


_ARTICLE = re.compile(r"^제\d+(조|장|절)")


def _constitution_units(text: str) -> list[str]:
    """One unit per article (a chapter/section heading starts a unit of its own)."""
    units: list[list[str]] = []
    for line in _clean(text).split("\n"):
        if not line:
            continue
        if not units or _ARTICLE.match(line):
            units.append([])
        units[-1].append(line)
    return ["\n".join(u) for u in units]


def _bill_units(text: str) -> list[str]:
    """Blank-line separated paragraphs, lines inside a paragraph joined with a space."""
    blocks = re.split(r"\n\s*\n", _clean(text))
    return [" ".join(b.split("\n")).strip() for b in blocks if b.strip()]


@lru_cache(maxsize=None)
def _units(source: str) -> tuple[str, ...]:
    if source == "constitution":
        return tuple(_constitution_units(load_korean_law("constitution")))
    if source == "bills":
        bills = load_korean_law("kobill")
        return tuple(u for name in sorted(bills) for u in _bill_units(bills[name]))
    conversations: dict[int, list[str]] = {}
    for utt in load_korean_chat():
        text = _clean(utt.text).replace("\n", " ").strip()
        if text:
            conversations.setdefault(utt.conversation, []).append(text)
    return tuple("\n".join(conversations[c]) for c in sorted(conversations))


def korean_units(source: str = "constitution") -> list[str]:
    """Every unit of one source, in document order (verified files, cleaned text)."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    return list(_units(source))


def _split_of(n: int, seed: int, source: str) -> list[str]:
    """Split name of each of n units: 10 % test, 10 % validation, the rest train."""
    order = fixed_order(n, seed, salt=f"korean:{source}")
    num_held = max(1, round(n * 0.10))
    split = ["train"] * n
    for rank, i in enumerate(order):
        if rank < num_held:
            split[i] = "test"
        elif rank < 2 * num_held:
            split[i] = "validation"
    return split


def load_korean_text(split: str = "train", sources: str | tuple[str, ...] = "constitution",
                     seed: int = 0) -> str:
    """One split of Korean text, as a single string (units joined by ``"\\n"``).

    Args:
        split: ``"train"`` (80 % of the units), ``"validation"`` (10 %, for model
            selection) or ``"test"`` (10 %, held out: only hidden tests read it).
        sources: one name or a tuple from :data:`SOURCES` (``"constitution"``, ``"bills"``,
            ``"chatterbot"``); texts are concatenated in that order.
        seed: selects the split; the course always uses the default 0.

    Returns:
        The text of that split, units in document order. Identical on every machine.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    names = (sources,) if isinstance(sources, str) else tuple(sources)
    for source in names:
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    parts: list[str] = []
    for source in names:
        units = korean_units(source)
        assigned = _split_of(len(units), seed, source)
        parts += [u for u, s in zip(units, assigned) if s == split]
    return "\n".join(parts) + "\n"

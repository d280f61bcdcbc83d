"""Korean prose lint over every notebook's markdown (source/, notebooks/, release/).

Rejects (docs/AUTHORING.md §5):
- ``broken-bold``: bold that CommonMark does not render, e.g. ``**텐서(tensor)**라는`` (bold
  ending in punctuation, then Hangul) — found by rendering with markdown-it and looking for a
  left-over ``**``;
- ``space-before-particle``: ``**텐서** 는`` (a space between the closing ``**`` and a particle);
- ``glossary``: a variant spelling of a ★ term of docs/GLOSSARY.md (``손실 함수`` for ★
  ``손실함수``) or an explicit variant from its "피할 표기" list;
- ``double-parentheses``: ``((…))`` or ``( (`` in prose;
- ``capitalisation``: PyTorch / NumPy / Colab spelled in another case.
Code spans, code blocks, math and URLs are ignored.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from autograder import nbtools
from conftest import REPO

HANGUL = "가-힣"
PARTICLES = ("은", "는", "이", "가", "을", "를", "의", "에", "에서", "에게", "로", "으로", "와", "과",
             "도", "만", "란", "이란", "라는", "이라는", "처럼", "보다", "까지", "부터", "이나", "나",
             "이다", "입니다", "이며", "로서", "로써", "으로서", "으로써", "마다", "께서", "랑", "이랑")
_PARTICLE = "|".join(sorted(PARTICLES, key=len, reverse=True))
SPACE_BEFORE_PARTICLE = re.compile(r"\*\*[^*\n]+?\*\*[ \t]+(" + _PARTICLE + r")(?=$|[\s.,;:!?)\]])", re.M)
BROKEN_BOLD_RE = re.compile(r"\*\*[^*\n]*?[^\w\s*]\*\*(?=[" + HANGUL + r"])")
DOUBLE_PARENS = re.compile(r"\(\s*\(|\)\s*\)")
CANONICAL_CASE = ("PyTorch", "NumPy", "Colab")


def _strip_code(text: str) -> str:
    """Markdown without fenced/indented code, code spans, math, links' URLs and HTML tags."""
    text = re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", text, flags=re.S | re.M)
    # code and math become a placeholder word, so "**x** `y`를" is not "**x** 를"
    text = re.sub(r"(`+)(.+?)\1", "CODE", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", "MATH", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", "MATH", text)
    text = re.sub(r"\]\([^)\s]*\)", "]", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"<[^>\n]+>", " ", text)
    return text


# ---- glossary ---------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def glossary_variants(path: Path = REPO / "docs" / "GLOSSARY.md") -> dict[str, str]:
    """``{variant: ★ spelling}``: single-space edits of every ★ term plus the "피할 표기" list."""
    text = path.read_text(encoding="utf-8")
    starred: list[str] = []
    for line in text.splitlines():
        if not line.startswith("|") or "★" not in line:
            continue
        korean = line.strip("|").split("|")[0]
        for segment in korean.split(" / "):
            if "★" in segment:
                starred.append(segment.split("★")[0].strip())
    variants: dict[str, str] = {}
    for term in starred:
        words = term.split(" ")
        for k in range(len(words) - 1):           # a space removed between two words
            if re.search(f"[{HANGUL}]$", words[k]) and re.match(f"[{HANGUL}]", words[k + 1]):
                variants[" ".join(words[:k]) + (" " if k else "") + words[k] + words[k + 1]
                         + ("" if k + 2 >= len(words) else " " + " ".join(words[k + 2:]))] = term
        for k, word in enumerate(words):          # a space inserted inside a Hangul word
            if len(word) >= 3 and re.fullmatch(f"[{HANGUL}]+", word):
                for cut in range(1, len(word)):
                    spaced = word[:cut] + " " + word[cut:]
                    variants[" ".join(words[:k] + [spaced] + words[k + 1:])] = term
    for line in text.split("## 피할 표기", 1)[-1].splitlines() if "## 피할 표기" in text else []:
        m = re.match(r"^- (.+?) → (.+)$", line.strip())
        if m:
            variants[m.group(1).strip()] = m.group(2).strip()
    return {v: t for v, t in variants.items() if v != t}


def _variant_hits(text: str) -> list[str]:
    out = []
    for variant, term in glossary_variants().items():
        # the variant starts a word (no Hangul right before it): '결과 적합' is not '과 적합'
        for m in re.finditer(rf"(?<![{HANGUL}]){re.escape(variant)}", text):
            # and it is not a longer correct spelling, e.g. '자가 지도 학습' contains no variant
            out.append(f"glossary: {variant!r} → use {term!r} (docs/GLOSSARY.md): "
                       f"…{text[max(0, m.start() - 15):m.end() + 15]}…")
    return out


# ---- bold -------------------------------------------------------------------------------------

def _broken_bold(markdown: str) -> list[str]:
    """Snippets where ``**`` is left as literal text after CommonMark rendering."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # pragma: no cover - markdown-it-py ships with jupyterlab
        return [m.group(0) for m in BROKEN_BOLD_RE.finditer(_strip_code(markdown))]
    out = []
    for block in MarkdownIt("commonmark").parse(markdown):
        if block.type != "inline":
            continue
        for tok in block.children or []:
            if tok.type == "text" and "**" in tok.content:
                out.append(tok.content.strip()[:60])
    return out


def lint_markdown(text: str) -> list[str]:
    """Problems in one markdown cell, each ``"<kind>: <detail>"``."""
    problems = [f"broken-bold: bold not rendered (CommonMark), rephrase e.g. `텐서(tensor)는` or "
                f"`**텐서**(tensor)는`: {s!r}" for s in _broken_bold(text)]
    prose = _strip_code(text)
    problems += [f"space-before-particle: no space between `**` and the particle: "
                 f"{m.group(0)[-40:]!r}" for m in SPACE_BEFORE_PARTICLE.finditer(prose)]
    problems += _variant_hits(prose)
    problems += [f"double-parentheses: {prose[max(0, m.start() - 20):m.end() + 20]!r}"
                 for m in DOUBLE_PARENS.finditer(prose)]
    for word in CANONICAL_CASE:
        problems += [f"capitalisation: write {word!r}, not {m.group(0)!r}"
                     for m in re.finditer(rf"(?<![A-Za-z0-9_/.-]){word}(?![A-Za-z0-9_/-])", prose, re.I)
                     if m.group(0) != word]
    return problems


def lint_notebook(path: Path) -> list[str]:
    nb = nbtools.read(path)
    return [f"cell {i}: {p}" for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
            for p in lint_markdown(c.source)]


NOTEBOOKS = sorted(p.relative_to(REPO).as_posix() for kind in ("source", "notebooks", "release")
                   for p in (REPO / kind).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


@pytest.mark.parametrize("rel", NOTEBOOKS)
def test_notebook_prose(rel):
    problems = lint_notebook(REPO / rel)
    assert not problems, f"{rel}: {len(problems)} prose problems (docs/AUTHORING.md §5):\n  " + \
        "\n  ".join(problems[:40])


# ---- the lint itself ------------------------------------------------------------------------

@pytest.mark.parametrize("text, kind", [
    ("**텐서(tensor)**라는 자료구조", "broken-bold"),
    ("**shape,**을 보면", "broken-bold"),
    ("**`view`**는 복사하지 않습니다", "broken-bold"),
    ("**텐서** 는 다차원 배열", "space-before-particle"),
    ("**기울기(gradient)** 를 구합니다", "space-before-particle"),
    ("**Adam** 으로 학습", "space-before-particle"),
    ("**`h_n`** 에 저장", "space-before-particle"),
    ("정답은 **B** 입니다", "space-before-particle"),
    ("손실 함수를 정의합니다", "glossary"),
    ("배치 정규화 층", "glossary"),
    ("머신러닝 학습절차", "glossary"),
    ("합성곱 층의 출력", "glossary"),
    ("에폭마다", "glossary"),
    ("출력 ((B, C)) 입니다", "double-parentheses"),
    ("pytorch로 만듭니다", "capitalisation"),
])
def test_lint_rejects(text, kind):
    kinds = {p.split(":")[0] for p in lint_markdown(text)}
    assert kind in kinds, (text, lint_markdown(text))


@pytest.mark.parametrize("text", [
    "**텐서**는 다차원 배열이고, 텐서(tensor)는 …",
    "**텐서**(tensor)는 다차원 배열입니다.",
    "손실함수(loss function)와 최적화도구(optimizer), 배치정규화",
    "결과 적합도, 활성화 함수, 자가 지도 학습",
    "코드 `f((x))` 와 `**kwargs`, 수식 $((a+b))$",
    "```python\nloss = nn.MSELoss()  # 손실 함수\n```",
    "PyTorch와 NumPy, Colab — 그리고 [링크](https://example.com/pytorch)",
    "**Part A** (10점)",
    "**은닉 상태(hidden state)** $h_t$를 갱신", "**셀 상태** `c_t`를 씁니다",
])
def test_lint_accepts(text):
    problems = lint_markdown(text)
    assert not problems, problems


def test_glossary_variants_come_from_the_starred_terms():
    v = glossary_variants()
    assert v["손실 함수"] == "손실함수" and v["데이터 로더"] == "데이터로더"
    assert v["머신러닝 학습절차"] == "머신러닝 학습 절차"
    assert "활성화 함수" not in v and "자가 지도 학습" not in v
    glossary = (REPO / "docs" / "GLOSSARY.md").read_text(encoding="utf-8")
    for term in ("훈련 데이터", "검증 데이터", "테스트 데이터"):
        assert f"| {term} |" in glossary

"""Extractive question answering over the Constitution of the Republic of Korea (weeks 6–7).

The text is the one PyPI ``konlpy`` ships (``kolaw/constitution.txt``, read and SHA-256-checked
by :func:`autograder.data.text.load_korean_law`). :func:`constitution_articles` cuts it into
its 130 articles (제1조–제130조; the preamble and the six transitional articles of the
부칙, whose numbers restart at 1, are left out), each with the chapter/section heading it
stands under.

The questions were written for this course (추출형 질의응답, extractive QA, as in SQuAD/KorQuAD,
which no offline package ships): each names its gold article and an answer that is an exact
substring of that article's text; the character offset is computed here, never typed in.
Questions paraphrase the article rather than copy it, and ask for people and bodies (누가/어느
기관), numbers (몇 년/몇 명/며칠), conditions and named things.

- :func:`load_constitution_qa` — the 60 public questions (notebooks, visible tests, lecture);
  among them the lecture notes' probe "대통령의 임기는 몇 년인가?" (제70조, "5년").
- A held-out set of 28 questions (other articles, or other facts of the same article) is kept
  out of this package, which students receive: ``tests/data/constitution_qa_heldout.json`` in
  the instructor's repository, read with :func:`read_qa_json`.
- :func:`validate_qa_items` checks any set of items against the articles (spans, ids).

Week 7 reuses both sets to evaluate retrieval (the gold article must be found).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

__all__ = ["Article", "QAItem", "constitution_articles", "load_constitution_qa",
           "validate_qa_items", "read_qa_json", "NUM_ARTICLES", "PROBE_QUESTION"]

NUM_ARTICLES = 130
PROBE_QUESTION = "대통령의 임기는 몇 년인가?"


class Article(NamedTuple):
    """One article: its number (제N조), the heading it stands under, its text.

    ``text`` starts with ``"제N조 "`` and keeps the paragraph lines (①, ②, …) joined by
    ``"\\n"``; ``heading`` is e.g. ``"제4장 정부 · 제1절 대통령"``.
    """

    number: int
    heading: str
    text: str


class QAItem(NamedTuple):
    """One question: ``context[answer_start:answer_start + len(answer)] == answer``.

    ``article`` is the gold article number and ``context`` that article's text.
    """

    id: str
    question: str
    article: int
    answer: str
    answer_start: int
    context: str


# --------------------------------------------------------------------------- articles
_HEAD = re.compile(r"^\s*(제\d+(장|절|관))\s+(.+?)\s*$")
_ARTICLE = re.compile(r"^\s*제(\d+)조\s")


@lru_cache(maxsize=1)
def _articles() -> tuple[Article, ...]:
    from .text import load_korean_law
    lines = load_korean_law("constitution").replace("\r\n", "\n").split("\n")
    levels: dict[str, str] = {}
    out: list[tuple[int, str, list[str]]] = []
    for line in lines:
        if "부칙" in line and not _ARTICLE.match(line):
            break                                     # the transitional provisions start here
        head = _HEAD.match(line)
        if head:
            level = head.group(2)
            if level == "장":
                levels = {}
            elif level == "절":
                levels.pop("관", None)
            levels[level] = f"{head.group(1)} {head.group(3)}"
            continue
        art = _ARTICLE.match(line)
        if art:
            heading = " · ".join(levels[k] for k in ("장", "절", "관") if k in levels)
            out.append((int(art.group(1)), heading, [line.strip()]))
        elif out and line.strip() and line.strip() != "펼침":
            out[-1][2].append(line.strip())
    articles = tuple(Article(n, h, "\n".join(body)) for n, h, body in out)
    numbers = [a.number for a in articles]
    if numbers != list(range(1, NUM_ARTICLES + 1)):
        raise ValueError(f"헌법 조문을 나누지 못했습니다 (article split failed): {len(numbers)}개, "
                         f"처음 {numbers[:3]}, 끝 {numbers[-3:]}")
    return articles


def constitution_articles() -> list[Article]:
    """The 130 articles ``[Article(number, heading, text), ...]`` in order (제1조 first)."""
    return list(_articles())


# --------------------------------------------------------------------------- questions
# (question, gold article, answer: an exact substring of the article's text)
_PUBLIC: tuple[tuple[str, int, str], ...] = (
    ("대한민국은 어떤 형태의 국가라고 규정되어 있나?", 1, "민주공화국"),
    ("나라의 주권은 누구에게 있다고 하는가?", 1, "국민에게"),
    ("대한민국 영토의 범위는 어디까지인가?", 3, "한반도와 그 부속도서"),
    ("대한민국이 부인한다고 밝힌 전쟁은 어떤 전쟁인가?", 5, "침략적 전쟁"),
    ("국군이 지켜야 할 중립성은 무엇인가?", 5, "정치적 중립성"),
    ("공무원은 국민 전체에 대하여 어떤 존재인가?", 7, "봉사자"),
    ("위헌 정당의 해산을 헌법재판소에 제소하는 주체는 누구인가?", 8, "정부"),
    ("모든 국민이 추구할 권리를 가지는 것은 무엇인가?", 10, "행복"),
    ("훈장을 받으면 그 효력은 누구에게 미치는가?", 11, "이를 받은 자에게만"),
    ("체포나 구속 때 제시하는 영장은 누가 발부하는가?", 12, "법관"),
    ("피고인이 변호인을 스스로 구할 수 없으면 누가 변호인을 붙여 주는가?", 12, "국가"),
    ("종교와 정치는 어떤 관계여야 하는가?", 20, "분리된다"),
    ("언론과 출판에 대해 인정되지 않는 것은 무엇인가?", 21, "허가나 검열"),
    ("재산권은 무엇에 맞게 행사해야 하는가?", 23, "공공복리"),
    ("국가기관에 청원할 때는 어떤 형식을 써야 하는가?", 26, "문서"),
    ("유죄 판결이 확정되기 전의 형사피고인은 어떻게 추정되는가?", 27, "무죄"),
    ("의무교육의 비용에 관해 헌법은 어떻게 정하고 있나?", 31, "무상"),
    ("국가가 법률에 따라 시행해야 하는 임금 제도의 이름은?", 32, "최저임금제"),
    ("근로자가 근로조건 향상을 위해 가지는 세 가지 권리는?", 33, "단결권·단체교섭권 및 단체행동권"),
    ("결혼과 가정생활의 바탕이 되어야 하는 원칙은?", 36, "개인의 존엄과 양성의 평등"),
    ("법률로 기본권을 제한하더라도 침해할 수 없는 것은 무엇인가?", 37, "본질적인 내용"),
    ("병역의무를 이행했다는 이유로 받지 않는 것은 무엇인가?", 39, "불이익한 처우"),
    ("법을 만드는 권한은 어느 기관에 속하는가?", 40, "국회"),
    ("국회의원은 최소 몇 명 이상이어야 하는가?", 41, "200인 이상"),
    ("국회의원의 임기는 몇 년인가?", 42, "4년"),
    ("국회의원이 직무상 한 발언에 대해 책임을 지지 않는 곳은 어디인가?", 45, "국회외에서"),
    ("국회 정기회의 회기는 며칠을 넘을 수 없는가?", 47, "100일"),
    ("국회 임시회 소집을 요구하려면 재적의원 중 얼마가 필요한가?", 47, "4분의 1 이상"),
    ("국회는 부의장을 몇 명 뽑는가?", 48, "2인"),
    ("국회 표결에서 찬반이 같으면 어떻게 처리되는가?", 49, "부결된 것으로 본다"),
    ("법률안을 낼 수 있는 주체는 누구인가?", 52, "국회의원과 정부"),
    ("국회를 통과한 법률안은 며칠 안에 대통령이 공포해야 하는가?", 53, "15일 이내"),
    ("법률은 공포 후 며칠이 지나야 효력이 생기는가?", 53, "20일"),
    ("정부는 예산안을 회계연도 시작 며칠 전까지 국회에 내야 하는가?", 54, "90일"),
    ("세금의 종류와 세율은 무엇으로 정하는가?", 59, "법률"),
    ("국무총리 해임건의가 성립하려면 누구의 찬성이 필요한가?", 63, "국회재적의원 과반수"),
    ("국회의원을 제명하려면 어느 정도의 찬성이 있어야 하는가?", 64, "국회재적의원 3분의 2 이상"),
    ("대통령에 대한 탄핵소추 의결에 필요한 찬성은?", 65, "국회재적의원 3분의 2 이상"),
    ("탄핵결정이 내려지면 그 효과는 어디까지인가?", 65, "공직으로부터 파면함에 그친다"),
    ("국가의 원수는 누구인가?", 66, "대통령"),
    ("대통령 후보가 되려면 선거일 현재 몇 살 이상이어야 하는가?", 67, "40세"),
    (PROBE_QUESTION, 70, "5년"),
    ("대통령이 사고로 직무를 못 할 때 가장 먼저 권한을 대행하는 사람은?", 71, "국무총리"),
    ("대통령이 국민투표에 부칠 수 있는 중요정책은 어떤 분야인가?", 72, "외교·국방·통일"),
    ("계엄에는 어떤 종류가 있는가?", 77, "비상계엄과 경비계엄"),
    ("일반사면을 하려면 어느 기관의 동의를 얻어야 하는가?", 79, "국회"),
    ("대통령이 재직 중에도 형사소추를 받을 수 있는 범죄는?", 84, "내란 또는 외환의 죄"),
    ("국무총리를 임명하는 사람은 누구인가?", 86, "대통령"),
    ("국무회의에 참여하는 국무위원의 수는?", 88, "15인 이상 30인 이하"),
    ("국가원로자문회의의 의장은 누가 맡는가?", 90, "직전대통령"),
    ("감사원은 누구의 소속 아래에 설치되는가?", 97, "대통령"),
    ("감사원장의 임기는 몇 년인가?", 98, "4년"),
    ("사법권은 어디에 속하는가?", 101, "법관으로 구성된 법원"),
    ("대법원장의 임기는 몇 년인가?", 105, "6년"),
    ("헌법재판소는 몇 명의 재판관으로 구성되는가?", 111, "9인"),
    ("헌법재판소가 법률의 위헌을 결정하려면 재판관 몇 명 이상이 찬성해야 하는가?", 113, "6인 이상"),
    ("중앙선거관리위원회 위원의 임기는 얼마인가?", 114, "6년"),
    ("지방자치단체의 종류는 무엇으로 정하는가?", 117, "법률"),
    ("농지에 관하여 국가가 달성하도록 노력해야 할 원칙은?", 121, "경자유전의 원칙"),
    ("헌법개정안은 국회 의결 후 며칠 이내에 국민투표에 부쳐야 하는가?", 130, "30일 이내"),
)


def _article_map(articles: Sequence[Article] | None) -> dict[int, str]:
    return {int(a[0]): a[2] for a in (articles if articles is not None else _articles())}


def validate_qa_items(items: Iterable[Any], articles: Sequence[Article] | None = None,
                      prefix: str = "qa") -> list[QAItem]:
    """Check QA items against the articles and return them as :class:`QAItem`.

    ``items``: dicts (``question``, ``article``, ``answer``; optional ``id`` and
    ``answer_start``), :class:`QAItem` or ``(question, article, answer)`` tuples. The answer
    must occur in the gold article's text (``answer_start`` = its first occurrence unless
    given, and then it must point at the answer); questions and ids must be unique and
    non-empty. ``articles`` defaults to :func:`constitution_articles`. Raises ``ValueError``
    listing every problem.
    """
    texts = _article_map(articles)
    out: list[QAItem] = []
    problems: list[str] = []
    for k, raw in enumerate(items):
        rec = _as_record(raw, f"{prefix}-{k + 1:03d}")
        where = f"{rec['id']} ({rec['question'][:20]!r})"
        context = texts.get(rec["article"])
        if context is None:
            problems.append(f"{where}: 제{rec['article']}조가 없습니다 (no such article)")
            continue
        start = rec.get("answer_start")
        if start is None:
            start = context.find(rec["answer"]) if rec["answer"] else -1
        if not rec["question"].strip() or not rec["answer"] or start < 0 \
                or context[start:start + len(rec["answer"])] != rec["answer"]:
            problems.append(f"{where}: 답 {rec['answer']!r}이(가) 제{rec['article']}조에 없습니다 "
                            f"(answer span not found)")
            continue
        out.append(QAItem(rec["id"], rec["question"], rec["article"], rec["answer"], start,
                          context))
    for field in ("id", "question"):
        seen = [getattr(q, field) for q in out]
        dup = sorted({v for v in seen if seen.count(v) > 1})
        if dup:
            problems.append(f"{field} 중복 (duplicate {field}): {dup[:3]}")
    if problems:
        raise ValueError("질의응답 항목 검사 실패 (QA items invalid):\n" + "\n".join(problems))
    return out


def _as_record(raw: Any, default_id: str) -> dict:
    if isinstance(raw, dict):
        rec = dict(raw)
    elif isinstance(raw, QAItem):
        rec = raw._asdict()
    else:
        question, article, answer = raw
        rec = {"question": question, "article": article, "answer": answer}
    rec["id"] = str(rec.get("id") or default_id)
    rec["question"] = str(rec["question"])
    rec["article"] = int(rec["article"])
    rec["answer"] = str(rec["answer"])
    return rec


@lru_cache(maxsize=1)
def _public() -> tuple[QAItem, ...]:
    return tuple(validate_qa_items(_PUBLIC, prefix="public"))


def load_constitution_qa() -> list[QAItem]:
    """The 60 public questions as :class:`QAItem` (ids ``public-001`` …), in article order."""
    return list(_public())


def read_qa_json(path: str | Path, articles: Sequence[Article] | None = None) -> list[QAItem]:
    """QA items from a JSON file ``{"items": [{"id", "question", "article", "answer"}, ...]}``
    (or a bare list), validated with :func:`validate_qa_items`."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    items = doc["items"] if isinstance(doc, dict) else doc
    return validate_qa_items(items, articles, prefix=Path(path).stem)

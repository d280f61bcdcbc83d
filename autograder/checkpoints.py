"""docs/CHECKPOINTS.md: every exam topic → slide pages, lecture sections and graded cells.

Generated from cell tags ``checkpoint:<topic>`` in ``notebooks/*.ipynb`` (lecture sections:
the first heading line of the tagged markdown cell) and ``source/*/*.ipynb`` (graded **test**
cells only: grade id and points, each cell once; tags on markdown or ungraded cells of a graded
notebook do not make a topic graded). The slide pages and the lab/workshop of each exam topic
come from the class notes (``SOURCES``). A topic is 다룸 (covered) when it is both taught in a
lecture notebook and tested by a graded cell, 일부 (partial) when only one of them, and 아직
다루지 않음 otherwise. Never edit the Markdown by hand: ``python -m autograder checkpoints``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, NamedTuple

from . import nbtools
from .course import REPO_ROOT


class Source(NamedTuple):
    """Where the class notes teach an exam topic."""
    slides: str          # slide pages, as printed in the notes' exam list
    practice: str = ""   # lab (연습문제) or workshop (WS) that practises it


#: The exam topics of the class notes, in course order (spelling kept: students search it),
#: with the slide pages and practice of the notes' exam list.
SOURCES: dict[str, Source] = {
    "파이토치 텐서": Source("18, 20, 23, 26 (텐서 17–26쪽: 필기·실기)",
                        "Lab1 연습문제 (02-001 … 02-004: reshaping, 최댓값 찾기)"),
    "머신러닝 학습 절차": Source("34–35"),
    "머신러닝 학습 유형": Source("37"),
    "심층신경망": Source("45"),
    "뉴런(퍼셉트론)": Source("47"),
    "손실함수": Source("50"),
    "최적화도구(optimizer)": Source("68–69"),
    "데이터로더": Source("71–76", "Lab1 연습문제"),
    "DNN 모델 구성": Source("81"),
    "DNN 모델링": Source("83–88", "Lab1 연습문제, WS1"),
    "과적합": Source("90–91"),
    "배치정규화": Source("99–100"),
    "합성곱층": Source("105–106"),
    "풀링층": Source("113–114"),
    "CNN 모델 구성": Source("121–123", "Lab2 연습문제, WS2"),
    "전이학습": Source("125"),
    "임베딩": Source("160"),
    "순환신경망": Source("168–169"),
    "LSTM": Source("172–173"),
    "LSTM 모델 구성": Source("181–182", "Lab3 연습문제, WS3"),
    "랭체인": Source("215–216"),
    "RAG": Source("246–251"),
    "벡터스토어": Source("260"),
}
TOPICS = list(SOURCES)

#: Other points the notes mark as exam material ("시험에 나온다"), without a page in the list.
EXAM_POINTS = [
    "활성화 함수", "자동 미분", "경사 하강법 변형", "텍스트 정제", "토큰화", "nn.Embedding",
    "PyTorch CNN 구현", "RAG 인덱싱과 검색·생성", "텍스트 분류기 모델 정의",
]

#: Topics the course teaches beyond the exam list (weeks 5–6).
EXTRA_TOPICS = [
    "어텐션", "셀프 어텐션", "멀티 헤드 어텐션", "위치 인코딩", "마스킹", "BERT", "미세 조정",
    "LoRA", "지식 증류",
]

ALL_TOPICS = TOPICS + EXAM_POINTS + EXTRA_TOPICS
TAG = "checkpoint:"

COVERED = "다룸 (covered)"
NOT_COVERED = "아직 다루지 않음 (not yet covered)"
PARTIAL_LECTURE = "일부 (partial): 강의만, 채점 없음"
PARTIAL_GRADED = "일부 (partial): 채점만, 강의 없음"


def _heading(cell) -> str:
    for line in cell.source.splitlines():
        if line.lstrip().startswith("#"):
            return line.lstrip("# ").strip()
    return cell.source.strip().splitlines()[0][:60] if cell.source.strip() else "(제목 없음)"


def _anchor(text: str) -> str:
    return re.sub(r"[^\w\- ]", "", text.lower()).strip().replace(" ", "-")


def _tagged(paths) -> Iterator[tuple[Path, int, object, str]]:
    """(notebook path, cell index, cell, topic) for every ``checkpoint:<topic>`` tag."""
    for nb_path in paths:
        for i, cell in enumerate(nbtools.read(nb_path).cells):
            for tag in cell.get("metadata", {}).get("tags", []):
                if tag.startswith(TAG):
                    yield nb_path, i, cell, tag[len(TAG):]


def _part_of(nb_path: Path, index: int) -> str:
    """The nearest ``## …`` heading above cell ``index`` (the Part a test cell belongs to)."""
    cells = nbtools.read(nb_path).cells
    for cell in reversed(cells[:index]):
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if re.match(r"^##\s", line):
                    return re.sub(r"\s*\(\d+(\.\d+)?점\)\s*$", "", line.lstrip("# ").strip())
    return ""


def collect(root: Path = REPO_ROOT) -> tuple[dict[str, list[str]], dict[str, list[str]], list[str]]:
    """Return (lecture sections per topic, graded test cells per topic, unknown tags).

    A graded entry names the assignment, the Part and the grade id with its points, once per
    test cell.
    """
    lectures: dict[str, list[str]] = {t: [] for t in ALL_TOPICS}
    graded: dict[str, list[str]] = {t: [] for t in ALL_TOPICS}
    unknown: list[str] = []
    for nb_path, _, cell, topic in _tagged(sorted((root / "notebooks").glob("*.ipynb"))):
        rel = nb_path.relative_to(root).as_posix()
        if topic not in lectures:
            unknown.append(f"{rel}: {topic}")
            continue
        if cell.cell_type != "markdown":
            continue
        head = _heading(cell)
        entry = f"[{rel} — {head}](../{rel}#{_anchor(head)})"
        if entry not in lectures[topic]:
            lectures[topic].append(entry)
    seen: set[tuple[str, str, str]] = set()
    for nb_path, i, cell, topic in _tagged(sorted((root / "source").glob("week*/*.ipynb"))):
        assignment = nb_path.parent.name
        if topic not in graded:
            unknown.append(f"{assignment}: {topic}")
            continue
        if not nbtools.is_test(cell):
            continue  # explanation or data cells are not graded
        key = (topic, assignment, nbtools.grade_id(cell))
        if key in seen:
            continue
        seen.add(key)
        part = _part_of(nb_path, i)
        graded[topic].append(f"`{assignment}` › {part + ' › ' if part else ''}"
                             f"`{nbtools.grade_id(cell)}` ({nbtools.points(cell):g}점)")
    return lectures, graded, unknown


def state(lectures: list[str], graded: list[str]) -> str:
    if lectures and graded:
        return COVERED
    if lectures:
        return PARTIAL_LECTURE
    if graded:
        return PARTIAL_GRADED
    return NOT_COVERED


def _weeks(entries: list[str]) -> str:
    weeks = sorted({int(m.group(1)) for e in entries for m in re.finditer(r"week(\d\d)", e)})
    return ", ".join(f"{w}주차" for w in weeks) or "—"


def _points(entries: list[str]) -> float:
    return sum(float(m.group(1)) for e in entries for m in [re.search(r"\(([\d.]+)점\)$", e)] if m)


def render(root: Path = REPO_ROOT) -> str:
    lectures, graded, unknown = collect(root)
    if unknown:
        raise ValueError("unknown checkpoint tags (fix the tag or the topic lists in "
                         "autograder/checkpoints.py): " + ", ".join(unknown))
    lines = [
        "# 체크포인트 (exam topics) → 슬라이드와 노트북 위치",
        "",
        "<!-- Generated by `python -m autograder checkpoints` from the `checkpoint:<topic>` cell "
        "tags and autograder/checkpoints.py. Do not edit by hand. -->",
        "",
        "시험 주제마다 강의 자료(class notes)의 슬라이드 쪽수와 연습문제(Lab)·워크숍(WS), 그 주제를 "
        "가르치는 강의 노트북 절(section)과 채점되는 테스트 셀(graded cells, 셀마다 한 번, 배점 포함)을 "
        "모았습니다. 상태: **다룸** = 강의에서 가르치고 과제에서 채점함, **일부** = 둘 중 하나만, "
        "**아직 다루지 않음** = 이후 주차에서 다룸.",
        "",
        "Each exam topic of the class notes with its slide pages and lab/workshop, the lecture "
        "sections that teach it and the graded test cells that test it (each cell once, with its "
        "points).",
        "",
        "| 주제 (topic) | 슬라이드 (slides) | 연습 (practice) | 주차 | 채점 배점 | 상태 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for t in TOPICS:
        src = SOURCES[t]
        lines.append(f"| [{t}](#{_anchor(t)}) | {src.slides} | {src.practice or '—'} | "
                     f"{_weeks(lectures[t] + graded[t])} | {_points(graded[t]):g}점 | "
                     f"{state(lectures[t], graded[t])} |")
    lines += ["", "## 그 밖의 시험 포인트 (other exam points)", "",
              "강의 자료가 \"시험에 나온다\"고 표시한 그 밖의 내용입니다.", "",
              "| 주제 (topic) | 주차 | 채점 배점 | 상태 |", "| --- | --- | --- | --- |"]
    for t in EXAM_POINTS:
        lines.append(f"| [{t}](#{_anchor(t)}) | {_weeks(lectures[t] + graded[t])} | "
                     f"{_points(graded[t]):g}점 | {state(lectures[t], graded[t])} |")
    lines += ["", "## 시험 범위 밖의 추가 주제 (extra, not on the exam)", "",
              "5–6주차에서 다루는, 강의 자료의 시험 목록에는 없는 주제입니다.", "",
              "| 주제 (topic) | 주차 | 채점 배점 | 상태 |", "| --- | --- | --- | --- |"]
    for t in EXTRA_TOPICS:
        lines.append(f"| [{t}](#{_anchor(t)}) | {_weeks(lectures[t] + graded[t])} | "
                     f"{_points(graded[t]):g}점 | {state(lectures[t], graded[t])} |")
    lines.append("")
    for t in ALL_TOPICS:
        lines += [f"## {t}", ""]
        if t in SOURCES:
            src = SOURCES[t]
            lines.append(f"- 슬라이드 (slides): {src.slides}쪽" if not src.slides.endswith(")")
                         else f"- 슬라이드 (slides): {src.slides}")
            if src.practice:
                lines.append(f"- 연습 (practice): {src.practice}")
        elif t in EXTRA_TOPICS:
            lines.append("- 시험 범위 밖 (extra)")
        lines.append(f"- 상태: {state(lectures[t], graded[t])}")
        lines.append("- 강의 (lecture): " + ("; ".join(lectures[t]) if lectures[t] else "—"))
        if graded[t]:
            lines.append("- 과제 (graded):")
            lines += [f"  - {g}" for g in graded[t]]
        else:
            lines.append("- 과제 (graded): —")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_checkpoints(out: Path | None = None, root: Path = REPO_ROOT) -> Path:
    out = Path(out or root / "docs" / "CHECKPOINTS.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(root), encoding="utf-8")
    print(f"checkpoints: {out}")
    return out

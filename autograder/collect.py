"""Collect: import submissions into ``submitted/`` with every original archived.

Accepted inputs: a folder or zip of ``<student>_<assignment>.ipynb`` files, a
``submitted``-style tree (``<student>/<assignment>/*.ipynb``) or an nbgrader exchange
``inbound/`` folder (``<student>+<assignment>+<timestamp>/*.ipynb``).

- Student ids are checked against the roster when one is given, else against
  :data:`ID_RE` (no glob, path or markup characters: nbgrader reads an id as a glob).
- Two files for one student × assignment in one batch are flagged (``DUPLICATES.txt`` in
  the submission folder, status ``needs_manual``), never silently replaced; exchange
  submissions with distinct timestamps keep the newest, as nbgrader does.
- The exchange timestamp (or a ``timestamp.txt`` that came with the file) is kept, so late
  penalties stay right; only a bare file gets the collection time.
- Zip entries that escape the folder, links, oversized members and zip bombs are rejected;
  the temporary folder is always removed.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from . import course
from .config import log
from .course import REPO_ROOT
from .export import write_csv, csv_safe
from .utils import sha256_file as _sha256

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
ID_RULE = ("학생 ID는 영문자·숫자로 시작하고 영문자, 숫자, '_', '.', '-'만 쓸 수 있습니다(최대 64자) "
           "(student id must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$)")
MAX_MEMBER_BYTES = 64 * 2**20       # one file in a zip
MAX_TOTAL_BYTES = 1024 * 2**20      # all of a zip, unpacked
MAX_RATIO = 200                     # unpacked / compressed, for members over 1 MiB
DUPLICATES = "DUPLICATES.txt"


class ZipRejected(ValueError):
    pass


def valid_student_id(student: str, roster: set[str] | None = None) -> str:
    """"" when ``student`` is acceptable, else the reason (Korean + English)."""
    if roster is not None:
        return "" if student in roster else \
            f"명단(roster)에 없는 학생 ID입니다 (student id not in roster): {student!r}"
    return "" if ID_RE.match(student or "") and ".." not in student else \
        f"잘못된 학생 ID {student!r}: {ID_RULE}"



def _split_name(name: str, assignments: list[str]) -> tuple[str, str] | None:
    stem = Path(name).stem
    for a in sorted(assignments, key=len, reverse=True):
        if stem.endswith("_" + a) and len(stem) > len(a) + 1:
            return stem[: -len(a) - 1], a
    return None


def safe_unzip(src: Path, dest: Path) -> list[tuple[str, str]]:
    """Extract ``src`` into ``dest``; return ``[(entry, reason)]`` of rejected entries."""
    dest = dest.resolve()
    rejected = []
    total = 0
    with zipfile.ZipFile(src) as zf:
        for info in zf.infolist():
            name = info.filename
            mode = info.external_attr >> 16
            if info.is_dir():
                continue
            target = (dest / name).resolve()
            if not target.is_relative_to(dest) or target == dest:
                rejected.append((name, "경로가 폴더 밖을 가리킵니다 (path traversal)"))
                continue
            if stat.S_ISLNK(mode):
                rejected.append((name, "링크는 받지 않습니다 (symbolic link)"))
                continue
            if stat.S_IFMT(mode) and not stat.S_ISREG(mode):   # (0: no type recorded)
                rejected.append((name, "일반 파일이 아닙니다 (not a regular file)"))
                continue
            if info.file_size > MAX_MEMBER_BYTES or (
                    info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
                rejected.append((name, f"파일이 너무 큽니다 (oversized member or zip bomb: "
                                       f"{info.file_size:,} bytes)"))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            try:
                with zf.open(info) as fin, open(target, "xb") as fout:
                    while chunk := fin.read(1 << 20):      # the header may lie: count bytes
                        written += len(chunk)
                        if written > MAX_MEMBER_BYTES or total + written > MAX_TOTAL_BYTES:
                            raise ZipRejected("oversized")
                        fout.write(chunk)
            except ZipRejected:
                target.unlink(missing_ok=True)
                rejected.append((name, "압축을 풀면 너무 큽니다 (oversized member or zip bomb)"))
                continue
            except (FileExistsError, zipfile.BadZipFile, OSError) as exc:
                target.unlink(missing_ok=True)
                rejected.append((name, f"읽을 수 없는 항목 (unreadable entry: {type(exc).__name__})"))
                continue
            total += written
    return rejected


def _entries(src: Path, assignments: list[str]):
    """(path, student, assignment, exchange timestamp or None) per file under ``src``."""
    out = []
    for path in sorted(p for p in src.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(src)
        if any(part.startswith(".") or part == "__MACOSX" for part in rel.parts):
            continue
        inbound = rel.parts[-2].split("+") if len(rel.parts) >= 2 else []
        if len(rel.parts) >= 3 and rel.parts[-2] in assignments:      # submitted/ layout
            ts = path.parent / "timestamp.txt"
            stamp = ts.read_text(encoding="utf-8", errors="replace").strip()[:64] \
                if ts.is_file() and not ts.is_symlink() else None
            out.append((path, rel.parts[-3].split("+")[-1], rel.parts[-2], stamp))
        elif len(inbound) >= 3 and inbound[1] in assignments:         # nbgrader inbound/
            out.append((path, inbound[0], inbound[1], inbound[2]))    # student+assignment+time
        elif path.suffix == ".ipynb":
            parsed = _split_name(path.name, assignments)
            out.append((path, *(parsed or (None, None)), None))
        else:
            out.append((path, None, None, None))
    return out


def collect(src: Path, root: Path = REPO_ROOT, roster: list[str] | None = None) -> list[dict]:
    """Import submissions (see the module docstring); return one record per file.

    Every original is archived untouched under ``archive/<timestamp>/`` with its SHA-256 in
    ``archive/manifest.csv``; a newer file from the same student never overwrites an older
    archive.
    """
    src = Path(src)
    root = Path(root)
    if not src.exists():
        raise FileNotFoundError(f"collect: no such folder or zip: {src}")
    roster_set = set(roster) if roster else None
    assignments = course.assignments(REPO_ROOT)
    now = dt.datetime.now(dt.timezone.utc)
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    archive = root / "archive" / stamp
    archive.mkdir(parents=True, exist_ok=False)
    with tempfile.TemporaryDirectory(prefix="dlc-collect-") as tmp:
        rejected: list[tuple[str, str]] = []
        if src.is_file() and zipfile.is_zipfile(src):
            unpacked = Path(tmp) / "unpacked"
            unpacked.mkdir()
            rejected = safe_unzip(src, unpacked)
            src = unpacked
        records = [{"file": n, "student": None, "assignment": None, "sha256": "",
                    "action": f"rejected: {why}"} for n, why in rejected]
        entries = _entries(src, assignments)
        # one student × assignment: which notebook goes to submitted/?
        groups: dict[tuple[str, str], list] = {}
        for e in entries:
            if e[1] and e[2] and e[0].suffix == ".ipynb":
                groups.setdefault((e[1], e[2]), []).append(e)
        chosen, superseded, duplicated = {}, set(), {}
        for key, group in groups.items():
            stamps = [e[3] for e in group]
            if len(group) == 1 or (None not in stamps and len(set(stamps)) == len(stamps)):
                group = sorted(group, key=lambda e: e[3] or "")
                chosen[key] = group[-1]
                superseded |= {e[0] for e in group[:-1]}
            else:
                chosen[key] = group[-1]
                duplicated[key] = [str(e[0].relative_to(src)) for e in group]
        rows = []
        for path, student, assignment, ex_stamp in entries:
            arch = archive / path.relative_to(src)
            arch.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, arch)
            digest = _sha256(arch)
            action = "skipped: name not <student>_<assignment>.ipynb"
            why = valid_student_id(student, roster_set) if student and assignment else ""
            if why:
                action = f"rejected: {why}"
                log(f"collect: {path.relative_to(src)}: {why}")
            elif student and assignment and path.name == "timestamp.txt":
                action = "timestamp"
            elif student and assignment:
                dest_dir = root / "submitted" / student / assignment
                dest_dir.mkdir(parents=True, exist_ok=True)
                if path.suffix != ".ipynb":
                    shutil.copy2(path, dest_dir / path.name)
                    action = "submitted (supporting file)"
                elif path in superseded:
                    action = "superseded: a newer exchange submission exists"
                elif chosen.get((student, assignment), (None,))[0] == path:
                    for old in list(dest_dir.glob("*.ipynb")) + [dest_dir / DUPLICATES]:
                        old.unlink(missing_ok=True)
                    shutil.copy2(path, dest_dir / f"{assignment}.ipynb")
                    (dest_dir / "timestamp.txt").write_text(
                        ex_stamp or now.strftime("%Y-%m-%d %H:%M:%S.%f UTC"), encoding="utf-8")
                    action = "submitted"
                    if (student, assignment) in duplicated:
                        names = duplicated[(student, assignment)]
                        (dest_dir / DUPLICATES).write_text("\n".join(names) + "\n",
                                                           encoding="utf-8")
                        action = f"submitted, duplicate: {len(names)} files for one submission"
                else:
                    action = "duplicate: flagged for manual check"
            rows.append([stamp, str(path.relative_to(src)), str(arch.relative_to(root)),
                         digest, student or "", assignment or "", action])
            records.append({"file": str(path.relative_to(src)), "student": student,
                            "assignment": assignment, "sha256": digest, "action": action})
        for name, why in rejected:
            rows.append([stamp, name, "", "", "", "", f"rejected: {why}"])
    _append_manifest(root / "archive" / "manifest.csv", rows)
    n_sub = sum(r["action"].startswith("submitted") and "supporting" not in r["action"]
                for r in records)
    n_rej = sum(r["action"].startswith("rejected") for r in records)
    log(f"collect: {n_sub} submissions, {n_rej} rejected, {len(records)} files in {archive}")
    return records


def _append_manifest(path: Path, rows: list[list]) -> None:
    import csv
    header = ["collected_at", "original", "archived_as", "sha256", "student", "assignment",
              "action"]
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        if new:
            writer.writerow(header)
        writer.writerows([[csv_safe(v) for v in row] for row in rows])


__all__ = ["collect", "valid_student_id", "safe_unzip", "ID_RE", "write_csv"]

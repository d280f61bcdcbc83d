"""One status record per submission: ``grading/status/<assignment>/<student>.json``.

Written atomically (a temporary file, then ``os.replace``), so a crash or Ctrl-C never
leaves half a record; a record that cannot be read anyway (disk full, edited by hand) is
reported as ``error`` instead of crashing export, report or feedback.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

#: Every status a submission can end in. ``ok``/``repaired`` are the good ones.
STATUSES = ("ok", "repaired", "corrupt", "kernel_died", "timeout", "memory_exceeded",
            "missing", "needs_manual", "interrupted", "error")
GOOD = ("ok", "repaired")


def status_dir(root: Path, assignment: str) -> Path:
    return Path(root) / "grading" / "status" / assignment


def write_json_atomic(path: Path, data) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_status(root: Path, student: str, assignment: str, record: dict) -> None:
    write_json_atomic(status_dir(root, assignment) / f"{student}.json", record)


def read_status(path: Path) -> dict:
    try:
        rec = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(rec, dict) or rec.get("status") not in STATUSES:
            raise ValueError("not a status record")
        return rec
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        return {"status": "error", "detail": f"채점 상태 파일을 읽을 수 없습니다 (unreadable status "
                                             f"file {Path(path).name}: {type(exc).__name__}); 다시 채점하세요."}


def read_statuses(root: Path) -> dict[tuple[str, str], dict]:
    out = {}
    base = Path(root) / "grading" / "status"
    for path in base.glob("*/*.json"):
        if path.is_symlink() or not path.is_file():
            continue
        out[(path.stem, path.parent.name)] = read_status(path)
    return out

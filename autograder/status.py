"""One status record per submission: ``grading/status/<assignment>/<student>.json``.

With a server gradebook (``DLCOURSE_DB_URL=postgresql://…``, several grading hosts) every
record is also written to the table ``dlcourse_status`` of that database, and reading merges
it in (the database wins): each host sees every host's statuses, not only its own files.

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


STATUS_TABLE = "dlcourse_status"
_ENGINES: dict = {}


def shared_db_url(root: Path) -> str | None:
    """The gradebook URL when it is a database server shared by grading hosts, else None."""
    from .config import DB_URL_ENV
    url = os.environ.get(DB_URL_ENV, "")
    if not url:
        from .config import load_config
        url = str(load_config(Path(root)).CourseDirectory.db_url)
    return None if url.startswith("sqlite") else url


def _status_table(url: str):
    """(engine, table) of the shared status table, created on first use."""
    if url not in _ENGINES:
        import sqlalchemy as sa
        from sqlalchemy.pool import NullPool
        engine = sa.create_engine(url, poolclass=NullPool)
        meta = sa.MetaData()
        table = sa.Table(STATUS_TABLE, meta,
                         sa.Column("assignment", sa.String(255), primary_key=True),
                         sa.Column("student", sa.String(255), primary_key=True),
                         sa.Column("record", sa.Text, nullable=False))
        meta.create_all(engine, checkfirst=True)
        _ENGINES[url] = (engine, table)
    return _ENGINES[url]


def _write_shared(url: str, student: str, assignment: str, record: dict) -> None:
    import sqlalchemy as sa
    engine, table = _status_table(url)
    key = (table.c.assignment == assignment) & (table.c.student == student)
    row = {"assignment": assignment, "student": student,
           "record": json.dumps(record, ensure_ascii=False)}
    for attempt in range(3):            # two hosts finishing the same submission at once
        try:
            with engine.begin() as conn:
                conn.execute(sa.delete(table).where(key))
                conn.execute(sa.insert(table).values(**row))
            return
        except sa.exc.IntegrityError:
            if attempt == 2:
                raise


def _read_shared(url: str) -> dict[tuple[str, str], dict]:
    import sqlalchemy as sa
    engine, table = _status_table(url)
    out = {}
    with engine.connect() as conn:
        for assignment, student, raw in conn.execute(
                sa.select(table.c.assignment, table.c.student, table.c.record)):
            try:
                rec = json.loads(raw)
                if not isinstance(rec, dict) or rec.get("status") not in STATUSES:
                    raise ValueError("not a status record")
            except ValueError as exc:
                rec = {"status": "error", "detail": f"채점 상태 기록을 읽을 수 없습니다 (unreadable "
                                                    f"status row: {type(exc).__name__}); 다시 채점하세요."}
            out[(student, assignment)] = rec
    return out


def write_status(root: Path, student: str, assignment: str, record: dict) -> None:
    write_json_atomic(status_dir(root, assignment) / f"{student}.json", record)
    url = shared_db_url(root)
    if url:
        _write_shared(url, student, assignment, record)


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
    url = shared_db_url(root)
    if url:
        out.update(_read_shared(url))
    return out

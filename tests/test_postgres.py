"""The gradebook in PostgreSQL, for real (issue 14): a server started by this test itself
(Debian ``postgresql``: ``initdb`` in a temporary folder, a Unix socket only, stopped at the
end), two "grading hosts" (two course roots, as two machines would have) grading disjoint
halves of the demo class into it, and the result compared with the one-host SQLite run.

``DLCOURSE_DB_URL`` points nbgrader's gradebook at the server; the per-submission status
records go to its ``dlcourse_status`` table too, so each host's export, feedback and report
see every host's work. In CI (``CI=true``) a missing PostgreSQL fails instead of skipping.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

from autograder import demo, pipeline

pytestmark = pytest.mark.slow
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="module")
def postgres():
    """A throw-away PostgreSQL server (autograder/pgserver.py); the URL of database ``gradebook``."""
    from autograder.pgserver import PostgresUnavailable, temporary_postgres
    try:
        server = temporary_postgres("gradebook")
        url = server.__enter__()
    except PostgresUnavailable as exc:
        if CI:
            pytest.fail(f"PostgreSQL test cannot run in CI: {exc} (.ci/run installs postgresql)")
        pytest.skip(str(exc))
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


#: The demo class without the infinite loop (its 30 s cell timeout would dominate the run).
CLASS = [s for s in sorted(demo.EXPECTED) if demo.EXPECTED[s] != "timeout"]


def _grade(root: Path, students: list[str]) -> None:
    pipeline.autograde(root, [demo.ASSIGNMENT], students=students, jobs=2, cell_timeout=30,
                       progress=False)


def _rows(root: Path) -> dict[str, dict]:
    csv_path = pipeline.export(root, root / "grades.csv", list(demo.EXPECTED))
    keep = ("score", "max_score", "status")
    return {r["student"]: {k: r[k] for k in keep} for r in csv.DictReader(open(csv_path, encoding="utf-8"))}


def _cell_scores(url: str) -> dict:
    from nbgrader.api import Gradebook
    with Gradebook(url) as gb:
        return {(s.student.id, g.name): g.score for s in gb.assignment_submissions(demo.ASSIGNMENT)
                for nb in s.notebooks for g in nb.grades}


@pytest.fixture(scope="module")
def two_hosts_and_sqlite(postgres, tmp_path_factory, monkeypatch_module):
    base = tmp_path_factory.mktemp("pg-class")
    one = base / "sqlite"
    zip_path = demo.build_class(one)
    host_a, host_b = base / "host_a", base / "host_b"
    shutil.copytree(one, host_a)
    shutil.copytree(one, host_b)
    for root in (one, host_a, host_b):
        pipeline.collect(root / zip_path.relative_to(one), root)
    _grade(one, CLASS)                                      # one host, SQLite (the default)
    sqlite_rows, sqlite_cells = _rows(one), _cell_scores(f"sqlite:///{one / 'gradebook.db'}")
    monkeypatch_module.setenv("DLCOURSE_DB_URL", postgres)
    _grade(host_a, CLASS[: len(CLASS) // 2])                # two hosts, one PostgreSQL gradebook
    _grade(host_b, CLASS[len(CLASS) // 2:])
    return {"sqlite": sqlite_rows, "sqlite_cells": sqlite_cells, "a": _rows(host_a),
            "b": _rows(host_b), "pg_cells": _cell_scores(postgres), "url": postgres,
            "host_a": host_a, "host_b": host_b}


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_two_hosts_on_postgresql_give_exactly_the_sqlite_results(two_hosts_and_sqlite):
    r = two_hosts_and_sqlite
    assert {s: row["status"] for s, row in r["sqlite"].items() if s in CLASS} == \
        {s: demo.EXPECTED[s] for s in CLASS}
    assert r["a"] == r["sqlite"], "host A's export (PostgreSQL) differs from the SQLite run"
    assert r["b"] == r["sqlite"], "host B's export (PostgreSQL) differs from the SQLite run"
    assert r["pg_cells"] == r["sqlite_cells"], "per-cell grades differ between PostgreSQL and SQLite"
    assert r["pg_cells"], "no grades in the PostgreSQL gradebook"


def test_statuses_live_in_the_database_not_only_in_host_files(two_hosts_and_sqlite):
    import sqlalchemy as sa
    r = two_hosts_and_sqlite
    engine = sa.create_engine(r["url"])
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT student, assignment FROM dlcourse_status")).all()
    engine.dispose()
    graded = {s for s in CLASS if demo.EXPECTED[s] != "missing"}
    assert {s for s, _ in rows} >= graded
    files_a = {p.stem for p in (r["host_a"] / "grading" / "status").glob("*/*.json")}
    files_b = {p.stem for p in (r["host_b"] / "grading" / "status").glob("*/*.json")}
    assert files_a and files_b and not files_a & files_b, "each host graded its own half"
    assert r["a"] == r["b"], "both hosts see every host's statuses"


def test_no_sqlite_gradebook_is_written_when_the_server_is_used(two_hosts_and_sqlite):
    r = two_hosts_and_sqlite
    for root in (r["host_a"], r["host_b"]):
        assert not (root / "gradebook.db").exists(), f"{root.name} wrote a local gradebook.db"


@pytest.fixture(scope="module")
def dask_class(two_hosts_and_sqlite, postgres, tmp_path_factory, monkeypatch_module):
    """The demo class graded again on a Dask LocalCluster (scheduler and two worker processes
    on loopback), into a second database of the same server."""
    import dask.distributed  # noqa: F401 - requirements.txt; an ImportError fails the test
    from autograder.pgserver import create_database
    url = create_database(postgres, "gradebook_dask")
    root = tmp_path_factory.mktemp("dask-class")
    zip_path = demo.build_class(root / "c")
    root = root / "c"
    pipeline.collect(zip_path, root)
    monkeypatch_module.setenv("DLCOURSE_DB_URL", url)
    from autograder.distributed import autograde_dask
    records = autograde_dask(root, [demo.ASSIGNMENT], students=DASK_STUDENTS, n_workers=2,
                             cell_timeout=30)
    return {"root": root, "records": records, "rows": _rows(root), "cells": _cell_scores(url)}


#: A part of the class, to keep the test short: every kind of result of the local pool
#: (full marks, zero, partial, repaired, unreadable).
DASK_STUDENTS = ["s01_perfect", "s02_untouched", "s03_partial", "s04_corrupt_json",
                 "s05_metadata_stripped"]


def test_dask_local_cluster_gives_exactly_the_local_pool_results(two_hosts_and_sqlite, dask_class):
    local = two_hosts_and_sqlite
    assert {s: dask_class["rows"][s] for s in DASK_STUDENTS} == \
        {s: local["sqlite"][s] for s in DASK_STUDENTS}
    assert dask_class["cells"] == {k: v for k, v in local["sqlite_cells"].items()
                                   if k[0] in DASK_STUDENTS}
    assert sorted(r["student"] for r in dask_class["records"]) == DASK_STUDENTS
    # the driver has every autograded notebook (feedback and report work as after a local run)
    for s in DASK_STUDENTS:
        if demo.EXPECTED[s] in ("ok", "repaired"):
            assert list((dask_class["root"] / "autograded" / s / demo.ASSIGNMENT).glob("*.ipynb")), s

"""A throw-away PostgreSQL server (tests and benchmarks of the shared gradebook).

:func:`temporary_postgres` runs Debian's ``initdb`` in a temporary folder and starts the
server on a Unix socket only (no TCP), with ``fsync`` off; as root it runs the server as
``nobody`` (PostgreSQL refuses root). It yields the SQLAlchemy URL of an empty database and
stops the server and deletes everything at the end.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["pg_bindir", "temporary_postgres", "create_database"]


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries, or no psycopg2."""


def pg_bindir() -> Path | None:
    """The folder of ``initdb``/``pg_ctl`` (PATH first, then Debian's /usr/lib/postgresql)."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def create_database(url: str, name: str) -> str:
    """Create database ``name`` on the server of ``url``; return its URL."""
    import sqlalchemy as sa
    base, _, query = url.partition("?")
    admin = sa.create_engine(base.rsplit("/", 1)[0] + "/postgres?" + query,
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + f"/{name}?" + query


@contextlib.contextmanager
def temporary_postgres(database: str = "gradebook"):
    bindir = pg_bindir()
    if bindir is None:
        raise PostgresUnavailable("no initdb (Debian: apt-get install postgresql)")
    try:
        import psycopg2  # noqa: F401
    except ImportError as exc:
        raise PostgresUnavailable("no psycopg2 (requirements.txt: psycopg2-binary)") from exc
    base = Path(tempfile.mkdtemp(prefix="dlc-pg-", dir="/tmp"))      # short: socket path limit
    as_user: list[str] = []
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(base, nobody.pw_uid, nobody.pw_gid)
        as_user = ["runuser", "-u", "nobody", "--"]
    data = base / "data"

    def run(*cmd):
        return subprocess.run([*as_user, *map(str, cmd)], check=True, capture_output=True,
                              text=True, timeout=120)
    try:
        try:
            run(bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-locale",
                "-E", "UTF8")
            run(bindir / "pg_ctl", "-D", data, "-l", base / "server.log", "-w", "-t", "60", "-o",
                f"-k {base} -c listen_addresses='' -F", "start")
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"PostgreSQL did not start: {exc.stderr[-2000:]}") from exc
        yield create_database(f"postgresql+psycopg2://postgres@/postgres?host={base}", database)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",
                            "-w", "stop"], capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)

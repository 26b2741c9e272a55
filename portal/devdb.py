"""Embedded PostgreSQL for development and tests when DATABASE_URL is unset.

pgserver ships PostgreSQL binaries on PyPI, so a fresh machine needs no database server.
The cluster lives under var/ and keeps running between commands (cleanup_mode=None);
`python -m portal.devdb stop` shuts it down.
"""

import logging
import sys
import warnings
from pathlib import Path

PGDATA = Path(__file__).resolve().parent.parent / "var" / "pgdata"


def embedded_database_url() -> str:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI); the fallback is fine.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    import pgserver

    server = pgserver.get_server(PGDATA, cleanup_mode=None)
    return server.get_uri()


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "url"
    if command == "url":
        print(embedded_database_url())
        return 0
    if command == "stop":
        import pgserver

        if PGDATA.exists():
            pgserver.get_server(PGDATA, cleanup_mode="stop").cleanup()
        return 0
    print(f"usage: python -m portal.devdb [url|stop], got {command!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

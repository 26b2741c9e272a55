"""The embedded PostgreSQL (DATABASE_URL unset): has the contrib modules search needs, and
`make db-stop` stops it even when a process that died left its handle behind."""

import json
import shutil
from pathlib import Path

import psycopg
import pytest

from portal import devdb


@pytest.fixture
def cluster(monkeypatch):
    # Under var/ like the real one: as root the server runs as another user, who must reach it.
    pgdata = Path(devdb.PGDATA).parent / "test-devdb" / "pgdata"
    shutil.rmtree(pgdata.parent, ignore_errors=True)
    pgdata.parent.mkdir(parents=True)
    monkeypatch.setattr(devdb, "PGDATA", pgdata)
    yield pgdata
    devdb.stop()
    shutil.rmtree(pgdata.parent, ignore_errors=True)


@pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR")
def test_embedded_server_has_the_search_extensions_and_stops_despite_stale_handles(cluster):
    url = devdb.embedded_database_url()
    with psycopg.connect(url, autocommit=True) as connection:
        names = {
            row[0]
            for row in connection.execute(
                "SELECT name FROM pg_available_extensions WHERE name IN ('pg_trgm', 'unaccent')"
            )
        }
        assert names == {"pg_trgm", "unaccent"}
        connection.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        assert connection.execute("SELECT similarity('kafka', 'kafak')").fetchone()[0] > 0.3
    assert devdb._postmaster() is not None
    (cluster / devdb.HANDLES).write_text(json.dumps([999_999_998, 999_999_999]))

    assert devdb.stop().startswith("embedded PostgreSQL stopped")
    assert devdb._postmaster() is None
    assert devdb.stop() == "embedded PostgreSQL is not running"


def test_a_cluster_of_an_older_server_is_set_aside_not_lost(cluster):
    cluster.mkdir(parents=True)
    (cluster / "PG_VERSION").write_text("16\n")
    (cluster / "base").mkdir()
    (cluster / "base" / "data").write_text("rows")
    moved = devdb.set_aside_older_cluster()
    kept = cluster.with_name("pgdata-pg16")
    try:
        assert str(kept) in moved and not cluster.exists()
        assert (kept / "base" / "data").read_text() == "rows"
        assert devdb.set_aside_older_cluster() == ""  # nothing left to move
    finally:
        shutil.rmtree(kept, ignore_errors=True)

"""Git sources: push-to-visible latency through a real worker, and the cost of a sync.

Builds a bare repository holding a copy of the learn-resources corpus (its Markdown files, made
in var/, never in the project), adds it as a source and imports it. Then, from one run:
  - a sync with no new commit (fetch, compare, nothing imported), N times in-process;
  - the same forced to re-import the unchanged tree (every guide "unchanged" by content hash);
  - push-to-visible: commit a one-paragraph edit to one guide, push it, POST a signed GitHub
    webhook to gunicorn, and poll that guide's page until the new paragraph is served; a real
    Celery worker (Redis) does the sync. Timed from the webhook POST to the first page that
    shows the edit; the worker's own sync time is printed beside it.
Own database portal_bench_sources, Redis DB 8 (flushed).
Run: .venv/bin/python bench/sources.py [--pushes 5] [--syncs 10]
"""

import argparse
import hashlib
import hmac
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "portal_bench_sources"
WORK = ROOT / "var" / "bench-sources"
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/8")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ["SOURCES_ROOT"] = str(WORK / "var")
os.environ["SOURCES_LOCAL_ROOTS"] = str(WORK / "remote")
CORPUS = Path(os.environ.get("BENCH_CORPUS", ROOT.parent / "shared" / "corpus" / "learn-resources"))
SECRET = "bench-webhook-secret"
NAME = "bench"

from bench.common import BASE, start_server, stop_server

GIT_ENV = {
    "PATH": os.environ["PATH"],
    "HOME": str(WORK),
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True, text=True
    ).stdout.strip()


def ensure_database() -> None:
    import psycopg

    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    admin = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def build_origin() -> tuple[Path, Path]:
    shutil.rmtree(WORK, ignore_errors=True)
    bare = WORK / "remote" / "learn-resources.git"
    clone = WORK / "author"
    bare.parent.mkdir(parents=True)
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), cwd=WORK)
    shutil.copytree(CORPUS, clone, ignore=shutil.ignore_patterns(".git"))
    git("init", "--quiet", "--initial-branch=main", cwd=clone)
    git("add", "--all", cwd=clone)
    git("commit", "--quiet", "-m", "The corpus", cwd=clone)
    git("push", "--quiet", str(bare), "HEAD:main", cwd=clone)
    return bare, clone


def ms(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):7.1f} ms  min {min(values):7.1f}  "
        f"max {max(values):7.1f}  (n={len(values)})"
    )


def webhook(body: bytes) -> int:
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"{BASE}/sources/{NAME}/webhook/",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-GitHub-Event": "push",
            "X-Hub-Signature-256": f"sha256={digest}",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def page_has(url: str, marker: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return marker in response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        sys.exit(f"{url} answered {exc.code}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pushes", type=int, default=5)
    parser.add_argument("--syncs", type=int, default=10)
    options = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"the corpus is not at {CORPUS}")

    import redis

    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)

    from apps.guides.models import Guide
    from apps.sources.models import Source, SyncRun
    from apps.sources.services import source_save, source_sync

    bare, clone = build_origin()
    size = sum(path.stat().st_size for path in clone.rglob("*") if path.is_file())
    print(f"repository: {len(list(clone.rglob('*.md')))} Markdown files, {size:,} bytes")
    source, _ = source_save(name=NAME, url=str(bare), webhook_secret=SECRET, poll_interval=0)

    started = time.perf_counter()
    first = source_sync(source=source, trigger="command")
    files = [
        clone / path.split("/", 1)[1]
        for path in Guide.objects.filter(source_path__startswith=f"{NAME}/", is_archived=False)
        .order_by("source_path")
        .values_list("source_path", flat=True)
    ]
    print(
        f"first sync (fetch + import everything): {(time.perf_counter() - started) * 1000:.0f} ms,"
        f" {first.changes.get('guides_created')} guides created ({first.status})"
    )

    unchanged = []
    for _ in range(options.syncs):
        started = time.perf_counter()
        outcome = source_sync(source=source, trigger="command")
        unchanged.append((time.perf_counter() - started) * 1000)
        assert outcome.status == "unchanged", outcome
    print(f"sync, no new commit:                 {ms(unchanged)}")
    forced = []
    for _ in range(max(3, options.syncs // 3)):
        started = time.perf_counter()
        outcome = source_sync(source=source, trigger="command", force=True)
        forced.append((time.perf_counter() - started) * 1000)
    print(f"sync forced to re-import same tree:  {ms(forced)}")

    env = {"CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"]}
    server = start_server(env=env)
    log = WORK / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel", "INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--pool", "prefork",
         "--concurrency", "2", "--prefetch-multiplier", "1"],
        cwd=ROOT, env={**os.environ}, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    latencies, worker_ms = [], []
    try:
        time.sleep(3)  # the worker's start-up is not part of a push
        for n in range(options.pushes):
            target = files[(n * 7) % len(files)]
            guide = Guide.objects.get(source_path=f"{NAME}/{target.relative_to(clone)}")
            marker = f"bench-marker-{n}-{time.time_ns()}"
            # A new paragraph under the H1: always in the body (the end of a file may be a
            # glossary table or an open list).
            lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
            at = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), 0)
            lines.insert(at, f"\nEdited by the benchmark: {marker}\n\n")
            target.write_text("".join(lines), encoding="utf-8")
            git("commit", "--quiet", "--all", "-m", f"Edit {target.name}", cwd=clone)
            git("push", "--quiet", str(bare), "HEAD:main", cwd=clone)
            sha = git("rev-parse", "HEAD", cwd=clone)
            body = json.dumps({"ref": "refs/heads/main", "after": sha}).encode()
            url = BASE + guide.get_absolute_url()
            started = time.perf_counter()
            assert webhook(body) == 202
            deadline = started + 60
            while not page_has(url, marker):
                if time.perf_counter() > deadline:
                    sys.exit(f"the edit never showed up\n{log.read_text()[-4000:]}")
                time.sleep(0.05)
            latencies.append((time.perf_counter() - started) * 1000)
            while SyncRun.objects.filter(commit=sha, finished_at__isnull=True).exists():
                time.sleep(0.05)  # the page shows the guide before the run row is closed
            run = SyncRun.objects.get(commit=sha)
            worker_ms.append(float(run.duration_ms or 0))
            print(
                f"  push {n + 1}: {target.name}: visible after {latencies[-1]:.0f} ms "
                f"(worker sync {run.duration_ms} ms: {run.report.get('timings_ms')}, "
                f"{run.guides_updated} guide updated)"
            )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=20)
        stop_server(server)
    print(f"push-to-visible (webhook POST → page): {ms(latencies)}  target < 5000 ms")
    print(f"  of which the worker's sync:          {ms(worker_ms)}")
    print(f"sync with no change:                   median {statistics.median(unchanged):.1f} ms"
          "  target < 1000 ms")  # fmt: skip
    Source.objects.filter(name=NAME).update(poll_interval=0)


if __name__ == "__main__":
    main()

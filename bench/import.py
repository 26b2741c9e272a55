"""Importing a repository vs `mkdocs build` with Material of the same files, in one run.

For learn-resources and a large repository (30 files of about 130 KB made from the corpus):
- cold import (a library without this repository: removed by a process of its own, untimed)
  as the process a user runs, `manage.py import_guides PATH`, against `mkdocs build` as a
  process: both include their interpreter start-up and exit; best of 3, alternated;
- where the CPU goes: one more cold import, in a process that times its stages (the same
  command through manage.main(), with the receivers wrapped) and its PostgreSQL backend;
- re-import of the unchanged repository, timed inside the process (what the importer costs);
- peak memory (max RSS) of the import process.

Run: .venv/bin/python bench/import.py
The first run makes var/bench-mkdocs-venv (pip install mkdocs-material) and uses the database
in $DATABASE_URL (default postgres://postgres@127.0.0.1:5432/portal_bench), migrated here.
"""

import contextlib
import io
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "corpus"
MKDOCS_VENV = ROOT / "var" / "bench-mkdocs-venv"
MKDOCS_MATERIAL = "mkdocs-material==9.8.1"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/portal_bench"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
LARGE_FILES, LARGE_BYTES = 30, 130_000

# The portal's Markdown features, in MkDocs' words, so both sides do comparable work.
MKDOCS_YML = """\
site_name: bench
docs_dir: {docs}
site_dir: {site}
theme:
  name: material
plugins:
  - search
markdown_extensions:
  - abbr
  - attr_list
  - def_list
  - footnotes
  - md_in_html
  - tables
  - admonition
  - sane_lists
  - toc:
      permalink: true
  - pymdownx.highlight
  - pymdownx.details
  - pymdownx.tilde
  - pymdownx.mark
  - pymdownx.tasklist
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
"""


def mkdocs_bin() -> Path:
    mkdocs = MKDOCS_VENV / "bin" / "mkdocs"
    if not mkdocs.exists():
        print(f"making {MKDOCS_VENV} with {MKDOCS_MATERIAL} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(MKDOCS_VENV)], check=True)
        subprocess.run(
            [str(MKDOCS_VENV / "bin" / "pip"), "install", "-q", MKDOCS_MATERIAL], check=True
        )
    return mkdocs


def large_repository(target: Path) -> Path:
    """30 files of about 130 KB, each made of whole corpus guides cut at a line outside code."""
    sources = sorted(
        p
        for p in (CORPUS / "learn-resources").glob("*.md")
        if p.name not in ("README.md", "CLAUDE.md") and p.stat().st_size > 40_000
    )
    texts = [p.read_text(encoding="utf-8") for p in sources]
    target.mkdir(parents=True, exist_ok=True)
    for number in range(LARGE_FILES):
        lines: list[str] = [f"# Part {number + 1}\n"]
        size, in_fence, index = 0, False, number
        while True:
            for line in texts[index % len(texts)].splitlines(keepends=True):
                if line.lstrip().startswith(("```", "~~~")):
                    in_fence = not in_fence
                lines.append(line)
                size += len(line.encode())
                if size >= LARGE_BYTES and not in_fence:
                    break
            if size >= LARGE_BYTES and not in_fence:
                break
            index += 1
        (target / f"part-{number + 1:02d}.md").write_text("".join(lines), encoding="utf-8")
    return target


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def mkdocs_build(mkdocs: Path, docs: Path, scratch: Path) -> tuple[float, float]:
    """Wall and CPU seconds of `mkdocs build`."""
    config = scratch / "mkdocs.yml"
    site = scratch / "site"
    shutil.rmtree(site, ignore_errors=True)
    config.write_text(MKDOCS_YML.format(docs=docs, site=site), encoding="utf-8")
    started, cpu = time.perf_counter(), children_cpu()
    subprocess.run(
        [str(mkdocs), "build", "-q", "-f", str(config)],
        check=True,
        capture_output=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    return time.perf_counter() - started, children_cpu() - cpu


def command_run(path: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (with its render children) of `manage.py import_guides PATH`."""
    started, cpu = time.perf_counter(), children_cpu()
    subprocess.run(
        [sys.executable, "manage.py", "import_guides", str(path)],
        check=True,
        capture_output=True,
        env=env,
        cwd=ROOT,
    )
    return time.perf_counter() - started, children_cpu() - cpu


def child_run(path: Path, mode: str, env: dict[str, str]) -> tuple[float, dict]:
    """Wall seconds of an import process and its report; data["cpu"] is the CPU seconds of the
    process and its render workers, data["pg_cpu"] those of its PostgreSQL backend."""
    started, cpu = time.perf_counter(), children_cpu()
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    ).stdout
    wall = time.perf_counter() - started
    data = json.loads(output.strip().splitlines()[-1])
    data["cpu"] = children_cpu() - cpu
    return wall, data


def child(mode: str, path: Path) -> None:
    """In the import process: import (mode "cold" or "again") as `manage.py import_guides PATH`
    does, through the same command line; or, in a process of its own before a cold import
    (mode "clean"), remove this repository from the library."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
    from portal.devstart import ensure_database_url

    ensure_database_url()  # as manage.py does, and what it starts before Django sets up
    if mode != "clean":
        from apps.guides.render_ahead import render_ahead_for_command

        render_ahead_for_command([str(path)])
    import django

    django.setup()
    import psutil
    from django.db import connection, connections
    from django.db.models import Q

    import apps.flashcards.receivers
    import apps.search.receivers
    import manage
    from apps.guides.models import Guide, ImportRun, Track

    # CPU by stage: the receivers that follow each written guide are timed where they are
    # looked up (module globals), the renderer as this process's child.
    stages = {"search_index": 0.0, "cards": 0.0}

    def timed(module, name: str, stage: str) -> None:
        function = getattr(module, name)

        def wrapper(**kwargs):
            started = time.process_time()
            try:
                return function(**kwargs)
            finally:
                stages[stage] += time.process_time() - started

        setattr(module, name, wrapper)

    timed(apps.search.receivers, "search_index_guide", "search_index")
    timed(apps.flashcards.receivers, "cards_sync_for_guide", "cards")

    label = path.name
    if mode == "clean":
        # Not part of the import: a cold import starts from a library without this repository.
        Guide.objects.filter(source_path__startswith=f"{label}/").delete()
        Track.objects.filter(Q(source_path=label) | Q(source_path__startswith=f"{label}/")).delete()
        print(json.dumps({}))
        return
    startup_cpu = time.process_time()  # interpreter, Django set-up, the importer's modules
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = psutil.Process(cursor.fetchone()[0])
    pg_before = sum(backend.cpu_times()[:2])
    # The command closes its connection when it ends: read the backend's CPU just before.
    pg_after: list[float] = []
    close_all = connections.close_all

    def close_all_measured() -> None:
        if backend.is_running():
            pg_after.append(sum(backend.cpu_times()[:2]))
        close_all()

    connections.close_all = close_all_measured  # type: ignore[method-assign]
    import_started = time.process_time()
    render_before = children_cpu()
    started = time.perf_counter()
    # The command as a user runs it, through manage.py (its system checks, its report on
    # stdout, its exit code, what it does before the process exits).
    sys.argv = ["manage.py", "import_guides", str(path)]
    with contextlib.redirect_stdout(io.StringIO()):
        manage.main()
    seconds = time.perf_counter() - started
    pg_cpu = pg_after[0] - pg_before
    stages["render"] = children_cpu() - render_before
    stages["writes"] = time.process_time() - import_started
    stages["startup"] = startup_cpu
    totals = ImportRun.objects.latest("pk").report["totals"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak_mb,
                "pg_cpu": pg_cpu,
                "stages": stages,
                "totals": totals,
            }
        )
    )


def database_ready(env: dict[str, str]) -> None:
    import psycopg

    url = env["DATABASE_URL"]
    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, cwd=ROOT, env=env)


def measure(name: str, path: Path, mkdocs: Path, env: dict[str, str]) -> None:
    files = [p for p in path.rglob("*.md")]
    size = sum(p.stat().st_size for p in files)
    print(f"\n{name}: {len(files)} Markdown files, {size / 1024:.0f} KB")
    builds, imports, build_cpu, import_cpu = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-mkdocs-") as scratch:
        for _ in range(ROUNDS):
            wall, cpu = mkdocs_build(mkdocs, path, Path(scratch))
            builds.append(wall)
            build_cpu.append(cpu)
            child_run(path, "clean", env)
            wall, cpu = command_run(path, env)
            imports.append(wall)
            import_cpu.append(cpu)
    child_run(path, "clean", env)
    _, data = child_run(path, "cold", env)
    totals, best, pg_cpu = data["totals"], data["stages"], data["pg_cpu"]
    again_walls, again_inside = [], []
    for _ in range(ROUNDS):
        wall, again = child_run(path, "again", env)
        again_walls.append(wall)
        again_inside.append(again["seconds"])
        assert again["totals"]["rendered"] == 0, again["totals"]
    print(
        f"  imported: {totals['created']} guides, {totals['sections']} sections, "
        f"{totals['glossary_terms']} terms, {totals['task_items']} items, "
        f"{totals['diagrams']} diagrams"
    )
    best_build, best_import = min(builds), min(imports)
    print(
        f"  mkdocs build (Material)   best {best_build:6.2f} s  median "
        f"{statistics.median(builds):6.2f} s"
    )
    print(
        f"  cold import (process)     best {best_import:6.2f} s  median "
        f"{statistics.median(imports):6.2f} s  = {best_import / best_build:.2f}x mkdocs "
        f"(median {statistics.median(imports) / statistics.median(builds):.2f}x)"
    )
    # Each round's import over the build run just before it: the machine's drift cancels out.
    paired = sorted(i / b for i, b in zip(imports, builds, strict=True))
    print(
        f"  cold import / mkdocs, round by round: median {statistics.median(paired):.2f}x "
        f"({', '.join(f'{ratio:.2f}' for ratio in paired)})"
    )
    print(
        f"  CPU: mkdocs build best {min(build_cpu):.2f} s; import process best "
        f"{min(import_cpu):.2f} s + PostgreSQL backend {pg_cpu:.2f} s = "
        f"{(min(import_cpu) + pg_cpu) / min(build_cpu):.2f}x mkdocs"
    )
    print(
        f"  one more, timing its stages: {data['seconds']:.2f} s from Django set up to the end; "
        f"CPU: start-up {best['startup']:.2f} s, rendering (children) {best['render']:.2f} s, "
        f"the rest {best['writes']:.2f} s (of which search index {best['search_index']:.2f} s, "
        f"flashcards {best['cards']:.2f} s), PostgreSQL {pg_cpu:.2f} s"
    )
    print(
        f"  re-import unchanged       best {min(again_inside):6.3f} s in process, "
        f"{min(again_walls):.2f} s as a process (nothing parsed)"
    )
    print(f"  peak memory of an import  {data['peak_mb']:.0f} MB (max RSS, Django included)")


def main() -> None:
    env = {**os.environ, "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DATABASE)}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.local"
    database_ready(env)
    mkdocs = mkdocs_bin()
    # As `make setup` leaves them (and pip leaves mkdocs'): the project's modules byte-compiled.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "apps", "portal", "manage.py"],
        check=True,
        cwd=ROOT,
    )
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}; "
        f"best of {ROUNDS} rounds, alternated"
    )
    learn = CORPUS / "learn-resources"
    with tempfile.TemporaryDirectory(prefix="bench-import-") as scratch:
        large = large_repository(Path(scratch) / "large-guides")
        only = os.environ.get("BENCH_ONLY", "")  # "learn" or "large": one of them
        if learn.is_dir() and only != "large":
            measure("learn-resources", learn, mkdocs, env)
        if only != "learn":
            measure(f"large ({LARGE_FILES} files of ~{LARGE_BYTES // 1000} KB)", large, mkdocs, env)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]))
    else:
        main()

"""Search quality and speed: the portal against MkDocs Material's search on the same files.

Run: DATABASE_URL=... .venv/bin/python bench/search_quality.py [-v]
It imports the learn-resources corpus into a database of its own (portal_search_bench, dropped
and made again on the same server), builds the same guides with mkdocs-material in a
virtualenv it makes under var/bench-mkdocs (pip), installs the npm `lunr` package there, runs
Material's search in Node (bench/material_search.js) and the portal's in-process, and prints
hit@1, hit@5 and MRR@10 per query group for both, then the portal's server time per query.
Relevance is judged in bench/search_queries.py.
"""

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")  # no query log: time what production runs

from bench.search_queries import QUERIES

CORPUS = ROOT.parent / "shared" / "corpus" / "learn-resources"
WORK = ROOT / "var" / "bench-mkdocs"
MATERIAL = "mkdocs-material==9.8.1"
LUNR = "lunr@2.3.9"
GROUPS = ["glossary", "topic", "section", "misspelled", "no-answer"]


def norm(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return " ".join(re.findall(r"[^\W_]+", text.casefold()))


def is_term(title: str, names: list[str]) -> bool:
    for name in names:
        if norm(title) == norm(name) or re.match(rf"\s*{re.escape(name)}\s*\(", title, re.I):
            return True
    return False


def _definition_headings(file: str, names: tuple[str, ...]) -> set[str]:
    """The headings a term's definition sits under in the Markdown (the unit an engine that
    indexes headings can return for it): after a glossary heading, the nearest heading above a
    line that defines the term (`**Term**`, `| Term |`, `### Term`, `- **Term**`)."""
    found: set[str] = set()
    heading, in_glossary, in_fence = "", False, False
    for line in (CORPUS / file).read_text(encoding="utf-8", errors="replace").splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if match := re.match(r"#{1,6}\s+(.*?)\s*(\{#[^}]*\})?\s*#*$", line):
            heading = match.group(1)
            in_glossary = in_glossary or "glossary" in heading.casefold()
        if not in_glossary:
            continue
        for name in names:
            pattern = rf"\s*(\|\s*\**|#+\s+|[-*]\s+\*\*|\*\*)\[?{re.escape(name)}\b"
            if re.match(pattern, line, re.I):
                found.add(norm(heading))
    return found


DEFINITIONS: dict[tuple[str, tuple[str, ...]], set[str]] = {}


def relevant(judgement: dict, file: str, title: str) -> bool:
    if "guides" in judgement:
        return file in judgement["guides"]
    if "units" in judgement:
        return any(file == f and norm(title) == norm(h) for f, h in
                   (unit.split("::", 1) for unit in judgement["units"]))  # fmt: skip
    names, files = judgement["terms"]
    names = [names] if isinstance(names, str) else names
    if file not in files:
        return False
    key = (file, tuple(names))
    if key not in DEFINITIONS:
        DEFINITIONS[key] = _definition_headings(file, key[1])
    return is_term(title, names) or norm(title) in DEFINITIONS[key]


def rank_of_first_hit(judgement: dict, results: list[tuple[str, str]]) -> int | None:
    """1-based rank; for guide judgements, counted over distinct guides."""
    if "guides" in judgement:
        seen: list[str] = []
        for file, _ in results:
            if file not in seen:
                seen.append(file)
        results = [(file, "") for file in seen]
    for position, (file, title) in enumerate(results[:10], start=1):
        if relevant(judgement, file, title):
            return position
    return None


def score(results_by_query: dict[str, list[tuple[str, str]]]) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for group in GROUPS:
        queries = [q for q in QUERIES if q["group"] == group]
        if group == "no-answer":
            empty = sum(1 for q in queries if not results_by_query[q["q"]])
            table[group] = {"empty": empty, "n": len(queries)}
            continue
        ranks = [rank_of_first_hit(q, results_by_query[q["q"]]) for q in queries]
        table[group] = {
            "hit@1": sum(1 for r in ranks if r == 1) / len(ranks),
            "hit@5": sum(1 for r in ranks if r and r <= 5) / len(ranks),
            "mrr@10": sum(1 / r for r in ranks if r) / len(ranks),
            "n": len(ranks),
        }
    return table


def material_results(files: list[Path]) -> dict[str, list[tuple[str, str]]]:
    venv, docs, node = WORK / "venv", WORK / "docs", WORK / "node"
    if not (venv / "bin" / "mkdocs").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", MATERIAL], check=True)
    if not (node / "node_modules" / "lunr").exists():
        node.mkdir(parents=True, exist_ok=True)
        (node / "package.json").write_text('{"private": true}\n')
        subprocess.run(["npm", "install", "--silent", LUNR], cwd=node, check=True)
    shutil.rmtree(docs, ignore_errors=True)
    docs.mkdir(parents=True)
    for file in files:
        shutil.copy(file, docs / file.name)
    (WORK / "mkdocs.yml").write_text(
        "site_name: learn-resources\ntheme:\n  name: material\nplugins:\n  - search\n"
        "markdown_extensions:\n  - toc:\n      permalink: true\n  - tables\n  - attr_list\n"
        "  - admonition\n  - footnotes\n  - def_list\n  - pymdownx.superfences\n"
    )
    subprocess.run([str(venv / "bin" / "mkdocs"), "build", "-q", "-f", str(WORK / "mkdocs.yml")],
                   check=True, capture_output=True)  # fmt: skip
    index = WORK / "site" / "search" / "search_index.json"
    env = {**os.environ, "LUNR_PATH": str(node / "node_modules" / "lunr")}
    done = subprocess.run(
        ["node", str(ROOT / "bench" / "material_search.js"), str(index)],
        input=json.dumps([q["q"] for q in QUERIES]), capture_output=True, text=True, check=True,
        env=env,
    )  # fmt: skip
    by_query: dict[str, list[tuple[str, str]]] = {}
    for query, answer in json.loads(done.stdout).items():
        by_query[query] = [
            (result["location"].split("/")[0] + ".md", re.sub(r"<[^>]+>", "", result["title"]))
            for result in answer["results"]
        ]
    return by_query


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a local process: the PostgreSQL backend serving us."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def portal_results() -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[float]]]:
    import django

    django.setup()
    from django.test import Client

    from apps.guides.models import Guide
    from apps.search.selectors import search

    files = {g.slug: Path(g.source_path).name for g in Guide.objects.all()}
    by_query: dict[str, list[tuple[str, str]]] = {}
    for judgement in QUERIES:
        page = search(query=judgement["q"], limit=10)
        by_query[judgement["q"]] = [(files[hit.url.split("/")[2]], hit.title) for hit in page.hits]
    client = Client(HTTP_HOST="127.0.0.1")
    short = [q["q"] for q in QUERIES if len(q["q"].split()) <= 3]
    timings: dict[str, list[float]] = {"page": [], "instant": [], "page_cpu": [], "instant_cpu": []}
    backend = _backend_pid()
    for round_ in range(6):
        for query in short:
            for name, params, headers in (
                ("page", {"q": query}, {}),
                ("instant", {"q": query, "instant": "1"}, {"HX-Request": "true"}),
            ):
                cpu = time.process_time() + _cpu_seconds(backend)
                started = time.perf_counter()
                assert client.get("/search/", params, headers=headers).status_code == 200
                if round_:  # the first round warms caches and connections
                    timings[name].append((time.perf_counter() - started) * 1000)
                    spent = time.process_time() + _cpu_seconds(backend) - cpu
                    timings[f"{name}_cpu"].append(spent * 1000)
    return by_query, timings


def bench_database() -> str:
    """A database of its own next to the configured one (or the embedded server's), holding
    the corpus and nothing else, so both engines search the same guides."""
    import psycopg

    if os.environ.get("DATABASE_URL"):
        base = os.environ["DATABASE_URL"]
    else:
        from portal.devdb import embedded_database_url

        base = embedded_database_url()
    head, _, tail = base.partition("?")
    url = head.rsplit("/", 1)[0] + "/portal_search_bench" + (f"?{tail}" if tail else "")
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS portal_search_bench")
        connection.execute("CREATE DATABASE portal_search_bench")
    environment = {**os.environ, "DATABASE_URL": url}
    manage = [str(ROOT / ".venv" / "bin" / "python"), "manage.py"]
    for command in (["migrate", "-v0"], ["createcachetable"], ["import_guides", str(CORPUS)]):
        subprocess.run([*manage, *command], cwd=ROOT, env=environment, check=True,
                       capture_output=True)  # fmt: skip
    return url


def main() -> None:
    os.environ["DATABASE_URL"] = bench_database()
    portal, timings = portal_results()
    from apps.guides.models import Guide

    files = [CORPUS / Path(g.source_path).name for g in Guide.objects.filter(is_archived=False)]
    material = material_results(files)

    print(f"machine: {platform.node()} {platform.machine()}, load {os.getloadavg()[0]:.1f}; "
          f"{len(QUERIES)} queries, {len(files)} guides of {CORPUS.name}")  # fmt: skip
    tables = {"portal": score(portal), "mkdocs": score(material)}
    print(f"{'group':<12}{'n':>3}  {'engine':<8}{'hit@1':>7}{'hit@5':>7}{'MRR@10':>8}")
    for group in GROUPS:
        for engine, table in tables.items():
            row = table[group]
            if group == "no-answer":
                print(f"{group:<12}{row['n']:>3}  {engine:<8}  empty {row['empty']} of {row['n']}")
            else:
                print(f"{group:<12}{row['n']:>3}  {engine:<8}{row['hit@1']:>7.2f}"
                      f"{row['hit@5']:>7.2f}{row['mrr@10']:>8.2f}")  # fmt: skip
    for name, label in (("page", "/search/ page"), ("instant", "as-you-type")):
        wall, cpu = timings[name], timings[f"{name}_cpu"]
        p95 = statistics.quantiles(wall, n=20)[-1]
        print(f"portal {label:<13} 1-3 words, {len(wall)} requests: wall p50 "
              f"{statistics.median(wall):.1f} ms p95 {p95:.1f} ms; "
              f"CPU (Django + PostgreSQL backend) p50 {statistics.median(cpu):.1f} ms")  # fmt: skip
    if "-v" in sys.argv:
        for judgement in QUERIES:
            q = judgement["q"]
            print(
                f"\n{judgement['group']}: {q!r} portal rank "
                f"{rank_of_first_hit(judgement, portal[q])} mkdocs rank "
                f"{rank_of_first_hit(judgement, material[q])}"
            )
            for engine, results in (("portal", portal[q]), ("mkdocs", material[q])):
                for file, title in results[:5]:
                    print(f"   {engine:<7}{file[:40]:<42}{title[:60]}")


if __name__ == "__main__":
    main()

"""The importer against PostgreSQL: layouts, bad input, idempotency, archiving, the command."""

import json
import os
import re
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.guides.models import GlossaryTerm, Guide, ImportRun, Section, TaskItem, Track
from apps.guides.services import guides_import

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.django_db

GUIDE = """# Message Queues

## Executive Summary

Queues decouple a [Producer](#glossary) from a [Consumer](#glossary).

## Exercises

- [ ] Run a broker locally
  - [ ] Publish ten messages
- [x] Read the docs

```mermaid
flowchart LR
  P --> Q --> C
```

## Glossary

| Term | Description | Use this when | Like |
|------|-------------|---------------|------|
| Producer | Sends messages | Emitting events | A letter writer |
| Consumer | Reads messages | Processing work | A mail reader |
"""


def statuses(report) -> dict[str, str]:
    return {result.path: result.status for result in report.guides}


def test_flat_repository_with_readme_categories(guide_repo):
    root = guide_repo(
        {
            "README.md": (
                "# Notes\n\n## Index\n\n### 📊 Data\n\n#### [Queues.md](./Queues.md)\n\n"
                "### 🔐 Security\n\n- [Auth](./Auth.md)\n\n### Excluded from review\n\n"
                "- **DietaryPlan.md** - not technical\n"
            ),
            "Queues.md": GUIDE,
            "Auth.md": "# Auth\n\nText.\n",
            "Dietary plan (long name).md": "# Diet\n\nFood.\n",
            "CLAUDE.md": "# Agent rules\n",
            "debug.log": "noise",
            "Stray.md": "# Stray\n\nNot in the README.\n",
        }
    )
    report = guides_import(path=root)
    assert statuses(report) == {
        "Queues.md": "created",
        "Auth.md": "created",
        "Stray.md": "created",
        "CLAUDE.md": "skipped",
        "Dietary plan (long name).md": "skipped",
        "README.md": "skipped",
        "debug.log": "skipped",
    }
    reasons = {r.path: r.reason for r in report.guides if r.status == "skipped"}
    assert reasons["CLAUDE.md"] == "agent instruction file, not a guide"
    assert reasons["Dietary plan (long name).md"] == "listed as excluded in the README"
    assert reasons["debug.log"] == "not a Markdown file (.log)"
    tracks = list(Track.objects.order_by("position").values_list("title", flat=True))
    assert tracks == ["Data", "Security", "Guides"]
    queues = Guide.objects.get(slug="queues")
    assert queues.track.title == "Data"
    assert (queues.sections.count(), queues.terms.count(), queues.task_items.count()) == (3, 2, 3)
    assert queues.diagram_count == 1
    assert queues.summary_text.startswith("Queues decouple a Producer")


def test_phase_tree_orders_naturally_and_reads_index_files(guide_repo):
    files = {"README.md": "# Path\n\n- [ ] Phase 1\n"}
    for number in (1, 2, 9, 10):
        folder = f"phase{number}-topic-{number}"
        files[f"{folder}/INDEX.md"] = (
            f"# Phase {number}: Topic {number}\n\nWhy phase {number}.\n\n## Guides\n"
        )
        files[f"{folder}/guide-{number}.md"] = f"# Guide {number}\n\nBody.\n"
    files["projects/INDEX.md"] = "# Projects\n\nBuild things.\n"
    files["projects/capstone.md"] = "# Capstone\n\n- [ ] Design document\n"
    guides_import(path=guide_repo(files))
    tracks = list(Track.objects.order_by("position").values_list("title", "kind", "number"))
    assert tracks == [
        ("Start here", "overview", None),  # the README, for its checklist
        ("Phase 1: Topic 1", "phase", 1),
        ("Phase 2: Topic 2", "phase", 2),
        ("Phase 9: Topic 9", "phase", 9),
        ("Phase 10: Topic 10", "phase", 10),
        ("Projects", "projects", None),
    ]
    assert Track.objects.get(number=10).intro_html == "<p>Why phase 10.</p>"


def test_single_file(guide_repo):
    root = guide_repo({"Big.md": GUIDE})
    report = guides_import(path=root / "Big.md")
    assert statuses(report) == {"Big.md": "created"}


def test_guideignore_excludes_with_globs(guide_repo):
    root = guide_repo(
        {
            ".guideignore": "# drafts\ndrafts/\n*-wip.md\n",
            "keep.md": "# Keep\n",
            "idea-wip.md": "# WIP\n",
            "drafts/INDEX.md": "# Drafts\n",
            "drafts/draft.md": "# Draft\n",
        }
    )
    report = guides_import(path=root)
    assert statuses(report)["keep.md"] == "created"
    skipped = {r.path: r.reason for r in report.guides if r.status == "skipped"}
    assert skipped["idea-wip.md"] == "ignored by .guideignore pattern '*-wip.md'"
    # An ignored folder is not walked at all: it is reported once.
    assert skipped["drafts/"] == "ignored by .guideignore pattern 'drafts/'"
    assert "drafts/draft.md" not in skipped
    assert Guide.objects.count() == 1


def test_bad_files_fail_alone_with_clear_reasons(guide_repo, settings):
    settings.GUIDE_MAX_BYTES = 2000
    root = guide_repo(
        {
            "good.md": "# Good\n\nFine.\n",
            "latin1.md": "# Caf\xe9\n".encode("latin-1"),
            "bom.md": b"\xef\xbb\xbf# With BOM\r\n\r\nWindows lines.\r\n",
            "mojibake.md": "# CafÃ© notes\n\nText.\n",
            "empty.md": "",
            "no-title.md": "## Only a section\n\nText here.\n",
            "fence.md": "# Fence\n\n```python\nprint('never closed')\n",
            "huge.md": "# Huge\n\n" + "x" * 3000,
            "sub/good.md": "# Same name as good.md\n",
        }
    )
    report = guides_import(path=root)
    results = {r.path: r for r in report.guides}
    assert results["good.md"].status == "created"
    assert results["bom.md"].status == "created"
    assert results["bom.md"].warnings == [
        "removed a UTF-8 byte-order mark",
        "converted CRLF line endings",
    ]
    assert Guide.objects.get(slug="bom").title == "With BOM"
    assert results["mojibake.md"].status == "created"
    assert Guide.objects.get(slug="mojibake").title == "Café notes"
    assert results["no-title.md"].status == "created"
    assert Guide.objects.get(slug="no-title").title == "No Title"
    failed = {path: r.reason for path, r in results.items() if r.status == "failed"}
    assert failed == {
        "latin1.md": "not valid UTF-8: byte 0xe9 at line 1 (offset 5); save the file as UTF-8",
        "empty.md": "file is empty",
        "fence.md": "code fence opened at line 3 is never closed",
        "huge.md": "file is 3,008 bytes, over the 2,000-byte limit",
    }
    # Same-named files never fail: neither gets the bare name, both get their folder's.
    assert results["sub/good.md"].slug == "sub-good"
    assert results["good.md"].slug == "repo-good"
    assert report.failed
    assert not Guide.objects.filter(slug__in=["latin1", "empty", "fence", "huge"]).exists()
    assert Guide.objects.count() == 5


def test_reimport_unchanged_writes_nothing(guide_repo, django_assert_max_num_queries):
    root = guide_repo({"queues.md": GUIDE, "other.md": "# Other\n\n- [ ] One\n"})
    guides_import(path=root)
    before = {g.pk: g.updated_at for g in Guide.objects.all()}
    task_ids = sorted(TaskItem.objects.values_list("pk", flat=True))
    # Discovery, tracks, one lookup per guide, the look for relative links to resolve and the
    # run record; no guide rows rewritten.
    with django_assert_max_num_queries(17):
        report = guides_import(path=root)
    assert set(statuses(report).values()) == {"unchanged"}
    assert {g.pk: g.updated_at for g in Guide.objects.all()} == before
    assert sorted(TaskItem.objects.values_list("pk", flat=True)) == task_ids


def test_changed_guide_updates_and_archives_never_deletes(guide_repo):
    root = guide_repo({"queues.md": GUIDE})
    guides_import(path=root)
    guide = Guide.objects.get(slug="queues")
    items = {i.text: i.pk for i in guide.task_items.all()}
    broker_term = guide.terms.get(term="Producer").pk

    edited = (
        GUIDE.replace("- [x] Read the docs\n", "")  # removed
        .replace("Run a broker locally", "Run a brokr locally")  # typo introduced: same item
        .replace("## Exercises", "## Intro\n\nNew.\n\n## Exercises")  # moved down
        .replace("| Consumer | Reads messages", "| Consumer | Reads and acknowledges messages")
        .replace("| Producer | Sends messages | Emitting events | A letter writer |\n", "")
    )
    (root / "queues.md").write_text(edited)
    report = guides_import(path=root)
    assert statuses(report) == {"queues.md": "updated"}

    by_text = {i.text: i for i in TaskItem.objects.filter(guide=guide)}
    assert by_text["Run a brokr locally"].pk == items["Run a broker locally"]
    assert not by_text["Run a brokr locally"].is_archived
    assert by_text["Publish ten messages"].pk == items["Publish ten messages"]
    assert by_text["Read the docs"].is_archived  # kept, archived
    consumer = GlossaryTerm.objects.get(guide=guide, term="Consumer")
    assert consumer.description == "Reads and acknowledges messages"
    producer = GlossaryTerm.objects.get(pk=broker_term)
    assert producer.is_archived
    assert Section.objects.filter(guide=guide, anchor="intro", is_archived=False).exists()


def test_removed_file_archives_its_guide(guide_repo):
    root = guide_repo({"a.md": "# A\n", "b.md": "# B\n"})
    guides_import(path=root)
    (root / "b.md").unlink()
    guides_import(path=root)
    assert Guide.objects.get(slug="b").is_archived
    assert not Guide.objects.get(slug="a").is_archived


def test_failed_reimport_keeps_the_previous_version(guide_repo):
    root = guide_repo({"a.md": "# A\n\nFirst.\n"})
    guides_import(path=root)
    (root / "a.md").write_bytes(b"# A\n\n\xff\xfe broken\n")
    report = guides_import(path=root)
    assert statuses(report) == {"a.md": "failed"}
    guide = Guide.objects.get(slug="a")
    assert not guide.is_archived and "First." in guide.body_html


def test_dry_run_writes_nothing(guide_repo):
    root = guide_repo({"a.md": GUIDE})
    report = guides_import(path=root, dry_run=True)
    assert statuses(report) == {"a.md": "created"}
    assert Guide.objects.count() == 0 and Track.objects.count() == 0
    assert ImportRun.objects.count() == 0


def test_command_json_report_and_exit_code(guide_repo):
    root = guide_repo({"a.md": GUIDE, "bad.md": ""})
    out = StringIO()
    with pytest.raises(CommandError, match=r"1 guide\(s\) failed to import") as error:
        call_command("import_guides", str(root), "--json", stdout=out)
    assert error.value.returncode == 1
    data = json.loads(out.getvalue())
    assert data["guides"][0] == {
        "path": "a.md",
        "slug": "a",
        "url": "/guides/a/",
        "status": "created",
        "sections": 3,
        "glossary_terms": 2,
        "task_items": 3,
        "diagrams": 1,
        "reason": "",
        "warnings": [],
        "rendered": True,
        "moved_from": "",
        "language": "",
        "items_added": 3,
        "items_archived": 0,
        "guide_id": Guide.objects.get(slug="a").pk,
    }
    assert data["guides"][1]["status"] == "failed"
    assert data["totals"]["created"] == 1 and data["totals"]["failed"] == 1
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED and run.report == data


def test_bundled_content_imports_cleanly():
    content = Path(__file__).resolve().parents[3] / "content"
    report = guides_import(path=content)
    assert not report.failed
    created = [r for r in report.guides if r.status == "created"]
    assert len(created) >= 17
    phases = Track.objects.filter(kind="phase").order_by("number")
    assert list(phases.values_list("number", flat=True)) == list(range(1, 11))
    # The README is the overview: its checklist only, no glossary or diagrams of its own.
    overview = next(r for r in created if r.path == "README.md")
    assert (overview.slug, overview.task_items) == ("system-design-learning-path", 19)
    for result in created:
        if result is overview or result.path.endswith("INDEX.md"):
            continue  # landing pages: introductions and checklists
        assert result.glossary_terms >= 5, result.path
        assert result.diagrams >= 1, result.path
        assert result.task_items >= 4, result.path
        assert result.warnings == [], result.path
    # Every glossary link in the bundled guides resolves to a term.
    for guide in Guide.objects.exclude(track__kind=Track.Kind.OVERVIEW).exclude(
        source_path__endswith="/INDEX.md"
    ):
        assert '<a href="#glossary"' not in guide.body_html, guide.slug
        assert re.search(r'href="#term-', guide.body_html), guide.slug


def test_relative_links_between_guides_point_at_library_pages(guide_repo, client):
    root = guide_repo(
        {
            "a.md": "# Alpha\n\nSee [Beta](./b.md#setup), [Gamma](sub/c.md), [gone](missing.md)"
            " and [the site](https://example.com/x.md).\n",
            "b.md": "# Beta\n\n## Setup\n\nBack to [Alpha](a.md).\n",
            "sub/c.md": "# Gamma\n\nUp to [Beta](../b.md).\n",
        }
    )
    guides_import(path=root)
    alpha, beta, gamma = (Guide.objects.get(title=t) for t in ("Alpha", "Beta", "Gamma"))
    assert f'href="/guides/{beta.slug}/#setup"' in alpha.body_html
    assert f'href="/guides/{gamma.slug}/"' in alpha.body_html
    assert 'href="missing.md"' in alpha.body_html  # not a guide: left as written
    assert 'href="https://example.com/x.md"' in alpha.body_html
    assert f'href="/guides/{alpha.slug}/"' in beta.body_html
    assert f'href="/guides/{beta.slug}/"' in gamma.body_html
    page = client.get(f"/guides/{alpha.slug}/").content.decode()
    assert f'href="/guides/{beta.slug}/#setup"' in page
    # A second import (nothing changed) leaves the links as they are.
    guides_import(path=root)
    assert Guide.objects.get(pk=alpha.pk).body_html == alpha.body_html
    # A page added later: the unchanged guide that linked to it (not rendered again, read from
    # the database) and the new one (written now, read from memory) link to each other.
    (root / "missing.md").write_text("# Found\n\nBack to [Alpha](a.md#top).\n")
    report = guides_import(path=root)
    assert {r.path: r.status for r in report.guides}["a.md"] == "unchanged"
    found = Guide.objects.get(title="Found")
    assert f'href="/guides/{found.slug}/"' in Guide.objects.get(pk=alpha.pk).body_html
    assert f'href="/guides/{alpha.slug}/#top"' in found.body_html


def test_the_imports_urls_are_the_sites():
    """The import reverses against the guides app's URLconf (cheap); the site mounts it at its
    root, so the URLs are the same, under a script prefix too."""
    from django.urls import reverse, set_script_prefix

    from apps.guides.links import guide_url, home_url

    for prefix in ("/", "/portal/"):
        set_script_prefix(prefix)
        try:
            assert guide_url("queues-101") == reverse("guides:guide", kwargs={"slug": "queues-101"})
            assert home_url() == reverse("guides:home")
        finally:
            set_script_prefix("/")


@pytest.mark.django_db(transaction=True)
def test_an_import_loads_none_of_the_sites_views(guide_repo):
    """Only the guides app's URLs: the site's URLconf (every app's views, allauth's URLs) is
    0.2 s of an import's CPU. In a process of its own, which has loaded nothing yet."""
    from apps.accounts.tests.test_signup import database_env

    root = guide_repo(
        {"a.md": "# Alpha\n\nSee [Beta](b.md).\n", "b.md": "# Beta\n\nBack to [Alpha](a.md).\n"}
    )
    code = (
        "import sys, django; django.setup();"
        "from pathlib import Path; from apps.guides.services import guides_import;"
        f"report = guides_import(path=Path({str(root)!r}));"
        "assert not report.failed, report.as_dict();"
        "assert report.guides[0].url.startswith('/guides/'), report.guides[0].url;"
        "loaded = [m for m in ('allauth.urls', 'portal.urls', 'apps.notes.views')"
        " if m in sys.modules];"
        "assert not loaded, loaded"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        **database_env(),
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    alpha, beta = Guide.objects.get(title="Alpha"), Guide.objects.get(title="Beta")
    assert f'href="/guides/{beta.slug}/"' in alpha.body_html


@pytest.mark.parametrize(
    "module_name",
    [
        "apps.guides.rendering.pipeline",
        "apps.guides.glossary",
        "apps.guides.gfm",
        "apps.guides.mermaid_lint",
        "apps.core.html",
        "apps.core.markdown_guard",
        "apps.core.markdown_lines",
    ],
)
def test_a_change_to_any_renderer_module_re_renders_unchanged_files(
    module_name, tmp_path, monkeypatch
):
    """An upgrade that changes how bytes become HTML must re-render files whose bytes did not
    change: the fingerprint in each file's source hash covers every module on that path."""
    import importlib

    from apps.guides import services

    # Computed once per process (an upgrade restarts it): compare fresh computations.
    services._renderer_fingerprint.cache_clear()
    before = services._renderer_fingerprint()
    services._renderer_fingerprint.cache_clear()
    module = importlib.import_module(module_name)
    changed = tmp_path / Path(module.__file__).name
    changed.write_bytes(Path(module.__file__).read_bytes() + b"\n# an upgrade\n")
    if module_name.startswith("apps.guides.rendering."):
        # The package is read as a folder: change the copy of the whole folder.
        folder = tmp_path / "rendering"
        shutil.copytree(Path(module.__file__).parent, folder)
        (folder / changed.name).write_bytes(changed.read_bytes())
        changed = folder / "__init__.py"
        module = services.rendering_module
    monkeypatch.setattr(module, "__file__", str(changed))
    try:
        assert services._renderer_fingerprint() != before
    finally:
        services._renderer_fingerprint.cache_clear()

"""Rendering ahead: `manage.py import_guides` renders the repository in a child while Django
sets up, and the import takes those renders for the files it finds changed."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from apps.accounts.tests.test_signup import database_env
from apps.flashcards.models import Card
from apps.guides import render_ahead as render_ahead_module
from apps.guides import services
from apps.guides.models import GlossaryTerm, Guide, Section, TaskItem
from apps.guides.render_ahead import (
    render_ahead,
    render_ahead_claim,
    render_ahead_for_command,
)
from apps.guides.services import guides_import
from apps.guides.tests.test_import import GUIDE
from apps.search.models import SearchEntry, SearchWord

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
FILES = {
    "README.md": (
        "# Handbook\n\nWhat the team learned about queues and storage, in the order we met"
        " it, with the mistakes we made on the way and what each one cost us in production"
        " before we understood it. Read [queues](queues/intro.md) first.\n\n"
        "- [ ] Read the queues guide\n"
    ),
    "queues/intro.md": GUIDE,
    "queues/ordering.md": "# Ordering\n\n## Keys\n\nPartitions keep order.\n\n- [ ] Try it\n",
    "storage/README.md": "# Storage\n\n```python\nprint('rows')\n```\n",
}


def _children() -> set[int]:
    return {int(pid) for pid in Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
            .read_text().split()}  # fmt: skip


def stored() -> dict[str, object]:
    """Everything an import writes that a render decides, by guide path."""
    return {
        guide.source_path.split("/", 1)[1]: (
            guide.title, guide.body_html, guide.summary_html, guide.toc,
            list(Section.objects.filter(guide=guide).order_by("position")
                 .values_list("anchor", "title", "text")),
            list(GlossaryTerm.objects.filter(guide=guide).order_by("position")
                 .values_list("anchor", "term", "description")),
            list(TaskItem.objects.filter(guide=guide).order_by("position")
                 .values_list("key", "text")),
            sorted(SearchEntry.objects.filter(guide=guide)
                   .values_list("kind", "anchor", "title", "context", "body", "keywords")),
            sorted(SearchWord.objects.filter(guide=guide).values_list("word", flat=True)),
            sorted(Card.objects.filter(guide=guide)
                   .values_list("term__anchor", "kind", "front_html", "back_html")),
        )
        for guide in Guide.objects.all()
    }  # fmt: skip


@pytest.fixture
def no_fresh_renders(monkeypatch):
    """Fail any render the import would start itself: what it writes came from the child."""

    def refuse(jobs):
        if jobs:
            raise AssertionError(f"rendered again: {len(jobs)} file(s)")
        yield from ()

    monkeypatch.setattr(services, "_renders", refuse)


def test_the_import_takes_what_was_rendered_ahead_and_stores_the_same(
    guide_repo, tmp_path, no_fresh_renders, monkeypatch
):
    root = guide_repo(FILES)
    before = _children()
    render_ahead(root)
    report = guides_import(path=root)
    assert _children() <= before  # the child was reaped
    assert report.as_dict()["totals"]["created"] == 4 and not report.failed
    ahead = stored()
    # The same repository imported the usual way, into an empty library, stores the same.
    monkeypatch.undo()
    Guide.objects.all().delete()
    guides_import(path=root)
    assert stored() == ahead


def test_two_children_for_a_large_repository_store_the_same(guide_repo, no_fresh_renders):
    root = guide_repo(FILES)
    original = render_ahead_module.TWO_CHILDREN_BYTES
    render_ahead_module.TWO_CHILDREN_BYTES = 10
    try:
        render_ahead(root)
    finally:
        render_ahead_module.TWO_CHILDREN_BYTES = original
    group = render_ahead_module._started[root.resolve()]
    assert len(group.children) == 2
    report = guides_import(path=root)
    assert report.as_dict()["totals"]["created"] == 4 and not report.failed
    assert "storage/README.md" in stored()


def test_files_changed_or_added_after_the_start_are_rendered_then(guide_repo):
    root = guide_repo(FILES)
    render_ahead(root)
    (root / "queues" / "ordering.md").write_text("# Ordering\n\nChanged since.\n")
    (root / "queues" / "new.md").write_text("# New\n\nWritten after the render started.\n")
    report = guides_import(path=root)
    assert report.as_dict()["totals"]["created"] == 5 and not report.failed
    assert "Changed since." in Guide.objects.get(title="Ordering").body_html
    assert "Written after" in Guide.objects.get(title="New").body_html


def test_an_unchanged_repository_drops_the_renders_unread(guide_repo, no_fresh_renders):
    root = guide_repo(FILES)
    render_ahead(root)
    guides_import(path=root)
    before = _children()
    render_ahead(root)
    totals = guides_import(path=root).as_dict()["totals"]
    assert totals["unchanged"] == 4 and totals["rendered"] == 0
    assert _children() <= before  # the child is killed, not left rendering
    assert render_ahead_claim(root) is None  # taken once


def test_a_render_that_outlasts_the_limit_falls_back_to_the_bounded_render(
    guide_repo, settings, monkeypatch
):
    """The child started ahead hangs on a file: the import waits no longer than the render limit,
    kills it, and renders the rest itself, each under its own limit as always."""
    settings.GUIDE_RENDER_SECONDS = 1
    root = guide_repo(FILES)

    def hangs(*call):
        time.sleep(60)  # the subject: a render that never ends

    monkeypatch.setattr(render_ahead_module, "_file_render", hangs)
    before = _children()
    render_ahead(root)
    started = time.monotonic()
    report = guides_import(path=root)
    assert time.monotonic() - started < 10
    assert report.as_dict()["totals"]["created"] == 4 and not report.failed
    assert _children() <= before


@pytest.mark.parametrize(
    ("args", "starts"),
    [
        (["{root}"], True),
        (["{root}", "--dry-run", "--json"], True),
        (["-v", "2", "{root}", "--traceback"], True),
        (["--settings=portal.settings.production", "{root}"], False),  # another configuration
        (["--pythonpath", "/elsewhere", "{root}"], False),
        (["{root}", "{root}"], False),
        (["{root}/missing"], False),  # the command reports it
        ([], False),
    ],
)
def test_the_command_line_starts_rendering_only_for_what_it_will_import(guide_repo, args, starts):
    root = guide_repo(FILES)
    render_ahead_for_command([arg.format(root=root) for arg in args])
    group = render_ahead_claim(root)
    assert (group is not None) == starts
    if group is not None:
        group.close()


@pytest.mark.django_db(transaction=True)
def test_manage_py_import_guides_renders_while_django_sets_up(guide_repo):
    """The real command line in a process of its own: what it stores is what an in-process
    import stores, and its report says every file was parsed."""
    root = guide_repo(FILES)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        **database_env(),
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "import_guides", str(root), "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["totals"]["created"] == 4 and report["totals"]["rendered"] == 4
    command = stored()
    Guide.objects.all().delete()
    guides_import(path=root)
    assert stored() == command
    # The search units and the cards' faces came from the child too.
    assert len(settings.GUIDE_RENDER_DERIVATIONS) == 2
    assert Card.objects.count() > 0


def test_a_configuration_that_fails_before_django_sets_up_starts_nothing(guide_repo, monkeypatch):
    """Whatever goes wrong before Django sets up (settings that do not load, an unreadable
    tree) leaves the command to report it, as it would without rendering ahead."""
    root = guide_repo(FILES)

    def broken(path):
        raise PermissionError("the tree cannot be read")

    monkeypatch.setattr(render_ahead_module, "render_ahead", broken)
    render_ahead_for_command([str(root)])
    assert render_ahead_claim(root) is None

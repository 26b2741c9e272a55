"""The repository rules, each on a small repository written in the test: landing pages,
pure link indexes, repeated names, natural order, books, translations, mkdocs.yml, moves."""

import shutil

import pytest
from django.apps import apps
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory
from apps.guides.models import Guide, TaskItem, Track
from apps.guides.services import guides_import

pytestmark = pytest.mark.django_db


def results(report) -> dict:
    return {result.path: result for result in report.guides}


def test_landing_page_is_a_page_with_its_checklist_and_names_the_track(guide_repo):
    root = guide_repo(
        {
            "unit/INDEX.md": (
                "# Caching Basics - Index\n\nWhy caches matter.\n\n## Checklist\n\n"
                "- [ ] Explain write-through\n- [x] Explain write-back\n"
            ),
            "unit/lesson.md": "# Lesson\n\nBody.\n",
            "toc/README.md": "# Contents\n\n- [One](one.md)\n- [Two](two.md)\n",
            "toc/one.md": "# One\n\nText.\n",
            "toc/two.md": "# Two\n\nText.\n",
            "linked/README.md": "# Links\n\n- [A](a.md)\n- [ ] Read A\n",
            "linked/a.md": "# A\n\nText.\n",
            "snippet/README.md": "# Solution\n\n```python\nprint('the answer')\n```\n",
            "snippet/notes.md": "# Notes\n\nText.\n",
            "src/app.py": "print('not a guide')\n",
            "src/deep/mod.ts": "export {}\n",
        }
    )
    report = guides_import(path=root)
    found = results(report)
    landing = Guide.objects.get(source_path="repo/unit/INDEX.md")
    assert landing.title == "Caching Basics"  # "- Index" dropped
    assert landing.track.title == "Caching Basics"
    assert landing.track.intro_html == "<p>Why caches matter.</p>"
    assert landing.position == 0
    assert TaskItem.objects.filter(guide=landing).count() == 2
    # Nothing but links: a pure index, read for order; unless it has checkboxes.
    assert found["toc/README.md"].status == "skipped"
    assert found["toc/README.md"].reason == "pure index of links: read for order and titles"
    assert list(Guide.objects.filter(track__title="Contents").values_list("title", flat=True)) == [
        "One",
        "Two",
    ]
    assert found["linked/README.md"].status == "created"
    assert found["linked/README.md"].task_items == 1
    # A code block is content: a README of a title and a snippet is a page.
    assert found["snippet/README.md"].status == "created"
    # Source code folders make no track.
    assert found["src/"].reason == "2 files not in Markdown"
    assert not Track.objects.filter(title__icontains="src").exists()
    for track in Track.objects.all():
        assert track.guides.exists(), track.title


def test_repeated_names_get_folder_slugs_and_never_fail(guide_repo):
    root = guide_repo(
        {
            "solutions/alpha/README.md": "# Alpha solution\n\nText.\n",
            "solutions/beta/README.md": "# Beta solution\n\nText.\n",
            "solutions/gamma/README.md": "# Gamma solution\n\nText.\n",
            "shop/ARCHITECTURE.md": "# Shop architecture\n",
            "blog/ARCHITECTURE.md": "# Blog architecture\n",
            "blog/notes.md": "# Notes\n",
            "shop/notes2.md": "# Notes 2\n",
        }
    )
    report = guides_import(path=root)
    assert not report.failed
    slugs = {r.path: r.slug for r in report.guides if r.status == "created"}
    assert slugs["solutions/alpha/README.md"] == "alpha"
    assert slugs["solutions/beta/README.md"] == "beta"
    assert slugs["shop/ARCHITECTURE.md"] == "shop-architecture"
    assert slugs["blog/ARCHITECTURE.md"] == "blog-architecture"
    # A README per solution folder: one "Solutions" track, not a track per folder.
    solutions = Track.objects.get(title="Solutions")
    assert solutions.guides.count() == 3
    # Stable: a second import (even with a new same-named file) keeps every slug.
    (root / "solutions" / "delta").mkdir()
    (root / "solutions" / "delta" / "README.md").write_text("# Delta\n")
    (root / "ARCHITECTURE.md").write_text("# Top architecture\n")
    again = guides_import(path=root)
    assert not again.failed
    for path, slug in slugs.items():
        assert Guide.objects.get(source_path=f"repo/{path}").slug == slug


def test_order_is_natural_from_folder_names_and_titles(guide_repo):
    files = {}
    for number in (2, 10, 3):
        files[f"step{number}-topic/INDEX.md"] = f"# Topic {number}\n\n- [ ] Do {number}\n"
        files[f"step{number}-topic/guide.md"] = f"# Guide {number}\n"
    # An unnumbered folder whose landing page says it is Phase 1 comes first.
    files["basics/INDEX.md"] = "# Basics\n\n## Overview\n\nThis is **Phase 1: Foundation**.\n"
    files["basics/guide.md"] = "# Basics guide\n"
    files["appendix/a.md"] = "# Appendix A\n"
    files["appendix/b.md"] = "# Appendix B\n"
    guides_import(path=guide_repo(files))
    tracks = list(Track.objects.order_by("position").values_list("title", "number"))
    assert tracks == [
        ("Basics", 1),
        ("Topic 2", 2),
        ("Topic 3", 3),
        ("Topic 10", 10),
        ("Appendix", None),
    ]


BOOK = "\n".join(
    f"# Chapter {n}: Topic {n}\n\nIntro {n}.\n\n## Part {n}.1\n\nText about topic{n}.\n"
    for n in range(1, 61)
)


def test_a_book_in_one_readme_is_a_page_with_chapter_navigation(guide_repo, client):
    root = guide_repo({"README.md": "# The Book\n\nA preface.\n\n" + BOOK})
    report = guides_import(path=root)
    assert results(report)["README.md"].status == "created"
    book = Guide.objects.get(source_path="repo/README.md")
    assert len(book.chapters) == 60
    page = client.get(book.get_absolute_url()).content.decode()
    assert 'aria-label="Chapters"' in page
    assert f'href="#{book.chapters[41]["id"]}"' in page
    assert f'id="{book.chapters[41]["id"]}"' in page
    # Every chapter is searchable: its heading is a section with its text.
    chapter = book.sections.get(title="Chapter 42: Topic 42")
    assert chapter.text.strip() == "Intro 42."
    hits = client.get(reverse("search:search"), {"q": "topic42"}).content.decode()
    assert "Part 42.1" in hits


def test_translations_are_language_versions_of_one_guide(guide_repo, client):
    root = guide_repo(
        {
            "README.md": "# Checklist\n\n- [ ] Check one\n- [ ] Check two\n",
            "README-ja.md": "# チェックリスト\n\n- [ ] 一つ目\n",
            "README.zh-CN.md": "# 清单\n\n- [ ] 第一\n",
            "translations/README-fr.md": "# Liste\n\n- [ ] Un\n",
            "docs/guide.md": "# Guide\n\nText.\n",
            "docs/other.md": "# Other\n\nText.\n",
            "docs/de/guide.md": "# Anleitung\n\nText.\n",
        }
    )
    report = guides_import(path=root)
    assert not report.failed
    languages = {r.path: r.language for r in report.guides if r.status == "created"}
    assert languages["README-ja.md"] == "ja"
    assert languages["README.zh-CN.md"] == "zh-CN"
    assert languages["translations/README-fr.md"] == "fr"
    assert languages["docs/de/guide.md"] == "de"
    main = Guide.objects.get(source_path="repo/README.md")
    assert main.translations.count() == 3
    assert [v["code"] for v in main.language_versions] == ["en", "fr", "ja", "zh-CN"]
    home = client.get(reverse("guides:home")).content.decode()
    assert home.count('class="guide-item__link"') == 3  # README, guide, other: no translations
    page = client.get(main.get_absolute_url()).content.decode()
    japanese = main.translations.get(language="ja")
    assert f'href="{japanese.get_absolute_url()}" hreflang="ja" lang="ja"' in page
    page = client.get(japanese.get_absolute_url()).content.decode()
    assert 'aria-current="page">日本語</a>' in page
    assert Guide.objects.get(source_path="repo/docs/de/guide.md").translation_of.title == "Guide"


def test_mkdocs_nav_gives_order_titles_and_docs_dir(guide_repo):
    root = guide_repo(
        {
            "mkdocs.yml": (
                "site_name: Handbook\ndocs_dir: pages\n"
                "markdown_extensions:\n  - pymdownx.emoji:\n"
                "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
                "nav:\n  - Home: index.md\n  - Basics:\n    - Second first: z-last.md\n"
                "    - a-first.md\n  - Advanced:\n    - Deep: deep/inner.md\n"
                "    - External: https://example.com\n"
            ),
            "README.md": "# Repository readme, outside docs_dir\n",
            "pages/index.md": "# Welcome\n\nHello.\n",
            "pages/a-first.md": "# A first\n",
            "pages/z-last.md": "# Z last\n",
            "pages/deep/inner.md": "# Inner\n",
            "pages/unlisted.md": "# Unlisted\n",
        }
    )
    report = guides_import(path=root)
    assert not report.failed
    assert "README.md" not in results(report)
    tracks = list(Track.objects.order_by("position").values_list("title", flat=True))
    assert tracks[:3] == ["Handbook", "Basics", "Advanced"]
    basics = Track.objects.get(title="Basics")
    assert list(basics.guides.order_by("position").values_list("title", flat=True)) == [
        "Second first",
        "A first",
    ]
    assert Guide.objects.get(source_path="repo/pages/deep/inner.md").title == "Deep"
    assert Guide.objects.filter(source_path="repo/pages/unlisted.md").exists()


def test_moved_and_renamed_files_keep_every_learners_progress(guide_repo):
    task_progress = apps.get_model("progress", "TaskProgress")
    root = guide_repo(
        {
            "queues.md": "# Queues\n\n- [ ] Run a broker\n- [ ] Publish\n",
            "caching.md": "# Caching\n\n- [ ] Add a cache\n",
            "other.md": "# Other\n\nSee [Queues](queues.md).\n",
        }
    )
    guides_import(path=root)
    learner = UserFactory(email="ada@example.com")
    queues = Guide.objects.get(source_path="repo/queues.md")
    caching = Guide.objects.get(source_path="repo/caching.md")
    for item in TaskItem.objects.filter(guide__in=[queues, caching]):
        task_progress.objects.create(user=learner, item=item, state="done")

    # queues.md moves into a folder unchanged; caching.md is renamed and edited a little.
    (root / "messaging").mkdir()
    shutil.move(root / "queues.md", root / "messaging" / "queues.md")
    (root / "caching.md").unlink()
    (root / "messaging" / "caches-intro.md").write_text(
        "# Caching\n\n- [ ] Add a cache\n\nMore text.\n"
    )
    (root / "messaging" / "caching.md").write_text("# Caching\n\n- [ ] Add a cache\n\nEdited.\n")
    report = guides_import(path=root)
    assert not report.failed
    moved = {entry["from"]: entry["to"] for entry in report.as_dict()["moved"]}
    assert moved == {"queues.md": "messaging/queues.md", "caching.md": "messaging/caching.md"}
    queues.refresh_from_db()
    caching.refresh_from_db()
    assert (queues.source_path, queues.is_archived) == ("repo/messaging/queues.md", False)
    assert (caching.source_path, caching.is_archived) == ("repo/messaging/caching.md", False)
    assert queues.slug == "queues"  # still free: kept
    done = task_progress.objects.filter(user=learner, state="done", item__is_archived=False)
    assert done.count() == 3
    # The link from other.md (broken by the move) follows the guide to its new place.
    other = Guide.objects.get(source_path="repo/other.md")
    assert f'href="/guides/{queues.slug}/"' in other.body_html
    assert report.as_dict()["totals"]["archived"] == 0


def test_reimport_reports_counts_and_renders_only_changed_files(guide_repo):
    root = guide_repo({"a.md": "# A\n\n- [ ] One\n", "b.md": "# B\n\nText.\n"})
    guides_import(path=root)
    (root / "a.md").write_text("# A\n\n- [ ] Two\n- [ ] Three\n")
    (root / "b.md").unlink()
    totals = guides_import(path=root).as_dict()["totals"]
    assert totals["rendered"] == 1
    assert (totals["updated"], totals["archived"]) == (1, 1)
    assert (totals["items_added"], totals["items_archived"]) == (2, 1)


def test_parallel_render_gives_the_same_guides(guide_repo, monkeypatch):
    from apps.guides import services

    files = {f"g{n}.md": f"# Guide {n}\n\n## Part\n\n- [ ] Task {n}\n" for n in range(4)}
    files["bad.md"] = ""
    monkeypatch.setattr(services, "PARALLEL_RENDER_MIN_BYTES", 0)
    monkeypatch.setattr(services.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(services.os, "sched_getaffinity", lambda pid: {0, 1})
    shares = []
    sequential = services._renders_sequential

    def counting(jobs):
        shares.append(len(jobs))
        return sequential(jobs)

    monkeypatch.setattr(services, "_renders_sequential", counting)
    report = guides_import(path=guide_repo(files))
    assert sorted(shares) == [2, 3]  # rendered by two render children side by side
    found = results(report)
    assert found["bad.md"].reason == "file is empty"
    assert [found[f"g{n}.md"].task_items for n in range(4)] == [1, 1, 1, 1]
    assert list(Guide.objects.order_by("slug").values_list("title", flat=True)) == [
        "Guide 0",
        "Guide 1",
        "Guide 2",
        "Guide 3",
    ]


def _repository(base, name: str, files: dict[str, str]):
    root = base / name
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_two_repositories_with_the_same_folders_keep_their_own_tracks(tmp_path):
    """Two repositories both have a root README and a `fundamentals/` folder: each keeps its
    own tracks (titles, introductions, guides), whichever was imported last, and one losing a
    folder never archives the other's track."""
    notes = _repository(tmp_path, "notes", {
        "README.md": "# My notes\n\nRead me first.\n",
        "fundamentals/README.md": "# Fundamentals of notes\n\nNotes' intro.\n",
        "fundamentals/cap.md": "# CAP\n\nText.\n",
    })  # fmt: skip
    lab = _repository(tmp_path, "lab", {
        "README.md": "# The lab\n\nStart here.\n",
        "fundamentals/README.md": "# Lab fundamentals\n\nLab's intro.\n",
        "fundamentals/queues.md": "# Queues\n\nText.\n",
    })  # fmt: skip
    guides_import(path=notes)
    guides_import(path=lab)
    guides_import(path=notes)  # again: nothing of the lab's may move

    cap = Guide.objects.get(source_path="notes/fundamentals/cap.md")
    queues = Guide.objects.get(source_path="lab/fundamentals/queues.md")
    assert cap.track != queues.track
    assert cap.track.title == "Fundamentals of notes"
    assert cap.track.source_path == "notes/fundamentals"
    assert queues.track.title == "Lab fundamentals"
    assert queues.track.source_path == "lab/fundamentals"
    notes_root = Guide.objects.get(source_path="notes/README.md").track
    lab_root = Guide.objects.get(source_path="lab/README.md").track
    assert notes_root != lab_root
    assert len({track.slug for track in Track.objects.all()}) == Track.objects.count()
    # The first repository's slugs stay as they were: its URLs do not change.
    assert cap.track.slug == "fundamentals"

    # The lab drops its fundamentals folder: its own track is archived, not the notes' one.
    shutil.rmtree(lab / "fundamentals")
    (lab / "README.md").unlink()
    (lab / "intro.md").write_text("# Intro\n\nText.\n", encoding="utf-8")
    guides_import(path=lab)
    cap.track.refresh_from_db()
    notes_root.refresh_from_db()
    assert not cap.track.is_archived and not notes_root.is_archived
    queues.track.refresh_from_db()
    assert queues.track.is_archived
    # Re-importing an unchanged repository changes no track.
    assert guides_import(path=notes).as_dict()["totals"]["created"] == 0

"""The root README's checklist imported as milestones, and what each milestone names."""

from pathlib import Path

import pytest

from apps.guides.editing import guide_markdown_update
from apps.guides.milestones import (
    GuideTarget,
    ItemTarget,
    TrackTarget,
    milestone_link,
    title_match_score,
)
from apps.guides.models import Guide, Milestone, TaskItem, Track
from apps.guides.services import guides_import

CONTENT = Path(__file__).resolve().parents[3] / "content"

README = """# Learning Path

Ten phases and a capstone: start with [Phase 1](phase1-foundations/INDEX.md), build the
[URL shortener](./projects/url-shortener.md#goals), see [elsewhere](https://example.com/a.md).

## Progress Tracking

### Phases

- [ ] Phase 1: Foundations
- [ ] Phase 2: Patterns

### Mini Projects

- [ ] URL Shortener
- [ ] Something nobody wrote yet

### Capstone Project

- [ ] Design document
- [ ] Documentation
"""

CAPSTONE = """# Capstone Project: Build It

## Deliverables

- [ ] Design document
  - [ ] Requirements
- [ ] Documentation
"""


def repository(guide_repo, readme: str = README) -> Path:
    return guide_repo(
        {
            "README.md": readme,
            "phase1-foundations/INDEX.md": "# Phase 1: Foundations\n",
            "phase1-foundations/basics.md": "# Basics\n\n- [ ] Draw a diagram\n",
            "phase2-patterns/INDEX.md": "# Phase 2: Patterns\n",
            "phase2-patterns/sagas.md": "# Sagas\n\n- [ ] Write a saga\n",
            "projects/INDEX.md": "# Projects\n",
            "projects/url-shortener.md": "# Mini-Project: URL Shortener\n\n- [ ] Ship it\n",
            "projects/chat.md": "# Mini-Project: Chat Application\n\n- [ ] Ship it\n",
            "projects/capstone.md": CAPSTONE,
        }
    )


def links() -> dict[str, tuple[str, str | None]]:
    """Milestone text -> (group, what it links to)."""
    found = {}
    for milestone in Milestone.objects.filter(item__is_archived=False).select_related(
        "item", "linked_track", "linked_guide", "linked_item__guide"
    ):
        target = None
        if milestone.linked_track:
            target = f"track {milestone.linked_track.title}"
        elif milestone.linked_guide:
            target = f"guide {milestone.linked_guide.title}"
        elif milestone.linked_item:
            target = f"item {milestone.linked_item.text} of {milestone.linked_item.guide.title}"
        found[milestone.item.text] = (milestone.group, target)
    return found


@pytest.mark.django_db
def test_readme_checklist_becomes_the_overview_guide_with_linked_milestones(guide_repo, client):
    report = guides_import(path=repository(guide_repo))
    assert not report.failed
    overview = Guide.objects.get(source_path="repo/README.md")
    assert (overview.slug, overview.title) == ("learning-path", "Learning Path")
    assert (overview.track.kind, overview.track.title) == (Track.Kind.OVERVIEW, "Start here")
    assert TaskItem.objects.filter(guide=overview).count() == 6
    assert links() == {
        "Phase 1: Foundations": ("Phases", "track Phase 1: Foundations"),
        "Phase 2: Patterns": ("Phases", "track Phase 2: Patterns"),
        "URL Shortener": ("Mini Projects", "guide Mini-Project: URL Shortener"),
        "Something nobody wrote yet": ("Mini Projects", None),
        "Design document": (
            "Capstone Project",
            "item Design document of Capstone Project: Build It",
        ),
        "Documentation": ("Capstone Project", "item Documentation of Capstone Project: Build It"),
    }
    # Listed first in the library, and readable like any guide, its links to the repository's
    # files pointing at the library's pages for them.
    home = client.get("/").content.decode()
    assert home.index("Start here") < home.index("Phase 1: Foundations")
    page = client.get("/guides/learning-path/").content.decode()
    assert 'href="/#track-phase1-foundations"' in page
    assert 'href="/guides/url-shortener/#goals"' in page
    assert 'href="https://example.com/a.md"' in page
    assert 'aria-label="Summary"' not in page  # no box repeating the intro above it


@pytest.mark.django_db
def test_links_follow_the_guides_they_name_on_reimport(guide_repo):
    root = repository(guide_repo)
    guides_import(path=root)
    (root / "projects" / "chat.md").unlink()
    (root / "projects" / "todo.md").write_text("# Mini-Project: Something Nobody Wrote Yet\n")
    guides_import(path=root)
    assert links()["Something nobody wrote yet"] == (
        "Mini Projects",
        "guide Mini-Project: Something Nobody Wrote Yet",
    )


@pytest.mark.django_db
def test_editing_the_readme_in_the_admin_relinks_its_milestones(guide_repo):
    guides_import(path=repository(guide_repo))
    overview = Guide.objects.get(track__kind=Track.Kind.OVERVIEW)
    guide_markdown_update(guide=overview, markdown=README + "- [ ] Implementation\n")
    assert links()["Implementation"] == ("Capstone Project", "guide Capstone Project: Build It")


@pytest.mark.django_db
def test_a_readme_without_a_checklist_stays_an_index(guide_repo):
    root = guide_repo({"README.md": "# Index\n\n## Data\n\n- [a](a.md)\n", "a.md": "# A\n"})
    report = guides_import(path=root)
    assert {r.path: r.status for r in report.guides} == {"a.md": "created", "README.md": "skipped"}
    assert not Track.objects.filter(kind=Track.Kind.OVERVIEW).exists()


@pytest.mark.django_db
def test_bundled_readme_milestones_link_to_phases_projects_and_capstone_parts():
    guides_import(path=CONTENT)
    found = links()
    assert len(found) == 19
    assert found["Phase 1: Foundations"] == ("Phases", "track Phase 1: Foundations")
    assert found["Phase 10: Advanced Topics"] == ("Phases", "track Phase 10: Advanced Topics")
    assert found["URL Shortener"] == ("Mini Projects", "guide Mini-Project: URL Shortener")
    assert found["Notification Service"][1] == "guide Mini-Project: Notification Service"
    capstone = "Capstone Project: Design and Build a Distributed System"
    for part in ("Design document", "Implementation", "Testing & optimization", "Documentation"):
        assert found[part] == ("Capstone Project", f"item {part} of {capstone}")


@pytest.mark.django_db
@pytest.mark.integration
def test_corpus_readme_has_no_checklist_so_no_milestones(corpus_path):
    guides_import(path=corpus_path)
    assert not Milestone.objects.exists()
    assert not Track.objects.filter(kind=Track.Kind.OVERVIEW).exists()


@pytest.mark.parametrize(
    ("name", "title", "score"),
    [
        ("Phase 1: Foundation", "Phase 1: Foundations", 2),  # plural
        ("URL Shortener", "Mini-Project: URL Shortener", 2),  # one side of the colon
        ("Capstone Project", "Capstone Project: Design and Build a Distributed System", 2),
        ("Testing & optimisation", "Testing and optimization", 1),  # spelling
        ("Implementation", "Implementation Guide", 0),
        ("Chat Application", "Mini-Project: URL Shortener", 0),
    ],
)
def test_title_match_score(name, title, score):
    assert title_match_score(name, title) == score


def test_a_heading_shared_by_several_guides_names_none_of_them():
    guides = [GuideTarget(1, "Mini-Project: URL Shortener"), GuideTarget(2, "Mini-Project: Chat")]
    calls: list[int] = []

    def items_of_guide(guide_id: int) -> list[ItemTarget]:
        calls.append(guide_id)
        return []

    link = milestone_link(
        text="Search Engine",
        group="Mini Projects",
        tracks=[TrackTarget(3, "Phase 1: Foundations", 1)],
        guides=guides,
        items_of_guide=items_of_guide,
    )
    assert (link.track_id, link.guide_id, link.item_id, calls) == (None, None, None, [])


def test_a_phase_number_wins_over_a_title():
    link = milestone_link(
        text="Phase 2: Foundations",
        group="",
        tracks=[TrackTarget(1, "Phase 1: Foundations", 1), TrackTarget(2, "Phase 2: Other", 2)],
        guides=[],
        items_of_guide=lambda guide_id: [],
    )
    assert link.track_id == 2

"""Milestones as learners use them: ticking on the dashboard, linked completion, re-import,
and importing the ticks of their own README."""

import re
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.tests.factories import UserFactory
from apps.guides.models import Milestone, TaskItem, Track
from apps.guides.services import guides_import
from apps.progress.models import LearnerState, TaskProgress
from apps.progress.selectors import dashboard_for_user

pytestmark = pytest.mark.django_db

SEED = Path("/work/shared/seeds/001_ff463547d2db6b99.txt")
README = """# System Design Learning Path

## Progress Tracking

### Phases

- [ ] Phase 1: Foundations
- [ ] Phase 2: Architecture Patterns

### Mini Projects

- [ ] URL Shortener

### Capstone Project

- [ ] Design document
- [ ] Implementation
"""
# The user's own README, as in the seed: "Foundation" where the bundled README says
# "Foundations", and the phases under a "Completed" heading.
SEED_PROGRESS = """# System Design Learning Journey

## Progress Tracking

### Completed
- [x] Phase 1: Foundation
- [ ] Phase 2: Architecture Patterns

### Mini Projects
- [x] URL Shortener

### Capstone Project
- [x] Design document
- [ ] Implementation
"""
CAPSTONE = """# Capstone Project: Design and Build a Distributed System

## Deliverables

- [ ] Design document
  - [ ] Requirements and SLOs
  - [ ] Architecture diagrams
  - [ ] Five ADRs
- [ ] Implementation
"""


@pytest.fixture
def library_files():
    return {
        "README.md": README,
        "phase1-foundations/INDEX.md": "# Phase 1: Foundations\n",
        "phase1-foundations/basics.md": (
            "# Basics\n\n## Read\n\nText.\n\n## Do\n\n- [ ] Draw it\n- [ ] Explain it\n"
        ),
        "phase2-architecture-patterns/INDEX.md": "# Phase 2: Architecture Patterns\n",
        "phase2-architecture-patterns/sagas.md": "# Sagas\n\n- [ ] Write a saga\n",
        "projects/INDEX.md": "# Projects\n",
        "projects/url-shortener.md": "# Mini-Project: URL Shortener\n\n- [ ] Ship it\n",
        "projects/capstone.md": CAPSTONE,
    }


@pytest.fixture
def learner(client, library):
    user = UserFactory(email="ada@example.com")
    client.force_login(user)
    return user


def milestone(text: str) -> TaskItem:
    return TaskItem.objects.get(text=text, guide__track__kind=Track.Kind.OVERVIEW)


def exercise(text: str) -> TaskItem:
    return TaskItem.objects.exclude(guide__track__kind=Track.Kind.OVERVIEW).get(text=text)


def panel(page: str) -> str:
    found = re.search(
        r'<section class="panel milestones".*?</section>\s*</div>\s*</section>', page, re.S
    )
    assert found, "no milestones panel"
    return found[0]


def test_dashboard_lists_milestones_with_own_ticks_and_linked_completion(client, learner):
    client.post(f"/progress/items/{exercise('Draw it').pk}/", {"state": "done"})
    client.post(f"/progress/items/{exercise('Requirements and SLOs').pk}/", {"state": "done"})
    client.post(f"/progress/items/{milestone('URL Shortener').pk}/", {"state": "done"})

    groups = dashboard_for_user(user=learner).milestones
    rows = {
        row.text: (group.title, row.state, row.linked and (row.linked.title, row.linked.percent))
        for group in groups
        for row in group.milestones
    }
    assert rows == {
        # Phase 1 is two sections and two exercises: one exercise done.
        "Phase 1: Foundations": ("Phases", "todo", ("Phase 1: Foundations", 25)),
        "Phase 2: Architecture Patterns": ("Phases", "todo", ("Phase 2: Architecture Patterns", 0)),
        # Ticked by the learner; the guide it names is still untouched.
        "URL Shortener": ("Mini Projects", "done", ("Mini-Project: URL Shortener", 0)),
        # The exercise and the three under it: one of four done.
        "Design document": (
            "Capstone Project",
            "todo",
            ("Capstone Project: Design and Build a Distributed System: Design document", 25),
        ),
        "Implementation": (
            "Capstone Project",
            "todo",
            ("Capstone Project: Design and Build a Distributed System: Implementation", 0),
        ),
    }
    html = panel(client.get("/dashboard/").content.decode())
    url_shortener = milestone("URL Shortener")
    assert f'id="taskbox-{url_shortener.key}" class="task-control task-control--done"' in html
    assert f'action="/progress/items/{url_shortener.pk}/"' in html
    assert 'name="next" value="/dashboard/#milestones"' in html
    assert '25%</span><span class="visually-hidden"> of Phase 1: Foundations done' in html
    assert 'href="/guides/capstone/#taskbox-' in html


def test_milestones_do_not_count_in_the_curriculum_or_up_next(client, learner):
    for text in ("Phase 1: Foundations", "Phase 2: Architecture Patterns", "URL Shortener"):
        client.post(f"/progress/items/{milestone(text).pk}/", {"state": "done"})
    dashboard = dashboard_for_user(user=learner)
    assert dashboard.overall_percent == 0
    assert dashboard.next_item.text == "Draw it"


def test_ticking_a_milestone_without_js_returns_to_the_panel(client, learner):
    target = milestone("Phase 1: Foundations")
    response = client.post(
        f"/progress/items/{target.pk}/", {"state": "done", "next": "/dashboard/#milestones"}
    )
    assert response.status_code == 302 and response["Location"] == "/dashboard/#milestones"
    assert TaskProgress.objects.get(user=learner, item=target).state == "done"
    # A milestone is a tick, not a place to come back to: "Continue" is left where it was.
    assert not LearnerState.objects.filter(user=learner, last_guide__isnull=False).exists()


def test_ticking_a_milestone_with_htmx_returns_the_control(client, learner):
    target = milestone("Design document")
    response = client.post(
        f"/progress/items/{target.pk}/",
        {"state": "in_progress", "next": "/dashboard/#milestones"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and body.startswith(f'<form id="taskbox-{target.key}"')
    assert "task-control--in_progress" in body and "<html" not in body
    # The capstone's own "Design document" exercise is a different item, untouched.
    assert not TaskProgress.objects.filter(item=exercise("Design document")).exists()


def test_milestone_ids_touch_only_ones_own_rows_and_archived_ones_are_404(client, learner, library):
    target = milestone("Implementation")
    bob = UserFactory(email="bob@example.com")
    other = Client()
    other.force_login(bob)
    other.post(f"/progress/items/{target.pk}/", {"state": "done"})
    client.post(f"/progress/items/{target.pk}/", {"state": "todo"})
    assert TaskProgress.objects.get(user=bob, item=target).state == "done"
    assert TaskProgress.objects.get(user=learner, item=target).state == "todo"

    (library / "README.md").write_text(README.replace("- [ ] Implementation\n", ""))
    guides_import(path=library)
    assert client.post(f"/progress/items/{target.pk}/", {"state": "done"}).status_code == 404
    assert TaskProgress.objects.get(user=learner, item=target).state == "todo"


def test_reimport_keeps_milestone_progress_moved_typo_fixed_and_removed(client, learner, library):
    for text in ("Phase 1: Foundations", "URL Shortener", "Implementation"):
        client.post(f"/progress/items/{milestone(text).pk}/", {"state": "done"})
    edited = (
        README.replace("- [ ] URL Shortener\n", "")
        .replace("### Capstone Project\n", "### Capstone Project\n\n- [ ] URL Shortener\n")  # moved
        .replace("Phase 1: Foundations", "Phase 1: Foundationz")  # a typo, then
        .replace("- [ ] Implementation\n", "")  # removed
    )
    (library / "README.md").write_text(edited)
    guides_import(path=library)
    (library / "README.md").write_text(edited.replace("Foundationz", "Foundations"))  # fixed
    guides_import(path=library)
    states = {
        p.item.text: (p.state, p.item.is_archived)
        for p in TaskProgress.objects.filter(user=learner).select_related("item")
    }
    assert states == {
        "Phase 1: Foundations": ("done", False),
        "URL Shortener": ("done", False),
        "Implementation": ("done", True),
    }
    moved = Milestone.objects.get(item=milestone("URL Shortener"))
    assert moved.group == "Capstone Project" and moved.linked_guide.slug == "url-shortener"
    page = client.get("/dashboard/").content.decode()
    assert "Implementation" not in panel(page)
    assert "Archived exercises" in page  # still listed, with its progress


def test_importing_the_seed_readme_ticks_the_matching_milestones(client, learner):
    seed = SEED.read_text() if SEED.is_file() else SEED_PROGRESS
    section = seed[seed.index("## Progress Tracking") :]
    section = section.replace("- [ ] Phase 1: Foundation", "- [x] Phase 1: Foundation")
    section = section.replace("- [ ] URL Shortener", "- [x] URL Shortener")
    section = section.replace("- [ ] Design document", "- [x] Design document")
    for text in (section, SEED_PROGRESS):
        assert "- [x] Phase 1: Foundation\n" in text
        TaskProgress.objects.filter(user=learner).delete()
        response = client.post("/progress/import/", {"text": text})
        assert response.status_code == 302
        done = set(
            TaskProgress.objects.filter(user=learner, state="done").values_list("item", flat=True)
        )
        assert done == {
            milestone("Phase 1: Foundations").pk,
            milestone("URL Shortener").pk,
            milestone("Design document").pk,
        }


def test_our_own_export_still_ticks_the_exercise_its_heading_names(client, learner):
    client.post(f"/progress/items/{exercise('Design document').pk}/", {"state": "done"})
    markdown = client.get("/progress/export.md").content.decode()
    assert "## Capstone Project: Design and Build a Distributed System" in markdown
    TaskProgress.objects.all().delete()
    client.post("/progress/import/", {"text": markdown})
    assert list(TaskProgress.objects.filter(user=learner).values_list("item", flat=True)) == [
        exercise("Design document").pk
    ]


def test_dashboard_queries_stay_constant_with_many_milestones(client, learner, library):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/dashboard/").status_code == 200
        return len(captured)

    client.post(f"/progress/items/{milestone('Design document').pk}/", {"state": "done"})
    small = count_queries()
    many = "".join(f"- [ ] Milestone {n}\n" for n in range(100))
    capstone_items = "".join(f"- [ ] Part {n}\n  - [ ] Step {n}\n" for n in range(50))
    (library / "README.md").write_text(
        README
        + many
        + "\n### Capstone Project: Design and Build a Distributed System\n\n"
        + "".join(f"- [ ] Part {n}\n" for n in range(50))
    )
    (library / "projects" / "capstone.md").write_text(CAPSTONE + capstone_items)
    guides_import(path=library)
    assert Milestone.objects.exclude(linked_item=None).count() > 50
    TaskProgress.objects.bulk_create(
        [
            TaskProgress(user=learner, item=item, state="done")
            for item in TaskItem.objects.exclude(progress__user=learner)
        ]
    )
    assert count_queries() == small


def test_share_page_shows_milestones_read_only(client, learner):
    client.post(f"/progress/items/{milestone('Phase 1: Foundations').pk}/", {"state": "done"})
    client.post("/progress/share/", {"enabled": "1"})
    token = LearnerState.objects.get(user=learner).share_token
    page = Client().get(f"/shared/{token}/").content.decode()
    assert "Milestones" in page and "Phase 1: Foundations" in page
    assert '<span class="pill pill--done">Done</span>' in page
    assert '<span class="pill pill--todo">Not started</span>' in page
    assert "task-control" not in page and "<form" not in page.split("<main", 1)[1]

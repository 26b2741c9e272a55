"""Integration: the user's own curriculum repository (phases in folders with INDEX.md files,
projects with source code, repeated file names) imports the way its author reads it."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from apps.guides.models import Guide, TaskItem, Track
from apps.guides.services import guides_import

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

LAB = Path(__file__).resolve().parents[4] / "shared" / "corpus" / "system-design-lab"


@pytest.fixture
def lab_path() -> Path:
    if not LAB.is_dir():
        pytest.skip(f"the system-design-lab corpus is not at {LAB}")
    return LAB


def test_system_design_lab_imports_as_its_author_reads_it(lab_path, client):
    report = guides_import(path=lab_path)
    assert not report.failed, [(r.path, r.reason) for r in report.guides if r.status == "failed"]
    label = f"{lab_path.name}/"

    # Every checkbox outside CLAUDE.md (an agent file) and outside code fences is an item.
    items = TaskItem.objects.filter(guide__source_path__startswith=label, is_archived=False)
    assert items.count() == 384
    assert not items.filter(guide__source_path__endswith="CLAUDE.md").exists()
    per_file = {r.path: r.task_items for r in report.guides if r.status == "created"}
    assert sum(v for p, v in per_file.items() if p.endswith("INDEX.md")) == 307
    assert per_file["README.md"] == 26
    skipped = {r.path: r.reason for r in report.guides if r.status == "skipped"}
    assert skipped["CLAUDE.md"] == "agent instruction file, not a guide"
    assert skipped["ecommerce-microservices/CHANGELOG.md"] == "repository meta file, not a guide"

    # Phases 1..10 in order on the home page; Phase 1 comes from "Phase 1: Foundation" in the
    # unnumbered folder's INDEX.md.
    page = client.get(reverse("guides:home")).content.decode()
    badges = [int(n) for n in re.findall(r'class="track__badge">Phase (\d+)<', page)]
    assert badges == list(range(1, 11))
    fundamentals = Track.objects.get(source_path=f"{label}docs/fundamentals")
    assert fundamentals.number == 1

    # No empty tracks, no "Index" in any title.
    tracks = Track.objects.filter(is_archived=False)
    for track in tracks:
        assert track.guides.filter(is_archived=False).exists(), track.title
        assert not re.search(r"\bindex\b", track.title, re.IGNORECASE), track.title
    for title in Guide.objects.values_list("title", flat=True):
        assert not re.search(r"\bindex$", title, re.IGNORECASE), title
    assert tracks.count() <= 16  # phases, session notes and the projects: no source folders

    # Same-named files are all pages, each with its own slug derived from its folder.
    for path in (
        "ecommerce-microservices/ARCHITECTURE.md",
        "ecommerce-monolith/ARCHITECTURE.md",
        "ecommerce-microservices/README.md",
        "ecommerce-monolith/README.md",
        "ecommerce-monolith/backend/README.md",
        "ecommerce-microservices/services/product-service/README.md",
        "docs/fundamentals/INDEX.md",
    ):
        guide = Guide.objects.get(source_path=label + path)
        assert client.get(guide.get_absolute_url()).status_code == 200, path
    slugs = set(
        Guide.objects.filter(source_path__endswith="/ARCHITECTURE.md").values_list(
            "slug", flat=True
        )
    )
    assert slugs == {"ecommerce-microservices-architecture", "ecommerce-monolith-architecture"}

    # A second import of the same bytes parses nothing and changes nothing.
    again = guides_import(path=lab_path)
    assert {r.status for r in again.guides} == {"unchanged", "skipped"}
    assert again.as_dict()["totals"]["rendered"] == 0

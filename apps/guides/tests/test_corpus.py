"""Integration: import the user's real guide repository and check what every guide yields."""

import re

import pytest

from apps.guides.models import Guide
from apps.guides.services import guides_import

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

# (glossary terms, task items, Mermaid diagrams) per guide. Diagrams equal the number of
# ```mermaid fences in each file (checked independently below); terms were checked by hand
# against each glossary; task items against `grep -c '^\s*- \[[ x]\]'`.
EXPECTED = {
    "DataCatalogsAndFormatsV1.md": (64, 0, 11),
    "DataPipelineSystemDesign.md": (71, 0, 26),
    "DistributedQuerySystems.md": (55, 0, 23),
    "HiveIcebergAutodiscovery.md": (68, 0, 24),
    "SnowflakeStorageIntegration.md": (30, 0, 16),
    "MessageQueueVsStreamProcessing.md": (53, 0, 12),
    "PipelineOrchestrationFrameworks.md": (74, 0, 12),
    "SupabaseB2CSystemDesign-ClaudeOpus4.5.md": (34, 0, 12),
    "SupabaseB2CSystemDesign-GPT5.2.md": (64, 61, 33),
    "ServiceMeshCommunication.md": (62, 0, 21),
    "FlutterAndSupabaseLearning.md": (43, 0, 17),
    "CentralizedAuthenticationInfra.md": (78, 30, 34),
    "CentralizedAuth-TechSpec-Implementation.md": (66, 0, 20),
    "SSO-CrossCuttingOWASP.md": (46, 0, 11),
    "BMADToolsCheatsheet.md": (10, 0, 7),
    "BMADMethod.md": (17, 0, 7),
    "BumerangeToTerraform.md": (30, 0, 15),
    "ClaudeEcoplugs.md": (21, 0, 23),
    # The README is the repository's landing page: a page too, not only an index.
    "README.md": (0, 0, 2),
}
SKIPPED = {
    "CLAUDE.md": "agent instruction file, not a guide",
    "firebase-debug.log": "not a Markdown file (.log)",
    "dietary planning protocol (single-document, app-phase structure, with equations and "
    "sources).md": "listed as excluded in the README",
}


def test_corpus_imports_with_expected_counts(corpus_path):
    report = guides_import(path=corpus_path)
    results = {r.path: r for r in report.guides}
    assert not report.failed, [(r.path, r.reason) for r in report.guides if r.status == "failed"]
    assert {p: (r.glossary_terms, r.task_items, r.diagrams) for p, r in results.items()
            if r.status == "created"} == EXPECTED  # fmt: skip
    assert {p: r.reason for p, r in results.items() if r.status == "skipped"} == SKIPPED
    for path, (_, _, diagrams) in EXPECTED.items():
        fences = len(
            re.findall(r"^[ \t]*```mermaid", (corpus_path / path).read_text(), re.MULTILINE)
        )
        assert diagrams == fences, path

    # Categories come from the README, in its order.
    data = Guide.objects.get(source_path="learn-resources/DataCatalogsAndFormatsV1.md")
    assert data.track.title == "Data Engineering & Pipelines"
    auth = Guide.objects.get(source_path="learn-resources/SSO-CrossCuttingOWASP.md")
    assert auth.track.title == "Authentication & Security"
    # Mojibake in the README is repaired; the guide that starts with "# Executive Summary" is
    # titled after its file; the one without an H1 after its first line.
    assert Guide.objects.get(slug="pipeline-orchestration-frameworks").title == (
        "Pipeline Orchestration Frameworks"
    )
    flutter = Guide.objects.get(source_path="learn-resources/FlutterAndSupabaseLearning.md")
    assert flutter.title.startswith("Flutter + Supabase + GenAI")
    # In-text glossary links resolve to term anchors present on the page.
    for guide in Guide.objects.all():
        anchors = set(re.findall(r'id="(term-[^"]+)"', guide.body_html))
        links = set(re.findall(r'<a href="#(term-[^"]+)"', guide.body_html))
        assert links <= anchors, (guide.slug, sorted(links - anchors)[:5])

    again = guides_import(path=corpus_path)
    assert {r.status for r in again.guides} == {"unchanged", "skipped"}

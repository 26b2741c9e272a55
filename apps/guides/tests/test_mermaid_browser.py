"""A Mermaid diagram that does not parse shows its source and the error, never a bomb icon, and
the diagrams after it still render; the import-time lint agrees with Mermaid itself."""

import html
import re
from pathlib import Path

import pytest

from apps.guides.mermaid_lint import diagram_problem
from apps.guides.rendering import render_guide
from apps.guides.services import guides_import

pytestmark = pytest.mark.browser

CORPORA = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
MERMAID = "/static/vendor/mermaid/mermaid.esm.min.mjs"

GUIDE = """# Diagrams

## First

```mermaid
flowchart LR
  A["Client"] --> B["Gateway"]
```

## Broken

```mermaid
sequenceDiagram
  participant S as Scheduler
  participant K as Kubernetes
  S->>K: Set TI=QUEUED; schedule downstream
```

## After

```mermaid
flowchart LR
  C["Worker"] --> D["Queue"]
```
"""


def _wait_for_diagrams(page) -> None:
    page.locator("html[data-mermaid='drawn']").wait_for(state="attached")


@pytest.mark.django_db(transaction=True)
def test_broken_diagram_shows_its_source_and_error_and_the_rest_render(
    live_server, page, guide_repo
):
    report = guides_import(path=guide_repo({"diagrams.md": GUIDE}))
    [result] = report.guides
    assert any("Mermaid diagram 2 (line 16) will probably not render" in w for w in result.warnings)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/guides/diagrams/")
    _wait_for_diagrams(page)

    assert page.locator("pre.mermaid svg").count() == 2
    assert "Worker" in page.locator("pre.mermaid").nth(1).text_content()
    error = page.locator(".mermaid-error")
    assert error.count() == 1
    assert error.get_attribute("role") == "note"
    assert "could not be drawn" in error.inner_text()
    assert "Parse error on line 4" in error.inner_text()
    source = page.locator("pre.mermaid-source code")
    assert "S->>K: Set TI=QUEUED; schedule downstream" in source.inner_text()
    # No bomb: Mermaid's error diagram is never drawn, in the page or detached at its end.
    assert page.get_by_text("Syntax error in text").count() == 0
    assert page.locator("svg[aria-roledescription='error']").count() == 0
    assert errors == []

    # A theme switch redraws the diagrams and keeps the fallback as it was.
    page.locator("[data-theme-toggle]").click()
    page.locator("pre.mermaid svg").nth(1).wait_for(state="visible")
    _wait_for_diagrams(page)
    assert page.locator(".mermaid-error").count() == 1
    assert page.locator("pre.mermaid-source").count() == 1
    assert page.locator("pre.mermaid svg").count() == 2


@pytest.mark.integration
@pytest.mark.django_db
def test_import_lint_flags_exactly_the_corpus_diagrams_mermaid_rejects(live_server, browser):
    """Every diagram of both corpora, parsed by the vendored Mermaid in Chromium."""
    if not CORPORA.is_dir():
        pytest.skip(f"the test corpora are not at {CORPORA}")
    diagrams: list[tuple[str, str]] = []
    for name in ("learn-resources", "system-design-lab"):
        for path in sorted((CORPORA / name).rglob("*.md")):
            body = render_guide(path.read_text(encoding="utf-8"), fallback_title="x").body_html
            for source in re.findall(r'<pre class="mermaid">(.*?)</pre>', body, re.DOTALL):
                diagrams.append((f"{path.relative_to(CORPORA)}", html.unescape(source)))
    assert len(diagrams) > 300
    page = browser.new_page()
    page.goto(f"{live_server.url}/healthz")  # any page of the site: the module is same-origin
    rejected = page.evaluate(
        """async ([url, sources]) => {
          const mermaid = (await import(url)).default;
          mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
          const out = [];
          for (const source of sources) {
            try { await mermaid.parse(source); out.push(false); } catch (e) { out.push(true); }
          }
          return out;
        }""",
        [MERMAID, [source for _, source in diagrams]],
    )
    page.close()
    flagged = [diagram_problem(source) is not None for _, source in diagrams]
    failing = sum(rejected)
    assert failing >= 10  # the corpus really holds broken diagrams
    mismatches = [
        (name, source.split("\n", 2)[:2], was_rejected)
        for (name, source), was_rejected, was_flagged in zip(
            diagrams, rejected, flagged, strict=True
        )
        if was_rejected != was_flagged
    ]
    assert mismatches == []

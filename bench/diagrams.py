"""The three guides with the most diagrams in Chromium, cold cache: when the reader can act.

For each guide: navigation timing (first paint of text, DOMContentLoaded, load), the longest
main-thread task and the sum of tasks over 50 ms (long-task observer, buffered from the start),
and the time until every diagram on the first screen is drawn. Then the page is scrolled to the
end, a screen at a time, and the longest task while diagrams are drawn on the way is reported.
Run: .venv/bin/python bench/diagrams.py   (imports content/ and the corpus first)
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django

django.setup()

from playwright.sync_api import sync_playwright

from apps.guides.models import Guide
from apps.guides.services import guides_import
from bench.common import BASE, ROOT, start_server, stop_server

CORPUS = ROOT.parent / "shared" / "corpus" / "learn-resources"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip

OBSERVE = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push([entry.startTime, entry.duration]);
}).observe({type: "longtask", buffered: true});
"""

FIRST_SCREEN_DRAWN = """
() => {
  const nodes = document.querySelectorAll("pre.mermaid, pre.mermaid-source");
  const visible = [...nodes].filter((node) => {
    const box = node.getBoundingClientRect();
    return box.top < innerHeight && box.bottom > 0;
  });
  return visible.every((node) => node.querySelector("svg") || node.dataset.diagramError);
}
"""


def measure(page, url: str) -> dict[str, float]:
    page.goto(url, wait_until="commit")
    page.wait_for_load_state("load")
    page.wait_for_function(FIRST_SCREEN_DRAWN, timeout=30_000, polling=16)
    drawn = page.evaluate("performance.now()")
    page.wait_for_timeout(500)
    timing = page.evaluate(
        """() => {
        const nav = performance.getEntriesByType("navigation")[0];
        const paint = performance.getEntriesByName("first-contentful-paint")[0];
        return {fcp: paint ? paint.startTime : 0, dcl: nav.domContentLoadedEventEnd,
                load: nav.loadEventEnd, interactive: nav.domInteractive};
        }"""
    )
    tasks = page.evaluate("window.__longTasks")
    longest_first = max((duration for _, duration in tasks), default=0)
    # Interactive: the end of the last long task (over 50 ms) before the first screen was drawn.
    busy_until = max((start + d for start, d in tasks if start < drawn), default=timing["dcl"])
    # Scroll through the guide a screen at a time, as a reader would.
    height = page.evaluate("document.body.scrollHeight")
    position = 0
    while position < height:
        position += 800
        page.mouse.wheel(0, 800)
        page.wait_for_timeout(120)
        height = page.evaluate("document.body.scrollHeight")
    page.wait_for_timeout(1500)
    tasks = page.evaluate("window.__longTasks")
    drawn_all = page.evaluate(
        "[...document.querySelectorAll('pre.mermaid')].filter((n) => n.querySelector('svg')).length"
    )
    return {
        **timing,
        "first_screen_drawn": drawn,
        "interactive": max(busy_until, timing["dcl"]),
        "longest_task_first_screen": longest_first,
        "longest_task_scrolling": max((duration for _, duration in tasks), default=0),
        "diagrams_drawn_after_scroll": drawn_all,
    }


def main() -> None:
    guides_import(path=ROOT / "content")
    if CORPUS.is_dir():
        guides_import(path=CORPUS)
    guides = list(
        Guide.objects.filter(is_archived=False, is_published=True).order_by("-diagram_count")[:3]
    )
    server = start_server(env={"WHITENOISE_AUTOREFRESH": "false"})
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            print("| guide | diagrams | first text | DOMContentLoaded | interactive | "
                  "first screen's diagrams drawn | longest task (first screen) | "
                  "longest task (scrolling to the end) |")  # fmt: skip
            print("|---|---|---|---|---|---|---|---|")
            for guide in guides:
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                context.add_init_script(OBSERVE)
                page = context.new_page()
                started = time.monotonic()
                result = measure(page, BASE + guide.get_absolute_url())
                context.close()
                print(
                    f"| {guide.slug} | {guide.diagram_count} | {result['fcp']:.0f} ms | "
                    f"{result['dcl']:.0f} ms | {result['interactive']:.0f} ms | "
                    f"{result['first_screen_drawn']:.0f} ms | "
                    f"{result['longest_task_first_screen']:.0f} ms | "
                    f"{result['longest_task_scrolling']:.0f} ms |"
                    f"  ({result['diagrams_drawn_after_scroll']} drawn after scrolling, "
                    f"{time.monotonic() - started:.0f} s)"
                )
            browser.close()
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()

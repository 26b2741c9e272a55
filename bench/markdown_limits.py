"""Rendering untrusted Markdown: the worst inputs before and after the guard, and the cost of
the time-limited child on ordinary guides and notes. One run, wall-clock and CPU seconds.

Run: .venv/bin/python bench/markdown_limits.py
"""

import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django
import markdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
os.environ.setdefault("DATABASE_URL", "postgres://127.0.0.1:1/unused")
django.setup()

from apps.core.markdown_guard import neutralize_markdown
from apps.guides.rendering import _render_guide, decode_guide, render_guide
from apps.notes.services import note_render_markdown

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "learn-resources"
NOTE_EXTENSIONS = ["extra", "sane_lists", "pymdownx.superfences", "pymdownx.highlight"]


def clock(function, *args, **kwargs):
    wall, cpu = time.monotonic(), time.process_time()
    try:
        function(*args, **kwargs)
        outcome = "ok"
    except Exception as error:
        outcome = f"{type(error).__name__}: {str(error)[:60]}"
    return time.monotonic() - wall, time.process_time() - cpu, outcome


def unguarded_note(text: str) -> str:
    return markdown.Markdown(extensions=NOTE_EXTENSIONS).convert(text)


def guarded_note(text: str) -> str:
    return markdown.Markdown(extensions=NOTE_EXTENSIONS).convert(neutralize_markdown(text))


def main() -> None:
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs")
    print("\nunguarded Python-Markdown (notes' extensions), in this process:")
    for count in (1000, 2000, 4000):
        wall, cpu, outcome = clock(unguarded_note, "[" * count)
        print(f"  {count:>6,} '['        {wall:6.2f} s wall {cpu:6.2f} s CPU  {outcome}")
    wall, cpu, outcome = clock(unguarded_note, "1. " * 2000 + "x")
    print(f"  list nested 2,000 deep {wall:6.2f} s wall {cpu:6.2f} s CPU  {outcome}")

    print("\nguarded (pre-pass), in this process:")
    for text, name in (("[" * 20_000, "20,000 '['"), ("1. " * 6000 + "x", "6,000-deep list")):
        wall, cpu, outcome = clock(guarded_note, text)
        print(f"  {name:<22} {wall:6.2f} s wall {cpu:6.2f} s CPU  {outcome}")

    print("\nnote_render_markdown (pre-pass + child, limit 1.5 s):")
    for text, name in (
        ("A *short* note with a [link](https://example.com).", "ordinary note"),
        ("[" * 20_000, "20,000 '['"),
        ("a\n=\n" * 5000, "5,000 setext headings"),
    ):
        wall, _cpu, outcome = clock(note_render_markdown, body_markdown=text)
        print(f"  {name:<22} {wall:6.2f} s wall  {outcome}")

    if CORPUS.is_dir():
        print("\nlargest corpus guides: in process vs in the time-limited child:")
        files = sorted(CORPUS.glob("*.md"), key=lambda path: path.stat().st_size)[-3:]
        for path in files:
            text, _ = decode_guide(path.read_bytes(), max_bytes=10**7)
            direct, _cpu, _ = clock(_render_guide, text, fallback_title="x")
            child, _cpu, outcome = clock(render_guide, text, fallback_title="x", time_limit=30)
            print(
                f"  {path.name[:40]:<40} {len(text):>8,} chars  {direct:5.2f} s in process  "
                f"{child:5.2f} s in child  {outcome}"
            )
    print("\nguide at the 2 MiB limit (limit 4 s):")
    for text, name in (("[" * (2 * 1024 * 1024 - 20), "2 MiB of '['"),):
        wall, _cpu, outcome = clock(render_guide, "# T\n\n" + text, fallback_title="x")
        print(f"  {name:<22} {wall:6.2f} s wall  {outcome}")


if __name__ == "__main__":
    main()

"""In-process render time of the two heaviest signed-in pages: the guide with the most
exercises (its tick and "mark as read" controls, notes) and the dashboard (heatmap, milestones).
Django's test client, no server, so the figure is Python + database time per request: min, median
and p90 of ROUNDS requests after WARMUP, one run (the query counts are pinned by the tests).
Run: DATABASE_URL=postgres://.../portal_x .venv/bin/python bench/page_render.py
"""

import os
import random
import sys
import time
from pathlib import Path
from statistics import median, quantiles

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django

django.setup()

from django.db.models import Count, Q
from django.test import Client
from django.test.utils import setup_test_environment

from apps.accounts.models import User
from apps.guides.models import Guide, TaskItem
from apps.guides.services import guides_import
from apps.notes.services import note_create
from apps.progress.models import TaskProgress
from bench.common import ROOT

CORPUS = ROOT.parent / "shared" / "corpus" / "learn-resources"
EMAIL = "bench-render@example.com"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))
WARMUP = 10


def prepare() -> tuple[User, str]:
    if not Guide.objects.exists():
        guides_import(path=ROOT / "content")
        if CORPUS.is_dir():
            guides_import(path=CORPUS)
    # The guide with the most exercises: its controls are what the signed-in page adds.
    guide = max(
        Guide.objects.filter(is_archived=False, is_published=True).annotate(
            exercises=Count("task_items", filter=Q(task_items__is_archived=False))
        ),
        key=lambda g: (g.exercises, len(g.body_html)),
    )
    user = User.objects.filter(email=EMAIL).first() or User.objects.create(email=EMAIL)
    if not guide.notes.filter(user=user).exists():
        rng = random.Random(15)
        items = list(TaskItem.objects.filter(guide=guide, is_archived=False))
        TaskProgress.objects.bulk_create(
            [TaskProgress(user=user, item=item, state=rng.choice(["done", "in_progress"]))
             for item in items[: max(1, len(items) // 2)]]
        )  # fmt: skip
        for number in range(3):
            note_create(user=user, guide=guide, body_markdown=f"Note {number}: **remember** this.")
    return user, guide.get_absolute_url()


def measure(client: Client, url: str) -> tuple[float, float, float, int]:
    for _ in range(WARMUP):
        response = client.get(url)
        assert response.status_code == 200
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    return min(timings), median(timings), quantiles(timings, n=10)[-1], len(response.content)


def main() -> None:
    setup_test_environment()
    user, guide_url = prepare()
    client = Client()
    client.force_login(user)
    print(f"{ROUNDS} requests each after {WARMUP} warm-up, in-process (Django test client)")
    for name, url in (("guide, signed in", guide_url), ("dashboard", "/dashboard/")):
        fastest, p50, p90, size = measure(client, url)
        print(f"{name:16} min {fastest:5.1f} ms  median {p50:5.1f} ms  p90 {p90:5.1f} ms  {size} B")


if __name__ == "__main__":
    main()

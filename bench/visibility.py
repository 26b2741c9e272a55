"""What the single definition of "visible to learners" costs on the dashboard's heaviest reads.

`.visible()` joins a task item or section to its guide and track (published, not archived, track
not archived) where the dashboard's per-guide counts used to filter on the item alone. This
times, in one process against the same data, those grouped counts both ways and the whole
`dashboard_for_user`, for the learner bench/progress.py builds (the curriculum and, when
present, the corpus, every item in some state and every section read).
Run: DATABASE_URL=... .venv/bin/python bench/visibility.py
"""

import os
import sys
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

import django

django.setup()

from django.db.models import Count, FilteredRelation, Q

from apps.guides.models import Section, TaskItem
from apps.progress.selectors import COMPLETE_STATES, dashboard_for_user
from bench.progress import prepare

RUNS = int(os.environ.get("BENCH_RUNS", "200"))


def item_counts(user, queryset) -> dict:
    return {
        guide_id: (total, finished)
        for guide_id, total, finished in queryset.annotate(
            mine=FilteredRelation("progress", condition=Q(progress__user=user))
        )
        .values("guide_id")
        .annotate(
            total=Count("pk"), finished=Count("pk", filter=Q(mine__state__in=COMPLETE_STATES))
        )
        .values_list("guide_id", "total", "finished")
        .order_by()
    }


def section_counts(user, queryset) -> dict:
    return {
        guide_id: (total, finished)
        for guide_id, total, finished in queryset.annotate(
            mine=FilteredRelation("reads", condition=Q(reads__user=user))
        )
        .values("guide_id")
        .annotate(total=Count("pk"), finished=Count("mine"))
        .values_list("guide_id", "total", "finished")
        .order_by()
    }


def timed(fn, runs: int) -> float:
    fn()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return median(samples) * 1000


def main() -> None:
    user, *_ = prepare()
    items, sections = TaskItem.objects.count(), Section.objects.count()
    print(f"{items} task items, {sections} sections; median of {RUNS} runs each (ms)")
    items_alone, sections_alone = (
        TaskItem.objects.filter(is_archived=False),
        Section.objects.filter(is_archived=False),
    )
    rows = [
        ("item counts, item filter only", lambda: item_counts(user, items_alone)),
        ("item counts, .visible()", lambda: item_counts(user, TaskItem.objects.visible())),
        ("section counts, section filter only", lambda: section_counts(user, sections_alone)),
        ("section counts, .visible()", lambda: section_counts(user, Section.objects.visible())),
        ("dashboard_for_user (all its queries)", lambda: dashboard_for_user(user=user)),
    ]
    for label, fn in rows:
        print(f"{label:40s} {timed(fn, RUNS if 'dashboard' not in label else RUNS // 4):8.2f}")


if __name__ == "__main__":
    main()

"""Reading pages vs the same bytes as a static file, 32 connections, one gunicorn, one run.

Anonymous pages (home, the largest guide, the glossary, a term, search) and the largest guide
signed in, for a learner with ticks on its exercises and notes on it. Each page is measured
right after a static copy of its own bytes, for ROUNDS rounds; the summary is the median ratio.
Run: make bench   (imports content/ first; the corpus too when it is beside the project)
"""

import os
import platform
import random
import sys
from importlib import import_module
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django

django.setup()

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from apps.accounts.models import User
from apps.guides.models import Guide, TaskItem
from apps.guides.services import guides_import
from apps.notes.services import note_create
from apps.progress.models import TaskProgress
from bench.common import BENCH_STATIC, ROOT, snapshot_as_static, start_server, stop_server, wrk

CORPUS = ROOT.parent / "shared" / "corpus" / "learn-resources"
EMAIL = "bench-reader@example.com"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def prepare() -> tuple[str, str]:
    """Import the library; a learner with ticks and notes on the largest guide. Returns the
    largest guide's path and the learner's session cookie."""
    guides_import(path=ROOT / "content")
    if CORPUS.is_dir():
        guides_import(path=CORPUS)
    guide = max(
        Guide.objects.filter(is_archived=False, is_published=True), key=lambda g: len(g.body_html)
    )
    user = User.objects.filter(email=EMAIL).first() or User(email=EMAIL)
    user.save()
    TaskProgress.objects.filter(user=user).delete()
    items = list(TaskItem.objects.filter(guide=guide, is_archived=False))
    TaskProgress.objects.bulk_create(
        [TaskProgress(user=user, item=item, state=random.choice(["done", "in_progress"]))
         for item in items[: max(1, len(items) // 2)]]
    )  # fmt: skip
    if not guide.notes.filter(user=user).exists():
        for number in range(3):
            note_create(user=user, guide=guide, body_markdown=f"Note {number}: **remember** this.")
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return guide.get_absolute_url(), f"sessionid={session.session_key}"


def main() -> None:
    guide, cookie = prepare()
    signed_in = {"Cookie": cookie}
    pages: dict[str, tuple[str, dict[str, str] | None, float]] = {
        "home": ("/", None, 0.6),
        "guide (largest)": (guide, None, 0.6),
        "glossary (letter A)": ("/glossary/?letter=A", None, 0.3),
        "search": ("/search/?q=consistent+hashing", None, 0.3),
        "guide (largest), signed in": (guide, signed_in, 0.3),
    }
    # Snapshot every page first, then serve the snapshots the way production does: whitenoise
    # indexes its files at start-up instead of looking each request up on disk (autorefresh).
    server = start_server()
    try:
        statics = {}
        for number, (name, (path, headers, _)) in enumerate(pages.items()):
            statics[name] = snapshot_as_static(path, f"bench-{number}.html", headers=headers)
    finally:
        stop_server(server)
    server = start_server(env={"WHITENOISE_AUTOREFRESH": "false"})
    try:
        print(f"machine: {platform.node()} {platform.machine()}, 2 gunicorn workers x 4 threads")
        print(f"largest guide: {guide}; {ROUNDS} rounds, median ratio\n")
        summary = []
        for name, (path, headers, target) in pages.items():
            static = statics[name]
            size = (BENCH_STATIC / static.rsplit("/", 1)[-1]).stat().st_size
            wrk("warm-up", path, seconds=2, headers=headers)
            ratios = []
            for _ in range(ROUNDS):
                static_result = wrk(f"static copy of {name}", static)
                page_result = wrk(name, path, headers=headers)
                print(static_result.line())
                print(page_result.line(static_result))
                ratios.append(page_result.rps / static_result.rps)
            summary.append((name, size, median(ratios), target, page_result))
        print("\n| page | bytes | median ratio to static | target |")
        print("|---|---|---|---|")
        for name, size, ratio, target, _ in summary:
            verdict = "met" if ratio >= target else "**not met**"
            print(f"| {name} | {size:,} | {ratio:.2f}x | >= {target}x: {verdict} |")
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()

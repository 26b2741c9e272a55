"""Toggle endpoint and dashboard under 32 connections, beside a static file of the same bytes.

The learner has the whole curriculum (content/ and, when present, the corpus) with every item
in some state, every section read and a year of daily activity. Before the server runs, the
toggle's CPU time in this process is measured too: htmx POSTs through Django's test client and
the whole middleware stack, CSRF checked, in batches; no network, no other process counted.
Run: .venv/bin/python bench/progress.py
"""

import datetime
import os
import random
import sys
import time
from importlib import import_module
from pathlib import Path
from statistics import median, quantiles

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django

from portal.devstart import ensure_database_url

ensure_database_url()

django.setup()

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.crypto import get_random_string

from apps.accounts.models import User
from apps.guides.models import Section, TaskItem
from apps.guides.services import guides_import
from apps.progress.models import ActivityDay, SectionRead, TaskProgress
from bench.common import (
    BENCH_STATIC,
    ROOT,
    analyse,
    snapshot_as_static,
    start_server,
    stop_server,
    wrk,
)

CORPUS = ROOT.parent / "shared" / "corpus" / "learn-resources"
EMAIL = "bench-learner@example.com"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def prepare() -> tuple[User, str, str, list[int]]:
    guides_import(path=ROOT / "content")
    if CORPUS.is_dir():
        guides_import(path=CORPUS)
    user, _ = User.objects.get_or_create(email=EMAIL, defaults={})
    TaskProgress.objects.filter(user=user).delete()
    SectionRead.objects.filter(user=user).delete()
    ActivityDay.objects.filter(user=user).delete()
    items = list(TaskItem.objects.filter(is_archived=False).values_list("pk", flat=True))
    states = ["done", "in_progress", "skipped", "todo"]
    TaskProgress.objects.bulk_create(
        [TaskProgress(user=user, item_id=pk, state=random.choice(states)) for pk in items]
    )
    SectionRead.objects.bulk_create(
        [
            SectionRead(user=user, section_id=pk)
            for pk in Section.objects.values_list("pk", flat=True)
        ]
    )
    today = datetime.date.today()
    ActivityDay.objects.bulk_create(
        [ActivityDay(user=user, day=today - datetime.timedelta(days=n), reads=n % 5, ticks=n % 3)
         for n in range(365)]
    )  # fmt: skip
    analyse("progress_taskprogress", "progress_sectionread", "progress_activityday",
            "progress_learnerstate", "guides_taskitem", "guides_guide")  # fmt: skip
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return user, session.session_key, get_random_string(32), items


def masked_token(secret: str) -> str:
    """The token a page would give htmx for this cookie (`{{ csrf_token }}`): masked, as
    browsers send it, not the bare secret."""
    from django.middleware.csrf import get_token
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = secret
    return get_token(request)


def toggle_script(items: list[int]) -> Path:
    BENCH_STATIC.mkdir(parents=True, exist_ok=True)
    script = BENCH_STATIC.parent / "bench-toggle.lua"
    ids = ",".join(str(pk) for pk in items)
    script.write_text(
        f"""
local ids = {{{ids}}}
local states = {{"done", "todo", "in_progress", "skipped"}}
local n = 0
request = function()
  n = n + 1
  local id = ids[(n % #ids) + 1]
  local state = states[(n % #states) + 1]
  return wrk.format("POST", "/progress/items/" .. id .. "/", nil, "state=" .. state)
end
"""
        + (ROOT / "bench" / "wrk_p95.lua").read_text()
    )
    return script


def in_process_toggle(items: list[int], session_key: str, csrf: str, *, batches: int = 30,
                      per_batch: int = 100) -> tuple[float, float, float]:  # fmt: skip
    """CPU milliseconds of this process per toggle: the median over batches, and the quartiles."""
    from django.test import Client, override_settings

    client = Client(enforce_csrf_checks=True)
    client.cookies["sessionid"] = session_key
    client.cookies["csrftoken"] = csrf
    headers = {"X-CSRFToken": masked_token(csrf), "HX-Request": "true"}
    states = ["done", "todo", "in_progress", "skipped"]
    sent = 0

    def toggle() -> None:
        nonlocal sent
        sent += 1
        item = items[sent % len(items)]
        response = client.post(
            f"/progress/items/{item}/", {"state": states[sent % 4]}, headers=headers
        )
        assert response.status_code == 200, response.status_code

    per_toggle = []
    with override_settings(DEBUG=False):  # as served: no query log
        for _ in range(200):  # warm-up
            toggle()
        for _ in range(batches):
            started = time.process_time()
            for _ in range(per_batch):
                toggle()
            per_toggle.append((time.process_time() - started) * 1000 / per_batch)
    quartiles = quantiles(per_toggle, n=4)
    return median(per_toggle), quartiles[0], quartiles[2]


def main() -> None:
    user, session_key, csrf, items = prepare()
    from django.test import Client

    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as dashboard_queries:
        client.get("/dashboard/")
    with CaptureQueriesContext(connection) as toggle_queries:
        client.post(
            f"/progress/items/{items[0]}/", {"state": "done"}, headers={"HX-Request": "true"}
        )
    print(f"learner: {len(items)} items, {Section.objects.count()} sections read, 365 active days")
    print(f"queries: dashboard {len(dashboard_queries)}, toggle {len(toggle_queries)}")
    print(f"session engine: {settings.SESSION_ENGINE}")
    cpu, low, high = in_process_toggle(items, session_key, csrf)
    print(f"toggle in-process, 30 batches of 100: CPU {cpu:.2f} ms ({low:.2f}-{high:.2f})")
    connection.close()

    cookie = f"sessionid={session_key}; csrftoken={csrf}"
    headers = {"Cookie": cookie}
    post_headers = {
        **headers,
        "X-CSRFToken": masked_token(csrf),
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": "http://127.0.0.1/",
    }
    server = start_server(env={"DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"})
    try:
        static_dashboard = snapshot_as_static("/dashboard/", "bench-dashboard.html", headers)
        BENCH_STATIC.joinpath("bench-toggle.html").write_bytes(b"x" * 1500)
        wrk("warm-up", "/dashboard/", seconds=2, headers=headers)
        # This VM's speed drifts within minutes, so the toggle and the static file alternate
        # and the summary is the median of the rounds, each ratio taken within its own pair.
        rounds = []
        for _ in range(ROUNDS):
            static = wrk("static (1.5 KB, toggle-sized)", "/static/bench-toggle.html")
            print(static.line())
            toggle = wrk("toggle (htmx POST)", "/progress/items/0/",
                         script=str(toggle_script(items)), headers=post_headers)  # fmt: skip
            print(toggle.line(static))
            rounds.append((static, toggle))
        print(
            f"toggle, median of {ROUNDS} rounds: "
            f"{median(t.rps for _, t in rounds):.0f} req/s, "
            f"p95 {median(t.p95 for _, t in rounds):.1f} ms "
            f"(static file p95 {median(s.p95 for s, _ in rounds):.1f} ms), "
            f"{median(t.rps / s.rps for s, t in rounds):.2f}x static"
        )
        static = wrk("static copy of dashboard", static_dashboard)
        print(static.line())
        print(wrk("dashboard", "/dashboard/", headers=headers).line(static))
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()

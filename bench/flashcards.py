"""Flashcards at scale: a learner with 10,000 cards and 100,000 review logs.

Reports the database time to pick the next card, the time to record an answer (p50/p95,
in-process), and requests per second of the review endpoints under 32 connections beside a
static file of the same size served by the same server in the same run.
Run: .venv/bin/python bench/flashcards.py
"""

import datetime
import os
import random
import statistics
import sys
import time
from importlib import import_module
from pathlib import Path

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
from django.utils import timezone
from django.utils.crypto import get_random_string

from apps.accounts.models import User
from apps.flashcards import selectors, services
from apps.flashcards.models import Card, CardState, ReviewLog
from apps.guides.models import GlossaryTerm, Guide, Track
from bench.common import BENCH_STATIC, ROOT, analyse, start_server, stop_server, wrk

EMAIL = "bench-cards@example.com"
CARDS = 10_000
LOGS = 100_000


class DatabaseTimer:
    """Sums the time spent inside the database driver, whatever Python does around it."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.queries += 1


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def prepare() -> tuple[User, Guide]:
    track, _ = Track.objects.get_or_create(slug="bench-flashcards", defaults={"title": "Bench"})
    guide = Guide.objects.filter(slug="bench-flashcards").first()
    if guide is None:
        guide = Guide.objects.create(
            track=track,
            slug="bench-flashcards",
            title="Bench glossary",
            body_html="",
            source_path="bench/flashcards.md",
            markdown_source="",
            content_hash="",
            is_published=False,
        )
        GlossaryTerm.objects.bulk_create(
            [
                GlossaryTerm(
                    guide=guide,
                    anchor=f"term-bench-{n}",
                    term=f"Bench term {n}",
                    position=n,
                    description=f"What **term {n}** means, in a sentence or two.",
                    use_when=f"Situation {n} calls for it",
                    like=f"Analogy number {n}",
                )
                for n in range(CARDS // 3 + 1)
            ]
        )
        services.cards_sync_for_guide(guide=guide)
    user, _ = User.objects.get_or_create(email=EMAIL, defaults={})
    CardState.objects.filter(user=user).delete()
    now = timezone.now()
    card_ids = list(Card.objects.filter(guide=guide).values_list("pk", flat=True)[:CARDS])
    states = []
    rng = random.Random(7)
    for index, card_id in enumerate(card_ids):
        kind = index % 10
        if kind < 2:  # never seen
            states.append(CardState(user=user, card_id=card_id, guide=guide, due=now))
            continue
        last = now - datetime.timedelta(days=rng.uniform(1, 90))
        states.append(
            CardState(
                user=user,
                card_id=card_id,
                guide=guide,
                state=1 if kind == 2 else 2,
                step=0 if kind == 2 else None,
                stability=rng.uniform(0.5, 60),
                difficulty=rng.uniform(1, 10),
                last_review=last,
                reps=100,
                due=now + datetime.timedelta(days=rng.uniform(-5, 40)),
            )
        )
    CardState.objects.bulk_create(states, batch_size=2000)
    studied = list(CardState.objects.filter(user=user, state__gt=0).values_list("pk", "due"))
    logs = []
    for n in range(LOGS):
        pk, due = studied[n % len(studied)]
        at = now - datetime.timedelta(days=rng.uniform(0, 365))
        logs.append(
            ReviewLog(
                user=user,
                card_state_id=pk,
                rating=rng.randint(1, 4),
                reviewed_at=at,
                duration_ms=rng.randint(1500, 15000),
                reps_before=n // len(studied),
                state_before=2,
                due_before=due,
            )
        )
    ReviewLog.objects.bulk_create(logs, batch_size=5000)
    return user, guide


def main() -> None:
    started = time.perf_counter()
    user, guide = prepare()
    print(
        f"learner: {CardState.objects.filter(user=user).count()} cards, "
        f"{ReviewLog.objects.filter(user=user).count()} review logs "
        f"(prepared in {time.perf_counter() - started:.0f} s)"
    )
    analyse("flashcards_card", "flashcards_cardstate", "flashcards_reviewlog")
    deck = selectors.Deck(key="all", title="all")

    # Next card: the database time of every query the selector runs, 300 times.
    db_times, wall = [], []
    for _ in range(300):
        timer = DatabaseTimer()
        begin = time.perf_counter()
        with connection.execute_wrapper(timer):
            selectors.review_next(user=user, deck=deck, now=timezone.now())
        wall.append((time.perf_counter() - begin) * 1000)
        db_times.append(timer.seconds * 1000)
    print(
        f"next card: database p50 {statistics.median(db_times):.2f} ms, "
        f"p95 {percentile(db_times, 95):.2f} ms ({timer.queries} queries); "
        f"in-process p50 {statistics.median(wall):.2f} ms, p95 {percentile(wall, 95):.2f} ms"
    )
    with connection.cursor() as cursor:
        queryset = CardState.objects.filter(
            user=user,
            card__is_archived=False,
            state__gt=0,
            due__lt=timezone.now() + datetime.timedelta(hours=12),
        ).order_by("due", "pk")[:1]
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    index_line = next((line.strip() for line in plan if "Index" in line), plan[0])
    print(f"  plan: {index_line}")
    print(f"  {plan[-1].strip()}")

    # Answers: the whole service (select for update, FSRS, log, update, activity), 500 times.
    answers = []
    for state in list(CardState.objects.filter(user=user, state=2).order_by("due")[:500]):
        begin = time.perf_counter()
        services.review_answer(user=user, card_state_id=state.pk, rating=3,
                               expected_reps=state.reps)  # fmt: skip
        answers.append((time.perf_counter() - begin) * 1000)
    print(
        f"answer: in-process p50 {statistics.median(answers):.2f} ms, "
        f"p95 {percentile(answers, 95):.2f} ms"
    )

    # Under load: GET the review page and POST answers, each request a real answer.
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    csrf = get_random_string(32)
    headers = {"Cookie": f"sessionid={session.session_key}; csrftoken={csrf}"}
    post_headers = {
        **headers, "X-CSRFToken": csrf, "HX-Request": "true", "Referer": "http://127.0.0.1/",
        "Content-Type": "application/x-www-form-urlencoded",
    }  # fmt: skip
    pending = list(
        CardState.objects.filter(user=user, state=2).order_by("due").values_list("pk", "reps")
    )
    connection.close()
    script = BENCH_STATIC.parent / "bench-answer.lua"
    BENCH_STATIC.mkdir(parents=True, exist_ok=True)
    half = len(pending) // 2
    cards = ",".join(f"{{{pk},{reps}}}" for pk, reps in pending)
    script.write_text(
        f"""
local cards = {{{cards}}}
local threads = 0
setup = function(thread) thread:set("offset", threads * {half}); threads = threads + 1 end
local n = 0
request = function()
  local card = cards[((offset + n) % #cards) + 1]
  n = n + 1
  return wrk.format("POST", "/flashcards/review/answer/", nil,
    "deck=all&rating=3&card=" .. card[1] .. "&reps=" .. card[2])
end
"""
        + (ROOT / "bench" / "wrk_p95.lua").read_text()
    )
    logs_before = ReviewLog.objects.filter(user=user).count()
    connection.close()
    server = start_server(env={"DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"})
    try:
        BENCH_STATIC.joinpath("bench-card.html").write_bytes(b"x" * 4200)
        wrk("warm-up", "/flashcards/review/", seconds=2, headers=headers)
        static = wrk("static (4.2 KB, card-sized)", "/static/bench-card.html")
        print(static.line())
        print(wrk("review page (GET, htmx)", "/flashcards/review/",
                  headers={**headers, "HX-Request": "true"}).line(static))  # fmt: skip
        print(wrk("answer (htmx POST)", "/flashcards/review/answer/", script=str(script),
                  headers=post_headers).line(static))  # fmt: skip
    finally:
        stop_server(server)
    applied = ReviewLog.objects.filter(user=user).count() - logs_before
    print(f"answers recorded during the run: {applied} (each request answered a distinct card)")
    CardState.objects.filter(user=user).delete()
    Guide.objects.filter(pk=guide.pk).delete()
    Track.objects.filter(slug="bench-flashcards", guides__isnull=True).delete()


if __name__ == "__main__":
    main()

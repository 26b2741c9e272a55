"""The card browser with a learner of 10,000 cards and 100,000 review logs (bench/flashcards.py's
data): queries and database time per page, p50/p95 of the whole request in-process, for the
first page, a far page, a search, a state filter, and a card's page with its history.
The bench guide is published only inside a transaction that is rolled back.
Run: .venv/bin/python bench/card_browser.py
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Sets Django up (settings, database) before anything imports a model.
from bench.flashcards import DatabaseTimer, percentile, prepare

from django.db import connection, transaction  # isort: skip
from django.test import Client  # isort: skip

from apps.flashcards.models import CardState  # isort: skip

RUNS = 30


class Rollback(Exception):
    pass


def measure(client: Client, url: str) -> str:
    timings, db_seconds, queries = [], [], 0
    for _ in range(RUNS):
        timer = DatabaseTimer()
        with connection.execute_wrapper(timer):
            start = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        db_seconds.append(timer.seconds)
        queries = timer.queries
    return (
        f"{url:<58} {queries} queries  db p50 {statistics.median(db_seconds) * 1000:6.1f} ms"
        f"  request p50 {statistics.median(timings) * 1000:6.1f} ms"
        f"  p95 {percentile(timings, 95) * 1000:6.1f} ms"
    )


def main() -> None:
    user, guide = prepare()
    with connection.cursor() as cursor:
        # As autovacuum would after a bulk load: without statistics the planner walks every card.
        for table in ("flashcards_cardstate", "flashcards_card", "guides_glossaryterm"):
            cursor.execute(f"ANALYZE {table}")
    cards = CardState.objects.filter(user=user).count()
    print(f"{cards} cards in the learner's deck; {RUNS} requests each, in-process (test client)")
    try:
        with transaction.atomic():
            type(guide).objects.filter(pk=guide.pk).update(is_published=True)
            client = Client()
            client.force_login(user)
            some_card = CardState.objects.filter(user=user, reps__gt=0).order_by("pk").first()
            for url in (
                "/flashcards/cards/",
                "/flashcards/cards/?page=150",
                "/flashcards/cards/?q=term+777",
                "/flashcards/cards/?state=review&deck=guide:bench-flashcards",
                f"/flashcards/cards/{some_card.pk}/",
            ):
                print(measure(client, url))
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()

"""Every Prometheus metric the portal exports, defined once so each app increments the same object.

Under gunicorn set PROMETHEUS_MULTIPROC_DIR (an empty directory shared by the workers, and by the
Celery worker if it runs on the same host) so /metrics adds up every process; see README.
"""

from prometheus_client import Counter, Histogram

REQUESTS_TOTAL = Counter(
    "portal_http_requests_total",
    "HTTP requests served, by URL name, method and status code.",
    ["view", "method", "status"],
)
REQUEST_DURATION = Histogram(
    "portal_http_request_duration_seconds",
    "Time spent producing a response, by URL name and method.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
IMPORT_RUNS_TOTAL = Counter(
    "portal_import_runs_total",
    "Guide import runs finished (dry runs excluded), by outcome: succeeded or failed.",
    ["status"],
)
IMPORT_GUIDES_TOTAL = Counter(
    "portal_import_guides_total",
    "Guides processed by import runs, by result: created, updated, unchanged, skipped, failed.",
    ["status"],
)
REVIEWS_TOTAL = Counter(
    "portal_reviews_total",
    "Flashcard reviews recorded, by rating (again, hard, good, easy).",
    ["rating"],
)
REMINDER_DELIVERIES_TOTAL = Counter(
    "portal_reminder_deliveries_total",
    "Reminder deliveries attempted, by status (sent, failed, skipped).",
    ["status"],
)

#!/usr/bin/env bash
# `make run`: a Celery worker with beat in the background, the web server in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
broker="${CELERY_BROKER_URL:-filesystem:// (files under var/broker, no Redis needed)}"
echo "Celery broker: $broker"
mkdir -p var/broker var/broker-processed var/broker-control var/log
.venv/bin/celery -A portal worker --beat --loglevel INFO --concurrency 2 \
  --schedule var/celerybeat-schedule >var/log/celery.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true; wait $worker 2>/dev/null || true' EXIT INT TERM
echo "Celery worker and beat running (pid $worker, log var/log/celery.log)"
echo "Portal on http://127.0.0.1:8000"
.venv/bin/python manage.py runserver 127.0.0.1:8000

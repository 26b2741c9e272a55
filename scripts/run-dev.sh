#!/usr/bin/env bash
# `make run`: a Celery worker with beat and the web server; Ctrl-C or SIGTERM stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
addr="${PORTAL_DEV_ADDR:-127.0.0.1:8000}"
broker="${CELERY_BROKER_URL:-filesystem:// (files under var/broker, no Redis needed)}"
echo "Celery broker: $broker"
mkdir -p var/broker var/broker-processed var/broker-control var/log

# The worker gets a session of its own. A signal to this script's process group (Ctrl-C in the
# terminal, a supervisor's SIGTERM) would otherwise also hit the pool's child processes: one of
# them dies holding the pool's queue lock and the main process waits for it forever, so only
# SIGKILL stopped it. Here only the main process is told, and it stops its children itself.
setsid .venv/bin/celery -A portal worker --beat --loglevel INFO --concurrency 2 \
  --schedule var/celerybeat-schedule >var/log/celery.log 2>&1 &
worker=$!
echo "Celery worker and beat running (pid $worker, log var/log/celery.log)"
echo "Portal on http://$addr"
.venv/bin/python manage.py runserver "$addr" &
web=$!

stop() {
  trap - INT TERM EXIT
  kill -TERM "$web" "$worker" 2>/dev/null || true
  wait "$web" "$worker" 2>/dev/null || true
}
trap stop INT TERM EXIT
# A trap runs while `wait` waits (not while a foreground command runs): signals act at once.
wait -n "$web" "$worker" || true

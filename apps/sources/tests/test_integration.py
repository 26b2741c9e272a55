"""Push → signed webhook → a real Celery worker (Redis) syncs → only the edited guide changes.

The worker is a separate process on the test database; the webhook goes through Django's test
client, which publishes to the same Redis (DB 7 by default, flushed: it belongs to this test).
"""

import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from apps.core.tests.services_needed import redis_or_skip
from apps.core.tests.waiting import wait_until
from apps.guides.models import Guide, TaskItem
from apps.progress.models import TaskProgress
from apps.progress.tests.factories import TaskProgressFactory
from apps.sources.models import SyncRun
from apps.sources.services import source_sync

from .conftest import CACHING, QUEUES
from .factories import SourceFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("SOURCES_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
ROOT = Path(__file__).resolve().parents[3]
DEADLINE = 60


def worker_env(tmp_path: Path) -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.integration",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DATABASE_NAME": db["NAME"],
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": REDIS_URL,
        "EMAIL_PORT": "25",  # the integration settings want one; nothing is mailed
        "SOURCES_ROOT": str(settings.SOURCES_ROOT),
        "SOURCES_LOCAL_ROOTS": ",".join(settings.SOURCES_LOCAL_ROOTS),
        "SOURCES_BUSY_RETRY_SECONDS": "0.5",
    }
    if not db["HOST"] or db["HOST"].startswith("/"):
        del env["DATABASE_URL"]
    elif db.get("PASSWORD"):
        env["DATABASE_URL"] = env["DATABASE_URL"].replace(
            f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@"
        )
    return env


def signed(body: bytes, secret: str) -> dict:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"HTTP_X_GITHUB_EVENT": "push", "HTTP_X_HUB_SIGNATURE_256": f"sha256={digest}"}


def wait_for(predicate, log: Path, what: str):
    wait_until(
        predicate,
        timeout=DEADLINE,
        interval=0.2,
        message=lambda: f"{what}\n{log.read_text(errors='replace')[-6000:]}",
    )


def broker_idle(redis_client) -> bool:
    """Nothing queued and nothing taken by a worker: with late acknowledgement a task stays in
    Redis's `unacked` hash until it has finished (a retry is queued before its parent is
    acknowledged), so no task is left to run or still running."""
    queued = sum(
        redis_client.llen(key)
        for key in redis_client.scan_iter("celery*")  # kombu's lists, one per priority step
        if redis_client.type(key) == b"list"
    )
    return queued == 0 and redis_client.hlen("unacked") == 0


def finished_tasks(log: Path) -> int:
    text = log.read_text(errors="replace")
    return len(re.findall(r"source_sync_task\[[^\]]+\] succeeded in", text))


@pytest.fixture
def redis_broker(monkeypatch):
    """Point this process's Celery app at the test's Redis, then back."""
    from portal.celery_app import app

    client = redis_or_skip(REDIS_URL, needed_for="the integration test")
    client.flushdb()
    monkeypatch.setattr(app.conf, "broker_url", REDIS_URL)
    monkeypatch.setattr(app.conf, "broker_transport_options", {"visibility_timeout": 3600})
    app.close()  # drop pooled connections to the default broker
    yield client
    monkeypatch.undo()
    app.close()


def test_push_webhook_worker_updates_only_the_edited_guide(origin, tmp_path, redis_broker):
    source = SourceFactory(name="team", url=origin.path.as_uri())
    assert source_sync(source=source, trigger="command").status == "succeeded"
    learner = UserFactory()
    kept = TaskItem.objects.get(text="Run a broker locally")  # in Queues.md, never edited
    TaskProgressFactory(user=learner, item=kept)
    queues_stamp = Guide.objects.get(source_path="team/Queues.md").updated_at

    log = tmp_path / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel", "INFO",
               "--without-gossip", "--without-mingle", "--without-heartbeat",
               "--pool", "prefork", "--concurrency", "2", "--prefetch-multiplier", "1"]  # fmt: skip
    worker = subprocess.Popen(
        command, cwd=ROOT, env=worker_env(tmp_path), stdout=log.open("ab"),
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    client = Client()
    try:
        # 1. One push that edits one guide, one signed webhook.
        origin.write({"Caching.md": CACHING.replace("keep hot data close", "keep data nearby")})
        edited = origin.commit("Reword caching")
        body = json.dumps({"ref": "refs/heads/main", "after": edited}).encode()
        response = client.post(
            "/sources/team/webhook/", body, content_type="application/json",
            **signed(body, source.webhook_secret),
        )  # fmt: skip
        assert response.status_code == 202
        wait_for(lambda: SyncRun.objects.filter(commit=edited).exists(), log, "the sync")
        wait_for(lambda: SyncRun.objects.get(commit=edited).finished_at is not None, log, "its end")

        run = SyncRun.objects.get(commit=edited)
        assert (run.status, run.trigger) == ("succeeded", "webhook")
        assert (run.guides_created, run.guides_updated, run.guides_archived) == (0, 1, 0)
        statuses = {g["path"]: g["status"] for g in run.report["guides"]}
        assert statuses["Caching.md"] == "updated" and statuses["Queues.md"] == "unchanged"
        assert "keep data nearby" in Guide.objects.get(source_path="team/Caching.md").body_html
        assert Guide.objects.get(source_path="team/Queues.md").updated_at == queues_stamp
        assert TaskProgress.objects.get(user=learner, item=kept).state == "done"

        # 2. Two webhooks at once for one push: two tasks, one lock, one sync.
        origin.write({"Queues.md": QUEUES + "\n## Further reading\n\nThe broker docs.\n"})
        second = origin.commit("Further reading")
        body = json.dumps({"ref": "refs/heads/main", "after": second}).encode()
        for _ in range(2):
            response = client.post(
                "/sources/team/webhook/", body, content_type="application/json",
                **signed(body, source.webhook_secret),
            )  # fmt: skip
            assert response.status_code == 202
        wait_for(lambda: finished_tasks(log) >= 3, log, "both tasks of the second push")
        wait_for(lambda: broker_idle(redis_broker), log, "the worker to finish every task")
        assert SyncRun.objects.filter(commit=second).count() == 1
        assert "succeeded in" in log.read_text() and "'unchanged'" in log.read_text()
        assert SyncRun.objects.get(commit=second).guides_updated == 1
        assert TaskProgress.objects.get(user=learner, item=kept).state == "done"
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=5)

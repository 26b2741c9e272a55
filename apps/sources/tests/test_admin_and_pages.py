"""The admin (status, Sync now, run reports), the commit note on a guide page, the commands,
and beat's polling."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.sources import tasks
from apps.sources.models import Source, SyncRun
from apps.sources.services import source_sync, sources_claim_due

from .conftest import CACHING
from .factories import SourceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client() -> Client:
    staff = User.objects.create_user(
        email="editor@example.com", password="pw", is_staff=True,
        is_superuser=True,
    )  # fmt: skip
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def queued(monkeypatch):
    calls: list[tuple] = []
    monkeypatch.setattr(tasks.source_sync_task, "delay", lambda *args: calls.append(args))
    return calls


@pytest.fixture
def synced(origin, source):
    source_sync(source=source, trigger="command")
    origin.write({"Caching.md": CACHING + "\n- [ ] Warm the cache\n"})
    origin.remove("Queues.md")
    origin.commit("Add an exercise, drop queues")
    source_sync(source=source, trigger="command")
    source.refresh_from_db()
    return source


def test_admin_shows_status_runs_and_reports(staff_client, synced):
    page = staff_client.get(reverse("admin:sources_source_change", args=[synced.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert synced.last_commit in html
    assert "/sources/team/webhook/" in html
    assert "guides +0 ~1 -1; items +1 -2" in html  # the second run, in the runs inline
    assert 'action="/admin/sources/source/' in html and "Sync now" in html
    assert 'name="name"' not in html  # the label of its guides: never renamed
    assert 'name="url"' in html
    assert '"timings_ms"' in json.dumps(synced.runs.first().report)

    listing = staff_client.get(reverse("admin:sources_source_changelist")).content.decode()
    assert synced.last_commit[:12] in listing

    run = synced.runs.order_by("-started_at").first()
    report = staff_client.get(reverse("admin:sources_syncrun_change", args=[run.pk]))
    text = report.content.decode()
    assert "Add an exercise, drop queues" in text
    assert "updated: Caching.md" in text
    assert "&quot;commit&quot;: &quot;" + run.commit in text


def test_sync_now_is_a_post_that_queues_a_sync(
    staff_client, source, queued, django_capture_on_commit_callbacks
):
    url = reverse("admin:sources_source_sync", args=[source.pk])
    assert staff_client.get(url).status_code == 302
    assert queued == []
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url)
    assert response.status_code == 302
    assert queued == [(source.pk, SyncRun.Trigger.ADMIN)]
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("admin:sources_source_changelist"),
            {"action": "sync_now", "_selected_action": [source.pk]},
        )
    assert queued[-1] == (source.pk, SyncRun.Trigger.ADMIN)


def test_learners_cannot_reach_the_sources_admin(source, queued):
    client = Client()
    client.force_login(UserFactory())
    response = client.post(reverse("admin:sources_source_sync", args=[source.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert queued == []


def test_the_admin_form_refuses_a_dangerous_url(staff_client):
    response = staff_client.post(
        reverse("admin:sources_source_add"),
        {"name": "evil", "url": "ext::sh -c id", "branch": "main", "poll_interval": 300,
         "is_enabled": "on", "runs-TOTAL_FORMS": 0, "runs-INITIAL_FORMS": 0},
    )  # fmt: skip
    assert response.status_code == 200
    assert "git&#x27;s &#x27;ext::&#x27; transport is not allowed" in response.content.decode()
    assert not Source.objects.exists()


def test_staff_see_the_commit_on_a_guide_page_and_learners_do_not(staff_client, synced):
    url = "/guides/caching/"
    page = staff_client.get(url).content.decode()
    assert "data-source-commit" in page
    assert f'at commit <code title="{synced.last_commit}">{synced.last_commit[:12]}</code>' in page
    learner = Client()
    learner.force_login(UserFactory())
    assert "data-source-commit" not in learner.get(url).content.decode()
    assert "data-source-commit" not in Client().get(url).content.decode()


def test_source_add_list_and_sync_commands(origin):
    out = StringIO()
    call_command("source_add", "cli", origin.path.as_uri(), "--webhook-secret", "x", stdout=out)
    assert "Created source cli" in out.getvalue()
    call_command("source_add", "cli", str(origin.path), "--branch", "main", stdout=out)
    assert "Updated source cli" in out.getvalue()
    assert Source.objects.get(name="cli").webhook_secret == "x"  # kept when not given

    out = StringIO()
    call_command("source_sync", "cli", "--json", stdout=out)
    data = json.loads(out.getvalue())
    head = origin.run("rev-parse", "HEAD", cwd=origin.clone)
    assert data["commit"] == head and data["status"] == "succeeded"
    assert data["totals"]["created"] == 2
    assert {g["path"] for g in data["guides"]} >= {"Queues.md", "Caching.md"}

    out = StringIO()
    call_command("source_sync", "cli", stdout=out)
    assert f"cli: already at {head[:12]}" in out.getvalue()

    out = StringIO()
    call_command("source_list", stdout=out)
    assert f"cli  {origin.path}  main  commit {head[:12]}" in out.getvalue()


def test_commands_report_bad_input(origin):
    with pytest.raises(CommandError, match="'ext::' transport is not allowed"):
        call_command("source_add", "bad", "ext::sh -c id")
    with pytest.raises(CommandError, match="no source named 'ghost'"):
        call_command("source_sync", "ghost")
    SourceFactory(name="broken", url=str(origin.path), branch="gone")
    with pytest.raises(CommandError, match="couldn't find remote ref refs/heads/gone"):
        call_command("source_sync", "broken", stdout=StringIO())
    out = StringIO()
    call_command("source_list", stdout=out)
    assert "last error: git fetch failed" in out.getvalue()


def test_beat_polls_each_due_source_once_per_interval(sources_settings, monkeypatch):
    now = timezone.now()
    due = SourceFactory(poll_interval=60, next_poll_at=now - timedelta(seconds=1))
    SourceFactory(poll_interval=60, next_poll_at=now + timedelta(seconds=30))
    SourceFactory(poll_interval=0, next_poll_at=now - timedelta(hours=1))  # webhooks only
    SourceFactory(is_enabled=False, next_poll_at=now - timedelta(hours=1))
    sent: list[tuple] = []
    monkeypatch.setattr(tasks.source_sync_task, "delay", lambda *args: sent.append(args))

    assert tasks.sources_poll_task() == 1
    assert sent == [(due.pk, "poll")]
    due.refresh_from_db()
    assert due.next_poll_at >= now + timedelta(seconds=59)
    assert sources_claim_due(now=now) == []  # a second beat in the same slot finds nothing
    schedule = settings.CELERY_BEAT_SCHEDULE["sources-poll"]
    assert schedule["task"] == "apps.sources.tasks.sources_poll_task"

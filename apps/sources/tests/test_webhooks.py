"""POST /sources/NAME/webhook/: GitHub, GitLab and Gitea signatures, pings, branches, limits."""

import hashlib
import hmac
import json

import pytest
from django.test import Client

from apps.sources import tasks
from apps.sources.models import SyncRun

from .factories import SourceFactory

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-tests"


@pytest.fixture
def queued(monkeypatch):
    calls: list[tuple] = []
    monkeypatch.setattr(tasks.source_sync_task, "delay", lambda *args: calls.append(args))
    return calls


@pytest.fixture
def source():
    return SourceFactory(name="team", url="https://example.com/team/guides.git")


def push(ref="refs/heads/main") -> bytes:
    return json.dumps({"ref": ref, "after": "0" * 40, "commits": []}).encode()


def github(body: bytes, secret: str = SECRET, event: str = "push") -> dict:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"HTTP_X_GITHUB_EVENT": event, "HTTP_X_HUB_SIGNATURE_256": f"sha256={digest}"}


def gitea(body: bytes, secret: str = SECRET, header: str = "GITEA") -> dict:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {f"HTTP_X_{header}_EVENT": "push", f"HTTP_X_{header}_SIGNATURE": digest}


def gitlab(token: str = SECRET) -> dict:
    return {"HTTP_X_GITLAB_EVENT": "Push Hook", "HTTP_X_GITLAB_TOKEN": token}


def post(client, body: bytes, headers: dict, name: str = "team"):
    return client.post(
        f"/sources/{name}/webhook/", body, content_type="application/json", **headers
    )


@pytest.mark.parametrize(
    "headers",
    [github, gitea, lambda body: gitea(body, header="FORGEJO"), lambda body: gitlab()],
    ids=["github", "gitea", "forgejo", "gitlab"],
)
def test_a_signed_push_to_the_branch_queues_one_sync(
    source, queued, headers, django_capture_on_commit_callbacks
):
    body = push()
    csrf_client = Client(enforce_csrf_checks=True)  # exempt: forges send no token
    with django_capture_on_commit_callbacks(execute=True):
        response = post(csrf_client, body, headers(body))
    assert response.status_code == 202
    assert response.json() == {"queued": "team"}
    assert queued == [(source.pk, SyncRun.Trigger.WEBHOOK)]


def test_a_github_ping_answers_200_and_queues_nothing(client, source, queued):
    body = json.dumps({"zen": "Keep it simple.", "hook_id": 1}).encode()
    response = post(client, body, github(body, event="ping"))
    assert response.status_code == 200
    assert response.json()["event"] == "ping"
    assert queued == []


def test_a_push_to_another_branch_is_ignored(client, source, queued):
    body = push("refs/heads/feature")
    response = post(client, body, github(body))
    assert response.status_code == 200
    assert "is not main" in response.json()["ignored"]
    assert queued == []


@pytest.mark.parametrize(
    "headers",
    [
        lambda body: github(body, secret="wrong"),
        lambda body: {**github(push("refs/heads/other")), "HTTP_X_GITHUB_EVENT": "push"},
        lambda body: gitea(body, secret="wrong"),
        lambda body: gitlab("wrong"),
        lambda body: {"HTTP_X_HUB_SIGNATURE_256": "sha256="},
        lambda body: {"HTTP_X_HUB_SIGNATURE_256": "sha1=deadbeef"},
        lambda body: {"HTTP_X_GITHUB_EVENT": "push"},
        lambda body: {},
    ],
    ids=[
        "github-wrong-secret", "github-signature-of-another-body", "gitea-wrong-secret",
        "gitlab-wrong-token", "empty-signature", "sha1", "no-signature", "no-headers",
    ],
)  # fmt: skip
def test_a_bad_or_missing_signature_is_refused_and_does_nothing(client, source, queued, headers):
    body = push()
    response = post(client, body, headers(body))
    assert response.status_code == 403
    assert response.json() == {"error": "bad or missing signature"}
    assert queued == []


def test_a_source_without_a_secret_refuses_every_webhook(client, queued):
    SourceFactory(name="open", url="https://example.com/r.git", webhook_secret="")
    body = push()
    assert post(client, body, github(body, secret=""), name="open").status_code == 403
    assert post(client, body, gitlab(""), name="open").status_code == 403
    assert queued == []


def test_an_unknown_or_disabled_source_answers_like_a_bad_signature(client, source, queued):
    body = push()
    assert post(client, body, github(body), name="nobody").status_code == 403
    source.is_enabled = False
    source.save()
    assert post(client, body, github(body)).status_code == 403
    assert queued == []


def test_only_post_is_allowed(client, source):
    assert client.get("/sources/team/webhook/").status_code == 405


def test_webhooks_are_rate_limited_per_address(client, source, queued, settings):
    settings.SOURCES_WEBHOOK_RATE_LIMIT = 3
    body = push("refs/heads/other")
    codes = [post(client, body, github(body)).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert post(other, body, github(body)).status_code == 200

"""Syncing real repositories: file://, git daemon, force-pushes, deletions, failures, limits."""

import base64
import http.server
import threading
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from apps.guides.models import Guide, TaskItem
from apps.progress.models import TaskProgress
from apps.progress.tests.factories import TaskProgressFactory
from apps.sources.models import SyncRun
from apps.sources.services import ADVISORY_LOCK_NAMESPACE, source_sync

from .conftest import CACHING
from .factories import SourceFactory, UserFactory

pytestmark = pytest.mark.django_db


def sync(source, **kwargs):
    return source_sync(source=source, trigger=SyncRun.Trigger.COMMAND, **kwargs)


def library(label="team") -> dict[str, tuple[bool, str]]:
    return {
        guide.source_path: (guide.is_archived, guide.title)
        for guide in Guide.objects.filter(source_path__startswith=f"{label}/")
    }


def test_first_sync_imports_the_branch_and_records_the_run(origin, source):
    outcome = sync(source)

    assert outcome.status == "succeeded", outcome
    head = origin.run("rev-parse", "HEAD", cwd=origin.clone)
    assert outcome.commit == head
    assert library() == {
        "team/Queues.md": (False, "Message Queues"),
        "team/Caching.md": (False, "Caching"),
    }
    run = SyncRun.objects.get()
    assert (run.commit, run.commit_author, run.commit_message) == (
        head,
        "Ada Author <ada@example.com>",
        "First guides",
    )
    assert (run.guides_created, run.guides_updated, run.guides_archived) == (2, 0, 0)
    assert (run.items_added, run.items_archived) == (4, 0)
    assert run.report["commit"] == head
    assert {g["path"]: g["status"] for g in run.report["guides"]}["Queues.md"] == "created"
    assert run.import_run is not None and run.duration_ms is not None
    source.refresh_from_db()
    assert (source.last_commit, source.last_error) == (head, "")
    assert source.last_synced_at is not None


def test_a_sync_with_no_new_commit_imports_nothing(origin, source, django_assert_max_num_queries):
    sync(source)
    with django_assert_max_num_queries(6):  # lock, reload, save, unlock: no import at all
        outcome = sync(source)
    assert outcome.status == "unchanged"
    assert SyncRun.objects.count() == 1


def test_one_edited_guide_is_updated_and_progress_on_both_is_kept(origin, source):
    sync(source)
    learner = UserFactory()
    queues_item = TaskItem.objects.get(text="Run a broker locally")
    caching_item = TaskItem.objects.get(text="Measure the hit ratio")
    for item in (queues_item, caching_item):
        TaskProgressFactory(user=learner, item=item)
    queues_before = Guide.objects.get(source_path="team/Queues.md").updated_at

    origin.write({"Caching.md": CACHING.replace("keep hot data close", "keep hot data near")})
    origin.commit("Reword the caching summary")
    outcome = sync(source)

    assert outcome.status == "succeeded"
    assert outcome.changes == {
        "guides_created": 0,
        "guides_updated": 1,
        "guides_archived": 0,
        "items_added": 0,
        "items_archived": 0,
    }
    statuses = {g["path"]: g["status"] for g in outcome.report["guides"]}
    assert statuses["Caching.md"] == "updated" and statuses["Queues.md"] == "unchanged"
    assert Guide.objects.get(source_path="team/Queues.md").updated_at == queues_before
    assert "keep hot data near" in Guide.objects.get(source_path="team/Caching.md").body_html
    assert set(TaskProgress.objects.values_list("item_id", "state")) == {
        (queues_item.pk, "done"),
        (caching_item.pk, "done"),
    }


def test_a_deleted_file_is_archived_with_its_progress(origin, source):
    sync(source)
    learner = UserFactory()
    item = TaskItem.objects.get(text="Add a read-through cache")
    TaskProgressFactory(user=learner, item=item)

    origin.remove("Caching.md")
    origin.commit("Drop the caching guide")
    outcome = sync(source)

    assert outcome.status == "succeeded"
    assert outcome.changes["guides_archived"] == 1
    assert library()["team/Caching.md"] == (True, "Caching")
    assert TaskProgress.objects.get(user=learner).item_id == item.pk


def test_a_force_push_with_a_renamed_file_is_followed(origin, source):
    sync(source)
    learner = UserFactory()
    kept = TaskItem.objects.get(text="Publish ten messages")
    TaskProgressFactory(user=learner, item=kept)

    # Rewrite history: a new root commit where Queues.md moved into a folder.
    origin.run("checkout", "--quiet", "--orphan", "rewritten", cwd=origin.clone)
    origin.run("mv", "Queues.md", "Messaging.md", cwd=origin.clone)
    new_head = origin.commit("Rewritten history")  # pushed with --force onto main
    outcome = sync(source)

    assert outcome.status == "succeeded", outcome
    assert outcome.commit == new_head
    now = library()
    assert now["team/Messaging.md"] == (False, "Message Queues")
    # The old path is archived (never deleted), or the importer followed the move.
    assert now.get("team/Queues.md", (True, ""))[0] is True
    assert TaskProgress.objects.filter(user=learner, item=kept).exists()


def test_a_sub_folder_is_imported_alone_and_changes_outside_it_are_ignored(
    origin, sources_settings
):
    origin.write({"docs/Queues.md": origin.clone.joinpath("Queues.md").read_text()})
    origin.commit("Docs folder")
    source = SourceFactory(name="docs-only", url=origin.path.as_uri(), subpath="docs")
    assert sync(source).status == "succeeded"
    assert library("docs-only") == {"docs-only/Queues.md": (False, "Message Queues")}

    origin.write({"Elsewhere.md": "# Elsewhere\n\nNot in docs.\n"})
    head = origin.commit("Outside the folder")
    outcome = sync(source)
    assert outcome.status == "unchanged"
    source.refresh_from_db()
    assert source.last_commit == head
    assert SyncRun.objects.filter(source=source).count() == 1


def test_the_real_git_protocol_through_git_daemon(origin, git_daemon, sources_settings):
    sources_settings.SOURCES_ALLOWED_SCHEMES = ["https", "ssh", "git"]
    source = SourceFactory(name="daemon", url=git_daemon)

    refused = sync(source)
    assert refused.status == "failed"
    assert "127.0.0.1, a private or loopback address" in refused.error

    sources_settings.SOURCES_ALLOW_PRIVATE_HOSTS = True
    outcome = sync(source)
    assert outcome.status == "succeeded", outcome.error
    assert set(library("daemon")) == {"daemon/Queues.md", "daemon/Caching.md"}
    origin.write({"Queues.md": origin.clone.joinpath("Queues.md").read_text() + "\nMore.\n"})
    origin.commit("More on queues")
    assert sync(source).changes["guides_updated"] == 1


def assert_nothing_changed(source, before: dict, commit: str) -> None:
    assert library(source.name) == before
    source.refresh_from_db()
    assert source.last_commit == commit


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"url": "/nonexistent/elsewhere.git"},
            "outside the folders allowed by SOURCES_LOCAL_ROOTS",
        ),
        ({"branch": "no-such-branch"}, "couldn't find remote ref refs/heads/no-such-branch"),
        ({"subpath": "missing"}, "the folder 'missing' is not in commit"),
        ({"url": "ext::sh -c touch% /tmp/pwned"}, "git's 'ext::' transport is not allowed"),
        ({"url": "fd::3"}, "git's 'fd::' transport is not allowed"),
        ({"url": "http://example.com/repo.git"}, "'http://' URLs are not allowed"),
        ({"url": "https://user:tok@example.com/r.git"}, "credentials are not allowed in the URL"),
        ({"url": "https://127.0.0.1/r.git"}, "private or loopback address"),
        ({"url": "https://localhost/r.git"}, "private or loopback address"),
        ({"url": "ssh://-oProxyCommand=touch%20/tmp/pwned/x"}, "git would take for an option"),
        ({"url": "relative/path.git"}, "not a URL git can fetch"),
    ],
)
def test_a_failed_sync_changes_nothing_and_says_why(origin, source, change, message):
    first = sync(source)
    before = library()
    for field, value in change.items():
        setattr(source, field, value)
    source.save()

    outcome = sync(source)

    assert outcome.status == "failed"
    assert message in outcome.error
    assert_nothing_changed(source, before, first.commit)
    run = SyncRun.objects.filter(status="failed").get()
    assert message in run.error
    assert message in source.last_error
    assert not Path("/tmp/pwned").exists()


def test_an_unreachable_remote(origin, source, tmp_path):
    first = sync(source)
    before = library()
    source.url = (tmp_path / "remote" / "gone.git").as_uri()
    source.save()
    outcome = sync(source)
    assert outcome.status == "failed"
    assert "does not appear to be a git repository" in outcome.error
    assert_nothing_changed(source, before, first.commit)


@pytest.mark.parametrize(
    ("limit", "value", "message"),
    [
        ("SOURCES_MAX_FILES", 1, "the tree has 2 files, over the limit of 1"),
        ("SOURCES_MAX_TREE_BYTES", 100, "over the 100-byte limit (SOURCES_MAX_TREE_BYTES)"),
        ("SOURCES_MAX_REPO_BYTES", 1, "over the 1-byte limit (SOURCES_MAX_REPO_BYTES)"),
    ],
)
def test_a_tree_over_the_limits_is_refused(origin, source, sources_settings, limit, value, message):
    setattr(sources_settings, limit, value)
    outcome = sync(source)
    assert outcome.status == "failed"
    assert message in outcome.error
    assert library() == {}


def test_a_symlink_in_the_repository_is_not_followed(origin, source):
    secret = Path("/etc/hostname").read_text() if Path("/etc/hostname").exists() else ""
    (origin.clone / "Leak.md").symlink_to("/etc/hostname")
    origin.commit("A symlink to a server file")
    sync(source)
    checkout = Path(source_checkout(source)) / "Leak.md"
    assert not checkout.is_symlink()
    assert checkout.read_text() == "/etc/hostname"
    leaked = Guide.objects.filter(source_path="team/Leak.md").first()
    assert leaked is None or (secret.strip() not in leaked.markdown_source or not secret.strip())


def source_checkout(source) -> Path:
    from django.conf import settings

    return Path(settings.SOURCES_ROOT) / source.name / "tree" / source.name


def test_a_second_sync_while_one_runs_is_busy(origin, source):
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    other = psycopg.connect(**params, autocommit=True)
    try:
        other.execute(
            "SELECT pg_advisory_lock(%s, %s)", [ADVISORY_LOCK_NAMESPACE, source.pk % 2**31]
        )
        assert sync(source).status == "busy"
        assert SyncRun.objects.count() == 0
        other.execute(
            "SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_LOCK_NAMESPACE, source.pk % 2**31]
        )
    finally:
        other.close()
    assert sync(source).status == "succeeded"


class AuthRecorder(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):
        self.seen.append(self.headers.get("Authorization", ""))
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="git"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_https_credentials_come_from_the_environment_and_never_show(
    origin, sources_settings, monkeypatch
):
    token = "ghp_not-a-real-token-0123456789"
    monkeypatch.setenv("TEAM_GIT_TOKEN", token)
    sources_settings.SOURCES_ALLOWED_SCHEMES = ["https", "ssh", "http"]
    sources_settings.SOURCES_ALLOW_PRIVATE_HOSTS = True
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AuthRecorder)
    AuthRecorder.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        source = SourceFactory(
            name="private",
            url=f"http://127.0.0.1:{server.server_address[1]}/team/guides.git",
            credential_env="TEAM_GIT_TOKEN",
        )
        outcome = sync(source)
    finally:
        server.shutdown()
    sent = [base64.b64decode(h.split()[1]).decode() for h in AuthRecorder.seen if h]
    assert f"x-access-token:{token}" in sent  # git asked our askpass, which read the env
    assert outcome.status == "failed"
    assert "Authentication failed" in outcome.error
    run = SyncRun.objects.get(source=source)
    source.refresh_from_db()
    for text in (outcome.error, run.error, str(run.report), source.last_error, source.url):
        assert token not in text


def test_a_missing_credential_variable_fails_clearly(origin, sources_settings):
    source = SourceFactory(
        name="nocred", url="https://example.com/team/guides.git", credential_env="NOT_SET_ANYWHERE"
    )
    sources_settings.SOURCES_ALLOW_PRIVATE_HOSTS = True
    outcome = sync(source)
    assert outcome.status == "failed"
    assert outcome.error == "the environment variable NOT_SET_ANYWHERE is not set"


def test_an_importer_crash_is_recorded_and_the_next_sync_retries(origin, source, monkeypatch):
    from apps.sources import services

    def crash(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "guides_import", crash)
    outcome = sync(source)
    assert outcome.status == "failed"
    assert outcome.error.endswith("failed: RuntimeError: disk on fire")
    assert list(SyncRun.objects.values_list("status", flat=True)) == ["failed"]
    source.refresh_from_db()
    assert source.last_tree == ""  # so the next sync imports this tree again

    monkeypatch.undo()
    assert sync(source).status == "succeeded"

"""Content management in the admin: staff only, imports (folder and zip), publishing, preview,
Markdown edits that keep progress, and the audit trail."""

import io
import stat
import zipfile

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.tests.factories import UserFactory
from apps.core.models import AuditEvent
from apps.guides.models import Guide, ImportRun, TaskItem
from apps.guides.services import guides_import
from apps.progress.models import TaskProgress
from apps.progress.tests.factories import TaskProgressFactory

pytestmark = pytest.mark.django_db

GUIDE = """# Message Queues

Queues decouple producers from consumers.

## Exercises

- [ ] Run a broker locally
- [ ] Publish ten messages to the queue

## Glossary

| Term | Description | Use this when | Like |
|------|-------------|---------------|------|
| Producer | Sends messages | Emitting events | A letter writer |
"""


@pytest.fixture
def staff(db) -> User:
    return UserFactory(email="editor@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(staff: User) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def _zip(files: dict[str, bytes | str], *, symlinks: dict[str, str] | None = None) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, content in files.items():
            bundle.writestr(name, content)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            bundle.writestr(info, target)
    buffer.seek(0)
    buffer.name = "team-guides.zip"
    return buffer


def _upload(client: Client, archive: io.BytesIO, *, dry_run: bool = False):
    data = {"source": "upload", "archive": archive}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("admin:guides_importrun_run"), data, follow=True)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/guides/guide/",
        "/admin/guides/track/",
        "/admin/guides/section/",
        "/admin/guides/glossaryterm/",
        "/admin/guides/taskitem/",
        "/admin/guides/importrun/",
        "/admin/guides/importrun/run/",
        "/admin/progress/taskprogress/",
        "/admin/progress/sectionread/",
        "/admin/progress/activityday/",
        "/admin/progress/learnerstate/",
        "/admin/core/auditevent/",
    ],
)
def test_admin_pages_are_staff_only(url: str, staff_client: Client, client: Client) -> None:
    assert staff_client.get(url).status_code == 200
    learner = UserFactory(email="l@example.com")
    client.force_login(learner)
    response = client.get(url)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_zip_upload_imports_and_shows_the_stored_report(staff_client: Client, staff) -> None:
    archive = _zip({"queues/message-queues.md": GUIDE, "queues/README.md": "# Queues\n"})
    response = _upload(staff_client, archive)
    assert response.status_code == 200
    run = ImportRun.objects.get()
    assert response.redirect_chain[-1][0] == reverse("admin:guides_importrun_change", args=[run.pk])
    assert run.started_by == staff
    assert run.source == "upload-team-guides (uploaded team-guides.zip)"
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.report["totals"]["created"] == 1
    page = response.content.decode()
    assert "message-queues.md" in page
    assert "1 created" in page
    assert "&quot;dry_run&quot;: false" in page  # the stored JSON report
    guide = Guide.objects.get()
    assert guide.source_path.startswith("upload-team-guides/")
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORTED)
    assert event.actor == staff
    assert event.actor_label == "editor@example.com"
    assert "1 created" in event.message


def test_zip_dry_run_shows_the_report_and_writes_nothing(staff_client: Client) -> None:
    response = _upload(staff_client, _zip({"a.md": GUIDE}), dry_run=True)
    assert response.status_code == 200
    assert "Dry run report" in response.content.decode()
    assert not Guide.objects.exists()
    assert not ImportRun.objects.exists()


BAD_ARCHIVES = {
    "traversal": ({"../escape.md": GUIDE}, "'..' in paths is not allowed"),
    "nested traversal": ({"docs/../../escape.md": GUIDE}, "'..' in paths is not allowed"),
    "absolute": ({"/etc/evil.md": GUIDE}, "absolute paths are not allowed"),
    "drive letter": ({"C:/evil.md": GUIDE}, "absolute paths are not allowed"),
    "backslash": ({"docs\\..\\evil.md": GUIDE}, "backslashes in paths are not allowed"),
    "not markdown": ({"a.md": GUIDE, "run.sh": "rm -rf /"}, "only Markdown files"),
    "empty": ({"notes.txt/": ""}, "no Markdown"),
}


@pytest.mark.parametrize("case", BAD_ARCHIVES)
def test_bad_archives_are_refused_whole(case: str, staff_client: Client, guide_repo) -> None:
    guides_import(path=guide_repo({"existing.md": GUIDE}))
    before = list(Guide.objects.values_list("pk", "content_hash", "is_archived"))
    files, reason = BAD_ARCHIVES[case]
    response = _upload(staff_client, _zip(files))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert reason.replace("'", "&#x27;") in page
    assert list(Guide.objects.values_list("pk", "content_hash", "is_archived")) == before
    assert ImportRun.objects.count() == 1  # only the setup import


def test_symlink_in_archive_is_refused(staff_client: Client) -> None:
    response = _upload(staff_client, _zip({"a.md": GUIDE}, symlinks={"b.md": "/etc/passwd"}))
    assert "symbolic links are not allowed" in response.content.decode()
    assert not Guide.objects.exists()


def test_oversized_archive_and_files_are_refused(staff_client: Client, settings) -> None:
    settings.GUIDE_UPLOAD_MAX_BYTES = 1000
    response = _upload(staff_client, _zip({"a.md": GUIDE + "x" * 5000}))
    assert "over the 1,000-byte limit" in response.content.decode()
    settings.GUIDE_UPLOAD_MAX_BYTES = 10_000_000
    settings.GUIDE_MAX_BYTES = 2000
    # Compresses to almost nothing: the expanded size is what is checked.
    response = _upload(staff_client, _zip({"a.md": GUIDE, "bomb.md": "a" * 5_000_000}))
    assert "bomb.md: 5,000,000 bytes, over the 2,000-byte limit" in response.content.decode()
    assert not Guide.objects.exists()


def test_not_a_zip_is_refused(staff_client: Client) -> None:
    fake = io.BytesIO(b"# just markdown")
    fake.name = "guides.zip"
    response = _upload(staff_client, fake)
    assert "this is not a zip archive" in response.content.decode()


def test_reimport_of_configured_folder_from_the_admin(
    staff_client: Client, guide_repo, settings
) -> None:
    root = guide_repo({"message-queues.md": GUIDE})
    settings.GUIDE_IMPORT_PATHS = [str(root)]
    page = staff_client.get(reverse("admin:guides_importrun_run")).content.decode()
    assert str(root) in page
    response = staff_client.post(
        reverse("admin:guides_importrun_run"), {"source": str(root)}, follow=True
    )
    assert response.status_code == 200
    assert Guide.objects.filter(slug="message-queues").exists()
    assert ImportRun.objects.get().report["source"] == str(root)
    # A path that is not offered is not accepted, whatever is posted.
    response = staff_client.post(reverse("admin:guides_importrun_run"), {"source": "/etc"})
    assert "Select a valid choice" in response.content.decode()


def test_publish_and_unpublish_actions_are_logged(staff_client: Client, guide_repo) -> None:
    guides_import(path=guide_repo({"message-queues.md": GUIDE}))
    guide = Guide.objects.get()
    url = reverse("admin:guides_guide_changelist")
    staff_client.post(url, {"action": "unpublish", "_selected_action": [guide.pk]})
    guide.refresh_from_db()
    assert guide.is_published is False
    assert Client().get(guide.get_absolute_url()).status_code == 404
    staff_client.post(url, {"action": "publish", "_selected_action": [guide.pk]})
    guide.refresh_from_db()
    assert guide.is_published is True
    messages = list(
        AuditEvent.objects.filter(object_id=str(guide.pk)).values_list("message", flat=True)
    )
    assert messages == ["Published", "Unpublished"]
    assert LogEntry.objects.filter(object_id=str(guide.pk)).count() == 2


def test_preview_shows_an_unpublished_guide_as_a_learner_sees_it(
    staff_client: Client, guide_repo
) -> None:
    guides_import(path=guide_repo({"message-queues.md": GUIDE}))
    guide = Guide.objects.get()
    guide.is_published = False
    guide.save()
    response = staff_client.get(reverse("admin:guides_guide_preview", args=[guide.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Preview: this is the page a signed-out learner sees" in page
    assert "Run a broker locally" in page
    assert "My notes" not in page
    assert staff_client.get(reverse("admin:guides_guide_preview", args=[99999])).status_code == 404


def test_editing_markdown_rerenders_and_keeps_progress(
    staff_client: Client, staff, guide_repo
) -> None:
    guides_import(path=guide_repo({"message-queues.md": GUIDE}))
    guide = Guide.objects.get()
    learner = UserFactory(email="l@example.com")
    item = TaskItem.objects.get(guide=guide, text__startswith="Publish ten")
    TaskProgressFactory(user=learner, item=item)

    edited = GUIDE.replace("Publish ten messages to the queue", "Publish ten mesages to the queue")
    edited = edited.replace("Queues decouple", "Queues **really** decouple")
    url = reverse("admin:guides_guide_change", args=[guide.pk])
    response = staff_client.post(
        url,
        {
            "track": guide.track_id,
            "position": guide.position,
            "is_published": "on",
            "markdown_source": edited,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    guide.refresh_from_db()
    assert "<strong>really</strong>" in guide.body_html
    progress = TaskProgress.objects.get(user=learner)
    assert progress.item_id == item.pk
    assert progress.item.text == "Publish ten mesages to the queue"
    assert progress.state == TaskProgress.State.DONE
    event = AuditEvent.objects.get(action=AuditEvent.Action.CHANGED)
    assert event.actor == staff
    assert "Markdown source" in event.message or "markdown" in event.message.lower()


def test_markdown_that_cannot_render_is_a_form_error(
    staff_client: Client, guide_repo, settings
) -> None:
    guides_import(path=guide_repo({"message-queues.md": GUIDE}))
    guide = Guide.objects.get()
    settings.GUIDE_MAX_BYTES = 100
    response = staff_client.post(
        reverse("admin:guides_guide_change", args=[guide.pk]),
        {"track": guide.track_id, "position": 0, "is_published": "on", "markdown_source": GUIDE},
    )
    assert response.status_code == 200
    assert "over the 100-byte limit" in response.content.decode()
    guide.refresh_from_db()
    assert guide.markdown_source == GUIDE

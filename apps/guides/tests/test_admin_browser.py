"""An editor signs in through allauth, uploads a zip of guides in the admin, reads the stored
report and previews the new guide as a learner sees it, in Chromium."""

import io
import zipfile

import pytest
from allauth.account.models import EmailAddress

from apps.accounts.models import User
from apps.guides.models import Guide, ImportRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GUIDE = """# Message Queues

Queues decouple producers from consumers.

## Exercises

- [ ] Run a broker locally
"""


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("messaging/message-queues.md", GUIDE)
    return buffer.getvalue()


def test_upload_zip_see_report_and_preview(live_server, page) -> None:
    editor = User.objects.create_user(
        email="editor@example.com", password="pw-editor-1", is_staff=True, is_superuser=True
    )
    EmailAddress.objects.create(user=editor, email=editor.email, verified=True, primary=True)

    page.goto(f"{live_server.url}/admin/")
    assert "/accounts/login/" in page.url  # the admin signs in through allauth
    page.fill("input[name=login]", editor.email)
    page.fill("input[name=password]", "pw-editor-1")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/guides/importrun/")
    page.click("text=Import guides")
    page.check("input[name=source][value=upload]")
    page.set_input_files(
        "input[name=archive]",
        files=[{"name": "team.zip", "mimeType": "application/zip", "buffer": _zip()}],
    )
    page.click("input[type=submit][value=Import]")
    page.wait_for_url("**/admin/guides/importrun/*/change/")
    run = ImportRun.objects.get()
    assert run.started_by == editor
    report = page.locator(".import-report")
    assert "messaging/message-queues.md" in report.inner_text()
    assert "created" in report.inner_text()
    assert "1 created" in page.locator(".import-totals").inner_text()

    guide = Guide.objects.get()
    page.goto(f"{live_server.url}/admin/guides/guide/{guide.pk}/change/")
    page.click("text=Preview as a learner")
    page.wait_for_url(f"**/admin/guides/guide/{guide.pk}/preview/")
    assert page.locator("h1#guide-title").inner_text() == "Message Queues"
    assert "Run a broker locally" in page.locator(".reader__article").inner_text()
    assert page.locator(".preview-banner").is_visible()

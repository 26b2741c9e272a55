"""Account emails carry the portal's name and address, never Django's "example.com"."""

import pytest
from django.contrib.sites.models import Site
from django.core import mail
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_the_site_is_named_after_the_portal_after_migrate(settings):
    site = Site.objects.get_current()
    assert site.name == "Learning Portal"
    assert site.domain == settings.PORTAL_BASE_URL.split("://", 1)[1]


@override_settings(
    PORTAL_BASE_URL="https://learn.example.org", ACCOUNT_EMAIL_VERIFICATION="mandatory"
)
def test_sign_up_email_is_branded_with_the_portal(client: Client):
    from apps.core.services import site_sync_from_settings

    site_sync_from_settings()
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert "Learning Portal" in message.subject
    assert "example.com" not in message.subject + message.body
    assert "Learning Portal" in message.body


def test_favicon_ico_leads_to_the_icon(client: Client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][1] == 301
    assert b"<svg" in b"".join(response.streaming_content)


def test_admin_sections_have_distinct_names_and_notes_stay_private(admin_client: Client):
    import re

    html = admin_client.get("/admin/").content.decode()
    sections = re.findall(r'<caption>\s*<a[^>]*class="section"[^>]*>([^<]+)</a>', html)
    assert sections and len(sections) == len(set(sections)), sections
    assert "progresss" not in html.lower()
    assert "Exercise progress" in html
    assert "/admin/notes/" not in html
    assert admin_client.get("/admin/notes/note/").status_code == 404


def test_the_footer_claims_offline_reading_only_with_a_service_worker_behind_it(client: Client):
    # The claim is proven in the browser by apps/core/tests/test_offline_browser.py; here, that
    # what it needs is served: the manifest, the worker at the root, the offline page.
    html = client.get("/").content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert "readable offline" in footer
    assert 'rel="manifest"' in html and "js/offline.js" in html
    for path in ("/manifest.webmanifest", "/sw.js", "/offline/"):
        assert client.get(path).status_code == 200, path

"""The pieces of offline reading the server provides: the worker at the site root, the manifest,
the offline page, and Clear-Site-Data when a learner signs out."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_service_worker_is_served_from_the_root_with_its_shell(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    config = json.loads(body.split("\n", 1)[0].removeprefix("const CONFIG = ").rstrip(";"))
    assert "/static/css/portal.css" in config["shell"]
    assert "/static/js/offline.js" in config["shell"]
    assert config["offline"] == "/offline/" and config["offline"] in config["shell"]
    assert 'self.addEventListener("fetch"' in body
    # A script of its own, so the site's CSP (script-src 'self') allows it.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert client.post("/sw.js").status_code == 405


def test_the_worker_version_follows_its_source(client, monkeypatch):
    from apps.core import offline

    first = client.get("/sw.js").content.decode().split("\n", 1)[0]
    monkeypatch.setattr(offline, "_worker_source", lambda: "// changed\n")
    second = client.get("/sw.js").content.decode().split("\n", 1)[0]
    prefix = len("const CONFIG = ")
    assert json.loads(first[prefix:-1])["version"] != json.loads(second[prefix:-1])["version"]


def test_the_manifest_makes_the_site_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_every_page_links_the_manifest_and_the_offline_script(client):
    body = client.get("/").content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in body
    assert "/static/js/offline.js" in body
    assert 'data-offline-user=""' in body


def test_the_offline_page_is_the_same_for_everyone(client):
    anonymous = client.get("/offline/").content.decode()
    user = UserFactory(email="ada@example.com")
    client.force_login(user)
    signed_in = client.get("/offline/").content.decode()
    assert "You are offline" in anonymous
    assert signed_in == anonymous
    assert "ada@example.com" not in signed_in


def test_signing_out_clears_the_sites_caches_and_storage(client):
    user = UserFactory(email="ada@example.com")
    client.force_login(user)
    page = client.get("/").content.decode()
    assert f'data-offline-user="{user.pk}"' in page
    assert "Clear-Site-Data" not in client.get("/")
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    # Nobody to sign out: nothing to clear (a stray POST cannot wipe a visitor's storage).
    assert "Clear-Site-Data" not in Client().post(reverse("account_logout"))

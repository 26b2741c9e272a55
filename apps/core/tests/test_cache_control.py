"""Pages for a signed-in user, and share links, are never stored by a proxy or the browser."""

import pytest
from django.test import Client

from apps.accounts.tests.conftest import make_user, sign_in
from apps.progress.services import learner_share_enable

pytestmark = pytest.mark.django_db


SIGNED_IN_PAGES = [
    "/",
    "/guides/queues/",
    "/search/?q=partition",
    "/dashboard/",
    "/progress/export.json",
    "/progress/export.md",
    "/notes/",
    "/profile/",
    "/profile/export.json",
    "/flashcards/",
    "/flashcards/review/",
    "/glossary/",
    "/reminders/",
    "/accounts/email/",
    "/accounts/sessions/",
    "/admin/",
]


def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


@pytest.fixture
def signed_in(client: Client, library) -> Client:
    make_user("ada@example.com", is_staff=True, is_superuser=True)
    sign_in(client, "ada@example.com")
    return client


@pytest.mark.parametrize("url", SIGNED_IN_PAGES)
def test_every_signed_in_page_is_private_and_not_stored(signed_in: Client, url: str) -> None:
    response = signed_in.get(url)
    assert response.status_code == 200, url
    assert no_store(response), (url, response.get("Cache-Control"))


def test_htmx_partials_and_posts_are_not_stored_either(signed_in: Client) -> None:
    response = signed_in.get(
        "/glossary/?q=part", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="glossary-results"
    )
    assert response.status_code == 200 and no_store(response)
    response = signed_in.post("/progress/share/", {"enabled": "1"})
    assert no_store(response)


def test_a_share_link_is_private_for_anonymous_visitors(client: Client, library) -> None:
    user = make_user("ada@example.com")
    response = client.get(f"/shared/{learner_share_enable(user=user)}/")
    assert response.status_code == 200
    assert no_store(response)


@pytest.mark.parametrize("url", ["/", "/guides/queues/", "/glossary/"])
def test_public_pages_stay_cacheable_for_anonymous_visitors(
    client: Client, library, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_after_signing_out_pages_are_public_again(signed_in: Client) -> None:
    response = signed_in.post("/accounts/logout/")
    assert response.status_code == 302
    assert signed_in.get("/").get("Cache-Control") is None

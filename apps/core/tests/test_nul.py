"""A NUL character (U+0000) anywhere a client can put one: never a 500. PostgreSQL text cannot
hold it, so before RejectNulMiddleware each of these reached a query and failed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.accounts.tests.conftest import make_user
from apps.guides.models import GlossaryTerm, Guide
from apps.notes.models import Note
from apps.progress.models import TaskProgress

pytestmark = pytest.mark.django_db


NUL = "\x00"

# Every query-string input of the site (search, filters, deck keys, next) and paths with a str
# converter (share tokens, glossary anchors). Each was a 500 where a query used it.
GETS = [
    "/search/?q=a%00b",
    "/glossary/?q=a%00",
    "/glossary/?guide=a%00",
    "/notes/?q=x%00",
    "/flashcards/review/?deck=guide:x%00",
    "/flashcards/review/?deck=phase:x%00",
    "/dashboard/?next=%00",
    "/guides/queues/?x%00=1",
    "/shared/ab%00cd/",
    "/glossary/queues/te%00rm/",
    "/accounts/login/?next=%00",
    "/admin/guides/guide/?q=%00",
]


@pytest.fixture
def signed_in(client: Client, library) -> Client:
    user = make_user("ada@example.com", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", GETS)
def test_a_nul_in_a_query_or_path_is_a_400(signed_in: Client, url: str) -> None:
    response = signed_in.get(url)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


@pytest.mark.parametrize("url", ["/search/?q=a%00b", "/shared/ab%00cd/", "/glossary/?q=%00"])
def test_anonymous_visitors_get_the_400_too(client: Client, library, url: str) -> None:
    assert client.get(url).status_code == 400


def post_endpoints() -> list[tuple[str, dict]]:
    term = GlossaryTerm.objects.get()
    return [
        ("/flashcards/deck/add/", {"term_anchor": "a" + NUL, "term_guide": "queues"}),
        ("/flashcards/deck/add/", {"guide": "queues" + NUL}),
        ("/flashcards/deck/add/", {"phase": "a" + NUL}),
        ("/flashcards/deck/add/", {"term": f"{term.pk}{NUL}"}),
        ("/flashcards/deck/remove/", {"term": f"{term.pk}{NUL}"}),
        ("/flashcards/review/answer/", {"deck": "guide:" + NUL, "card": 1, "reps": 0, "rating": 3}),
        ("/flashcards/review/undo/", {"deck": "phase:" + NUL}),
        ("/progress/share/", {"enabled": "1" + NUL}),
        ("/accounts/login/", {"login": "a" + NUL + "@example.com", "password": "x"}),
        ("/accounts/signup/", {"email": "b" + NUL + "@example.com", "password1": "x"}),
        ("/accounts/password/reset/", {"email": "a" + NUL + "@example.com"}),
        ("/admin/guides/guide/", {"action": "x" + NUL, "_selected_action": "1"}),
        ("/flashcards/deck/add/", {"guide" + NUL: "queues"}),
    ]


def test_a_nul_in_a_form_field_is_a_400_and_writes_nothing(signed_in: Client) -> None:
    for url, data in post_endpoints():
        response = signed_in.post(url, data)
        assert response.status_code == 400, (url, data)
        assert "NUL character" in response.content.decode(), (url, data)
    assert not TaskProgress.objects.exists()


def test_a_note_with_a_nul_is_a_form_error_that_keeps_the_text(signed_in: Client) -> None:
    guide = Guide.objects.get()
    body = "My long careful note" + NUL + " about queues"
    response = signed_in.post("/notes/new/", {"guide": guide.pk, "body_markdown": body})
    assert response.status_code == 400
    page = response.content.decode()
    assert "NUL character (U+0000)" in page
    assert "My long careful note" in page and "about queues" in page  # nothing is lost
    response = signed_in.post(
        "/notes/new/", {"guide": guide.pk, "body_markdown": "fine", "section_anchor": "a" + NUL}
    )
    assert response.status_code == 400
    assert "That section is not part of this guide." in response.content.decode()
    assert not Note.objects.exists()

    signed_in.post("/notes/new/", {"guide": guide.pk, "body_markdown": "first"})
    note = Note.objects.get()
    response = signed_in.post(f"/notes/{note.pk}/edit/", {"body_markdown": "second" + NUL})
    assert response.status_code == 400
    assert "NUL character (U+0000)" in response.content.decode()
    note.refresh_from_db()
    assert note.body_markdown == "first"


@pytest.mark.parametrize("how", ["pasted", "uploaded"])
def test_a_checklist_with_a_nul_is_refused_with_a_message(signed_in: Client, how: str) -> None:
    text = "- [x] Build an idempotent consumer" + NUL + "\n"
    if how == "pasted":
        data: dict = {"text": text}
    else:
        data = {"checklist": SimpleUploadedFile("p.md", text.encode(), "text/markdown")}
    response = signed_in.post("/progress/import/", data, follow=True)
    assert response.status_code == 200
    assert "NUL characters" in response.content.decode()
    assert not TaskProgress.objects.exists()


def test_clean_requests_pass(signed_in: Client) -> None:
    assert signed_in.get("/search/?q=partition").status_code == 200
    assert signed_in.get("/glossary/?q=partition").status_code == 200
    response = signed_in.post("/progress/import/", {"text": "- [x] Build an idempotent consumer"})
    assert response.status_code == 302
    assert TaskProgress.objects.filter(state="done").count() == 1


FORMS = [
    ("/profile/", {"display_name": "Ada" + NUL, "timezone": "UTC"},
     "Null characters are not allowed"),
    ("/profile/", {"display_name": "Ada", "timezone": "UTC" + NUL}, "Select a valid choice"),
    ("/reminders/", {"enabled": "on", "frequency": "daily", "weekdays": ["0"],
                     "local_time": "07:30", "timezone": "UTC" + NUL}, "Null characters are not"),
    ("/flashcards/settings/", {"desired_retention": "0.9", "new_cards_per_day": "2" + NUL},
     "Enter a whole number"),
    ("/reminders/", {"enabled": "on", "frequency": "daily" + NUL, "weekdays": ["0"],
                     "local_time": "07:30", "timezone": "UTC"}, "Select a valid choice"),
    ("/reminders/", {"enabled": "on", "frequency": "daily", "weekdays": ["0"],
                     "local_time": "07:30" + NUL, "timezone": "UTC"}, "Enter a time such as 07:30"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "data", "error"), FORMS)
def test_django_forms_report_a_nul_as_a_field_error(
    signed_in: Client, url: str, data: dict, error: str
) -> None:
    from apps.accounts.models import User
    from apps.flashcards.models import ReviewSettings
    from apps.reminders.models import ReminderPreference

    response = signed_in.post(url, data)
    assert response.status_code in (200, 400)
    assert error in response.content.decode()
    assert User.objects.get().display_name == ""
    assert not ReviewSettings.objects.filter(new_cards_per_day=2).exists()
    assert not ReminderPreference.objects.filter(enabled=True).exists()

"""Personal notes as a learner meets them: writing, editing, searching, and nobody else's."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.guides.models import Guide, TaskItem
from apps.notes.models import BODY_MAX_CHARS, Note
from apps.notes.selectors import notes_for_guide
from apps.notes.services import note_create
from apps.notes.tests.factories import NoteFactory

pytestmark = pytest.mark.django_db

HOSTILE = """<script>alert("x")</script>

<img src="x" onerror="alert(1)">

[click me](javascript:alert(1)) and <a href="javascript:alert(2)">this</a>
"""


def write(user: User, guide: Guide, body: str, **target) -> Note:
    return note_create(user=user, guide=guide, body_markdown=body, **target)


def task(guide: Guide, text: str) -> TaskItem:
    return TaskItem.objects.get(guide=guide, text=text)


# Writing, editing, deleting


def test_create_a_note_on_a_section_and_exercise(client, alice, queues):
    exercise = task(queues, "Build an idempotent consumer")
    response = client.post(
        reverse("notes:create"),
        {
            "guide": queues.pk,
            "section_anchor": "delivery-semantics",
            "task_item": exercise.pk,
            "body_markdown": "# Retry\n\nUse an **outbox**:\n\n```python\nx = 1\n```\n",
            "next": "/guides/queues/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/guides/queues/"
    note = Note.objects.get()
    assert (note.user, note.guide, note.section_anchor, note.task_item) == (
        alice, queues, "delivery-semantics", exercise
    )  # fmt: skip
    assert "<strong>outbox</strong>" in note.body_html
    assert 'class="highlight"' in note.body_html
    assert note.body_markdown.startswith("# Retry")

    html = client.get(reverse("notes:list")).content.decode()
    assert "<strong>outbox</strong>" in html
    assert 'href="/guides/queues/#delivery-semantics">Delivery semantics</a>' in html
    assert f'href="/guides/queues/#taskbox-{exercise.key}"' in html


def test_create_on_the_whole_guide(client, alice, queues):
    client.post(reverse("notes:create"), {"guide": queues.pk, "body_markdown": "Plain."})
    note = Note.objects.get()
    assert note.section_anchor == "" and note.task_item is None
    assert note.body_html == "<p>Plain.</p>"


def test_edit_shows_raw_markdown_and_saves(client, alice, queues):
    note = write(alice, queues, "Old *text*", section_anchor="ordering")
    form = client.get(reverse("notes:edit", args=[note.pk]))
    assert form.status_code == 200
    html = form.content.decode()
    assert "Old *text*</textarea>" in html
    assert '<option value="ordering" selected>Ordering</option>' in html

    response = client.post(
        reverse("notes:edit", args=[note.pk]),
        {"body_markdown": "New _text_", "section_anchor": "", "task_item": ""},
    )
    assert response.status_code == 302 and response["Location"] == reverse("notes:list")
    note.refresh_from_db()
    assert note.body_markdown == "New _text_"
    assert note.body_html == "<p>New <em>text</em></p>"
    assert note.section_anchor == ""
    assert Note.objects.filter(search_vector="text").exists()


def test_delete_own_note(client, alice, queues):
    note = write(alice, queues, "Bye")
    response = client.post(reverse("notes:delete", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notes:list")
    assert not Note.objects.exists()


# Rendering is sanitised


def test_hostile_markdown_is_sanitised(client, alice, queues):
    client.post(reverse("notes:create"), {"guide": queues.pk, "body_markdown": HOSTILE})
    note = Note.objects.get()
    assert note.body_markdown == HOSTILE.strip()  # kept verbatim for editing
    for stored in (note.body_html, client.get(reverse("notes:list")).content.decode()):
        assert "<script>alert" not in stored
        assert "onerror" not in stored
        assert "javascript:" not in stored
    assert "click me" in note.body_html


# Validation


def test_body_over_the_limit_is_refused_with_a_clear_error(client, alice, queues):
    response = client.post(
        reverse("notes:create"),
        {
            "guide": queues.pk,
            "body_markdown": "a" * (BODY_MAX_CHARS + 1),
            "next": "/guides/queues/",
        },
    )
    assert response.status_code == 400
    assert "Notes can be at most 20,000 characters; this one has 20,001." in (
        response.content.decode()
    )
    assert not Note.objects.exists()


def test_edit_over_the_limit_keeps_the_old_body(client, alice, queues):
    note = write(alice, queues, "Short")
    response = client.post(
        reverse("notes:edit", args=[note.pk]), {"body_markdown": "a" * (BODY_MAX_CHARS + 1)}
    )
    assert response.status_code == 400
    note.refresh_from_db()
    assert note.body_markdown == "Short"


def test_empty_body_is_refused(client, alice, queues):
    response = client.post(reverse("notes:create"), {"guide": queues.pk, "body_markdown": "  "})
    assert response.status_code == 400
    assert "Write something" in response.content.decode()
    assert not Note.objects.exists()


def test_exercise_and_section_must_belong_to_the_guide(client, alice, guides):
    queues, streams = guides["queues"], guides["streams"]
    foreign = task(streams, "Tail a log")
    response = client.post(
        reverse("notes:create"),
        {"guide": queues.pk, "task_item": foreign.pk, "body_markdown": "x"},
    )
    assert response.status_code == 400
    assert "That exercise is not part of this guide." in response.content.decode()
    response = client.post(
        reverse("notes:create"),
        {"guide": queues.pk, "section_anchor": "logs", "body_markdown": "x"},
    )
    assert response.status_code == 400
    assert "That section is not part of this guide." in response.content.decode()
    assert not Note.objects.exists()


def test_unknown_or_unpublished_guide_is_404(client, alice, queues):
    url = reverse("notes:create")
    assert client.post(url, {"guide": 999_999, "body_markdown": "x"}).status_code == 404
    assert client.post(url, {"guide": "abc", "body_markdown": "x"}).status_code == 404
    assert client.post(url, {"body_markdown": "x"}).status_code == 404
    Guide.objects.filter(pk=queues.pk).update(is_published=False)
    assert client.post(url, {"guide": queues.pk, "body_markdown": "x"}).status_code == 404
    assert not Note.objects.exists()


# Other people's notes


def test_another_users_note_is_404_and_never_listed(client, alice, bob, queues):
    theirs = write(bob, queues, "Bob's secret plan")
    assert client.get(reverse("notes:edit", args=[theirs.pk])).status_code == 404
    edit = client.post(reverse("notes:edit", args=[theirs.pk]), {"body_markdown": "pwned"})
    assert edit.status_code == 404
    assert client.post(reverse("notes:delete", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.body_markdown == "Bob's secret plan"

    assert "secret plan" not in client.get(reverse("notes:list")).content.decode()
    found = client.get(reverse("notes:list"), {"q": "secret plan"}).content.decode()
    assert "0 notes match" in found and "<mark>" not in found
    assert notes_for_guide(user=alice, guide=queues).notes == []


# Search


def test_search_finds_by_words_newest_first(client, alice, queues):
    write(alice, queues, "Kafka partitions keep ordering per key.")
    write(alice, queues, "Consumers must be idempotent under redelivery.")
    write(alice, queues, "Idempotency keys live in Redis.")
    html = client.get(reverse("notes:list"), {"q": "idempotent"}).content.decode()
    assert "2 notes match" in html
    assert "Kafka" not in html
    assert html.index("Redis") < html.index("redelivery")  # newest first
    assert "<mark>idempotent</mark>" in html or "<mark>Idempotency</mark>" in html


def test_search_snippets_read_as_the_note_does_not_as_its_markdown(client, alice, queues):
    write(
        alice, queues,
        "## Retries\n\n- [ ] Make **consumers** idempotent, see [the Kafka docs](https://kafka.example/x)"
        " and `enable.idempotence`.\n\n```python\nconsumers = 3\n```\n",
    )  # fmt: skip
    html = client.get(reverse("notes:list"), {"q": "consumers"}).content.decode()
    snippet = html[html.index('class="snippet"') :].split("</p>", 1)[0]
    assert "<mark>consumers</mark> idempotent" in snippet
    assert "the Kafka docs" in snippet and "enable.idempotence" in snippet
    for syntax in ("**", "](", "https://kafka", "- [ ]", "##", "`", "consumers = 3"):
        assert syntax not in snippet, syntax


def test_search_highlights_nothing_unsafe(client, alice, queues):
    write(alice, queues, 'Payload <img src=x onerror="alert(1)"> in the payloads table.')
    write(alice, queues, "Compare payloads: a < b & c > d, <b>bold</b> payloads")
    html = client.get(reverse("notes:list"), {"q": "payloads"}).content.decode()
    snippets = html[html.index('id="note-list"') :]
    assert "<img" not in snippets and "onerror" not in snippets and "<b>" not in snippets
    assert "a &lt; b &amp; c &gt; d" in snippets
    assert "<mark>payloads</mark>" in snippets


def test_search_with_syntax_noise_does_not_fail(client, alice, queues):
    write(alice, queues, "Anything")
    response = client.get(reverse("notes:list"), {"q": '"unbalanced & | ! ( -'})
    assert response.status_code == 200


def test_htmx_search_returns_only_the_partial(client, alice, queues):
    write(alice, queues, "Backpressure matters.")
    response = client.get(
        reverse("notes:list"), {"q": "backpressure"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="note-list"')
    assert "<html" not in html and "<mark>Backpressure</mark>" in html


def test_full_page_has_search_form_that_works_without_js(client, alice):
    html = client.get(reverse("notes:list")).content.decode()
    assert "<html" in html
    assert 'action="/notes/"' in html and 'method="get"' in html
    assert 'hx-trigger="input changed delay:250ms' in html
    assert 'id="note-list"' in html


def test_list_query_count_does_not_grow(client, alice, guides, django_assert_num_queries):
    queues = guides["queues"]
    exercise = task(queues, "Measure reordering")
    write(alice, queues, "First", section_anchor="ordering", task_item_id=exercise.pk)

    # session, user, then notes (with guide, exercise and section title joined in)
    with django_assert_num_queries(3):
        small = client.get(reverse("notes:list"))
    for n in range(30):
        guide = guides["streams"] if n % 2 else queues
        anchor = "logs" if n % 2 else "delivery-semantics"
        NoteFactory(
            user=alice, guide=guide, section_anchor=anchor, body_markdown=f"Note {n} about logs"
        )
    with django_assert_num_queries(3):
        big = client.get(reverse("notes:list"))
    assert (
        big.content.decode().count('class="note"')
        == 31
        > small.content.decode().count('class="note"')
    )
    with django_assert_num_queries(3):
        client.get(reverse("notes:list"), {"q": "logs"})


# Security plumbing


@pytest.mark.parametrize(
    "evil",
    [
        "//evil.example/",
        "https://evil.example/",
        "https:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_open_redirects_fall_back_to_the_guide(client, alice, queues, evil):
    response = client.post(
        reverse("notes:create"), {"guide": queues.pk, "body_markdown": "x", "next": evil}
    )
    assert response.status_code == 302
    assert response["Location"] == "/guides/queues/"


def test_open_redirects_on_edit_and_delete_fall_back_to_my_notes(client, alice, queues):
    note = write(alice, queues, "x")
    edit = client.post(
        reverse("notes:edit", args=[note.pk]), {"body_markdown": "y", "next": "//evil.example"}
    )
    assert edit["Location"] == reverse("notes:list")
    delete = client.post(reverse("notes:delete", args=[note.pk]), {"next": "https://evil.example/"})
    assert delete["Location"] == reverse("notes:list")


def test_get_on_state_changing_urls_is_405(client, alice, queues):
    note = write(alice, queues, "x")
    assert client.get(reverse("notes:create")).status_code == 405
    assert client.get(reverse("notes:delete", args=[note.pk])).status_code == 405
    assert Note.objects.filter(pk=note.pk).exists()


def test_csrf_is_enforced(alice, queues):
    note = write(alice, queues, "x")
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(alice)
    create = csrf_client.post(reverse("notes:create"), {"guide": queues.pk, "body_markdown": "y"})
    edit = csrf_client.post(reverse("notes:edit", args=[note.pk]), {"body_markdown": "y"})
    delete = csrf_client.post(reverse("notes:delete", args=[note.pk]))
    assert (create.status_code, edit.status_code, delete.status_code) == (403, 403, 403)
    note.refresh_from_db()
    assert note.body_markdown == "x" and Note.objects.count() == 1

    # With the token the page hands out, the same post goes through.
    csrf_client.get(reverse("notes:edit", args=[note.pk]))
    token = csrf_client.cookies["csrftoken"].value
    ok = csrf_client.post(
        reverse("notes:edit", args=[note.pk]), {"body_markdown": "z", "csrfmiddlewaretoken": token}
    )
    assert ok.status_code == 302


def test_anonymous_visitors_are_sent_to_sign_in(client, bob, queues):
    note = write(bob, queues, "x")
    login = reverse("account_login")
    for response in (
        client.get(reverse("notes:list")),
        client.get(reverse("notes:edit", args=[note.pk])),
        client.post(reverse("notes:create"), {"guide": queues.pk, "body_markdown": "y"}),
        client.post(reverse("notes:delete", args=[note.pk])),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(f"{login}?next=")
    assert Note.objects.count() == 1


# The guide page include


def test_guide_notes_include_lists_notes_and_offers_a_form(rf, alice, bob, guides):
    from django.template.loader import render_to_string

    queues = guides["queues"]
    write(alice, queues, "Mine on *ordering*", section_anchor="ordering")
    write(bob, queues, "Bob's")
    write(alice, guides["streams"], "Elsewhere")
    request = rf.get("/guides/queues/")
    request.user = alice
    guide_notes = notes_for_guide(user=alice, guide=queues)
    html = render_to_string(
        "notes/guide_notes.html",
        {"guide": queues, "user": alice, "guide_notes": guide_notes},
        request=request,
    )
    assert "Mine on <em>ordering</em>" in html
    assert "Bob's" not in html and "Elsewhere" not in html
    assert 'href="#ordering">Ordering</a>' in html
    assert f'action="{reverse("notes:create")}"' in html
    assert f'name="guide" value="{queues.pk}"' in html
    assert 'name="next" value="/guides/queues/"' in html
    assert '<option value="delivery-semantics">Delivery semantics</option>' in html
    assert "Build an idempotent consumer</option>" in html
    assert "csrfmiddlewaretoken" in html


def test_guide_notes_for_anonymous_runs_no_queries(django_assert_num_queries, queues, rf):
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    request = rf.get(queues.get_absolute_url())
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        # The partial fetches its own notes (the notes app's tag), as on the guide page.
        html = render_to_string(
            "notes/guide_notes.html", {"guide": queues, "user": request.user}, request=request
        )
    assert "Sign in</a> to keep private notes" in html
    assert "<form" not in html

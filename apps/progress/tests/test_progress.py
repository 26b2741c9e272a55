"""Progress as learners use it: ticking, reading, the dashboard, export/import, sharing, safety."""

import datetime
import threading

import pytest
from django.db import connection
from django.test import Client

from apps.accounts.models import User
from apps.accounts.tests.factories import UserFactory
from apps.guides.models import Guide, Section, TaskItem
from apps.guides.services import guides_import
from apps.progress.models import ActivityDay, LearnerState, SectionRead, TaskProgress
from apps.progress.selectors import dashboard_for_user
from apps.progress.services import user_local_date

pytestmark = pytest.mark.django_db

GUIDE = """# Queues

## Basics

Read this.

## Exercises

- [ ] Run a broker locally
  - [ ] Publish ten messages
- [ ] Measure consumer lag
- [ ] Write an idempotent consumer
"""


@pytest.fixture
def library_files():
    return {
        "phase1-basics/INDEX.md": "# Phase 1: Basics\n",
        "phase1-basics/queues.md": GUIDE,
        "projects/capstone.md": "# Capstone\n\n## Milestones\n\n- [ ] Design document\n",
    }


@pytest.fixture
def learner(client, library):
    user = UserFactory(email="ada@example.com")
    client.force_login(user)
    return user


def item(text: str) -> TaskItem:
    return TaskItem.objects.get(text=text)


def test_plain_form_post_ticks_and_redirects_back(client, learner):
    target = item("Measure consumer lag")
    response = client.post(
        f"/progress/items/{target.pk}/", {"state": "done", "next": "/guides/queues/"}
    )
    assert response.status_code == 302 and response["Location"] == "/guides/queues/"
    assert TaskProgress.objects.get(user=learner, item=target).state == "done"
    page = client.get("/guides/queues/").content.decode()
    assert f'id="taskbox-{target.key}" class="task-control task-control--done"' in page


def test_htmx_toggle_returns_the_partial(client, learner):
    target = item("Run a broker locally")
    response = client.post(
        f"/progress/items/{target.pk}/", {"state": "done"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith(
        f'<form id="taskbox-{target.key}" class="task-control task-control--done"'
    )
    assert 'aria-pressed="true"' in html and 'value="todo"' in html
    assert "<html" not in html
    # Every state learners know from roadmap.sh, then back again.
    for state in ("in_progress", "skipped", "todo", "done"):
        client.post(
            f"/progress/items/{target.pk}/", {"state": state}, headers={"HX-Request": "true"}
        )
        assert TaskProgress.objects.get(user=learner, item=target).state == state
    assert TaskProgress.objects.filter(user=learner, item=target).count() == 1


def test_bad_requests(client, learner):
    target = item("Run a broker locally")
    assert client.get(f"/progress/items/{target.pk}/").status_code == 405
    assert client.post(f"/progress/items/{target.pk}/", {"state": "bogus"}).status_code == 400
    assert client.post("/progress/items/999999/", {"state": "done"}).status_code == 404
    TaskItem.objects.filter(pk=target.pk).update(is_archived=True)
    assert client.post(f"/progress/items/{target.pk}/", {"state": "done"}).status_code == 404
    assert not TaskProgress.objects.exists()


def test_toggle_is_one_statement_that_counts_the_tick_and_moves_continue(
    client, learner, django_assert_num_queries
):
    target = item("Measure consumer lag")
    # The session, the user, then the toggle: item check, upsert, activity and visit in one.
    with django_assert_num_queries(3):
        response = client.post(
            f"/progress/items/{target.pk}/", {"state": "done"}, headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    day = ActivityDay.objects.get(user=learner, day=user_local_date(user=learner))
    assert day.ticks == 1
    state = LearnerState.objects.get(user=learner)
    assert (state.last_guide_id, state.last_section_anchor) == (
        target.guide_id,
        target.section_anchor,
    )
    client.post(f"/progress/items/{target.pk}/", {"state": "todo"})  # un-ticking is no activity
    assert ActivityDay.objects.get(pk=day.pk).ticks == 1
    assert TaskProgress.objects.get(user=learner, item=target).state == "todo"


def test_a_repeated_tick_is_counted_once(client, learner):
    """An offline tick sent again after reconnecting (or a double click) is not a second tick."""
    target = item("Measure consumer lag")
    for _ in range(3):
        client.post(f"/progress/items/{target.pk}/", {"state": "done"})
    assert ActivityDay.objects.get(user=learner).ticks == 1
    client.post(f"/progress/items/{target.pk}/", {"state": "skipped"})  # a real change counts
    assert ActivityDay.objects.get(user=learner).ticks == 2


def test_items_of_unpublished_or_archived_guides_cannot_be_ticked(client, learner):
    target = item("Measure consumer lag")
    Guide.objects.filter(pk=target.guide_id).update(is_published=False)
    assert client.post(f"/progress/items/{target.pk}/", {"state": "done"}).status_code == 404
    Guide.objects.filter(pk=target.guide_id).update(is_published=True, is_archived=True)
    assert client.post(f"/progress/items/{target.pk}/", {"state": "done"}).status_code == 404
    assert not TaskProgress.objects.exists()
    assert not ActivityDay.objects.exists() and not LearnerState.objects.exists()


def test_anonymous_and_csrf(library):
    target = item("Run a broker locally")
    anonymous = Client()
    response = anonymous.post(f"/progress/items/{target.pk}/", {"state": "done"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory(email="csrf@example.com"))
    assert strict.post(f"/progress/items/{target.pk}/", {"state": "done"}).status_code == 403
    section = Section.objects.get(anchor="basics")
    assert strict.post(f"/progress/sections/{section.pk}/", {"read": "1"}).status_code == 403
    assert not TaskProgress.objects.exists() and not SectionRead.objects.exists()


def test_htmx_toggle_hands_back_the_token_it_was_sent_and_sets_no_cookie(library):
    """The new control carries the masked token the POST passed the check with; a POST that
    sent the bare secret (a script reading the cookie) gets a freshly masked one instead."""
    from django.middleware.csrf import _unmask_cipher_token

    target = item("Run a broker locally")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory(email="csrf@example.com"))
    page = strict.get("/guides/queues/")
    secret = strict.cookies["csrftoken"].value
    masked = str(page.context["csrf_token"])  # what the page's forms and hx-headers carry
    assert len(masked) == 64 and _unmask_cipher_token(masked) == secret
    url = f"/progress/items/{target.pk}/"
    htmx = {"HX-Request": "true"}
    response = strict.post(url, {"state": "done", "csrfmiddlewaretoken": masked}, headers=htmx)
    assert response.status_code == 200
    assert f'name="csrfmiddlewaretoken" value="{masked}"' in response.text
    assert "csrftoken" not in response.cookies
    response = strict.post(url, {"state": "todo"}, headers={**htmx, "X-CSRFToken": secret})
    assert response.status_code == 200
    sent_back = response.text.split('name="csrfmiddlewaretoken" value="')[1][:64]
    assert sent_back != secret and _unmask_cipher_token(sent_back) == secret
    assert TaskProgress.objects.get(item=target).state == "todo"


@pytest.mark.parametrize("evil", ["//evil.example", "https:evil.example", "/\\evil.example",
                                  "https://evil.example/x", "javascript:alert(1)"])  # fmt: skip
def test_next_cannot_redirect_off_site(client, learner, evil):
    target = item("Run a broker locally")
    response = client.post(f"/progress/items/{target.pk}/", {"state": "done", "next": evil})
    assert response["Location"] == "/guides/queues/"


def test_users_see_only_their_own_progress(client, learner):
    target = item("Run a broker locally")
    client.post(f"/progress/items/{target.pk}/", {"state": "done"})
    other = Client()
    other.force_login(UserFactory(email="bob@example.com"))
    page = other.get("/guides/queues/").content.decode()
    assert f'id="taskbox-{target.key}" class="task-control task-control--todo"' in page
    assert other.get("/progress/export.json").json()["guides"] == []
    # Bob toggling the same item writes Bob's row, never Ada's.
    other.post(f"/progress/items/{target.pk}/", {"state": "skipped"})
    assert TaskProgress.objects.get(user=learner, item=target).state == "done"


def test_sections_read_and_guide_completion(client, learner):
    for section in Section.objects.filter(guide__slug="queues"):
        response = client.post(f"/progress/sections/{section.pk}/", {"read": "1"})
        assert response.status_code == 302
    for task in TaskItem.objects.filter(guide__slug="queues"):
        client.post(f"/progress/items/{task.pk}/", {"state": "skipped"})
    page = client.get("/guides/queues/").content.decode()
    assert '<span class="pill pill--done">Complete</span>' in page
    phase = dashboard_for_user(user=learner).phases[0]
    assert phase.percent == 100
    state = LearnerState.objects.get(user=learner)
    assert state.last_guide.slug == "queues"


def test_reimport_keeps_progress_moves_typos_and_archives(client, learner, library):
    lag = item("Measure consumer lag")
    broker = item("Run a broker locally")
    gone = item("Write an idempotent consumer")
    for task in (lag, broker, gone):
        client.post(f"/progress/items/{task.pk}/", {"state": "done"})
    edited = (
        GUIDE.replace("- [ ] Measure consumer lag\n", "")
        .replace("## Basics", "## Basics\n\n- [ ] Measure consumer lag")  # moved
        .replace("Run a broker locally", "Run a broker localy")  # typo
        .replace("- [ ] Write an idempotent consumer\n", "")  # removed
    )
    (library / "phase1-basics" / "queues.md").write_text(edited)
    guides_import(path=library)
    states = {
        p.item.text: (p.state, p.item.is_archived)
        for p in TaskProgress.objects.filter(user=learner).select_related("item")
    }
    assert states == {
        "Measure consumer lag": ("done", False),
        "Run a broker localy": ("done", False),
        "Write an idempotent consumer": ("done", True),
    }
    page = client.get("/dashboard/").content.decode()
    assert "Archived exercises" in page and "Write an idempotent consumer" in page


def test_dashboard_queries_are_constant(client, learner, guide_repo, django_assert_num_queries):
    def count_queries() -> int:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get("/dashboard/").status_code == 200
        return len(captured)

    small = count_queries()
    big = "# Big\n\n" + "".join(f"## S{n}\n\n- [ ] Task {n}\n" for n in range(200))
    guides_import(path=guide_repo({"phase2-big/big.md": big}))
    tasks = list(TaskItem.objects.filter(guide__slug="big"))
    TaskProgress.objects.bulk_create(
        [TaskProgress(user=learner, item=t, state="done") for t in tasks[:150]]
        + [TaskProgress(user=learner, item=t, state="in_progress") for t in tasks[150:]]
    )
    today = user_local_date(user=learner)
    ActivityDay.objects.bulk_create(
        [ActivityDay(user=learner, day=today - datetime.timedelta(days=n), ticks=n % 7)
         for n in range(365)]
    )  # fmt: skip
    assert count_queries() == small


def test_streak_is_opt_in_and_counts_real_activity(client, learner):
    today = user_local_date(user=learner)
    for offset in (0, 1, 2, 4):
        ActivityDay.objects.create(
            user=learner, day=today - datetime.timedelta(days=offset), reads=1
        )
    ActivityDay.objects.create(user=learner, day=today - datetime.timedelta(days=3))  # nothing done
    assert dashboard_for_user(user=learner).streak is None
    client.post("/progress/streak/", {"enabled": "1"})
    assert dashboard_for_user(user=learner).streak == 3
    assert "3-day streak" in client.get("/dashboard/").content.decode()


def test_export_markdown_round_trips_through_import(client, learner):
    for text in ("Run a broker locally", "Publish ten messages"):
        client.post(f"/progress/items/{item(text).pk}/", {"state": "done"})
    markdown = client.get("/progress/export.md").content.decode()
    assert (
        "- [x] Run a broker locally\n  - [x] Publish ten messages\n- [ ] Measure consumer lag"
        in (markdown)
    )
    TaskProgress.objects.all().delete()
    response = client.post(
        "/progress/import/", {"text": markdown + "\n- [x] Something not in any guide\n"}
    )
    assert response.status_code == 302
    done = set(
        TaskProgress.objects.filter(user=learner, state="done").values_list("item__text", flat=True)
    )
    assert done == {"Run a broker locally", "Publish ten messages"}
    message = str(next(iter(client.get("/dashboard/").context["messages"])))
    assert message.startswith("Imported 2 ticked items")
    assert "matched no exercise: Something not in any guide" in message


def test_import_from_a_readme_with_typos_and_bad_files(client, learner):
    readme = "## Capstone Project\n- [x] Design documnt\n- [ ] Implementation\n"
    client.post("/progress/import/", {"text": readme})
    assert TaskProgress.objects.get(user=learner).item.text == "Design document"
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("readme.md", b"- [x] caf\xe9\n", content_type="text/markdown")
    client.post("/progress/import/", {"checklist": bad})
    message = str(list(client.get("/dashboard/").context["messages"])[-1])
    assert message == "That file is not UTF-8 text; nothing was imported."
    assert TaskProgress.objects.filter(user=learner).count() == 1


def test_import_ignores_checkboxes_and_headings_inside_fenced_code(client, learner):
    """An example checklist quoted in a code block is code, as GitHub shows it: not ticks. A
    longer fence is closed only by a fence at least as long, so the inner ``` stays code."""
    readme = (
        "````markdown\n## Capstone Project\n```\n- [x] Design document\n````\n"
        "- [x] Publish ten messages\n"
    )
    client.post("/progress/import/", {"text": readme})
    done = set(
        TaskProgress.objects.filter(user=learner, state="done").values_list("item__text", flat=True)
    )
    assert done == {"Publish ten messages"}


def test_export_json(client, learner):
    client.post(f"/progress/items/{item('Measure consumer lag').pk}/", {"state": "skipped"})
    data = client.get("/progress/export.json").json()
    assert data["user"] == "ada@example.com"
    assert data["guides"][0]["items"][0]["state"] == "skipped"


def test_share_link_is_read_only_and_revocable(client, learner):
    client.post(f"/progress/items/{item('Measure consumer lag').pk}/", {"state": "done"})
    client.post("/progress/share/", {"enabled": "1"})
    token = LearnerState.objects.get(user=learner).share_token
    assert len(token) >= 32
    anonymous = Client()
    response = anonymous.get(f"/shared/{token}/")
    assert response.status_code == 200 and "ada\u2019s progress" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex"
    assert "task-control" not in response.content.decode()  # nothing to change there
    assert anonymous.get("/shared/not-the-token/").status_code == 404
    client.post("/progress/share/", {"enabled": "0"})
    assert anonymous.get(f"/shared/{token}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_concurrent_toggles_never_error_or_duplicate(library):
    users = [UserFactory(email=f"user{n}@example.com") for n in range(4)]
    items = list(TaskItem.objects.all())
    errors: list[BaseException] = []
    barrier = threading.Barrier(12)

    def worker(user: User, index: int) -> None:
        client = Client()
        client.force_login(user)
        barrier.wait()
        try:
            for round_ in range(10):
                for task in items if index % 2 else items[:1]:
                    state = ("done", "in_progress", "skipped", "todo")[(round_ + index) % 4]
                    response = client.post(f"/progress/items/{task.pk}/", {"state": state})
                    assert response.status_code == 302, response.status_code
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(users[n % 4], n)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = TaskProgress.objects.values_list("user_id", "item_id")
    assert len(rows) == len(set(rows))
    assert len(rows) == 2 * len(items) + 2  # users 1 and 3 did every item; 0 and 2 only the first


def test_heatmap_shows_each_active_day_with_its_level_and_count(client, learner):
    today = user_local_date(user=learner)
    ActivityDay.objects.create(user=learner, day=today, reads=1, ticks=1)
    ActivityDay.objects.create(user=learner, day=today - datetime.timedelta(days=3), ticks=12)
    page = client.get("/dashboard/").content.decode()
    assert f'heatmap__day--1" title="{today:%a %-d %b %Y}: 2 actions"' in page
    old = today - datetime.timedelta(days=3)
    assert f'heatmap__day--4" title="{old:%a %-d %b %Y}: 12 actions"' in page
    assert page.count("heatmap__day--") - page.count("heatmap__day--none") == 365  # a year
    assert "2 active days in the last 12 months" in page


def test_up_next_skips_the_exercise_already_in_progress(client, learner):
    started = item("Run a broker locally")
    client.post(f"/progress/items/{started.pk}/", {"state": "in_progress"})
    dashboard = dashboard_for_user(user=learner)
    assert [entry.pk for entry in dashboard.in_progress] == [started.pk]
    assert dashboard.next_item is not None
    assert dashboard.next_item.text == "Publish ten messages"


def test_a_tick_without_javascript_returns_to_the_exercise(client, learner):
    target = item("Measure consumer lag")
    page = client.get("/guides/queues/").content.decode()
    assert f'name="next" value="/guides/queues/#taskbox-{target.key}"' in page
    response = client.post(
        f"/progress/items/{target.pk}/",
        {"state": "done", "next": f"/guides/queues/#taskbox-{target.key}"},
    )
    assert response["Location"] == f"/guides/queues/#taskbox-{target.key}"


def test_heatmap_names_months_weekdays_and_each_day(client, learner):
    today = user_local_date(user=learner)
    page = client.get("/dashboard/").content.decode()
    assert f'aria-label="{today:%a %-d %b %Y}: 0 actions"' in page
    first_of_month = today.replace(day=1)
    assert f'aria-hidden="true">{first_of_month:%b}</span>' in page
    assert "<span>Mon</span><span></span><span>Wed</span>" in page
    assert 'class="heatmap__legend' in page and "heatmap__swatch--4" in page


def test_library_page_shows_a_learner_where_to_resume_and_each_guides_progress(
    client, learner, django_assert_num_queries
):
    target = item("Run a broker locally")
    client.post(f"/progress/items/{target.pk}/", {"state": "done"})
    client.get("/guides/queues/")  # reading it makes it the guide to resume
    # Session, user, tracks and guides, then this learner's progress: guides, exercise and
    # section counts, the resume point. The same for any size of library.
    with django_assert_num_queries(8):
        html = client.get("/").content.decode()
    assert "Resume Queues" in html
    assert 'aria-label="Curriculum complete"' in html
    queues = html[html.index('href="/guides/queues/" class="guide-item__link"') :]
    assert "% done" in queues[: queues.index("</li>")]
    # Visitors see no progress and cost no extra queries.
    client.logout()
    with django_assert_num_queries(2):
        html = client.get("/").content.decode()
    assert "Resume" not in html and "% done" not in html

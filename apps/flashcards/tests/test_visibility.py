"""What learners may see is one definition (`.visible()` on each guides model). Attacks on the
flashcards by id, anchor, slug and deck key for a guide that is unpublished, archived or in an
archived track: every one is a 404 or shows nothing, and writes nothing."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.tests.factories import UserFactory
from apps.flashcards import selectors
from apps.flashcards.models import CardState, ReviewLog
from apps.flashcards.services import deck_add_cards
from apps.guides.models import GlossaryTerm, Guide, Section, TaskItem, Track

pytestmark = pytest.mark.django_db

SECRET = "Quorum"


def guide(title: str, term: str) -> str:
    return (
        f"# {title}\n\n## Basics\n\nRead this.\n\n- [ ] An exercise\n\n## Glossary\n\n"
        "| Term | Description | Use this when | Like |\n|---|---|---|---|\n"
        f"| {term} | The {term} definition | Use {term} | A {term} |\n"
    )


HIDE = {
    "unpublished": lambda g: Guide.objects.filter(pk=g.pk).update(is_published=False),
    "archived": lambda g: Guide.objects.filter(pk=g.pk).update(is_archived=True),
    "archived track": lambda g: Track.objects.filter(pk=g.track_id).update(is_archived=True),
}


@pytest.fixture
def library_files():
    return {
        "phase1-open/INDEX.md": "# Phase 1: Open\n",
        "phase1-open/open.md": guide("Open", "Replica"),
        "phase2-hidden/INDEX.md": "# Phase 2: Hidden\n",
        "phase2-hidden/hidden.md": guide("Hidden", SECRET),
    }


@pytest.fixture
def learner(client: Client, library) -> User:
    user = UserFactory(email="ada@example.com")
    client.force_login(user)
    return user


def hidden_guide() -> Guide:
    return Guide.objects.get(slug="hidden")


def test_visible_is_one_definition_for_every_model(library) -> None:
    hidden = hidden_guide()
    every = {
        Guide: Guide.objects.count(), Section: Section.objects.count(),
        GlossaryTerm: GlossaryTerm.objects.count(), TaskItem: TaskItem.objects.count(),
    }  # fmt: skip
    for model, total in every.items():
        assert model.objects.visible().count() == total, model  # type: ignore[attr-defined]
    for name, hide in HIDE.items():
        hide(hidden)
        for model, total in every.items():
            visible = model.objects.visible()  # type: ignore[attr-defined]
            assert visible.count() == total // 2, (name, model)
            field = "pk" if model is Guide else "guide_id"
            assert hidden.pk not in visible.values_list(field, flat=True), (name, model)
        Guide.objects.update(is_published=True, is_archived=False)
        Track.objects.update(is_archived=False)
    Section.objects.filter(guide=hidden).update(is_archived=True)
    assert not Section.objects.visible().filter(guide=hidden).exists()
    assert Track.objects.visible().count() == Track.objects.count()


@pytest.mark.parametrize("how", HIDE)
def test_hidden_terms_cannot_be_added_by_id_anchor_slug_or_phase(
    client: Client, learner: User, how: str
) -> None:
    term = GlossaryTerm.objects.get(term=SECRET)
    guide = hidden_guide()
    HIDE[how](guide)
    url = reverse("flashcards:deck-add")
    attempts = [
        {"term": str(term.pk)},
        {"term_anchor": term.anchor, "term_guide": guide.slug},
        {"guide": guide.slug},
    ]
    for data in attempts:
        assert client.post(url, data).status_code == 404, data
    phase = client.post(url, {"phase": guide.track.slug})
    assert phase.status_code == (404 if how == "archived track" else 302)
    assert not CardState.objects.filter(user=learner).exists()
    assert client.get(reverse("flashcards:term", args=[guide.slug, term.anchor])).status_code == 404
    glossary = client.get(reverse("flashcards:glossary"), {"q": SECRET}).content.decode()
    assert f"The {SECRET} definition" not in glossary and "0 terms" in glossary
    decks = client.get(reverse("flashcards:decks")).content.decode()
    assert "Hidden" not in decks
    for deck in (f"guide:{guide.slug}",) + (
        (f"phase:{guide.track.slug}",) * (how == "archived track")
    ):
        assert client.get(reverse("flashcards:review"), {"deck": deck}).status_code == 404


@pytest.mark.parametrize("how", HIDE)
def test_cards_added_before_the_guide_was_hidden_leave_the_queue(
    client: Client, learner: User, how: str
) -> None:
    deck_add_cards(user=learner, guide=hidden_guide())
    state = CardState.objects.filter(user=learner).first()
    assert state is not None
    HIDE[how](hidden_guide())
    review = client.get(reverse("flashcards:review")).content.decode()
    assert f"{SECRET} definition" not in review and "Use Quorum" not in review
    assert (
        selectors.review_next(user=learner, deck=selectors.Deck("all", ""), now=timezone.now())
        is None
    )
    answer = client.post(
        reverse("flashcards:answer"),
        {"card": state.pk, "reps": state.reps, "rating": 3, "deck": "all"},
    )
    assert answer.status_code == 404
    assert not ReviewLog.objects.exists()
    # The learner's schedule is kept for when the guide comes back.
    assert CardState.objects.filter(user=learner).count() == 3


@pytest.mark.parametrize("how", HIDE)
def test_a_hidden_guide_is_gone_from_reading_search_progress_and_notes(
    client: Client, learner: User, how: str
) -> None:
    guide = hidden_guide()
    item, section = TaskItem.objects.get(guide=guide), Section.objects.filter(guide=guide).first()
    HIDE[how](guide)
    assert client.get(guide.get_absolute_url()).status_code == 404
    search = client.get(reverse("search:search"), {"q": SECRET}).content.decode()
    assert f"The {SECRET} definition" not in search
    assert (
        client.post(reverse("progress:task-set", args=[item.pk]), {"state": "done"}).status_code
        == 404
    )
    assert (
        client.post(reverse("progress:section-set", args=[section.pk]), {"read": "1"}).status_code
        == 404
    )
    response = client.post(reverse("notes:create"), {"guide": guide.pk, "body_markdown": "x"})
    assert response.status_code == 404
    assert "Hidden" not in client.get(reverse("progress:dashboard")).content.decode()


def test_undo_does_not_show_a_card_whose_guide_was_hidden_since(
    client: Client, learner: User
) -> None:
    deck_add_cards(user=learner, guide=hidden_guide())
    state = CardState.objects.filter(user=learner, card__kind="forward").get()
    response = client.post(
        reverse("flashcards:answer"), {"card": state.pk, "reps": 0, "rating": 3, "deck": "all"}
    )
    assert response.status_code == 302
    HIDE["unpublished"](hidden_guide())
    response = client.post(reverse("flashcards:undo"), {"deck": "all"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f"{SECRET} definition" not in response.content.decode()
    assert SECRET not in response.content.decode()
    assert not ReviewLog.objects.exists()  # the answer itself was taken back

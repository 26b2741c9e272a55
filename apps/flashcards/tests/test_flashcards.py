"""Flashcards as learners use them: cards from glossaries, FSRS scheduling, limits, undo, safety."""

import datetime
import threading
import zoneinfo

import fsrs
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.accounts.tests.factories import UserFactory
from apps.core.metrics import REVIEWS_TOTAL
from apps.flashcards import selectors, services
from apps.flashcards.models import Card, CardState, ReviewLog, ReviewSettings
from apps.flashcards.scheduling import interval_label
from apps.guides.models import GlossaryTerm, Guide
from apps.guides.services import guides_import
from apps.progress.models import ActivityDay

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def glossary(rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["| Term | Description | Use this when | Like |", "|---|---|---|---|"]
    lines += [f"| {term} | {desc} | {use} | {like} |" for term, desc, use, like in rows]
    return "\n".join(lines) + "\n"


QUEUE_TERMS = [
    ("Producer", "Sends **messages**", "Emitting events", "A letter writer"),
    ("Consumer", "Reads messages", "Processing work", ""),
    ("Broker", "Stores and routes messages", "", ""),
    ("Offset", "A position in a log", "Resuming a consumer", "A bookmark"),
    ("Dead letter queue", "Where failing messages go", "", "A lost-property office"),
]


def guide(terms=QUEUE_TERMS, title="Queues") -> str:
    return f"# {title}\n\n## Basics\n\nRead this.\n\n## Glossary\n\n" + glossary(terms)


def make_user(email: str, tz: str = "UTC") -> User:
    return UserFactory(email=email, timezone=tz)


@pytest.fixture
def library_files():
    return {
        "phase1-basics/INDEX.md": "# Phase 1: Basics\n",
        "phase1-basics/queues.md": guide(),
        "phase2-more/INDEX.md": "# Phase 2: More\n",
        "phase2-more/caches.md": guide([("Cache", "Fast copy", "Reads dominate", "")], "Caches"),
    }


@pytest.fixture
def learner(client, library):
    user = make_user("ada@example.com")
    client.force_login(user)
    return user


def deck_all():
    return selectors.Deck(key="all", title="Everything")


def term_state(user, term, kind="forward") -> CardState:
    return CardState.objects.get(user=user, card__term__term=term, card__kind=kind)


# Cards from the glossary -----------------------------------------------------------------------


def test_import_makes_forward_and_reverse_cards(library):
    kinds = {(card.term.term, card.kind) for card in Card.objects.filter(guide__slug="queues")}
    assert kinds == {
        ("Producer", "forward"), ("Producer", "use_when"), ("Producer", "like"),
        ("Consumer", "forward"), ("Consumer", "use_when"),
        ("Broker", "forward"),
        ("Offset", "forward"), ("Offset", "use_when"), ("Offset", "like"),
        ("Dead letter queue", "forward"), ("Dead letter queue", "like"),
    }  # fmt: skip
    producer = Card.objects.get(term__term="Producer", kind="forward")
    assert "<strong>messages</strong>" in producer.back_html
    assert "Use this when" in producer.back_html and "A letter writer" in producer.back_html
    reverse = Card.objects.get(term__term="Producer", kind="like")
    assert "A letter writer" in reverse.front_html and "Producer" in reverse.back_html


def test_faces_computed_by_the_render_child_are_the_ones_the_import_would_compute(library):
    """The import takes the cards' faces from its render child (GUIDE_RENDER_DERIVATIONS);
    computed here from the stored terms, they are the same, and a term whose stored fields are
    not among those handed over is computed."""

    def cards() -> list[tuple]:
        return sorted(Card.objects.values_list("term_id", "kind", "front_html", "back_html"))

    imported = cards()
    assert imported
    for guide in Guide.objects.all():
        services.cards_sync_for_guide(guide=guide)
    assert cards() == imported
    producer = GlossaryTerm.objects.get(term="Producer")
    stale = {(producer.term, "Old text", "", ""): [("forward", "stale", "stale")]}
    services.cards_sync_for_guide(guide=producer.guide, faces=stale)
    assert cards() == imported


def test_reverse_prompt_hides_the_answer(guide_repo):
    guides_import(
        path=guide_repo({"g.md": guide([("Idempotency", "Safe retries", "Idempotency keys", "")])})
    )
    card = Card.objects.get(kind="use_when")
    assert "Idempotency" not in card.front_html and "[…] keys" in card.front_html


def test_card_html_is_sanitised(guide_repo):
    evil = [
        ("XSS", "<script>alert(1)</script> [x](javascript:alert(2)) <b onclick=y>ok</b>", "", "")
    ]
    guides_import(path=guide_repo({"g.md": guide(evil)}))
    html = Card.objects.get(kind="forward").back_html
    assert "<script" not in html and "javascript:" not in html and "onclick" not in html


def test_reimport_keeps_history_and_archives_removed_terms(learner, guide_repo, library_files):
    services.deck_add_cards(user=learner, guide=Card.objects.first().guide)
    producer = term_state(learner, "Producer")
    services.review_answer(user=learner, card_state_id=producer.pk, rating=3, expected_reps=0)
    changed = [("Producer", "Emits messages to a topic", "Emitting events", "A letter writer")]
    changed += [row for row in QUEUE_TERMS if row[0] not in ("Producer", "Broker")]
    guides_import(path=guide_repo({**library_files, "phase1-basics/queues.md": guide(changed)}))
    producer.refresh_from_db()
    assert producer.reps == 1 and producer.card.is_archived is False  # definition changed: kept
    assert "Emits messages to a topic" in producer.card.back_html
    assert ReviewLog.objects.filter(card_state=producer).count() == 1
    broker = term_state(learner, "Broker")
    assert broker.card.is_archived and broker.card.term.is_archived  # removed: archived, kept
    # New today: one card for each term not yet seen today and not archived (Consumer, Offset,
    # Dead letter queue); Producer's two siblings wait a day, Broker is archived.
    assert selectors.review_counts(user=learner, deck=deck_all(), now=_now()).new == 3
    # The term comes back: its card and the learner's state return with it.
    guides_import(path=guide_repo(library_files))
    broker.refresh_from_db()
    assert broker.card.is_archived is False


def _now():
    from django.utils import timezone

    return timezone.now()


# Scheduling ------------------------------------------------------------------------------------


def test_scheduling_matches_fsrs_for_a_known_sequence(learner):
    services.deck_add_cards(user=learner, term=GlossaryTerm.objects.get(term="Broker"))
    state = term_state(learner, "Broker")
    reference = fsrs.Card(card_id=1, due=state.due)
    scheduler = fsrs.Scheduler(desired_retention=0.9, enable_fuzzing=False)
    moment = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for rating in (3, 3, 1, 2, 3, 4, 1, 3):
        services.review_answer(
            user=learner, card_state_id=state.pk, rating=rating, expected_reps=state.reps,
            now=moment,
        )  # fmt: skip
        reference, _ = scheduler.review_card(reference, fsrs.Rating(rating), moment)
        state.refresh_from_db()
        assert state.state == int(reference.state)
        assert state.step == reference.step
        assert state.stability == pytest.approx(reference.stability, rel=1e-12)
        assert state.difficulty == pytest.approx(reference.difficulty, rel=1e-12)
        assert state.due == reference.due
        assert state.last_review == reference.last_review
        moment = max(reference.due, moment + datetime.timedelta(minutes=1))
    assert state.reps == 8 and state.lapses >= 1
    assert ReviewLog.objects.filter(card_state=state).count() == 8


def test_desired_retention_changes_intervals(learner):
    services.deck_add_cards(user=learner, term=GlossaryTerm.objects.get(term="Broker"))
    state = term_state(learner, "Broker")
    services.review_answer(user=learner, card_state_id=state.pk, rating=4, expected_reps=0)
    state.refresh_from_db()
    relaxed = state.due
    ReviewLog.objects.all().delete()
    CardState.objects.filter(pk=state.pk).update(
        state=0, step=None, stability=None, difficulty=None, reps=0, last_review=None
    )
    services.review_settings_update(user=learner, desired_retention=0.97, new_cards_per_day=20)
    learner.refresh_from_db()
    services.review_answer(user=learner, card_state_id=state.pk, rating=4, expected_reps=0)
    state.refresh_from_db()
    assert state.due < relaxed


def test_interval_labels():
    minute = datetime.timedelta(minutes=1)
    assert interval_label(minute * 0.5) == "<1m"
    assert interval_label(minute * 10) == "10m"
    assert interval_label(datetime.timedelta(days=8)) == "8d"
    assert interval_label(datetime.timedelta(days=75)) == "2.5mo"
    assert interval_label(datetime.timedelta(days=730)) == "2y"


def test_undo_restores_the_exact_previous_state(learner):
    services.deck_add_cards(user=learner, term=GlossaryTerm.objects.get(term="Broker"))
    state = term_state(learner, "Broker")
    moment = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for rating in (3, 3):
        services.review_answer(user=learner, card_state_id=state.pk, rating=rating,
                               expected_reps=state.reps, now=moment)  # fmt: skip
        state.refresh_from_db()
        moment = state.due
    fields = ["state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses"]
    before = {name: getattr(state, name) for name in fields}
    services.review_answer(user=learner, card_state_id=state.pk, rating=1, expected_reps=2,
                           now=moment + datetime.timedelta(days=3))  # fmt: skip
    state.refresh_from_db()
    assert state.lapses == 1
    restored = services.review_undo(user=learner)
    restored.refresh_from_db()
    assert {name: getattr(restored, name) for name in fields} == before
    assert ReviewLog.objects.filter(card_state=state).count() == 2


def test_undo_takes_the_review_off_the_activity_day(learner):
    services.deck_add_cards(user=learner, term=GlossaryTerm.objects.get(term="Broker"))
    state = term_state(learner, "Broker")
    services.review_answer(user=learner, card_state_id=state.pk, rating=3, expected_reps=0)
    assert ActivityDay.objects.get(user=learner).reviews == 1
    services.review_undo(user=learner)
    assert ActivityDay.objects.get(user=learner).reviews == 0
    assert services.review_undo(user=learner) is None  # nothing left to undo


# Daily limits and the learner's local day ----------------------------------------------------


def answer_next(user, rating, now):
    card = selectors.review_next(user=user, deck=deck_all(), now=now)
    assert card is not None
    services.review_answer(user=user, card_state_id=card.pk, rating=rating,
                           expected_reps=card.reps, now=now)  # fmt: skip
    return card


def test_new_cards_per_day_limit(learner):
    ReviewSettings.objects.create(user=learner, new_cards_per_day=2)
    services.deck_add_cards(user=learner, guide=Card.objects.first().guide)
    now = _now()
    assert selectors.review_counts(user=learner, deck=deck_all(), now=now).new == 2
    answer_next(learner, 4, now)
    answer_next(learner, 4, now)
    counts = selectors.review_counts(user=learner, deck=deck_all(), now=now)
    assert counts.new == 0 and counts.total == 0
    assert selectors.review_next(user=learner, deck=deck_all(), now=now) is None


def test_siblings_of_a_new_card_wait_until_tomorrow(learner):
    services.deck_add_cards(user=learner, term=GlossaryTerm.objects.get(term="Producer"))
    now = _now()
    first = answer_next(learner, 4, now)
    assert first.card.kind == "forward"
    assert selectors.review_next(user=learner, deck=deck_all(), now=now) is None
    tomorrow = now + datetime.timedelta(days=1)
    assert selectors.review_next(user=learner, deck=deck_all(), now=tomorrow).card.kind != "forward"


def test_the_new_count_is_the_new_cards_a_session_will_show(learner):
    # Five terms make eleven cards, but siblings wait a day: a session shows five new cards,
    # and the deck says so (it said "11 new" and then showed five).
    services.deck_add_cards(user=learner, guide=Guide.objects.get(slug="queues"))
    now = _now()
    assert CardState.objects.filter(user=learner).count() == 11
    counts = selectors.review_counts(user=learner, deck=deck_all(), now=now)
    shown = 0
    while selectors.review_next(user=learner, deck=deck_all(), now=now) is not None:
        if answer_next(learner, 4, now).state == CardState.State.NEW:
            shown += 1
        now += datetime.timedelta(seconds=5)
    assert counts.new == shown == 5


@pytest.mark.parametrize("tz", ["Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata"])
def test_the_new_card_limit_resets_at_local_midnight(library, tz):
    user = make_user(f"tz-{tz.replace('/', '-').lower()}@example.com", tz=tz)
    ReviewSettings.objects.create(user=user, new_cards_per_day=1)
    services.deck_add_cards(user=user, guide=Card.objects.first().guide)
    zone = zoneinfo.ZoneInfo(tz)
    before_midnight = datetime.datetime(2026, 3, 28, 23, 58, tzinfo=zone).astimezone(UTC)
    after_midnight = datetime.datetime(2026, 3, 29, 0, 2, tzinfo=zone).astimezone(UTC)
    answer_next(user, 4, before_midnight - datetime.timedelta(hours=1))
    assert selectors.review_counts(user=user, deck=deck_all(), now=before_midnight).new == 0
    assert selectors.review_next(user=user, deck=deck_all(), now=before_midnight) is None
    assert selectors.review_counts(user=user, deck=deck_all(), now=after_midnight).new == 1
    assert selectors.review_next(user=user, deck=deck_all(), now=after_midnight) is not None


def test_review_cards_fall_due_at_local_midnight_not_at_the_exact_hour(library):
    user = make_user("night@example.com", tz="Europe/Berlin")
    services.deck_add_cards(user=user, term=GlossaryTerm.objects.get(term="Broker"))
    state = term_state(user, "Broker")
    zone = zoneinfo.ZoneInfo("Europe/Berlin")
    due = datetime.datetime(2026, 10, 25, 18, 0, tzinfo=zone)  # the day clocks go back
    CardState.objects.filter(pk=state.pk).update(
        state=2, stability=3.0, difficulty=5.0, due=due, last_review=due - datetime.timedelta(3)
    )
    just_before = datetime.datetime(2026, 10, 24, 23, 59, tzinfo=zone).astimezone(UTC)
    just_after = datetime.datetime(2026, 10, 25, 0, 1, tzinfo=zone).astimezone(UTC)
    assert selectors.review_next(user=user, deck=deck_all(), now=just_before) is None
    assert selectors.review_next(user=user, deck=deck_all(), now=just_after).pk == state.pk
    # The answer counts on the local day it was given, not the UTC one.
    services.review_answer(user=user, card_state_id=state.pk, rating=3, expected_reps=0,
                           now=just_after)  # fmt: skip
    assert ActivityDay.objects.get(user=user).day == datetime.date(2026, 10, 25)


# Idempotency and concurrency ---------------------------------------------------------------


def test_a_repeated_answer_is_recorded_once(client, learner, django_capture_on_commit_callbacks):
    services.deck_add_cards(user=learner, term=GlossaryTerm.objects.get(term="Broker"))
    counter = REVIEWS_TOTAL.labels(rating="good")
    before = counter._value.get()
    state = term_state(learner, "Broker")
    form = {"deck": "all", "card": state.pk, "reps": 0, "rating": 3}
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/flashcards/review/answer/", form, headers={"HX-Request": "true"}
            )
        assert response.status_code == 200
    state.refresh_from_db()
    assert state.reps == 1 and ReviewLog.objects.filter(card_state=state).count() == 1
    assert ActivityDay.objects.get(user=learner).reviews == 1
    assert counter._value.get() == before + 1  # the Prometheus counter, once


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_reviews_once(library):
    user = make_user("twice@example.com")
    services.deck_add_cards(user=user, term=GlossaryTerm.objects.get(term="Broker"))
    state = term_state(user, "Broker")
    barrier = threading.Barrier(6)
    results = []

    def submit():
        barrier.wait()
        try:
            answer = services.review_answer(user=user, card_state_id=state.pk, rating=3,
                                            expected_reps=0)  # fmt: skip
            results.append(answer.applied)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]
    assert ReviewLog.objects.filter(card_state=state).count() == 1


# The review session over HTTP ---------------------------------------------------------------


def test_review_page_full_and_partial(client, learner):
    services.deck_add_cards(user=learner, guide=Card.objects.first().guide)
    page = client.get("/flashcards/review/?deck=all")
    assert page.status_code == 200
    html = page.content.decode()
    # Eleven cards from five terms; siblings wait a day, so five new cards today.
    assert "<html" in html and "Show answer" in html and "5 new" in html
    assert "Again" in html and "Easy" in html and 'data-rating="4"' in html
    partial = client.get("/flashcards/review/?deck=all", headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and 'id="review"' in partial.content.decode()


def test_answer_returns_the_next_card_as_a_partial_and_redirects_without_js(client, learner):
    services.deck_add_cards(user=learner, guide=Card.objects.first().guide)
    first = selectors.review_next(user=learner, deck=deck_all(), now=_now())
    response = client.post(
        "/flashcards/review/answer/",
        {"deck": "all", "card": first.pk, "reps": 0, "rating": 4},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "<html" not in html and f'name="card" value="{first.pk}"' not in html
    assert "Undo last answer" in html
    second = selectors.review_next(user=learner, deck=deck_all(), now=_now())
    response = client.post(
        "/flashcards/review/answer/", {"deck": "all", "card": second.pk, "reps": 0, "rating": 3}
    )
    assert response.status_code == 302 and response["Location"] == "/flashcards/review/?deck=all"


def test_undo_over_http_shows_the_card_again(client, learner):
    services.deck_add_cards(user=learner, term=GlossaryTerm.objects.get(term="Broker"))
    state = term_state(learner, "Broker")
    client.post("/flashcards/review/answer/", {"deck": "all", "card": state.pk, "reps": 0,
                                               "rating": 4})  # fmt: skip
    response = client.post("/flashcards/review/undo/", {"deck": "all"},
                           headers={"HX-Request": "true"})  # fmt: skip
    assert f'name="card" value="{state.pk}"' in response.content.decode()
    state.refresh_from_db()
    assert state.reps == 0 and state.state == CardState.State.NEW


def test_session_summary_when_done(client, learner):
    services.deck_add_cards(user=learner, term=GlossaryTerm.objects.get(term="Broker"))
    state = term_state(learner, "Broker")
    client.post("/flashcards/review/answer/", {"deck": "all", "card": state.pk, "reps": 0,
                                               "rating": 4, "shown_at": 1})  # fmt: skip
    html = client.get("/flashcards/review/?deck=all").content.decode()
    assert "Done for now" in html and "1</strong> card today" in html and "Easy 1" in html


@pytest.mark.parametrize(
    "form",
    [
        {"deck": "all", "rating": 3, "reps": 0},
        {"deck": "all", "card": "x", "rating": 3, "reps": 0},
        {"deck": "all", "card": 1, "rating": 5, "reps": 0},
        {"deck": "all", "card": 1, "rating": 0, "reps": 0},
        {"deck": "all", "card": 1, "rating": 3, "reps": -1},
    ],
)
def test_malformed_answers_are_refused_and_change_nothing(client, learner, form):
    services.deck_add_cards(user=learner, term=GlossaryTerm.objects.get(term="Broker"))
    response = client.post("/flashcards/review/answer/", form)
    assert response.status_code == 400
    assert not ReviewLog.objects.exists()


def test_unknown_decks_are_404(client, learner):
    for deck in ("guide:nope", "phase:nope", "everything", "all:x"):
        assert client.get(f"/flashcards/review/?deck={deck}").status_code == 404


def test_decks_by_guide_and_phase(client, learner):
    services.deck_add_cards(user=learner, guide=Card.objects.filter(guide__slug="caches")[0].guide)
    services.deck_add_cards(user=learner, term=GlossaryTerm.objects.get(term="Broker"))
    guide_deck = selectors.deck_resolve(key="guide:caches")
    assert selectors.review_next(user=learner, deck=guide_deck, now=_now()).card.guide.slug == (
        "caches"
    )
    phase = CardState.objects.filter(user=learner, guide__slug="queues")[0].guide.track
    phase_deck = selectors.deck_resolve(key=f"phase:{phase.slug}")
    assert selectors.review_counts(user=learner, deck=phase_deck, now=_now()).new == 1
    html = client.get("/flashcards/").content.decode()
    assert "Phase 1: Basics" in html and "Caches" in html and "3 of 13 cards" in html


def test_add_a_phase_and_settings_with_bad_input(client, learner):
    phase = Card.objects.get(term__term="Cache", kind="forward").guide.track
    response = client.post("/flashcards/deck/add/", {"phase": phase.slug})
    assert response.status_code == 302
    assert CardState.objects.filter(user=learner).count() == 2
    for bad in ({"desired_retention": "1.5", "new_cards_per_day": "20"},
                {"desired_retention": "0.9", "new_cards_per_day": "-1"},
                {"desired_retention": "lots", "new_cards_per_day": "20"}):  # fmt: skip
        response = client.post("/flashcards/settings/", bad)
        assert response.status_code == 400 and 'class="errorlist' in response.content.decode()
    assert not ReviewSettings.objects.filter(user=learner).exists()
    client.post("/flashcards/settings/", {"desired_retention": "0.85", "new_cards_per_day": "5"})
    assert ReviewSettings.objects.get(user=learner).new_cards_per_day == 5


def test_remove_only_takes_back_unseen_cards(client, learner):
    producer = GlossaryTerm.objects.get(term="Producer")
    client.post("/flashcards/deck/add/", {"term": producer.pk})
    assert CardState.objects.filter(user=learner).count() == 3
    forward = term_state(learner, "Producer")
    services.review_answer(user=learner, card_state_id=forward.pk, rating=3, expected_reps=0)
    client.post("/flashcards/deck/remove/", {"term": producer.pk})
    assert list(CardState.objects.filter(user=learner)) == [forward]


# Safety ------------------------------------------------------------------------------------------


def test_another_learners_cards_are_404_and_untouched(client, learner):
    other = make_user("eve@example.com")
    services.deck_add_cards(user=other, term=GlossaryTerm.objects.get(term="Broker"))
    theirs = term_state(other, "Broker")
    response = client.post("/flashcards/review/answer/",
                           {"deck": "all", "card": theirs.pk, "reps": 0, "rating": 3})  # fmt: skip
    assert response.status_code == 404
    services.review_answer(user=other, card_state_id=theirs.pk, rating=3, expected_reps=0)
    assert client.post("/flashcards/review/undo/", {"deck": "all"}).status_code == 302
    theirs.refresh_from_db()
    assert theirs.reps == 1  # our undo did not touch their answer
    assert "Nothing to review" in client.get("/flashcards/review/").content.decode()
    term_page = client.get(f"/glossary/queues/{theirs.card.term.anchor}/").content.decode()
    assert "Not in your deck" in term_page


def test_posts_need_csrf_and_sign_in(learner, library):
    services.deck_add_cards(user=learner, term=GlossaryTerm.objects.get(term="Broker"))
    state = term_state(learner, "Broker")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    for url, data in (
        ("/flashcards/review/answer/", {"card": state.pk, "reps": 0, "rating": 3}),
        ("/flashcards/review/undo/", {}),
        ("/flashcards/deck/add/", {"term": state.card.term_id}),
        ("/flashcards/settings/", {"desired_retention": "0.9", "new_cards_per_day": "1"}),
    ):
        assert strict.post(url, data).status_code == 403
        assert Client().post(url, data).status_code == 302  # anonymous: to the sign-in page
    assert strict.get("/flashcards/review/answer/").status_code == 405
    state.refresh_from_db()
    assert state.reps == 0


# Glossary browser and dashboard ---------------------------------------------------------------


def test_glossary_browser_lists_searches_and_filters(client, learner):
    html = client.get("/glossary/").content.decode()
    # One letter a page: the first letter, and links to the others.
    assert "6 terms" in html and 'id="letter-B"' in html and "Broker" in html
    assert "Dead letter queue" not in html and 'href="?letter=D"' in html
    letter_p = client.get("/glossary/?letter=p").content.decode()
    assert "Producer" in letter_p and "Sends messages" in letter_p  # plain text, not Markdown
    assert "Broker" not in letter_p.split('id="glossary-results"')[1]
    # An unknown letter falls back to the first; a search spans every letter.
    assert "Broker" in client.get("/glossary/?letter=%E2%9C%93").content.decode()
    searched = client.get("/glossary/?q=messages").content.decode()
    assert "Producer" in searched and "Dead letter queue" in searched
    assert "2 terms" not in client.get("/glossary/?q=bookmark").content.decode()
    assert "1 term " in client.get("/glossary/?q=bookmark").content.decode()
    filtered = client.get("/glossary/?guide=caches").content.decode()
    assert "1 term" in filtered and "Broker" not in filtered.split('id="glossary-results"')[1]
    partial = client.get(
        "/glossary/?q=cache", headers={"HX-Request": "true", "HX-Target": "glossary-results"}
    )
    assert "<html" not in partial.content.decode()
    assert Client().get("/glossary/").status_code == 200  # public, like the library
    anonymous = Client().get("/glossary/queues/term-offset/")
    assert anonymous.status_code == 200 and "Your cards" not in anonymous.content.decode()


def test_term_page_shows_fields_uses_and_card_state(client, learner):
    term = GlossaryTerm.objects.get(term="Offset")
    html = client.get(f"/glossary/queues/{term.anchor}/").content.decode()
    assert "A position in a log" in html and "Add to my deck" in html
    client.post("/flashcards/deck/add/", {"term": term.pk})
    html = client.get(f"/glossary/queues/{term.anchor}/").content.decode()
    assert "In your deck" in html and html.count("<td>New</td>") == 3
    assert client.get("/glossary/queues/term-nope/").status_code == 404


def test_term_page_lists_the_guides_that_mention_it_in_prose(client, guide_repo):
    guides_import(
        path=guide_repo(
            {
                "queues.md": guide(),
                "logs.md": "# Logs\n\n## Reading\n\nKeep the dead letters here.\n\n"
                "### Resuming\n\nStore the offset after each batch.\n\n"
                "## Writing\n\nA consumer commits its offsets.\n",
                "code.md": "# Code\n\n## Example\n\n```python\noffset = 3\n```\n\n"
                '```mermaid\ngraph LR\n  A["offset"] --> B\n```\n',
                "titled.md": "# Offset tuning\n\n## First\n\nNothing.\n\n## Offset lag\n\nNone.\n",
                "gone.md": "# Gone\n\n## Old\n\nThe offset was here.\n",
            }
        )
    )
    Guide.objects.filter(slug="gone").update(is_archived=True)
    html = client.get("/glossary/queues/term-offset/").content.decode()
    uses = html.split("Guides that use it")[1]
    # Every H1-H3 section whose heading or prose says it (stemmed: "offsets" too); not code or
    # diagrams, not the headings above a section, not archived guides, not the term's own guide.
    assert 'href="/guides/logs/"' in uses and "mentions it in 2 sections" in uses
    # "Offset tuning" is above both of its sections; only "Offset lag" is about it.
    assert 'href="/guides/titled/"' in uses and "mentions it in 1 section<" in uses
    assert "/guides/code/" not in uses and "/guides/gone/" not in uses
    assert 'href="/guides/queues/"' not in uses
    dead = client.get("/glossary/queues/term-dead-letter-queue/").content.decode()
    assert "Guides that use it" not in dead  # a phrase: "dead letters here" is not it


def test_add_from_the_guide_popover(client, learner):
    html = client.get("/guides/queues/").content.decode()
    assert 'id="deck-add-template"' in html and 'name="term_anchor"' in html
    response = client.post("/flashcards/deck/add/",
                           {"term_guide": "queues", "term_anchor": "term-offset"},
                           headers={"HX-Request": "true"})  # fmt: skip
    assert "In your deck" in response.content.decode()
    assert CardState.objects.filter(user=learner, card__term__term="Offset").count() == 3
    missing = client.post("/flashcards/deck/add/", {"term_guide": "queues", "term_anchor": "x"})
    assert missing.status_code == 404


def test_dashboard_shows_due_cards_and_fading_topics(client, learner):
    services.deck_add_cards(user=learner, guide=Card.objects.first().guide)
    long_ago = _now() - datetime.timedelta(days=60)
    CardState.objects.filter(user=learner, card__guide__slug="queues").update(
        state=2, stability=2.0, difficulty=5.0, due=long_ago + datetime.timedelta(days=2),
        last_review=long_ago,
    )  # fmt: skip
    html = client.get("/dashboard/").content.decode()
    assert "11</strong> cards to study today" in html
    assert "Fading topics" in html and "Queues" in html.split("Fading topics")[1]
    expected = fsrs.Scheduler().get_card_retrievability(
        fsrs.Card(card_id=1, state=fsrs.State.Review, stability=2.0, difficulty=5.0,
                  last_review=long_ago), _now()
    )  # fmt: skip
    fading = selectors.memory_for_dashboard(user=learner, now=_now())["fading"][0]
    assert fading.retrievability == pytest.approx(expected, rel=1e-6)


def test_review_queries_do_not_grow_with_the_deck(client, learner, guide_repo):
    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    services.deck_add_cards(user=learner, guide=Card.objects.first().guide)
    small = (count("/flashcards/review/"), count("/flashcards/"), count("/dashboard/"))
    many = [(f"Term {n}", f"Definition {n}", f"When {n}", f"Like {n}") for n in range(150)]
    guides_import(path=guide_repo({"phase3-big/big.md": guide(many, "Big")}))
    services.deck_add_cards(user=learner, guide=Card.objects.get(term__term="Term 1",
                                                                 kind="forward").guide)  # fmt: skip
    assert (count("/flashcards/review/"), count("/flashcards/"), count("/dashboard/")) == small

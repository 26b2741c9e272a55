import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.bulk import bulk_cursor, quoted_column
from apps.core.metrics import REVIEWS_TOTAL
from apps.flashcards import scheduling
from apps.flashcards.cards import Faces, TermFields, card_faces
from apps.flashcards.models import Card, CardState, ReviewLog, ReviewSettings
from apps.guides.models import GlossaryTerm, Guide, Track, guide_visible_q
from apps.progress.services import activity_record

# The fields of a card's schedule: written by an answer, restored by undo.
SCHEDULE_FIELDS = [
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
]


def cards_sync_for_guide(*, guide: Guide, faces: dict[TermFields, Faces] | None = None) -> int:
    """Make the cards of a guide match its terms. A term whose definition changed keeps its
    cards (and every learner's schedule); a term or field that disappeared archives the card,
    with its history, until it comes back. `faces`: those already computed, by the term's
    fields (see `guide_card_faces`); a term whose stored fields are not there is computed."""
    faces = faces or {}
    terms = GlossaryTerm.objects.filter(guide=guide, is_archived=False).only(
        "pk", "term", "description", "use_when", "like"
    )
    rows: list[tuple[int, str, str, str]] = []  # (term id, kind, front, back)
    for term in terms:
        fields = (term.term, term.description, term.use_when, term.like)
        term_faces = (
            faces[fields]
            if fields in faces
            else card_faces(
                term=term.term, description=term.description, use_when=term.use_when, like=term.like
            )
        )
        rows += [(term.pk, kind, front, back) for kind, front, back in term_faces]
    kept = _cards_upsert(guide=guide, rows=rows)
    # A card not among those upserted is stale (one condition per card made a query whose
    # compilation cost more than the upsert).
    Card.objects.filter(guide=guide, is_archived=False).exclude(pk__in=kept).update(
        is_archived=True
    )
    return len(rows)


def _cards_upsert(*, guide: Guide, rows: list[tuple[int, str, str, str]]) -> list[int]:
    """Insert or update (on the term and kind) the guide's cards, not archived, in one
    statement with one array per column (bound on the server, see `bulk_cursor`); the ids of
    the rows written. A guide's cards carry their HTML twice (front and back): the ORM's
    bulk_create spent more building and quoting them than PostgreSQL writing them."""
    if not rows:
        return []
    term, guide_column, kind, front, back, archived, pk = (
        quoted_column(Card, name)
        for name in ("term", "guide", "kind", "front_html", "back_html", "is_archived", "id")
    )
    table = connection.ops.quote_name(Card._meta.db_table)
    with bulk_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({term}, {guide_column}, {kind}, {front}, "  # noqa: S608 - names from _meta
            f"{back}, {archived}) SELECT t.term, %s, t.kind, t.front, t.back, false "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) "
            "WITH ORDINALITY AS t(term, kind, front, back, n) ORDER BY n "
            f"ON CONFLICT ({term}, {kind}) DO UPDATE SET {guide_column} = EXCLUDED.{guide_column}, "
            f"{front} = EXCLUDED.{front}, {back} = EXCLUDED.{back}, {archived} = false "
            f"RETURNING {pk}",
            [guide.pk, *(list(column) for column in zip(*rows, strict=True))],
        )
        return [row[0] for row in cursor.fetchall()]


def cards_sync_all() -> int:
    return sum(cards_sync_for_guide(guide=guide) for guide in Guide.objects.only("pk"))


def deck_add_cards(
    *,
    user: User,
    guide: Guide | None = None,
    track: Track | None = None,
    term: GlossaryTerm | None = None,
) -> int:
    """Put cards in the learner's deck as new cards, in the guide's order. Cards already there
    keep their schedule. Returns how many were added."""
    queryset = (
        Card.objects.filter(guide_visible_q("guide__"), is_archived=False)
        .filter(term__is_archived=False)
        .order_by("guide_id", "term__position", "id")
    )
    if guide is not None:
        queryset = queryset.filter(guide=guide)
    if track is not None:
        queryset = queryset.filter(guide__track=track)
    if term is not None:
        queryset = queryset.filter(term=term)
    now = timezone.now()
    created = CardState.objects.bulk_create(
        [
            CardState(user=user, card_id=card_id, guide_id=guide_id, due=now)
            for card_id, guide_id in queryset.values_list("pk", "guide_id")
        ],
        ignore_conflicts=True,
    )
    return CardState.objects.filter(user=user, added_at__gte=now).count() if created else 0


def deck_remove_new_cards(*, user: User, term: GlossaryTerm) -> int:
    """Take a term back out of the deck while its cards are still unseen; studied cards stay,
    because their history is the learner's."""
    deleted, _ = CardState.objects.filter(
        user=user, card__term=term, state=CardState.State.NEW, reps=0
    ).delete()
    return deleted


class InvalidRating(ValueError):
    pass


@dataclass(frozen=True)
class Answer:
    card_state: CardState
    applied: bool  # False: a repeated submission of an answer already recorded


def review_answer(
    *,
    user: User,
    card_state_id: int,
    rating: int,
    expected_reps: int,
    duration_ms: int | None = None,
    now: datetime.datetime | None = None,
) -> Answer:
    """Record one answer and reschedule the card with FSRS. The form carries the repetition
    number it was shown at: a second submission of the same answer (double click, retry)
    finds the number moved on and changes nothing. Raises CardState.DoesNotExist for a card
    that is not the user's."""
    if rating not in (1, 2, 3, 4):
        raise InvalidRating(f"rating must be 1-4, not {rating!r}")
    now = now or timezone.now()
    retention = review_settings_get(user=user).desired_retention
    with transaction.atomic():
        state = (
            CardState.objects.select_for_update(of=("self",))
            .filter(guide_visible_q("guide__"), card__is_archived=False, is_suspended=False)
            .get(pk=card_state_id, user=user)
        )
        if state.reps != expected_reps:
            return Answer(card_state=state, applied=False)
        outcome = scheduling.review(state, rating, now=now, desired_retention=retention)
        ReviewLog.objects.create(
            user=user,
            card_state=state,
            rating=rating,
            reviewed_at=now,
            duration_ms=None if duration_ms is None else max(0, min(duration_ms, 600_000)),
            reps_before=state.reps,
            state_before=state.state,
            step_before=state.step,
            stability_before=state.stability,
            difficulty_before=state.difficulty,
            due_before=state.due,
            last_review_before=state.last_review,
            lapses_before=state.lapses,
        )
        if state.state == CardState.State.REVIEW and rating == 1:
            state.lapses += 1
        state.state = outcome.state
        state.step = outcome.step
        state.stability = outcome.stability
        state.difficulty = outcome.difficulty
        state.due = outcome.due
        state.last_review = outcome.last_review
        state.reps += 1
        state.save(update_fields=SCHEDULE_FIELDS)
        activity_record(user=user, kind="reviews", at=now)
        label = ReviewLog.Rating(rating).label.lower()
        transaction.on_commit(lambda: REVIEWS_TOTAL.labels(rating=label).inc())
    return Answer(card_state=state, applied=True)


def review_undo(*, user: User) -> CardState | None:
    """Take back the user's last answer: the card returns to exactly the state it had."""
    with transaction.atomic():
        log = (
            ReviewLog.objects.select_for_update()
            .filter(user=user)
            .order_by("-reviewed_at", "-pk")
            .select_related("card_state")
            .first()
        )
        if log is None:
            return None
        state = log.card_state
        state.state = log.state_before
        state.step = log.step_before
        state.stability = log.stability_before
        state.difficulty = log.difficulty_before
        state.due = log.due_before
        state.last_review = log.last_review_before
        state.lapses = log.lapses_before
        state.reps = log.reps_before
        state.save(update_fields=SCHEDULE_FIELDS)
        log.delete()
        activity_record(user=user, kind="reviews", count=-1, at=log.reviewed_at)
    return state


def _own_card_for_update(*, user: User, card_state_id: int) -> CardState:
    return (
        CardState.objects.select_for_update(of=("self",))
        .filter(guide_visible_q("guide__"), card__is_archived=False)
        .get(pk=card_state_id, user=user)
    )


def card_suspend_set(*, user: User, card_state_id: int, suspended: bool) -> CardState:
    """Suspend a card (out of the review queue, schedule kept) or bring it back. Raises
    CardState.DoesNotExist for a card that is not the user's or whose guide is hidden."""
    with transaction.atomic():
        state = _own_card_for_update(user=user, card_state_id=card_state_id)
        if state.is_suspended != suspended:
            state.is_suspended = suspended
            state.save(update_fields=["is_suspended"])
    return state


def card_reset(
    *, user: User, card_state_id: int, now: datetime.datetime | None = None
) -> CardState:
    """Like Anki's "Forget": the card becomes new again and is learned from scratch. Its
    review history stays, and so do the repetition and lapse counts, which number that
    history (a log is unique per card and repetition)."""
    now = now or timezone.now()
    with transaction.atomic():
        state = _own_card_for_update(user=user, card_state_id=card_state_id)
        state.state = CardState.State.NEW
        state.step = None
        state.stability = None
        state.difficulty = None
        state.due = now
        state.last_review = None
        state.save(update_fields=["state", "step", "stability", "difficulty", "due", "last_review"])
    return state


def review_settings_get(*, user: User) -> ReviewSettings:
    try:
        return user.review_settings
    except ReviewSettings.DoesNotExist:
        return ReviewSettings(user=user)


def review_settings_update(
    *, user: User, desired_retention: float, new_cards_per_day: int
) -> ReviewSettings:
    settings, _ = ReviewSettings.objects.update_or_create(
        user=user,
        defaults={"desired_retention": desired_retention, "new_cards_per_day": new_cards_per_day},
    )
    return settings

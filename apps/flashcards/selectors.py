import datetime
import re
from dataclasses import dataclass, field

import fsrs
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchQuery
from django.db.models import Avg, Count, F, FloatField, Func, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Extract, Floor, Greatest, Lower
from django.http import Http404

from apps.accounts.models import User
from apps.flashcards import scheduling
from apps.flashcards.models import Card, CardState, ReviewLog
from apps.flashcards.services import review_settings_get
from apps.guides.models import GlossaryTerm, Guide, Track, guide_visible_q
from apps.search.selectors import guides_mentioning

# Topics whose studied cards are, on average, less likely than this to be recalled today.
FADING_BELOW = 0.8
_DECAY = -fsrs.scheduler.DEFAULT_PARAMETERS[20]
_FACTOR = 0.9 ** (1 / _DECAY) - 1


@dataclass(frozen=True)
class Deck:
    key: str
    title: str
    guide_ids: tuple[int, ...] | None = None  # None: every card in the learner's deck

    def scope(self, queryset: QuerySet) -> QuerySet:
        if self.guide_ids is None:
            return queryset
        return queryset.filter(guide_id__in=self.guide_ids)


def deck_resolve(*, key: str) -> Deck:
    """ "all", "guide:<slug>" or "phase:<track slug>"; anything else is a 404."""
    kind, _, slug = (key or "all").partition(":")
    if kind == "all" and not slug:
        return Deck(key="all", title="Everything due")
    if kind == "guide":
        guide = Guide.objects.visible().filter(slug=slug).only("pk", "title").first()
        if guide:
            return Deck(key=f"guide:{slug}", title=guide.title, guide_ids=(guide.pk,))
    if kind == "phase":
        track = Track.objects.visible().filter(slug=slug).only("pk", "title").first()
        if track:
            ids = tuple(Guide.objects.visible().filter(track=track).values_list("pk", flat=True))
            return Deck(key=f"phase:{slug}", title=track.title, guide_ids=ids)
    raise Http404("No such deck.")


@dataclass(frozen=True)
class QueueCounts:
    new: int
    learning: int
    review: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


@dataclass
class Day:
    start: datetime.datetime
    end: datetime.datetime


def learner_day(*, user: User, now: datetime.datetime) -> Day:
    return Day(*scheduling.local_day_bounds(user.timezone, now))


def _studied(user: User) -> QuerySet:
    # Cards of a guide that was unpublished or archived since are out of the queue until it
    # is back; their schedule and history are kept.
    return CardState.objects.filter(guide_visible_q("guide__"), user=user, card__is_archived=False)


def _queue(user: User) -> QuerySet:
    # Suspended cards stay in the deck (and the browser) but never come up for review.
    return _studied(user).filter(is_suspended=False)


def new_cards_left_today(*, user: User, day: Day) -> int:
    introduced = ReviewLog.objects.filter(
        user=user, reviewed_at__gte=day.start, state_before=CardState.State.NEW
    ).count()
    return max(review_settings_get(user=user).new_cards_per_day - introduced, 0)


def _terms_seen(*, user: User, day: Day) -> QuerySet:
    return ReviewLog.objects.filter(user=user, reviewed_at__gte=day.start).values(
        "card_state__card__term_id"
    )


def review_counts(*, user: User, deck: Deck, now: datetime.datetime) -> QueueCounts:
    """What is left today. Each count walks an index over the cards it counts, never the whole
    deck: new cards only up to today's remaining limit, studied cards only the due range."""
    day = learner_day(user=user, now=now)
    cards = deck.scope(_queue(user))
    left = new_cards_left_today(user=user, day=day)
    new = 0
    if left:
        # One new card per term a day: review_next buries a term's other cards (siblings)
        # once one is shown, so the count is of terms, not cards.
        new = (
            cards.filter(state=CardState.State.NEW)
            .exclude(card__term_id__in=_terms_seen(user=user, day=day))
            .order_by()
            .values("card__term_id")
            .distinct()[:left]
            .count()
        )
    due = cards.filter(state__gt=0, due__lt=day.end).aggregate(
        learning=Count(
            "pk", filter=Q(state__in=[CardState.State.LEARNING, CardState.State.RELEARNING])
        ),
        review=Count("pk", filter=Q(state=CardState.State.REVIEW)),
    )
    return QueueCounts(new=new, learning=due["learning"], review=due["review"])


def review_next(*, user: User, deck: Deck, now: datetime.datetime) -> CardState | None:
    """The card to show now: learning cards that are due and review cards due today (local),
    earliest first; then new cards while today's limit allows; then, like Anki, a learning
    card due in the next 20 minutes rather than ending the session early."""
    day = learner_day(user=user, now=now)
    cards = deck.scope(_queue(user)).select_related("card__term", "card__guide")
    due = (
        cards.filter(state__gt=0, due__lt=day.end)
        .filter(Q(state=CardState.State.REVIEW) | Q(due__lte=now))
        .order_by("due", "pk")
        .first()
    )
    if due:
        return due
    if new_cards_left_today(user=user, day=day) > 0:
        # Like Anki's sibling burying: a term's other new cards wait until tomorrow once one of
        # its cards has been answered today, so the reverse card does not follow its own answer.
        new = (
            cards.filter(state=CardState.State.NEW)
            .exclude(card__term_id__in=_terms_seen(user=user, day=day))
            .order_by("pk")
            .first()
        )
        if new:
            return new
    return (
        cards.filter(
            state__in=[CardState.State.LEARNING, CardState.State.RELEARNING],
            due__lte=now + scheduling.LEARN_AHEAD,
        )
        .order_by("due", "pk")
        .first()
    )


@dataclass
class SessionSummary:
    reviewed: int
    by_rating: dict[str, int]
    minutes: float
    next_due: datetime.datetime | None


def review_summary(*, user: User, deck: Deck, now: datetime.datetime) -> SessionSummary:
    day = learner_day(user=user, now=now)
    logs = ReviewLog.objects.filter(user=user, reviewed_at__gte=day.start)
    if deck.guide_ids is not None:
        logs = logs.filter(card_state__guide_id__in=deck.guide_ids)
    totals = logs.aggregate(
        reviewed=Count("pk"),
        again=Count("pk", filter=Q(rating=1)),
        hard=Count("pk", filter=Q(rating=2)),
        good=Count("pk", filter=Q(rating=3)),
        easy=Count("pk", filter=Q(rating=4)),
        duration=Sum("duration_ms"),
    )
    next_due = deck.scope(_queue(user)).filter(state__gt=0).aggregate(next=Min("due"))["next"]
    return SessionSummary(
        reviewed=totals["reviewed"],
        by_rating={name: totals[name] for name in ("again", "hard", "good", "easy")},
        minutes=(totals["duration"] or 0) / 60_000,
        next_due=next_due,
    )


@dataclass
class DeckRow:
    key: str
    title: str
    terms: int = 0
    in_deck: int = 0
    new: int = 0
    due: int = 0
    phase: str = ""
    guide: Guide | None = None
    guides: list["DeckRow"] = field(default_factory=list)


@dataclass
class DeckOverview:
    everything: DeckRow
    phases: list[DeckRow] = field(default_factory=list)
    guides: list[DeckRow] = field(default_factory=list)


def deck_overview(*, user: User, now: datetime.datetime) -> DeckOverview:
    """Every guide with a glossary: how many terms it has, how many cards of it the learner
    studies, and what is due today. Three queries whatever the size of the library."""
    day = learner_day(user=user, now=now)
    guides = list(
        Guide.objects.visible()
        .filter(cards__is_archived=False)
        .select_related("track")
        .only("pk", "slug", "title", "track__slug", "track__title", "track__position")
        .annotate(card_count=Count("cards", distinct=True))
        .order_by("track__position", "position")
    )
    per_guide = {
        row["guide_id"]: row
        for row in _studied(user)
        .values("guide_id")
        .annotate(
            in_deck=Count("pk"),
            new=Count("pk", filter=Q(state=CardState.State.NEW, is_suspended=False)),
            due=Count("pk", filter=Q(state__gt=0, due__lt=day.end, is_suspended=False)),
        )
    }
    everything = DeckRow(key="all", title="Everything due")
    phases: dict[str, DeckRow] = {}
    rows = []
    for guide in guides:
        stats = per_guide.get(guide.pk, {})
        row = DeckRow(
            key=f"guide:{guide.slug}",
            title=guide.title,
            terms=guide.card_count,
            in_deck=stats.get("in_deck", 0),
            new=stats.get("new", 0),
            due=stats.get("due", 0),
            phase=guide.track.title,
            guide=guide,
        )
        rows.append(row)
        phase = phases.setdefault(
            guide.track.slug, DeckRow(key=f"phase:{guide.track.slug}", title=guide.track.title)
        )
        phase.guides.append(row)
        for target in (phase, everything):
            target.terms += row.terms
            target.in_deck += row.in_deck
            target.new += row.new
            target.due += row.due
    return DeckOverview(everything=everything, phases=list(phases.values()), guides=rows)


@dataclass(frozen=True)
class FadingTopic:
    guide: Guide
    retrievability: float
    cards: int


def memory_for_dashboard(*, user: User, now: datetime.datetime) -> dict:
    """Cards due today and the topics whose cards are fading, in two queries."""
    counts = review_counts(user=user, deck=Deck(key="all", title=""), now=now)
    rows = (
        _queue(user)
        .filter(state=CardState.State.REVIEW, stability__gt=0)
        .values("guide_id", "guide__slug", "guide__title")
        .annotate(
            cards=Count("pk"),
            retrievability=_avg_retrievability(now),
        )
        .filter(retrievability__lt=FADING_BELOW)
        .order_by("retrievability")[:5]
    )
    fading = [
        FadingTopic(
            guide=Guide(pk=row["guide_id"], slug=row["guide__slug"], title=row["guide__title"]),
            retrievability=row["retrievability"],
            cards=row["cards"],
        )
        for row in rows
    ]
    return {"counts": counts, "fading": fading, "threshold": FADING_BELOW}


def _avg_retrievability(now: datetime.datetime) -> Avg:
    """FSRS's retrievability, R = (1 + FACTOR * t / S) ** DECAY with t in whole days since the
    last review (as `fsrs` computes it), averaged in the database."""
    elapsed = Greatest(Floor(Extract(Value(now) - F("last_review"), "epoch") / 86400.0), Value(0.0))
    power = Func(
        1.0 + _FACTOR * elapsed / F("stability"),
        Value(_DECAY),
        function="power",
        output_field=FloatField(),
    )
    return Avg(power, output_field=FloatField())


# Glossary browser ------------------------------------------------------------------------------


def _visible_terms() -> QuerySet:
    return GlossaryTerm.objects.visible()


def glossary_guides() -> list[Guide]:
    return list(
        Guide.objects.visible()
        .filter(terms__is_archived=False)
        .distinct()
        .only("pk", "slug", "title")
        .order_by("title")
    )


# Bounded link text and target: an unbounded `[^\]]*` rescanned the rest of the text from every
# `[`, quadratic on a run of them.
_MARKUP = re.compile(r"[*_`>#]|\[([^\]]{0,500})\]\([^)]{0,2000}\)")


def plain(text: str, limit: int = 160) -> str:
    """A definition's first words without Markdown markup, for lists."""
    # The summary is the first words: a long definition's tail cannot reach it.
    source = text[: limit * 25]
    flat = _MARKUP.sub(lambda match: match.group(1) or "", source).replace("\n", " ").strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def glossary_index(
    *, user: "User | AnonymousUser", query: str = "", guide_slug: str = ""
) -> list[dict]:
    terms = _visible_terms()
    if guide_slug:
        terms = terms.filter(guide__slug=guide_slug)
    if query:
        terms = terms.filter(
            Q(search_vector=SearchQuery(query, config="english", search_type="websearch"))
            | Q(term__icontains=query)
        )
    rows = list(
        terms.annotate(name=Lower("term"))
        .order_by("name", "guide__title")
        .values("pk", "term", "anchor", "description", "guide__slug", "guide__title")
    )
    in_deck = set()
    if user.is_authenticated:
        in_deck = set(
            CardState.objects.filter(user=user, card__term_id__in=[row["pk"] for row in rows])
            .values_list("card__term_id", flat=True)
            .distinct()
        )
    for row in rows:
        row["summary"] = plain(row["description"])
        row["letter"] = _letter(row["term"])
        row["in_deck"] = row["pk"] in in_deck
    return rows


def _letter(term: str) -> str:
    first = term.strip()[:1].upper()
    return first if first.isalpha() else "#"


@dataclass
class CardRow:
    card: Card
    state: CardState | None
    retrievability: float | None


def term_detail(
    *, user: "User | AnonymousUser", guide_slug: str, anchor: str, now: datetime.datetime
) -> dict:
    term = (
        _visible_terms()
        .select_related("guide")
        .filter(guide__slug=guide_slug, anchor=anchor)
        .first()
    )
    if term is None:
        raise Http404("No such term.")
    cards = list(Card.objects.filter(term=term, is_archived=False).order_by("kind"))
    states = {}
    if user.is_authenticated:
        states = {
            state.card_id: state for state in CardState.objects.filter(user=user, card__in=cards)
        }
    retention = 0.9
    if states and isinstance(user, User):
        retention = review_settings_get(user=user).desired_retention
    rows = [
        CardRow(
            card=card,
            state=states.get(card.pk),
            retrievability=(
                scheduling.retrievability(states[card.pk], now=now, desired_retention=retention)
                if card.pk in states and states[card.pk].state == CardState.State.REVIEW
                else None
            ),
        )
        for card in cards
    ]
    same_name = list(
        _visible_terms()
        .filter(term__iexact=term.term)
        .exclude(pk=term.pk)
        .select_related("guide")
        .only("anchor", "guide__slug", "guide__title")
    )
    mentioned_in = guides_mentioning(phrase=term.term, exclude_guide_id=term.guide_id)
    return {
        "term": term,
        "forward": next((card for card in cards if card.kind == Card.Kind.FORWARD), None),
        "cards": rows,
        "in_deck": bool(states),
        "same_name": same_name,
        "mentioned_in": mentioned_in,
    }


def review_can_undo(*, user: User) -> bool:
    return ReviewLog.objects.filter(user=user).exists()


# Card browser ----------------------------------------------------------------------------------

BROWSE_STATES = {
    "new": Q(state=CardState.State.NEW),
    "learning": Q(state=CardState.State.LEARNING),
    "review": Q(state=CardState.State.REVIEW),
    "relearning": Q(state=CardState.State.RELEARNING),
    "suspended": Q(is_suspended=True),
    "active": Q(is_suspended=False),
}


def card_browse(*, user: User, deck: Deck, query: str = "", state: str = "") -> QuerySet:
    """The learner's cards whose guide is visible, matched by term or definition, filtered by
    deck and state, by due time. A lazy queryset: the view pages it (a count and one page)."""
    cards = deck.scope(_studied(user))
    if query:
        cards = cards.filter(
            Q(card__term__term__icontains=query) | Q(card__term__description__icontains=query)
        )
    if state in BROWSE_STATES:
        cards = cards.filter(BROWSE_STATES[state])
    return cards.select_related("card__term", "guide").order_by("due", "pk")


def card_browse_guides(*, user: User) -> list[Guide]:
    """The guides the learner has cards of, for the deck filter."""
    return list(
        Guide.objects.visible()
        .filter(pk__in=_studied(user).values("guide_id"))
        .only("pk", "slug", "title")
        .order_by("title")
    )


def card_get(*, user: User, card_state_id: int) -> CardState:
    """One of the learner's cards; a 404 for anyone else's card or one whose guide is hidden."""
    state = _studied(user).select_related("card__term", "guide").filter(pk=card_state_id).first()
    if state is None:
        raise Http404("No such card in your deck.")
    return state


def card_history(*, card_state: CardState) -> list[ReviewLog]:
    """A card's answers, newest first."""
    return list(ReviewLog.objects.filter(card_state=card_state).order_by("-reviewed_at", "-pk"))

import time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.http import AuthenticatedHttpRequest
from apps.core.http import HtmxHttpRequest, safe_next
from apps.core.middleware import nul_checked_by_form
from apps.core.pagecache import anonymous_page_cache
from apps.flashcards import scheduling, selectors, services
from apps.flashcards.forms import AnswerForm, ReviewSettingsForm
from apps.flashcards.models import CardState
from apps.flashcards.statistics import review_statistics
from apps.guides.models import GlossaryTerm, Guide, Track, guide_visible_q


@require_GET
@login_required
def decks(request: AuthenticatedHttpRequest) -> HttpResponse:
    settings = services.review_settings_get(user=request.user)
    return render(
        request,
        "flashcards/decks.html",
        {
            "overview": selectors.deck_overview(user=request.user, now=timezone.now()),
            "settings_form": ReviewSettingsForm(instance=settings),
        },
    )


@require_POST
@login_required
@nul_checked_by_form
def settings_update(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ReviewSettingsForm(
        request.POST, instance=services.review_settings_get(user=request.user)
    )
    if not form.is_valid():
        response = render(
            request,
            "flashcards/decks.html",
            {
                "overview": selectors.deck_overview(user=request.user, now=timezone.now()),
                "settings_form": form,
            },
        )
        response.status_code = 400
        return response
    services.review_settings_update(user=request.user, **form.cleaned_data)
    messages.success(request, "Review settings saved.")
    return redirect("flashcards:decks")


@require_POST
@login_required
def deck_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Add a whole guide's glossary (guide=<slug>) or one term (term=<id>) to the deck."""
    guide = term = track = None
    if request.POST.get("term_anchor"):
        term = get_object_or_404(
            GlossaryTerm.objects.visible(),
            guide__slug=request.POST.get("term_guide", ""),
            anchor=request.POST["term_anchor"],
        )
        added = services.deck_add_cards(user=request.user, term=term)
    elif request.POST.get("term"):
        term = _term_or_404(request.POST["term"])
        added = services.deck_add_cards(user=request.user, term=term)
    elif request.POST.get("guide"):
        guide = get_object_or_404(Guide.objects.visible(), slug=request.POST["guide"])
        added = services.deck_add_cards(user=request.user, guide=guide)
    elif request.POST.get("phase"):
        track = get_object_or_404(Track.objects.visible(), slug=request.POST["phase"])
        added = services.deck_add_cards(user=request.user, track=track)
    else:
        return HttpResponseBadRequest("Say what to add: a guide or a term.")
    if request.htmx and term:
        return render(
            request,
            "flashcards/deck_button.html",
            {"term": term, "in_deck": True, "next": request.POST.get("next", "")},
        )
    label = term.term if term else guide.title if guide else track.title if track else ""
    messages.success(request, f"Added {added} card{'s' * (added != 1)} from {label} to your deck.")
    return redirect(safe_next(request, reverse("flashcards:decks")))


@require_POST
@login_required
def deck_remove(request: AuthenticatedHttpRequest) -> HttpResponse:
    term = _term_or_404(request.POST.get("term", ""))
    removed = services.deck_remove_new_cards(user=request.user, term=term)
    if request.htmx:
        return render(
            request,
            "flashcards/deck_button.html",
            {"term": term, "in_deck": False, "removed": removed,
             "next": request.POST.get("next", "")},
        )  # fmt: skip
    messages.success(request, f"Removed {term.term} from your deck.")
    return redirect(safe_next(request, reverse("flashcards:decks")))


def _term_or_404(raw: str) -> GlossaryTerm:
    if not raw.isdigit():
        raise Http404("No such term.")
    return get_object_or_404(GlossaryTerm.objects.visible(), pk=int(raw))


def _review_context(
    request: AuthenticatedHttpRequest, deck: selectors.Deck, current: CardState | None
):
    now = timezone.now()
    user = request.user
    context = {
        "deck": deck,
        "counts": selectors.review_counts(user=user, deck=deck, now=now),
        "card_state": current,
        "can_undo": selectors.review_can_undo(user=user),
        "shown_at": int(time.time() * 1000),
    }
    if current is not None:
        retention = services.review_settings_get(user=user).desired_retention
        intervals = scheduling.intervals(current, now=now, desired_retention=retention)
        context["answers"] = [
            (1, "Again", intervals[1]),
            (2, "Hard", intervals[2]),
            (3, "Good", intervals[3]),
            (4, "Easy", intervals[4]),
        ]
    else:
        context["summary"] = selectors.review_summary(user=user, deck=deck, now=now)
    return context


def _review_response(
    request: AuthenticatedHttpRequest, deck: selectors.Deck, current: CardState | None
):
    context = _review_context(request, deck, current)
    if request.htmx:
        return render(request, "flashcards/review.html#review-card", context)
    return render(request, "flashcards/review.html", context)


@require_GET
@login_required
def review(request: AuthenticatedHttpRequest) -> HttpResponse:
    deck = selectors.deck_resolve(key=request.GET.get("deck", "all"))
    current = selectors.review_next(user=request.user, deck=deck, now=timezone.now())
    return _review_response(request, deck, current)


@require_POST
@login_required
def review_answer(request: AuthenticatedHttpRequest) -> HttpResponse:
    deck = selectors.deck_resolve(key=request.POST.get("deck", "all"))
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Answer with a card, its repetition and a rating of 1-4.")
    data = form.cleaned_data
    duration = None
    if data["shown_at"]:
        duration = int(time.time() * 1000) - data["shown_at"]
    try:
        services.review_answer(
            user=request.user,
            card_state_id=data["card"],
            rating=data["rating"],
            expected_reps=data["reps"],
            duration_ms=duration,
        )
    except CardState.DoesNotExist:
        raise Http404("No such card in your deck.") from None
    if not request.htmx:
        return redirect(f"{reverse('flashcards:review')}?deck={deck.key}")
    current = selectors.review_next(user=request.user, deck=deck, now=timezone.now())
    return _review_response(request, deck, current)


@require_POST
@login_required
def review_undo(request: AuthenticatedHttpRequest) -> HttpResponse:
    deck = selectors.deck_resolve(key=request.POST.get("deck", "all"))
    restored = services.review_undo(user=request.user)
    if not request.htmx:
        if restored is None:
            messages.info(request, "There is no answer to undo.")
        return redirect(f"{reverse('flashcards:review')}?deck={deck.key}")
    if restored is not None:
        # Shown again only while its guide is visible; otherwise the next card is.
        restored = (
            CardState.objects.filter(guide_visible_q("guide__"), pk=restored.pk)
            .select_related("card")
            .first()
        )
    if restored is None:
        restored = selectors.review_next(user=request.user, deck=deck, now=timezone.now())
    return _review_response(request, deck, restored)


@require_GET
@anonymous_page_cache
def glossary(request: HtmxHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    guide_slug = request.GET.get("guide", "").strip()[:200]
    terms = selectors.glossary_index(user=request.user, query=query, guide_slug=guide_slug)
    letters: dict[str, list[dict]] = {}
    for row in terms:
        letters.setdefault(row["letter"], []).append(row)
    # One letter a page (the whole glossary is hundreds of kilobytes); a search shows every
    # match on one page, as it is already narrow.
    letter = request.GET.get("letter", "")[:1].upper()
    if not query and letters:
        letter = letter if letter in letters else next(iter(letters))
        shown = {letter: letters[letter]}
    else:
        letter, shown = "", letters
    context = {
        "letters": shown,
        "letter_counts": {key: len(rows) for key, rows in letters.items()},
        "letter": letter,
        "count": len(terms),
        "query": query,
        "guide_slug": guide_slug,
        "guides": selectors.glossary_guides(),
    }
    if request.htmx and request.htmx.target == "glossary-results":
        return render(request, "flashcards/glossary.html#glossary-results", context)
    return render(request, "flashcards/glossary.html", context)


@require_GET
@anonymous_page_cache
def term(request: HtmxHttpRequest, guide_slug: str, anchor: str) -> HttpResponse:
    context = selectors.term_detail(
        user=request.user, guide_slug=guide_slug, anchor=anchor, now=timezone.now()
    )
    return render(request, "flashcards/term.html", context)


@require_GET
@login_required
def statistics(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = review_statistics(user=request.user, now=timezone.now())
    return render(request, "flashcards/statistics.html", {"stats": data})


CARDS_PER_PAGE = 50


@require_GET
@login_required
def card_browser(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    state = request.GET.get("state", "")
    state = state if state in selectors.BROWSE_STATES else ""
    deck = selectors.deck_resolve(key=request.GET.get("deck", "all"))
    cards = selectors.card_browse(user=request.user, deck=deck, query=query, state=state)
    page = Paginator(cards, CARDS_PER_PAGE).get_page(request.GET.get("page"))
    filters = {"q": query, "deck": deck.key, "state": state}
    context = {
        "page": page,
        "query": query,
        "deck": deck,
        "state": state,
        "states": [
            ("", "Any state"),
            ("new", "New"),
            ("learning", "Learning"),
            ("review", "Review"),
            ("relearning", "Relearning"),
            ("suspended", "Suspended"),
            ("active", "Not suspended"),
        ],
        "filters": urlencode({key: value for key, value in filters.items() if value}),
        "here": request.get_full_path(),
    }
    if request.htmx and request.htmx.target == "card-results":
        return render(request, "flashcards/cards.html#card-results", context)
    context["guides"] = selectors.card_browse_guides(user=request.user)
    return render(request, "flashcards/cards.html", context)


@require_GET
@login_required
def card_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    state = selectors.card_get(user=request.user, card_state_id=pk)
    logs = selectors.card_history(card_state=state)
    return render(
        request,
        "flashcards/card.html",
        {"card_state": state, "logs": logs, "here": request.get_full_path()},
    )


def _card_changed(request: AuthenticatedHttpRequest, state: CardState, message: str):
    if request.htmx:
        return render(
            request,
            "flashcards/cards.html#card-row",
            {"row": state, "here": safe_next(request, reverse("flashcards:cards")),
             "announce": message},
        )  # fmt: skip
    messages.success(request, message)
    return redirect(safe_next(request, reverse("flashcards:card", args=[state.pk])))


@require_POST
@login_required
def card_suspend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    suspended = request.POST.get("suspended") == "1"
    try:
        state = services.card_suspend_set(user=request.user, card_state_id=pk, suspended=suspended)
    except CardState.DoesNotExist:
        raise Http404("No such card in your deck.") from None
    verb = "Suspended" if suspended else "Unsuspended"
    state = selectors.card_get(user=request.user, card_state_id=state.pk)
    return _card_changed(request, state, f"{verb} {state.card.term.term}.")


@require_POST
@login_required
def card_reset(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        state = services.card_reset(user=request.user, card_state_id=pk)
    except CardState.DoesNotExist:
        raise Http404("No such card in your deck.") from None
    state = selectors.card_get(user=request.user, card_state_id=state.pk)
    return _card_changed(request, state, f"{state.card.term.term} is new again.")

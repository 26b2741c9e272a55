from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.core.http import HtmxHttpRequest
from apps.search import selectors

INSTANT_LIMIT = 6
PAGE_LIMIT = 10


@require_GET
def search(request: HtmxHttpRequest) -> HttpResponse:
    """The results page; with htmx, its results, or the header's as-you-type dropdown."""
    instant = bool(request.htmx) and request.GET.get("instant") == "1"
    page = selectors.search(
        query=request.GET.get("q", ""),
        user=request.user,
        kind=request.GET.get("type", ""),
        limit=INSTANT_LIMIT if instant else PAGE_LIMIT,
        correct=request.GET.get("exact") != "1",
    )
    template = "search/search.html"
    if instant:
        template += "#instant-results"
    elif request.htmx:
        template += "#search-results"
    return render(request, template, {"results": page, "query": page.query})

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.core.http import HtmxHttpRequest
from apps.core.pagecache import anonymous_page_cache
from apps.guides import selectors
from apps.guides.models import Guide
from apps.guides.rendering import guide_body_anonymous


@require_GET
@anonymous_page_cache
def home(request: HtmxHttpRequest) -> HttpResponse:
    tracks = selectors.track_list_with_guides()
    return render(request, "guides/home.html", {"tracks": tracks})


@require_GET
@anonymous_page_cache
def guide_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    try:
        guide = selectors.guide_get_for_reading(
            slug=slug, include_unpublished=request.user.is_staff
        )
    except Guide.DoesNotExist:
        raise Http404("No such guide.") from None
    # A signed-in learner's ticks, read sections and notes come from the progress and notes
    # apps' own template tags (guides/guide.html), so this app imports neither.
    context = {
        "guide": guide,
        "body_html": None
        if request.user.is_authenticated
        else guide_body_anonymous(body_html=guide.body_html),
        "neighbours": selectors.guide_neighbours(guide=guide),
        "show_summary": selectors.guide_summary_is_separate(guide=guide),
    }
    return render(request, "guides/guide.html", context)

from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.core.http import HtmxHttpRequest
from apps.core.pagecache import anonymous_page_cache
from apps.guides import selectors
from apps.guides.models import Guide
from apps.notes.selectors import notes_for_guide
from apps.progress.selectors import (
    guide_body_anonymous,
    guide_body_for_user,
    guide_state_for_user,
)


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
    neighbours = selectors.guide_neighbours(guide=guide)
    progress = None
    if request.user.is_authenticated:
        progress = guide_state_for_user(user=request.user, guide=guide)
        body = guide_body_for_user(guide=guide, state=progress, csrf_token=get_token(request))
    else:
        body = guide_body_anonymous(guide=guide)
    context = {
        "guide": guide,
        "body_html": body,
        "progress": progress,
        "neighbours": neighbours,
        "show_summary": selectors.guide_summary_is_separate(guide=guide),
        "guide_notes": notes_for_guide(user=request.user, guide=guide),
    }
    return render(request, "guides/guide.html", context)

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from apps.guides.models import Section, TaskItem
from apps.progress import selectors, services
from apps.progress.models import TaskProgress


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed and target.startswith("/") else fallback


@require_POST
@login_required
def task_set(request: HttpRequest, item_id: int) -> HttpResponse:
    try:
        item = services.task_item_get_visible(item_id=item_id)
    except TaskItem.DoesNotExist:
        raise Http404("No such exercise.") from None
    state = request.POST.get("state", "")
    if state not in TaskProgress.State.values:
        return HttpResponseBadRequest(
            "state must be one of: " + ", ".join(TaskProgress.State.values)
        )
    services.task_progress_set(user=request.user, item=item, state=state)
    next_url = _safe_next(request, item.guide.get_absolute_url())
    if request.htmx:
        html = selectors.task_control_html(
            item_id=item.pk, state=state, csrf_token=get_token(request), next_url=next_url
        )
        return HttpResponse(html)
    return redirect(next_url)


@require_POST
@login_required
def section_set(request: HttpRequest, section_id: int) -> HttpResponse:
    try:
        section = services.section_get_visible(section_id=section_id)
    except Section.DoesNotExist:
        raise Http404("No such section.") from None
    read = request.POST.get("read") == "1"
    services.section_read_set(user=request.user, section=section, read=read)
    next_url = _safe_next(request, section.get_absolute_url())
    if request.htmx:
        html = selectors.section_control_html(
            section_id=section.pk, read=read, csrf_token=get_token(request), next_url=next_url
        )
        return HttpResponse(html)
    return redirect(next_url)


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    data = selectors.dashboard_for_user(user=request.user)
    return render(request, "progress/dashboard.html", {"dashboard": data})


@require_POST
@login_required
def streak_set(request: HttpRequest) -> HttpResponse:
    services.learner_streak_set(user=request.user, enabled=request.POST.get("enabled") == "1")
    return redirect("progress:dashboard")

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.http import AuthenticatedHttpRequest
from apps.core.http import HtmxHttpRequest, csrf_token_sent, safe_next
from apps.core.middleware import nul_checked_by_form, private_response
from apps.guides.models import Section, TaskItem
from apps.progress import presentation, selectors, services
from apps.progress.models import TaskProgress


@require_POST
@login_required
def task_set(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    state = request.POST.get("state", "")
    if state not in TaskProgress.State.values:
        return HttpResponseBadRequest(
            "state must be one of: " + ", ".join(TaskProgress.State.values)
        )
    try:
        item = services.task_progress_set(user=request.user, item_id=item_id, state=state)
    except TaskItem.DoesNotExist:
        raise Http404("No such exercise.") from None
    next_url = safe_next(request, item.get_guide_url())
    if request.htmx:
        html = presentation.task_control_html(
            item_id=item.pk,
            key=item.key,
            state=state,
            csrf_token=csrf_token_sent(request),
            next_url=next_url,
        )
        return HttpResponse(html)
    return redirect(next_url)


@require_POST
@login_required
def section_set(request: AuthenticatedHttpRequest, section_id: int) -> HttpResponse:
    try:
        section = services.section_get_visible(section_id=section_id)
    except Section.DoesNotExist:
        raise Http404("No such section.") from None
    read = request.POST.get("read") == "1"
    services.section_read_set(user=request.user, section=section, read=read)
    next_url = safe_next(request, section.get_absolute_url())
    if request.htmx:
        html = presentation.section_control_html(
            section_id=section.pk, read=read, csrf_token=csrf_token_sent(request), next_url=next_url
        )
        return HttpResponse(html)
    return redirect(next_url)


@require_GET
@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = selectors.dashboard_for_user(user=request.user)
    return render(request, "progress/dashboard.html", {"dashboard": data})


@require_POST
@login_required
def streak_set(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.learner_streak_set(user=request.user, enabled=request.POST.get("enabled") == "1")
    return redirect("progress:dashboard")


@require_GET
@login_required
def export_json(request: AuthenticatedHttpRequest) -> HttpResponse:
    response = JsonResponse(
        selectors.progress_export(user=request.user), json_dumps_params={"indent": 2}
    )
    response["Content-Disposition"] = 'attachment; filename="progress.json"'
    return response


@require_GET
@login_required
def export_markdown(request: AuthenticatedHttpRequest) -> HttpResponse:
    body = selectors.progress_export_markdown(user=request.user)
    response = HttpResponse(body, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="progress.md"'
    return response


MAX_CHECKLIST_BYTES = 1024 * 1024


@require_POST
@login_required
@nul_checked_by_form
def import_markdown(request: AuthenticatedHttpRequest) -> HttpResponse:
    upload = request.FILES.get("checklist")
    text = request.POST.get("text", "")
    if upload is not None:
        if (upload.size or 0) > MAX_CHECKLIST_BYTES:
            messages.error(request, "That file is over 1 MB; upload just the checklist.")
            return redirect("progress:dashboard")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            messages.error(request, "That file is not UTF-8 text; nothing was imported.")
            return redirect("progress:dashboard")
    if "\x00" in text:
        messages.error(
            request, "That text has NUL characters, so it is not Markdown; nothing was imported."
        )
        return redirect("progress:dashboard")
    if not text.strip():
        messages.error(request, "Choose a Markdown file with [x] lines, or paste one.")
        return redirect("progress:dashboard")
    result = services.progress_import_markdown(user=request.user, text=text)
    summary = f"Imported {result.matched} ticked item{'s' if result.matched != 1 else ''}"
    if result.unchanged:
        summary += f", {result.unchanged} already done"
    if result.unmatched:
        summary += f"; {len(result.unmatched)} line(s) matched no exercise: " + "; ".join(
            result.unmatched[:5]
        )
    messages.success(request, summary + ".")
    return redirect("progress:dashboard")


@require_POST
@login_required
def share_set(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.POST.get("enabled") == "1":
        services.learner_share_enable(user=request.user)
        messages.success(
            request, "Share link created. Anyone with it sees your progress, read only."
        )
    else:
        services.learner_share_revoke(user=request.user)
        messages.success(request, "Share link revoked.")
    return redirect("progress:dashboard")


@require_GET
@private_response
def shared(request: HtmxHttpRequest, token: str) -> HttpResponse:
    state = selectors.learner_by_share_token(token=token)
    if state is None:
        raise Http404("This link was revoked or never existed.")
    tracks = selectors.guide_progress_list(user=state.user)
    milestones = selectors.milestone_groups_for_user(user=state.user, tracks=tracks)
    response = render(
        request,
        "progress/shared.html",
        {"owner": state.user, "tracks": tracks, "milestones": milestones},
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response

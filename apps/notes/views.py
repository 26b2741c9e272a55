from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.http import AuthenticatedHttpRequest
from apps.core.http import HtmxHttpRequest, safe_next
from apps.core.middleware import nul_checked_by_form
from apps.guides.models import Guide
from apps.guides.selectors import guide_visible_list
from apps.notes import selectors, services
from apps.notes.models import BODY_MAX_CHARS, Note


def _optional_id(value: str | None) -> int | None:
    """An id from a form select: blank means none; anything but digits is a bad request."""
    if not value:
        return None
    if not value.isdigit():
        raise Http404("No such item.")
    return int(value)


def _form_context(
    *, guide: Guide, values: dict, next_url: str, errors: dict | None = None, note=None
) -> dict:
    return {
        "guide": guide,
        "note": note,
        "values": values,
        "errors": errors or {},
        "next_url": next_url,
        "sections": selectors.section_choices(guide=guide),
        "exercises": selectors.exercise_choices(guide=guide),
        "body_max_chars": BODY_MAX_CHARS,
    }


def _posted_values(request: HtmxHttpRequest) -> dict:
    return {
        "body_markdown": request.POST.get("body_markdown", ""),
        "section_anchor": request.POST.get("section_anchor", ""),
        "task_item": request.POST.get("task_item", ""),
    }


@login_required
@require_GET
def note_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[: selectors.QUERY_MAX_CHARS]
    notes = selectors.note_list_for_user(user=request.user, query=query)
    template = "notes/notes.html"
    if request.htmx:
        template += "#note-list"
    return render(request, template, {"notes": notes, "query": query})


@login_required
@require_POST
@nul_checked_by_form
def note_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    guide_id = _optional_id(request.POST.get("guide"))
    guide = get_object_or_404(guide_visible_list(), pk=guide_id or 0)
    next_url = safe_next(request, fallback=guide.get_absolute_url())
    values = _posted_values(request)
    try:
        services.note_create(
            user=request.user,
            guide=guide,
            body_markdown=values["body_markdown"],
            section_anchor=values["section_anchor"],
            task_item_id=_optional_id(values["task_item"]),
        )
    except ValidationError as error:
        context = _form_context(
            guide=guide, values=values, next_url=next_url, errors=error.message_dict
        )
        return render(request, "notes/note_form.html", context, status=400)
    messages.success(request, "Note saved.")
    return HttpResponseRedirect(next_url)


@login_required
@require_http_methods(["GET", "POST"])
@nul_checked_by_form
def note_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(
        Note.objects.select_related("guide", "task_item"), pk=pk, user=request.user
    )
    next_url = safe_next(request, fallback=reverse("notes:list"))
    if request.method == "GET":
        values = {
            "body_markdown": note.body_markdown,
            "section_anchor": note.section_anchor,
            "task_item": str(note.task_item_id or ""),
        }
        context = _form_context(guide=note.guide, values=values, next_url=next_url, note=note)
        return render(request, "notes/note_form.html", context)
    values = _posted_values(request)
    try:
        services.note_update(
            user=request.user,
            note_id=note.pk,
            body_markdown=values["body_markdown"],
            section_anchor=values["section_anchor"],
            task_item_id=_optional_id(values["task_item"]),
        )
    except Note.DoesNotExist:
        raise Http404("No such note.") from None
    except ValidationError as error:
        context = _form_context(
            guide=note.guide,
            values=values,
            next_url=next_url,
            errors=error.message_dict,
            note=note,
        )
        return render(request, "notes/note_form.html", context, status=400)
    messages.success(request, "Note updated.")
    return HttpResponseRedirect(next_url)


@login_required
@require_POST
def note_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not services.note_delete(user=request.user, note_id=pk):
        raise Http404("No such note.")
    messages.success(request, "Note deleted.")
    return HttpResponseRedirect(safe_next(request, fallback=reverse("notes:list")))

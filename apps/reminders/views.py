import zoneinfo
from functools import cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.http import AuthenticatedHttpRequest
from apps.accounts.models import User
from apps.core.http import HtmxHttpRequest
from apps.core.middleware import nul_checked_by_form
from apps.reminders import selectors, services
from apps.reminders.forms import ReminderPreferenceForm
from apps.reminders.models import ReminderPreference
from apps.reminders.schedule import mask_days, zone_or_utc

PAGE = "reminders/preferences.html"


@cache
def _timezone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


def _initial(preference: ReminderPreference, user: User) -> dict:
    return {
        "enabled": preference.enabled if preference.pk else True,
        "frequency": preference.frequency,
        "weekdays": [str(day) for day in mask_days(preference.weekdays)],
        "local_time": preference.local_time,
        "timezone": user.timezone,
        "skip_if_studied_today": preference.skip_if_studied_today,
    }


def _page(
    request: AuthenticatedHttpRequest,
    *,
    form: ReminderPreferenceForm | None = None,
    saved: str = "",
) -> HttpResponse:
    preference = selectors.reminder_preference_for_user(user=request.user)
    form = form or ReminderPreferenceForm(initial=_initial(preference, request.user))
    zone = zone_or_utc(request.user.timezone)
    context = {
        "form": form,
        "preference": preference,
        "next_due_local": preference.next_due_at.astimezone(zone)
        if preference.enabled and preference.next_due_at
        else None,
        "paused_until_local": preference.paused_until.astimezone(zone)
        if preference.paused_until and preference.paused_until > timezone.now()
        else None,
        "schedule": selectors.reminder_schedule_text(preference=preference),
        "deliveries": selectors.reminder_recent_deliveries(user=request.user),
        "timezones": _timezone_names(),
        "user_timezone": request.user.timezone,
        "saved": saved,
    }
    template = PAGE + "#reminders-panel" if request.htmx else PAGE
    status = 400 if form.is_bound and form.errors and not request.htmx else 200
    return render(request, template, context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@nul_checked_by_form
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    form = ReminderPreferenceForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form)
    data = form.cleaned_data
    preference = services.reminder_preference_update(
        user=request.user,
        enabled=data["enabled"],
        weekdays=data["weekdays"],
        local_time=data["local_time"],
        timezone_name=data["timezone"],
        frequency=data["frequency"],
        skip_if_studied_today=data["skip_if_studied_today"],
    )
    saved = "Saved. Reminders are on." if preference.enabled else "Saved. Reminders are off."
    return _saved(request, saved)


def _saved(request: AuthenticatedHttpRequest, saved: str) -> HttpResponse:
    """After a change: the page in place for htmx, else a message and a redirect (PRG)."""
    if request.htmx:
        return _page(request, saved=saved)
    messages.success(request, saved)
    return redirect("reminders:preferences")


@login_required
@require_POST
def pause(request: AuthenticatedHttpRequest) -> HttpResponse:
    preference = services.reminder_pause(user=request.user)
    assert preference.paused_until is not None  # just set by the pause
    until = preference.paused_until.astimezone(zone_or_utc(request.user.timezone))
    saved = f"Paused until {until:%A %-d %B}."
    return _saved(request, saved)


@login_required
@require_POST
def resume(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.reminder_resume(user=request.user)
    saved = "Welcome back. Reminders are on again."
    return _saved(request, saved)


@login_required
@require_GET
def preview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The email as it would go out now, to check what it says before turning reminders on."""
    preference = selectors.reminder_preference_for_user(user=request.user)
    context = selectors.reminder_email_context(
        user=request.user,
        local_date=timezone.now().astimezone(zone_or_utc(request.user.timezone)).date(),
        ignored_streak=preference.consecutive_ignored,
        preference=preference,
        unsubscribe_url=services.portal_url(
            reverse(
                "reminders:unsubscribe",
                args=[services.unsubscribe_token_make(user_id=request.user.pk)],
            )
        ),
        fresh=True,
    )
    if request.GET.get("format") == "text":
        body = render_to_string("emails/reminders/reminder.txt", {"email": context})
        return HttpResponse(body, content_type="text/plain; charset=utf-8")
    return render(request, "emails/reminders/reminder.html", {"email": context})


def _masked(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "your address"


@csrf_exempt  # RFC 8058: mail clients POST without cookies; the signed token is the credential.
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HtmxHttpRequest, token: str) -> HttpResponse:
    try:
        user_id = services.unsubscribe_token_read(token=token)
    except services.InvalidToken as exc:
        response = render(
            request, "reminders/unsubscribe_invalid.html", {"problem": str(exc)}, status=400
        )
    else:
        user = User.objects.filter(pk=user_id).only("email").first()
        context = {"token": token, "email": _masked(user.email) if user else "your address"}
        if request.method == "POST":
            if user is not None:
                services.reminder_unsubscribe(user_id=user_id)
            response = render(request, "reminders/unsubscribe_done.html", context)
        else:
            response = render(request, "reminders/unsubscribe_confirm.html", context)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response

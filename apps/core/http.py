"""Request helpers for views: the htmx request type (what the middleware adds, for the type
checker), safe redirects and the CSRF token sent. The signed-in request type names the user
model, so it lives in accounts (apps.accounts.http)."""

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import CSRF_SECRET_LENGTH, get_token
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` parameter when it is a path on this site, else `fallback`: never an open
    redirect (`//evil.example`, `https:evil.example`, `/\\evil.example` all fall back)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed and target.startswith("/") else fallback


def csrf_token_sent(request: HttpRequest) -> str:
    """The masked token this POST passed the CSRF check with, for an htmx control that
    replaces the form it came from. Masking a fresh one (`get_token`) costs more than the rest
    of such a view and re-sets the cookie; echoing is safe because only a request that already
    holds a valid token gets this response, so there is nothing for a cross-site page to learn.
    A bare secret (a script that read the cookie) gets a freshly masked token instead."""
    token = request.POST.get("csrfmiddlewaretoken") or request.META.get(
        settings.CSRF_HEADER_NAME, ""
    )
    return token if len(token) == 2 * CSRF_SECRET_LENGTH else get_token(request)

"""Request types for views, so the type checker knows what the middleware adds."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from apps.accounts.models import User


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """For views behind `login_required`: the user is a real account."""

    user: User  # type: ignore[assignment]


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` parameter when it is a path on this site, else `fallback`: never an open
    redirect (`//evil.example`, `https:evil.example`, `/\\evil.example` all fall back)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed and target.startswith("/") else fallback

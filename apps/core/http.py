"""Request types for views, so the type checker knows what the middleware adds."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from apps.accounts.models import User


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """For views behind `login_required`: the user is a real account."""

    user: User  # type: ignore[assignment]

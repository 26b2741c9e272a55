import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.utils.cache import patch_cache_control

from apps.core.metrics import REQUEST_DURATION, REQUESTS_TOTAL


class MetricsMiddleware:
    """Counts requests and their latency by URL name, never by raw path, so the number of
    series stays bounded whatever URLs clients try."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None and match.view_name else "unmatched"
        method = request.method if request.method in _METHODS else "other"
        REQUEST_DURATION.labels(view=view, method=method).observe(time.perf_counter() - started)
        REQUESTS_TOTAL.labels(view=view, method=method, status=str(response.status_code)).inc()
        return response


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


NUL = "\x00"
NUL_REFUSED = (
    "Bad request: it contains a NUL character (%00), which no page of this site accepts.\n"
)


def nul_checked_by_form[V: Callable](view: V) -> V:
    """Mark a view whose form reports a NUL character in its fields as a form error (keeping
    what the user typed) instead of RejectNulMiddleware refusing the whole POST."""
    view.nul_checked_by_form = True  # type: ignore[attr-defined]
    return view


class RejectNulMiddleware:
    """A NUL character in the path, a query parameter or a form field answers 400.

    PostgreSQL text cannot hold U+0000, so such a value reaching a query is a 500 at best;
    no URL, filter, token or form of this site has a use for it. Checked once here instead of
    in every view. Views marked `nul_checked_by_form` check their POST fields themselves and
    answer with a form error. Uploaded files are not inspected (a zip is binary), and cookies
    are not either: one bad cookie must not lock anyone out of the site.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path_info or _has_nul(request.GET):
            return _refuse()
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, *args: object
    ) -> HttpResponse | None:
        checked_by_form = getattr(view_func, "nul_checked_by_form", False)
        if request.method == "POST" and not checked_by_form and _has_nul(request.POST):
            return _refuse()
        return None


def _has_nul(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


def _refuse() -> HttpResponse:
    return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain; charset=utf-8")


def private_response[V: Callable](view: V) -> V:
    """Mark a view whose pages are private without a signed-in user (a share link's page:
    the token in the URL is the secret), so PrivateCacheMiddleware treats them alike."""
    view.private_response = True  # type: ignore[attr-defined]
    return view


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in user, and on views
    marked `private_response`: dashboards, notes, exports, profile and the rest must not be
    kept by a shared proxy or left in the browser's cache for the next person at the machine."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        marked = match is not None and getattr(match.func, "private_response", False)
        if marked or (user is not None and user.is_authenticated):
            patch_cache_control(response, private=True, no_store=True)
        return response

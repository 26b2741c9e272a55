import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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

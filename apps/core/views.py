import hmac
import os

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from apps.core.http import HtmxHttpRequest
from apps.core.selectors import dependencies_check


@require_GET
@never_cache
def healthz(request: HtmxHttpRequest) -> JsonResponse:
    """The process is up and serving requests; /readyz checks its dependencies."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HtmxHttpRequest) -> JsonResponse:
    """Ready to take traffic: database, broker and cache all answer. 503 names what does not."""
    checks = dependencies_check()
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


@require_GET
@never_cache
def metrics(request: HtmxHttpRequest) -> HttpResponse:
    """Prometheus exposition, for a scraper holding METRICS_TOKEN as a bearer token.
    Without a configured token the endpoint does not exist (404), so it is never public."""
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(supplied.encode(), token.encode()):
        response = HttpResponse("A valid bearer token is required.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


@require_GET
def favicon(request: HtmxHttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin, raw files)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))

"""Installable and readable offline: the web app manifest, the service worker (served from the
site root so its scope is the whole site), the page shown offline for a page never opened, and
Clear-Site-Data on sign-out so the next person at the machine finds nothing of the last one."""

import hashlib
import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

# Fetched once when the service worker installs; everything else under /static/ is kept the
# first time a page uses it (hashed names: never stale).
SHELL_STATIC = [
    "css/portal.css",
    "css/pygments.css",
    "js/theme.js",
    "django_htmx/htmx-2.min.js",
    "js/portal.js",
    "js/search.js",
    "js/offline.js",
    "js/review.js",
    "img/favicon.svg",
]


@lru_cache(maxsize=1)
def _worker_source() -> str:
    path = finders.find("js/sw.js")
    if not path:
        raise FileNotFoundError("static/js/sw.js is missing")
    return Path(str(path)).read_text(encoding="utf-8")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    shell = [static(name) for name in SHELL_STATIC] + [reverse("core:offline")]
    source = _worker_source()
    # A new deploy (new hashed names, a new worker) is a new version: the old caches go.
    version = hashlib.sha256((json.dumps(shell) + source).encode()).hexdigest()[:12]
    config = {
        "version": version,
        "shell": shell,
        "offline": reverse("core:offline"),
        "static": settings.STATIC_URL
        if settings.STATIC_URL.startswith("/")
        else "/" + settings.STATIC_URL,
    }
    body = f"const CONFIG = {json.dumps(config)};\n{source}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # The browser checks for a new worker on every navigation; never serve it a stale one.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": "Learning Portal",
        "short_name": "Learning",
        "description": "Guides, exercises and flashcards, readable offline once opened.",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#3f51b5",
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("img/icon-maskable-192.png"), "sizes": "192x192",
             "type": "image/png", "purpose": "maskable"},
            {"src": static("img/icon-maskable-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "maskable"},
            {"src": static("img/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }  # fmt: skip
    return HttpResponse(json.dumps(data), content_type="application/manifest+json")


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """Shown by the service worker for a page that was never opened. The same for everyone:
    nothing of the signed-in user in it, so it is safe to keep."""
    return render(request, "core/offline.html")


class ClearSiteDataOnLogoutMiddleware:
    """After signing out, the browser drops this site's caches and storage: the pages the
    service worker kept, ticks still waiting to be sent, htmx's history snapshots."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        was_signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
        response = self.get_response(request)
        if (
            request.method == "POST"
            and was_signed_in
            and request.path == reverse("account_logout")
            and not request.user.is_authenticated
        ):
            response["Clear-Site-Data"] = '"cache", "storage"'
        return response

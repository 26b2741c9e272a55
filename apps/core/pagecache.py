"""Anonymous pages served from memory, the way a CDN in front of a static site would.

A library page is the same bytes for every visitor who is not signed in, and its HTML was
rendered at import. Running Django's whole request cycle (sessions, auth, templates, two
queries) to produce those same bytes again costs twenty times what serving a static file does.
Views opt in with `@anonymous_page_cache`; the middleware, placed just inside whitenoise, keeps
each such response in a bounded per-process LRU and answers the next anonymous GET for the same
URL before the rest of the stack runs.

What keeps it correct:
- Only requests that carry no cookie but the CSRF cookie are served from or stored in the cache
  (a session or messages cookie means the page may be personal), only GET, never htmx partials.
- Only 200 responses without `Set-Cookie`, from views that opted in, are stored; the headers
  that the inner middleware set (CSP, X-Frame-Options, Vary) are stored with them and replayed,
  and the outer middleware (security headers, metrics) runs on every hit as it does for a miss.
- Every committed change to the library's tables, whatever wrote it (an import, a git sync, an
  admin edit, a bulk update), moves `ContentGeneration` on (database triggers,
  apps/core/contentgeneration.py). Each process compares its generation with that row at most
  every `PAGE_CACHE_CHECK_SECONDS` (one primary-key read), so a change reaches anonymous
  readers within that time, on every process.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch

from apps.core.models import ContentGeneration

_CACHEABLE_ATTRIBUTE = "_anonymous_page_cacheable"


@dataclass(frozen=True)
class _Entry:
    content: bytes
    headers: tuple[tuple[str, str], ...]
    resolver_match: ResolverMatch | None


class _Store:
    """A byte-bounded LRU, shared by the threads of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0
        self._generation: int | None = None
        self._checked_at = 0.0

    def _fresh(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < settings.PAGE_CACHE_CHECK_SECONDS:
            return
        generation = ContentGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
        with self._lock:
            self._checked_at = now
            if generation != self._generation:
                self._entries.clear()
                self._bytes = 0
                self._generation = generation

    def get(self, key: str) -> _Entry | None:
        self._fresh()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: _Entry, *, generation: int | None) -> None:
        size = len(entry.content)
        if size > settings.PAGE_CACHE_MAX_BYTES // 4:
            return
        with self._lock:
            if generation != self._generation:
                return  # rendered before a content change this process has since seen
            if key in self._entries:
                self._bytes -= len(self._entries.pop(key).content)
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > settings.PAGE_CACHE_MAX_BYTES or (
                len(self._entries) > settings.PAGE_CACHE_MAX_ENTRIES
            ):
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.content)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self._checked_at = 0.0

    @property
    def generation(self) -> int | None:
        return self._generation


_store = _Store()


def anonymous_page_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view whose response, for a visitor who is not signed in, depends only on its URL
    and the library's content."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        setattr(response, _CACHEABLE_ATTRIBUTE, True)
        return response

    return wrapper


def page_cache_clear() -> None:
    """Forget this process's pages (tests; a deploy restarts the processes anyway)."""
    _store.clear()


def _anonymous(request: HttpRequest) -> bool:
    return all(name == settings.CSRF_COOKIE_NAME for name in request.COOKIES)


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method != "GET"
            or "HX-Request" in request.headers
            or not settings.PAGE_CACHE_ENABLED
            or not _anonymous(request)
        ):
            return self.get_response(request)
        # get_host() validates the Host header against ALLOWED_HOSTS (DisallowedHost is a 400,
        # as without the cache); pages may hold absolute URLs, so the host is part of the key.
        key = request.get_host() + request.get_full_path()
        entry = _store.get(key)
        if entry is not None:
            request.resolver_match = entry.resolver_match
            response = HttpResponse(entry.content)
            for header, value in entry.headers:
                response.headers[header] = value
            response.headers["X-Page-Cache"] = "hit"
            return response
        generation = _store.generation
        response = self.get_response(request)
        if getattr(response, _CACHEABLE_ATTRIBUTE, False) and _cacheable(request, response):
            _store.put(
                key,
                _Entry(
                    content=response.content,
                    headers=tuple(response.headers.items()),
                    resolver_match=getattr(request, "resolver_match", None),
                ),
                generation=generation,
            )
        return response


def _cacheable(request: HttpRequest, response: HttpResponse) -> bool:
    user = getattr(request, "user", None)
    return (
        response.status_code == 200
        and not response.cookies
        and not response.streaming
        and (user is None or not user.is_authenticated)
    )

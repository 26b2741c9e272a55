from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.sources.models import Source, SyncRun
from apps.sources.tasks import source_sync_task
from apps.sources.webhooks import webhook_verify

RATE_WINDOW_SECONDS = 60


def _rate_limited(request: HttpRequest, name: str) -> bool:
    key = f"sources-webhook:{request.META.get('REMOTE_ADDR', '')}:{name}"[:200]
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW_SECONDS)
        count = 1
    return count > settings.SOURCES_WEBHOOK_RATE_LIMIT


# A forge posts here with no cookie or CSRF token; the HMAC (or GitLab's token) is the check.
@csrf_exempt
@require_POST
def webhook(request: HttpRequest, name: str) -> JsonResponse:
    if _rate_limited(request, name):
        return JsonResponse({"error": "too many requests"}, status=429)
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"error": "payload too large"}, status=413)
    source = Source.objects.filter(name=name, is_enabled=True).first()
    delivery = webhook_verify(
        secret=source.webhook_secret if source else "", headers=request.headers, body=body
    )
    if source is None or delivery is None:
        # An unknown source answers like a bad signature: nothing to learn by probing.
        return JsonResponse({"error": "bad or missing signature"}, status=403)
    if delivery.event == "ping":
        return JsonResponse({"ok": True, "event": "ping"})
    if delivery.event != "push":
        return JsonResponse({"ignored": f"event '{delivery.event}'"})
    if delivery.ref != f"refs/heads/{source.branch}":
        return JsonResponse({"ignored": f"'{delivery.ref}' is not {source.branch}"})
    source_sync_task.delay_on_commit(source.pk, SyncRun.Trigger.WEBHOOK)
    return JsonResponse({"queued": source.name}, status=202)

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving requests; /readyz checks its dependencies."""
    return JsonResponse({"status": "ok"})

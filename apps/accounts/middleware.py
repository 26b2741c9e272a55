from django.contrib import auth
from django.contrib.auth import middleware
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps.accounts.sessions import SESSION_IN_USE


class AuthenticationMiddleware(middleware.AuthenticationMiddleware):
    """Django's, except that the backend may take the user read along with the session
    (apps/accounts/sessions.py) instead of reading it again. `auth.get_user` still decides."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user(request))  # type: ignore[assignment]


def _user(request: HttpRequest) -> object:
    if not hasattr(request, "_cached_user"):
        token = SESSION_IN_USE.set(request.session)
        try:
            request._cached_user = auth.get_user(request)  # type: ignore[attr-defined]
        finally:
            SESSION_IN_USE.reset(token)
    return request._cached_user  # type: ignore[attr-defined]

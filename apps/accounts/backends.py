"""Authentication backends whose per-request user read costs no extra statement.

`get_user` runs on every signed-in request. The session read already brought the user's row
(apps/accounts/sessions.py); otherwise the same row is read with a fixed statement rather than
the ORM's `get(pk=…)`, which spends most of its time building the query. The rules stay
Django's: a missing or inactive user is nobody, and `django.contrib.auth` still checks the
session's auth hash.
"""

from allauth.account import auth_backends
from django.contrib.auth import backends

from apps.accounts.selectors import user_by_pk
from apps.accounts.sessions import session_user


class _PlainReadMixin:
    def get_user(self, user_id):
        user = session_user(user_id) or user_by_pk(pk=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_PlainReadMixin, backends.ModelBackend):
    pass


class AuthenticationBackend(_PlainReadMixin, auth_backends.AuthenticationBackend):
    pass

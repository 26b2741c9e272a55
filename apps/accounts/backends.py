"""Authentication backends whose per-request user read is plain SQL.

`get_user` runs on every signed-in request. The ORM's `get(pk=…)` spends most of its time
building the query, so the same row is read with a fixed statement and turned into a `User`
by `Model.from_db`, exactly as the ORM would. The rules stay Django's: a missing or inactive
user is nobody, and the session's auth hash is still checked by `django.contrib.auth`.
"""

from allauth.account import auth_backends
from django.contrib.auth import backends

from apps.accounts.selectors import user_by_pk


class _PlainReadMixin:
    def get_user(self, user_id):
        user = user_by_pk(pk=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_PlainReadMixin, backends.ModelBackend):
    pass


class AuthenticationBackend(_PlainReadMixin, auth_backends.AuthenticationBackend):
    pass

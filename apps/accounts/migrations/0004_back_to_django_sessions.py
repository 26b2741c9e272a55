"""Sessions go back to Django's own table (`django_session`), and LoginSession goes.

Nobody is signed out: every unexpired LoginSession row is copied over (the key, the signed
data and the expiry are in the same format), with the authentication backend recorded in the
data renamed from the removed `apps.accounts.backends` classes to Django's and allauth's,
which `django.contrib.auth` would otherwise refuse. `django_session` is emptied first: since
0002 it held only stale copies, among them sessions signed out since, which must not come back.
Going back does the same the other way.
"""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import caches
from django.db import migrations
from django.utils import timezone

RENAMED_BACKENDS = {
    "apps.accounts.backends.ModelBackend": "django.contrib.auth.backends.ModelBackend",
    "apps.accounts.backends.AuthenticationBackend": (
        "allauth.account.auth_backends.AuthenticationBackend"
    ),
}


def _copy(source, target, renamed: dict[str, str]) -> None:
    """Replace every row of `target` with the unexpired rows of `source`, renaming backends."""
    # Every SessionStore signs and reads session data alike (the salt is the class name).
    store = SessionStore()
    for model in (source, target):
        _forget_cached(list(model.objects.values_list("session_key", flat=True)))
    target.objects.all().delete()
    rows = []
    for session in source.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.session_data
        decoded = store.decode(data)
        if decoded.get(BACKEND_SESSION_KEY) in renamed:
            decoded[BACKEND_SESSION_KEY] = renamed[decoded[BACKEND_SESSION_KEY]]
            data = store.encode(decoded)
        rows.append(
            target(session_key=session.session_key, session_data=data,
                   expire_date=session.expire_date)  # fmt: skip
        )
    target.objects.bulk_create(rows, batch_size=1000)


def _forget_cached(keys: list[str]) -> None:
    """A Redis session cache (cached_db) is read before the table: drop its copies of the rows
    being moved, so a session ended while the other engine ran is not revived from it."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.cached_db":
        return
    cache = caches[settings.SESSION_CACHE_ALIAS]
    for start in range(0, len(keys), 1000):
        cache.delete_many([KEY_PREFIX + key for key in keys[start : start + 1000]])


def to_django_sessions(apps, schema_editor) -> None:
    _copy(apps.get_model("accounts", "LoginSession"), apps.get_model("sessions", "Session"),
          RENAMED_BACKENDS)  # fmt: skip


def to_login_sessions(apps, schema_editor) -> None:
    # The old engine fills the user column when it next saves a session, and reads the user on
    # its own until then.
    _copy(apps.get_model("sessions", "Session"), apps.get_model("accounts", "LoginSession"),
          {new: old for old, new in RENAMED_BACKENDS.items()})  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_email_identifier_no_username"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(to_django_sessions, to_login_sessions),
        migrations.DeleteModel(name="LoginSession"),
    ]

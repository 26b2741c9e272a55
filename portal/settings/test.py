"""Tests: PostgreSQL (real or embedded), fast hashing, in-memory email outbox."""

from portal.settings.local import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_EMAIL_VERIFICATION = "none"
CELERY_TASK_ALWAYS_EAGER = False
# Tests change content through factories, without the import's content_changed(): the page
# cache has its own tests (apps/core/tests/test_pagecache.py), which turn it on.
PAGE_CACHE_ENABLED = False
# Database sessions whatever REDIS_URL or the broker say, so pinned query counts hold on every
# machine; the Redis session cache has its own tests (apps/accounts/tests/test_sessions.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"

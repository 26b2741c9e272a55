"""The integration test's worker: the test database, a real broker, SMTP on loopback.

Everything comes from the environment the test starts the worker with.
"""

from portal.settings.base import env
from portal.settings.test import *  # noqa: F403

DATABASES["default"]["NAME"] = env("DATABASE_NAME", default=DATABASES["default"]["NAME"])  # noqa: F405
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT")
EMAIL_USE_TLS = False
EMAIL_TIMEOUT = 10

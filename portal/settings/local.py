"""Development: DEBUG on, console email. DATABASE_URL names the database; when it is unset,
manage.py, Celery, wsgi and the tests start the embedded PostgreSQL and set it (portal/devstart.py).
Importing these settings starts nothing."""

from portal.settings.base import *  # noqa: F403
from portal.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-not-secret-" + "x" * 40)
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")

# Serve static files straight from static/ in development and tests (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = env.bool("WHITENOISE_AUTOREFRESH", default=True)

# bench/ serves a snapshot of a page as a static file beside the page itself.
if env("BENCH_STATIC_DIR", default=""):
    STATICFILES_DIRS = [*STATICFILES_DIRS, env("BENCH_STATIC_DIR")]  # noqa: F405

# No collectstatic in development: plain static storage, served by whitenoise from static/.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

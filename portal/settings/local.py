"""Development: DEBUG on, console email, embedded PostgreSQL when DATABASE_URL is unset."""

from portal.settings.base import *  # noqa: F403
from portal.settings.base import DATABASES, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-not-secret-" + "x" * 40)
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")

if not env("DATABASE_URL", default=""):
    from portal.devdb import embedded_database_url

    DATABASES["default"] = env.db_url_config(embedded_database_url())
    DATABASES["default"]["CONN_MAX_AGE"] = 60

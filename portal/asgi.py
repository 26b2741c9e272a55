import os

from django.core.asgi import get_asgi_application

from portal.devstart import ensure_database_url

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
ensure_database_url()

application = get_asgi_application()

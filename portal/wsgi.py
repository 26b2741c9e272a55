import os

from django.core.wsgi import get_wsgi_application

from portal.devstart import ensure_database_url

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
# Only under development settings (bench/ serves portal.settings.local through gunicorn).
ensure_database_url()

application = get_wsgi_application()

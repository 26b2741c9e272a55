from django.urls import path

from apps.core import offline, views

app_name = "core"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, raw files).
    path("favicon.ico", views.favicon, name="favicon"),
    path("sw.js", offline.service_worker, name="service-worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("offline/", offline.offline, name="offline"),
]

from django.urls import path

from apps.core import views

app_name = "core"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, raw files).
    path("favicon.ico", views.favicon, name="favicon"),
]

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("apps.core.urls")),
    path("", include("apps.guides.urls")),
    path("", include("apps.progress.urls")),
    path("", include("apps.notes.urls")),
    path("", include("apps.reminders.urls")),
]

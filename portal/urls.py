from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

# The admin signs in through allauth (rate limits, MFA), never through its own form.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("profile/", include("apps.accounts.urls")),
    path("", include("apps.core.urls")),
    path("", include("apps.guides.urls")),
    path("", include("apps.progress.urls")),
    path("", include("apps.notes.urls")),
    path("", include("apps.search.urls")),
    path("", include("apps.flashcards.urls")),
    path("", include("apps.reminders.urls")),
    path("", include("apps.sources.urls")),
]

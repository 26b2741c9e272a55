"""The same URL names and paths as allauth's openid_connect provider:
`/accounts/<OPENID_CONNECT_URL_PREFIX>/<provider_id>/login/` and `.../login/callback/`."""

from allauth.socialaccount import app_settings
from django.urls import URLPattern, URLResolver, include, path

from apps.accounts.oidc import views

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "<str:provider_id>/",
        include(
            [
                path("login/", views.login, name="openid_connect_login"),
                path("login/callback/", views.callback, name="openid_connect_callback"),
            ]
        ),
    )
]

if app_settings.OPENID_CONNECT_URL_PREFIX:
    urlpatterns = [path(f"{app_settings.OPENID_CONNECT_URL_PREFIX}/", include(urlpatterns))]

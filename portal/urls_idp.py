"""URLs of the test OpenID Provider (portal.settings.idp): the portal's, plus allauth's IdP."""

from django.urls import include, path

from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("", include("allauth.idp.urls")),
    *portal_urlpatterns,
]

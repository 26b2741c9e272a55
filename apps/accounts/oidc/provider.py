"""The OpenID Connect provider with a `nonce` bound to each authorization request.

allauth's registry imports `<app>.provider` of every installed app and registers its
`provider_classes` by id, and builds the login and callback URLs from `<package>.urls`."""

import secrets
from typing import Any

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.http import HttpRequest, HttpResponse

from apps.accounts.oidc.views import NonceOpenIDConnectOAuth2Adapter


class NonceOpenIDConnectProvider(OpenIDConnectProvider):
    oauth2_adapter_class = NonceOpenIDConnectOAuth2Adapter

    def redirect(
        self,
        request: HttpRequest,
        process: str,
        next_url: str | None = None,
        data: Any = None,
        **kwargs: Any,
    ) -> HttpResponse:
        # OAuth2Provider.redirect sends `auth_params` to the provider and stashes every other
        # keyword argument with the login state (in the session), so the callback can check
        # the ID token against the nonce this request sent.
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        return super().redirect(
            request,
            process,
            next_url,
            data,
            auth_params={**auth_params, "nonce": nonce},
            nonce=nonce,
            **kwargs,
        )


provider_classes = [NonceOpenIDConnectProvider]

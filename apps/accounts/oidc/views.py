"""Login and callback views of the OpenID Connect provider, refusing an ID token whose
`nonce` is not the one sent with the authorization request (OpenID Connect Core 3.1.3.7)."""

import hmac
import logging
from typing import Any

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.models import SocialApp, SocialLogin, SocialToken
from allauth.socialaccount.providers.base import ProviderException
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404, HttpRequest, HttpResponse
from requests import RequestException

logger = logging.getLogger(__name__)


DISCOVERY_ENDPOINTS = ("authorization_endpoint", "token_endpoint")


def nonce_matches(*, expected: object, claimed: object) -> bool:
    if not isinstance(expected, str) or not isinstance(claimed, str) or not expected:
        return False
    return hmac.compare_digest(expected.encode(), claimed.encode())


class NonceOpenIDConnectOAuth2Adapter(OpenIDConnectOAuth2Adapter):
    # Set by the callback view from the state stashed at the redirect; None refuses any token.
    expected_nonce: str | None = None

    @property
    def openid_config(self) -> dict:
        # allauth uses whatever JSON the discovery URL returns; a provider in maintenance can
        # answer a list or an object without endpoints, which would fail later as a 500.
        try:
            config = super().openid_config
        except AttributeError as exc:  # allauth calls .update() on it: JSON but not an object
            raise ProviderException("The provider's discovery document is not an object") from exc
        if not isinstance(config, dict) or not all(
            isinstance(config.get(key), str) for key in DISCOVERY_ENDPOINTS
        ):
            raise ProviderException("The provider's discovery document has no endpoints")
        return config

    def complete_login(
        self, request: HttpRequest, app: SocialApp, token: SocialToken, **kwargs: Any
    ) -> SocialLogin:
        # Nothing is saved yet: the SocialLogin is only stored, and the user signed in, by
        # complete_social_login after this returns. OAuth2Error renders the
        # authentication-error page.
        login = super().complete_login(request, app, token, **kwargs)
        id_token = login.account.extra_data.get("id_token") or {}
        if not nonce_matches(expected=self.expected_nonce, claimed=id_token.get("nonce")):
            raise OAuth2Error("The ID token's nonce is not the one this login sent")
        return login


class NonceCheckingCallbackView(OAuth2CallbackView):
    adapter: NonceOpenIDConnectOAuth2Adapter

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # allauth reads the discovery document (for the token endpoint) before its own
        # try/except, so a provider that went down after the redirect would be a 500.
        try:
            return super().dispatch(request, *args, **kwargs)
        except (RequestException, ProviderException) as exc:
            logger.warning("OpenID Connect discovery failed at the callback: %r", exc)
            return render_authentication_error(request, self.adapter.get_provider(), exception=exc)

    def _get_state(self, request: HttpRequest, provider: Any) -> tuple[dict | None, Any]:
        # allauth hands the unstashed state to the SocialLogin only after complete_login, so
        # the nonce is given to the adapter here, where the callback reads the state. Should
        # an allauth upgrade stop calling this, every login fails closed (the browser test's
        # happy path shows it).
        state, response = super()._get_state(request, provider)
        self.adapter.expected_nonce = (state or {}).get("nonce")
        return state, response


class DiscoveryCheckingLoginView(OAuth2LoginView):
    """Starting a login reads the provider's discovery document. allauth's callback view turns
    a provider that is down or answers nonsense into its login-failure page; its login view
    does not (a 500), so this one does the same."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().dispatch(request, *args, **kwargs)
        except (RequestException, ProviderException) as exc:
            # Unreachable, timed out, an HTTP error status, a body that is not JSON (requests'
            # JSONDecodeError is a RequestException) or JSON without the endpoints.
            logger.warning("OpenID Connect discovery failed: %r", exc)
            return render_authentication_error(request, self.get_provider(), exception=exc)


@login_not_required
def login(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = DiscoveryCheckingLoginView.adapter_view(
            NonceOpenIDConnectOAuth2Adapter(request, provider_id)
        )
        return view(request)
    except SocialApp.DoesNotExist as exc:
        raise Http404 from exc


@login_not_required
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = NonceCheckingCallbackView.adapter_view(
            NonceOpenIDConnectOAuth2Adapter(request, provider_id)
        )
        return view(request)
    except SocialApp.DoesNotExist as exc:
        raise Http404 from exc

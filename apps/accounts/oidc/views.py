"""Login and callback views of the OpenID Connect provider, refusing an ID token whose
`nonce` is not the one sent with the authorization request (OpenID Connect Core 3.1.3.7)."""

import hmac
from typing import Any

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.models import SocialApp, SocialLogin, SocialToken
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404, HttpRequest, HttpResponse


def nonce_matches(*, expected: object, claimed: object) -> bool:
    if not isinstance(expected, str) or not isinstance(claimed, str) or not expected:
        return False
    return hmac.compare_digest(expected.encode(), claimed.encode())


class NonceOpenIDConnectOAuth2Adapter(OpenIDConnectOAuth2Adapter):
    # Set by the callback view from the state stashed at the redirect; None refuses any token.
    expected_nonce: str | None = None

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

    def _get_state(self, request: HttpRequest, provider: Any) -> tuple[dict | None, Any]:
        # allauth hands the unstashed state to the SocialLogin only after complete_login, so
        # the nonce is given to the adapter here, where the callback reads the state. Should
        # an allauth upgrade stop calling this, every login fails closed (the browser test's
        # happy path shows it).
        state, response = super()._get_state(request, provider)
        self.adapter.expected_nonce = (state or {}).get("nonce")
        return state, response


@login_not_required
def login(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = OAuth2LoginView.adapter_view(NonceOpenIDConnectOAuth2Adapter(request, provider_id))
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

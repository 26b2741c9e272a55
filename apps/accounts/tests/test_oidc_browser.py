"""A full OpenID Connect login (authorization code with PKCE) against a real identity provider:
a second Django process on 127.0.0.1 running allauth's `allauth.idp.oidc`
(portal.settings.idp) with its own database. Chromium signs in there, consents, and lands
back on the portal signed in, with the email from the ID token. Then the attacks: a tampered
state, a replayed code and an ID token for another audience are refused."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import jwt
import pytest
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings as django_settings

from apps.accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
CLIENT_ID = "portal-e2e"
CLIENT_SECRET = "portal-e2e-secret-0123456789"
IDP_EMAIL = "grace@idp.example"
IDP_PASSWORD = "idp-password-for-grace"
PROVIDER_ID = "testidp"
CALLBACK = f"/accounts/oidc/{PROVIDER_ID}/login/callback/"

SETUP = """
from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client
from apps.accounts.models import User
user = User.objects.create_user(username="grace", email="{email}", password="{password}")
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
client = Client(id="{client_id}", name="Learning Portal", type="confidential")
client.set_secret("{secret}")
client.set_redirect_uris(["{redirect}"])
client.set_scopes(["openid", "profile", "email"])
client.set_default_scopes(["openid", "profile", "email"])
client.set_grant_types(["authorization_code"])
client.set_response_types(["code"])
client.save()
"""


def _urlopen(url: str):
    assert url.startswith("http://127.0.0.1:")  # only ever the local test IdP
    return urllib.request.urlopen(url, timeout=5)  # noqa: S310 - scheme checked above


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def idp(live_server, private_key_pem, settings):
    """Start the identity provider with a fresh database, a user and a client whose redirect
    URI is this test's live server; point the portal's openid_connect app at it."""
    db = django_settings.DATABASES["default"]
    name = f"{db['NAME']}_idp"
    host, user = db.get("HOST") or "127.0.0.1", db.get("USER") or "postgres"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    base_env.update(
        {
            "DATABASE_URL": f"postgres://{user}@{host}:{db.get('PORT') or 5432}/{name}",
            "DJANGO_SETTINGS_MODULE": "portal.settings.idp",
            "IDP_OIDC_PRIVATE_KEY": private_key_pem,
            "IDP_CLIENTS": live_server.url,
        }
    )
    _run(["dropdb", "--if-exists", "-h", host, "-U", user, name], base_env)
    _run(["createdb", "-h", host, "-U", user, name], base_env)
    _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], base_env)
    _run([sys.executable, "manage.py", "createcachetable"], base_env)
    setup = SETUP.format(
        email=IDP_EMAIL,
        password=IDP_PASSWORD,
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        redirect=live_server.url + CALLBACK,
    )
    _run([sys.executable, "manage.py", "shell", "-c", setup], base_env)

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=base_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with _urlopen(f"{url}/.well-known/openid-configuration"):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.3)
        # What portal.settings.base derives from OIDC_SERVER_URL at start-up.
        settings.SECURE_CSP = {
            **settings.SECURE_CSP,
            "form-action": [*settings.SECURE_CSP["form-action"], url],
        }
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": PROVIDER_ID,
                        "name": "Company SSO",
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {"server_url": url},
                    }
                ],
            }
        }
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        subprocess.run(["dropdb", "--if-exists", "-h", host, "-U", user, name], env=base_env)


def _signed_in_email(page, portal: str) -> str | None:
    page.goto(f"{portal}/profile/")
    if "/accounts/login/" in page.url:
        return None
    return page.locator("main .meta").first.inner_text().removeprefix("Signed in as ").strip()


def _authorize_until_callback(page, portal: str, idp: str, *, first_time: bool) -> str:
    """Start a login at the portal, sign in and consent at the IdP, and stop the browser at
    the portal's callback; return the callback URL (code and state) without delivering it.
    Playwright routes only the first URL of a redirect chain, so the consent POST itself is
    intercepted and its redirect read."""
    captured: list[str] = []

    def is_consent(url: str) -> bool:
        return url.startswith(idp) and urlsplit(url).path.rstrip("/").endswith("/authorize")

    def hold(route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        location = response.headers.get("location", "")
        if CALLBACK in location:
            captured.append(location)
            route.fulfill(status=200, body="held by the test", content_type="text/plain")
        else:
            route.fulfill(response=response)

    page.route(is_consent, hold)
    page.goto(f"{portal}/accounts/login/")
    page.click("text=Company SSO")
    page.click("form button[type=submit]")  # allauth's "continue to the provider" POST
    if first_time:
        page.wait_for_selector("input[name=login]")
        page.fill("input[name=login]", IDP_EMAIL)
        page.fill("input[name=password]", IDP_PASSWORD)
        page.click("form button[type=submit]")
    page.wait_for_selector("button[name=action][value=grant]")
    page.click("button[name=action][value=grant]")
    page.wait_for_selector("text=held by the test")
    page.unroute(is_consent)
    assert captured, "the IdP never redirected back to the portal"
    return captured[0]


def _with_params(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query.update(params)
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_oidc_login_with_pkce_and_the_attacks_it_refuses(idp, live_server, page) -> None:
    portal = live_server.url

    # 1. The whole flow. The authorization request carries a PKCE challenge.
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/authorize" in r.url else None)
    callback = _authorize_until_callback(page, portal, idp, first_time=True)
    authorize = parse_qs(urlsplit(requests[0]).query)
    assert authorize["code_challenge_method"] == ["S256"]
    assert authorize["client_id"] == [CLIENT_ID]
    code = parse_qs(urlsplit(callback).query)["code"][0]

    # 2. A tampered state is refused, and the code it carried is not used.
    page.goto(_with_params(callback, state="tampered-state"))
    assert "Third-Party Login Failure" in page.content()
    assert _signed_in_email(page, portal) is None

    # 3. A fresh flow delivered as is signs the user in, email from the ID token.
    callback = _authorize_until_callback(page, portal, idp, first_time=False)
    fresh_code = parse_qs(urlsplit(callback).query)["code"][0]
    page.goto(callback)
    assert _signed_in_email(page, portal) == IDP_EMAIL
    user = User.objects.get(email=IDP_EMAIL)
    account = SocialAccount.objects.get(user=user, provider=PROVIDER_ID)
    assert account.extra_data["id_token"]["email"] == IDP_EMAIL
    assert account.extra_data["id_token"]["aud"] == CLIENT_ID
    page.goto(f"{portal}/profile/")
    page.click("text=Sign out")

    # 4. A replayed code: a new flow's valid state, with the code already redeemed in step 3.
    callback = _authorize_until_callback(page, portal, idp, first_time=False)
    page.goto(_with_params(callback, code=fresh_code))
    assert "Third-Party Login Failure" in page.content()
    assert _signed_in_email(page, portal) is None
    assert code != fresh_code


def test_id_token_for_another_audience_is_refused(idp, private_key_pem) -> None:
    """The portal's ID token check (allauth's jwtkit, as the openid_connect provider calls it)
    against the IdP's real JWKS: a token signed by the IdP's key but for another client, or
    from another issuer, is refused; the same token for this client is accepted."""
    from allauth.socialaccount.internal import jwtkit

    with _urlopen(f"{idp}/.well-known/openid-configuration") as response:
        config = json.load(response)
    with _urlopen(config["jwks_uri"]) as response:
        kid = json.load(response)["keys"][0]["kid"]

    def token(**claims) -> str:
        now = int(time.time())
        body = {"iss": config["issuer"], "sub": "1", "aud": CLIENT_ID, "iat": now,
                "exp": now + 300, "email": IDP_EMAIL, **claims}  # fmt: skip
        return jwt.encode(body, private_key_pem, algorithm="RS256", headers={"kid": kid})

    def decode(credential: str) -> dict:
        return jwtkit.verify_and_decode(
            credential=credential,
            keys_url=config["jwks_uri"],
            issuer=config["issuer"],
            audience=CLIENT_ID,
            lookup_kid=jwtkit.lookup_kid_jwk,
        )

    assert decode(token())["email"] == IDP_EMAIL
    with pytest.raises(OAuth2Error):
        decode(token(aud="some-other-client"))
    with pytest.raises(OAuth2Error):
        decode(token(iss="http://evil.example"))
    with pytest.raises(OAuth2Error):
        decode(token(exp=int(time.time()) - 60))

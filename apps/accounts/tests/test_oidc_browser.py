"""A full OpenID Connect login (authorization code with PKCE and a nonce) against a real
identity provider: a second Django process on 127.0.0.1 running allauth's `allauth.idp.oidc`
(portal.settings.idp) with its own database. Chromium signs in there, consents, and lands
back on the portal signed in, with the email from the ID token. Then the attacks, each through
the browser: a tampered state, a wrong or missing nonce, an ID token for another audience or
from another issuer (the IdP signs whatever claims the test writes to a file), and a replayed
code, both in a new login and sent straight to the token endpoint with the right PKCE
verifier, are refused, with nobody signed in and no social account created."""

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from importlib import import_module
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
from apps.core.tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
CLIENT_ID = "portal-e2e"
CLIENT_SECRET = "portal-e2e-secret-0123456789"
IDP_EMAIL = "grace@idp.example"
IDP_PASSWORD = "idp-password-for-grace"
PROVIDER_ID = "testidp"
LOGIN = f"/accounts/oidc/{PROVIDER_ID}/login/"
CALLBACK = f"{LOGIN}callback/"
FAILURE = "Third-Party Login Failure"

SETUP = """
from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client
from apps.accounts.models import User
from apps.core.tests.waiting import wait_until
user = User.objects.create_user(email="{email}", password="{password}")
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


def _urlopen(url: str, data: dict[str, str] | None = None):
    assert url.startswith("http://127.0.0.1:")  # only ever the local test IdP
    body = urlencode(data).encode() if data is not None else None
    return urllib.request.urlopen(url, data=body, timeout=5)  # noqa: S310 - scheme checked above


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


@pytest.fixture(scope="module")
def id_token_claims_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("idp") / "id-token-claims.json"


@pytest.fixture
def id_token_claims(id_token_claims_file: Path):
    """Write a JSON object here and the IdP puts its claims into the next ID tokens it signs;
    what one test writes is gone before the next."""
    id_token_claims_file.unlink(missing_ok=True)
    yield id_token_claims_file
    id_token_claims_file.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def idp_server(live_server, private_key_pem, id_token_claims_file):
    """The identity provider, started once for the module (a database, migrations and a server
    take about 10 s): a fresh database with a user and a client whose redirect URI is the
    session's live server. Tests share it safely: each has its own browser context (so its own
    IdP session), the IdP keeps no consent, and every code is single use."""
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
            "IDP_ID_TOKEN_OVERRIDES": str(id_token_claims_file),
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

    def serving() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the IdP exited with {process.returncode}")
        try:
            with _urlopen(f"{url}/.well-known/openid-configuration"):
                return True
        except OSError:
            return False

    try:
        wait_until(serving, timeout=60, message="the IdP to answer")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        subprocess.run(["dropdb", "--if-exists", "-h", host, "-U", user, name], env=base_env)


@pytest.fixture
def idp(idp_server, settings, id_token_claims):
    """The identity provider's URL, with the portal's openid_connect app pointed at it."""
    # What portal.settings.base derives from OIDC_SERVER_URL at start-up.
    settings.SECURE_CSP = {
        **settings.SECURE_CSP,
        "form-action": [*settings.SECURE_CSP["form-action"], idp_server],
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
                    "settings": {"server_url": idp_server},
                }
            ],
        }
    }
    return idp_server


def _signed_in_email(page, portal: str) -> str | None:
    page.goto(f"{portal}/profile/")
    if "/accounts/login/" in page.url:
        return None
    return page.locator("main .meta").first.inner_text().removeprefix("Signed in as ").strip()


def _authorize_until_callback(
    page, portal: str, idp: str, *, first_time: bool, rewrite_authorize=None
) -> str:
    """Start a login at the portal, sign in and consent at the IdP, and stop the browser at
    the portal's callback; return the callback URL (code and state) without delivering it.
    Playwright routes only the first URL of a redirect chain, so the POSTs whose redirects
    matter are intercepted and their Location read: the portal's "continue" POST, whose
    redirect to the IdP's authorize URL `rewrite_authorize` may change, and the consent."""
    captured: list[str] = []

    def is_consent(url: str) -> bool:
        return url.startswith(idp) and urlsplit(url).path.rstrip("/").endswith("/authorize")

    def is_continue(url: str) -> bool:
        return url.startswith(portal) and urlsplit(url).path == LOGIN

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

    def rewrite(route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        location = rewrite_authorize(response.headers["location"])
        route.fulfill(response=response, headers={**response.headers, "location": location})

    page.route(is_consent, hold)
    if rewrite_authorize:
        page.route(is_continue, rewrite)
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
    if rewrite_authorize:
        page.unroute(is_continue)
    assert captured, "the IdP never redirected back to the portal"
    return captured[0]


def _params(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _with_params(url: str, **params: str | None) -> str:
    """The URL with these query parameters replaced; None removes one."""
    query = {**_params(url), **params}
    query = {key: value for key, value in query.items() if value is not None}
    return urlunsplit(urlsplit(url)._replace(query=urlencode(query)))


def _authorize_requests(page) -> list[str]:
    """Every authorization request the browser sends to the IdP, redirects included (again
    after the sign-in there, with the same parameters), the consent POST not."""

    def record(request) -> None:
        if request.method == "GET" and "/authorize?" in request.url:
            requests.append(request.url)

    requests: list[str] = []
    page.on("request", record)
    return requests


def _assert_refused(page, portal: str) -> None:
    assert FAILURE in page.content()
    assert _signed_in_email(page, portal) is None
    assert not SocialAccount.objects.exists()
    assert not User.objects.filter(email=IDP_EMAIL).exists()


def _assert_signed_in(page, portal: str) -> SocialAccount:
    assert FAILURE not in page.content()
    assert _signed_in_email(page, portal) == IDP_EMAIL
    return SocialAccount.objects.get(user__email=IDP_EMAIL, provider=PROVIDER_ID)


def _sign_out(page, portal: str) -> None:
    page.goto(f"{portal}/profile/")
    page.click("text=Sign out")


def _stashed_state(page, state_id: str) -> dict:
    """The login state the portal keeps in its session for this `state` (allauth's statekit),
    which holds the PKCE code verifier and the nonce it sent."""
    session_key = next(
        cookie["value"]
        for cookie in page.context.cookies()
        if cookie["name"] == django_settings.SESSION_COOKIE_NAME
    )
    session = import_module(django_settings.SESSION_ENGINE).SessionStore(session_key)
    state, _stashed_at, provider_id = session["socialaccount_states"][state_id]
    assert provider_id == PROVIDER_ID
    return state


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def test_oidc_login_with_pkce_and_the_attacks_it_refuses(idp, live_server, page) -> None:
    portal = live_server.url
    requests = _authorize_requests(page)

    # 1. The whole flow. The authorization request carries a PKCE challenge and a nonce.
    callback = _authorize_until_callback(page, portal, idp, first_time=True)
    authorize = _params(requests[0])
    assert authorize["code_challenge_method"] == "S256"
    assert authorize["client_id"] == CLIENT_ID
    assert len(authorize["nonce"]) >= 43  # 32 random bytes
    code = _params(callback)["code"]

    # 2. A tampered state is refused, and the code it carried is not used.
    page.goto(_with_params(callback, state="tampered-state"))
    _assert_refused(page, portal)

    # 3. A fresh flow delivered as is signs the user in, email from the ID token, and the
    # ID token carries the nonce this flow sent.
    callback = _authorize_until_callback(page, portal, idp, first_time=False)
    fresh_code = _params(callback)["code"]
    page.goto(callback)
    account = _assert_signed_in(page, portal)
    assert account.extra_data["id_token"]["email"] == IDP_EMAIL
    assert account.extra_data["id_token"]["aud"] == CLIENT_ID
    assert account.extra_data["id_token"]["nonce"] == _params(requests[-1])["nonce"]
    _sign_out(page, portal)

    # 4. A replayed code: a new flow's valid state, with the code already redeemed in step 3.
    callback = _authorize_until_callback(page, portal, idp, first_time=False)
    page.goto(_with_params(callback, code=fresh_code))
    assert FAILURE in page.content()
    assert _signed_in_email(page, portal) is None
    assert code != fresh_code

    # Each of the three logins sent a nonce of its own.
    assert len({_params(url)["nonce"] for url in requests}) == 3


def test_an_id_token_with_a_wrong_or_missing_nonce_is_refused(idp, live_server, page) -> None:
    """The browser's redirect to the IdP is rewritten, so the IdP signs an ID token with the
    nonce it was given, or none; the portal compares it with the nonce it stashed."""
    portal = live_server.url
    requests = _authorize_requests(page)

    callback = _authorize_until_callback(
        page, portal, idp, first_time=True,
        rewrite_authorize=lambda url: _with_params(url, nonce="chosen-by-the-attacker"),
    )  # fmt: skip
    assert _params(requests[-1])["nonce"] == "chosen-by-the-attacker"
    stashed = _stashed_state(page, _params(callback)["state"])["nonce"]
    assert stashed != "chosen-by-the-attacker"
    page.goto(callback)
    _assert_refused(page, portal)

    callback = _authorize_until_callback(
        page, portal, idp, first_time=False,
        rewrite_authorize=lambda url: _with_params(url, nonce=None),
    )  # fmt: skip
    assert "nonce" not in _params(requests[-1])
    page.goto(callback)
    _assert_refused(page, portal)

    # The same flow, its nonce left alone, signs in: the nonce was what was refused.
    callback = _authorize_until_callback(page, portal, idp, first_time=False)
    page.goto(callback)
    _assert_signed_in(page, portal)


def test_an_id_token_for_another_audience_or_from_another_issuer_is_refused(
    idp, live_server, page, id_token_claims
) -> None:
    """The IdP signs, with its real key, an ID token naming another client or issuer."""
    portal = live_server.url
    first_time = True
    for claims in ({"aud": "some-other-client"}, {"iss": "http://evil.example"}):
        id_token_claims.write_text(json.dumps(claims), encoding="utf-8")
        callback = _authorize_until_callback(page, portal, idp, first_time=first_time)
        first_time = False
        page.goto(callback)
        _assert_refused(page, portal)

    id_token_claims.write_text("{}", encoding="utf-8")
    callback = _authorize_until_callback(page, portal, idp, first_time=False)
    page.goto(callback)
    account = _assert_signed_in(page, portal)
    assert account.extra_data["id_token"]["aud"] == CLIENT_ID
    assert account.extra_data["id_token"]["iss"] == idp


def test_a_redeemed_code_is_refused_even_with_its_pkce_verifier(idp, live_server, page) -> None:
    """Single use, not PKCE: the replay carries the code's own, correct code_verifier and the
    client's credentials, and the IdP still answers invalid_grant. The same request for a code
    not redeemed yet is answered with tokens, so the request itself is well formed."""
    portal = live_server.url
    requests = _authorize_requests(page)
    with _urlopen(f"{idp}/.well-known/openid-configuration") as response:
        token_url = json.load(response)["token_endpoint"]

    def redeem(code: str, verifier: str) -> tuple[int, dict]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": portal + CALLBACK,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        try:
            with _urlopen(token_url, data=form) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def code_and_verifier(callback: str) -> tuple[str, str]:
        params = _params(callback)
        verifier = _stashed_state(page, params["state"])["pkce_code_verifier"]
        assert _s256(verifier) == _params(requests[-1])["code_challenge"]
        return params["code"], verifier

    # The portal redeems the code and signs in; then the code and its verifier are replayed.
    callback = _authorize_until_callback(page, portal, idp, first_time=True)
    code, verifier = code_and_verifier(callback)
    page.goto(callback)
    _assert_signed_in(page, portal)
    status, body = redeem(code, verifier)
    assert (status, body["error"]) == (400, "invalid_grant")
    _sign_out(page, portal)

    # Control: the same request redeems a code nobody used, once.
    code, verifier = code_and_verifier(
        _authorize_until_callback(page, portal, idp, first_time=False)
    )
    status, body = redeem(code, verifier)
    assert status == 200 and body["id_token"] and body["access_token"]
    status, body = redeem(code, verifier)
    assert (status, body["error"]) == (400, "invalid_grant")


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

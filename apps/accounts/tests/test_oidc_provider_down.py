"""Signing in with OpenID Connect while the identity provider is down, or answers nonsense:
allauth's login-failure page, never a 500, and nobody signed in. The "provider" here is a real
HTTP server on loopback (or a port nothing listens on), not a mock."""

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

pytestmark = pytest.mark.django_db

PROVIDER_ID = "companysso"
LOGIN = f"/accounts/oidc/{PROVIDER_ID}/login/"
CALLBACK = f"{LOGIN}callback/"
FAILURE = "Third-Party Login Failure"


class Provider(BaseHTTPRequestHandler):
    """Answers the discovery document as the server's `answer` says."""

    def do_GET(self) -> None:
        status, body = self.server.answer  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    server.answer = (200, json.dumps({  # type: ignore[attr-defined]
        "issuer": base,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/userinfo",
        "jwks_uri": f"{base}/jwks",
    }))  # fmt: skip
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def configure(settings, server_url: str) -> None:
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": PROVIDER_ID,
                    "name": "Company SSO",
                    "client_id": "portal",
                    "secret": "s3cret",
                    "settings": {"server_url": server_url},
                }
            ],
        }
    }


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when this returns: connection refused


def assert_failure_page(response, client: Client) -> None:
    assert response.status_code == 401  # allauth's failure page answers 401
    assert FAILURE in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.exists()


def test_provider_unreachable_when_the_login_starts(client: Client, settings) -> None:
    configure(settings, f"http://127.0.0.1:{closed_port()}")
    assert_failure_page(client.post(LOGIN), client)


@pytest.mark.parametrize(
    "answer",
    [
        (503, "<html>Service Unavailable</html>"),  # down behind its proxy
        (200, "<html>maintenance</html>"),  # not JSON
        (200, json.dumps({"issuer": "x"})),  # JSON without the endpoints
        (200, json.dumps(["a", "list"])),
    ],
    ids=["503", "not-json", "no-endpoints", "not-an-object"],
)
def test_provider_answering_nonsense_when_the_login_starts(
    client: Client, settings, provider, answer
) -> None:
    provider.answer = answer
    configure(settings, f"http://127.0.0.1:{provider.server_address[1]}")
    assert_failure_page(client.post(LOGIN), client)


def test_provider_gone_between_the_redirect_and_the_callback(
    client: Client, settings, provider
) -> None:
    configure(settings, f"http://127.0.0.1:{provider.server_address[1]}")
    response = client.post(LOGIN)
    assert response.status_code == 302
    authorize = urlsplit(response["Location"])
    assert authorize.path == "/authorize"
    state = parse_qs(authorize.query)["state"][0]
    provider.shutdown()
    provider.server_close()
    response = client.get(CALLBACK, {"state": state, "code": "a-code"})
    assert_failure_page(response, client)

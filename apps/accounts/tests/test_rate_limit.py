"""The login rate limit behind the production TLS proxy: per client address taken from
X-Forwarded-For (ALLAUTH_TRUSTED_PROXY_COUNT), and per account whatever the address."""

import pytest
from django.test import Client

from apps.accounts.tests.conftest import PASSWORD, make_user
from apps.core.tests.test_health import PRODUCTION_ENV, _manage

pytestmark = pytest.mark.django_db
LIMITED = "Too many failed login attempts"


def behind_proxy(client_ip: str, claimed: str = "") -> Client:
    """A browser at `client_ip` behind one proxy, which appends the address it saw; the
    browser may send its own X-Forwarded-For first (`claimed`), as an attacker would."""
    forwarded = f"{claimed}, {client_ip}" if claimed else client_ip
    return Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)


def login(client: Client, email: str, password: str) -> str:
    return client.post("/accounts/login/", {"login": email, "password": password}).content.decode()


@pytest.fixture
def one_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def test_one_attacker_does_not_lock_out_everyone_behind_the_proxy(one_proxy) -> None:
    make_user("alice@example.com")
    make_user("bob@example.com")
    attacker = behind_proxy("203.0.113.9")
    for n in range(5):
        login(attacker, f"victim{n}@example.com", "guess")
    assert LIMITED in login(attacker, "bob@example.com", PASSWORD)  # this address is limited
    bob = behind_proxy("198.51.100.7")
    assert LIMITED not in login(bob, "bob@example.com", PASSWORD)
    assert "_auth_user_id" in bob.session


def test_a_forged_forwarded_for_does_not_escape_the_limit(one_proxy) -> None:
    make_user("bob@example.com")
    for n in range(5):
        # A new claimed address each time; the proxy's own entry (the real one) is what counts.
        login(behind_proxy("203.0.113.9", claimed=f"192.0.2.{n}"), f"v{n}@example.com", "guess")
    response = login(behind_proxy("203.0.113.9", claimed="192.0.2.77"), "bob@example.com", PASSWORD)
    assert LIMITED in response


def test_the_per_account_limit_holds_across_addresses(one_proxy) -> None:
    make_user("alice@example.com")
    for n in range(5):
        login(behind_proxy(f"203.0.113.{n}"), "alice@example.com", "guess")
    fresh = behind_proxy("198.51.100.50")
    assert LIMITED in login(fresh, "alice@example.com", PASSWORD)
    assert "_auth_user_id" not in fresh.session


def test_production_reads_the_proxy_count_from_the_environment() -> None:
    code = (
        "from django.conf import settings; "
        "print(settings.ALLAUTH_TRUSTED_PROXY_COUNT, settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)"
    )
    default = _manage("shell", "-c", code, env=PRODUCTION_ENV)
    assert default.returncode == 0, default.stderr
    assert default.stdout.splitlines()[-1].split() == ["1", "None"]
    two = _manage(
        "shell", "-c", code,
        env={**PRODUCTION_ENV, "ALLAUTH_TRUSTED_PROXY_COUNT": "2",
             "ALLAUTH_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"},
    )  # fmt: skip
    assert two.stdout.splitlines()[-1].split() == ["2", "X-Real-IP"]

"""The nonce comparison the OpenID Connect callback makes (the browser flow is in
test_oidc_browser.py): only the exact nonce this login stashed is accepted."""

import pytest

from apps.accounts.oidc.views import nonce_matches

STASHED = "FN751s2DtV1jP84KCxRaLpcXqiJW9w-spPkyVl0cov4"


def test_the_stashed_nonce_matches() -> None:
    assert nonce_matches(expected=STASHED, claimed=STASHED)


@pytest.mark.parametrize(
    ("expected", "claimed"),
    [
        (STASHED, STASHED[:-1]),  # a different nonce
        (STASHED, STASHED + "x"),
        (STASHED, None),  # the ID token has none
        (STASHED, ""),
        (STASHED, ["not", "a", "string"]),
        (STASHED, "nönce"),  # not ASCII: compared as bytes, not an error
        (None, STASHED),  # the login state has none (stashed before the nonce existed)
        ("", ""),
        (None, None),
    ],
)
def test_anything_else_is_refused(expected, claimed) -> None:
    assert not nonce_matches(expected=expected, claimed=claimed)

"""A local OpenID Provider for the end-to-end OIDC test: this code base with allauth's own
`allauth.idp.oidc`, in a second process with its own database and cookie names (two servers
on 127.0.0.1 share cookies across ports)."""

from portal.settings.test import *  # noqa: F403
from portal.settings.test import INSTALLED_APPS, SECURE_CSP, env

INSTALLED_APPS = [*INSTALLED_APPS, "allauth.idp.oidc"]
ROOT_URLCONF = "portal.urls_idp"
IDP_OIDC_PRIVATE_KEY = env("IDP_OIDC_PRIVATE_KEY")
SESSION_COOKIE_NAME = "idp_sessionid"
CSRF_COOKIE_NAME = "idp_csrftoken"
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_PROVIDERS = {}  # type: ignore[no-redef]
# The consent form POSTs here and is redirected to the client (the portal under test).
SECURE_CSP = {**SECURE_CSP, "form-action": [*SECURE_CSP["form-action"], *env.list("IDP_CLIENTS")]}  # type: ignore[misc]
# Claims to force into the ID tokens it signs: a JSON object in this file, read per token.
IDP_OIDC_ADAPTER = "portal.idp_adapter.ClaimOverridingOIDCAdapter"
IDP_ID_TOKEN_OVERRIDES = env("IDP_ID_TOKEN_OVERRIDES", default="")

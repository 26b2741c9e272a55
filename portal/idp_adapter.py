"""The test OpenID Provider's allauth IdP adapter (portal.settings.idp): it can sign ID tokens
with claims a test chose (another audience, another issuer), read per request from the JSON
file named by IDP_ID_TOKEN_OVERRIDES, so the portal's refusal is tested through a real login."""

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from allauth.idp.oidc.models import Client
from django.conf import settings


class ClaimOverridingOIDCAdapter(DefaultOIDCAdapter):
    def populate_id_token(
        self, id_token: dict[str, Any], client: Client, scopes: Iterable[str], **kwargs: Any
    ) -> None:
        super().populate_id_token(id_token, client, scopes, **kwargs)
        # Only portal.settings.idp defines it.
        path = getattr(settings, "IDP_ID_TOKEN_OVERRIDES", "")
        overrides = Path(path) if path else None
        if overrides and overrides.is_file():
            id_token.update(json.loads(overrides.read_text(encoding="utf-8") or "{}"))

"""Recognise and verify a push webhook from GitHub, GitLab or Gitea/Forgejo.

GitHub signs the raw body (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`), Gitea and
Forgejo the same without the prefix (`X-Gitea-Signature`, `X-Forgejo-Signature`), GitLab sends
the secret itself (`X-Gitlab-Token`). Every comparison is constant-time (hmac.compare_digest).
"""

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Delivery:
    provider: str
    event: str  # "push", "ping" or another event name
    ref: str = ""


def _hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_verify(*, secret: str, headers: Mapping[str, str], body: bytes) -> Delivery | None:
    """The delivery when its signature is valid for `secret`, else None."""
    if not secret:
        return None
    gitea = headers.get("X-Gitea-Signature") or headers.get("X-Forgejo-Signature")
    github = headers.get("X-Hub-Signature-256")
    gitlab = headers.get("X-Gitlab-Token")
    if gitea is not None:
        valid = hmac.compare_digest(
            gitea.strip().lower().encode(), _hmac_hex(secret, body).encode()
        )
        provider = "gitea"
        event = headers.get("X-Gitea-Event") or headers.get("X-Forgejo-Event") or ""
    elif github is not None:
        expected = f"sha256={_hmac_hex(secret, body)}"
        valid = hmac.compare_digest(github.strip().lower().encode(), expected.encode())
        provider = "github"
        event = headers.get("X-GitHub-Event", "")
    elif gitlab is not None:
        valid = hmac.compare_digest(gitlab.encode(), secret.encode())
        provider = "gitlab"
        event = {"Push Hook": "push"}.get(headers.get("X-Gitlab-Event", ""), "other")
    else:
        return None
    if not valid:
        return None
    ref = ""
    if event == "push":
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        ref = str(payload.get("ref", "")) if isinstance(payload, dict) else ""
    return Delivery(provider=provider, event=event.lower(), ref=ref)

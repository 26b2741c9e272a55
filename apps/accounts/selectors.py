"""Reads about a user: everything they own, found by walking the models, not by a list."""

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from apps.accounts.models import User

# Secrets are left out of the export: a stolen export must not unlock the account.
SECRET_FIELDS: dict[str, set[str]] = {
    "accounts.user": {"password"},
    "mfa.authenticator": {"data"},
    "socialaccount.socialtoken": {"token", "token_secret"},
    "usersessions.usersession": {"session_key"},
    "account.emailconfirmation": {"key"},
}


def user_owned_relations() -> list[tuple[type[models.Model], models.Field]]:
    """Every (model, field) where a foreign key or one-to-one points at the user model.
    Apps added later are covered without touching this code."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    relations = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is user_model:
                relations.append((model, field))
    return relations


def _row(obj: models.Model, hidden: set[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in hidden or isinstance(field, SearchVectorField):
            continue
        value = field.value_from_object(obj)
        row[field.attname if field.is_relation else field.name] = value
    return row


def user_data_export(*, user: User) -> dict[str, Any]:
    """All rows that belong to `user`, by model label, in a JSON-serialisable dict."""
    data: dict[str, Any] = {
        "format": "learning-portal-export/1",
        "user": _row(user, SECRET_FIELDS["accounts.user"]),
        "data": {},
    }
    for model, field in user_owned_relations():
        label = model._meta.label_lower
        hidden = SECRET_FIELDS.get(label, set())
        rows = [_row(obj, hidden) for obj in model._default_manager.filter(**{field.name: user})]
        if rows:
            key = label if field.name == "user" else f"{label} ({field.name})"
            data["data"].setdefault(key, []).extend(rows)
    return data


def user_rows_count(*, user_id: int) -> dict[str, int]:
    """How many rows of each user-owned model still point at `user_id` (for tests and checks)."""
    counts = {}
    for model, field in user_owned_relations():
        key = f"{model._meta.label_lower}.{field.name}"
        counts[key] = model._default_manager.filter(**{field.attname: user_id}).count()
    return counts


@dataclass(frozen=True)
class ProfileSummary:
    emails: list
    social_accounts: list[str]
    mfa_types: list[str]
    session_count: int
    has_password: bool


def user_profile_summary(*, user: User) -> ProfileSummary:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount
    from allauth.usersessions.models import UserSession

    return ProfileSummary(
        emails=list(EmailAddress.objects.filter(user=user).order_by("-primary", "email")),
        social_accounts=[
            _provider_name(account)
            for account in SocialAccount.objects.filter(user=user).order_by("provider")
        ],
        mfa_types=sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True)),
        session_count=UserSession.objects.filter(user=user).count(),
        has_password=user.has_usable_password(),
    )


def _provider_name(account) -> str:
    # A provider whose app was removed from the settings still shows, by its id.
    try:
        return account.get_provider().name
    except Exception:
        return account.provider

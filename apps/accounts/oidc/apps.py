from django.apps import AppConfig


class OIDCConfig(AppConfig):
    """allauth's generic OpenID Connect provider, plus the `nonce` it neither sends nor checks.
    Installed instead of `allauth.socialaccount.providers.openid_connect`: it registers under
    the same provider id, so settings, URLs and stored SocialAccounts stay as they were."""

    name = "apps.accounts.oidc"
    label = "accounts_oidc"
    verbose_name = "OpenID Connect sign-in"

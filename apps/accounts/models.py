import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone.")


class User(AbstractUser):
    """A learner. Signs in by email; the username is kept only for Django's admin."""

    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=120, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.display_name or self.email or self.username

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@")[0]


class LoginSession(AbstractBaseSession):
    """Django's database session with the signed-in user beside it, so one statement reads both
    on every request (apps/accounts/sessions.py). Deleting a user deletes their sessions."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    @classmethod
    def get_session_store_class(cls) -> type:
        from apps.accounts.sessions import SessionStore

        return SessionStore

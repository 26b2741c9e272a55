import zoneinfo

from django.contrib.auth.models import AbstractUser
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

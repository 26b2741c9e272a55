import logging

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.db import transaction

from apps.accounts.models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def user_ensure_demo(*, email: str, password: str) -> User:
    user, _ = User.objects.get_or_create(email=email, defaults={"display_name": "Demo Learner"})
    user.is_staff = True
    user.is_superuser = True
    user.set_password(password)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def user_profile_update(*, user: User, display_name: str, timezone: str) -> User:
    user.display_name = display_name.strip()
    user.timezone = timezone
    user.full_clean(validate_unique=False, validate_constraints=False)
    user.save(update_fields=["display_name", "timezone"])
    return user


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account and, by CASCADE, everything that belongs to it (progress, notes,
    MFA, social accounts). Audit records keep the actor's email, not the link. Django's
    sessions carry no link to their user, so the ones allauth recorded (every sign-in through
    the site) are ended first rather than left in the session store."""
    user_id = user.pk
    for session in UserSession.objects.filter(user=user):
        session.end()
    user.delete()
    logger.info("account %s deleted at the owner's request", user_id)

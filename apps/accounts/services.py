from allauth.account.models import EmailAddress
from django.db import transaction

from apps.accounts.models import User


@transaction.atomic
def user_ensure_demo(*, email: str, password: str) -> User:
    user, _ = User.objects.get_or_create(
        email=email, defaults={"username": email, "display_name": "Demo Learner"}
    )
    user.is_staff = True
    user.is_superuser = True
    user.set_password(password)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user

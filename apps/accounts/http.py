"""The request type of views behind `login_required`. It lives here, not in core, because it
names the user model: core sits below accounts and imports nothing above it."""

from apps.accounts.models import User
from apps.core.http import HtmxHttpRequest


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """For views behind `login_required`: the user is a real account."""

    user: User  # type: ignore[assignment]

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts import selectors, services
from apps.accounts.forms import AccountDeleteForm, ProfileForm
from apps.accounts.http import AuthenticatedHttpRequest
from apps.core.middleware import nul_checked_by_form


@login_required
@require_http_methods(["GET", "POST"])
@nul_checked_by_form
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    initial = {"display_name": user.display_name, "timezone": user.timezone}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.user_profile_update(
            user=user,
            display_name=form.cleaned_data["display_name"],
            timezone=form.cleaned_data["timezone"],
        )
        messages.success(request, "Profile saved.")
        return redirect("accounts:profile")
    summary = selectors.user_profile_summary(user=user)
    status = 400 if form.errors else 200
    return render(
        request, "accounts/profile.html", {"form": form, "summary": summary}, status=status
    )


@login_required
@require_GET
def export_json(request: AuthenticatedHttpRequest) -> HttpResponse:
    response = JsonResponse(
        selectors.user_data_export(user=request.user),
        encoder=DjangoJSONEncoder,
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    response["Content-Disposition"] = 'attachment; filename="my-learning-portal-data.json"'
    return response


@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Asks for the password (or MFA, or the provider) again if the sign-in is not recent,
    then for the email address typed out, before deleting everything."""
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.user_delete(user=user)
        messages.success(request, "Your account and everything in it were deleted.")
        return redirect("guides:home")
    status = 400 if form.errors else 200
    return render(request, "accounts/delete.html", {"form": form}, status=status)

import zoneinfo

from django import forms

from apps.accounts.models import User


def _timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=120, required=False, label="Display name")
    timezone = forms.ChoiceField(
        label="Time zone", help_text="Days, streaks and reminders follow this time zone."
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = _timezone_choices()  # type: ignore[attr-defined]


class AccountDeleteForm(forms.Form):
    confirm_email = forms.CharField(
        label="Type your email address to confirm",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_confirm_email(self) -> str:
        typed = self.cleaned_data["confirm_email"].strip()
        if typed.casefold() != self.user.email.casefold():
            raise forms.ValidationError("That is not the email address of this account.")
        return typed

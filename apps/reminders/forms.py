import zoneinfo

from django import forms

from apps.reminders.models import ReminderPreference
from apps.reminders.schedule import MONDAY_TO_FRIDAY, WEEKDAY_NAMES, days_mask

WEEKDAY_CHOICES = [(str(day), name) for day, name in enumerate(WEEKDAY_NAMES)]


class ReminderPreferenceForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Send me reading reminders")
    frequency = forms.ChoiceField(
        choices=ReminderPreference.Frequency.choices,
        widget=forms.RadioSelect,
        initial=ReminderPreference.Frequency.DAILY,
    )
    weekdays = forms.MultipleChoiceField(
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Days",
    )
    local_time = forms.TimeField(
        label="Time",
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Enter a time such as 07:30 or 18:00."},
    )
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        widget=forms.TextInput(
            attrs={"list": "timezone-list", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    skip_if_studied_today = forms.BooleanField(
        required=False, label="Skip the reminder if I already studied that day"
    )

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"].strip()
        if name not in zoneinfo.available_timezones():
            raise forms.ValidationError(
                f"“{name}” is not a time zone we know. Pick one from the list, such as "
                "Europe/Paris or America/New_York."
            )
        return name

    def clean_weekdays(self) -> int:
        return days_mask({int(day) for day in self.cleaned_data["weekdays"]})

    def clean(self) -> dict:
        data = super().clean() or {}
        mask, frequency = data.get("weekdays"), data.get("frequency")
        if mask is None or frequency is None:
            return data
        if not mask:
            self.add_error("weekdays", "Choose at least one day.")
        elif frequency == ReminderPreference.Frequency.WEEKDAYS and not mask & MONDAY_TO_FRIDAY:
            self.add_error("weekdays", "“Weekdays only” needs at least one day from Monday to "
                                       "Friday.")  # fmt: skip
        elif frequency == ReminderPreference.Frequency.WEEKLY and mask.bit_count() != 1:
            self.add_error("weekdays", "For a weekly reminder, choose exactly one day.")
        return data

from django import forms

from apps.flashcards.models import ReviewSettings


class ReviewSettingsForm(forms.ModelForm):
    desired_retention = forms.FloatField(
        min_value=0.7,
        max_value=0.99,
        label="Desired retention",
        help_text="How likely you want to be to remember a card when it comes back: 0.70-0.99. "
        "Higher means more reviews.",
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    new_cards_per_day = forms.IntegerField(
        min_value=0, max_value=500, label="New cards per day", help_text="0 pauses new cards."
    )

    class Meta:
        model = ReviewSettings
        fields = ["desired_retention", "new_cards_per_day"]


class AnswerForm(forms.Form):
    card = forms.IntegerField(min_value=1)
    reps = forms.IntegerField(min_value=0)
    rating = forms.TypedChoiceField(choices=[(n, n) for n in (1, 2, 3, 4)], coerce=int)
    shown_at = forms.IntegerField(required=False, min_value=0)  # epoch ms the card was shown

from pathlib import Path

from django import forms
from django.conf import settings

from apps.guides.models import Guide
from apps.guides.rendering import GuideError, decode_guide, render_guide

UPLOAD = "upload"


def import_source_choices() -> list[tuple[str, str]]:
    paths = [settings.CONTENT_DIR, *(Path(p) for p in settings.GUIDE_IMPORT_PATHS)]
    choices = [(str(path), f"Folder {path}") for path in paths]
    return [*choices, (UPLOAD, "An uploaded zip of Markdown guides")]


class GuideImportForm(forms.Form):
    source = forms.ChoiceField(widget=forms.RadioSelect)
    archive = forms.FileField(
        required=False,
        label="Zip of Markdown guides",
        help_text="Only .md files; folders become tracks as for a repository.",
    )
    dry_run = forms.BooleanField(
        required=False, label="Dry run", help_text="Report what would change; write nothing."
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = import_source_choices()  # type: ignore[attr-defined]
        self.fields["source"].initial = str(settings.CONTENT_DIR)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("source") == UPLOAD and not data.get("archive"):
            self.add_error("archive", "Choose a zip file to upload.")
        elif data.get("source") and data["source"] != UPLOAD and not Path(data["source"]).exists():
            self.add_error("source", f"{data['source']} does not exist on the server.")
        return data


class GuideAdminForm(forms.ModelForm):
    class Meta:
        model = Guide
        fields = ["track", "position", "is_published", "markdown_source"]
        widgets = {
            "markdown_source": forms.Textarea(attrs={"rows": 30, "class": "vLargeTextField"})
        }

    def clean_markdown_source(self) -> str:
        text = self.cleaned_data["markdown_source"]
        # Rendered once here only to report problems as a form error, before anything is saved.
        try:
            decoded, _ = decode_guide(text.encode("utf-8"), max_bytes=settings.GUIDE_MAX_BYTES)
            render_guide(decoded, fallback_title="Guide")
        except GuideError as error:
            raise forms.ValidationError(str(error)) from None
        return text

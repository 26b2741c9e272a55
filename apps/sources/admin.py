import json

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from apps.sources.git import GitError, branch_check, remote_parse, subpath_check
from apps.sources.models import Source, SyncRun
from apps.sources.tasks import source_sync_task


class SourceForm(forms.ModelForm):
    webhook_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=True),
        help_text="Empty: webhooks are refused, polling only.",
    )

    class Meta:
        model = Source
        fields = (
            "name", "url", "branch", "subpath", "webhook_secret", "credential_env",
            "poll_interval", "is_enabled",
        )  # fmt: skip

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        try:
            remote_parse(url)
        except GitError as exc:
            raise forms.ValidationError(str(exc)) from None
        return url

    def clean_branch(self) -> str:
        try:
            return branch_check(self.cleaned_data["branch"])
        except GitError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_subpath(self) -> str:
        try:
            return subpath_check(self.cleaned_data["subpath"])
        except GitError as exc:
            raise forms.ValidationError(str(exc)) from None


class SyncRunColumns:
    """The columns a run shows both inline under its source and in its own list."""

    @admin.display(description="Commit")
    def short_commit(self, run: SyncRun) -> str:
        return run.commit[:12]

    @admin.display(description="Changes")
    def changes(self, run: SyncRun) -> str:
        return _changes(run)


class SyncRunInline(SyncRunColumns, admin.TabularInline):
    model = SyncRun
    fields = ("started_at", "trigger", "status", "short_commit", "changes", "error", "run_link")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("-started_at",)
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[SyncRun]:
        return super().get_queryset(request).defer("report")

    @admin.display(description="Report")
    def run_link(self, run: SyncRun) -> str:
        url = reverse("admin:sources_syncrun_change", args=[run.pk])
        return format_html('<a href="{}">Report</a>', url)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceForm
    list_display = (
        "name", "url", "branch", "short_commit", "last_synced_at", "next_poll_at",
        "last_error_short", "is_enabled",
    )  # fmt: skip
    list_filter = ("is_enabled",)
    search_fields = ("name", "url")
    actions = ("sync_now",)
    inlines = (SyncRunInline,)
    readonly_fields = (
        "webhook_url", "last_commit", "last_checked_at", "last_synced_at", "next_poll_at",
        "last_error",
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": ("name", "url", "branch", "subpath", "is_enabled")}),
        ("Updates", {"fields": ("poll_interval", "webhook_secret", "webhook_url")}),
        ("Credentials", {"fields": ("credential_env",)}),
        (
            "Status",
            {
                "fields": (
                    "last_commit",
                    "last_checked_at",
                    "last_synced_at",
                    "next_poll_at",
                    "last_error",
                )
            },
        ),
    )
    change_form_template = "sources/admin/source_change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Source | None = None) -> tuple:
        # The name is the label of the source's guides: renaming would orphan them.
        return (*self.readonly_fields, "name") if obj else self.readonly_fields

    def get_urls(self):
        return [
            path(
                "<int:source_id>/sync/",
                self.admin_site.admin_view(self.sync_view),
                name="sources_source_sync",
            ),
            *super().get_urls(),
        ]

    def sync_view(self, request: HttpRequest, source_id: int) -> HttpResponseRedirect:
        change_url = reverse("admin:sources_source_change", args=[source_id])
        if request.method != "POST" or not self.has_change_permission(request):
            return HttpResponseRedirect(change_url)
        source = Source.objects.filter(pk=source_id).first()
        if source is not None:
            self._enqueue(request, [source])
        return HttpResponseRedirect(change_url)

    @admin.action(description="Sync now")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        self._enqueue(request, list(queryset))

    def _enqueue(self, request: HttpRequest, sources: list[Source]) -> None:
        for source in sources:
            source_sync_task.delay_on_commit(source.pk, SyncRun.Trigger.ADMIN)
        names = ", ".join(source.name for source in sources)
        messages.success(request, f"Sync queued for {names}; the run appears below when done.")

    @admin.display(description="Commit")
    def short_commit(self, source: Source) -> str:
        return source.last_commit[:12]

    @admin.display(description="Last error")
    def last_error_short(self, source: Source) -> str:
        return source.last_error[:120]

    @admin.display(description="Webhook URL")
    def webhook_url(self, source: Source) -> str:
        if not source.pk:
            return "-"
        return reverse("sources:webhook", kwargs={"name": source.name})


@admin.register(SyncRun)
class SyncRunAdmin(SyncRunColumns, admin.ModelAdmin):
    list_display = ("source", "started_at", "trigger", "status", "short_commit", "changes")
    list_filter = ("status", "trigger", "source")
    list_select_related = ("source",)
    fields = (
        "source", "trigger", "status", "started_at", "finished_at", "duration_ms",
        "previous_commit", "commit", "commit_author", "committed_at", "commit_message",
        "guides_created", "guides_updated", "guides_archived", "items_added", "items_archived",
        "error", "changed_guides", "report_json",
    )  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="What changed")
    def changed_guides(self, run: SyncRun) -> str:
        rows = [
            (guide.get("status", ""), guide.get("path", ""), guide.get("reason", ""))
            for guide in (run.report or {}).get("guides", [])
            if guide.get("status") in {"created", "updated", "failed"}
        ]
        if not rows:
            return "No guide changed."
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {} {}</li>", rows))

    @admin.display(description="Report (JSON)")
    def report_json(self, run: SyncRun) -> str:
        return format_html("<pre>{}</pre>", json.dumps(run.report, indent=2, ensure_ascii=False))


def _changes(run: SyncRun) -> str:
    if run.status == SyncRun.Status.FAILED:
        return "-"
    return (
        f"guides +{run.guides_created} ~{run.guides_updated} -{run.guides_archived}; "
        f"items +{run.items_added} -{run.items_archived}"
    )

import json
from pathlib import Path

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.guides import editing, selectors, services, uploads
from apps.guides.forms import UPLOAD, GuideAdminForm, GuideImportForm
from apps.guides.models import GlossaryTerm, Guide, ImportRun, Section, TaskItem, Track
from apps.guides.rendering import guide_body_anonymous


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows derived from a guide's Markdown: change the Markdown, not the rows."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "number", "position", "is_archived")
    list_editable = ("position",)
    list_filter = ("kind", "is_archived")
    search_fields = ("title", "slug")
    fields = ("title", "slug", "kind", "number", "position", "is_archived", "source_path")
    readonly_fields = ("slug", "source_path")

    def has_add_permission(self, request) -> bool:
        return False  # tracks come from imports

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # guides PROTECT their track; archive instead


@admin.register(Guide)
class GuideAdmin(admin.ModelAdmin):
    form = GuideAdminForm
    list_display = ("title", "track", "is_published", "is_archived", "updated_at", "preview_link")
    list_filter = ("is_published", "is_archived", "track")
    list_select_related = ("track",)
    search_fields = ("title", "slug", "source_path")
    actions = ("publish", "unpublish")
    readonly_fields = ("title", "slug", "source_path", "word_count", "updated_at", "preview_link")
    fieldsets = (
        (None, {"fields": ("title", "slug", "source_path", "preview_link", "updated_at")}),
        ("Visibility", {"fields": ("track", "position", "is_published")}),
        (
            "Markdown",
            {
                "fields": ("markdown_source",),
                "description": "Saving re-renders the guide with the importer's rules: "
                "learners keep their progress on every exercise that is still there. "
                "A later import of the source file replaces this text.",
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Guide]:
        return super().get_queryset(request).defer("search_vector", "body_html")

    def has_add_permission(self, request) -> bool:
        return False  # guides come from imports

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # progress hangs off guides; unpublish instead

    @admin.display(description="Preview")
    def preview_link(self, obj: Guide) -> str:
        if not obj.pk:
            return "-"
        url = reverse("admin:guides_guide_preview", args=[obj.pk])
        return format_html('<a href="{}">Preview as a learner</a>', url)

    def save_model(self, request, obj: Guide, form, change: bool) -> None:
        if change and "markdown_source" in form.changed_data:
            editing.guide_markdown_update(guide=obj, markdown=form.cleaned_data["markdown_source"])
        else:
            super().save_model(request, obj, form, change)

    def _publish_set(self, request: HttpRequest, queryset: QuerySet[Guide], published: bool):
        guides = list(queryset.select_related(None).only("pk", "title", "is_published"))
        changed = [g for g in guides if g.is_published != published]
        editing.guides_publish_set(guide_ids=[g.pk for g in changed], published=published)
        verb = "Published" if published else "Unpublished"
        for guide in changed:
            self.log_change(request, guide, verb)
        self.message_user(request, f"{verb} {len(changed)} guide(s).", messages.SUCCESS)

    @admin.action(description="Publish the selected guides", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Guide]) -> None:
        self._publish_set(request, queryset, True)

    @admin.action(description="Unpublish the selected guides", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Guide]) -> None:
        self._publish_set(request, queryset, False)

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="guides_guide_preview",
            )
        ]
        return urls + super().get_urls()

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The reading page exactly as a signed-out learner gets it, published or not."""
        if not self.has_view_permission(request):
            raise Http404
        try:
            guide = selectors.guide_get_for_reading(
                slug=Guide.objects.values_list("slug", flat=True).get(pk=pk),
                include_unpublished=True,
            )
        except Guide.DoesNotExist:
            raise Http404("No such guide.") from None
        context = {
            "guide": guide,
            "body_html": guide_body_anonymous(body_html=guide.body_html),
            "neighbours": selectors.guide_neighbours(guide=guide),
            "show_summary": selectors.guide_summary_is_separate(guide=guide),
            "preview": True,
            "change_url": reverse("admin:guides_guide_change", args=[guide.pk]),
        }
        return render(request, "guides/guide.html", context)


@admin.register(Section)
class SectionAdmin(ReadOnlyAdmin):
    list_display = ("title", "guide", "anchor", "position", "is_archived")
    list_filter = ("is_archived",)
    list_select_related = ("guide",)
    search_fields = ("title", "anchor", "guide__title")


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(ReadOnlyAdmin):
    list_display = ("term", "guide", "is_archived")
    list_filter = ("is_archived",)
    list_select_related = ("guide",)
    search_fields = ("term", "description", "guide__title")
    exclude = ("search_vector",)


@admin.register(TaskItem)
class TaskItemAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "guide", "key", "section_anchor", "is_archived")
    list_filter = ("is_archived",)
    list_select_related = ("guide",)
    search_fields = ("text", "key", "guide__title")


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "source", "status", "started_by", "summary")
    list_filter = ("status",)
    list_select_related = ("started_by",)
    fields = ("source", "status", "started_by", "started_at", "finished_at", "report_table")
    readonly_fields = fields
    change_list_template = "admin/guides/importrun/change_list.html"

    @admin.display(description="Result")
    def summary(self, run: ImportRun) -> str:
        totals = (run.report or {}).get("totals", {})
        return ", ".join(
            f"{totals.get(key, 0)} {key}"
            for key in ("created", "updated", "unchanged", "skipped", "failed")
        )

    @admin.display(description="Report")
    def report_table(self, run: ImportRun) -> str:
        from django.template.loader import render_to_string

        return render_to_string(
            "admin/guides/importrun/report.html",
            {"report": run.report, "report_json": json.dumps(run.report, indent=2)},
        )

    def get_urls(self):
        urls = [
            path(
                "run/",
                self.admin_site.admin_view(self.import_view),
                name="guides_importrun_run",
            )
        ]
        return urls + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        # Imports change the library: the same permission as editing a guide.
        if not request.user.has_perm("guides.change_guide"):
            raise Http404
        form = GuideImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if data["source"] == UPLOAD:
                    upload = data["archive"]
                    result = uploads.guides_import_zip(
                        archive=upload,
                        name=upload.name,
                        size=upload.size,
                        dry_run=data["dry_run"],
                        started_by=request.user,
                    )
                else:
                    result = services.guides_import(
                        path=Path(data["source"]),
                        dry_run=data["dry_run"],
                        started_by=request.user,
                    )
            except uploads.ArchiveRejected as error:
                form.add_error("archive", f"Nothing was imported: {error}.")
            else:
                report = result.as_dict()
                if result.run_id is not None:
                    level = messages.ERROR if result.failed else messages.SUCCESS
                    self.message_user(request, f"Import finished: {result.source}", level)
                    return HttpResponseRedirect(
                        reverse("admin:guides_importrun_change", args=[result.run_id])
                    )
        context = {
            **self.admin_site.each_context(request),
            "title": "Import guides",
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "report_json": json.dumps(report, indent=2) if report else "",
        }
        return TemplateResponse(request, "admin/guides/importrun/import.html", context)

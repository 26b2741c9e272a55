from django.contrib import admin

from apps.notes.models import Note


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    """For support and moderation: notes are the learner's own, so staff read and delete only."""

    list_display = ("__str__", "user", "guide", "section_anchor", "updated_at")
    list_filter = ("updated_at",)
    list_select_related = ("user", "guide")
    search_fields = ("body_markdown", "user__email", "guide__title")
    raw_id_fields = ("user", "guide", "task_item")
    readonly_fields = (
        "user", "guide", "section_anchor", "task_item", "body_markdown", "body_html",
        "created_at", "updated_at",
    )  # fmt: skip
    date_hierarchy = "updated_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

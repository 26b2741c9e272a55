from django.contrib import admin

from apps.progress.models import ActivityDay, LearnerState, SectionRead, TaskProgress


class LearnerDataAdmin(admin.ModelAdmin):
    """Learners' own records: staff may look (support questions), never edit or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TaskProgress)
class TaskProgressAdmin(LearnerDataAdmin):
    list_display = ("user", "item", "state", "updated_at")
    list_filter = ("state",)
    list_select_related = ("user", "item")
    search_fields = ("user__email", "item__text")
    raw_id_fields = ("user", "item")


@admin.register(SectionRead)
class SectionReadAdmin(LearnerDataAdmin):
    list_display = ("user", "section", "read_at")
    list_select_related = ("user", "section")
    search_fields = ("user__email", "section__title")
    raw_id_fields = ("user", "section")


@admin.register(ActivityDay)
class ActivityDayAdmin(LearnerDataAdmin):
    list_display = ("user", "day", "reads", "ticks", "reviews")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    date_hierarchy = "day"


@admin.register(LearnerState)
class LearnerStateAdmin(LearnerDataAdmin):
    list_display = ("user", "last_guide", "last_visited_at", "streak_enabled", "sharing")
    list_select_related = ("user", "last_guide")
    search_fields = ("user__email",)
    exclude = ("share_token",)  # a secret link: staff do not need to see it

    @admin.display(boolean=True, description="Share link on")
    def sharing(self, state: LearnerState) -> bool:
        return bool(state.share_token)

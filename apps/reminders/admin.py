from django.contrib import admin, messages

from apps.reminders import services
from apps.reminders.models import ReminderDelivery, ReminderPreference


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(admin.ModelAdmin):
    list_display = ["user", "local_date", "status", "attempts", "reason", "sent_at", "created_at"]
    list_filter = ["status", "local_date"]
    search_fields = ["user__email"]
    date_hierarchy = "local_date"
    list_select_related = ["user"]
    readonly_fields = [
        "user", "local_date", "status", "reason", "attempts", "ignored_streak", "created_at",
        "sent_at", "requeue_after",
    ]  # fmt: skip
    actions = ["resend"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Resend the selected reminders")
    def resend(self, request, queryset) -> None:
        count = services.reminder_deliveries_resend(
            delivery_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(request, f"Queued {count} reminder(s) again.", messages.SUCCESS)


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "enabled", "frequency", "local_time", "next_due_at", "paused_until",
                    "consecutive_ignored"]  # fmt: skip
    list_filter = ["enabled", "frequency"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

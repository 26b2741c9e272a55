from django.contrib import admin

from apps.flashcards.models import Card, CardState, ReviewLog


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cards come from the import and schedules from learners' answers: staff look, not edit."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Card)
class CardAdmin(ReadOnlyAdmin):
    list_display = ("term", "kind", "guide", "is_archived")
    list_filter = ("kind", "is_archived", "guide__track")
    list_select_related = ("term", "guide")
    search_fields = ("term__term", "guide__title")
    readonly_fields = ("term", "guide", "kind", "front_html", "back_html", "is_archived")


@admin.register(CardState)
class CardStateAdmin(ReadOnlyAdmin):
    list_display = ("card", "user", "state", "due", "reps", "lapses", "stability")
    list_filter = ("state",)
    list_select_related = ("card__term", "user")
    search_fields = ("user__email", "card__term__term")
    raw_id_fields = ("user", "card", "guide")


@admin.register(ReviewLog)
class ReviewLogAdmin(ReadOnlyAdmin):
    list_display = ("card_state", "user", "rating", "reviewed_at", "duration_ms")
    list_filter = ("rating",)
    list_select_related = ("card_state__card__term", "user")
    search_fields = ("user__email",)
    raw_id_fields = ("user", "card_state")
    date_hierarchy = "reviewed_at"

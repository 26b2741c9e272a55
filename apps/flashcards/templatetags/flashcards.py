from django import template
from django.utils import timezone

from apps.flashcards.selectors import memory_for_dashboard

register = template.Library()


@register.inclusion_tag("flashcards/memory_panel.html", takes_context=True)
def memory_panel(context: template.Context) -> dict:
    """The dashboard's memory panel: cards due today and fading topics."""
    user = context["request"].user
    return {"memory": memory_for_dashboard(user=user, now=timezone.now())}

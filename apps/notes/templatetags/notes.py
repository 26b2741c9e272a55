"""The notes app's part of pages other apps own (the guide page), so they need not import it."""

from django import template

from apps.guides.models import Guide
from apps.notes.selectors import GuideNotes, notes_for_guide

register = template.Library()


@register.simple_tag(takes_context=True)
def guide_notes_for(context: template.Context, guide: Guide) -> GuideNotes:
    """The reader's notes on `guide` and the choices for a new one; no queries for visitors."""
    return notes_for_guide(user=context["request"].user, guide=guide)

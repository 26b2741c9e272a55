from typing import cast

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from apps.progress.selectors import (
    GuideProgress,
    LibraryProgress,
    MilestoneRow,
    library_progress_for_user,
    task_control_html,
)

register = template.Library()


@register.simple_tag(takes_context=True)
def milestone_control(context: template.Context, milestone: MilestoneRow) -> SafeString:
    """The same tick control as a guide's exercises, posting back to the dashboard. The CSRF
    token and the return URL are worked out once per page, not once per milestone."""
    if "milestone_control" not in context.render_context:
        context.render_context["milestone_control"] = {
            "csrf_token": get_token(context["request"]),
            "next_url": reverse("progress:dashboard") + "#milestones",
        }
    cache = cast(dict[str, str], context.render_context["milestone_control"])
    return mark_safe(  # noqa: S308 - task_control_html escapes what it interpolates
        task_control_html(
            item_id=milestone.item_id,
            key=milestone.key,
            state=milestone.state,
            csrf_token=cache["csrf_token"],
            next_url=cache["next_url"],
        )
    )


@register.simple_tag(takes_context=True)
def library_progress(context: template.Context) -> LibraryProgress | None:
    """The signed-in learner's progress for the library page; None for visitors."""
    user = context["request"].user
    return library_progress_for_user(user=user) if user.is_authenticated else None


@register.filter
def for_guide(progress: LibraryProgress | None, guide_id: int) -> GuideProgress | None:
    return progress.by_guide.get(guide_id) if progress else None

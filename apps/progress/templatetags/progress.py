from typing import cast

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.safestring import SafeString

from apps.guides.models import Guide
from apps.progress.presentation import guide_body_for_user, heatmap_html, task_control_html
from apps.progress.selectors import (
    GuideProgress,
    GuideState,
    HeatDay,
    LibraryProgress,
    MilestoneRow,
    guide_state_for_user,
    library_progress_for_user,
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
    return task_control_html(
        item_id=milestone.item_id,
        key=milestone.key,
        state=milestone.state,
        csrf_token=cache["csrf_token"],
        next_url=cache["next_url"],
    )


@register.simple_tag(takes_context=True)
def guide_progress_state(context: template.Context, guide: Guide) -> GuideState | None:
    """The signed-in learner's ticks and read sections on `guide`; None for visitors."""
    user = context["request"].user
    return guide_state_for_user(user=user, guide=guide) if user.is_authenticated else None


@register.simple_tag(takes_context=True)
def guide_body_with_controls(
    context: template.Context, guide: Guide, state: GuideState
) -> SafeString:
    """The guide's body with the learner's tick and "mark as read" controls in place."""
    return guide_body_for_user(guide=guide, state=state, csrf_token=get_token(context["request"]))


@register.simple_tag
def activity_heatmap(weeks: list[list[HeatDay | None]]) -> SafeString:
    return heatmap_html(weeks)


@register.simple_tag(takes_context=True)
def library_progress(context: template.Context) -> LibraryProgress | None:
    """The signed-in learner's progress for the library page; None for visitors."""
    user = context["request"].user
    return library_progress_for_user(user=user) if user.is_authenticated else None


@register.filter
def for_guide(progress: LibraryProgress | None, guide_id: int) -> GuideProgress | None:
    return progress.by_guide.get(guide_id) if progress else None

from django import template

from apps.guides.models import Guide
from apps.sources.selectors import source_for_guide

register = template.Library()


@register.inclusion_tag("sources/guide_commit.html#commit-note")
def guide_source_commit(guide: Guide) -> dict:
    """For staff on a guide page: the source and commit the guide was last imported at."""
    return {"source": source_for_guide(guide=guide), "guide": guide}

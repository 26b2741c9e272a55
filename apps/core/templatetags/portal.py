import html

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Selection markers ts_headline wraps matches in (see selectors.HEADLINE_OPTIONS); everything
# else in a snippet is untrusted text and is escaped.
MATCH_START = "\u27e6"
MATCH_END = "\u27e7"


@register.filter
def snippet(value: str | None) -> SafeString:
    escaped = escape(value or "")
    return mark_safe(  # noqa: S308 - escaped above, only our own <mark> added
        escaped.replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>")
    )


@register.filter
def text_snippet(value: str | None) -> SafeString:
    """`snippet` of text taken out of HTML: its entities ("&amp;") decoded, its runs of
    white space (where tags and line breaks were) made one space."""
    return snippet(" ".join(html.unescape(value or "").split()))

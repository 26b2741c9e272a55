"""The one allow-list every piece of Markdown-derived HTML goes through before it is stored.

Guides and personal notes are written by people, imported from repositories or uploaded: they are
untrusted. nh3 (ammonia) parses the HTML and keeps only the tags, attributes and URL schemes below.
"""

import re

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "s", "samp", "section", "small", "span", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip

ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "aria-hidden", "aria-label", "role"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style", "scope"},
    "ol": {"start"},
    "li": {"value"},
    "details": {"open"},
}

# Only table alignment survives in style attributes: nothing that can position or overlay content.
ALLOWED_STYLE_PROPERTIES = {"text-align"}

# Relative URLs (anchors, other guides) pass; of absolute ones only these schemes do, so
# javascript:, data:, vbscript: and friends are dropped.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_IMG_SRC = re.compile(r"^(https?:|/|\.{0,2}/|[\w-])", re.IGNORECASE)

# The ids the page templates, views and scripts give their own elements (and the prefixes of the
# ones they build: `note-12`, `id_email`, `taskbox-<key>`). An id in content that equals one of
# them, or starts with one of the prefixes, would shadow the page's element (a label, an htmx
# target, the glossary popover), so content gets it as `user-content-<id>`, as GitHub does; a
# test checks every id in templates/, static/js/ and the apps is covered here.
CONTENT_ID_PREFIX = "user-content-"
PAGE_IDS = frozenset(
    {
        "activity-title", "archived-title", "card-deck", "card-results", "card-search-input",
        "card-state", "cards-title", "history-title", "schedule-title", "checklist-file",
        "content-main",
        "continue-title", "data-title", "deck-add-template", "everything-title",
        "glossary-guide", "glossary-q", "glossary-results", "guide-title", "hero-title", "main",
        "memory-title", "milestones", "milestones-title", "my-notes", "my-notes-title",
        "note-body", "note-body-errors", "note-exercise", "note-list", "note-section",
        "notes-search-input", "others-title", "phases-title", "profile-title", "projects-title",
        "reminders-panel", "review", "review-title", "search-page-input", "search-results",
        "security-title", "settings-title", "site-search-input", "status-title", "study-title",
        "term-popover", "term-popover-title", "time-error", "timezone-error", "timezone-list",
        "unsubscribe-title", "uses-title", "weekdays-error",
        "diagram-viewer-source", "diagram-viewer-title", "live-region", "resume-title",
        "site-nav", "site-search-listbox", "site-search-results", "site-search-status",
    }
)  # fmt: skip
PAGE_ID_PREFIXES = (
    "cardstate-", "id_", "letter-", "milestone-group-", "note-", "phase-", "shared-",
    "taskbox-", "track-", "instant-option-", "mermaid-svg-", "chart-",
)  # fmt: skip


def content_id(value: str) -> str:
    """The id an element of content gets: `value`, unless a page element may use it."""
    if value in PAGE_IDS or value.startswith(PAGE_ID_PREFIXES):
        return CONTENT_ID_PREFIX + value
    return value


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id":
        return content_id(value)
    if tag == "a" and attribute == "href" and value.startswith("#"):
        # In-page links follow the ids they point at.
        return "#" + content_id(value[1:])
    # nh3 already rejects unsafe schemes; this also refuses protocol-relative image sources
    # ("//tracker.example/pixel") which would leak reads to a third party.
    if (
        tag == "img"
        and attribute == "src"
        and (value.startswith("//") or not _IMG_SRC.match(value))
    ):
        return None
    return value


def sanitize_html(html: str) -> str:
    """Return `html` reduced to the allow-list above; comments and scripts are removed."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
        attribute_filter=_attribute_filter,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )

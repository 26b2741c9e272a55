"""What a render produces: the guide, its sections, tasks and terms, or the reason it failed."""

from dataclasses import dataclass, field
from typing import Any


class GuideError(Exception):
    """A guide that cannot be imported; the message is shown to the user as the reason."""


@dataclass(frozen=True)
class RenderedSection:
    anchor: str
    title: str
    position: int
    html: str
    text: str


@dataclass(frozen=True)
class RenderedTask:
    key: str
    text: str
    section_anchor: str
    parent_key: str
    depth: int
    position: int
    checked: bool
    heading: str = ""  # the nearest heading above, of any level: "Capstone Project"


@dataclass(frozen=True)
class RenderedTerm:
    anchor: str
    term: str
    description: str
    use_when: str
    like: str
    position: int


@dataclass
class RenderedGuide:
    title: str
    summary_html: str
    summary_text: str
    body_html: str
    toc: list[dict[str, Any]]
    sections: list[RenderedSection]
    tasks: list[RenderedTask]
    terms: list[RenderedTerm]
    diagrams: int
    word_count: int
    reading_minutes: int
    content_hash: str
    warnings: list[str] = field(default_factory=list)
    # The HTML (not yet sanitised) of each glossary field, rendered for the glossary here: the
    # flashcards render the same fields again in the importing process, which is handed these
    # (`inline_remember`) instead of rendering them a second time.
    inline_fields: dict[str, str] = field(default_factory=dict)
    # What settings.GUIDE_RENDER_DERIVATIONS compute from it, by dotted path (import renders).
    derived: dict[str, Any] = field(default_factory=dict)

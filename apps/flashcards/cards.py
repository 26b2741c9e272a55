"""What a card shows, built from a glossary term's fields. Pure: used by the import and the
data migration alike."""

import html
import re
from typing import Any

from apps.guides.rendering import inline_html

Faces = list[tuple[str, str, str]]  # [(kind, front_html, back_html)]
# A term's fields, as stored: what its faces are computed from.
TermFields = tuple[str, str, str, str]  # (term, description, use_when, like)

# Its name in settings.GUIDE_RENDER_DERIVATIONS and so in a rendering's `derived`.
GUIDE_CARD_FACES = "apps.flashcards.cards.guide_card_faces"


def guide_card_faces(rendered: Any) -> dict[TermFields, Faces]:
    """The faces of every term of a RenderedGuide, by the term's fields (a
    GUIDE_RENDER_DERIVATIONS entry: computed in the import's render child, whose parser and
    cache of glossary fields are warm, rather than in the importing process)."""
    faces: dict[TermFields, Faces] = {}
    for t in rendered.terms:
        fields = (t.term, t.description, t.use_when, t.like)
        faces[fields] = card_faces(
            term=t.term, description=t.description, use_when=t.use_when, like=t.like
        )
    return faces


def card_faces(*, term: str, description: str, use_when: str, like: str) -> Faces:
    """[(kind, front_html, back_html)] for one term: term → everything it says, and reverse
    cards "use this when" → term and "like" → term where the entry has those fields."""
    name = f'<p class="card-term">{html.escape(term)}</p>'
    fields = []
    if description:
        fields.append(f'<p class="card-field">{inline_html(description)}</p>')
    if use_when:
        fields.append(
            f'<p class="card-field"><strong>Use this when:</strong> {inline_html(use_when)}</p>'
        )
    if like:
        fields.append(f'<p class="card-field"><strong>Like:</strong> {inline_html(like)}</p>')
    if not fields:
        return []
    faces = [("forward", name, f'<div class="card-fields">{"".join(fields)}</div>')]
    summary = f'<p class="card-field">{inline_html(description)}</p>' if description else ""
    if use_when:
        faces.append(
            (
                "use_when",
                '<p class="card-prompt">Use this when…</p>'
                f"<p>{inline_html(_masked(use_when, term))}</p>",
                name + summary,
            )
        )
    if like:
        faces.append(
            (
                "like",
                f'<p class="card-prompt">It is like…</p><p>{inline_html(_masked(like, term))}</p>',
                name + summary,
            )
        )
    return faces


def _masked(text: str, term: str) -> str:
    """Hide the answer where a reverse card's prompt names it."""
    if len(term) < 3:
        return text
    return re.sub(re.escape(term), "[…]", text, flags=re.IGNORECASE)

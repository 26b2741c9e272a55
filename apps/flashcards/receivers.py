from django.dispatch import receiver

from apps.flashcards.cards import GUIDE_CARD_FACES
from apps.flashcards.services import cards_sync_for_guide
from apps.guides.models import Guide
from apps.guides.signals import guide_terms_synced


@receiver(guide_terms_synced, sender=Guide)
def _cards_follow_terms(
    sender: type[Guide], *, guide: Guide, derived: dict | None = None, **kwargs: object
) -> None:
    # `derived` holds what the render child computed (settings.GUIDE_RENDER_DERIVATIONS).
    faces = (derived or {}).get(GUIDE_CARD_FACES)
    cards_sync_for_guide(guide=guide, faces=faces if isinstance(faces, dict) else None)

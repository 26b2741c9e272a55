from django.dispatch import receiver

from apps.flashcards.services import cards_sync_for_guide
from apps.guides.models import Guide
from apps.guides.signals import guide_terms_synced


@receiver(guide_terms_synced, sender=Guide)
def _cards_follow_terms(sender: type[Guide], *, guide: Guide, **kwargs: object) -> None:
    cards_sync_for_guide(guide=guide)

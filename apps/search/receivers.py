from django.dispatch import receiver

from apps.guides.models import Guide
from apps.guides.signals import guide_terms_synced, guides_imported
from apps.search.indexing import GUIDE_UNITS, GuideUnits
from apps.search.services import search_index_flush, search_index_guide


@receiver(guide_terms_synced, sender=Guide)
def _index_follows_import(
    sender: type[Guide], *, guide: Guide, derived: dict | None = None, **kwargs: object
) -> None:
    # Sent inside the import transaction after the guide's HTML and terms are written: the
    # index changes with the guide, or not at all. `derived` holds what the render child
    # computed from the rendering (settings.GUIDE_RENDER_DERIVATIONS).
    units = (derived or {}).get(GUIDE_UNITS)
    search_index_guide(guide=guide, units=units if isinstance(units, GuideUnits) else None)


@receiver(guides_imported, sender=Guide)
def _index_flushed_after_import(sender: type[Guide], **kwargs: object) -> None:
    search_index_flush()

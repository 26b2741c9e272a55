from django.dispatch import Signal

# Sent inside the import transaction once a guide's glossary terms are written (arguments:
# guide, and derived: what settings.GUIDE_RENDER_DERIVATIONS computed from its rendering, by
# dotted path). Apps built on terms (flashcards, search) keep their rows in step without guides
# knowing them.
guide_terms_synced = Signal()

# Sent once an import has committed (argument: label, the repository): apps that keep derived
# rows finish what is cheaper done once for the whole import than once per guide.
guides_imported = Signal()

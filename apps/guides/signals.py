from django.dispatch import Signal

# Sent inside the import transaction once a guide's glossary terms are written (argument:
# guide). Apps built on terms (flashcards) keep their rows in step without guides knowing them.
guide_terms_synced = Signal()

# Sent once an import has committed (argument: label, the repository): apps that keep derived
# rows finish what is cheaper done once for the whole import than once per guide.
guides_imported = Signal()

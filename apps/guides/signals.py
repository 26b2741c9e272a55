from django.dispatch import Signal

# Sent inside the import transaction once a guide's glossary terms are written (argument:
# guide). Apps built on terms (flashcards) keep their rows in step without guides knowing them.
guide_terms_synced = Signal()

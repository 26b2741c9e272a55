from django.db import migrations


def build_cards(apps, schema_editor):
    # Guides imported before flashcards existed are unchanged on re-import, so the import would
    # never send their terms to this app: build their cards once here.
    from apps.flashcards.cards import card_faces

    GlossaryTerm = apps.get_model("guides", "GlossaryTerm")
    Card = apps.get_model("flashcards", "Card")
    cards = [
        Card(term_id=term.pk, guide_id=term.guide_id, kind=kind, front_html=front, back_html=back)
        for term in GlossaryTerm.objects.filter(is_archived=False).iterator()
        for kind, front, back in card_faces(
            term=term.term, description=term.description, use_when=term.use_when, like=term.like
        )
    ]
    Card.objects.bulk_create(cards, ignore_conflicts=True, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("flashcards", "0001_initial"), ("guides", "0001_initial")]

    operations = [migrations.RunPython(build_cards, migrations.RunPython.noop)]

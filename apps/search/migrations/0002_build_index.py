from django.db import migrations


def build(apps, schema_editor):
    from apps.search.indexing import TermText
    from apps.search.services import search_index_write

    guide_model = apps.get_model("guides", "Guide")
    term_model = apps.get_model("guides", "GlossaryTerm")
    for guide in guide_model.objects.filter(is_archived=False).iterator(chunk_size=20):
        terms = [
            TermText(t.anchor, t.term, t.description, t.use_when, t.like)
            for t in term_model.objects.filter(guide=guide, is_archived=False).order_by(
                "position"
            )
        ]
        search_index_write(
            guide_id=guide.pk,
            title=guide.title,
            summary=guide.summary_text,
            body_html=guide.body_html,
            terms=terms,
            entry_model=apps.get_model("search", "SearchEntry"),
            word_model=apps.get_model("search", "SearchWord"),
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_index")]

    operations = [migrations.RunPython(build, migrations.RunPython.noop)]

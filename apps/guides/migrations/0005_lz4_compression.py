from django.db import migrations

from apps.core.toast import compression_set

LARGE_COLUMNS = {
    "Guide": ["markdown_source", "body_html", "summary_html", "toc"],
    "Section": ["text", "search_vector"],
    "GlossaryTerm": ["description", "use_when", "like", "search_vector"],
}


def _columns(apps):
    columns = {}
    for name, fields in LARGE_COLUMNS.items():
        model = apps.get_model("guides", name)
        columns[model._meta.db_table] = [model._meta.get_field(field).column for field in fields]
    return columns


def lz4(apps, schema_editor):
    compression_set(schema_editor, _columns(apps), lz4=True)


def default(apps, schema_editor):
    compression_set(schema_editor, _columns(apps), lz4=False)


class Migration(migrations.Migration):
    dependencies = [("guides", "0004_content_generation_triggers")]

    operations = [migrations.RunPython(lz4, default)]

from django.db import migrations

from apps.core.toast import compression_set


def _columns(apps):
    model = apps.get_model("search", "SearchEntry")
    fields = ["body", "keywords", "search_vector"]
    return {model._meta.db_table: [model._meta.get_field(field).column for field in fields]}


def lz4(apps, schema_editor):
    compression_set(schema_editor, _columns(apps), lz4=True)


def default(apps, schema_editor):
    compression_set(schema_editor, _columns(apps), lz4=False)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_searchentry_vector_fastupdate")]

    operations = [migrations.RunPython(lz4, default)]

from django.db import migrations

from apps.core.contentgeneration import triggers_create, triggers_drop

WATCHED = ["Track", "Guide", "Section", "GlossaryTerm", "TaskItem", "Milestone"]


def _tables(apps):
    return [apps.get_model("guides", name)._meta.db_table for name in WATCHED]


def create(apps, schema_editor):
    triggers_create(schema_editor, _tables(apps))


def drop(apps, schema_editor):
    triggers_drop(schema_editor, _tables(apps))


class Migration(migrations.Migration):
    dependencies = [("guides", "0003_guide_source_hash_and_languages"), ("core", "0002_contentgeneration")]

    operations = [migrations.RunPython(create, drop)]

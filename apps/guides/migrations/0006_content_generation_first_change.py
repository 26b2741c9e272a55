from django.db import migrations

from apps.core.contentgeneration import (
    FIRST_CHANGE_FUNCTION,
    FIRST_CHANGE_SQL,
    triggers_create,
)

WATCHED = ["Track", "Guide", "Section", "GlossaryTerm", "TaskItem", "Milestone"]


def _tables(apps):
    return [apps.get_model("guides", name)._meta.db_table for name in WATCHED]


def first_change_only(apps, schema_editor):
    schema_editor.execute(FIRST_CHANGE_SQL)
    triggers_create(schema_editor, _tables(apps), first_change_only=True)


def every_row(apps, schema_editor):
    triggers_create(schema_editor, _tables(apps))
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FIRST_CHANGE_FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [("guides", "0005_lz4_compression")]

    operations = [migrations.RunPython(first_change_only, every_row)]

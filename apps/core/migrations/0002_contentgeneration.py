from django.db import migrations, models

from apps.core.contentgeneration import FUNCTION, function_sql


def create(apps, schema_editor):
    generation = apps.get_model("core", "ContentGeneration")
    schema_editor.execute(function_sql(generation._meta.db_table))


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}() CASCADE")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="ContentGeneration",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("id", 1)), name="contentgeneration_single_row")
                ],
            },
        ),
        migrations.RunPython(create, drop),
    ]

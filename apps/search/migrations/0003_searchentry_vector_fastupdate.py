import django.contrib.postgres.indexes
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("search", "0002_build_index")]

    operations = [
        # The same index with fastupdate on: altered in place, not rebuilt.
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER INDEX searchentry_vector_idx SET (fastupdate = on)",
                    "ALTER INDEX searchentry_vector_idx SET (fastupdate = off)",
                )
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="searchentry", name="searchentry_vector_idx"),
                migrations.AddIndex(
                    model_name="searchentry",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fastupdate=True, fields=["search_vector"], name="searchentry_vector_idx"
                    ),
                ),
            ],
        )
    ]

"""How PostgreSQL compresses the large text columns it stores out of line (TOAST).

The default, pglz, compresses about thirty times slower than lz4 for a similar size: on an
import of 30 guides of 130 KB it cost PostgreSQL about 0.15 s for the guides' Markdown and HTML
alone. lz4 is used where the server was built with it (Debian's PostgreSQL is); elsewhere the
columns keep the default. Values already stored stay as they are until rewritten.
"""

from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def lz4_available(schema_editor: BaseDatabaseSchemaEditor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def compression_set(
    schema_editor: BaseDatabaseSchemaEditor, columns: dict[str, list[str]], *, lz4: bool
) -> None:
    """lz4 (when the server has it) or the default for `columns` ({table: [column, ...]})."""
    method = "lz4" if lz4 and lz4_available(schema_editor) else "default"
    quote = schema_editor.quote_name
    for table, names in columns.items():
        changes = ", ".join(
            f"ALTER COLUMN {quote(name)} SET COMPRESSION {method}" for name in names
        )
        schema_editor.execute(f"ALTER TABLE {quote(table)} {changes}")

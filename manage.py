#!/usr/bin/env python
import gc
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
    from portal.devstart import ensure_database_url

    # Development: the embedded PostgreSQL when DATABASE_URL is unset. Production: nothing.
    ensure_database_url()
    if sys.argv[1:2] == ["import_guides"]:
        # Rendering needs neither the database nor the app registry: a child renders the
        # repository on the other core while Django sets up (apps/guides/render_ahead.py).
        from apps.guides.render_ahead import render_ahead_for_command

        render_ahead_for_command(sys.argv[2:])
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    finally:
        # The process ends next and the OS frees its memory at once. Frozen, the heap is not
        # walked by the interpreter's collections at shutdown: 0.33-0.39 s after an import of
        # learn-resources, 0.04 s frozen (bench/import.py).
        gc.freeze()


if __name__ == "__main__":
    main()

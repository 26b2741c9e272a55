"""The schema's indexes: every query has one, and no insert pays for one it does not need."""

import contextlib
import gc

from django.apps import apps
from django.db import models


def _leading_columns(model: type[models.Model]) -> set[str]:
    """The first field of every composite index and unique constraint of `model`."""
    leading = set()
    for index in model._meta.indexes:
        if len(index.fields) > 1:
            leading.add(index.fields[0].lstrip("-"))
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if isinstance(constraint, models.UniqueConstraint) and len(fields) > 1:
            leading.add(fields[0])
    for together in model._meta.unique_together:
        leading.add(together[0])
    return leading


def test_no_foreign_key_index_is_covered_by_a_composite_one():
    """A foreign key's own index is dropped (db_index=False) where a composite index or unique
    constraint starts with the key: the composite one serves every lookup by the key (and the
    cascade of a delete), and a second index only costs each inserted row (the import writes
    tens of thousands of search words, terms and cards)."""
    redundant = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("apps.")
        for field in model._meta.local_fields
        if isinstance(field, models.ForeignKey)
        and field.db_index
        and field.name in _leading_columns(model)
    ]
    assert redundant == []


def test_manage_py_freezes_the_heap_before_the_process_exits(monkeypatch):
    """The interpreter's collections at shutdown walked the whole heap: 0.33-0.39 s after an
    import of learn-resources. manage.py freezes it once the command is done, failed or not."""
    import django.core.management

    import manage

    def command_fails(argv: list[str]) -> None:
        raise SystemExit(1)

    monkeypatch.setattr(django.core.management, "execute_from_command_line", command_fails)
    before = gc.get_freeze_count()
    try:
        with contextlib.suppress(SystemExit):
            manage.main()
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()

from django.core.management.base import BaseCommand

from apps.search.services import search_index_rebuild


class Command(BaseCommand):
    help = "Rebuild the search index (entries and vocabulary) of every guide."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"{search_index_rebuild()} entries indexed")

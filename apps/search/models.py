from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

# English stemming after unaccent ("Café" and "cafe" are one word), made by migration 0001.
TEXT_SEARCH_CONFIG = "search_english"
ENTRY_VECTOR_INDEX = "searchentry_vector_idx"


class SearchEntry(models.Model):
    """One unit search returns: a guide, a section (H1-H3) or a glossary term, as readable text.

    Rebuilt for a guide whenever the importer writes it (see receivers); a guide's visibility is
    checked at query time, so archiving or unpublishing hides its entries at once.
    """

    class Kind(models.TextChoices):
        GUIDE = "guide", "Guide"
        SECTION = "section", "Section"
        TERM = "term", "Glossary"

    # Its index is the unique constraint's (guide first): a second one on guide alone only
    # cost every insert.
    guide = models.ForeignKey(
        "guides.Guide", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    anchor = models.CharField(max_length=220, blank=True)
    title = models.CharField(max_length=500)
    context = models.CharField(max_length=500, blank=True, help_text="The headings above it.")
    level = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(blank=True, help_text="Readable text: no code, diagrams or markup.")
    keywords = models.TextField(
        blank=True, help_text='Searchable, not shown: "CeleryExecutor" as "Celery Executor".'
    )
    position = models.PositiveIntegerField(default=0)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["guide", "kind", "anchor"], name="searchentry_unique_unit"
            ),
        ]
        indexes = [
            # New rows go to the pending list, and the import moves them into the index in one
            # sorted pass when it ends (search_index_flush): inserting each row's lexemes
            # straight into the tree cost eight times as much. Searches never scan a long
            # pending list, and an admin edit of one guide leaves only its own rows there.
            GinIndex(fields=["search_vector"], name=ENTRY_VECTOR_INDEX, fastupdate=True)
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        url = self.guide.get_absolute_url()
        return f"{url}#{self.anchor}" if self.anchor else url


class SearchWord(models.Model):
    """The words of a guide's prose, unstemmed: the vocabulary a misspelled word is corrected to
    (pg_trgm similarity). One row per (guide, word) so a re-import replaces only its own."""

    # Its index is the unique constraint's (guide first): a second one on guide alone only
    # cost every insert.
    guide = models.ForeignKey(
        "guides.Guide", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    word = models.CharField(max_length=60)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["guide", "word"], name="searchword_unique"),
        ]
        indexes = [
            # Equality, "starts with" (a word being typed) and the correction candidates (same
            # first letter); pg_trgm's similarity then ranks those few hundred words.
            models.Index(
                fields=["word"], name="searchword_word_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.word

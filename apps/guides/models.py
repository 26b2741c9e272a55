from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse

# What learners may see, defined once. A guide is visible when it is published, not archived
# and its track is not archived; a section, glossary term or task item when it is not archived
# and its guide is visible. Every page, selector, service and form asks `.visible()` (or, across
# a relation, these Q objects with the path to the guide), never spells the fields out again.


def guide_visible_q(path: str = "") -> Q:
    """Visible guides, reached through `path` (e.g. "guide__", "card__guide__")."""
    return Q(
        **{
            f"{path}is_published": True,
            f"{path}is_archived": False,
            f"{path}track__is_archived": False,
        }
    )


def guide_part_visible_q(path: str = "") -> Q:
    """Visible sections, terms or task items, reached through `path` (e.g. "item__")."""
    return Q(**{f"{path}is_archived": False}) & guide_visible_q(f"{path}guide__")


class TrackQuerySet(models.QuerySet["Track"]):
    def visible(self) -> "TrackQuerySet":
        return self.filter(is_archived=False)


class GuideQuerySet(models.QuerySet["Guide"]):
    def visible(self) -> "GuideQuerySet":
        return self.filter(guide_visible_q())


class GuidePartQuerySet[M: models.Model](models.QuerySet[M]):
    """Sections, glossary terms and task items: visible with their guide."""

    def visible(self) -> "GuidePartQuerySet[M]":
        return self.filter(guide_part_visible_q())


class Track(models.Model):
    """A group of guides in reading order: a curriculum phase, a README category, the projects,
    or the overview (the root README whose checklist holds the path's milestones)."""

    class Kind(models.TextChoices):
        OVERVIEW = "overview", "Overview"
        PHASE = "phase", "Phase"
        CATEGORY = "category", "Category"
        PROJECTS = "projects", "Projects"

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CATEGORY)
    number = models.PositiveIntegerField(null=True, blank=True, help_text="Phase number, if any.")
    position = models.PositiveIntegerField(default=0)
    intro_html = models.TextField(blank=True)
    source_path = models.CharField(max_length=500, blank=True)
    is_archived = models.BooleanField(default=False)

    objects = TrackQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]
        indexes = [models.Index(fields=["is_archived", "position"], name="track_listing_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("guides:home") + f"#track-{self.slug}"


class Guide(models.Model):
    """One Markdown file, rendered once at import; reading pages serve the stored HTML."""

    # Indexed by guide_track_position_idx (track first).
    track = models.ForeignKey(
        Track, on_delete=models.PROTECT, related_name="guides", db_index=False
    )
    slug = models.SlugField(max_length=200, unique=True)
    title = models.CharField(max_length=300)
    source_path = models.CharField(max_length=500, unique=True)
    position = models.PositiveIntegerField(default=0)
    markdown_source = models.TextField()
    content_hash = models.CharField(max_length=64)
    source_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="Hash of the file's raw bytes, the renderer and the importer: equal means "
        "a re-import has nothing to parse.",
    )
    language = models.CharField(max_length=16, blank=True, help_text="Set on translations.")
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        help_text="The guide this one translates: translations are not listed on their own.",
    )
    language_versions = models.JSONField(
        default=list,
        blank=True,
        help_text="[{code, name, slug}] of every language version, for the switcher.",
    )
    summary_html = models.TextField(blank=True)
    summary_text = models.TextField(blank=True)
    body_html = models.TextField()
    toc = models.JSONField(default=list)
    word_count = models.PositiveIntegerField(default=0)
    reading_minutes = models.PositiveIntegerField(default=1)
    diagram_count = models.PositiveIntegerField(default=0)
    is_published = models.BooleanField(default=True)
    is_archived = models.BooleanField(default=False)
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GuideQuerySet.as_manager()

    class Meta:
        ordering = ["track__position", "position"]
        indexes = [
            GinIndex(fields=["search_vector"], name="guide_search_idx"),
            models.Index(fields=["track", "position"], name="guide_track_position_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("guides:guide", kwargs={"slug": self.slug})

    @property
    def chapters(self) -> list[dict]:
        """A book's chapters (its H1 headings after the title) when it has several."""
        chapters = [entry for entry in self.toc if entry.get("level") == 1]
        return chapters if len(chapters) >= 3 else []


class Section(models.Model):
    """An H2 section of a guide, with a stable anchor; the unit of "read". Search has its own
    entries (apps.search), down to H3."""

    # Its index is the unique constraint's (guide first): a second one on guide alone only
    # cost every insert.
    guide = models.ForeignKey(
        Guide, on_delete=models.CASCADE, related_name="sections", db_index=False
    )
    anchor = models.CharField(max_length=200)
    title = models.CharField(max_length=500)
    position = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    is_archived = models.BooleanField(default=False)

    objects = GuidePartQuerySet.as_manager()

    class Meta:
        ordering = ["guide", "position"]
        constraints = [
            models.UniqueConstraint(fields=["guide", "anchor"], name="section_unique_anchor"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{self.guide.get_absolute_url()}#{self.anchor}"


class GlossaryTerm(models.Model):
    # Its index is the unique constraint's (guide first): a second one on guide alone only
    # cost every insert.
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="terms", db_index=False)
    anchor = models.CharField(max_length=220)
    term = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    use_when = models.TextField(blank=True)
    like = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    is_archived = models.BooleanField(default=False)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = GuidePartQuerySet.as_manager()

    class Meta:
        ordering = ["term"]
        constraints = [
            models.UniqueConstraint(fields=["guide", "anchor"], name="term_unique_anchor"),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="term_search_idx"),
            models.Index(fields=["guide", "position"], name="term_guide_position_idx"),
        ]

    def __str__(self) -> str:
        return self.term

    def get_absolute_url(self) -> str:
        return f"{self.guide.get_absolute_url()}#{self.anchor}"


class TaskItem(models.Model):
    """A `- [ ]` line. Its key survives edits elsewhere in the guide; progress points at it."""

    # Its index is the unique constraint's (guide first): a second one on guide alone only
    # cost every insert.
    guide = models.ForeignKey(
        Guide, on_delete=models.CASCADE, related_name="task_items", db_index=False
    )
    key = models.CharField(max_length=16)
    text = models.TextField()
    section_anchor = models.CharField(max_length=200, blank=True)
    parent_key = models.CharField(max_length=16, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)
    checked_in_source = models.BooleanField(default=False)
    is_archived = models.BooleanField(default=False)

    objects = GuidePartQuerySet.as_manager()

    class Meta:
        ordering = ["guide", "position"]
        constraints = [
            models.UniqueConstraint(fields=["guide", "key"], name="taskitem_unique_key"),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class Milestone(models.Model):
    """A task item of the overview README (`- [ ] Phase 1: Foundations`) and what it names.

    The links are worked out on every import by title matching and may all be empty: the item
    is still the learner's own checkbox, the links only add the computed completion beside it.
    """

    item = models.OneToOneField(TaskItem, on_delete=models.CASCADE, related_name="milestone")
    group = models.CharField(max_length=200, blank=True, help_text="The heading it sits under.")
    linked_track = models.ForeignKey(
        Track, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_guide = models.ForeignKey(
        Guide, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_item = models.ForeignKey(
        TaskItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(linked_track__isnull=True, linked_guide__isnull=True)
                    | models.Q(linked_track__isnull=True, linked_item__isnull=True)
                    | models.Q(linked_guide__isnull=True, linked_item__isnull=True)
                ),
                name="milestone_links_at_most_one",
            ),
        ]

    def __str__(self) -> str:
        return self.item.text[:80]


class ImportRun(models.Model):
    """One run of the importer and its report (the same JSON as `import_guides --json`)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Some guides failed"

    source = models.CharField(max_length=500)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    dry_run = models.BooleanField(default=False)
    report = models.JSONField(default=dict)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Import of {self.source} at {self.started_at:%Y-%m-%d %H:%M}"

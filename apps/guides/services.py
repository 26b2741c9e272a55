"""Writes for the guide library: importing a repository of Markdown guides."""

import difflib
import logging
import posixpath
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from apps.core.html import sanitize_html
from apps.core.markdown_guard import neutralize_markdown
from apps.core.metrics import IMPORT_GUIDES_TOTAL, IMPORT_RUNS_TOTAL
from apps.core.models import AuditEvent
from apps.core.services import audit_record
from apps.guides.discovery import INDEX_NAMES, GuideSpec, Layout, TrackSpec, discover
from apps.guides.milestones import GuideTarget, ItemTarget, TrackTarget, milestone_link
from apps.guides.models import (
    GlossaryTerm,
    Guide,
    ImportRun,
    Milestone,
    Section,
    TaskItem,
    Track,
)
from apps.guides.rendering import (
    GuideError,
    RenderedGuide,
    decode_guide,
    humanize_filename,
    normalize_task_text,
    render_guide,
)
from apps.guides.signals import guide_terms_synced
from apps.guides.uploads import ArchiveLimits, zip_extract_guides

logger = logging.getLogger(__name__)

# href="phase1-foundations/INDEX.md": relative, not a URL with a scheme, a path or a fragment.
RELATIVE_MARKDOWN_LINK = re.compile(
    r'href="(?P<target>(?![a-z][a-z0-9+.-]*:|/|#)[^"#]+\.(?:md|markdown))(?P<fragment>#[^"]*)?"',
    re.IGNORECASE,
)
# An item whose text changed this little (a typo fix) keeps its identity and so its progress.
TASK_SIMILARITY_THRESHOLD = 0.8


@dataclass
class GuideResult:
    path: str
    slug: str = ""
    url: str = ""
    status: str = "failed"
    sections: int = 0
    glossary_terms: int = 0
    task_items: int = 0
    diagrams: int = 0
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    source: str
    dry_run: bool
    guides: list[GuideResult] = field(default_factory=list)
    run_id: int | None = None

    @property
    def failed(self) -> bool:
        return any(result.status == "failed" for result in self.guides)

    def as_dict(self) -> dict[str, Any]:
        totals: dict[str, int] = {
            status: 0 for status in ("created", "updated", "unchanged", "skipped", "failed")
        }
        for result in self.guides:
            totals[result.status] += 1
        for counter in ("sections", "glossary_terms", "task_items", "diagrams"):
            totals[counter] = sum(getattr(result, counter) for result in self.guides)
        totals["guides"] = len(self.guides)
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "guides": [asdict(result) for result in self.guides],
            "totals": totals,
        }


class _DryRunRollback(Exception):
    pass


def guides_import(
    *, path: Path, dry_run: bool = False, started_by: Any = None, source: str = ""
) -> ImportReport:
    """Import every guide under `path`. Each guide is its own transaction: one failing guide
    leaves nothing half-written and does not stop the others. `source` names the origin in the
    report when `path` is a scratch copy (an uploaded zip)."""
    layout = discover(path)
    source = source or str(path)
    report = ImportReport(source=source, dry_run=dry_run)
    run = None
    if not dry_run:
        run = ImportRun.objects.create(source=source, started_by=started_by)
        report.run_id = run.pk

    try:
        with transaction.atomic():
            tracks = _tracks_upsert(layout=layout)
            # The shallowest, then alphabetically first, file keeps a contested slug.
            seen_slugs: dict[str, str] = {}
            for spec in sorted(layout.guides, key=lambda g: (g.relative.count("/"), g.relative)):
                seen_slugs.setdefault(_guide_slug(spec), spec.relative)
            imported_paths: set[str] = set()
            for spec in layout.guides:
                result = _guide_import_one(
                    spec=spec, layout=layout, track=tracks[spec.track_slug], seen_slugs=seen_slugs
                )
                report.guides.append(result)
                if result.status != "failed":
                    imported_paths.add(f"{layout.label}/{spec.relative}")
                else:
                    # Keep a failing file's previous version readable: it is not archived.
                    imported_paths.add(f"{layout.label}/{spec.relative}")
            for skipped in layout.skipped:
                report.guides.append(
                    GuideResult(path=skipped.relative, status="skipped", reason=skipped.reason)
                )
            _guides_archive_missing(label=layout.label, present=imported_paths)
            # After every guide is written: milestones link to phases and guides by title,
            # and those may have changed even when the README did not; links between guides
            # by relative path can point at guides written after them.
            for overview in Guide.objects.filter(
                source_path__startswith=f"{layout.label}/",
                track__kind=Track.Kind.OVERVIEW,
                is_archived=False,
            ):
                milestones_sync(guide=overview)
            _relative_links_resolve(label=layout.label)
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass

    if run is not None:
        run.finished_at = timezone.now()
        run.status = ImportRun.Status.FAILED if report.failed else ImportRun.Status.SUCCEEDED
        run.report = report.as_dict()
        run.save(update_fields=["finished_at", "status", "report"])
        IMPORT_RUNS_TOTAL.labels(status=run.status).inc()
        for result in report.guides:
            IMPORT_GUIDES_TOTAL.labels(status=result.status).inc()
        totals = run.report["totals"]
        audit_record(
            actor=started_by,
            action=AuditEvent.Action.IMPORTED,
            obj=run,
            message=(
                f"{run.get_status_display()}: {totals['created']} created, "
                f"{totals['updated']} updated, {totals['unchanged']} unchanged, "
                f"{totals['skipped']} skipped, {totals['failed']} failed"
            ),
        )
    return report


def _tracks_upsert(*, layout: Layout) -> dict[str, Track]:
    tracks: dict[str, Track] = {}
    for spec in layout.tracks:
        track, _ = Track.objects.update_or_create(
            slug=spec.slug,
            defaults={
                "title": spec.title[:200],
                "kind": spec.kind,
                "number": spec.number,
                "position": spec.position,
                "intro_html": _intro_html(spec),
                "source_path": f"{layout.label}/{spec.source_path}".rstrip("/"),
                "is_archived": False,
            },
        )
        tracks[spec.slug] = track
    return tracks


def _intro_html(spec: TrackSpec) -> str:
    if not spec.intro_markdown:
        return ""
    import markdown

    intro = neutralize_markdown(spec.intro_markdown)
    return sanitize_html(markdown.markdown(intro, extensions=["extra"]))


def _guide_slug(spec: GuideSpec) -> str:
    return spec.slug or slugify(humanize_filename(spec.path.stem)) or "guide"


def _guide_import_one(
    *, spec: GuideSpec, layout: Layout, track: Track, seen_slugs: dict[str, str]
) -> GuideResult:
    source_path = f"{layout.label}/{spec.relative}"
    result = GuideResult(path=spec.relative)
    try:
        raw = spec.path.read_bytes()
        text, warnings = decode_guide(raw, max_bytes=settings.GUIDE_MAX_BYTES)
        fallback_title = humanize_filename(spec.path.stem)
        rendered = render_guide(
            text, fallback_title=fallback_title, words_per_minute=settings.READING_WORDS_PER_MINUTE
        )
        rendered.warnings[:0] = warnings
    except GuideError as error:
        result.reason = str(error)
        return result
    except OSError as error:
        result.reason = f"cannot read file: {error.strerror or error}"
        return result

    slug = _guide_slug(spec)
    result.slug = slug
    if seen_slugs[slug] != spec.relative:
        result.reason = f"duplicate slug {slug!r}: {seen_slugs[slug]} has the same name"
        return result
    clash = Guide.objects.filter(slug=slug).exclude(source_path=source_path).first()
    if clash is not None:
        result.reason = f"duplicate slug {slug!r}: already used by {clash.source_path}"
        return result

    result.sections = len(rendered.sections)
    result.glossary_terms = len(rendered.terms)
    result.task_items = len(rendered.tasks)
    result.diagrams = rendered.diagrams
    result.warnings = rendered.warnings
    result.url = f"/guides/{slug}/"

    existing = Guide.objects.filter(source_path=source_path).first()
    if (
        existing is not None
        and existing.content_hash == rendered.content_hash
        and not existing.is_archived
    ):
        if (existing.track_id, existing.position) != (track.pk, spec.position):
            Guide.objects.filter(pk=existing.pk).update(track=track, position=spec.position)
            result.status = "updated"
        else:
            result.status = "unchanged"
        return result

    try:
        with transaction.atomic():
            guide = _guide_write(
                existing=existing,
                rendered=rendered,
                text=text,
                slug=slug,
                source_path=source_path,
                track=track,
                position=spec.position,
            )
    except Exception as error:  # a database error on one guide must not stop the rest
        logger.exception("import of %s failed", source_path)
        result.reason = f"could not be saved: {error}"
        return result
    result.url = guide.get_absolute_url()
    result.status = "created" if existing is None else "updated"
    return result


def _guide_write(
    *,
    existing: Guide | None,
    rendered: RenderedGuide,
    text: str,
    slug: str,
    source_path: str,
    track: Track,
    position: int,
) -> Guide:
    guide = existing or Guide(source_path=source_path)
    guide.slug = slug
    guide.track = track
    guide.position = position
    guide.title = rendered.title
    guide.markdown_source = text
    guide.content_hash = rendered.content_hash
    guide.summary_html = rendered.summary_html
    guide.summary_text = rendered.summary_text
    guide.body_html = rendered.body_html
    guide.toc = rendered.toc
    guide.word_count = rendered.word_count
    guide.reading_minutes = rendered.reading_minutes
    guide.diagram_count = rendered.diagrams
    guide.is_archived = False
    guide.save()

    _sections_sync(guide=guide, rendered=rendered)
    _terms_sync(guide=guide, rendered=rendered)
    guide_terms_synced.send(sender=Guide, guide=guide)
    _tasks_sync(guide=guide, rendered=rendered)
    Guide.objects.filter(pk=guide.pk).update(
        search_vector=SearchVector("title", weight="A", config="english")
        + SearchVector("summary_text", weight="B", config="english")
    )
    return guide


def _sections_sync(*, guide: Guide, rendered: RenderedGuide) -> None:
    Section.objects.bulk_create(
        [
            Section(
                guide=guide,
                anchor=section.anchor[:200],
                title=section.title[:500],
                position=section.position,
                text=section.text,
                is_archived=False,
            )
            for section in rendered.sections
        ],
        update_conflicts=True,
        unique_fields=["guide", "anchor"],
        update_fields=["title", "position", "text", "is_archived"],
    )
    anchors = [section.anchor[:200] for section in rendered.sections]
    Section.objects.filter(guide=guide).exclude(anchor__in=anchors).update(is_archived=True)
    Section.objects.filter(guide=guide, is_archived=False).update(
        search_vector=SearchVector("title", weight="A", config="english")
        + SearchVector("text", weight="B", config="english")
    )


def _terms_sync(*, guide: Guide, rendered: RenderedGuide) -> None:
    # Terms are identified by their anchor, which is derived from the name: a term whose
    # definition changed keeps its row (and so every user's card history).
    GlossaryTerm.objects.bulk_create(
        [
            GlossaryTerm(
                guide=guide,
                anchor=term.anchor,
                term=term.term,
                description=term.description,
                use_when=term.use_when,
                like=term.like,
                position=term.position,
                is_archived=False,
            )
            for term in rendered.terms
        ],
        update_conflicts=True,
        unique_fields=["guide", "anchor"],
        update_fields=["term", "description", "use_when", "like", "position", "is_archived"],
    )
    anchors = [term.anchor for term in rendered.terms]
    GlossaryTerm.objects.filter(guide=guide).exclude(anchor__in=anchors).update(is_archived=True)
    GlossaryTerm.objects.filter(guide=guide, is_archived=False).update(
        search_vector=SearchVector("term", weight="A", config="english")
        + SearchVector("description", weight="B", config="english")
        + SearchVector("use_when", "like", weight="C", config="english")
    )


def _tasks_sync(*, guide: Guide, rendered: RenderedGuide) -> None:
    """Match new items to old rows: same key first, then near-identical text (a typo fix).
    Old rows left over are archived, never deleted, so nobody's progress on them is lost."""
    old_by_key = {item.key: item for item in TaskItem.objects.filter(guide=guide)}
    matched: dict[str, TaskItem] = {}
    unmatched_new = []
    for task in rendered.tasks:
        if task.key in old_by_key:
            matched[task.key] = old_by_key.pop(task.key)
        else:
            unmatched_new.append(task)

    candidates = [item for item in old_by_key.values() if not item.is_archived] + [
        item for item in old_by_key.values() if item.is_archived
    ]
    for task in list(unmatched_new):
        best, best_ratio = None, TASK_SIMILARITY_THRESHOLD
        normalized = normalize_task_text(task.text)
        for item in candidates:
            ratio = difflib.SequenceMatcher(
                None, normalized, normalize_task_text(item.text)
            ).ratio()
            if ratio >= best_ratio:
                best, best_ratio = item, ratio
        if best is not None:
            candidates.remove(best)
            old_by_key.pop(best.key)
            matched[task.key] = best
            unmatched_new.remove(task)

    updates: list[TaskItem] = []
    creates: list[TaskItem] = []
    for task in rendered.tasks:
        found = matched.get(task.key)
        if found is None:
            item = TaskItem(guide=guide)
            creates.append(item)
        else:
            item = found
            updates.append(item)
        item.key = task.key
        item.text = task.text
        item.section_anchor = task.section_anchor[:200]
        item.parent_key = task.parent_key
        item.depth = task.depth
        item.position = task.position
        item.checked_in_source = task.checked
        item.is_archived = False
    archived = list(old_by_key.values())
    for item in archived:
        item.is_archived = True
    # Rows whose key moves to another row's old key would collide on the unique constraint
    # mid-update, so park the changed ones on temporary keys first.
    fields = ["key", "text", "section_anchor", "parent_key", "depth", "position",
              "checked_in_source", "is_archived"]  # fmt: skip
    if updates:
        TaskItem.objects.filter(pk__in=[item.pk for item in updates]).update(key=_temp_key())
        TaskItem.objects.bulk_update(updates, fields)
    if archived:
        TaskItem.objects.bulk_update(archived, ["is_archived"])
    if creates:
        TaskItem.objects.bulk_create(creates)


def _relative_links_resolve(*, label: str, guide: Guide | None = None) -> None:
    """Guides link to each other, and the README to phase folders' INDEX files, by relative
    path (`./Other.md#part`), which means nothing under /guides/: point those links at the
    library's pages. Every guide of the repository, or just `guide`; a link to a file that is
    not an imported guide is left as written."""
    linking = Guide.objects.filter(
        Q(body_html__icontains='.md"') | Q(body_html__icontains=".md#")
        | Q(summary_html__icontains='.md"') | Q(summary_html__icontains=".md#"),
        source_path__startswith=f"{label}/",
        is_archived=False,
    ).only("source_path", "body_html", "summary_html")  # fmt: skip
    if guide is not None:
        linking = linking.filter(pk=guide.pk)
    candidates = list(linking)
    if not candidates:
        return
    guide_slugs = dict(
        Guide.objects.filter(source_path__startswith=f"{label}/", is_archived=False).values_list(
            "source_path", "slug"
        )
    )
    track_slugs = dict(
        Track.objects.filter(source_path__startswith=f"{label}/", is_archived=False).values_list(
            "source_path", "slug"
        )
    )
    for candidate in candidates:
        folder = posixpath.dirname(candidate.source_path)

        def resolve(match: re.Match[str], folder: str = folder) -> str:
            path = posixpath.normpath(posixpath.join(folder, unquote(match["target"])))
            if path in guide_slugs:
                url = reverse("guides:guide", kwargs={"slug": guide_slugs[path]})
                return f'href="{url}{match["fragment"] or ""}"'
            directory, name = posixpath.split(path)
            if name.casefold() in INDEX_NAMES and directory in track_slugs:
                return f'href="{reverse("guides:home")}#track-{track_slugs[directory]}"'
            return match[0]

        body = RELATIVE_MARKDOWN_LINK.sub(resolve, candidate.body_html)
        summary = RELATIVE_MARKDOWN_LINK.sub(resolve, candidate.summary_html)
        if (body, summary) != (candidate.body_html, candidate.summary_html):
            Guide.objects.filter(pk=candidate.pk).update(body_html=body, summary_html=summary)


def milestones_sync(*, guide: Guide) -> None:
    """Give each current item of an overview guide its Milestone row: the heading it sits
    under and the phase, guide or exercise of the same repository it names."""
    try:
        rendered = render_guide(
            guide.markdown_source,
            fallback_title=guide.title,
            words_per_minute=settings.READING_WORDS_PER_MINUTE,
        )
    except GuideError as error:  # it rendered a moment ago; a busy machine can hit the limit
        logger.warning("milestones of %s not synced: %s", guide.source_path, error)
        return
    heading_by_key = {task.key: task.heading for task in rendered.tasks}
    label = guide.source_path.split("/", 1)[0]
    tracks = [
        TrackTarget(pk=pk, title=title, number=number)
        for pk, title, number in Track.objects.filter(
            Q(source_path=label) | Q(source_path__startswith=f"{label}/"), is_archived=False
        )
        .exclude(kind=Track.Kind.OVERVIEW)
        .values_list("pk", "title", "number")
    ]
    guides = [
        GuideTarget(pk=pk, title=title)
        for pk, title in Guide.objects.filter(
            source_path__startswith=f"{label}/", is_archived=False
        )
        .exclude(pk=guide.pk)
        .order_by("track__position", "position")
        .values_list("pk", "title")
    ]

    def items_of_guide(guide_id: int) -> list[ItemTarget]:
        return [
            ItemTarget(pk=pk, text=text)
            for pk, text in TaskItem.objects.filter(guide_id=guide_id, depth=0, is_archived=False)
            .order_by("position")
            .values_list("pk", "text")
        ]

    milestones = []
    for item in TaskItem.objects.filter(guide=guide, is_archived=False).only("key", "text"):
        group = heading_by_key.get(item.key, "")
        link = milestone_link(
            text=item.text, group=group, tracks=tracks, guides=guides, items_of_guide=items_of_guide
        )
        milestones.append(
            Milestone(
                item=item,
                group=group[:200],
                linked_track_id=link.track_id,
                linked_guide_id=link.guide_id,
                linked_item_id=link.item_id,
            )
        )
    Milestone.objects.bulk_create(
        milestones,
        update_conflicts=True,
        unique_fields=["item"],
        update_fields=["group", "linked_track", "linked_guide", "linked_item"],
    )


def _temp_key():
    from django.db.models import F, Value
    from django.db.models.functions import Concat, Right

    return Right(Concat(Value("~"), F("id")), 16)


def _guides_archive_missing(*, label: str, present: set[str]) -> None:
    Guide.objects.filter(source_path__startswith=f"{label}/", is_archived=False).exclude(
        source_path__in=present
    ).update(is_archived=True)


def guides_import_zip(
    *, archive: BinaryIO, name: str, size: int, dry_run: bool = False, started_by: Any = None
) -> ImportReport:
    """Import an uploaded zip of guides as the repository `upload-<name>`. Re-uploading a zip
    of the same name updates its guides (progress kept) and archives the ones it no longer has.
    Raises ArchiveRejected, before anything is written, for an archive we will not extract."""
    label = "upload-" + (slugify(Path(name).stem) or "guides")
    with tempfile.TemporaryDirectory(prefix="guides-upload-") as scratch:
        root = Path(scratch) / label
        root.mkdir()
        zip_extract_guides(
            archive=archive,
            size=size,
            target=root,
            limits=ArchiveLimits(
                max_archive_bytes=settings.GUIDE_UPLOAD_MAX_BYTES,
                max_file_bytes=settings.GUIDE_MAX_BYTES,
            ),
        )
        # The scratch folder is gone after this: the run records where the guides came from.
        report = guides_import(
            path=root,
            dry_run=dry_run,
            started_by=started_by,
            source=f"{label} (uploaded {name})",
        )
    return report


@transaction.atomic
def guide_markdown_update(*, guide: Guide, markdown: str) -> Guide:
    """Replace a guide's Markdown (an edit in the admin) and re-render it with the importer's
    rules: sections, terms and exercises are matched as on re-import, so progress is kept.
    Raises GuideError, with nothing written, when the text cannot be rendered."""
    text, _warnings = decode_guide(markdown.encode("utf-8"), max_bytes=settings.GUIDE_MAX_BYTES)
    rendered = render_guide(
        text,
        fallback_title=humanize_filename(Path(guide.source_path).stem),
        words_per_minute=settings.READING_WORDS_PER_MINUTE,
    )
    guide = _guide_write(
        existing=guide,
        rendered=rendered,
        text=text,
        slug=guide.slug,
        source_path=guide.source_path,
        track=guide.track,
        position=guide.position,
    )
    if guide.track.kind == Track.Kind.OVERVIEW:
        milestones_sync(guide=guide)
    _relative_links_resolve(label=guide.source_path.split("/", 1)[0], guide=guide)
    guide.refresh_from_db(fields=["body_html", "summary_html"])
    return guide


def guides_publish_set(*, guide_ids: list[int], published: bool) -> int:
    """Show or hide guides from learners; returns how many changed."""
    return (
        Guide.objects.filter(pk__in=guide_ids)
        .exclude(is_published=published)
        .update(is_published=published)
    )

"""Writes for the guide library: importing a repository of Markdown guides."""

import difflib
import functools
import hashlib
import logging
import os
import posixpath
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from apps.core import html as html_module
from apps.core import markdown_guard as markdown_guard_module
from apps.core import markdown_lines as markdown_lines_module
from apps.core.bulk import bulk_cursor, quoted_column
from apps.core.html import sanitize_html
from apps.core.markdown_guard import neutralize_markdown
from apps.core.metrics import IMPORT_GUIDES_TOTAL, IMPORT_RUNS_TOTAL
from apps.core.models import AuditEvent
from apps.core.services import audit_record
from apps.guides import gfm as gfm_module
from apps.guides import glossary as glossary_module
from apps.guides import mermaid_lint as mermaid_lint_module
from apps.guides import rendering as rendering_module
from apps.guides.discovery import (
    INDEX_NAMES,
    GuideSpec,
    Layout,
    TrackSpec,
    clean_title,
    discover,
    fallback_title,
    language_name,
    natural_key,
)
from apps.guides.links import guide_url, relative_links_held
from apps.guides.links import relative_links_resolve as _relative_links_resolve
from apps.guides.milestones import milestones_sync
from apps.guides.models import (
    GlossaryTerm,
    Guide,
    ImportRun,
    Section,
    TaskItem,
    Track,
)
from apps.guides.render_ahead import AheadGroup, render_ahead_claim, render_ahead_fingerprint
from apps.guides.rendering import (
    RENDERER_VERSION,
    RenderedGuide,
    guide_files_render,
    inline_remember,
    normalize_task_text,
)
from apps.guides.signals import guide_terms_synced, guides_imported

logger = logging.getLogger(__name__)

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
    rendered: bool = False  # parsed this run; False when its bytes had not changed
    moved_from: str = ""  # the path it was imported from before, when the file moved
    language: str = ""  # set on a translation, which is a language version of another page
    items_added: int = 0
    items_archived: int = 0
    guide_id: int | None = None


@dataclass
class ImportReport:
    source: str
    dry_run: bool
    guides: list[GuideResult] = field(default_factory=list)
    run_id: int | None = None
    archived: list[str] = field(default_factory=list)  # paths whose guides were archived
    items_archived_with_guides: int = 0

    @property
    def failed(self) -> bool:
        return any(result.status == "failed" for result in self.guides)

    @property
    def moved(self) -> list[dict[str, str]]:
        return [
            {"from": result.moved_from, "to": result.path, "slug": result.slug}
            for result in self.guides
            if result.moved_from
        ]

    def as_dict(self) -> dict[str, Any]:
        totals: dict[str, int] = {
            status: 0 for status in ("created", "updated", "unchanged", "skipped", "failed")
        }
        for result in self.guides:
            totals[result.status] += 1
        for counter in ("sections", "glossary_terms", "task_items", "diagrams"):
            totals[counter] = sum(getattr(result, counter) for result in self.guides)
        totals["guides"] = len(self.guides)
        totals["archived"] = len(self.archived)
        totals["moved"] = len(self.moved)
        totals["rendered"] = sum(result.rendered for result in self.guides)
        totals["items_added"] = sum(result.items_added for result in self.guides)
        totals["items_archived"] = (
            sum(result.items_archived for result in self.guides) + self.items_archived_with_guides
        )
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "guides": [asdict(result) for result in self.guides],
            "moved": self.moved,
            "archived": self.archived,
            "totals": totals,
        }


class _DryRunRollback(Exception):
    pass


# Bump when the importer changes what it stores for the same bytes (titles, slugs, languages).
IMPORTER_FORMAT = "2"


@functools.cache
def _renderer_fingerprint() -> str:
    """Changes whenever the code that turns bytes into stored HTML changes, so that an unchanged
    file is re-rendered after an upgrade and skipped otherwise."""
    digest = hashlib.sha256(f"{IMPORTER_FORMAT}\n{RENDERER_VERSION}\n".encode())
    # Every module the bytes pass through on their way to stored HTML and warnings.
    renderer = (
        rendering_module,
        glossary_module,
        gfm_module,
        mermaid_lint_module,
        html_module,
        markdown_guard_module,
        markdown_lines_module,
    )
    for module in renderer:
        source = Path(module.__file__ or "")
        # A package (rendering) is every module in it.
        package = source.name == "__init__.py"
        for path in sorted(source.parent.glob("*.py")) if package else [source]:
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _source_hash(*, raw: bytes, spec: GuideSpec) -> str:
    digest = hashlib.sha256(_renderer_fingerprint().encode())
    words_per_minute = settings.READING_WORDS_PER_MINUTE
    digest.update(f"\n{words_per_minute}\n{settings.GUIDE_MAX_BYTES}\n{spec.title}\n".encode())
    digest.update(raw)
    return digest.hexdigest()


EXISTING_FIELDS = (
    "source_path", "slug", "source_hash", "track_id", "position", "is_archived", "title",
    "language", "translation_of_id", "language_versions",
)  # fmt: skip


def guides_import(
    *, path: Path, dry_run: bool = False, started_by: Any = None, source: str = ""
) -> ImportReport:
    """Import every page under `path`. Each guide is its own transaction: one failing guide
    leaves nothing half-written and does not stop the others. A file whose bytes (and the
    renderer) are unchanged is not parsed again; a file that moved keeps its guide, and so every
    learner's progress. `source` names the origin in the report when `path` is a scratch copy
    (an uploaded zip)."""
    layout = discover(path)
    source = source or str(path)
    report = ImportReport(source=source, dry_run=dry_run)
    run = None
    if not dry_run:
        run = ImportRun.objects.create(source=source, started_by=started_by)
        report.run_id = run.pk

    # What manage.py started rendering while Django set up (apps/guides/render_ahead.py).
    ahead = render_ahead_claim(path)
    try:
        with transaction.atomic():
            checked_at_once = _foreign_keys_checked_at_once()
            _repository_import(layout=layout, report=report, ahead=ahead)
            _constraints_set(checked_at_once, "DEFERRED")  # as they were (a rollback does too)
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    finally:
        if ahead is not None:
            ahead.close()  # what nobody asked for (unchanged files) is dropped unread
    if not dry_run:
        guides_imported.send(sender=Guide, label=layout.label)

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
                f"{totals['skipped']} skipped, {totals['failed']} failed, "
                f"{totals['archived']} archived, {totals['moved']} moved"
            ),
        )
    return report


def _foreign_keys_checked_at_once() -> list[str]:
    """Make the foreign keys that point at the library's rows (Django creates them deferred)
    checked at the end of each statement for the rest of this transaction. Deferred, every row
    an import inserts (a search word, a card) queued a check that ran at the commit, after all
    the rendering: 77,000 such rows took 0.41 s to insert and 0.19 s to commit, checked at once
    0.52 s in all (psql, system PostgreSQL 15). The content-generation trigger stays deferred."""
    library = [model._meta.db_table for model in (Track, Guide, Section, GlossaryTerm, TaskItem)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT conname FROM pg_constraint WHERE contype = 'f' AND condeferrable "
            "AND condeferred AND confrelid = ANY(%s::regclass[]) ORDER BY conname",
            [library],
        )
        names = [name for (name,) in cursor.fetchall()]
    _constraints_set(names, "IMMEDIATE")
    return names


def _constraints_set(names: list[str], mode: str) -> None:
    if names:
        with connection.cursor() as cursor:
            quoted = ", ".join(connection.ops.quote_name(name) for name in names)
            cursor.execute(f"SET CONSTRAINTS {quoted} {mode}")


def _repository_import(*, layout: Layout, report: ImportReport, ahead: AheadGroup | None) -> None:
    label = layout.label
    tracks, tracks_changed = _tracks_upsert(layout=layout)
    existing = {
        guide.source_path: guide
        for guide in Guide.objects.filter(source_path__startswith=f"{label}/").only(
            *EXISTING_FIELDS
        )
    }
    raws: dict[str, bytes | OSError] = {}
    hashes: dict[str, str] = {}
    for spec in layout.guides:
        try:
            raws[spec.relative] = raw = spec.path.read_bytes()
            hashes[spec.relative] = _source_hash(raw=raw, spec=spec)
        except OSError as error:
            raws[spec.relative] = error
    previous, moved_from = _moves_detect(layout=layout, existing=existing, hashes=hashes)
    slugs = _slugs_assign(layout=layout, existing=existing, previous=previous)
    # A moved page or a changed slug leaves links between guides (resolved to slugs when they
    # were rendered) pointing at the old place: render the repository again.
    force = bool(moved_from) or any(
        guide is not None and guide.slug != slugs[relative] for relative, guide in previous.items()
    )
    results: dict[str, GuideResult] = {}
    written: dict[int, Guide | None] = {}  # for the links between guides, see below

    def needs_render(spec: GuideSpec) -> bool:
        guide = previous.get(spec.relative)
        return isinstance(raws[spec.relative], bytes) and (
            guide is None
            or force
            or guide.is_archived
            or guide.source_hash != hashes.get(spec.relative)
        )

    to_render = [spec for spec in layout.guides if needs_render(spec)]
    jobs = [(raws[spec.relative], fallback_title(spec)) for spec in to_render]
    renders = (
        _renders(jobs)  # type: ignore[arg-type]
        if ahead is None
        else _renders_taken(ahead, [spec.relative for spec in to_render], jobs)  # type: ignore[arg-type]
    )
    for spec in layout.guides:
        result = _guide_import_one(
            spec=spec,
            label=label,
            track=tracks[spec.track_slug],
            slug=slugs[spec.relative],
            previous=previous.get(spec.relative),
            raw=raws[spec.relative],
            source_hash=hashes.get(spec.relative, ""),
            force=force,
            render=next(renders) if needs_render(spec) else None,
            written=written,
        )
        result.moved_from = moved_from.get(spec.relative, "")
        result.language = spec.language
        results[spec.relative] = result
        report.guides.append(result)
    _translations_link(layout=layout, results=results, existing=previous, raws=raws)
    for skipped in layout.skipped:
        report.guides.append(
            GuideResult(path=skipped.relative, status="skipped", reason=skipped.reason)
        )
    # A failing file keeps its previous version readable: it is not archived.
    present = {f"{label}/{spec.relative}" for spec in layout.guides}
    report.archived, report.items_archived_with_guides = _guides_archive_missing(
        label=label, present=present
    )
    _tracks_archive_unused(label=label, used={track.pk for track in tracks.values()})
    changed = (
        tracks_changed
        or report.archived
        or any(result.status in ("created", "updated") for result in report.guides)
    )
    if not changed:
        return
    # After every guide is written: milestones link to phases and guides by title, and those
    # may have changed even when the README did not; links between guides by relative path can
    # point at guides written after them.
    for overview in Guide.objects.filter(
        source_path__startswith=f"{label}/",
        track__kind=Track.Kind.OVERVIEW,
        is_archived=False,
    ):
        milestones_sync(guide=overview)
    # A link to a file's old path follows it to where it moved.
    renamed = {f"{label}/{old}": f"{label}/{new}" for new, old in moved_from.items() if old != new}
    _relative_links_resolve(label=label, renamed=renamed, written=written)


def _tracks_upsert(*, layout: Layout) -> tuple[dict[str, Track], bool]:
    """Write the tracks that are new or changed (one query); True when any was."""
    slugs = _track_slugs(layout=layout)
    current = {track.slug: track for track in Track.objects.filter(slug__in=slugs.values())}
    wanted: list[Track] = []
    for spec in layout.tracks:
        track = Track(
            slug=slugs[spec.slug],
            title=spec.title[:200],
            kind=spec.kind,
            number=spec.number,
            position=spec.position,
            intro_html=_intro_html(spec),
            source_path=f"{layout.label}/{spec.source_path}".rstrip("/"),
            is_archived=False,
        )
        old = current.get(track.slug)
        if old is None or any(getattr(old, name) != getattr(track, name) for name in TRACK_FIELDS):
            wanted.append(track)
    if wanted:
        Track.objects.bulk_create(
            wanted, update_conflicts=True, unique_fields=["slug"], update_fields=TRACK_FIELDS
        )
        for track in wanted:
            current[track.slug] = track
    return {spec.slug: current[slugs[spec.slug]] for spec in layout.tracks}, bool(wanted)


def _track_slugs(*, layout: Layout) -> dict[str, str]:
    """The slug each of the layout's tracks has in the library: its own (`fundamentals`),
    unless another repository's track holds it, then prefixed with this repository's name
    (`lab-fundamentals`): two repositories with a root README or the same folder names never
    share, and so overwrite, a track. Stable across re-imports; the first repository keeps its
    slugs. A track with no source path (made before tracks had one) is anybody's, as before."""
    label = layout.label

    def taken(track: Track) -> bool:
        path = track.source_path
        return bool(path) and path != label and not path.startswith(f"{label}/")

    prefix = slugify(label) or "repository"
    own = [spec.slug for spec in layout.tracks]
    prefixed = {slug: f"{prefix}-{slug}"[:SLUG_MAX_LENGTH] for slug in own}
    holders = {
        track.slug: track
        for track in Track.objects.filter(slug__in=[*own, *prefixed.values()]).only(
            "slug", "source_path"
        )
    }
    chosen: dict[str, str] = {}
    for slug in own:
        holder = holders.get(slug)
        if holder is None or not taken(holder):
            chosen[slug] = slug
            continue
        candidate, number = prefixed[slug], 2
        while (other := holders.get(candidate)) is not None and taken(other):
            suffix = f"-{number}"
            candidate = prefixed[slug][: SLUG_MAX_LENGTH - len(suffix)] + suffix
            holders.update({track.slug: track for track in Track.objects.filter(slug=candidate)})
            number += 1
        chosen[slug] = candidate
    return chosen


SLUG_MAX_LENGTH = Track._meta.get_field("slug").max_length or 120
TRACK_FIELDS = [
    "title", "kind", "number", "position", "intro_html", "source_path", "is_archived"
]  # fmt: skip


def _tracks_archive_unused(*, label: str, used: set[int]) -> None:
    Track.objects.filter(
        Q(source_path=label) | Q(source_path__startswith=f"{label}/"), is_archived=False
    ).exclude(pk__in=used).update(is_archived=True)


def _intro_html(spec: TrackSpec) -> str:
    if not spec.intro_markdown:
        return ""
    import markdown

    intro = neutralize_markdown(spec.intro_markdown)
    return sanitize_html(markdown.markdown(intro, extensions=["extra"]))


def _moves_detect(
    *, layout: Layout, existing: dict[str, Guide], hashes: dict[str, str]
) -> tuple[dict[str, Guide | None], dict[str, str]]:
    """The guide each page was imported as before: the one at its path, else one whose file
    disappeared and that has the same bytes, else the same (distinctive) file name. Returns
    ({relative: guide or None}, {relative: old relative path} for the moved ones)."""
    label = layout.label
    previous: dict[str, Guide | None] = {}
    new_specs = []
    for spec in layout.guides:
        guide = existing.get(f"{label}/{spec.relative}")
        previous[spec.relative] = guide
        if guide is None:
            new_specs.append(spec)
    present = {f"{label}/{spec.relative}" for spec in layout.guides}
    missing = [guide for path, guide in existing.items() if path not in present]
    moved_from: dict[str, str] = {}
    if not missing or not new_specs:
        return previous, moved_from
    by_hash: dict[str, list[Guide]] = {}
    by_name: dict[str, list[Guide]] = {}
    for guide in missing:
        by_hash.setdefault(guide.source_hash, []).append(guide)
        name = posixpath.basename(guide.source_path).casefold()
        if name not in INDEX_NAMES:
            by_name.setdefault(name, []).append(guide)
    taken: set[int] = set()
    for match_by in ("hash", "name"):
        for spec in new_specs:
            if spec.relative in moved_from:
                continue
            if match_by == "hash":
                pool = by_hash.get(hashes.get(spec.relative, ""), [])
            else:
                pool = by_name.get(posixpath.basename(spec.relative).casefold(), [])
            candidates = [guide for guide in pool if guide.pk not in taken]
            if len(candidates) >= 1 and (match_by == "hash" or len(candidates) == 1):
                guide = candidates[0]
                taken.add(guide.pk)
                previous[spec.relative] = guide
                moved_from[spec.relative] = guide.source_path.split("/", 1)[1]
    return previous, moved_from


def _slugs_assign(
    *, layout: Layout, existing: dict[str, Guide], previous: dict[str, Guide | None]
) -> dict[str, str]:
    """Slugs unique across the library and stable across imports: a page keeps the slug its
    guide had; a new page gets the first free candidate (name, then folder + name, ...), and
    a name that repeats in this repository never gets the bare name."""
    label = layout.label
    all_candidates = {c for spec in layout.guides for c in [spec.slug, *spec.slug_candidates] if c}
    used = set(
        Guide.objects.filter(slug__in=all_candidates)
        .exclude(source_path__startswith=f"{label}/")
        .values_list("slug", flat=True)
    )
    reused = {guide.pk for guide in previous.values() if guide is not None}
    used |= {guide.slug for guide in existing.values() if guide.pk not in reused}
    slugs: dict[str, str] = {}
    for spec in layout.guides:
        guide = previous[spec.relative]
        if guide is not None and guide.slug not in used:
            slugs[spec.relative] = guide.slug
            used.add(guide.slug)
    first_choices = Counter(
        spec.slug_candidates[0] for spec in layout.guides if spec.slug_candidates
    )
    for spec in sorted(
        layout.guides, key=lambda s: (s.relative.count("/"), natural_key(s.relative))
    ):
        if spec.relative in slugs:
            continue
        candidates = list(spec.slug_candidates) or ["guide"]
        if len(candidates) > 1 and first_choices[candidates[0]] > 1:
            candidates = candidates[1:]
        if spec.slug:
            candidates.insert(0, spec.slug)
        slug = next((c for c in candidates if c not in used), "")
        if not slug:
            base, suffix = candidates[-1][:180], 2
            while f"{base}-{suffix}" in used:
                suffix += 1
            slug = f"{base}-{suffix}"
        slugs[spec.relative] = slug
        used.add(slug)
    return slugs


def _guide_import_one(
    *,
    spec: GuideSpec,
    label: str,
    track: Track,
    slug: str,
    previous: Guide | None,
    raw: bytes | OSError,
    source_hash: str,
    force: bool,
    render: "RenderOutcome | None" = None,
    written: dict[int, Guide | None] | None = None,
) -> GuideResult:
    """Import one page. A guide it stores goes into `written` (by id), with its HTML when that
    holds a relative link (see `relative_links_resolve`)."""
    source_path = f"{label}/{spec.relative}"
    result = GuideResult(path=spec.relative, slug=slug, url=f"/guides/{slug}/")
    if isinstance(raw, OSError):
        result.reason = f"cannot read file: {raw.strerror or raw}"
        return result
    if (
        previous is not None
        and not force
        and previous.source_hash == source_hash
        and not previous.is_archived
    ):
        result.guide_id = previous.pk
        changes: dict[str, Any] = {}
        for name, value in (
            ("source_path", source_path),
            ("slug", slug),
            ("track_id", track.pk),
            ("position", spec.position),
            ("language", spec.language),
        ):
            if getattr(previous, name) != value:
                changes[name] = value
        if changes:
            Guide.objects.filter(pk=previous.pk).update(**changes)
        result.status = "updated" if changes else "unchanged"
        return result

    error, text, rendered = render or _render_job(raw, fallback_title(spec))
    if rendered is None:
        result.reason = error
        return result
    inline_remember(rendered.inline_fields)
    result.rendered = True
    result.sections = len(rendered.sections)
    result.glossary_terms = len(rendered.terms)
    result.task_items = len(rendered.tasks)
    result.diagrams = rendered.diagrams
    result.warnings = rendered.warnings
    title = spec.title or clean_title(rendered.title) or spec.fallback_title
    try:
        with transaction.atomic():
            guide, result.items_added, result.items_archived = _guide_write(
                existing=previous,
                rendered=rendered,
                text=text,
                slug=slug,
                source_path=source_path,
                track=track,
                position=spec.position,
                title=title,
                source_hash=source_hash,
                language=spec.language,
            )
    except Exception as error:  # a database error on one guide must not stop the rest
        logger.exception("import of %s failed", source_path)
        result.reason = f"could not be saved: {error}"
        return result
    result.guide_id = guide.pk
    result.url = guide_url(guide.slug)
    if written is not None:
        written[guide.pk] = (
            Guide(
                pk=guide.pk,
                source_path=guide.source_path,
                body_html=guide.body_html,
                summary_html=guide.summary_html,
            )
            if relative_links_held(guide)
            else None
        )
    result.status = "created" if previous is None else "updated"
    return result


RenderOutcome = tuple[str, str, RenderedGuide | None]  # (error, text, rendered)
# Below this much Markdown to render, starting processes costs more than it saves.
PARALLEL_RENDER_MIN_BYTES = 256 * 1024


def _render_job(raw: bytes, fallback_title: str) -> RenderOutcome:
    """Decode and render one file (bounded, in a child process)."""
    return next(_renders([(raw, fallback_title)]))


def _renders_sequential(jobs: list[tuple[bytes, str]]) -> Iterator[RenderOutcome]:
    """One bounded render child for `jobs`, forked now."""
    return guide_files_render(
        jobs,
        words_per_minute=settings.READING_WORDS_PER_MINUTE,
        max_bytes=settings.GUIDE_MAX_BYTES,
    )


def _renders_taken(
    ahead: AheadGroup, names: list[str], jobs: list[tuple[bytes, str]]
) -> Iterator[RenderOutcome]:
    """`_renders(jobs)`, taking what `ahead` (see apps.guides.render_ahead) rendered of them;
    the rest is rendered now, in one go once `ahead` runs out."""
    seconds = settings.GUIDE_RENDER_SECONDS
    try:
        for index, (name, (raw, title)) in enumerate(zip(names, jobs, strict=True)):
            outcome = ahead.take(name, render_ahead_fingerprint(raw, title), seconds=seconds)
            if outcome is ahead.MISSING:
                if not ahead.is_open:
                    yield from _renders(jobs[index:])
                    return
                yield from _renders([(raw, title)])
            elif isinstance(outcome, markdown_guard_module.RenderFailed):
                yield str(outcome), "", None
            else:
                yield cast(RenderOutcome, outcome)  # what guide_files_render yields
    finally:
        ahead.close()


def _renders(jobs: list[tuple[bytes, str]]) -> Iterator[RenderOutcome]:
    """Render files in order, on every idle CPU when there is enough to render: rendering is
    pure and CPU-bound, and each worker (a bounded render child, see `guide_files_render`)
    renders ahead while this process writes the results it has to the database."""
    # Only idle CPUs help: on a busy machine more processes just repeat per-process start-up
    # work (Pygments lexers, parser set-up) for the same share of CPU.
    idle = len(os.sched_getaffinity(0)) - int(os.getloadavg()[0])
    workers = min(idle, 4, len(jobs))
    if workers < 2 or sum(len(raw) for raw, _ in jobs) < PARALLEL_RENDER_MIN_BYTES:
        yield from _renders_sequential(jobs)
        return
    # Each file goes to the worker with the fewest bytes so far: taken in order, the workers
    # move through the repository side by side, so the results come in about as they are used.
    assigned = [0] * workers
    shares: list[list[tuple[bytes, str]]] = [[] for _ in range(workers)]
    owner = []
    for job in jobs:
        worker = assigned.index(min(assigned))
        assigned[worker] += len(job[0])
        shares[worker].append(job)
        owner.append(worker)
    streams = [_renders_sequential(share) for share in shares]
    try:
        for worker in owner:
            yield next(streams[worker])
    finally:
        for stream in streams:
            stream.close()  # type: ignore[attr-defined]


def _translations_link(
    *,
    layout: Layout,
    results: dict[str, GuideResult],
    existing: dict[str, Guide | None],
    raws: dict[str, bytes | OSError],
) -> None:
    """Point each translation at its original and give every version the list of languages,
    writing only the rows where that changed."""
    versions: dict[str, list[GuideSpec]] = {}
    for spec in layout.guides:
        if spec.translation_of:
            versions.setdefault(spec.translation_of, []).append(spec)
    wanted: dict[str, tuple[int | None, list[dict[str, str]]]] = {}
    for spec in layout.guides:
        if spec.translation_of or spec.relative not in versions:
            wanted[spec.relative] = (None, [])
    for original, translations in versions.items():
        main = results.get(original)
        if main is None or main.guide_id is None:
            continue
        raw = raws.get(original)
        ascii_share = (
            sum(byte < 128 for byte in raw[:4000]) / max(1, len(raw[:4000]))
            if isinstance(raw, bytes)
            else 0
        )
        main_code = "en" if ascii_share > 0.97 else ""
        listed = [
            {
                "code": main_code,
                "name": language_name(main_code) if main_code else "Original",
                "slug": main.slug,
            }
        ]
        for spec in sorted(translations, key=lambda s: s.language):
            version = results[spec.relative]
            if version.guide_id is not None:
                listed.append(
                    {"code": spec.language, "name": language_name(spec.language),
                     "slug": version.slug}
                )  # fmt: skip
        wanted[original] = (None, listed)
        for spec in translations:
            wanted[spec.relative] = (main.guide_id, listed)
    updates = []
    for relative, (translation_of_id, listed) in wanted.items():
        result = results.get(relative)
        if result is None or result.guide_id is None:
            continue
        before = existing.get(relative)
        if (
            before is not None
            and not result.rendered
            and result.status == "unchanged"
            and before.translation_of_id == translation_of_id
            and before.language_versions == listed
        ):
            continue
        guide = Guide(pk=result.guide_id, translation_of_id=translation_of_id)
        guide.language_versions = listed
        updates.append(guide)
    if updates:
        Guide.objects.bulk_update(updates, ["translation_of", "language_versions"])


def _guide_write(
    *,
    existing: Guide | None,
    rendered: RenderedGuide,
    text: str,
    slug: str,
    source_path: str,
    track: Track,
    position: int,
    title: str = "",
    source_hash: str = "",
    language: str = "",
) -> tuple[Guide, int, int]:
    """Returns the guide and how many task items were added and archived."""
    guide = existing or Guide(source_path=source_path)
    guide.source_path = source_path
    guide.slug = slug
    guide.track = track
    guide.position = position
    guide.title = (title or clean_title(rendered.title) or rendered.title)[:300]
    guide.markdown_source = text
    guide.content_hash = rendered.content_hash
    guide.source_hash = source_hash
    guide.language = language
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
    guide_terms_synced.send(sender=Guide, guide=guide, derived=rendered.derived)
    added, archived = _tasks_sync(guide=guide, rendered=rendered)
    Guide.objects.filter(pk=guide.pk).update(
        search_vector=SearchVector("title", weight="A", config="english")
        + SearchVector("summary_text", weight="B", config="english")
    )
    return guide, added, archived


def _sections_sync(*, guide: Guide, rendered: RenderedGuide) -> None:
    _rows_upsert(
        model=Section,
        guide=guide,
        columns={
            "anchor": ("text", [section.anchor[:200] for section in rendered.sections]),
            "title": ("text", [section.title[:500] for section in rendered.sections]),
            "position": ("integer", [section.position for section in rendered.sections]),
            "text": ("text", [section.text for section in rendered.sections]),
        },
    )
    anchors = [section.anchor[:200] for section in rendered.sections]
    Section.objects.filter(guide=guide).exclude(anchor__in=anchors).update(is_archived=True)


def _terms_sync(*, guide: Guide, rendered: RenderedGuide) -> None:
    # Terms are identified by their anchor, which is derived from the name: a term whose
    # definition changed keeps its row (and so every user's card history).
    _rows_upsert(
        model=GlossaryTerm,
        guide=guide,
        columns={
            "anchor": ("text", [term.anchor for term in rendered.terms]),
            "term": ("text", [term.term for term in rendered.terms]),
            "description": ("text", [term.description for term in rendered.terms]),
            "use_when": ("text", [term.use_when for term in rendered.terms]),
            "like": ("text", [term.like for term in rendered.terms]),
            "position": ("integer", [term.position for term in rendered.terms]),
        },
        vector=(("A", ["term"]), ("B", ["description"]), ("C", ["use_when", "like"])),
    )
    anchors = [term.anchor for term in rendered.terms]
    GlossaryTerm.objects.filter(guide=guide).exclude(anchor__in=anchors).update(is_archived=True)


def _rows_upsert(
    *,
    model: type[Section] | type[GlossaryTerm],
    guide: Guide,
    columns: dict[str, tuple[str, list[Any]]],
    vector: tuple[tuple[str, list[str]], ...] = (),
) -> None:
    """Insert or update (on the guide and anchor) a guide's rows, not archived, with their
    search vector (when `vector` names one) computed in the same statement: what
    `SearchVector(*fields, weight=w, config="english")` summed over `vector` gives, without
    writing every row a second time to set it. One array per column, as Django's bulk_create
    sends them."""
    meta = model._meta
    quote = connection.ops.quote_name
    aliases = ", ".join(quote(name) for name in columns)
    vector_sql = " || ".join(
        "setweight(to_tsvector('english'::regconfig, "
        + " || ' ' || ".join(f"COALESCE({quote(field)}, '')" for field in fields)
        + f"), '{weight}')"
        for weight, fields in vector
    )
    guide_column, anchor_column = (quoted_column(model, name) for name in ("guide", "anchor"))
    computed = ["is_archived", *(["search_vector"] if vector else [])]
    written = [quoted_column(model, name) for name in (*columns, *computed)]
    updates = ", ".join(
        f"{column} = EXCLUDED.{column}" for column in written if column != anchor_column
    )
    arrays = ", ".join(f"%s::{kind}[]" for kind, _values in columns.values())
    values = ", ".join([aliases, "false", *([vector_sql] if vector else [])])
    with bulk_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({guide_column}, {', '.join(written)}) "  # noqa: S608 - names from _meta
            f"SELECT %s, {values} "
            f"FROM unnest({arrays}) WITH ORDINALITY AS t({aliases}, n) ORDER BY n "
            f"ON CONFLICT ({guide_column}, {anchor_column}) DO UPDATE SET {updates}",
            [guide.pk, *(values for _kind, values in columns.values())],
        )


def _tasks_sync(*, guide: Guide, rendered: RenderedGuide) -> tuple[int, int]:
    """Match new items to old rows: same key first, then near-identical text (a typo fix).
    Old rows left over are archived, never deleted, so nobody's progress on them is lost.
    Returns how many items were added and how many archived."""
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
    newly_archived = sum(not item.is_archived for item in archived)
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
    return len(creates), newly_archived


def _temp_key():
    from django.db.models import F, Value
    from django.db.models.functions import Concat, Right

    return Right(Concat(Value("~"), F("id")), 16)


def _guides_archive_missing(*, label: str, present: set[str]) -> tuple[list[str], int]:
    """Archive (never delete) the guides whose files are gone; returns their paths and how
    many task items they held."""
    gone = Guide.objects.filter(source_path__startswith=f"{label}/", is_archived=False).exclude(
        source_path__in=present
    )
    paths = sorted(gone.values_list("source_path", flat=True))
    if not paths:
        return [], 0
    items = TaskItem.objects.filter(guide__source_path__in=paths, is_archived=False).count()
    Guide.objects.filter(source_path__in=paths).update(is_archived=True)
    return [path.split("/", 1)[1] for path in paths], items

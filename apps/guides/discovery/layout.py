"""`discover`: a repository's files → its tracks and pages, in named steps.

1. list the candidate files (`files`), and read the root README's groupings (`reading`);
2. set aside what is skipped and the language versions (`translations`);
3. find each folder's landing page, dropping pure indexes of links;
4. place every page in a track with an order: mkdocs nav first, then root files by the README's
   headings, then folder tracks (a folder with one page joins its parent's track);
5. order the tracks and give them slugs; then the pages; then the translations next to the page
   they translate.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.text import slugify

from apps.guides.discovery.files import ignore_rules, markdown_files, skip_reason
from apps.guides.discovery.mkdocs import mkdocs_config, mkdocs_nav
from apps.guides.discovery.ordering import (
    NUMBERED_NAME,
    ancestors,
    folder_key,
    natural_key,
    page_key,
    slug_candidates,
)
from apps.guides.discovery.reading import (
    LINK,
    clean_title,
    has_task_list,
    humanize_name,
    is_excluded,
    is_pure_index,
    landing_of,
    name_key,
    number_in,
    read_text,
    readme_categories,
    title_and_intro,
)
from apps.guides.discovery.specs import GuideSpec, Layout, SkippedFile, SourceFile, TrackSpec
from apps.guides.discovery.translations import translation_base
from apps.guides.rendering import humanize_filename

OVERVIEW_TRACK_SLUG = "start-here"


@dataclass
class _Placement:
    """Where each page goes: (track key, order within it). Track keys are folders, or
    "category:<title>" for root files grouped by the README, or "nav:<n>" for mkdocs."""

    placed: dict[str, tuple[str, tuple]] = field(default_factory=dict)
    track_titles: dict[str, str] = field(default_factory=dict)
    track_order: dict[str, tuple] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)  # page titles given by mkdocs nav
    numbers: dict[str, int | None] = field(default_factory=dict)  # folder → its phase number


def discover(root: Path) -> Layout:
    root = root.resolve()
    if root.is_file():
        return _single_file(root)
    layout = Layout(label=root.name)
    config = mkdocs_config(root)
    base = _pages_root(root, config)
    all_files = markdown_files(root, base, ignore_rules(root), layout)
    by_relative = {f.relative: f for f in all_files}
    readme = next(
        (f for f in all_files if f.folder == "" and Path(f.relative).stem.casefold() == "readme"),
        None,
    )
    categories: dict[str, tuple[str, int]] = {}
    excluded: set[str] = set()
    if readme is not None:
        readme.text = read_text(readme.path)
        categories, excluded = readme_categories(readme.text)
    pages, translations = _pages_and_translations(all_files, by_relative, readme, excluded, layout)
    folders: dict[str, list[SourceFile]] = {}
    for file in pages:
        folders.setdefault(file.folder, []).append(file)
    landings = _landings(folders, layout)
    overview = readme if readme is not None and readme in folders.get("", []) else None

    placement = _Placement()
    _place_by_nav(placement, config, root, base, by_relative)
    _place_root_files(placement, folders.get("", []), overview, categories)
    _place_folders(placement, folders, landings)

    ordered, slugs = _add_tracks(layout, placement, overview, landings)
    _add_pages(layout, placement, pages, ordered, slugs, overview, landings)
    _add_translations(layout, translations)
    return layout


def _single_file(root: Path) -> Layout:
    layout = Layout(label=root.parent.name or "guides")
    slug = slugify(root.stem) or "guide"
    layout.tracks.append(TrackSpec(slug=slug, title=root.stem, kind="category", position=0))
    layout.guides.append(
        GuideSpec(root, root.name, slug, 0, slug_candidates=[slug], fallback_title=root.stem)
    )
    return layout


def _pages_root(root: Path, config: dict[str, Any] | None) -> Path:
    """The repository, or the mkdocs `docs_dir` inside it."""
    if config is not None:
        docs_dir = str(config.get("docs_dir") or "docs").strip("/")
        if (root / docs_dir).is_dir() and ".." not in docs_dir:
            return root / docs_dir
    return root


def _pages_and_translations(
    all_files: list[SourceFile],
    by_relative: dict[str, SourceFile],
    readme: SourceFile | None,
    excluded: set[str],
    layout: Layout,
) -> tuple[list[SourceFile], list[tuple[SourceFile, str, str]]]:
    """Pages, and (file, original, language) for language versions; skipped files are noted."""
    pages: list[SourceFile] = []
    translations: list[tuple[SourceFile, str, str]] = []
    for file in all_files:
        reason = skip_reason(file.relative)
        excludable = file.folder == "" and file is not readme
        if reason is None and excludable and is_excluded(file.relative, excluded):
            reason = "listed as excluded in the README"
        if reason:
            layout.skipped.append(SkippedFile(file.relative, reason))
            continue
        found = translation_base(file, by_relative)
        if found and skip_reason(found[0]) is None:
            translations.append((file, *found))
        else:
            pages.append(file)
    return pages, translations


def _landings(folders: dict[str, list[SourceFile]], layout: Layout) -> dict[str, SourceFile]:
    """Each folder's landing page, read; one that is a pure index of links leaves its folder's
    pages (it still gives order and titles)."""
    landings: dict[str, SourceFile] = {}
    for folder, files in folders.items():
        landing = landing_of(files)
        if landing is None:
            continue
        landing.text = landing.text or read_text(landing.path)
        landings[folder] = landing
        if is_pure_index(landing.text) and not has_task_list(landing.text):
            layout.skipped.append(
                SkippedFile(landing.relative, "pure index of links: read for order and titles")
            )
            files.remove(landing)
    return landings


def _place_by_nav(
    placement: _Placement,
    config: dict[str, Any] | None,
    root: Path,
    base: Path,
    by_relative: dict[str, SourceFile],
) -> None:
    """mkdocs nav sections are tracks, in nav order, with nav's page titles."""
    nav = mkdocs_nav(config.get("nav")) if config else []
    base_rel = base.relative_to(root).as_posix()
    base_rel = "" if base_rel == "." else base_rel
    for section_index, (section, entries) in enumerate(nav):
        key = f"nav:{section_index}"
        site_name = str(config.get("site_name") or "") if config else ""
        placement.track_titles[key] = section or site_name
        placement.track_order[key] = (1, section_index)
        for entry_index, (title, target) in enumerate(entries):
            relative = f"{base_rel}/{target}".lstrip("/") if base_rel else target
            relative = os.path.normpath(relative).replace(os.sep, "/")
            if relative in by_relative and relative not in placement.placed:
                placement.placed[relative] = (key, (entry_index,))
                if title:
                    placement.titles[relative] = title


def _place_root_files(
    placement: _Placement,
    root_files: list[SourceFile],
    overview: SourceFile | None,
    categories: dict[str, tuple[str, int]],
) -> None:
    """The overview goes first; other root files go to the README's categories, else "Guides"."""
    for file in root_files:
        if file.relative in placement.placed:
            continue
        if file is overview:
            placement.placed[file.relative] = (OVERVIEW_TRACK_SLUG, (0,))
            continue
        category, order = categories.get(name_key(file.relative), ("", 10_000))
        key = f"category:{category or 'Guides'}"
        placement.track_titles[key] = category or "Guides"
        placement.track_order.setdefault(key, (2, order))
        placement.placed[file.relative] = (key, (order, natural_key(file.relative)))


def _place_folders(
    placement: _Placement,
    folders: dict[str, list[SourceFile]],
    landings: dict[str, SourceFile],
) -> None:
    """Folder tracks. A folder with one page (and no number) joins its nearest ancestor's track."""
    placed, numbers = placement.placed, placement.numbers
    track_titles, track_order = placement.track_titles, placement.track_order
    keeps_track: set[str] = set()
    for folder in sorted((f for f in folders if f), key=lambda f: (f.count("/"), natural_key(f))):
        files = [f for f in folders[folder] if f.relative not in placed]
        if not files:
            continue
        name = folder.rsplit("/", 1)[-1]
        landing = landings.get(folder)
        number = None
        if match := NUMBERED_NAME.match(name):
            number = int(match["number"])
        elif landing is not None:
            title, _intro = title_and_intro(landing.text)
            number = number_in(title) or number_in(landing.text[:1500])
        numbers[folder] = number
        ancestor = next(
            (a for a in ancestors(folder) if a in keeps_track),
            None,
        )
        parent = folder.rsplit("/", 1)[0] if "/" in folder else ""
        if ancestor is None and parent and len(files) == 1 and number is None:
            # One page per folder (a README per solution): the folders' parent is the track.
            ancestor = parent
            keeps_track.add(parent)
            parent_landing = landings.get(parent)
            parent_title = title_and_intro(parent_landing.text)[0] if parent_landing else ""
            track_titles[parent] = clean_title(parent_title) or humanize_name(
                parent.rsplit("/", 1)[-1]
            )
            track_order[parent] = (3, folder_key(parent, numbers))
        if len(files) >= 2 or number is not None or ancestor is None:
            keeps_track.add(folder)
            title = clean_title(title_and_intro(landing.text)[0]) if landing else ""
            track_titles[folder] = title or humanize_name(name)
            track_order[folder] = (3, folder_key(folder, numbers))
            order_links = [name_key(t) for t in LINK.findall(landing.text)] if landing else []
            for file in files:
                key_name = name_key(file.relative)
                in_links = order_links.index(key_name) if key_name in order_links else 10_000
                first = 0 if file is landing else 1
                placed[file.relative] = (folder, (0, first, in_links, page_key(file)))
        else:
            for file in files:
                placed[file.relative] = (ancestor, (1, natural_key(file.relative)))


def _add_tracks(
    layout: Layout,
    placement: _Placement,
    overview: SourceFile | None,
    landings: dict[str, SourceFile],
) -> tuple[list[str], dict[str, str]]:
    """Tracks in order, slugs from the folder path (stable), positions from 0. Returns the track
    keys in order and each key's slug."""
    track_titles, track_order = placement.track_titles, placement.track_order
    used_keys = {key for key, _ in placement.placed.values()}
    ordered = sorted(
        (key for key in used_keys if key != OVERVIEW_TRACK_SLUG),
        key=lambda key: (track_order[key], natural_key(track_titles[key])),
    )
    if OVERVIEW_TRACK_SLUG in used_keys:
        ordered.insert(0, OVERVIEW_TRACK_SLUG)
    slugs: dict[str, str] = {}
    for position, key in enumerate(ordered):
        if key == OVERVIEW_TRACK_SLUG:
            # An overview only when its checklist holds the path's milestones.
            kind = (
                "overview" if overview is not None and has_task_list(overview.text) else "category"
            )
            spec = TrackSpec(OVERVIEW_TRACK_SLUG, "Start here", kind, position)
        elif key.startswith(("category:", "nav:")):
            title = track_titles[key] or "Guides"
            spec = TrackSpec(slugify(title) or f"section-{position}", title, "category", position)
        else:
            landing = landings.get(key)
            intro = title_and_intro(landing.text)[1] if landing else ""
            number = placement.numbers.get(key)
            spec = TrackSpec(
                slug=slugify(key.replace("/", "-")) or "guides",
                title=track_titles[key][:200],
                kind="phase"
                if number is not None
                else ("projects" if "project" in key.rsplit("/", 1)[-1].casefold() else "category"),
                position=position,
                number=number,
                source_path=key,
                intro_markdown=intro,
            )
        slug, suffix = spec.slug, 2
        while slug in slugs.values():
            slug, suffix = f"{spec.slug}-{suffix}", suffix + 1
        spec.slug = slugs[key] = slug
        layout.tracks.append(spec)
    return ordered, slugs


def _add_pages(
    layout: Layout,
    placement: _Placement,
    pages: list[SourceFile],
    ordered: list[str],
    slugs: dict[str, str],
    overview: SourceFile | None,
    landings: dict[str, SourceFile],
) -> None:
    """Each track's pages in their order, with the slugs each may take."""
    overview_slug = ""
    if overview is not None:
        # Named after its title: every repository has a README.md, so "readme" would clash.
        overview_slug = slugify(clean_title(title_and_intro(overview.text)[0])) or "overview"
    by_track: dict[str, list[tuple[tuple, SourceFile]]] = {}
    for page in pages:
        if page.relative in placement.placed:
            track_key, page_order = placement.placed[page.relative]
            by_track.setdefault(track_key, []).append((page_order, page))
    for track_key in ordered:
        track_pages = sorted(by_track.get(track_key, []), key=lambda entry: entry[0])
        for position, (_order, page) in enumerate(track_pages):
            is_landing = landings.get(page.folder) is page
            candidates = slug_candidates(page.relative, landing=is_landing, label=layout.label)
            if page is overview:
                candidates = [overview_slug, *candidates]
            folder_name = page.folder.rsplit("/", 1)[-1] if page.folder else layout.label
            layout.guides.append(
                GuideSpec(
                    page.path,
                    page.relative,
                    slugs[track_key],
                    position,
                    slug=overview_slug if page is overview else "",
                    slug_candidates=candidates,
                    title=placement.titles.get(page.relative, ""),
                    fallback_title=humanize_filename(
                        folder_name if is_landing else Path(page.relative).stem
                    ),
                    is_landing=is_landing,
                )
            )


def _add_translations(layout: Layout, translations: list[tuple[SourceFile, str, str]]) -> None:
    """Each language version sits at its original's place, with the original's slugs + code."""
    spec_by_relative = {spec.relative: spec for spec in layout.guides}
    for file, original, language in translations:
        main = spec_by_relative.get(original)
        if main is None:  # the original is skipped: the translation is skipped with it
            layout.skipped.append(
                SkippedFile(file.relative, f"translation of {original}, which is not a page")
            )
            continue
        layout.guides.append(
            GuideSpec(
                file.path,
                file.relative,
                main.track_slug,
                main.position,
                slug_candidates=[
                    f"{c}-{language.lower()}" for c in (main.slug_candidates or ["guide"])
                ],
                fallback_title=main.fallback_title,
                language=language,
                translation_of=original,
            )
        )


def fallback_title(spec: GuideSpec) -> str:
    """The title a page gets when its text names none: its file name, made readable."""
    return spec.fallback_title or humanize_filename(spec.path.stem)

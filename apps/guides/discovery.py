"""Find the guides in a repository and the tracks they belong to, whatever its layout.

Three layouts are recognised by shape, not by file name:
- a flat folder of guides with a README index grouping them under headings (categories);
- a tree of phase folders (`phase2-…`, `phase10-…`), each with an INDEX.md, plus a README;
- a single Markdown file.

In any layout, a root README with a task list (`- [ ] Phase 1: …`) is also imported as the
overview guide of the path, in a "Start here" track listed first: its items are the milestones.
"""

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

import ftfy
from django.utils.text import slugify

MARKDOWN_SUFFIXES = {".md", ".markdown"}
INDEX_NAMES = {"readme.md", "index.md", "readme.markdown", "index.markdown"}
AGENT_FILES = {"claude.md", "agents.md", "gemini.md", "copilot-instructions.md", ".cursorrules"}
META_FILES = {"license.md", "changelog.md", "contributing.md", "code_of_conduct.md", "security.md"}
SKIPPED_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".github", ".claude"}
PHASE_DIR = re.compile(r"^phase[-_ ]?(?P<number>\d+)(?:[-_ ](?P<rest>.*))?$", re.IGNORECASE)
LINK = re.compile(r"\[[^\]]*\]\((?:\./)?(?P<target>[^)#\s]+\.(?:md|markdown))(?:#[^)]*)?\)")
MENTION = re.compile(r"(?P<name>[\w][\w .()+-]*\.(?:md|markdown))\b", re.IGNORECASE)
HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
EXCLUDED_HEADING = re.compile(r"exclud|skipped|not (?:a )?guide|ignored|archive", re.IGNORECASE)
TASK_LINE = re.compile(r"^\s*[-*+]\s+\[[ xX]\]\s+\S")
OVERVIEW_TRACK_SLUG = "start-here"


@dataclass
class TrackSpec:
    slug: str
    title: str
    kind: str
    position: int
    number: int | None = None
    source_path: str = ""
    intro_markdown: str = ""


@dataclass
class GuideSpec:
    path: Path
    relative: str
    track_slug: str
    position: int
    slug: str = ""  # set when the file name would make a poor or clashing slug (README.md)


@dataclass
class SkippedFile:
    relative: str
    reason: str


@dataclass
class Layout:
    label: str
    tracks: list[TrackSpec] = field(default_factory=list)
    guides: list[GuideSpec] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


def natural_key(text: str) -> list[int | str]:
    """'phase10' sorts after 'phase9'."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text)]


def clean_heading(text: str) -> str:
    """Heading text without Markdown, emoji or `{#id}` attributes."""
    text = re.sub(r"\{[^}]*\}\s*$", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`]", "", text)
    text = "".join(ch for ch in text if ch.isalnum() or ch in " &,:;.'()/+-")
    return re.sub(r"\s+", " ", text).strip(" -:")


def read_text(path: Path) -> str:
    raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    return ftfy.fix_encoding(text)


def _name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", Path(name).stem.casefold())


def _ignore_patterns(root: Path) -> list[str]:
    ignore_file = root / ".guideignore"
    if not ignore_file.is_file():
        return []
    lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _ignored(relative: str, patterns: list[str]) -> str | None:
    name = relative.rsplit("/", 1)[-1]
    for pattern in patterns:
        bare = pattern.rstrip("/")
        if (
            fnmatch.fnmatch(relative, bare)
            or fnmatch.fnmatch(name, bare)
            or relative.startswith(bare + "/")
        ):
            return pattern
    return None


def _index_title_and_intro(path: Path) -> tuple[str, str]:
    """H1 and the prose before the first H2 of a README/INDEX file."""
    title, intro_lines, seen_h1 = "", [], False
    for line in read_text(path).split("\n"):
        heading = HEADING.match(line)
        if heading and len(heading["hashes"]) == 1 and not seen_h1:
            title, seen_h1 = clean_heading(heading["text"]), True
            continue
        if heading:
            break
        intro_lines.append(line)
    return title, "\n".join(intro_lines).strip()


def _readme_categories(readme: Path) -> tuple[dict[str, tuple[str, int]], set[str]]:
    """Map each linked guide (name key) to (category title, order), and the excluded names."""
    categories: dict[str, tuple[str, int]] = {}
    excluded: set[str] = set()
    category, in_excluded, order = "", False, 0
    in_fence = False
    for line in read_text(readme).split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        heading = HEADING.match(line)
        links = LINK.findall(line)
        if heading and not links:
            in_excluded = bool(EXCLUDED_HEADING.search(heading["text"]))
            if len(heading["hashes"]) >= 2 and not in_excluded:
                category = clean_heading(heading["text"])
            continue
        if in_excluded:
            excluded.update(_name_key(m["name"]) for m in MENTION.finditer(line))
            continue
        for target in links:
            key = _name_key(target)
            if key not in categories and category:
                categories[key] = (category, order)
                order += 1
    return categories, excluded


def _has_task_list(path: Path) -> bool:
    in_fence = False
    for line in read_text(path).split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        elif not in_fence and TASK_LINE.match(line):
            return True
    return False


def _is_excluded(name: str, excluded: set[str]) -> bool:
    key = _name_key(name)
    return any(key == entry or (len(entry) >= 6 and key.startswith(entry)) for entry in excluded)


def discover(root: Path) -> Layout:
    root = root.resolve()
    if root.is_file():
        layout = Layout(label=root.parent.name or "guides")
        slug = slugify(root.stem) or "guide"
        layout.tracks.append(TrackSpec(slug=slug, title=root.stem, kind="category", position=0))
        layout.guides.append(GuideSpec(root, root.name, slug, 0))
        return layout

    layout = Layout(label=root.name)
    patterns = _ignore_patterns(root)
    files: list[tuple[Path, str]] = []
    for path in sorted(root.rglob("*"), key=lambda p: natural_key(str(p.relative_to(root)))):
        relative = path.relative_to(root).as_posix()
        if any(part in SKIPPED_DIRS for part in path.relative_to(root).parts[:-1]):
            continue
        if path.is_file():
            files.append((path, relative))

    readme = next(
        (root / n for n in ("README.md", "readme.md", "Readme.md") if (root / n).is_file()), None
    )
    categories, excluded = _readme_categories(readme) if readme else ({}, set())
    overview = (
        readme
        if readme and not _ignored(readme.name, patterns) and _has_task_list(readme)
        else None
    )

    phase_dirs: dict[str, TrackSpec] = {}
    folder_tracks: dict[str, TrackSpec] = {}
    category_tracks: dict[str, TrackSpec] = {}
    folder_order: dict[str, list[str]] = {}

    for directory in sorted(
        {p.parent for p, _ in files if p.parent != root}, key=lambda d: natural_key(d.name)
    ):
        rel_dir = directory.relative_to(root).as_posix()
        if _ignored(rel_dir, patterns):
            continue
        index = next(
            (
                directory / n
                for n in ("INDEX.md", "index.md", "README.md")
                if (directory / n).is_file()
            ),
            None,
        )
        title, intro = _index_title_and_intro(index) if index else ("", "")
        match = PHASE_DIR.match(directory.name)
        if match:
            number = int(match["number"])
            spec = TrackSpec(
                slug=slugify(rel_dir.replace("/", "-")),
                title=title
                or f"Phase {number}: {(match['rest'] or '').replace('-', ' ').title()}".strip(": "),
                kind="phase",
                position=number,
                number=number,
                source_path=rel_dir,
                intro_markdown=intro,
            )
            phase_dirs[rel_dir] = spec
        else:
            kind = "projects" if "project" in directory.name.casefold() else "category"
            spec = TrackSpec(
                slug=slugify(rel_dir.replace("/", "-")),
                title=title
                or clean_heading(directory.name.replace("-", " ").replace("_", " ").title()),
                kind=kind,
                position=1000 + len(folder_tracks),
                source_path=rel_dir,
                intro_markdown=intro,
            )
            folder_tracks[rel_dir] = spec
        if index:
            folder_order[rel_dir] = [_name_key(t) for t in LINK.findall(read_text(index))]

    guides_by_track: dict[str, list[tuple[tuple, Path, str]]] = {}
    for path, relative in files:
        name = path.name.casefold()
        reason = None
        if pattern := _ignored(relative, patterns):
            reason = f"ignored by .guideignore pattern {pattern!r}"
        elif path.suffix.casefold() not in MARKDOWN_SUFFIXES:
            reason = f"not a Markdown file ({path.suffix or 'no extension'})"
        elif name in AGENT_FILES:
            reason = "agent instruction file, not a guide"
        elif path == overview:
            guides_by_track[OVERVIEW_TRACK_SLUG] = [((0,), path, relative)]
            continue
        elif name in INDEX_NAMES:
            reason = "index file: read for tracks, order and introductions"
        elif name in META_FILES:
            reason = "repository meta file, not a guide"
        elif path.parent == root and _is_excluded(path.name, excluded):
            reason = "listed as excluded in the README"
        if reason:
            layout.skipped.append(SkippedFile(relative, reason))
            continue

        rel_dir = path.parent.relative_to(root).as_posix() if path.parent != root else ""
        if rel_dir:
            track = phase_dirs.get(rel_dir) or folder_tracks.get(rel_dir)
            if track is None:  # inside an ignored folder
                layout.skipped.append(SkippedFile(relative, "inside an ignored folder"))
                continue
            order = folder_order.get(rel_dir, [])
            key = _name_key(path.name)
            sort = (order.index(key) if key in order else len(order), natural_key(path.name))
        else:
            category, order_index = categories.get(_name_key(path.name), ("Guides", 10_000))
            slug = slugify(category) or "guides"
            if slug not in category_tracks:
                category_tracks[slug] = TrackSpec(
                    slug=slug, title=category, kind="category", position=2000 + order_index
                )
            track = category_tracks[slug]
            sort = (order_index, natural_key(path.name))
        guides_by_track.setdefault(track.slug, []).append((sort, path, relative))

    layout.tracks = sorted(
        [*phase_dirs.values(), *folder_tracks.values(), *category_tracks.values()],
        key=lambda t: (t.position, natural_key(t.title)),
    )
    overview_slug = ""
    if overview is not None:
        layout.tracks.insert(
            0, TrackSpec(slug=OVERVIEW_TRACK_SLUG, title="Start here", kind="overview", position=0)
        )
        # Named after its title: every repository has a README.md, so "readme" would clash.
        overview_slug = slugify(_index_title_and_intro(overview)[0]) or "overview"
    for track in layout.tracks:
        for position, (_, path, relative) in enumerate(sorted(guides_by_track.get(track.slug, []))):
            slug = overview_slug if track.slug == OVERVIEW_TRACK_SLUG else ""
            layout.guides.append(GuideSpec(path, relative, track.slug, position, slug=slug))
    return layout

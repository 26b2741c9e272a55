"""Find the pages of a repository and the tracks they belong to, the way its author sees it on
GitHub (or in MkDocs when it has an `mkdocs.yml`), whatever its layout.

The rules, none of them tied to a file name seen in one repository:
- Every Markdown file is a page, unless it is repository meta (LICENSE, CHANGELOG, templates,
  `.github/`), agent instructions (CLAUDE.md, AGENTS.md, ...), listed as excluded in the root
  README, or matched by `.guideignore` (gitignore syntax). Each skipped file keeps a reason.
- A folder's README/INDEX/index is its landing page: it names the folder's track (without a
  trailing "Index"), gives its order (the order of its links) and introduction, and is also a
  page. Only a file that is nothing but links, with no checkbox, stays a pure index.
- Tracks come from folders that hold pages; a folder with a single page joins its nearest
  ancestor's track. Order is natural: numbers in folder names, else "Phase 1:"-style numbers in
  the landing page's title or opening lines, else the path.
- The root README is the overview page, listed first; a README grouping root files under
  headings (`### Data` + links) gives those files their tracks.
- `README-ja.md`, `README.zh-CN.md`, `translations/README-xx.md` and `docs/<lang>/...` are
  language versions of the file they translate, not pages of their own.
- An `mkdocs.yml` with `nav` gives the tracks, order and titles; `docs_dir` bounds the pages.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.text import slugify

from apps.core.markdown_lines import atx_heading, decode_markdown, prose_lines
from apps.guides.rendering import humanize_filename

MARKDOWN_SUFFIXES = {".md", ".markdown"}
LANDING_STEMS = ("index", "readme")  # preference order when a folder has both
INDEX_NAMES = {"readme.md", "index.md", "readme.markdown", "index.markdown"}
AGENT_STEMS = {
    "claude", "agents", "agent", "gemini", "copilot-instructions", "cursorrules", "windsurfrules",
    "claude.local", "codex", "conventions",
}  # fmt: skip
META_STEMS = {
    "license", "licence", "copying", "changelog", "changes", "history", "contributing",
    "contributors", "code_of_conduct", "code-of-conduct", "security", "support", "authors",
    "codeowners", "funding", "pull_request_template", "issue_template", "notice", "citation",
}  # fmt: skip
META_DIRS = {"issue_template", "pull_request_template", ".github", ".gitlab"}
# Folders that never hold guide material: dependencies, environments, caches, build output.
SKIPPED_DIRS = {"node_modules", "venv", "__pycache__", "site-packages", "bower_components"}
TRANSLATION_DIRS = {"translations", "translation", "i18n", "locales", "locale", "lang", "langs"}
LANGUAGE_NAMES = {
    "ar": "العربية", "bg": "Български", "bn": "বাংলা", "ca": "Català", "cs": "Čeština",
    "da": "Dansk", "de": "Deutsch", "el": "Ελληνικά", "en": "English", "es": "Español",
    "et": "Eesti", "fa": "فارسی", "fi": "Suomi", "fr": "Français", "he": "עברית",
    "hi": "हिन्दी", "hr": "Hrvatski", "hu": "Magyar", "id": "Bahasa Indonesia", "it": "Italiano",
    "ja": "日本語", "ka": "ქართული", "kk": "Қазақ", "ko": "한국어", "lt": "Lietuvių",
    "lv": "Latviešu", "mn": "Монгол", "ms": "Bahasa Melayu", "my": "မြန်မာ", "nb": "Norsk bokmål",
    "ne": "नेपाली", "nl": "Nederlands", "no": "Norsk", "pl": "Polski", "pt": "Português",
    "ro": "Română", "ru": "Русский", "sk": "Slovenčina", "sl": "Slovenščina", "sr": "Српски",
    "sv": "Svenska", "sw": "Kiswahili", "ta": "தமிழ்", "te": "తెలుగు", "th": "ไทย",
    "tl": "Tagalog", "tr": "Türkçe", "uk": "Українська", "ur": "اردو", "uz": "O\u02bbzbek",
    "vi": "Tiếng Việt", "zh": "中文", "az": "Azərbaycan", "be": "Беларуская", "hy": "Հայերեն",
    "is": "Íslenska", "km": "ខ្មែរ", "mk": "Македонски", "ml": "മലയാളം", "mr": "मराठी",
    "pa": "ਪੰਜਾਬੀ", "si": "සිංහල", "sq": "Shqip", "gl": "Galego", "eu": "Euskara",
}  # fmt: skip
LANGUAGE_CODE = re.compile(r"^(?P<lang>[a-z]{2})(?:[-_](?P<region>[a-z]{2}|[a-z]{4}))?$", re.I)
LANGUAGE_SUFFIX = re.compile(
    r"^(?P<base>.+?)[-_.](?P<code>[a-z]{2}(?:[-_](?:[a-z]{2}|[a-z]{4}))?)$", re.IGNORECASE
)
LINK = re.compile(r"\[[^\]]*\]\((?:\./)?(?P<target>[^)#\s]+\.(?:md|markdown))(?:#[^)]*)?\)")
ANY_LINK = re.compile(r"!?\[(?P<text>[^\]]*)\]\([^)]*\)|<https?://[^>]+>|https?://\S+")
MENTION = re.compile(r"(?P<name>[\w][\w .()+-]*\.(?:md|markdown))\b", re.IGNORECASE)
EXCLUDED_HEADING = re.compile(r"exclud|skipped|not (?:a )?guide|ignored|archive", re.IGNORECASE)
TASK_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[[ xX]\]\s+\S")
# "Phase 1: Foundation", "Part 3 - Data", "Module 02. Intro": a numbered unit named in a title.
NUMBERED_TITLE = re.compile(
    r"\b(?:phase|part|module|chapter|unit|week|stage|step|level|lesson|section|day|sprint)"
    r"\s*(?P<number>\d{1,3})\s*(?:[:.)\-\u2013\u2014]|\*\*)",
    re.IGNORECASE,
)
# "phase2-architecture", "02-intro", "week_3", "3. basics": a folder numbered at its start.
NUMBERED_NAME = re.compile(r"^(?:[a-z]+[-_ ]?)?(?P<number>\d{1,3})(?:$|[-_. ])", re.IGNORECASE)
INDEX_SUFFIX = re.compile(r"\s*[-\u2013\u2014:|]?\s*\b(?:index|readme)\s*$", re.IGNORECASE)
OVERVIEW_TRACK_SLUG = "start-here"
# A landing page is a pure index when it has fewer words of prose than this outside links and
# headings, and its links are at least half of its words.
PURE_INDEX_PROSE_WORDS = 40


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
    slug: str = ""  # a fixed slug (the overview); otherwise picked from slug_candidates
    slug_candidates: list[str] = field(default_factory=list)
    title: str = ""  # a title given by mkdocs nav, which wins over the H1
    fallback_title: str = ""  # for a file without an H1 ("README" names nothing)
    is_landing: bool = False
    language: str = ""
    translation_of: str = ""  # relative path of the version this one translates


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


def clean_title(text: str) -> str:
    """'Architecture Patterns - Index' → 'Architecture Patterns'; a bare 'Index' → ''."""
    return INDEX_SUFFIX.sub("", text).strip(" -\u2013\u2014:|")


def humanize_name(name: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    spaced = re.sub(r"[-_]+", " ", spaced).strip()
    return spaced[:1].upper() + spaced[1:] if spaced.islower() else spaced


def read_text(path: Path) -> str:
    """A file's text for reading titles and links: what cannot be decoded becomes U+FFFD."""
    return decode_markdown(path.read_bytes(), errors="replace")[0]


def _name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", Path(name).stem.casefold())


def _prose_lines(text: str) -> list[str]:
    """Lines outside fenced code."""
    return prose_lines(text.split("\n"))


def _heading(line: str) -> tuple[int, str] | None:
    """(level, text) of a heading with text in it."""
    heading = atx_heading(line)
    return heading if heading and heading[1] else None


def _title_and_intro(text: str) -> tuple[str, str]:
    """H1 and the prose before the first H2 of a landing page."""
    title, intro_lines, seen_h1 = "", [], False
    for line in _prose_lines(text):
        heading = _heading(line)
        if heading and heading[0] == 1 and not seen_h1:
            title, seen_h1 = clean_heading(heading[1]), True
            continue
        if heading:
            break
        intro_lines.append(line)
    return title, "\n".join(intro_lines).strip()


def has_task_list(text: str) -> bool:
    return any(TASK_LINE.match(line) for line in _prose_lines(text))


def is_pure_index(text: str) -> bool:
    """Nothing but headings and links to other pages (a table of contents), or nothing at all."""
    prose_words = link_words = 0
    for line in _prose_lines(text):
        if _heading(line) or not line.strip():
            continue
        link_words += len(LINK.findall(line))
        rest = ANY_LINK.sub(" ", line)
        rest = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", " ", rest)
        prose_words += len(re.findall(r"[^\W_]{2,}", rest))
    # A README with nothing under its title is no page either.
    return prose_words < PURE_INDEX_PROSE_WORDS and (link_words > 0 or prose_words == 0)


def _number_in(text: str) -> int | None:
    match = NUMBERED_TITLE.search(text)
    return int(match["number"]) if match else None


def _readme_categories(text: str) -> tuple[dict[str, tuple[str, int]], set[str]]:
    """Map each linked root file (name key) to (category title, order), and excluded names."""
    categories: dict[str, tuple[str, int]] = {}
    excluded: set[str] = set()
    category, in_excluded, order = "", False, 0
    for line in _prose_lines(text):
        heading = _heading(line)
        links = LINK.findall(line)
        if heading and not links:
            in_excluded = bool(EXCLUDED_HEADING.search(heading[1]))
            if heading[0] >= 2 and not in_excluded:
                category = clean_heading(heading[1])
            continue
        if in_excluded:
            excluded.update(_name_key(m["name"]) for m in MENTION.finditer(line))
            continue
        for target in links:
            key = _name_key(target)
            if "/" not in target.strip("./") and key not in categories and category:
                categories[key] = (category, order)
                order += 1
    return categories, excluded


def _is_excluded(name: str, excluded: set[str]) -> bool:
    key = _name_key(name)
    return any(key == entry or (len(entry) >= 6 and key.startswith(entry)) for entry in excluded)


def _skip_reason(relative: str) -> str | None:
    parts = relative.casefold().split("/")
    stem = Path(parts[-1]).stem
    if any(part in META_DIRS for part in parts[:-1]):
        return "repository meta (issue, pull request or CI templates), not a guide"
    if stem in AGENT_STEMS or parts[-1].endswith((".instructions.md", ".prompt.md")):
        return "agent instruction file, not a guide"
    if stem in META_STEMS or stem.removesuffix("s") in META_STEMS:
        return "repository meta file, not a guide"
    return None


def _mkdocs_config(root: Path) -> dict[str, Any] | None:
    for name in ("mkdocs.yml", "mkdocs.yaml"):
        path = root / name
        if path.is_file():
            import yaml  # only for a repository with an mkdocs.yml

            class _AnyTagLoader(yaml.SafeLoader):
                """mkdocs.yml often names Python objects (`!!python/name:...`, `!ENV`): read
                them as None."""

            _AnyTagLoader.add_multi_constructor("", lambda loader, suffix, node: None)
            try:
                data = yaml.load(path.read_text(encoding="utf-8", errors="replace"), _AnyTagLoader)  # noqa: S506 - a SafeLoader subclass
            except yaml.YAMLError:
                return None
            return data if isinstance(data, dict) else None
    return None


def _mkdocs_nav(nav: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(section title, [(page title, path)])]: top-level pages share the section ''."""
    sections: list[tuple[str, list[tuple[str, str]]]] = []

    def pages_of(entry: Any, title: str = "") -> list[tuple[str, str]]:
        if isinstance(entry, str):
            return [] if "://" in entry else [(title, entry)]
        if isinstance(entry, list):
            return [page for item in entry for page in pages_of(item)]
        if isinstance(entry, dict):
            return [page for key, value in entry.items() for page in pages_of(value, str(key))]
        return []

    for item in nav if isinstance(nav, list) else []:
        if isinstance(item, dict) and len(item) == 1:
            ((key, value),) = item.items()
            if isinstance(value, list):
                sections.append((str(key), pages_of(value)))
                continue
        loose = pages_of(item)
        if sections and sections[-1][0] == "":
            sections[-1][1].extend(loose)
        elif loose:
            sections.append(("", loose))
    return sections


@dataclass
class _File:
    path: Path
    relative: str  # from the repository root
    folder: str  # from the repository root, "" at the top
    text: str = ""


def _gitignore_pattern(line: str) -> Any:
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern  # only with .guideignore

    return GitIgnoreSpecPattern(line)


class _Ignore:
    """`.guideignore` in gitignore syntax (pathspec); says which pattern excluded a path."""

    def __init__(self, lines: list[str]) -> None:
        self.patterns = [
            (line.strip(), pattern)
            for line in lines
            if (pattern := _gitignore_pattern(line.rstrip("\n"))).include is not None
        ]

    def reason(self, relative: str) -> str | None:
        matched = None
        for line, pattern in self.patterns:
            if pattern.match_file(relative) is not None:
                matched = line if pattern.include else None
        return f"ignored by .guideignore pattern {matched!r}" if matched else None


def _walk(root: Path, base: Path, ignore: _Ignore, layout: Layout) -> list[_File]:
    """Markdown files under `base`, in natural order; other files are counted per folder."""
    files: list[_File] = []
    others: dict[str, int] = {}
    for directory, dirnames, filenames in os.walk(base):
        rel_dir = Path(directory).relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        kept = []
        for name in dirnames:
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if name.casefold() in SKIPPED_DIRS or name.startswith("."):
                if name.casefold() in META_DIRS:
                    layout.skipped.append(
                        SkippedFile(rel + "/", "repository meta folder, not guides")
                    )
                continue
            if reason := ignore.reason(rel + "/"):
                layout.skipped.append(SkippedFile(rel + "/", reason))
                continue
            kept.append(name)
        dirnames[:] = sorted(kept, key=natural_key)
        for name in sorted(filenames, key=natural_key):
            relative = f"{rel_dir}/{name}" if rel_dir else name
            if Path(name).suffix.casefold() not in MARKDOWN_SUFFIXES:
                if rel_dir:
                    top = rel_dir.split("/", 1)[0]
                    others[top] = others.get(top, 0) + 1
                elif name != ".guideignore" and not name.startswith("."):
                    suffix = Path(name).suffix or "no extension"
                    layout.skipped.append(SkippedFile(relative, f"not a Markdown file ({suffix})"))
                continue
            if reason := ignore.reason(relative):
                layout.skipped.append(SkippedFile(relative, reason))
                continue
            files.append(_File(Path(directory) / name, relative, rel_dir))
    for top, count in others.items():
        layout.skipped.append(
            SkippedFile(f"{top}/", f"{count} file{'s' if count != 1 else ''} not in Markdown")
        )
    return files


def _translation_base(file: _File, by_relative: dict[str, _File]) -> tuple[str, str] | None:
    """(relative path of the original, language code) when `file` translates another file."""
    stem, suffix = Path(file.relative).stem, Path(file.relative).suffix
    folder = file.folder
    match = LANGUAGE_SUFFIX.match(stem)
    if match and LANGUAGE_CODE.match(match["code"]):
        code = match["code"]
        places = [folder]
        parent = folder.rsplit("/", 1)[0] if "/" in folder else ""
        if folder and folder.rsplit("/", 1)[-1].casefold() in TRANSLATION_DIRS:
            places.append(parent)
        for place in places:
            for ext in (suffix, ".md", ".markdown"):
                base = f"{place}/{match['base']}{ext}" if place else f"{match['base']}{ext}"
                if base in by_relative and base != file.relative:
                    return base, _normal_code(code)
    parts = file.relative.split("/")
    for index, part in enumerate(parts[:-1]):
        if not LANGUAGE_CODE.match(part) or part.casefold() == "en":
            continue
        without = "/".join(parts[:index] + parts[index + 1 :])
        as_english = "/".join([*parts[:index], "en", *parts[index + 1 :]])
        for base in (without, as_english):
            if base in by_relative:
                return base, _normal_code(part)
    return None


def _normal_code(code: str) -> str:
    lang, _, region = code.replace("_", "-").partition("-")
    if not region:
        return lang.lower()
    return f"{lang.lower()}-{region.title() if len(region) == 4 else region.upper()}"


def language_name(code: str) -> str:
    lang, _, region = code.partition("-")
    name = LANGUAGE_NAMES.get(lang.lower(), code)
    return f"{name} ({region})" if region and name != code else name


def _landing(files: list[_File]) -> _File | None:
    by_stem = {Path(f.relative).stem.casefold(): f for f in files}
    return next((by_stem[stem] for stem in LANDING_STEMS if stem in by_stem), None)


def _slug_candidates(relative: str, *, landing: bool, label: str) -> list[str]:
    """From the most to the least specific-but-short: name, folder + name, ... full path."""
    parts = [p for p in relative.split("/")]
    stem = Path(parts[-1]).stem
    folders = parts[:-1]
    names = (folders or [label]) if landing else [*folders, humanize_filename(stem)]
    candidates = []
    for take in range(1, len(names) + 1):
        slug = slugify("-".join(names[-take:]))[:190].strip("-")
        if slug and slug not in candidates:
            candidates.append(slug)
    labelled = slugify(f"{label}-{'-'.join(names)}")[:190].strip("-")
    if labelled and labelled not in candidates:
        candidates.append(labelled)
    return candidates or ["guide"]


def discover(root: Path) -> Layout:
    root = root.resolve()
    if root.is_file():
        layout = Layout(label=root.parent.name or "guides")
        slug = slugify(root.stem) or "guide"
        layout.tracks.append(TrackSpec(slug=slug, title=root.stem, kind="category", position=0))
        layout.guides.append(
            GuideSpec(root, root.name, slug, 0, slug_candidates=[slug], fallback_title=root.stem)
        )
        return layout

    layout = Layout(label=root.name)
    ignore_file = root / ".guideignore"
    ignore_lines = (
        ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
        if ignore_file.is_file()
        else []
    )
    ignore = _Ignore(ignore_lines)
    config = _mkdocs_config(root)
    base = root
    if config is not None:
        docs_dir = str(config.get("docs_dir") or "docs").strip("/")
        if (root / docs_dir).is_dir() and ".." not in docs_dir:
            base = root / docs_dir
    all_files = _walk(root, base, ignore, layout)
    by_relative = {f.relative: f for f in all_files}

    readme = next(
        (f for f in all_files if f.folder == "" and Path(f.relative).stem.casefold() == "readme"),
        None,
    )
    categories: dict[str, tuple[str, int]] = {}
    excluded: set[str] = set()
    if readme is not None:
        readme.text = read_text(readme.path)
        categories, excluded = _readme_categories(readme.text)

    pages: list[_File] = []
    translations: list[tuple[_File, str, str]] = []
    for file in all_files:
        reason = _skip_reason(file.relative)
        excludable = file.folder == "" and file is not readme
        if reason is None and excludable and _is_excluded(file.relative, excluded):
            reason = "listed as excluded in the README"
        if reason:
            layout.skipped.append(SkippedFile(file.relative, reason))
            continue
        found = _translation_base(file, by_relative)
        if found and _skip_reason(found[0]) is None:
            translations.append((file, *found))
        else:
            pages.append(file)

    folders: dict[str, list[_File]] = {}
    for file in pages:
        folders.setdefault(file.folder, []).append(file)
    landings: dict[str, _File] = {}
    for folder, files in folders.items():
        landing = _landing(files)
        if landing is None:
            continue
        landing.text = landing.text or read_text(landing.path)
        landings[folder] = landing
        if is_pure_index(landing.text) and not has_task_list(landing.text):
            layout.skipped.append(
                SkippedFile(landing.relative, "pure index of links: read for order and titles")
            )
            files.remove(landing)

    # Where each page goes: (track key, order within it). Track keys are folders, or
    # ("category", title) for root files grouped by the README, or ("nav", title) for mkdocs.
    placed: dict[str, tuple[str, tuple]] = {}
    track_titles: dict[str, str] = {}
    track_order: dict[str, tuple] = {}
    titles: dict[str, str] = {}

    nav = _mkdocs_nav(config.get("nav")) if config else []
    base_rel = base.relative_to(root).as_posix()
    base_rel = "" if base_rel == "." else base_rel
    for section_index, (section, entries) in enumerate(nav):
        key = f"nav:{section_index}"
        site_name = str(config.get("site_name") or "") if config else ""
        track_titles[key] = section or site_name
        track_order[key] = (1, section_index)
        for entry_index, (title, target) in enumerate(entries):
            relative = f"{base_rel}/{target}".lstrip("/") if base_rel else target
            relative = os.path.normpath(relative).replace(os.sep, "/")
            if relative in by_relative and relative not in placed:
                placed[relative] = (key, (entry_index,))
                if title:
                    titles[relative] = title

    overview = readme if readme is not None and readme in folders.get("", []) else None
    for file in folders.get("", []):
        if file.relative in placed:
            continue
        if file is overview:
            placed[file.relative] = (OVERVIEW_TRACK_SLUG, (0,))
            continue
        category, order = categories.get(_name_key(file.relative), ("", 10_000))
        key = f"category:{category or 'Guides'}"
        track_titles[key] = category or "Guides"
        track_order.setdefault(key, (2, order))
        placed[file.relative] = (key, (order, natural_key(file.relative)))

    # Folder tracks. A folder with one page (and no number) joins its nearest ancestor's track.
    numbers: dict[str, int | None] = {}
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
            title, intro = _title_and_intro(landing.text)
            number = _number_in(title) or _number_in(landing.text[:1500])
        numbers[folder] = number
        ancestor = next(
            (a for a in _ancestors(folder) if a in keeps_track),
            None,
        )
        parent = folder.rsplit("/", 1)[0] if "/" in folder else ""
        if ancestor is None and parent and len(files) == 1 and number is None:
            # One page per folder (a README per solution): the folders' parent is the track.
            ancestor = parent
            keeps_track.add(parent)
            parent_landing = landings.get(parent)
            parent_title = _title_and_intro(parent_landing.text)[0] if parent_landing else ""
            track_titles[parent] = clean_title(parent_title) or humanize_name(
                parent.rsplit("/", 1)[-1]
            )
            track_order[parent] = (3, _folder_key(parent, numbers))
        if len(files) >= 2 or number is not None or ancestor is None:
            keeps_track.add(folder)
            title = clean_title(_title_and_intro(landing.text)[0]) if landing else ""
            track_titles[folder] = title or humanize_name(name)
            track_order[folder] = (3, _folder_key(folder, numbers))
            order_links = [_name_key(t) for t in LINK.findall(landing.text)] if landing else []
            for file in files:
                key_name = _name_key(file.relative)
                in_links = order_links.index(key_name) if key_name in order_links else 10_000
                first = 0 if file is landing else 1
                placed[file.relative] = (folder, (0, first, in_links, _page_key(file)))
        else:
            for file in files:
                placed[file.relative] = (ancestor, (1, natural_key(file.relative)))

    # Tracks in order; slugs from the folder path (stable), positions from 0.
    used_keys = {key for key, _ in placed.values()}
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
            intro = _title_and_intro(landing.text)[1] if landing else ""
            number = numbers.get(key)
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

    overview_slug = ""
    if overview is not None:
        # Named after its title: every repository has a README.md, so "readme" would clash.
        overview_slug = slugify(clean_title(_title_and_intro(overview.text)[0])) or "overview"
    by_track: dict[str, list[tuple[tuple, _File]]] = {}
    for page in pages:
        if page.relative in placed:
            track_key, page_order = placed[page.relative]
            by_track.setdefault(track_key, []).append((page_order, page))
    for track_key in ordered:
        track_pages = sorted(by_track.get(track_key, []), key=lambda entry: entry[0])
        for position, (_order, page) in enumerate(track_pages):
            is_landing = landings.get(page.folder) is page
            candidates = _slug_candidates(page.relative, landing=is_landing, label=layout.label)
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
                    title=titles.get(page.relative, ""),
                    fallback_title=humanize_filename(
                        folder_name if is_landing else Path(page.relative).stem
                    ),
                    is_landing=is_landing,
                )
            )

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
    return layout


def _ancestors(folder: str) -> list[str]:
    parts = folder.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def _folder_key(folder: str, numbers: dict[str, int | None]) -> tuple:
    """Each path segment sorts by its number when it has one, else after the numbered ones."""
    key = []
    parts = folder.split("/")
    for index in range(len(parts)):
        path = "/".join(parts[: index + 1])
        number = numbers.get(path)
        if number is None and (match := NUMBERED_NAME.match(parts[index])):
            number = int(match["number"])
        key.append((0, number, []) if number is not None else (1, 0, natural_key(parts[index])))
    return tuple(key)


def _page_key(file: _File) -> tuple:
    name = Path(file.relative).stem
    match = NUMBERED_NAME.match(name)
    return (0, int(match["number"]), []) if match else (1, 0, natural_key(name))

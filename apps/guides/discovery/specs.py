"""What discovery hands the importer: tracks, pages and the files it skipped, with reasons."""

from dataclasses import dataclass, field
from pathlib import Path


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


@dataclass
class SourceFile:
    path: Path
    relative: str  # from the repository root
    folder: str  # from the repository root, "" at the top
    text: str = ""

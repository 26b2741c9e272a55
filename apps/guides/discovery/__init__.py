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

The package, one purpose a module: `files` (the walk and `.guideignore`), `reading` (what landing
pages and the README say), `ordering` (natural order and slugs), `translations`, `mkdocs`, and
`layout` (`discover`, assembling them in named steps); `specs` holds what it returns.
"""

from apps.guides.discovery.files import MARKDOWN_SUFFIXES
from apps.guides.discovery.layout import OVERVIEW_TRACK_SLUG, discover, fallback_title
from apps.guides.discovery.ordering import natural_key
from apps.guides.discovery.reading import (
    INDEX_NAMES,
    clean_heading,
    clean_title,
    has_task_list,
    humanize_name,
    is_pure_index,
    read_text,
)
from apps.guides.discovery.specs import GuideSpec, Layout, SkippedFile, TrackSpec
from apps.guides.discovery.translations import language_name

__all__ = [
    "INDEX_NAMES",
    "MARKDOWN_SUFFIXES",
    "OVERVIEW_TRACK_SLUG",
    "GuideSpec",
    "Layout",
    "SkippedFile",
    "TrackSpec",
    "clean_heading",
    "clean_title",
    "discover",
    "fallback_title",
    "has_task_list",
    "humanize_name",
    "is_pure_index",
    "language_name",
    "natural_key",
    "read_text",
]

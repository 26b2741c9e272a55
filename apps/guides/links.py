"""Links between a repository's guides: relative Markdown paths in the stored HTML become the
library's URLs."""

import posixpath
import re
from urllib.parse import unquote

from django.db.models import Q
from django.urls import reverse

from apps.guides.discovery import INDEX_NAMES
from apps.guides.models import Guide, Track

# The import runs outside any request and needs two of the library's URLs. The guides app's
# URLconf is mounted at the site's root (a test keeps the two in step), so reversing against it
# gives the site's own URLs; the site's URLconf would import every app's views and allauth's
# URLs on the first reverse(), 0.18-0.27 s of an import's CPU.
GUIDES_URLCONF = "apps.guides.urls"


def guide_url(slug: str) -> str:
    return reverse("guide", urlconf=GUIDES_URLCONF, kwargs={"slug": slug})


def home_url() -> str:
    return reverse("home", urlconf=GUIDES_URLCONF)


# href="phase1-foundations/INDEX.md": relative, not a URL with a scheme, a path or a fragment.
RELATIVE_MARKDOWN_LINK = re.compile(
    r'href="(?P<target>(?![a-z][a-z0-9+.-]*:|/|#)[^"#]+\.(?:md|markdown))(?P<fragment>#[^"]*)?"',
    re.IGNORECASE,
)


def relative_links_resolve(
    *,
    label: str,
    guide: Guide | None = None,
    renamed: dict[str, str] | None = None,
    written: dict[int, Guide | None] | None = None,
) -> None:
    """Guides link to each other, and the README to phase folders' INDEX files, by relative
    path (`./Other.md#part`), which means nothing under /guides/: point those links at the
    library's pages. Every guide of the repository, or just `guide`; a link to a file that is
    not an imported guide is left as written.

    `written`: the guides an import has just stored, by id, each with its HTML when it holds a
    relative link (None when it holds none): those are not read back from the database (an
    import of learn-resources read 1.2 MB of HTML to find the few links)."""
    written = written or {}
    linking = Guide.objects.filter(
        Q(body_html__icontains='.md"') | Q(body_html__icontains=".md#")
        | Q(summary_html__icontains='.md"') | Q(summary_html__icontains=".md#"),
        source_path__startswith=f"{label}/",
        is_archived=False,
    ).only("source_path", "body_html", "summary_html")  # fmt: skip
    if guide is not None:
        linking = linking.filter(pk=guide.pk)
    if written:
        linking = linking.exclude(pk__in=list(written))
    candidates = [*linking, *(stored for stored in written.values() if stored is not None)]
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
            path = (renamed or {}).get(path, path)
            if path in guide_slugs:
                url = guide_url(guide_slugs[path])
                return f'href="{url}{match["fragment"] or ""}"'
            directory, name = posixpath.split(path)
            if name.casefold() in INDEX_NAMES and directory in track_slugs:
                return f'href="{home_url()}#track-{track_slugs[directory]}"'
            return match[0]

        body = RELATIVE_MARKDOWN_LINK.sub(resolve, candidate.body_html)
        summary = RELATIVE_MARKDOWN_LINK.sub(resolve, candidate.summary_html)
        if (body, summary) != (candidate.body_html, candidate.summary_html):
            Guide.objects.filter(pk=candidate.pk).update(body_html=body, summary_html=summary)


def relative_links_held(guide: Guide) -> bool:
    """Whether `guide`'s HTML holds a link `relative_links_resolve` may point elsewhere."""
    return any(RELATIVE_MARKDOWN_LINK.search(h) for h in (guide.body_html, guide.summary_html))

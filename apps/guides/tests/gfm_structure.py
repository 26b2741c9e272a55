"""The structure a reader sees in rendered Markdown, to compare the portal with GitHub (cmark-gfm).

Both HTMLs are reduced to features - headings, list items with their depth, table cells, code
blocks, links and task boxes - each keyed by kind and normalised text. A feature GitHub shows
that the portal lacks is a loss; losses are grouped into regions, the top-level block of the
GitHub rendering (with its source line) that holds them.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote

import cmarkgfm
from cmarkgfm.cmark import Options

from apps.core.markdown_guard import strip_mermaid_config
from apps.guides.glossary import find_glossaries
from apps.guides.rendering import RenderedGuide

GITHUB_OPTIONS = (
    Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_SOURCEPOS | Options.CMARK_OPT_FOOTNOTES
)
VOID = {"br", "hr", "img", "input", "wbr", "meta", "link"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass(frozen=True)
class Feature:
    kind: str  # heading, item, task, table, cell, code, link
    key: str
    line: int  # source line of the top-level block holding it (GitHub side), 0 if unknown


def _norm(text: str, limit: int = 80) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()[:limit]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.features: list[Feature] = []
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.block_line = 0
        # Open text buffers: (kind, depth-in-stack, extra, parts)
        self.buffers: list[list] = []
        self.skip_depth: int | None = None  # inside a permalink anchor
        self.table_rows: list[int] = []

    # Helpers -----------------------------------------------------------------------------
    def _add(self, kind: str, key: str) -> None:
        self.features.append(Feature(kind, key, self.block_line))

    def _list_depth(self) -> int:
        return sum(1 for tag, _ in self.stack if tag in ("ul", "ol"))

    def _list_type(self) -> str:
        return next((tag for tag, _ in reversed(self.stack) if tag in ("ul", "ol")), "ul")

    # Parser callbacks --------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag in VOID:
            if tag == "input" and attributes.get("type") == "checkbox":
                self._mark_task()
            return
        if len(self.stack) == 0 and "data-sourcepos" in attributes:
            self.block_line = int(attributes["data-sourcepos"].split(":")[0])
        depth = len(self.stack)
        self.stack.append((tag, attributes))
        if self.skip_depth is not None:
            return
        if tag == "a" and "headerlink" in attributes.get("class", ""):
            self.skip_depth = depth
            return
        if tag in HEADINGS:
            self.buffers.append(["heading", depth, tag[1], []])
        elif tag == "li":
            self.buffers.append(["item", depth, f"{self._list_type()}{self._list_depth()}", []])
        elif tag in ("td", "th"):
            self.buffers.append(["cell", depth, "", []])
        elif tag == "pre":
            self.buffers.append(["code", depth, "", []])
        elif tag == "a" and attributes.get("href"):
            # cmark-gfm percent-encodes what Python-Markdown leaves as typed.
            self._add("link", unquote(attributes["href"]))
        elif tag == "table":
            self.table_rows.append(0)
        elif tag == "tr" and self.table_rows:
            self.table_rows[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        # Tolerate unbalanced HTML: pop to the matching tag.
        index = next(
            (i for i in range(len(self.stack) - 1, -1, -1) if self.stack[i][0] == tag), None
        )
        if index is None:
            return
        while len(self.stack) > index:
            self.stack.pop()
            self._close(len(self.stack))
        if tag == "table" and self.table_rows:
            self._add("table", f"{self.table_rows.pop()} rows")

    def _close(self, depth: int) -> None:
        if self.skip_depth == depth:
            self.skip_depth = None
        while self.buffers and self.buffers[-1][1] >= depth:
            kind, _, extra, parts = self.buffers.pop()
            text = "".join(parts)
            if kind == "heading":
                # `{#id}` is an attribute list to the portal and literal text to GitHub.
                text = re.sub(r"\s*\{[#.][^}]*\}\s*$", "", text)
                self._add("heading", f"h{extra} {_norm(text)}")
            elif kind in ("item", "task"):
                self._add("item", f"{extra} {_norm(text, 50)}")
                if kind == "task":
                    self._add("task", _norm(text, 50))
            elif kind == "cell":
                self._add("cell", _norm(text, 50))
            elif kind == "code":
                # Deliberate: Mermaid's own configuration (`%%{init}%%`, front matter `config:`)
                # is stripped from diagrams so they cannot restyle the page; compare both sides
                # without it.
                self._add("code", _norm(strip_mermaid_config(text), 120))

    def handle_data(self, data: str) -> None:
        if self.skip_depth is not None:
            return
        for buffer in self.buffers:
            if buffer[0] in ("item", "task") and any(
                tag in ("ul", "ol", "pre", "table", "blockquote", "div")
                for tag, _ in self.stack[buffer[1] + 1 :]
            ):
                continue  # nested blocks' text is not the item's own
            buffer[3].append(data)

    def handle_comment(self, data: str) -> None:
        if data.startswith("task:"):
            self._mark_task()

    def _mark_task(self) -> None:
        item = next((b for b in reversed(self.buffers) if b[0] == "item"), None)
        if item is not None:
            item[0] = "task"


def features(html: str) -> list[Feature]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    while collector.stack:
        collector.stack.pop()
        collector._close(len(collector.stack))
    return collector.features


def github_html(text: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(text, options=GITHUB_OPTIONS)


def github_features(text: str) -> list[Feature]:
    """What GitHub shows, minus glossary sections: the portal deliberately renders those as a
    definition list (one entry per term, whatever list or heading format the author used)."""
    lines = text.split("\n")
    glossary_lines: set[int] = set()
    for block in find_glossaries(text):
        if not any(
            line.lstrip().startswith(("```", "~~~")) for line in lines[block.start : block.end]
        ):
            # 1-based lines of the section body, after its heading.
            glossary_lines.update(range(block.start + 2, block.end + 1))
    return [f for f in features(github_html(text)) if f.line not in glossary_lines]


def portal_features(guide: RenderedGuide) -> list[Feature]:
    """What the portal shows. Its deliberate differences are mapped back here: the first H1 is
    the page title, and `[term](#glossary)` links point at the term's own anchor."""
    found = [Feature("heading", f"h1 {_norm(guide.title)}", 0)]
    for feature in features(guide.body_html):
        if feature.kind == "link" and feature.key.startswith("#term-"):
            feature = Feature("link", "#glossary", feature.line)
        found.append(feature)
    return found


def lost_regions(text: str, guide: RenderedGuide) -> dict[int, list[Feature]]:
    """Source line of each top-level block where the portal shows less than GitHub → the lost
    features."""
    regions: dict[int, list[Feature]] = defaultdict(list)
    for feature in losses(github_features(text), portal_features(guide)):
        regions[feature.line].append(feature)
    return dict(regions)


def losses(github: list[Feature], portal: list[Feature]) -> list[Feature]:
    """Features GitHub shows that the portal does not (a multiset difference, order-free)."""
    available = Counter((f.kind, f.key) for f in portal)
    lost = []
    for feature in github:
        if available[(feature.kind, feature.key)] > 0:
            available[(feature.kind, feature.key)] -= 1
        else:
            lost.append(feature)
    return lost

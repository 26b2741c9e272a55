"""Exercises: `[ ]`/`[x]` list items collected while Markdown builds the tree, keyed so that
edits elsewhere in the guide keep each learner's ticks, and resolved to their sections."""

import hashlib
import html
import re
import unicodedata
import xml.etree.ElementTree as etree
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from apps.guides.rendering.results import RenderedSection, RenderedTask

STASH = re.compile(r"\x02wzxhzdk:\d+\x03")
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def normalize_task_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[`*_~\[\]()]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def task_key(*, parent_text: str, text: str, occurrence: int) -> str:
    # The key depends on the item's own words, its parent's and how many identical siblings
    # came before it; edits elsewhere in the guide leave it unchanged.
    basis = f"{normalize_task_text(parent_text)}\x1f{normalize_task_text(text)}\x1f{occurrence}"
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


class _TaskCollector(Treeprocessor):
    """Turns `[ ]`/`[x]` list items into keyed placeholders and records them in order."""

    CHECKBOX = re.compile(r"^ *\[(?P<state>[xX ])\] +", re.DOTALL)

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        # Markdown skips tree processors for an empty document, so start empty here.
        self.tasks: list[dict[str, Any]] = []

    def run(self, root: etree.Element) -> None:
        self.tasks = []
        self.occurrences: dict[tuple[str, str], int] = {}
        self.h2_count = 0
        self.heading = ""
        self._walk(root, parent_text="", depth=0)

    def _walk(self, element: etree.Element, *, parent_text: str, depth: int) -> None:
        for child in element:
            if child.tag in ("h1", "h2"):
                self.h2_count += 1
            if child.tag in HEADING_TAGS:
                self.heading = re.sub(r"\s+", " ", STASH.sub("", "".join(child.itertext()))).strip()
            if child.tag == "li" and (item := self._task(child, parent_text, depth)):
                self._walk(child, parent_text=item, depth=depth + 1)
            else:
                self._walk(child, parent_text=parent_text, depth=depth)

    def _task(self, li: etree.Element, parent_text: str, depth: int) -> str | None:
        holder = li
        if not li.text and len(li) and li[0].tag == "p":
            holder = li[0]
        match = self.CHECKBOX.match(holder.text or "")
        if match is None:
            return None
        holder.text = (holder.text or "")[match.end() :]
        text = _item_text(li)
        normalized = (normalize_task_text(parent_text), normalize_task_text(text))
        occurrence = self.occurrences.get(normalized, 0)
        self.occurrences[normalized] = occurrence + 1
        key = task_key(parent_text=parent_text, text=text, occurrence=occurrence)
        marker = self.md.htmlStash.store(f'<span class="task-box" id="taskbox-{key}"></span>')
        holder.text = marker + (holder.text or "")
        li.set("class", (li.get("class", "") + " task-list-item").strip())
        self.tasks.append(
            {
                "key": key,
                "text": text,
                "checked": match["state"] in "xX",
                "depth": depth,
                "section_index": self.h2_count,
                "parent_text": parent_text,
                "heading": self.heading,
            }
        )
        return text


def _item_text(li: etree.Element) -> str:
    """Visible text of a list item without its nested lists."""
    parts: list[str] = []

    def collect(element: etree.Element, top: bool) -> None:
        if not top and element.tag in ("ul", "ol"):
            return
        if element.text:
            parts.append(element.text)
        for child in element:
            collect(child, False)
            if child.tail:
                parts.append(child.tail)

    collect(li, True)
    text = STASH.sub("", "".join(parts))
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


class _TaskExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_TaskCollector(md), "portal-tasks", 25)


def _rendered_tasks(
    collected: list[dict[str, Any]], sections: list[RenderedSection]
) -> list[RenderedTask]:
    """The collector's items with their section and parent resolved (a parent is the nearest
    earlier item with the parent's text), and their text capped for storage."""
    anchors_by_index = {index + 1: section.anchor for index, section in enumerate(sections)}
    return [
        RenderedTask(
            key=task["key"],
            text=task["text"][:1000],
            section_anchor=anchors_by_index.get(task["section_index"], ""),
            parent_key=_parent_key(collected, position),
            depth=task["depth"],
            position=position,
            checked=task["checked"],
            heading=task["heading"][:200],
        )
        for position, task in enumerate(collected)
    ]


def _parent_key(collected: list[dict[str, Any]], position: int) -> str:
    parent_text = collected[position]["parent_text"]
    if not parent_text:
        return ""
    parent = next((t for t in reversed(collected[:position]) if t["text"] == parent_text), None)
    return parent["key"] if parent else ""

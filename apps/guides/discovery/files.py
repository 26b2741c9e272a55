"""Which files of a repository are candidate pages: the walk, `.guideignore` (gitignore syntax,
read with pathspec) and the files that are repository meta or agent instructions."""

import os
from pathlib import Path
from typing import Any

from apps.guides.discovery.ordering import natural_key
from apps.guides.discovery.specs import Layout, SkippedFile, SourceFile

MARKDOWN_SUFFIXES = {".md", ".markdown"}
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


def skip_reason(relative: str) -> str | None:
    parts = relative.casefold().split("/")
    stem = Path(parts[-1]).stem
    if any(part in META_DIRS for part in parts[:-1]):
        return "repository meta (issue, pull request or CI templates), not a guide"
    if stem in AGENT_STEMS or parts[-1].endswith((".instructions.md", ".prompt.md")):
        return "agent instruction file, not a guide"
    if stem in META_STEMS or stem.removesuffix("s") in META_STEMS:
        return "repository meta file, not a guide"
    return None


def _gitignore_pattern(line: str) -> Any:
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern  # only with .guideignore

    return GitIgnoreSpecPattern(line)


class IgnoreRules:
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


def markdown_files(root: Path, base: Path, ignore: IgnoreRules, layout: Layout) -> list[SourceFile]:
    """Markdown files under `base`, in natural order; other files are counted per folder."""
    files: list[SourceFile] = []
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
            files.append(SourceFile(Path(directory) / name, relative, rel_dir))
    for top, count in others.items():
        layout.skipped.append(
            SkippedFile(f"{top}/", f"{count} file{'s' if count != 1 else ''} not in Markdown")
        )
    return files


def ignore_rules(root: Path) -> IgnoreRules:
    """The rules of the repository's `.guideignore`, if it has one."""
    ignore_file = root / ".guideignore"
    ignore_lines = (
        ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
        if ignore_file.is_file()
        else []
    )
    return IgnoreRules(ignore_lines)

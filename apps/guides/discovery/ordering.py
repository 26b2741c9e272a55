"""Natural order of folders and pages, and the slugs a page may take."""

import re
from pathlib import Path

from django.utils.text import slugify

from apps.guides.discovery.specs import SourceFile
from apps.guides.rendering import humanize_filename

# "phase2-architecture", "02-intro", "week_3", "3. basics": a folder numbered at its start.
NUMBERED_NAME = re.compile(r"^(?:[a-z]+[-_ ]?)?(?P<number>\d{1,3})(?:$|[-_. ])", re.IGNORECASE)


def natural_key(text: str) -> list[int | str]:
    """'phase10' sorts after 'phase9'."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text)]


def ancestors(folder: str) -> list[str]:
    parts = folder.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def folder_key(folder: str, numbers: dict[str, int | None]) -> tuple:
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


def page_key(file: SourceFile) -> tuple:
    name = Path(file.relative).stem
    match = NUMBERED_NAME.match(name)
    return (0, int(match["number"]), []) if match else (1, 0, natural_key(name))


def slug_candidates(relative: str, *, landing: bool, label: str) -> list[str]:
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

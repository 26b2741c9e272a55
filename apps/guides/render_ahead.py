"""Rendering a repository while the import command starts.

`manage.py import_guides PATH` spends its first 0.7-0.9 s setting Django up (importing it, the
apps, their models and admin modules) on one core while the other waits. Rendering needs none of
that (no database, no app registry: only the settings), so manage.py calls
`render_ahead_for_command` before Django sets up: a child finds the repository's pages and
renders every one of them (bounded like any render, see `apps.core.markdown_guard.Ahead`), and
the import takes those renders (`render_ahead_claim`) for the files it finds changed, by path and
by their bytes: a file that changed in between, or that the child did not plan, is rendered then
as usual, and renders nobody asks for (an unchanged file) are dropped unread.

This module is imported before Django is set up: it imports nothing of Django or of the renderer
at its top, so the child, not the command, pays for importing the renderer.
"""

import atexit
import functools
import hashlib
import logging
import os
from pathlib import Path

from apps.core.markdown_guard import Ahead, start_ahead

logger = logging.getLogger(__name__)

_started: dict[Path, "AheadGroup"] = {}

# The options of `import_guides` (and Django's own) that leave what the import renders as the
# settings say; with any other (--settings, --pythonpath: another configuration) nothing starts.
_FLAGS = {"--dry-run", "--json", "--no-color", "--force-color", "--traceback", "--skip-checks"}
_WITH_VALUE = {"-v", "--verbosity"}


def render_ahead_fingerprint(raw: bytes, fallback_title: str) -> str:
    return hashlib.sha256(raw + b"\0" + fallback_title.encode()).hexdigest()


def render_ahead_for_command(args: list[str]) -> None:
    """Start rendering the repository `import_guides args` will import, if the arguments are
    plainly one existing path and options that change nothing of the rendering."""
    paths: list[str] = []
    arguments = iter(args)
    for argument in arguments:
        if argument in _WITH_VALUE:
            next(arguments, None)
        elif argument.startswith("--verbosity=") or argument in _FLAGS:
            continue
        elif argument.startswith("-"):
            return
        else:
            paths.append(argument)
    if len(paths) == 1 and Path(paths[0]).exists():
        try:
            render_ahead(Path(paths[0]))
        except Exception:  # only a head start: the command says what is wrong
            logger.debug("no rendering ahead of the import", exc_info=True)


# A repository with more Markdown than this gets two render children (when the machine has two
# CPUs): its rendering outlasts Django's start-up and the import's writes, which one child
# shares a core with. Below it, a second child only slows the start-up down (bench/import.py:
# learn-resources, 1.2 MB, is best with one; 30 files of 130 KB, 3.8 MB, with two).
TWO_CHILDREN_BYTES = 2 * 1024 * 1024


class AheadGroup:
    """The render children started for one repository, each with its share of the pages."""

    MISSING = Ahead.MISSING

    def __init__(self, children: list[Ahead]) -> None:
        self.children = children

    @property
    def is_open(self) -> bool:
        return all(child.is_open for child in self.children)

    def take(self, name: str, fingerprint: str, *, seconds: float) -> object:
        """The outcome of page `name` from the child that planned it (see `Ahead.take`)."""
        for child in self.children:
            outcome = child.take(name, fingerprint, seconds=seconds)
            if outcome is not Ahead.MISSING or not child.is_open:
                return outcome
        return Ahead.MISSING

    def close(self) -> None:
        for child in self.children:
            child.close()


def render_ahead(path: Path) -> None:
    """Fork the children that render every page `discover(path)` finds, in its order."""
    root = path.resolve()
    if root in _started:
        return
    files = [root] if root.is_file() else root.rglob("*")
    size = sum(file.stat().st_size for file in files if file.suffix.lower() in (".md", ".markdown"))
    count = 2 if size > TWO_CHILDREN_BYTES and len(os.sched_getaffinity(0)) >= 2 else 1
    if count > 1:
        # Three processes for two cores: none idles while this one imports the renderer and
        # builds its parsers once for both children (bench/import.py, large: 1.04x -> 0.94x).
        # One child imports them itself, while this process sets Django up on the other core
        # (learn-resources, A/B: 2.80 -> 2.55 s); done here first, a core would idle meanwhile.
        from apps.guides.rendering.inline import _inline_render
        from apps.guides.rendering.parser import _guide_markdown

        _guide_markdown()
        _inline_render("*warm*")
    group = AheadGroup(
        [
            start_ahead(functools.partial(_plan, root, share, count), _file_render)
            for share in range(count)
        ]
    )
    _started[root] = group
    atexit.register(group.close)  # never left running after the command


def render_ahead_claim(path: Path) -> AheadGroup | None:
    """The renders started for `path`, once: the import that asks takes them over."""
    return _started.pop(path.resolve(), None)


def _plan(  # pragma: no cover - runs in the child
    root: Path, share: int, shares: int
) -> list[tuple[str, str, tuple]]:
    """The calls of child `share` of `shares`: each page goes to the child with the fewest
    bytes so far, so the children move through the repository side by side, in its order."""
    from django.conf import settings

    from apps.guides.discovery import discover, fallback_title

    calls = []
    assigned = [0] * shares
    for spec in discover(root).guides:
        try:
            raw = spec.path.read_bytes()
        except OSError:
            continue  # the import reports it
        child = assigned.index(min(assigned))
        assigned[child] += len(raw)
        if child != share:
            continue
        title = fallback_title(spec)
        calls.append(
            (
                spec.relative,
                render_ahead_fingerprint(raw, title),
                (raw, title, settings.READING_WORDS_PER_MINUTE, settings.GUIDE_MAX_BYTES),
            )
        )
    return calls


def _file_render(*call: object) -> object:  # pragma: no cover - runs in the child
    from apps.guides.rendering.child import _file_render as render

    return render(*call)  # type: ignore[arg-type]

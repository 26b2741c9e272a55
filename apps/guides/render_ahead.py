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
import hashlib
from pathlib import Path

from apps.core.markdown_guard import Ahead, start_ahead

_started: dict[Path, Ahead] = {}

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
        render_ahead(Path(paths[0]))


def render_ahead(path: Path) -> None:
    """Fork the child that renders every page `discover(path)` finds, in its order."""
    root = path.resolve()
    if root in _started:
        return
    ahead = start_ahead(lambda: _plan(root), _file_render)
    _started[root] = ahead
    atexit.register(ahead.close)  # never left running after the command


def render_ahead_claim(path: Path) -> Ahead | None:
    """The renders started for `path`, once: the import that asks takes them over."""
    return _started.pop(path.resolve(), None)


def _plan(root: Path) -> list[tuple[str, str, tuple]]:  # pragma: no cover - runs in the child
    from django.conf import settings

    from apps.guides.discovery import discover, fallback_title

    calls = []
    for spec in discover(root).guides:
        try:
            raw = spec.path.read_bytes()
        except OSError:
            continue  # the import reports it
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

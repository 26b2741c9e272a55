"""Rendering untrusted text in a time-limited child process: one guide (`render_guide`), or a
batch of files for an import (`guide_files_render`)."""

from collections.abc import Iterator, Sequence

from django.conf import settings
from django.utils.module_loading import import_string

from apps.core.markdown_guard import (
    RenderFailed,
    caller_waiting,
    run_each_with_time_limit,
    run_with_time_limit,
)
from apps.guides.rendering.pipeline import _render_guide
from apps.guides.rendering.results import GuideError, RenderedGuide
from apps.guides.rendering.source import decode_guide


def render_guide(
    text: str,
    *,
    fallback_title: str,
    words_per_minute: int = 220,
    time_limit: float | None = None,
) -> RenderedGuide:
    """Render normalised guide text in a child process with a time limit (settings'
    GUIDE_RENDER_SECONDS unless `time_limit` is given). Raises GuideError, and nothing else,
    for a guide that cannot be rendered: a structural problem, too slow, too deeply nested."""
    if time_limit is None:
        time_limit = settings.GUIDE_RENDER_SECONDS
    try:
        return run_with_time_limit(
            _render_guide,
            text,
            fallback_title=fallback_title,
            words_per_minute=words_per_minute,
            seconds=time_limit,
        )
    except RenderFailed as error:
        raise GuideError(str(error)) from None


# (error, text, rendered): the reason a file failed, or its decoded text and what it renders to.
FileRender = tuple[str, str, "RenderedGuide | None"]


def _file_render(
    raw: bytes, fallback_title: str, words_per_minute: int, max_bytes: int
) -> FileRender:
    try:
        text, warnings = decode_guide(raw, max_bytes=max_bytes)
    except GuideError as error:
        return str(error), "", None
    rendered = _render_guide(text, fallback_title=fallback_title, words_per_minute=words_per_minute)
    rendered.warnings[:0] = warnings
    # Left to the importing process when it is waiting for this render anyway (rendering
    # ahead, see apps.core.markdown_guard.Ahead): it then has the time, this child does not.
    if not caller_waiting():
        for path in settings.GUIDE_RENDER_DERIVATIONS:
            rendered.derived[path] = import_string(path)(rendered)
    return "", text, rendered


def guide_files_render(
    files: Sequence[tuple[bytes, str]],
    *,
    words_per_minute: int,
    max_bytes: int,
    time_limit: float | None = None,
) -> Iterator[FileRender]:
    """Decode and render each (raw bytes, fallback title), in order, each bounded like
    `render_guide`, in one child process for the lot (see `run_each_with_time_limit`), which
    starts rendering before this returns."""
    if time_limit is None:
        time_limit = settings.GUIDE_RENDER_SECONDS
    calls = [(raw, title, words_per_minute, max_bytes) for raw, title in files]
    return _file_outcomes(run_each_with_time_limit(_file_render, calls, seconds=time_limit))


def _file_outcomes(outcomes: Iterator["FileRender | RenderFailed"]) -> Iterator[FileRender]:
    try:
        for outcome in outcomes:
            yield (str(outcome), "", None) if isinstance(outcome, RenderFailed) else outcome
    finally:
        outcomes.close()  # type: ignore[attr-defined]

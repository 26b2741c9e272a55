"""Exercise tick boxes in the stored body: the render leaves a comment where each goes, and
every page that shows the body fills the comments in for its reader."""

import re
from typing import Any

from apps.core.html import sanitize_html

# The sanitiser gives the marker's id the content prefix (taskbox- ids belong to the page).
TASK_MARKER = re.compile(
    r'<span class="task-box" id="user-content-taskbox-(?P<key>[0-9a-f]{16})"></span>'
)
# What the stored body keeps where an exercise's tick goes: each reader's page fills it in (the
# progress app for a signed-in learner, `guide_body_anonymous` for everyone else).
STORED_TASK_MARKER = re.compile(r"<!--task:(?P<key>[0-9a-f]{16})-->")


def _sanitized_with_task_markers(body: str, tasks: list[dict[str, Any]]) -> str:
    """Sanitise, then swap each exercise's box for the stored marker each reader's page fills
    in; a box the collector did not make (typed into the guide as HTML) is dropped."""
    body = sanitize_html(body)
    keys = {task["key"] for task in tasks}
    return TASK_MARKER.sub(lambda m: stored_task_marker(m["key"]) if m["key"] in keys else "", body)


def stored_task_marker(key: str) -> str:
    """The comment `STORED_TASK_MARKER` finds, written at import time for exercise `key`."""
    return f"<!--task:{key}-->"


def guide_body_anonymous(*, body_html: str) -> str:
    """A stored body for a reader without progress (signed out, or the admin's preview): an
    empty box where each exercise's tick would be, keeping its `taskbox-` anchor."""
    return STORED_TASK_MARKER.sub(
        lambda m: f'<span id="taskbox-{m["key"]}" class="task-box" aria-hidden="true"></span>',
        body_html,
    )

"""The progress app's HTML: the tick and "mark as read" controls put into a guide's page, and the
dashboard's activity heatmap. Helpers built with `format_html` (everything interpolated is
escaped) instead of templates: a guide has hundreds of controls and the heatmap 371 cells, and
the template engine per control or cell would cost more than the rest of the page."""

import functools
import re
from collections.abc import Iterable

from django.urls import reverse
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from apps.guides.models import Guide
from apps.guides.rendering import STORED_TASK_MARKER
from apps.progress.models import TaskProgress
from apps.progress.selectors import GuideState, HeatDay

SECTION_HEADING = re.compile(r'(<h[12] id="(?P<anchor>[^"]+)">.*?</h[12]>)', re.DOTALL)

STATE_LABELS: dict[str, str] = {
    TaskProgress.State.TODO: "Not started",
    TaskProgress.State.IN_PROGRESS: "In progress",
    TaskProgress.State.DONE: "Done",
    TaskProgress.State.SKIPPED: "Skipped",
}
# The other states in a control's "⋯" menu, by the label of the button that sets them.
MENU_CHOICES = (("in_progress", "In progress"), ("skipped", "Skip"), ("todo", "Reset"))
HEATMAP_WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "")  # weeks start on Monday


def _slots(*names: str) -> dict[str, SafeString]:
    """Placeholders that format_html passes through unchanged (`{name}` for `name`), so the
    markup can be formatted twice: the fixed parts once, the per-item values per item. The
    fixed parts are constants without braces, so nothing else is read as a slot."""
    return {name: mark_safe(f"{{{name}}}") for name in names}  # noqa: S308 - constant names


@functools.cache
def _task_control_markup(state: str) -> str:
    """The control for an exercise in `state`, every fixed part escaped, with the four slots
    that differ per exercise ({key}, {url}, {csrf_token}, {next_url}) left for format_html.
    Formatting the fixed parts once per state, not once per exercise, keeps a guide page with
    a hundred exercises as fast as the hand-built strings this replaces."""
    done = state == TaskProgress.State.DONE
    label = STATE_LABELS[state]
    mark = "not done" if done else "done"
    slot = _slots("key", "url", "csrf_token", "next_url")
    return format_html(
        '<form id="taskbox-{key}" class="task-control task-control--{state}" method="post" '
        'action="{url}" data-announce="Exercise: {announce}" '
        'hx-post="{url}" hx-target="this" hx-swap="outerHTML">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf_token}">'
        '<input type="hidden" name="next" value="{next_url}">'
        '<button type="submit" name="state" value="{next_state}" class="task-check" '
        'aria-pressed="{pressed}" title="{label}: click to mark {mark}">'
        '<span class="visually-hidden">{label}. Mark {mark}</span></button>'
        '<details class="task-menu"><summary aria-label="More states">⋯</summary>'
        '<div class="task-menu__list">{menu}</div></details>'
        "</form>",
        state=state,
        announce=label.lower(),
        next_state="todo" if done else "done",
        pressed="true" if done else "false",
        label=label,
        mark=mark,
        menu=format_html_join(
            "",
            '<button type="submit" name="state" value="{}" class="task-menu__item">{}</button>',
            ((value, name) for value, name in MENU_CHOICES if value != state),
        ),
        **slot,
    )


def task_control_html(
    *, item_id: int, key: str, state: str, csrf_token: str, next_url: str, url: str = ""
) -> SafeString:
    """The checkbox form for one exercise (or milestone). `url` may be given when the caller
    already reversed it; otherwise it is reversed here."""
    return format_html(
        _task_control_markup(state),
        key=key,
        url=url or reverse("progress:task-set", args=[item_id]),
        csrf_token=csrf_token,
        next_url=next_url,
    )


@functools.cache
def _section_control_markup(read: bool) -> str:
    """The "mark as read" control, fixed parts escaped once, slots as in the task control."""
    return format_html(
        '<form class="section-read section-read--{status}" method="post" '
        'action="{url}" data-announce="Section marked as {announce}" '
        'hx-post="{url}" hx-target="this" hx-swap="outerHTML">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf_token}">'
        '<input type="hidden" name="next" value="{next_url}">'
        '<button type="submit" name="read" value="{value}" '
        'aria-pressed="{pressed}">{label}</button></form>',
        status="done" if read else "todo",
        announce="read" if read else "not read",
        value="0" if read else "1",
        pressed="true" if read else "false",
        label="Read ✓" if read else "Mark as read",
        **_slots("url", "csrf_token", "next_url"),
    )


def section_control_html(
    *, section_id: int, read: bool, csrf_token: str, next_url: str, url: str = ""
) -> SafeString:
    return format_html(
        _section_control_markup(read),
        url=url or reverse("progress:section-set", args=[section_id]),
        csrf_token=csrf_token,
        next_url=next_url,
    )


class _UrlById:
    """`reverse(name, args=[id])` for many ids at the price of one reverse: the URL of a
    placeholder id with the id swapped in (ids are integers, so the swap is exact)."""

    PLACEHOLDER = 9_876_543_210

    def __init__(self, name: str) -> None:
        self.head, _, self.tail = reverse(name, args=[self.PLACEHOLDER]).rpartition(
            str(self.PLACEHOLDER)
        )

    def __call__(self, pk: int) -> str:
        return f"{self.head}{int(pk)}{self.tail}"


def guide_body_for_user(*, guide: Guide, state: GuideState, csrf_token: str) -> SafeString:
    """The stored body with this learner's controls put in place of the import-time markers
    (the stored body is sanitised HTML; the controls escape what they interpolate)."""
    base = guide.get_absolute_url()
    csrf_token = conditional_escape(csrf_token)  # once per page, not once per control
    task_url = _UrlById("progress:task-set")
    section_url = _UrlById("progress:section-set")

    def task(match: re.Match[str]) -> str:
        found = state.items.get(match["key"])
        if found is None:
            return ""
        item_id, item_state = found
        return task_control_html(
            item_id=item_id,
            key=match["key"],
            state=item_state,
            csrf_token=csrf_token,
            # Without JavaScript the tick reloads the page: come back to the same exercise.
            next_url=f"{base}#taskbox-{match['key']}",
            url=task_url(item_id),
        )

    def heading(match: re.Match[str]) -> str:
        section_id = state.sections.get(match["anchor"])
        if section_id is None:
            return match[0]
        control = section_control_html(
            section_id=section_id,
            read=match["anchor"] in state.read_sections,
            csrf_token=csrf_token,
            next_url=f"{base}#{match['anchor']}",
            url=section_url(section_id),
        )
        return match[0] + control

    body = SECTION_HEADING.sub(heading, STORED_TASK_MARKER.sub(task, guide.body_html))
    return mark_safe(body)  # noqa: S308 - sanitised at import; the controls are format_html


EMPTY_DAY = mark_safe('<span class="heatmap__day heatmap__day--none"></span>')


def _heat_cells(week: list[HeatDay | None]) -> SafeString:
    cells = []
    for day in week:
        if day is None:
            cells.append(EMPTY_DAY)
            continue
        title = conditional_escape(day.title)  # once, for both attributes
        cells.append(
            format_html(
                '<span class="heatmap__day heatmap__day--{}" title="{}" role="img" '
                'aria-label="{}"></span>',
                day.level,
                title,
                title,
            )
        )
    return mark_safe("".join(cells))  # noqa: S308 - each cell is format_html or a constant


def heatmap_html(weeks: Iterable[list[HeatDay | None]]) -> SafeString:
    """The year's grid. Each week column carries the month that starts in it; each day is an
    image named by its date and count, for screen readers and on hover."""
    columns = []
    for index, week in enumerate(weeks):
        days = [day for day in week if day]
        month = next((day.day for day in days if day.day.day == 1), None)
        if index == 0 and days and days[0].day.day <= 14:
            month = days[0].day  # the first column names its month unless it is nearly over
        columns.append((f"{month:%b}" if month else "", _heat_cells(week)))
    return format_html(
        '<div class="heatmap__weekdays" aria-hidden="true">{}</div>'
        '<div class="heatmap__scroll" tabindex="0" role="group" '
        'aria-label="Activity per day over the last 12 months, most recent on the right">'
        '<div class="heatmap__grid">{}</div></div>',
        format_html_join("", "<span>{}</span>", ((name,) for name in ("", *HEATMAP_WEEKDAYS))),
        format_html_join(
            "",
            '<div class="heatmap__week"><span class="heatmap__month" aria-hidden="true">{}'
            "</span>{}</div>",
            columns,
        ),
    )

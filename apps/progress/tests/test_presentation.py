"""The progress app's HTML helpers: URLs come from the URLconf and every value is escaped."""

import datetime

from django.urls import reverse

from apps.progress.presentation import heatmap_html, section_control_html, task_control_html
from apps.progress.selectors import HeatDay

HOSTILE = '"><script>alert(1)</script>'


def test_task_control_posts_to_the_reversed_url_and_escapes_every_value():
    html = task_control_html(
        item_id=42, key="0123456789abcdef", state="done", csrf_token=HOSTILE, next_url=HOSTILE
    )
    url = reverse("progress:task-set", args=[42])
    assert f'action="{url}"' in html and f'hx-post="{url}"' in html
    assert "<script>" not in html
    assert html.count("&quot;&gt;&lt;script&gt;") == 2  # the token and the return URL
    assert 'id="taskbox-0123456789abcdef"' in html
    assert 'name="state" value="todo"' in html  # a done exercise's tick undoes it
    assert 'aria-pressed="true"' in html
    # The menu offers the other states, not the current one.
    assert 'value="skipped"' in html and 'value="done" class="task-menu__item"' not in html


def test_task_control_of_each_state_names_it():
    for state, label in (("todo", "Not started"), ("in_progress", "In progress"),
                         ("skipped", "Skipped")):  # fmt: skip
        html = task_control_html(
            item_id=1, key="f" * 16, state=state, csrf_token="t", next_url="/guides/x/"
        )
        assert f'data-announce="Exercise: {label.lower()}"' in html
        assert f'title="{label}: click to mark done"' in html
        assert f'value="{state}" class="task-menu__item"' not in html


def test_section_control_posts_to_the_reversed_url_and_escapes():
    html = section_control_html(section_id=7, read=True, csrf_token=HOSTILE, next_url="/g/#a")
    url = reverse("progress:section-set", args=[7])
    assert f'action="{url}"' in html
    assert "<script>" not in html
    assert 'name="read" value="0"' in html and "Read ✓" in html


def test_heatmap_cells_name_their_day_and_empty_cells_stay_blank():
    monday = datetime.date(2026, 6, 1)
    week = [HeatDay(monday, 4), None, None, None, None, None, None]
    html = heatmap_html([week])
    title = "Mon 1 Jun 2026: 4 actions"
    assert f'heatmap__day--2" title="{title}" role="img" aria-label="{title}"' in html
    assert html.count("heatmap__day--none") == 6
    assert '<span class="heatmap__month" aria-hidden="true">Jun</span>' in html

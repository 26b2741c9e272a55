"""The checklist import's line parser (headings, ticked items) against pathological input: a
file at the upload limit is read in under 2 s whatever its lines are."""

import time

import pytest

from apps.core.tests.pathological import pathological_texts
from apps.progress.models import TaskProgress
from apps.progress.services import progress_import_markdown
from apps.progress.tests.test_progress import learner, library_files  # noqa: F401 - fixtures
from apps.progress.views import MAX_CHECKLIST_BYTES

pytestmark = pytest.mark.django_db

CASES = [
    "a line of spaces",
    "heading then spaces",
    "heading with spaces and hashes",
    "task then spaces",
    "lines of spaces",
    "one long word",
    "run of '#'",
    "lines of '#'",
    "run of '['",
    "bullets on one line",
    "many headings",
    "brackets on separate lines",
]


@pytest.mark.parametrize("case", CASES)
def test_import_parser_is_linear(learner, case):  # noqa: F811
    # HEADING_LINE and CHECKED_LINE took 15 s on 2,000 spaces and grew cubically.
    text = pathological_texts(MAX_CHECKLIST_BYTES)[case]
    started = time.monotonic()
    progress_import_markdown(user=learner, text=text)
    assert time.monotonic() - started < 2


def test_ticked_items_under_space_padded_headings_still_match(learner):  # noqa: F811
    text = "## Capstone" + " " * 5000 + "#\n\n- [x]" + " " * 5000 + "Design document" + " " * 5000
    result = progress_import_markdown(user=learner, text=text)
    assert result.matched == 1
    assert TaskProgress.objects.get(user=learner).item.text == "Design document"

"""The glossary list's plain-text summary of a definition, on pathological Markdown."""

import time

import pytest

from apps.core.tests.pathological import pathological_texts
from apps.flashcards.selectors import plain


def test_plain_strips_markup():
    assert plain("A [broker](https://example.com) *routes* `messages`") == (
        "A broker routes messages"
    )


@pytest.mark.parametrize("case", sorted(pathological_texts(100)))
def test_plain_is_linear(case):
    # `\[([^\]]*)\]` rescanned the rest of the text from every `[`.
    text = pathological_texts(200_000)[case]
    started = time.monotonic()
    plain(text)
    assert time.monotonic() - started < 1

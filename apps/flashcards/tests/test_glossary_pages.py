"""The glossary of the real corpus (hundreds of terms) stays a small page, one letter at a time."""

import re

import pytest

from apps.guides.services import guides_import

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

PAGE_LIMIT = 100 * 1024


def test_every_letter_page_of_the_corpus_glossary_is_under_100_kb(client, corpus_path):
    guides_import(path=corpus_path)
    first = client.get("/glossary/")
    assert first.status_code == 200
    letters = re.findall(r'href="\?letter=([^"&]+)"', first.content.decode())
    assert len(letters) > 10
    total = 0
    for letter in letters:
        page = client.get(f"/glossary/?letter={letter}")
        assert page.status_code == 200
        assert len(page.content) < PAGE_LIMIT, (letter, len(page.content))
        total += page.content.decode().count('class="term-list__name"')
    # Every term is on exactly one letter's page.
    count = int(re.search(r"(\d+) terms", first.content.decode())[1])
    assert total == count > 500

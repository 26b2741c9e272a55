import time

import pytest

from apps.core.markdown_lines import (
    CodeFence,
    FenceLine,
    NotUtf8,
    atx_heading,
    code_fences,
    decode_markdown,
    fence_line,
    fenced_lines,
    prose_lines,
    strip_attribute_list,
    task_line,
)
from apps.core.tests.pathological import pathological_texts

GUIDE_SIZE = 2 * 1024 * 1024


def spans(text: str, **options) -> list[tuple[int, int, bool]]:
    return [(f.start, f.end, f.closed) for f in code_fences(text.split("\n"), **options)]


# Fence lines


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("```", FenceLine("`", 3, "")),
        ("````python  ", FenceLine("`", 4, "python")),
        ("~~~ mermaid", FenceLine("~", 3, "mermaid")),
        ("   ```js", FenceLine("`", 3, "js")),
        ("        ```", FenceLine("`", 3, "")),  # inside a nested list item
        ("\t~~~", FenceLine("~", 3, "")),
        (
            "~~~ `backticks` are fine after tildes",
            FenceLine("~", 3, "`backticks` are fine after tildes"),
        ),
        ("``", None),
        ("``` `code` ```", None),  # an inline code span
        ("```js`", None),
        ("text ```", None),
        ("> ```", None),
        ("", None),
    ],
)
def test_fence_line(line, expected):
    assert fence_line(line) == expected


# Fenced blocks


def test_a_fence_closes_on_the_same_character_at_least_as_long_with_no_info():
    text = "a\n````py\n```\n~~~~\n````python\n`````\nb"
    # "```" is too short, "~~~~" the other character, "````python" has an info string.
    assert spans(text) == [(1, 5, True)]
    assert code_fences(text.split("\n"))[0] == CodeFence(1, 5, FenceLine("`", 4, "py"), True)


def test_tildes_inside_a_backtick_fence_and_backticks_inside_a_tilde_fence_are_code():
    assert spans("```\n~~~\n# not a heading\n~~~\n```") == [(0, 4, True)]
    assert spans("~~~\n```\n```\n~~~") == [(0, 3, True)]


def test_indented_fences_open_and_close_at_any_indentation():
    text = "1. Step\n\n    ```bash\n    # comment\n    ```\n\n  ```\nx\n      ```"
    assert spans(text) == [(2, 4, True), (6, 8, True)]


def test_closing_fences_may_carry_trailing_spaces_only():
    assert spans("```\nx\n```   \ny") == [(0, 2, True)]
    assert spans("```\nx\n``` y\n```") == [(0, 3, True)]


def test_an_unclosed_fence_runs_to_the_end_or_is_text_when_asked():
    text = "# A\n```\ncode\n```python\n# B\n~~~\nx\n~~~"
    assert spans(text) == [(1, 7, False)]
    # As text: the scan goes on from the next line, and "```python" opens nothing either
    # (no bare ``` after it), so the tilde fence is found.
    assert spans(text, unclosed="ignored") == [(5, 7, True)]
    assert spans("```\nx", unclosed="ignored") == []
    assert spans("") == []


def test_fenced_lines_and_prose_lines():
    lines = ["# A", "```", "# code", "```", "text", "~~~", "never closed"]
    assert fenced_lines(lines) == [False, True, True, True, False, True, True]
    assert fenced_lines(lines, unclosed="ignored") == [False, True, True, True] + [False] * 3
    assert prose_lines(lines) == ["# A", "text"]


@pytest.mark.parametrize("unclosed", ["to_end", "ignored"])
def test_fence_scans_are_linear(unclosed):
    hundred_k = 100_000
    cases = {
        # Openers with an info string never closed: each one used to be scanned to the end.
        "unclosed openers": "````x\n" * hundred_k,
        "unclosed openers then short closers": "`````a\n" * hundred_k + "```\n" * hundred_k,
        "lines of backticks": "```\n" * hundred_k,
        "alternating characters": "```\n~~~\n" * hundred_k,
        "growing fences": "".join("`" * (3 + n % 50) + "\n" for n in range(hundred_k)),
    }
    for case, text in cases.items():
        started = time.monotonic()
        code_fences(text.split("\n"), unclosed=unclosed)
        assert time.monotonic() - started < 2, case
    started = time.monotonic()
    for text in pathological_texts(GUIDE_SIZE // 8).values():
        code_fences(text.split("\n"), unclosed=unclosed)
    assert time.monotonic() - started < 10


# Headings, task lines, attribute lists


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("# Title", (1, "Title")),
        ("### Title ###", (3, "Title")),
        ("# Title ##", (1, "Title")),
        ("## C#", (2, "C#")),
        ("## Title #  ", (2, "Title")),
        ("   # Indented", (1, "Indented")),
        ("    # Code", None),
        ("#NoSpace", None),
        ("#hashtag and more", None),
        ("####### Seven", None),
        ("#", (1, "")),
        ("## ##", (2, "")),
        ("###   ", (3, "")),
        ("#\tTab", (1, "Tab")),
        ("", None),
    ],
)
def test_atx_heading(line, expected):
    assert atx_heading(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("- [x] Done", (True, "Done")),
        ("  * [X]   Shout  ", (True, "Shout")),
        ("+ [ ] Todo", (False, "Todo")),
        ("- [x]", None),
        ("- [y] No", None),
        ("-[x] No", None),
        ("1. [x] Ordered", None),
    ],
)
def test_task_line(line, expected):
    assert task_line(line) == expected


def test_strip_attribute_list():
    assert strip_attribute_list("Title {#anchor .big}  ") == "Title"
    assert strip_attribute_list("Title {a} b") == "Title {a} b"
    assert strip_attribute_list("Set {a}b}") == "Set {a}b}"
    assert strip_attribute_list("Plain") == "Plain"


@pytest.mark.parametrize(
    "case",
    [
        "a line of spaces",
        "heading then spaces",
        "heading with spaces and hashes",
        "task then spaces",
        "attribute list then spaces",
        "one long word",
        "run of '#'",
        "run of '`'",
        "run of '~'",
    ],
)
def test_line_parsers_are_linear_on_a_two_megabyte_line(case):
    text = pathological_texts(GUIDE_SIZE)[case]
    started = time.monotonic()
    atx_heading(text)
    task_line(text)
    strip_attribute_list(text)
    fence_line(text)
    # The patterns these replace took 15 s on 2,000 spaces and grew cubically.
    assert time.monotonic() - started < 2


# Bytes → text


def test_decode_clean_text_changes_nothing():
    assert decode_markdown("# Título\n\nCafé\n".encode()) == ("# Título\n\nCafé\n", [])


def test_decode_drops_the_byte_order_mark_and_normalises_line_endings():
    text, changes = decode_markdown(b"\xef\xbb\xbf# A\r\nb\rc\n")
    assert text == "# A\nb\nc\n"
    assert changes == ["removed a UTF-8 byte-order mark", "converted CRLF line endings"]


def test_decode_repairs_mojibake():
    text, changes = decode_markdown("Café — naïve".encode().decode("latin-1").encode())
    assert text == "Café — naïve"
    assert changes == ["repaired mojibake (text decoded with the wrong encoding)"]


def test_decode_invalid_utf8_is_an_error_naming_the_byte_or_a_replacement_character():
    raw = b"# A\nok\ncaf\xe9\n"
    with pytest.raises(NotUtf8) as error:
        decode_markdown(raw)
    assert str(error.value) == (
        "not valid UTF-8: byte 0xe9 at line 3 (offset 10); save the file as UTF-8"
    )
    assert (error.value.line, error.value.offset) == (3, 10)
    assert decode_markdown(raw, errors="replace") == ("# A\nok\ncaf\ufffd\n", [])


def test_decode_is_linear():
    raw = ("\r\n" * GUIDE_SIZE).encode() + "Ã©".encode() * 1000
    started = time.monotonic()
    text, _changes = decode_markdown(raw, errors="replace")
    assert text.startswith("\n\n")
    assert time.monotonic() - started < 5

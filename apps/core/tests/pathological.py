"""Inputs that make naive Markdown parsers slow or recursive, shared by every parser's tests.

`pathological_texts(size)` gives each case cut to `size` characters: runs of every ASCII
punctuation character (and of the openers that start links, images, footnotes, tags and
emphasis), deep nesting of lists and quotes on one line and across lines, long runs of spaces
where line patterns used to backtrack, one long line, and tables with thousands of columns.
"""

PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

# Repeated units: the openers Python-Markdown scans ahead from, and mixes of them.
UNITS = {
    "image openers": "![",
    "footnote openers": "[^",
    "link destinations": "[a](",
    "reference links": "[a][",
    "bracket then word": "[a ",
    "tag openers": "<a ",
    "autolink openers": "<http://",
    "emphasis openers": "*a ",
    "strong openers": "**a ",
    "underscore openers": "_a ",
    "code span openers": "`a",
    "mixed fences": "``` `",
    "entities": "&#",
    "attribute lists": "{: ",
    "abbreviations": "*[",
    "definition markers": ": ",
    "parens in brackets": "([",
    "glossary links": "[a](#glossary)",
    "mermaid directives": "%%{init: ",
    "bold labels": "**a**: ",
}


def _cut(text: str, size: int) -> str:
    return text[:size]


def _repeat(unit: str, size: int) -> str:
    return _cut(unit * (size // len(unit) + 1), size)


def pathological_texts(size: int) -> dict[str, str]:
    cases: dict[str, str] = {}
    for char in PUNCTUATION:
        cases[f"run of {char!r}"] = char * size
        cases[f"lines of {char!r}"] = _repeat(char * 40 + "\n", size)
    for name, unit in UNITS.items():
        cases[name] = _repeat(unit, size)
    cases["brackets on separate lines"] = _repeat("[\n", size)
    cases["bracket paragraphs"] = _repeat("[" * 100 + "\n\n", size)
    cases["nested brackets"] = "[" * (size // 2) + "]" * (size // 2)
    cases["nested link destinations"] = "[a](" * (size // 5) + ")" * (size // 5)
    # Nesting on one line.
    cases["quotes on one line"] = _repeat("> ", size)
    cases["quote markers"] = ">" * size
    cases["bullets on one line"] = _repeat("- ", size)
    cases["numbers on one line"] = _repeat("1. ", size)
    cases["quotes and lists on one line"] = _repeat("> - 1. ", size)
    # Nesting across lines, four and two spaces a level, and quotes one deeper a line.
    depth4 = int((2 * size / 4) ** 0.5)
    cases["list nested by four spaces"] = _cut(
        "".join("    " * level + "- a\n" for level in range(depth4)), size
    )
    depth2 = int((2 * size / 2) ** 0.5)
    cases["list nested by two spaces"] = _cut(
        "".join("  " * level + "- a\n" for level in range(depth2)), size
    )
    cases["quotes nested by lines"] = _cut(
        "".join("> " * level + "a\n\n" for level in range(depth2)), size
    )
    cases["html blocks in markdown"] = _repeat('<div markdown="1">\n', size)
    cases["nested spans"] = _repeat("<span>", size)
    # Spaces where line patterns backtracked.
    spaces = " " * size
    cases["a line of spaces"] = spaces
    cases["heading then spaces"] = _cut("# x" + spaces, size - 1) + "y"
    cases["heading with spaces and hashes"] = _cut("## a" + " #" * size, size - 1) + "b"
    cases["task then spaces"] = _cut("- [x] a" + spaces, size - 1) + "b"
    cases["bold label then spaces"] = _cut("**a" + spaces, size - 1) + ":"
    cases["attribute list then spaces"] = _cut("# a {#b}" + spaces, size - 1) + "c"
    cases["table separator then spaces"] = _cut("| a |\n|" + spaces, size - 1) + "x"
    cases["lines of spaces"] = _repeat(" " * 100 + "x\n", size)
    # Long lines and wide tables.
    cases["one long word"] = "a" * size
    cases["one long line of words"] = _repeat("word ", size)
    columns = max(1, size // 6)
    cases["many table columns"] = _cut(
        "|" + "a|" * columns + "\n|" + "-|" * columns + "\n|" + "b|" * columns, size
    )
    cases["many setext headings"] = _repeat("a\n=\n", size)
    cases["many headings"] = _repeat("# a\n", size)
    return cases


def under_glossary(text: str) -> str:
    """The case inside a glossary section, so the glossary parser looks at every line."""
    return "# Guide\n\n## Glossary\n\n" + text + "\n"

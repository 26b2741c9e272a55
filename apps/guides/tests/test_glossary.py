"""Tests for apps.guides.glossary (pure Python; no database needed).

All Markdown below is synthetic; the real guide corpus is only read by the
integration test at the bottom, which is skipped when it is not available.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.guides.glossary import GlossaryBlock, ParsedTerm, find_glossaries


def md(*lines: str) -> str:
    return "\n".join(lines)


def only_block(text: str) -> GlossaryBlock:
    blocks = find_glossaries(text)
    assert len(blocks) == 1, blocks
    return blocks[0]


def names(block: GlossaryBlock) -> list[str]:
    return [t.term for t in block.terms]


# --------------------------------------------------------------------------
# Format 1: tables
# --------------------------------------------------------------------------


def test_table_four_columns_mapped_by_header():
    text = md(
        "# Widgets",
        "",
        "## Glossary",
        "",
        "| Term | Description | Use this when | Like |",
        "|------|-------------|---------------|------|",
        "| **Sprocket** | A toothed wheel | You need `torque` | A bicycle gear |",
        "| [Flange](#glossary) | A projecting rim | Joining pipes | A collar |",
        "",
        "## Next chapter",
        "| Term | Description |",
        "|---|---|",
        "| Outside | not in the glossary |",
    )
    block = only_block(text)
    assert (block.start, block.end, block.level) == (2, 9, 2)
    assert block.terms == (
        ParsedTerm("Sprocket", "A toothed wheel", "You need `torque`", "A bicycle gear", 7),
        ParsedTerm("Flange", "A projecting rim", "Joining pipes", "A collar", 8),
    )


def test_table_two_and_three_columns_with_synonym_headers():
    text = md(
        "## Glossary",
        "",
        "Name | Definition",
        "--- | ---",
        "Cog | A single tooth",
        "",
        "| Analogy | Concept | Meaning |",
        "|:--|:--:|--:|",
        "| A ladder rung | Step | One stage of a process |",
        "| Missing cells | Short |",
    )
    block = only_block(text)
    assert block.terms == (
        ParsedTerm("Cog", "A single tooth", "", "", 5),
        ParsedTerm("Step", "One stage of a process", "", "A ladder rung", 9),
        ParsedTerm("Short", "", "", "Missing cells", 10),
    )


def test_table_escaped_pipes_inside_cells():
    text = md(
        "## Glossary",
        "| Term | Description | Use case |",
        "|---|---|---|",
        r"| Pipe \| Tee | Runs `a \| b` in a shell | Chaining \| filtering |",
    )
    (term,) = only_block(text).terms
    assert term.term == "Pipe | Tee"
    assert term.description == "Runs `a | b` in a shell"
    assert term.use_when == "Chaining | filtering"


# --------------------------------------------------------------------------
# Format 2: term heading / bold line followed by field bullets
# --------------------------------------------------------------------------


def test_heading_terms_with_field_bullets():
    text = md(
        "## Glossary",
        "",
        "This section defines the vocabulary.",
        "",
        "### Sprocket (SPR)",
        "- **Description**: A toothed wheel that",
        "  meshes with a chain.",
        "- **Use this when**: You need to transfer torque",
        "- **Like**: A bicycle gear",
        "",
        "### `gear_ratio`",
        "- **Description:** Output turns per input turn.",
        "- **Use this when:** Sizing a drivetrain",
        "- **Example**: 3:1",
        "- Like: A lever for rotation",
        "",
        "## Afterword",
        "- **Description**: not a glossary entry",
    )
    block = only_block(text)
    assert block.end == 16
    assert block.terms == (
        ParsedTerm(
            "Sprocket (SPR)",
            "A toothed wheel that meshes with a chain.",
            "You need to transfer torque",
            "A bicycle gear",
            5,
        ),
        ParsedTerm(
            "gear_ratio",
            # Unknown fields are appended to the description as "Name: value".
            "Output turns per input turn. Example: 3:1",
            "Sizing a drivetrain",
            "A lever for rotation",
            11,
        ),
    )


def test_bold_term_lines_with_field_bullets():
    text = md(
        "## Glossary",
        "",
        "**Sprocket**",
        "- **Description**: A toothed wheel",
        "- **Use this when**: Transferring torque",
        "- **Like**: A bicycle gear",
        "",
        "**Flange** {#flange}",
        "- **Description**: A projecting rim",
        "",
        "- **Like**: A collar",
    )
    assert only_block(text).terms == (
        ParsedTerm("Sprocket", "A toothed wheel", "Transferring torque", "A bicycle gear", 3),
        ParsedTerm("Flange", "A projecting rim", "", "A collar", 8),
    )


# --------------------------------------------------------------------------
# Format 3: "**Term**: definition" lines
# --------------------------------------------------------------------------


def test_inline_bold_term_definitions():
    text = md(
        "## Glossary",
        "",
        "**Sprocket**: A toothed wheel with a [chain](#glossary).",
        "**Flange:** A projecting rim",
        "that continues on the next line.",
        "",
        "- **Cog** - A single tooth",
        "- **Idler** \u2014 A wheel that only guides",
        "  the chain.",
        "* **[Axle](#glossary)**: The shaft",
        "",
        "**Sources:** Made-up handbook, 2024.",
    )
    block = only_block(text)
    assert names(block) == ["Sprocket", "Flange", "Cog", "Idler", "Axle"]
    assert [t.description for t in block.terms] == [
        "A toothed wheel with a [chain](#glossary).",
        "A projecting rim that continues on the next line.",
        "A single tooth",
        "A wheel that only guides the chain.",
        "The shaft",
    ]
    assert [t.line for t in block.terms] == [3, 4, 7, 8, 10]
    assert all(t.use_when == "" and t.like == "" for t in block.terms)


# --------------------------------------------------------------------------
# Format 4: bold term on its own line, then a description paragraph
# --------------------------------------------------------------------------


def test_bold_term_followed_by_paragraph():
    text = md(
        "# Glossary",
        "",
        "**Sprocket**",
        "A toothed wheel. It meshes",
        "with a chain. Types:",
        "- **Fixed**: Bolted to the hub",
        "- **Free**: Spins one way",
        "",
        "Used by: bicycles.",
        "",
        "**DRM** (Drive Ratio Multiplier)",
        "How much faster the output spins.",
        "",
        "**Flange**",
        "- A projecting rim used to join pipes.",
        "",
        "**[Back to top](#top)**",
    )
    assert only_block(text).terms == (
        ParsedTerm(
            "Sprocket",
            "A toothed wheel. It meshes with a chain. Types: **Fixed**: Bolted to the hub; "
            "**Free**: Spins one way. Used by: bicycles.",
            "",
            "",
            3,
        ),
        ParsedTerm("DRM (Drive Ratio Multiplier)", "How much faster the output spins.", "", "", 11),
        ParsedTerm("Flange", "A projecting rim used to join pipes.", "", "", 14),
    )


# --------------------------------------------------------------------------
# Format 5: "## Term" headings under "# Glossary" with Definition/Analogy/...
# --------------------------------------------------------------------------


def test_h2_terms_under_h1_glossary_with_definition_fields():
    text = md(
        "# Overview",
        "Intro.",
        "",
        "# 1) Glossary {#glossary}",
        "",
        "> Goal: shared vocabulary.",
        "",
        "## Sprocket",
        "- **Definition:** A toothed wheel.",
        "- **Analogy:** A bicycle gear.",
        "- **User scenario:** Riding uphill in a low gear.",
        "",
        "## Issuer (`iss`)",
        "- **Definition**: Who minted the token.",
        "- **Analogy**: The stamp on a passport.",
        "",
        "# 2) Components",
        "## Not a term",
        "- **Definition:** outside the glossary",
    )
    block = only_block(text)
    assert (block.start, block.end, block.level) == (3, 16, 1)
    assert block.terms == (
        ParsedTerm(
            "Sprocket", "A toothed wheel.", "Riding uphill in a low gear.", "A bicycle gear.", 8
        ),
        ParsedTerm("Issuer (iss)", "Who minted the token.", "", "The stamp on a passport.", 13),
    )


# --------------------------------------------------------------------------
# Format 6: alphabetical groups and category headings are not terms
# --------------------------------------------------------------------------


def test_letter_groups_and_categories_are_not_terms():
    text = md(
        "# Glossary",
        "",
        "## A",
        "",
        "**Axle**: The shaft",
        "",
        "## B-D",
        "### Bearing",
        "- **Description**: Reduces friction",
        "",
        "## Storage Concepts",
        "",
        "**Bin**",
        "A container.",
        "",
        "### Measurement Concepts",
        "| Term | Description |",
        "|---|---|",
        "| Caliper | Measures thickness |",
        "",
        "### Empty Category",
        "### Drive Concepts",
        "#### Derailleur",
        "Moves the chain between sprockets.",
        "",
        "**xDS-like family**",
        "- **Alpha Service**: First member",
        "- **Beta Service**: Second member",
    )
    block = only_block(text)
    assert names(block) == [
        "Axle",
        "Bearing",
        "Bin",
        "Caliper",
        "Derailleur",
        "Alpha Service",
        "Beta Service",
    ]
    assert block.terms[4].description == "Moves the chain between sprockets."


def test_prose_subsection_inside_glossary_is_skipped():
    text = md(
        "# Glossary",
        "## Core",
        "**Axle**",
        "The shaft.",
        "",
        "## Frequently asked questions",
        "- **Q: What is a hub?**",
        "  A: The centre of a wheel.",
        "",
        "**Rim:** not a term, it is part of the FAQ.",
        "",
        "## Study path",
        "1. **Basics**",
        "   - Wheels",
    )
    assert names(only_block(text)) == ["Axle"]


def test_direct_entries_then_prose_heading_ends_the_section():
    # A glossary whose entries sit directly under its heading cannot have
    # prose sub-sections; a following deeper heading is the next chapter.
    text = md(
        "# Guide",
        "## Summary",
        "Text.",
        "# Glossary & Key Concepts",
        "",
        "**Hub:** The centre of a wheel.",
        "",
        "## Wheel building in practice",
        "Start by lacing the spokes.",
        "",
        "**Step 1:** Lace.",
    )
    block = only_block(text)
    assert (block.start, block.end) == (3, 7)
    assert names(block) == ["Hub"]


# --------------------------------------------------------------------------
# Section detection
# --------------------------------------------------------------------------


def test_code_fences_are_ignored():
    text = md(
        "# Template",
        "",
        "```markdown",
        "## Glossary",
        "**Fake**: inside a fence",
        "```",
        "",
        "~~~",
        "## Glossary",
        "~~~",
        "",
        "## Glossary",
        "**Real**: outside any fence",
        "````text",
        "**Hidden**: inside a fence within the glossary",
        "```",
        "still inside the four-backtick fence",
        "````",
        "**Also real**: after the fence",
    )
    block = only_block(text)
    assert block.start == 11
    assert names(block) == ["Real", "Also real"]


def test_unclosed_fence_does_not_hide_the_glossary():
    text = md(
        "Output:",
        "```",
        "nested ```python",
        "```",
        "```",
        "",
        "## Glossary",
        "**Hub**: The centre of a wheel.",
    )
    assert names(only_block(text)) == ["Hub"]


def test_heading_linking_to_glossary_is_not_a_glossary():
    text = md(
        "### **[Agent](#glossary) Commands**",
        "",
        "- **Run**: Starts the agent",
        "- **Stop**: Stops the agent",
        "",
        "## Using the [glossary](#glossary) links",
    )
    assert find_glossaries(text) == []


def test_glossary_about_glossaries_yields_nothing():
    text = md(
        "## Glossary Best Practices",
        "",
        "### Picking terms",
        "Include every acronym.",
        "",
        "### Writing definitions",
        "**Description**:",
        "- Start with what it is",
        "",
        "## Glossary",
        "Coming soon.",
    )
    assert find_glossaries(text) == []


def test_multiple_glossaries_returned_in_order():
    text = md(
        "# Part one",
        "## Glossary",
        "**Axle**: The shaft",
        "## Body",
        "Text",
        "# Part two",
        "### Comprehensive *Glossary*",
        "| Term | Definition |",
        "|---|---|",
        "| Hub | The centre |",
    )
    blocks = find_glossaries(text)
    assert [(b.start, b.end, b.level) for b in blocks] == [(1, 3, 2), (6, 10, 3)]
    assert [names(b) for b in blocks] == [["Axle"], ["Hub"]]


# --------------------------------------------------------------------------
# Integration: the real corpus (skipped when not available)
# --------------------------------------------------------------------------

CORPUS = Path(__file__).resolve().parents[3].parent / "shared/corpus/learn-resources"
NOT_GUIDES = {"CLAUDE.md", "README.md"}


def _corpus_guides() -> list[Path]:
    return sorted(
        p
        for p in CORPUS.glob("*.md")
        if p.name not in NOT_GUIDES and not p.name.lower().startswith("dietary")
    )


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")


def test_corpus_glossaries():
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not available at {CORPUS}")
    guides = _corpus_guides()
    assert guides

    total = 0
    failures: list[str] = []
    for path in guides:
        text = _read(path)
        blocks = find_glossaries(text)
        count = sum(len(b.terms) for b in blocks)
        total += count
        print(f"{count:4d}  {path.name}  blocks={[(b.start + 1, b.end, b.level) for b in blocks]}")

        has_heading = any(
            line.lstrip().startswith("#") and "glossary" in line.lower().replace("(#glossary)", "")
            for line in text.split("\n")
        )
        if has_heading and count == 0:
            failures.append(f"{path.name}: glossary heading but no terms")
        for block in blocks:
            for term in block.terms:
                if not term.term or len(term.term) > 80 or len(term.term) == 1:
                    failures.append(f"{path.name}:{term.line}: bad term name {term.term!r}")
    print(f"TOTAL {total}")

    assert not failures, failures
    assert 820 <= total <= 950

"""Stored guide HTML → search units: sections down to H3, readable text only."""

from pathlib import Path

import pytest

from apps.guides.rendering.child import _file_render
from apps.search import indexing
from apps.search.indexing import (
    GUIDE_UNITS,
    TermText,
    guide_rows,
    html_to_text,
    markdown_inline_to_text,
    rows_of,
    sections_from_html,
)

HTML = """
<p>Intro before any heading.</p>
<h1 id="part-1">Part 1<a class="headerlink" href="#part-1">#</a></h1>
<h2 id="kafka">Kafka<a class="headerlink" href="#kafka">#</a></h2>
<p>Topics are <strong>split</strong> into partitions.</p>
<pre class="mermaid">flowchart TB
  A --> B</pre>
<div class="highlight"><pre><code>kafka-topics --create</code></pre></div>
<h3 id="ordering">Ordering</h3>
<p>Order holds per <code>key</code>.</p><table><tr><td>one</td><td>two</td></tr></table>
<h4>Deeper</h4><p>Stays in its H3.</p>
<h2 id="table-of-contents">Table of Contents</h2><ul><li>Kafka</li></ul>
<h2 id="a">A</h2><p>Alphabet heading of a glossary.</p>
"""


def test_sections_down_to_h3_with_anchors_and_the_headings_above():
    sections = {s.anchor: s for s in sections_from_html(HTML)}
    assert list(sections) == ["part-1", "kafka", "ordering"]
    assert sections["ordering"].level == 3
    assert sections["ordering"].context == "Part 1 \u203a Kafka"
    assert sections["ordering"].body == "Order holds per key. one two Deeper Stays in its H3."


def test_code_diagrams_and_permalinks_never_reach_the_text():
    kafka = next(s for s in sections_from_html(HTML) if s.anchor == "kafka")
    assert kafka.title == "Kafka"
    assert kafka.body == "Topics are split into partitions."
    text = html_to_text(HTML)
    assert "flowchart" not in text and "kafka-topics" not in text and "#" not in text


def test_glossary_markdown_becomes_plain_text():
    text = markdown_inline_to_text("A **Broker** routes [messages](#glossary) via `AMQP`; 2*3")
    assert text == "A Broker routes messages via AMQP; 2*3"


def test_guide_rows_and_vocabulary():
    rows, words = guide_rows(
        title="Streams",
        summary="Why logs.",
        body_html=HTML,
        terms=[TermText("term-broker", "Broker", "Routes **messages**", "Decoupling", "")],
    )
    kinds = [(row.kind, row.anchor) for row in rows]
    assert kinds[0] == ("guide", "")
    assert ("section", "ordering") in kinds and ("term", "term-broker") in kinds
    term = rows[-1]
    assert term.body == "Routes messages Decoupling" and term.context == "Streams"
    assert {"partitions", "broker", "decoupling", "streams"} <= words
    assert "flowchart" not in words and "a" not in words


def _parsed_by_html_parser(html: str) -> list[tuple[str, int, str, str]]:
    parser = indexing._SectionParser()
    parser.feed(html)
    parser.close()
    return [(s.anchor, s.level, "".join(s.title), "".join(s.body)) for s in parser.sections]


def _parsed_fast(html: str) -> list[tuple[str, int, str, str]]:
    parser = indexing._SectionParser()
    indexing._feed_serialised(parser, html)
    return [(s.anchor, s.level, "".join(s.title), "".join(s.body)) for s in parser.sections]


SERIALISED = (
    HTML + '<h2 id="x&amp;y" title="a > b">Q&amp;A &lt;tag&gt; &#8594; &rarr;</h2><!--task:abc-->'
    '<p>caf\u00e9&nbsp;<em>one</em><br>two<img alt="x" src="/i.png"></p>'
    '<ul><li><input type="checkbox" disabled> done</li></ul>'
    '<pre class="mermaid">A --&gt; B</pre><span class="headerlink">#</span>tail &amp; end'
)


def test_the_fast_reading_of_stored_html_matches_html_parser():
    assert _parsed_fast(SERIALISED) == _parsed_by_html_parser(SERIALISED)
    # A heading's break goes to its section's body, a permalink whose title holds ">" is passed
    # over, as html.parser reads them.
    odd = (
        '<h2 id="b">One<br>two</h2><p>x<a class="x headerlink" title="a > b">#</a>y</p>'
        '<h3 class="mermaid" id="m">gone</h3><h3 id="">no id</h3><p>z</p>'
    )
    assert _parsed_fast(odd) == _parsed_by_html_parser(odd)
    assert sections_from_html(SERIALISED)[-1].title == "Q&A <tag> \u2192 \u2192"


def test_the_fast_reading_matches_html_parser_on_every_stored_guide(corpus_path):
    files = sorted(corpus_path.rglob("*.md")) + sorted(CONTENT.rglob("*.md"))
    tags = 0
    for path in files:
        _, _, rendered = _file_render(path.read_bytes(), path.stem, 220, 2 * 1024 * 1024)
        if rendered is not None:
            html = rendered.body_html
            assert _parsed_fast(html) == _parsed_by_html_parser(html), path
            tags += html.count("<")
    assert tags > 50_000


def test_html_the_fast_reading_does_not_know_goes_to_html_parser():
    for unusual in ("<p>a <b/> c</p>", "<p class='x'>single quotes</p>", "<!DOCTYPE html><p>x",
                    "<p>a < b</p>", "<p>1 <2</p>"):  # fmt: skip
        text = '<h2 id="s">Section</h2>' + unusual
        expected = _parsed_by_html_parser(text)
        sections = sections_from_html(text)
        assert [(s.anchor, s.body) for s in sections] == [
            (anchor, indexing.clean(body)) for anchor, _, _, body in expected[1:]
        ], unusual


CONTENT = Path(__file__).resolve().parents[3] / "content"


def test_units_computed_in_the_render_child_give_the_rows_the_stored_html_gives(corpus_path):
    """The import indexes a guide from the units its render child derived (without the title,
    which the import may take from elsewhere); a rebuild from the stored HTML and terms must
    give the same entries and words, for every guide of the corpus and the bundled content."""
    files = sorted(corpus_path.rglob("*.md")) + sorted(CONTENT.rglob("*.md"))
    compared = 0
    for path in files:
        _, _, rendered = _file_render(path.read_bytes(), path.stem, 220, 2 * 1024 * 1024)
        if rendered is None:
            continue
        terms = [TermText(t.anchor, t.term, t.description, t.use_when, t.like)
                 for t in rendered.terms]  # fmt: skip
        for title in (rendered.title, "A title from mkdocs.yml: CamelCaseName"):
            assert rows_of(title=title, units=rendered.derived[GUIDE_UNITS]) == guide_rows(
                title=title,
                summary=rendered.summary_text,
                body_html=rendered.body_html,
                terms=terms,
            ), path
        compared += 1
    assert compared > 40


@pytest.mark.django_db
def test_the_import_indexes_what_a_rebuild_from_the_database_indexes(library):
    from apps.search.models import SearchEntry, SearchWord
    from apps.search.services import search_index_rebuild

    def index() -> tuple[list, list]:
        return (
            sorted(SearchEntry.objects.values_list("guide_id", "kind", "anchor", "title",
                                                   "context", "body", "keywords", "position")),
            sorted(SearchWord.objects.values_list("guide_id", "word")),
        )  # fmt: skip

    imported = index()
    assert imported[0] and imported[1]
    search_index_rebuild()
    assert index() == imported

"""Cheap checks for Mermaid diagrams that will probably not parse, reported at import.

Mermaid runs in the browser, so the importer cannot parse diagrams itself; these line-level
heuristics catch the mistakes authors make most (the ones found in real guides) and say where:

- a diagram that does not start with its type (a fragment such as `A[Label]` on its own);
- a `;` in a sequence-diagram message or note: `;` ends a statement, so the rest of the text is
  read as a new, broken statement;
- `style`, `classDef` or `class` in a sequence diagram, which has no such statements;
- parentheses in an unquoted flowchart node label (`A[Service (Envoy)]`) or edge label
  (`-->|Cache (hot)|`): `(` opens a node shape there.

The browser shows a diagram that fails as its source with Mermaid's own error (static/js/portal.js);
these warnings only tell the author at import, with the line to fix.
"""

import re

from apps.core.markdown_lines import fence_line

MERMAID_INFO = re.compile(r"mermaid\b", re.IGNORECASE)
DIAGRAM_TYPE = re.compile(r"^[a-z][a-z0-9-]*$")
SEQUENCE_TEXT = re.compile(
    r"^\s*(?:[^:;]*?(?:-{1,2}[>x)]{1,2}|-{1,2}>>)[^:;]*|note\b[^:;]*):(?P<text>.*)$", re.IGNORECASE
)
SEQUENCE_STYLING = re.compile(r"^\s*(?P<keyword>style|classDef|class)\s", re.IGNORECASE)
# A label in [ ], { } or | |, not quoted, and not a shape of its own ([( cylinder )], [[ ]], {{ }}).
NODE_LABEL = re.compile(
    r"\w\s*(?:\[(?![\[(/\\\"])(?P<square>[^\]\"]*)\]|\{(?![{\"])(?P<curly>[^}\"]*)\})"
)
# A round node whose label opens another parenthesis: B(Round (nested) shape).
ROUND_LABEL = re.compile(r"\w\((?![(\[])[^()\"]*\(")
EDGE_LABEL = re.compile(r"\|(?!\")(?P<edge>[^|\"]*)\|")


def _kind(lines: list[str]) -> str:
    in_front_matter = False
    for number, line in enumerate(lines):
        stripped = line.strip()
        if number == 0 and stripped == "---":
            in_front_matter = True
            continue
        if in_front_matter:
            in_front_matter = stripped != "---"
            continue
        if not stripped or stripped.startswith("%%"):
            continue
        return stripped.split()[0].casefold()
    return ""


def diagram_problem(source: str) -> tuple[int, str] | None:
    """(1-based line in the diagram, what is wrong) for the first likely parse error."""
    lines = source.split("\n")
    kind = _kind(lines)
    if kind and not DIAGRAM_TYPE.match(kind):
        return 1, "it does not start with a diagram type (graph TD, sequenceDiagram, …)"
    for number, line in enumerate(lines, start=1):
        if line.strip().startswith("%%") or len(line) > 2000:
            continue  # comments; and no regex runs over a pathological line
        if kind == "sequencediagram":
            styling = SEQUENCE_STYLING.match(line)
            if styling:
                return number, f"sequence diagrams have no `{styling['keyword']}` statement"
            message = SEQUENCE_TEXT.match(line)
            if message and ";" in message["text"]:
                return number, "`;` ends a statement in a sequence diagram (write #59; instead)"
        elif kind in ("graph", "flowchart", "flowchart-elk"):
            for match in NODE_LABEL.finditer(line):
                label = match["square"] if match["square"] is not None else match["curly"]
                if "(" in label or ")" in label:
                    return number, 'parentheses in an unquoted node label (write A["…(…)"])'
            if ROUND_LABEL.search(line):
                return number, "parentheses inside a round node's label (quote the label)"
            for match in EDGE_LABEL.finditer(line):
                if "(" in match["edge"] or ")" in match["edge"]:
                    return number, 'parentheses in an unquoted edge label (write |"…(…)"|)'
    return None


def mermaid_warnings(lines: list[str], fences: list[tuple[int, int]]) -> list[str]:
    """One warning per diagram that will probably not render, naming its line in the guide."""
    warnings = []
    diagram = 0
    for start, end in fences:
        opening = fence_line(lines[start])
        if opening is None or not MERMAID_INFO.match(opening.info):
            continue
        diagram += 1
        problem = diagram_problem("\n".join(lines[start + 1 : end]))
        if problem:
            line, reason = problem
            warnings.append(
                f"Mermaid diagram {diagram} (line {start + 1 + line}) will probably not render: "
                f"{reason}; the page shows its source instead"
            )
    return warnings

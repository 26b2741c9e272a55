"""Import-time warnings for Mermaid diagrams that will probably not parse."""

import pytest

from apps.guides.mermaid_lint import diagram_problem
from apps.guides.rendering import render_guide


@pytest.mark.parametrize(
    ("source", "line", "reason"),
    [
        (
            "sequenceDiagram\n  A->>B: Set TI=QUEUED; schedule downstream\n",
            2,
            "`;` ends a statement",
        ),
        ("sequenceDiagram\n  Note over A,B: one; two\n", 2, "`;` ends a statement"),
        ("sequenceDiagram\n  A-->>B: ok\n  style A fill:#f00\n", 3, "no `style` statement"),
        ("graph TD\n  A --> Bad[Service Mesh (Envoy)]\n", 2, "unquoted node label"),
        ("flowchart LR\n  A{Is it (really)?} --> B\n", 2, "unquoted node label"),
        ("flowchart LR\n  A -->|Not backed up<br/>(transient)| B\n", 2, "unquoted edge label"),
        ("flowchart LR\n  A[Plain] --> B(Round (nested) shape)\n", 2, "round node's label"),
        ("A[Service (Production)]", 1, "does not start with a diagram type"),
    ],
)
def test_likely_parse_errors_are_found_with_their_line(source, line, reason):
    problem = diagram_problem(source)
    assert problem is not None
    assert problem[0] == line
    assert reason in problem[1]


@pytest.mark.parametrize(
    "source",
    [
        'graph TD\n  A["Service (Envoy)"] --> B[(Database)]\n',
        "graph TD\n  A([Stadium]) --> B[[Subroutine]] --> C((Circle)) --> D{{Hex}}\n",
        'flowchart LR\n  A -->|"cache (hot)"| B\n  A -- text --> C;\n',
        "flowchart LR\n  A[Plain label] --> B(Round shape) -- call(x) --> C\n",
        "sequenceDiagram\n  participant A as Client (web)\n  A->>B: call(x)\n  %% a; comment\n",
        "---\ntitle: Flow\n---\nflowchart LR\n  A --> B\n",
        "%%{init: {'theme': 'dark'}}%%\nsequenceDiagram\n  A->>B: hi\n",
        'pie title Pets\n  "Dogs" : 386\n',
        "classDiagram\n  class Animal\n  Animal : +int age\n",
    ],
)
def test_diagrams_that_parse_are_not_flagged(source):
    assert diagram_problem(source) is None


def test_the_import_warning_names_the_diagram_and_its_line_in_the_guide():
    text = (
        "# Guide\n\n"
        "```mermaid\ngraph TD\n  A --> B\n```\n\n"
        "Text.\n\n"
        "```mermaid\nsequenceDiagram\n  A->>B: first; second\n```\n"
    )
    warnings = render_guide(text, fallback_title="x").warnings
    assert warnings == [
        "Mermaid diagram 2 (line 12) will probably not render: `;` ends a statement in a "
        "sequence diagram (write #59; instead); the page shows its source instead"
    ]
    assert text.split("\n")[11] == "  A->>B: first; second"

"""The Markdown of the shared `library` fixture (root conftest.py): one guide with sections,
exercises and a glossary term, imported through the real importer."""

QUEUES = """# Queues

## Delivery

At-least-once delivery needs idempotent consumers.

- [ ] Build an idempotent consumer

## Ordering

Partitions keep order per key.

- [ ] Measure reordering

## Glossary

| Term | Description | Use this when |
|---|---|---|
| Partition | An ordered slice of a topic | Scaling consumers |
"""

LIBRARY: dict[str, str | bytes] = {"queues.md": QUEUES}

"""An `mkdocs.yml`: its `docs_dir` bounds the pages, its `nav` gives tracks, order and titles."""

from pathlib import Path
from typing import Any


def mkdocs_config(root: Path) -> dict[str, Any] | None:
    for name in ("mkdocs.yml", "mkdocs.yaml"):
        path = root / name
        if path.is_file():
            import yaml  # only for a repository with an mkdocs.yml

            class _AnyTagLoader(yaml.SafeLoader):
                """mkdocs.yml often names Python objects (`!!python/name:...`, `!ENV`): read
                them as None."""

            _AnyTagLoader.add_multi_constructor("", lambda loader, suffix, node: None)
            try:
                data = yaml.load(path.read_text(encoding="utf-8", errors="replace"), _AnyTagLoader)  # noqa: S506 - a SafeLoader subclass
            except yaml.YAMLError:
                return None
            return data if isinstance(data, dict) else None
    return None


def mkdocs_nav(nav: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(section title, [(page title, path)])]: top-level pages share the section ''."""
    sections: list[tuple[str, list[tuple[str, str]]]] = []

    def pages_of(entry: Any, title: str = "") -> list[tuple[str, str]]:
        if isinstance(entry, str):
            return [] if "://" in entry else [(title, entry)]
        if isinstance(entry, list):
            return [page for item in entry for page in pages_of(item)]
        if isinstance(entry, dict):
            return [page for key, value in entry.items() for page in pages_of(value, str(key))]
        return []

    for item in nav if isinstance(nav, list) else []:
        if isinstance(item, dict) and len(item) == 1:
            ((key, value),) = item.items()
            if isinstance(value, list):
                sections.append((str(key), pages_of(value)))
                continue
        loose = pages_of(item)
        if sections and sections[-1][0] == "":
            sections[-1][1].extend(loose)
        elif loose:
            sections.append(("", loose))
    return sections

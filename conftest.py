"""Fixtures shared by every app's tests."""

import os
import shutil
from pathlib import Path

import environ
import pytest

from portal.devstart import ensure_database_url

# Playwright drives the browser from the test thread while live_server runs Django in another.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CORPUS = Path(__file__).resolve().parent.parent / "shared" / "corpus" / "learn-resources"
CONTENT = Path(__file__).resolve().parent / "content"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config: pytest.Config) -> None:
    # pytest-django has imported the settings by now, and they start nothing: with DATABASE_URL
    # unset, start the embedded PostgreSQL here, before any connection is opened, and export its
    # URL for the servers and workers tests start.
    from django.conf import settings

    url = ensure_database_url()
    if url:
        settings.DATABASES["default"].update(environ.Env.db_url_config(url))


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(
            f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    # Playwright's page.route() does not see requests a service worker makes, and several tests
    # route requests (the OpenID Connect round trip); the offline tests, which exercise the
    # worker, open their own contexts.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def corpus_path() -> Path:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the test corpus is missing at {CORPUS}")
        pytest.skip(f"the guide corpus is not at {CORPUS}")
    return CORPUS


@pytest.fixture
def guide_repo(tmp_path: Path):
    """Write a small guide repository: guide_repo({"a.md": "...", "README.md": "..."})."""

    def write(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "repo"
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return write


@pytest.fixture
def library_files() -> dict[str, str | bytes]:
    """The files `library` imports: one guide (apps/guides/tests/library.py). A test module
    that needs other guides overrides this fixture, not `library`."""
    from apps.guides.tests.library import LIBRARY

    return dict(LIBRARY)


@pytest.fixture
def library(guide_repo, library_files: dict[str, str | bytes]) -> Path:
    """The library imported through the real importer (rendered, indexed, with cards); the
    repository's path, for a test that edits a file and imports again."""
    from apps.guides.services import guides_import

    root = guide_repo(library_files)
    guides_import(path=root)
    return root


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target

"""Real git repositories made in the test: a bare `origin` and a clone the "author" pushes from."""

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from apps.core.tests.waiting import poll_until
from apps.sources.models import Source

from .factories import SourceFactory

QUEUES = """# Message Queues

## Executive Summary

Queues decouple producers from consumers.

## Exercises

- [ ] Run a broker locally
- [ ] Publish ten messages
"""

CACHING = """# Caching

## Executive Summary

Caches keep hot data close.

## Exercises

- [ ] Add a read-through cache
- [ ] Measure the hit ratio
"""


def git_env(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Ada Author",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada Author",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
    }


class Origin:
    """A bare repository (`path`) and a working clone whose commits are pushed to it."""

    def __init__(self, root: Path):
        self.root = root
        self.path = root / "remote" / "guides.git"
        self.clone = root / "author"
        self.env = git_env(root)
        self.path.parent.mkdir(parents=True)
        self.run("init", "--quiet", "--bare", "--initial-branch=main", str(self.path))
        self.run("init", "--quiet", "--initial-branch=main", str(self.clone))

    def run(self, *args: str, cwd: Path | None = None) -> str:
        result = subprocess.run(
            ["git", *args],
            cwd=cwd or self.root,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()

    def write(self, files: dict[str, str]) -> None:
        for name, text in files.items():
            target = self.clone / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")

    def remove(self, name: str) -> None:
        target = self.clone / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()

    def commit(self, message: str, *, push: bool = True, branch: str = "main") -> str:
        self.run("add", "--all", cwd=self.clone)
        self.run("commit", "--quiet", "--allow-empty", "-m", message, cwd=self.clone)
        sha = self.run("rev-parse", "HEAD", cwd=self.clone)
        if push:
            self.run("push", "--quiet", "--force", str(self.path), f"HEAD:{branch}", cwd=self.clone)
        return sha


@pytest.fixture
def sources_settings(settings, tmp_path):
    settings.SOURCES_ROOT = tmp_path / "var" / "sources"
    settings.SOURCES_LOCAL_ROOTS = [str(tmp_path / "remote")]
    settings.SOURCES_ALLOWED_SCHEMES = ["https", "ssh"]
    settings.SOURCES_ALLOW_PRIVATE_HOSTS = False
    settings.SOURCES_BUSY_RETRY_SECONDS = 0.2
    return settings


@pytest.fixture
def origin(tmp_path, sources_settings) -> Origin:
    repo = Origin(tmp_path)
    repo.write({"Queues.md": QUEUES, "Caching.md": CACHING})
    repo.commit("First guides")
    return repo


@pytest.fixture
def source(origin) -> Source:
    return SourceFactory(name="team", url=origin.path.as_uri())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def git_daemon(origin):
    """`git daemon` serving the origin over the real git protocol on 127.0.0.1."""
    port = free_port()
    base = origin.path.parent
    process = subprocess.Popen(
        ["git", "daemon", "--reuseaddr", "--export-all", f"--base-path={base}",
         "--listen=127.0.0.1", f"--port={port}", "--informative-errors", str(base)],
        env=origin.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip

    def listening() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            return False
        return True

    if not poll_until(listening, timeout=10):
        process.kill()
        pytest.fail(
            f"git daemon did not start: {process.stderr.read().decode() if process.stderr else ''}"
        )
    yield f"git://127.0.0.1:{port}/{origin.path.name}"
    process.terminate()
    process.wait(timeout=10)

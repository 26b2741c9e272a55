"""The real `git` binary, run as a guarded door into the server.

Every call runs with no system or global configuration, no hooks, no prompts, no LFS smudging,
an allow-list of transports (GIT_ALLOW_PROTOCOL: never `ext::` or `fd::`) and a time limit that
kills git and its helpers. A source's working copy is a bare repository fetched shallowly, and
a checkout of one tree (the branch's commit, or a sub-folder of it) written by `read-tree`,
which rewrites only the files that changed and writes symlinks as plain files.
"""

import ipaddress
import os
import re
import shlex
import signal
import socket
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")
TRANSPORT_PREFIX = re.compile(r"^(?P<transport>[A-Za-z][A-Za-z0-9+.-]*)::")
SCP_LIKE = re.compile(r"^(?:(?P<user>[A-Za-z0-9._-]+)@)?(?P<host>[A-Za-z0-9.-]+):(?P<path>[^/].*)$")
BRANCH = re.compile(r"^(?!-)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]{1,200}(?<![./])$")
NETWORK_SCHEMES = {"https", "ssh", "git", "http"}
ERROR_TAIL_CHARS = 2000
ASKPASS = """#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "${PORTAL_GIT_USERNAME:-x-access-token}" ;;
  *) printf '%s\\n' "$PORTAL_GIT_PASSWORD" ;;
esac
"""


class GitError(Exception):
    """A sync cannot go on: refused URL, unreachable remote, missing branch, over a limit."""


@dataclass(frozen=True)
class Remote:
    kind: str  # https, ssh, git, http or file
    fetch_url: str
    host: str = ""


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    tree: str
    author: str
    committed_at: datetime | None
    message: str


def remote_parse(url: str, *, resolve: bool = False) -> Remote:
    """Check a source URL against the allow-list; `resolve` also refuses hosts whose addresses
    are private or loopback (unless SOURCES_ALLOW_PRIVATE_HOSTS). Raises GitError."""
    url = url.strip()
    if not url:
        raise GitError("the URL is empty")
    if any(ord(char) < 32 or char == "\x7f" for char in url) or url.startswith("-"):
        raise GitError("the URL contains control characters or starts with '-'")
    if match := TRANSPORT_PREFIX.match(url):
        raise GitError(f"git's '{match['transport']}::' transport is not allowed")
    allowed = {scheme.lower() for scheme in settings.SOURCES_ALLOWED_SCHEMES}
    if match := SCHEME.match(url):
        scheme = match["scheme"].lower()
        if scheme == "file":
            return _local_remote(urlsplit(url).path)
        if scheme not in NETWORK_SCHEMES or scheme not in allowed:
            raise GitError(
                f"'{scheme}://' URLs are not allowed (allowed: "
                f"{', '.join(sorted(allowed))}, and local paths under SOURCES_LOCAL_ROOTS)"
            )
        parts = urlsplit(url)
        if not parts.hostname or parts.hostname.startswith("-"):
            raise GitError("the URL has no host, or one git would take for an option")
        if parts.password is not None or (scheme in {"https", "http"} and parts.username):
            raise GitError(
                "credentials are not allowed in the URL: name an environment variable in "
                "credential_env instead"
            )
        remote = Remote(kind=scheme, fetch_url=url, host=parts.hostname)
    elif url.startswith("/"):
        return _local_remote(url)
    elif match := SCP_LIKE.match(url):
        if "ssh" not in allowed:
            raise GitError("ssh URLs are not allowed")
        if match["host"].startswith("-"):
            raise GitError("the URL has a host git would take for an option")
        remote = Remote(kind="ssh", fetch_url=url, host=match["host"])
    else:
        raise GitError("not a URL git can fetch: use https://, ssh://, git@host:path or /path")
    if resolve:
        _host_check(remote.host)
    return remote


def _local_remote(path: str) -> Remote:
    roots = [Path(root).resolve() for root in settings.SOURCES_LOCAL_ROOTS if root]
    if not roots:
        raise GitError("local paths are not allowed (set SOURCES_LOCAL_ROOTS to allow a folder)")
    if not path.startswith("/"):
        raise GitError("a local path must be absolute")
    resolved = Path(path).resolve()
    if not any(resolved == root or resolved.is_relative_to(root) for root in roots):
        raise GitError(f"{path} is outside the folders allowed by SOURCES_LOCAL_ROOTS")
    return Remote(kind="file", fetch_url=resolved.as_uri())


def _host_check(host: str) -> None:
    if settings.SOURCES_ALLOW_PRIVATE_HOSTS:
        return
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise GitError(f"cannot resolve {host}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global:
            raise GitError(
                f"{host} resolves to {address}, a private or loopback address "
                "(set SOURCES_ALLOW_PRIVATE_HOSTS to allow it)"
            )


def branch_check(branch: str) -> str:
    if not BRANCH.match(branch) or branch.endswith(".lock") or "@{" in branch:
        raise GitError(f"'{branch}' is not a valid branch name")
    return branch


def subpath_check(subpath: str) -> str:
    cleaned = subpath.strip().strip("/")
    if cleaned and any(part in {"", ".", "..", ".git"} for part in cleaned.split("/")):
        raise GitError(f"'{subpath}' is not a folder inside the repository")
    return cleaned


class WorkingCopy:
    """`<SOURCES_ROOT>/<name>/repo.git` (bare, shallow) and `<…>/tree/<name>/` (one tree)."""

    def __init__(self, *, name: str, remote: Remote, credential_env: str = ""):
        if not re.fullmatch(r"[-a-zA-Z0-9_]+", name):
            raise GitError(f"'{name}' is not a valid source name")
        self.base = Path(settings.SOURCES_ROOT) / name
        self.git_dir = self.base / "repo.git"
        self.tree_dir = self.base / "tree" / name  # the folder name is the importer's label
        self.index_file = self.base / "tree.index"
        self.remote = remote
        self.credential_env = credential_env
        self.secret = ""

    # -- running git -------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        allowed = ["https", "ssh"] + [s for s in ("git", "http") if s == self.remote.kind]
        if self.remote.kind == "file":
            allowed.append("file")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.base),
            "LC_ALL": "C",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_LFS_SKIP_SMUDGE": "1",
            "GIT_ALLOW_PROTOCOL": ":".join(allowed),
            "GIT_SSH_COMMAND": self._ssh_command(),
        }
        if self.remote.kind in {"https", "http"} and self.credential_env:
            self.secret = self._credential()
            askpass = Path(settings.SOURCES_ROOT) / "askpass.sh"
            if not askpass.exists():
                askpass.write_text(ASKPASS)
                askpass.chmod(0o700)
            env |= {"GIT_ASKPASS": str(askpass), "PORTAL_GIT_PASSWORD": self.secret}
        return env

    def _credential(self) -> str:
        value = os.environ.get(self.credential_env, "")
        if not value:
            raise GitError(f"the environment variable {self.credential_env} is not set")
        return value

    def _ssh_command(self) -> str:
        known_hosts = Path(settings.SOURCES_ROOT) / "known_hosts"
        parts = [
            "ssh",
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=accept-new",
            "-o", f"UserKnownHostsFile={known_hosts}",
            "-o", "ConnectTimeout=15",
        ]  # fmt: skip
        if self.remote.kind == "ssh" and self.credential_env:
            parts += ["-i", self._credential(), "-o", "IdentitiesOnly=yes"]
        return shlex.join(parts)

    def git(self, *args: str, timeout: float | None = None, index: bool = False) -> str:
        env = self._env()
        if index:
            env["GIT_INDEX_FILE"] = str(self.index_file)
        command = [
            "git",
            f"--git-dir={self.git_dir}",
            "-c", "core.hooksPath=/dev/null",
            "-c", "core.symlinks=false",
            "-c", "core.fsmonitor=false",
            "-c", "submodule.recurse=false",
            "-c", "fetch.recurseSubmodules=false",
            "-c", "transfer.fsckObjects=true",
            "-c", "gc.auto=0",
            "-c", "advice.detachedHead=false",
            *args,
        ]  # fmt: skip
        limit = timeout or settings.SOURCES_GIT_TIMEOUT
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=self.base,
            start_new_session=True,  # the whole group (ssh, remote helpers) dies on a timeout
        )
        try:
            stdout, stderr = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise GitError(f"git {args[0]} took longer than {limit:g} s and was stopped") from None
        if process.returncode != 0:
            message = self._redact(stderr.decode("utf-8", "replace").strip())
            raise GitError(f"git {args[0]} failed: {message[-ERROR_TAIL_CHARS:]}")
        return stdout.decode("utf-8", "replace")

    def _redact(self, text: str) -> str:
        return text.replace(self.secret, "***") if self.secret else text

    # -- the steps of a sync -----------------------------------------------------------

    def prepare(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        if not (self.git_dir / "HEAD").exists():
            subprocess.run(
                ["git", "init", "--quiet", "--bare", str(self.git_dir)],
                check=True,
                env={**self._env(), "GIT_TEMPLATE_DIR": ""},
                cwd=self.base,
                capture_output=True,
            )

    def fetch(self, *, branch: str) -> str:
        """Fetch the branch's tip (depth 1, force: a force-push is followed) and return it."""
        branch_check(branch)
        self.git(
            "fetch", "--quiet", "--depth=1", "--no-tags", "--no-recurse-submodules",
            "--no-write-fetch-head", "--", self.remote.fetch_url,
            f"+refs/heads/{branch}:refs/sources/head",
        )  # fmt: skip
        return self.git("rev-parse", "--verify", "refs/sources/head^{commit}").strip()

    def commit_info(self, *, sha: str, subpath: str) -> CommitInfo:
        raw = self.git("show", "-s", "--format=%an <%ae>%x00%cI%x00%B", sha)
        author, committed, message = ([*raw.split("\x00", 2), "", ""])[:3]
        spec = f"{sha}:{subpath}" if subpath else f"{sha}^{{tree}}"
        try:
            tree = self.git("rev-parse", "--verify", "--quiet", spec).strip()
            is_tree = self.git("cat-file", "-t", tree).strip() == "tree"
        except GitError:
            is_tree = False
        if not is_tree:
            raise GitError(f"the folder '{subpath}' is not in commit {sha[:12]}")
        return CommitInfo(
            sha=sha,
            tree=tree,
            author=author.strip()[:300],
            committed_at=datetime.fromisoformat(committed) if committed else None,
            message=message.strip(),
        )

    def limits_check(self, *, tree: str) -> None:
        stats = dict(
            line.split(": ", 1) for line in self.git("count-objects", "-v").splitlines() if line
        )
        repo_bytes = (int(stats.get("size", 0)) + int(stats.get("size-pack", 0))) * 1024
        if repo_bytes > settings.SOURCES_MAX_REPO_BYTES:
            raise GitError(
                f"the repository is {repo_bytes:,} bytes, over the "
                f"{settings.SOURCES_MAX_REPO_BYTES:,}-byte limit (SOURCES_MAX_REPO_BYTES)"
            )
        files = 0
        total = 0
        for line in self.git("ls-tree", "-r", "-l", "--full-tree", tree).splitlines():
            meta, _path = line.split("\t", 1)
            _mode, kind, _sha, size = meta.split()
            if kind == "blob":
                files += 1
                total += int(size)
        if files > settings.SOURCES_MAX_FILES:
            raise GitError(
                f"the tree has {files:,} files, over the limit of "
                f"{settings.SOURCES_MAX_FILES:,} (SOURCES_MAX_FILES)"
            )
        if total > settings.SOURCES_MAX_TREE_BYTES:
            raise GitError(
                f"the tree holds {total:,} bytes, over the "
                f"{settings.SOURCES_MAX_TREE_BYTES:,}-byte limit (SOURCES_MAX_TREE_BYTES)"
            )

    def checkout(self, *, tree: str) -> Path:
        """Make tree_dir hold exactly `tree`; only files that differ are written."""
        self.tree_dir.mkdir(parents=True, exist_ok=True)
        self.git(f"--work-tree={self.tree_dir}", "read-tree", "--reset", "-u", tree, index=True)
        return self.tree_dir

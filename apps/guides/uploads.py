"""An uploaded zip of Markdown guides: safe extraction, then the import (`guides_import_zip`).

Everything is checked before anything is written: a bad archive is refused as a whole with a
reason an editor can act on, and the library is untouched.
"""

import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from django.conf import settings
from django.utils.text import slugify

from apps.guides.discovery import MARKDOWN_SUFFIXES
from apps.guides.services import ImportReport, guides_import

MAX_MEMBERS = 2000
MAX_TOTAL_BYTES = 50 * 1024 * 1024
# What every common file system holds: 255 bytes per name, and a path well under PATH_MAX
# once the scratch folder is in front of it.
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 1024
# Finder and Windows litter that carries no content; skipped rather than refused.
IGNORED_PARTS = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"}


class ArchiveRejected(ValueError):
    """The upload is not an archive we will extract; the message says why."""


@dataclass(frozen=True)
class ArchiveLimits:
    max_archive_bytes: int
    max_file_bytes: int
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_members: int = MAX_MEMBERS


def zip_extract_guides(*, archive: BinaryIO, size: int, target: Path, limits: ArchiveLimits) -> int:
    """Extract the Markdown files of `archive` under `target`; return how many were written."""
    if size > limits.max_archive_bytes:
        raise ArchiveRejected(
            f"the archive is {size:,} bytes, over the {limits.max_archive_bytes:,}-byte limit"
        )
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise ArchiveRejected("this is not a zip archive, or its directory is damaged") from None
    with bundle:
        members = bundle.infolist()
        if len(members) > limits.max_members:
            raise ArchiveRejected(
                f"the archive holds {len(members):,} entries, over the {limits.max_members:,} limit"
            )
        wanted = [member for member in members if _member_checked(member, limits)]
        _check_layout(wanted)
        total = sum(member.file_size for member in wanted)
        if total > limits.max_total_bytes:
            raise ArchiveRejected(
                f"the archive expands to {total:,} bytes, over the {limits.max_total_bytes:,} limit"
            )
        if not wanted:
            raise ArchiveRejected("the archive holds no Markdown (.md) files")
        root = target.resolve()
        for member in wanted:
            destination = (root / member.filename).resolve()
            if not destination.is_relative_to(root):  # belt and braces after the name checks
                raise ArchiveRejected(f"{member.filename}: path leaves the archive's folder")
            data = _member_read(bundle, member, limits)
            try:
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(data)
            except OSError as error:  # the checks above leave little; say what the disk said
                raise ArchiveRejected(
                    f"{member.filename}: cannot be written ({error.strerror or error})"
                ) from None
    return len(wanted)


def _member_read(bundle: zipfile.ZipFile, member: zipfile.ZipInfo, limits: ArchiveLimits) -> bytes:
    """The member's bytes, checked against its CRC and its declared size; refused otherwise."""
    name = member.filename
    try:
        with bundle.open(member) as source:
            # file_size is what the archive claims; never trust it further than the limit.
            data = source.read(limits.max_file_bytes + 1)
    except NotImplementedError:
        raise ArchiveRejected(
            f"{name}: compressed with a method this server cannot read; use plain zip (deflate)"
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as error:
        # zipfile says "Bad CRC-32 for file ..." or "Bad magic number for file header".
        raise ArchiveRejected(f"{name}: damaged in the archive ({error})") from None
    if len(data) > limits.max_file_bytes:
        raise ArchiveRejected(f"{name}: over the {limits.max_file_bytes:,}-byte limit")
    if len(data) != member.file_size:
        raise ArchiveRejected(
            f"{name}: damaged in the archive (it expands to {len(data):,} bytes, "
            f"not the {member.file_size:,} its header says)"
        )
    return data


def _check_layout(members: list[zipfile.ZipInfo]) -> None:
    """Refuse names no folder on disk can hold: the same file twice, or a file that is also
    a folder of another entry (`a.md` beside `a.md/b.md`)."""
    files: set[str] = set()
    folders: set[str] = set()
    for member in members:
        path = PurePosixPath(member.filename)
        key = str(path)
        if key in files:
            raise ArchiveRejected(f"{member.filename}: the archive holds this file twice")
        files.add(key)
        folders.update(str(parent) for parent in path.parents if str(parent) != ".")
    for clash in sorted(files & folders):
        raise ArchiveRejected(f"{clash}: is both a file and a folder in the archive")


def _member_checked(member: zipfile.ZipInfo, limits: ArchiveLimits) -> bool:
    """True for a Markdown file to extract, False for a folder or litter; refuses the rest."""
    name = member.filename
    if "\\" in name:
        raise ArchiveRejected(f"{name}: backslashes in paths are not allowed")
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and path.parts[0].endswith(":")):
        raise ArchiveRejected(f"{name}: absolute paths are not allowed")
    if ".." in path.parts:
        raise ArchiveRejected(f"{name}: '..' in paths is not allowed")
    if len(name.encode()) > MAX_PATH_BYTES:
        raise ArchiveRejected(f"{name[:60]}…: path over {MAX_PATH_BYTES:,} bytes")
    for part in path.parts:
        if len(part.encode()) > MAX_NAME_BYTES:
            raise ArchiveRejected(f"{part[:60]}…: a name over {MAX_NAME_BYTES} bytes")
    mode = member.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ArchiveRejected(f"{name}: symbolic links are not allowed")
    if member.flag_bits & 0x1:
        raise ArchiveRejected(f"{name}: encrypted entries are not supported")
    if any(part in IGNORED_PARTS for part in path.parts):
        return False
    if member.is_dir():
        return False
    if path.suffix.lower() not in MARKDOWN_SUFFIXES:
        raise ArchiveRejected(f"{name}: only Markdown files (.md, .markdown) are accepted")
    if member.file_size > limits.max_file_bytes:
        raise ArchiveRejected(
            f"{name}: {member.file_size:,} bytes, over the {limits.max_file_bytes:,}-byte limit"
        )
    return True


def guides_import_zip(
    *, archive: BinaryIO, name: str, size: int, dry_run: bool = False, started_by: Any = None
) -> ImportReport:
    """Import an uploaded zip of guides as the repository `upload-<name>`. Re-uploading a zip
    of the same name updates its guides (progress kept) and archives the ones it no longer has.
    Raises ArchiveRejected, before anything is written, for an archive we will not extract."""
    label = "upload-" + (slugify(Path(name).stem) or "guides")
    with tempfile.TemporaryDirectory(prefix="guides-upload-") as scratch:
        root = Path(scratch) / label
        root.mkdir()
        zip_extract_guides(
            archive=archive,
            size=size,
            target=root,
            limits=ArchiveLimits(
                max_archive_bytes=settings.GUIDE_UPLOAD_MAX_BYTES,
                max_file_bytes=settings.GUIDE_MAX_BYTES,
            ),
        )
        # The scratch folder is gone after this: the run records where the guides came from.
        report = guides_import(
            path=root,
            dry_run=dry_run,
            started_by=started_by,
            source=f"{label} (uploaded {name})",
        )
    return report

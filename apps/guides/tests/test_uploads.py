"""Damaged and impossible zips uploaded in the admin: each is refused whole with its reason,
never a 500, and the library is untouched."""

import io
import struct
import zipfile

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.guides.models import Guide, ImportRun
from apps.guides.services import guides_import
from apps.guides.tests.test_admin import GUIDE, _upload, _zip

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("editor@example.com", "pw-editor-1"))
    return client


BODY = GUIDE.encode()


def _named(data: bytes) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = "team-guides.zip"
    return buffer


def bad_crc() -> io.BytesIO:
    raw = bytearray(_stored({"a.md": BODY}))
    at = raw.index(b"Queues decouple")
    raw[at] ^= 0x20  # one flipped bit in the stored data; the CRC in the headers stays
    return _named(bytes(raw))


def size_mismatch() -> io.BytesIO:
    """The central directory claims a smaller size than the data expands to."""
    raw = bytearray(_stored({"a.md": BODY}))
    central = raw.index(b"PK\x01\x02")
    # Central directory header: uncompressed size at offset 24 (compressed size at 20).
    struct.pack_into("<I", raw, central + 24, len(BODY) - 10)
    return _named(bytes(raw))


def truncated() -> io.BytesIO:
    raw = _deflated({"a.md": BODY * 20})
    data_start = 30 + len("a.md")
    # Cut the compressed stream short but keep a valid central directory after it.
    head = raw[: data_start + 40]
    info = zipfile.ZipFile(io.BytesIO(raw)).infolist()[0]
    central = raw[raw.index(b"PK\x01\x02") :]
    return _named(head + b"\x00" * (info.compress_size - 40) + central)


def _stored(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as bundle:
        for name, content in files.items():
            bundle.writestr(name, content)
    return buffer.getvalue()


def _deflated(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, content in files.items():
            bundle.writestr(name, content)
    return buffer.getvalue()


def unsupported_method() -> io.BytesIO:
    raw = bytearray(_stored({"a.md": BODY}))
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        struct.pack_into("<H", raw, raw.index(signature) + offset, 99)  # AES, say
    return _named(bytes(raw))


LONG = "n" * 256 + ".md"
DEEP = "/".join(["folder" * 20] * 10) + "/a.md"

BAD = {
    "bad CRC": (bad_crc, "a.md: damaged in the archive (Bad CRC-32"),
    "size mismatch": (size_mismatch, "a.md: damaged in the archive"),
    "truncated data": (truncated, "a.md: damaged in the archive"),
    "unsupported compression": (unsupported_method, "compressed with a method this server"),
    "name too long": (lambda: _zip({LONG: GUIDE}), "a name over 255 bytes"),
    "path too long": (lambda: _zip({DEEP: GUIDE}), "path over 1,024 bytes"),
    "file beside folder": (
        lambda: _zip({"a.md": GUIDE, "a.md/b.md": GUIDE}),
        "a.md: is both a file and a folder in the archive",
    ),
    "folder beside file": (
        lambda: _zip({"x/a.md/b.md": GUIDE, "x/a.md": GUIDE}),
        "x/a.md: is both a file and a folder in the archive",
    ),
    "same file twice": (
        lambda: _zip({"a.md": GUIDE, "./a.md": GUIDE}),
        "the archive holds this file twice",
    ),
    "damaged directory": (lambda: _named(_stored({"a.md": BODY})[:-30]), "not a zip archive"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_damaged_or_impossible_zip_is_refused_with_its_reason(
    case: str, staff_client: Client, guide_repo
) -> None:
    guides_import(path=guide_repo({"existing.md": GUIDE}))
    before = list(Guide.objects.values_list("pk", "content_hash", "is_archived"))
    make, reason = BAD[case]
    response = _upload(staff_client, make())
    assert response.status_code == 200
    page = response.content.decode().replace("&#x27;", "'")
    assert "Nothing was imported" in page
    assert reason in page, page[page.find("Nothing was") :][:400]
    assert list(Guide.objects.values_list("pk", "content_hash", "is_archived")) == before
    assert ImportRun.objects.count() == 1  # only the setup import


def test_a_sound_zip_with_nested_folders_still_imports(staff_client: Client) -> None:
    response = _upload(
        staff_client, _zip({"a/b/c.md": GUIDE, "a/d.md": GUIDE.replace("Message", "Other")})
    )
    assert response.status_code == 200
    assert Guide.objects.count() == 2

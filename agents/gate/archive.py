"""Unpacking an uploaded bundle archive (tar.gz or zip) without trusting it.

Every member must be a plain file or folder with a relative path that stays inside the
destination; links, devices, absolute paths and ``..`` are refused with ``UnsafeArchive``
naming the member. The unpacked size and the number of files are limited (no zip bombs).
"""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO

MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_FILES = 2_000
CHUNK = 1024 * 1024


class UnsafeArchive(ValueError):
    """The archive cannot be unpacked safely or at all; the message names the member."""


def safe_path(name: str) -> PurePosixPath | None:
    """The member's relative path, ``None`` for the archive's root; ``UnsafeArchive`` for a
    path that is absolute, climbs out with ``..`` or uses backslashes or drive letters."""
    if "\\" in name or "\x00" in name:
        raise UnsafeArchive(f"member {name!r}: backslashes and NUL are not allowed in paths")
    pure = PurePosixPath(name)
    if pure.is_absolute() or (pure.parts and pure.parts[0].endswith(":")):
        raise UnsafeArchive(f"member {name!r} has an absolute path; paths must be relative")
    if ".." in pure.parts:
        raise UnsafeArchive(f"member {name!r} climbs out of the bundle with '..'")
    parts = [p for p in pure.parts if p not in ("", ".")]
    return PurePosixPath(*parts) if parts else None


class _Writer:
    """Writes members under ``dest`` while counting files and bytes against the limits."""

    def __init__(self, dest: Path, max_bytes: int, max_files: int) -> None:
        self.dest, self.max_bytes, self.max_files = dest, max_bytes, max_files
        self.total, self.files = 0, 0

    def folder(self, rel: PurePosixPath) -> None:
        try:
            (self.dest / rel).mkdir(parents=True, exist_ok=True)
        except OSError:
            raise UnsafeArchive(f"member {rel} is both a folder and a file") from None

    def file(self, rel: PurePosixPath, source: IO[bytes]) -> None:
        self.files += 1
        if self.files > self.max_files:
            raise UnsafeArchive(f"the archive holds more than {self.max_files} files")
        target = self.dest / rel
        if target.is_dir():
            raise UnsafeArchive(f"member {rel} is both a folder and a file")
        self.folder(rel.parent)
        with target.open("wb") as out:
            while chunk := source.read(CHUNK):
                self.total += len(chunk)
                if self.total > self.max_bytes:
                    raise UnsafeArchive(
                        f"the archive unpacks to more than {self.max_bytes} bytes; "
                        "leave data and outputs out of the bundle"
                    )
                out.write(chunk)
        target.chmod(0o644)


def _tar_members(data: bytes) -> Iterator[tuple[str, str, IO[bytes] | None]]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
        for member in archive:
            if member.isdir():
                yield member.name, "dir", None
            elif member.isfile():
                yield member.name, "file", archive.extractfile(member)
            else:
                what = "a link" if member.issym() or member.islnk() else "not a plain file"
                raise UnsafeArchive(f"member {member.name!r} is {what}; only files and folders")


def _zip_members(data: bytes) -> Iterator[tuple[str, str, IO[bytes] | None]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip tool set no type
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise UnsafeArchive(f"member {info.filename!r} is a link or a special file")
            if info.is_dir():
                yield info.filename, "dir", None
            else:
                with archive.open(info) as source:
                    yield info.filename, "file", source


def archive_kind(data: bytes) -> str:
    """``zip`` or ``tar`` (plain, gzip, bzip2 or xz), from the first bytes."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if data[:2] == b"\x1f\x8b" or data[:3] == b"BZh" or data[:6] == b"\xfd7zXZ\x00":
        return "tar"
    if data[257:262] == b"ustar":
        return "tar"
    raise UnsafeArchive("not a tar.gz or zip archive (send the bundle folder packed as one)")


def unpack(
    data: bytes, dest: Path, *, max_bytes: int = MAX_UNPACKED_BYTES, max_files: int = MAX_FILES
) -> list[str]:
    """Unpack ``data`` into the empty folder ``dest``; the files written, sorted."""
    kind = archive_kind(data)
    members = _zip_members(data) if kind == "zip" else _tar_members(data)
    writer = _Writer(dest, max_bytes, max_files)
    written: list[str] = []
    try:
        for name, what, source in members:
            rel = safe_path(name)
            if rel is None:
                continue
            if what == "dir":
                writer.folder(rel)
            elif source is not None:
                writer.file(rel, source)
                written.append(rel.as_posix())
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise UnsafeArchive(f"the {kind} archive is damaged or not one: {exc}") from None
    if not written:
        raise UnsafeArchive("the archive holds no files")
    return sorted(written)

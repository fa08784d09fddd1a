"""Files going into and out of a sandbox: path checks, hashes, and tar archives in memory."""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from sandbox.errors import SandboxError
from sandbox.types import FileHash

FileMap = Mapping[str, bytes | str]


def clean_path(path: str) -> str:
    """A relative POSIX path inside the work folder; absolute paths and ``..`` are refused."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or pure == PurePosixPath("."):
        raise SandboxError(
            f"file path {path!r} must be relative to the work folder, without '..'; "
            "e.g. 'main.py' or 'data/input.json'"
        )
    return pure.as_posix()


def as_bytes(files: FileMap) -> dict[str, bytes]:
    """Checked paths and bytes (text is encoded as UTF-8)."""
    return {
        clean_path(name): data.encode() if isinstance(data, str) else bytes(data)
        for name, data in files.items()
    }


def read_dir(root: Path) -> dict[str, bytes]:
    """Every regular file under ``root`` (symlinks are skipped), keyed by relative path."""
    if not root.is_dir():
        raise SandboxError(f"{root} is not a folder; give the folder whose files the sandbox gets")
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def hashes(files: Mapping[str, bytes]) -> list[FileHash]:
    return [
        FileHash(path=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())
        for name, data in sorted(files.items())
    ]


def pack(files: Mapping[str, bytes], uid: int = 65534, gid: int = 65534) -> bytes:
    """A tar archive of ``files`` owned by ``uid``:``gid``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        dirs: set[str] = set()
        for name, data in sorted(files.items()):
            for parent in reversed(PurePosixPath(name).parents[:-1]):
                if str(parent) not in dirs:
                    dirs.add(str(parent))
                    info = tarfile.TarInfo(str(parent))
                    info.type, info.mode, info.uid, info.gid = tarfile.DIRTYPE, 0o755, uid, gid
                    tar.addfile(info)
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.uid, info.gid = len(data), 0o644, uid, gid
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def unpack(archive: bytes) -> dict[str, bytes]:
    """Regular files of a tar archive, in memory (nothing is ever extracted on the host)."""
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            name = PurePosixPath(member.name.removeprefix("./")).as_posix()
            handle = tar.extractfile(member)
            if handle is not None and name and ".." not in PurePosixPath(name).parts:
                out[name] = handle.read()
    return out

"""Files in and out: path checks, tar round trips, and the registry of backends."""

from __future__ import annotations

import pytest

from sandbox import SandboxError, backend_names, get_backend
from sandbox._files import as_bytes, hashes, pack, unpack
from sandbox._output import CappedBuffer


def test_pack_and_unpack_round_trip_with_folders() -> None:
    files = {"a.txt": b"A", "deep/er/b.bin": bytes(range(256)), "deep/c": b""}
    assert unpack(pack(files)) == files


def test_unpack_never_returns_links_or_parent_paths() -> None:
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        link = tarfile.TarInfo("./link")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
        evil = tarfile.TarInfo("../evil")
        evil.size = 1
        tar.addfile(evil, io.BytesIO(b"x"))
        good = tarfile.TarInfo("./ok.txt")
        good.size = 2
        tar.addfile(good, io.BytesIO(b"ok"))
    assert unpack(buffer.getvalue()) == {"ok.txt": b"ok"}


def test_text_is_encoded_and_hashes_are_sorted() -> None:
    checked = as_bytes({"z.txt": "é", "a.bin": b"\x00"})
    assert checked == {"z.txt": "é".encode(), "a.bin": b"\x00"}
    assert [h.path for h in hashes(checked)] == ["a.bin", "z.txt"]
    assert hashes(checked)[1].size == 2


def test_the_capped_buffer_keeps_exactly_the_cap() -> None:
    buffer = CappedBuffer(5)
    assert buffer.feed(b"abc") is False
    assert buffer.feed(b"defg") is True
    assert buffer.text() == "abcde" and buffer.truncated


def test_an_unknown_backend_names_the_known_ones() -> None:
    assert {"docker", "local"} <= set(backend_names())
    with pytest.raises(SandboxError, match=r"choose one of: .*docker.*local"):
        get_backend("firecracker")

"""Uploaded bundles: archives are unpacked only when every member is safe, and kept by hash."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from agents.gate.archive import UnsafeArchive, safe_path, unpack
from agents.gate.bundles import BundleStore, BundleTooLarge, UnknownBundle
from sandbox.monitor import MalformedBundle

SPEC = b"task: arith\nentry: solve.py:solve\nmodel: mock/echo\nclaims:\n" + (
    b"- {metric: accuracy, split: dev, value: 0.3}\n"
)
SOLVE = b"def solve(question, llm):\n    return llm.complete(question)[0]\n"


def tar_gz(members: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return out.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../evil.py", "climbs out"),
        ("ok/../../evil.py", "climbs out"),
        ("/etc/cron.d/evil", "absolute"),
        ("C:/evil.py", "absolute"),
        ("dir\\evil.py", "backslash"),
    ],
)
def test_unsafe_member_names_are_refused(name: str, why: str) -> None:
    with pytest.raises(UnsafeArchive, match=why):
        safe_path(name)


def test_safe_names_are_normalised() -> None:
    assert safe_path("./bundle/solve.py") == Path("bundle/solve.py")
    assert safe_path("./") is None


@pytest.mark.parametrize("pack", [tar_gz, zipped])
def test_path_traversal_in_an_archive_writes_nothing_outside(pack, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(UnsafeArchive, match=r"\.\./escaped\.py"):
        unpack(pack({"rxlab.yaml": SPEC, "../escaped.py": b"x = 1\n"}), dest)
    assert not (tmp_path / "escaped.py").exists()


def test_links_are_refused(tmp_path: Path) -> None:
    archive = tar_gz({"rxlab.yaml": SPEC}, links={"solve.py": "/etc/passwd"})
    with pytest.raises(UnsafeArchive, match="link"):
        unpack(archive, tmp_path)


def test_zip_bombs_stop_at_the_unpacked_limit(tmp_path: Path) -> None:
    archive = zipped({"rxlab.yaml": SPEC, "big.txt": b"0" * 2_000_000})
    assert len(archive) < 20_000  # it compresses very well
    with pytest.raises(UnsafeArchive, match="more than 100000 bytes"):
        unpack(archive, tmp_path, max_bytes=100_000)


def test_garbage_is_not_an_archive(tmp_path: Path) -> None:
    with pytest.raises(UnsafeArchive, match=r"tar\.gz or zip"):
        unpack(b"just some text, no archive", tmp_path)
    with pytest.raises(UnsafeArchive, match="damaged"):
        unpack(b"\x1f\x8b" + b"\x00" * 64, tmp_path)


def test_store_keeps_a_bundle_by_content_hash(tmp_path: Path) -> None:
    store = BundleStore(tmp_path / "bundles")
    archive = tar_gz({"exp/rxlab.yaml": SPEC, "exp/solve.py": SOLVE})  # one top-level folder
    info = store.add(archive, "alpha")
    assert info.id.startswith("bd-") and info.kind == "code" and info.task == "arith"
    assert info.files == ["rxlab.yaml", "solve.py"] and info.lab == "alpha"
    assert info.claims == [{"metric": "accuracy", "split": "dev", "value": 0.3}]
    assert (store.path(info.id) / "solve.py").read_bytes() == SOLVE
    assert store.add(archive, "beta").id == info.id  # the same archive is the same bundle
    assert store.info(info.id).lab == "alpha"
    assert not list((tmp_path / "bundles" / ".incoming").iterdir())


def test_store_refuses_what_it_cannot_run(tmp_path: Path) -> None:
    store = BundleStore(tmp_path / "bundles", max_bytes=1_000)
    with pytest.raises(BundleTooLarge, match="over the limit of 1000 bytes"):
        store.add(b"\x1f\x8b" + bytes(2_000), "alpha")
    with pytest.raises(MalformedBundle, match=r"no rxlab\.yaml"):
        store.add(zipped({"solve.py": SOLVE}), "alpha")
    with pytest.raises(MalformedBundle, match=r"missing\.py"):
        store.add(zipped({"rxlab.yaml": SPEC.replace(b"solve.py", b"missing.py")}), "alpha")
    with pytest.raises(UnknownBundle, match="POST /api/bundles"):
        store.path("bd-" + "0" * 20)
    with pytest.raises(UnknownBundle):
        store.path("../../etc")


def test_zip_symlinks_are_refused(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("rxlab.yaml", SPEC)
        link = zipfile.ZipInfo("solve.py")
        link.external_attr = (0o120777) << 16  # a symbolic link, as `zip --symlinks` stores it
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(UnsafeArchive, match="link"):
        unpack(out.getvalue(), tmp_path)

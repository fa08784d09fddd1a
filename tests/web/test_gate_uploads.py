"""``POST /api/bundles``: a lab uploads its bundle; too large is 413, unsafe or malformed is 400."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agents.gate import BundleStore, GateWorker
from preprints import Store
from tests.preprints.fakes import hashing_embedder
from web import create_app

LIMIT = 50_000
SPEC = b"task: arith\nentry: solve.py:solve\nmodel: mock/echo\n"
SOLVE = b"def solve(question, llm):\n    return llm.complete(question)[0]\n"


@dataclass
class Uploads:
    client: TestClient
    store: Store
    token: str
    home: Path

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def send(self, archive: bytes, name: str = "bundle.tar.gz") -> Any:
        files = {"bundle": (name, archive, "application/gzip")}
        return self.client.post("/api/bundles", files=files, headers=self.auth)


@pytest.fixture
def uploads(tmp_path: Path, rxlab_home: Path) -> Iterator[Uploads]:
    store = Store(f"sqlite:///{tmp_path / 'web.db'}", embedder=hashing_embedder)
    token = store.create_lab("alpha")[1]
    bundles = BundleStore(rxlab_home / "bundles", max_bytes=LIMIT)
    worker = GateWorker(store, rxlab_home, bundles=bundles, poll_s=60)
    with TestClient(create_app(store=store, gate=worker), raise_server_exceptions=False) as client:
        yield Uploads(client, store, token, rxlab_home)
    store.close()


def tar_gz(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_a_bundle_is_uploaded_once_and_described(uploads: Uploads) -> None:
    archive = tar_gz({"my-exp/rxlab.yaml": SPEC, "my-exp/solve.py": SOLVE})
    first = uploads.send(archive)
    assert first.status_code == 201, first.text
    info = first.json()
    assert info["id"].startswith("bd-") and info["files"] == ["rxlab.yaml", "solve.py"]
    assert info["lab"] == "alpha" and info["kind"] == "code" and info["task"] == "arith"
    stored = uploads.home / "bundles" / info["id"] / "solve.py"
    assert stored.read_bytes() == SOLVE
    raw = uploads.client.post(
        "/api/bundles",
        content=archive,
        headers={**uploads.auth, "Content-Type": "application/gzip"},
    )
    assert raw.status_code == 201 and raw.json()["id"] == info["id"]
    assert uploads.client.get(f"/api/bundles/{info['id']}").json()["files"] == info["files"]
    assert uploads.client.get("/api/bundles/bd-" + "0" * 20).status_code == 404
    schema = uploads.client.get("/openapi.json").json()
    assert (
        "multipart/form-data" in schema["paths"]["/api/bundles"]["post"]["requestBody"]["content"]
    )


def test_a_huge_upload_is_refused_with_413(uploads: Uploads) -> None:
    huge = b"\x1f\x8b" + os.urandom(LIMIT * 4)
    declared = uploads.send(huge)
    assert declared.status_code == 413
    detail = declared.json()["detail"]
    assert "bundle archive is over the limit" in detail and str(LIMIT) in detail

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts what arrives
        for _ in range(8):
            yield os.urandom(LIMIT // 2)

    streamed = uploads.client.post(
        "/api/bundles",
        content=chunks(),
        headers={**uploads.auth, "Content-Type": "application/gzip"},
    )
    assert streamed.status_code == 413 and "bundle archive" in streamed.json()["detail"]
    # just over the archive limit but inside the form's slack: refused by the store itself
    just_over = uploads.send(b"\x1f\x8b" + os.urandom(LIMIT))
    assert just_over.status_code == 413
    assert not list((uploads.home / "bundles").glob("bd-*"))


def test_path_traversal_and_links_are_refused_with_400(uploads: Uploads) -> None:
    climbing = uploads.send(tar_gz({"rxlab.yaml": SPEC, "../../outside.py": SOLVE}))
    assert climbing.status_code == 400
    assert "climbs out" in climbing.json()["detail"]
    absolute = uploads.send(tar_gz({"rxlab.yaml": SPEC, "/tmp/abs.py": SOLVE}))
    assert absolute.status_code == 400 and "absolute" in absolute.json()["detail"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("rxlab.yaml", SPEC)
        link = zipfile.ZipInfo("solve.py")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
    linked = uploads.send(out.getvalue(), "bundle.zip")
    assert linked.status_code == 400 and "link" in linked.json()["detail"]
    assert not (uploads.home / "outside.py").exists()
    assert not (uploads.home.parent / "outside.py").exists()


def test_bad_uploads_get_clear_errors(uploads: Uploads) -> None:
    malformed = uploads.send(tar_gz({"rxlab.yaml": SPEC}))  # entry file missing
    assert malformed.status_code == 400
    assert "malformed bundle" in malformed.json()["detail"]
    assert "solve.py" in malformed.json()["detail"]
    garbage = uploads.send(b"this is not an archive")
    assert garbage.status_code == 400
    anonymous = uploads.client.post("/api/bundles", files={"bundle": ("b.tgz", b"x")})
    assert anonymous.status_code == 401
    wrong_type = uploads.client.post(
        "/api/bundles", content=b"{}", headers={**uploads.auth, "Content-Type": "application/json"}
    )
    assert wrong_type.status_code == 415 and "multipart/form-data" in wrong_type.json()["detail"]
    two_files = uploads.client.post(
        "/api/bundles",
        files={"one": ("a.tgz", b"a"), "two": ("b.tgz", b"b")},
        headers=uploads.auth,
    )
    assert two_files.status_code == 400 and "one file" in two_files.json()["detail"]

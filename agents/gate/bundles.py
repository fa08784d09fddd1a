"""Uploaded experiment bundles, kept under ``RXLAB_HOME/bundles/<id>/``.

A lab uploads its bundle (a tar.gz or zip of the folder with ``rxlab.yaml``) and names the id
it gets back in its claims' ``spec`` (``{"bundle": "bd-..."}``). The id is the archive's
content hash, so the code a verdict was given for can never change under it.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from agents.gate.archive import MAX_FILES, MAX_UNPACKED_BYTES, UnsafeArchive, unpack
from sandbox.monitor import MalformedBundle, load_bundle
from sandbox.monitor.bundle import SPEC_FILE

MAX_BUNDLE_BYTES = 8 * 1024 * 1024
BUNDLE_ID = re.compile(r"^bd-[0-9a-f]{20}$")
INCOMING = ".incoming"


class BundleTooLarge(ValueError):
    """The archive is over the size limit."""


class UnknownBundle(LookupError):
    """No bundle has this id."""


class BundleInfo(BaseModel):
    """What the store knows about one bundle."""

    id: str = Field(description="name it in a claim's spec as {'bundle': id}")
    sha256: str
    size: int = Field(description="bytes of the archive as uploaded")
    lab: str
    kind: str = Field(description="code, architecture or allocation")
    task: str
    files: list[str]
    claims: list[dict[str, object]] = Field(default_factory=list, description="from rxlab.yaml")
    created_at: datetime


def _bundle_root(folder: Path) -> Path:
    """The folder with ``rxlab.yaml``: the archive's root or its one top-level folder."""
    if (folder / SPEC_FILE).is_file():
        return folder
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and (entries[0] / SPEC_FILE).is_file():
        return entries[0]
    raise MalformedBundle(
        f"the archive has no {SPEC_FILE} at its top (or in its one top-level folder); "
        "pack the bundle folder itself"
    )


class BundleStore:
    """Bundles in ``root``; one folder per id and a JSON record beside it."""

    def __init__(
        self,
        root: Path,
        *,
        max_bytes: int = MAX_BUNDLE_BYTES,
        max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
        max_files: int = MAX_FILES,
    ) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.max_unpacked_bytes = max_unpacked_bytes
        self.max_files = max_files

    def too_large_message(self) -> str:
        return (
            f"the bundle archive is over the limit of {self.max_bytes} bytes; upload only the "
            "code and rxlab.yaml (no data, outputs or virtual environments)"
        )

    def add(self, data: bytes, lab: str) -> BundleInfo:
        """Check, unpack and keep an archive; the same archive twice gives the same id.
        Raises ``BundleTooLarge``, ``UnsafeArchive`` or ``MalformedBundle``."""
        if len(data) > self.max_bytes:
            raise BundleTooLarge(self.too_large_message())
        sha = hashlib.sha256(data).hexdigest()
        bundle_id = f"bd-{sha[:20]}"
        if (self.root / f"{bundle_id}.json").is_file():
            return self.info(bundle_id)
        staging = self.root / INCOMING / secrets.token_hex(8)
        staging.mkdir(parents=True)
        try:
            files = unpack(
                data, staging, max_bytes=self.max_unpacked_bytes, max_files=self.max_files
            )
            source = _bundle_root(staging)
            spec = load_bundle(source)
            target = self.root / bundle_id
            if not target.exists():
                source.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        prefix = "" if source == staging else f"{source.name}/"
        info = BundleInfo(
            id=bundle_id,
            sha256=sha,
            size=len(data),
            lab=lab,
            kind=spec.kind,
            task=spec.task,
            files=[f.removeprefix(prefix) for f in files if f.startswith(prefix)],
            claims=[c.model_dump() for c in spec.claims],
            created_at=datetime.now(UTC),
        )
        (self.root / f"{bundle_id}.json").write_text(info.model_dump_json(indent=1))
        return info

    def path(self, bundle_id: str) -> Path:
        """The bundle's folder; ``UnknownBundle`` when there is none."""
        if not BUNDLE_ID.match(bundle_id) or not (self.root / bundle_id).is_dir():
            raise UnknownBundle(
                f"no bundle {bundle_id!r}; upload it with POST /api/bundles and use the id "
                "it returns"
            )
        return self.root / bundle_id

    def info(self, bundle_id: str) -> BundleInfo:
        self.path(bundle_id)
        record = self.root / f"{bundle_id}.json"
        return BundleInfo.model_validate(json.loads(record.read_text()))


__all__ = [
    "BundleInfo",
    "BundleStore",
    "BundleTooLarge",
    "UnknownBundle",
    "UnsafeArchive",
]

"""The sandbox base image, built offline: ``debootstrap`` into a folder, then ``docker import``.

The mirror and suite come from the host's own apt sources, so the build needs nothing but the
Debian mirror the host already uses. ``python -m sandbox.image`` builds it once and skips when the
tag exists; ``rxlab sandbox build-image`` does the same from the command line.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox._docker_config import image_exists
from sandbox.errors import SandboxError
from sandbox.types import DEFAULT_IMAGE

IMAGE_PACKAGES = ("python3", "python3-numpy")
# Applied by `docker import`: who runs, where, and a quiet Python.
IMAGE_CHANGES = (
    "USER 65534:65534",
    "WORKDIR /work",
    "ENV PYTHONDONTWRITEBYTECODE=1",
    "ENV PYTHONUNBUFFERED=1",
    "ENV HOME=/work",
    "ENV LANG=C.UTF-8",
    'CMD ["/bin/sh"]',
)
# Trimmed from the root file system after debootstrap: caches and docs the sandbox never needs.
TRIM_PATHS = (
    "var/cache/apt/archives",
    "var/lib/apt/lists",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
)
APT_SOURCE_FILES = ("/etc/apt/sources.list.d", "/etc/apt/sources.list")


@dataclass(frozen=True)
class AptSource:
    """Where debootstrap downloads from: a mirror URI and a suite (``bookworm``)."""

    uri: str
    suite: str


def _deb822_sources(text: str) -> list[AptSource]:
    found: list[AptSource] = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line:
                continue
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split() or fields.get("enabled") == "no":
            continue
        for uri in fields.get("uris", "").split():
            found.extend(AptSource(uri, suite) for suite in fields.get("suites", "").split())
    return found


def _one_line_sources(text: str) -> list[AptSource]:
    found: list[AptSource] = []
    for line in text.splitlines():
        parts = re.sub(r"\[[^\]]*\]", "", line.split("#", 1)[0]).split()
        if len(parts) >= 3 and parts[0] == "deb":
            found.append(AptSource(parts[1], parts[2]))
    return found


def host_apt_sources(paths: tuple[str, ...] = APT_SOURCE_FILES) -> list[AptSource]:
    """Every ``deb`` source the host's apt configuration lists."""
    found: list[AptSource] = []
    for raw in paths:
        path = Path(raw)
        files = sorted(path.iterdir()) if path.is_dir() else [path] if path.is_file() else []
        for file in files:
            if file.suffix == ".sources":
                found.extend(_deb822_sources(file.read_text()))
            elif file.suffix == ".list" or file.name == "sources.list":
                found.extend(_one_line_sources(file.read_text()))
    return found


def pick_source(sources: list[AptSource]) -> AptSource:
    """The main archive: a suite without ``-updates``/``-security`` and a non-security mirror."""
    for source in sources:
        if "-" not in source.suite and "security" not in source.uri:
            return source
    raise SandboxError(
        "No main Debian suite found in the host's apt sources "
        f"({', '.join(APT_SOURCE_FILES)}); expected a 'deb' entry such as "
        "'URIs: <mirror>' with 'Suites: bookworm'. Add one, or pass --mirror and --suite."
    )


def _debootstrap(source: AptSource, root: Path, log: Callable[[str], None]) -> None:
    if shutil.which("debootstrap") is None:
        raise SandboxError("debootstrap is not installed; run `apt-get install -y debootstrap`.")
    if os.geteuid() != 0:
        raise SandboxError("Building the sandbox image needs root (debootstrap and docker import).")
    cmd = [
        "debootstrap",
        "--variant=minbase",
        f"--include={','.join(IMAGE_PACKAGES)}",
        source.suite,
        str(root),
        source.uri,
    ]
    log(f"running: {' '.join(cmd)}")
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
        raise SandboxError(f"debootstrap failed (exit {done.returncode}):\n{tail}")


def _trim(root: Path) -> None:
    for rel in TRIM_PATHS:
        target = root / rel
        if target.is_dir():
            for child in target.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
    (root / "work").mkdir(mode=0o1777, exist_ok=True)
    (root / "rxlab").mkdir(mode=0o755, exist_ok=True)


def _import(client: Any, root: Path, tag: str, log: Callable[[str], None]) -> None:
    repository, _, version = tag.rpartition(":")
    with tempfile.TemporaryDirectory(prefix="rxlab-image-tar-") as tmp:
        tar = Path(tmp) / "rootfs.tar"
        subprocess.run(
            ["tar", "--numeric-owner", "-C", str(root), "-cf", str(tar), "."], check=True
        )
        log(f"importing {tar.stat().st_size / 1e6:.0f} MB as {tag}")
        client.api.import_image_from_file(
            str(tar), repository=repository, tag=version, changes=list(IMAGE_CHANGES)
        )


def build_image(
    tag: str = DEFAULT_IMAGE,
    *,
    force: bool = False,
    source: AptSource | None = None,
    log: Callable[[str], None] = print,
) -> bool:
    """Build the base image unless ``tag`` exists (or ``force``). Returns True when it built."""
    import docker

    client = docker.from_env()
    if not force and image_exists(client, tag):
        log(f"{tag} exists; nothing to build")
        return False
    source = source or pick_source(host_apt_sources())
    log(f"building {tag} from {source.uri} {source.suite}")
    with tempfile.TemporaryDirectory(prefix="rxlab-image-") as tmp:
        root = Path(tmp) / "rootfs"
        _debootstrap(source, root, log)
        _trim(root)
        _import(client, root, tag, log)
    log(f"built {tag}")
    return True


def _source_from(mirror: str | None, suite: str | None) -> AptSource | None:
    """The source given on the command line, completed from the host's apt sources."""
    if not (mirror or suite):
        return None
    if mirror and suite:
        return AptSource(mirror, suite)
    host = pick_source(host_apt_sources())
    return AptSource(mirror or host.uri, suite or host.suite)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the rxlab sandbox base image offline.")
    parser.add_argument("--tag", default=DEFAULT_IMAGE)
    parser.add_argument("--force", action="store_true", help="rebuild even if the tag exists")
    parser.add_argument("--mirror", help="Debian mirror URI (default: from the host's apt sources)")
    parser.add_argument("--suite", help="Debian suite (default: from the host's apt sources)")
    args = parser.parse_args(argv)
    try:
        source = _source_from(args.mirror, args.suite)
        build_image(args.tag, force=args.force, source=source)
    except SandboxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

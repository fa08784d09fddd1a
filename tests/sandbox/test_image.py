"""The offline base image: where its packages come from, and that set-up reuses it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import SandboxError
from sandbox.image import AptSource, build_image, host_apt_sources, pick_source
from tests.sandbox._docker import docker_missing

DEB822 = """\
Types: deb
# a comment
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: trixie
"""


def test_the_main_suite_is_read_from_deb822_sources(tmp_path: Path) -> None:
    (tmp_path / "debian.sources").write_text(DEB822)
    sources = host_apt_sources((str(tmp_path),))
    assert AptSource("http://src.example/debian", "trixie") not in sources  # deb-src skipped
    assert len(sources) == 3
    assert pick_source(sources) == AptSource("http://mirror.example/debian", "bookworm")


def test_one_line_sources_are_read_too(tmp_path: Path) -> None:
    listing = tmp_path / "sources.list"
    listing.write_text(
        "# deb http://commented.example/debian sid main\n"
        "deb http://security.example/debian-security bookworm-security main\n"
        "deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian trixie main\n"
    )
    assert pick_source(host_apt_sources((str(listing),))) == AptSource(
        "http://mirror.example/debian", "trixie"
    )


def test_no_main_suite_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "x.sources").write_text(DEB822.split("\n\n")[1])
    with pytest.raises(SandboxError, match="No main Debian suite"):
        pick_source(host_apt_sources((str(tmp_path),)))


@pytest.mark.docker
def test_an_existing_image_is_reused_not_rebuilt() -> None:
    if reason := docker_missing():
        pytest.skip(reason)
    lines: list[str] = []
    assert build_image(log=lines.append) is False
    assert lines == [lines[0]] and "exists" in lines[0]

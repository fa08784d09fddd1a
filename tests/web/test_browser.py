"""End to end in a real browser: post a preprint through the HTTP API of a running server, find
it with the search box, open it, and see its table, figure and claims; keep a screenshot."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from preprints import Store
from tests.preprints.fakes import png_bytes
from web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
REPORT = """# Self-consistency on arithmetic

We sample five answers and take the majority vote.

| method | accuracy |
| --- | --- |
| single sample | 0.52 |
| vote of 5 | 0.61 |

![accuracy by number of samples](accuracy.png)

The gain is $p_5 - p_1 = 0.09$.
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    import uvicorn

    from kernels.embeddings import embed

    store = Store(f"sqlite:///{tmp_path / 'browser.db'}", embedder=embed)
    token = store.create_lab("alpha")[1]
    port = _free_port()
    config = uvicorn.Config(
        create_app(store=store), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", token
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


def _post_report(base: str, token: str) -> tuple[str, str]:
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=60) as client:
        figure = client.post(
            "/api/figures",
            params={"filename": "accuracy.png"},
            content=png_bytes(),
            headers={**auth, "Content-Type": "image/png"},
        )
        assert figure.status_code == 201, figure.text
        sha = figure.json()["sha256"]
        posted = client.post(
            "/api/preprints",
            headers=auth,
            json={
                "title": "Self-consistency lifts arithmetic accuracy",
                "abstract": "Majority voting over five samples of a small model.",
                "body": REPORT,
                "task": "arithmetic",
                "figures": [sha],
                "claims": [
                    {"metric": "accuracy", "value": 0.61, "split": "dev", "spec": {"k": 5}},
                    {"metric": "tokens_per_item", "value": 410, "split": "dev", "spec": {"k": 5}},
                ],
            },
        )
        assert posted.status_code == 201, posted.text
        return posted.json()["preprint_id"], sha


def test_post_find_open_and_see_it_rendered(server: tuple[str, str]) -> None:
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is not installed: apt-get install -y chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    base, token = server
    pid, sha = _post_report(base, token)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(java_script_enabled=False, viewport={"width": 1100, "height": 900})
        page.goto(base + "/")
        page.fill("#search-q", "majority vote arithmetic")
        page.click("#search-go")
        link = page.locator(f'ol.results a.title[href="/preprints/{pid}"]')
        assert link.count() == 1
        link.click()
        page.wait_for_load_state("load")
        assert page.url.endswith(f"/preprints/{pid}")

        table = page.locator("#body table")
        assert table.count() == 1
        assert table.locator("tbody tr").count() == 2
        assert "vote of 5" in table.inner_text()

        image = page.locator(f'#body img[src="/figures/{sha}"]')
        assert image.count() == 1
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")

        claims = page.locator("#claims table tbody tr")
        assert claims.count() == 2
        assert "accuracy" in claims.nth(0).inner_text() and "0.61" in claims.nth(0).inner_text()
        assert page.locator(".badge-submitted").count() >= 1
        assert page.locator("#body .math").inner_text() == "$p_5 - p_1 = 0.09$"

        shot = ARTIFACTS / "preprint-page.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 10_000
